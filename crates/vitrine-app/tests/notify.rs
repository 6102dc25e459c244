//! Webhooks against a local HTTP server that checks each payload and signature the way the
//! real bots do, and e-mail against a local SMTP sink.

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::routing::post;
use axum::{Json, Router};
use base64::Engine as _;
use hmac::{Hmac, Mac};
use serde_json::{json, Value};
use sha2::Sha256;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use vitrine_app::notify::{Channel, Kind, Message, Notifier};

const SECRET: &str = "SEC-test-secret";

#[derive(Default)]
struct Seen {
    ok: Mutex<Vec<String>>,
    flaky_calls: AtomicUsize,
}

fn b64_hmac(key: &[u8], msg: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(key).unwrap();
    mac.update(msg);
    base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
}

fn now_s() -> i64 {
    chrono::Utc::now().timestamp()
}

/// Feishu: `timestamp` (seconds, string) and `sign` in the body; key = "timestamp\nsecret".
async fn feishu(State(s): State<Arc<Seen>>, Json(body): Json<Value>) -> Json<Value> {
    let ts = body["timestamp"].as_str().unwrap_or("");
    let ts_n: i64 = ts.parse().unwrap_or(0);
    let want = b64_hmac(format!("{ts}\n{SECRET}").as_bytes(), b"");
    if body["sign"] != json!(want) || (now_s() - ts_n).abs() > 3600 {
        return Json(
            json!({"code": 19021, "msg": "sign match fail or timestamp is not within one hour from current time"}),
        );
    }
    if body["msg_type"] != "interactive"
        || body["card"]["header"]["title"]["content"] != "每日复盘 · s1 · 2026-11-21"
    {
        return Json(json!({"code": 9499, "msg": "Bad Request"}));
    }
    s.ok.lock().unwrap().push("feishu".into());
    Json(json!({"code": 0, "msg": "success"}))
}

/// DingTalk: `timestamp` (ms) and url-encoded `sign` in the query; HMAC(secret, "ts\nsecret").
async fn dingtalk(
    State(s): State<Arc<Seen>>,
    Query(q): Query<HashMap<String, String>>,
    Json(body): Json<Value>,
) -> Json<Value> {
    let ts = q.get("timestamp").cloned().unwrap_or_default();
    let want = b64_hmac(SECRET.as_bytes(), format!("{ts}\n{SECRET}").as_bytes());
    let ts_ms: i64 = ts.parse().unwrap_or(0);
    if q.get("sign") != Some(&want) || (now_s() * 1000 - ts_ms).abs() > 3_600_000 {
        return Json(json!({"errcode": 310000, "errmsg": "sign not match"}));
    }
    if body["msgtype"] != "markdown"
        || !body["markdown"]["text"]
            .as_str()
            .unwrap_or("")
            .contains("GMV")
    {
        return Json(json!({"errcode": 40035, "errmsg": "bad message"}));
    }
    s.ok.lock().unwrap().push("dingtalk".into());
    Json(json!({"errcode": 0, "errmsg": "ok"}))
}

/// WeCom: the key is in the URL; markdown content in the body.
async fn wecom(
    State(s): State<Arc<Seen>>,
    Query(q): Query<HashMap<String, String>>,
    Json(body): Json<Value>,
) -> Json<Value> {
    if q.get("key").map(String::as_str) != Some("k-123") || body["msgtype"] != "markdown" {
        return Json(json!({"errcode": 93000, "errmsg": "invalid webhook url"}));
    }
    s.ok.lock().unwrap().push("wecom".into());
    Json(json!({"errcode": 0, "errmsg": "ok"}))
}

/// Fails twice with 503, then accepts.
async fn flaky(State(s): State<Arc<Seen>>) -> (StatusCode, Json<Value>) {
    if s.flaky_calls.fetch_add(1, Ordering::SeqCst) < 2 {
        return (
            StatusCode::SERVICE_UNAVAILABLE,
            Json(json!({"errcode": -1})),
        );
    }
    (StatusCode::OK, Json(json!({"errcode": 0})))
}

async fn start() -> (String, Arc<Seen>) {
    let seen = Arc::new(Seen::default());
    let app = Router::new()
        .route("/feishu", post(feishu))
        .route("/dingtalk", post(dingtalk))
        .route("/wecom", post(wecom))
        .route("/flaky", post(flaky))
        .with_state(Arc::clone(&seen));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    (format!("http://{addr}"), seen)
}

fn bot(kind: Kind, url: String, secret: Option<&str>) -> Channel {
    Channel {
        kind,
        url: Some(url),
        secret: secret.map(String::from),
        smtp: None,
        tls: None,
        user: None,
        password: None,
        from: None,
        to: vec![],
    }
}

fn message() -> Message {
    Message {
        title: "每日复盘 · s1 · 2026-11-21".into(),
        markdown: "**GMV** ¥1,234 −12%".into(),
    }
}

#[tokio::test]
async fn signed_bots_accept_our_messages() {
    let (base, seen) = start().await;
    let n = Notifier::new(vec![
        bot(Kind::Feishu, format!("{base}/feishu"), Some(SECRET)),
        bot(Kind::Dingtalk, format!("{base}/dingtalk"), Some(SECRET)),
        bot(Kind::Wecom, format!("{base}/wecom?key=k-123"), None),
    ]);
    let d = n.send(&message()).await;
    assert!(d.iter().all(|d| d.ok && d.attempts == 1), "{d:?}");
    assert_eq!(
        *seen.ok.lock().unwrap(),
        vec!["feishu", "dingtalk", "wecom"]
    );
}

#[tokio::test]
async fn a_wrong_secret_is_reported_not_retried() {
    let (base, seen) = start().await;
    let n = Notifier::new(vec![bot(
        Kind::Feishu,
        format!("{base}/feishu"),
        Some("wrong"),
    )]);
    let d = n.send(&message()).await;
    assert!(!d[0].ok && d[0].attempts == 1);
    assert!(
        d[0].error.as_deref().unwrap_or("").contains("19021"),
        "{d:?}"
    );
    assert!(seen.ok.lock().unwrap().is_empty());
}

#[tokio::test]
async fn server_errors_are_retried_and_the_rate_limit_holds() {
    let (base, seen) = start().await;
    let mut n = Notifier::new(vec![bot(Kind::Wecom, format!("{base}/flaky"), None)]);
    n.backoff = Duration::from_millis(10);
    let d = n.send(&message()).await;
    assert!(d[0].ok && d[0].attempts == 3, "{d:?}");
    assert_eq!(seen.flaky_calls.load(Ordering::SeqCst), 3);
    n.per_minute = 2;
    let second = n.send(&message()).await;
    let third = n.send(&message()).await;
    assert!(second[0].ok);
    assert!(!third[0].ok && third[0].attempts == 0, "{third:?}");
    assert!(third[0]
        .error
        .as_deref()
        .unwrap_or("")
        .contains("rate limit"));
}

/// A minimal SMTP sink: accepts one message and hands back what it received.
async fn smtp_sink() -> (u16, tokio::task::JoinHandle<String>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let task = tokio::spawn(async move {
        let (sock, _) = listener.accept().await.unwrap();
        let (r, mut w) = sock.into_split();
        let mut lines = BufReader::new(r).lines();
        let mut log = String::new();
        w.write_all(b"220 sink ESMTP\r\n").await.unwrap();
        let mut in_data = false;
        while let Ok(Some(line)) = lines.next_line().await {
            log.push_str(&line);
            log.push('\n');
            if in_data {
                if line == "." {
                    in_data = false;
                    w.write_all(b"250 queued\r\n").await.unwrap();
                }
                continue;
            }
            let upper = line.to_ascii_uppercase();
            let reply: &[u8] = if upper.starts_with("EHLO") {
                b"250-sink\r\n250 8BITMIME\r\n"
            } else if upper.starts_with("DATA") {
                in_data = true;
                b"354 go ahead\r\n"
            } else if upper.starts_with("QUIT") {
                w.write_all(b"221 bye\r\n").await.unwrap();
                break;
            } else {
                b"250 ok\r\n"
            };
            w.write_all(reply).await.unwrap();
        }
        log
    });
    (port, task)
}

#[tokio::test]
async fn email_reaches_an_smtp_server() {
    let (port, sink) = smtp_sink().await;
    let ch = Channel {
        kind: Kind::Email,
        url: None,
        secret: None,
        smtp: Some(format!("127.0.0.1:{port}")),
        tls: Some("none".into()),
        user: None,
        password: None,
        from: Some("vitrine@example.com".into()),
        to: vec!["ops@example.com".into()],
    };
    let d = Notifier::new(vec![ch]).send(&message()).await;
    assert!(d[0].ok, "{d:?}");
    let log = tokio::time::timeout(Duration::from_secs(10), sink)
        .await
        .unwrap()
        .unwrap();
    assert!(log.contains("MAIL FROM:<vitrine@example.com>"), "{log}");
    assert!(log.contains("RCPT TO:<ops@example.com>"), "{log}");
    assert!(log.contains("Subject:"), "{log}");
}
