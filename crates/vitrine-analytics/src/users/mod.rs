//! Users over their lifecycle (REQUIREMENTS §9): lifecycle stage, RFM scores and segments,
//! tags, five-tier layering by a customer value index, cohort retention and repurchase, and
//! recall lists. Inputs are per-user features the engine computes in SQL.

mod cohort;
mod rank;
mod segment;

use chrono::{Datelike, NaiveDate};

pub use cohort::{cohorts, CohortMatrix, CohortRow};
pub use segment::{
    digest, digest_from, interaction, segment, segment_top, RfmCuts, SegmentSizes, Segmented,
    UserSegment, UserSettings, UsersDigest, ValueFit, Windows,
};

pub use vitrine_core::customer::{Purchases, UserFeatures};

/// A buyer's CLV summary in days as of `as_of`: frequency, recency, T, repeat-spend mean.
pub fn clv_summary(u: &Purchases, as_of: NaiveDate) -> crate::clv::Customer {
    let frequency = f64::from(u.purchase_days.saturating_sub(1));
    crate::clv::Customer {
        frequency,
        recency: f64::from(days_between(u.first, u.last)),
        t: f64::from(days_between(u.first, as_of)).max(1.0),
        monetary_value: Some(if frequency > 0.0 {
            ((u.total - u.first_amount) / frequency).max(0.0)
        } else {
            0.0
        }),
    }
}

/// Days from `from` to `to` (negative if `to` is earlier): what `(to - from).num_days()`
/// gives, without building a duration (millions of buyers a review).
pub(crate) fn days_between(from: NaiveDate, to: NaiveDate) -> i32 {
    to.num_days_from_ce() - from.num_days_from_ce()
}
