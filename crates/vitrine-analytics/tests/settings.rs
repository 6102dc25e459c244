//! Every setting the analyses read is in the shipped defaults: a key misspelt in code would
//! silently read as NaN and switch a rule off.

use std::path::Path;

use vitrine_analytics::bids::budget::BudgetPolicy;
use vitrine_analytics::bids::BidPolicy;
use vitrine_analytics::risk::RiskSettings;
use vitrine_analytics::users::UserSettings;
use vitrine_core::calendar::Calendar;
use vitrine_core::config::{Config, Group};

/// The string literals passed to the settings readers in `dir`'s Rust files.
fn keys_read(dir: &Path, out: &mut Vec<(String, String)>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            keys_read(&path, out);
            continue;
        }
        if path.extension().is_none_or(|e| e != "rs") {
            continue;
        }
        let text = std::fs::read_to_string(&path).unwrap();
        for reader in ["t(\"", "tc(\"", "threshold(\""] {
            for (i, _) in text.match_indices(reader) {
                // A reader's name, not the end of another (`expect(`, `list(`).
                let before = text[..i].chars().next_back();
                if before.is_some_and(|c| c.is_alphanumeric() || c == '_') {
                    continue;
                }
                let rest = &text[i + reader.len()..];
                if let Some(end) = rest.find('"') {
                    out.push((path.display().to_string(), rest[..end].to_string()));
                }
            }
        }
    }
}

#[test]
fn every_threshold_the_rules_read_is_a_shipped_default() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut keys = Vec::new();
    keys_read(&src, &mut keys);
    assert!(keys.len() > 30, "found only {} reads", keys.len());
    let cfg = Config::default();
    let known: Vec<String> = [Group::Thresholds, Group::Targets]
        .iter()
        .flat_map(|g| cfg.entries(*g))
        .map(|(k, _)| k)
        .collect();
    for (file, key) in keys {
        // `t("…")` also matches unrelated helpers; keys are snake_case words.
        if key.is_empty() || !key.chars().all(|c| c.is_ascii_lowercase() || c == '_') {
            continue;
        }
        assert!(
            known.contains(&key),
            "{file} reads `{key}`, not in defaults.toml"
        );
    }
}

#[test]
fn every_structured_setting_is_finite() {
    let bids = BidPolicy::default();
    let b = serde_json::to_value(&bids).unwrap();
    for (k, v) in b.as_object().unwrap() {
        if let Some(x) = v.as_f64() {
            assert!(x.is_finite(), "bids {k}");
        }
    }
    assert!(bids.ctr_baselines.len() >= 6);
    assert!(bids.daypart_range.0 < bids.daypart_range.1);
    let budget = BudgetPolicy::default();
    for (_, shares) in budget.channels {
        assert!(
            (shares.iter().sum::<f64>() - 1.0).abs() < 1e-9,
            "{shares:?}"
        );
    }
    assert!((budget.plan_split.iter().sum::<f64>() - 1.0).abs() < 1e-9);
    assert!(budget
        .total_split
        .iter()
        .all(|(_, lo, hi)| lo.is_finite() && lo <= hi));
    let users = UserSettings::default();
    assert!(users.tier_cuts.windows(2).all(|w| w[0] > w[1]));
    assert!(users.recall_value_min.is_finite() && users.clv_horizon_days > 0.0);
    let risk = RiskSettings::default();
    assert!(risk.ramps.iter().all(|r| r.weight > 0.0));
    let cal = Calendar::default();
    let year: Vec<chrono::NaiveDate> = (0..365)
        .map(|i| chrono::NaiveDate::from_ymd_opt(2026, 1, 1).unwrap() + chrono::Duration::days(i))
        .collect();
    assert!(year
        .iter()
        .all(|d| cal.day_weight(*d).is_finite() && cal.day_weight(*d) > 0.0));
}
