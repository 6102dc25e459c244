//! A buyer's purchase history reduced to what segmentation and lifetime value need. The
//! engine fills it in SQL; the user analyses read it.

use chrono::NaiveDate;
use serde::Serialize;

/// A buyer's purchase days and spend as of a day (money in yuan): all that lifecycle
/// stage, RFM and lifetime value read.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Purchases {
    pub first: NaiveDate,
    pub last: NaiveDate,
    /// Days with at least one (not cancelled) order.
    pub purchase_days: u32,
    pub total: f64,
    /// Spend on the first purchase day (excluded from the repeat-spend mean).
    pub first_amount: f64,
    /// Days between the last two purchase days (None with a single purchase day).
    pub last_gap_days: Option<i32>,
}

/// One buyer's features as of a day: purchases, and the tags a user list shows.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct UserFeatures {
    pub user_id: String,
    #[serde(flatten)]
    pub purchases: Purchases,
    pub top_category: Option<String>,
    pub member_tier: Option<String>,
    /// Comments written (interaction level).
    pub comments: u32,
}

impl AsRef<Purchases> for Purchases {
    fn as_ref(&self) -> &Purchases {
        self
    }
}

impl AsRef<Purchases> for UserFeatures {
    fn as_ref(&self) -> &Purchases {
        &self.purchases
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A review holds one `Purchases` per buyer (30 M at scale 10): 40 bytes each, not the
    /// 48 an `Option<i64>` gap took.
    #[test]
    fn a_buyers_purchases_fit_in_forty_bytes() {
        assert!(std::mem::size_of::<Purchases>() <= 40);
    }
}
