//! Uniform delivery (均匀投放): the share of the remaining traffic the remaining budget can
//! buy at the measured spend rate, so the budget lasts the day and the traffic mix (and with
//! it ROI) stays that of full participation. The controller's budget loop, and what the
//! platform does for a plan whose bid a merchant sets.

use super::HourState;

/// The lowest throttle (keeps measuring the market).
const MIN_THROTTLE: f64 = 0.02;

/// The budget loop's memory: spend per unit of traffic share at full participation.
#[derive(Debug, Clone, Default)]
pub struct UniformDelivery {
    rate: Option<f64>,
}

impl UniformDelivery {
    /// The throttle for the next hour.
    pub fn throttle(&mut self, s: &HourState) -> f64 {
        if s.participation_today > 0.01 && s.spend_today > 0.0 {
            let today = s.spend_today / s.participation_today;
            // Weight today's measurement by how much of the day it covers.
            let w = (s.day_share_elapsed * 2.0).min(1.0);
            self.rate = Some(self.rate.map_or(today, |r| w * today + (1.0 - w) * r));
        }
        let remaining_share = 1.0 - s.day_share_elapsed;
        match self.rate {
            Some(rate) if rate > 0.0 && remaining_share > 1e-9 => {
                let left = (s.budget_today - s.spend_today).max(0.0);
                (left / (rate * remaining_share)).clamp(MIN_THROTTLE, 1.0)
            }
            _ => 1.0,
        }
    }
}
