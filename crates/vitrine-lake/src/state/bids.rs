//! The paid-traffic audit log: proposed changes, decisions and plan holds.

use serde::Serialize;
use sqlx::any::AnyRow;
use sqlx::Row;

use super::{db, opt_real, State};
use crate::LakeError;

/// A recommended paid-traffic change in the audit log.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BidChangeRecord {
    pub id: i64,
    pub shop: String,
    pub rec_id: String,
    pub date: String,
    pub plan_id: String,
    pub action: String,
    pub from_value: Option<f64>,
    pub to_value: Option<f64>,
    pub target: Option<String>,
    pub reason: String,
    pub status: String,
    pub actor: String,
    /// Asia/Shanghai local time of the last status change, `YYYY-MM-DD HH:MM:SS`.
    pub at: String,
}

/// One entry of a change's decision trail.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BidLogEntry {
    pub change_id: i64,
    pub status: String,
    pub actor: String,
    pub note: Option<String>,
    pub at: String,
}

/// Local wall-clock time in Asia/Shanghai (UTC+8, no daylight saving).
pub fn shanghai_now() -> String {
    (chrono::Utc::now() + chrono::Duration::hours(8))
        .format("%Y-%m-%d %H:%M:%S")
        .to_string()
}

const CHANGE_COLUMNS: &str = "id, shop, rec_id, date, plan_id, action, from_value, to_value, target, reason, status, actor, at";

fn change_row(r: AnyRow) -> BidChangeRecord {
    BidChangeRecord {
        id: r.get(0),
        shop: r.get(1),
        rec_id: r.get(2),
        date: r.get(3),
        plan_id: r.get(4),
        action: r.get(5),
        from_value: r.get(6),
        to_value: r.get(7),
        target: r.get(8),
        reason: r.get(9),
        status: r.get(10),
        actor: r.get(11),
        at: r.get(12),
    }
}

impl State {
    /// Records proposals (a proposal already in the log is left as it is: re-running the
    /// same day is a no-op). Returns how many were new.
    pub async fn propose_bid_changes(
        &self,
        shop: &str,
        changes: &[BidChangeRecord],
    ) -> Result<usize, LakeError> {
        let mut tx = self.pool.begin().await.map_err(db)?;
        let mut added = 0;
        for c in changes {
            let res = sqlx::query("INSERT INTO bid_changes (shop, rec_id, date, plan_id, action, from_value, to_value, target, reason, status, actor, at) VALUES ($1, $2, $3, $4, $5, CAST($6 AS DOUBLE PRECISION), CAST($7 AS DOUBLE PRECISION), $8, $9, 'proposed', 'vitrine', $10) ON CONFLICT (shop, rec_id) DO NOTHING RETURNING id")
                .bind(shop).bind(&c.rec_id).bind(&c.date).bind(&c.plan_id).bind(&c.action)
                .bind(opt_real(c.from_value)).bind(opt_real(c.to_value)).bind(&c.target).bind(&c.reason).bind(&c.at)
                .fetch_optional(&mut *tx).await.map_err(db)?;
            if let Some(row) = res {
                added += 1;
                sqlx::query("INSERT INTO bid_change_log (change_id, status, actor, note, at) VALUES ($1, 'proposed', 'vitrine', NULL, $2)")
                    .bind(row.get::<i64, _>(0)).bind(&c.at)
                    .execute(&mut *tx).await.map_err(db)?;
            }
        }
        tx.commit().await.map_err(db)?;
        Ok(added)
    }

    /// Every change of a shop, newest first.
    pub async fn bid_changes(&self, shop: &str) -> Result<Vec<BidChangeRecord>, LakeError> {
        let rows = sqlx::query(&format!(
            "SELECT {CHANGE_COLUMNS} FROM bid_changes WHERE shop = $1 ORDER BY at DESC, id DESC"
        ))
        .bind(shop)
        .fetch_all(&self.pool)
        .await
        .map_err(db)?;
        Ok(rows.into_iter().map(change_row).collect())
    }

    /// Moves a change to `status`: proposed → approved | rejected, approved → applied |
    /// rejected. Anything else is refused and nothing is written.
    pub async fn decide_bid_change(
        &self,
        shop: &str,
        rec_id: &str,
        status: &str,
        actor: &str,
        note: Option<&str>,
    ) -> Result<BidChangeRecord, LakeError> {
        let mut tx = self.pool.begin().await.map_err(db)?;
        let row = sqlx::query(&format!(
            "SELECT {CHANGE_COLUMNS} FROM bid_changes WHERE shop = $1 AND rec_id = $2"
        ))
        .bind(shop)
        .bind(rec_id)
        .fetch_optional(&mut *tx)
        .await
        .map_err(db)?
        .map(change_row)
        .ok_or_else(|| LakeError::Query(format!("no recommendation `{rec_id}` for shop {shop}")))?;
        let allowed = matches!(
            (row.status.as_str(), status),
            ("proposed", "approved" | "rejected") | ("approved", "applied" | "rejected")
        );
        if !allowed {
            return Err(LakeError::Query(format!(
                "recommendation `{rec_id}` is {}; it cannot become {status}",
                row.status
            )));
        }
        let at = shanghai_now();
        sqlx::query("UPDATE bid_changes SET status = $1, actor = $2, at = $3 WHERE id = $4")
            .bind(status)
            .bind(actor)
            .bind(&at)
            .bind(row.id)
            .execute(&mut *tx)
            .await
            .map_err(db)?;
        sqlx::query("INSERT INTO bid_change_log (change_id, status, actor, note, at) VALUES ($1, $2, $3, $4, $5)")
            .bind(row.id).bind(status).bind(actor).bind(note).bind(&at)
            .execute(&mut *tx).await.map_err(db)?;
        tx.commit().await.map_err(db)?;
        Ok(BidChangeRecord {
            status: status.into(),
            actor: actor.into(),
            at,
            ..row
        })
    }

    /// The decision trail of a shop's changes, oldest first.
    pub async fn bid_change_log(&self, shop: &str) -> Result<Vec<BidLogEntry>, LakeError> {
        let rows = sqlx::query("SELECT l.change_id, l.status, l.actor, l.note, l.at FROM bid_change_log l JOIN bid_changes c ON c.id = l.change_id WHERE c.shop = $1 ORDER BY l.id")
            .bind(shop).fetch_all(&self.pool).await.map_err(db)?;
        Ok(rows
            .into_iter()
            .map(|r| BidLogEntry {
                change_id: r.get(0),
                status: r.get(1),
                actor: r.get(2),
                note: r.get(3),
                at: r.get(4),
            })
            .collect())
    }

    /// Puts a plan on manual hold (`on`) or releases it.
    pub async fn set_plan_hold(
        &self,
        shop: &str,
        plan: &str,
        on: bool,
        actor: &str,
        note: Option<&str>,
    ) -> Result<(), LakeError> {
        if on {
            sqlx::query("INSERT INTO plan_holds (shop, plan_id, actor, note, at) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (shop, plan_id) DO UPDATE SET actor = excluded.actor, note = excluded.note, at = excluded.at")
                .bind(shop).bind(plan).bind(actor).bind(note).bind(shanghai_now())
                .execute(&self.pool).await.map_err(db)?;
        } else {
            sqlx::query("DELETE FROM plan_holds WHERE shop = $1 AND plan_id = $2")
                .bind(shop)
                .bind(plan)
                .execute(&self.pool)
                .await
                .map_err(db)?;
        }
        Ok(())
    }

    /// Plans on manual hold.
    pub async fn plan_holds(&self, shop: &str) -> Result<Vec<String>, LakeError> {
        let rows = sqlx::query("SELECT plan_id FROM plan_holds WHERE shop = $1 ORDER BY plan_id")
            .bind(shop)
            .fetch_all(&self.pool)
            .await
            .map_err(db)?;
        Ok(rows.into_iter().map(|r| r.get(0)).collect())
    }
}
