//! The review built from hand-made answers, where the right result is known.

use chrono::{Datelike, NaiveDate};
use vitrine_core::config::Config;
use vitrine_core::query::MetricRow;
use vitrine_core::{Lang, MetricTable};

use super::{days, Inputs, ReviewRequest};
use crate::targets::TargetTree;

/// Answers with no rows, in the shape of each question.
fn empty(req: &ReviewRequest) -> Inputs<MetricTable> {
    let tables = req
        .queries()
        .into_vec()
        .into_iter()
        .map(|q| MetricTable {
            metrics: q.metrics,
            dims: q.dims,
            rows: Vec::new(),
        })
        .collect();
    Inputs::from_vec(tables).unwrap()
}

/// A per-day row of `t` with `values` for the named metrics, `None` for the others.
fn day_row(t: &MetricTable, d: NaiveDate, values: &[(&str, f64)]) -> MetricRow {
    MetricRow {
        key: Vec::new(),
        period: Some(d.to_string()),
        values: t
            .metrics
            .iter()
            .map(|m| values.iter().find(|v| v.0 == *m).map(|v| v.1))
            .collect(),
        sources: vec![Vec::new(); t.metrics.len()],
    }
}

/// A shop that makes exactly its annual GMV target, spread over the year as its plan
/// spreads it, raises no target alert on any day and level.
#[test]
fn a_shop_on_its_plan_raises_no_target_alert() {
    let cfg = Config::default();
    for date in [
        "2026-02-10",
        "2026-06-18",
        "2026-11-11",
        "2026-11-21",
        "2026-12-31",
    ] {
        let date: NaiveDate = date.parse().unwrap();
        let req = ReviewRequest {
            shop: "s1".into(),
            date,
            lang: Lang::En,
        };
        let annual = 36_500_000.0;
        let tree = TargetTree::new(
            date.year(),
            annual,
            cfg.target("quarter_share", None),
            cfg.target("quarter_elasticity", None),
        );
        // The plan's days add up to the plan's quarters; a shop that makes the annual target
        // makes annual / Σ quarters of each day's plan.
        let planned: f64 = (0..4).map(|q| tree.quarter(q)).sum();
        let actual = |d: NaiveDate| tree.day(d) * annual / planned;
        let mut inputs = empty(&req);
        let jan1 = NaiveDate::from_ymd_opt(date.year(), 1, 1).unwrap();
        for i in (0..=59).rev() {
            let d = days(date, i);
            let row = day_row(&inputs.daily, d, &[("gmv", actual(d)), ("exposure", 1e6)]);
            inputs.daily.rows.push(row);
        }
        let mut d = jan1;
        while d <= date {
            let row = day_row(&inputs.year, d, &[("gmv", actual(d))]);
            inputs.year.rows.push(row);
            d = d.succ_opt().unwrap();
        }
        let stored = [("gmv".to_string(), format!("year:{}", date.year()), annual)];
        let rv = req.build(&cfg, &inputs, &stored).unwrap();
        let sum: f64 = rv.targets.quarters.iter().sum();
        assert!(
            (sum / annual - 1.0).abs() < 1e-9,
            "{date}: quarters sum to {sum}"
        );
        let target_alerts: Vec<_> = rv
            .alerts
            .iter()
            .chain(&rv.standing)
            .filter(|a| a.rule == "target_deviation" || a.rule == "execution_deviation")
            .map(|a| (&a.rule, &a.metric, &a.message))
            .collect();
        assert!(target_alerts.is_empty(), "{date}: {target_alerts:?}");
        for p in &rv.pacing {
            assert!(p.on_track, "{date}: {p:?}");
        }
    }
}

/// A plan whose CTR collapses and stays collapsed is a new alert on its first day and a
/// standing one on the days after (not "new" every day).
#[test]
fn a_lasting_plan_ctr_collapse_is_new_once_then_standing() {
    let cfg = Config::default();
    let end: NaiveDate = "2026-11-21".parse().unwrap();
    let onset = days(end, 2);
    let plan_rows = |t: &MetricTable| -> Vec<MetricRow> {
        (0..=14)
            .rev()
            .map(|i| {
                let d = days(end, i);
                // beauty's ad CTR baseline is a few percent; after the onset it is 0.2 %.
                let ctr = if d >= onset { 0.002 } else { 0.03 };
                let values: Vec<Option<f64>> = t
                    .metrics
                    .iter()
                    .map(|m| match *m {
                        "ad_impressions" => Some(200_000.0),
                        "ad_ctr" => Some(ctr),
                        "spend" => Some(5_000.0),
                        "conversions" => Some(100.0),
                        "pay_gmv" => Some(15_000.0),
                        "ad_clicks" => Some(200_000.0 * ctr),
                        _ => None,
                    })
                    .collect();
                MetricRow {
                    key: vec!["p1".into(), "beauty".into()],
                    period: Some(d.to_string()),
                    sources: vec![Vec::new(); values.len()],
                    values,
                }
            })
            .collect()
    };
    let mut seen = Vec::new();
    for date in [onset, days(end, 1), end] {
        let req = ReviewRequest {
            shop: "s1".into(),
            date,
            lang: Lang::En,
        };
        let mut inputs = empty(&req);
        inputs.plans.rows = plan_rows(&inputs.plans)
            .into_iter()
            .filter(|r| r.period.as_deref() <= Some(date.to_string().as_str()))
            .collect();
        for i in (0..=59).rev() {
            let d = days(date, i);
            let row = day_row(&inputs.daily, d, &[("gmv", 1e5), ("exposure", 1e6)]);
            inputs.daily.rows.push(row);
        }
        let rv = req.build(&cfg, &inputs, &[]).unwrap();
        let is = |list: &[super::Alert]| list.iter().any(|a| a.rule == "plan_ctr_floor");
        seen.push((is(&rv.alerts), is(&rv.standing)));
    }
    assert_eq!(
        seen,
        vec![(true, false), (false, true), (false, true)],
        "(new, standing) on the onset day and the two days after"
    );
}
