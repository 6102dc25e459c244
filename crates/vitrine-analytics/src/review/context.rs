//! What every part of the review reads: the request, the settings, the answers and the
//! stored targets, with the daily-series look-ups they share.

use chrono::NaiveDate;
use vitrine_core::config::Config;
use vitrine_core::MetricTable;

pub(super) use super::columns::{col, val};
use super::items::Items;
use super::{days, Inputs, ReviewRequest};
use crate::stats::median;

/// The review's inputs with the look-ups its parts share.
pub(super) struct Ctx<'a> {
    pub req: &'a ReviewRequest,
    pub cfg: &'a Config,
    pub inputs: &'a Inputs<MetricTable>,
    /// Stored targets as `(metric, period, value)`, e.g. `("gmv", "year:2026", 5e7)`.
    pub stored: &'a [(String, String, f64)],
    /// Every plan's and product's daily series.
    pub items: Items<'a>,
}

impl Ctx<'_> {
    /// The shop's id as the settings' override key.
    pub fn shop(&self) -> Option<&str> {
        Some(self.req.shop.as_str())
    }

    /// `metric` on day `d` of the daily series.
    pub fn day_value(&self, metric: &str, d: NaiveDate) -> Option<f64> {
        self.inputs.daily.get(&[], Some(&d.to_string()), metric)
    }

    pub fn stored_target(&self, metric: &str, period: &str) -> Option<f64> {
        self.stored
            .iter()
            .find(|(m, p, _)| m == metric && p == period)
            .map(|x| x.2)
    }

    /// Daily GMV since 1 January of last year.
    pub fn year_series(&self) -> Vec<(NaiveDate, f64)> {
        self.inputs
            .year
            .series("gmv")
            .into_iter()
            .filter_map(|(d, v)| Some((d.parse().ok()?, v?)))
            .collect()
    }

    /// Median of `d`'s weekday over the `baseline_weeks` weeks before it.
    pub fn weekday_baseline(&self, metric: &str, d: NaiveDate) -> Option<f64> {
        median(&self.same_weekday(metric, d))
    }

    /// `metric` on the same weekday of the `baseline_weeks` weeks before `d`.
    pub fn same_weekday(&self, metric: &str, d: NaiveDate) -> Vec<f64> {
        let weeks = self.cfg.threshold("baseline_weeks", self.shop()).max(1.0) as i64;
        (1..=weeks)
            .filter_map(|w| self.day_value(metric, days(d, 7 * w)))
            .collect()
    }

    /// Σ num / Σ den of two additive daily metrics over the `n` days before `day` (the
    /// ratio-of-sums baseline of the rate they form); `None` without volume.
    pub fn baseline_sum_ratio_opt(
        &self,
        num_metric: &str,
        den_metric: &str,
        day: NaiveDate,
        n: i64,
    ) -> Option<f64> {
        let (mut num, mut den) = (0.0, 0.0);
        for i in 1..=n {
            let d = days(day, i);
            if let (Some(a), Some(b)) =
                (self.day_value(num_metric, d), self.day_value(den_metric, d))
            {
                num += a;
                den += b;
            }
        }
        (den > 0.0).then(|| num / den)
    }

    pub fn baseline_sum_ratio(
        &self,
        num_metric: &str,
        den_metric: &str,
        day: NaiveDate,
        n: i64,
    ) -> f64 {
        self.baseline_sum_ratio_opt(num_metric, den_metric, day, n)
            .unwrap_or(0.0)
    }

    /// `metric` on the `back` days before `d`, nearest first.
    pub fn series_at(&self, metric: &str, d: NaiveDate, back: i64) -> Vec<f64> {
        (1..=back)
            .filter_map(|i| self.day_value(metric, days(d, i)))
            .collect()
    }
}
