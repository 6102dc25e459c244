//! The seed budget splits of REQUIREMENTS §10 as a configurable policy: paid budget as a share
//! of sales by phase, the cold-start/core/optimisation split, test plans, channel split by
//! stage, the total marketing split, and +20 % for a category converting below its industry
//! average.

use std::collections::BTreeMap;

use serde::Serialize;
use vitrine_core::config::{Config, Group, Scope};

/// Where the shop is: a launch spends 8–10 % of sales on paid traffic, a mature shop 5–7 %.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Phase {
    Launch,
    Mature,
}

/// Channel stage: base (feed 50 / search 40 / live 10), precision (60/30/10), deep
/// conversion (live rises to 20).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Stage {
    Base,
    Precision,
    DeepConversion,
}

/// The policy; [`Default`] is the seed of REQUIREMENTS §10.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BudgetPolicy {
    pub paid_share_launch: (f64, f64),
    pub paid_share_mature: (f64, f64),
    /// cold start / core / optimisation.
    pub plan_split: [f64; 3],
    pub test_share: f64,
    pub channels: [(Stage, [f64; 3]); 3],
    /// Total marketing split ranges: content, traffic, user operations, tools, contingency.
    pub total_split: [(&'static str, f64, f64); 5],
    /// Extra budget for a category converting below its industry average.
    pub underperformer_boost: f64,
}

impl BudgetPolicy {
    /// The policy of `shop` from the `[bids]` settings.
    pub fn from_config(cfg: &Config, shop: Option<&str>) -> Self {
        let scope = Scope::of(shop);
        let n = |k: &str| cfg.num(Group::Bids, k, scope);
        let channel = |stage: Stage, id: &str| {
            (
                stage,
                ["feed", "search", "live"].map(|c| n(&format!("channel.{id}.{c}"))),
            )
        };
        let total = |id: &'static str| {
            (
                id,
                n(&format!("total.{id}.low")),
                n(&format!("total.{id}.high")),
            )
        };
        BudgetPolicy {
            paid_share_launch: (n("budget_launch_low"), n("budget_launch_high")),
            paid_share_mature: (n("budget_mature_low"), n("budget_mature_high")),
            plan_split: [
                n("budget_cold_start"),
                n("budget_core"),
                n("budget_optimisation"),
            ],
            test_share: n("budget_test_share"),
            channels: [
                channel(Stage::Base, "base"),
                channel(Stage::Precision, "precision"),
                channel(Stage::DeepConversion, "deep_conversion"),
            ],
            total_split: [
                total("content"),
                total("traffic"),
                total("user_operations"),
                total("tools"),
                total("contingency"),
            ],
            underperformer_boost: n("budget_underperformer_boost"),
        }
    }
}

/// The seed of REQUIREMENTS §10, as shipped in `defaults.toml`.
impl Default for BudgetPolicy {
    fn default() -> Self {
        BudgetPolicy::from_config(&Config::default(), None)
    }
}

/// A category's share of the paid budget.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CategoryBudget {
    pub category: String,
    pub sales_share: f64,
    pub cvr: Option<f64>,
    pub industry_cvr: Option<f64>,
    /// The +20 % applied (converting below the industry average).
    pub boosted: bool,
    pub budget: f64,
}

/// A month's paid-traffic budget.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BudgetPlan {
    pub sales_forecast: f64,
    pub paid_budget: f64,
    pub paid_range: (f64, f64),
    pub plan_split: BTreeMap<&'static str, f64>,
    pub test_plans: f64,
    pub channels: BTreeMap<&'static str, f64>,
    /// Total marketing budget (paid is its traffic line) split by its midpoints.
    pub total_split: BTreeMap<&'static str, f64>,
    pub categories: Vec<CategoryBudget>,
}

/// Splits a paid budget for `sales_forecast` (yuan) over plans, channels and categories
/// (`(category, sales share, cvr, industry cvr)`; shares are renormalised after boosts).
pub fn plan_budget(
    sales_forecast: f64,
    phase: Phase,
    stage: Stage,
    categories: &[(String, f64, Option<f64>, Option<f64>)],
    policy: &BudgetPolicy,
) -> BudgetPlan {
    let (lo, hi) = match phase {
        Phase::Launch => policy.paid_share_launch,
        Phase::Mature => policy.paid_share_mature,
    };
    let paid = sales_forecast * (lo + hi) / 2.0;
    let plan_split = ["cold_start", "core", "optimisation"]
        .into_iter()
        .zip(policy.plan_split)
        .map(|(k, s)| (k, paid * s))
        .collect();
    let ch = policy
        .channels
        .iter()
        .find(|c| c.0 == stage)
        .map_or([0.5, 0.4, 0.1], |c| c.1);
    let channels = ["feed", "search", "live"]
        .into_iter()
        .zip(ch)
        .map(|(k, s)| (k, paid * s))
        .collect();
    // Paid traffic is the traffic line of the total split: scale the total from its midpoint.
    let mid = |(_, a, b): &(&str, f64, f64)| (a + b) / 2.0;
    let traffic_mid = policy
        .total_split
        .iter()
        .find(|t| t.0 == "traffic")
        .map_or(0.25, mid);
    let total = paid / traffic_mid;
    let norm: f64 = policy.total_split.iter().map(mid).sum();
    let total_split = policy
        .total_split
        .iter()
        .map(|t| (t.0, total * mid(t) / norm))
        .collect();
    let weights: Vec<(f64, bool)> = categories
        .iter()
        .map(|(_, share, cvr, ind)| {
            let boosted = matches!((cvr, ind), (Some(c), Some(i)) if c < i);
            (
                share
                    * if boosted {
                        1.0 + policy.underperformer_boost
                    } else {
                        1.0
                    },
                boosted,
            )
        })
        .collect();
    let wsum: f64 = weights.iter().map(|w| w.0).sum();
    let categories = categories
        .iter()
        .zip(weights)
        .map(|((c, share, cvr, ind), (w, boosted))| CategoryBudget {
            category: c.clone(),
            sales_share: *share,
            cvr: *cvr,
            industry_cvr: *ind,
            boosted,
            budget: if wsum > 0.0 { paid * w / wsum } else { 0.0 },
        })
        .collect();
    BudgetPlan {
        sales_forecast,
        paid_budget: paid,
        paid_range: (sales_forecast * lo, sales_forecast * hi),
        plan_split,
        test_plans: paid * policy.test_share,
        channels,
        total_split,
        categories,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seed_splits_and_the_underperformer_boost() {
        let cats = vec![
            ("beauty".to_string(), 0.5, Some(0.02), Some(0.03)),
            ("food".to_string(), 0.5, Some(0.05), Some(0.04)),
        ];
        let p = plan_budget(
            1_000_000.0,
            Phase::Launch,
            Stage::Base,
            &cats,
            &Default::default(),
        );
        assert!((p.paid_budget - 90_000.0).abs() < 1e-6);
        assert_eq!(p.paid_range, (80_000.0, 100_000.0));
        assert!((p.plan_split["cold_start"] - 27_000.0).abs() < 1e-6);
        assert!((p.test_plans - 18_000.0).abs() < 1e-6);
        assert!((p.channels["search"] - 36_000.0).abs() < 1e-6);
        // Beauty converts below its industry: 0.5 × 1.2 against 0.5 → 6/11 of the budget.
        let beauty = &p.categories[0];
        assert!(beauty.boosted && !p.categories[1].boosted);
        assert!((beauty.budget - 90_000.0 * 6.0 / 11.0).abs() < 1e-6);
        let spent: f64 = p.categories.iter().map(|c| c.budget).sum();
        assert!((spent - p.paid_budget).abs() < 1e-6);
        // The traffic line of the total split is the paid budget.
        assert!((p.total_split["traffic"] - p.paid_budget).abs() < 1e-6 * p.paid_budget);
        let mature = plan_budget(
            1_000_000.0,
            Phase::Mature,
            Stage::DeepConversion,
            &cats,
            &Default::default(),
        );
        assert!((mature.paid_budget - 60_000.0).abs() < 1e-6);
        assert!((mature.channels["live"] - 12_000.0).abs() < 1e-6);
    }
}
