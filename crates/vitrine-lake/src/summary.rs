//! Per-customer repeat-purchase summaries (frequency, recency, T, monetary value) computed in
//! SQL from a transaction log, in calendar-time periods, for the CLV models.

use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use datafusion::arrow::array::{Array, AsArray};
use datafusion::arrow::datatypes::{DataType, Float64Type};
use datafusion::prelude::{CsvReadOptions, ParquetReadOptions};

use crate::engine::Engine;
use crate::LakeError;

/// Where the transactions are and which columns hold what.
#[derive(Debug, Clone)]
pub struct SummarySpec {
    /// A CSV (with header) or Parquet file, one row per transaction.
    pub path: PathBuf,
    pub customer: String,
    pub date: String,
    pub amount: Option<String>,
    /// chrono format of the date column when it is not ISO (e.g. `%Y%m%d`).
    pub date_format: Option<String>,
    /// Period length: 1 = days, 7 = weeks (Monday to Sunday).
    pub period_days: u32,
    /// Last day observed (default: the last transaction's day).
    pub observation_end: Option<NaiveDate>,
    /// Sort the result by customer (for files people read; fitting does not need it).
    pub sorted: bool,
}

/// One customer's summary, ages in periods.
#[derive(Debug, Clone, PartialEq)]
pub struct CustomerSummary {
    pub id: String,
    pub frequency: f64,
    pub recency: f64,
    pub t: f64,
    pub monetary_value: Option<f64>,
}

fn ident(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

fn literal(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

/// The summary SQL over a registered table `tx`.
fn sql(spec: &SummarySpec) -> String {
    let day = match &spec.date_format {
        Some(f) => format!(
            "to_date(CAST({} AS VARCHAR), {})",
            ident(&spec.date),
            literal(f)
        ),
        None => format!(
            "CAST(CAST(CAST({} AS VARCHAR) AS TIMESTAMP) AS DATE)",
            ident(&spec.date)
        ),
    };
    // Day 0 (1970-01-01) is a Thursday: +3 makes weeks start on Monday.
    let offset = if spec.period_days == 7 { 3 } else { 0 };
    let period = format!(
        "CAST(FLOOR((CAST(day AS INT) + {offset}) / {}.0) AS BIGINT)",
        spec.period_days
    );
    let amount = spec
        .amount
        .as_deref()
        .map(|a| format!("CAST({} AS DOUBLE)", ident(a)))
        .unwrap_or_else(|| "CAST(0 AS DOUBLE)".into());
    let (end_filter, end_period) = match spec.observation_end {
        Some(d) => (
            format!("WHERE day <= DATE {}", literal(&d.to_string())),
            format!(
                "(SELECT CAST(FLOOR((CAST(DATE {} AS INT) + {offset}) / {}.0) AS BIGINT))",
                literal(&d.to_string()),
                spec.period_days
            ),
        ),
        None => (String::new(), "(SELECT MAX(p) FROM per)".into()),
    };
    format!(
        "WITH raw AS (SELECT {cust} AS id, {day} AS day, {amount} AS amt FROM tx WHERE {cust} IS NOT NULL AND {date} IS NOT NULL),
         t AS (SELECT id, {period} AS p, amt FROM raw {end_filter}),
         per AS (SELECT id, p, SUM(amt) AS amt FROM t GROUP BY id, p),
         c AS (SELECT id, COUNT(*) - 1 AS frequency, MAX(p) - MIN(p) AS recency, MIN(p) AS first_p,
                      SUM(amt) AS total, first_value(amt ORDER BY p) AS first_amt FROM per GROUP BY id)
         SELECT CAST(id AS VARCHAR) AS id, CAST(frequency AS DOUBLE) AS frequency, CAST(recency AS DOUBLE) AS recency,
                CAST({end_period} - first_p AS DOUBLE) AS t,
                CASE WHEN frequency > 0 THEN (total - first_amt) / frequency ELSE 0.0 END AS monetary_value
         FROM c {order}",
        order = if spec.sorted { "ORDER BY 1" } else { "" },
        cust = ident(&spec.customer),
        date = ident(&spec.date),
    )
}

/// Summarises a transaction file; errors name the file and the missing column.
pub async fn customer_summary(spec: &SummarySpec) -> Result<Vec<CustomerSummary>, LakeError> {
    if spec.period_days == 0 {
        return Err(LakeError::Query(
            "the period must be at least one day".into(),
        ));
    }
    let ctx = Engine::session();
    let path = spec.path.to_string_lossy().to_string();
    let named = |e: datafusion::error::DataFusionError| {
        LakeError::Query(format!("{}: {e}", spec.path.display()))
    };
    if is_parquet(&spec.path) {
        ctx.register_parquet("tx", &path, ParquetReadOptions::default())
            .await
            .map_err(named)?;
    } else {
        let ext = extension(&spec.path);
        let opts = CsvReadOptions::new().has_header(true).file_extension(&ext);
        ctx.register_csv("tx", &path, opts).await.map_err(named)?;
    }
    let table = ctx.table("tx").await.map_err(named)?;
    let columns: Vec<String> = table
        .schema()
        .fields()
        .iter()
        .map(|f| f.name().clone())
        .collect();
    for want in [Some(&spec.customer), Some(&spec.date), spec.amount.as_ref()]
        .into_iter()
        .flatten()
    {
        if !columns.contains(want) {
            return Err(LakeError::Query(format!(
                "{}: no column `{want}` (columns: {})",
                spec.path.display(),
                columns.join(", ")
            )));
        }
    }
    let batches = ctx
        .sql(&sql(spec))
        .await
        .map_err(named)?
        .collect()
        .await
        .map_err(named)?;
    let mut out = Vec::new();
    for b in batches {
        let id = datafusion::arrow::compute::cast(b.column(0), &DataType::Utf8)?;
        let id = id.as_string::<i32>();
        let f64s: Vec<_> = (1..5)
            .map(|i| b.column(i).as_primitive::<Float64Type>())
            .collect();
        for row in 0..b.num_rows() {
            if f64s[2].is_null(row) {
                continue;
            }
            out.push(CustomerSummary {
                id: id.value(row).to_string(),
                frequency: f64s[0].value(row),
                recency: f64s[1].value(row),
                t: f64s[2].value(row),
                monetary_value: spec.amount.as_ref().map(|_| f64s[3].value(row)),
            });
        }
    }
    if let Some(c) = out.iter().find(|c| c.t < c.recency) {
        return Err(LakeError::Query(format!(
            "{}: customer {} buys after the observation end",
            spec.path.display(),
            c.id
        )));
    }
    Ok(out)
}

fn is_parquet(p: &Path) -> bool {
    p.extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("parquet"))
}

fn extension(p: &Path) -> String {
    // DataFusion filters listed files by extension; accept whatever the file is called.
    p.extension()
        .and_then(|e| e.to_str())
        .map(|e| format!(".{e}"))
        .unwrap_or_default()
}
