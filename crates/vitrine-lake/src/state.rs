//! The state database (SQLite by default): targets, alerts and alert history, experiments.

use std::path::Path;
use std::str::FromStr;

use serde::Serialize;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions};
use sqlx::Row;

use crate::LakeError;

fn db(e: impl std::fmt::Display) -> LakeError {
    LakeError::State(e.to_string())
}

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

/// Handle to the state database.
#[derive(Clone)]
pub struct State {
    pool: SqlitePool,
}

impl State {
    /// Opens (creating if needed) `<data_dir>/state.db` and runs pending migrations.
    pub async fn open(data_dir: &Path) -> Result<State, LakeError> {
        std::fs::create_dir_all(data_dir).map_err(|e| LakeError::io(data_dir, e))?;
        let url = format!("sqlite://{}", data_dir.join("state.db").display());
        let opts = SqliteConnectOptions::from_str(&url)
            .map_err(db)?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal);
        let pool = SqlitePoolOptions::new()
            .max_connections(4)
            .connect_with(opts)
            .await
            .map_err(db)?;
        sqlx::migrate!("./migrations")
            .run(&pool)
            .await
            .map_err(db)?;
        Ok(State { pool })
    }

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
            sqlx::query("SELECT id, status, last_date FROM alerts WHERE fingerprint = ?")
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
                sqlx::query("UPDATE alerts SET status = ?, last_date = ?, occurrences = occurrences + 1, due_at = CASE WHEN ? = 'open' AND status = 'resolved' THEN ? ELSE due_at END, severity = ?, message = ?, evidence = ?, updated_at = ? WHERE id = ?")
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
            let res = sqlx::query("INSERT INTO alerts (fingerprint, shop, rule, metric, scope, severity, status, first_date, last_date, due_at, message, evidence, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, 'open', ?, ?, ?, ?, ?, ?, ?)")
                .bind(&fp).bind(shop).bind(rule).bind(metric).bind(scope).bind(severity).bind(date).bind(date).bind(due_at).bind(message).bind(evidence).bind(&now).bind(&now)
                .execute(&mut *tx).await.map_err(db)?;
            let id = res.last_insert_rowid();
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
        let row = sqlx::query("SELECT status FROM alerts WHERE id = ?")
            .bind(id)
            .fetch_optional(&mut *tx)
            .await
            .map_err(db)?;
        let Some(row) = row else {
            return Err(LakeError::State(format!("no alert with id {id}")));
        };
        let from: String = row.get(0);
        sqlx::query(
            "UPDATE alerts SET status = ?, owner = COALESCE(owner, ?), updated_at = ? WHERE id = ?",
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
        let rows = sqlx::query("SELECT id, shop, rule, metric, scope, severity, status, owner, first_date, last_date, occurrences, due_at, message, evidence FROM alerts WHERE (? IS NULL OR shop = ?) AND (? IS NULL OR status = ?) ORDER BY last_date DESC, id DESC")
            .bind(shop).bind(shop).bind(status.map(|s| s.as_str())).bind(status.map(|s| s.as_str()))
            .fetch_all(&self.pool).await.map_err(db)?;
        rows.into_iter()
            .map(|r| {
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
            })
            .collect()
    }

    /// The status changes of one alert: (at, from, to, actor, note).
    pub async fn alert_history(
        &self,
        id: i64,
    ) -> Result<Vec<(String, Option<String>, String, String, Option<String>)>, LakeError> {
        let rows = sqlx::query("SELECT at, from_status, to_status, actor, note FROM alert_history WHERE alert_id = ? ORDER BY id").bind(id).fetch_all(&self.pool).await.map_err(db)?;
        Ok(rows
            .into_iter()
            .map(|r| (r.get(0), r.get(1), r.get(2), r.get(3), r.get(4)))
            .collect())
    }

    /// Sets a target value (e.g. metric `gmv`, period `year:2026`).
    pub async fn set_target(
        &self,
        shop: &str,
        metric: &str,
        scope: &str,
        period: &str,
        value: f64,
    ) -> Result<(), LakeError> {
        sqlx::query("INSERT INTO targets (shop, metric, scope, period, value, updated_at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (shop, metric, scope, period) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at")
            .bind(shop).bind(metric).bind(scope).bind(period).bind(value).bind(chrono::Utc::now().to_rfc3339())
            .execute(&self.pool).await.map_err(db)?;
        Ok(())
    }

    /// Stored targets of a shop: (metric, scope, period, value).
    pub async fn targets(
        &self,
        shop: &str,
    ) -> Result<Vec<(String, String, String, f64)>, LakeError> {
        let rows = sqlx::query("SELECT metric, scope, period, value FROM targets WHERE shop = ? ORDER BY metric, period").bind(shop).fetch_all(&self.pool).await.map_err(db)?;
        Ok(rows
            .into_iter()
            .map(|r| (r.get(0), r.get(1), r.get(2), r.get(3)))
            .collect())
    }
}

/// One arm of a registered experiment: its name and the lake scope it reads
/// (`dimension=value`, e.g. `creative=C1`).
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
pub struct ExperimentArm {
    pub name: String,
    pub scope: String,
}

/// A registered experiment.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ExperimentRecord {
    pub id: i64,
    pub shop: String,
    pub name: String,
    pub hypothesis: String,
    pub metric: String,
    pub unit: String,
    pub variants: Vec<ExperimentArm>,
    pub start_date: String,
    pub end_date: String,
    pub min_days: i64,
    pub planned_n: Option<f64>,
    pub owner: Option<String>,
    pub status: String,
    pub created_at: String,
}

impl State {
    /// Registers an experiment; names are unique per shop. Returns its id.
    pub async fn create_experiment(&self, e: &ExperimentRecord) -> Result<i64, LakeError> {
        let variants = serde_json::to_string(&e.variants).map_err(db)?;
        let row = sqlx::query("INSERT INTO experiments (shop, name, hypothesis, metric, unit, variants, start_date, end_date, min_days, planned_n, owner, status, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id")
            .bind(&e.shop).bind(&e.name).bind(&e.hypothesis).bind(&e.metric).bind(&e.unit)
            .bind(variants).bind(&e.start_date).bind(&e.end_date).bind(e.min_days)
            .bind(e.planned_n).bind(&e.owner).bind(&e.status).bind(chrono::Utc::now().to_rfc3339())
            .fetch_one(&self.pool).await
            .map_err(|err| match err {
                sqlx::Error::Database(d) if d.is_unique_violation() => LakeError::State(format!(
                    "shop {} already has an experiment named `{}`", e.shop, e.name
                )),
                other => db(other),
            })?;
        Ok(row.get(0))
    }

    /// Experiments of a shop (all shops when `None`), newest first.
    pub async fn experiments(
        &self,
        shop: Option<&str>,
    ) -> Result<Vec<ExperimentRecord>, LakeError> {
        let rows = sqlx::query("SELECT id, shop, name, hypothesis, metric, unit, variants, start_date, end_date, min_days, planned_n, owner, status, created_at FROM experiments WHERE (?1 IS NULL OR shop = ?1) ORDER BY id DESC")
            .bind(shop).fetch_all(&self.pool).await.map_err(db)?;
        rows.into_iter().map(experiment_row).collect()
    }

    /// One experiment by id.
    pub async fn experiment(&self, id: i64) -> Result<ExperimentRecord, LakeError> {
        let row = sqlx::query("SELECT id, shop, name, hypothesis, metric, unit, variants, start_date, end_date, min_days, planned_n, owner, status, created_at FROM experiments WHERE id = ?")
            .bind(id).fetch_optional(&self.pool).await.map_err(db)?
            .ok_or_else(|| LakeError::State(format!("no experiment with id {id}")))?;
        experiment_row(row)
    }

    /// Moves an experiment to `running`, `stopped` or `shipped`.
    pub async fn set_experiment_status(&self, id: i64, status: &str) -> Result<(), LakeError> {
        if !["draft", "running", "stopped", "shipped"].contains(&status) {
            return Err(LakeError::State(format!(
                "unknown experiment status `{status}` (draft, running, stopped, shipped)"
            )));
        }
        let done = sqlx::query("UPDATE experiments SET status = ? WHERE id = ?")
            .bind(status)
            .bind(id)
            .execute(&self.pool)
            .await
            .map_err(db)?;
        if done.rows_affected() == 0 {
            return Err(LakeError::State(format!("no experiment with id {id}")));
        }
        Ok(())
    }
}

fn experiment_row(r: sqlx::sqlite::SqliteRow) -> Result<ExperimentRecord, LakeError> {
    let variants: String = r.get(6);
    Ok(ExperimentRecord {
        id: r.get(0),
        shop: r.get(1),
        name: r.get(2),
        hypothesis: r.get(3),
        metric: r.get(4),
        unit: r.get(5),
        variants: serde_json::from_str(&variants).map_err(db)?,
        start_date: r.get(7),
        end_date: r.get(8),
        min_days: r.get(9),
        planned_n: r.get(10),
        owner: r.get(11),
        status: r.get(12),
        created_at: r.get(13),
    })
}

async fn history(
    tx: &mut sqlx::Transaction<'_, sqlx::Sqlite>,
    id: i64,
    from: Option<&str>,
    to: &str,
    actor: &str,
    note: Option<&str>,
) -> Result<(), LakeError> {
    sqlx::query("INSERT INTO alert_history (alert_id, at, from_status, to_status, actor, note) VALUES (?, ?, ?, ?, ?, ?)")
        .bind(id).bind(chrono::Utc::now().to_rfc3339()).bind(from).bind(to).bind(actor).bind(note)
        .execute(&mut **tx).await.map_err(db)?;
    Ok(())
}

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

fn change_row(r: sqlx::sqlite::SqliteRow) -> BidChangeRecord {
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
            let res = sqlx::query("INSERT OR IGNORE INTO bid_changes (shop, rec_id, date, plan_id, action, from_value, to_value, target, reason, status, actor, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'proposed', 'vitrine', ?)")
                .bind(shop).bind(&c.rec_id).bind(&c.date).bind(&c.plan_id).bind(&c.action)
                .bind(c.from_value).bind(c.to_value).bind(&c.target).bind(&c.reason).bind(&c.at)
                .execute(&mut *tx).await.map_err(db)?;
            if res.rows_affected() == 1 {
                added += 1;
                sqlx::query("INSERT INTO bid_change_log (change_id, status, actor, note, at) VALUES (?, 'proposed', 'vitrine', NULL, ?)")
                    .bind(res.last_insert_rowid()).bind(&c.at)
                    .execute(&mut *tx).await.map_err(db)?;
            }
        }
        tx.commit().await.map_err(db)?;
        Ok(added)
    }

    /// Every change of a shop, newest first.
    pub async fn bid_changes(&self, shop: &str) -> Result<Vec<BidChangeRecord>, LakeError> {
        let rows = sqlx::query(&format!(
            "SELECT {CHANGE_COLUMNS} FROM bid_changes WHERE shop = ? ORDER BY at DESC, id DESC"
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
            "SELECT {CHANGE_COLUMNS} FROM bid_changes WHERE shop = ? AND rec_id = ?"
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
        sqlx::query("UPDATE bid_changes SET status = ?, actor = ?, at = ? WHERE id = ?")
            .bind(status)
            .bind(actor)
            .bind(&at)
            .bind(row.id)
            .execute(&mut *tx)
            .await
            .map_err(db)?;
        sqlx::query("INSERT INTO bid_change_log (change_id, status, actor, note, at) VALUES (?, ?, ?, ?, ?)")
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
        let rows = sqlx::query("SELECT l.change_id, l.status, l.actor, l.note, l.at FROM bid_change_log l JOIN bid_changes c ON c.id = l.change_id WHERE c.shop = ? ORDER BY l.id")
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
            sqlx::query("INSERT INTO plan_holds (shop, plan_id, actor, note, at) VALUES (?, ?, ?, ?, ?) ON CONFLICT (shop, plan_id) DO UPDATE SET actor = excluded.actor, note = excluded.note, at = excluded.at")
                .bind(shop).bind(plan).bind(actor).bind(note).bind(shanghai_now())
                .execute(&self.pool).await.map_err(db)?;
        } else {
            sqlx::query("DELETE FROM plan_holds WHERE shop = ? AND plan_id = ?")
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
        let rows = sqlx::query("SELECT plan_id FROM plan_holds WHERE shop = ? ORDER BY plan_id")
            .bind(shop)
            .fetch_all(&self.pool)
            .await
            .map_err(db)?;
        Ok(rows.into_iter().map(|r| r.get(0)).collect())
    }
}
