//! The market: competitors' sales and bids.

use super::*;

impl ShopSim {
    pub(super) fn write_market(
        &mut self,
        date: NaiveDate,
        sink: &mut dyn TableSink,
    ) -> Result<(), CoreError> {
        let cat = CATEGORIES[self.main_category].0;
        let aov = baseline(cat, "aov").unwrap_or(120.0);
        let mut b = BatchBuilder::new(Table::Competitors);
        let w = day_weight(date);
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
}
