//! A buyer's purchase history reduced to what segmentation and lifetime value need. The
//! engine fills it in SQL; the user analyses read it.

use chrono::NaiveDate;
use serde::Serialize;

/// One buyer's features as of a day (money in yuan).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct UserFeatures {
    pub user_id: String,
    pub first: NaiveDate,
    pub last: NaiveDate,
    /// Days with at least one (not cancelled) order.
    pub purchase_days: u32,
    pub total: f64,
    /// Spend on the first purchase day (excluded from the repeat-spend mean).
    pub first_amount: f64,
    /// Days between the last two purchase days (None with a single purchase day).
    pub last_gap_days: Option<i64>,
    pub top_category: Option<String>,
    pub member_tier: Option<String>,
    /// Comments written (interaction level).
    pub comments: u32,
}
