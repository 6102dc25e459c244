//! The HTTP surface over a real simulated lake: pages, assets, JSON endpoints and errors.

use axum::body::Body;
use axum::http::{Request, StatusCode};
use http_body_util::BodyExt;
use tower::ServiceExt;
use vitrine_lake::Lake;
use vitrine_server::{router, Workspace};
use vitrine_sim::SimConfig;

fn workspace() -> (tempfile::TempDir, Workspace) {
    let dir = tempfile::tempdir().unwrap();
    let lake = Lake::open(dir.path()).unwrap();
    let mut c = lake.begin().unwrap();
    let cfg = SimConfig {
        seed: 9,
        days: 45,
        end: "2026-11-21".parse().unwrap(),
        scale: 0.02,
        shops: 2,
    };
    vitrine_sim::simulate(&cfg, &mut c, &mut |_, _| {}).unwrap();
    c.finish().unwrap();
    let ws = Workspace::open(dir.path()).unwrap();
    (dir, ws)
}

async fn get(ws: &Workspace, uri: &str) -> (StatusCode, String, Vec<u8>) {
    let res = router(ws.clone())
        .oneshot(Request::get(uri).body(Body::empty()).unwrap())
        .await
        .unwrap();
    let status = res.status();
    let ct = res
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default();
    let body = res.into_body().collect().await.unwrap().to_bytes().to_vec();
    (status, ct, body)
}

#[tokio::test]
async fn dashboard_assets_and_json_endpoints() {
    let (_dir, ws) = workspace();
    let (s, ct, body) = get(&ws, "/").await;
    assert_eq!(s, StatusCode::OK);
    assert!(ct.starts_with("text/html"));
    let html = String::from_utf8(body).unwrap();
    assert!(html.contains("运营看板") && html.contains("/assets/echarts.min.js"));
    let (s, _, body) = get(&ws, "/assets/echarts.min.js").await;
    assert_eq!(s, StatusCode::OK);
    assert!(body.len() > 500_000, "ECharts is served from the binary");

    let (s, _, body) = get(&ws, "/api/shops").await;
    assert_eq!(s, StatusCode::OK);
    let shops: serde_json::Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(shops.as_array().unwrap().len(), 2);

    let (s, _, body) = get(&ws, "/api/review?shop=shop2&date=2026-11-20&lang=en").await;
    assert_eq!(s, StatusCode::OK, "{}", String::from_utf8_lossy(&body));
    let rv: serde_json::Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(rv["shop"], "shop2");
    assert_eq!(rv["date"], "2026-11-20");
    assert_eq!(rv["funnel"].as_array().unwrap().len(), 5);
    assert_eq!(rv["trends"][0]["points"].as_array().unwrap().len(), 30);
    assert!(rv["kpis"]
        .as_array()
        .unwrap()
        .iter()
        .any(|k| k["metric"] == "gmv" && k["name"] == "GMV"));

    let (s, _, body) = get(
        &ws,
        "/api/metric?metrics=ctr,gmv&by=source&from=2026-11-01&to=2026-11-21",
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{}", String::from_utf8_lossy(&body));
    let t: serde_json::Value = serde_json::from_slice(&body).unwrap();
    assert!(t["rows"].as_array().unwrap().len() >= 6);
}

#[tokio::test]
async fn bad_requests_name_the_problem() {
    let (_dir, ws) = workspace();
    for (uri, status, needle) in [
        (
            "/api/review?date=21-11-2026",
            StatusCode::BAD_REQUEST,
            "YYYY-MM-DD",
        ),
        (
            "/api/review?date=2020-01-01",
            StatusCode::NOT_FOUND,
            "no data for 2020-01-01",
        ),
        (
            "/api/review?shop=nope",
            StatusCode::NOT_FOUND,
            "unknown shop",
        ),
        ("/api/review?lang=fr", StatusCode::BAD_REQUEST, "language"),
        (
            "/api/metric?metrics=nope",
            StatusCode::BAD_REQUEST,
            "unknown metric",
        ),
        (
            "/api/metric?metrics=ctr&by=plan",
            StatusCode::BAD_REQUEST,
            "plan",
        ),
        (
            "/api/alerts?status=weird",
            StatusCode::BAD_REQUEST,
            "status",
        ),
    ] {
        let (s, _, body) = get(&ws, uri).await;
        let text = String::from_utf8_lossy(&body);
        assert_eq!(s, status, "{uri}: {text}");
        assert!(text.contains(needle), "{uri}: {text}");
    }
}

async fn post(ws: &Workspace, uri: &str, body: &str) -> (StatusCode, serde_json::Value) {
    send(ws, "POST", uri, body).await
}

#[tokio::test]
async fn users_and_experiments_endpoints() {
    let (_dir, ws) = workspace();
    let (s, _, body) = get(&ws, "/api/users?shop=shop1&limit=10").await;
    assert_eq!(s, StatusCode::OK, "{}", String::from_utf8_lossy(&body));
    let seg: serde_json::Value = serde_json::from_slice(&body).unwrap();
    let n = seg["sizes"]["users"].as_u64().unwrap();
    let by_stage: u64 = seg["sizes"]["stages"]
        .as_object()
        .unwrap()
        .values()
        .map(|v| v.as_u64().unwrap())
        .sum();
    assert_eq!(by_stage, n, "every user has exactly one stage");
    assert_eq!(seg["users"].as_array().unwrap().len(), 10.min(n as usize));
    let (s, _, body) = get(&ws, "/api/users/cohorts?shop=shop1").await;
    assert_eq!(s, StatusCode::OK);
    let c: serde_json::Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(
        (c[0]["by"].as_str(), c[1]["by"].as_str()),
        (Some("month"), Some("source"))
    );
    for page in ["/users", "/experiments"] {
        let (s, ct, _) = get(&ws, page).await;
        assert_eq!(
            (s, ct.starts_with("text/html")),
            (StatusCode::OK, true),
            "{page}"
        );
    }

    let (s, a) = post(
        &ws,
        "/api/experiments/analyze",
        r#"{"variants": [{"name": "A", "n": 1000, "conversions": 100}, {"name": "B", "n": 1000, "conversions": 130}]}"#,
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{a}");
    assert!((a["treatments"][0]["estimate"].as_f64().unwrap() - 0.03).abs() < 1e-12);
    let (s, e) = post(
        &ws,
        "/api/experiments/analyze",
        r#"{"variants": [{"name": "A", "n": 10}, {"name": "B", "n": 10, "conversions": 1}]}"#,
    )
    .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert!(e["error"].as_str().unwrap().contains("variant A"), "{e}");
    let (s, _, body) = get(&ws, "/api/experiments").await;
    assert_eq!((s, body.as_slice()), (StatusCode::OK, b"[]".as_slice()));
    let (s, _, _) = get(&ws, "/api/experiments/7").await;
    assert_eq!(s, StatusCode::NOT_FOUND);
}

async fn send(
    ws: &Workspace,
    method: &str,
    uri: &str,
    body: &str,
) -> (StatusCode, serde_json::Value) {
    let res = router(ws.clone())
        .oneshot(
            Request::builder()
                .method(method)
                .uri(uri)
                .header("content-type", "application/json")
                .body(Body::from(body.to_string()))
                .unwrap(),
        )
        .await
        .unwrap();
    let status = res.status();
    let bytes = res.into_body().collect().await.unwrap().to_bytes();
    (
        status,
        serde_json::from_slice(&bytes).unwrap_or(serde_json::Value::Null),
    )
}

#[tokio::test]
async fn targets_are_edited_and_alerts_move_through_their_lifecycle() {
    let (_dir, ws) = workspace();
    // Set an annual GMV target and see the tree use it.
    let (s, _) = send(
        &ws,
        "PUT",
        "/api/targets",
        r#"{"shop":"shop1","metric":"gmv","period":"year:2026","value":12000000}"#,
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    let (s, _, body) = get(&ws, "/api/targets?shop=shop1&date=2026-11-20").await;
    assert_eq!(s, StatusCode::OK);
    let t: serde_json::Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(t["tree"]["annual"], 12_000_000.0);
    assert_eq!(t["tree"]["source"], "stored");
    // Each quarter holds 28 % ± 10 % of the year.
    for q in t["tree"]["quarters"].as_array().unwrap() {
        let share = q.as_f64().unwrap() / 12_000_000.0;
        assert!((0.252 - 1e-9..=0.308 + 1e-9).contains(&share), "{share}");
    }
    assert_eq!(t["stored"][0]["metric"], "gmv");
    // A ratio cannot get an annual target; unknown metrics and fields are refused.
    let (s, e) = send(
        &ws,
        "PUT",
        "/api/targets",
        r#"{"shop":"shop1","metric":"ctr","period":"year:2026","value":0.05}"#,
    )
    .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert!(e["error"].as_str().unwrap().contains("ratio"), "{e}");
    let (s, _) = send(
        &ws,
        "PUT",
        "/api/targets",
        r#"{"shop":"shop1","metric":"nope","period":"default","value":1}"#,
    )
    .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    let (s, _) = send(
        &ws,
        "PUT",
        "/api/targets",
        r#"{"shop":"shop1","metric":"ctr","period":"default","value":0.05,"x":1}"#,
    )
    .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);

    // Record a review's alerts, then acknowledge and resolve one.
    let rv = ws
        .review(
            Some("shop1"),
            Some("2026-11-20".parse().unwrap()),
            vitrine_core::Lang::Zh,
        )
        .await
        .unwrap();
    assert!(
        ws.record_alerts(&rv).await.unwrap() > 0,
        "the review raised alerts"
    );
    let (_, _, body) = get(&ws, "/api/alerts?shop=shop1").await;
    let alerts: serde_json::Value = serde_json::from_slice(&body).unwrap();
    let id = alerts[0]["id"].as_i64().unwrap();
    let (s, h) = send(
        &ws,
        "POST",
        &format!("/api/alerts/{id}/ack"),
        r#"{"actor":"运营小王","note":"在处理"}"#,
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{h}");
    let (s, h) = send(&ws, "POST", &format!("/api/alerts/{id}/resolve"), "").await;
    assert_eq!(s, StatusCode::OK);
    let steps: Vec<&str> = h["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["to"].as_str().unwrap())
        .collect();
    assert_eq!(&steps[steps.len() - 2..], ["acknowledged", "resolved"]);
    let (_, _, body) = get(&ws, "/api/alerts?shop=shop1&status=resolved").await;
    let resolved: serde_json::Value = serde_json::from_slice(&body).unwrap();
    assert!(resolved.as_array().unwrap().iter().any(|a| a["id"] == id));
    let (s, _) = send(&ws, "POST", "/api/alerts/999999/ack", "").await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, _) = send(&ws, "POST", &format!("/api/alerts/{id}/explode"), "").await;
    assert_eq!(s, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn bids_are_read_approved_held_and_audited() {
    let (_d, ws) = workspace();
    let (s, _, body) = get(&ws, "/api/bids?shop=shop1&date=2026-11-21").await;
    let body = String::from_utf8(body).unwrap();
    assert_eq!(s, StatusCode::OK, "{body}");
    let v: serde_json::Value = serde_json::from_str(&body).unwrap();
    let recs = v["recommendations"].as_array().unwrap();
    let Some(first) = recs.iter().find(|r| r["status"] == "proposed") else {
        panic!("no proposal to approve: {body}");
    };
    let id = first["id"].as_str().unwrap();
    let plan = first["plan_id"].as_str().unwrap();
    let approve = format!(r#"{{"shop":"shop1","id":"{id}","actor":"ops"}}"#);
    let (s, r) = post(&ws, "/api/bids/approve", &approve).await;
    assert_eq!(s, StatusCode::OK, "{r}");
    assert_eq!(
        (r["status"].as_str(), r["actor"].as_str()),
        (Some("approved"), Some("ops"))
    );
    // Illegal transitions, unknown ids, unknown verbs and bad bodies are named, not 500s.
    let (s, r) = post(&ws, "/api/bids/approve", &approve).await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{r}");
    let (s, _) = post(&ws, "/api/bids/reject", r#"{"shop":"shop1","id":"nope"}"#).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, _) = post(&ws, "/api/bids/explode", &approve).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, r) = post(&ws, "/api/bids/approve", r#"{"shop":"shop1"}"#).await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{r}");
    assert!(r["error"].as_str().unwrap().contains("id"));
    let (s, r) = post(&ws, "/api/bids/apply", &approve).await;
    assert_eq!((s, r["status"].as_str()), (StatusCode::OK, Some("applied")));
    let hold = format!(r#"{{"shop":"shop1","plan":"{plan}","hold":true}}"#);
    assert_eq!(post(&ws, "/api/bids/hold", &hold).await.0, StatusCode::OK);
    let (_, _, body) = get(&ws, "/api/bids?shop=shop1&date=2026-11-21").await;
    let v: serde_json::Value = serde_json::from_slice(&body).unwrap();
    let mine: Vec<&serde_json::Value> = v["recommendations"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["plan_id"] == plan)
        .collect();
    assert!(mine.iter().any(|r| r["decision"] == "applied"), "{mine:?}");
    assert!(mine.iter().all(|r| r["status"] == "held"), "{mine:?}");
    let (_, _, body) = get(&ws, "/api/bids/audit?shop=shop1").await;
    let a: serde_json::Value = serde_json::from_slice(&body).unwrap();
    let trail: Vec<&str> = a["log"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| {
            a["changes"]
                .as_array()
                .unwrap()
                .iter()
                .any(|c| c["id"] == e["change_id"] && c["rec_id"] == id)
        })
        .map(|e| e["status"].as_str().unwrap())
        .collect();
    assert_eq!(trail, ["proposed", "approved", "applied"]);
    assert_eq!(a["holds"][0], plan);
}
