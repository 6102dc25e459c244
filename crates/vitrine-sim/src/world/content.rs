//! Content: short videos, their openings and retention.

use super::*;

pub(super) const OPENINGS: [&str; 5] = ["悬念开头", "痛点开头", "产品特写", "真人口播", "剧情反转"];

impl ShopSim {
    pub(super) fn write_videos(
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
}
