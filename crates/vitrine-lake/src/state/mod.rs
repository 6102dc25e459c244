//! The state database (SQLite by default, PostgreSQL on request): targets, alerts and their
//! history, experiments, the paid-traffic audit log, and accounts.

mod accounts;
mod alerts;
mod bids;
mod experiments;
mod targets;

pub use accounts::{utc_stamp, Grant, Role, UserRecord};
pub use alerts::{AlertRecord, AlertStatus};
pub use bids::{shanghai_now, BidChangeRecord, BidLogEntry};
pub use experiments::{ExperimentArm, ExperimentRecord};

use std::path::Path;

use serde::Serialize;
use sqlx::any::AnyPoolOptions;
use sqlx::AnyPool;

use crate::LakeError;

fn db(e: sqlx::Error) -> LakeError {
    LakeError::Database(e)
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
            .map_err(|source| LakeError::Open {
                url: redact(url),
                source,
            })?;
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
        .map_err(LakeError::Migration)?;
        Ok(State { pool, backend })
    }

    /// Which database engine this state lives in.
    pub fn backend(&self) -> Backend {
        self.backend
    }
}
