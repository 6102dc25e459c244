//! Today's actions: one per alert's playbook, budget moves naming the best plans.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use vitrine_core::{words, Lang, MetricTable};

use super::context::{col, val};
use super::{days, Action, Alert};
use crate::playbook;

/// One action per alert (its playbook), budget moves named with the best plans, ranked by
/// severity (the alerts' order).
pub(super) fn actions(
    alerts: &[Alert],
    plans: &MetricTable,
    date: NaiveDate,
    lang: Lang,
) -> Vec<Action> {
    let best = best_roi_plans(plans, date);
    let mut out: Vec<Action> = Vec::new();
    for a in alerts {
        let Some(pb) = a
            .playbook
            .as_deref()
            .and_then(|id| playbook::PLAYBOOKS.iter().find(|p| p.id == id))
        else {
            continue;
        };
        if out
            .iter()
            .any(|x| x.playbook == pb.id && x.scope == a.scope_id)
        {
            continue;
        }
        let mut detail = pb.steps(lang).to_string();
        if moves_budget(a) && !best.is_empty() {
            detail.push_str(&format!(
                "{}{}",
                lang.pick(" 预算优先转至：", " Move budget to: "),
                best.join(", ")
            ));
        }
        if let Some(rc) = a.root_causes.iter().find(|r| r.surprise > 0.0) {
            detail.push_str(&format!(
                "{}{} ({:.0}%)",
                lang.pick(" 主因：", " Main cause: "),
                words::scope(&format!("{}:{}", rc.dimension, rc.value), lang),
                100.0 * rc.explanatory_power
            ));
        }
        out.push(Action {
            priority: out.len() + 1,
            playbook: pb.id.into(),
            title: format!("{} · {}", pb.title(lang), words::scope(&a.scope_id, lang)),
            detail,
            scope: a.scope_id.clone(),
        });
    }
    out
}

/// Whether the alert's playbook moves paid budget (cost and return alerts).
fn moves_budget(a: &Alert) -> bool {
    matches!(
        a.rule.as_str(),
        "cpa_rise" | "target_deviation" | "cost_per_exposure_max"
    ) && (a.metric == "cpa" || a.metric == "roi" || a.rule == "cost_per_exposure_max")
}

/// The three plans with the best ROI over the last 7 days (with at least 20 conversions).
fn best_roi_plans(plans: &MetricTable, date: NaiveDate) -> Vec<String> {
    let from = days(date, 6).to_string();
    let (spend, gmv, conv) = (
        col(plans, "spend"),
        col(plans, "pay_gmv"),
        col(plans, "conversions"),
    );
    let mut agg: BTreeMap<&str, (f64, f64, f64)> = BTreeMap::new();
    for r in plans
        .rows
        .iter()
        .filter(|r| r.period.as_deref().is_some_and(|p| p >= from.as_str()))
    {
        let e = agg.entry(r.key[0].as_str()).or_default();
        e.0 += val(r, spend);
        e.1 += val(r, gmv);
        e.2 += val(r, conv);
    }
    let mut v: Vec<(&str, f64)> = agg
        .into_iter()
        .filter(|(_, x)| x.2 >= 20.0 && x.0 > 0.0)
        .map(|(k, x)| (k, x.1 / x.0))
        .collect();
    v.sort_by(|a, b| b.1.total_cmp(&a.1));
    v.into_iter()
        .take(3)
        .map(|(k, r)| format!("{k} (ROI {r:.2})"))
        .collect()
}
