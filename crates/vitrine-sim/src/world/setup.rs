//! Building a shop: products, plans, videos, buyers, stock and planted incidents.

use super::*;

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
            effects: cfg.effects,
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

    pub(super) fn make_plans(&mut self, cfg: &SimConfig, by_pop: &[usize]) {
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

    pub(super) fn stock_up(&mut self) {
        let unit = self.exposure_unit;
        for p in &mut self.products {
            let daily = unit * p.pop * p.ctr * p.cvr * 1.5;
            p.on_hand = (daily * 25.0).ceil() as i64 + 10;
        }
    }

    pub(super) fn plant_incidents(&mut self, cfg: &SimConfig, by_pop: &[usize]) {
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

    pub(super) fn active(&self, kind: IncidentKind, date: NaiveDate) -> bool {
        self.incidents
            .iter()
            .any(|i| i.kind == kind && i.active(date))
    }

    pub(super) fn scope_index(&self, kind: IncidentKind) -> Option<usize> {
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
