//! An auction simulator for bidding policies: competing advertisers, second-price auctions
//! per impression, traffic with an hourly shape, per-impression conversion probability and
//! order value. Seedable; every policy sees the same impressions and competitor bids.
//!
//! Our bid for an impression is `bid × pCVR` (a pay-per-conversion bid turned into a price
//! per impression, as oCPM does), where pCVR is the platform's estimate, off by a per-scenario
//! calibration error and per-impression noise. We win when the bid beats the highest
//! competitor bid and pay that bid (second price). A policy sets, every hour, the conversion
//! bid and a participation share (throttle) for the next hour; run [`Guarded`], it changes
//! the bid only as the product's guardrails allow and the platform paces the budget.

mod compare;
mod controller;
mod delivery;
mod guarded;
mod market;
mod oracle;
mod pid;
mod policies;
mod scenario;
#[cfg(test)]
mod tests;

use serde::Serialize;

pub use compare::{compare, study, Comparison, Loss, Mode, PolicySummary, Study, StudyReport};
pub use controller::RoiController;
pub use delivery::UniformDelivery;
pub use guarded::Guarded;
pub use market::Tape;
pub use oracle::{oracle, Oracle};
pub use pid::{PidGains, PidPacer};
pub use policies::{FixedBid, PacingRule};
pub use scenario::{scenarios, scenarios_of, Goal, Mix, Scenario, ScenarioKind};

/// Share of a day's traffic in each hour (Douyin's evening peak).
pub const HOURLY_SHAPE: [f64; 24] = [
    0.020, 0.012, 0.008, 0.006, 0.006, 0.010, 0.020, 0.030, 0.040, 0.045, 0.048, 0.050, 0.052,
    0.048, 0.046, 0.046, 0.048, 0.050, 0.055, 0.062, 0.068, 0.072, 0.065, 0.049,
];

/// What a policy sees at the end of each hour, and decides for the next.
#[derive(Debug, Clone, Copy, Default)]
pub struct HourState {
    /// Hours of the run completed (1 after the first hour).
    pub hours_done: usize,
    pub spend_today: f64,
    pub budget_today: f64,
    /// Share of today's traffic shape already past.
    pub day_share_elapsed: f64,
    /// Σ throttle × traffic share over today's past hours: the traffic we took part in.
    pub participation_today: f64,
    pub spend_total: f64,
    pub value_total: f64,
    pub conversions_total: f64,
}

/// A policy's decision for the next hour.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Decision {
    /// Conversion bid in yuan.
    pub bid: f64,
    /// Share of the hour's auctions entered, 0–1 (random throttling keeps the traffic mix).
    pub throttle: f64,
}

/// A bidding policy: sets the conversion bid and throttle for the next hour.
pub trait Policy {
    fn name(&self) -> &'static str;
    fn decide(&mut self, s: &HourState, goal: Goal, prior: Decision) -> Decision;
}

impl<P: Policy + ?Sized> Policy for Box<P> {
    fn name(&self) -> &'static str {
        (**self).name()
    }
    fn decide(&mut self, s: &HourState, goal: Goal, prior: Decision) -> Decision {
        (**self).decide(s, goal, prior)
    }
}

/// One policy's result on one scenario.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Outcome {
    pub policy: String,
    pub scenario: usize,
    pub kind: ScenarioKind,
    pub goal: &'static str,
    pub target: f64,
    /// The achieved ROI or CPA (0 when nothing was bought).
    pub achieved: f64,
    pub roi: f64,
    pub spend: f64,
    pub budget: f64,
    pub value: f64,
    pub conversions: u64,
    /// |achieved / target − 1| ≤ 5 %.
    pub within_target: bool,
    pub budget_use: f64,
    /// Share of the impressions on offer that were won.
    pub win_rate: f64,
    /// What the run could spend at exactly the target (hindsight oracle: the best single bid
    /// over the same impressions, each day capped at its budget).
    pub target_spend: f64,
    /// The target allows spending the budget (`target_spend ≥ budget`).
    pub budget_reachable: bool,
    /// Within ±5 % of target and, where the target allows, ≥ 90 % of the budget spent.
    pub meets_goal: bool,
    /// Order value times the shortfall penalty min(1, (achieved/target)²) (CPA: target/CPA),
    /// as a share of the hindsight oracle's order value (the AuctionNet score, normalised).
    /// Spending far past the target can score above 1, so meeting the goal comes first.
    pub score: f64,
    /// Bid changes made over the run.
    pub bid_changes: usize,
    /// Mean over days of the largest gap between the share of the day's spend so far and the
    /// share of the day's traffic so far (0 = spend follows traffic exactly).
    pub pacing_gap: f64,
}

/// Runs `policy` on `sc`; the same seed gives every policy the same impressions.
pub fn run(sc: &Scenario, policy: &mut dyn Policy) -> Result<Outcome, crate::SimError> {
    let tape = Tape::record(sc)?;
    Ok(run_on(&tape, &oracle(&tape, sc.goal), policy))
}

/// Runs `policy` over a recorded market, judged against its oracle.
pub fn run_on(tape: &Tape, best: &Oracle, policy: &mut dyn Policy) -> Outcome {
    let sc = tape.scenario();
    let mut decision = Decision {
        bid: sc.goal.start_bid(sc.order_value),
        throttle: 1.0,
    };
    let mut st = HourState::default();
    let (mut budget_total, mut offered, mut won, mut changes) = (0.0, 0u64, 0u64, 0usize);
    let mut day_curve = Vec::with_capacity(24);
    let mut gaps = Vec::new();
    for (h, hour_imps) in tape.hours().enumerate() {
        let hour = h % 24;
        if hour == 0 || tape.budget(h) != tape.budget(h - 1) {
            if hour == 0 {
                st.spend_today = 0.0;
                st.day_share_elapsed = 0.0;
                st.participation_today = 0.0;
            } else {
                // A mid-day change sets the cap for the whole day, as Qianchuan's daily budget.
                budget_total -= st.budget_today;
            }
            st.budget_today = tape.budget(h);
            budget_total += st.budget_today;
        }
        for imp in hour_imps {
            offered += 1;
            let price = imp.top;
            if imp.u < decision.throttle
                && decision.bid * imp.p_hat > price
                && st.spend_today + price <= st.budget_today
            {
                won += 1;
                st.spend_today += price;
                st.spend_total += price;
                if imp.converts {
                    st.value_total += imp.value;
                    st.conversions_total += 1.0;
                }
            }
        }
        st.hours_done = h + 1;
        st.day_share_elapsed += HOURLY_SHAPE[hour];
        st.participation_today += decision.throttle * HOURLY_SHAPE[hour];
        day_curve.push((st.day_share_elapsed, st.spend_today));
        if hour == 23 {
            gaps.push(pacing_gap(&day_curve));
            day_curve.clear();
        }
        let next = policy.decide(&st, sc.goal, decision);
        if (next.bid - decision.bid).abs() > 1e-9 * decision.bid.abs() {
            changes += 1;
        }
        decision = Decision {
            bid: next.bid.max(0.0),
            throttle: next.throttle.clamp(0.0, 1.0),
        };
    }
    outcome(sc, best, policy.name(), &st, budget_total, offered, won)
        .with(changes, gaps.iter().sum::<f64>() / gaps.len().max(1) as f64)
}

fn outcome(
    sc: &Scenario,
    best: &Oracle,
    policy: &str,
    st: &HourState,
    budget_total: f64,
    offered: u64,
    won: u64,
) -> Outcome {
    let (spend, value, conv) = (st.spend_total, st.value_total, st.conversions_total);
    let achieved = sc.goal.achieved(spend, value, conv).unwrap_or(0.0);
    let within_target = (achieved / sc.goal.target() - 1.0).abs() <= 0.05;
    let budget_use = spend / budget_total;
    let budget_reachable = best.spend >= budget_total;
    let penalty = sc
        .goal
        .slack(spend, value, conv)
        .map_or(0.0, |s| (2.0 * s).exp().min(1.0));
    Outcome {
        policy: policy.into(),
        scenario: sc.id,
        kind: sc.kind,
        goal: match sc.goal {
            Goal::Roi(_) => "roi",
            Goal::Cpa(_) => "cpa",
        },
        target: sc.goal.target(),
        achieved,
        roi: Goal::Roi(1.0).achieved(spend, value, 0.0).unwrap_or(0.0),
        spend,
        budget: budget_total,
        value,
        conversions: conv as u64,
        within_target,
        budget_use,
        win_rate: won as f64 / offered.max(1) as f64,
        target_spend: best.spend,
        budget_reachable,
        meets_goal: within_target && (!budget_reachable || budget_use >= 0.9),
        score: if best.value > 0.0 {
            value * penalty / best.value
        } else {
            0.0
        },
        bid_changes: 0,
        pacing_gap: 0.0,
    }
}

impl Outcome {
    fn with(mut self, bid_changes: usize, pacing_gap: f64) -> Self {
        self.bid_changes = bid_changes;
        self.pacing_gap = pacing_gap;
        self
    }
}

/// The largest gap in a day between the spend share so far and the traffic share so far.
fn pacing_gap(curve: &[(f64, f64)]) -> f64 {
    let total = curve.last().map_or(0.0, |c| c.1);
    if total <= 0.0 {
        return 0.0;
    }
    let day = curve.last().map_or(1.0, |c| c.0);
    curve
        .iter()
        .map(|(share, spend)| (spend / total - share / day).abs())
        .fold(0.0, f64::max)
}
