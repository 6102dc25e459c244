//! Reading one export file into canonical partitions, or a list of every problem in it.
//!
//! Nothing here writes: the caller commits the partitions only when every file of the set
//! read cleanly, which makes an import all-or-nothing.

use std::collections::BTreeMap;
use std::path::Path;

use arrow_array::RecordBatch;
use chrono::NaiveDate;
use vitrine_core::batch::{BatchBuilder, Val};

use crate::date::{parse_date, parse_hour, parse_timestamp};
use crate::profile::{detect, Parse, Profile};
use crate::text::open_utf8_counted;
use crate::value::{is_blank, parse_money_fen, parse_number};

/// How many rows above the header an export may carry (titles, notes, merged headers).
pub(crate) const HEADER_SCAN_ROWS: usize = 20;

/// One problem, located as `file:row:column`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub file: String,
    /// 1-based line/row number in the file; 0 for problems with the file as a whole.
    pub row: usize,
    pub column: String,
    pub reason: String,
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

/// A file read cleanly: its profile and its rows, grouped by partition.
#[derive(Debug)]
pub struct FileRead {
    pub profile: &'static Profile,
    pub encoding: &'static str,
    pub rows: usize,
    pub skipped_total_rows: usize,
    /// (shop, date) → rows of the profile's table.
    pub partitions: BTreeMap<(String, Option<NaiveDate>), RecordBatch>,
}

impl FileRead {
    /// First and last date the file covers.
    pub fn date_range(&self) -> Option<(NaiveDate, NaiveDate)> {
        let dates: Vec<NaiveDate> = self.partitions.keys().filter_map(|k| k.1).collect();
        Some((*dates.iter().min()?, *dates.iter().max()?))
    }
}

/// A row of raw cells, from a CSV record or a spreadsheet row.
pub(crate) trait Cells {
    fn len(&self) -> usize;
    /// The cell at `i`, or "" past the end.
    fn cell(&self, i: usize) -> &str;
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
}

fn is_total_row<C: Cells + ?Sized>(row: &C) -> bool {
    (0..row.len().min(2)).any(|i| {
        matches!(
            row.cell(i).trim(),
            "合计" | "总计" | "汇总" | "Total" | "total"
        )
    })
}

/// Reads a CSV export (any supported encoding) with `shop` as the default shop id.
pub fn read_csv(path: &Path, shop: Option<&str>) -> Result<FileRead, Vec<Problem>> {
    read_csv_counted(path, shop, Default::default())
}

/// Reads an export file of any supported kind, chosen by its extension (CSV or a
/// spreadsheet), adding the bytes consumed to `progress`.
pub fn read_file(
    path: &Path,
    shop: Option<&str>,
    progress: std::sync::Arc<std::sync::atomic::AtomicU64>,
) -> Result<FileRead, Vec<Problem>> {
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or_default()
        .to_ascii_lowercase();
    match ext.as_str() {
        "csv" | "txt" => read_csv_counted(path, shop, progress),
        "xlsx" | "xlsm" | "xls" | "ods" => {
            let read = crate::xlsx::read_xlsx(path, shop);
            let size = std::fs::metadata(path).map(|m| m.len()).unwrap_or(0);
            progress.fetch_add(size, std::sync::atomic::Ordering::Relaxed);
            read
        }
        _ => Err(vec![Problem {
            file: path.display().to_string(),
            row: 0,
            column: String::new(),
            reason: format!("unsupported file type `.{ext}` (CSV, XLSX, XLS and ODS are read)"),
        }]),
    }
}

/// [`read_csv`], adding the raw bytes consumed to `progress` as it goes (for progress bars).
pub fn read_csv_counted(
    path: &Path,
    shop: Option<&str>,
    progress: std::sync::Arc<std::sync::atomic::AtomicU64>,
) -> Result<FileRead, Vec<Problem>> {
    let file = path.display().to_string();
    let whole = |reason: String| {
        vec![Problem {
            file: file.clone(),
            row: 0,
            column: String::new(),
            reason,
        }]
    };
    let (reader, encoding) = open_utf8_counted(path, progress).map_err(|e| whole(e.to_string()))?;
    let mut csv = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(reader);
    let mut records = csv.records();
    let mut line = 0usize;
    // Find the header row below any title rows.
    let mut found = None;
    for _ in 0..HEADER_SCAN_ROWS {
        let Some(rec) = records.next() else { break };
        line += 1;
        let rec = rec.map_err(|e| whole(format!("line {line}: {e}")))?;
        let cells: Vec<String> = rec.iter().map(String::from).collect();
        if let Some((p, b)) = detect(&cells) {
            found = Some((p, b, cells));
            break;
        }
    }
    let Some((profile, binding, headers)) = found else {
        return Err(whole(format!(
            "no known export header in the first {HEADER_SCAN_ROWS} rows (known: {})",
            crate::profile::PROFILES
                .iter()
                .map(|p| p.name_zh)
                .collect::<Vec<_>>()
                .join("、")
        )));
    };
    drop(records);
    let mut mapper = RowMapper::new(profile, binding, headers, shop, file.clone());
    // One record reused for every row: no allocation per row.
    let mut rec = csv::StringRecord::new();
    loop {
        line += 1;
        match csv.read_record(&mut rec) {
            Ok(true) => mapper.push(line, &rec),
            Ok(false) => break,
            Err(e) => mapper.problem(line, "", e.to_string()),
        }
    }
    mapper.finish(encoding)
}

/// Where one canonical field's value comes from, resolved once per file.
enum Source {
    Column {
        idx: usize,
        parse: Parse,
        header: String,
    },
    Shop,
    Fixed(Fixed),
    Missing,
}

#[derive(Clone, Copy)]
enum Fixed {
    Text(&'static str),
    Int(i64),
}

struct FieldPlan {
    name: String,
    nullable: bool,
    is_bool: bool,
    source: Source,
}

/// Maps rows of one bound profile onto canonical partitions, collecting problems.
pub(crate) struct RowMapper {
    profile: &'static Profile,
    plan: Vec<FieldPlan>,
    date_field: Option<usize>,
    shop: Option<String>,
    file: String,
    /// shop → date → rows (two levels so a row's shop is looked up without allocating).
    builders: BTreeMap<String, BTreeMap<Option<NaiveDate>, BatchBuilder>>,
    problems: Vec<Problem>,
    rows: usize,
    totals: usize,
}

enum Cell<'a> {
    Str(&'a str),
    Int(i64),
    Float(f64),
    Date(NaiveDate),
    Time(i64),
    Null,
}

impl RowMapper {
    pub(crate) fn new(
        profile: &'static Profile,
        binding: Vec<Option<usize>>,
        headers: Vec<String>,
        shop: Option<&str>,
        file: String,
    ) -> Self {
        let schema = profile.table.schema();
        let plan = schema
            .fields()
            .iter()
            .map(|f| {
                let name = f.name().as_str();
                let bound = profile.columns.iter().zip(&binding).find_map(|(c, i)| {
                    if c.target == name {
                        i.map(|i| (c, i))
                    } else {
                        None
                    }
                });
                let source = match (bound, profile.defaults.iter().find(|(t, _)| *t == name)) {
                    (Some((c, idx)), _) => Source::Column {
                        idx,
                        parse: c.parse,
                        header: headers.get(idx).cloned().unwrap_or_default(),
                    },
                    (None, _) if name == "shop_id" => Source::Shop,
                    (None, Some((_, v))) if f.data_type() == &arrow_schema::DataType::Boolean => {
                        Source::Fixed(Fixed::Int(i64::from(*v == "1")))
                    }
                    (None, Some((_, v))) if f.data_type() == &arrow_schema::DataType::Int64 => v
                        .parse()
                        .map(|x| Source::Fixed(Fixed::Int(x)))
                        .unwrap_or(Source::Missing),
                    (None, Some((_, v))) => Source::Fixed(Fixed::Text(v)),
                    (None, None) => Source::Missing,
                };
                FieldPlan {
                    name: name.to_string(),
                    nullable: f.is_nullable(),
                    is_bool: f.data_type() == &arrow_schema::DataType::Boolean,
                    source,
                }
            })
            .collect();
        let date_field = schema.fields().iter().position(|f| f.name() == "date");
        RowMapper {
            profile,
            plan,
            date_field,
            shop: shop.map(String::from),
            file,
            builders: BTreeMap::new(),
            problems: vec![],
            rows: 0,
            totals: 0,
        }
    }

    pub(crate) fn problem(&mut self, row: usize, column: &str, reason: String) {
        self.problems.push(Problem {
            file: self.file.clone(),
            row,
            column: column.to_string(),
            reason,
        });
    }

    pub(crate) fn push<C: Cells + ?Sized>(&mut self, line: usize, cells: &C) {
        if (0..cells.len()).all(|i| cells.cell(i).trim().is_empty()) {
            return;
        }
        if is_total_row(cells) {
            self.totals += 1;
            return;
        }
        let mut values: Vec<Cell<'_>> = Vec::with_capacity(self.plan.len());
        let mut errors: Vec<(String, String)> = Vec::new();
        for fp in &self.plan {
            let v = match &fp.source {
                Source::Column { idx, parse, header } => {
                    parse_cell(cells.cell(*idx), *parse).map_err(|reason| (header.clone(), reason))
                }
                Source::Shop => Ok(self.shop.as_deref().map(Cell::Str).unwrap_or(Cell::Null)),
                Source::Fixed(Fixed::Text(t)) => Ok(Cell::Str(t)),
                Source::Fixed(Fixed::Int(i)) => Ok(Cell::Int(*i)),
                Source::Missing => Ok(Cell::Null),
            };
            match v {
                Ok(Cell::Null) if !fp.nullable => {
                    let header = match &fp.source {
                        Source::Column { header, .. } => header.clone(),
                        _ => fp.name.clone(),
                    };
                    let why = if fp.name == "shop_id" {
                        "no shop id: pass --shop or add a 店铺ID column".to_string()
                    } else {
                        format!("required value `{}` is empty", fp.name)
                    };
                    errors.push((header, why));
                }
                Ok(c) => values.push(c),
                Err(e) => errors.push(e),
            }
        }
        if !errors.is_empty() {
            for (col, reason) in errors {
                self.problem(line, &col, reason);
            }
            return;
        }
        let shop = match &values[0] {
            Cell::Str(s) => *s,
            _ => "",
        };
        let date = self.date_field.and_then(|i| match values.get(i) {
            Some(Cell::Date(d)) => Some(*d),
            _ => None,
        });
        let row: Vec<Val<'_>> = values
            .iter()
            .zip(&self.plan)
            .map(|(c, fp)| match c {
                Cell::Str(s) => Val::Str(s),
                Cell::Int(i) if fp.is_bool => Val::Bool(*i != 0),
                Cell::Int(i) => Val::Int(*i),
                Cell::Float(x) => Val::Float(*x),
                Cell::Date(d) => Val::Date(*d),
                Cell::Time(t) => Val::Time(*t),
                Cell::Null => Val::Null,
            })
            .collect();
        let table = self.profile.table;
        if !self.builders.contains_key(shop) {
            self.builders.insert(shop.to_string(), BTreeMap::new());
        }
        let Some(by_date) = self.builders.get_mut(shop) else {
            return;
        };
        let b = by_date
            .entry(date)
            .or_insert_with(|| BatchBuilder::new(table));
        let pushed = b.push(&row);
        drop(row);
        match pushed {
            Ok(()) => self.rows += 1,
            Err(e) => self.problem(line, "", e.to_string()),
        }
    }

    pub(crate) fn finish(self, encoding: &'static str) -> Result<FileRead, Vec<Problem>> {
        let mut problems = self.problems;
        if problems.is_empty() && self.rows == 0 {
            problems.push(Problem {
                file: self.file.clone(),
                row: 0,
                column: String::new(),
                reason: "the file has a header but no data rows".into(),
            });
        }
        if !problems.is_empty() {
            return Err(problems);
        }
        let mut partitions = BTreeMap::new();
        for (shop, by_date) in self.builders {
            for (date, mut b) in by_date {
                let batch = b.finish().map_err(|e| {
                    vec![Problem {
                        file: self.file.clone(),
                        row: 0,
                        column: String::new(),
                        reason: e.to_string(),
                    }]
                })?;
                partitions.insert((shop.clone(), date), batch);
            }
        }
        Ok(FileRead {
            profile: self.profile,
            encoding,
            rows: self.rows,
            skipped_total_rows: self.totals,
            partitions,
        })
    }
}

/// Parses one raw cell as its column's declared kind; blanks become nulls.
fn parse_cell(raw: &str, parse: Parse) -> Result<Cell<'_>, String> {
    if is_blank(raw) && !matches!(parse, Parse::Text | Parse::Map(_)) {
        return Ok(Cell::Null);
    }
    Ok(match parse {
        Parse::Text => Cell::Str(raw.trim()),
        Parse::Map(table) => {
            let t = raw.trim();
            Cell::Str(
                table
                    .iter()
                    .find(|(k, _)| *k == t)
                    .map(|(_, v)| *v)
                    .unwrap_or(t),
            )
        }
        Parse::Count => match parse_number(raw).map_err(|e| e.to_string())? {
            Some(v) if v >= 0.0 && (v - v.round()).abs() < 1e-6 => Cell::Int(v.round() as i64),
            Some(v) => return Err(format!("`{raw}` is not a whole non-negative count ({v})")),
            None => Cell::Null,
        },
        Parse::Money(unit) => parse_money_fen(raw, unit)
            .map_err(|e| e.to_string())?
            .map(Cell::Int)
            .unwrap_or(Cell::Null),
        Parse::Float => parse_number(raw)
            .map_err(|e| e.to_string())?
            .map(Cell::Float)
            .unwrap_or(Cell::Null),
        Parse::Date => Cell::Date(parse_date(raw).ok_or_else(|| format!("`{raw}` is not a date"))?),
        Parse::Bool => match raw.trim() {
            "是" | "1" | "true" | "TRUE" | "Y" | "y" | "yes" => Cell::Int(1),
            "否" | "0" | "false" | "FALSE" | "N" | "n" | "no" => Cell::Int(0),
            other => return Err(format!("`{other}` is not yes/no (是/否)")),
        },
        Parse::Timestamp => {
            Cell::Time(parse_timestamp(raw).ok_or_else(|| format!("`{raw}` is not a date-time"))?)
        }
        Parse::Hour => Cell::Int(i64::from(
            parse_hour(raw).ok_or_else(|| format!("`{raw}` is not an hour"))?,
        )),
    })
}
