//! The review as Markdown: for reports and documents.

use std::fmt::Write;

use vitrine_analytics::Review;

use super::parts::*;

/// The review as Markdown.
pub fn review(rv: &Review) -> String {
    let l = rv.lang;
    let mut s = format!(
        "# {} · {} · {}\n\n",
        l.pick("每日复盘", "Daily review"),
        rv.shop,
        rv.date
    );
    let _ = writeln!(
        s,
        "| {} | {} | {} | {} | {} |\n|---|---:|---:|---:|---|",
        l.pick("指标", "Metric"),
        l.pick("实际", "Actual"),
        l.pick("目标", "Target"),
        l.pick("偏差", "Deviation"),
        l.pick("状态", "Status")
    );
    for k in &rv.kpis {
        let dev = k
            .deviation
            .map(|d| format!("{:+.1}%", d * 100.0))
            .unwrap_or_else(|| "–".into());
        let _ = writeln!(
            s,
            "| {} | {} | {} | {dev} | {} |",
            k.name,
            fmt(k.value, k.unit),
            fmt(k.target, k.unit),
            k.status.label(l)
        );
    }
    let _ = writeln!(s, "\n## {}\n", l.pick("预警", "Alerts"));
    for a in &rv.alerts {
        let (rule, metric, scope) = alert_words(a, l);
        let _ = writeln!(s, "- **{rule}** {scope} {metric} — {}", a.message);
        if let Some(c) = causes(a, l) {
            let _ = writeln!(s, "  - {c}");
        }
    }
    for a in &rv.standing {
        let (rule, metric, scope) = alert_words(a, l);
        let standing = l.pick("持续", "standing");
        let _ = writeln!(s, "- {rule} {scope} {metric} — {} ({standing})", a.message);
    }
    if let Some(line) = mix_line(rv) {
        let _ = writeln!(s, "\n{line}");
    }
    if !rv.missing_sources.is_empty() {
        let _ = writeln!(s, "\n## {}\n", missing_heading(l));
        for m in &rv.missing_sources {
            let _ = writeln!(s, "- **{}**: {}", m.name, m.download);
        }
    }
    if let Some(p) = &rv.paid_traffic {
        let _ = writeln!(s, "\n## {}\n", paid_heading(p, l));
        for x in paid_lines(p) {
            let _ = writeln!(s, "- {}", paid_line(x, l));
        }
    }
    let _ = writeln!(
        s,
        "\n## {} {:.0} ({})\n",
        l.pick("风险指数", "Risk index"),
        rv.risk_index.value,
        grade_label(&rv.risk_index.grade, l)
    );
    let _ = writeln!(
        s,
        "| {} | {} | {} | {} |\n|---|---:|---:|---|",
        l.pick("指标", "Indicator"),
        l.pick("分值", "Score"),
        l.pick("概率×影响", "P×I"),
        l.pick("等级", "Grade")
    );
    for i in &rv.risk_index.indicators {
        let score = i
            .score
            .map(|x| format!("{x:.0}"))
            .unwrap_or_else(|| "–".into());
        let _ = writeln!(
            s,
            "| {} | {score} | {}×{} | {} |",
            i.name,
            i.probability,
            i.impact,
            grade_label(&i.grade, l)
        );
    }
    let _ = writeln!(s, "\n## {}\n", l.pick("今日行动", "Today's actions"));
    for a in &rv.actions {
        let _ = writeln!(
            s,
            "{}. **{}** — {} {}",
            a.priority,
            a.title,
            action_terms(a, l),
            a.detail
        );
    }
    if !rv.experiments.is_empty() {
        let _ = writeln!(s, "\n## {}\n", l.pick("实验", "Experiments"));
        for e in &rv.experiments {
            let _ = writeln!(
                s,
                "- **#{} {}** ({}) — {}",
                e.id,
                e.name,
                vitrine_core::words::label(vitrine_core::words::Kind::Metric, &e.metric, l),
                verdict(e, l)
            );
        }
    }
    s
}
