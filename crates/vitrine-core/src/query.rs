//! Metric requests and their compilation to SQL over the canonical tables.
//!
//! A [`MetricQuery`] names metrics, grouping dimensions, a time grain and a date range. It
//! compiles to one aggregate SQL statement per source table ([`TableQuery`]); the engine runs
//! them and hands back the summed measures, and [`evaluate`] applies each metric's formula
//! to the sums of its group (ratio of sums).

use std::collections::{BTreeMap, BTreeSet};

use chrono::NaiveDate;
use serde::Serialize;

use crate::metric::{self, Metric};
use crate::table::{Partitioning, Table};
use crate::CoreError;

/// A dimension a metric can be broken down by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Dim {
    Shop,
    Category,
    Product,
    Source,
    Plan,
    Creative,
    Region,
    Device,
    Hour,
    Video,
}

impl Dim {
    /// All dimensions.
    pub const ALL: [Dim; 10] = [
        Dim::Shop,
        Dim::Category,
        Dim::Product,
        Dim::Source,
        Dim::Plan,
        Dim::Creative,
        Dim::Region,
        Dim::Device,
        Dim::Hour,
        Dim::Video,
    ];

    /// The dimension's id as used on the CLI and in JSON.
    pub fn id(self) -> &'static str {
        match self {
            Dim::Shop => "shop",
            Dim::Category => "category",
            Dim::Product => "product",
            Dim::Source => "source",
            Dim::Plan => "plan",
            Dim::Creative => "creative",
            Dim::Region => "region",
            Dim::Device => "device",
            Dim::Hour => "hour",
            Dim::Video => "video",
        }
    }

    /// Parses a dimension id.
    pub fn parse(s: &str) -> Result<Dim, CoreError> {
        Dim::ALL.into_iter().find(|d| d.id() == s).ok_or_else(|| {
            CoreError::Invalid(format!(
                "unknown dimension `{s}` (known: {})",
                Dim::ALL.map(|d| d.id()).join(", ")
            ))
        })
    }

    /// Whether the dimension's columns are text (all but the hour).
    pub fn is_text(self) -> bool {
        self != Dim::Hour
    }

    /// The SQL expression of this dimension in `table`, if the table carries it.
    pub fn column(self, table: Table) -> Option<&'static str> {
        use Table::*;
        match (self, table) {
            (Dim::Shop, _) => Some("shop_id"),
            (
                Dim::Category,
                ProductDay | PlanHour | CreativeDay | Orders | Comments | Inventory | Deliveries,
            ) => Some("category"),
            (Dim::Product, ProductDay | Orders | VideoDay | Comments | Inventory | Deliveries) => {
                Some("product_id")
            }
            (Dim::Source, ProductDay) => Some("source"),
            (Dim::Source, Orders) => Some("channel"),
            (Dim::Plan, PlanHour | CreativeDay) => Some("plan_id"),
            (Dim::Creative, CreativeDay) => Some("creative_id"),
            (Dim::Region, Orders | Users | Deliveries) => Some("region"),
            (Dim::Device, Orders | Users) => Some("device"),
            (Dim::Hour, PlanHour) => Some("hour"),
            (Dim::Hour, Orders) => Some("CAST(date_part('hour', ordered_at) AS INT)"),
            (Dim::Video, VideoDay) => Some("video_id"),
            _ => None,
        }
    }
}

/// The time bucket rows are grouped into.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TimeGrain {
    Day,
    Week,
    Month,
    /// The whole range as one bucket.
    Total,
}

impl TimeGrain {
    /// Parses `day|week|month|total`.
    pub fn parse(s: &str) -> Result<TimeGrain, CoreError> {
        match s {
            "day" => Ok(TimeGrain::Day),
            "week" => Ok(TimeGrain::Week),
            "month" => Ok(TimeGrain::Month),
            "total" => Ok(TimeGrain::Total),
            _ => Err(CoreError::Invalid(format!(
                "unknown time grain `{s}` (day, week, month, total)"
            ))),
        }
    }

    fn sql(self, date_col: &str) -> Option<String> {
        match self {
            TimeGrain::Day => Some(date_col.to_string()),
            TimeGrain::Week | TimeGrain::Month => {
                let unit = if self == TimeGrain::Week {
                    "week"
                } else {
                    "month"
                };
                Some(format!(
                    "CAST(date_trunc('{unit}', CAST({date_col} AS TIMESTAMP)) AS DATE)"
                ))
            }
            TimeGrain::Total => None,
        }
    }
}

/// A request for metric values.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MetricQuery {
    pub metrics: Vec<&'static str>,
    pub dims: Vec<Dim>,
    pub time: TimeGrain,
    pub from: NaiveDate,
    /// Inclusive.
    pub to: NaiveDate,
    /// Equality filters, e.g. shop = "s1".
    pub filters: Vec<(Dim, String)>,
}

impl MetricQuery {
    /// A query for `metrics` over `[from, to]` with no breakdown.
    pub fn new(metrics: &[&'static str], from: NaiveDate, to: NaiveDate) -> Self {
        MetricQuery {
            metrics: metrics.to_vec(),
            dims: vec![],
            time: TimeGrain::Total,
            from,
            to,
            filters: vec![],
        }
    }
    /// Adds grouping dimensions.
    pub fn by(mut self, dims: &[Dim]) -> Self {
        self.dims.extend_from_slice(dims);
        self
    }
    /// Sets the time grain.
    pub fn per(mut self, time: TimeGrain) -> Self {
        self.time = time;
        self
    }
    /// Adds an equality filter.
    pub fn filter(mut self, dim: Dim, value: impl Into<String>) -> Self {
        self.filters.push((dim, value.into()));
        self
    }
}

/// One SQL statement over one table; its output columns are the dimensions, then `period`
/// (a DATE, unless the grain is total), then one DOUBLE column per measure.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TableQuery {
    #[serde(serialize_with = "ser_table")]
    pub table: Table,
    pub sql: String,
    pub measures: Vec<&'static str>,
}

fn ser_table<S: serde::Serializer>(t: &Table, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(t.name())
}

/// The column a table is dated by, for range filters and time grains.
pub fn date_column(table: Table) -> Option<&'static str> {
    match (table, table.partitioning()) {
        (Table::Users, _) => Some("first_order_date"),
        (_, Partitioning::Daily) => Some("date"),
        _ => None,
    }
}

fn quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

/// Resolves metric ids to catalog entries.
pub fn resolve(ids: &[&str]) -> Result<Vec<&'static Metric>, CoreError> {
    ids.iter()
        .map(|id| {
            metric::metric(id).ok_or_else(|| {
                CoreError::Invalid(format!("unknown metric `{id}` (see `vitrine metrics`)"))
            })
        })
        .collect()
}

/// Compiles a metric request into one SQL statement per source table.
pub fn compile(q: &MetricQuery) -> Result<Vec<TableQuery>, CoreError> {
    let mut by_table: BTreeMap<Table, BTreeSet<&'static str>> = BTreeMap::new();
    for m in resolve(&q.metrics)? {
        for id in m.formula.measures() {
            let me = metric::measure(id)
                .ok_or_else(|| CoreError::Invalid(format!("unknown measure {id}")))?;
            by_table.entry(me.table).or_default().insert(me.id);
        }
    }
    by_table
        .into_iter()
        .map(|(table, measures)| compile_table(q, table, measures.into_iter().collect()))
        .collect()
}

fn compile_table(
    q: &MetricQuery,
    table: Table,
    measures: Vec<&'static str>,
) -> Result<TableQuery, CoreError> {
    let dim_col = |d: Dim| {
        d.column(table).ok_or_else(|| {
            CoreError::Invalid(format!(
                "table {} has no `{}` dimension (asked by a metric from it)",
                table.name(),
                d.id()
            ))
        })
    };
    // Keys are grouped in their native types (cheap) and rendered as text by the engine
    // after aggregation.
    let mut keys = Vec::new();
    for d in &q.dims {
        keys.push(format!("{} AS {}", dim_col(*d)?, d.id()));
    }
    let date_col = date_column(table);
    if let Some(period) = date_col.and_then(|c| q.time.sql(c)) {
        keys.push(format!("{period} AS period"));
    } else if q.time != TimeGrain::Total {
        return Err(CoreError::Invalid(format!(
            "table {} has no date to group by",
            table.name()
        )));
    }
    let mut wheres = Vec::new();
    if let Some(c) = date_col {
        wheres.push(format!("{c} BETWEEN DATE '{}' AND DATE '{}'", q.from, q.to));
    }
    for (d, v) in &q.filters {
        let col = dim_col(*d)?;
        if d.is_text() {
            wheres.push(format!("{col} = {}", quote(v)));
        } else {
            wheres.push(format!("CAST({col} AS VARCHAR) = {}", quote(v)));
        }
    }
    let aggs = measures
        .iter()
        .filter_map(|id| metric::measure(id))
        .map(|m| format!("CAST({} AS DOUBLE) AS {}", m.sql, m.id));
    let select: Vec<String> = keys.iter().cloned().chain(aggs).collect();
    let mut sql = format!("SELECT {} FROM {}", select.join(", "), table.name());
    if !wheres.is_empty() {
        sql.push_str(&format!(" WHERE {}", wheres.join(" AND ")));
    }
    let n_keys = keys.len();
    if n_keys > 0 {
        sql.push_str(&format!(
            " GROUP BY {}",
            (1..=n_keys)
                .map(|i| i.to_string())
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    Ok(TableQuery {
        table,
        sql,
        measures,
    })
}

/// Summed measures of one group, as the engine returns them.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct MeasureRow {
    /// Dimension values in query order, then the period if the grain has one.
    pub key: Vec<String>,
    pub values: BTreeMap<&'static str, f64>,
}

/// One row of metric values.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MetricRow {
    pub key: Vec<String>,
    pub period: Option<String>,
    /// One value per requested metric; `None` where a denominator is zero or data is absent.
    pub values: Vec<Option<f64>>,
}

/// The answer to a [`MetricQuery`].
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MetricTable {
    pub metrics: Vec<&'static str>,
    pub dims: Vec<Dim>,
    pub rows: Vec<MetricRow>,
}

impl MetricTable {
    /// The value of `metric` in the row whose key is `key` (and period, if any).
    pub fn get(&self, key: &[&str], period: Option<&str>, metric: &str) -> Option<f64> {
        let col = self.metrics.iter().position(|m| *m == metric)?;
        self.rows
            .iter()
            .find(|r| {
                r.key.iter().map(String::as_str).eq(key.iter().copied())
                    && r.period.as_deref() == period
            })
            .and_then(|r| r.values[col])
    }

    /// The single value of a query without breakdown.
    pub fn scalar(&self, metric: &str) -> Option<f64> {
        let col = self.metrics.iter().position(|m| *m == metric)?;
        self.rows.first().and_then(|r| r.values[col])
    }

    /// The per-period series of `metric` for a query with a time grain and no dimensions.
    pub fn series(&self, metric: &str) -> Vec<(String, Option<f64>)> {
        let Some(col) = self.metrics.iter().position(|m| *m == metric) else {
            return vec![];
        };
        self.rows
            .iter()
            .filter_map(|r| Some((r.period.clone()?, r.values[col])))
            .collect()
    }
}

/// Merges the per-table measure rows of a query and applies each metric's formula.
pub fn evaluate(q: &MetricQuery, parts: Vec<Vec<MeasureRow>>) -> Result<MetricTable, CoreError> {
    let metrics = resolve(&q.metrics)?;
    let mut merged: BTreeMap<Vec<String>, BTreeMap<&'static str, f64>> = BTreeMap::new();
    for row in parts.into_iter().flatten() {
        let slot = merged.entry(row.key).or_default();
        for (k, v) in row.values {
            *slot.entry(k).or_insert(0.0) += v;
        }
    }
    if merged.is_empty() && q.dims.is_empty() && q.time == TimeGrain::Total {
        merged.insert(vec![], BTreeMap::new());
    }
    let n_dims = q.dims.len();
    let rows = merged
        .into_iter()
        .map(|(mut key, sums)| {
            let period = if q.time == TimeGrain::Total {
                None
            } else {
                key.pop()
            };
            key.truncate(n_dims);
            let values = metrics
                .iter()
                .map(|m| m.formula.eval(|id| sums.get(id).copied()))
                .collect();
            MetricRow {
                key,
                period,
                values,
            }
        })
        .collect();
    Ok(MetricTable {
        metrics: q.metrics.clone(),
        dims: q.dims.clone(),
        rows,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn compiles_one_statement_per_table() {
        let q = MetricQuery::new(
            &["ctr", "roi", "spend_ratio"],
            d("2026-11-01"),
            d("2026-11-21"),
        )
        .by(&[Dim::Category])
        .per(TimeGrain::Week);
        let qs = compile(&q).unwrap();
        assert_eq!(qs.len(), 2);
        let funnel = qs.iter().find(|t| t.table == Table::ProductDay).unwrap();
        assert!(funnel.sql.contains("SUM(clicks)"), "{}", funnel.sql);
        assert!(funnel.sql.contains("date_trunc('week'"), "{}", funnel.sql);
        assert!(funnel.sql.contains("GROUP BY 1, 2"), "{}", funnel.sql);
        assert_eq!(funnel.measures, vec!["clicks", "exposure", "gmv_fen"]);
    }

    #[test]
    fn rejects_dimensions_a_table_lacks() {
        let q = MetricQuery::new(&["ctr"], d("2026-11-01"), d("2026-11-01")).by(&[Dim::Plan]);
        let err = compile(&q).unwrap_err().to_string();
        assert!(err.contains("product_day") && err.contains("plan"), "{err}");
    }

    #[test]
    fn quotes_filter_values() {
        let q = MetricQuery::new(&["gmv"], d("2026-11-01"), d("2026-11-01"))
            .filter(Dim::Shop, "o'brien");
        assert!(compile(&q).unwrap()[0].sql.contains("'o''brien'"));
    }

    #[test]
    fn evaluate_is_ratio_of_sums_across_tables() {
        // Two categories: 10/100 and 90/900 clicks/exposure → 100/1000 = 10 %, not mean of ratios.
        let q = MetricQuery::new(&["ctr", "spend_ratio"], d("2026-11-01"), d("2026-11-01"));
        let part = |pairs: &[(&'static str, f64)]| MeasureRow {
            key: vec![],
            values: pairs.iter().copied().collect(),
        };
        let funnel = vec![
            part(&[("clicks", 10.0), ("exposure", 100.0), ("gmv_fen", 1000.0)]),
            part(&[("clicks", 30.0), ("exposure", 900.0), ("gmv_fen", 3000.0)]),
        ];
        let ads = vec![part(&[("ad_spend_fen", 400.0)])];
        let t = evaluate(&q, vec![funnel, ads]).unwrap();
        assert!((t.scalar("ctr").unwrap() - 0.04).abs() < 1e-12);
        assert!((t.scalar("spend_ratio").unwrap() - 0.1).abs() < 1e-12);
    }
}
