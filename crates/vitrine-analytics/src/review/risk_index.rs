//! The composite risk index of REQUIREMENTS §6: the 15 readings from the review's inputs,
//! their history and forecast.

use std::collections::BTreeMap;

use chrono::{Duration, NaiveDate};
use vitrine_core::config::{Group, Scope};
use vitrine_core::MetricTable;

use super::context::{col, val, Ctx};
use super::days;

/// Risk indicators and trend rules: everything judged on the daily series.
impl Ctx<'_> {
    fn cv(&self, metric: &str, d: NaiveDate, n: i64) -> Option<f64> {
        let v: Vec<f64> = (0..n)
            .filter_map(|i| self.day_value(metric, days(d, i)))
            .collect();
        if v.len() < 7 {
            return None;
        }
        let mean = v.iter().sum::<f64>() / v.len() as f64;
        let var = v.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (v.len() - 1) as f64;
        (mean > 0.0).then(|| var.sqrt() / mean)
    }

    /// `metric` on day `d` relative to its mean over the `n` days before, minus 1.
    fn rel(&self, metric: &str, d: NaiveDate, n: i64) -> Option<f64> {
        let past = self.series_at(metric, d, n);
        let mean = past.iter().sum::<f64>() / past.len().max(1) as f64;
        let v = self.day_value(metric, d)?;
        (past.len() >= 3 && mean > 0.0).then(|| v / mean - 1.0)
    }

    /// Bias-corrected JS divergence of the shares of `t` (one key dimension, per day) on day
    /// `d` against the days of the table before it.
    fn mix(&self, t: &MetricTable, d: NaiveDate) -> Option<f64> {
        let day = d.to_string();
        let c = col(t, "order_count");
        let mut keys: BTreeMap<&str, (f64, f64)> = BTreeMap::new();
        let mut base_days = std::collections::BTreeSet::new();
        for r in &t.rows {
            let Some(p) = r.period.as_deref() else {
                continue;
            };
            let e = keys.entry(r.key[0].as_str()).or_default();
            if p == day {
                e.0 += val(r, c);
            } else if p < day.as_str() {
                e.1 += val(r, c);
                base_days.insert(p);
            }
        }
        if base_days.len() < 7 {
            return None;
        }
        let (today, base): (Vec<f64>, Vec<f64>) = keys.values().copied().unzip();
        crate::risk::mix_shift(&today, &base)
    }

    /// The 15 raw readings of REQUIREMENTS §6 on day `d` (see [`crate::risk::INDICATORS`]).
    fn risk_readings(&self, d: NaiveDate, category: Option<&str>) -> [Option<f64>; 15] {
        let v = |m: &str| self.day_value(m, d);
        let sum = |m: &str, from: i64, to: i64| -> Option<f64> {
            let x: Vec<f64> = (from..=to)
                .filter_map(|i| self.day_value(m, days(d, i)))
                .collect();
            (!x.is_empty()).then(|| x.iter().sum())
        };
        let industry = match (
            sum("competitor_sales", 0, 6),
            sum("competitor_sales", 7, 13),
        ) {
            (Some(a), Some(b)) if b > 0.0 => Some(-(a / b - 1.0)),
            _ => None,
        };
        let complaint = match (v("complaints"), v("order_count")) {
            (Some(c), Some(o)) if o > 0.0 => {
                let mut base = 0.0;
                let mut den = 0.0;
                for i in 1..=28 {
                    base += self.day_value("complaints", days(d, i)).unwrap_or(0.0);
                    den += self.day_value("order_count", days(d, i)).unwrap_or(0.0);
                }
                (base > 0.0 && den > 0.0).then(|| (c / o) / (base / den) - 1.0)
            }
            _ => None,
        };
        let path = {
            let ratio = |day: NaiveDate| {
                let (dv, o) = (
                    self.day_value("detail_views", day)?,
                    self.day_value("orders", day)?,
                );
                (o > 0.0).then(|| dv / o)
            };
            let past: Vec<f64> = (1..=28).filter_map(|i| ratio(days(d, i))).collect();
            let mean = past.iter().sum::<f64>() / past.len().max(1) as f64;
            ratio(d)
                .filter(|_| past.len() >= 7 && mean > 0.0)
                .map(|r| r / mean - 1.0)
        };
        let targeting = category
            .and_then(|c| self.cfg.baseline(c, "ad_ctr", Some(&self.req.shop)))
            .zip(v("ad_ctr"))
            .map(|(b, x)| 1.0 - x / b);
        [
            industry,
            self.rel("competitor_bid", d, 28),
            Some(
                self.cfg
                    .threshold("risk_policy_change", Some(&self.req.shop)),
            ),
            self.rel("repurchase_rate", d, 28).map(f64::abs),
            self.cv("cpa", d, 14),
            v("experience_score"),
            v("penalty_risk"),
            complaint,
            self.mix(&self.inputs.devices, d),
            self.mix(&self.inputs.regions, d),
            self.mix(&self.inputs.hours, d),
            targeting,
            self.rel("creative_ctr", d, 7).map(|x| -x),
            path,
            self.cv("aov", d, 14),
        ]
    }

    pub fn risk_index(&self, category: Option<&str>) -> crate::risk::RiskIndex {
        use crate::risk::{
            composite, forecast, index_grade, indicator_scores, IndexPoint, RiskSettings,
        };
        let d = self.req.date;
        let shop = Some(self.req.shop.as_str());
        let set = RiskSettings::from_config(self.cfg, Scope { shop, category });
        let th = |k: &str| {
            self.cfg
                .value(Group::Thresholds, k, shop, category)
                .unwrap_or(f64::NAN)
        };
        let thresholds = [th("risk_medium"), th("risk_high"), th("risk_critical")];
        let readings = self.risk_readings(d, category);
        let value = composite(&readings, &set).unwrap_or(0.0);
        let history: Vec<IndexPoint> = (1..=27)
            .rev()
            .filter_map(|i| {
                let day = days(d, i);
                let x = composite(&self.risk_readings(day, category), &set)?;
                Some(IndexPoint {
                    date: day.to_string(),
                    value: x,
                    low: x,
                    high: x,
                })
            })
            .collect();
        let mut series: Vec<f64> = history.iter().map(|p| p.value).collect();
        series.push(value);
        let fc = forecast(&series, 30, set.holt)
            .into_iter()
            .enumerate()
            .map(|(i, (v, lo, hi))| IndexPoint {
                date: (d + Duration::days(i as i64 + 1)).to_string(),
                value: v,
                low: lo,
                high: hi,
            })
            .collect();
        let mean = series.iter().sum::<f64>() / series.len() as f64;
        let spend30 = self.series_at("spend", d, 29).iter().sum::<f64>()
            + self.day_value("spend", d).unwrap_or(0.0);
        crate::risk::RiskIndex {
            value,
            grade: index_grade(value, thresholds).into(),
            thresholds,
            indicators: indicator_scores(&readings, &set, self.req.lang),
            history,
            forecast: fc,
            tolerance_exceeded: series.len() >= 8 && value > mean * (1.0 + th("risk_tolerance")),
            reserve_yuan: spend30 * th("risk_reserve_share"),
        }
    }
}
