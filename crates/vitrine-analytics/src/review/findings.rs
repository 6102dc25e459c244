//! The monitors run over the review's inputs: shop levels and baselines, trends and 72-hour
//! forecasts, plans, segments, stock, complaints and categories.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use vitrine_core::metric::{self, Direction};
use vitrine_core::MetricTable;

use super::context::{col, val, Ctx};
use super::items::{Daily, PlanSeries};
use super::{days, Kpi, KpiStatus};
use crate::monitor::{Finding, Rules};

impl Ctx<'_> {
    /// Every finding of day `d` that can be judged on any day of the inputs (everything but
    /// the category rule, whose table holds the review day only); the review day's, or an
    /// earlier day's to tell standing alerts from new ones.
    pub fn day_findings(&self, rules: &Rules<'_>, d: NaiveDate, kpis: &[Kpi]) -> Vec<Finding> {
        let i = self.inputs;
        let today = d == self.req.date;
        let mut out = super::kpis::kpi_findings(rules, kpis);
        out.extend(self.shop_findings(rules, d));
        out.extend(plan_findings(rules, &i.plans, &self.items.plans, d));
        out.extend(segment_findings(rules, &i.regions, "region", d));
        out.extend(segment_findings(rules, &i.devices, "device", d));
        out.extend(if today {
            stock_findings_on(rules, &i.stock, None)
        } else {
            stock_findings_on(rules, &i.stock_cube, Some(d))
        });
        let base_rate = self.baseline_sum_ratio("complaints", "order_count", d, 28);
        // Complaints and orders come from two tables, so their query is by product only;
        // the inventory rows say each product's category.
        let categories: BTreeMap<&str, &str> = i
            .stock
            .rows
            .iter()
            .filter_map(|r| Some((r.key.first()?.as_str(), r.key.get(1)?.as_str())))
            .collect();
        out.extend(complaint_findings(
            rules,
            &self.items.complaints,
            d,
            base_rate,
            &categories,
        ));
        out.extend(self.trend_findings(rules, d, kpis));
        out
    }

    /// Shop-level rules on day `d`: CPA and complaint rises, level limits, traffic quality.
    fn shop_findings(&self, rules: &Rules<'_>, d: NaiveDate) -> Vec<Finding> {
        let scope = format!("shop:{}", self.req.shop);
        let mut out = Vec::new();
        let v = |m: &str| self.day_value(m, d);
        if let (Some(spend), Some(cpa_base)) = (
            v("spend"),
            self.baseline_sum_ratio_opt("spend", "conversions", d, 14),
        ) {
            out.extend(rules.cpa_rise(
                scope.clone(),
                None,
                spend,
                v("conversions").unwrap_or(0.0),
                cpa_base,
                rules.significance(),
                1.0,
            ));
        }
        if let (Some(c), Some(o)) = (v("complaints"), v("order_count")) {
            out.extend(rules.complaint_rise(
                scope,
                None,
                c,
                o,
                self.baseline_sum_ratio("complaints", "order_count", d, 28),
                rules.significance(),
            ));
        }
        for (key, id, below) in LEVELS {
            if let Some(x) = v(id) {
                out.extend(rules.level(key, id, x, below));
            }
        }
        let parts: Vec<f64> = ["cvr", "avg_dwell", "interaction_rate"]
            .iter()
            .filter_map(|m| Some(v(m)? / self.weekday_baseline(m, d).filter(|b| *b > 0.0)?))
            .collect();
        if parts.len() == 3 {
            out.extend(rules.traffic_quality(100.0 * parts.iter().sum::<f64>() / 3.0));
        }
        out
    }

    /// Relative-change rules on the headline KPIs and 72-hour forecasts on the level limits,
    /// on day `d` (whose KPI cards are `kpis`).
    fn trend_findings(&self, rules: &Rules<'_>, d: NaiveDate, kpis: &[Kpi]) -> Vec<Finding> {
        let mut out = Vec::new();
        for id in ["gmv", "orders", "ctr", "cvr", "roi"] {
            // A KPI already off target has its alert; a relative drop adds nothing.
            if kpis
                .iter()
                .any(|k| k.metric == id && k.status == KpiStatus::Alert)
            {
                continue;
            }
            let (Some(m), Some(v)) = (metric::metric(id), self.day_value(id, d)) else {
                continue;
            };
            out.extend(rules.relative_change(
                m.id,
                (m.name_zh, m.name_en),
                v,
                &self.same_weekday(id, d),
                m.direction == Direction::HigherIsBetter,
            ));
        }
        for (key, id, below) in LEVELS {
            let recent: Vec<f64> = (0..14)
                .rev()
                .filter_map(|i| self.day_value(id, days(d, i)))
                .collect();
            let Some(m) = metric::metric(id) else {
                continue;
            };
            if recent.len() == 14 {
                out.extend(rules.forecast(
                    m.id,
                    (m.name_zh, m.name_en),
                    &recent,
                    self.cfg.threshold(key, self.shop()),
                    below,
                ));
            }
        }
        out
    }
}

/// Level limits: (threshold key, metric, whether the alarm is below the limit).
const LEVELS: [(&str, &str, bool); 3] = [
    ("on_time_min", "on_time_rate", true),
    ("penalty_risk_max", "penalty_risk", false),
    ("cost_per_exposure_max", "cost_per_exposure", false),
];

/// CTR floors and CPA rises of the paid plans on `date`, against the days before it.
fn plan_findings(
    rules: &Rules<'_>,
    plans: &MetricTable,
    series: &BTreeMap<&str, PlanSeries>,
    date: NaiveDate,
) -> Vec<Finding> {
    let today = date.to_string();
    let (imp, ctr) = (col(plans, "ad_impressions"), col(plans, "ad_ctr"));
    let mut out = Vec::new();
    let rows: Vec<_> = plans
        .rows
        .iter()
        .filter(|r| r.period.as_deref() == Some(today.as_str()))
        .collect();
    let rows_len = rows.len();
    // The rule's false-alarm budget is split by money at stake: each plan's windows get its
    // share of the table's spend (a plan spending half the budget gets half the budget).
    let spend = col(plans, "spend");
    let total: f64 = plans.rows.iter().map(|r| val(r, spend)).sum();
    let none = PlanSeries::default();
    for r in rows {
        let (plan, category) = (r.key[0].as_str(), r.key[1].as_str());
        let mine = series.get(plan).unwrap_or(&none);
        let alpha = rules.alpha(stake(mine.spend, total, rows_len) / WINDOWS as f64);
        let impressions = val(r, imp);
        out.extend(rules.plan_ctr_floor(
            plan,
            category,
            impressions,
            (val(r, ctr) * impressions).round(),
        ));
        out.extend(plan_ctr_drop(
            rules,
            &mine.ctr,
            (plan, category),
            date,
            alpha,
        ));
        out.extend(plan_cpa_rise(
            rules,
            &mine.cpa,
            (plan, category),
            date,
            alpha,
        ));
    }
    out
}

/// Windows of the last 1, 2 and 3 days tried by the plan and segment rules.
const WINDOWS: usize = 3;

/// An item's share of a rule's false-alarm budget: its share of the volume at stake (spend,
/// orders), or an equal share of `n` items when there is no volume. Shares sum to 1, so the
/// rule's daily false-alarm rate stays within its budget (weighted Bonferroni), and the
/// items where most money moves are judged with the most power.
fn stake(own: f64, total: f64, n: usize) -> f64 {
    if total > 0.0 {
        own.max(0.0) / total
    } else {
        1.0 / n.max(1) as f64
    }
}

/// How much more an item's daily (exposure, count) pairs over `[from, to]` scatter than
/// counting noise allows: Pearson χ² over k − 1 days against the pooled rate, at least 1
/// (binomial when `binomial`, else Poisson with exposure). Ad counts vary from day to day with
/// auctions and creative rotation; the tests divide their counts by it (quasi-likelihood).
fn dispersion(by_day: &Daily, from: NaiveDate, to: NaiveDate, binomial: bool) -> f64 {
    let pairs: Vec<(f64, f64)> = by_day
        .within(from, to)
        .iter()
        .copied()
        .filter(|x| x.0 > 0.0)
        .collect();
    let (n, c) = pairs.iter().fold((0.0, 0.0), |a, x| (a.0 + x.0, a.1 + x.1));
    if pairs.len() < 3 || n <= 0.0 || c <= 0.0 {
        return 1.0;
    }
    let rate = c / n;
    let chi: f64 = pairs
        .iter()
        .map(|(ni, ci)| {
            let e = ni * rate;
            let v = if binomial { e * (1.0 - rate) } else { e };
            if v > 0.0 {
                (ci - e).powi(2) / v
            } else {
                0.0
            }
        })
        .sum();
    (chi / (pairs.len() - 1) as f64).max(1.0)
}

/// The most significant finding of the windows ending on `date` (the last 1, 2 and 3 days);
/// `judge` gets each window's first day.
fn over_windows(
    date: NaiveDate,
    judge: impl FnMut(NaiveDate) -> Option<Finding>,
) -> Option<Finding> {
    (0..WINDOWS as i64)
        .map(|back| days(date, back))
        .filter_map(judge)
        .min_by(|a, b| {
            a.p_value
                .unwrap_or(1.0)
                .total_cmp(&b.p_value.unwrap_or(1.0))
        })
}

/// The plan's cost per conversion over its last 1, 2 or 3 days against its 14 days before
/// that window (at least 20 conversions of baseline).
fn plan_cpa_rise(
    rules: &Rules<'_>,
    by_day: &Daily,
    (plan, category): (&str, &str),
    date: NaiveDate,
    alpha: f64,
) -> Option<Finding> {
    over_windows(date, |start| {
        let (bs, bc) = by_day.span(days(start, 14), days(start, 1));
        (bc >= 20.0).then_some(())?;
        let (s, c) = by_day.span(start, date);
        let spread = dispersion(by_day, days(start, 14), days(start, 1), false);
        rules.cpa_rise(
            format!("plan:{plan}"),
            Some(category),
            s,
            c,
            bs / bc,
            alpha,
            spread,
        )
    })
}

/// The plan's CTR over its last 1, 2 or 3 days against its own 7 days before that window:
/// the most significant drop, if any window shows one.
fn plan_ctr_drop(
    rules: &Rules<'_>,
    by_day: &Daily,
    (plan, category): (&str, &str),
    date: NaiveDate,
    alpha: f64,
) -> Option<Finding> {
    const BASELINE_DAYS: i64 = 7;
    over_windows(date, |start| {
        let (bi, bc) = by_day.span(days(start, BASELINE_DAYS), days(start, 1));
        (bi > 0.0).then_some(())?;
        let spread = dispersion(by_day, days(start, BASELINE_DAYS), days(start, 1), true);
        rules.plan_ctr_drop(
            plan,
            category,
            ((date - start).num_days() + 1) as usize,
            alpha,
            by_day.span(start, date),
            bc / bi,
            spread,
        )
    })
}

/// Segments (regions, devices) whose share of the orders on `date` fell below their share
/// over the days before it.
fn segment_findings(
    rules: &Rules<'_>,
    t: &MetricTable,
    dim: &str,
    date: NaiveDate,
) -> Vec<Finding> {
    let c = col(t, "order_count");
    // Orders per segment and day, up to the day judged.
    let mut cells: BTreeMap<(&str, &str), f64> = BTreeMap::new();
    let mut segments: Vec<&str> = Vec::new();
    for r in &t.rows {
        let Some(p) = r.period.as_deref() else {
            continue;
        };
        *cells.entry((r.key[0].as_str(), p)).or_default() += val(r, c);
        segments.push(r.key[0].as_str());
    }
    segments.sort_unstable();
    segments.dedup();
    let orders = |seg: Option<&str>, from: NaiveDate, to: NaiveDate| -> f64 {
        let (from, to) = (from.to_string(), to.to_string());
        cells
            .iter()
            .filter(|((s, p), _)| {
                seg.is_none_or(|x| x == *s) && *p >= from.as_str() && *p <= to.as_str()
            })
            .map(|(_, n)| n)
            .sum()
    };
    let first = NaiveDate::MIN;
    let total = orders(None, first, date);
    segments
        .iter()
        .filter_map(|seg| {
            // Each segment's windows get its share of the orders of the rule's budget.
            let own = orders(Some(seg), first, date);
            let alpha = rules.alpha(stake(own, total, segments.len()) / WINDOWS as f64);
            over_windows(date, |start| {
                let (base, base_total) = (
                    orders(Some(seg), first, days(start, 1)),
                    orders(None, first, days(start, 1)),
                );
                (base > 0.0 && base_total > 0.0).then_some(())?;
                rules.segment_share_drop(
                    dim,
                    seg,
                    orders(Some(seg), start, date),
                    orders(None, start, date),
                    base / base_total,
                    alpha,
                )
            })
        })
        .collect()
}

/// Stock findings of the review day (a table without periods) or of an earlier `date`
/// (the per-day inventory cube).
pub(super) fn stock_findings_on(
    rules: &Rules<'_>,
    t: &MetricTable,
    date: Option<NaiveDate>,
) -> Vec<Finding> {
    let day = date.map(|d| d.to_string());
    let (oh, ds, it) = (
        col(t, "on_hand"),
        col(t, "daily_sales"),
        col(t, "in_transit"),
    );
    t.rows
        .iter()
        .filter(|r| day.is_none() || r.period == day)
        .filter_map(|r| {
            let category = r.key.get(1).map(String::as_str);
            rules.days_of_cover(&r.key[0], category, val(r, oh), val(r, it), val(r, ds))
        })
        .collect()
}

/// Orders of on-target baseline a product's own complaint rate is shrunk with toward the
/// shop's (a product with few orders reads as the shop).
const COMPLAINT_PRIOR_ORDERS: f64 = 200.0;

/// Products whose complaint rate over their last 1, 2 or 3 days rose against their own
/// 28-day rate (shrunk toward the shop's `shop_rate`), from the per-day product cube. Each
/// product's windows get its share of the orders of the rule's false-alarm budget, so a
/// best-seller is watched closely and the long tail cannot page anyone by chance.
pub(super) fn complaint_findings(
    rules: &Rules<'_>,
    series: &[(&str, Daily)],
    date: NaiveDate,
    shop_rate: f64,
    categories: &BTreeMap<&str, &str>,
) -> Vec<Finding> {
    let total: f64 = series.iter().map(|(_, s)| s.first_total()).sum();
    series
        .iter()
        .filter_map(|(product, by_day)| {
            let share = stake(by_day.first_total(), total, series.len());
            let alpha = rules.alpha(share / WINDOWS as f64);
            over_windows(date, |start| {
                let (bo, bc) = by_day.span(days(start, 28), days(start, 1));
                let base =
                    (bc + COMPLAINT_PRIOR_ORDERS * shop_rate) / (bo + COMPLAINT_PRIOR_ORDERS);
                let (o, c) = by_day.span(start, date);
                rules.complaint_rise(
                    format!("product:{product}"),
                    categories.get(product).copied(),
                    c,
                    o,
                    base,
                    alpha,
                )
            })
        })
        .collect()
}

/// Categories converting below their industry baseline.
pub(super) fn category_findings(rules: &Rules<'_>, t: &MetricTable) -> Vec<Finding> {
    let (cvr, clicks) = (col(t, "cvr"), col(t, "clicks"));
    t.rows
        .iter()
        .filter_map(|r| rules.category_cvr(&r.key[0], val(r, cvr), val(r, clicks)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn series(pairs: &[(f64, f64)]) -> Daily {
        let first: NaiveDate = "2026-11-01".parse().unwrap();
        let days: Vec<_> = pairs
            .iter()
            .enumerate()
            .map(|(i, p)| (first + chrono::Duration::days(i as i64), *p))
            .collect();
        Daily::of(&days)
    }

    /// Pearson χ² / (k − 1) by hand: 1,000 impressions a day with 10, 30 and 20 clicks (pooled
    /// CTR 2 %, binomial variance 19.6): (100 + 100 + 0) / 19.6 / 2 = 5.102; as Poisson counts
    /// on an exposure of 10 (rate 2, variance 20): 200 / 20 / 2 = 5.
    #[test]
    fn dispersion_is_pearson_chi_square_per_degree_of_freedom() {
        let d = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
        let (from, to) = (d("2026-11-01"), d("2026-11-03"));
        let ctr = series(&[(1000.0, 10.0), (1000.0, 30.0), (1000.0, 20.0)]);
        assert!((dispersion(&ctr, from, to, true) - 200.0 / 19.6 / 2.0).abs() < 1e-9);
        let cpa = series(&[(10.0, 10.0), (10.0, 30.0), (10.0, 20.0)]);
        assert!((dispersion(&cpa, from, to, false) - 5.0).abs() < 1e-9);
        // Counting noise alone (or less) reads as 1.
        let even = series(&[(1000.0, 20.0), (1000.0, 21.0), (1000.0, 19.0)]);
        assert_eq!(dispersion(&even, from, to, true), 1.0);
        // Too few days to tell.
        assert_eq!(dispersion(&ctr, from, d("2026-11-02"), true), 1.0);
    }
}
