//! The guardrails every bid or budget change passes, whoever proposes it: the daily review's
//! recommendations and an automatic bid controller alike (`[bids]` in the settings).
//!
//! Qianchuan resets a plan's learning after large or frequent changes, so a plan is judged
//! only after it has run for the observation window, changes at most once per cooldown, moves
//! by at most one step at a time, and a shop makes a limited number of changes a day.

use serde::Serialize;

use crate::config::{Config, Group, Scope};

/// The limits on changing a plan.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Guardrails {
    /// Days a plan must have run (and since its last change) before a change that is not
    /// protective.
    pub observe_days: i64,
    /// Hours after an applied change before the same plan may change again (pauses excepted).
    pub cooldown_hours: i64,
    /// Changes a shop may make in a day.
    pub max_changes_per_day: usize,
    /// Largest relative bid or budget step.
    pub max_step: f64,
}

/// What kind of change is asked for: pauses pass the cooldown, protective moves (lowering a
/// bid or budget) pass the observation window.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Move {
    Pause,
    Protective,
    Other,
}

/// Why a change must wait.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Wait {
    /// The plan changed `since_hours` ago, inside the cooldown.
    Cooldown { since_hours: i64 },
    /// The plan has run `observed_days` since it started or last changed.
    Observing { observed_days: i64 },
}

impl Guardrails {
    /// The guardrails of `scope` from `[bids]`.
    pub fn from_config(cfg: &Config, scope: Scope) -> Self {
        let n = |k: &str| cfg.num(Group::Bids, k, scope);
        Guardrails {
            observe_days: n("observe_days") as i64,
            cooldown_hours: n("cooldown_hours") as i64,
            max_changes_per_day: n("max_changes_per_day").max(0.0) as usize,
            max_step: n("max_step"),
        }
    }

    /// Whether a change of kind `m` must wait, for a plan `age_days` old that last changed
    /// `since_hours` ago (`None`: never changed).
    pub fn wait(&self, m: Move, since_hours: Option<i64>, age_days: i64) -> Option<Wait> {
        if m != Move::Pause {
            if let Some(h) = since_hours.filter(|h| *h < self.cooldown_hours) {
                return Some(Wait::Cooldown { since_hours: h });
            }
        }
        let observed_days = since_hours.map_or(age_days, |h| (h / 24).min(age_days));
        (m == Move::Other && observed_days < self.observe_days)
            .then_some(Wait::Observing { observed_days })
    }

    /// `factor` (new value / old value) limited to one step either way.
    pub fn step(&self, factor: f64) -> f64 {
        factor.clamp(1.0 - self.max_step, 1.0 + self.max_step)
    }
}

impl Default for Guardrails {
    fn default() -> Self {
        Guardrails::from_config(&Config::default(), Scope::default())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_defaults_are_the_settings_and_each_rule_bites() {
        let g = Guardrails::default();
        assert_eq!(
            (g.observe_days, g.cooldown_hours, g.max_changes_per_day),
            (3, 24, 10)
        );
        assert_eq!(
            g.wait(Move::Other, Some(5), 10),
            Some(Wait::Cooldown { since_hours: 5 })
        );
        assert_eq!(g.wait(Move::Pause, Some(5), 10), None);
        assert_eq!(
            g.wait(Move::Other, Some(30), 10),
            Some(Wait::Observing { observed_days: 1 })
        );
        assert_eq!(g.wait(Move::Protective, Some(30), 10), None);
        assert_eq!(g.wait(Move::Other, None, 3), None);
        assert_eq!(
            g.wait(Move::Other, None, 2),
            Some(Wait::Observing { observed_days: 2 })
        );
        assert!((g.step(2.0) - 1.2).abs() < 1e-12 && (g.step(0.1) - 0.8).abs() < 1e-12);
    }
}
