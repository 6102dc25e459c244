//! The configured channels (`notify.toml`): bots by webhook, mailboxes by SMTP, and how
//! each is shown without its secrets.

use serde::{Deserialize, Serialize};

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
    pub(crate) fn label(&self) -> String {
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
    pub(crate) fn scrub(&self, text: &str) -> String {
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
