//! SMTP e-mail through lettre: implicit TLS (465), STARTTLS (587) or plain (local relays).

use lettre::message::header::ContentType;
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message as Mail, Tokio1Executor};

use super::channel::Channel;
use super::message::Message;

/// Sends one message; the error says whether retrying can help.
pub(crate) async fn send(c: &Channel, msg: &Message) -> Result<(), (String, bool)> {
    let fatal = |e: String| (e, false);
    let smtp = c.smtp.as_deref().unwrap_or_default();
    let (host, port) = match smtp.rsplit_once(':') {
        Some((h, p)) => (
            h,
            p.parse::<u16>()
                .map_err(|_| fatal(format!("bad SMTP port in `{smtp}`")))?,
        ),
        None => (smtp, 587),
    };
    let from = c.from.as_deref().unwrap_or_default();
    let mut builder = Mail::builder()
        .from(
            from.parse()
                .map_err(|e| fatal(format!("from `{from}`: {e}")))?,
        )
        .subject(msg.title.clone())
        .header(ContentType::TEXT_PLAIN);
    for to in &c.to {
        builder = builder.to(to.parse().map_err(|e| fatal(format!("to `{to}`: {e}")))?);
    }
    let mail = builder
        .body(msg.markdown.clone())
        .map_err(|e| fatal(e.to_string()))?;
    let mut transport = match c.tls.as_deref().unwrap_or("starttls") {
        "none" => AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(host),
        "tls" => {
            AsyncSmtpTransport::<Tokio1Executor>::relay(host).map_err(|e| fatal(e.to_string()))?
        }
        "starttls" => AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(host)
            .map_err(|e| fatal(e.to_string()))?,
        other => {
            return Err(fatal(format!(
                "tls must be none, starttls or tls, got `{other}`"
            )))
        }
    }
    .port(port)
    .timeout(Some(std::time::Duration::from_secs(10)));
    if let (Some(user), Some(pass)) = (&c.user, &c.password) {
        transport = transport.credentials(Credentials::new(user.clone(), pass.clone()));
    }
    transport
        .build()
        .send(mail)
        .await
        .map(|_| ())
        .map_err(|e| (e.to_string(), e.is_transient() || e.is_timeout()))
}
