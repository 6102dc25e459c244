//! The market of a scenario, drawn once: every impression on offer, hour by hour, and the
//! day's budget. Policies replay the same tape.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, LogNormal, Poisson, StandardNormal};

use super::{Scenario, HOURLY_SHAPE};

/// The log-scale spread of each competitor's per-impression bid.
const COMPETITOR_SIGMA: f64 = 0.35;

/// One impression on offer.
#[derive(Debug, Clone, Copy)]
pub(super) struct Impression {
    /// The platform's conversion estimate.
    pub p_hat: f64,
    pub converts: bool,
    pub value: f64,
    /// The highest competitor bid: our price if we win.
    pub top: f64,
    /// Uniform draw for throttling.
    pub u: f64,
}

/// A scenario's impressions and budgets, drawn from its seed.
pub struct Tape {
    scenario: Scenario,
    hours: Vec<Vec<Impression>>,
    budgets: Vec<f64>,
}

impl Tape {
    /// Draws the scenario's market.
    pub fn record(sc: &Scenario) -> Result<Tape, crate::SimError> {
        let bad = |e: rand_distr::NormalError| crate::SimError::Settings(e.to_string());
        if !(sc.competitor_price > 0.0
            && sc.order_value > 0.0
            && sc.goal.target() > 0.0
            && sc.calibration > 0.0)
        {
            return Err(crate::SimError::Settings(
                "competitor price, order value, target and calibration must be positive".into(),
            ));
        }
        let noise = LogNormal::new(0.0, 0.5).map_err(bad)?;
        let pctr_noise = LogNormal::new(0.0, 0.25).map_err(bad)?;
        let mut rng = ChaCha8Rng::seed_from_u64(sc.seed);
        let comp_log_median = sc.competitor_price.ln();
        let n_hours = sc.days * 24;
        let mut hours = Vec::with_capacity(n_hours);
        for h in 0..n_hours {
            let shift = sc.shift(h);
            let mean = sc.daily_impressions * HOURLY_SHAPE[h % 24] * shift.traffic;
            let n = Poisson::new(mean.max(1e-9))
                .map(|p| p.sample(&mut rng) as u64)
                .unwrap_or(0);
            let mut buf = Vec::with_capacity(n as usize);
            for _ in 0..n {
                let p = (sc.cvr * noise.sample(&mut rng)).min(0.5);
                let value = sc.order_value * noise.sample(&mut rng) * shift.order_value;
                // The highest of the competitors' log-normal bids: one exp of the highest
                // normal.
                let z = (0..sc.competitors)
                    .map(|_| rng.sample::<f64, _>(StandardNormal))
                    .fold(f64::NEG_INFINITY, f64::max);
                let top = (comp_log_median + COMPETITOR_SIGMA * z).exp() * shift.competitor_bids;
                let calibration = sc.calibration * shift.calibration;
                buf.push(Impression {
                    p_hat: p * calibration * pctr_noise.sample(&mut rng),
                    converts: rng.gen::<f64>() < p,
                    value,
                    top,
                    u: rng.gen(),
                });
            }
            hours.push(buf);
        }
        let budgets = (0..n_hours)
            .map(|h| sc.daily_budget * sc.shift(h).budget)
            .collect();
        Ok(Tape {
            scenario: sc.clone(),
            hours,
            budgets,
        })
    }

    pub fn scenario(&self) -> &Scenario {
        &self.scenario
    }

    /// The impressions of each hour of the run, in order.
    pub(super) fn hours(&self) -> impl Iterator<Item = &[Impression]> {
        self.hours.iter().map(Vec::as_slice)
    }

    /// The day's budget at hour `h` of the run.
    pub(super) fn budget(&self, h: usize) -> f64 {
        self.budgets.get(h).copied().unwrap_or(0.0)
    }
}
