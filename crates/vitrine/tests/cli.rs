//! End-to-end tests of the `vitrine` binary: simulate → lake → review, planted incidents
//! caught, quiet days quiet, crash safety and clear errors on bad input.

use std::collections::HashSet;
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::Duration;

use chrono::NaiveDate;
use serde_json::Value;

mod common;

const BIN: &str = env!("CARGO_BIN_EXE_vitrine");

fn vitrine(data: &Path, args: &[&str]) -> Output {
    common::vitrine_cmd(BIN, data)
        .args(args)
        .output()
        .expect("run vitrine")
}

fn ok(out: Output) -> String {
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "vitrine failed: {stderr}");
    String::from_utf8(out.stdout).expect("utf-8 output")
}

fn simulate(data: &Path, seed: &str, days: &str, scale: &str) {
    ok(vitrine(
        data,
        &[
            "simulate",
            "--seed",
            seed,
            "--days",
            days,
            "--scale",
            scale,
            "--end",
            "2026-11-21",
            // Incidents no rule may miss on their first day: a check of the wiring. The
            // realistic sizes are scored by scripts/incident_scan.py over many seeds.
            "--effects",
            "strong",
        ],
    ));
}

/// The monitor rule that must fire for each planted incident kind.
fn rule_for(kind: &str) -> &'static str {
    match kind {
        "plan_ctr_collapse" => "plan_ctr_floor",
        "segment_cvr_drop" => "segment_share_drop",
        "stock_out" => "days_of_cover_min",
        "cpa_spike" => "cpa_rise",
        "complaint_surge" => "complaint_rate_rise",
        "delivery_delay" => "on_time_min",
        other => panic!("unknown incident kind {other}"),
    }
}

fn review_json(data: &Path, date: &str) -> Value {
    let out = ok(vitrine(
        data,
        &["review", "--date", date, "--format", "json", "--no-record"],
    ));
    serde_json::from_str(&out).expect("review JSON")
}

#[test]
fn planted_incidents_are_caught_and_quiet_days_stay_quiet() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path();
    simulate(data, "11", "130", "0.05");
    let truth: Value =
        serde_json::from_slice(&std::fs::read(data.join("ground_truth.json")).unwrap()).unwrap();
    let incidents = truth["incidents"].as_array().unwrap();
    assert_eq!(incidents.len(), 6, "all six incident kinds are planted");
    for inc in incidents {
        let date = inc["date"].as_str().unwrap();
        let rv = review_json(data, date);
        for key in [
            "shop",
            "date",
            "kpis",
            "alerts",
            "standing",
            "actions",
            "risk_index",
        ] {
            assert!(rv.get(key).is_some(), "review lacks {key}");
        }
        // A planted regional conversion drop shows in order counts as a fall in the region's
        // share of orders: that is what the alert measures.
        let metric = match inc["kind"].as_str() {
            Some("segment_cvr_drop") => Value::from("order_count"),
            _ => inc["metric"].clone(),
        };
        let hit = rv["alerts"].as_array().unwrap().iter().find(|a| {
            a["metric"] == metric
                && a["scope"] == inc["scope"]
                && a["kind"] == inc["kind"]
                && a["rule"] == rule_for(inc["kind"].as_str().unwrap())
        });
        let Some(hit) = hit else {
            panic!("incident {inc} not alerted on {date}: {}", rv["alerts"]);
        };
        // The root-cause step ranks the planted scope first (a shop-wide incident: the shop).
        let first = &hit["root_causes"][0];
        let (dim, value) = inc["scope_id"].as_str().unwrap().split_once(':').unwrap();
        assert_eq!(
            (first["dimension"].as_str(), first["value"].as_str()),
            (Some(dim), Some(value)),
            "root causes of {inc}: {}",
            hit["root_causes"]
        );
        for key in ["probability", "impact", "level", "grade"] {
            assert!(hit["risk"].get(key).is_some(), "alert risk lacks {key}");
        }
        let ri = &rv["risk_index"];
        assert_eq!(ri["indicators"].as_array().unwrap().len(), 15);
        assert_eq!(ri["forecast"].as_array().unwrap().len(), 30);
        let v = ri["value"].as_f64().unwrap();
        assert!((0.0..=100.0).contains(&v), "risk index {v}");
    }
    // A quiet day: no incident within three days either side.
    let ranges: Vec<(NaiveDate, NaiveDate)> = incidents
        .iter()
        .map(|i| {
            (
                i["date"].as_str().unwrap().parse().unwrap(),
                i["end"].as_str().unwrap().parse().unwrap(),
            )
        })
        .collect();
    let end: NaiveDate = "2026-11-21".parse().unwrap();
    let quiet: Vec<NaiveDate> = (10..80)
        .map(|k| end - chrono::Duration::days(k))
        .filter(|d| {
            ranges.iter().all(|(s, e)| {
                *d < *s - chrono::Duration::days(3) || *d > *e + chrono::Duration::days(3)
            })
        })
        .collect();
    assert!(!quiet.is_empty());
    let incident_rules: HashSet<&str> = [
        "plan_ctr_floor",
        "segment_share_drop",
        "days_of_cover_min",
        "cpa_rise",
        "complaint_rate_rise",
        "on_time_min",
    ]
    .into();
    for d in quiet.iter().take(3) {
        let rv = review_json(data, &d.to_string());
        let fired: Vec<&Value> = rv["alerts"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|a| incident_rules.contains(a["rule"].as_str().unwrap()))
            .collect();
        assert!(fired.is_empty(), "quiet day {d} raised {fired:?}");
    }
}

#[test]
fn review_renders_in_every_format_and_language() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path();
    simulate(data, "3", "60", "0.02");
    let zh = ok(vitrine(data, &["review", "--format", "text"]));
    assert!(zh.contains("每日复盘"), "{zh}");
    let en = ok(vitrine(data, &["review", "--format", "md", "--lang", "en"]));
    assert!(en.contains("# Daily review"), "{en}");
    let html = ok(vitrine(data, &["review", "--format", "html"]));
    assert!(html.starts_with("<!doctype html>") && html.contains("zh-CN"));
    // Alerts were recorded once per fingerprint, and re-running does not duplicate them.
    let first = ok(vitrine(data, &["alerts", "list", "--format", "json"]));
    ok(vitrine(data, &["review", "--format", "json"]));
    let second = ok(vitrine(data, &["alerts", "list", "--format", "json"]));
    let n1 = serde_json::from_str::<Value>(&first)
        .unwrap()
        .as_array()
        .unwrap()
        .len();
    let n2 = serde_json::from_str::<Value>(&second)
        .unwrap()
        .as_array()
        .unwrap()
        .len();
    assert_eq!(n1, n2);
    let q = ok(vitrine(
        data,
        &[
            "query",
            "SELECT COUNT(*) AS n FROM orders",
            "--format",
            "json",
        ],
    ));
    let n = serde_json::from_str::<Value>(&q).unwrap()[0]["n"]
        .as_i64()
        .unwrap();
    assert!(n > 1000, "{q}");
    let metrics = ok(vitrine(data, &["metrics"]));
    assert!(metrics.contains("点击率") && metrics.contains("ratio of sums"));
}

#[test]
fn bad_input_gets_a_clear_error_and_no_panic() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path();
    let cases: Vec<(Vec<&str>, &str)> = vec![
        (vec!["review"], "empty"),
        (vec!["query", "SELECT 1"], "empty"),
        (vec!["simulate", "--scale=-1"], "scale"),
        (vec!["simulate", "--days", "0"], "days"),
        (vec!["review", "--date", "2026-13-45"], "YYYY-MM-DD"),
        (vec!["review", "--lang", "fr"], "possible values: zh, en"),
        (vec!["review", "--format", "pdf"], "invalid value"),
    ];
    for (args, expect) in cases {
        let out = vitrine(data, &args);
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "{args:?} should fail");
        assert!(err.contains(expect), "{args:?}: {err}");
        assert!(!err.contains("panicked"), "{args:?} panicked: {err}");
    }
    simulate(data, "5", "40", "0.01");
    for (args, expect) in [
        (
            vec!["review", "--date", "2020-01-01"],
            "no data for 2020-01-01",
        ),
        (vec!["review", "--shop", "nope"], "unknown shop"),
        (vec!["query", "SELECT nope FROM orders"], "nope"),
    ] {
        let out = vitrine(data, &args);
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            !out.status.success() && err.contains(expect) && !err.contains("panicked"),
            "{args:?}: {err}"
        );
    }
}

#[test]
fn a_killed_commit_leaves_the_previous_state_readable() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path();
    simulate(data, "1", "45", "0.02");
    let count = |d: &Path| -> i64 {
        let q = ok(vitrine(
            d,
            &[
                "query",
                "SELECT COUNT(*) AS n FROM orders",
                "--format",
                "json",
            ],
        ));
        serde_json::from_str::<Value>(&q).unwrap()[0]["n"]
            .as_i64()
            .unwrap()
    };
    let before = count(data);
    let other = tempfile::tempdir().unwrap();
    simulate(other.path(), "2", "45", "0.02");
    let after = count(other.path());
    assert_ne!(before, after);
    // Kill a replacing simulation at spread-out moments; every survivor state is whole.
    for (i, ms) in [30u64, 120, 300, 700, 1500].into_iter().enumerate() {
        let mut child = Command::new(BIN)
            .arg("--data-dir")
            .arg(data)
            .args([
                "simulate",
                "--seed",
                "2",
                "--days",
                "45",
                "--scale",
                "0.02",
                "--end",
                "2026-11-21",
                "--effects",
                "strong",
            ])
            .env("CI", "1")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(Duration::from_millis(ms));
        let _ = child.kill();
        let _ = child.wait();
        let n = count(data);
        assert!(
            n == before || n == after,
            "kill #{i} after {ms} ms left {n} orders (before {before}, after {after})"
        );
    }
}

#[test]
fn targets_can_be_set_and_drive_the_review() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path();
    simulate(data, "4", "40", "0.01");
    let before = ok(vitrine(data, &["targets", "show", "--lang", "en"]));
    assert!(
        before.contains("Annual GMV target 2026") && before.contains("(Derived from last year)"),
        "{before}"
    );
    ok(vitrine(
        data,
        &[
            "targets",
            "set",
            "--shop",
            "shop1",
            "--metric",
            "gmv",
            "--period",
            "year:2026",
            "--value",
            "36500000",
        ],
    ));
    ok(vitrine(
        data,
        &[
            "targets", "set", "--shop", "shop1", "--metric", "ctr", "--period", "default",
            "--value", "0.05",
        ],
    ));
    let after = ok(vitrine(data, &["targets", "show", "--lang", "en"]));
    assert!(after.contains("¥36500000 (Set)"), "{after}");
    let rv = review_json(data, "2026-11-21");
    assert_eq!(rv["targets"]["annual"], 36_500_000.0);
    let ctr = rv["kpis"]
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["metric"] == "ctr")
        .unwrap();
    assert_eq!(ctr["target"], 0.05);
    // The quarters split the year: a quarter of it each, ± 10 % by season, adding up to it.
    let quarters = rv["targets"]["quarters"].as_array().unwrap();
    let sum: f64 = quarters.iter().map(|q| q.as_f64().unwrap()).sum();
    assert!(
        (sum / 36_500_000.0 - 1.0).abs() < 1e-9,
        "quarters sum to {sum}"
    );
    for q in quarters {
        let share = q.as_f64().unwrap() / 36_500_000.0;
        assert!(
            (0.25 * 0.9 / 1.1..=0.25 * 1.1 / 0.9).contains(&share),
            "each quarter gets a quarter ± 10 %: {share}"
        );
    }
    let bad = vitrine(
        data,
        &[
            "targets",
            "set",
            "--shop",
            "shop1",
            "--metric",
            "ctr",
            "--period",
            "year:2026",
            "--value",
            "0.05",
        ],
    );
    assert!(!bad.status.success() && String::from_utf8_lossy(&bad.stderr).contains("ratio"));
}

#[test]
fn auction_simulator_compares_the_policies() {
    let dir = tempfile::tempdir().unwrap();
    let out = ok(vitrine(
        dir.path(),
        &[
            "sim",
            "auction",
            "--scenarios",
            "4",
            "--seed",
            "1",
            "--format",
            "json",
        ],
    ));
    let v: Value = serde_json::from_str(&out).expect("auction JSON");
    let policies: Vec<&str> = v["summary"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["policy"].as_str().unwrap())
        .collect();
    assert_eq!(
        policies,
        ["controller", "pid_pacer", "pacing_rule", "fixed_bid"]
    );
    assert_eq!(v["outcomes"].as_array().unwrap().len(), 16);
    for o in v["outcomes"].as_array().unwrap() {
        for key in [
            "goal",
            "target",
            "achieved",
            "spend",
            "budget",
            "budget_use",
            "within_target",
            "budget_reachable",
        ] {
            assert!(o.get(key).is_some(), "outcome lacks {key}");
        }
    }
    let table = ok(vitrine(dir.path(), &["sim", "auction", "--scenarios", "4"]));
    assert!(table.contains("| controller |") && table.contains("within ±5%"));
    let err = vitrine(dir.path(), &["sim", "auction", "--scenarios", "0"]);
    assert!(!err.status.success());
}

#[test]
fn the_study_compares_modes_and_mixes_over_seeds() {
    let dir = tempfile::tempdir().unwrap();
    let args = [
        "sim",
        "study",
        "--seeds",
        "1,2",
        "--scenarios",
        "2",
        "--days",
        "7",
    ];
    let mut json = args.to_vec();
    json.extend(["--format", "json"]);
    let v: Value = serde_json::from_str(&ok(vitrine(dir.path(), &json))).expect("study JSON");
    // 2 modes × 2 mixes × 4 policies, each over 2 seeds × 2 scenarios.
    let summary = v["summary"].as_array().unwrap();
    assert_eq!(summary.len(), 16);
    assert!(summary.iter().all(|s| s["scenarios"] == 4));
    assert_eq!(v["runs"].as_array().unwrap().len(), 64);
    assert!(v["losses"].is_array());
    let table = ok(vitrine(dir.path(), &args));
    assert!(
        table.contains("| guardrails | unseen | PID pacer |") && !table.contains("pid_pacer"),
        "{table}"
    );
    let err = vitrine(dir.path(), &["sim", "study", "--days", "0"]);
    assert!(!err.status.success());
}

#[test]
fn bids_recommend_record_and_respect_decisions() {
    let dir = tempfile::tempdir().unwrap();
    simulate(dir.path(), "42", "40", "0.05");
    let d = dir.path();
    let show = |args: &[&str]| -> Value {
        let mut a = vec!["bids", "--date", "2026-11-21", "--format", "json"];
        a.extend_from_slice(args);
        serde_json::from_str(&ok(vitrine(d, &a))).expect("bids JSON")
    };
    let v = show(&[]);
    let recs = v["recommendations"].as_array().unwrap().clone();
    assert!(!recs.is_empty(), "the simulated shop has plans to act on");
    assert_eq!(
        v["plans"].as_array().unwrap().len(),
        v["overview"]["plans"].as_u64().unwrap() as usize
    );
    for r in &recs {
        assert!(
            !r["reason_zh"].as_str().unwrap().is_empty() && r["evidence"].is_object(),
            "{r}"
        );
    }
    assert_eq!(v["daypart"]["schedule_time"].as_str().unwrap().len(), 336);
    // 40 days of data: a launching shop spends 8–10 % of the last 30 days' sales.
    let bp = &v["budget_plan"];
    let sales = bp["sales_forecast"].as_f64().unwrap();
    assert!(
        sales > 0.0 && (bp["paid_budget"].as_f64().unwrap() / sales - 0.09).abs() < 1e-9,
        "{bp}"
    );
    // Every actionable recommendation is in the audit log, once, however often bids runs.
    show(&[]);
    let audit: Value =
        serde_json::from_str(&ok(vitrine(d, &["bids", "audit", "--shop", "shop1"]))).unwrap();
    let proposed = recs.iter().filter(|r| r["status"] == "proposed").count();
    assert_eq!(audit["changes"].as_array().unwrap().len(), proposed);
    // Approve the first proposal; it cannot be approved twice; the next run shows the decision
    // and the plan is in its cooldown.
    let first = recs.iter().find(|r| r["status"] == "proposed").unwrap();
    let id = first["id"].as_str().unwrap();
    let plan = first["plan_id"].as_str().unwrap();
    ok(vitrine(
        d,
        &["bids", "approve", "--shop", "shop1", "--id", id],
    ));
    let again = vitrine(d, &["bids", "approve", "--shop", "shop1", "--id", id]);
    assert!(
        !again.status.success() && String::from_utf8_lossy(&again.stderr).contains("cannot become")
    );
    let unknown = vitrine(d, &["bids", "reject", "--shop", "shop1", "--id", "nope"]);
    assert!(
        !unknown.status.success()
            && String::from_utf8_lossy(&unknown.stderr).contains("no recommendation")
    );
    let v = show(&[]);
    let same = v["recommendations"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == id)
        .unwrap()
        .clone();
    assert_eq!(same["decision"], "approved");
    let log: Value =
        serde_json::from_str(&ok(vitrine(d, &["bids", "audit", "--shop", "shop1"]))).unwrap();
    assert!(log["log"]
        .as_array()
        .unwrap()
        .iter()
        .any(|e| e["status"] == "approved"));
    // A plan on hold gets nothing.
    ok(vitrine(
        d,
        &["bids", "hold", "--shop", "shop1", "--plan", plan],
    ));
    let v = show(&[]);
    for r in v["recommendations"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["plan_id"] == plan)
    {
        assert_eq!(r["status"], "held", "{r}");
    }
    // The XLSX an optimizer applies.
    let out = d.join("bids.xlsx");
    ok(vitrine(
        d,
        &[
            "bids",
            "--date",
            "2026-11-21",
            "--format",
            "xlsx",
            "--out",
            out.to_str().unwrap(),
        ],
    ));
    let bytes = std::fs::read(&out).unwrap();
    assert!(bytes.starts_with(b"PK"), "an xlsx is a zip");
    let bad = vitrine(d, &["bids", "--date", "2026-11-21", "--format", "pdf"]);
    assert!(!bad.status.success());
}

#[test]
fn rca_names_a_combination_with_riskloc_and_runs_adtributor_on_request() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("cube.csv");
    let mut csv = String::from("region,device,source,actual,expected\n");
    for (i, r) in ["广东", "江苏", "浙江", "山东", "河南"].iter().enumerate() {
        for (j, d) in ["android", "iphone", "pc"].iter().enumerate() {
            for (k, s) in ["feed", "search", "live", "mall"].iter().enumerate() {
                let f = 100.0 + 40.0 * (i + j + k) as f64;
                let wobble = 1.0 + 0.02 * (((i + 2 * j + 3 * k) % 3) as f64 - 1.0);
                let hit = *r == "江苏" && *s == "live";
                let a = f * wobble * if hit { 0.3 } else { 1.0 };
                csv.push_str(&format!("{r},{d},{s},{a:.2},{f:.2}\n"));
            }
        }
    }
    std::fs::write(&path, csv).unwrap();
    let p = path.to_str().unwrap();
    let args = |method: &str| {
        vec![
            "rca",
            "--input",
            p,
            "--dimensions",
            "region,device,source",
            "--actual",
            "actual",
            "--expected",
            "expected",
            "--method",
            method,
            "--format",
            "json",
        ]
        .into_iter()
        .map(String::from)
        .collect::<Vec<_>>()
    };
    let run = |m: &str| -> Value {
        let a = args(m);
        let a: Vec<&str> = a.iter().map(String::as_str).collect();
        serde_json::from_str(&ok(vitrine(dir.path(), &a))).expect("rca JSON")
    };
    let v = run("riskloc");
    assert_eq!(
        v["root_cause_set"],
        serde_json::json!([{"region": "江苏", "source": "live"}])
    );
    assert!(v["candidates"][0]["risk"].as_f64().unwrap() >= 0.5);
    let v = run("adtributor");
    assert!(v["candidates"][0].get("risk").is_none());
    let bad = vitrine(
        dir.path(),
        &[
            "rca",
            "--input",
            p,
            "--dimensions",
            "region",
            "--actual",
            "gmv",
            "--expected",
            "expected",
        ],
    );
    let err = String::from_utf8_lossy(&bad.stderr);
    assert!(
        !bad.status.success() && err.contains("cube.csv:1") && err.contains("gmv"),
        "{err}"
    );
}
