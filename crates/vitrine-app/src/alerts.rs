//! A review's alerts recorded in the state database, deduplicated by shop, rule, metric and
//! scope.

use chrono::Duration;
use vitrine_analytics::Review;

use crate::{AppError, Workspace};

impl Workspace {
    /// Records a review's alerts in the state database (dedup by shop, rule, metric, scope).
    pub async fn record_alerts(&self, review: &Review) -> Result<usize, AppError> {
        let state = self.state().await?;
        for a in review.alerts.iter().chain(&review.standing) {
            let due =
                (chrono::Utc::now() + Duration::minutes((a.due_hours * 60.0) as i64)).to_rfc3339();
            let severity = serde_json::to_value(a.severity)
                .ok()
                .and_then(|v| v.as_str().map(String::from))
                .unwrap_or_default();
            state
                .raise_alert(
                    &review.shop,
                    &a.rule,
                    &a.metric,
                    &a.scope_id,
                    &severity,
                    &review.date,
                    &due,
                    &a.message,
                    &a.evidence.to_string(),
                )
                .await?;
        }
        Ok(review.alerts.len() + review.standing.len())
    }
}
