//! `vitrine experiment` against an independent oracle: scipy and statsmodels compute every
//! statistic from unit-level data (scripts/oracle/experiment.py); the CLI must agree to
//! 1e-6 relative (plus 1e-12 absolute for values that are themselves ~0).
//! CI installs scipy and statsmodels; elsewhere the test is skipped when they are missing.

use std::path::Path;
use std::process::Command;

use serde_json::Value;

mod common;

const BIN: &str = env!("CARGO_BIN_EXE_vitrine");

fn python_has_oracle() -> bool {
    let ok = Command::new("python3")
        .args(["-c", "import scipy, statsmodels"])
        .status()
        .map(|s| s.success())
        .unwrap_or(false);
    if !ok && std::env::var_os("CI").is_some() {
        panic!("CI must provide python3 with scipy and statsmodels (see .ci/run)");
    }
    ok
}

fn vitrine(args: &[&str]) -> Value {
    let out = Command::new(BIN).args(args).output().expect("run vitrine");
    assert!(
        out.status.success(),
        "vitrine {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("json output")
}

fn close(what: &str, got: &Value, want: f64) {
    let g = got
        .as_f64()
        .unwrap_or_else(|| panic!("{what}: not a number: {got}"));
    assert!(
        (g - want).abs() <= 1e-6 * want.abs() + 1e-12,
        "{what}: vitrine {g} vs oracle {want}"
    );
}

fn oracle(dir: &Path) -> Value {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scripts/oracle/experiment.py");
    let st = Command::new("python3")
        .arg(script)
        .arg("gen")
        .arg(dir)
        .status()
        .expect("run oracle");
    assert!(st.success(), "oracle failed");
    let text = std::fs::read_to_string(dir.join("expected.json")).expect("expected.json");
    serde_json::from_str(&text).expect("oracle json")
}

#[test]
fn every_statistic_matches_scipy_and_statsmodels() {
    if !python_has_oracle() {
        eprintln!("skipped: python3 with scipy and statsmodels not found");
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let expected = oracle(dir.path());
    let cases = expected.as_object().expect("object");
    let mut checked = 0;
    for (name, want) in cases {
        if name.starts_with('_') || name == "case_multi_bh" {
            continue;
        }
        let file = dir.path().join(format!("{name}.json"));
        let got = vitrine(&[
            "experiment",
            "analyze",
            "--input",
            file.to_str().expect("utf-8"),
        ]);
        close(
            &format!("{name} srm"),
            &got["srm_p_value"],
            want["srm_p_value"].as_f64().expect("srm"),
        );
        let rows = want["treatments"].as_array().expect("rows");
        for (i, row) in rows.iter().enumerate() {
            for (key, value) in row.as_object().expect("row") {
                let v = value.as_f64().expect("number");
                close(&format!("{name} #{i} {key}"), &got["treatments"][i][key], v);
                checked += 1;
            }
        }
    }
    // Several metrics corrected together (Benjamini–Hochberg).
    let file = dir.path().join("case_multi_bh.json");
    let got = vitrine(&[
        "experiment",
        "analyze",
        "--input",
        file.to_str().expect("utf-8"),
    ]);
    for (i, want) in expected["case_multi_bh"]["adjusted"]
        .as_array()
        .expect("adj")
        .iter()
        .enumerate()
    {
        close(
            &format!("bh #{i}"),
            &got["metrics"][i]["treatments"][0]["p_value_adjusted"],
            want.as_f64().expect("number"),
        );
    }
    for p in expected["_power"].as_array().expect("power") {
        let arg = |k: &str| p[k].as_f64().expect("number").to_string();
        let got = vitrine(&[
            "experiment",
            "power",
            "--baseline",
            &arg("baseline"),
            "--mde",
            &arg("mde"),
            "--alpha",
            &arg("alpha"),
            "--power",
            &arg("power"),
        ]);
        assert_eq!(got["n_per_variant"], p["n"], "power {p}");
    }
    assert!(checked > 500, "only {checked} statistics compared");
}

#[test]
fn bad_input_names_the_file_and_the_reason() {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("bad.json");
    std::fs::write(&file, r#"{"variants": [{"name": "A", "n": 100, "conversions": 120}, {"name": "B", "n": 100, "conversions": 3}]}"#).expect("write");
    let out = Command::new(BIN)
        .args(["experiment", "analyze", "--input"])
        .arg(&file)
        .output()
        .expect("run");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(
        err.contains("bad.json") && err.contains("variant A"),
        "{err}"
    );
    std::fs::write(&file, "{\"variants\": [").expect("write");
    let out = Command::new(BIN)
        .args(["experiment", "analyze", "--input"])
        .arg(&file)
        .output()
        .expect("run");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        !out.status.success() && err.contains("bad.json:1:"),
        "{err}"
    );
}

fn vitrine_in(data: &Path, args: &[&str]) -> String {
    let out = common::vitrine_cmd(BIN, data)
        .args(args)
        .output()
        .expect("run vitrine");
    assert!(
        out.status.success(),
        "vitrine {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("utf-8")
}

#[test]
fn a_registered_creative_test_is_read_from_the_lake_and_reaches_the_review() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path();
    vitrine_in(
        data,
        &[
            "simulate",
            "--days",
            "40",
            "--scale",
            "0.02",
            "--seed",
            "5",
            "--end",
            "2026-11-21",
        ],
    );
    let csv = vitrine_in(
        data,
        &[
            "query",
            "SELECT creative_id, SUM(clicks) AS c, SUM(impressions) AS n FROM creative_day WHERE date >= DATE '2026-11-10' GROUP BY 1 ORDER BY n DESC LIMIT 2",
            "--format",
            "csv",
        ],
    );
    let rows: Vec<Vec<String>> = csv
        .lines()
        .skip(1)
        .map(|l| l.split(',').map(String::from).collect())
        .collect();
    assert_eq!(rows.len(), 2, "{csv}");
    let arm = |name: &str, r: &[String]| format!("{name}=creative:{}", r[0]);
    vitrine_in(
        data,
        &[
            "experiment",
            "create",
            "--shop",
            "shop1",
            "--name",
            "主图A/B",
            "--hypothesis",
            "新主图点击率更高",
            "--metric",
            "creative_ctr",
            "--variant",
            &arm("A", &rows[0]),
            "--variant",
            &arm("B", &rows[1]),
            "--start",
            "2026-11-10",
            "--end",
            "2026-11-30",
        ],
    );
    let got: Value = serde_json::from_str(&vitrine_in(
        data,
        &[
            "experiment",
            "analyze",
            "--id",
            "1",
            "--date",
            "2026-11-21",
            "--format",
            "json",
        ],
    ))
    .expect("json");
    // Counts come from the lake exactly as SQL sums them.
    let num = |s: &str| s.parse::<f64>().expect("number");
    assert_eq!(got["control"]["n"].as_f64(), Some(num(&rows[0][2])));
    assert_eq!(got["treatments"][0]["n"].as_f64(), Some(num(&rows[1][2])));
    let mean = num(&rows[1][1]) / num(&rows[1][2]);
    close("treatment ctr", &got["treatments"][0]["mean"], mean);
    // 12 days of a 7-day minimum: no window warning; the review carries the verdict.
    assert!(got["warnings"]
        .as_array()
        .expect("warnings")
        .iter()
        .all(|w| !w.as_str().unwrap_or("").contains("minimum")));
    let review: Value = serde_json::from_str(&vitrine_in(
        data,
        &[
            "review",
            "--date",
            "2026-11-21",
            "--format",
            "json",
            "--no-record",
        ],
    ))
    .expect("json");
    // The review looks every day, so it judges with the always-valid sequential test: the
    // same counts, the same analysis as asking for that method.
    let sequential: Value = serde_json::from_str(&vitrine_in(
        data,
        &[
            "experiment",
            "analyze",
            "--id",
            "1",
            "--date",
            "2026-11-21",
            "--method",
            "sequential",
            "--format",
            "json",
        ],
    ))
    .expect("json");
    assert_eq!(review["experiments"][0]["id"], 1);
    assert_eq!(review["experiments"][0]["analysis"]["method"], "sequential");
    assert_eq!(review["experiments"][0]["analysis"], sequential);
    assert_eq!(sequential["control"], got["control"]);
    let users = &review["users"];
    assert!(users["users"].as_u64().unwrap_or(0) > 0, "{users}");

    // Users: fixed RFM cut points, and recall lists as CSV and XLSX.
    let sizes: Value = serde_json::from_str(&vitrine_in(
        data,
        &[
            "users",
            "segments",
            "--date",
            "2026-11-21",
            "--format",
            "json",
            "--r-cuts",
            "7,14,21,28",
        ],
    ))
    .expect("json");
    assert_eq!(sizes["users"], users["users"]);
    assert_eq!(
        sizes["stages"], users["stages"],
        "cut points change RFM, not stages"
    );
    let csv_path = data.join("recall.csv");
    vitrine_in(
        data,
        &[
            "users",
            "export",
            "--recall",
            "--out",
            csv_path.to_str().expect("utf-8"),
        ],
    );
    let csv = std::fs::read_to_string(&csv_path).expect("csv");
    assert!(csv.starts_with("user_id,stage,r,f,m,rfm_segment,tier,value_index,p_alive"));
    assert_eq!(
        csv.lines().count() as u64 - 1,
        sizes["recall"].as_u64().expect("recall")
    );
    let xlsx = data.join("all.xlsx");
    vitrine_in(
        data,
        &["users", "export", "--out", xlsx.to_str().expect("utf-8")],
    );
    assert!(
        std::fs::read(&xlsx).expect("xlsx").starts_with(b"PK"),
        "an XLSX is a zip"
    );
    let bad = Command::new(BIN)
        .arg("--data-dir")
        .arg(data)
        .args(["users", "segments", "--r-cuts", "30,20,10"])
        .output()
        .expect("run");
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("four ascending"));
}
