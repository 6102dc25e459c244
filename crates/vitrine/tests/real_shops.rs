//! Real shops end to end: files shaped like 2026 downloads go in through `vitrine import`,
//! and the review, `vitrine query` and `vitrine sources` show the numbers the files hold.

use std::path::Path;
use std::process::{Command, Output};

use serde_json::Value;

const BIN: &str = env!("CARGO_BIN_EXE_vitrine");

fn vitrine(data: &Path, args: &[&str]) -> Output {
    Command::new(BIN)
        .arg("--data-dir")
        .arg(data)
        .args(args)
        .env("CI", "1")
        .output()
        .expect("run vitrine")
}

fn ok(out: Output) -> Output {
    assert!(
        out.status.success(),
        "{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

fn json(out: Output) -> Value {
    serde_json::from_slice(&ok(out).stdout).expect("JSON output")
}

fn kpi<'a>(review: &'a Value, metric: &str) -> &'a Value {
    review["kpis"]
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["metric"] == metric)
        .unwrap_or_else(|| panic!("no KPI {metric}"))
}

fn value(review: &Value, metric: &str) -> Option<f64> {
    kpi(review, metric)["value"].as_f64()
}

/// One day of a shop, as the 成交概览 shop row states it (money in fen, counts).
struct Day {
    date: String,
    paid_fen: i64,
    orders: i64,
    buyers: i64,
}

/// Thirty days of a shop's totals, with pennies that do not round away.
fn days() -> Vec<Day> {
    (0..30)
        .map(|i| Day {
            date: format!("202606{:02}", i + 1),
            paid_fen: 1_234_567 + i * 10_301,
            orders: 120 + i * 3,
            buyers: 100 + i * 2,
        })
        .collect()
}

fn yuan(fen: i64) -> String {
    format!("{}.{:02}", fen / 100, fen % 100)
}

/// Writes the 11-sheet Compass 交易分析 workbook for [`days`]: shop sheets with the shop
/// row (全部/不限) and carrier parts whose persons overlap, and one breakdown sheet each.
fn trade_workbook(path: &Path) {
    let mut book = rust_xlsxwriter::Workbook::new();
    let shop_head = [
        "日期",
        "载体类型",
        "投放时段",
        "用户支付金额",
        "退款后用户支付金额(支付时间)",
        "成交订单数",
        "成交人数",
        "客单价",
        "成交金额",
        "净成交金额",
        "商品曝光人数",
        "商品点击人数",
        "商品曝光次数",
        "商品点击次数",
        "退款金额(支付时间)",
        "退款订单数(支付时间)",
    ];
    for (sheet, scale) in [("成交概览", 1.0), ("自营成交", 0.8), ("合作成交", 0.2)] {
        let ws = book.add_worksheet();
        ws.set_name(sheet).unwrap();
        for (c, h) in shop_head.iter().enumerate() {
            ws.write_string(0, c as u16, *h).unwrap();
        }
        let mut r = 1;
        for d in days() {
            // The shop row, then two carriers whose buyers overlap (60% + 60% of the shop's).
            for (carrier, share, persons) in [
                ("全部", 1.0, 1.0),
                ("直播", 0.55, 0.6),
                ("商品卡", 0.45, 0.6),
            ] {
                let paid = (d.paid_fen as f64 * scale * share).round() as i64;
                let orders = (d.orders as f64 * scale * share).round() as i64;
                let buyers = (d.buyers as f64 * scale * persons).round() as i64;
                let cells: Vec<String> = vec![
                    d.date.clone(),
                    carrier.into(),
                    "不限".into(),
                    yuan(paid),
                    yuan(paid - 1_000),
                    orders.to_string(),
                    buyers.to_string(),
                    format!("{:.2}", paid as f64 / 100.0 / buyers as f64),
                    yuan(paid + paid / 20),
                    yuan(paid - paid / 10),
                    "8000".into(),
                    "1200".into(),
                    "50000".into(),
                    "1800".into(),
                    yuan(1_000),
                    "1".into(),
                ];
                for (c, v) in cells.iter().enumerate() {
                    ws.write_string(r, c as u16, v).unwrap();
                }
                r += 1;
            }
        }
    }
    let breakdowns: [(&str, &[&str], &[&[&str]]); 8] = [
        (
            "载体构成",
            &["日期", "自营/合作", "载体类型", "账号/渠道", "抖音号"],
            &[&["自营", "直播", "官方", "gf01"]],
        ),
        (
            "账号构成",
            &["日期", "账号名称", "账号类型", "自营/合作", "抖音号"],
            &[&["某店官方", "官方账号", "自营", "gf01"]],
        ),
        (
            "单载体构成",
            &["日期", "售卖类型", "载体类型", "ID", "标题/名称"],
            &[&["自营", "直播", "7391234567890123456", "专场"]],
        ),
        (
            "终端构成",
            &["日期", "终端类型", "售卖类型"],
            &[
                &["整体", "全部"],
                &["抖音", "全部"],
                &["抖音极速版", "全部"],
            ],
        ),
        (
            "品类构成",
            &["日期", "一级类目", "二级类目", "三级类目", "四级类目"],
            &[
                &["美妆", "全部", "全部", "全部"],
                &["美妆", "防晒", "全部", "全部"],
            ],
        ),
        (
            "商品构成",
            &["日期", "商品名称", "商品编号", "载体类型"],
            &[
                &["防晒霜", "3691234567890123456", "全部"],
                &["防晒喷雾", "3691234567890123457", "全部"],
            ],
        ),
        (
            "价格带构成",
            &["日期", "价格带"],
            &[&["50-100"], &["100-200"]],
        ),
        (
            "人群构成",
            &["日期", "人群类型", "载体类型"],
            &[&["新客", "全部"], &["复购", "全部"]],
        ),
    ];
    for (sheet, head, parts) in breakdowns {
        let ws = book.add_worksheet();
        ws.set_name(sheet).unwrap();
        let mut header: Vec<&str> = head.to_vec();
        header.push("用户支付金额");
        for (c, h) in header.iter().enumerate() {
            ws.write_string(0, c as u16, *h).unwrap();
        }
        let mut r = 1;
        for d in days() {
            let n = parts.len() as i64;
            for (i, p) in parts.iter().enumerate() {
                ws.write_string(r, 0, &d.date).unwrap();
                for (c, v) in p.iter().enumerate() {
                    ws.write_string(r, c as u16 + 1, *v).unwrap();
                }
                // Totals (the first of three device rows) carry the shop; parts split it.
                let paid = if sheet == "终端构成" {
                    if i == 0 {
                        d.paid_fen
                    } else if i == 1 {
                        d.paid_fen * 7 / 10
                    } else {
                        d.paid_fen - d.paid_fen * 7 / 10
                    }
                } else {
                    d.paid_fen / n
                };
                ws.write_string(r, p.len() as u16 + 1, &yuan(paid)).unwrap();
                r += 1;
            }
        }
    }
    book.save(path).unwrap();
}

#[test]
fn a_trade_workbook_gives_every_day_its_shop_row_to_the_fen() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let f = dir.path().join("某旗舰店 交易分析20260601-20260630.xlsx");
    trade_workbook(&f);
    let out = ok(vitrine(
        &data,
        &["import", "--shop", "s1", f.to_str().unwrap()],
    ));
    let said = String::from_utf8_lossy(&out.stderr);
    for sheet in [
        "成交概览",
        "自营成交",
        "合作成交",
        "载体构成",
        "账号构成",
        "单载体构成",
        "终端构成",
        "品类构成",
        "商品构成",
        "价格带构成",
        "人群构成",
    ] {
        assert!(
            said.contains(&format!("[{sheet}]")),
            "{sheet} not imported:\n{said}"
        );
    }
    for d in days() {
        let date = format!("{}-{}-{}", &d.date[..4], &d.date[4..6], &d.date[6..]);
        let rv = json(vitrine(
            &data,
            &[
                "review", "--shop", "s1", "--date", &date, "--format", "json",
            ],
        ));
        let gmv = value(&rv, "gmv").unwrap();
        assert_eq!(
            (gmv * 100.0).round() as i64,
            d.paid_fen,
            "{date} 用户支付金额"
        );
        assert_eq!(
            value(&rv, "orders"),
            Some(d.orders as f64),
            "{date} 成交订单数"
        );
        // Buyers come from the shop row, never the sum of the carriers' (which overlap).
        assert_eq!(
            value(&rv, "paying_users"),
            Some(d.buyers as f64),
            "{date} 成交人数"
        );
        let aov = value(&rv, "aov").unwrap();
        let stated = ((d.paid_fen as f64 / d.buyers as f64).round()) as i64;
        assert_eq!((aov * 100.0).round() as i64, stated, "{date} 客单价");
        // Every KPI knows where it came from.
        let g = kpi(&rv, "gmv");
        assert_eq!(g["sources"][0], "trade_day");
        let lineage = g["lineage"].as_array().unwrap();
        assert!(
            lineage.iter().any(|l| l["sheet"] == "成交概览"
                && l["file"].as_str().unwrap().contains("交易分析")
                && l["hash"].as_str().unwrap().len() == 64),
            "{lineage:?}"
        );
    }
    // The breakdowns are queryable, totals apart from parts.
    let q = |sql: &str| {
        let v = json(vitrine(&data, &["query", sql, "--format", "json"]));
        v[0].as_object().unwrap().values().next().cloned().unwrap()
    };
    let total: i64 = days().iter().map(|d| d.paid_fen).sum();
    assert_eq!(
        q("SELECT SUM(user_paid_fen) FROM trade_day WHERE sheet = 'device' AND NOT is_shop_total"),
        total
    );
    assert_eq!(
        q("SELECT SUM(user_paid_fen) FROM trade_day WHERE sheet = 'device' AND is_shop_total"),
        total
    );
    for sheet in [
        "category",
        "product",
        "price_band",
        "audience",
        "carrier",
        "account",
        "single_carrier",
    ] {
        let n = q(&format!(
            "SELECT COUNT(DISTINCT date) FROM trade_day WHERE sheet = '{sheet}'"
        ));
        assert_eq!(n, 30, "{sheet}");
    }
    // Re-importing the same workbook changes nothing.
    let out = ok(vitrine(
        &data,
        &["import", "--shop", "s1", f.to_str().unwrap()],
    ));
    assert!(String::from_utf8_lossy(&out.stderr).contains("already imported"));
}

/// Two days of a 抖店 order export as downloaded (one row per sub-order).
const ORDERS: &str = "\u{feff}主订单编号,子订单编号,选购商品,商品数量,商品ID,订单应付金额,运费,收件人,收件人手机号,省,市,区,详细地址,订单提交时间,支付完成时间,APP渠道,订单状态,售后状态,流量类型,流量体裁,承诺发货时间,发货时间\n\
\"\t1001\",\"\t1001-1\",防晒霜,1,\"\t3691234567890123456\",119.00,0.00,##a,$$b,广东省,深圳市,南山区,##c,2026-07-09 10:00:00,2026-07-09 10:00:10,抖音,已完成,-,付费,直播,2026-07-11 10:00:00,2026-07-10 09:00:00\n\
\"\t1001\",\"\t1001-2\",防晒喷雾,2,\"\t3691234567890123457\",108.00,0.00,##a,$$b,广东省,深圳市,南山区,##c,2026-07-09 10:00:00,2026-07-09 10:00:10,抖音,已完成,退款成功,付费,直播,2026-07-11 10:00:00,2026-07-10 09:00:00\n\
\"\t1002\",\"\t1002-1\",防晒霜,1,\"\t3691234567890123456\",129.00,5.00,##d,$$e,浙江省,杭州市,西湖区,##f,2026-07-09 12:00:00,2026-07-09 12:00:30,抖音极速版,已发货,-,自然,商品卡,2026-07-11 12:00:00,2026-07-12 12:00:00\n\
\"\t1003\",\"\t1003-1\",防晒霜,1,\"\t3691234567890123456\",129.00,0.00,##g,$$h,北京市,北京市,朝阳区,##i,2026-07-09 13:00:00,,抖音,已关闭,-,自然,短视频,,\n\
\"\t1004\",\"\t1004-1\",防晒霜,3,\"\t3691234567890123456\",387.00,0.00,##j,$$k,广东省,广州市,天河区,##l,2026-07-10 09:00:00,2026-07-10 09:00:05,抖音,已完成,退款成功,自然,直播,2026-07-12 09:00:00,2026-07-11 09:00:00\n\
\"\t1005\",\"\t1005-1\",防晒喷雾,1,\"\t3691234567890123457\",54.00,0.00,##m,$$n,江苏省,南京市,鼓楼区,##o,2026-07-10 20:00:00,2026-07-10 20:00:05,抖音,已完成,-,付费,直播,2026-07-12 20:00:00,2026-07-11 08:00:00\n";

#[test]
fn an_orders_only_shop_gets_a_review_and_is_told_what_to_download() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let f = dir.path().join("1720600000_订单导出.csv");
    std::fs::write(&f, ORDERS).unwrap();
    ok(vitrine(
        &data,
        &["import", "--shop", "s1", f.to_str().unwrap()],
    ));
    let rv = json(vitrine(
        &data,
        &[
            "review",
            "--shop",
            "s1",
            "--date",
            "2026-07-09",
            "--format",
            "json",
        ],
    ));
    // Hand count for 07-09: orders 1001 (two sub-orders, one refunded) and 1002 are paid;
    // 1003 was closed unpaid and counts nowhere.
    let gmv = value(&rv, "gmv").unwrap();
    assert!((gmv - (119.0 + 108.0 + 129.0)).abs() < 1e-9, "{gmv}");
    assert_eq!(value(&rv, "orders"), Some(2.0));
    assert!((value(&rv, "order_value").unwrap() - 356.0 / 2.0).abs() < 1e-9);
    // By count: 1 of 2 paid orders has a refund; by amount: 108 of 356.
    assert_eq!(value(&rv, "refund_rate"), Some(0.5));
    assert!((value(&rv, "refund_amount_rate").unwrap() - 108.0 / 356.0).abs() < 1e-12);
    // The export has no buyer id: no buyers, so no AOV per buyer.
    assert_eq!(value(&rv, "paying_users"), None);
    assert_eq!(value(&rv, "aov"), None);
    // Paid order lines by region and hour (the closed order counts nowhere).
    assert_eq!(
        rv["order_mix"]["regions"],
        serde_json::json!([["广东省", 2.0], ["浙江省", 1.0]])
    );
    assert_eq!(
        rv["order_mix"]["hours"],
        serde_json::json!([[10, 2.0], [12, 1.0]])
    );
    // On time: 1001 and 1002 promised 07-11; 1002 shipped 07-12, late.
    assert_eq!(value(&rv, "on_time_rate"), Some(0.5));
    let missing: Vec<&str> = rv["missing_sources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["section"].as_str().unwrap())
        .collect();
    assert!(
        missing.contains(&"funnel") && missing.contains(&"paid_traffic"),
        "{missing:?}"
    );
    assert!(!missing.contains(&"orders"));
    let funnel = rv["missing_sources"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["section"] == "funnel")
        .unwrap();
    assert!(funnel["download"].as_str().unwrap().contains("罗盘"));
    let rv = json(vitrine(
        &data,
        &[
            "review",
            "--shop",
            "s1",
            "--date",
            "2026-07-10",
            "--format",
            "json",
        ],
    ));
    assert!((value(&rv, "gmv").unwrap() - (387.0 + 54.0)).abs() < 1e-9);
    assert_eq!(value(&rv, "refund_rate"), Some(0.5));
    // The text review names the missing exports in Chinese.
    let text = ok(vitrine(
        &data,
        &["review", "--shop", "s1", "--date", "2026-07-10"],
    ));
    let text = String::from_utf8_lossy(&text.stdout);
    assert!(
        text.contains("缺少的数据") && text.contains("罗盘"),
        "{text}"
    );
    // `vitrine sources` lists what the shop has and lacks.
    let src = json(vitrine(
        &data,
        &["sources", "--shop", "s1", "--format", "json"],
    ));
    let held = src[0]["held"].as_array().unwrap();
    let orders = held.iter().find(|h| h["table"] == "orders").unwrap();
    assert_eq!(orders["families"][0], "抖店 订单导出");
    assert_eq!(orders["covered"][0], "2026-07-09 – 2026-07-10");
    assert!(orders["last_import"].is_string());
    assert!(src[0]["missing"]
        .as_array()
        .unwrap()
        .iter()
        .any(|m| m["section"] == "funnel"));
}

#[test]
fn a_weekly_snapshot_answers_only_its_week_and_a_new_file_replaces_it() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let orders = dir.path().join("1720600000_订单导出.csv");
    std::fs::write(&orders, ORDERS).unwrap();
    let card = |name: &str, rows: &[(&str, &str)]| {
        let p = dir.path().join(name);
        let mut s = String::from("商品ID,商品卡曝光人数,商品卡点击人数,商品卡用户支付金额,商品卡成交人数,商品卡成交订单数\n");
        for (id, paid) in rows {
            s.push_str(&format!("\"\t{id}\",1000,100,\"{paid}\",5,5\n"));
        }
        std::fs::write(&p, s).unwrap();
        p
    };
    let week = card(
        "商品卡列表数据_2026_07_06~2026_07_12.csv",
        &[
            ("3691234567890123456", "9,999.00"),
            ("3691234567890123457", "1.00"),
        ],
    );
    ok(vitrine(
        &data,
        &[
            "import",
            "--shop",
            "s1",
            orders.to_str().unwrap(),
            week.to_str().unwrap(),
        ],
    ));
    let q = |sql: &str| json(vitrine(&data, &["query", sql, "--format", "json"]));
    // The review's daily GMV trend comes from the orders, never from the week's snapshot.
    let rv = json(vitrine(
        &data,
        &[
            "review",
            "--shop",
            "s1",
            "--date",
            "2026-07-10",
            "--format",
            "json",
        ],
    ));
    let trend = rv["trends"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["metric"] == "gmv")
        .unwrap();
    for p in trend["points"].as_array().unwrap() {
        if let Some(v) = p[1].as_f64() {
            assert!(
                v < 9_999.0,
                "a weekly snapshot leaked into the daily trend: {p}"
            );
        }
    }
    assert!(kpi(&rv, "gmv")["sources"]
        .as_array()
        .unwrap()
        .iter()
        .all(|s| s != "product_card_period"));
    // A new file for the same week replaces the snapshot, rows it no longer lists included.
    let again = card(
        "商品卡列表数据_2026_07_06~2026_07_12 (1).csv",
        &[("3691234567890123456", "8,888.00")],
    );
    ok(vitrine(
        &data,
        &["import", "--shop", "s1", again.to_str().unwrap()],
    ));
    let rows = q("SELECT COUNT(*) AS n, SUM(user_paid_fen) AS paid FROM product_card_period");
    assert_eq!(rows[0]["n"], 1);
    assert_eq!(rows[0]["paid"], 888_800);
    // A different period coexists.
    let day = card(
        "商品卡列表数据_2026_07_13~2026_07_13.csv",
        &[("3691234567890123456", "10.00")],
    );
    ok(vitrine(
        &data,
        &["import", "--shop", "s1", day.to_str().unwrap()],
    ));
    let rows = q("SELECT COUNT(*) AS n FROM product_card_period");
    assert_eq!(rows[0]["n"], 2);
    let src = json(vitrine(
        &data,
        &["sources", "--shop", "s1", "--format", "json"],
    ));
    let cards = src[0]["held"]
        .as_array()
        .unwrap()
        .iter()
        .find(|h| h["table"] == "product_card_period")
        .unwrap()
        .clone();
    assert_eq!(
        cards["covered"],
        serde_json::json!(["2026-07-06 – 2026-07-12", "2026-07-13"])
    );
}

/// KPIs the downloads cannot carry, and why.
const NOT_CARRIED: &[(&str, &str)] = &[(
    "repurchase_rate",
    "the 抖店 order export has no buyer id, so whether a buyer bought before is unknown",
)];

#[test]
fn simulated_downloads_review_like_the_direct_lake() {
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
    ok(vitrine(direct.path(), &sim));
    let mut args = sim.to_vec();
    args.extend(["--format", "exports"]);
    ok(vitrine(via.path(), &args));
    let exports = via.path().join("exports/shop1");
    let names: Vec<String> = std::fs::read_dir(&exports)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    for shape in [
        "_订单导出.csv",
        " 交易分析20261101-20261121.xlsx",
        "评价导出_",
        " 账号 商品2026",
    ] {
        assert!(
            names.iter().any(|n| n.contains(shape)),
            "no {shape} in {names:?}"
        );
    }
    let out = ok(vitrine(
        via.path(),
        &["import", "--shop", "shop1", exports.to_str().unwrap()],
    ));
    assert!(String::from_utf8_lossy(&out.stderr).contains("[成交概览]"));
    for date in ["2026-11-21", "2026-11-14", "2026-10-20"] {
        let review = |data: &Path| {
            json(vitrine(
                data,
                &[
                    "review", "--shop", "shop1", "--date", date, "--format", "json",
                ],
            ))
        };
        let (a, b) = (review(direct.path()), review(via.path()));
        // Headline numbers come from the workbook's shop row once the downloads are in.
        assert_eq!(kpi(&b, "gmv")["sources"][0], "trade_day");
        for k in a["kpis"].as_array().unwrap() {
            let metric = k["metric"].as_str().unwrap();
            if NOT_CARRIED.iter().any(|(m, _)| *m == metric) {
                continue;
            }
            let (x, y) = (k["value"].as_f64(), value(&b, metric));
            match (x, y) {
                (Some(x), Some(y)) => assert!(
                    (x - y).abs() <= 1e-9 * x.abs().max(1.0),
                    "{date} {metric}: direct {x}, via downloads {y}"
                ),
                (x, y) => assert_eq!(x, y, "{date} {metric}"),
            }
        }
    }
}

#[test]
fn a_file_of_another_shop_is_refused_by_its_name() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    std::fs::create_dir_all(&data).unwrap();
    let f = dir
        .path()
        .join("别家店 账号 商品20261120-20261121 10_15_30.csv");
    std::fs::write(
        &f,
        "统计日期,商品ID,用户支付金额,商品曝光次数,商品点击次数\n2026-11-20,\"\t3691234567890123456\",99.00,1000,50\n",
    )
    .unwrap();
    // No name configured: accepted, with a hint on how to record it.
    let out = ok(vitrine(
        &data,
        &["import", "--shop", "s1", "--dry-run", f.to_str().unwrap()],
    ));
    assert!(String::from_utf8_lossy(&out.stderr).contains("name = \"别家店\""));
    std::fs::write(
        data.join("vitrine.toml"),
        "[shop.\"s1\"]\nname = \"某旗舰店\"\n",
    )
    .unwrap();
    let out = vitrine(&data, &["import", "--shop", "s1", f.to_str().unwrap()]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        !out.status.success() && err.contains("别家店") && err.contains("某旗舰店"),
        "{err}"
    );
}
