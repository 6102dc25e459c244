//! Pieces every review renderer shares: values with their unit, status and grade words,
//! root causes, the order-mix line and the paid-traffic lines.

use vitrine_analytics::Review;
use vitrine_core::words::{self, label, Kind};
use vitrine_core::{Lang, Unit};

pub(super) fn fmt(v: Option<f64>, unit: Unit) -> String {
    let Some(v) = v else { return "–".into() };
    match unit {
        Unit::Ratio => format!("{:.2}%", v * 100.0),
        Unit::Yuan => format!("¥{v:.2}"),
        Unit::Count => format!("{v:.0}"),
        _ => format!("{v:.2}"),
    }
}

/// An alert's rule, metric and scope in words.
pub(super) fn alert_words(
    a: &vitrine_analytics::review::Alert,
    l: Lang,
) -> (String, String, String) {
    (
        label(Kind::Rule, &a.rule, l),
        label(Kind::Metric, &a.metric, l),
        words::scope(&a.scope_id, l),
    )
}

/// "主因：plan=p1 (92%) · category=beauty (12%)", the alert's ranked root causes.
pub(super) fn causes(a: &vitrine_analytics::review::Alert, l: Lang) -> Option<String> {
    if a.root_causes.is_empty() {
        return None;
    }
    let list: Vec<String> = a
        .root_causes
        .iter()
        .take(3)
        .map(|c| {
            format!(
                "{} ({:.0}%)",
                words::scope(&format!("{}:{}", c.dimension, c.value), l),
                100.0 * c.explanatory_power
            )
        })
        .collect();
    Some(format!(
        "{}{}",
        l.pick("主因：", "Root cause: "),
        list.join(" · ")
    ))
}

pub(super) fn grade_label(g: &str, l: Lang) -> &'static str {
    match g {
        "critical" => l.pick("极高", "critical"),
        "high" => l.pick("高", "high"),
        "medium" => l.pick("中", "medium"),
        _ => l.pick("低", "low"),
    }
}

pub(super) fn verdict(e: &vitrine_analytics::experiment::ExperimentVerdict, l: Lang) -> &str {
    l.pick(&e.analysis.verdict.zh, &e.analysis.verdict.en)
}

/// The day's orders by region (top five) and their peak hours, on one line.
pub(super) fn mix_line(rv: &Review) -> Option<String> {
    let (l, m) = (rv.lang, &rv.order_mix);
    if m.regions.is_empty() {
        return None;
    }
    let regions: Vec<String> = m
        .regions
        .iter()
        .take(5)
        .map(|(r, n)| format!("{r} {n:.0}"))
        .collect();
    let mut peak = m.hours.clone();
    peak.sort_by(|a, b| b.1.total_cmp(&a.1));
    let hours: Vec<String> = peak
        .iter()
        .take(3)
        .map(|(h, n)| format!("{h}{} {n:.0}", l.pick("时", "h")))
        .collect();
    Some(format!(
        "{}: {} · {}: {}",
        l.pick("订单地域", "Orders by region"),
        regions.join(", "),
        l.pick("高峰时段", "Peak hours"),
        hours.join(", ")
    ))
}

/// The heading over the sections a shop has no source for.
pub(super) fn missing_heading(l: Lang) -> &'static str {
    l.pick(
        "缺少的数据（下载后导入即可补全）",
        "Missing data (download and import to fill in)",
    )
}

/// The paid-traffic heading: plans, spend, ROI and how many changes are proposed.
pub(super) fn paid_heading(p: &vitrine_analytics::bids::BidsReport, l: Lang) -> String {
    let o = &p.overview;
    format!(
        "{} · {} {} · {} {:.0} · ROI {} · {} {}",
        l.pick("千川投放", "Paid traffic"),
        l.pick("计划", "plans"),
        o.plans,
        l.pick("消耗", "spend"),
        o.spend,
        o.roi.map_or("-".into(), |r| format!("{r:.2}")),
        l.pick("待批建议", "changes to approve"),
        p.recommendations
            .iter()
            .filter(|x| x.status == vitrine_analytics::bids::Status::Proposed)
            .count()
    )
}

/// The ten most urgent recommendations.
pub(super) fn paid_lines(
    p: &vitrine_analytics::bids::BidsReport,
) -> impl Iterator<Item = &vitrine_analytics::bids::Recommendation> {
    p.recommendations.iter().take(10)
}

pub(super) fn paid_line(x: &vitrine_analytics::bids::Recommendation, l: Lang) -> String {
    let status = serde_json::to_value(x.status)
        .ok()
        .and_then(|v| v.as_str().map(String::from))
        .unwrap_or_default();
    format!(
        "[{}] {} {} — {}",
        label(Kind::RecStatus, x.decision.as_deref().unwrap_or(&status), l),
        x.plan_id,
        l.pick(x.action.label_zh(), x.action.id()),
        l.pick(&x.reason_zh, &x.reason_en)
    )
}

/// An action's money, owner and due date on one line: `涉及约 ¥1,234（依据）· 负责：投放 · 截止 2026-11-21`.
pub(super) fn action_terms(a: &vitrine_analytics::review::Action, l: Lang) -> String {
    let money = match a.at_stake_yuan {
        Some(y) => format!(
            "{} ¥{} ({})",
            l.pick("涉及约", "At stake about"),
            thousands(y),
            a.basis
        ),
        None => l.pick("金额无法估算", "No money estimate").into(),
    };
    format!(
        "{money} · {} {} · {} {}",
        l.pick("负责：", "Owner:"),
        a.owner,
        l.pick("截止", "Due"),
        a.due
    )
}

/// Whole yuan with thousands separators.
fn thousands(y: f64) -> String {
    let n = y.round() as i64;
    let digits = n.unsigned_abs().to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    if n < 0 {
        format!("-{out}")
    } else {
        out
    }
}
