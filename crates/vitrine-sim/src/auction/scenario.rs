//! Scenarios: the market a plan bids in, what changes in it, and the plan's goal.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::Serialize;

/// What happens in a scenario. The first four are the mix the controller was tuned on; the
/// rest are held out for evaluation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ScenarioKind {
    Stable,
    /// Traffic halves (or rises 80 %) from the middle of the run.
    DemandShock,
    /// Competitors raise their bids by 40 % from the middle of the run.
    BidWar,
    /// The daily budget is cut by 40 % (or raised 40 %) from the middle of the run (midday).
    BudgetChange,
    /// The platform's conversion estimate turns 50 % too high (or a third too low) from the
    /// middle of the run (a model update).
    CalibrationDrift,
    /// Order values fall 30 % from the middle of the run (a discount campaign).
    ValueDrop,
    /// Traffic falls 40 % while competitors bid 30 % more, from the middle of the run.
    Squeeze,
    /// Every sixth and seventh day brings 50 % more traffic at 20 % higher competitor bids.
    Weekend,
}

/// A set of scenario kinds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Mix {
    /// The kinds the controller and the PID gains were tuned on.
    Tuning,
    /// Kinds no policy was tuned on.
    Unseen,
}

impl Mix {
    pub fn kinds(self) -> [ScenarioKind; 4] {
        use ScenarioKind::*;
        match self {
            Mix::Tuning => [Stable, DemandShock, BidWar, BudgetChange],
            Mix::Unseen => [CalibrationDrift, ValueDrop, Squeeze, Weekend],
        }
    }
}

/// How the market differs from its start at a point of the run.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct Shift {
    pub traffic: f64,
    pub competitor_bids: f64,
    pub calibration: f64,
    pub order_value: f64,
    pub budget: f64,
}

impl ScenarioKind {
    /// The market's shift in `day` of the run, `late` from its middle on; `up` picks the
    /// direction of two-way changes.
    pub(super) fn shift(self, late: bool, day: usize, up: bool) -> Shift {
        let mut s = Shift {
            traffic: 1.0,
            competitor_bids: 1.0,
            calibration: 1.0,
            order_value: 1.0,
            budget: 1.0,
        };
        let pick = |a: f64, b: f64| if up { b } else { a };
        match self {
            ScenarioKind::Stable => {}
            ScenarioKind::DemandShock if late => s.traffic = pick(0.5, 1.8),
            ScenarioKind::BidWar if late => s.competitor_bids = 1.4,
            ScenarioKind::BudgetChange if late => s.budget = pick(0.6, 1.4),
            ScenarioKind::CalibrationDrift if late => s.calibration = pick(1.5, 0.67),
            ScenarioKind::ValueDrop if late => s.order_value = 0.7,
            ScenarioKind::Squeeze if late => {
                s.traffic = 0.6;
                s.competitor_bids = 1.3;
            }
            ScenarioKind::Weekend if day % 7 >= 5 => {
                s.traffic = 1.5;
                s.competitor_bids = 1.2;
            }
            _ => {}
        }
        s
    }
}

/// The plan's goal: a minimum ROI (order value / spend) or a maximum cost per conversion.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(tag = "kind", content = "target", rename_all = "snake_case")]
pub enum Goal {
    Roi(f64),
    Cpa(f64),
}

impl Goal {
    /// The target value.
    pub fn target(self) -> f64 {
        match self {
            Goal::Roi(t) | Goal::Cpa(t) => t,
        }
    }

    /// The achieved ROI or CPA, if defined.
    pub fn achieved(self, spend: f64, value: f64, conversions: f64) -> Option<f64> {
        match self {
            Goal::Roi(_) => (spend > 0.0).then(|| value / spend),
            Goal::Cpa(_) => (conversions > 0.0).then(|| spend / conversions),
        }
    }

    /// Log slack against the target: positive when better than target (room to bid up).
    pub fn slack(self, spend: f64, value: f64, conversions: f64) -> Option<f64> {
        let a = self.achieved(spend, value, conversions)?;
        (a > 0.0).then(|| match self {
            Goal::Roi(t) => (a / t).ln(),
            Goal::Cpa(t) => (t / a).ln(),
        })
    }

    /// [`Goal::slack`] with `prior_spend` of spend at exactly the target added to the window
    /// (empirical-Bayes shrinkage: thin windows read as near target).
    pub fn shrunk_slack(self, spend: f64, value: f64, conversions: f64, prior_spend: f64) -> f64 {
        let t = self.target();
        let (spend, value, conversions) = (
            spend + prior_spend,
            value + prior_spend * t,
            conversions + prior_spend / t,
        );
        self.slack(spend, value, conversions).unwrap_or(0.0)
    }

    /// The break-even conversion bid at the target for an order of `order_value`.
    pub fn start_bid(self, order_value: f64) -> f64 {
        match self {
            Goal::Roi(t) => order_value / t,
            Goal::Cpa(t) => t,
        }
    }
}

/// One scenario: the market and the plan's goal.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Scenario {
    pub id: usize,
    pub kind: ScenarioKind,
    pub seed: u64,
    pub days: usize,
    pub goal: Goal,
    /// Daily budget in yuan (before any budget change).
    pub daily_budget: f64,
    /// Impressions a day at the peak-normalised shape.
    pub daily_impressions: f64,
    /// Mean conversion probability and order value.
    pub cvr: f64,
    pub order_value: f64,
    /// The platform's pCVR is the true probability times this (a miscalibrated model).
    pub calibration: f64,
    /// Competitors and the median of their per-impression bids (yuan).
    pub competitors: usize,
    pub competitor_price: f64,
}

impl Scenario {
    /// The market's shift at hour `h` of the run.
    pub(super) fn shift(&self, h: usize) -> Shift {
        let late = h >= self.days * 24 / 2;
        self.kind.shift(late, h / 24, self.seed % 2 == 1)
    }
}

/// `n` seven-day scenarios of the tuning mix, alternating ROI and CPA goals, from `seed`.
pub fn scenarios(n: usize, seed: u64) -> Vec<Scenario> {
    scenarios_of(Mix::Tuning, n, seed, 7)
}

/// `n` scenarios of `days` days with every kind of `mix` in turn, alternating ROI and CPA
/// goals every round of kinds, seeded from `seed`.
pub fn scenarios_of(mix: Mix, n: usize, seed: u64, days: usize) -> Vec<Scenario> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let kinds = mix.kinds();
    (0..n)
        .map(|id| {
            let cvr = rng.gen_range(0.01..0.04);
            let order_value = rng.gen_range(80.0..300.0);
            let target_roi = rng.gen_range(2.0..4.0);
            let daily_impressions = rng.gen_range(60_000.0..150_000.0);
            // Competitors price an impression near its expected value at the target (the noise
            // factors below have mean e^{σ²/2} each), so the target binds: winning every
            // impression would miss it.
            let mean_value = cvr * order_value * (0.5f64 * 0.5 * 0.5).exp().powi(2);
            let competitor_price = mean_value / target_roi * rng.gen_range(0.7..1.2);
            // Budgets from well below to above what the target lets the plan spend.
            let daily_budget = daily_impressions * competitor_price * rng.gen_range(0.1..0.9);
            let goal = if (id / kinds.len()).is_multiple_of(2) {
                Goal::Roi(target_roi)
            } else {
                Goal::Cpa(order_value / target_roi)
            };
            Scenario {
                id,
                kind: kinds[id % kinds.len()],
                seed: rng.gen(),
                days,
                goal,
                daily_budget,
                daily_impressions,
                cvr,
                order_value,
                calibration: rng.gen_range(0.7..1.4),
                competitors: rng.gen_range(3..12),
                competitor_price,
            }
        })
        .collect()
}
