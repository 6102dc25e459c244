//! Push to the team's group chat and mailbox: Feishu/Lark, DingTalk and WeCom group-bot
//! webhooks (with their signing schemes) and SMTP e-mail. Sends are rate-limited per channel
//! (20 a minute, the bots' limit), retried with backoff, and bounded in time so a slow or
//! dead endpoint never holds up the review.

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use base64::Engine as _;
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;
use tokio::sync::Mutex;

/// Delivery errors (reported per channel, never fatal to the caller).
#[derive(Debug, thiserror::Error)]
pub enum NotifyError {
    #[error("notify config {path}: {reason}")]
    Config { path: String, reason: String },
    #[error("{channel}: {reason}")]
    Send { channel: String, reason: String },
}

/// Which kind of endpoint a channel is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    Feishu,
    Dingtalk,
    Wecom,
    Email,
}

/// One configured channel (`[[channel]]` in `notify.toml`). Its `Debug` and every message
/// about it hide the webhook key, signing secret and password.
#[derive(Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Channel {
    pub kind: Kind,
    /// Webhook URL (bots) — for WeCom the key is part of it.
    #[serde(default)]
    pub url: Option<String>,
    /// Signing secret (Feishu, DingTalk) when the bot has signature checking on.
    #[serde(default)]
    pub secret: Option<String>,
    /// SMTP server `host:port` (e-mail).
    #[serde(default)]
    pub smtp: Option<String>,
    /// `none`, `starttls` or `tls` (default `starttls`).
    #[serde(default)]
    pub tls: Option<String>,
    #[serde(default)]
    pub user: Option<String>,
    #[serde(default)]
    pub password: Option<String>,
    #[serde(default)]
    pub from: Option<String>,
    #[serde(default)]
    pub to: Vec<String>,
}

impl std::fmt::Debug for Channel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let hidden = |x: &Option<String>| x.as_ref().map(|_| "***");
        f.debug_struct("Channel")
            .field("kind", &self.kind)
            .field("url", &self.url.as_deref().map(redact_url))
            .field("secret", &hidden(&self.secret))
            .field("smtp", &self.smtp)
            .field("user", &self.user)
            .field("password", &hidden(&self.password))
            .field("to", &self.to)
            .finish()
    }
}

impl Channel {
    /// The channel as people may see it: kind and host, never the webhook's key.
    fn label(&self) -> String {
        let kind = serde_json::to_value(self.kind)
            .ok()
            .and_then(|v| v.as_str().map(String::from))
            .unwrap_or_default();
        let place = match (&self.url, &self.smtp) {
            (Some(u), _) => redact_url(u),
            (None, Some(s)) => s.clone(),
            (None, None) => "?".into(),
        };
        format!("{kind}:{place}")
    }

    /// Text that must never be shown: the signing secret, the password, and the webhook's
    /// path and query (a Feishu token is in the path, DingTalk's `access_token` and WeCom's
    /// `key` in the query).
    fn secrets(&self) -> Vec<&str> {
        let mut out: Vec<&str> = [&self.secret, &self.password]
            .into_iter()
            .flatten()
            .map(String::as_str)
            .collect();
        if let Some(url) = &self.url {
            out.push(url);
            let rest = url.split_once("://").map_or(url.as_str(), |x| x.1);
            let tail = rest.split_once('/').map_or("", |x| x.1);
            out.extend(tail.split(['/', '?', '&', '=']).filter(|p| p.len() >= 6));
        }
        out.retain(|s| !s.is_empty());
        out.sort_by_key(|s| std::cmp::Reverse(s.len()));
        out
    }

    /// `text` with every secret of the channel replaced by `***`.
    fn scrub(&self, text: &str) -> String {
        self.secrets()
            .iter()
            .fold(text.to_string(), |t, s| t.replace(s, "***"))
    }
}

/// A webhook URL reduced to scheme and host.
fn redact_url(url: &str) -> String {
    match url.split_once("://") {
        Some((scheme, rest)) => {
            let host = rest.split(['/', '?', '#']).next().unwrap_or("");
            let host = host.rsplit_once('@').map_or(host, |x| x.1);
            format!("{scheme}://{host}/***")
        }
        None => "***".into(),
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct NotifyFile {
    #[serde(default)]
    channel: Vec<Channel>,
}

/// Reads `notify.toml`; a missing file means no channels.
pub fn load(path: &std::path::Path) -> Result<Vec<Channel>, NotifyError> {
    if !path.exists() {
        return Ok(Vec::new());
    }
    let err = |reason: String| NotifyError::Config {
        path: path.display().to_string(),
        reason,
    };
    let text = std::fs::read_to_string(path).map_err(|e| err(e.to_string()))?;
    let file: NotifyFile = toml::from_str(&text).map_err(|e| err(e.to_string()))?;
    for (i, c) in file.channel.iter().enumerate() {
        let missing = |what: &str| err(format!("channel {}: {what} is required", i + 1));
        match c.kind {
            Kind::Email => {
                if c.smtp.is_none() {
                    return Err(missing("smtp"));
                }
                if c.from.is_none() || c.to.is_empty() {
                    return Err(missing("from and to"));
                }
            }
            _ if c.url.is_none() => return Err(missing("url")),
            _ => {}
        }
    }
    Ok(file.channel)
}

/// A message: a title and a Markdown body (plain text where the channel has no Markdown).
#[derive(Debug, Clone, PartialEq)]
pub struct Message {
    pub title: String,
    pub markdown: String,
}

/// HMAC-SHA256 of `message` under `key`, base64.
fn hmac_b64(key: &[u8], message: &[u8]) -> String {
    // HMAC accepts keys of any length, so `new_from_slice` cannot fail.
    let mut mac = match Hmac::<Sha256>::new_from_slice(key) {
        Ok(m) => m,
        Err(_) => return String::new(),
    };
    mac.update(message);
    base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
}

/// Feishu/Lark: sign = base64(HMAC-SHA256(key = "timestamp\nsecret", message = "")).
pub fn feishu_sign(timestamp_s: i64, secret: &str) -> String {
    hmac_b64(format!("{timestamp_s}\n{secret}").as_bytes(), b"")
}

/// DingTalk: sign = base64(HMAC-SHA256(key = secret, message = "timestamp\nsecret")).
pub fn dingtalk_sign(timestamp_ms: i64, secret: &str) -> String {
    hmac_b64(
        secret.as_bytes(),
        format!("{timestamp_ms}\n{secret}").as_bytes(),
    )
}

/// The request a bot channel receives: URL (with query) and JSON body.
pub fn bot_request(c: &Channel, msg: &Message, now_ms: i64) -> (String, serde_json::Value) {
    let url = c.url.clone().unwrap_or_default();
    let text = format!("{}\n\n{}", msg.title, msg.markdown);
    match c.kind {
        Kind::Feishu => {
            let mut body = serde_json::json!({
                "msg_type": "interactive",
                "card": {
                    "header": {"title": {"tag": "plain_text", "content": msg.title}},
                    "elements": [{"tag": "markdown", "content": msg.markdown}],
                },
            });
            if let Some(secret) = &c.secret {
                let ts = now_ms / 1000;
                body["timestamp"] = serde_json::json!(ts.to_string());
                body["sign"] = serde_json::json!(feishu_sign(ts, secret));
            }
            (url, body)
        }
        Kind::Dingtalk => {
            let body = serde_json::json!({
                "msgtype": "markdown",
                "markdown": {"title": msg.title, "text": text},
            });
            let url = match &c.secret {
                Some(secret) => {
                    let sign = dingtalk_sign(now_ms, secret);
                    let sep = if url.contains('?') { '&' } else { '?' };
                    format!("{url}{sep}timestamp={now_ms}&sign={}", urlencode(&sign))
                }
                None => url,
            };
            (url, body)
        }
        Kind::Wecom | Kind::Email => (
            url,
            serde_json::json!({"msgtype": "markdown", "markdown": {"content": text}}),
        ),
    }
}

fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// What happened to one message on one channel.
#[derive(Debug, Clone, Serialize)]
pub struct Delivery {
    pub channel: String,
    pub ok: bool,
    pub attempts: u32,
    pub error: Option<String>,
}

/// Sends messages to channels with per-channel rate limits and retries.
pub struct Notifier {
    channels: Vec<Channel>,
    client: reqwest::Client,
    windows: Vec<Mutex<VecDeque<Instant>>>,
    /// Messages per channel per minute (bots allow about 20).
    pub per_minute: usize,
    pub attempts: u32,
    pub backoff: Duration,
}

impl Notifier {
    pub fn new(channels: Vec<Channel>) -> Notifier {
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(10))
            .build()
            .unwrap_or_default();
        let windows = channels
            .iter()
            .map(|_| Mutex::new(VecDeque::new()))
            .collect();
        Notifier {
            channels,
            client,
            windows,
            per_minute: 20,
            attempts: 3,
            backoff: Duration::from_millis(500),
        }
    }

    /// Sends `msg` to every channel; failures are reported, never raised.
    pub async fn send(&self, msg: &Message) -> Vec<Delivery> {
        let mut out = Vec::with_capacity(self.channels.len());
        for (i, c) in self.channels.iter().enumerate() {
            out.push(self.send_one(i, c, msg).await);
        }
        out
    }

    async fn send_one(&self, i: usize, c: &Channel, msg: &Message) -> Delivery {
        let mut d = self.try_send(i, c, msg).await;
        d.error = d.error.map(|e| c.scrub(&e));
        d
    }

    async fn try_send(&self, i: usize, c: &Channel, msg: &Message) -> Delivery {
        if let Err(reason) = self.admit(i).await {
            return Delivery {
                channel: c.label(),
                ok: false,
                attempts: 0,
                error: Some(reason),
            };
        }
        let mut last = None;
        for attempt in 1..=self.attempts {
            match self.deliver(c, msg).await {
                Ok(()) => {
                    return Delivery {
                        channel: c.label(),
                        ok: true,
                        attempts: attempt,
                        error: None,
                    }
                }
                Err((reason, retry)) => {
                    last = Some(reason);
                    if !retry {
                        return Delivery {
                            channel: c.label(),
                            ok: false,
                            attempts: attempt,
                            error: last,
                        };
                    }
                    tokio::time::sleep(self.backoff * 2u32.pow(attempt - 1)).await;
                }
            }
        }
        Delivery {
            channel: c.label(),
            ok: false,
            attempts: self.attempts,
            error: last,
        }
    }

    /// Sliding one-minute window per channel: over the limit, the message is dropped
    /// (and reported) rather than queued behind the review.
    async fn admit(&self, i: usize) -> Result<(), String> {
        let mut w = self.windows[i].lock().await;
        let now = Instant::now();
        while w
            .front()
            .is_some_and(|t| now.duration_since(*t) > Duration::from_secs(60))
        {
            w.pop_front();
        }
        if w.len() >= self.per_minute {
            return Err(format!(
                "rate limit: {} messages in the last minute",
                w.len()
            ));
        }
        w.push_back(now);
        Ok(())
    }

    /// One attempt; the error says whether retrying can help.
    async fn deliver(&self, c: &Channel, msg: &Message) -> Result<(), (String, bool)> {
        if c.kind == Kind::Email {
            return crate::mail::send(c, msg).await;
        }
        let (url, body) = bot_request(c, msg, chrono::Utc::now().timestamp_millis());
        let resp = self
            .client
            .post(&url)
            .json(&body)
            .send()
            .await
            .map_err(|e| (e.without_url().to_string(), true))?;
        let status = resp.status();
        let text = resp.text().await.unwrap_or_default();
        if status.is_server_error() || status.as_u16() == 429 {
            return Err((format!("HTTP {status}: {text}"), true));
        }
        if !status.is_success() {
            return Err((format!("HTTP {status}: {text}"), false));
        }
        // The bots answer 200 with an error code in the body.
        let v: serde_json::Value = serde_json::from_str(&text).unwrap_or_default();
        let code = v
            .get("code")
            .or_else(|| v.get("errcode"))
            .or_else(|| v.get("StatusCode"))
            .and_then(|c| c.as_i64())
            .unwrap_or(0);
        if code != 0 {
            let msg = v
                .get("msg")
                .or_else(|| v.get("errmsg"))
                .cloned()
                .unwrap_or_default();
            return Err((format!("bot refused the message: code {code} {msg}"), false));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signatures_follow_the_documented_schemes() {
        // Independent of the HMAC crate: RFC 4231 test case 2 (key "Jefe").
        let mut mac = Hmac::<Sha256>::new_from_slice(b"Jefe").unwrap();
        mac.update(b"what do ya want for nothing?");
        let hex: String = mac
            .finalize()
            .into_bytes()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        assert_eq!(
            hex,
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
        // DingTalk signs "timestamp\nsecret" with the secret; Feishu signs "" with that string.
        assert_eq!(dingtalk_sign(1, "s"), hmac_b64(b"s", b"1\ns"));
        assert_eq!(feishu_sign(1, "s"), hmac_b64(b"1\ns", b""));
        assert_eq!(urlencode("a+b/c="), "a%2Bb%2Fc%3D");
    }

    /// A bot that refuses every message and echoes the URL it was called at, as some do.
    async fn echoing_bot() -> std::net::SocketAddr {
        use axum::http::Uri;
        let app = axum::Router::new().fallback(|uri: Uri| async move {
            (
                axum::http::StatusCode::BAD_REQUEST,
                format!("bad call to {uri}"),
            )
        });
        let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = l.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(l, app).await });
        addr
    }

    #[tokio::test]
    async fn webhook_keys_and_secrets_never_reach_an_error_or_debug_text() {
        let addr = echoing_bot().await;
        let channel = |kind: Kind, url: String| Channel {
            kind,
            url: Some(url),
            secret: Some("SIGNSECRET99".into()),
            smtp: None,
            tls: None,
            user: None,
            password: Some("MAILPASS99".into()),
            from: None,
            to: vec![],
        };
        let channels = vec![
            channel(
                Kind::Dingtalk,
                format!("http://{addr}/robot/send?access_token=DTOKEN1234"),
            ),
            channel(
                Kind::Wecom,
                format!("http://{addr}/cgi-bin/webhook/send?key=WKEY56789"),
            ),
            channel(
                Kind::Feishu,
                format!("http://{addr}/open-apis/bot/v2/hook/FHOOK24680"),
            ),
            // Nothing listens there: the connection error must not print the URL either.
            channel(
                Kind::Dingtalk,
                "http://127.0.0.1:9/x?access_token=DTOKEN1234".into(),
            ),
        ];
        let debug = format!("{channels:?}");
        let mut n = Notifier::new(channels);
        n.attempts = 1;
        let msg = Message {
            title: "t".into(),
            markdown: "m".into(),
        };
        let out = n.send(&msg).await;
        assert!(out.iter().all(|d| !d.ok && d.error.is_some()), "{out:?}");
        let shown = format!("{out:?} {debug} {}", serde_json::to_string(&out).unwrap());
        for secret in [
            "DTOKEN1234",
            "WKEY56789",
            "FHOOK24680",
            "SIGNSECRET99",
            "MAILPASS99",
        ] {
            assert!(!shown.contains(secret), "{secret} in {shown}");
        }
        assert!(shown.contains(&format!("http://{addr}/***")), "{shown}");
    }
}

/// The daily review as a summary card: KPIs off target, the top alerts and actions.
pub fn review_message(rv: &vitrine_analytics::Review) -> Message {
    use std::fmt::Write;
    let l = rv.lang;
    let mut md = String::new();
    let off: Vec<_> = rv
        .kpis
        .iter()
        .filter(|k| k.status == "alert" || k.status == "behind")
        .collect();
    let _ = writeln!(
        md,
        "**{}** {}/{}",
        l.pick("指标达标", "KPIs on track"),
        rv.kpis.len() - off.len(),
        rv.kpis.len()
    );
    for k in off.iter().take(6) {
        let dev = k
            .deviation
            .map(|d| format!("{:+.1}%", d * 100.0))
            .unwrap_or_default();
        let _ = writeln!(md, "- {} {dev}", k.name);
    }
    let _ = writeln!(md, "\n**{}** {}", l.pick("预警", "Alerts"), rv.alerts.len());
    for a in rv.alerts.iter().take(5) {
        let _ = writeln!(md, "- [{}] {}", a.severity.label(l), a.message);
    }
    if !rv.actions.is_empty() {
        let _ = writeln!(md, "\n**{}**", l.pick("今日行动", "Today's actions"));
        for a in rv.actions.iter().take(3) {
            let _ = writeln!(md, "{}. {}", a.priority, a.title);
        }
    }
    Message {
        title: format!(
            "{} · {} · {}",
            l.pick("每日复盘", "Daily review"),
            rv.shop,
            rv.date
        ),
        markdown: md,
    }
}

/// One critical alert, pushed immediately.
pub fn alert_message(
    rv: &vitrine_analytics::Review,
    a: &vitrine_analytics::review::Alert,
) -> Message {
    let l = rv.lang;
    let playbook = a
        .playbook
        .as_deref()
        .map(|p| format!("\n{}{p}", l.pick("预案：", "Playbook: ")))
        .unwrap_or_default();
    Message {
        title: format!("{} · {} · {}", a.severity.label(l), rv.shop, a.metric),
        markdown: format!(
            "{}\n{}{} {}h{playbook}",
            a.message,
            l.pick("范围：", "Scope: "),
            a.scope_id,
            a.due_hours
        ),
    }
}
