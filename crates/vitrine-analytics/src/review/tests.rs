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

/// A row of `t` keyed by `key` (no period) with `values` for the named metrics.
fn keyed_row(t: &MetricTable, key: &[&str], values: &[(&str, f64)]) -> MetricRow {
    MetricRow {
        key: key.iter().map(|k| k.to_string()).collect(),
        period: None,
        ..day_row(t, NaiveDate::MIN, values)
    }
}

/// A plan whose CTR collapsed and a product about to run out: each action says what exactly
/// to do (the creative to replace, the units to reorder), what is at stake and on what
/// assumption, who and by when; the larger stake comes first.
#[test]
fn actions_say_how_much_of_what_and_are_ranked_by_money() {
    use vitrine_core::calendar::Calendar;
    let cfg = Config::default();
    let date: NaiveDate = "2026-11-21".parse().unwrap();
    let req = ReviewRequest {
        shop: "s1".into(),
        date,
        lang: Lang::En,
    };
    let mut inputs = empty(&req);
    for i in (0..=14).rev() {
        let d = days(date, i);
        let ctr = if i == 0 { 0.002 } else { 0.03 };
        let mut row = day_row(
            &inputs.plans,
            d,
            &[
                ("ad_impressions", 200_000.0),
                ("ad_ctr", ctr),
                ("spend", 5_000.0),
                ("conversions", 100.0),
                ("pay_gmv", 15_000.0),
                ("ad_clicks", 200_000.0 * ctr),
            ],
        );
        row.key = vec!["p1".into(), "beauty".into()];
        inputs.plans.rows.push(row);
    }
    for i in (0..=59).rev() {
        let row = day_row(&inputs.daily, days(date, i), &[("gmv", 1e5)]);
        inputs.daily.rows.push(row);
    }
    let creatives = &inputs.creatives;
    inputs.creatives.rows = vec![
        keyed_row(
            creatives,
            &["p1", "c1"],
            &[("creative_impressions", 1e5), ("creative_ctr", 0.001)],
        ),
        keyed_row(
            creatives,
            &["p1", "c2"],
            &[("creative_impressions", 1e5), ("creative_ctr", 0.003)],
        ),
        // Too few impressions to judge.
        keyed_row(
            creatives,
            &["p1", "c3"],
            &[("creative_impressions", 100.0), ("creative_ctr", 0.0)],
        ),
    ];
    // A per-day cube: yesterday's rows.
    for r in &mut inputs.creatives.rows {
        r.period = Some(days(date, 1).to_string());
    }
    let stock = &inputs.stock;
    inputs.stock.rows = vec![keyed_row(
        stock,
        &["x", "beauty"],
        &[
            ("on_hand", 10.0),
            ("daily_sales", 10.0),
            ("in_transit", 0.0),
        ],
    )];
    let products = &inputs.products;
    inputs.products.rows = vec![keyed_row(
        products,
        &["x"],
        &[("gmv", 7_000.0), ("orders", 70.0)],
    )];
    let rv = req.build(&cfg, &inputs, &[]).unwrap();
    let find = |pb: &str| rv.actions.iter().find(|a| a.playbook == pb).unwrap();

    // The plan: GMV proportional to CTR, back at the baseline, capped at doubling.
    let plan = find("PB09");
    assert_eq!(plan.at_stake_yuan, Some(15_000.0));
    assert!(plan.detail.contains("creative c1"), "{}", plan.detail);
    assert_eq!(plan.owner, "Paid traffic");

    // The product: demand over 7 days' lead time and 21 days' cover, weighted by the
    // calendar (双12 falls in the window) against the last 7 days' weight.
    let cal = Calendar::default();
    let recent: f64 = (0..7).map(|i| cal.day_weight(days(date, i))).sum::<f64>() / 7.0;
    let ahead: f64 = (1..=28)
        .map(|i| cal.day_weight(date + chrono::Duration::days(i)))
        .sum();
    let units = (10.0 * ahead / recent - 10.0).ceil();
    assert!(
        units > 280.0,
        "双12 lifts demand above the flat 270: {units}"
    );
    let stockout = find("PB14");
    assert!(
        stockout
            .detail
            .contains(&format!("Reorder {units:.0} units")),
        "{}",
        stockout.detail
    );
    // One day of cover, seven days' lead: six days without stock at 1,000 yuan a day.
    assert_eq!(stockout.at_stake_yuan, Some(6_000.0));
    assert_eq!(stockout.owner, "Supply chain");
    assert!(stockout.due >= date.to_string());

    // Ranked by money, numbered in that order.
    let stakes: Vec<f64> = rv.actions.iter().filter_map(|a| a.at_stake_yuan).collect();
    assert!(stakes.windows(2).all(|w| w[0] >= w[1]), "{stakes:?}");
    assert!(rv
        .actions
        .iter()
        .enumerate()
        .all(|(i, a)| a.priority == i + 1));
    assert!(plan.priority < stockout.priority);
}

/// The complaint rule over the per-day product cube: a best-seller's bad batch (one buyer in
/// ten complaining for two days, about 15× its usual rate) is caught; three complaints in a
/// day on one of 40 long-tail products (p ≈ 3e-4 alone, but 40 products a day make that
/// happen a few times a year) are not; and nothing fires on the days before the batch.
#[test]
fn a_bad_batch_is_caught_and_the_long_tail_stays_quiet() {
    let cfg = Config::default();
    let rules = crate::monitor::Rules {
        cfg: &cfg,
        shop: "s1",
    };
    let t0 = MetricTable {
        metrics: vec!["complaints", "order_count"],
        dims: vec![vitrine_core::Dim::Product],
        rows: Vec::new(),
    };
    let end = NaiveDate::from_ymd_opt(2026, 6, 30).unwrap();
    let mut t = t0.clone();
    for back in 0..29 {
        let d = days(end, back);
        let batch = back <= 1;
        // The best-seller: 50 orders a day, one complaint in 200 orders, then 5 extra a day;
        // 40 other products of 20 orders and a complaint every 10 days, one with 3 today.
        let best = if batch {
            6.0
        } else {
            f64::from(u8::from(back % 4 == 0))
        };
        let mut row = |p: &str, c: f64, o: f64| {
            let mut r = day_row(&t0, d, &[("complaints", c), ("order_count", o)]);
            r.key = vec![p.to_string()];
            t.rows.push(r);
        };
        row("best", best, 50.0);
        for i in 0..40 {
            let c = if i == 7 && back == 0 {
                3.0
            } else {
                f64::from(u8::from((back + i) % 10 == 0))
            };
            row(&format!("p{i}"), c, 20.0);
        }
    }
    let base = 0.005;
    let categories = std::collections::BTreeMap::new();
    let series = super::items::complaints(&t);
    let found = super::findings::complaint_findings(&rules, &series, end, base, &categories);
    let scopes: Vec<&str> = found.iter().map(|f| f.scope.as_str()).collect();
    assert_eq!(scopes, ["product:best"], "{found:?}");
    for back in 3..10 {
        let quiet = super::findings::complaint_findings(
            &rules,
            &series,
            days(end, back),
            base,
            &categories,
        );
        assert!(quiet.is_empty(), "day -{back}: {quiet:?}");
    }
}
