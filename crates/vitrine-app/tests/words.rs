//! Every code the analyses emit has words in the label table.

use vitrine_analytics::bids::Action;
use vitrine_core::words::{label, Kind, LABELS};
use vitrine_core::Lang;

fn has(kind: Kind, code: &str) -> bool {
    LABELS.iter().any(|l| l.kind == kind && l.code == code)
}

#[test]
fn every_rule_and_action_has_words() {
    for r in vitrine_analytics::monitor::RULES {
        assert!(has(Kind::Rule, r), "rule {r}");
    }
    for a in Action::ALL {
        assert!(has(Kind::Action, a.id()), "action {}", a.id());
        assert_eq!(label(Kind::Action, a.id(), Lang::Zh), a.label_zh());
    }
}
