//! The simple baselines: a fixed bid, and the pacing rule of the AuctionNet baseline kit.

use super::{Decision, Goal, HourState, Policy};

/// The fixed bid: the break-even conversion bid at the target, never changed.
pub struct FixedBid;

impl Policy for FixedBid {
    fn name(&self) -> &'static str {
        "fixed_bid"
    }
    fn decide(&mut self, _: &HourState, _: Goal, prior: Decision) -> Decision {
        prior
    }
}

/// The pacing rule: ×1.2 when spend pace < 0.7 of plan, ×0.7 when > 1.1 (the budget rule
/// the AuctionNet baseline kit ships under the name "PID").
#[derive(Default)]
pub struct PacingRule;

/// Today's spend over the budget share of the traffic past.
pub(super) fn pace(s: &HourState) -> f64 {
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
    fn decide(&mut self, s: &HourState, _: Goal, prior: Decision) -> Decision {
        let p = pace(s);
        let factor = if p < 0.7 {
            1.2
        } else if p > 1.1 {
            0.7
        } else {
            1.0
        };
        Decision {
            bid: prior.bid * factor,
            throttle: 1.0,
        }
    }
}
