//! `vitrine import` end to end: all-or-nothing, idempotent, replacing by natural key.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

const BIN: &str = env!("CARGO_BIN_EXE_vitrine");

fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../vitrine-ingest/tests/fixtures")
}

fn vitrine(data: &Path, args: &[&str]) -> Output {
    Command::new(BIN)
        .arg("--data-dir")
        .arg(data)
        .args(args)
        .env("CI", "1")
        .output()
        .expect("run vitrine")
}

fn scalar(data: &Path, sql: &str) -> Value {
    let out = vitrine(data, &["query", sql, "--format", "json"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    v[0].as_object().unwrap().values().next().cloned().unwrap()
}

#[test]
fn import_is_all_or_nothing_idempotent_and_replaces_by_key() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path();
    let f = fixtures();
    let good: Vec<String> = [
        "compass_product_2026-11-20_bom.csv",
        "compass_product_2026-11-21_gbk.csv",
        "qianchuan_plan_hourly.csv",
        "doudian_orders.csv",
    ]
    .iter()
    .map(|n| f.join(n).display().to_string())
    .collect();

    // A set with one broken file imports nothing and names file:row:column.
    let mut with_broken = good.clone();
    with_broken.push(f.join("broken_compass.csv").display().to_string());
    let mut args = vec!["import", "--shop", "s1"];
    args.extend(with_broken.iter().map(String::as_str));
    let out = vitrine(data, &args);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(
        err.contains("broken_compass.csv:2:成交金额") && err.contains("nothing was imported"),
        "{err}"
    );
    assert!(
        !vitrine(data, &["query", "SELECT 1"]).status.success(),
        "the lake must still be empty"
    );

    // A dry run changes nothing either.
    let mut args = vec!["import", "--shop", "s1", "--dry-run"];
    args.extend(good.iter().map(String::as_str));
    let out = vitrine(data, &args);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("罗盘 商品数据"));
    assert!(!vitrine(data, &["query", "SELECT 1"]).status.success());

    let mut args = vec!["import", "--shop", "s1"];
    args.extend(good.iter().map(String::as_str));
    let out = vitrine(data, &args);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        scalar(data, "SELECT SUM(exposure) FROM product_day"),
        24_000 + 34_000 + 12_000
    );
    assert_eq!(
        scalar(data, "SELECT SUM(gmv_fen) FROM product_day"),
        123_450 + 36_251 + 200_000
    );
    assert_eq!(
        scalar(data, "SELECT SUM(user_paid_fen) FROM product_day"),
        108_880
    );
    assert_eq!(scalar(data, "SELECT SUM(spend_fen) FROM plan_hour"), 46_040);
    assert_eq!(scalar(data, "SELECT COUNT(*) FROM orders"), 3);

    // Re-importing the same files is a no-op.
    let out = vitrine(data, &args);
    assert!(String::from_utf8_lossy(&out.stderr).contains("already imported"));
    assert_eq!(scalar(data, "SELECT COUNT(*) FROM product_day"), 5);

    // An overlapping re-export with corrected numbers replaces rows by key, never duplicates.
    let fixed = dir.path().join("compass_fixed.csv");
    std::fs::write(&fixed, "统计日期,商品ID,载体类型,成交金额,商品曝光次数,商品点击次数\n2026-11-21,3600001,直播,2100.00,35000,950\n").unwrap();
    let out = vitrine(data, &["import", "--shop", "s1", fixed.to_str().unwrap()]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(scalar(data, "SELECT COUNT(*) FROM product_day"), 5);
    assert_eq!(
        scalar(
            data,
            "SELECT SUM(exposure) FROM product_day WHERE date = DATE '2026-11-21'"
        ),
        35_000 + 12_000
    );
    let rv = vitrine(
        data,
        &[
            "review",
            "--shop",
            "s1",
            "--date",
            "2026-11-21",
            "--format",
            "json",
            "--no-record",
        ],
    );
    assert!(
        rv.status.success(),
        "{}",
        String::from_utf8_lossy(&rv.stderr)
    );
}

#[test]
fn simulated_exports_import_to_the_same_numbers_as_the_direct_path() {
    let direct = tempfile::tempdir().unwrap();
    let via = tempfile::tempdir().unwrap();
    let sim = [
        "simulate",
        "--seed",
        "8",
        "--days",
        "40",
        "--scale",
        "0.01",
        "--end",
        "2026-11-21",
    ];
    let out = vitrine(direct.path(), &sim);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut args = sim.to_vec();
    args.extend(["--format", "exports"]);
    let out = vitrine(via.path(), &args);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let exports = via.path().join("exports/shop1");
    let out = vitrine(
        via.path(),
        &["import", "--shop", "shop1", exports.to_str().unwrap()],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    for sql in [
        "SELECT SUM(gmv_fen) FROM product_day",
        "SELECT SUM(user_paid_fen) FROM product_day",
        "SELECT SUM(exposure) + SUM(clicks) * 7 + SUM(orders) * 13 FROM product_day",
        "SELECT COUNT(*) FROM product_day",
        "SELECT SUM(spend_fen) + SUM(impressions) + SUM(conversions) FROM plan_hour",
        "SELECT SUM(pay_gmv_fen) FROM plan_hour WHERE hour = 20",
        "SELECT COUNT(*) FROM orders",
        "SELECT SUM(amount_fen) FROM orders WHERE region = '广东' AND channel = 'search'",
        "SELECT COUNT(*) FROM orders WHERE date_part('hour', ordered_at) = 21",
        "SELECT SUM(plays) + SUM(completions) FROM video_day",
        "SELECT SUM(on_hand) FROM inventory",
        // The 评价 export flags no complaints; the reviews themselves go through.
        "SELECT COUNT(*) * 10 + SUM(rating) FROM comments",
        "SELECT SUM(spend_fen) FROM creative_day",
        "SELECT SUM(price_fen) FROM competitors",
        "SELECT ROUND(SUM(experience_score), 6) FROM external_indices",
    ] {
        assert_eq!(scalar(direct.path(), sql), scalar(via.path(), sql), "{sql}");
    }
}

/// Writes a `rows`-row 抖店 order export in date order over November.
fn big_orders(path: &Path, rows: usize) {
    use std::io::Write;
    let mut w = std::io::BufWriter::new(std::fs::File::create(path).unwrap());
    writeln!(w, "主订单编号,订单提交时间,商品ID,订单应付金额,订单状态,省").unwrap();
    for i in 0..rows {
        let day = 1 + i * 30 / rows;
        writeln!(
            w,
            "{},2026-11-{day:02} 10:{:02}:00,36{:05},¥{}.{:02},已完成,广东",
            7_000_000_000u64 + i as u64,
            i % 60,
            i % 300,
            1 + i % 900,
            i % 100
        )
        .unwrap();
    }
}

#[test]
fn a_killed_import_leaves_the_lake_as_it_was() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("lake");
    let small = fixtures().join("doudian_orders.csv");
    let out = vitrine(&data, &["import", "--shop", "s1", small.to_str().unwrap()]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let before = std::fs::read(data.join("lake/_manifest/CURRENT")).unwrap();
    let big = dir.path().join("orders_big.csv");
    big_orders(&big, 1_500_000);
    // Kill the import once its first part file is on disk (it is then mid-way: parts are
    // written as workers fill their buffers, the manifest only at the end).
    for _ in 0..3 {
        let mut child = Command::new(BIN)
            .arg("--data-dir")
            .arg(&data)
            .args(["import", "--shop", "s1", big.to_str().unwrap()])
            .env("CI", "1")
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        let orders = data.join("lake/orders/shop=s1");
        let tag = format!("-{}-", child.id());
        let parts = || {
            std::fs::read_dir(&orders)
                .into_iter()
                .flatten()
                .flatten()
                .flat_map(|d| std::fs::read_dir(d.path()).into_iter().flatten().flatten())
                .filter(|f| f.file_name().to_string_lossy().contains(&tag))
                .count()
        };
        while parts() == 0 && child.try_wait().unwrap().is_none() {
            std::thread::sleep(std::time::Duration::from_millis(1));
        }
        let _ = child.kill();
        let status = child.wait().unwrap();
        assert!(
            !status.success(),
            "the import finished before it could be killed; make the file larger"
        );
        assert_eq!(
            std::fs::read(data.join("lake/_manifest/CURRENT")).unwrap(),
            before
        );
        assert_eq!(scalar(&data, "SELECT COUNT(*) FROM orders"), 3);
    }
    // The orphans are vacuumed, and the same file then imports in full.
    let out = vitrine(&data, &["vacuum"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = vitrine(&data, &["import", "--shop", "s1", big.to_str().unwrap()]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(scalar(&data, "SELECT COUNT(*) FROM orders"), 3 + 1_500_000);
}
