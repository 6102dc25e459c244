//! Listings the CLI prints: the metric catalog, the tables, stored alerts and the auction
//! comparison. Reviews render in `vitrine_app::render`.

use std::fmt::Write;

use anyhow::Result;
use comfy_table::{presets::UTF8_FULL_CONDENSED, Table as Grid};
use vitrine_core::metric::METRICS;
use vitrine_core::Table;
use vitrine_lake::AlertRecord;

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
            "| {} | {} | {} | {} | {:.2} | {:.2} | {:.0} | {:.0} | {:.0}% | {} | {} | {} | {:.2} |",
            policy(&o.policy),
            o.scenario,
            scenario(o.kind),
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
            policy(&p.policy),
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

/// The controller study: one row per mode, mix and policy, then the controller's losses.
pub fn study(r: &vitrine_sim::auction::StudyReport) -> String {
    let st = &r.study;
    let mut s = format!(
        "seeds {:?}, {} scenarios per seed and mix, {} days each\n\n",
        st.seeds, st.scenarios, st.days
    );
    s.push_str("| bids go out | mix | policy | scenarios | meets goal | within ±5% | ≥ 90% spent where allowed | score | bid changes a day | pacing gap |\n|---|---|---|---:|---:|---:|---:|---:|---:|---:|\n");
    for p in &r.summary {
        let _ = writeln!(
            s,
            "| {} | {} | {} | {} | {:.0}% | {:.0}% | {:.0}% | {:.2} | {:.1} | {:.2} |",
            mode(p.mode),
            mix(p.mix),
            policy(&p.policy),
            p.scenarios,
            100.0 * p.meets_goal_share,
            100.0 * p.within_target_share,
            100.0 * p.spent_share_where_reachable,
            p.mean_score,
            p.bid_changes_per_day,
            p.mean_pacing_gap
        );
    }
    let _ = writeln!(
        s,
        "\nwhere the controller loses to the PID pacer ({} of {} scenario runs):",
        r.losses.len(),
        r.runs.len() / 4
    );
    for l in &r.losses {
        let _ = writeln!(
            s,
            "- {}, {} mix, seed {} scenario {} ({}, {} goal): score {:.2} vs {:.2}, meets goal {} vs {}",
            mode(l.mode),
            mix(l.mix),
            l.seed,
            l.scenario,
            scenario(l.kind),
            l.goal.to_uppercase(),
            l.controller_score,
            l.pid_score,
            l.controller_meets_goal,
            l.pid_meets_goal
        );
    }
    s
}

/// A policy's name as people read it.
fn policy(id: &str) -> &str {
    match id {
        "controller" => "controller",
        "pid_pacer" => "PID pacer",
        "pacing_rule" => "pacing rule",
        "fixed_bid" => "fixed bid",
        other => other,
    }
}

/// A scenario kind as people read it.
fn scenario(k: vitrine_sim::auction::ScenarioKind) -> &'static str {
    use vitrine_sim::auction::ScenarioKind::*;
    match k {
        Stable => "stable",
        DemandShock => "demand shock",
        BidWar => "bid war",
        BudgetChange => "budget change",
        CalibrationDrift => "pCVR drift",
        ValueDrop => "order-value drop",
        Squeeze => "traffic squeeze",
        Weekend => "weekend surges",
    }
}

fn mode(m: vitrine_sim::auction::Mode) -> &'static str {
    match m {
        vitrine_sim::auction::Mode::Hourly => "hourly",
        vitrine_sim::auction::Mode::Guarded => "guardrails",
    }
}

fn mix(m: vitrine_sim::auction::Mix) -> &'static str {
    match m {
        vitrine_sim::auction::Mix::Tuning => "tuning",
        vitrine_sim::auction::Mix::Unseen => "unseen",
    }
}
