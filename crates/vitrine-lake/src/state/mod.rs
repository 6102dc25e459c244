//! The state database (SQLite by default, PostgreSQL on request): targets, alerts and their
//! history, experiments, the paid-traffic audit log, and accounts.

mod accounts;

pub use accounts::{utc_stamp, Grant, Role, UserRecord};

use std::path::Path;

use serde::Serialize;
use sqlx::any::{AnyPoolOptions, AnyRow};
use sqlx::{AnyPool, Row};

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
    pool: AnyPool,
    backend: Backend,
}

/// The database engine behind the state: SQLite by default, PostgreSQL for teams.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    /// The engine a database URL names.
    pub fn of(url: &str) -> Result<Backend, LakeError> {
        if url.starts_with("sqlite:") {
            Ok(Backend::Sqlite)
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Ok(Backend::Postgres)
        } else {
            Err(LakeError::State(format!(
                "database URL `{}` is neither sqlite:… nor postgres://…",
                redact(url)
            )))
        }
    }
}

/// A nullable number bound as text and cast back in SQL: sqlx's `Any` driver binds a
/// `None::<f64>` as a PostgreSQL float4, which then clashes with a float8 bound to the
/// same prepared statement.
fn opt_real(v: Option<f64>) -> Option<String> {
    v.map(|x| x.to_string())
}

/// A database URL with its password replaced by `***`, for messages and logs.
pub fn redact(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_string();
    };
    let (auth, host) = match rest.split_once('@') {
        Some(x) => x,
        None => return url.to_string(),
    };
    match auth.split_once(':') {
        Some((user, _)) => format!("{scheme}://{user}:***@{host}"),
        None => url.to_string(),
    }
}

/// Creates an empty, uniquely named database on the PostgreSQL server `admin_url` points
/// at and returns its URL. Tests use it to run the suite against a real server.
pub async fn scratch_database(admin_url: &str) -> Result<String, LakeError> {
    use std::sync::atomic::{AtomicU64, Ordering};
    static SEQ: AtomicU64 = AtomicU64::new(0);
    sqlx::any::install_default_drivers();
    let nanos = chrono::Utc::now().timestamp_nanos_opt().unwrap_or_default();
    let name = format!(
        "vitrine_t{}_{}_{}",
        std::process::id(),
        nanos,
        SEQ.fetch_add(1, Ordering::Relaxed)
    );
    let mut conn = <sqlx::AnyConnection as sqlx::Connection>::connect(admin_url)
        .await
        .map_err(db)?;
    sqlx::query(&format!("CREATE DATABASE {name}"))
        .execute(&mut conn)
        .await
        .map_err(db)?;
    let (base, query) = match admin_url.split_once('?') {
        Some((b, q)) => (b, format!("?{q}")),
        None => (admin_url, String::new()),
    };
    let root = base.rsplit_once('/').map_or(base, |(r, _)| r);
    Ok(format!("{root}/{name}{query}"))
}

impl State {
    /// Opens the default state database, `<data_dir>/state.db` (SQLite), creating it if
    /// needed, and runs pending migrations.
    pub async fn open(data_dir: &Path) -> Result<State, LakeError> {
        std::fs::create_dir_all(data_dir).map_err(|e| LakeError::io(data_dir, e))?;
        let url = format!("sqlite://{}?mode=rwc", data_dir.join("state.db").display());
        State::connect(&url).await
    }

    /// Opens the state database at `url` (`sqlite://…` or `postgres://…`) and runs pending
    /// migrations, so every command sees the current schema.
    pub async fn connect(url: &str) -> Result<State, LakeError> {
        sqlx::any::install_default_drivers();
        let backend = Backend::of(url)?;
        let pool = AnyPoolOptions::new()
            .max_connections(if backend == Backend::Sqlite { 4 } else { 16 })
            .connect(url)
            .await
            .map_err(|e| LakeError::State(format!("cannot open {}: {e}", redact(url))))?;
        if backend == Backend::Sqlite {
            // Readers never block the writer; persistent in the file.
            sqlx::query("PRAGMA journal_mode = WAL")
                .execute(&pool)
                .await
                .map_err(db)?;
            sqlx::migrate!("./migrations/sqlite").run(&pool).await
        } else {
            sqlx::migrate!("./migrations/postgres").run(&pool).await
        }
        .map_err(db)?;
        Ok(State { pool, backend })
    }

    /// Which database engine this state lives in.
    pub fn backend(&self) -> Backend {
        self.backend
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
        let row = sqlx::query("INSERT INTO experiments (shop, name, hypothesis, metric, unit, variants, start_date, end_date, min_days, planned_n, owner, status, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, CAST($10 AS DOUBLE PRECISION), $11, $12, $13) RETURNING id")
            .bind(&e.shop).bind(&e.name).bind(&e.hypothesis).bind(&e.metric).bind(&e.unit)
            .bind(variants).bind(&e.start_date).bind(&e.end_date).bind(e.min_days)
            .bind(opt_real(e.planned_n)).bind(&e.owner).bind(&e.status).bind(chrono::Utc::now().to_rfc3339())
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
        let rows = sqlx::query("SELECT id, shop, name, hypothesis, metric, unit, variants, start_date, end_date, min_days, planned_n, owner, status, created_at FROM experiments WHERE (CAST($1 AS TEXT) IS NULL OR shop = $1) ORDER BY id DESC")
            .bind(shop).fetch_all(&self.pool).await.map_err(db)?;
        rows.into_iter().map(experiment_row).collect()
    }

    /// One experiment by id.
    pub async fn experiment(&self, id: i64) -> Result<ExperimentRecord, LakeError> {
        let row = sqlx::query("SELECT id, shop, name, hypothesis, metric, unit, variants, start_date, end_date, min_days, planned_n, owner, status, created_at FROM experiments WHERE id = $1")
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
        let done = sqlx::query("UPDATE experiments SET status = $1 WHERE id = $2")
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

fn experiment_row(r: AnyRow) -> Result<ExperimentRecord, LakeError> {
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
