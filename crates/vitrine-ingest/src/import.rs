//! Reading one export file into canonical partitions, or a list of every problem in it.
//!
//! Nothing here writes: the caller commits the partitions only when every file of the set
//! read cleanly, which makes an import all-or-nothing.

use std::collections::BTreeMap;
use std::path::Path;

use arrow_array::RecordBatch;
use chrono::NaiveDate;
use vitrine_core::batch::{BatchBuilder, Val};
use vitrine_core::Table;

use crate::date::{parse_date, parse_hour, parse_timestamp};
use crate::profile::{detect, Parse, Profile};
use crate::text::open_utf8;
use crate::value::{is_blank, parse_money_fen, parse_number};

/// How many rows above the header an export may carry (titles, notes, merged headers).
const HEADER_SCAN_ROWS: usize = 20;

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
        write!(f, "{}:{}:{}: {}", self.file, self.row, self.column, self.reason)
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

fn is_total_row(row: &[String]) -> bool {
    row.iter().take(2).any(|c| matches!(c.trim(), "合计" | "总计" | "汇总" | "Total" | "total"))
}

/// Reads a CSV export (any supported encoding) with `shop` as the default shop id.
pub fn read_csv(path: &Path, shop: Option<&str>) -> Result<FileRead, Vec<Problem>> {
    let file = path.display().to_string();
    let whole = |reason: String| vec![Problem { file: file.clone(), row: 0, column: String::new(), reason }];
    let (reader, encoding) = open_utf8(path).map_err(|e| whole(e.to_string()))?;
    let mut csv = csv::ReaderBuilder::new().has_headers(false).flexible(true).from_reader(reader);
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
        return Err(whole(format!("no known export header in the first {HEADER_SCAN_ROWS} rows (known: {})", crate::profile::PROFILES.iter().map(|p| p.name_zh).collect::<Vec<_>>().join("、"))));
    };
    let mut mapper = RowMapper::new(profile, binding, headers, shop, file.clone());
    for rec in records {
        line += 1;
        match rec {
            Ok(r) => {
                let cells: Vec<String> = r.iter().map(String::from).collect();
                mapper.push(line, &cells);
            }
            Err(e) => mapper.problem(line, "", e.to_string()),
        }
    }
    mapper.finish(encoding)
}

/// Maps rows of one bound profile onto canonical partitions, collecting problems.
struct RowMapper {
    profile: &'static Profile,
    binding: Vec<Option<usize>>,
    headers: Vec<String>,
    shop: Option<String>,
    file: String,
    builders: BTreeMap<(String, Option<NaiveDate>), BatchBuilder>,
    problems: Vec<Problem>,
    rows: usize,
    totals: usize,
}

enum Cell {
    Text(String),
    Int(i64),
    Float(f64),
    Date(NaiveDate),
    Time(i64),
    Null,
}

impl RowMapper {
    fn new(profile: &'static Profile, binding: Vec<Option<usize>>, headers: Vec<String>, shop: Option<&str>, file: String) -> Self {
        RowMapper { profile, binding, headers, shop: shop.map(String::from), file, builders: BTreeMap::new(), problems: vec![], rows: 0, totals: 0 }
    }

    fn problem(&mut self, row: usize, column: &str, reason: String) {
        self.problems.push(Problem { file: self.file.clone(), row, column: column.to_string(), reason });
    }

    /// The header a canonical column was bound to, if any.
    fn header_of(&self, target: &str) -> Option<String> {
        self.profile.columns.iter().zip(&self.binding).find(|(c, i)| c.target == target && i.is_some()).and_then(|(_, i)| self.headers.get((*i)?).cloned())
    }

    /// The parsed value of canonical column `target` in `cells`.
    fn value(&self, target: &str, cells: &[String]) -> Result<Cell, (String, String)> {
        let spec = self.profile.columns.iter().zip(&self.binding).find(|(c, i)| c.target == target && i.is_some());
        let Some((spec, Some(idx))) = spec else {
            let is_bool = self.profile.table.schema().field_with_name(target).is_ok_and(|f| f.data_type() == &arrow_schema::DataType::Boolean);
            return Ok(match (target, self.profile.defaults.iter().find(|(t, _)| *t == target)) {
                ("shop_id", _) => self.shop.clone().map(Cell::Text).unwrap_or(Cell::Null),
                (_, Some((_, v))) if is_bool => Cell::Int(i64::from(*v == "1")),
                (_, Some((_, v))) if target == "quantity" || target.ends_with("_fen") => v.parse().map(Cell::Int).unwrap_or(Cell::Null),
                (_, Some((_, v))) => Cell::Text((*v).to_string()),
                _ => Cell::Null,
            });
        };
        let raw = cells.get(*idx).map(String::as_str).unwrap_or("");
        let header = self.headers.get(*idx).cloned().unwrap_or_default();
        let bad = |reason: String| (header.clone(), reason);
        if is_blank(raw) && !matches!(spec.parse, Parse::Text | Parse::Map(_)) {
            return Ok(Cell::Null);
        }
        Ok(match spec.parse {
            Parse::Text => Cell::Text(raw.trim().to_string()),
            Parse::Map(table) => {
                let t = raw.trim();
                Cell::Text(table.iter().find(|(k, _)| *k == t).map(|(_, v)| (*v).to_string()).unwrap_or_else(|| t.to_string()))
            }
            Parse::Count => match parse_number(raw).map_err(|e| bad(e.to_string()))? {
                Some(v) if v >= 0.0 && (v - v.round()).abs() < 1e-6 => Cell::Int(v.round() as i64),
                Some(v) => return Err(bad(format!("`{raw}` is not a whole non-negative count ({v})"))),
                None => Cell::Null,
            },
            Parse::Money(unit) => parse_money_fen(raw, unit).map_err(|e| bad(e.to_string()))?.map(Cell::Int).unwrap_or(Cell::Null),
            Parse::Float => parse_number(raw).map_err(|e| bad(e.to_string()))?.map(Cell::Float).unwrap_or(Cell::Null),
            Parse::Date => Cell::Date(parse_date(raw).ok_or_else(|| bad(format!("`{raw}` is not a date")))?),
            Parse::Bool => match raw.trim() {
                "是" | "1" | "true" | "TRUE" | "Y" | "y" | "yes" => Cell::Int(1),
                "否" | "0" | "false" | "FALSE" | "N" | "n" | "no" => Cell::Int(0),
                other => return Err(bad(format!("`{other}` is not yes/no (是/否)"))),
            },
            Parse::Timestamp => Cell::Time(parse_timestamp(raw).ok_or_else(|| bad(format!("`{raw}` is not a date-time")))?),
            Parse::Hour => Cell::Int(i64::from(parse_hour(raw).ok_or_else(|| bad(format!("`{raw}` is not an hour")))?)),
        })
    }

    fn push(&mut self, line: usize, cells: &[String]) {
        if cells.iter().all(|c| c.trim().is_empty()) {
            return;
        }
        if is_total_row(cells) {
            self.totals += 1;
            return;
        }
        let schema = self.profile.table.schema();
        let mut values = Vec::with_capacity(schema.fields().len());
        let mut failed = false;
        for f in schema.fields() {
            match self.value(f.name(), cells) {
                Ok(Cell::Null) if !f.is_nullable() => {
                    let header = self.header_of(f.name()).unwrap_or_else(|| f.name().to_string());
                    let why = if f.name() == "shop_id" { "no shop id: pass --shop or add a 店铺ID column".to_string() } else { format!("required value `{}` is empty", f.name()) };
                    self.problem(line, &header, why);
                    failed = true;
                }
                Ok(c) => values.push(c),
                Err((col, reason)) => {
                    self.problem(line, &col, reason);
                    failed = true;
                }
            }
        }
        if failed {
            return;
        }
        let shop = match &values[0] {
            Cell::Text(s) => s.clone(),
            _ => String::new(),
        };
        let date = values.iter().zip(schema.fields()).find(|(_, f)| f.name() == "date").and_then(|(c, _)| match c {
            Cell::Date(d) => Some(*d),
            _ => None,
        });
        let row: Vec<Val<'_>> = values
            .iter()
            .zip(schema.fields())
            .map(|(c, f)| match c {
                Cell::Text(s) => Val::Str(s),
                Cell::Int(i) if matches!(f.data_type(), arrow_schema::DataType::Boolean) => Val::Bool(*i != 0),
                Cell::Int(i) => Val::Int(*i),
                Cell::Float(x) => Val::Float(*x),
                Cell::Date(d) => Val::Date(*d),
                Cell::Time(t) => Val::Time(*t),
                Cell::Null => Val::Null,
            })
            .collect();
        let table = self.profile.table;
        let b = self.builders.entry((shop, date)).or_insert_with(|| BatchBuilder::new(table));
        match b.push(&row) {
            Ok(()) => self.rows += 1,
            Err(e) => self.problem(line, "", e.to_string()),
        }
    }

    fn finish(self, encoding: &'static str) -> Result<FileRead, Vec<Problem>> {
        let mut problems = self.problems;
        if problems.is_empty() && self.rows == 0 {
            problems.push(Problem { file: self.file.clone(), row: 0, column: String::new(), reason: "the file has a header but no data rows".into() });
        }
        if !problems.is_empty() {
            return Err(problems);
        }
        let mut partitions = BTreeMap::new();
        for (k, mut b) in self.builders {
            let batch = b.finish().map_err(|e| vec![Problem { file: self.file.clone(), row: 0, column: String::new(), reason: e.to_string() }])?;
            partitions.insert(k, batch);
        }
        Ok(FileRead { profile: self.profile, encoding, rows: self.rows, skipped_total_rows: self.totals, partitions })
    }
}

/// The table a profile fills (re-exported for callers that only hold a [`FileRead`]).
pub fn table_of(read: &FileRead) -> Table {
    read.profile.table
}
