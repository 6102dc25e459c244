//! Mapping the rows of one export file onto canonical partitions, or a list of every problem
//! in it.
//!
//! Readers stream: finished batches go to a [`PartSink`] as the file is read (the lake writes
//! them as invisible part files), so memory stays bounded whatever the file's size. The caller
//! makes the import all-or-nothing by publishing those parts only when every file of the set
//! read cleanly, and deleting them otherwise.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use arrow_array::RecordBatch;
use chrono::NaiveDate;
use vitrine_core::batch::{BatchBuilder, PartSink, Val};
use vitrine_core::{CoreError, Table};

use crate::date::{parse_date, parse_hour, parse_timestamp};
use crate::profile::{Parse, Profile};
use crate::value::{is_blank, parse_count, parse_money_fen, parse_number};

/// How many rows above the header an export may carry (titles, notes, merged headers).
pub(crate) const HEADER_SCAN_ROWS: usize = 20;

/// How many problems one file lists before it only counts the rest.
pub const MAX_PROBLEMS: usize = 1000;

/// One problem, located as `file:row:column`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub file: String,
    /// 1-based line (CSV) or sheet row (spreadsheets); 0 for the file as a whole.
    pub row: usize,
    pub column: String,
    pub reason: String,
}

impl Problem {
    /// A problem with the file as a whole.
    pub fn whole(file: &str, reason: String) -> Problem {
        Problem {
            file: file.to_string(),
            row: 0,
            column: String::new(),
            reason,
        }
    }
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}:{}:{}: {}",
            self.file, self.row, self.column, self.reason
        )
    }
}

/// A file read cleanly: its profile, encoding, row counts and, per (shop, date) partition,
/// `P`: the rows themselves ([`read_file`]) or how many went to the sink ([`FileSummary`]).
#[derive(Debug, Clone)]
pub struct FileRead<P = RecordBatch> {
    pub profile: &'static Profile,
    pub encoding: &'static str,
    pub rows: usize,
    pub skipped_total_rows: usize,
    pub partitions: BTreeMap<(String, Option<NaiveDate>), P>,
}

/// What streaming a file found; its rows went to the sink.
pub type FileSummary = FileRead<usize>;

impl<P> FileRead<P> {
    /// First and last date the file covers.
    pub fn date_range(&self) -> Option<(NaiveDate, NaiveDate)> {
        date_range(self.partitions.keys())
    }
}

fn date_range<'a>(
    keys: impl Iterator<Item = &'a (String, Option<NaiveDate>)>,
) -> Option<(NaiveDate, NaiveDate)> {
    let dates: Vec<NaiveDate> = keys.filter_map(|k| k.1).collect();
    Some((*dates.iter().min()?, *dates.iter().max()?))
}

/// Live counters a progress display reads while files are imported.
#[derive(Debug, Default)]
pub struct Progress {
    /// Raw bytes of the files read so far.
    pub bytes: AtomicU64,
    /// Rows mapped so far.
    pub rows: AtomicU64,
}

/// A sink that drops every batch: `--dry-run`, and files read only to list their problems.
pub struct Discard;

impl PartSink for Discard {
    fn put_part(
        &self,
        _: Table,
        _: &str,
        _: Option<NaiveDate>,
        _: RecordBatch,
    ) -> Result<(), CoreError> {
        Ok(())
    }
}

/// A sink that keeps every batch in memory, for [`read_file`] (small files, tests, uploads).
#[derive(Default)]
struct Collect(Mutex<BTreeMap<(String, Option<NaiveDate>), Vec<RecordBatch>>>);

impl PartSink for Collect {
    fn put_part(
        &self,
        _: Table,
        shop: &str,
        date: Option<NaiveDate>,
        batch: RecordBatch,
    ) -> Result<(), CoreError> {
        let mut parts = self
            .0
            .lock()
            .map_err(|_| CoreError::Invalid("collector poisoned".into()))?;
        parts
            .entry((shop.to_string(), date))
            .or_default()
            .push(batch);
        Ok(())
    }
}

/// Reads an export file of any supported kind, chosen by its extension (CSV or a
/// spreadsheet), handing its rows to `sink` and adding the bytes consumed to `progress`.
pub fn stream_file(
    path: &Path,
    shop: Option<&str>,
    progress: Arc<Progress>,
    sink: &dyn PartSink,
) -> Result<FileSummary, Vec<Problem>> {
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or_default()
        .to_ascii_lowercase();
    match ext.as_str() {
        "csv" | "txt" => crate::csvfile::stream_csv(path, shop, progress, sink),
        "xlsx" | "xlsm" | "xls" | "ods" => {
            let read = crate::xlsx::stream_xlsx(path, shop, sink);
            let size = std::fs::metadata(path).map(|m| m.len()).unwrap_or(0);
            progress.bytes.fetch_add(size, Ordering::Relaxed);
            if let Ok(r) = &read {
                progress.rows.fetch_add(r.rows as u64, Ordering::Relaxed);
            }
            read
        }
        _ => Err(vec![Problem::whole(
            &path.display().to_string(),
            format!("unsupported file type `.{ext}` (CSV, XLSX, XLS and ODS are read)"),
        )]),
    }
}

/// [`stream_file`] into memory: one batch per partition.
pub fn read_file(
    path: &Path,
    shop: Option<&str>,
    progress: Arc<Progress>,
) -> Result<FileRead, Vec<Problem>> {
    collect(path, |sink| stream_file(path, shop, progress, sink))
}

/// Reads a CSV export (any supported encoding) into memory with `shop` as the default shop.
pub fn read_csv(path: &Path, shop: Option<&str>) -> Result<FileRead, Vec<Problem>> {
    collect(path, |sink| {
        crate::csvfile::stream_csv(path, shop, Default::default(), sink)
    })
}

/// Runs a streaming reader into an in-memory collector.
pub(crate) fn collect(
    path: &Path,
    read: impl FnOnce(&dyn PartSink) -> Result<FileSummary, Vec<Problem>>,
) -> Result<FileRead, Vec<Problem>> {
    let sink = Collect::default();
    let summary = read(&sink)?;
    let parts = sink.0.into_inner().unwrap_or_default();
    let mut partitions = BTreeMap::new();
    for (key, batches) in parts {
        let Some(first) = batches.first() else {
            continue;
        };
        let batch = arrow_select::concat::concat_batches(&first.schema(), &batches)
            .map_err(|e| vec![Problem::whole(&path.display().to_string(), e.to_string())])?;
        partitions.insert(key, batch);
    }
    Ok(FileRead {
        profile: summary.profile,
        encoding: summary.encoding,
        rows: summary.rows,
        skipped_total_rows: summary.skipped_total_rows,
        partitions,
    })
}

/// A row of raw cells, from a CSV record or a spreadsheet row.
pub(crate) trait Cells {
    fn len(&self) -> usize;
    /// The cell at `i`, or "" past the end.
    fn cell(&self, i: usize) -> &str;
    /// True when every cell is empty or white space.
    fn is_blank(&self) -> bool {
        (0..self.len()).all(|i| self.cell(i).trim().is_empty())
    }
}

impl Cells for [&str] {
    fn len(&self) -> usize {
        <[&str]>::len(self)
    }
    fn cell(&self, i: usize) -> &str {
        self.get(i).copied().unwrap_or("")
    }
}

impl Cells for csv::StringRecord {
    fn len(&self) -> usize {
        csv::StringRecord::len(self)
    }
    fn cell(&self, i: usize) -> &str {
        self.get(i).unwrap_or("")
    }
    fn is_blank(&self) -> bool {
        // All fields are stored back to back: one scan instead of one trim per cell.
        self.as_slice().chars().all(char::is_whitespace)
    }
}

fn is_total_row<C: Cells + ?Sized>(row: &C) -> bool {
    (0..row.len().min(2)).any(|i| {
        matches!(
            row.cell(i).trim(),
            "合计" | "总计" | "汇总" | "Total" | "total"
        )
    })
}

/// Where one canonical field's value comes from, resolved once per file.
#[derive(Clone)]
enum Source {
    Column {
        idx: usize,
        parse: Parse,
        header: String,
    },
    Shop,
    Fixed(Val<'static>),
    Missing,
}

#[derive(Clone)]
struct FieldPlan {
    name: String,
    nullable: bool,
    source: Source,
}

impl FieldPlan {
    /// The column name a problem with this field is reported under.
    fn header(&self) -> &str {
        match &self.source {
            Source::Column { header, .. } => header,
            _ => &self.name,
        }
    }
}

/// Rows of one partition not yet handed to the sink.
struct Part {
    builder: BatchBuilder,
    /// Estimated bytes buffered in `builder`.
    bytes: usize,
    /// Rows already handed to the sink.
    flushed: usize,
}

/// Maps rows of one bound profile onto canonical partitions, handing full batches to a sink
/// and collecting problems. Parallel readers run one mapper per thread.
pub(crate) struct RowMapper<'s> {
    profile: &'static Profile,
    plan: Vec<FieldPlan>,
    shop_field: Option<usize>,
    date_field: Option<usize>,
    shop: Option<String>,
    file: String,
    sink: &'s dyn PartSink,
    /// shop → date → rows (two levels so a row's shop is looked up without allocating).
    parts: BTreeMap<String, BTreeMap<Option<NaiveDate>, Part>>,
    buffered: usize,
    problems: Vec<Problem>,
    /// Problems found, listed or not.
    problem_count: usize,
    rows: usize,
    totals: usize,
}

impl<'s> RowMapper<'s> {
    pub(crate) fn new(
        profile: &'static Profile,
        binding: Vec<Option<usize>>,
        headers: Vec<String>,
        shop: Option<&str>,
        file: String,
        sink: &'s dyn PartSink,
    ) -> Self {
        let schema = profile.table.schema();
        let plan: Vec<FieldPlan> = schema
            .fields()
            .iter()
            .map(|f| FieldPlan {
                name: f.name().clone(),
                nullable: f.is_nullable(),
                source: source_of(profile, &binding, &headers, f),
            })
            .collect();
        RowMapper::with_plan(profile, plan, shop.map(String::from), file, sink)
    }

    /// A mapper with the same plan and no rows, for another thread.
    pub(crate) fn fork(&self) -> RowMapper<'s> {
        RowMapper::with_plan(
            self.profile,
            self.plan.clone(),
            self.shop.clone(),
            self.file.clone(),
            self.sink,
        )
    }

    /// An empty mapper following `plan`.
    fn with_plan(
        profile: &'static Profile,
        plan: Vec<FieldPlan>,
        shop: Option<String>,
        file: String,
        sink: &'s dyn PartSink,
    ) -> Self {
        RowMapper {
            profile,
            shop_field: plan.iter().position(|f| f.name == "shop_id"),
            date_field: plan.iter().position(|f| f.name == "date"),
            plan,
            shop,
            file,
            sink,
            parts: BTreeMap::new(),
            buffered: 0,
            problems: vec![],
            problem_count: 0,
            rows: 0,
            totals: 0,
        }
    }

    /// Rows mapped so far.
    pub(crate) fn rows(&self) -> usize {
        self.rows
    }

    pub(crate) fn problem(&mut self, row: usize, column: &str, reason: String) {
        self.problem_count += 1;
        if self.problems.len() < MAX_PROBLEMS {
            self.problems.push(Problem {
                file: self.file.clone(),
                row,
                column: column.to_string(),
                reason,
            });
        }
    }

    /// True once any problem was found: rows are then only checked, no longer kept.
    fn failed(&self) -> bool {
        self.problem_count > 0
    }

    pub(crate) fn push<C: Cells + ?Sized>(&mut self, line: usize, cells: &C) {
        if cells.is_blank() {
            return;
        }
        if is_total_row(cells) {
            self.totals += 1;
            return;
        }
        let mut errors: Vec<(String, String)> = Vec::new();
        let mut date_unreadable = false;
        let shop = match self.shop_field.map(|i| &self.plan[i].source) {
            Some(Source::Column { idx, .. }) => Some(cells.cell(*idx).trim()),
            Some(Source::Shop) => self.shop.as_deref(),
            _ => None,
        }
        .filter(|s| !s.is_empty());
        let date = match self.date_field.map(|i| (i, &self.plan[i])) {
            Some((
                _,
                FieldPlan {
                    source: Source::Column { idx, parse, header },
                    ..
                },
            )) => match parse_cell(cells.cell(*idx), *parse) {
                Ok(Val::Date(d)) => Some(d),
                Ok(_) => None,
                Err(reason) => {
                    errors.push((header.clone(), reason));
                    date_unreadable = true;
                    None
                }
            },
            _ => None,
        };
        let mut part = match (shop, self.failed()) {
            (Some(shop), false) => part_of(&mut self.parts, self.profile.table, shop, date),
            _ => None,
        };
        let mut bytes = 8 * self.plan.len();
        for (i, fp) in self.plan.iter().enumerate() {
            let v = if Some(i) == self.shop_field {
                Ok(shop.map(Val::Str).unwrap_or(Val::Null))
            } else if Some(i) == self.date_field {
                Ok(date.map(Val::Date).unwrap_or(Val::Null))
            } else {
                match &fp.source {
                    Source::Column { idx, parse, header } => {
                        let raw = cells.cell(*idx);
                        bytes += raw.len();
                        parse_cell(raw, *parse).map_err(|reason| (header.clone(), reason))
                    }
                    Source::Shop => Ok(Val::Null),
                    Source::Fixed(v) => Ok(*v),
                    Source::Missing => Ok(Val::Null),
                }
            };
            let v = match v {
                Ok(Val::Null) if !fp.nullable => {
                    if Some(i) == self.date_field && date_unreadable {
                        continue; // Already reported as unreadable.
                    }
                    let why = if fp.name == "shop_id" {
                        "no shop id: pass --shop or add a 店铺ID column".to_string()
                    } else {
                        format!("required value `{}` is empty", fp.name)
                    };
                    errors.push((fp.header().to_string(), why));
                    continue;
                }
                Ok(v) => v,
                Err(e) => {
                    errors.push(e);
                    continue;
                }
            };
            if let Some(p) = part.as_mut() {
                if let Err(e) = p.builder.append(i, v) {
                    errors.push((fp.header().to_string(), e.to_string()));
                }
            }
        }
        if !errors.is_empty() {
            for (col, reason) in errors {
                self.problem(line, &col, reason);
            }
            return;
        }
        if let Some(p) = part {
            p.builder.end_row();
            p.bytes += bytes;
            self.buffered += bytes;
            self.rows += 1;
        }
    }

    /// Hands the largest partitions to the sink while more than `budget` bytes are buffered,
    /// down to half of it: memory stays bounded and sorted files still give large parts.
    pub(crate) fn flush_over(&mut self, budget: usize) {
        if self.buffered <= budget || self.failed() {
            return;
        }
        while self.buffered > budget / 2 {
            let largest = self
                .parts
                .iter()
                .flat_map(|(s, m)| m.iter().map(move |(d, p)| (p.bytes, s, *d)))
                .max_by_key(|x| x.0)
                .map(|(bytes, shop, date)| (bytes, shop.clone(), date));
            let Some((bytes, shop, date)) = largest else {
                break;
            };
            if bytes == 0 {
                break;
            }
            self.flush_one(&shop, date);
        }
    }

    fn flush_one(&mut self, shop: &str, date: Option<NaiveDate>) {
        let Some(p) = self.parts.get_mut(shop).and_then(|m| m.get_mut(&date)) else {
            return;
        };
        if p.builder.is_empty() {
            return;
        }
        let (rows, bytes) = (p.builder.len(), p.bytes);
        let put = p
            .builder
            .finish()
            .and_then(|b| self.sink.put_part(self.profile.table, shop, date, b));
        p.flushed += rows;
        p.bytes = 0;
        self.buffered -= bytes;
        if let Err(e) = put {
            self.problem(0, "", e.to_string());
        }
    }

    /// Hands every remaining row to the sink and sums up the file.
    pub(crate) fn finish(self, encoding: &'static str) -> Result<FileSummary, Vec<Problem>> {
        self.into_outcome(encoding).into_result()
    }

    /// Hands every remaining row to the sink (unless a problem was found) and returns this
    /// mapper's findings, to be combined with other threads' by [`Outcome::merge`].
    pub(crate) fn into_outcome(mut self, encoding: &'static str) -> Outcome {
        let keys: Vec<(String, Option<NaiveDate>)> = self
            .parts
            .iter()
            .flat_map(|(s, m)| m.keys().map(move |d| (s.clone(), *d)))
            .collect();
        if !self.failed() {
            for (shop, date) in &keys {
                self.flush_one(shop, *date);
            }
        }
        let partitions = self
            .parts
            .iter()
            .flat_map(|(s, m)| m.iter().map(move |(d, p)| ((s.clone(), *d), p.flushed)))
            .collect();
        Outcome {
            summary: FileSummary {
                profile: self.profile,
                encoding,
                rows: self.rows,
                skipped_total_rows: self.totals,
                partitions,
            },
            problems: self.problems,
            problem_count: self.problem_count,
            file: self.file,
        }
    }
}

/// What one or more mappers of the same file found.
pub(crate) struct Outcome {
    summary: FileSummary,
    problems: Vec<Problem>,
    problem_count: usize,
    file: String,
}

impl Outcome {
    /// Adds another thread's findings for the same file.
    pub(crate) fn merge(mut self, other: Outcome) -> Outcome {
        let s = &mut self.summary;
        s.rows += other.summary.rows;
        s.skipped_total_rows += other.summary.skipped_total_rows;
        for (k, n) in other.summary.partitions {
            *s.partitions.entry(k).or_default() += n;
        }
        self.problems.extend(other.problems);
        self.problem_count += other.problem_count;
        self
    }

    /// Adds a problem found outside the mappers (a broken record, an unreadable file).
    pub(crate) fn problem(&mut self, row: usize, reason: String) {
        self.problem_count += 1;
        self.problems.push(Problem {
            file: self.file.clone(),
            row,
            column: String::new(),
            reason,
        });
    }

    /// The summary, or the problems in row order (the first [`MAX_PROBLEMS`], then a count).
    pub(crate) fn into_result(mut self) -> Result<FileSummary, Vec<Problem>> {
        if self.problem_count == 0 && self.summary.rows == 0 {
            self.problem(0, "the file has a header but no data rows".into());
        }
        if self.problem_count == 0 {
            return Ok(self.summary);
        }
        self.problems.sort_by_key(|p| p.row);
        self.problems.truncate(MAX_PROBLEMS);
        let unlisted = self.problem_count - self.problems.len();
        if unlisted > 0 {
            self.problems.push(Problem::whole(
                &self.file,
                format!("… and {unlisted} more problems in this file"),
            ));
        }
        Err(self.problems)
    }
}

/// Where the canonical field `f` comes from in a file bound to `profile`.
fn source_of(
    profile: &Profile,
    binding: &[Option<usize>],
    headers: &[String],
    f: &arrow_schema::Field,
) -> Source {
    use arrow_schema::DataType;
    let name = f.name().as_str();
    let bound = profile
        .columns
        .iter()
        .zip(binding)
        .find_map(|(c, i)| (c.target == name).then_some(i.map(|i| (c, i))).flatten());
    let default = profile.defaults.iter().find(|(t, _)| *t == name);
    match (bound, default) {
        (Some((c, idx)), _) => Source::Column {
            idx,
            parse: c.parse,
            header: headers.get(idx).cloned().unwrap_or_default(),
        },
        (None, _) if name == "shop_id" => Source::Shop,
        (None, Some((_, v))) => match f.data_type() {
            DataType::Boolean => Source::Fixed(Val::Bool(*v == "1")),
            DataType::Int64 | DataType::Int32 => v
                .parse()
                .map(|x| Source::Fixed(Val::Int(x)))
                .unwrap_or(Source::Missing),
            _ => Source::Fixed(Val::Str(v)),
        },
        (None, None) => Source::Missing,
    }
}

/// The buffered rows of (shop, date), created on first use.
fn part_of<'a>(
    parts: &'a mut BTreeMap<String, BTreeMap<Option<NaiveDate>, Part>>,
    table: Table,
    shop: &str,
    date: Option<NaiveDate>,
) -> Option<&'a mut Part> {
    if !parts.contains_key(shop) {
        parts.insert(shop.to_string(), BTreeMap::new());
    }
    let part = parts.get_mut(shop)?.entry(date).or_insert_with(|| Part {
        builder: BatchBuilder::new(table),
        bytes: 0,
        flushed: 0,
    });
    Some(part)
}

/// Parses one raw cell as its column's declared kind; blanks become nulls.
fn parse_cell(raw: &str, parse: Parse) -> Result<Val<'_>, String> {
    if !matches!(parse, Parse::Text | Parse::Map(_)) && is_blank(raw) {
        return Ok(Val::Null);
    }
    Ok(match parse {
        Parse::Text => Val::Str(raw.trim()),
        Parse::Map(table) => {
            let t = raw.trim();
            Val::Str(
                table
                    .iter()
                    .find(|(k, _)| *k == t)
                    .map(|(_, v)| *v)
                    .unwrap_or(t),
            )
        }
        Parse::Count => parse_count(raw)
            .map_err(|e| e.to_string())?
            .map(Val::Int)
            .unwrap_or(Val::Null),
        Parse::Money(unit) => parse_money_fen(raw, unit)
            .map_err(|e| e.to_string())?
            .map(Val::Int)
            .unwrap_or(Val::Null),
        Parse::Float => parse_number(raw)
            .map_err(|e| e.to_string())?
            .map(Val::Float)
            .unwrap_or(Val::Null),
        Parse::Date => Val::Date(parse_date(raw).ok_or_else(|| format!("`{raw}` is not a date"))?),
        Parse::Bool => match raw.trim() {
            "是" | "1" | "true" | "TRUE" | "Y" | "y" | "yes" => Val::Bool(true),
            "否" | "0" | "false" | "FALSE" | "N" | "n" | "no" => Val::Bool(false),
            other => return Err(format!("`{other}` is not yes/no (是/否)")),
        },
        Parse::Timestamp => {
            Val::Time(parse_timestamp(raw).ok_or_else(|| format!("`{raw}` is not a date-time"))?)
        }
        Parse::Hour => Val::Int(i64::from(
            parse_hour(raw).ok_or_else(|| format!("`{raw}` is not an hour"))?,
        )),
    })
}
