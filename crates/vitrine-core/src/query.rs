//! Metric requests and their compilation to SQL over the canonical tables.
//!
//! A [`MetricQuery`] names metrics, grouping dimensions, a time grain and a date range. It
//! compiles to one aggregate SQL statement per source table ([`TableQuery`]); the engine runs
//! them and hands back the summed measures, and [`evaluate`] applies each metric's formula
//! to the sums of its group (ratio of sums).

use std::collections::BTreeMap;

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
    /// The buyers' group: new or returning (Compass 人群构成 人群类型, or the order's
    /// first-order flag).
    Audience,
}

impl Dim {
    /// All dimensions.
    pub const ALL: [Dim; 11] = [
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
        Dim::Audience,
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
            Dim::Audience => "audience",
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
            (
                Dim::Product,
                ProductDay | Orders | VideoDay | Comments | Inventory | Deliveries
                | ProductCardPeriod | VideoPeriod,
            ) => Some("product_id"),
            (Dim::Source, ProductDay) => Some("source"),
            (Dim::Source, Orders) => Some("channel"),
            (Dim::Plan, PlanHour | CreativeDay) => Some("plan_id"),
            (Dim::Creative, CreativeDay) => Some("creative_id"),
            (Dim::Region, Orders | Users | Deliveries) => Some("region"),
            (Dim::Device, Orders | Users) => Some("device"),
            (Dim::Hour, PlanHour) => Some("hour"),
            (Dim::Hour, Orders) => Some("CAST(date_part('hour', ordered_at) AS INT)"),
            (Dim::Video, VideoDay | VideoPeriod) => Some("video_id"),
            (Dim::Audience, TradeDay) => Some(AUDIENCE_OF_TRADE_ROW),
            (Dim::Audience, Orders) => Some(AUDIENCE_OF_ORDER),
            _ => None,
        }
    }
}

/// The 人群类型 of a 人群构成 row that is a part, not the sheet's total (other sheets'
/// rows have none). Lists [`crate::table::TOTAL_MARKERS`].
const AUDIENCE_OF_TRADE_ROW: &str = "CASE WHEN sheet = 'audience' AND level1 NOT IN ('全部', '合计', '总计', '整体', '不限', '汇总', '总体') THEN level1 END";
/// An order's buyer group in the words of 人群构成 (none when the export does not say).
const AUDIENCE_OF_ORDER: &str =
    "CASE WHEN is_new_customer THEN '新客' WHEN NOT is_new_customer THEN '复购' END";

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
    /// Per measure, its source's place in the catalog's order of preference (0 = best).
    pub ranks: Vec<u8>,
}

fn ser_table<S: serde::Serializer>(t: &Table, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(t.name())
}

/// The column a table is dated by, for range filters and time grains.
pub fn date_column(table: Table) -> Option<&'static str> {
    match (table, table.partitioning()) {
        (Table::Users, _) => Some("first_order_date"),
        (_, Partitioning::Daily | Partitioning::Period) => Some("date"),
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
            metric::metric(id).ok_or_else(|| CoreError::Invalid(format!("unknown metric `{id}`")))
        })
        .collect()
}

/// Compiles a metric request into one SQL statement per source table.
///
/// A measure with several sources (see [`metric::measure_sources`]) is asked of every
/// source able to answer the request (it has the dimensions asked for); [`evaluate`] then
/// keeps, per group, the value of the most preferred source that has one.
pub fn compile(q: &MetricQuery) -> Result<Vec<TableQuery>, CoreError> {
    let mut by_table: BTreeMap<Table, BTreeMap<&'static str, u8>> = BTreeMap::new();
    for m in resolve(&q.metrics)? {
        for id in m.formula.measures() {
            let sources: Vec<&metric::Measure> = metric::measure_sources(id).collect();
            let first = sources
                .first()
                .ok_or_else(|| CoreError::Invalid(format!("unknown measure {id}")))?;
            let able: Vec<(u8, &metric::Measure)> = sources
                .iter()
                .enumerate()
                .filter(|(_, me)| answers(q, me))
                .map(|(rank, me)| (rank as u8, *me))
                .collect();
            if able.is_empty() {
                // No source can answer: say why for each.
                let why: Vec<String> = sources.iter().map(|me| why_not(q, me)).collect();
                return Err(CoreError::Invalid(format!(
                    "no source of `{}` can answer: {}",
                    first.id,
                    why.join("; ")
                )));
            }
            for (rank, me) in able {
                by_table.entry(me.table).or_default().insert(me.id, rank);
            }
        }
    }
    by_table
        .into_iter()
        .map(|(table, measures)| compile_table(q, table, measures.into_iter().collect()))
        .collect()
}

/// Whether the measure's table has every dimension the request groups or filters by, and can
/// be read at its time grain (period snapshots answer only per day or for the whole range).
/// A person measure answers only at the grain its table stores persons: every key dimension
/// fixed and one day (or one snapshot), since a person in two rows would be counted twice.
fn answers(q: &MetricQuery, measure: &metric::Measure) -> bool {
    let table = measure.table;
    let persons_ok = !measure.persons || persons_answer(q, table);
    let dims_ok = q
        .dims
        .iter()
        .chain(q.filters.iter().map(|(d, _)| d))
        .all(|d| d.column(table).is_some());
    let grain_ok = table.partitioning() != Partitioning::Period
        || matches!(q.time, TimeGrain::Day | TimeGrain::Total);
    dims_ok && grain_ok && persons_ok
}

/// Why `measure` cannot answer `q`.
fn why_not(q: &MetricQuery, measure: &metric::Measure) -> String {
    if let Err(e) = compile_table(q, measure.table, vec![(measure.id, 0)]) {
        return e.to_string();
    }
    let grain: Vec<&str> = stored_grain(measure.table).iter().map(|d| d.id()).collect();
    format!(
        "table {} counts persons once per {} and day; a sum over rows would count a person twice",
        measure.table.name(),
        grain.join(" × ")
    )
}

/// The dimensions that identify a row of `table` within a day (or snapshot).
fn stored_grain(table: Table) -> &'static [Dim] {
    match table {
        Table::ProductDay => &[Dim::Shop, Dim::Product, Dim::Source],
        Table::ProductCardPeriod => &[Dim::Shop, Dim::Product],
        _ => &[Dim::Shop],
    }
}

/// Whether a request reads `table`'s person counts one row per group (never a sum of them).
fn persons_answer(q: &MetricQuery, table: Table) -> bool {
    let fixed = |d: &Dim| q.dims.contains(d) || q.filters.iter().any(|(f, _)| f == d);
    let one_day = match q.time {
        TimeGrain::Day => true,
        TimeGrain::Total => table.partitioning() == Partitioning::Period || q.from == q.to,
        TimeGrain::Week | TimeGrain::Month => false,
    };
    one_day && stored_grain(table).iter().all(fixed)
}

fn compile_table(
    q: &MetricQuery,
    table: Table,
    measures: Vec<(&'static str, u8)>,
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
    let period = table.partitioning() == Partitioning::Period;
    if period && !matches!(q.time, TimeGrain::Day | TimeGrain::Total) {
        return Err(CoreError::Invalid(format!(
            "table {} holds period snapshots: ask per day (one-day periods) or for one exact period",
            table.name()
        )));
    }
    if let Some(period) = date_col.and_then(|c| q.time.sql(c)) {
        keys.push(format!("{period} AS period"));
    } else if q.time != TimeGrain::Total {
        return Err(CoreError::Invalid(format!(
            "table {} has no date to group by",
            table.name()
        )));
    }
    let mut wheres = Vec::new();
    if period && q.time == TimeGrain::Total {
        // A snapshot answers only its own period: never a sum over overlapping ones.
        wheres.push(format!(
            "date = DATE '{}' AND period_end = DATE '{}'",
            q.from, q.to
        ));
    } else if let Some(c) = date_col {
        wheres.push(format!("{c} BETWEEN DATE '{}' AND DATE '{}'", q.from, q.to));
        if period {
            // Per day, only one-day snapshots count: a week's table is no day's value.
            wheres.push("period_end = date".into());
        }
    }
    for (d, v) in &q.filters {
        let col = dim_col(*d)?;
        if d.is_text() {
            wheres.push(format!("{col} = {}", quote(v)));
        } else {
            wheres.push(format!("CAST({col} AS VARCHAR) = {}", quote(v)));
        }
    }
    let aggs = measures.iter().filter_map(|(id, _)| {
        metric::measure_sources(id)
            .find(|m| m.table == table)
            .map(|m| format!("CAST({} AS DOUBLE) AS {}", m.sql, m.id))
    });
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
    // A table with no rows answers nothing (not a COUNT of 0 that would outrank the next
    // source of the measure).
    sql.push_str(" HAVING COUNT(*) > 0");
    let (measures, ranks) = measures.into_iter().unzip();
    Ok(TableQuery {
        table,
        sql,
        measures,
        ranks,
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
    /// Per requested metric, the tables its value was computed from (the preferred source
    /// that had rows, for measures with several).
    pub sources: Vec<Vec<Table>>,
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

    /// The tables `metric`'s value in the row `key` (and period) was computed from.
    pub fn sources(&self, key: &[&str], period: Option<&str>, metric: &str) -> &[Table] {
        let Some(col) = self.metrics.iter().position(|m| *m == metric) else {
            return &[];
        };
        self.rows
            .iter()
            .find(|r| {
                r.key.iter().map(String::as_str).eq(key.iter().copied())
                    && r.period.as_deref() == period
            })
            .and_then(|r| r.sources.get(col))
            .map(Vec::as_slice)
            .unwrap_or(&[])
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
///
/// `parts[i]` answers `compiled[i]`. Where several sources answer a measure for the same
/// group, the most preferred one is kept; sources are never added to each other.
pub fn evaluate(
    q: &MetricQuery,
    compiled: &[TableQuery],
    parts: Vec<Vec<MeasureRow>>,
) -> Result<MetricTable, CoreError> {
    let metrics = resolve(&q.metrics)?;
    let mut merged: BTreeMap<Vec<String>, BTreeMap<&'static str, (u8, f64, Table)>> =
        BTreeMap::new();
    for (i, rows) in parts.into_iter().enumerate() {
        let table = compiled
            .get(i)
            .map(|tq| tq.table)
            .unwrap_or(Table::ProductDay);
        let rank_of = |m: &str| {
            compiled.get(i).and_then(|tq| {
                tq.measures
                    .iter()
                    .position(|x| *x == m)
                    .and_then(|p| tq.ranks.get(p).copied())
            })
        };
        for row in rows {
            let slot = merged.entry(row.key).or_default();
            for (k, v) in row.values {
                let rank = rank_of(k).unwrap_or(0);
                match slot.get_mut(k) {
                    Some((r, acc, _)) if *r == rank => *acc += v,
                    Some((r, ..)) if *r < rank => {}
                    _ => {
                        slot.insert(k, (rank, v, table));
                    }
                }
            }
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
                .map(|m| m.formula.eval(|id| sums.get(id).map(|x| x.1)))
                .collect();
            let sources = metrics
                .iter()
                .map(|m| {
                    let mut t: Vec<Table> = m
                        .formula
                        .measures()
                        .iter()
                        .filter_map(|id| sums.get(id).map(|x| x.2))
                        .collect();
                    t.sort();
                    t.dedup();
                    t
                })
                .collect();
            MetricRow {
                key,
                period,
                values,
                sources,
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

    #[test]
    fn the_audience_sql_skips_every_total_marker() {
        let measure = metric::measure_sources("audience_paid_fen")
            .find(|m| m.table == Table::TradeDay)
            .map(|m| m.sql)
            .unwrap_or_default();
        for marker in crate::table::TOTAL_MARKERS {
            let quoted = format!("'{marker}'");
            assert!(AUDIENCE_OF_TRADE_ROW.contains(&quoted), "{marker}");
            assert_eq!(measure.matches(&quoted).count(), 2, "{marker}");
        }
    }

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
        // Funnel, ads, and the order export as the second source of GMV (the shop rows of
        // 交易分析 have no category, so they cannot answer a breakdown by category).
        let tables: Vec<Table> = qs.iter().map(|t| t.table).collect();
        assert_eq!(
            tables,
            vec![Table::ProductDay, Table::PlanHour, Table::Orders]
        );
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
        let compiled = compile(&q).unwrap();
        let t = evaluate(&q, &compiled, vec![funnel, ads]).unwrap();
        assert!((t.scalar("ctr").unwrap() - 0.04).abs() < 1e-12);
        assert!((t.scalar("spend_ratio").unwrap() - 0.1).abs() < 1e-12);
    }

    #[test]
    fn the_preferred_source_wins_per_group_and_sources_are_never_added() {
        let q = MetricQuery::new(&["gmv"], d("2026-11-01"), d("2026-11-02")).per(TimeGrain::Day);
        let compiled = compile(&q).unwrap();
        let tables: Vec<Table> = compiled.iter().map(|t| t.table).collect();
        assert_eq!(
            tables,
            vec![Table::ProductDay, Table::Orders, Table::TradeDay]
        );
        let row = |day: &str, v: f64| MeasureRow {
            key: vec![day.into()],
            values: [("gmv_fen", v)].into_iter().collect(),
        };
        // Day 1: the shop row, the orders and the products all answer; day 2 only products.
        let products = vec![row("2026-11-01", 900.0), row("2026-11-02", 700.0)];
        let orders = vec![row("2026-11-01", 1_000.0)];
        let shop = vec![row("2026-11-01", 1_100.0)];
        let t = evaluate(&q, &compiled, vec![products, orders, shop]).unwrap();
        assert_eq!(t.get(&[], Some("2026-11-01"), "gmv"), Some(11.0));
        assert_eq!(t.get(&[], Some("2026-11-02"), "gmv"), Some(7.0));
        assert_eq!(
            t.sources(&[], Some("2026-11-01"), "gmv"),
            &[Table::TradeDay]
        );
        assert_eq!(
            t.sources(&[], Some("2026-11-02"), "gmv"),
            &[Table::ProductDay]
        );
    }

    #[test]
    fn period_snapshots_answer_their_exact_period_or_one_day_periods() {
        let week = MetricQuery::new(&["card_user_paid"], d("2026-06-30"), d("2026-07-06"));
        let sql = &compile(&week).unwrap()[0].sql;
        assert!(
            sql.contains("date = DATE '2026-06-30' AND period_end = DATE '2026-07-06'"),
            "{sql}"
        );
        let daily = week.clone().per(TimeGrain::Day);
        let sql = &compile(&daily).unwrap()[0].sql;
        assert!(sql.contains("period_end = date"), "{sql}");
        assert!(compile(&week.per(TimeGrain::Week)).is_err());
    }
}
