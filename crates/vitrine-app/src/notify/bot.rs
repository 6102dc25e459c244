//! Group-bot requests: Feishu/Lark, DingTalk and WeCom webhooks with their signing schemes.

use base64::Engine as _;
use hmac::{Hmac, Mac};
use sha2::Sha256;

use super::channel::{Channel, Kind};
use super::message::Message;

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
}
