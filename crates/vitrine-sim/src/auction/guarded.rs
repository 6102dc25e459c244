//! A policy run as the product runs bid changes: every bid it wants passes the same
//! [`Guardrails`] as the daily review's recommendations (observation window, cooldown, step,
//! daily cap), and the platform's uniform delivery paces the budget.

use vitrine_core::guardrails::{Guardrails, Move};

use super::{Decision, Goal, HourState, Policy, UniformDelivery};

/// Smallest relative bid change worth making (smaller wishes wait).
const MIN_CHANGE: f64 = 0.01;

/// `inner` behind the guardrails.
pub struct Guarded<P> {
    inner: P,
    rails: Guardrails,
    /// The bid the inner policy steers (it sees its own wish, kept within one step of the
    /// live bid so a blocked wish cannot wind up).
    wanted: Option<f64>,
    /// Hours done at the last applied change.
    last_change: Option<usize>,
    /// Changes applied per day of the run.
    per_day: Vec<usize>,
    delivery: UniformDelivery,
}

impl<P: Policy> Guarded<P> {
    pub fn new(inner: P, rails: Guardrails) -> Self {
        Guarded {
            inner,
            rails,
            wanted: None,
            last_change: None,
            per_day: Vec::new(),
            delivery: UniformDelivery::default(),
        }
    }

    /// Whether a change from `live` to `wish` may go out now.
    fn admits(&self, s: &HourState, live: f64, wish: f64) -> bool {
        if (wish / live - 1.0).abs() < MIN_CHANGE {
            return false;
        }
        let m = if wish < live {
            Move::Protective
        } else {
            Move::Other
        };
        let since = self.last_change.map(|h| (s.hours_done - h) as i64);
        let age = (s.hours_done / 24) as i64;
        let today = self.per_day.get(s.hours_done / 24).copied().unwrap_or(0);
        self.rails.wait(m, since, age).is_none() && today < self.rails.max_changes_per_day
    }
}

impl<P: Policy> Policy for Guarded<P> {
    fn name(&self) -> &'static str {
        self.inner.name()
    }
    fn decide(&mut self, s: &HourState, goal: Goal, live: Decision) -> Decision {
        let shadow = Decision {
            bid: self.wanted.unwrap_or(live.bid),
            ..live
        };
        let want = self.inner.decide(s, goal, shadow);
        let wish = if live.bid > 0.0 {
            live.bid * self.rails.step(want.bid / live.bid)
        } else {
            want.bid
        };
        self.wanted = Some(wish);
        let bid = if live.bid > 0.0 && self.admits(s, live.bid, wish) {
            self.last_change = Some(s.hours_done);
            let day = s.hours_done / 24;
            if self.per_day.len() <= day {
                self.per_day.resize(day + 1, 0);
            }
            self.per_day[day] += 1;
            wish
        } else {
            live.bid
        };
        Decision {
            bid,
            throttle: self.delivery.throttle(s),
        }
    }
}
