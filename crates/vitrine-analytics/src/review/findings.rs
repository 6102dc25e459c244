//! The monitors run over the review's inputs: shop levels and baselines, trends and 72-hour
//! forecasts, plans, segments, stock, complaints and categories.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use vitrine_core::metric::{self, Direction};
use vitrine_core::MetricTable;

use super::context::{col, val, Ctx};
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
        out.extend(plan_findings(rules, &i.plans, d));
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
        out.extend(if today {
            complaint_findings(rules, &i.complaints, None, base_rate, &categories)
        } else {
            complaint_findings(rules, &i.complaint_cube, Some(d), base_rate, &categories)
        });
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
            ));
        }
        if let (Some(c), Some(o)) = (v("complaints"), v("order_count")) {
            out.extend(rules.complaint_rise(
                scope,
                None,
                c,
                o,
                self.baseline_sum_ratio("complaints", "order_count", d, 28),
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
fn plan_findings(rules: &Rules<'_>, plans: &MetricTable, date: NaiveDate) -> Vec<Finding> {
    let today = date.to_string();
    let (spend, imp, ctr, conv) = (
        col(plans, "spend"),
        col(plans, "ad_impressions"),
        col(plans, "ad_ctr"),
        col(plans, "conversions"),
    );
    let mut base: BTreeMap<&str, (f64, f64)> = BTreeMap::new();
    for r in plans
        .rows
        .iter()
        .filter(|r| r.period.as_deref().is_some_and(|p| p < today.as_str()))
    {
        let e = base.entry(r.key[0].as_str()).or_default();
        e.0 += val(r, spend);
        e.1 += val(r, conv);
    }
    let mut out = Vec::new();
    for r in plans
        .rows
        .iter()
        .filter(|r| r.period.as_deref() == Some(today.as_str()))
    {
        let (plan, category) = (r.key[0].as_str(), r.key[1].as_str());
        let impressions = val(r, imp);
        out.extend(rules.plan_ctr_floor(
            plan,
            category,
            impressions,
            (val(r, ctr) * impressions).round(),
        ));
        if let Some((s, c)) = base.get(plan).filter(|(_, c)| *c >= 20.0) {
            out.extend(rules.cpa_rise(
                format!("plan:{plan}"),
                Some(category),
                val(r, spend),
                val(r, conv),
                s / c,
            ));
        }
    }
    out
}

/// Segments (regions, devices) whose share of the orders on `date` fell below their share
/// over the days before it.
fn segment_findings(
    rules: &Rules<'_>,
    t: &MetricTable,
    dim: &str,
    date: NaiveDate,
) -> Vec<Finding> {
    let today = date.to_string();
    let c = col(t, "order_count");
    let mut base: BTreeMap<&str, f64> = BTreeMap::new();
    let mut now: BTreeMap<&str, f64> = BTreeMap::new();
    for r in &t.rows {
        let Some(p) = r.period.as_deref() else {
            continue;
        };
        let target = match p.cmp(today.as_str()) {
            std::cmp::Ordering::Equal => &mut now,
            std::cmp::Ordering::Less => &mut base,
            std::cmp::Ordering::Greater => continue,
        };
        *target.entry(r.key[0].as_str()).or_default() += val(r, c);
    }
    let (base_total, now_total): (f64, f64) = (base.values().sum(), now.values().sum());
    base.iter()
        .filter_map(|(k, b)| {
            rules.segment_share_drop(
                dim,
                k,
                now.get(k).copied().unwrap_or(0.0),
                now_total,
                b / base_total,
            )
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

/// Products whose complaint rate rose against the shop's baseline rate: the rows of a
/// table without periods, or those of `date` in a per-day cube.
fn complaint_findings(
    rules: &Rules<'_>,
    t: &MetricTable,
    date: Option<NaiveDate>,
    base_rate: f64,
    categories: &BTreeMap<&str, &str>,
) -> Vec<Finding> {
    let (c, o) = (col(t, "complaints"), col(t, "order_count"));
    let day = date.map(|d| d.to_string());
    t.rows
        .iter()
        .filter(|r| day.is_none() || r.period == day)
        .filter_map(|r| {
            rules.complaint_rise(
                format!("product:{}", r.key[0]),
                categories.get(r.key[0].as_str()).copied(),
                val(r, c),
                val(r, o),
                base_rate,
            )
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
