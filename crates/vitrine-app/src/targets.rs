//! Stored targets: validated before they reach the state database.

use crate::{AppError, Workspace};

impl Workspace {
    /// Validates and stores a target: `period` is `year:YYYY` for additive metrics (the root
    /// of the GMV tree) or `default` for KPI targets.
    pub async fn set_target(
        &self,
        shop: &str,
        metric: &str,
        period: &str,
        value: f64,
    ) -> Result<(), AppError> {
        let bad = |m: String| Err(AppError::BadRequest(m));
        let Some(m) = vitrine_core::metric::metric(metric) else {
            return bad(format!("unknown metric `{metric}`"));
        };
        let valid = period == "default"
            || period
                .strip_prefix("year:")
                .is_some_and(|y| y.len() == 4 && y.parse::<i32>().is_ok());
        if !valid {
            return bad(format!("period must be `year:YYYY` (additive metrics such as gmv) or `default` (KPI targets), got `{period}`"));
        }
        if period.starts_with("year:") && !m.additive {
            return bad(format!("{metric} is a ratio: set it with period `default`"));
        }
        if !value.is_finite() || value < 0.0 {
            return bad(format!("value must be a non-negative number, got {value}"));
        }
        if shop.trim().is_empty() {
            return bad("shop must not be empty".into());
        }
        self.state()
            .await?
            .set_target(shop, m.id, "", period, value)
            .await?;
        Ok(())
    }
}
