//! Root causes of review alerts: the alert's metric is re-cut by the dimensions that can
//! explain it, today's leaf cells are set against their own baselines, and Adtributor
//! ([`crate::rca`]) ranks the dimension values that account for the move.

use std::collections::BTreeMap;

use serde::Serialize;
use vitrine_core::query::MetricRow;
use vitrine_core::MetricTable;

use crate::rca::{adtributor, Candidate, Cell, Params, Value};

/// A dimension value (or nested combination) that explains an alert's move.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RootCause {
    /// `region`, or `region/device` for a nested cause.
    pub dimension: String,
    /// `广东`, or `广东/android` for a nested cause.
    pub value: String,
    pub combination: BTreeMap<String, String>,
    /// Share of the total change this cause accounts for.
    pub explanatory_power: f64,
    /// Jensen–Shannon surprise of its share.
    pub surprise: f64,
    pub actual: f64,
    pub expected: f64,
}

impl RootCause {
    fn from_candidate(c: &Candidate) -> RootCause {
        let keys: Vec<&str> = c.combination.keys().map(String::as_str).collect();
        let values: Vec<&str> = c.combination.values().map(String::as_str).collect();
        RootCause {
            dimension: keys.join("/"),
            value: values.join("/"),
            combination: c.combination.clone(),
            explanatory_power: c.explanatory_power,
            surprise: c.surprise,
            actual: c.actual,
            expected: c.expected,
        }
    }

    /// The whole scope moved together: no narrower dimension value concentrates the change.
    fn whole(dimension: &str, value: &str, actual: f64, expected: f64) -> RootCause {
        RootCause {
            dimension: dimension.into(),
            value: value.into(),
            combination: BTreeMap::from([(dimension.to_string(), value.to_string())]),
            explanatory_power: 1.0,
            surprise: 0.0,
            actual,
            expected,
        }
    }
}

/// How a leaf's expected value is formed from its history.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Baseline {
    /// Ratio metrics: today's denominator at the leaf's rate over the previous `days` days,
    /// so only rate changes (not volume) count as the move.
    RateAtTodaysVolume { days: usize },
    /// Sums: the mean of the same weekday over the previous `weeks` weeks.
    SameWeekday { weeks: usize },
    /// Levels: the value `days` days earlier.
    DaysAgo { days: usize },
    /// Stocks drawn down by a daily flow (units on hand / daily sales): yesterday's level
    /// less one day of yesterday's flow, over today's flow, so ordinary selling and a
    /// changing sales average are not the move; only the stock itself is.
    Drawdown,
    /// Mix: the leaf's share of the previous days' total applied to today's total, and only
    /// the shortfall explained (cells above their share are held at it), so a segment losing
    /// share stands out even when the total barely moves.
    Shortfall,
}

/// Reads a leaf's (numerator, denominator) from a row of the metric table.
pub type Extract<'a> = &'a dyn Fn(&MetricRow) -> (f64, Option<f64>);

/// Today's cells of `t` (keyed by its dimensions) with expected values per `baseline`.
/// `t` must be a per-day table; `today` is the review date as `YYYY-MM-DD`.
pub fn cells(t: &MetricTable, today: &str, baseline: Baseline, extract: Extract<'_>) -> Vec<Cell> {
    let today_date: Option<chrono::NaiveDate> = today.parse().ok();
    let age = |p: &str| -> Option<i64> {
        let d: chrono::NaiveDate = p.parse().ok()?;
        Some((today_date? - d).num_days())
    };
    let mut leaves: Leaves<'_> = BTreeMap::new();
    for r in &t.rows {
        let Some(a) = r.period.as_deref().and_then(age) else {
            continue;
        };
        let (num, den) = extract(r);
        let e = leaves.entry(r.key.as_slice()).or_default();
        if a == 0 {
            e.0 = Some((num, den));
        } else if a > 0 {
            e.1.push((a, num, den));
        }
    }
    if baseline == Baseline::Shortfall {
        return shortfall(leaves);
    }
    leaves
        .into_iter()
        .filter_map(|(key, (now, past))| {
            let (an, ad) = now.unwrap_or((0.0, past.first().and_then(|p| p.2.map(|_| 0.0))));
            let expected = expected(baseline, &past, ad)?;
            Some(Cell {
                dims: key.to_vec(),
                actual: Value { num: an, den: ad },
                expected,
            })
        })
        .collect()
}

type Leaves<'a> =
    BTreeMap<&'a [String], (Option<(f64, Option<f64>)>, Vec<(i64, f64, Option<f64>)>)>;

fn shortfall(leaves: Leaves<'_>) -> Vec<Cell> {
    let today: f64 = leaves.values().filter_map(|l| l.0.map(|x| x.0)).sum();
    let past: f64 = leaves.values().flat_map(|l| l.1.iter().map(|p| p.1)).sum();
    if past <= 0.0 {
        return Vec::new();
    }
    leaves
        .into_iter()
        .map(|(key, (now, hist))| {
            let expected = today * hist.iter().map(|p| p.1).sum::<f64>() / past;
            let actual = now.map(|x| x.0).unwrap_or(0.0).min(expected);
            Cell {
                dims: key.to_vec(),
                actual: Value::sum(actual),
                expected: Value::sum(expected),
            }
        })
        .collect()
}

fn expected(
    baseline: Baseline,
    past: &[(i64, f64, Option<f64>)],
    today_den: Option<f64>,
) -> Option<Value> {
    match baseline {
        Baseline::RateAtTodaysVolume { days } => {
            let (mut n, mut d) = (0.0, 0.0);
            for (_, pn, pd) in past.iter().filter(|p| p.0 <= days as i64) {
                n += pn;
                d += pd.unwrap_or(0.0);
            }
            let today = today_den?;
            (d > 0.0).then(|| Value {
                num: today * n / d,
                den: Some(today),
            })
        }
        Baseline::SameWeekday { weeks } => {
            let same: Vec<f64> = past
                .iter()
                .filter(|p| p.0 % 7 == 0 && p.0 <= 7 * weeks as i64)
                .map(|p| p.1)
                .collect();
            (!same.is_empty()).then(|| Value {
                num: same.iter().sum::<f64>() / same.len() as f64,
                den: None,
            })
        }
        Baseline::Shortfall => None,
        Baseline::Drawdown => past.iter().find(|p| p.0 == 1).map(|p| Value {
            num: (p.1 - p.2.unwrap_or(0.0)).max(0.0),
            den: today_den.or(p.2),
        }),
        Baseline::DaysAgo { days } => past
            .iter()
            .find(|p| p.0 == days as i64)
            .map(|p| Value { num: p.1, den: p.2 }),
    }
}

/// Ranks what explains the move of `cells` (dimension names `dims`), best first. When the
/// concluded cause is not concentrated (more than half of the expected volume, or explaining
/// less than 1.5× its share of it), or no set explains the move, the whole scope
/// (`whole_dim`=`whole_value`) is named first.
pub fn root_causes(
    dims: &[&str],
    cells: &[Cell],
    whole_dim: &str,
    whole_value: &str,
) -> Vec<RootCause> {
    let names: Vec<String> = dims.iter().map(|d| d.to_string()).collect();
    let Ok(rca) = adtributor(&names, cells, &Params::default()) else {
        return Vec::new();
    };
    let causes: Vec<RootCause> = rca
        .root_cause_set
        .iter()
        .filter_map(|combo| rca.candidates.iter().find(|c| &c.combination == combo))
        .map(RootCause::from_candidate)
        .collect();
    let share: f64 = rca
        .root_cause_set
        .iter()
        .filter_map(|combo| rca.candidates.iter().find(|c| &c.combination == combo))
        .map(|c| c.share)
        .sum();
    // A cause must be concentrated: it covers at most half the scope and explains at least
    // 1.5× its share of the volume; otherwise the scope moved as a whole.
    let power: f64 = causes.iter().map(|c| c.explanatory_power).sum();
    let mut out = Vec::new();
    if causes.is_empty() || share > 0.5 || power < 1.5 * share {
        out.push(RootCause::whole(
            whole_dim,
            whole_value,
            rca.actual,
            rca.expected,
        ));
    }
    out.extend(causes);
    out.truncate(5);
    out
}

/// The per-day cubes the review hands over, one per family of metrics.
pub struct Cubes<'a> {
    pub shop: &'a str,
    pub today: String,
    /// plan × category: spend, ad_impressions, ad_ctr, conversions, pay_gmv, ad_clicks.
    pub plans: &'a MetricTable,
    /// region × device: order_count.
    pub orders: &'a MetricTable,
    /// product: complaints, order_count.
    pub complaints: &'a MetricTable,
    /// product: on_hand, daily_sales.
    pub stock: &'a MetricTable,
    /// region × category: on_time_deliveries, deliveries.
    pub deliveries: &'a MetricTable,
    /// source × category: gmv, exposure, clicks, orders.
    pub traffic: &'a MetricTable,
    /// plan × creative: creative_impressions, creative_ctr.
    pub creatives: &'a MetricTable,
    /// hour: order_count.
    pub hours: &'a MetricTable,
    /// buyer group (new, returning): audience_gmv.
    pub audiences: &'a MetricTable,
}

fn column(t: &MetricTable, metric: &str) -> usize {
    t.metrics
        .iter()
        .position(|m| *m == metric)
        .unwrap_or(usize::MAX)
}

fn at(r: &MetricRow, c: usize) -> f64 {
    r.values.get(c).copied().flatten().unwrap_or(0.0)
}

/// Holds every leaf that moved in the good direction at its expected value, so only the
/// adverse moves are explained: an alert asks why a metric got worse, and gains elsewhere
/// (a restocked product, a region that grew) would otherwise cancel the loss in the total.
pub fn adverse_only(cells: &mut [Cell], higher_is_better: bool) {
    for c in cells {
        let (a, f) = (c.actual.metric(), c.expected.metric());
        if (higher_is_better && a > f) || (!higher_is_better && a < f) {
            c.actual = c.expected;
        }
    }
}

/// Shrinks every leaf's deviation by `z` Poisson standard deviations of its expected count
/// (√max(expected, 1) on the numerator), so leaves that moved no more than noise explain
/// nothing and one real mover is not drowned by many small random ones.
pub fn denoise(cells: &mut [Cell], z: f64) {
    for c in cells {
        let (a, f) = (c.actual.num, c.expected.num);
        let allowance = z * f.abs().max(1.0).sqrt();
        let excess = (a - f).abs() - allowance;
        c.actual.num = if excess > 0.0 {
            f + excess.copysign(a - f)
        } else {
            f
        };
        if c.actual.num == f {
            c.actual.den = c.expected.den.or(c.actual.den);
        }
    }
}

impl Cubes<'_> {
    /// Root causes of a move of `metric` (a catalog id, or `segment_share`/`shop_cvr`) in
    /// the alert's `scope` (`plan:…`, `shop:…`), or nothing when no cube carries the metric.
    pub fn explain(&self, metric: &str, scope: &str) -> Vec<RootCause> {
        let up = vitrine_core::metric::metric(metric)
            .map(|m| m.direction == vitrine_core::metric::Direction::HigherIsBetter)
            .unwrap_or(true);
        let ratio = |t: &MetricTable, num: &str, den: &str, b: Baseline, dims: &[&str]| {
            let (n, d) = (column(t, num), column(t, den));
            let mut c = cells(t, &self.today, b, &|r| (at(r, n), Some(at(r, d))));
            denoise(&mut c, 2.0);
            adverse_only(&mut c, up);
            root_causes(dims, &c, "shop", self.shop)
        };
        let sum = |t: &MetricTable, m: &str, dims: &[&str]| {
            let n = column(t, m);
            let mut c = cells(t, &self.today, Baseline::SameWeekday { weeks: 4 }, &|r| {
                (at(r, n), None)
            });
            adverse_only(&mut c, up);
            root_causes(dims, &c, "shop", self.shop)
        };
        let plan = ["plan", "category"];
        let traffic = ["source", "category"];
        let week = Baseline::RateAtTodaysVolume { days: 7 };
        match metric {
            "ad_ctr" => {
                let causes = ratio(self.plans, "ad_clicks", "ad_impressions", week, &plan);
                let scoped = scope.strip_prefix("plan:").map(str::to_string);
                self.with_creative(causes, scoped, up)
            }
            "cpa" => ratio(
                self.plans,
                "spend",
                "conversions",
                Baseline::RateAtTodaysVolume { days: 14 },
                &plan,
            ),
            "roi" => ratio(self.plans, "pay_gmv", "spend", week, &plan),
            "cvr" | "segment_share" => {
                let n = column(self.orders, "order_count");
                let c = cells(self.orders, &self.today, Baseline::Shortfall, &|r| {
                    (at(r, n), None)
                });
                root_causes(&["region", "device"], &c, "shop", self.shop)
            }
            "complaint_rate" => ratio(
                self.complaints,
                "complaints",
                "order_count",
                Baseline::RateAtTodaysVolume { days: 28 },
                &["product"],
            ),
            "days_of_cover" => ratio(
                self.stock,
                "on_hand",
                "daily_sales",
                Baseline::Drawdown,
                &["product", "category"],
            ),
            "on_time_rate" => ratio(
                self.deliveries,
                "on_time_deliveries",
                "deliveries",
                Baseline::RateAtTodaysVolume { days: 28 },
                &["region", "category"],
            ),
            "gmv" => {
                let causes = sum(self.traffic, "gmv", &traffic);
                self.with_split(causes, (self.audiences, "audience_gmv", "audience"), up)
            }
            "orders" => {
                let causes = sum(self.traffic, "orders", &traffic);
                self.with_split(causes, (self.hours, "order_count", "hour"), up)
            }
            "exposure" => sum(self.traffic, "exposure", &traffic),
            "ctr" => ratio(self.traffic, "clicks", "exposure", week, &traffic),
            "shop_cvr" => ratio(self.traffic, "orders", "clicks", week, &traffic),
            _ => Vec::new(),
        }
    }

    /// The creative inside a plan whose CTR fell (when one creative, not the whole plan,
    /// carries the drop), after the plan: the alert's own plan (`scoped`), else the plan
    /// named first.
    fn with_creative(
        &self,
        mut causes: Vec<RootCause>,
        scoped: Option<String>,
        up: bool,
    ) -> Vec<RootCause> {
        let first_plan = causes
            .first()
            .and_then(|c| c.combination.get("plan"))
            .cloned();
        let Some(plan) = scoped.or(first_plan) else {
            return causes;
        };
        // The plan itself comes first: the alert asks why this plan moved.
        let is_plan =
            |c: &RootCause| c.combination.len() == 1 && c.combination.get("plan") == Some(&plan);
        if let Some(i) = causes.iter().position(is_plan) {
            let own = causes.remove(i);
            causes.insert(0, own);
        }
        let t = self.creatives;
        let (imp, ctr) = (column(t, "creative_impressions"), column(t, "creative_ctr"));
        let rows = MetricTable {
            metrics: t.metrics.clone(),
            dims: t.dims.clone(),
            rows: t
                .rows
                .iter()
                .filter(|r| r.key.first() == Some(&plan) && r.key.len() == 2)
                .map(|r| MetricRow {
                    key: r.key[1..].to_vec(),
                    ..r.clone()
                })
                .collect(),
        };
        let week = Baseline::RateAtTodaysVolume { days: 7 };
        let mut c = cells(&rows, &self.today, week, &|r| {
            (at(r, imp) * at(r, ctr), Some(at(r, imp)))
        });
        denoise(&mut c, 2.0);
        adverse_only(&mut c, up);
        let inner = root_causes(&["creative"], &c, "plan", &plan);
        let nested = inner
            .into_iter()
            .filter(|rc| rc.combination.contains_key("creative"))
            .map(|mut rc| {
                rc.combination.insert("plan".into(), plan.clone());
                rc.dimension = "plan/creative".into();
                rc.value = format!("{plan}/{}", rc.value);
                rc
            });
        let at = usize::from(causes.first().is_some_and(is_plan));
        causes.splice(at..at, nested);
        causes.truncate(5);
        causes
    }

    /// After the traffic cut, the values of one more dimension (`table`'s only one: the
    /// hour, the buyer group) whose `metric` fell short of the same weekday's, when some
    /// values, not the whole day, carry the drop. Hours say when; buyer groups say who: new
    /// buyers point at acquisition (ads, content), returning ones at retention.
    fn with_split(
        &self,
        mut causes: Vec<RootCause>,
        (table, metric, dim): (&MetricTable, &str, &str),
        up: bool,
    ) -> Vec<RootCause> {
        let n = column(table, metric);
        let mut c = cells(
            table,
            &self.today,
            Baseline::SameWeekday { weeks: 4 },
            &|r| (at(r, n), None),
        );
        // Rows without a value of the dimension (other sheets of 交易分析) are no part.
        c.retain(|cell| cell.dims.iter().all(|k| !k.is_empty()));
        adverse_only(&mut c, up);
        causes.extend(
            root_causes(&[dim], &c, "shop", self.shop)
                .into_iter()
                .filter(|rc| rc.combination.contains_key(dim)),
        );
        causes.truncate(5);
        causes
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use vitrine_core::Dim;

    fn row(key: &str, day: &str, num: f64, den: f64) -> MetricRow {
        MetricRow {
            key: vec![key.into()],
            period: Some(day.into()),
            values: vec![Some(num), Some(den)],
            sources: vec![],
        }
    }

    fn table(rows: Vec<MetricRow>) -> MetricTable {
        MetricTable {
            metrics: vec!["ad_clicks", "ad_impressions"],
            dims: vec![Dim::Plan],
            rows,
        }
    }

    fn ratio(r: &MetricRow) -> (f64, Option<f64>) {
        (r.values[0].unwrap_or(0.0), r.values[1])
    }

    #[test]
    fn a_collapsing_plan_is_named_first() {
        let mut rows = Vec::new();
        for d in 14..=21 {
            let day = format!("2026-11-{d:02}");
            let p1_clicks = if d == 21 { 50.0 } else { 400.0 };
            rows.push(row("p1", &day, p1_clicks, 20_000.0));
            rows.push(row("p2", &day, 600.0, 30_000.0));
            rows.push(row("p3", &day, 500.0, 25_000.0));
        }
        let c = cells(
            &table(rows),
            "2026-11-21",
            Baseline::RateAtTodaysVolume { days: 7 },
            &ratio,
        );
        assert_eq!(c.len(), 3);
        let rc = root_causes(&["plan"], &c, "shop", "s1");
        assert_eq!(
            (rc[0].dimension.as_str(), rc[0].value.as_str()),
            ("plan", "p1")
        );
        assert!(rc[0].explanatory_power > 0.9, "{rc:?}");
    }

    /// A plan whose CTR fell because one of its three creatives stopped working: the plan is
    /// named first, then the creative inside it; an order drop in the evening hours adds the
    /// hours after the traffic cut, and a GMV drop carried by new buyers names them.
    #[test]
    fn the_creative_of_a_plan_the_hours_of_orders_and_the_buyers_of_gmv() {
        let empty = |metrics: Vec<&'static str>, dims: Vec<Dim>| MetricTable {
            metrics,
            dims,
            rows: Vec::new(),
        };
        let mut plans = empty(
            vec!["ad_clicks", "ad_impressions"],
            vec![Dim::Plan, Dim::Category],
        );
        let mut creatives = empty(
            vec!["creative_impressions", "creative_ctr"],
            vec![Dim::Plan, Dim::Creative],
        );
        let mut hours = empty(vec!["order_count"], vec![Dim::Hour]);
        let mut audiences = empty(vec!["audience_gmv"], vec![Dim::Audience]);
        let keyed = |key: &[&str], day: &str, values: Vec<f64>| MetricRow {
            key: key.iter().map(|k| k.to_string()).collect(),
            period: Some(day.into()),
            values: values.into_iter().map(Some).collect(),
            sources: vec![],
        };
        for d in 1..=29 {
            let day = format!("2026-11-{d:02}");
            let today = d == 29;
            // p1's creative c2 drops from 2 % to 0.2 % CTR today; c1 and c3 hold.
            let c2 = if today { 0.002 } else { 0.02 };
            for (c, ctr) in [("c1", 0.02), ("c2", c2), ("c3", 0.021)] {
                creatives
                    .rows
                    .push(keyed(&["p1", c], &day, vec![10_000.0, ctr]));
            }
            let p1 = 10_000.0 * (0.02 + c2 + 0.021);
            plans
                .rows
                .push(keyed(&["p1", "beauty"], &day, vec![p1, 30_000.0]));
            plans
                .rows
                .push(keyed(&["p2", "beauty"], &day, vec![600.0, 30_000.0]));
            for h in 0..24 {
                let evening = (19..=22).contains(&h);
                let n = if today && evening { 10.0 } else { 40.0 };
                hours.rows.push(keyed(&[&h.to_string()], &day, vec![n]));
            }
            // New buyers' GMV falls by two thirds today; returning buyers' holds. Rows of
            // other sheets come back with no group and no value.
            let new = if today { 2_000.0 } else { 6_000.0 };
            audiences.rows.push(keyed(&["新客"], &day, vec![new]));
            audiences.rows.push(keyed(&["复购"], &day, vec![4_000.0]));
            audiences.rows.push(MetricRow {
                values: vec![None],
                ..keyed(&[""], &day, vec![])
            });
        }
        let none = empty(vec![], vec![]);
        let cubes = Cubes {
            shop: "s1",
            today: "2026-11-29".into(),
            plans: &plans,
            orders: &none,
            complaints: &none,
            stock: &none,
            deliveries: &none,
            traffic: &none,
            creatives: &creatives,
            hours: &hours,
            audiences: &audiences,
        };
        let rc = cubes.explain("ad_ctr", "shop:s1");
        assert_eq!(
            (rc[0].dimension.as_str(), rc[0].value.as_str()),
            ("plan", "p1"),
            "{rc:?}"
        );
        assert_eq!(
            (rc[1].dimension.as_str(), rc[1].value.as_str()),
            ("plan/creative", "p1/c2"),
            "{rc:?}"
        );
        let rc = cubes.explain("orders", "shop:s1");
        let named: Vec<&str> = rc
            .iter()
            .filter(|c| c.dimension == "hour")
            .map(|c| c.value.as_str())
            .collect();
        assert!(
            !named.is_empty() && named.iter().all(|h| ["19", "20", "21", "22"].contains(h)),
            "{rc:?}"
        );
        let rc = cubes.explain("gmv", "shop:s1");
        let groups: Vec<&str> = rc
            .iter()
            .filter(|c| c.dimension == "audience")
            .map(|c| c.value.as_str())
            .collect();
        assert_eq!(groups, ["新客"], "{rc:?}");
    }

    #[test]
    fn a_move_spread_evenly_names_the_whole_scope() {
        let mut rows = Vec::new();
        for d in 14..=21 {
            let day = format!("2026-11-{d:02}");
            let f = if d == 21 { 0.5 } else { 1.0 };
            for p in ["p1", "p2", "p3", "p4"] {
                rows.push(row(p, &day, 400.0 * f, 20_000.0));
            }
        }
        let c = cells(
            &table(rows),
            "2026-11-21",
            Baseline::RateAtTodaysVolume { days: 7 },
            &ratio,
        );
        let rc = root_causes(&["plan"], &c, "shop", "s1");
        assert_eq!(
            (rc[0].dimension.as_str(), rc[0].value.as_str()),
            ("shop", "s1")
        );
    }

    fn rows_again() -> Vec<MetricRow> {
        vec![
            row("a", "2026-11-20", 300.0, 20.0),
            row("a", "2026-11-21", 16.0, 20.0),
        ]
    }

    #[test]
    fn a_restock_elsewhere_does_not_hide_a_stock_out() {
        // Days of cover = on hand / daily sales. Product a falls from 15 to 0.8 days while b
        // is restocked from 10 to 40 days: the total rises, yet a is the cause of the alert.
        let rows = vec![
            row("a", "2026-11-20", 300.0, 20.0),
            row("a", "2026-11-21", 16.0, 20.0),
            row("b", "2026-11-20", 100.0, 10.0),
            row("b", "2026-11-21", 400.0, 10.0),
            row("c", "2026-11-20", 140.0, 10.0),
            row("c", "2026-11-21", 130.0, 10.0),
        ];
        let mut c = cells(
            &table(rows),
            "2026-11-21",
            Baseline::DaysAgo { days: 1 },
            &ratio,
        );
        let drawn = cells(
            &table(rows_again()),
            "2026-11-21",
            Baseline::Drawdown,
            &ratio,
        );
        assert_eq!(
            drawn[0].expected.num, 280.0,
            "300 on hand less a day of 20 sold"
        );
        let rc = root_causes(&["product"], &c, "shop", "s1");
        assert_ne!(
            rc.first().map(|r| r.value.as_str()),
            Some("a"),
            "without clipping: {rc:?}"
        );
        adverse_only(&mut c, true);
        let rc = root_causes(&["product"], &c, "shop", "s1");
        assert_eq!(rc[0].value, "a", "{rc:?}");
    }

    #[test]
    fn shortfall_names_the_segment_that_lost_share() {
        // 广东 usually takes 40 % of orders; today 10 % while the total is unchanged.
        let mut rows = Vec::new();
        for d in 1..=21 {
            let day = format!("2026-11-{d:02}");
            let gd = if d == 21 { 10.0 } else { 40.0 };
            for (k, v) in [
                ("广东", gd),
                ("浙江", 30.0 + (40.0 - gd) / 2.0),
                ("其他", 30.0 + (40.0 - gd) / 2.0),
            ] {
                rows.push(MetricRow {
                    key: vec![k.into()],
                    period: Some(day.clone()),
                    values: vec![Some(v), None],
                    sources: vec![],
                });
            }
        }
        let c = cells(&table(rows), "2026-11-21", Baseline::Shortfall, &|r| {
            (r.values[0].unwrap_or(0.0), None)
        });
        let rc = root_causes(&["region"], &c, "shop", "s1");
        assert_eq!(rc[0].value, "广东", "{rc:?}");
        assert!((rc[0].explanatory_power - 1.0).abs() < 1e-9);
    }

    #[test]
    fn noise_in_many_leaves_does_not_drown_one_real_mover() {
        // 40 products expect 0.2 complaints each and 30 of them get one (noise); product x
        // expects 0.2 and gets 8. Without denoising x explains under 2/3 of the rise.
        let mut c: Vec<Cell> = (0..40)
            .map(|i| Cell {
                dims: vec![format!("p{i}")],
                actual: Value {
                    num: if i < 30 { 1.0 } else { 0.0 },
                    den: Some(40.0),
                },
                expected: Value {
                    num: 0.2,
                    den: Some(40.0),
                },
            })
            .collect();
        c.push(Cell {
            dims: vec!["x".into()],
            actual: Value {
                num: 8.0,
                den: Some(40.0),
            },
            expected: Value {
                num: 0.2,
                den: Some(40.0),
            },
        });
        let raw = root_causes(&["product"], &c, "shop", "s1");
        assert_ne!(raw.first().map(|r| r.value.as_str()), Some("x"), "{raw:?}");
        denoise(&mut c, 2.0);
        let rc = root_causes(&["product"], &c, "shop", "s1");
        assert_eq!(rc[0].value, "x", "{rc:?}");
    }

    #[test]
    fn same_weekday_baseline_ignores_other_weekdays() {
        let mut rows = Vec::new();
        // 2026-11-21 is a Saturday; Saturdays are double, other days are noise.
        for d in 1..=21 {
            let day = format!("2026-11-{d:02}");
            let sat = d % 7 == 0;
            rows.push(MetricRow {
                key: vec!["广东".into()],
                period: Some(day),
                values: vec![Some(if sat { 200.0 } else { 100.0 }), None],
                sources: vec![],
            });
        }
        let c = cells(
            &table(rows),
            "2026-11-21",
            Baseline::SameWeekday { weeks: 4 },
            &|r| (r.values[0].unwrap_or(0.0), None),
        );
        assert_eq!(c[0].expected.num, 200.0);
    }
}
