//! An auction simulator for bidding policies: competing advertisers, second-price auctions
//! per impression, traffic with an hourly shape, per-impression conversion probability and
//! order value. Seedable; every policy sees the same impressions and competitor bids.
//!
//! Our bid for an impression is `bid × pCVR` (a pay-per-conversion bid turned into a price
//! per impression, as oCPM does); we win when it beats the highest competitor bid and pay
//! that bid (second price).

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, LogNormal, Poisson};
use serde::Serialize;

/// What happens in a scenario.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ScenarioKind {
    Stable,
    /// Traffic halves (or rises 80 %) from the middle of the run.
    DemandShock,
    /// Competitors raise their bids by 40 % from the middle of the run.
    BidWar,
    /// The daily budget is cut by 40 % (or raised) from the middle of the run.
    BudgetChange,
}

/// One scenario: the market and the plan's goal.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Scenario {
    pub id: usize,
    pub kind: ScenarioKind,
    pub seed: u64,
    pub days: usize,
    /// Target ROI (order value / spend).
    pub target_roi: f64,
    /// Daily budget in yuan (before any budget change).
    pub daily_budget: f64,
    /// Impressions a day at the peak-normalised shape.
    pub daily_impressions: f64,
    /// Mean conversion probability and order value.
    pub cvr: f64,
    pub order_value: f64,
    /// Competitors and the median of their per-impression bids (yuan).
    pub competitors: usize,
    pub competitor_price: f64,
}

/// Share of a day's traffic in each hour (Douyin's evening peak).
pub const HOURLY_SHAPE: [f64; 24] = [
    0.020, 0.012, 0.008, 0.006, 0.006, 0.010, 0.020, 0.030, 0.040, 0.045, 0.048, 0.050, 0.052,
    0.048, 0.046, 0.046, 0.048, 0.050, 0.055, 0.062, 0.068, 0.072, 0.065, 0.049,
];

/// What a policy sees at the end of each hour, and decides for the next.
#[derive(Debug, Clone, Copy, Default)]
pub struct HourState {
    pub spend_today: f64,
    pub value_today: f64,
    pub budget_today: f64,
    /// Share of today's traffic shape already past.
    pub day_share_elapsed: f64,
    pub spend_total: f64,
    pub value_total: f64,
}

/// A bidding policy: sets the conversion bid (yuan per conversion) for the next hour.
pub trait Policy {
    fn name(&self) -> &'static str;
    fn bid(&mut self, s: &HourState, target_roi: f64, prior_bid: f64) -> f64;
}

/// The fixed bid: the break-even conversion bid at the target ROI, never changed.
pub struct FixedBid;

impl Policy for FixedBid {
    fn name(&self) -> &'static str {
        "fixed_bid"
    }
    fn bid(&mut self, _: &HourState, _: f64, prior: f64) -> f64 {
        prior
    }
}

/// The simple pacing rule: ×1.2 when spend pace < 0.7 of plan, ×0.7 when > 1.1.
pub struct PacingRule {
    bid: Option<f64>,
}

impl PacingRule {
    pub fn new() -> Self {
        PacingRule { bid: None }
    }
}

impl Default for PacingRule {
    fn default() -> Self {
        Self::new()
    }
}

fn pace(s: &HourState) -> f64 {
    let planned = s.budget_today * s.day_share_elapsed;
    if planned > 0.0 {
        s.spend_today / planned
    } else {
        1.0
    }
}

impl Policy for PacingRule {
    fn name(&self) -> &'static str {
        "pacing_rule"
    }
    fn bid(&mut self, s: &HourState, _: f64, prior: f64) -> f64 {
        let b = self.bid.get_or_insert(prior);
        let p = pace(s);
        if p < 0.7 {
            *b *= 1.2;
        } else if p > 1.1 {
            *b *= 0.7;
        }
        *b
    }
}

/// The controller: integral action on the log ROI error (half over the whole run, half over
/// the last 12 hours) sets the bid that holds the target; a pacing multiplier scales it down
/// when the day's spend runs ahead of plan, so the budget is spent smoothly.
pub struct RoiController {
    /// The bid that holds the ROI target, before pacing (the controller's own state, so a
    /// pacing cut in one hour does not compound into the next).
    roi_bid: Option<f64>,
    gain: f64,
    /// (spend, value) totals at the end of each past hour, for the recent-window ROI.
    history: std::collections::VecDeque<(f64, f64)>,
}

/// Hours in the recent window the controller also steers by.
const RECENT_HOURS: usize = 12;

impl RoiController {
    pub fn new() -> Self {
        RoiController {
            roi_bid: None,
            gain: 0.5,
            history: std::collections::VecDeque::new(),
        }
    }
}

impl Default for RoiController {
    fn default() -> Self {
        Self::new()
    }
}

impl Policy for RoiController {
    fn name(&self) -> &'static str {
        "controller"
    }
    fn bid(&mut self, s: &HourState, target: f64, prior: f64) -> f64 {
        let bid = self.roi_bid.get_or_insert(prior);
        self.history.push_back((s.spend_total, s.value_total));
        if self.history.len() > RECENT_HOURS + 1 {
            self.history.pop_front();
        }
        let log_err = |spend: f64, value: f64| {
            (spend > 0.0 && value > 0.0).then(|| (value / spend / target).ln().clamp(-1.0, 1.0))
        };
        // Integral action on the log ROI error, half on the whole run (so the end total meets
        // the target) and half on the last hours (so a market change is answered quickly).
        let total = log_err(s.spend_total, s.value_total);
        let recent = self
            .history
            .front()
            .and_then(|(sp, va)| log_err(s.spend_total - sp, s.value_total - va));
        let error = match (total, recent) {
            (Some(t), Some(r)) => 0.5 * t + 0.5 * r,
            (Some(t), None) => t,
            _ => 0.0,
        };
        *bid *= (self.gain * error).exp();
        // Budget: ahead of the day's plan → scale this hour's bid down (the auction itself
        // never lets spend pass the day's budget).
        let p = pace(s);
        let pacing = if p > 1.0 { 1.0 / p } else { 1.0 };
        *bid * pacing
    }
}

/// One policy's result on one scenario.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Outcome {
    pub policy: String,
    pub scenario: usize,
    pub kind: ScenarioKind,
    pub target_roi: f64,
    pub roi: f64,
    pub spend: f64,
    pub budget: f64,
    pub value: f64,
    pub conversions: u64,
    /// |ROI / target − 1| ≤ 5 %.
    pub within_target: bool,
    pub budget_use: f64,
    /// Share of the impressions on offer that were won.
    pub win_rate: f64,
    /// Within ±5 % of target, or above it with the budget (≥ 90 % spent) or the market
    /// (≥ 95 % of impressions won) as the limit: no policy could spend more at the target.
    pub on_target: bool,
}

/// `n` scenarios of every kind in turn, seeded from `seed`.
pub fn scenarios(n: usize, seed: u64) -> Vec<Scenario> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let kinds = [
        ScenarioKind::Stable,
        ScenarioKind::DemandShock,
        ScenarioKind::BidWar,
        ScenarioKind::BudgetChange,
    ];
    (0..n)
        .map(|id| {
            let cvr = rng.gen_range(0.01..0.04);
            let order_value = rng.gen_range(80.0..300.0);
            let target_roi = rng.gen_range(2.0..4.0);
            let daily_impressions = rng.gen_range(60_000.0..150_000.0);
            // Competitors price an impression around a third of its value at the target.
            let competitor_price = cvr * order_value / target_roi * rng.gen_range(0.5..0.9);
            // Budgets from well below to above what the target ROI lets the plan spend.
            let daily_budget = daily_impressions * competitor_price * rng.gen_range(0.3..1.5);
            Scenario {
                id,
                kind: kinds[id % kinds.len()],
                seed: rng.gen(),
                days: 3,
                target_roi,
                daily_budget,
                daily_impressions,
                cvr,
                order_value,
                competitors: rng.gen_range(3..12),
                competitor_price,
            }
        })
        .collect()
}

/// Runs `policy` on `sc`; the same seed gives every policy the same impressions.
pub fn run(sc: &Scenario, policy: &mut dyn Policy) -> Result<Outcome, crate::SimError> {
    let bad = |e: rand_distr::NormalError| crate::SimError::Settings(e.to_string());
    if !(sc.competitor_price > 0.0 && sc.order_value > 0.0 && sc.target_roi > 0.0) {
        return Err(crate::SimError::Settings(
            "competitor price, order value and target ROI must be positive".into(),
        ));
    }
    let mut rng = ChaCha8Rng::seed_from_u64(sc.seed);
    let hours = sc.days * 24;
    let noise = LogNormal::new(0.0, 0.5).map_err(bad)?;
    let comp = LogNormal::new(sc.competitor_price.ln(), 0.35).map_err(bad)?;
    let start_bid = sc.order_value / sc.target_roi;
    let mut bid = start_bid;
    let mut st = HourState::default();
    let (mut budget_total, mut conversions) = (0.0, 0u64);
    let (mut offered, mut won) = (0u64, 0u64);
    for h in 0..hours {
        let hour = h % 24;
        let late = h >= hours / 2;
        if hour == 0 {
            st.spend_today = 0.0;
            st.value_today = 0.0;
            st.day_share_elapsed = 0.0;
            st.budget_today = sc.daily_budget
                * match (sc.kind, late) {
                    (ScenarioKind::BudgetChange, true) if sc.seed % 2 == 0 => 0.6,
                    (ScenarioKind::BudgetChange, true) => 1.4,
                    _ => 1.0,
                };
            budget_total += st.budget_today;
        }
        let traffic = match (sc.kind, late) {
            (ScenarioKind::DemandShock, true) if sc.seed % 2 == 0 => 0.5,
            (ScenarioKind::DemandShock, true) => 1.8,
            _ => 1.0,
        };
        let war = if sc.kind == ScenarioKind::BidWar && late {
            1.4
        } else {
            1.0
        };
        let mean = sc.daily_impressions * HOURLY_SHAPE[hour] * traffic;
        let n = Poisson::new(mean.max(1e-9))
            .map(|p| p.sample(&mut rng) as u64)
            .unwrap_or(0);
        for _ in 0..n {
            let p = (sc.cvr * noise.sample(&mut rng)).min(0.5);
            let value = sc.order_value * noise.sample(&mut rng);
            let top = (0..sc.competitors)
                .map(|_| comp.sample(&mut rng))
                .fold(0.0, f64::max)
                * war;
            let converts = rng.gen::<f64>() < p;
            let ours = bid * p;
            offered += 1;
            if ours > top && st.spend_today + top <= st.budget_today {
                won += 1;
                st.spend_today += top;
                st.spend_total += top;
                if converts {
                    st.value_today += value;
                    st.value_total += value;
                    conversions += 1;
                }
            }
        }
        st.day_share_elapsed += HOURLY_SHAPE[hour];
        bid = policy.bid(&st, sc.target_roi, bid).max(0.0);
    }
    let roi = if st.spend_total > 0.0 {
        st.value_total / st.spend_total
    } else {
        0.0
    };
    Ok(Outcome {
        policy: policy.name().into(),
        scenario: sc.id,
        kind: sc.kind,
        target_roi: sc.target_roi,
        roi,
        spend: st.spend_total,
        budget: budget_total,
        value: st.value_total,
        conversions,
        within_target: (roi / sc.target_roi - 1.0).abs() <= 0.05,
        budget_use: st.spend_total / budget_total,
        win_rate: won as f64 / offered.max(1) as f64,
        on_target: (roi / sc.target_roi - 1.0).abs() <= 0.05
            || (roi >= 0.95 * sc.target_roi
                && (st.spend_total >= 0.9 * budget_total || won as f64 >= 0.95 * offered as f64)),
    })
}

/// Every policy on every scenario, and per policy the share within ±5 % of target and the
/// mean budget use.
#[derive(Debug, Clone, Serialize)]
pub struct Comparison {
    pub outcomes: Vec<Outcome>,
    pub summary: Vec<PolicySummary>,
}

/// One policy across the scenarios.
#[derive(Debug, Clone, Serialize)]
pub struct PolicySummary {
    pub policy: String,
    pub scenarios: usize,
    pub within_target_share: f64,
    /// Share on target or limited by budget or market (see [`Outcome::on_target`]).
    pub on_target_share: f64,
    pub mean_budget_use: f64,
    /// Scenarios that are within target and spend at least 90 % of the budget.
    pub on_target_and_spent: usize,
}

/// Runs the controller, the fixed bid and the pacing rule on `n` scenarios from `seed`.
pub fn compare(n: usize, seed: u64) -> Result<Comparison, crate::SimError> {
    let sc = scenarios(n, seed);
    let mut outcomes = Vec::new();
    let mut summary = Vec::new();
    let policies: [fn() -> Box<dyn Policy>; 3] = [
        || Box::new(RoiController::new()),
        || Box::new(FixedBid),
        || Box::new(PacingRule::new()),
    ];
    for make in policies {
        let mut rows = Vec::new();
        for s in &sc {
            rows.push(run(s, make().as_mut())?);
        }
        let k = rows.len().max(1) as f64;
        summary.push(PolicySummary {
            policy: rows.first().map(|r| r.policy.clone()).unwrap_or_default(),
            scenarios: rows.len(),
            within_target_share: rows.iter().filter(|r| r.within_target).count() as f64 / k,
            on_target_share: rows.iter().filter(|r| r.on_target).count() as f64 / k,
            mean_budget_use: rows.iter().map(|r| r.budget_use).sum::<f64>() / k,
            on_target_and_spent: rows
                .iter()
                .filter(|r| r.within_target && r.budget_use >= 0.9)
                .count(),
        });
        outcomes.extend(rows);
    }
    Ok(Comparison { outcomes, summary })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_policy_sees_the_same_market() {
        let sc = &scenarios(1, 3)[0];
        let a = run(sc, &mut FixedBid).unwrap();
        let b = run(sc, &mut FixedBid).unwrap();
        assert_eq!(a, b, "deterministic per seed");
        assert!(a.spend <= a.budget + 1e-6, "the auction never overspends");
    }

    #[test]
    fn the_controller_beats_fixed_and_pacing_on_target_and_budget() {
        let c = compare(20, 42).unwrap();
        let by = |p: &str| c.summary.iter().find(|s| s.policy == p).unwrap().clone();
        let (ctl, fixed, pacing) = (by("controller"), by("fixed_bid"), by("pacing_rule"));
        assert!(ctl.on_target_share >= 0.9, "{ctl:?}");
        assert!(ctl.mean_budget_use >= 0.9, "{ctl:?}");
        assert!(ctl.on_target_share > fixed.on_target_share, "{fixed:?}");
        assert!(ctl.on_target_share > pacing.on_target_share, "{pacing:?}");
        // Every outcome stays inside its budget and reports a sane ROI.
        for o in &c.outcomes {
            assert!(
                o.spend <= o.budget * (1.0 + 1e-9) && o.roi.is_finite(),
                "{o:?}"
            );
        }
    }
}
