//! Paid traffic (千川) as the engine reads it from the plan, plan-hour and creative-day
//! tables and the paid analyses consume it. Money in yuan.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// A plan as of a day: the day's bid, budget, goal and learning status (from that day's plan
/// report, else the plan snapshot) and its product's price and cost.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlanRow {
    pub plan_id: String,
    pub category: String,
    pub bid_mode: String,
    pub bid: f64,
    pub budget: f64,
    pub roi_goal: f64,
    pub learning_status: String,
    pub created_on: NaiveDate,
    /// The promoted product's price; 0 when the product is unknown.
    pub price: f64,
    /// The promoted product's cost; `None` when not recorded.
    pub cost: Option<f64>,
}

/// One plan-hour (or plan-day when `hour` is `None`) of the plan report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlanStat {
    pub plan_id: String,
    pub date: NaiveDate,
    pub hour: Option<u8>,
    pub spend: f64,
    pub impressions: f64,
    pub clicks: f64,
    pub conversions: f64,
    pub gmv: f64,
}

/// One creative-day of the creative report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CreativeStat {
    pub creative_id: String,
    pub plan_id: String,
    pub date: NaiveDate,
    pub created_on: Option<NaiveDate>,
    pub impressions: f64,
    pub clicks: f64,
}

/// A category's product sales over a window (the budget split's input).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CategorySales {
    /// `None` for products without a category (their sales still count in the total).
    pub category: Option<String>,
    pub gmv: f64,
    pub orders: f64,
    pub clicks: f64,
}
