//! What reading an export produces: per-sheet summaries with their partitions, the problems
//! found (named by file, row and column), progress counters, and the sinks rows go to.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::atomic::AtomicU64;
use std::sync::Mutex;

use arrow_array::RecordBatch;
use chrono::NaiveDate;
use vitrine_core::batch::PartSink;
use vitrine_core::lineage::SourceRef;
use vitrine_core::{CoreError, Table};

use crate::period::{Period, PeriodOrigin};
use crate::profile::Profile;

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
    /// The sheet read ("" for CSV).
    pub sheet: String,
    /// The period the rows were dated by when they carry no date column, and where the
    /// dates came from (a date column, a period cell, the file name, or `--date`).
    pub period: Option<Period>,
    pub period_origin: PeriodOrigin,
    pub rows: usize,
    pub skipped_total_rows: usize,
    pub partitions: BTreeMap<(String, Option<NaiveDate>), P>,
    /// Per partition, the first and last row (sheet row or file line) its rows came from.
    pub lines: BTreeMap<(String, Option<NaiveDate>), (usize, usize)>,
}

/// Every sheet read from one file, and the sheets that matched no export family.
#[derive(Debug, Clone)]
pub struct FileImport<P = RecordBatch> {
    pub sheets: Vec<FileRead<P>>,
    /// `sheet: why` for each sheet skipped (unknown or empty); not an error.
    pub skipped: Vec<String>,
}

/// What [`stream_file`] found: per sheet, how many rows went to the sink.
pub type ImportSummary = FileImport<usize>;

impl<P> FileImport<P> {
    /// Rows read over every sheet.
    pub fn rows(&self) -> usize {
        self.sheets.iter().map(|s| s.rows).sum()
    }

    /// The natural key the rows of `table` (by SQL name) replace older rows by: that of the
    /// first sheet feeding it (sheets of one table share their key).
    pub fn key_of(&self, table: &str) -> &'static [&'static str] {
        self.sheets
            .iter()
            .find(|s| s.profile.table.name() == table)
            .map(|s| s.profile.key)
            .unwrap_or(&[])
    }

    /// Where each partition's rows came from: (table, shop, date, source) per sheet and
    /// partition, for the lake's lineage.
    pub fn lineage(
        &self,
        file: &str,
        hash: &str,
        imported_at: &str,
    ) -> Vec<(Table, String, Option<NaiveDate>, SourceRef)> {
        let mut out = Vec::new();
        for s in &self.sheets {
            for ((shop, date), (first, last)) in &s.lines {
                out.push((
                    s.profile.table,
                    shop.clone(),
                    *date,
                    SourceRef {
                        family: s.profile.id.into(),
                        family_zh: s.profile.name_zh.into(),
                        file: file.into(),
                        hash: hash.into(),
                        sheet: s.sheet.clone(),
                        first_row: *first,
                        last_row: *last,
                        imported_at: imported_at.into(),
                    },
                ));
            }
        }
        out
    }
}

/// What the user says about a file besides its content.
#[derive(Debug, Clone, Default)]
pub struct FileOptions {
    /// The shop the rows belong to (unless a 店铺ID column says otherwise).
    pub shop: Option<String>,
    /// The day of a file whose rows and name carry none (an hour-only sheet).
    pub date: Option<NaiveDate>,
}

impl FileOptions {
    /// Options naming only the shop.
    pub fn shop(shop: Option<&str>) -> FileOptions {
        FileOptions {
            shop: shop.map(String::from),
            date: None,
        }
    }
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
pub(crate) struct Collect(Mutex<CollectedParts>);

type CollectedParts = BTreeMap<(Table, String, Option<NaiveDate>), Vec<RecordBatch>>;

impl PartSink for Collect {
    fn put_part(
        &self,
        table: Table,
        shop: &str,
        date: Option<NaiveDate>,
        batch: RecordBatch,
    ) -> Result<(), CoreError> {
        let mut parts = self
            .0
            .lock()
            .map_err(|_| CoreError::Invalid("collector poisoned".into()))?;
        parts
            .entry((table, shop.to_string(), date))
            .or_default()
            .push(batch);
        Ok(())
    }
}

/// The batches a [`Collect`] sink gathered, one per sheet and partition.
pub(crate) fn collected(
    path: &Path,
    summary: ImportSummary,
    sink: Collect,
) -> Result<FileImport, Vec<Problem>> {
    let mut parts = sink.0.into_inner().unwrap_or_default();
    let mut sheets = Vec::new();
    for s in summary.sheets {
        let mut partitions = BTreeMap::new();
        for (key, &rows) in &s.partitions {
            // Sheets of one table share keys: each takes its own rows, in reading order.
            let Some(queue) = parts.get_mut(&(s.profile.table, key.0.clone(), key.1)) else {
                continue;
            };
            let mut taken = Vec::new();
            let mut n = 0;
            while n < rows && !queue.is_empty() {
                let b = queue.remove(0);
                n += b.num_rows();
                taken.push(b);
            }
            let Some(first) = taken.first() else {
                continue;
            };
            let batch = arrow_select::concat::concat_batches(&first.schema(), &taken)
                .map_err(|e| vec![Problem::whole(&path.display().to_string(), e.to_string())])?;
            partitions.insert(key.clone(), batch);
        }
        sheets.push(FileRead {
            profile: s.profile,
            encoding: s.encoding,
            sheet: s.sheet,
            period: s.period,
            period_origin: s.period_origin,
            rows: s.rows,
            skipped_total_rows: s.skipped_total_rows,
            partitions,
            lines: s.lines,
        });
    }
    Ok(FileImport {
        sheets,
        skipped: summary.skipped,
    })
}
