//! What the review asks the lake, one named question per field: `Inputs<MetricQuery>` is
//! the question list, `Inputs<MetricTable>` the answers in the same shape.

use chrono::{Datelike, NaiveDate};
use vitrine_core::{Dim, MetricQuery, TimeGrain};

use super::{days, ReviewRequest};
use crate::AnalyticsError;

/// Metrics the review reads per day (60 days back, for trends and baselines).
const DAILY: [&str; 39] = [
    "gmv",
    "order_value",
    "refund_amount_rate",
    "orders",
    "paying_users",
    "exposure",
    "clicks",
    "detail_views",
    "add_to_cart",
    "reviews",
    "ctr",
    "cvr",
    "aov",
    "gpm",
    "spend",
    "roi",
    "cpa",
    "cpm",
    "cost_per_exposure",
    "natural_share",
    "refund_rate",
    "completion_rate",
    "like_rate",
    "interaction_rate",
    "avg_dwell",
    "repurchase_rate",
    "on_time_rate",
    "complaint_rate",
    "complaints",
    "order_count",
    "nps",
    "penalty_risk",
    "spend_ratio",
    "conversions",
    "creative_ctr",
    "experience_score",
    "competitor_bid",
    "competitor_sales",
    "ad_ctr",
];

/// The review's data, one field per question.
#[derive(Debug, Clone, PartialEq)]
pub struct Inputs<T> {
    /// The shop's daily metrics, 60 days back.
    pub daily: T,
    /// Paid plans × category per day, 15 days back.
    pub plans: T,
    /// Order lines by region per day, 29 days back.
    pub regions: T,
    /// Order lines by device per day, 29 days back.
    pub devices: T,
    /// Stock by product on the day.
    pub stock: T,
    /// CVR, clicks and GMV by category on the day.
    pub categories: T,
    /// Exposure and GMV by traffic source on the day.
    pub sources: T,
    /// Daily GMV since 1 January of last year (targets and pacing).
    pub year: T,
    /// Order lines by region × device per day (root-cause cube).
    pub order_cube: T,
    /// Complaints and orders by product per day, 29 days back (the complaint rule and its
    /// root-cause cube).
    pub complaint_cube: T,
    /// Stock by product per day, 8 days back (standing stock alerts).
    pub stock_cube: T,
    /// On-time deliveries by region × category per day (root-cause cube).
    pub delivery_cube: T,
    /// Order lines by hour per day (order mix and mix-shift risk).
    pub hours: T,
    /// GMV, exposure, clicks and orders by source × category per day (root-cause cube).
    pub traffic_cube: T,
    /// GMV and orders by product over the last 7 days (money at stake of product actions).
    pub products: T,
    /// Impressions and CTR by plan × creative per day, 8 days back (which creative to
    /// replace, and which one a plan's CTR drop sits in).
    pub creatives: T,
    /// GMV by buyer group (new, returning) per day, 29 days back (root-cause cube).
    pub audiences: T,
}

impl<T> Inputs<T> {
    /// The fields in declaration order (what [`Inputs::from_vec`] reads back).
    pub fn into_vec(self) -> Vec<T> {
        vec![
            self.daily,
            self.plans,
            self.regions,
            self.devices,
            self.stock,
            self.categories,
            self.sources,
            self.year,
            self.order_cube,
            self.complaint_cube,
            self.stock_cube,
            self.delivery_cube,
            self.hours,
            self.traffic_cube,
            self.products,
            self.creatives,
            self.audiences,
        ]
    }

    /// Reads back a list made by [`Inputs::into_vec`] (answers in question order).
    pub fn from_vec(v: Vec<T>) -> Result<Self, AnalyticsError> {
        let got = v.len();
        let arr: [T; 17] = v
            .try_into()
            .map_err(|_| AnalyticsError::MissingResults { expected: 17, got })?;
        let [daily, plans, regions, devices, stock, categories, sources, year, order_cube, complaint_cube, stock_cube, delivery_cube, hours, traffic_cube, products, creatives, audiences] =
            arr;
        Ok(Inputs {
            daily,
            plans,
            regions,
            devices,
            stock,
            categories,
            sources,
            year,
            order_cube,
            complaint_cube,
            stock_cube,
            delivery_cube,
            hours,
            traffic_cube,
            products,
            creatives,
            audiences,
        })
    }
}

impl ReviewRequest {
    /// The metric queries the review needs.
    pub fn queries(&self) -> Inputs<MetricQuery> {
        let d = self.date;
        let q = |metrics: &[&'static str], from: NaiveDate| {
            MetricQuery::new(metrics, from, d).filter(Dim::Shop, self.shop.clone())
        };
        let order_count = |by: &[Dim]| q(&["order_count"], days(d, 28)).by(by).per(TimeGrain::Day);
        Inputs {
            daily: q(&DAILY, days(d, 59)).per(TimeGrain::Day),
            plans: q(
                &[
                    "spend",
                    "ad_impressions",
                    "ad_ctr",
                    "conversions",
                    "pay_gmv",
                    "ad_clicks",
                ],
                days(d, 14),
            )
            .by(&[Dim::Plan, Dim::Category])
            .per(TimeGrain::Day),
            regions: order_count(&[Dim::Region]),
            devices: order_count(&[Dim::Device]),
            stock: q(&["on_hand", "daily_sales", "in_transit"], d)
                .by(&[Dim::Product, Dim::Category]),
            categories: q(&["cvr", "clicks", "gmv"], d).by(&[Dim::Category]),
            sources: q(&["exposure", "gmv"], d).by(&[Dim::Source]),
            year: q(
                &["gmv"],
                NaiveDate::from_ymd_opt(d.year() - 1, 1, 1).unwrap_or(d),
            )
            .per(TimeGrain::Day),
            order_cube: order_count(&[Dim::Region, Dim::Device]),
            complaint_cube: q(&["complaints", "order_count"], days(d, 28))
                .by(&[Dim::Product])
                .per(TimeGrain::Day),
            stock_cube: q(&["on_hand", "daily_sales", "in_transit"], days(d, 7))
                .by(&[Dim::Product, Dim::Category])
                .per(TimeGrain::Day),
            delivery_cube: q(&["on_time_deliveries", "deliveries"], days(d, 28))
                .by(&[Dim::Region, Dim::Category])
                .per(TimeGrain::Day),
            hours: order_count(&[Dim::Hour]),
            traffic_cube: q(&["gmv", "exposure", "clicks", "orders"], days(d, 28))
                .by(&[Dim::Source, Dim::Category])
                .per(TimeGrain::Day),
            products: q(&["gmv", "orders"], days(d, 6)).by(&[Dim::Product]),
            creatives: q(&["creative_impressions", "creative_ctr"], days(d, 7))
                .by(&[Dim::Plan, Dim::Creative])
                .per(TimeGrain::Day),
            audiences: q(&["audience_gmv"], days(d, 28))
                .by(&[Dim::Audience])
                .per(TimeGrain::Day),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use vitrine_core::Lang;

    fn request() -> ReviewRequest {
        ReviewRequest {
            shop: "s1".into(),
            date: "2026-11-21".parse().unwrap(),
            lang: Lang::Zh,
        }
    }

    #[test]
    fn queries_are_all_scoped_to_the_shop_and_end_on_the_day() {
        let r = request();
        for q in r.queries().into_vec() {
            assert!(q.filters.contains(&(Dim::Shop, "s1".into())));
            assert_eq!(q.to, r.date);
            assert!(vitrine_core::query::compile(&q).is_ok(), "{q:?}");
        }
    }

    #[test]
    fn a_list_reads_back_field_by_field_and_a_short_one_is_refused() {
        let qs = request().queries();
        let back = Inputs::from_vec(qs.clone().into_vec()).unwrap();
        assert_eq!(back, qs);
        assert!(matches!(
            Inputs::from_vec(vec![1, 2, 3]),
            Err(AnalyticsError::MissingResults {
                expected: 17,
                got: 3
            })
        ));
    }
}
