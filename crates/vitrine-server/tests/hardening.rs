//! The findings of the security review, each probed over real HTTP against a served
//! workspace (two simulated shops; an operator and a viewer of one, a viewer of the other).
//! Runs against SQLite, and against PostgreSQL when `VITRINE_TEST_POSTGRES` names a server.

mod common;

use std::io::Write;
use std::net::SocketAddr;

use reqwest::StatusCode;
use serde_json::{json, Value};
use vitrine_lake::Role;
use vitrine_server::{auth, Workspace};

const PASSWORD: &str = "correct horse battery";

struct Server {
    _dir: tempfile::TempDir,
    ws: Workspace,
    base: String,
    op1: String,
    view1: String,
    http: reqwest::Client,
}

async fn serve() -> Server {
    let (dir, ws) = common::simulated_workspace(5).await;
    let state = ws.state().await.unwrap();
    let hash = auth::hash_password(PASSWORD).unwrap();
    let mut tokens = Vec::new();
    for (name, shop, role) in [
        ("op1", "shop1", Role::Operator),
        ("view1", "shop1", Role::Viewer),
        ("view2", "shop2", Role::Viewer),
    ] {
        let id = state.upsert_user(name, &hash).await.unwrap();
        state.grant(id, shop, role).await.unwrap();
        tokens.push(auth::issue_token(state, id, "test").await.unwrap().1);
    }
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr: SocketAddr = listener.local_addr().unwrap();
    tokio::spawn(vitrine_server::serve_on(ws.clone(), listener));
    Server {
        _dir: dir,
        ws,
        base: format!("http://{addr}"),
        op1: tokens[0].clone(),
        view1: tokens[1].clone(),
        http: reqwest::Client::new(),
    }
}

impl Server {
    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    async fn json(&self, r: reqwest::RequestBuilder) -> (StatusCode, Value) {
        let res = r.send().await.expect("the server answers");
        let s = res.status();
        let text = res.text().await.unwrap();
        (
            s,
            serde_json::from_str(&text).unwrap_or(Value::String(text)),
        )
    }

    async fn alive(&self) {
        let r = self.http.get(self.url("/healthz")).send().await.unwrap();
        assert_eq!(r.status(), 200);
    }

    async fn login(&self, name: &str, password: &str) -> reqwest::Response {
        self.http
            .post(self.url("/api/v1/login"))
            .json(&json!({ "name": name, "password": password }))
            .send()
            .await
            .unwrap()
    }
}

fn code(v: &Value) -> &str {
    v["error"]["code"].as_str().unwrap_or("")
}

/// A workbook whose one sheet declares A1:XFD1048576 and holds a cell at each corner.
fn whole_grid_xlsx() -> Vec<u8> {
    let sheet = r#"<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><dimension ref="A1:XFD1048576"/><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>a</t></is></c></row><row r="1048576"><c r="XFD1048576" t="inlineStr"><is><t>b</t></is></c></row></sheetData></worksheet>"#;
    let parts = [
        (
            "[Content_Types].xml",
            r#"<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>"#,
        ),
        (
            "_rels/.rels",
            r#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>"#,
        ),
        (
            "xl/workbook.xml",
            r#"<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>"#,
        ),
        (
            "xl/_rels/workbook.xml.rels",
            r#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>"#,
        ),
        ("xl/worksheets/sheet1.xml", sheet),
    ];
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for (name, body) in parts {
        w.start_file(name, zip::write::SimpleFileOptions::default())
            .unwrap();
        w.write_all(body.as_bytes()).unwrap();
    }
    w.finish().unwrap().into_inner()
}

#[tokio::test]
async fn a_small_workbook_declaring_the_whole_grid_is_answered_and_the_server_lives() {
    let s = serve().await;
    let bytes = whole_grid_xlsx();
    assert!(bytes.len() < 4096);
    let (st, v) = s
        .json(
            s.http
                .post(s.url("/api/v1/shops/shop1/imports?filename=grid.xlsx"))
                .bearer_auth(&s.op1)
                .body(bytes),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{v}");
    assert_eq!(v["importable"], false, "{v}");
    assert!(
        v["problems"][0].as_str().unwrap().contains("grid.xlsx"),
        "{v}"
    );
    s.alive().await;
}

#[tokio::test]
async fn bayesian_analyses_of_huge_counts_answer_at_once() {
    let s = serve().await;
    let body = |c: f64, n: f64| {
        json!({ "method": "bayesian", "variants": [
            { "name": "A", "n": n, "conversions": c },
            { "name": "B", "n": n, "conversions": c } ] })
    };
    let post = |b: Value| {
        s.http
            .post(s.url("/api/v1/experiments/analyze"))
            .bearer_auth(&s.view1)
            .json(&b)
    };
    let big = 2f64.powi(53);
    let (st, v) = s.json(post(body(big, big))).await;
    assert_eq!(
        (st, code(&v)),
        (StatusCode::BAD_REQUEST, "bad_request"),
        "{v}"
    );
    // A billion conversions per arm: the closed form would sum a billion terms.
    let (st, v) = s.json(post(body(1e9, 1e11))).await;
    assert_eq!(st, StatusCode::OK, "{v}");
    let win = v["treatments"][0]["chance_to_win"].as_f64().unwrap();
    assert!((win - 0.5).abs() < 1e-3, "{v}");
    s.alive().await;
}

#[tokio::test]
async fn concurrent_wrong_passwords_cannot_outrun_the_lockout() {
    let s = serve().await;
    let mut tries = tokio::task::JoinSet::new();
    for _ in 0..12 {
        let (http, url) = (s.http.clone(), s.url("/api/v1/login"));
        tries.spawn(async move {
            let body = json!({ "name": "op1", "password": "wrong password" });
            http.post(url)
                .json(&body)
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        });
    }
    let codes = tries.join_all().await;
    let checked = codes.iter().filter(|c| **c == 401).count();
    let limited = codes.iter().filter(|c| **c == 429).count();
    assert_eq!(checked + limited, 12, "{codes:?}");
    assert!(checked <= auth::MAX_FAILURES as usize, "{codes:?}");
    // Locked: even the right password waits.
    assert_eq!(s.login("op1", PASSWORD).await.status(), 429);
}

#[tokio::test]
async fn login_names_past_the_limit_are_refused_and_not_stored() {
    let s = serve().await;
    let long = "x".repeat(60_000);
    let r = s.login(&long, "whatever").await;
    assert_eq!(r.status(), 400);
    let (n, _) =
        s.ws.state()
            .await
            .unwrap()
            .login_failures(&long, "127.0.0.1", "2000-01-01T00:00:00Z")
            .await
            .unwrap();
    assert_eq!(n, 0);
    let r = s.login("op1", &"p".repeat(auth::MAX_PASSWORD + 1)).await;
    assert_eq!(r.status(), 400);
}

#[tokio::test]
async fn a_cross_site_form_cannot_log_anyone_in() {
    let s = serve().await;
    let body = format!(r#"{{"name":"op1","password":"{PASSWORD}"}}"#);
    // What an HTML form with enctype=text/plain sends.
    let r = s
        .http
        .post(s.url("/api/v1/login"))
        .header("content-type", "text/plain")
        .body(body.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 415);
    assert!(r.headers().get("set-cookie").is_none());
    // JSON from another site's page (fetch with no-cors cannot set it, but a browser that
    // could would still send its Origin).
    let r = s
        .http
        .post(s.url("/api/v1/login"))
        .header("content-type", "application/json")
        .header("origin", "https://evil.example")
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    assert!(r.headers().get("set-cookie").is_none());
}

#[tokio::test]
async fn an_api_token_sent_as_the_session_cookie_is_not_a_session() {
    let s = serve().await;
    let (st, _) = s
        .json(s.http.get(s.url("/api/v1/me")).bearer_auth(&s.op1))
        .await;
    assert_eq!(st, StatusCode::OK);
    let target = json!({ "metric": "gmv", "period": "year:2026", "value": 1 });
    let (st, v) = s
        .json(
            s.http
                .put(s.url("/api/v1/shops/shop1/targets"))
                .header("cookie", format!("{}={}", auth::SESSION_COOKIE, s.op1))
                .json(&target),
        )
        .await;
    assert_eq!(
        (st, code(&v)),
        (StatusCode::UNAUTHORIZED, "unauthorized"),
        "{v}"
    );
}

#[tokio::test]
async fn reading_bids_writes_nothing_and_a_decision_still_lands() {
    let s = serve().await;
    let audit = || async {
        let (st, v) = s
            .json(
                s.http
                    .get(s.url("/api/v1/shops/shop1/bids/audit"))
                    .bearer_auth(&s.view1),
            )
            .await;
        assert_eq!(st, StatusCode::OK);
        v["changes"].as_array().unwrap().len()
    };
    let before = audit().await;
    let (st, v) = s
        .json(
            s.http
                .get(s.url("/api/v1/shops/shop1/bids?date=2026-11-21"))
                .bearer_auth(&s.view1),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{v}");
    assert_eq!(audit().await, before, "a GET wrote to the audit log");
    let id = v["recommendations"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["status"] == "proposed")
        .and_then(|r| r["id"].as_str())
        .expect("a proposal")
        .to_string();
    let (st, r) = s
        .json(
            s.http
                .post(s.url("/api/v1/shops/shop1/bids/approve"))
                .bearer_auth(&s.op1)
                .json(&json!({ "id": id })),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{r}");
    assert_eq!(r["status"], "approved");
}

#[tokio::test]
async fn table_exports_take_any_sheet_name_and_refuse_overlong_cells() {
    let s = serve().await;
    let post = |name: &str, cell: &str| {
        s.http
            .post(s.url("/api/v1/export/xlsx"))
            .bearer_auth(&s.view1)
            .json(&json!({ "name": name, "columns": ["a"], "rows": [[cell]] }))
    };
    for name in ["'plans'", "计划 😀", "a'b"] {
        let r = post(name, "x").send().await.unwrap();
        assert_eq!(r.status(), 200, "{name}");
    }
    let (st, v) = s.json(post("t", &"x".repeat(40_000))).await;
    assert_eq!(
        (st, code(&v)),
        (StatusCode::BAD_REQUEST, "bad_request"),
        "{v}"
    );
    assert!(
        v["error"]["message"].as_str().unwrap().contains("32767"),
        "{v}"
    );
}

#[tokio::test]
async fn pages_and_the_api_carry_security_headers() {
    let s = serve().await;
    let page = s.http.get(s.url("/")).send().await.unwrap();
    let h = page.headers();
    let csp = h["content-security-policy"].to_str().unwrap();
    let script = csp
        .split(';')
        .find(|d| d.trim().starts_with("script-src"))
        .unwrap();
    assert!(
        !script.contains("unsafe-inline") && !script.contains("unsafe-eval"),
        "{csp}"
    );
    assert!(csp.contains("frame-ancestors 'none'"), "{csp}");
    assert_eq!(h["x-frame-options"], "DENY");
    assert_eq!(h["referrer-policy"], "no-referrer");
    let me = s
        .http
        .get(s.url("/api/v1/me"))
        .bearer_auth(&s.op1)
        .send()
        .await
        .unwrap();
    assert_eq!(me.headers()["x-content-type-options"], "nosniff");
    assert_eq!(me.headers()["cache-control"], "no-store");
    let token = s
        .http
        .post(s.url("/api/v1/tokens"))
        .bearer_auth(&s.op1)
        .json(&json!({ "name": "etl" }))
        .send()
        .await
        .unwrap();
    assert_eq!(token.status(), 200);
    assert_eq!(token.headers()["cache-control"], "no-store");
}
