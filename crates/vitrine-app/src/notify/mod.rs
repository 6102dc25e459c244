//! Push to the team's group chat and mailbox: Feishu/Lark, DingTalk and WeCom group-bot
//! webhooks (with their signing schemes) and SMTP e-mail. Sends are rate-limited per channel
//! (20 a minute, the bots' limit), retried with backoff, and bounded in time so a slow or
//! dead endpoint never holds up the review.

mod bot;
mod channel;
mod mail;
mod message;

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use serde::Serialize;
use tokio::sync::Mutex;

pub use bot::{bot_request, dingtalk_sign, feishu_sign};
pub use channel::{load, Channel, Kind, NotifyError};
pub use message::Message;

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
            return mail::send(c, msg).await;
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
