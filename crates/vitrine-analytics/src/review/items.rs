//! Every plan's and product's daily series, built once per review: the rules judge three
//! windows of every item on the review day and on each earlier day that tells standing
//! alerts from new ones, and a catalogue of 20,000 products must not be regrouped for each.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use vitrine_core::MetricTable;

use super::columns::{col, val};
use super::Inputs;

/// An item's daily pairs of sums of two metrics, one slot per day from its first day to its
/// last (a day without rows holds zeros, which add nothing to a sum).
#[derive(Debug, Default)]
pub(super) struct Daily {
    first: Option<NaiveDate>,
    pairs: Vec<(f64, f64)>,
}

impl Daily {
    /// Adds `(a, b)` to day `d`'s pair.
    fn add(&mut self, d: NaiveDate, (a, b): (f64, f64)) {
        let first = *self.first.get_or_insert(d);
        if d < first {
            let gap = (first - d).num_days() as usize;
            self.pairs
                .splice(0..0, std::iter::repeat_n((0.0, 0.0), gap));
            self.first = Some(d);
        }
        let i = (d - self.first.unwrap_or(d)).num_days() as usize;
        if i >= self.pairs.len() {
            self.pairs.resize(i + 1, (0.0, 0.0));
        }
        self.pairs[i].0 += a;
        self.pairs[i].1 += b;
    }

    /// The pairs of the days in `[from, to]` that hold any, oldest first.
    pub fn within(&self, from: NaiveDate, to: NaiveDate) -> &[(f64, f64)] {
        let Some(first) = self.first else {
            return &[];
        };
        let index =
            |d: NaiveDate| (d - first).num_days().clamp(0, self.pairs.len() as i64) as usize;
        let (lo, hi) = (index(from), index(to + chrono::Duration::days(1)));
        &self.pairs[lo.min(hi)..hi]
    }

    /// Σ of the daily pairs over `[from, to]`.
    pub fn span(&self, from: NaiveDate, to: NaiveDate) -> (f64, f64) {
        self.within(from, to)
            .iter()
            .fold((0.0, 0.0), |a, x| (a.0 + x.0, a.1 + x.1))
    }

    /// Σ of the first metric over every day.
    pub fn first_total(&self) -> f64 {
        self.pairs.iter().map(|x| x.0).sum()
    }

    #[cfg(test)]
    pub fn of(days: &[(NaiveDate, (f64, f64))]) -> Daily {
        let mut d = Daily::default();
        for (day, pair) in days {
            d.add(*day, *pair);
        }
        d
    }
}

/// A paid plan's series: (spend, conversions) and (impressions, clicks) by day, and its spend
/// summed over its rows in table order.
#[derive(Debug, Default)]
pub(super) struct PlanSeries {
    pub cpa: Daily,
    pub ctr: Daily,
    pub spend: f64,
}

/// The review's per-item series.
pub(super) struct Items<'a> {
    /// By plan id.
    pub plans: BTreeMap<&'a str, PlanSeries>,
    /// (orders, complaints) by day of every product, in product order.
    pub complaints: Vec<(&'a str, Daily)>,
}

impl<'a> Items<'a> {
    pub fn of(inputs: &'a Inputs<MetricTable>) -> Items<'a> {
        Items {
            plans: plans(&inputs.plans),
            complaints: complaints(&inputs.complaint_cube),
        }
    }
}

/// Each product's (orders, complaints) by day, in product order.
pub(super) fn complaints(t: &MetricTable) -> Vec<(&str, Daily)> {
    grouped(t, ("order_count", "complaints"))
}

/// Each plan's series; clicks are impressions × CTR rounded per row.
fn plans(t: &MetricTable) -> BTreeMap<&str, PlanSeries> {
    let c = ["spend", "conversions", "ad_impressions", "ad_ctr"].map(|m| col(t, m));
    let mut out: BTreeMap<&str, PlanSeries> = BTreeMap::new();
    for r in &t.rows {
        let Some(plan) = r.key.first() else { continue };
        let s = out.entry(plan.as_str()).or_default();
        let [spend, conversions, imp, ctr] = c.map(|c| val(r, c));
        s.spend += spend;
        if let Some(d) = day_of(r.period.as_deref()) {
            s.cpa.add(d, (spend, conversions));
            s.ctr.add(d, (imp, (imp * ctr).round()));
        }
    }
    out
}

/// Each first key's daily sums of metrics `a` and `b`, in key order.
fn grouped<'a>(t: &'a MetricTable, (a, b): (&str, &str)) -> Vec<(&'a str, Daily)> {
    let (ca, cb) = (col(t, a), col(t, b));
    let mut out: Vec<(&str, Daily)> = Vec::new();
    for r in &t.rows {
        let Some(k) = r.key.first() else { continue };
        if out.last().is_none_or(|(last, _)| *last != k.as_str()) {
            out.push((k.as_str(), Daily::default()));
        }
        if let (Some(d), Some((_, series))) = (day_of(r.period.as_deref()), out.last_mut()) {
            series.add(d, (val(r, ca), val(r, cb)));
        }
    }
    // Rows come sorted by key; a table that is not still gives one series per key.
    let mut merged: BTreeMap<&str, Daily> = BTreeMap::new();
    if out.windows(2).any(|w| w[0].0 >= w[1].0) {
        for (k, s) in out {
            let m = merged.entry(k).or_default();
            if let Some(first) = s.first {
                for (i, pair) in s.pairs.into_iter().enumerate() {
                    m.add(first + chrono::Duration::days(i as i64), pair);
                }
            }
        }
        return merged.into_iter().collect();
    }
    out
}

/// A `YYYY-MM-DD` period's day.
fn day_of(period: Option<&str>) -> Option<NaiveDate> {
    period?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn spans_add_the_days_within_and_skip_the_rest() {
        let s = Daily::of(&[
            (d("2026-11-05"), (1.0, 10.0)),
            (d("2026-11-03"), (2.0, 20.0)),
            (d("2026-11-05"), (4.0, 40.0)),
            (d("2026-11-08"), (8.0, 80.0)),
        ]);
        assert_eq!(s.span(d("2026-11-01"), d("2026-11-30")), (15.0, 150.0));
        assert_eq!(s.span(d("2026-11-04"), d("2026-11-05")), (5.0, 50.0));
        assert_eq!(s.span(d("2026-11-06"), d("2026-11-07")), (0.0, 0.0));
        assert_eq!(s.span(d("2026-11-09"), d("2026-11-30")), (0.0, 0.0));
        assert_eq!(s.span(d("2026-10-01"), d("2026-11-02")), (0.0, 0.0));
        assert_eq!(s.within(d("2026-11-03"), d("2026-11-05")).len(), 3);
        assert_eq!(s.first_total(), 15.0);
        assert_eq!(
            Daily::default().span(d("2026-11-01"), d("2026-11-30")),
            (0.0, 0.0)
        );
    }
}
