//! The review as terminal text: what `vitrine review` prints.

use std::fmt::Write;

use vitrine_analytics::Review;
use vitrine_core::words::{label, Kind};

use comfy_table::{presets::UTF8_FULL_CONDENSED, Table as Grid};

use super::parts::*;

/// The review as text.
pub fn review(rv: &Review) -> String {
    let l = rv.lang;
    let mut s = String::new();
    let _ = writeln!(
        s,
        "{} · {} · {}",
        l.pick("每日复盘", "Daily review"),
        rv.shop,
        rv.date
    );
    let mut g = Grid::new();
    g.load_preset(UTF8_FULL_CONDENSED).set_header([
        l.pick("指标", "Metric"),
        l.pick("实际", "Actual"),
        l.pick("目标", "Target"),
        l.pick("偏差", "Deviation"),
        l.pick("状态", "Status"),
        l.pick("周同比", "vs last week"),
    ]);
    for k in &rv.kpis {
        g.add_row([
            k.name.clone(),
            fmt(k.value, k.unit),
            fmt(k.target, k.unit),
            k.deviation
                .map(|d| format!("{:+.1}%", d * 100.0))
                .unwrap_or_else(|| "–".into()),
            k.status.label(l),
            k.vs_last_week
                .map(|d| format!("{:+.1}%", d * 100.0))
                .unwrap_or_else(|| "–".into()),
        ]);
    }
    let _ = writeln!(s, "{g}");
    for p in &rv.pacing {
        let _ = writeln!(
            s,
            "{} {}: {} ¥{:.0} / {} ¥{:.0} · {} ¥{:.0} · {}",
            l.pick("进度", "Pacing"),
            vitrine_core::words::period(&p.period, l),
            l.pick("实际", "actual"),
            p.actual_to_date,
            l.pick("应完成", "expected"),
            p.expected_to_date,
            l.pick("预计", "projected"),
            p.projected,
            if p.on_track {
                l.pick("达标", "on track")
            } else {
                l.pick("落后", "behind")
            }
        );
    }
    let _ = writeln!(s, "\n{} ({})", l.pick("预警", "Alerts"), rv.alerts.len());
    for a in &rv.alerts {
        let sev = a.severity.label(l);
        let (rule, metric, scope) = alert_words(a, l);
        let _ = writeln!(s, "  [{sev}] {rule} {metric} · {scope} — {}", a.message);
        if let Some(c) = causes(a, l) {
            let _ = writeln!(s, "      {c}");
        }
    }
    if !rv.standing.is_empty() {
        let _ = writeln!(
            s,
            "\n{} ({})",
            l.pick("持续预警（前日已报）", "Standing alerts (raised before)"),
            rv.standing.len()
        );
        for a in &rv.standing {
            let (rule, metric, scope) = alert_words(a, l);
            let _ = writeln!(s, "  {rule} {metric} · {scope} — {}", a.message);
        }
    }
    if let Some(line) = mix_line(rv) {
        let _ = writeln!(s, "\n{line}");
    }
    if !rv.missing_sources.is_empty() {
        let _ = writeln!(s, "\n{}", missing_heading(l));
        for m in &rv.missing_sources {
            let _ = writeln!(s, "  {}: {}", m.name, m.download);
        }
    }
    if let Some(p) = &rv.paid_traffic {
        let _ = writeln!(s, "\n{}", paid_heading(p, l));
        for x in paid_lines(p) {
            let _ = writeln!(s, "  {}", paid_line(x, l));
        }
    }
    let r = &rv.risk_index;
    let _ = writeln!(
        s,
        "\n{} {:.0} ({}) · {} {:.0}{}",
        l.pick("风险指数", "Risk index"),
        r.value,
        grade_label(&r.grade, l),
        l.pick("30 天后预测", "forecast in 30 days"),
        r.forecast.last().map(|p| p.value).unwrap_or(r.value),
        if r.tolerance_exceeded {
            l.pick("（超出容忍度）", " (beyond tolerance)")
        } else {
            ""
        }
    );
    let mut top: Vec<_> = r
        .indicators
        .iter()
        .filter(|i| i.score.unwrap_or(0.0) > 0.0)
        .collect();
    top.sort_by(|a, b| b.score.unwrap_or(0.0).total_cmp(&a.score.unwrap_or(0.0)));
    for i in top.iter().take(3) {
        let _ = writeln!(
            s,
            "  {} {:.0} ({})",
            i.name,
            i.score.unwrap_or(0.0),
            grade_label(&i.grade, l)
        );
    }
    let _ = writeln!(s, "\n{}", l.pick("今日行动", "Today's actions"));
    for a in &rv.actions {
        let _ = writeln!(
            s,
            "  {}. {}\n     {}\n     {}",
            a.priority,
            a.title,
            action_terms(a, l),
            a.detail
        );
    }
    if let Some(leak) = &rv.leakiest_step {
        let _ = writeln!(
            s,
            "\n{}{leak}",
            l.pick("漏斗漏损最大环节：", "Leakiest funnel step: ")
        );
    }
    if let Some(u) = &rv.users {
        let stages: Vec<String> = u
            .stages
            .iter()
            .map(|(k, v)| format!("{} {v}", label(Kind::Stage, k, l)))
            .collect();
        let _ = writeln!(
            s,
            "\n{} {} ({}) · {} {}",
            l.pick("用户", "Users"),
            u.users,
            stages.join(", "),
            l.pick("召回候选", "recall candidates"),
            u.recall
        );
    }
    if !rv.experiments.is_empty() {
        let _ = writeln!(s, "\n{}", l.pick("实验", "Experiments"));
        for e in &rv.experiments {
            let _ = writeln!(
                s,
                "  #{} {} ({}, {} {}) — {}",
                e.id,
                e.name,
                vitrine_core::words::label(vitrine_core::words::Kind::Metric, &e.metric, l),
                e.days_run,
                l.pick("天", "days"),
                verdict(e, l)
            );
        }
    }
    s
}

/// The target tree and KPI targets behind a review.
pub fn targets(rv: &Review) -> String {
    let l = rv.lang;
    let t = &rv.targets;
    let mut s = format!(
        "{} {} · {} ¥{:.0} ({})\n",
        l.pick("年度成交目标", "Annual GMV target"),
        t.year,
        rv.shop,
        t.annual,
        t.source.label(l)
    );
    for (i, q) in t.quarters.iter().enumerate() {
        let _ = writeln!(
            s,
            "  Q{}: ¥{q:.0} ({:.1}%)",
            i + 1,
            if t.annual > 0.0 {
                q / t.annual * 100.0
            } else {
                0.0
            }
        );
    }
    let _ = writeln!(
        s,
        "  {} ¥{:.0} · {} {} ¥{:.0}",
        l.pick("当月", "month"),
        t.month,
        rv.date,
        l.pick("当日", "day"),
        t.day
    );
    for k in rv.kpis.iter().filter(|k| k.target.is_some()) {
        let _ = writeln!(
            s,
            "  {}: {} {}",
            k.name,
            l.pick("目标", "target"),
            fmt(k.target, k.unit)
        );
    }
    s
}
