//! The HTTP surface over a real simulated lake: pages, `/api/v1` with accounts, roles per
//! shop, sessions with CSRF, tokens, rate limiting, uploads and errors. Runs against SQLite,
//! and against PostgreSQL when `VITRINE_TEST_POSTGRES` names a server.

mod common;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use http_body_util::BodyExt;
use serde_json::Value;
use tower::ServiceExt;
use vitrine_lake::Role;
use vitrine_server::api::ENDPOINTS;
use vitrine_server::{auth, router, Workspace, PAGES};

struct Fixture {
    _dir: tempfile::TempDir,
    ws: Workspace,
    /// admin (every shop), op1 (operator of shop1), view1 (viewer of shop1), view2
    /// (viewer of shop2).
    admin: String,
    op1: String,
    view1: String,
    view2: String,
}

async fn fixture() -> Fixture {
    let (dir, ws) = common::simulated_workspace(9).await;
    let state = ws.state().await.unwrap();
    let token = |name: &'static str, grants: &'static [(&'static str, Role)]| {
        let state = state.clone();
        async move {
            let hash = auth::hash_password("correct horse battery").unwrap();
            let id = state.upsert_user(name, &hash).await.unwrap();
            for (shop, role) in grants {
                state.grant(id, shop, *role).await.unwrap();
            }
            auth::issue_token(&state, id, "test").await.unwrap().1
        }
    };
    let admin = token("admin", &[("*", Role::Admin)]).await;
    let op1 = token("op1", &[("shop1", Role::Operator)]).await;
    let view1 = token("view1", &[("shop1", Role::Viewer)]).await;
    let view2 = token("view2", &[("shop2", Role::Viewer)]).await;
    Fixture {
        _dir: dir,
        ws,
        admin,
        op1,
        view1,
        view2,
    }
}

/// One request; `auth` is a bearer token, or a `cookie|csrf` pair for a session.
async fn call(
    ws: &Workspace,
    method: &str,
    uri: &str,
    auth: Option<&str>,
    body: &str,
) -> (StatusCode, Value, axum::http::HeaderMap) {
    let mut req = Request::builder()
        .method(method)
        .uri(uri)
        .header("content-type", "application/json")
        .header("host", "127.0.0.1:8080");
    match auth.map(|a| a.split_once('|')) {
        Some(Some((cookie, csrf))) => {
            req = req.header("cookie", format!("vitrine_session={cookie}"));
            if !csrf.is_empty() {
                req = req.header("x-csrf-token", csrf);
            }
        }
        Some(None) => req = req.header("authorization", format!("Bearer {}", auth.unwrap())),
        None => {}
    }
    let res = router(ws.clone())
        .oneshot(req.body(Body::from(body.to_string())).unwrap())
        .await
        .unwrap();
    let status = res.status();
    let headers = res.headers().clone();
    let bytes = res.into_body().collect().await.unwrap().to_bytes();
    let v = serde_json::from_slice(&bytes)
        .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into_owned()));
    (status, v, headers)
}

async fn get(ws: &Workspace, uri: &str, auth: &str) -> (StatusCode, Value) {
    let (s, v, _) = call(ws, "GET", uri, Some(auth), "").await;
    (s, v)
}

async fn send(
    ws: &Workspace,
    method: &str,
    uri: &str,
    auth: &str,
    body: &str,
) -> (StatusCode, Value) {
    let (s, v, _) = call(ws, method, uri, Some(auth), body).await;
    (s, v)
}

fn code(v: &Value) -> &str {
    v["error"]["code"].as_str().unwrap_or("")
}

fn message(v: &Value) -> &str {
    v["error"]["message"].as_str().unwrap_or("")
}

#[tokio::test]
async fn pages_assets_and_the_overview_api() {
    let f = fixture().await;
    for (path, _) in PAGES {
        let res = router(f.ws.clone())
            .oneshot(Request::get(*path).body(Body::empty()).unwrap())
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::OK, "{path}");
        let ct = res.headers()["content-type"].to_str().unwrap().to_string();
        assert!(ct.starts_with("text/html"), "{path}");
    }
    let res = router(f.ws.clone())
        .oneshot(
            Request::get("/assets/echarts.min.js")
                .body(Body::empty())
                .unwrap(),
        )
        .await
        .unwrap();
    let body = res.into_body().collect().await.unwrap().to_bytes();
    assert!(body.len() > 500_000, "ECharts is served from the binary");

    // The admin sees both shops; a shop's viewer sees only theirs.
    let (s, shops) = get(&f.ws, "/api/v1/shops", &f.admin).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(shops.as_array().unwrap().len(), 2);
    let (_, shops) = get(&f.ws, "/api/v1/shops", &f.view2).await;
    let names: Vec<&str> = shops
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["shop"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["shop2"]);
    assert_eq!(shops[0]["role"], "viewer");

    let (s, rv) = get(
        &f.ws,
        "/api/v1/shops/shop2/review?date=2026-11-20&lang=en",
        &f.view2,
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{rv}");
    assert_eq!(
        (rv["shop"].as_str(), rv["date"].as_str()),
        (Some("shop2"), Some("2026-11-20"))
    );
    assert_eq!(rv["funnel"].as_array().unwrap().len(), 5);
    assert_eq!(rv["trends"][0]["points"].as_array().unwrap().len(), 30);
    assert!(rv["kpis"]
        .as_array()
        .unwrap()
        .iter()
        .any(|k| k["metric"] == "gmv" && k["name"] == "GMV"));
    // Served again from the cache: the same answer.
    let (_, again) = get(
        &f.ws,
        "/api/v1/shops/shop2/review?date=2026-11-20&lang=en",
        &f.view2,
    )
    .await;
    assert_eq!(rv, again);

    let (s, t) = get(
        &f.ws,
        "/api/v1/shops/shop1/metric?metrics=ctr,gmv&by=source&from=2026-11-01&to=2026-11-21",
        &f.view1,
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{t}");
    assert!(t["rows"].as_array().unwrap().len() >= 6);

    let (s, a) = get(&f.ws, "/api/v1/shops/shop1/reviews", &f.view1).await;
    assert_eq!(s, StatusCode::OK, "{a}");
    let rows = a["days"]["rows"].as_array().unwrap();
    assert_eq!(rows.len(), 45, "one row per simulated day");
    assert_eq!(a["last_date"], "2026-11-21");
}

#[tokio::test]
async fn errors_are_json_with_code_and_message() {
    let f = fixture().await;
    for (uri, status, c, needle) in [
        (
            "/api/v1/shops/shop1/review?date=21-11-2026",
            400,
            "bad_request",
            "YYYY-MM-DD",
        ),
        (
            "/api/v1/shops/shop1/review?date=2020-01-01",
            404,
            "not_found",
            "no data for 2020-01-01",
        ),
        (
            "/api/v1/shops/nope/review",
            404,
            "not_found",
            "unknown shop",
        ),
        (
            "/api/v1/shops/shop1/review?lang=fr",
            400,
            "bad_request",
            "language",
        ),
        (
            "/api/v1/shops/shop1/metric?metrics=nope",
            400,
            "bad_request",
            "unknown metric",
        ),
        (
            "/api/v1/shops/shop1/metric?metrics=ctr&by=plan",
            400,
            "bad_request",
            "plan",
        ),
        (
            "/api/v1/shops/shop1/alerts?status=weird",
            400,
            "bad_request",
            "status",
        ),
        ("/api/v1/nothing", 404, "not_found", "openapi.json"),
    ] {
        let (s, v) = get(&f.ws, uri, &f.admin).await;
        assert_eq!(s.as_u16(), status, "{uri}: {v}");
        assert_eq!(code(&v), c, "{uri}: {v}");
        assert!(message(&v).contains(needle), "{uri}: {v}");
    }
}

/// Fills an endpoint's path parameters.
fn concrete(path: &str, shop: &str) -> String {
    path.replace("{shop}", shop)
        .replace("{id}", "1")
        .replace("{name}", "view1")
}

#[tokio::test]
async fn every_endpoint_needs_auth_and_a_grant_on_the_shop() {
    let f = fixture().await;
    let mut checked = 0;
    for e in ENDPOINTS.iter().filter(|e| !e.public) {
        let uri = concrete(e.path, "shop1");
        let body = e.body.unwrap_or("");
        // No credentials: 401, before anything else is looked at.
        let (s, v, _) = call(&f.ws, e.method, &uri, None, body).await;
        assert_eq!(s, StatusCode::UNAUTHORIZED, "{} {uri}: {v}", e.method);
        assert_eq!(code(&v), "unauthorized");
        // A wrong token is no better.
        let (s, _, _) = call(&f.ws, e.method, &uri, Some("vt_forged"), body).await;
        assert_eq!(s, StatusCode::UNAUTHORIZED, "{} {uri}", e.method);
        let Some(role) = e.role else { continue };
        // A viewer of shop2 cannot see shop1 at all.
        let (s, v) = send(&f.ws, e.method, &uri, &f.view2, body).await;
        assert!(
            matches!(s.as_u16(), 403 | 404),
            "{} {uri}: {s} {v}",
            e.method
        );
        assert!(
            !v.to_string().contains("shop1\":"),
            "nothing of shop1 leaks: {v}"
        );
        // A viewer of shop1 can read but not change it.
        if role > Role::Viewer {
            let (s, v) = send(&f.ws, e.method, &uri, &f.view1, body).await;
            assert_eq!(s, StatusCode::FORBIDDEN, "{} {uri}: {v}", e.method);
            assert_eq!(code(&v), "forbidden");
        }
        checked += 1;
    }
    assert!(checked >= 20, "only {checked} shop endpoints");
}

#[tokio::test]
async fn openapi_document_lists_every_endpoint() {
    let f = fixture().await;
    let (s, doc, _) = call(&f.ws, "GET", "/api/v1/openapi.json", None, "").await;
    assert_eq!(s, StatusCode::OK);
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    for e in ENDPOINTS {
        let op = &doc["paths"][e.path][e.method.to_ascii_lowercase()];
        assert!(
            op.is_object(),
            "{} {} missing from the document",
            e.method,
            e.path
        );
        assert_eq!(op["security"].is_array(), !e.public, "{}", e.path);
    }
    assert!(doc["components"]["securitySchemes"]["bearer"].is_object());
    assert!(doc["components"]["schemas"]["ErrorBody"].is_object());
}

#[tokio::test]
async fn sessions_need_csrf_and_logins_are_rate_limited() {
    let f = fixture().await;
    let login = |name: &str, pw: &str| format!(r#"{{"name":"{name}","password":"{pw}"}}"#);
    let (s, v, _) = call(&f.ws, "POST", "/api/v1/login", None, &login("op1", "wrong")).await;
    assert_eq!((s, code(&v)), (StatusCode::UNAUTHORIZED, "unauthorized"));
    // An unknown user gets the same answer.
    let (s, v2, _) = call(
        &f.ws,
        "POST",
        "/api/v1/login",
        None,
        &login("ghost", "wrong"),
    )
    .await;
    assert_eq!((s, message(&v2)), (StatusCode::UNAUTHORIZED, message(&v)));

    let (s, me, h) = call(
        &f.ws,
        "POST",
        "/api/v1/login",
        None,
        &login("op1", "correct horse battery"),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{me}");
    let cookie = h["set-cookie"].to_str().unwrap().to_string();
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"),
        "{cookie}"
    );
    let token = cookie
        .split(';')
        .next()
        .unwrap()
        .trim_start_matches("vitrine_session=")
        .to_string();
    let csrf = me["csrf_token"].as_str().unwrap().to_string();
    assert_eq!(me["grants"][0]["shop"], "shop1");

    let with_csrf = format!("{token}|{csrf}");
    let without = format!("{token}|");
    let (s, _) = get(&f.ws, "/api/v1/me", &without).await;
    assert_eq!(s, StatusCode::OK, "reads need no CSRF token");
    let target = r#"{"metric":"gmv","period":"year:2026","value":9000000}"#;
    let (s, v) = send(
        &f.ws,
        "PUT",
        "/api/v1/shops/shop1/targets",
        &without,
        target,
    )
    .await;
    assert_eq!((s, code(&v)), (StatusCode::FORBIDDEN, "csrf"));
    let (s, v) = send(
        &f.ws,
        "PUT",
        "/api/v1/shops/shop1/targets",
        &format!("{token}|nope"),
        target,
    )
    .await;
    assert_eq!((s, code(&v)), (StatusCode::FORBIDDEN, "csrf"));
    let (s, v) = send(
        &f.ws,
        "PUT",
        "/api/v1/shops/shop1/targets",
        &with_csrf,
        target,
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{v}");

    // A token made in the session works without cookies; revoked, it stops working.
    let (s, t) = send(
        &f.ws,
        "POST",
        "/api/v1/tokens",
        &with_csrf,
        r#"{"name":"etl"}"#,
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{t}");
    let api = t["token"].as_str().unwrap().to_string();
    assert_eq!(get(&f.ws, "/api/v1/shops", &api).await.0, StatusCode::OK);
    let (s, _) = send(
        &f.ws,
        "DELETE",
        &format!("/api/v1/tokens/{}", t["id"]),
        &with_csrf,
        "",
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(
        get(&f.ws, "/api/v1/shops", &api).await.0,
        StatusCode::UNAUTHORIZED
    );

    let (s, _) = send(&f.ws, "POST", "/api/v1/logout", &with_csrf, "").await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(
        get(&f.ws, "/api/v1/me", &without).await.0,
        StatusCode::UNAUTHORIZED
    );

    // Five failures lock the name out for this address, even with the right password.
    for _ in 0..5 {
        call(
            &f.ws,
            "POST",
            "/api/v1/login",
            None,
            &login("view1", "guess"),
        )
        .await;
    }
    let (s, v, h) = call(
        &f.ws,
        "POST",
        "/api/v1/login",
        None,
        &login("view1", "correct horse battery"),
    )
    .await;
    assert_eq!(
        (s, code(&v)),
        (StatusCode::TOO_MANY_REQUESTS, "rate_limited")
    );
    let wait: i64 = h["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((1..=15 * 60).contains(&wait), "{wait}");
    // Other users are not locked out.
    let (s, _, _) = call(
        &f.ws,
        "POST",
        "/api/v1/login",
        None,
        &login("view2", "correct horse battery"),
    )
    .await;
    assert_eq!(s, StatusCode::OK);
}

#[tokio::test]
async fn users_and_experiments() {
    let f = fixture().await;
    let (s, seg) = get(&f.ws, "/api/v1/shops/shop1/users?limit=10", &f.view1).await;
    assert_eq!(s, StatusCode::OK, "{seg}");
    let n = seg["sizes"]["users"].as_u64().unwrap();
    let by_stage: u64 = seg["sizes"]["stages"]
        .as_object()
        .unwrap()
        .values()
        .map(|v| v.as_u64().unwrap())
        .sum();
    assert_eq!(by_stage, n, "every user has exactly one stage");
    assert_eq!(seg["users"].as_array().unwrap().len(), 10.min(n as usize));
    let (s, c) = get(&f.ws, "/api/v1/shops/shop1/users/cohorts", &f.view1).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(
        (c[0]["by"].as_str(), c[1]["by"].as_str()),
        (Some("month"), Some("source"))
    );

    let (s, a) = send(&f.ws, "POST", "/api/v1/experiments/analyze", &f.view1,
        r#"{"variants": [{"name": "A", "n": 1000, "conversions": 100}, {"name": "B", "n": 1000, "conversions": 130}]}"#).await;
    assert_eq!(s, StatusCode::OK, "{a}");
    assert!((a["treatments"][0]["estimate"].as_f64().unwrap() - 0.03).abs() < 1e-12);
    let (s, e) = send(
        &f.ws,
        "POST",
        "/api/v1/experiments/analyze",
        &f.view1,
        r#"{"variants": [{"name": "A", "n": 10}, {"name": "B", "n": 10, "conversions": 1}]}"#,
    )
    .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert!(message(&e).contains("variant A"), "{e}");
    let (s, list) = get(&f.ws, "/api/v1/shops/shop1/experiments", &f.view1).await;
    assert_eq!((s, list), (StatusCode::OK, serde_json::json!([])));
    assert_eq!(
        get(&f.ws, "/api/v1/shops/shop1/experiments/7", &f.view1)
            .await
            .0,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn targets_and_the_alert_lifecycle() {
    let f = fixture().await;
    let (s, _) = send(
        &f.ws,
        "PUT",
        "/api/v1/shops/shop1/targets",
        &f.op1,
        r#"{"metric":"gmv","period":"year:2026","value":12000000}"#,
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    let (s, t) = get(
        &f.ws,
        "/api/v1/shops/shop1/targets?date=2026-11-20",
        &f.view1,
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(t["tree"]["annual"], 12_000_000.0);
    assert_eq!(t["tree"]["source"], "stored");
    // The quarters split the year (a quarter each ± 10 % by season) and add up to it.
    let quarters = t["tree"]["quarters"].as_array().unwrap();
    let sum: f64 = quarters.iter().map(|q| q.as_f64().unwrap()).sum();
    assert!((sum / 12_000_000.0 - 1.0).abs() < 1e-9, "{sum}");
    for q in quarters {
        let share = q.as_f64().unwrap() / 12_000_000.0;
        assert!(
            (0.25 * 0.9 / 1.1..=0.25 * 1.1 / 0.9).contains(&share),
            "{share}"
        );
    }
    let (s, e) = send(
        &f.ws,
        "PUT",
        "/api/v1/shops/shop1/targets",
        &f.op1,
        r#"{"metric":"ctr","period":"year:2026","value":0.05}"#,
    )
    .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert!(message(&e).contains("ratio"), "{e}");
    let (s, e) = send(
        &f.ws,
        "PUT",
        "/api/v1/shops/shop1/targets",
        &f.op1,
        r#"{"metric":"ctr","period":"default","value":0.05,"x":1}"#,
    )
    .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert!(message(&e).starts_with("body:1:"), "{e}");

    let rv =
        f.ws.review(
            Some("shop1"),
            Some("2026-11-20".parse().unwrap()),
            vitrine_core::Lang::Zh,
        )
        .await
        .unwrap();
    assert!(
        f.ws.record_alerts(&rv).await.unwrap() > 0,
        "the review raised alerts"
    );
    let rv2 =
        f.ws.review(
            Some("shop2"),
            Some("2026-11-20".parse().unwrap()),
            vitrine_core::Lang::Zh,
        )
        .await
        .unwrap();
    f.ws.record_alerts(&rv2).await.unwrap();
    let (_, alerts) = get(&f.ws, "/api/v1/shops/shop1/alerts", &f.view1).await;
    assert!(alerts
        .as_array()
        .unwrap()
        .iter()
        .all(|a| a["shop"] == "shop1"));
    let id = alerts[0]["id"].as_i64().unwrap();
    let (s, a) = send(
        &f.ws,
        "POST",
        &format!("/api/v1/shops/shop1/alerts/{id}/assign"),
        &f.op1,
        r#"{"owner":"运营小王"}"#,
    )
    .await;
    assert_eq!(
        (s, a["owner"].as_str()),
        (StatusCode::OK, Some("运营小王")),
        "{a}"
    );
    let (s, a) = send(
        &f.ws,
        "POST",
        &format!("/api/v1/shops/shop1/alerts/{id}/ack"),
        &f.op1,
        r#"{"note":"在处理"}"#,
    )
    .await;
    assert_eq!(
        (s, a["status"].as_str()),
        (StatusCode::OK, Some("acknowledged")),
        "{a}"
    );
    let (s, _) = send(
        &f.ws,
        "POST",
        &format!("/api/v1/shops/shop1/alerts/{id}/resolve"),
        &f.op1,
        "",
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    let (_, h) = get(
        &f.ws,
        &format!("/api/v1/shops/shop1/alerts/{id}/history"),
        &f.view1,
    )
    .await;
    let steps: Vec<(&str, &str)> = h["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| (x["to"].as_str().unwrap(), x["actor"].as_str().unwrap()))
        .collect();
    assert_eq!(
        &steps[steps.len() - 2..],
        [("acknowledged", "op1"), ("resolved", "op1")],
        "the actor is the caller"
    );
    let (_, resolved) = get(
        &f.ws,
        "/api/v1/shops/shop1/alerts?status=resolved",
        &f.view1,
    )
    .await;
    assert!(resolved.as_array().unwrap().iter().any(|a| a["id"] == id));
    // Shop 2's alerts cannot be reached through shop 1, even by its operator.
    let (_, other) = get(&f.ws, "/api/v1/shops/shop2/alerts", &f.admin).await;
    let other_id = other[0]["id"].as_i64().unwrap();
    let (s, _) = send(
        &f.ws,
        "POST",
        &format!("/api/v1/shops/shop1/alerts/{other_id}/ack"),
        &f.op1,
        "",
    )
    .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    assert_eq!(
        send(
            &f.ws,
            "POST",
            "/api/v1/shops/shop1/alerts/999999/ack",
            &f.op1,
            ""
        )
        .await
        .0,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        send(
            &f.ws,
            "POST",
            &format!("/api/v1/shops/shop1/alerts/{id}/explode"),
            &f.op1,
            ""
        )
        .await
        .0,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn bids_are_read_approved_held_and_audited() {
    let f = fixture().await;
    let (s, v) = get(&f.ws, "/api/v1/shops/shop1/bids?date=2026-11-21", &f.op1).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let recs = v["recommendations"].as_array().unwrap();
    let Some(first) = recs.iter().find(|r| r["status"] == "proposed") else {
        panic!("no proposal to approve: {v}");
    };
    let id = first["id"].as_str().unwrap().to_string();
    let plan = first["plan_id"].as_str().unwrap().to_string();
    let approve = format!(r#"{{"id":"{id}"}}"#);
    let (s, r) = send(
        &f.ws,
        "POST",
        "/api/v1/shops/shop1/bids/approve",
        &f.op1,
        &approve,
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{r}");
    assert_eq!(
        (r["status"].as_str(), r["actor"].as_str()),
        (Some("approved"), Some("op1"))
    );
    let (s, r) = send(
        &f.ws,
        "POST",
        "/api/v1/shops/shop1/bids/approve",
        &f.op1,
        &approve,
    )
    .await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{r}");
    assert_eq!(
        send(
            &f.ws,
            "POST",
            "/api/v1/shops/shop1/bids/reject",
            &f.op1,
            r#"{"id":"nope"}"#
        )
        .await
        .0,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        send(
            &f.ws,
            "POST",
            "/api/v1/shops/shop1/bids/explode",
            &f.op1,
            &approve
        )
        .await
        .0,
        StatusCode::NOT_FOUND
    );
    let (s, r) = send(
        &f.ws,
        "POST",
        "/api/v1/shops/shop1/bids/approve",
        &f.op1,
        "{}",
    )
    .await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{r}");
    assert!(message(&r).contains("id"));
    let (s, r) = send(
        &f.ws,
        "POST",
        "/api/v1/shops/shop1/bids/apply",
        &f.op1,
        &approve,
    )
    .await;
    assert_eq!((s, r["status"].as_str()), (StatusCode::OK, Some("applied")));
    let hold = format!(r#"{{"plan":"{plan}","hold":true}}"#);
    assert_eq!(
        send(
            &f.ws,
            "POST",
            "/api/v1/shops/shop1/bids/hold",
            &f.op1,
            &hold
        )
        .await
        .0,
        StatusCode::OK
    );
    let (_, v) = get(&f.ws, "/api/v1/shops/shop1/bids?date=2026-11-21", &f.view1).await;
    let mine: Vec<&Value> = v["recommendations"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["plan_id"] == plan.as_str())
        .collect();
    assert!(mine.iter().any(|r| r["decision"] == "applied"), "{mine:?}");
    assert!(mine.iter().all(|r| r["status"] == "held"), "{mine:?}");
    let (_, a) = get(&f.ws, "/api/v1/shops/shop1/bids/audit", &f.view1).await;
    let change = a["changes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["rec_id"] == id.as_str())
        .unwrap();
    let trail: Vec<&str> = a["log"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["change_id"] == change["id"])
        .map(|e| e["status"].as_str().unwrap())
        .collect();
    assert_eq!(trail, ["proposed", "approved", "applied"]);
    assert_eq!(a["holds"][0], plan.as_str());
}

async fn upload(f: &Fixture, token: &str, name: &str, bytes: Vec<u8>) -> (StatusCode, Value) {
    let res = router(f.ws.clone())
        .oneshot(
            Request::post(format!("/api/v1/shops/shop1/imports?filename={name}"))
                .header("authorization", format!("Bearer {token}"))
                .body(Body::from(bytes))
                .unwrap(),
        )
        .await
        .unwrap();
    let s = res.status();
    let b = res.into_body().collect().await.unwrap().to_bytes();
    (s, serde_json::from_slice(&b).unwrap())
}

#[tokio::test]
async fn uploads_are_validated_then_imported_once() {
    let f = fixture().await;
    let fixtures =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../vitrine-ingest/tests/fixtures");
    let version = f.ws.lake.manifest().unwrap().version;

    let broken = std::fs::read(fixtures.join("broken_compass.csv")).unwrap();
    let (s, r) = upload(&f, &f.op1, "broken.csv", broken).await;
    assert_eq!(s, StatusCode::OK, "{r}");
    assert_eq!(r["importable"], false);
    let problem = r["problems"][0].as_str().unwrap();
    assert!(
        problem.starts_with("broken.csv:"),
        "problems name the uploaded file: {problem}"
    );
    let (s, _) = send(
        &f.ws,
        "POST",
        &format!(
            "/api/v1/shops/shop1/imports/{}/commit",
            r["id"].as_str().unwrap()
        ),
        &f.op1,
        "",
    )
    .await;
    assert_eq!(
        s,
        StatusCode::NOT_FOUND,
        "a file with problems cannot be confirmed"
    );
    assert_eq!(
        f.ws.lake.manifest().unwrap().version,
        version,
        "nothing changed"
    );

    let inv = std::fs::read(fixtures.join("inventory_sheet.csv")).unwrap();
    let (s, r) = upload(&f, &f.view1, "stock.csv", inv.clone()).await;
    assert_eq!(s, StatusCode::FORBIDDEN, "viewers cannot import: {r}");
    let (s, r) = upload(&f, &f.op1, "../../etc/stock.csv", inv.clone()).await;
    assert_eq!(s, StatusCode::OK, "{r}");
    assert_eq!(
        (r["importable"].as_bool(), r["file"].as_str()),
        (Some(true), Some("stock.csv"))
    );
    assert!(r["rows"].as_u64().unwrap() >= 2);
    assert_eq!(
        f.ws.lake.manifest().unwrap().version,
        version,
        "validation imports nothing"
    );
    let uri = format!(
        "/api/v1/shops/shop1/imports/{}/commit",
        r["id"].as_str().unwrap()
    );
    let (s, c) = send(&f.ws, "POST", &uri, &f.op1, "").await;
    assert_eq!(s, StatusCode::OK, "{c}");
    assert_eq!(c["lake_version"].as_u64(), Some(version + 1));
    // The same file again is recognised and not importable.
    let (_, r) = upload(&f, &f.op1, "stock.csv", inv).await;
    assert_eq!(
        (r["already_imported"].as_bool(), r["importable"].as_bool()),
        (Some(true), Some(false))
    );
    assert_eq!(
        send(&f.ws, "POST", &uri, &f.op1, "").await.0,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn shop_admins_manage_members_of_their_shop_only() {
    let f = fixture().await;
    // An agency admin of shop1 only.
    let state = f.ws.state().await.unwrap();
    let id = state
        .upsert_user(
            "boss1",
            &auth::hash_password("correct horse battery").unwrap(),
        )
        .await
        .unwrap();
    state.grant(id, "shop1", Role::Admin).await.unwrap();
    let boss = auth::issue_token(state, id, "t").await.unwrap().1;

    let (s, m) = get(&f.ws, "/api/v1/shops/shop1/members", &boss).await;
    assert_eq!(s, StatusCode::OK, "{m}");
    let names: Vec<&str> = m
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["name"].as_str().unwrap())
        .collect();
    assert!(
        names.contains(&"op1") && names.contains(&"admin") && !names.contains(&"view2"),
        "{names:?}"
    );
    assert_eq!(
        get(&f.ws, "/api/v1/shops/shop2/members", &boss).await.0,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        get(&f.ws, "/api/v1/shops/shop1/members", &f.op1).await.0,
        StatusCode::FORBIDDEN
    );

    // A new user needs a real password; then they can log in and see shop1 only.
    let (s, e) = send(
        &f.ws,
        "PUT",
        "/api/v1/shops/shop1/members",
        &boss,
        r#"{"name":"new1","role":"viewer","password":"short"}"#,
    )
    .await;
    assert_eq!((s, code(&e)), (StatusCode::BAD_REQUEST, "bad_request"));
    let (s, _) = send(
        &f.ws,
        "PUT",
        "/api/v1/shops/shop1/members",
        &boss,
        r#"{"name":"new1","role":"viewer","password":"a long enough one"}"#,
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    let (s, me, _) = call(
        &f.ws,
        "POST",
        "/api/v1/login",
        None,
        r#"{"name":"new1","password":"a long enough one"}"#,
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{me}");
    assert_eq!(
        me["grants"],
        serde_json::json!([{"shop": "shop1", "role": "viewer"}])
    );
    // Granting an existing user does not touch their password.
    let (s, _) = send(
        &f.ws,
        "PUT",
        "/api/v1/shops/shop1/members",
        &boss,
        r#"{"name":"view2","role":"viewer","password":"hijacked-password"}"#,
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    let (s, _, _) = call(
        &f.ws,
        "POST",
        "/api/v1/login",
        None,
        r#"{"name":"view2","password":"correct horse battery"}"#,
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(
        get(&f.ws, "/api/v1/shops/shop1/review", &f.view2).await.0,
        StatusCode::OK
    );
    let (s, _) = send(
        &f.ws,
        "DELETE",
        "/api/v1/shops/shop1/members/view2",
        &boss,
        "",
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(
        get(&f.ws, "/api/v1/shops/shop1/review", &f.view2).await.0,
        StatusCode::NOT_FOUND
    );
}
