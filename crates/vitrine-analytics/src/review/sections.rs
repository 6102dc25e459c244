//! The descriptive sections: funnel, trends, traffic sources and the order mix.

use chrono::NaiveDate;
use vitrine_core::config::{Group, Scope};
use vitrine_core::{metric, MetricTable};

use super::context::{col, val, Ctx};
use super::{days, FunnelStep, OrderMix, SourceShare, Trend};

/// Metrics drawn as 30-day trends on the dashboard.
pub const TREND_METRICS: [&str; 6] = ["gmv", "orders", "ctr", "cvr", "roi", "spend"];

/// The funnel's steps with their names; each step's typical pass rate from the previous one
/// is the setting `[funnel] <step>`.
const FUNNEL: [(&str, &str, &str); 5] = [
    ("exposure", "曝光", "Exposure"),
    ("detail_views", "详情页", "Detail page"),
    ("add_to_cart", "加购", "Add to cart"),
    ("orders", "支付", "Payment"),
    ("reviews", "评价", "Review"),
];

impl Ctx<'_> {
    /// The 5-node funnel of the day and its leakiest step.
    pub fn funnel(&self) -> (Vec<FunnelStep>, Option<String>) {
        let lang = self.req.lang;
        let mut out: Vec<FunnelStep> = Vec::new();
        // A step the shop's files do not cover has no value, and no pass rate into or out of
        // it (an orders-only shop has no funnel to leak from).
        let mut previous: Option<f64> = None;
        for (id, zh, en) in FUNNEL {
            let value = self.day_value(id, self.req.date);
            let rate = match (previous, value) {
                (Some(p), Some(v)) if p > 0.0 => Some(v / p),
                _ => None,
            };
            out.push(FunnelStep {
                step: id.into(),
                name: lang.pick(zh, en).into(),
                value: value.unwrap_or(0.0),
                rate_from_previous: rate,
            });
            previous = value;
        }
        // The leakiest step is the one losing the largest share of the previous step,
        // judged against the category-typical pass rates so exposure→detail is not always it.
        let leak = out
            .iter()
            .zip(FUNNEL)
            .skip(1)
            .filter_map(|(s, f)| {
                let typical = self
                    .cfg
                    .num(Group::Funnel, f.0, Scope::shop(&self.req.shop));
                Some((s.name.clone(), s.rate_from_previous? / typical))
            })
            .min_by(|a, b| a.1.total_cmp(&b.1))
            .map(|x| x.0);
        (out, leak)
    }

    /// The trend metrics over the 30 days ending on the review day.
    pub fn trends(&self) -> Vec<Trend> {
        let from = days(self.req.date, 29).to_string();
        TREND_METRICS
            .iter()
            .filter_map(|id| {
                let m = metric::metric(id)?;
                let points = self
                    .inputs
                    .daily
                    .series(id)
                    .into_iter()
                    .filter(|(d, _)| *d >= from)
                    .collect();
                Some(Trend {
                    metric: id.to_string(),
                    name: m.name(self.req.lang).into(),
                    points,
                })
            })
            .collect()
    }
}

/// The day's rows of a per-day `order_count` breakdown, as (key, count).
fn day_counts(t: &MetricTable, date: NaiveDate) -> Vec<(String, f64)> {
    let (c, day) = (col(t, "order_count"), date.to_string());
    t.rows
        .iter()
        .filter(|r| r.period.as_deref() == Some(day.as_str()))
        .filter_map(|r| Some((r.key.first()?.clone(), r.values.get(c).copied().flatten()?)))
        .filter(|(_, n)| *n > 0.0)
        .collect()
}

/// The day's order lines by region (most first) and by hour.
pub(super) fn order_mix(regions: &MetricTable, hours: &MetricTable, date: NaiveDate) -> OrderMix {
    let mut regions = day_counts(regions, date);
    regions.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    let mut hours: Vec<(u32, f64)> = day_counts(hours, date)
        .into_iter()
        .filter_map(|(h, n)| Some((h.parse().ok()?, n)))
        .collect();
    hours.sort_by_key(|x| x.0);
    OrderMix { regions, hours }
}

/// Each source's share of the day's exposure and GMV, by GMV share.
pub(super) fn traffic(t: &MetricTable) -> Vec<SourceShare> {
    let (e, g) = (col(t, "exposure"), col(t, "gmv"));
    let te: f64 = t.rows.iter().map(|r| val(r, e)).sum();
    let tg: f64 = t.rows.iter().map(|r| val(r, g)).sum();
    let mut v: Vec<SourceShare> = t
        .rows
        .iter()
        .map(|r| SourceShare {
            source: r.key[0].clone(),
            exposure_share: if te > 0.0 { val(r, e) / te } else { 0.0 },
            gmv_share: if tg > 0.0 { val(r, g) / tg } else { 0.0 },
        })
        .collect();
    v.sort_by(|a, b| b.gmv_share.total_cmp(&a.gmv_share));
    v
}
