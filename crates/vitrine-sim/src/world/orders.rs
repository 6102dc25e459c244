//! Orders and the funnel: order lines, refunds, reviews with their comments, complaints and
//! the daily funnel rows.

use super::*;

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

impl ShopSim {
    pub(super) fn write_orders(
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
        let mut base_on_surge = 0.0;
        let mut orders_on_surge = 0.0;
        for o in orders {
            let region = if o.is_new {
                self.region_w.sample(&mut self.rng) as u8
            } else {
                self.buyers[o.user as usize].region
            };
            if region_drop
                && region == 0
                && self.rng.gen::<f64>() < 1.0 - self.effects.region_conversion
            {
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
            if delayed && rng.gen::<f64>() < self.effects.late_share {
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
                orders_on_surge += 1.0;
                base_on_surge += p.refund_p * 0.03 + (1.0 - p.refund_p) * 0.003;
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
            // A bad batch: the product's complaint rate × k (its base rate per order comes
            // from its refund propensity, as for every order above).
            let e = &self.effects;
            let extra = (base_on_surge * (e.complaint_rate - 1.0)
                + orders_on_surge * e.complaint_per_order)
                .max(e.complaint_min);
            let n = poisson(&mut self.rng, extra);
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

    pub(super) fn write_funnel(
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
}
