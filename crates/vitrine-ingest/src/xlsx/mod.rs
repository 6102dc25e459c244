//! XLSX exports through calamine's cell reader: every sheet with a known header, title rows
//! above it skipped, merged cells filled from their top-left value, and two-row headers (a
//! merged group row over the column names) combined. Work is bounded by what the file holds:
//! [`guard`] limits unpacked sizes before anything is parsed and [`rows`] streams cells,
//! never the grid a sheet declares. XLS and ODS are refused: calamine reads them whole.

mod guard;
mod rows;

use std::io::{Read, Seek};
use std::path::Path;

use calamine::{open_workbook, Reader, Xlsx};
use chrono::{Duration, NaiveDate};

use vitrine_core::batch::PartSink;

use crate::detect::{detect, explain};
use crate::mapper::{Cells, RowMapper, SheetContext, WORKER_BUDGET};
use crate::outcome::{
    collected, Collect, FileImport, FileOptions, FileSummary, ImportSummary, Problem,
    HEADER_SCAN_ROWS,
};
use rows::{Row, SheetRows};

pub use guard::{MAX_PARTS, MAX_PART_BYTES, MAX_SHEET_BYTES, MAX_TOTAL_BYTES};
pub use rows::{MAX_CELLS, MAX_MERGES};

/// Reads a spreadsheet export into memory with `shop` as the default shop id.
pub fn read_xlsx(path: &Path, shop: Option<&str>) -> Result<FileImport, Vec<Problem>> {
    let sink = Collect::default();
    let summary = stream_xlsx(path, &FileOptions::shop(shop), &sink)?;
    collected(path, summary, sink)
}

/// Reads every sheet of a workbook that holds a known export (the Compass 交易分析 workbook
/// has eleven), handing their rows to `sink`. Sheets with no known header are listed as
/// skipped; a workbook with none is refused with the closest family.
pub fn stream_xlsx(
    path: &Path,
    opts: &FileOptions,
    sink: &dyn PartSink,
) -> Result<ImportSummary, Vec<Problem>> {
    let file = path.display().to_string();
    let whole = |reason: String| vec![Problem::whole(&file, reason)];
    guard::check(path).map_err(whole)?;
    let mut book: Xlsx<_> =
        open_workbook(path).map_err(|e| whole(format!("not a readable workbook: {e}")))?;
    let names = book.sheet_names().to_vec();
    let mut out = FileImport {
        sheets: Vec::new(),
        skipped: Vec::new(),
    };
    let mut problems = Vec::new();
    let mut unknown = Vec::new();
    let mut cells = 0u64;
    for name in names {
        let sheet = Sheet {
            path,
            name: &name,
            label: format!("{file}[{name}]"),
            opts,
        };
        match sheet.read(&mut book, &mut cells, sink) {
            Ok(Outcome::Read(mut summary)) => {
                summary.sheet = name;
                out.sheets.push(summary);
            }
            Ok(Outcome::Skipped { reason, known }) => {
                out.skipped.push(format!("{name}: {reason}"));
                if !known {
                    unknown.push(name.clone());
                }
            }
            Err(p) => problems.extend(p),
        }
        if cells > rows::MAX_CELLS {
            break;
        }
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    if out.sheets.is_empty() {
        let why = out.skipped.join("; ");
        return Err(whole(format!(
            "no sheet holds a known export ({}): {why}",
            unknown.join(", ")
        )));
    }
    Ok(out)
}

/// What became of one sheet.
enum Outcome {
    Read(FileSummary),
    /// Not imported: empty, no rows under its header, or no known header (`known: false`).
    Skipped {
        reason: String,
        known: bool,
    },
}

/// One sheet of the workbook being read.
struct Sheet<'a> {
    path: &'a Path,
    name: &'a str,
    label: String,
    opts: &'a FileOptions,
}

impl Sheet<'_> {
    fn problem(&self, row: usize, reason: String) -> Vec<Problem> {
        vec![Problem {
            file: self.label.clone(),
            row,
            column: String::new(),
            reason,
        }]
    }

    fn read<RS: Read + Seek>(
        &self,
        book: &mut Xlsx<RS>,
        cells: &mut u64,
        sink: &dyn PartSink,
    ) -> Result<Outcome, Vec<Problem>> {
        let merges = book
            .merge_cells_by_sheet_name(self.name)
            .map_err(|e| self.problem(0, format!("unreadable merged cells: {e}")))?;
        let reader = book
            .worksheet_cells_reader(self.name)
            .map_err(|e| self.problem(0, format!("unreadable sheet: {e}")))?;
        let mut rows = SheetRows::new(reader, merges, cells).map_err(|e| self.problem(0, e))?;
        let mut next = || rows.next_row().map_err(|e| self.problem(0, e));
        let mut scan: Vec<Row> = Vec::new();
        while scan.len() <= HEADER_SCAN_ROWS {
            match next()? {
                Some(r) => scan.push(r),
                None => break,
            }
        }
        let dense: Vec<Vec<String>> = scan.iter().map(Row::dense).collect();
        let Some((line, profile, binding, headers)) = find_header(&dense) else {
            let (reason, known) = if scan.iter().all(Row::is_blank) {
                ("empty / 空表".to_string(), true)
            } else {
                (explain(&dense[..dense.len().min(HEADER_SCAN_ROWS)]), false)
            };
            return Ok(Outcome::Skipped { reason, known });
        };
        // Rows under the header up to the first that holds anything.
        let mut lead: Vec<Row> = scan.split_off(line + 1);
        while lead.iter().all(Row::is_blank) {
            match next()? {
                Some(r) => lead.push(r),
                None => {
                    return Ok(Outcome::Skipped {
                        reason: format!("{} with no rows / 无数据", profile.name_zh),
                        known: true,
                    })
                }
            }
        }
        let above: Vec<(usize, Vec<String>)> = scan[..line]
            .iter()
            .zip(&dense)
            .map(|(r, d)| (r.index as usize + 1, d.clone()))
            .collect();
        let ctx = SheetContext {
            shop: self.opts.shop.as_deref(),
            file: self.label.clone(),
            names: format!("{} {}", self.name, self.path.display()),
            period: crate::period::find(&above, self.path, self.opts.date),
        };
        let mut mapper = RowMapper::new(profile, binding, headers, ctx, sink)
            .map_err(|reason| self.problem(0, reason))?;
        let mut push = |row: Row| {
            mapper.push(row.index as usize + 1, &row);
            mapper.flush_over(WORKER_BUDGET);
        };
        lead.into_iter().for_each(&mut push);
        while let Some(row) = next()? {
            push(row);
        }
        mapper.finish("xlsx").map(Outcome::Read)
    }
}

type Header = (
    usize,
    &'static crate::profile::Profile,
    Vec<Option<usize>>,
    Vec<String>,
);

/// The header row (or a group row + name row pair) and its profile binding.
fn find_header(grid: &[Vec<String>]) -> Option<Header> {
    for i in 0..grid.len().min(HEADER_SCAN_ROWS) {
        if let Some((p, b)) = detect(&grid[i]) {
            return Some((i, p, b, grid[i].clone()));
        }
        if let Some(next) = grid.get(i + 1) {
            let combined: Vec<String> = (0..grid[i].len().max(next.len()))
                .map(|c| {
                    let lower = next.get(c).map(|s| s.trim()).unwrap_or("");
                    if lower.is_empty() {
                        grid[i].get(c).cloned().unwrap_or_default()
                    } else {
                        lower.to_string()
                    }
                })
                .collect();
            if let Some((p, b)) = detect(&combined) {
                return Some((i + 1, p, b, combined));
            }
        }
    }
    None
}

/// An Excel serial date-time (1900 system) as `YYYY-MM-DD[ HH:MM:SS]`.
pub(crate) fn serial_to_text(serial: f64) -> String {
    let Some(epoch) = NaiveDate::from_ymd_opt(1899, 12, 30) else {
        return serial.to_string();
    };
    let days = serial.floor();
    let secs = ((serial - days) * 86_400.0).round() as i64;
    let Some(date) = epoch.checked_add_signed(Duration::days(days as i64)) else {
        return serial.to_string();
    };
    if secs == 0 {
        date.to_string()
    } else {
        let t = date
            .and_hms_opt(0, 0, 0)
            .map(|d| d + Duration::seconds(secs));
        t.map(|t| t.format("%Y-%m-%d %H:%M:%S").to_string())
            .unwrap_or_else(|| date.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serials_become_dates_and_times() {
        assert_eq!(serial_to_text(46_347.0), "2026-11-21");
        assert_eq!(serial_to_text(46_347.5), "2026-11-21 12:00:00");
    }
}
