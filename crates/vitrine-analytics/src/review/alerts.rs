//! Findings become alerts: new ones and standing ones (already alerted on an earlier day),
//! each with its playbook, root causes and risk grade.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use serde_json::json;
use vitrine_core::Lang;

use super::context::Ctx;
use super::{days, Alert};
use crate::diagnosis::Cubes;
use crate::monitor::{Finding, Rules};
use crate::playbook;
use crate::targets::{month_of, pace, TargetTree};

/// A condition's identity: (rule, metric, scope).
type Condition = (&'static str, &'static str, String);

impl Ctx<'_> {
    /// Conditions alerted on one of the `alert_repeat_days` days before the review day (by
    /// every rule that can be judged on an earlier day): if they still hold today they are
    /// standing alerts, not new ones.
    pub fn earlier_conditions(
        &self,
        rules: &Rules<'_>,
        tree: &TargetTree,
        main_category: Option<&str>,
        gmv_days: &[(NaiveDate, f64)],
        first: NaiveDate,
    ) -> Vec<Condition> {
        let repeat = self
            .cfg
            .threshold("alert_repeat_days", self.shop())
            .max(0.0) as i64;
        let mut before = Vec::new();
        for back in 1..=repeat {
            let day = days(self.req.date, back);
            let kpis = self.kpis_on(day, tree, main_category);
            for f in self.day_findings(rules, day, &kpis) {
                before.push((f.rule, f.metric, f.scope));
            }
            let (dms, dme) = month_of(day);
            if day >= dms.max(first) {
                let mtd = pace(
                    "gmv",
                    String::new(),
                    tree,
                    dms.max(first),
                    dme,
                    day,
                    gmv_days,
                );
                if let Some(f) = rules.execution_deviation(mtd.actual_to_date, mtd.expected_to_date)
                {
                    before.push((f.rule, f.metric, f.scope));
                }
            }
        }
        before
    }
}

/// Splits findings into (new, standing) alerts against the earlier conditions.
pub(super) fn split_alerts(
    findings: &[Finding],
    before: &[Condition],
    lang: Lang,
    due_hours: f64,
    cubes: &Cubes<'_>,
    cells: [f64; 3],
) -> (Vec<Alert>, Vec<Alert>) {
    let (standing, fresh): (Vec<&Finding>, Vec<&Finding>) = findings.iter().partition(|f| {
        before
            .iter()
            .any(|b| b.0 == f.rule && b.1 == f.metric && b.2 == f.scope)
    });
    let alert = |f: &Finding| to_alert(f, lang, due_hours, cubes, cells);
    (
        fresh.into_iter().map(alert).collect(),
        standing.into_iter().map(alert).collect(),
    )
}

fn to_alert(f: &Finding, lang: Lang, due: f64, cubes: &Cubes<'_>, cells: [f64; 3]) -> Alert {
    let (dim, value) = f
        .scope
        .split_once(':')
        .unwrap_or(("shop", f.scope.as_str()));
    let cube = match (f.rule, f.metric) {
        ("segment_share_drop", _) => "segment_share",
        (_, "cvr") => "shop_cvr",
        (_, m) => m,
    };
    Alert {
        kind: kind_of(f.rule).into(),
        rule: f.rule.into(),
        metric: f.metric.into(),
        scope: BTreeMap::from([(dim.to_string(), value.to_string())]),
        scope_id: f.scope.clone(),
        severity: f.severity,
        message: lang.pick(&f.message_zh, &f.message_en).to_string(),
        evidence: json!({ "observed": f.observed, "expected": f.expected, "threshold": f.threshold, "p_value": f.p_value }),
        playbook: playbook::for_alert(f.rule, f.metric).map(|p| p.id.to_string()),
        due_hours: due,
        root_causes: cubes.explain(cube, &f.scope),
        risk: crate::risk::alert_risk(f.rule, f.metric, f.severity as u8, f.p_value, cells),
    }
}

/// The incident vocabulary of `ground_truth.json` for the rules that detect one.
fn kind_of(rule: &'static str) -> &'static str {
    match rule {
        "plan_ctr_floor" | "plan_ctr_drop" => "plan_ctr_collapse",
        "segment_share_drop" => "segment_cvr_drop",
        "days_of_cover_min" | "stock_forecast" => "stock_out",
        "cpa_rise" => "cpa_spike",
        "complaint_rate_rise" => "complaint_surge",
        "on_time_min" => "delivery_delay",
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_rule_has_a_kind_and_incident_rules_use_the_simulator_vocabulary() {
        assert_eq!(kind_of("plan_ctr_floor"), "plan_ctr_collapse");
        assert_eq!(kind_of("on_time_min"), "delivery_delay");
        for r in crate::monitor::RULES {
            assert!(!kind_of(r).is_empty());
        }
    }
}
