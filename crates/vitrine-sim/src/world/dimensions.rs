//! The dimension tables: the shop at the start; products, plans and users at the end.

use super::content::OPENINGS;
use super::*;

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
