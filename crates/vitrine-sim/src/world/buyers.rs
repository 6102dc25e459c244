//! Buyers: the seeded base, new buyers, Pareto/NBD repeat purchases and organic orders.

use super::*;

impl ShopSim {
    pub(super) fn seed_buyers(&mut self, cfg: &SimConfig) {
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

    pub(super) fn pick_category(&mut self) -> u8 {
        if self.rng.gen::<f64>() < 0.7 {
            self.main_category as u8
        } else {
            self.rng.gen_range(0..CATEGORIES.len()) as u8
        }
    }

    /// Creates a buyer whose first order is on day `first`, drawing their Pareto/NBD rates.
    pub(super) fn new_buyer(&mut self, first: i32, category: u8, region: u8) -> u32 {
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
    pub(super) fn schedule_next(&mut self, id: u32, now: f64) {
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

    pub(super) fn organic_orders(
        &mut self,
        weight: f64,
        cells: &mut [[Cell; 7]],
        orders: &mut Vec<Order>,
    ) {
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

    pub(super) fn repeat_orders(&mut self, date: NaiveDate, orders: &mut Vec<Order>) {
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
}
