//! The simulated shop: its entities, their behaviour and the rows they leave each day.

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use chrono::{Datelike, Duration, NaiveDate};
use rand::distributions::WeightedIndex;
use rand::prelude::*;
use rand_chacha::ChaCha8Rng;
use rand_distr::{Binomial, Distribution, Exp, Gamma, LogNormal, Normal, Poisson};
use vitrine_core::batch::{date32, BatchBuilder, TableSink, Val};
use vitrine_core::metric::{baseline, CATEGORIES};
use vitrine_core::{calendar, CoreError, Table};

use crate::incident::{schedule, Incident, IncidentKind};
use crate::{BtydTruth, SimConfig};

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
const OPENINGS: [&str; 5] = ["悬念开头", "痛点开头", "产品特写", "真人口播", "剧情反转"];
const GOOD_COMMENTS: [&str; 6] = [
    "质量很好，物流很快",
    "和描述一致，好评",
    "回购了，很喜欢",
    "性价比高，推荐",
    "包装精美，送人很合适",
    "主播讲得很清楚，下单不后悔",
];
const BAD_COMMENTS: [&str; 5] = [
    "质量太差了，要求退货",
    "发货太慢，客服不回复",
    "与描述不符，投诉",
    "用了过敏，差评",
    "收到就坏了，退款",
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

fn pick<T: Copy>(rng: &mut impl Rng, xs: &[(T, f64)]) -> T {
    let total: f64 = xs.iter().map(|x| x.1).sum();
    let mut u = rng.gen::<f64>() * total;
    for x in xs {
        if u < x.1 {
            return x.0;
        }
        u -= x.1;
    }
    xs[xs.len() - 1].0
}

/// A Poisson draw that is exact for small means and normal-approximated for large ones.
fn poisson(rng: &mut impl Rng, lambda: f64) -> i64 {
    if !(lambda > 0.0) {
        return 0;
    }
    if lambda > 500.0 {
        let z: f64 = rng.sample(rand_distr::StandardNormal);
        return (lambda + lambda.sqrt() * z).round().max(0.0) as i64;
    }
    Poisson::new(lambda)
        .map(|p| p.sample(rng) as i64)
        .unwrap_or(0)
}

fn binomial(rng: &mut impl Rng, n: i64, p: f64) -> i64 {
    if n <= 0 || !(p > 0.0) {
        return 0;
    }
    Binomial::new(n as u64, p.min(1.0))
        .map(|b| b.sample(rng) as i64)
        .unwrap_or(0)
}

fn weights(xs: &[f64]) -> WeightedIndex<f64> {
    // Every caller passes a non-empty list of positive weights.
    WeightedIndex::new(xs)
        .unwrap_or_else(|_| WeightedIndex::new([1.0]).expect("one positive weight"))
}

/// Unix seconds of `date` 00:00 in Asia/Shanghai (UTC+8, no daylight saving).
fn day_start(date: NaiveDate) -> i64 {
    i64::from(date32(date)) * 86_400 - 8 * 3600
}

fn lognormal(rng: &mut impl Rng, sigma: f64) -> f64 {
    LogNormal::new(0.0, sigma)
        .map(|d| d.sample(rng))
        .unwrap_or(1.0)
}

impl ShopSim {
    /// Builds shop number `index` of a simulation.
    pub fn new(cfg: &SimConfig, index: u32) -> ShopSim {
        let mut rng = ChaCha8Rng::seed_from_u64(
            cfg.seed
                .wrapping_mul(1_000_003)
                .wrapping_add(u64::from(index)),
        );
        let main_category = index as usize % CATEGORIES.len();
        let start = cfg.start();
        let n_products = ((2000.0 * cfg.scale).round() as usize).max(40);
        let mut products = Vec::with_capacity(n_products);
        for i in 0..n_products {
            let category = if rng.gen::<f64>() < 0.7 {
                main_category
            } else {
                rng.gen_range(0..CATEGORIES.len())
            };
            let cat = CATEGORIES[category].0;
            let aov = baseline(cat, "aov").unwrap_or(120.0);
            let price_fen =
                ((aov * 0.85 * lognormal(&mut rng, 0.45)).max(9.9) * 100.0).round() as i64 / 10
                    * 10;
            let u: f64 = rng.gen_range(0.0005..1.0);
            products.push(Product {
                id: format!("{}{:05}", 3_600 + index, i),
                name: format!("{}{}号", CATEGORIES[category].1, i + 1),
                category,
                price_fen,
                cost_fen: (price_fen as f64 * rng.gen_range(0.35..0.6)) as i64,
                pop: u.powf(-1.0 / 1.3),
                ctr: baseline(cat, "ctr").unwrap_or(0.04) * lognormal(&mut rng, 0.18),
                cvr: baseline(cat, "cvr").unwrap_or(0.03) * lognormal(&mut rng, 0.22),
                refund_p: baseline(cat, "refund_rate").unwrap_or(0.1) * rng.gen_range(0.6..1.3),
                launched: start - Duration::days(rng.gen_range(30..400)),
                on_hand: 0,
                in_transit: vec![],
                sales: [0; 7],
                is_key: false,
            });
        }
        let total_pop: f64 = products.iter().map(|p| p.pop).sum();
        let mut by_pop: Vec<usize> = (0..n_products).collect();
        by_pop.sort_by(|a, b| products[*b].pop.total_cmp(&products[*a].pop));
        for &i in by_pop.iter().take((n_products / 10).max(5)) {
            products[i].is_key = true;
        }
        let by_category = (0..CATEGORIES.len())
            .map(|c| {
                let mut ids: Vec<usize> = (0..n_products)
                    .filter(|i| products[*i].category == c)
                    .collect();
                if ids.is_empty() {
                    ids.push(by_pop[0]);
                }
                let w = weights(&ids.iter().map(|i| products[*i].pop).collect::<Vec<_>>());
                (ids, w)
            })
            .collect();
        // New-customer organic orders a day at scale 1 ≈ 3,800 (paid plans and repeat buyers
        // bring the total to ≈ 5M orders a year): exposure per unit popularity follows.
        let conv: f64 = products.iter().map(|p| p.pop * p.ctr * p.cvr).sum::<f64>() / total_pop;
        let source_mix: f64 = ORGANIC.iter().map(|(_, share, c, v)| share * c * v).sum();
        let exposure_unit = 3_800.0 * cfg.scale / conv / total_pop / source_mix;
        let id = format!("shop{}", index + 1);
        let name = format!(
            "{}{}旗舰店",
            ["悦颜", "衣橱", "味来", "安居", "极客", "贝贝"][main_category],
            index + 1
        );
        let mut shop = ShopSim {
            id,
            name,
            main_category,
            start,
            scale: cfg.scale,
            plans: vec![],
            videos: vec![],
            buyers: vec![],
            due: BinaryHeap::new(),
            incidents: vec![],
            region_w: weights(&REGIONS.map(|r| r.1)),
            device_w: weights(&DEVICES.map(|r| r.1)),
            hour_w: weights(&HOURS),
            repeat_w: weights(&REPEAT_SOURCES.map(|r| r.1)),
            order_seq: 0,
            exposure_unit,
            by_category,
            products,
            rng,
        };
        shop.make_plans(cfg, &by_pop);
        shop.stock_up();
        shop.seed_buyers(cfg);
        shop.plant_incidents(cfg, &by_pop);
        shop
    }

    /// The shop's id.
    pub fn shop_id(&self) -> &str {
        &self.id
    }

    /// The incidents planted in this shop.
    pub fn incidents(&self) -> &[Incident] {
        &self.incidents
    }

    fn make_plans(&mut self, cfg: &SimConfig, by_pop: &[usize]) {
        let n = ((300.0 * cfg.scale).round() as usize).max(12);
        let top = &by_pop[..by_pop.len().min(n.max(20))];
        for i in 0..n {
            let rng = &mut self.rng;
            let product = top[rng.gen_range(0..top.len())];
            let cat = CATEGORIES[self.products[product].category].0;
            let custom = rng.gen::<f64>() < 0.7;
            let budget_yuan = (260.0 * lognormal(rng, 0.6)).clamp(80.0, 20_000.0);
            let creatives = (0..rng.gen_range(2..5))
                .map(|c| {
                    (
                        format!("c{}{:04}{c}", self.id.len(), i),
                        rng.gen_range(0.5..2.0),
                    )
                })
                .collect();
            self.plans.push(Plan {
                id: format!("{}{:04}", 17_000 + self.products[product].category, i),
                product,
                bid_mode: if custom {
                    "SMART_BID_CUSTOM"
                } else {
                    "SMART_BID_CONSERVATIVE"
                },
                bid_fen: (rng.gen_range(25.0..60.0) * 100.0) as i64,
                budget_fen: (budget_yuan * 100.0) as i64,
                roi_goal: if custom {
                    (rng.gen_range(2.0..4.0f64) * 10.0).round() / 10.0
                } else {
                    0.0
                },
                strategy: ["sales", "sales", "growth", "brand"][rng.gen_range(0..4)],
                cpm_yuan: rng.gen_range(22.0..42.0),
                ctr: baseline(cat, "ad_ctr").unwrap_or(0.013)
                    * LogNormal::new(0.1, 0.1)
                        .map(|d| d.sample(rng))
                        .unwrap_or(1.1),
                cvr: rng.gen_range(0.04..0.09),
                created: self.start - Duration::days(rng.gen_range(3..120)),
                creatives,
            });
        }
        // The plans incidents are planted on spend enough to be judged: a CTR collapse shows
        // at modest volume, a CPA spike needs ~100 conversions a day to stand out of the noise.
        for (plan, floor) in self.plans.iter_mut().zip([250_000, 500_000]) {
            plan.budget_fen = plan.budget_fen.max(floor);
        }
    }

    fn stock_up(&mut self) {
        let unit = self.exposure_unit;
        for p in &mut self.products {
            let daily = unit * p.pop * p.ctr * p.cvr * 1.5;
            p.on_hand = (daily * 25.0).ceil() as i64 + 10;
        }
    }

    fn seed_buyers(&mut self, cfg: &SimConfig) {
        // Customers from before the simulated range, so repeat purchase starts realistic.
        let n = (4_500.0 * cfg.scale * 200.0) as usize;
        let start = date32(self.start);
        for _ in 0..n {
            let first = start - self.rng.gen_range(1..365);
            let category = self.pick_category();
            let region = self.region_w.sample(&mut self.rng) as u8;
            let id = self.new_buyer(first, category, region);
            self.schedule_next(id, f64::from(first));
        }
    }

    fn pick_category(&mut self) -> u8 {
        if self.rng.gen::<f64>() < 0.7 {
            self.main_category as u8
        } else {
            self.rng.gen_range(0..CATEGORIES.len()) as u8
        }
    }

    /// Creates a buyer whose first order is on day `first`, drawing their Pareto/NBD rates.
    fn new_buyer(&mut self, first: i32, category: u8, region: u8) -> u32 {
        let device = self.device_w.sample(&mut self.rng) as u8;
        let lambda = Gamma::new(BTYD.r, 1.0 / BTYD.alpha)
            .map(|g| g.sample(&mut self.rng))
            .unwrap_or(0.01);
        let mu = Gamma::new(BTYD.s, 1.0 / BTYD.beta)
            .map(|g| g.sample(&mut self.rng))
            .unwrap_or(0.01);
        let life = Exp::new(mu.max(1e-9))
            .map(|e| e.sample(&mut self.rng))
            .unwrap_or(f64::INFINITY);
        let death = f64::from(first) + life;
        self.buyers.push(Buyer {
            first,
            region,
            device,
            category,
            orders: 1,
            repeat30: false,
            lambda,
            death,
        });
        (self.buyers.len() - 1) as u32
    }

    /// Schedules the buyer's next purchase after time `now` (days), unless they drop out first.
    /// Purchases that would fall before the simulated range are skipped over.
    fn schedule_next(&mut self, id: u32, now: f64) {
        let b = self.buyers[id as usize];
        let Ok(gap) = Exp::new(b.lambda.max(1e-9)) else {
            return;
        };
        let start = f64::from(date32(self.start));
        let mut t = now;
        loop {
            t += gap.sample(&mut self.rng);
            if t >= b.death || !t.is_finite() {
                return;
            }
            if t >= start {
                break;
            }
        }
        self.due.push(Reverse(((t * 1440.0) as u64, id)));
    }

    fn plant_incidents(&mut self, cfg: &SimConfig, by_pop: &[usize]) {
        let planned = schedule(&mut self.rng, cfg.start(), cfg.end);
        for (kind, date, end) in planned {
            let scope = match kind {
                IncidentKind::PlanCtrCollapse => format!("plan:{}", self.plans[0].id),
                IncidentKind::CpaSpike => format!("plan:{}", self.plans[1].id),
                IncidentKind::SegmentCvrDrop => format!("region:{}", REGIONS[0].0),
                IncidentKind::StockOut => format!("product:{}", self.products[by_pop[1]].id),
                IncidentKind::ComplaintSurge => format!("product:{}", self.products[by_pop[2]].id),
                IncidentKind::DeliveryDelay => format!("shop:{}", self.id),
            };
            let end = if kind == IncidentKind::StockOut {
                end.min(cfg.end)
            } else {
                end
            };
            self.incidents.push(Incident {
                kind,
                shop: self.id.clone(),
                date,
                end,
                scope,
                metric: kind.metric().into(),
            });
        }
    }

    fn active(&self, kind: IncidentKind, date: NaiveDate) -> bool {
        self.incidents
            .iter()
            .any(|i| i.kind == kind && i.active(date))
    }

    fn scope_index(&self, kind: IncidentKind) -> Option<usize> {
        let inc = self.incidents.iter().find(|i| i.kind == kind)?;
        let id = inc.scope.split_once(':')?.1;
        match kind {
            IncidentKind::StockOut | IncidentKind::ComplaintSurge => {
                self.products.iter().position(|p| p.id == id)
            }
            _ => self.plans.iter().position(|p| p.id == id),
        }
    }
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
    /// Writes the dimension tables known before the first day (the shop itself).
    pub fn write_dimensions_start(&mut self, sink: &mut dyn TableSink) -> Result<(), CoreError> {
        let mut b = BatchBuilder::new(Table::Shops);
        let opened = self.start - Duration::days(400);
        b.push(&[
            Val::Str(&self.id),
            Val::Str(&self.name),
            Val::Str(CATEGORIES[self.main_category].0),
            Val::Date(opened),
        ])?;
        sink.put(Table::Shops, &self.id, None, b.finish()?)
    }

    /// Simulates one day and hands its partitions to `sink`.
    pub fn simulate_day(
        &mut self,
        date: NaiveDate,
        sink: &mut dyn TableSink,
    ) -> Result<(), CoreError> {
        let t = (date - self.start).num_days() as f64;
        let weight =
            calendar::day_weight(date) * (1.0 + 0.25 * t / 365.0) * lognormal(&mut self.rng, 0.03);
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

    fn simulate_ads(
        &mut self,
        date: NaiveDate,
        weight: f64,
        cells: &mut [[Cell; 7]],
        orders: &mut Vec<Order>,
        sink: &mut dyn TableSink,
    ) -> Result<(), CoreError> {
        let mut hours = BatchBuilder::new(Table::PlanHour);
        let mut creatives = BatchBuilder::new(Table::CreativeDay);
        let hour_total: f64 = HOURS.iter().sum();
        let collapse = self
            .active(IncidentKind::PlanCtrCollapse, date)
            .then(|| self.scope_index(IncidentKind::PlanCtrCollapse))
            .flatten();
        let spike = self
            .active(IncidentKind::CpaSpike, date)
            .then(|| self.scope_index(IncidentKind::CpaSpike))
            .flatten();
        for pi in 0..self.plans.len() {
            let plan = &self.plans[pi];
            if plan.created > date {
                continue;
            }
            let rng = &mut self.rng;
            let bid_fill = 1.0 - (-(plan.bid_fen as f64) / 4000.0).exp();
            let util =
                ((0.45 + 0.45 * bid_fill) * weight.powf(0.6) * rng.gen_range(0.9..1.1)).min(1.0);
            let spend_yuan = plan.budget_fen as f64 / 100.0 * util;
            // Diminishing returns: conversion per click falls as spend rises.
            let mut cvr = plan.cvr * (spend_yuan / 600.0).max(0.05).powf(-0.12);
            let mut ctr = plan.ctr;
            if collapse == Some(pi) {
                ctr *= 0.2;
            }
            if spike == Some(pi) {
                cvr *= 0.2;
            }
            let learning = if (date - plan.created).num_days() < 3 {
                "LEARNING"
            } else {
                "LEARNED"
            };
            let product = plan.product;
            let price = self.products[product].price_fen;
            let (mut imp_d, mut clk_d, mut conv_d, mut spend_d, mut gmv_d) =
                (0i64, 0i64, 0i64, 0i64, 0i64);
            for (h, hw) in HOURS.iter().enumerate() {
                let imp = poisson(rng, spend_yuan / plan.cpm_yuan * 1000.0 * hw / hour_total);
                let clk = binomial(rng, imp, ctr);
                let conv = binomial(rng, clk, cvr);
                let spend = (imp as f64 * plan.cpm_yuan / 10.0).round() as i64;
                let gmv = (conv as f64 * price as f64 * rng.gen_range(0.9..1.1)).round() as i64;
                hours.push(&[
                    Val::Str(&self.id),
                    Val::Date(date),
                    Val::Int(h as i64),
                    Val::Str(&plan.id),
                    Val::Str(CATEGORIES[self.products[product].category].0),
                    Val::Str(plan.bid_mode),
                    Val::Int(plan.bid_fen),
                    Val::Int(plan.budget_fen),
                    Val::Float(plan.roi_goal),
                    Val::Str(learning),
                    Val::Int(spend),
                    Val::Int(imp),
                    Val::Int(clk),
                    Val::Int(conv),
                    Val::Int(conv),
                    Val::Int(gmv),
                ])?;
                imp_d += imp;
                clk_d += clk;
                conv_d += conv;
                spend_d += spend;
                gmv_d += gmv;
            }
            let cat = CATEGORIES[self.products[product].category].0;
            split_creatives(
                rng,
                plan,
                [spend_d, imp_d, clk_d, conv_d, gmv_d],
                |cid, v| {
                    creatives.push(&[
                        Val::Str(&self.id),
                        Val::Date(date),
                        Val::Str(cid),
                        Val::Str(&plan.id),
                        Val::Str(cat),
                        Val::Int(v[0]),
                        Val::Int(v[1]),
                        Val::Int(v[2]),
                        Val::Int(v[3]),
                        Val::Int(v[4]),
                    ])
                },
            )?;
            let cell = &mut cells[product][source_index("paid_feed")];
            cell.traffic.exposure += imp_d;
            cell.traffic.clicks += clk_d;
            orders.extend((0..conv_d).map(|_| Order {
                product,
                user: u32::MAX,
                source: "paid_feed",
                is_new: true,
            }));
        }
        sink.put(Table::PlanHour, &self.id, Some(date), hours.finish()?)?;
        sink.put(
            Table::CreativeDay,
            &self.id,
            Some(date),
            creatives.finish()?,
        )
    }

    fn organic_orders(&mut self, weight: f64, cells: &mut [[Cell; 7]], orders: &mut Vec<Order>) {
        for (pi, p) in self.products.iter().enumerate() {
            for (src, share, ctr_m, cvr_m) in ORGANIC {
                let exposure = poisson(&mut self.rng, self.exposure_unit * p.pop * share * weight);
                let clicks = binomial(&mut self.rng, exposure, p.ctr * ctr_m);
                let n = binomial(&mut self.rng, clicks, p.cvr * cvr_m);
                let cell = &mut cells[pi][source_index(src)];
                cell.traffic.exposure += exposure;
                cell.traffic.clicks += clicks;
                orders.extend((0..n).map(|_| Order {
                    product: pi,
                    user: u32::MAX,
                    source: src,
                    is_new: true,
                }));
            }
        }
    }

    fn repeat_orders(&mut self, date: NaiveDate, orders: &mut Vec<Order>) {
        let day_end = (i64::from(date32(date)) + 1) as u64 * 1440;
        while let Some(Reverse((key, id))) = self.due.peek().copied() {
            if key >= day_end {
                break;
            }
            self.due.pop();
            let b = &mut self.buyers[id as usize];
            b.orders += 1;
            if f64::from(date32(date) - b.first) <= 30.0 {
                b.repeat30 = true;
            }
            let (ids, w) = &self.by_category[b.category as usize];
            let product = ids[w.sample(&mut self.rng)];
            let source = REPEAT_SOURCES[self.repeat_w.sample(&mut self.rng)].0;
            orders.push(Order {
                product,
                user: id,
                source,
                is_new: false,
            });
            self.schedule_next(id, key as f64 / 1440.0);
        }
    }

    fn write_orders(
        &mut self,
        date: NaiveDate,
        cells: &mut [[Cell; 7]],
        mut orders: Vec<Order>,
        sink: &mut dyn TableSink,
    ) -> Result<(), CoreError> {
        orders.shuffle(&mut self.rng);
        let region_drop = self.active(IncidentKind::SegmentCvrDrop, date);
        let delayed = self.active(IncidentKind::DeliveryDelay, date);
        let surge = self
            .active(IncidentKind::ComplaintSurge, date)
            .then(|| self.scope_index(IncidentKind::ComplaintSurge))
            .flatten();
        let mut ob = BatchBuilder::new(Table::Orders);
        let mut db = BatchBuilder::new(Table::Deliveries);
        let mut cb = BatchBuilder::new(Table::Comments);
        let day0 = day_start(date);
        let today = date32(date);
        let mut sold = vec![0i64; self.products.len()];
        let mut complaints_on_surge = 0;
        for o in orders {
            let region = if o.is_new {
                self.region_w.sample(&mut self.rng) as u8
            } else {
                self.buyers[o.user as usize].region
            };
            if region_drop && region == 0 && self.rng.gen::<f64>() < 0.7 {
                continue;
            }
            let qty = pick(&mut self.rng, &[(1i64, 0.8), (2, 0.15), (3, 0.05)]);
            let p = &self.products[o.product];
            if p.on_hand - sold[o.product] < qty {
                continue; // out of stock: the sale is lost
            }
            sold[o.product] += qty;
            let user = if o.is_new {
                let cat = p.category as u8;
                let id = self.new_buyer(today, cat, region);
                self.schedule_next(id, f64::from(today) + 0.5);
                id
            } else {
                o.user
            };
            let p = &self.products[o.product];
            let buyer = self.buyers[user as usize];
            let rng = &mut self.rng;
            let amount =
                (p.price_fen as f64 * qty as f64 * rng.gen_range(0.85..1.0)).round() as i64;
            let refunded = rng.gen::<f64>() < p.refund_p;
            let at = day0 + self.hour_w.sample(rng) as i64 * 3600 + rng.gen_range(0..3600);
            self.order_seq += 1;
            let order_id = format!("{}{:012}", 6_9 + self.main_category, self.order_seq);
            let user_id = format!("u{:09}", user);
            let mut delay_h = 6.0 + Exp::new(1.0 / 11.0).map(|e| e.sample(rng)).unwrap_or(10.0);
            if delayed && rng.gen::<f64>() < 0.45 {
                delay_h += 60.0;
            }
            let cat = CATEGORIES[p.category].0;
            ob.push(&[
                Val::Str(&self.id),
                Val::Date(date),
                Val::Str(&order_id),
                Val::Str(&user_id),
                Val::Time(at),
                Val::Str(&p.id),
                Val::Str(cat),
                Val::Int(qty),
                Val::Int(amount),
                Val::Str(REGIONS[buyer.region as usize].0),
                Val::Str(DEVICES[buyer.device as usize].0),
                Val::Str(o.source),
                Val::Str(if refunded { "refunded" } else { "completed" }),
                Val::Int(if refunded { amount } else { 0 }),
                Val::Bool(o.is_new),
                Val::Str(&order_id),
                Val::Str(if o.source == "paid_feed" {
                    "paid"
                } else {
                    "natural"
                }),
                Val::Str("douyin"),
                Val::Str(if refunded { "refunded" } else { "" }),
                Val::Int(0),
                Val::Time(at + 48 * 3600),
                Val::Time(at + (delay_h * 3600.0) as i64),
            ])?;
            db.push(&[
                Val::Str(&self.id),
                Val::Date(date),
                Val::Str(&order_id),
                Val::Str(&p.id),
                Val::Str(cat),
                Val::Str(REGIONS[buyer.region as usize].0),
                Val::Time(at + 48 * 3600),
                Val::Time(at + (delay_h * 3600.0) as i64),
            ])?;
            let complaint = rng.gen::<f64>() < if refunded { 0.03 } else { 0.003 };
            if complaint || rng.gen::<f64>() < 0.06 {
                let text = if complaint {
                    BAD_COMMENTS[rng.gen_range(0..BAD_COMMENTS.len())]
                } else {
                    GOOD_COMMENTS[rng.gen_range(0..GOOD_COMMENTS.len())]
                };
                let rating = if complaint {
                    rng.gen_range(1..3)
                } else {
                    rng.gen_range(4..6)
                };
                cb.push(&[
                    Val::Str(&self.id),
                    Val::Date(date),
                    Val::Str(&format!("{order_id}c")),
                    Val::Str(&p.id),
                    Val::Str(cat),
                    Val::Str(&user_id),
                    Val::Int(rating),
                    Val::Str(text),
                    Val::Bool(complaint),
                ])?;
            }
            if surge == Some(o.product) {
                complaints_on_surge += 1;
            }
            let cell = &mut cells[o.product][source_index(o.source)];
            cell.orders += 1;
            cell.items += qty;
            cell.new_users += i64::from(o.is_new);
            cell.gmv += amount;
            if refunded {
                cell.refund_orders += 1;
                cell.refund_fen += amount;
            }
            if !o.is_new {
                // Returning buyers browse before buying again.
                cell.traffic.clicks += 12;
                cell.traffic.exposure += 150;
            }
        }
        if let Some(pi) = surge {
            // A bad batch: a large share of this product's buyers complain.
            let n = poisson(&mut self.rng, (complaints_on_surge as f64 * 0.25).max(8.0));
            let p = &self.products[pi];
            for k in 0..n {
                let text = BAD_COMMENTS[k as usize % BAD_COMMENTS.len()];
                cb.push(&[
                    Val::Str(&self.id),
                    Val::Date(date),
                    Val::Str(&format!("{}s{k}", p.id)),
                    Val::Str(&p.id),
                    Val::Str(CATEGORIES[p.category].0),
                    Val::Str("u-surge"),
                    Val::Int(1),
                    Val::Str(text),
                    Val::Bool(true),
                ])?;
            }
        }
        for (p, s) in self.products.iter_mut().zip(&sold) {
            p.on_hand -= s;
            p.sales[date.ordinal0() as usize % 7] = *s;
        }
        sink.put(Table::Orders, &self.id, Some(date), ob.finish()?)?;
        sink.put(Table::Deliveries, &self.id, Some(date), db.finish()?)?;
        sink.put(Table::Comments, &self.id, Some(date), cb.finish()?)
    }

    fn write_funnel(
        &mut self,
        date: NaiveDate,
        cells: &[[Cell; 7]],
        sink: &mut dyn TableSink,
    ) -> Result<(), CoreError> {
        let mut b = BatchBuilder::new(Table::ProductDay);
        for (p, row) in self.products.iter().zip(cells) {
            for (si, c) in row.iter().enumerate() {
                if c.traffic.exposure == 0 && c.orders == 0 {
                    continue;
                }
                let rng = &mut self.rng;
                let clicks = c.traffic.clicks.max(c.orders);
                let detail = ((clicks as f64) * rng.gen_range(0.82..0.9)).round() as i64;
                let detail = detail.max(c.orders);
                let atc = binomial(rng, detail, 0.1).max(c.orders);
                let bounces = binomial(rng, detail - c.orders, 0.55);
                let jumps = binomial(
                    rng,
                    detail,
                    if SOURCES[si] == "showcase" {
                        0.14
                    } else {
                        0.05
                    },
                );
                let dwell = (detail as f64 * rng.gen_range(28.0..42.0)) as i64;
                b.push(&[
                    Val::Str(&self.id),
                    Val::Date(date),
                    Val::Str(&p.id),
                    Val::Str(CATEGORIES[p.category].0),
                    Val::Str(SOURCES[si]),
                    Val::Int(c.traffic.exposure),
                    Val::Int((c.traffic.exposure as f64 * 0.78) as i64),
                    Val::Int(clicks),
                    Val::Int((clicks as f64 * 0.9) as i64),
                    Val::Int(detail),
                    Val::Int(bounces),
                    Val::Int(jumps),
                    Val::Int(dwell),
                    Val::Int(atc),
                    Val::Int((atc as f64 * 0.92) as i64),
                    Val::Int(c.orders),
                    Val::Int(c.items),
                    Val::Int(c.orders),
                    Val::Int(c.new_users),
                    Val::Int(c.gmv),
                    Val::Int((c.gmv as f64 * 0.94).round() as i64),
                    Val::Int(c.refund_orders),
                    Val::Int(c.refund_fen),
                    Val::Int(binomial(rng, c.orders, 0.3)),
                ])?;
            }
        }
        sink.put(Table::ProductDay, &self.id, Some(date), b.finish()?)
    }

    fn receive_stock(&mut self, date: NaiveDate) {
        let out = self
            .incidents
            .iter()
            .find(|i| i.kind == IncidentKind::StockOut)
            .cloned();
        let out_idx = self.scope_index(IncidentKind::StockOut);
        for (i, p) in self.products.iter_mut().enumerate() {
            let blocked =
                out.as_ref().is_some_and(|o| stock_blocked(o, date)) && out_idx == Some(i);
            if blocked {
                if out.as_ref().is_some_and(|o| o.date == date) {
                    let avg = p.sales.iter().sum::<i64>() as f64 / 7.0;
                    p.on_hand = p.on_hand.min((avg * 0.8) as i64);
                }
                p.in_transit.clear();
                continue;
            }
            let arrived: i64 = p
                .in_transit
                .iter()
                .filter(|(d, _)| *d <= date)
                .map(|x| x.1)
                .sum();
            p.in_transit.retain(|(d, _)| *d > date);
            p.on_hand += arrived;
        }
    }

    fn write_inventory(
        &mut self,
        date: NaiveDate,
        sink: &mut dyn TableSink,
    ) -> Result<(), CoreError> {
        let mut b = BatchBuilder::new(Table::Inventory);
        let out = self
            .incidents
            .iter()
            .find(|i| i.kind == IncidentKind::StockOut)
            .cloned();
        let out_idx = self.scope_index(IncidentKind::StockOut);
        let first_week = (date - self.start).num_days() < 7;
        for (i, p) in self.products.iter_mut().enumerate() {
            let expected = self.exposure_unit * p.pop * p.ctr * p.cvr * 1.3;
            let avg = if first_week {
                expected
            } else {
                p.sales.iter().sum::<i64>() as f64 / 7.0
            };
            let blocked =
                out.as_ref().is_some_and(|o| stock_blocked(o, date)) && out_idx == Some(i);
            let pending: i64 = p.in_transit.iter().map(|x| x.1).sum();
            let basis = avg.max(expected * 0.5).max(0.3);
            if !blocked && pending == 0 && (p.on_hand as f64) < basis * 14.0 {
                let qty = (basis * 21.0).ceil() as i64 + 5;
                p.in_transit
                    .push((date + Duration::days(self.rng.gen_range(2..5)), qty));
            }
            let pending: i64 = p.in_transit.iter().map(|x| x.1).sum();
            b.push(&[
                Val::Str(&self.id),
                Val::Date(date),
                Val::Str(&p.id),
                Val::Str(CATEGORIES[p.category].0),
                Val::Int(p.on_hand),
                Val::Int(pending),
                Val::Float((avg * 100.0).round() / 100.0),
            ])?;
        }
        sink.put(Table::Inventory, &self.id, Some(date), b.finish()?)
    }

    fn write_videos(
        &mut self,
        date: NaiveDate,
        weight: f64,
        sink: &mut dyn TableSink,
    ) -> Result<(), CoreError> {
        for _ in 0..self.rng.gen_range(3..6) {
            let rng = &mut self.rng;
            let options = [
                (rng.gen_range(7..15), 0.25),
                (rng.gen_range(15..26), 0.45),
                (rng.gen_range(26..61), 0.3),
            ];
            let duration_s = pick(rng, &options);
            let product = self.by_category[self.main_category].0
                [rng.gen_range(0..self.by_category[self.main_category].0.len())];
            let n = self.videos.len();
            self.videos.push(Video {
                id: format!("7{:03}{:06}", self.main_category, n),
                title: format!("{} 种草 #{}", self.products[product].name, n + 1),
                duration_s,
                published: day_start(date) + rng.gen_range(8..23) * 3600,
                product,
                opening: rng.gen_range(0..OPENINGS.len()),
                quality: lognormal(rng, 0.8),
                day0: date,
            });
        }
        let mut b = BatchBuilder::new(Table::VideoDay);
        let scale = self.scale;
        for v in self
            .videos
            .iter()
            .filter(|v| (date - v.day0).num_days() < 14)
        {
            let rng = &mut self.rng;
            let age = (date - v.day0).num_days() as f64;
            let plays = poisson(
                rng,
                20_000.0 * scale.sqrt() * v.quality * weight * (-age / 2.5).exp(),
            );
            // Completion falls with length; 15–25 s is the sweet spot for interaction.
            let sweet = if (15..=25).contains(&v.duration_s) {
                1.25
            } else {
                1.0
            };
            let completion = (0.62
                * (-(v.duration_s as f64) / 45.0).exp()
                * sweet
                * if v.opening < 2 { 1.1 } else { 1.0 })
            .min(0.9);
            let completions = binomial(rng, plays, completion);
            let hold = binomial(rng, plays, (0.55 + 0.1 * sweet).min(0.95));
            let likes = binomial(rng, plays, 0.045 * sweet);
            let comments = binomial(rng, plays, 0.004);
            let shares = binomial(rng, plays, 0.003 * sweet);
            let follows = binomial(rng, plays, 0.002);
            let clicks = binomial(rng, plays, 0.015 * sweet);
            let orders = binomial(rng, clicks, 0.04);
            let p = &self.products[v.product];
            b.push(&[
                Val::Str(&self.id),
                Val::Date(date),
                Val::Str(&v.id),
                Val::Str(&p.id),
                Val::Int(plays),
                Val::Int(completions),
                Val::Int(hold),
                Val::Int(likes),
                Val::Int(comments),
                Val::Int(shares),
                Val::Int(follows),
                Val::Int(clicks),
                Val::Int(orders),
                Val::Int(orders * p.price_fen),
            ])?;
        }
        sink.put(Table::VideoDay, &self.id, Some(date), b.finish()?)
    }

    fn write_market(&mut self, date: NaiveDate, sink: &mut dyn TableSink) -> Result<(), CoreError> {
        let cat = CATEGORIES[self.main_category].0;
        let aov = baseline(cat, "aov").unwrap_or(120.0);
        let mut b = BatchBuilder::new(Table::Competitors);
        let w = calendar::day_weight(date);
        for c in 0..5 {
            for k in 0..3 {
                let rng = &mut self.rng;
                b.push(&[
                    Val::Str(&self.id),
                    Val::Date(date),
                    Val::Str(&format!("竞品店铺{}", c + 1)),
                    Val::Str(&format!("竞品{}-{}", c + 1, k + 1)),
                    Val::Str(cat),
                    Val::Int((aov * rng.gen_range(0.6..1.4) * 100.0) as i64),
                    Val::Int(poisson(rng, 300.0 * w * self.scale.sqrt() / (c + 1) as f64)),
                    Val::Int(rng.gen_range(0..6)),
                    Val::Int((rng.gen_range(20.0..60.0) * 100.0 * w.sqrt()) as i64),
                ])?;
            }
        }
        sink.put(Table::Competitors, &self.id, Some(date), b.finish()?)?;
        let t = (date - self.start).num_days() as f64;
        let rng = &mut self.rng;
        let noise = Normal::new(0.0, 1.0).map(|n| n.sample(rng)).unwrap_or(0.0);
        let mut e = BatchBuilder::new(Table::ExternalIndices);
        e.push(&[
            Val::Str(&self.id),
            Val::Date(date),
            Val::Float(((1000.0 + 2.0 * t) * w * (1.0 + 0.05 * noise)).round()),
            Val::Float((68.0 + 3.0 * noise).clamp(0.0, 100.0).round()),
            Val::Float((4.72 + 0.03 * noise).clamp(0.0, 5.0)),
            Val::Float((28.0 + 6.0 * noise).clamp(0.0, 100.0).round()),
        ])?;
        sink.put(Table::ExternalIndices, &self.id, Some(date), e.finish()?)
    }

    /// Writes the snapshot tables (products, plans, creatives, videos, buyers) as of the last day.
    pub fn write_dimensions_end(&mut self, sink: &mut dyn TableSink) -> Result<(), CoreError> {
        let mut b = BatchBuilder::new(Table::Products);
        for p in &self.products {
            let cat = CATEGORIES[p.category].0;
            b.push(&[
                Val::Str(&self.id),
                Val::Str(&p.id),
                Val::Str(&p.name),
                Val::Str(cat),
                Val::Int(p.price_fen),
                Val::Int(p.cost_fen),
                Val::Date(p.launched),
                Val::Bool(p.is_key),
            ])?;
        }
        sink.put(Table::Products, &self.id, None, b.finish()?)?;
        let mut b = BatchBuilder::new(Table::Plans);
        let mut cb = BatchBuilder::new(Table::Creatives);
        for p in &self.plans {
            let cat = CATEGORIES[self.products[p.product].category].0;
            let prod = &self.products[p.product];
            b.push(&[
                Val::Str(&self.id),
                Val::Str(&p.id),
                Val::Str(&format!(
                    "{}-{}-{}",
                    prod.name,
                    p.strategy,
                    &p.id[p.id.len() - 3..]
                )),
                Val::Str(&format!("{}", 1_800_000 + p.product / 50)),
                Val::Str(&format!("{}", 1_700_000_000 + self.main_category)),
                Val::Str(&prod.id),
                Val::Str(cat),
                Val::Str(p.strategy),
                Val::Str(p.bid_mode),
                Val::Int(p.bid_fen),
                Val::Int(p.budget_fen),
                Val::Float(p.roi_goal),
                Val::Str("LEARNED"),
                Val::Date(p.created),
            ])?;
            for (cid, _) in &p.creatives {
                cb.push(&[
                    Val::Str(&self.id),
                    Val::Str(cid),
                    Val::Str(&p.id),
                    Val::Null,
                    Val::Str("video"),
                    Val::Date(p.created),
                ])?;
            }
        }
        sink.put(Table::Plans, &self.id, None, b.finish()?)?;
        sink.put(Table::Creatives, &self.id, None, cb.finish()?)?;
        let mut b = BatchBuilder::new(Table::Videos);
        for v in &self.videos {
            let pid = &self.products[v.product].id;
            b.push(&[
                Val::Str(&self.id),
                Val::Str(&v.id),
                Val::Str(&v.title),
                Val::Int(v.duration_s),
                Val::Time(v.published),
                Val::Str(pid),
                Val::Str(OPENINGS[v.opening]),
            ])?;
        }
        sink.put(Table::Videos, &self.id, None, b.finish()?)?;
        let mut b = BatchBuilder::new(Table::Users);
        let epoch = NaiveDate::from_ymd_opt(1970, 1, 1).unwrap_or_default();
        for (i, u) in self.buyers.iter().enumerate() {
            let tier = match u.orders {
                0..=1 => "普通会员",
                2..=3 => "银卡会员",
                4..=6 => "金卡会员",
                _ => "钻石会员",
            };
            b.push(&[
                Val::Str(&self.id),
                Val::Str(&format!("u{i:09}")),
                Val::Date(epoch + Duration::days(i64::from(u.first))),
                Val::Str(REGIONS[u.region as usize].0),
                Val::Str(DEVICES[u.device as usize].0),
                Val::Str(tier),
                Val::Bool(u.repeat30),
            ])?;
        }
        sink.put(Table::Users, &self.id, None, b.finish()?)
    }
}

/// A stock-out blocks replenishment for its first four days; the ground-truth range also
/// covers the lead time until the reorder arrives.
fn stock_blocked(o: &Incident, date: NaiveDate) -> bool {
    date >= o.date && date < o.date + Duration::days(4)
}

/// Splits a plan's daily totals over its creatives by their fixed weights.
fn split_creatives(
    rng: &mut impl Rng,
    plan: &Plan,
    totals: [i64; 5],
    mut emit: impl FnMut(&str, [i64; 5]) -> Result<(), CoreError>,
) -> Result<(), CoreError> {
    let mut left = totals;
    let mut wleft: f64 = plan.creatives.iter().map(|c| c.1).sum();
    for (i, (cid, w)) in plan.creatives.iter().enumerate() {
        let last = i + 1 == plan.creatives.len();
        let share = if last {
            1.0
        } else {
            (w / wleft).clamp(0.0, 1.0)
        };
        let mut v = [0i64; 5];
        // Impressions split binomially; the others follow impressions in proportion.
        v[1] = if last {
            left[1]
        } else {
            binomial(rng, left[1], share)
        };
        let f = if left[1] > 0 {
            v[1] as f64 / left[1] as f64
        } else {
            share
        };
        for k in [0, 2, 3, 4] {
            v[k] = if last {
                left[k]
            } else {
                (left[k] as f64 * f).round() as i64
            };
        }
        for k in 0..5 {
            left[k] -= v[k];
        }
        wleft -= w;
        emit(cid, v)?;
    }
    Ok(())
}
