//! The review value every surface renders: KPI cards, alerts, actions and sections.

use std::collections::BTreeMap;

use serde::Serialize;
use vitrine_core::words::{label, Kind};
use vitrine_core::Lang;

use crate::diagnosis::RootCause;
use crate::monitor::Severity;
use crate::risk::{AlertRisk, RiskIndex};
use crate::targets::Pacing;

/// Where a KPI card stands against its target.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum KpiStatus {
    /// At or better than target.
    OnTrack,
    /// Worse than target, within the tolerance.
    Behind,
    /// Worse than target beyond the tolerance: an alert.
    Alert,
    /// No target for this metric.
    NoTarget,
}

impl KpiStatus {
    /// The code the API and the label table use.
    pub fn code(self) -> &'static str {
        match self {
            KpiStatus::OnTrack => "on_track",
            KpiStatus::Behind => "behind",
            KpiStatus::Alert => "alert",
            KpiStatus::NoTarget => "no_target",
        }
    }

    /// The status in the user's language.
    pub fn label(self, lang: Lang) -> String {
        label(Kind::KpiStatus, self.code(), lang)
    }

    /// The status of a relative deviation `(value − target) / target`, given which way is
    /// better and the tolerated shortfall.
    pub fn judge(deviation: Option<f64>, higher_is_better: bool, tolerance: f64) -> KpiStatus {
        let Some(dv) = deviation else {
            return KpiStatus::NoTarget;
        };
        let worse = if higher_is_better { -dv } else { dv };
        if worse <= 0.0 {
            KpiStatus::OnTrack
        } else if worse <= tolerance {
            KpiStatus::Behind
        } else {
            KpiStatus::Alert
        }
    }
}

/// A KPI card: value against target.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Kpi {
    pub metric: String,
    pub name: String,
    pub unit: vitrine_core::Unit,
    pub value: Option<f64>,
    pub target: Option<f64>,
    /// (value − target) / target.
    pub deviation: Option<f64>,
    pub status: KpiStatus,
    /// Relative change against the same weekday a week earlier.
    pub vs_last_week: Option<f64>,
    /// How the value is computed (the catalog's formula).
    pub formula: String,
    /// The tables the day's value came from (the preferred source that had rows).
    pub sources: Vec<String>,
    /// The files behind the value: family, file, content hash, sheet and rows (filled by
    /// the application layer from the lake's lineage).
    pub lineage: Vec<vitrine_core::lineage::SourceRef>,
}

/// An alert raised by the review.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Alert {
    /// What happened, in the simulator's incident vocabulary where one applies
    /// (`plan_ctr_collapse`, `stock_out`, …), else the rule id.
    pub kind: String,
    pub rule: String,
    pub metric: String,
    /// Dimension → value, e.g. `{"plan": "p0007"}`.
    pub scope: BTreeMap<String, String>,
    /// The scope as `dimension:value` (the state database's key).
    pub scope_id: String,
    pub severity: Severity,
    pub message: String,
    pub evidence: serde_json::Value,
    pub playbook: Option<String>,
    /// Adjustment must start within this many hours.
    pub due_hours: f64,
    /// What explains the move, best first (empty where the metric has no cube).
    pub root_causes: Vec<RootCause>,
    /// Probability × impact grading of this alert.
    pub risk: AlertRisk,
}

/// Where an action comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ActionSource {
    /// An alert's playbook.
    Alert,
    /// A paid-traffic recommendation that passed the guardrails.
    Bid,
    /// The recall list of high-value users drifting away.
    Recall,
}

/// Something to do today.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Action {
    /// 1 = most money at stake.
    pub priority: usize,
    pub source: ActionSource,
    /// The playbook id, the paid-traffic action, or `recall`.
    pub playbook: String,
    pub title: String,
    /// The concrete steps: units, yuan, plans, creatives, then the playbook.
    pub detail: String,
    pub scope: String,
    /// Yuan at stake (GMV or cost), `None` where it cannot be estimated.
    pub at_stake_yuan: Option<f64>,
    /// How `at_stake_yuan` was estimated, in words.
    pub basis: String,
    /// Who does it (a role), in words.
    pub owner: String,
    /// The day by which it must start.
    pub due: String,
}

/// One step of the 5-node funnel.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FunnelStep {
    pub step: String,
    pub name: String,
    pub value: f64,
    /// Share of the previous step that reached this one.
    pub rate_from_previous: Option<f64>,
}

/// A daily series.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Trend {
    pub metric: String,
    pub name: String,
    pub points: Vec<(String, Option<f64>)>,
}

/// Exposure and GMV by traffic source.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SourceShare {
    pub source: String,
    pub exposure_share: f64,
    pub gmv_share: f64,
}

/// Where the day's orders came from and when (paid order lines, most first / by hour).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct OrderMix {
    pub regions: Vec<(String, f64)>,
    pub hours: Vec<(u32, f64)>,
}

/// Where the annual GMV target came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TargetSource {
    /// Set with `vitrine targets set` or on the targets page.
    Stored,
    /// Last year's run rate × the configured growth.
    Derived,
}

impl TargetSource {
    /// The code the API and the label table use.
    pub fn code(self) -> &'static str {
        match self {
            TargetSource::Stored => "stored",
            TargetSource::Derived => "derived",
        }
    }

    /// The source in the user's language.
    pub fn label(self, lang: Lang) -> String {
        label(Kind::TargetSource, self.code(), lang)
    }
}

/// The GMV target tree behind the day's target (REQUIREMENTS §4).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TargetSummary {
    pub year: i32,
    /// Annual GMV target in yuan.
    pub annual: f64,
    pub source: TargetSource,
    pub quarters: Vec<f64>,
    pub month: f64,
    pub day: f64,
}

/// The review of one shop and day.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Review {
    pub shop: String,
    pub date: String,
    pub lang: Lang,
    pub kpis: Vec<Kpi>,
    pub targets: TargetSummary,
    pub pacing: Vec<Pacing>,
    /// New alerts: conditions that were not alerted the day before.
    pub alerts: Vec<Alert>,
    /// Standing alerts: conditions alerted on earlier days that still hold (their state-DB
    /// alert stays open; they are not raised again).
    pub standing: Vec<Alert>,
    pub actions: Vec<Action>,
    pub funnel: Vec<FunnelStep>,
    pub leakiest_step: Option<String>,
    pub traffic: Vec<SourceShare>,
    /// The day's paid order lines by region and by hour.
    pub order_mix: OrderMix,
    pub trends: Vec<Trend>,
    /// Verdicts of the shop's running experiments (filled by the service from the registry).
    pub experiments: Vec<crate::experiment::ExperimentVerdict>,
    /// Users by lifecycle stage, RFM segment and tier (filled by the service).
    pub users: Option<crate::users::SegmentSizes>,
    /// The composite risk index with its 15 indicators and 30-day forecast.
    pub risk_index: RiskIndex,
    /// Sections without their source, and what to download for each (filled by the service).
    pub missing_sources: Vec<crate::sources::MissingSource>,
    /// Paid traffic: plan diagnostics and guarded recommendations (filled by the service).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub paid_traffic: Option<crate::bids::BidsReport>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_follows_the_better_direction_and_the_tolerance() {
        use KpiStatus::*;
        assert_eq!(KpiStatus::judge(None, true, 0.1), NoTarget);
        assert_eq!(KpiStatus::judge(Some(0.02), true, 0.1), OnTrack);
        assert_eq!(KpiStatus::judge(Some(-0.05), true, 0.1), Behind);
        assert_eq!(KpiStatus::judge(Some(-0.15), true, 0.1), Alert);
        // Lower is better: above target is worse.
        assert_eq!(KpiStatus::judge(Some(0.15), false, 0.1), Alert);
        assert_eq!(KpiStatus::judge(Some(-0.15), false, 0.1), OnTrack);
    }

    #[test]
    fn codes_serialise_as_the_label_table_spells_them() {
        for s in [
            KpiStatus::OnTrack,
            KpiStatus::Behind,
            KpiStatus::Alert,
            KpiStatus::NoTarget,
        ] {
            assert_eq!(serde_json::to_value(s).unwrap(), s.code());
            assert_ne!(s.label(Lang::Zh), s.code(), "{s:?} has no Chinese label");
        }
        for s in [TargetSource::Stored, TargetSource::Derived] {
            assert_eq!(serde_json::to_value(s).unwrap(), s.code());
            assert_ne!(s.label(Lang::En), s.code());
        }
    }
}
