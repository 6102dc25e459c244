//! Alerts from files shaped like real downloads: a Qianchuan plan report and its creative
//! report, a 抖店 order export and its 评价 export go in through `vitrine import`, and the
//! review names the tired creative inside a plan and the product of a bad batch.

use std::fmt::Write as _;
use std::path::Path;
use std::process::{Command, Output};

use serde_json::Value;

const BIN: &str = env!("CARGO_BIN_EXE_vitrine");
const DAYS: u32 = 35;
/// The last two days carry the incidents.
const BAD_FROM: u32 = DAYS - 1;
const PRODUCT_A: &str = "3691234567890123456";
const PRODUCT_B: &str = "3691234567890123457";

fn vitrine(data: &Path, args: &[&str]) -> Output {
    let out = Command::new(BIN)
        .arg("--data-dir")
        .arg(data)
        .args(args)
        .env("CI", "1")
        .output()
        .expect("run vitrine");
    assert!(
        out.status.success(),
        "{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// Day `i` (1-based) of June–July 2026.
fn date(i: u32) -> String {
    let d = chrono::NaiveDate::from_ymd_opt(2026, 5, 31).unwrap() + chrono::Days::new(i.into());
    d.format("%Y-%m-%d").to_string()
}

/// A small deterministic wobble, so no day is a copy of another.
fn wobble(i: u32, k: u32) -> u32 {
    (i * 7 + k * 3) % 5
}

/// The plan report (daily) and the creative report: plan P1 runs creatives c1–c3 at 2 % CTR
/// until c2 collapses to 0.2 % on the last two days; P2 holds.
fn ads(dir: &Path) -> (String, String) {
    let mut plans = String::from("日期,计划ID,消耗,展示数,点击数,转化数,成交订单金额\n");
    let mut creatives = String::from("日期,计划ID,素材ID,消耗,展示数,点击数,转化数\n");
    for i in 1..=DAYS {
        let day = date(i);
        let mut p1 = (0, 0);
        for (k, c) in ["c1", "c2", "c3"].into_iter().enumerate() {
            let imps = 10_000 + 100 * wobble(i, k as u32);
            let ctr = if c == "c2" && i >= BAD_FROM {
                0.002
            } else {
                0.02
            };
            let clicks = (imps as f64 * ctr).round() as u32;
            p1 = (p1.0 + imps, p1.1 + clicks);
            writeln!(
                creatives,
                "{day},P1,{c},300.00,{imps},{clicks},{}",
                clicks / 20
            )
            .unwrap();
        }
        writeln!(
            plans,
            "{day},P1,900.00,{},{},{},4500.00",
            p1.0,
            p1.1,
            p1.1 / 20
        )
        .unwrap();
        let imps = 20_000 + 100 * wobble(i, 5);
        writeln!(plans, "{day},P2,600.00,{imps},{},20,3000.00", imps / 50).unwrap();
    }
    let (p, c) = (dir.join("千川_计划报表.csv"), dir.join("千川_素材报表.csv"));
    std::fs::write(&p, plans).unwrap();
    std::fs::write(&c, creatives).unwrap();
    (p.display().to_string(), c.display().to_string())
}

/// The order export (60 orders of A and 40 of B a day) and the 评价 export: a 差评 now and
/// then, until A's bad batch draws eight a day on the last two days.
fn shop(dir: &Path) -> (String, String) {
    let mut orders = String::from(
        "\u{feff}主订单编号,子订单编号,选购商品,商品数量,商品ID,订单应付金额,运费,收件人,收件人手机号,省,市,区,详细地址,订单提交时间,支付完成时间,APP渠道,订单状态,售后状态,流量类型,流量体裁,承诺发货时间,发货时间\n",
    );
    let mut reviews = String::from(
        "评价日期,订单ID,商品ID,商品名称,商品规格,商品评价得分,评价内容,用户昵称,评价等级,追评内容,追评时间,商家是否回复,回复内容,门店ID,门店名称\n",
    );
    let mut n = 0u64;
    for i in 1..=DAYS {
        let day = date(i);
        let (y, m, d) = (&day[..4], &day[5..7], &day[8..]);
        for (product, count, every) in [(PRODUCT_A, 60, 4), (PRODUCT_B, 40, 5)] {
            let bad_batch = product == PRODUCT_A && i >= BAD_FROM;
            let bad = if bad_batch {
                8
            } else {
                u32::from(i % every == 0)
            };
            for k in 0..count {
                n += 1;
                let id = 6_917_926_768_823_000_000u64 + n;
                let at = format!("{day} {:02}:{:02}:00", 9 + k % 12, k % 60);
                writeln!(
                    orders,
                    "\"\t{id}\",\"\t{id}-1\",商品,1,\"\t{product}\",100.00,0.00,##a,$$b,广东省,深圳市,南山区,##c,{at},{at},抖音,已完成,-,自然,直播,,"
                )
                .unwrap();
                let (grade, score, text) = match k {
                    _ if k < bad => ("差评", 1, "收到就坏了，要退货"),
                    _ if k < bad + 6 => ("好评", 5, "很好用"),
                    _ => continue,
                };
                writeln!(
                    reviews,
                    "{y}年{m}月{d}日 20:11:05,\"\t{id}\",\"\t{product}\",商品,默认,{score},{text},用户,{grade},,,否,,,"
                )
                .unwrap();
            }
        }
    }
    let (o, r) = (
        dir.join("1720600000_订单导出.csv"),
        dir.join("评价导出.csv"),
    );
    std::fs::write(&o, orders).unwrap();
    std::fs::write(&r, reviews).unwrap();
    (o.display().to_string(), r.display().to_string())
}

/// The first alert (new or standing) of `rule` scoped to a `dim`.
fn alert<'a>(review: &'a Value, rule: &str, dim: &str) -> &'a Value {
    review["alerts"]
        .as_array()
        .unwrap()
        .iter()
        .chain(review["standing"].as_array().unwrap())
        .find(|a| a["rule"] == rule && a["scope"].get(dim).is_some())
        .unwrap_or_else(|| panic!("no {rule} alert on a {dim}: {:#}", review["alerts"]))
}

#[test]
fn a_tired_creative_and_a_bad_batch_are_named_from_real_shaped_files() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let (plans, creatives) = ads(dir.path());
    let (orders, reviews) = shop(dir.path());
    for f in [&plans, &creatives, &orders, &reviews] {
        vitrine(&data, &["import", "--shop", "s1", f]);
    }
    let out = vitrine(
        &data,
        &[
            "review",
            "--shop",
            "s1",
            "--date",
            &date(DAYS),
            "--format",
            "json",
        ],
    );
    let rv: Value = serde_json::from_slice(&out.stdout).unwrap();

    // P1's CTR fell to 0.7× its own week: the plan first, then c2 inside it.
    let ctr = alert(&rv, "plan_ctr_drop", "plan");
    assert_eq!(ctr["scope"], serde_json::json!({"plan": "P1"}), "{ctr:#}");
    let causes: Vec<(&str, &str)> = ctr["root_causes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["dimension"].as_str().unwrap(),
                c["value"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(causes[0], ("plan", "P1"), "{causes:?}");
    assert!(causes.contains(&("plan/creative", "P1/c2")), "{causes:?}");

    // A's 差评 rose from one in four days to eight a day: the complaint rule names A alone.
    let complaints = alert(&rv, "complaint_rate_rise", "product");
    assert_eq!(
        complaints["scope"],
        serde_json::json!({ "product": PRODUCT_A }),
        "{complaints:#}"
    );
    let named_b = rv["alerts"]
        .as_array()
        .unwrap()
        .iter()
        .any(|a| a["rule"] == "complaint_rate_rise" && a["scope"]["product"] == PRODUCT_B);
    assert!(!named_b);

    // The order export names no buyer: the repurchase rate is unknown, not 0 % against its
    // target.
    let every = rv["alerts"]
        .as_array()
        .unwrap()
        .iter()
        .chain(rv["standing"].as_array().unwrap());
    let metrics: Vec<&str> = every.map(|a| a["metric"].as_str().unwrap()).collect();
    assert!(!metrics.contains(&"repurchase_rate"), "{metrics:?}");

    // The Chinese review says so in words.
    let text = vitrine(&data, &["review", "--shop", "s1", "--date", &date(DAYS)]);
    let text = String::from_utf8_lossy(&text.stdout);
    assert!(text.contains("先替换素材 c2"), "{text}");
    assert!(text.contains(&format!("商品 {PRODUCT_A} 投诉")), "{text}");
    assert!(
        !text.contains("product:") && !text.contains("shop:"),
        "{text}"
    );
    // No funnel export: no funnel step is called the leakiest.
    assert!(rv["leakiest_step"].is_null(), "{}", rv["leakiest_step"]);
    // Buyers are unknown, so there is no user section (not one buyer with an empty id).
    assert!(rv["users"].is_null(), "{:#}", rv["users"]);
}
