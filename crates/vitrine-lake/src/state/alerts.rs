//! Alerts and their status history: raise, acknowledge, assign, resolve.

use serde::Serialize;
use sqlx::any::AnyRow;
use sqlx::Row;

use super::{db, State};
use crate::LakeError;

/// Where an alert is in its lifecycle.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AlertStatus {
    Open,
    Acknowledged,
    Resolved,
}

impl AlertStatus {
    /// The stored spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            AlertStatus::Open => "open",
            AlertStatus::Acknowledged => "acknowledged",
            AlertStatus::Resolved => "resolved",
        }
    }

    /// Parses the stored spelling.
    pub fn parse(s: &str) -> Result<AlertStatus, LakeError> {
        match s {
            "open" => Ok(AlertStatus::Open),
            "acknowledged" | "ack" => Ok(AlertStatus::Acknowledged),
            "resolved" => Ok(AlertStatus::Resolved),
            _ => Err(LakeError::State(format!(
                "unknown alert status `{s}` (open, acknowledged, resolved)"
            ))),
        }
    }
}

/// An alert as stored.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AlertRecord {
    pub id: i64,
    pub shop: String,
    pub rule: String,
    pub metric: String,
    pub scope: String,
    pub severity: String,
    pub status: AlertStatus,
    pub owner: Option<String>,
    pub first_date: String,
    pub last_date: String,
    pub occurrences: i64,
    pub due_at: String,
    pub message: String,
    pub evidence: String,
}

impl State {
    /// Opens or refreshes an alert identified by shop, rule, metric and scope: a repeat of
    /// an open alert bumps its count; a repeat of a resolved one reopens it.
    #[allow(clippy::too_many_arguments)]
    pub async fn raise_alert(
        &self,
        shop: &str,
        rule: &str,
        metric: &str,
        scope: &str,
        severity: &str,
        date: &str,
        due_at: &str,
        message: &str,
        evidence: &str,
    ) -> Result<i64, LakeError> {
        let fp = format!("{shop}|{rule}|{metric}|{scope}");
        let now = chrono::Utc::now().to_rfc3339();
        let mut tx = self.pool.begin().await.map_err(db)?;
        let existing =
            sqlx::query("SELECT id, status, last_date FROM alerts WHERE fingerprint = $1")
                .bind(&fp)
                .fetch_optional(&mut *tx)
                .await
                .map_err(db)?;
        let id = if let Some(row) = existing {
            let id: i64 = row.get(0);
            let status: String = row.get(1);
            let last: String = row.get(2);
            if date > last.as_str() {
                let new_status = if status == "resolved" {
                    "open"
                } else {
                    status.as_str()
                };
                sqlx::query("UPDATE alerts SET status = $1, last_date = $2, occurrences = occurrences + 1, due_at = CASE WHEN $3 = 'open' AND status = 'resolved' THEN $4 ELSE due_at END, severity = $5, message = $6, evidence = $7, updated_at = $8 WHERE id = $9")
                    .bind(new_status).bind(date).bind(new_status).bind(due_at).bind(severity).bind(message).bind(evidence).bind(&now).bind(id)
                    .execute(&mut *tx).await.map_err(db)?;
                if status == "resolved" {
                    history(
                        &mut tx,
                        id,
                        Some("resolved"),
                        "open",
                        "monitor",
                        Some("recurred"),
                    )
                    .await?;
                }
            }
            id
        } else {
            let res = sqlx::query("INSERT INTO alerts (fingerprint, shop, rule, metric, scope, severity, status, first_date, last_date, due_at, message, evidence, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, 'open', $7, $8, $9, $10, $11, $12, $13) RETURNING id")
                .bind(&fp).bind(shop).bind(rule).bind(metric).bind(scope).bind(severity).bind(date).bind(date).bind(due_at).bind(message).bind(evidence).bind(&now).bind(&now)
                .fetch_one(&mut *tx).await.map_err(db)?;
            let id: i64 = res.get(0);
            history(&mut tx, id, None, "open", "monitor", None).await?;
            id
        };
        tx.commit().await.map_err(db)?;
        Ok(id)
    }

    /// Moves an alert to `status`, recording who did it.
    pub async fn set_alert_status(
        &self,
        id: i64,
        status: AlertStatus,
        actor: &str,
        note: Option<&str>,
    ) -> Result<(), LakeError> {
        let mut tx = self.pool.begin().await.map_err(db)?;
        let row = sqlx::query("SELECT status FROM alerts WHERE id = $1")
            .bind(id)
            .fetch_optional(&mut *tx)
            .await
            .map_err(db)?;
        let Some(row) = row else {
            return Err(LakeError::State(format!("no alert with id {id}")));
        };
        let from: String = row.get(0);
        sqlx::query(
            "UPDATE alerts SET status = $1, owner = COALESCE(owner, $2), updated_at = $3 WHERE id = $4",
        )
        .bind(status.as_str())
        .bind(actor)
        .bind(chrono::Utc::now().to_rfc3339())
        .bind(id)
        .execute(&mut *tx)
        .await
        .map_err(db)?;
        history(&mut tx, id, Some(&from), status.as_str(), actor, note).await?;
        tx.commit().await.map_err(db)
    }

    /// Alerts, newest first, optionally of one shop and status.
    pub async fn alerts(
        &self,
        shop: Option<&str>,
        status: Option<AlertStatus>,
    ) -> Result<Vec<AlertRecord>, LakeError> {
        let rows = sqlx::query(&format!("SELECT {ALERT_COLUMNS} FROM alerts WHERE (CAST($1 AS TEXT) IS NULL OR shop = $2) AND (CAST($3 AS TEXT) IS NULL OR status = $4) ORDER BY last_date DESC, id DESC"))
            .bind(shop).bind(shop).bind(status.map(|s| s.as_str())).bind(status.map(|s| s.as_str()))
            .fetch_all(&self.pool).await.map_err(db)?;
        rows.into_iter().map(alert_row).collect()
    }

    /// One alert by id.
    pub async fn alert(&self, id: i64) -> Result<Option<AlertRecord>, LakeError> {
        let row = sqlx::query(&format!("SELECT {ALERT_COLUMNS} FROM alerts WHERE id = $1"))
            .bind(id)
            .fetch_optional(&self.pool)
            .await
            .map_err(db)?;
        row.map(alert_row).transpose()
    }

    /// Gives an alert an owner, recorded in its history by `actor`.
    pub async fn assign_alert(&self, id: i64, owner: &str, actor: &str) -> Result<(), LakeError> {
        let mut tx = self.pool.begin().await.map_err(db)?;
        let row = sqlx::query(
            "UPDATE alerts SET owner = $1, updated_at = $2 WHERE id = $3 RETURNING status",
        )
        .bind(owner)
        .bind(chrono::Utc::now().to_rfc3339())
        .bind(id)
        .fetch_optional(&mut *tx)
        .await
        .map_err(db)?
        .ok_or_else(|| LakeError::State(format!("no alert with id {id}")))?;
        let status: String = row.get(0);
        let note = format!("assigned to {owner}");
        history(&mut tx, id, Some(&status), &status, actor, Some(&note)).await?;
        tx.commit().await.map_err(db)
    }

    /// The status changes of one alert: (at, from, to, actor, note).
    pub async fn alert_history(
        &self,
        id: i64,
    ) -> Result<Vec<(String, Option<String>, String, String, Option<String>)>, LakeError> {
        let rows = sqlx::query("SELECT at, from_status, to_status, actor, note FROM alert_history WHERE alert_id = $1 ORDER BY id").bind(id).fetch_all(&self.pool).await.map_err(db)?;
        Ok(rows
            .into_iter()
            .map(|r| (r.get(0), r.get(1), r.get(2), r.get(3), r.get(4)))
            .collect())
    }
}

const ALERT_COLUMNS: &str = "id, shop, rule, metric, scope, severity, status, owner, first_date, last_date, occurrences, due_at, message, evidence";

fn alert_row(r: AnyRow) -> Result<AlertRecord, LakeError> {
    Ok(AlertRecord {
        id: r.get(0),
        shop: r.get(1),
        rule: r.get(2),
        metric: r.get(3),
        scope: r.get(4),
        severity: r.get(5),
        status: AlertStatus::parse(&r.get::<String, _>(6))?,
        owner: r.get(7),
        first_date: r.get(8),
        last_date: r.get(9),
        occurrences: r.get(10),
        due_at: r.get(11),
        message: r.get(12),
        evidence: r.get(13),
    })
}

async fn history(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    id: i64,
    from: Option<&str>,
    to: &str,
    actor: &str,
    note: Option<&str>,
) -> Result<(), LakeError> {
    sqlx::query("INSERT INTO alert_history (alert_id, at, from_status, to_status, actor, note) VALUES ($1, $2, $3, $4, $5, $6)")
        .bind(id).bind(chrono::Utc::now().to_rfc3339()).bind(from).bind(to).bind(actor).bind(note)
        .execute(&mut **tx).await.map_err(db)?;
    Ok(())
}
