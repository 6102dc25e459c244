//! Stock: replenishment, stock-outs and the daily inventory rows.

use super::*;

impl ShopSim {
    pub(super) fn receive_stock(&mut self, date: NaiveDate) {
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

    pub(super) fn write_inventory(
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
}

/// A stock-out blocks replenishment for its first four days; the ground-truth range also
/// covers the lead time until the reorder arrives.
pub(super) fn stock_blocked(o: &Incident, date: NaiveDate) -> bool {
    date >= o.date && date < o.date + Duration::days(4)
}
