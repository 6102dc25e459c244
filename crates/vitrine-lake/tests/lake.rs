//! Lake and engine against real Parquet files: commits, atomicity, and metric semantics
//! checked against hand-computed values.

use chrono::NaiveDate;
use vitrine_core::batch::{BatchBuilder, Val};
use vitrine_core::{Dim, MetricQuery, Table, TimeGrain};
use vitrine_lake::{Engine, Lake};

fn d(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

/// One product-day funnel row with the columns the tests care about.
fn funnel_row(
    b: &mut BatchBuilder,
    shop: &str,
    date: &str,
    product: &str,
    category: &str,
    source: &str,
    exposure: i64,
    clicks: i64,
    orders: i64,
    users: i64,
    gmv_fen: i64,
) {
    let v = [
        Val::Str(shop),
        Val::Date(d(date)),
        Val::Str(product),
        Val::Str(category),
        Val::Str(source),
        Val::Int(exposure),
        Val::Int(exposure),
        Val::Int(clicks),
        Val::Int(clicks),
        Val::Int(clicks),
        Val::Int(0),
        Val::Int(0),
        Val::Int(0),
        Val::Int(orders),
        Val::Int(orders),
        Val::Int(orders),
        Val::Int(orders),
        Val::Int(users),
        Val::Int(0),
        Val::Int(gmv_fen),
        Val::Int(gmv_fen),
        Val::Int(0),
        Val::Int(0),
        Val::Int(0),
    ];
    b.push(&v).unwrap();
}

fn plan_row(
    b: &mut BatchBuilder,
    date: &str,
    plan: &str,
    spend_fen: i64,
    imp: i64,
    clicks: i64,
    conv: i64,
    gmv_fen: i64,
) {
    b.push(&[
        Val::Str("s1"),
        Val::Date(d(date)),
        Val::Int(10),
        Val::Str(plan),
        Val::Str("beauty"),
        Val::Str("SMART_BID_CUSTOM"),
        Val::Int(4000),
        Val::Int(100_000),
        Val::Float(3.0),
        Val::Str("LEARNED"),
        Val::Int(spend_fen),
        Val::Int(imp),
        Val::Int(clicks),
        Val::Int(conv),
        Val::Int(conv),
        Val::Int(gmv_fen),
    ])
    .unwrap();
}

fn fixture(dir: &std::path::Path) -> Lake {
    let lake = Lake::open(dir).unwrap();
    let mut c = lake.begin().unwrap();
    let mut b = BatchBuilder::new(Table::ProductDay);
    // Beauty: 10 clicks / 100 exposure; apparel: 30 / 900. Shop CTR = 40 / 1000 = 4 %,
    // not the mean of ratios (10 % and 3.33 % → 6.67 %).
    funnel_row(
        &mut b,
        "s1",
        "2026-11-20",
        "p1",
        "beauty",
        "natural",
        100,
        10,
        2,
        2,
        25_000,
    );
    funnel_row(
        &mut b,
        "s1",
        "2026-11-20",
        "p2",
        "apparel",
        "search",
        900,
        30,
        1,
        1,
        12_345,
    );
    c.write(
        Table::ProductDay,
        "s1",
        Some(d("2026-11-20")),
        &b.finish().unwrap(),
    )
    .unwrap();
    funnel_row(
        &mut b,
        "s1",
        "2026-11-21",
        "p1",
        "beauty",
        "natural",
        200,
        8,
        4,
        3,
        60_000,
    );
    c.write(
        Table::ProductDay,
        "s1",
        Some(d("2026-11-21")),
        &b.finish().unwrap(),
    )
    .unwrap();
    let mut p = BatchBuilder::new(Table::PlanHour);
    plan_row(&mut p, "2026-11-21", "a", 50_000, 20_000, 300, 10, 150_000);
    plan_row(&mut p, "2026-11-21", "b", 30_000, 10_000, 100, 2, 30_000);
    c.write(
        Table::PlanHour,
        "s1",
        Some(d("2026-11-21")),
        &p.finish().unwrap(),
    )
    .unwrap();
    c.finish().unwrap();
    lake
}

#[tokio::test]
async fn ratios_are_ratio_of_sums_at_every_grain() {
    let dir = tempfile::tempdir().unwrap();
    let lake = fixture(dir.path());
    let e = Engine::new(&lake).unwrap();
    let day = MetricQuery::new(
        &["ctr", "cvr", "aov", "gpm"],
        d("2026-11-20"),
        d("2026-11-20"),
    );
    let t = e.metric(&day).await.unwrap();
    assert!((t.scalar("ctr").unwrap() - 0.04).abs() < 1e-12);
    assert!((t.scalar("cvr").unwrap() - 3.0 / 40.0).abs() < 1e-12);
    // Buyers of two products cannot be added (one person may buy both): without a
    // shop-level source of 成交人数 there is no AOV. GPM = 373.45 / 1000 × 1000.
    assert_eq!(t.scalar("aov"), None);
    assert!((t.scalar("gpm").unwrap() - 373.45).abs() < 1e-9);
    let by_cat = e.metric(&day.clone().by(&[Dim::Category])).await.unwrap();
    assert!((by_cat.get(&["beauty"], None, "ctr").unwrap() - 0.1).abs() < 1e-12);
    assert!((by_cat.get(&["apparel"], None, "ctr").unwrap() - 30.0 / 900.0).abs() < 1e-12);
    // Two days at week grain: (10 + 30 + 8) / (100 + 900 + 200).
    let week =
        MetricQuery::new(&["ctr", "gmv"], d("2026-11-20"), d("2026-11-21")).per(TimeGrain::Week);
    let w = e.metric(&week).await.unwrap();
    assert_eq!(w.rows.len(), 1);
    assert_eq!(w.rows[0].period.as_deref(), Some("2026-11-16"));
    assert!((w.rows[0].values[0].unwrap() - 48.0 / 1200.0).abs() < 1e-12);
    assert!((w.rows[0].values[1].unwrap() - 973.45).abs() < 1e-9);
}

#[tokio::test]
async fn ad_metrics_and_cross_table_ratios() {
    let dir = tempfile::tempdir().unwrap();
    let lake = fixture(dir.path());
    let e = Engine::new(&lake).unwrap();
    let q = MetricQuery::new(
        &["roi", "cpa", "cpm", "ad_ctr", "spend_ratio", "spend"],
        d("2026-11-21"),
        d("2026-11-21"),
    );
    let t = e.metric(&q).await.unwrap();
    // spend 800 yuan, pay GMV 1,800 yuan, 12 conversions, 30,000 impressions, 400 clicks.
    assert!((t.scalar("roi").unwrap() - 2.25).abs() < 1e-12);
    assert!((t.scalar("cpa").unwrap() - 800.0 / 12.0).abs() < 1e-9);
    assert!((t.scalar("cpm").unwrap() - 800.0 / 30.0).abs() < 1e-9);
    assert!((t.scalar("ad_ctr").unwrap() - 400.0 / 30_000.0).abs() < 1e-12);
    assert!((t.scalar("spend").unwrap() - 800.0).abs() < 1e-9);
    // 投放费比 = spend / GMV of the funnel table (600 yuan that day).
    assert!((t.scalar("spend_ratio").unwrap() - 800.0 / 600.0).abs() < 1e-12);
    // At plan grain only ad metrics exist; the funnel table has no plan and says so.
    let err = e
        .metric(&q.clone().by(&[Dim::Plan]))
        .await
        .unwrap_err()
        .to_string();
    assert!(err.contains("product_day") && err.contains("plan"), "{err}");
    let by_plan = e
        .metric(
            &MetricQuery::new(&["roi", "cpa"], d("2026-11-21"), d("2026-11-21")).by(&[Dim::Plan]),
        )
        .await
        .unwrap();
    assert!((by_plan.get(&["a"], None, "roi").unwrap() - 3.0).abs() < 1e-12);
    assert!((by_plan.get(&["b"], None, "cpa").unwrap() - 150.0).abs() < 1e-12);
}

#[tokio::test]
async fn an_unfinished_commit_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let lake = fixture(dir.path());
    let before = lake.manifest().unwrap();
    let mut c = lake.begin().unwrap();
    let mut b = BatchBuilder::new(Table::ProductDay);
    funnel_row(
        &mut b,
        "s1",
        "2026-11-20",
        "p9",
        "beauty",
        "natural",
        1,
        1,
        1,
        1,
        1,
    );
    c.write(
        Table::ProductDay,
        "s1",
        Some(d("2026-11-20")),
        &b.finish().unwrap(),
    )
    .unwrap();
    drop(c); // the process "dies" before finish
    assert_eq!(lake.manifest().unwrap(), before);
    let e = Engine::new(&lake).unwrap();
    let t = e
        .metric(&MetricQuery::new(
            &["exposure"],
            d("2026-11-20"),
            d("2026-11-20"),
        ))
        .await
        .unwrap();
    assert_eq!(t.scalar("exposure"), Some(1000.0));
    // Vacuum removes the orphan file and keeps the live ones.
    assert_eq!(lake.vacuum().unwrap(), 1);
    let t = e
        .metric(&MetricQuery::new(
            &["exposure"],
            d("2026-11-20"),
            d("2026-11-21"),
        ))
        .await
        .unwrap();
    assert_eq!(t.scalar("exposure"), Some(1200.0));
}

#[tokio::test]
async fn a_second_commit_replaces_partitions_without_duplicates() {
    let dir = tempfile::tempdir().unwrap();
    let lake = fixture(dir.path());
    let mut c = lake.begin().unwrap();
    let mut b = BatchBuilder::new(Table::ProductDay);
    funnel_row(
        &mut b,
        "s1",
        "2026-11-21",
        "p1",
        "beauty",
        "natural",
        500,
        8,
        4,
        3,
        60_000,
    );
    c.write(
        Table::ProductDay,
        "s1",
        Some(d("2026-11-21")),
        &b.finish().unwrap(),
    )
    .unwrap();
    let m = c.finish().unwrap();
    assert_eq!(m.version, 2);
    let e = Engine::new(&lake).unwrap();
    let t = e
        .metric(&MetricQuery::new(
            &["exposure"],
            d("2026-11-20"),
            d("2026-11-21"),
        ))
        .await
        .unwrap();
    assert_eq!(t.scalar("exposure"), Some(1500.0));
    let out = e
        .sql("SELECT COUNT(*) AS n FROM product_day")
        .await
        .unwrap();
    assert!(
        out.to_csv().unwrap().contains("\n3\n"),
        "{}",
        out.to_csv().unwrap()
    );
}

#[test]
fn concurrent_commits_both_land() {
    // Eight threads import at once, each its own day and source: every one of them must be
    // in the final manifest (no commit publishes over another's base).
    let dir = tempfile::tempdir().unwrap();
    let lake = fixture(dir.path());
    let start = lake.manifest().unwrap().version;
    std::thread::scope(|s| {
        for i in 0..8u32 {
            let lake = &lake;
            s.spawn(move || {
                let day = format!("2026-10-{:02}", i + 1);
                let mut c = lake.begin().unwrap();
                let mut b = BatchBuilder::new(Table::ProductDay);
                funnel_row(
                    &mut b, "s1", &day, "p1", "beauty", "natural", 10, 1, 1, 1, 100,
                );
                c.write(Table::ProductDay, "s1", Some(d(&day)), &b.finish().unwrap())
                    .unwrap();
                c.add_source(format!("hash{i}"), format!("file {i}"), 100 + u64::from(i));
                c.finish().unwrap();
            });
        }
    });
    let m = lake.manifest().unwrap();
    assert_eq!(m.version, start + 8);
    for i in 0..8u32 {
        assert!(
            lake.has_source(&format!("hash{i}")).unwrap(),
            "source {i} lost"
        );
        let day = d(&format!("2026-10-{:02}", i + 1));
        assert!(
            m.dates("product_day", "s1").contains(&day),
            "day {day} lost"
        );
    }
}

#[tokio::test]
async fn an_empty_lake_is_reported_not_panicked_on() {
    let dir = tempfile::tempdir().unwrap();
    let lake = Lake::open(dir.path()).unwrap();
    let err = Engine::new(&lake).err().unwrap().to_string();
    assert!(err.contains("empty"), "{err}");
}

/// One product-day batch: (product, exposure) rows of shop s1, source natural.
fn exposures(date: &str, rows: &[(&str, i64)]) -> datafusion::arrow::record_batch::RecordBatch {
    let mut b = BatchBuilder::new(Table::ProductDay);
    for (p, e) in rows {
        funnel_row(&mut b, "s1", date, p, "beauty", "natural", *e, 1, 1, 1, 1);
    }
    b.finish().unwrap()
}

#[tokio::test]
async fn streamed_parts_replace_older_rows_by_key_and_leave_other_files_alone() {
    use vitrine_core::batch::PartSink;
    let dir = tempfile::tempdir().unwrap();
    let lake = Lake::open(dir.path()).unwrap();
    let key = ["product_id", "source"];
    let mut c = lake.begin().unwrap();
    let day = Some(d("2026-11-21"));
    c.merge(
        Table::ProductDay,
        "s1",
        day,
        &exposures("2026-11-21", &[("p1", 10), ("p2", 20)]),
        &key,
    )
    .unwrap();
    c.merge(
        Table::ProductDay,
        "s1",
        Some(d("2026-11-22")),
        &exposures("2026-11-22", &[("p3", 30)]),
        &key,
    )
    .unwrap();
    let v1 = c.finish().unwrap();

    // A second import streams two parts for 11-21 (one re-exporting p2) from two "threads".
    let mut c = lake.begin().unwrap();
    std::thread::scope(|s| {
        let c = &c;
        s.spawn(move || {
            c.put_part(
                Table::ProductDay,
                "s1",
                day,
                exposures("2026-11-21", &[("p2", 200), ("p4", 40)]),
            )
            .unwrap()
        });
        s.spawn(move || {
            c.put_part(
                Table::ProductDay,
                "s1",
                day,
                exposures("2026-11-21", &[("p5", 50)]),
            )
            .unwrap()
        });
    });
    // Not adopted yet: nothing staged.
    assert_eq!(c.partitions(), 0);
    c.adopt(&key).unwrap();
    let v2 = c.finish().unwrap();

    let e = Engine::new(&lake).unwrap();
    let out = e
        .sql("SELECT date, product_id, exposure FROM product_day ORDER BY date, product_id")
        .await
        .unwrap()
        .to_csv()
        .unwrap();
    assert_eq!(
        out.lines().skip(1).collect::<Vec<_>>(),
        vec![
            "2026-11-21,p1,10",
            "2026-11-21,p2,200",
            "2026-11-21,p4,40",
            "2026-11-21,p5,50",
            "2026-11-22,p3,30"
        ],
        "{out}"
    );
    // The untouched partition keeps its file; the touched one rewrote its old file.
    let files = |m: &vitrine_lake::Manifest, date: &str| -> Vec<String> {
        m.partitions
            .iter()
            .find(|(k, _)| k.date == Some(d(date)))
            .map(|(_, f)| f.iter().map(|f| f.path.clone()).collect())
            .unwrap()
    };
    assert_eq!(files(&v1, "2026-11-22"), files(&v2, "2026-11-22"));
    assert_eq!(files(&v2, "2026-11-21").len(), 3);
    assert!(!files(&v2, "2026-11-21").contains(&files(&v1, "2026-11-21")[0]));

    // The replaced file is no longer live: vacuum takes it.
    assert_eq!(lake.vacuum().unwrap(), 1);
    // An aborted streamed import leaves no file behind and the lake as it was.
    let c = lake.begin().unwrap();
    c.put_part(
        Table::ProductDay,
        "s1",
        day,
        exposures("2026-11-21", &[("p1", 1)]),
    )
    .unwrap();
    c.abort();
    assert_eq!(lake.vacuum().unwrap(), 0);
    assert_eq!(lake.manifest().unwrap(), v2);
}

#[tokio::test]
async fn many_small_streamed_parts_are_compacted_into_one_file() {
    use vitrine_core::batch::PartSink;
    let dir = tempfile::tempdir().unwrap();
    let lake = Lake::open(dir.path()).unwrap();
    let mut c = lake.begin().unwrap();
    let day = Some(d("2026-11-21"));
    let names: Vec<String> = (0..10).map(|i| format!("p{i}")).collect();
    for n in &names {
        c.put_part(
            Table::ProductDay,
            "s1",
            day,
            exposures("2026-11-21", &[(n, 5)]),
        )
        .unwrap();
    }
    c.adopt(&["product_id", "source"]).unwrap();
    let m = c.finish().unwrap();
    let files: Vec<_> = m.partitions.values().flatten().collect();
    assert_eq!(files.len(), 1, "{files:?}");
    assert_eq!(files[0].rows, 10);
    // The small parts are gone from disk, the compacted file is live.
    assert_eq!(lake.vacuum().unwrap(), 0);
    let e = Engine::new(&lake).unwrap();
    let out = e
        .sql("SELECT COUNT(DISTINCT product_id) AS n, SUM(exposure) AS e FROM product_day")
        .await
        .unwrap()
        .to_csv()
        .unwrap();
    assert!(out.ends_with("10,50\n"), "{out}");
}

/// One product-card row of a period snapshot starting `start` and ending `end`.
fn card(b: &mut BatchBuilder, start: &str, end: &str, product: &str, paid_fen: i64) {
    b.push(&[
        Val::Str("s1"),
        Val::Date(d(start)),
        Val::Date(d(end)),
        Val::Str(product),
        Val::Int(1_000),
        Val::Int(100),
        Val::Int(paid_fen),
        Val::Int(5),
        Val::Int(5),
        Val::Int(10),
        Val::Int(2),
    ])
    .unwrap();
}

#[tokio::test]
async fn a_weekly_snapshot_is_never_a_day_and_one_day_snapshots_form_a_series() {
    let dir = tempfile::tempdir().unwrap();
    let lake = Lake::open(dir.path()).unwrap();
    let mut c = lake.begin().unwrap();
    // A week 07-06..07-12 (999 yuan), and one-day snapshots of 07-06 and 07-07.
    let mut w = BatchBuilder::new(Table::ProductCardPeriod);
    card(&mut w, "2026-07-06", "2026-07-12", "p1", 99_900);
    card(&mut w, "2026-07-06", "2026-07-06", "p1", 10_000);
    c.merge(
        Table::ProductCardPeriod,
        "s1",
        Some(d("2026-07-06")),
        &w.finish().unwrap(),
        &["period_end"],
    )
    .unwrap();
    let mut one = BatchBuilder::new(Table::ProductCardPeriod);
    card(&mut one, "2026-07-07", "2026-07-07", "p1", 20_000);
    c.write(
        Table::ProductCardPeriod,
        "s1",
        Some(d("2026-07-07")),
        &one.finish().unwrap(),
    )
    .unwrap();
    c.finish().unwrap();
    let e = Engine::new(&lake).unwrap();
    let daily = MetricQuery::new(&["card_user_paid"], d("2026-07-06"), d("2026-07-12"))
        .filter(Dim::Shop, "s1")
        .per(TimeGrain::Day);
    let t = e.metric(&daily).await.unwrap();
    let series: Vec<(String, Option<f64>)> = t.series("card_user_paid");
    assert_eq!(
        series,
        vec![
            ("2026-07-06".to_string(), Some(100.0)),
            ("2026-07-07".to_string(), Some(200.0))
        ],
        "only one-day snapshots make days"
    );
    let week = MetricQuery::new(&["card_user_paid"], d("2026-07-06"), d("2026-07-12"))
        .filter(Dim::Shop, "s1");
    assert_eq!(
        e.metric(&week).await.unwrap().scalar("card_user_paid"),
        Some(999.0)
    );
    // A range that is no stored period has no answer (never a sum of overlapping ones).
    let other = MetricQuery::new(&["card_user_paid"], d("2026-07-06"), d("2026-07-07"))
        .filter(Dim::Shop, "s1");
    assert_eq!(
        e.metric(&other).await.unwrap().scalar("card_user_paid"),
        None
    );
}

/// The 成交概览 shop row of one day: `paying` buyers and `clickers` persons who clicked.
fn shop_row(b: &mut BatchBuilder, date: &str, paying: i64, clickers: i64) {
    let mut v = vec![
        Val::Str("s1"),
        Val::Date(d(date)),
        Val::Str("overview"),
        Val::Str("全部"),
        Val::Str("不限"),
        Val::Str(""),
        Val::Str(""),
        Val::Bool(true),
        Val::Bool(true),
    ];
    // user_paid, gmv, net_gmv, orders, paying_users, items, exposure, clicks,
    // exposure_users, click_users, refund_fen, refund_orders, ad_spend, aov_fen.
    v.extend(
        [
            0, 0, 0, paying, paying, paying, 1_000, 40, 800, clickers, 0, 0, 0, 0,
        ]
        .map(Val::Int),
    );
    v.push(Val::Float(0.0));
    b.push(&v).unwrap();
}

#[tokio::test]
async fn persons_come_from_the_shop_row_never_from_summed_product_rows() {
    let dir = tempfile::tempdir().unwrap();
    let lake = fixture(dir.path());
    let mut c = lake.begin().unwrap();
    let mut t = BatchBuilder::new(Table::TradeDay);
    // 40 product clicks by 35 persons on the 20th (five clicked both products), 8 by 8 on the
    // 21st, and one of the 21st's three buyers also bought on the 20th.
    shop_row(&mut t, "2026-11-20", 3, 35);
    c.write(
        Table::TradeDay,
        "s1",
        Some(d("2026-11-20")),
        &t.finish().unwrap(),
    )
    .unwrap();
    shop_row(&mut t, "2026-11-21", 3, 8);
    c.write(
        Table::TradeDay,
        "s1",
        Some(d("2026-11-21")),
        &t.finish().unwrap(),
    )
    .unwrap();
    c.finish().unwrap();
    let e = Engine::new(&lake).unwrap();
    let day =
        MetricQuery::new(&["cvr_users"], d("2026-11-20"), d("2026-11-20")).filter(Dim::Shop, "s1");
    let t = e.metric(&day).await.unwrap();
    // 3 buyers over 35 clicking persons, not over the 40 person-rows of the products.
    assert!((t.scalar("cvr_users").unwrap() - 3.0 / 35.0).abs() < 1e-12);
    // Per product and source the product rows are the grain persons were counted at.
    let per = e
        .metric(
            &MetricQuery::new(&["click_users"], d("2026-11-20"), d("2026-11-20"))
                .by(&[Dim::Product, Dim::Source])
                .filter(Dim::Shop, "s1"),
        )
        .await
        .unwrap();
    assert_eq!(per.get(&["p2", "search"], None, "click_users"), Some(30.0));
    // Two days of daily 成交人数 are not two days' buyers (5, not 6): the trade rows do not
    // answer a week, and without buyer ids in an order export nothing else can.
    let week = MetricQuery::new(&["paying_users"], d("2026-11-20"), d("2026-11-21"))
        .per(TimeGrain::Week)
        .filter(Dim::Shop, "s1");
    let w = e.metric(&week).await.unwrap();
    assert!(w.rows.iter().all(|r| r.values[0].is_none()), "{w:?}");
    // A shop's clicking persons cannot be had from product rows at all.
    let by_product = MetricQuery::new(&["click_users"], d("2026-11-20"), d("2026-11-20"))
        .by(&[Dim::Product])
        .filter(Dim::Shop, "s1");
    let err = e.metric(&by_product).await.unwrap_err().to_string();
    assert!(err.contains("counts persons"), "{err}");
    // Per day each row is one day's persons.
    let daily = e.metric(&week.clone().per(TimeGrain::Day)).await.unwrap();
    assert_eq!(daily.rows.len(), 2);
}

/// One paid order line of `user` on `date` (category, amount in fen).
fn order_row(b: &mut BatchBuilder, n: usize, user: &str, date: &str, category: &str, fen: i64) {
    let id = format!("o{n}");
    let at = d(date).and_hms_opt(10, 0, 0).unwrap().and_utc().timestamp();
    let v = [
        Val::Str("s1"),
        Val::Date(d(date)),
        Val::Str(&id),
        Val::Str(user),
        Val::Time(at),
        Val::Str("p1"),
        Val::Str(category),
        Val::Int(1),
        Val::Int(fen),
        Val::Str("广东"),
        Val::Str("ios"),
        Val::Str("natural"),
        Val::Str("paid"),
        Val::Int(0),
        Val::Null,
        Val::Null,
        Val::Null,
        Val::Null,
        Val::Null,
        Val::Int(0),
        Val::Null,
        Val::Null,
    ];
    b.push(&v).unwrap();
}

#[tokio::test]
async fn buyer_features_match_a_direct_count_of_their_orders() {
    let dir = tempfile::tempdir().unwrap();
    let lake = Lake::open(dir.path()).unwrap();
    // (user, date, category, fen): u1 buys on three days (two lines on one), u2 on two,
    // u3 once; an order without a buyer (the order export's) counts for nobody.
    let lines = [
        ("u1", "2026-11-01", "beauty", 1_000),
        ("u1", "2026-11-01", "food", 500),
        ("u1", "2026-11-10", "food", 700),
        ("u1", "2026-11-20", "food", 300),
        ("u2", "2026-11-05", "apparel", 2_000),
        ("u2", "2026-11-19", "beauty", 100),
        ("u3", "2026-11-15", "home", 900),
        ("", "2026-11-15", "home", 900),
    ];
    let mut c = lake.begin().unwrap();
    let mut days: Vec<&str> = lines.iter().map(|l| l.1).collect();
    days.sort_unstable();
    days.dedup();
    for day in days {
        let mut b = BatchBuilder::new(Table::Orders);
        for (n, l) in lines.iter().enumerate().filter(|(_, l)| l.1 == day) {
            order_row(&mut b, n, l.0, l.1, l.2, l.3);
        }
        c.write(Table::Orders, "s1", Some(d(day)), &b.finish().unwrap())
            .unwrap();
    }
    c.finish().unwrap();
    let engine = Engine::new(&lake).unwrap();
    let users = engine.user_features("s1", d("2026-11-21")).await.unwrap();
    let ids: Vec<&str> = users.iter().map(|u| u.user_id.as_str()).collect();
    assert_eq!(ids, ["u1", "u2", "u3"]);
    for u in &users {
        // The same features counted straight from the lines above.
        let mine: Vec<_> = lines.iter().filter(|l| l.0 == u.user_id).collect();
        let mut dates: Vec<NaiveDate> = mine.iter().map(|l| d(l.1)).collect();
        dates.sort();
        dates.dedup();
        let on =
            |day: NaiveDate| -> i64 { mine.iter().filter(|l| d(l.1) == day).map(|l| l.3).sum() };
        let total: i64 = mine.iter().map(|l| l.3).sum();
        let mut by_cat: Vec<(i64, &str)> = Vec::new();
        for l in &mine {
            match by_cat.iter_mut().find(|x| x.1 == l.2) {
                Some(x) => x.0 += l.3,
                None => by_cat.push((l.3, l.2)),
            }
        }
        by_cat.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(b.1)));
        assert_eq!(u.purchases.first, dates[0], "{}", u.user_id);
        assert_eq!(u.purchases.last, *dates.last().unwrap(), "{}", u.user_id);
        assert_eq!(
            u.purchases.purchase_days as usize,
            dates.len(),
            "{}",
            u.user_id
        );
        assert!(
            (u.purchases.total - total as f64 / 100.0).abs() < 1e-9,
            "{}",
            u.user_id
        );
        assert!((u.purchases.first_amount - on(dates[0]) as f64 / 100.0).abs() < 1e-9);
        let gap = (dates.len() > 1)
            .then(|| (dates[dates.len() - 1] - dates[dates.len() - 2]).num_days() as i32);
        assert_eq!(u.purchases.last_gap_days, gap, "{}", u.user_id);
        assert_eq!(
            u.top_category.as_deref(),
            Some(by_cat[0].1),
            "{}",
            u.user_id
        );
    }
    // The review's narrow read: the same purchases, without ids, in any order.
    let key = |p: &vitrine_core::customer::Purchases| (p.first, p.last, p.purchase_days);
    let mut narrow = engine.purchases("s1", d("2026-11-21")).await.unwrap();
    let mut full: Vec<_> = users.iter().map(|u| u.purchases).collect();
    narrow.sort_by_key(key);
    full.sort_by_key(key);
    assert_eq!(narrow, full);
}

/// Each buyer's purchases through `as_of` counted straight from (user, date, fen) lines.
fn direct_purchases(
    lines: &[(String, NaiveDate, i64)],
    as_of: NaiveDate,
) -> Vec<vitrine_core::customer::Purchases> {
    let mut by_user: std::collections::BTreeMap<&str, Vec<(NaiveDate, i64)>> = Default::default();
    for (u, day, fen) in lines.iter().filter(|l| l.1 <= as_of) {
        by_user.entry(u).or_default().push((*day, *fen));
    }
    let mut out: Vec<_> = by_user
        .values()
        .map(|rows| {
            let mut days: Vec<NaiveDate> = rows.iter().map(|r| r.0).collect();
            days.sort();
            days.dedup();
            let on = |day: NaiveDate| rows.iter().filter(|r| r.0 == day).map(|r| r.1).sum::<i64>();
            let n = days.len();
            vitrine_core::customer::Purchases {
                first: days[0],
                last: days[n - 1],
                purchase_days: n as u32,
                total: rows.iter().map(|r| r.1).sum::<i64>() as f64 / 100.0,
                first_amount: on(days[0]) as f64 / 100.0,
                last_gap_days: (n > 1).then(|| (days[n - 1] - days[n - 2]).num_days() as i32),
            }
        })
        .collect();
    out.sort_by(|a, b| format!("{a:?}").cmp(&format!("{b:?}")));
    out
}

fn sorted(mut v: Vec<vitrine_core::customer::Purchases>) -> Vec<vitrine_core::customer::Purchases> {
    v.sort_by(|a, b| format!("{a:?}").cmp(&format!("{b:?}")));
    v
}

/// The category a test buyer buys in: two, so answers have more than one key a day.
fn category_of(user: &str) -> &'static str {
    if user.ends_with(['0', '2', '4', '6', '8']) {
        "food"
    } else {
        "beauty"
    }
}

/// Writes one commit with the order lines of `days` (one partition per day).
fn commit_orders(lake: &Lake, lines: &[(String, NaiveDate, i64)], days: &[NaiveDate]) {
    let mut c = lake.begin().unwrap();
    for day in days {
        let mut b = BatchBuilder::new(Table::Orders);
        for (n, l) in lines.iter().enumerate().filter(|(_, l)| l.1 == *day) {
            order_row(&mut b, n, &l.0, &l.1.to_string(), category_of(&l.0), l.2);
        }
        c.write(Table::Orders, "s1", Some(*day), &b.finish().unwrap())
            .unwrap();
    }
    c.finish().unwrap();
}

/// `n` order lines of `buyers` buyers over 30 days from 2026-10-01, amounts from 100 fen
/// up to `100 + spread`, from a fixed pseudo-random sequence seeded by `seed`.
fn random_lines(seed: u64, n: usize, buyers: u64, spread: u64) -> Vec<(String, NaiveDate, i64)> {
    let mut seed = seed;
    let mut next = |m: u64| {
        seed = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (seed >> 33) % m
    };
    (0..n)
        .map(|_| {
            let day = d("2026-10-01") + chrono::Days::new(next(30));
            (
                format!("u{:02}", next(buyers)),
                day,
                100 + next(spread) as i64,
            )
        })
        .collect()
}

/// The 30 days of [`random_lines`].
fn thirty_days() -> Vec<NaiveDate> {
    (0..30)
        .map(|i| d("2026-10-01") + chrono::Days::new(i))
        .collect()
}

/// Overwrites every order file of `from..=to` with garbage; returns what to put back.
fn break_order_files(
    lake: &Lake,
    from: NaiveDate,
    to: NaiveDate,
) -> Vec<(std::path::PathBuf, Vec<u8>)> {
    Engine::new(lake)
        .unwrap()
        .manifest()
        .files("orders", Some("s1"), Some((from, to)))
        .iter()
        .map(|f| {
            let p = lake.root().join(&f.path);
            let bytes = std::fs::read(&p).unwrap();
            std::fs::write(&p, b"not parquet").unwrap();
            (p, bytes)
        })
        .collect()
}

/// Puts back files broken by [`break_order_files`].
fn mend_files(old: Vec<(std::path::PathBuf, Vec<u8>)>) {
    for (p, bytes) in old {
        std::fs::write(p, bytes).unwrap();
    }
}

#[tokio::test]
async fn the_kept_buyer_summary_folds_in_new_days_and_rebuilds_when_a_day_changes() {
    let dir = tempfile::tempdir().unwrap();
    let lake = Lake::open(dir.path()).unwrap();
    // 40 buyers over 30 days, several lines a day, from a fixed pseudo-random sequence.
    let mut lines = random_lines(11, 600, 40, 5_000);
    let days = thirty_days();
    commit_orders(&lake, &lines, &days[..20]);
    let kept = dir.path().join("cache").join("buyers");
    let e = Engine::new(&lake).unwrap();
    assert_eq!(
        sorted(e.purchases("s1", days[19]).await.unwrap()),
        direct_purchases(&lines, days[19])
    );
    assert_eq!(
        std::fs::read_dir(&kept).unwrap().count(),
        1,
        "the summary is kept"
    );

    // Ten more days: only they are read. Breaking every file of the first twenty proves it
    // (a rebuild would fail to read them).
    commit_orders(&lake, &lines, &days[20..]);
    let old = break_order_files(&lake, days[0], days[19]);
    let e = Engine::new(&lake).unwrap();
    assert_eq!(
        sorted(e.purchases("s1", days[29]).await.unwrap()),
        direct_purchases(&lines, days[29])
    );
    mend_files(old);

    // An earlier day is answered from the orders, and does not replace the later summary.
    assert_eq!(
        sorted(e.purchases("s1", days[9]).await.unwrap()),
        direct_purchases(&lines, days[9])
    );

    // A covered day re-imported with other rows: the summary is rebuilt, not folded.
    lines.retain(|l| l.1 != days[4]);
    lines.push(("u99".into(), days[4], 777));
    lines.push(("u00".into(), days[4], 1_234));
    commit_orders(&lake, &lines, &days[4..5]);
    let e = Engine::new(&lake).unwrap();
    assert_eq!(
        sorted(e.purchases("s1", days[29]).await.unwrap()),
        direct_purchases(&lines, days[29])
    );
    // Kept files that cannot be read are rebuilt, never trusted.
    for shop in std::fs::read_dir(&kept).unwrap() {
        for f in std::fs::read_dir(shop.unwrap().path()).unwrap() {
            std::fs::write(f.unwrap().path(), b"garbage").unwrap();
        }
    }
    assert_eq!(
        sorted(e.purchases("s1", days[29]).await.unwrap()),
        direct_purchases(&lines, days[29])
    );
}

#[tokio::test]
async fn a_day_folded_in_is_kept_as_a_small_change_and_read_back_exactly() {
    let dir = tempfile::tempdir().unwrap();
    let lake = Lake::open(dir.path()).unwrap();
    let start = d("2026-10-01");
    let day_n = |i: u64| start + chrono::Days::new(i);
    // 400 buyers over twenty days, then each later day two of them come back and one is new.
    let mut lines: Vec<(String, NaiveDate, i64)> = (0..400u64)
        .map(|u| {
            (
                format!("u{u:03}"),
                day_n(u % 20),
                100 + (u as i64 * 37) % 900,
            )
        })
        .collect();
    for k in 20..30u64 {
        lines.push((format!("u{:03}", k * 7), day_n(k), 500 + k as i64));
        lines.push((format!("u{:03}", k * 11 % 400), day_n(k), 300));
        lines.push((format!("n{k}"), day_n(k), 250));
    }
    let days: Vec<NaiveDate> = (0..30).map(day_n).collect();
    commit_orders(&lake, &lines, &days[..20]);
    Engine::new(&lake)
        .unwrap()
        .purchases("s1", days[19])
        .await
        .unwrap();
    for day in &days[20..] {
        commit_orders(&lake, &lines, std::slice::from_ref(day));
        let got = Engine::new(&lake)
            .unwrap()
            .purchases("s1", *day)
            .await
            .unwrap();
        assert_eq!(sorted(got), direct_purchases(&lines, *day), "{day}");
    }
    let store = std::fs::read_dir(dir.path().join("cache").join("buyers"))
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    let files = std::fs::read_dir(&store)
        .unwrap()
        .filter(|f| f.as_ref().unwrap().path().extension().unwrap() == "arrow")
        .count();
    assert!(files > 2, "each day kept as its own change: {files} files");
    // With every order file broken, the summary is read back from the base and the changes
    // alone, and still equals the direct count.
    let e = Engine::new(&lake).unwrap();
    for f in e.manifest().files("orders", Some("s1"), None) {
        std::fs::write(lake.root().join(&f.path), b"not parquet").unwrap();
    }
    assert_eq!(
        sorted(e.purchases("s1", days[29]).await.unwrap()),
        direct_purchases(&lines, days[29])
    );
}

/// Checks a day-grain answer (GMV, order lines and buyers by category per day) against the
/// same numbers counted straight from the lines.
fn assert_daily_matches(
    t: &vitrine_core::MetricTable,
    lines: &[(String, NaiveDate, i64)],
    from: NaiveDate,
    to: NaiveDate,
) {
    let mut want: std::collections::BTreeMap<(String, NaiveDate), (i64, usize, Vec<&str>)> =
        Default::default();
    for (u, day, fen) in lines.iter().filter(|l| l.1 >= from && l.1 <= to) {
        let e = want.entry((category_of(u).to_string(), *day)).or_default();
        e.0 += fen;
        e.1 += 1;
        e.2.push(u);
    }
    assert_eq!(t.rows.len(), want.len(), "one row per category and day");
    for ((cat, day), (fen, n, mut users)) in want {
        users.sort_unstable();
        users.dedup();
        let got = |m: &str| t.get(&[cat.as_str()], Some(&day.to_string()), m);
        let gmv = got("gmv").unwrap_or(f64::NAN);
        assert!(
            (gmv - fen as f64 / 100.0).abs() < 1e-9,
            "{cat} {day}: {gmv}"
        );
        assert_eq!(got("order_count"), Some(n as f64), "{cat} {day}");
        assert_eq!(got("paying_users"), Some(users.len() as f64), "{cat} {day}");
    }
}

#[tokio::test]
async fn kept_day_answers_read_only_new_or_changed_days_and_equal_a_direct_count() {
    let dir = tempfile::tempdir().unwrap();
    let lake = Lake::open(dir.path()).unwrap();
    let mut lines = random_lines(5, 500, 30, 9_000);
    let days = thirty_days();
    let q = |from: NaiveDate, to: NaiveDate| {
        MetricQuery::new(&["gmv", "order_count", "paying_users"], from, to)
            .filter(Dim::Shop, "s1")
            .by(&[Dim::Category])
            .per(TimeGrain::Day)
    };
    commit_orders(&lake, &lines, &days[..20]);
    let e = Engine::new(&lake).unwrap();
    assert_daily_matches(
        &e.metric(&q(days[0], days[19])).await.unwrap(),
        &lines,
        days[0],
        days[19],
    );
    let kept = dir.path().join("cache").join("daily");
    assert!(kept.exists(), "the day answers are kept");

    // Ten new days: with every file of the first twenty broken, only the new ones can be read.
    commit_orders(&lake, &lines, &days[20..]);
    let old = break_order_files(&lake, days[0], days[19]);
    let e = Engine::new(&lake).unwrap();
    assert_daily_matches(
        &e.metric(&q(days[0], days[29])).await.unwrap(),
        &lines,
        days[0],
        days[29],
    );
    mend_files(old);

    // A day re-imported with other rows is asked again; the others are not.
    lines.retain(|l| l.1 != days[4]);
    lines.push(("u99".into(), days[4], 777));
    lines.push(("u08".into(), days[4], 1_234));
    commit_orders(&lake, &lines, &days[4..5]);
    let old = break_order_files(&lake, days[5], days[29]);
    let e = Engine::new(&lake).unwrap();
    assert_daily_matches(
        &e.metric(&q(days[0], days[29])).await.unwrap(),
        &lines,
        days[0],
        days[29],
    );
    mend_files(old);

    // A shorter range of the same shape answers from the kept days, and keeps those within
    // its own length before it: days 10-19 are then answered with every file broken.
    assert_daily_matches(
        &e.metric(&q(days[20], days[29])).await.unwrap(),
        &lines,
        days[20],
        days[29],
    );
    let old = break_order_files(&lake, days[0], days[29]);
    assert_daily_matches(
        &e.metric(&q(days[10], days[29])).await.unwrap(),
        &lines,
        days[10],
        days[29],
    );
    // Older days were let go (the kept file does not grow with every day ever asked): they
    // are read again, and their broken files make the query fail.
    assert!(e.metric(&q(days[0], days[29])).await.is_err());
    mend_files(old);
    assert_daily_matches(
        &e.metric(&q(days[0], days[29])).await.unwrap(),
        &lines,
        days[0],
        days[29],
    );

    // Kept files that cannot be read are asked again, never trusted.
    for shop in std::fs::read_dir(&kept).unwrap() {
        for f in std::fs::read_dir(shop.unwrap().path()).unwrap() {
            std::fs::write(f.unwrap().path(), b"garbage").unwrap();
        }
    }
    assert_daily_matches(
        &e.metric(&q(days[0], days[29])).await.unwrap(),
        &lines,
        days[0],
        days[29],
    );
}
