//! Guardrails: which recommendations may go out today.
//!
//! In order: resuming a paused plan always waits for a human; a plan on manual hold gets
//! nothing; a plan that started or last changed less than the observation window ago gets
//! only protective moves (pause, lower bid or budget); a plan changed less than the cooldown
//! ago gets nothing but a pause; and the shop's daily cap admits the most urgent changes only.

use chrono::{NaiveDate, NaiveDateTime, NaiveTime};
use serde::{Deserialize, Serialize};
use vitrine_core::guardrails::{Move, Wait};

use super::{Action, BidPolicy, PlanDiagnosis, Recommendation, Status};

/// A change from the audit log.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PastChange {
    pub plan_id: String,
    pub action: Action,
    /// The review date the change was recommended on.
    pub date: NaiveDate,
    /// When its status last changed (Asia/Shanghai).
    pub at: NaiveDateTime,
    /// `proposed`, `approved`, `applied` or `rejected`.
    pub status: String,
}

impl PastChange {
    /// Approved or applied: the change is (or is about to be) live on the platform.
    pub fn applied(&self) -> bool {
        matches!(self.status.as_str(), "approved" | "applied")
    }
}

/// The daily review runs at 17:00 (REQUIREMENTS §10); guardrail clocks count from then.
pub fn review_time(date: NaiveDate) -> NaiveDateTime {
    date.and_time(NaiveTime::from_hms_opt(17, 0, 0).unwrap_or_default())
}

/// Sets each recommendation's status.
pub fn guard(
    date: NaiveDate,
    mut recs: Vec<Recommendation>,
    diags: &[PlanDiagnosis],
    audit: &[PastChange],
    holds: &[String],
    policy: &BidPolicy,
) -> Vec<Recommendation> {
    let now = review_time(date);
    let last_change = |plan: &str| {
        audit
            .iter()
            .filter(|c| c.plan_id == plan && c.applied() && c.at <= now)
            .map(|c| c.at)
            .max()
    };
    let mut used = audit
        .iter()
        .filter(|c| c.applied() && c.at.date() == date && c.date == date)
        .count();
    recs.sort_by(|a, b| b.priority.total_cmp(&a.priority));
    for r in &mut recs {
        let (status, note) = verdict(r, diags, holds, last_change(&r.plan_id), now, policy);
        r.status = status;
        r.status_note = note;
        if r.status == Status::Proposed {
            if used >= policy.rails.max_changes_per_day {
                r.status = Status::OverCap;
                r.status_note = Some(format!(
                    "daily cap of {} changes reached by more urgent ones",
                    policy.rails.max_changes_per_day
                ));
            } else {
                used += 1;
            }
        }
    }
    recs
}

fn verdict(
    r: &Recommendation,
    diags: &[PlanDiagnosis],
    holds: &[String],
    last: Option<NaiveDateTime>,
    now: NaiveDateTime,
    policy: &BidPolicy,
) -> (Status, Option<String>) {
    if r.action == Action::Resume {
        return (
            Status::NeedsConfirmation,
            Some("a paused plan resumes only after a human confirms".into()),
        );
    }
    if holds.iter().any(|h| *h == r.plan_id) {
        return (Status::Held, Some("the plan is on manual hold".into()));
    }
    let since = last.map(|t| (now - t).num_hours());
    let age = diags
        .iter()
        .find(|d| d.plan_id == r.plan_id)
        .map_or(i64::MAX, |d| d.age_days);
    let rails = &policy.rails;
    let m = match r.action {
        Action::Pause => Move::Pause,
        a if a.protective() => Move::Protective,
        _ => Move::Other,
    };
    match rails.wait(m, since, age) {
        Some(Wait::Cooldown { since_hours }) => (
            Status::Cooldown,
            Some(format!(
                "changed {since_hours} h ago; cooldown is {} h",
                rails.cooldown_hours
            )),
        ),
        Some(Wait::Observing { observed_days }) => (
            Status::Observing,
            Some(format!(
                "observed {observed_days} of {} days since start or last change",
                rails.observe_days
            )),
        ),
        None => (Status::Proposed, None),
    }
}
