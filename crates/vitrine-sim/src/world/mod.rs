//! The simulated shop: its entities, their behaviour and the rows they leave each day.

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use chrono::{Datelike, Duration, NaiveDate};
use rand::distributions::WeightedIndex;
use rand::prelude::*;
use rand_chacha::ChaCha8Rng;
use rand_distr::{Binomial, Distribution, Exp, Gamma, LogNormal, Normal, Poisson};
use vitrine_core::batch::{date32, BatchBuilder, TableSink, Val};
use vitrine_core::calendar::Calendar;
use vitrine_core::config::Config;
use vitrine_core::metric::CATEGORIES;
use vitrine_core::{CoreError, Table};

use crate::incident::{schedule, Incident, IncidentKind};
use crate::{BtydTruth, SimConfig};

mod ads;
mod buyers;
mod content;
mod dimensions;
mod draw;
mod industry;
mod market;
mod orders;
mod setup;
mod stock;

use draw::*;
use industry::{baseline, day_weight};

/// Pareto/NBD parameters of every simulated buyer (days as time unit): mean purchase rate
/// r/α = 1 per 200 days; dropout rate mean s/β = 1 per 300 days (mean lifetime β/(s−1) = 600 days).
pub const BTYD: BtydTruth = BtydTruth {
    r: 0.9,
    alpha: 180.0,
    s: 2.0,
    beta: 600.0,
};

const REGIONS: [(&str, f64); 10] = [
    ("广东", 0.14),
    ("浙江", 0.09),
    ("江苏", 0.09),
    ("山东", 0.08),
    ("河南", 0.07),
    ("四川", 0.07),
    ("北京", 0.06),
    ("上海", 0.06),
    ("湖北", 0.05),
    ("其他", 0.29),
];
const DEVICES: [(&str, f64); 3] = [("android", 0.58), ("ios", 0.37), ("pc", 0.05)];
/// Organic sources: (id, exposure share, CTR multiplier, CVR multiplier).
const ORGANIC: [(&str, f64, f64, f64); 6] = [
    ("natural", 0.38, 1.0, 0.9),
    ("search", 0.12, 1.8, 1.5),
    ("live", 0.10, 1.3, 1.4),
    ("short_video", 0.17, 0.9, 0.8),
    ("showcase", 0.13, 1.2, 1.1),
    ("mall", 0.10, 1.1, 1.2),
];
const REPEAT_SOURCES: [(&str, f64); 4] = [
    ("search", 0.35),
    ("showcase", 0.3),
    ("natural", 0.2),
    ("mall", 0.15),
];
/// Share of a day's activity in each hour (Douyin peaks at lunch and in the evening).
const HOURS: [f64; 24] = [
    2.0, 1.2, 0.7, 0.4, 0.3, 0.4, 0.9, 1.8, 2.9, 3.6, 4.0, 4.4, 5.2, 5.0, 4.3, 4.1, 4.2, 4.6, 5.2,
    6.4, 7.4, 7.8, 7.0, 4.5,
];

struct Product {
    id: String,
    name: String,
    category: usize,
    price_fen: i64,
    cost_fen: i64,
    pop: f64,
    ctr: f64,
    cvr: f64,
    refund_p: f64,
    launched: NaiveDate,
    on_hand: i64,
    in_transit: Vec<(NaiveDate, i64)>,
    sales: [i64; 7],
    is_key: bool,
}

struct Plan {
    id: String,
    product: usize,
    bid_mode: &'static str,
    bid_fen: i64,
    budget_fen: i64,
    roi_goal: f64,
    strategy: &'static str,
    cpm_yuan: f64,
    ctr: f64,
    cvr: f64,
    created: NaiveDate,
    creatives: Vec<(String, f64)>,
}

struct Video {
    id: String,
    title: String,
    duration_s: i64,
    published: i64,
    product: usize,
    opening: usize,
    quality: f64,
    day0: NaiveDate,
}

#[derive(Clone, Copy)]
struct Buyer {
    first: i32,
    region: u8,
    device: u8,
    category: u8,
    orders: u32,
    repeat30: bool,
    /// Purchase rate per day and the day the buyer silently drops out (Pareto/NBD).
    lambda: f64,
    death: f64,
}

/// One order before it is written.
struct Order {
    product: usize,
    user: u32,
    source: &'static str,
    is_new: bool,
}

#[derive(Default, Clone, Copy)]
struct Traffic {
    exposure: i64,
    clicks: i64,
}

/// One simulated shop.
pub struct ShopSim {
    id: String,
    name: String,
    main_category: usize,
    rng: ChaCha8Rng,
    start: NaiveDate,
    scale: f64,
    effects: crate::Effects,
    products: Vec<Product>,
    by_category: Vec<(Vec<usize>, WeightedIndex<f64>)>,
    plans: Vec<Plan>,
    videos: Vec<Video>,
    buyers: Vec<Buyer>,
    due: BinaryHeap<Reverse<(u64, u32)>>,
    incidents: Vec<Incident>,
    region_w: WeightedIndex<f64>,
    device_w: WeightedIndex<f64>,
    hour_w: WeightedIndex<f64>,
    repeat_w: WeightedIndex<f64>,
    order_seq: u64,
    /// Organic exposure a product of popularity 1 gets on an ordinary day.
    exposure_unit: f64,
}

/// Per product and source: traffic and the orders that came from it.
#[derive(Default, Clone, Copy)]
struct Cell {
    traffic: Traffic,
    orders: i64,
    items: i64,
    new_users: i64,
    gmv: i64,
    refund_orders: i64,
    refund_fen: i64,
}

const SOURCES: [&str; 7] = vitrine_core::table::TRAFFIC_SOURCES;

fn source_index(s: &str) -> usize {
    SOURCES.iter().position(|x| *x == s).unwrap_or(0)
}

impl ShopSim {
    /// Simulates one day and hands its partitions to `sink`.
    pub fn simulate_day(
        &mut self,
        date: NaiveDate,
        sink: &mut dyn TableSink,
    ) -> Result<(), CoreError> {
        let t = (date - self.start).num_days() as f64;
        let weight = day_weight(date) * (1.0 + 0.25 * t / 365.0) * lognormal(&mut self.rng, 0.03);
        self.receive_stock(date);
        let mut cells = vec![[Cell::default(); 7]; self.products.len()];
        let mut orders = Vec::new();
        self.simulate_ads(date, weight, &mut cells, &mut orders, sink)?;
        self.organic_orders(weight, &mut cells, &mut orders);
        self.repeat_orders(date, &mut orders);
        self.write_orders(date, &mut cells, orders, sink)?;
        self.write_funnel(date, &cells, sink)?;
        self.write_inventory(date, sink)?;
        self.write_videos(date, weight, sink)?;
        self.write_market(date, sink)
    }
}
