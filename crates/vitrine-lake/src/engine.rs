//! The engine: a DataFusion session over the live manifest's files, and the runner that
//! turns compiled metric queries into metric tables.

use std::collections::BTreeMap;
use std::sync::{Arc, OnceLock};

use chrono::NaiveDate;
use datafusion::arrow::array::{Array, Float64Array, StringArray};
use datafusion::arrow::compute::cast;
use datafusion::arrow::datatypes::{DataType, SchemaRef};
use datafusion::arrow::record_batch::RecordBatch;
use datafusion::datasource::file_format::parquet::ParquetFormat;
use datafusion::datasource::listing::{
    ListingOptions, ListingTable, ListingTableConfig, ListingTableUrl,
};
use datafusion::datasource::MemTable;
use datafusion::execution::memory_pool::FairSpillPool;
use datafusion::execution::runtime_env::{RuntimeEnv, RuntimeEnvBuilder};
use datafusion::prelude::{SessionConfig, SessionContext};
use futures::{StreamExt, TryStreamExt};
use vitrine_core::query::{compile, evaluate, MeasureRow, TableQuery};
use vitrine_core::{MetricQuery, MetricTable, Table, TimeGrain};

use crate::{blocking, daily, Lake, LakeError, Manifest};

/// Metric queries answered at once by [`Engine::metrics`].
const CONCURRENT_QUERIES: usize = 4;

/// The result of an ad-hoc SQL query.
#[derive(Debug, Clone)]
pub struct QueryOutput {
    pub schema: SchemaRef,
    pub batches: Vec<RecordBatch>,
}

impl QueryOutput {
    /// Number of result rows.
    pub fn num_rows(&self) -> usize {
        self.batches.iter().map(|b| b.num_rows()).sum()
    }

    /// The result as an aligned text table.
    pub fn to_table(&self) -> Result<String, LakeError> {
        Ok(datafusion::arrow::util::pretty::pretty_format_batches(&self.batches)?.to_string())
    }

    /// The result as CSV with a header row.
    pub fn to_csv(&self) -> Result<String, LakeError> {
        let mut buf = Vec::new();
        {
            let mut w = arrow_csv::WriterBuilder::new()
                .with_header(true)
                .build(&mut buf);
            for b in &self.batches {
                w.write(b)?;
            }
        }
        String::from_utf8(buf).map_err(|e| LakeError::Query(e.to_string()))
    }

    /// The result as a JSON array of objects.
    pub fn to_json(&self) -> Result<String, LakeError> {
        let mut buf = Vec::new();
        {
            let mut w = arrow_json::ArrayWriter::new(&mut buf);
            for b in &self.batches {
                w.write(b)?;
            }
            w.finish()?;
        }
        let s = String::from_utf8(buf).map_err(|e| LakeError::Query(e.to_string()))?;
        Ok(if s.is_empty() { "[]".into() } else { s })
    }
}

/// The memory every query of this process shares when the machine's size is unknown, in
/// MiB. `VITRINE_MEMORY_MB` sets it; by default it is three quarters of the machine's
/// memory (the rest for the process's own data and the system). Past it,
/// sorts and aggregates spill to temporary files, and a query that cannot spill fails with
/// a clear error instead of taking the machine's memory.
pub const DEFAULT_MEMORY_MB: usize = 2048;

/// Three quarters of `MemTotal` in `/proc/meminfo`, in MiB.
fn most_of_the_machine() -> Option<usize> {
    let info = std::fs::read_to_string("/proc/meminfo").ok()?;
    let kb: usize = info
        .lines()
        .find_map(|l| l.strip_prefix("MemTotal:"))?
        .trim()
        .trim_end_matches("kB")
        .trim()
        .parse()
        .ok()?;
    Some(kb / 1024 / 4 * 3)
}

/// One runtime for every session of the process, so the memory limit holds for all the
/// queries running at once, not for each; `None` if it cannot be built (then unbounded).
fn runtime() -> Option<Arc<RuntimeEnv>> {
    static RUNTIME: OnceLock<Option<Arc<RuntimeEnv>>> = OnceLock::new();
    RUNTIME
        .get_or_init(|| {
            let mb = std::env::var("VITRINE_MEMORY_MB")
                .ok()
                .and_then(|v| v.trim().parse::<usize>().ok())
                .filter(|mb| *mb > 0)
                .or_else(most_of_the_machine)
                .unwrap_or(DEFAULT_MEMORY_MB);
            RuntimeEnvBuilder::new()
                .with_memory_pool(Arc::new(FairSpillPool::new(mb << 20)))
                .build_arc()
                .ok()
        })
        .clone()
}

/// A read-only view of one lake version.
#[derive(Clone)]
pub struct Engine {
    lake: Lake,
    manifest: Arc<Manifest>,
}

impl Engine {
    /// An engine over the live version; errors when the lake has no data.
    pub fn new(lake: &Lake) -> Result<Engine, LakeError> {
        Engine::at(lake, lake.manifest_shared()?)
    }

    /// An engine over one manifest version (a snapshot: later commits are not seen);
    /// errors when that version has no data.
    pub fn at(lake: &Lake, manifest: Arc<Manifest>) -> Result<Engine, LakeError> {
        if manifest.partitions.is_empty() {
            return Err(LakeError::Empty(lake.root().display().to_string()));
        }
        Ok(Engine {
            lake: lake.clone(),
            manifest,
        })
    }

    /// The lake this engine reads.
    pub(crate) fn lake(&self) -> &Lake {
        &self.lake
    }

    /// The manifest this engine reads.
    pub fn manifest(&self) -> &Manifest {
        &self.manifest
    }

    pub(crate) fn session() -> SessionContext {
        let cfg = Self::config();
        match runtime() {
            Some(rt) => SessionContext::new_with_config_rt(cfg, rt),
            None => SessionContext::new_with_config(cfg),
        }
    }

    fn config() -> SessionConfig {
        SessionConfig::new()
            .with_target_partitions(
                std::thread::available_parallelism()
                    .map(|n| n.get())
                    .unwrap_or(2),
            )
            .set_bool("datafusion.sql_parser.map_string_types_to_utf8view", false)
            .set_bool(
                "datafusion.execution.parquet.schema_force_view_types",
                false,
            )
            .set_bool("datafusion.execution.parquet.pushdown_filters", false)
    }

    /// Registers `table` with the files of `shop` (all if `None`) in `range`.
    pub(crate) fn register(
        &self,
        ctx: &SessionContext,
        table: Table,
        shop: Option<&str>,
        range: Option<(NaiveDate, NaiveDate)>,
    ) -> Result<(), LakeError> {
        let schema = table.schema();
        let files = self.manifest.files(table.name(), shop, range);
        if files.is_empty() {
            let empty = MemTable::try_new(schema, vec![vec![]])?;
            ctx.register_table(table.name(), Arc::new(empty))?;
            return Ok(());
        }
        let root = self.lake.root();
        let urls = files
            .iter()
            .map(|f| ListingTableUrl::parse(root.join(&f.path).to_string_lossy()))
            .collect::<Result<Vec<_>, _>>()?;
        let opts =
            ListingOptions::new(Arc::new(ParquetFormat::default())).with_file_extension(".parquet");
        let cfg = ListingTableConfig::new_with_multi_paths(urls)
            .with_listing_options(opts)
            .with_schema(schema);
        ctx.register_table(table.name(), Arc::new(ListingTable::try_new(cfg)?))?;
        Ok(())
    }

    /// A session with every table registered over all live files.
    pub fn context(&self) -> Result<SessionContext, LakeError> {
        let ctx = Self::session();
        for t in Table::ALL {
            self.register(&ctx, t, None, None)?;
        }
        Ok(ctx)
    }

    /// Runs analyst SQL over every table.
    pub async fn sql(&self, sql: &str) -> Result<QueryOutput, LakeError> {
        let df = self.context()?.sql(sql).await?;
        let schema = Arc::new(df.schema().as_arrow().clone());
        let batches = df.collect().await?;
        Ok(QueryOutput { schema, batches })
    }

    /// Answers several metric queries, reading only the files their shops and dates need.
    /// A few run at once: most are small, and overlapping them keeps both cores busy while
    /// one waits on file footers. Answers come back in the order of `queries`.
    pub async fn metrics(&self, queries: &[MetricQuery]) -> Result<Vec<MetricTable>, LakeError> {
        let answers: Vec<_> = queries
            .iter()
            .map(|q| {
                let (engine, q) = (self.clone(), q.clone());
                async move { engine.answer(&q).await }
            })
            .collect();
        futures::stream::iter(answers)
            .buffered(CONCURRENT_QUERIES)
            .try_collect()
            .await
    }

    async fn answer(&self, q: &MetricQuery) -> Result<MetricTable, LakeError> {
        let compiled = compile(q)?;
        let shop = q
            .filters
            .iter()
            .find(|(d, _)| *d == vitrine_core::Dim::Shop)
            .map(|(_, v)| v.as_str());
        let mut parts = Vec::with_capacity(compiled.len());
        for tq in &compiled {
            let batches = match shop {
                Some(shop) if q.time == TimeGrain::Day => self.by_day(q, tq, shop).await?,
                _ => self.batches(tq.table, &tq.sql, shop, q.from, q.to).await?,
            };
            parts.push(measure_rows(q, tq, batches)?);
        }
        Ok(evaluate(q, &compiled, parts)?)
    }

    /// Runs `sql` over `table`'s files of `shop` (all if `None`) from `from` to `to`.
    async fn batches(
        &self,
        table: Table,
        sql: &str,
        shop: Option<&str>,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<Vec<RecordBatch>, LakeError> {
        let ctx = Self::session();
        self.register(&ctx, table, shop, Some((from, to)))?;
        Ok(ctx.sql(sql).await?.collect().await?)
    }

    /// A day-grain answer of one shop: the kept rows of the days whose files did not change,
    /// and SQL over only the other days' files; the result is kept for the next query of the
    /// same shape. The rows are the ones one query over the whole range returns.
    async fn by_day(
        &self,
        q: &MetricQuery,
        tq: &TableQuery,
        shop: &str,
    ) -> Result<Vec<RecordBatch>, LakeError> {
        let store = Arc::new(daily::Store::of(
            &self.lake,
            shop,
            &table_sql(q, tq.table, None)?,
        ));
        let reader = Arc::clone(&store);
        let mut kept = blocking(move || reader.load()).await?;
        let lo = kept.days.keys().next().map_or(q.from, |d| q.from.min(*d));
        let hi = kept.days.keys().next_back().map_or(q.to, |d| q.to.max(*d));
        let now = daily::fingerprints(&self.manifest, tq.table.name(), shop, lo, hi);
        let wanted: BTreeMap<NaiveDate, u64> =
            now.range(q.from..=q.to).map(|(d, h)| (*d, *h)).collect();
        let mut fresh = self
            .days(q, tq, shop, &daily::stale_runs(&wanted, &kept.days))
            .await?;
        let schema = fresh.first().map(|b| b.schema());
        if let (Some(a), Some(b)) = (&schema, kept.schema()) {
            if a.fields() != b.fields() {
                kept = daily::Kept::default();
                fresh = self.days(q, tq, shop, &[(q.from, q.to)]).await?;
            }
        }
        let holds = |d: NaiveDate| now.get(&d).is_some_and(|h| kept.days.get(&d) == Some(h));
        let period = q.dims.len();
        let in_range = |d: NaiveDate| d >= q.from && d <= q.to;
        let mut answer = kept.only(period, |d| holds(d) && in_range(d))?;
        fresh.retain(|b| b.num_rows() > 0);
        answer.extend(fresh.iter().cloned());
        // Kept days older than the asked range by more than its length are let go, so a
        // window that moves a day at a time keeps at most twice its days, not every day ever
        // asked; those that stay serve other ranges of the same shape.
        let oldest = q.from - (q.to - q.from) - chrono::Days::new(1);
        let stays = |d: NaiveDate| holds(d) && d >= oldest;
        let changed = !fresh.is_empty()
            || kept.days.keys().any(|d| !stays(*d))
            || wanted.keys().any(|d| !kept.days.contains_key(d));
        if let (true, Some(schema)) = (changed, schema.or_else(|| kept.schema())) {
            let mut days: BTreeMap<NaiveDate, u64> = kept
                .days
                .iter()
                .filter(|(d, _)| stays(**d))
                .map(|(d, h)| (*d, *h))
                .collect();
            days.extend(wanted);
            let rows: Vec<RecordBatch> =
                kept.only(period, stays)?.into_iter().chain(fresh).collect();
            if let Err(e) = blocking(move || store.save(&schema, &days, &rows)).await? {
                tracing::warn!("keeping day answers of {shop}: {e}");
            }
        }
        Ok(answer)
    }

    /// The rows of `runs` (inclusive day ranges), one query per run.
    async fn days(
        &self,
        q: &MetricQuery,
        tq: &TableQuery,
        shop: &str,
        runs: &[(NaiveDate, NaiveDate)],
    ) -> Result<Vec<RecordBatch>, LakeError> {
        let mut out = Vec::new();
        for (from, to) in runs {
            let sql = table_sql(q, tq.table, Some((*from, *to)))?;
            out.extend(self.batches(tq.table, &sql, Some(shop), *from, *to).await?);
        }
        Ok(out)
    }

    /// Answers one metric query.
    pub async fn metric(&self, q: &MetricQuery) -> Result<MetricTable, LakeError> {
        Ok(self.metrics(std::slice::from_ref(q)).await?.remove(0))
    }
}

/// The SQL of `q` for `table` over `range` instead of `q`'s own dates; with `None`, over a
/// fixed day: the query's shape, which names its kept day answers.
fn table_sql(
    q: &MetricQuery,
    table: Table,
    range: Option<(NaiveDate, NaiveDate)>,
) -> Result<String, LakeError> {
    let (from, to) = range.unwrap_or_default();
    let q = MetricQuery {
        from,
        to,
        ..q.clone()
    };
    compile(&q)?
        .into_iter()
        .find(|tq| tq.table == table)
        .map(|tq| tq.sql)
        .ok_or_else(|| LakeError::Query(format!("no SQL for table {}", table.name())))
}

/// The rows of a table query's result as summed measures keyed by dimensions and period.
fn measure_rows(
    q: &MetricQuery,
    tq: &TableQuery,
    batches: Vec<RecordBatch>,
) -> Result<Vec<MeasureRow>, LakeError> {
    let n_keys = q.dims.len() + usize::from(q.time != vitrine_core::TimeGrain::Total);
    let mut rows = Vec::new();
    for b in batches {
        let keys = (0..n_keys)
            .map(|i| cast(b.column(i), &DataType::Utf8))
            .collect::<Result<Vec<_>, _>>()?;
        let vals = (0..tq.measures.len())
            .map(|i| cast(b.column(n_keys + i), &DataType::Float64))
            .collect::<Result<Vec<_>, _>>()?;
        let keys: Vec<&StringArray> = keys
            .iter()
            .filter_map(|a| a.as_any().downcast_ref::<StringArray>())
            .collect();
        let vals: Vec<&Float64Array> = vals
            .iter()
            .filter_map(|a| a.as_any().downcast_ref::<Float64Array>())
            .collect();
        for r in 0..b.num_rows() {
            let key = keys
                .iter()
                .map(|k| {
                    if k.is_null(r) {
                        String::new()
                    } else {
                        k.value(r).to_string()
                    }
                })
                .collect();
            let values = tq
                .measures
                .iter()
                .zip(&vals)
                .filter(|(_, v)| !v.is_null(r))
                .map(|(m, v)| (*m, v.value(r)))
                .collect();
            rows.push(MeasureRow { key, values });
        }
    }
    Ok(rows)
}
