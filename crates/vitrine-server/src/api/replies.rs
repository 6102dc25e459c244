//! What the API answers, one type per reply, so a handler's signature states its body.

use serde::Serialize;
use vitrine_analytics::review::{KpiStatus, TargetSummary};
use vitrine_analytics::targets::Pacing;
use vitrine_lake::{BidChangeRecord, BidLogEntry, Role};

/// A shop the caller may see.
#[derive(Serialize)]
pub(crate) struct ShopEntry {
    pub shop: String,
    pub first_date: Option<chrono::NaiveDate>,
    pub last_date: Option<chrono::NaiveDate>,
    pub role: Role,
}

/// Every day with data of a shop, newest first.
#[derive(Serialize)]
pub(crate) struct Archive {
    pub shop: String,
    pub first_date: chrono::NaiveDate,
    pub last_date: chrono::NaiveDate,
    pub days: vitrine_core::MetricTable,
}

/// One status change of an alert.
#[derive(Serialize)]
pub(crate) struct AlertChange {
    pub at: String,
    pub from: Option<String>,
    pub to: String,
    pub actor: String,
    pub note: Option<String>,
}

/// An alert's status history.
#[derive(Serialize)]
pub(crate) struct AlertHistory {
    pub id: i64,
    pub history: Vec<AlertChange>,
}

/// A KPI card reduced to what the targets page shows.
#[derive(Serialize)]
pub(crate) struct KpiTarget {
    pub metric: String,
    pub value: Option<f64>,
    pub target: Option<f64>,
    pub status: KpiStatus,
}

/// A stored target.
#[derive(Serialize)]
pub(crate) struct StoredTarget {
    pub metric: String,
    pub period: String,
    pub value: f64,
}

/// The targets of a day: the GMV tree, pacing, KPI targets and what is stored.
#[derive(Serialize)]
pub(crate) struct Targets {
    pub shop: String,
    pub date: String,
    pub tree: TargetSummary,
    pub pacing: Vec<Pacing>,
    pub kpis: Vec<KpiTarget>,
    pub stored: Vec<StoredTarget>,
}

/// A target that was set.
#[derive(Serialize)]
pub(crate) struct TargetSet {
    pub shop: String,
    pub metric: String,
    pub period: String,
    pub value: f64,
}

/// The paid-traffic audit log.
#[derive(Serialize)]
pub(crate) struct Audit {
    pub changes: Vec<BidChangeRecord>,
    pub log: Vec<BidLogEntry>,
    pub holds: Vec<String>,
}

/// A plan put on or taken off hold.
#[derive(Serialize)]
pub(crate) struct HoldSet {
    pub shop: String,
    pub plan: String,
    pub hold: bool,
}

/// A member of a shop and where the role comes from (the shop or `*`).
#[derive(Serialize)]
pub(crate) struct MemberEntry {
    pub name: String,
    pub role: Role,
    pub via: String,
}

/// A role granted.
#[derive(Serialize)]
pub(crate) struct Granted {
    pub name: String,
    pub shop: String,
    pub role: Role,
}

/// A role revoked.
#[derive(Serialize)]
pub(crate) struct Revoked {
    pub name: String,
    pub shop: String,
    pub revoked: bool,
}

/// An API token, shown once.
#[derive(Serialize)]
pub(crate) struct TokenIssued {
    pub id: i64,
    pub name: String,
    pub token: String,
}

/// A token revoked.
#[derive(Serialize)]
pub(crate) struct TokenRevoked {
    pub revoked: i64,
}

/// The caller logged out.
#[derive(Serialize)]
pub(crate) struct LoggedOut {
    pub logged_out: String,
}

/// A registered experiment with its analysis to date.
#[derive(Serialize)]
pub(crate) struct ExperimentResult {
    pub experiment: vitrine_lake::ExperimentRecord,
    pub days_run: f64,
    pub analysis: vitrine_analytics::experiment::Analysis,
}

/// A file committed through the upload flow.
#[derive(Serialize)]
pub(crate) struct Committed {
    pub imported: String,
    pub rows: usize,
    pub profile: String,
    pub lake_version: u64,
}
