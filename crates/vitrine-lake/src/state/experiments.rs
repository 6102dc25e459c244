//! The experiment registry.

use serde::Serialize;
use sqlx::any::AnyRow;
use sqlx::Row;

use super::{db, opt_real, State};
use crate::LakeError;

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
        let variants = serde_json::to_string(&e.variants).map_err(|source| LakeError::Stored {
            what: "experiment variant list",
            source,
        })?;
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

fn experiment_row(r: AnyRow) -> Result<ExperimentRecord, LakeError> {
    let variants: String = r.get(6);
    Ok(ExperimentRecord {
        id: r.get(0),
        shop: r.get(1),
        name: r.get(2),
        hypothesis: r.get(3),
        metric: r.get(4),
        unit: r.get(5),
        variants: serde_json::from_str(&variants).map_err(|source| LakeError::Stored {
            what: "experiment variant list",
            source,
        })?,
        start_date: r.get(7),
        end_date: r.get(8),
        min_days: r.get(9),
        planned_n: r.get(10),
        owner: r.get(11),
        status: r.get(12),
        created_at: r.get(13),
    })
}
