//! Paid traffic (千川): per-plan diagnostics, bid/budget/creative recommendations with their
//! justification and expected effect, and the guardrails that decide which of them may go
//! out today (observation window, cooldown, daily cap, manual hold, confirmation to resume).
//!
//! Pure: the caller hands in plan attributes, plan-hour and creative-day stats and the audit
//! log of past changes; nothing here reads the lake or the state database.

pub mod budget;
pub mod daypart;
mod diagnose;
mod guard;
mod recommend;
pub mod response;

use std::collections::{BTreeMap, HashMap};

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use vitrine_core::config::{Config, Group, Scope};
use vitrine_core::guardrails::Guardrails;

pub use diagnose::{diagnose, Flag, PlanDiagnosis};
pub use guard::{guard, PastChange};
pub use recommend::recommend;
pub use vitrine_core::paid::{CreativeStat, PlanStat};

/// A Qianchuan plan 计划 as of the day under review.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlanInfo {
    pub plan_id: String,
    pub category: String,
    pub bid_mode: String,
    /// Conversion bid 出价 in yuan (the CPA bid of 控成本 plans).
    pub bid: f64,
    /// Daily budget in yuan.
    pub budget: f64,
    /// 支付ROI目标; 0 when the plan has none.
    pub roi_goal: f64,
    pub learning_status: String,
    pub created_on: NaiveDate,
    /// 保本ROI: 1 / margin after product cost, platform fee and shipping; `None` when the
    /// product's cost is unknown.
    pub breakeven_roi: Option<f64>,
}

/// The knobs of diagnostics, recommendations and guardrails (`[bids]` in the settings).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BidPolicy {
    /// ROI target for plans without their own 支付ROI目标.
    pub target_roi: f64,
    /// Observation window, cooldown, daily cap and step: shared with any automatic
    /// controller.
    pub rails: Guardrails,
    /// Conversions over the judging window below which ROI/CPA is not trusted.
    pub min_conversions: f64,
    /// 跑飞: today's spend at least this multiple of the plan's recent daily spend …
    pub runaway_spend: f64,
    /// … while ROI is below this share of target.
    pub runaway_roi: f64,
    /// 不消耗: spend below this share of budget.
    pub starve_share: f64,
    /// Creative fatigue: CTR down this share from its peak.
    pub fatigue_drop: f64,
    /// Winner: ROI at least this multiple of target, budget-capped.
    pub winner_margin: f64,
    /// CTR below this share of the category baseline reads as a creative problem.
    pub ctr_floor: f64,
    /// Share of the paid budget cold-start (learning) plans should take.
    pub cold_start_share: f64,
    /// Elasticity of ROI to the bid (ROI × factor^elasticity after a bid change).
    pub roi_bid_elasticity: f64,
    /// Marginal ROI of added budget as a share of the plan's average ROI.
    pub marginal_roi_share: f64,
    /// A half-hour below break-even and below this share of the pooled ROI is switched off.
    pub daypart_off_share: f64,
    /// Daypart bid multipliers stay within [floor, cap].
    pub daypart_range: (f64, f64),
    /// Plan CTR baselines (`[baselines.<category>] ad_ctr`) per category.
    pub ctr_baselines: BTreeMap<String, f64>,
}

impl BidPolicy {
    /// The policy of `shop`: `[bids]` settings, the shop's ROI target and the categories'
    /// plan CTR baselines.
    pub fn from_config(cfg: &Config, shop: Option<&str>) -> Self {
        let scope = Scope::of(shop);
        let n = |k: &str| cfg.num(Group::Bids, k, scope);
        let ctr_baselines = cfg
            .entries(Group::Baselines)
            .into_iter()
            .filter_map(|(k, _)| {
                let (category, metric) = k.split_once('.')?;
                (metric == "ad_ctr").then(|| category.to_string())
            })
            .filter_map(|c| Some((c.clone(), cfg.baseline(&c, "ad_ctr", shop)?)))
            .collect();
        BidPolicy {
            target_roi: cfg.num(Group::Targets, "roi", scope),
            rails: Guardrails::from_config(cfg, scope),
            min_conversions: n("min_conversions"),
            runaway_spend: n("runaway_spend"),
            runaway_roi: n("runaway_roi"),
            starve_share: n("starve_share"),
            fatigue_drop: n("fatigue_drop"),
            winner_margin: n("winner_margin"),
            ctr_floor: n("ctr_floor"),
            cold_start_share: n("cold_start_share"),
            roi_bid_elasticity: n("roi_bid_elasticity"),
            marginal_roi_share: n("marginal_roi_share"),
            daypart_off_share: n("daypart_off_share"),
            daypart_range: (n("daypart_floor"), n("daypart_cap")),
            ctr_baselines,
        }
    }
}

impl Default for BidPolicy {
    fn default() -> Self {
        BidPolicy::from_config(&Config::default(), None)
    }
}

/// What to do with a plan.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    Pause,
    LowerBid,
    RaiseBid,
    RaiseBudget,
    LowerBudget,
    RefreshCreative,
    DuplicateWinner,
    MoveBudget,
    Resume,
}

impl Action {
    /// The identifier used in the API, the audit log and the XLSX sheet.
    pub fn id(self) -> &'static str {
        match self {
            Action::Pause => "pause",
            Action::LowerBid => "lower_bid",
            Action::RaiseBid => "raise_bid",
            Action::RaiseBudget => "raise_budget",
            Action::LowerBudget => "lower_budget",
            Action::RefreshCreative => "refresh_creative",
            Action::DuplicateWinner => "duplicate_winner",
            Action::MoveBudget => "move_budget",
            Action::Resume => "resume",
        }
    }

    /// Every action.
    pub const ALL: [Action; 9] = [
        Action::Pause,
        Action::LowerBid,
        Action::RaiseBid,
        Action::RaiseBudget,
        Action::LowerBudget,
        Action::RefreshCreative,
        Action::DuplicateWinner,
        Action::MoveBudget,
        Action::Resume,
    ];

    /// Parses an [`Action::id`].
    pub fn parse(s: &str) -> Option<Action> {
        Action::ALL.into_iter().find(|a| a.id() == s)
    }

    /// The Chinese label operators use.
    pub fn label_zh(self) -> &'static str {
        match self {
            Action::Pause => "暂停计划",
            Action::LowerBid => "降低出价",
            Action::RaiseBid => "提高出价",
            Action::RaiseBudget => "提高预算",
            Action::LowerBudget => "降低预算",
            Action::RefreshCreative => "更换素材",
            Action::DuplicateWinner => "复制优质计划",
            Action::MoveBudget => "调拨预算",
            Action::Resume => "恢复计划",
        }
    }

    /// Whether the action only protects money (allowed before the observation window ends).
    pub fn protective(self) -> bool {
        matches!(self, Action::Pause | Action::LowerBid | Action::LowerBudget)
    }
}

/// Whether a recommendation may go out today.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Ready for an operator to approve.
    Proposed,
    /// The plan has not run long enough since it started or last changed.
    Observing,
    /// The plan changed less than the cooldown ago.
    Cooldown,
    /// The shop's daily change cap is used up by more urgent changes.
    OverCap,
    /// An operator put the plan on hold.
    Held,
    /// Resuming a paused plan waits for a human to confirm.
    NeedsConfirmation,
}

/// The expected effect of a change over a day, from the plan's recent rates.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Effect {
    /// Change in daily spend (yuan; negative = saved).
    pub spend: f64,
    /// Change in daily pay GMV (yuan).
    pub gmv: f64,
    /// Expected ROI of the plan after the change, when it can be estimated.
    pub roi_after: Option<f64>,
}

/// One recommended change with the numbers that justify it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Recommendation {
    /// Stable id: `date:plan:action[:creative]`.
    pub id: String,
    pub plan_id: String,
    pub action: Action,
    /// Bid or budget before and after (yuan), where the action sets one.
    pub from: Option<f64>,
    pub to: Option<f64>,
    /// The creative to replace, or the plan that receives moved budget.
    pub target: Option<String>,
    pub reason_zh: String,
    pub reason_en: String,
    /// The figures the rule read (`roi_3d`, `target_roi`, `spend_today`, …).
    pub evidence: BTreeMap<String, f64>,
    pub expected: Effect,
    /// Yuan a day at stake: orders guardrail capping (most urgent first).
    pub priority: f64,
    pub status: Status,
    /// Why the status is not `proposed`, in words.
    pub status_note: Option<String>,
    /// The operator's decision from the audit log (`approved`, `rejected`, `applied`), if any.
    pub decision: Option<String>,
}

/// Shop-level view of paid traffic for the day.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Overview {
    pub plans: usize,
    pub spend: f64,
    pub gmv: f64,
    pub roi: Option<f64>,
    pub budget: f64,
    /// Share of the paid budget in plans still learning (rule: 30 %).
    pub cold_start_share: f64,
    pub cold_start_rule: f64,
    pub runaway: usize,
    pub no_delivery: usize,
    pub fatigued_creatives: usize,
    pub winners: usize,
}

/// Everything `vitrine bids` prints for a shop and day.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BidsReport {
    pub shop: String,
    pub date: NaiveDate,
    pub overview: Overview,
    pub plans: Vec<PlanDiagnosis>,
    pub recommendations: Vec<Recommendation>,
    /// Hour-of-week bid multipliers and the 7×48 schedule, from all plans' hourly rows.
    pub daypart: Option<daypart::Schedule>,
    /// Response curves per plan (or why none could be fitted).
    pub curves: Vec<CurveFit>,
    /// Today's total budget re-split across the fitted plans by marginal ROI (each plan
    /// between half and 1.5× its budget).
    pub allocation: Vec<response::Allocation>,
    /// Next month's paid budget by the seed splits of REQUIREMENTS §10 (filled by the service
    /// from the shop's last 30 days of sales).
    pub budget_plan: Option<budget::BudgetPlan>,
}

/// A plan's fitted response curve, or the reason it has none.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CurveFit {
    pub plan_id: String,
    pub curve: Option<response::Curve>,
    pub error: Option<String>,
}

/// Diagnoses every plan, recommends, and applies the guardrails.
pub fn report(
    shop: &str,
    date: NaiveDate,
    plans: &[PlanInfo],
    stats: &[PlanStat],
    creatives: &[CreativeStat],
    audit: &[PastChange],
    holds: &[String],
    policy: &BidPolicy,
) -> BidsReport {
    let diags = diagnose(date, plans, stats, creatives, policy);
    let recs = recommend(date, plans, &diags, audit, policy);
    let recs = guard(date, recs, &diags, audit, holds, policy);
    let mut breakevens: Vec<f64> = plans.iter().filter_map(|p| p.breakeven_roi).collect();
    breakevens.sort_by(f64::total_cmp);
    let breakeven = breakevens.get(breakevens.len() / 2).copied();
    let curves = fit_curves(date, plans, stats);
    let fitted: Vec<(String, response::Curve, f64, f64)> = curves
        .iter()
        .filter_map(|c| {
            let budget = plans.iter().find(|p| p.plan_id == c.plan_id)?.budget;
            Some((c.plan_id.clone(), c.curve?, 0.5 * budget, 1.5 * budget))
        })
        .collect();
    let total: f64 = fitted.iter().map(|f| (f.2 + f.3) / 2.0).sum();
    BidsReport {
        shop: shop.to_string(),
        date,
        overview: overview(&diags, policy),
        plans: diags,
        recommendations: recs,
        daypart: daypart::daypart(
            stats,
            breakeven,
            policy.min_conversions,
            policy.daypart_range,
            policy.daypart_off_share,
        ),
        curves,
        allocation: response::allocate(&fitted, total),
        budget_plan: None,
    }
}

/// Fits each plan's daily spend → GMV curve over the days up to `date`.
fn fit_curves(date: NaiveDate, plans: &[PlanInfo], stats: &[PlanStat]) -> Vec<CurveFit> {
    // Daily spend and GMV per plan, in one pass over the plan-hours.
    let mut by_plan: HashMap<&str, BTreeMap<NaiveDate, (f64, f64)>> = HashMap::new();
    for s in stats.iter().filter(|s| s.date <= date) {
        let d = by_plan
            .entry(s.plan_id.as_str())
            .or_default()
            .entry(s.date)
            .or_default();
        d.0 += s.spend;
        d.1 += s.gmv;
    }
    let live: Vec<&PlanInfo> = plans.iter().filter(|p| p.created_on <= date).collect();
    crate::parallel::map(&live, |p| {
        let (spend, gmv): (Vec<f64>, Vec<f64>) = by_plan
            .get(p.plan_id.as_str())
            .map(|days| days.values().copied().unzip())
            .unwrap_or_default();
        match response::fit(&spend, &gmv) {
            Ok(c) => CurveFit {
                plan_id: p.plan_id.clone(),
                curve: Some(c),
                error: None,
            },
            Err(e) => CurveFit {
                plan_id: p.plan_id.clone(),
                curve: None,
                error: Some(e.to_string()),
            },
        }
    })
}

fn overview(d: &[PlanDiagnosis], policy: &BidPolicy) -> Overview {
    let spend: f64 = d.iter().map(|p| p.spend).sum();
    let gmv: f64 = d.iter().map(|p| p.gmv).sum();
    let budget: f64 = d.iter().map(|p| p.budget).sum();
    let learning: f64 = d
        .iter()
        .filter(|p| p.learning_status == "LEARNING")
        .map(|p| p.budget)
        .sum();
    let count = |f: &dyn Fn(&Flag) -> bool| d.iter().filter(|p| p.flags.iter().any(f)).count();
    Overview {
        plans: d.len(),
        spend,
        gmv,
        roi: (spend > 0.0).then(|| gmv / spend),
        budget,
        cold_start_share: if budget > 0.0 {
            learning / budget + 0.0
        } else {
            0.0
        },
        cold_start_rule: policy.cold_start_share,
        runaway: count(&|f| matches!(f, Flag::Runaway)),
        no_delivery: count(&|f| matches!(f, Flag::NoDelivery)),
        fatigued_creatives: d
            .iter()
            .flat_map(|p| &p.flags)
            .filter(|f| matches!(f, Flag::Fatigue { .. }))
            .count(),
        winners: count(&|f| matches!(f, Flag::Winner)),
    }
}

#[cfg(test)]
mod tests;
