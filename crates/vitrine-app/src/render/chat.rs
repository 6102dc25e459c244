//! The review as group-chat cards: the daily summary and one card per critical alert.

use vitrine_analytics::review::KpiStatus;
use vitrine_analytics::Review;

use super::parts::action_terms;
use crate::notify::Message;

/// The daily review as a summary card: KPIs off target, the top alerts and actions.
pub fn review_message(rv: &Review) -> Message {
    use std::fmt::Write;
    let l = rv.lang;
    let mut md = String::new();
    let off: Vec<_> = rv
        .kpis
        .iter()
        .filter(|k| matches!(k.status, KpiStatus::Alert | KpiStatus::Behind))
        .collect();
    let _ = writeln!(
        md,
        "**{}** {}/{}",
        l.pick("指标达标", "KPIs on track"),
        rv.kpis.len() - off.len(),
        rv.kpis.len()
    );
    for k in off.iter().take(6) {
        let dev = k
            .deviation
            .map(|d| format!("{:+.1}%", d * 100.0))
            .unwrap_or_default();
        let _ = writeln!(md, "- {} {dev}", k.name);
    }
    let _ = writeln!(md, "\n**{}** {}", l.pick("预警", "Alerts"), rv.alerts.len());
    for a in rv.alerts.iter().take(5) {
        let _ = writeln!(md, "- [{}] {}", a.severity.label(l), a.message);
    }
    if !rv.actions.is_empty() {
        let _ = writeln!(md, "\n**{}**", l.pick("今日行动", "Today's actions"));
        for a in rv.actions.iter().take(3) {
            let _ = writeln!(md, "{}. {} — {}", a.priority, a.title, action_terms(a, l));
        }
    }
    Message {
        title: format!(
            "{} · {} · {}",
            l.pick("每日复盘", "Daily review"),
            rv.shop,
            rv.date
        ),
        markdown: md,
    }
}

/// One critical alert, pushed immediately.
pub fn alert_message(rv: &Review, a: &vitrine_analytics::review::Alert) -> Message {
    let l = rv.lang;
    let playbook = a
        .playbook
        .as_deref()
        .map(|p| format!("\n{}{p}", l.pick("预案：", "Playbook: ")))
        .unwrap_or_default();
    Message {
        title: format!(
            "{} · {} · {}",
            a.severity.label(l),
            rv.shop,
            vitrine_core::words::label(vitrine_core::words::Kind::Metric, &a.metric, l)
        ),
        markdown: format!(
            "{}\n{}{} {}h{playbook}",
            a.message,
            l.pick("范围：", "Scope: "),
            vitrine_core::words::scope(&a.scope_id, l),
            a.due_hours
        ),
    }
}
