//! Text, Markdown, HTML and JSON renderings of what the analyses return.

use std::fmt::Write;

use anyhow::Result;
use comfy_table::{presets::UTF8_FULL_CONDENSED, Table as Grid};
use vitrine_analytics::Review;
use vitrine_core::metric::METRICS;
use vitrine_core::{Lang, Table, Unit};
use vitrine_lake::AlertRecord;

use crate::ReviewFormat;

/// Prints the metric catalog.
pub fn metrics(json: bool) -> Result<()> {
    if json {
        println!("{}", serde_json::to_string_pretty(METRICS)?);
        return Ok(());
    }
    let mut g = Grid::new();
    g.load_preset(UTF8_FULL_CONDENSED).set_header([
        "id",
        "名称",
        "name",
        "formula",
        "unit",
        "direction",
        "additive",
        "sources (best first)",
    ]);
    for m in METRICS {
        let unit = serde_json::to_value(m.unit)?
            .as_str()
            .unwrap_or_default()
            .to_string();
        let dir = if m.direction == vitrine_core::Direction::HigherIsBetter {
            "↑"
        } else {
            "↓"
        };
        g.add_row([
            m.id,
            m.name_zh,
            m.name_en,
            m.formula_text,
            &unit,
            dir,
            if m.additive { "yes" } else { "ratio" },
            &vitrine_core::metric::sources_text(m),
        ]);
    }
    println!(
        "{g}\n{} metrics; ratios are computed as ratio of sums at the requested grain.",
        METRICS.len()
    );
    Ok(())
}

/// Prints every table with its columns.
pub fn tables() {
    for t in Table::ALL {
        let cols: Vec<String> = t
            .schema()
            .fields()
            .iter()
            .map(|f| format!("{} {}", f.name(), f.data_type()))
            .collect();
        println!(
            "{} — {}\n    {}",
            t.name(),
            t.description(),
            cols.join(", ")
        );
    }
}

fn fmt(v: Option<f64>, unit: Unit) -> String {
    let Some(v) = v else { return "–".into() };
    match unit {
        Unit::Ratio => format!("{:.2}%", v * 100.0),
        Unit::Yuan => format!("¥{v:.2}"),
        Unit::Count => format!("{v:.0}"),
        _ => format!("{v:.2}"),
    }
}

fn status_label(s: &str, lang: Lang) -> &'static str {
    match s {
        "on_track" => lang.pick("达标", "on track"),
        "behind" => lang.pick("略低", "behind"),
        "alert" => lang.pick("预警", "ALERT"),
        _ => lang.pick("—", "—"),
    }
}

/// Renders a review in the requested format.
pub fn review(rv: &Review, format: ReviewFormat) -> Result<String> {
    Ok(match format {
        ReviewFormat::Json => serde_json::to_string_pretty(rv)?,
        ReviewFormat::Text => text(rv),
        ReviewFormat::Md => markdown(rv),
        ReviewFormat::Html => html(rv),
    })
}

fn text(rv: &Review) -> String {
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
            status_label(&k.status, l).to_string(),
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
            p.period,
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
        let sev = serde_json::to_value(a.severity)
            .ok()
            .and_then(|v| v.as_str().map(String::from))
            .unwrap_or_default();
        let _ = writeln!(
            s,
            "  [{sev}] {} {} · {} — {}",
            a.rule, a.metric, a.scope_id, a.message
        );
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
            let _ = writeln!(
                s,
                "  {} {} · {} — {}",
                a.rule, a.metric, a.scope_id, a.message
            );
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
            "  {}. [{}] {}\n     {}",
            a.priority, a.playbook, a.title, a.detail
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
        let stages: Vec<String> = u.stages.iter().map(|(k, v)| format!("{k} {v}")).collect();
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
                e.metric,
                e.days_run,
                l.pick("天", "days"),
                verdict(e, l)
            );
        }
    }
    s
}

/// "主因：plan=p1 (92%) · category=beauty (12%)", the alert's ranked root causes.
fn causes(a: &vitrine_analytics::review::Alert, l: Lang) -> Option<String> {
    if a.root_causes.is_empty() {
        return None;
    }
    let list: Vec<String> = a
        .root_causes
        .iter()
        .take(3)
        .map(|c| {
            format!(
                "{}={} ({:.0}%)",
                c.dimension,
                c.value,
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

fn grade_label(g: &str, l: Lang) -> &'static str {
    match g {
        "critical" => l.pick("极高", "critical"),
        "high" => l.pick("高", "high"),
        "medium" => l.pick("中", "medium"),
        _ => l.pick("低", "low"),
    }
}

fn verdict(e: &vitrine_analytics::experiment::ExperimentVerdict, l: Lang) -> &str {
    l.pick(&e.analysis.verdict.zh, &e.analysis.verdict.en)
}

/// The day's orders by region (top five) and their peak hours, on one line.
fn mix_line(rv: &Review) -> Option<String> {
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
fn missing_heading(l: Lang) -> &'static str {
    l.pick(
        "缺少的数据（下载后导入即可补全）",
        "Missing data (download and import to fill in)",
    )
}

fn markdown(rv: &Review) -> String {
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
            status_label(&k.status, l)
        );
    }
    let _ = writeln!(s, "\n## {}\n", l.pick("预警", "Alerts"));
    for a in &rv.alerts {
        let _ = writeln!(
            s,
            "- **{}** `{}` {} — {}",
            a.rule, a.scope_id, a.metric, a.message
        );
        if let Some(c) = causes(a, l) {
            let _ = writeln!(s, "  - {c}");
        }
    }
    for a in &rv.standing {
        let _ = writeln!(
            s,
            "- {} `{}` {} — {} ({})",
            a.rule,
            a.scope_id,
            a.metric,
            a.message,
            l.pick("持续", "standing")
        );
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
        let _ = writeln!(s, "{}. **{}** — {}", a.priority, a.title, a.detail);
    }
    if !rv.experiments.is_empty() {
        let _ = writeln!(s, "\n## {}\n", l.pick("实验", "Experiments"));
        for e in &rv.experiments {
            let _ = writeln!(
                s,
                "- **#{} {}** ({}) — {}",
                e.id,
                e.name,
                e.metric,
                verdict(e, l)
            );
        }
    }
    s
}

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn html(rv: &Review) -> String {
    let l = rv.lang;
    let mut rows = String::new();
    for k in &rv.kpis {
        let dev = k
            .deviation
            .map(|d| format!("{:+.1}%", d * 100.0))
            .unwrap_or_else(|| "–".into());
        let _ = write!(
            rows,
            "<tr class=\"{}\"><td>{}</td><td>{}</td><td>{}</td><td>{dev}</td><td>{}</td></tr>",
            k.status,
            esc(&k.name),
            fmt(k.value, k.unit),
            fmt(k.target, k.unit),
            status_label(&k.status, l)
        );
    }
    let alerts: String = rv
        .alerts
        .iter()
        .map(|a| {
            format!(
                "<li><b>{}</b> <code>{}</code> {}<br><small>{}</small></li>",
                esc(&a.rule),
                esc(&a.scope_id),
                esc(&a.message),
                esc(&causes(a, l).unwrap_or_default())
            )
        })
        .collect();
    let actions: String = rv
        .actions
        .iter()
        .map(|a| format!("<li><b>{}</b><br>{}</li>", esc(&a.title), esc(&a.detail)))
        .collect();
    let paid: String = rv
        .paid_traffic
        .as_ref()
        .map(|p| {
            let items: String = paid_lines(p)
                .map(|x| format!("<li>{}</li>", esc(&paid_line(x, l))))
                .collect();
            format!("<h2>{}</h2><ul>{items}</ul>", esc(&paid_heading(p, l)))
        })
        .unwrap_or_default();
    let missing: String = if rv.missing_sources.is_empty() {
        String::new()
    } else {
        let items: String = rv
            .missing_sources
            .iter()
            .map(|m| format!("<li><b>{}</b>: {}</li>", esc(&m.name), esc(&m.download)))
            .collect();
        format!("<h2>{}</h2><ul>{items}</ul>", esc(missing_heading(l)))
    };
    let paid = format!("{missing}{paid}");
    format!(
        "<!doctype html><html lang=\"{}\"><head><meta charset=\"utf-8\"><title>{t}</title><style>body{{font-family:system-ui,'PingFang SC','Microsoft YaHei',sans-serif;margin:24px}}table{{border-collapse:collapse}}td,th{{border:1px solid #ddd;padding:4px 8px}}tr.alert td{{color:#c00}}</style></head><body><h1>{t}</h1><table><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr>{rows}</table><h2>{}</h2><ul>{alerts}</ul><h2>{}</h2><ol>{actions}</ol>{paid}<p>{} {:.0} ({})</p></body></html>",
        l.pick("zh-CN", "en"),
        l.pick("指标", "Metric"),
        l.pick("实际", "Actual"),
        l.pick("目标", "Target"),
        l.pick("偏差", "Deviation"),
        l.pick("状态", "Status"),
        l.pick("预警", "Alerts"),
        l.pick("今日行动", "Today's actions"),
        l.pick("风险指数", "Risk index"),
        rv.risk_index.value,
        grade_label(&rv.risk_index.grade, l),
        t = esc(&format!("{} · {} · {}", l.pick("每日复盘", "Daily review"), rv.shop, rv.date)),
    )
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
        t.source
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

/// A table of stored alerts.
pub fn alert_table(list: &[AlertRecord]) -> String {
    let mut g = Grid::new();
    g.load_preset(UTF8_FULL_CONDENSED).set_header([
        "id", "status", "severity", "rule", "metric", "scope", "last", "count", "due", "owner",
    ]);
    for a in list {
        g.add_row([
            a.id.to_string(),
            a.status.as_str().to_string(),
            a.severity.clone(),
            a.rule.clone(),
            a.metric.clone(),
            a.scope.clone(),
            a.last_date.clone(),
            a.occurrences.to_string(),
            a.due_at.chars().take(16).collect(),
            a.owner.clone().unwrap_or_default(),
        ]);
    }
    format!("{g}\n{} alerts", list.len())
}

/// The auction comparison: one row per policy and scenario, then the summary.
pub fn auction(c: &vitrine_sim::auction::Comparison) -> String {
    let mut s = String::from(
        "| policy | scenario | kind | goal | target | achieved | spend | budget | budget use | target allows budget | within ±5% | meets goal | pacing gap |\n|---|---:|---|---|---:|---:|---:|---:|---:|---|---|---|---:|\n",
    );
    let yes = |b: bool| if b { "yes" } else { "no" };
    for o in &c.outcomes {
        let _ = writeln!(
            s,
            "| {} | {} | {:?} | {} | {:.2} | {:.2} | {:.0} | {:.0} | {:.0}% | {} | {} | {} | {:.2} |",
            o.policy,
            o.scenario,
            o.kind,
            o.goal,
            o.target,
            o.achieved,
            o.spend,
            o.budget,
            100.0 * o.budget_use,
            yes(o.budget_reachable),
            yes(o.within_target),
            yes(o.meets_goal),
            o.pacing_gap
        );
    }
    s.push_str("\n| policy | scenarios | within ±5% of target | target allows budget | ≥ 90% spent where allowed | meets goal | mean budget use | mean pacing gap |\n|---|---:|---:|---:|---:|---:|---:|---:|\n");
    for p in &c.summary {
        let _ = writeln!(
            s,
            "| {} | {} | {:.0}% | {} | {:.0}% | {:.0}% | {:.0}% | {:.2} |",
            p.policy,
            p.scenarios,
            100.0 * p.within_target_share,
            p.budget_reachable,
            100.0 * p.spent_share_where_reachable,
            100.0 * p.meets_goal_share,
            100.0 * p.mean_budget_use,
            p.mean_pacing_gap
        );
    }
    s
}

/// The paid-traffic heading: plans, spend, ROI and how many changes are proposed.
fn paid_heading(p: &vitrine_analytics::bids::BidsReport, l: Lang) -> String {
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
fn paid_lines(
    p: &vitrine_analytics::bids::BidsReport,
) -> impl Iterator<Item = &vitrine_analytics::bids::Recommendation> {
    p.recommendations.iter().take(10)
}

fn paid_line(x: &vitrine_analytics::bids::Recommendation, l: Lang) -> String {
    let status = serde_json::to_value(x.status)
        .ok()
        .and_then(|v| v.as_str().map(String::from))
        .unwrap_or_default();
    format!(
        "[{}] {} {} — {}",
        x.decision.as_deref().unwrap_or(&status),
        x.plan_id,
        l.pick(x.action.label_zh(), x.action.id()),
        l.pick(&x.reason_zh, &x.reason_en)
    )
}
