//! Pushing a review: the summary card and one card per critical alert to every channel in
//! `<data_dir>/notify.toml`, bounded in time so a dead endpoint never holds up the review.

use std::time::Duration;

use vitrine_analytics::monitor::Severity;
use vitrine_analytics::Review;

use crate::notify::{self, Delivery, Notifier};
use crate::render::chat;
use crate::{AppError, Workspace};

/// How long a whole push may take.
pub const PUSH_LIMIT: Duration = Duration::from_secs(60);

/// What a push did.
#[derive(Debug)]
pub enum Pushed {
    /// `notify.toml` names no channel.
    NoChannels,
    /// Every delivery, successful or not (failures carry their reason, secrets removed).
    Sent(Vec<Delivery>),
    /// The push ran past [`PUSH_LIMIT`].
    TimedOut,
}

impl Workspace {
    /// Pushes `rv`'s card and its critical alerts; delivery problems are reported in the
    /// result, never raised.
    pub async fn push(&self, rv: &Review) -> Result<Pushed, AppError> {
        let channels = notify::load(&self.data_dir.join("notify.toml"))
            .map_err(|e| AppError::BadRequest(e.to_string()))?;
        if channels.is_empty() {
            return Ok(Pushed::NoChannels);
        }
        let n = Notifier::new(channels);
        let mut messages = vec![chat::review_message(rv)];
        messages.extend(
            rv.alerts
                .iter()
                .filter(|a| a.severity == Severity::Critical)
                .map(|a| chat::alert_message(rv, a)),
        );
        let sent = tokio::time::timeout(PUSH_LIMIT, async {
            let mut all = Vec::new();
            for m in &messages {
                all.extend(n.send(m).await);
            }
            all
        })
        .await;
        Ok(sent.map_or(Pushed::TimedOut, Pushed::Sent))
    }
}
