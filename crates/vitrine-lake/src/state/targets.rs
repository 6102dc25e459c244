//! Stored targets: one value per shop, metric, scope and period.

use sqlx::Row;

use super::{db, State};
use crate::LakeError;

impl State {
    /// Sets a target value (e.g. metric `gmv`, period `year:2026`).
    pub async fn set_target(
        &self,
        shop: &str,
        metric: &str,
        scope: &str,
        period: &str,
        value: f64,
    ) -> Result<(), LakeError> {
        sqlx::query("INSERT INTO targets (shop, metric, scope, period, value, updated_at) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (shop, metric, scope, period) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at")
            .bind(shop).bind(metric).bind(scope).bind(period).bind(value).bind(chrono::Utc::now().to_rfc3339())
            .execute(&self.pool).await.map_err(db)?;
        Ok(())
    }

    /// Stored targets of a shop: (metric, scope, period, value).
    pub async fn targets(
        &self,
        shop: &str,
    ) -> Result<Vec<(String, String, String, f64)>, LakeError> {
        let rows = sqlx::query("SELECT metric, scope, period, value FROM targets WHERE shop = $1 ORDER BY metric, period").bind(shop).fetch_all(&self.pool).await.map_err(db)?;
        Ok(rows
            .into_iter()
            .map(|r| (r.get(0), r.get(1), r.get(2), r.get(3)))
            .collect())
    }
}
