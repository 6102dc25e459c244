//! A believable Douyin shop, deterministic per seed.
//!
//! The simulator drives one or more shops day by day: organic traffic by source with weekly
//! rhythm and campaign peaks, Qianchuan plans whose results respond to bid and budget with
//! diminishing returns, buyers whose repeat purchases follow a Pareto/NBD (buy-till-you-die)
//! process, refunds, comments, stock and deliveries. It plants incidents and reports their
//! ground truth so monitors and root-cause analysis can be checked against it.

pub mod auction;
mod incident;
mod world;

use chrono::{Duration, NaiveDate};
use serde::Serialize;
use vitrine_core::batch::TableSink;
use vitrine_core::CoreError;

pub use incident::{Incident, IncidentKind};
pub use world::ShopSim;

/// Errors from the simulator.
#[derive(Debug, thiserror::Error)]
pub enum SimError {
    #[error("invalid simulation settings: {0}")]
    Settings(String),
    #[error(transparent)]
    Sink(#[from] CoreError),
}

/// What to simulate.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SimConfig {
    pub seed: u64,
    /// Number of days, ending with `end` inclusive.
    pub days: u32,
    pub end: NaiveDate,
    /// 1.0 ≈ 2,000 SKUs, 300 plans, ≈5M orders a year per shop.
    pub scale: f64,
    pub shops: u32,
    /// How hard the planted incidents hit.
    pub effects: Effects,
}

/// The size of each planted incident's effect.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Effects {
    /// Multiplier on the collapsing plan's CTR.
    pub plan_ctr: f64,
    /// Multiplier on one region's conversion (the share of its orders that still happen).
    pub region_conversion: f64,
    /// Multiplier on the spiking plan's cost per conversion.
    pub cpa: f64,
    /// Share of orders shipped 60 h late during a delivery delay.
    pub late_share: f64,
    /// Multiplier on the product's complaint rate during a surge …
    pub complaint_rate: f64,
    /// … plus this many extra complaints per order of the product …
    pub complaint_per_order: f64,
    /// … and at least this many extra complaints a surge day.
    pub complaint_min: f64,
}

impl Effects {
    /// What a merchant meets: CTR ×0.7, conversion ×0.7, CPA +40 %, a fifth of orders late,
    /// a bad batch of which one buyer in ten complains (about 15× a product's usual rate;
    /// ×3 of a rate of one complaint in 200 orders is a complaint a day more on a best-seller
    /// at scale 0.05, which no test can tell from noise within 72 hours).
    pub const REALISTIC: Effects = Effects {
        plan_ctr: 0.7,
        region_conversion: 0.7,
        cpa: 1.4,
        late_share: 0.2,
        complaint_rate: 1.0,
        complaint_per_order: 0.1,
        complaint_min: 0.0,
    };
    /// Incidents no monitor can miss (CTR ×0.2, CPA ×5, a quarter of the product's buyers
    /// complain), for demos and smoke tests.
    pub const STRONG: Effects = Effects {
        plan_ctr: 0.2,
        region_conversion: 0.3,
        cpa: 5.0,
        late_share: 0.45,
        complaint_rate: 1.0,
        complaint_per_order: 0.25,
        complaint_min: 8.0,
    };
}

impl SimConfig {
    /// Checks the settings are usable.
    pub fn validate(&self) -> Result<(), SimError> {
        if !(self.scale > 0.0 && self.scale <= 10.0) {
            return Err(SimError::Settings(format!(
                "scale must be in (0, 10], got {}",
                self.scale
            )));
        }
        if self.days == 0 || self.days > 3 * 366 {
            return Err(SimError::Settings(format!(
                "days must be in 1..=1098, got {}",
                self.days
            )));
        }
        if self.shops == 0 || self.shops > 100 {
            return Err(SimError::Settings(format!(
                "shops must be in 1..=100, got {}",
                self.shops
            )));
        }
        Ok(())
    }

    /// The first simulated day.
    pub fn start(&self) -> NaiveDate {
        self.end - Duration::days(i64::from(self.days) - 1)
    }
}

/// Buy-till-you-die parameters the buyers were drawn from (Pareto/NBD: purchase rate
/// λ ~ Gamma(r, 1/α), dropout rate μ ~ Gamma(s, 1/β), time unit = days).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct BtydTruth {
    pub r: f64,
    pub alpha: f64,
    pub s: f64,
    pub beta: f64,
}

/// The planted incidents and the model parameters, written as `ground_truth.json`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GroundTruth {
    pub config: SimConfig,
    pub shops: Vec<String>,
    pub incidents: Vec<Incident>,
    pub btyd: BtydTruth,
}

/// Progress reports: (days done, days total).
pub type Progress<'a> = &'a mut dyn FnMut(u64, u64);

/// Simulates every shop into `sink` and returns the ground truth.
pub fn simulate(
    cfg: &SimConfig,
    sink: &mut dyn TableSink,
    progress: Progress<'_>,
) -> Result<GroundTruth, SimError> {
    cfg.validate()?;
    let total = u64::from(cfg.days) * u64::from(cfg.shops);
    let mut done = 0;
    let mut incidents = Vec::new();
    let mut shops = Vec::new();
    for i in 0..cfg.shops {
        let mut shop = ShopSim::new(cfg, i);
        shops.push(shop.shop_id().to_string());
        shop.write_dimensions_start(sink)?;
        let mut date = cfg.start();
        while date <= cfg.end {
            shop.simulate_day(date, sink)?;
            done += 1;
            progress(done, total);
            date += Duration::days(1);
        }
        shop.write_dimensions_end(sink)?;
        incidents.extend(shop.incidents().iter().cloned());
    }
    Ok(GroundTruth {
        config: cfg.clone(),
        shops,
        incidents,
        btyd: world::BTYD,
    })
}
