//! Vitrine's bid controller, two loops:
//! - **goal loop**: integral action on the log slack against the ROI/CPA target over the
//!   last 12 hours (shrunk toward target by 20 conversions' worth of spend), with the target
//!   shifted by at most ±25 % to make up for the run's past error, sets the bid; the bid stays
//!   within 1/5–5× its first value (anti-windup) and probes upward when nothing is bought;
//! - **budget loop**: [`UniformDelivery`].

use super::{Decision, Goal, HourState, Policy, UniformDelivery};

/// Hours in the recent window the controller steers by.
const RECENT_HOURS: usize = 12;
/// Conversions' worth of on-target spend every window's slack is shrunk with.
const PRIOR_CONVERSIONS: f64 = 20.0;
/// The largest log shift of the recent goal that makes up for the run's past error.
const COMPENSATE: f64 = 0.25;
/// How far the bid may move from the first bid, either way.
const MAX_BID_STEP: f64 = 5.0;
/// Log step up per hour when nothing was bought over the recent window.
const PROBE: f64 = 0.2;
/// Integral gain per hour on the log slack.
const GAIN: f64 = 0.15;

/// The controller's state.
#[derive(Default)]
pub struct RoiController {
    /// (spend, value, conversions) totals at the end of each past hour.
    history: Vec<(f64, f64, f64)>,
    delivery: UniformDelivery,
    first_bid: Option<f64>,
}

impl RoiController {
    pub fn new() -> Self {
        Self::default()
    }

    fn goal_error(&mut self, s: &HourState, goal: Goal, first_bid: f64) -> f64 {
        let now = (s.spend_total, s.value_total, s.conversions_total);
        self.history.push(now);
        let n = self.history.len();
        let start = self.history[n.saturating_sub(RECENT_HOURS + 1)];
        let bought_lately = n <= RECENT_HOURS || now.0 - start.0 > 0.0;
        if !bought_lately {
            // Nothing bought for hours: probe upward instead of starving.
            return PROBE;
        }
        // A window's slack is shrunk toward "on target" by PRIOR_CONVERSIONS conversions'
        // worth of spend, so a thin window (a few conversions) barely moves the bid.
        let prior = PRIOR_CONVERSIONS * first_bid;
        let recent = goal.shrunk_slack(now.0 - start.0, now.1 - start.1, now.2 - start.2, prior);
        let total = goal.shrunk_slack(now.0, now.1, now.2, prior);
        // Steer the recent window to the target, shifted to make up for the run's past error
        // (so the total ends on target, but a bad start cannot starve the plan).
        recent.clamp(-1.0, 1.0) + total.clamp(-COMPENSATE, COMPENSATE)
    }
}

impl Policy for RoiController {
    fn name(&self) -> &'static str {
        "controller"
    }
    fn decide(&mut self, s: &HourState, goal: Goal, prior: Decision) -> Decision {
        // Anti-windup: the bid never leaves [1/5, 5] × the first bid.
        let first = *self.first_bid.get_or_insert(prior.bid);
        let error = self.goal_error(s, goal, first);
        Decision {
            bid: (prior.bid * (GAIN * error).exp())
                .clamp(first / MAX_BID_STEP, first * MAX_BID_STEP),
            throttle: self.delivery.throttle(s),
        }
    }
}
