//! XLSX (and XLS/ODS) exports through calamine: the first sheet with a known header, title
//! rows above it skipped, merged cells filled from their top-left value, and two-row headers
//! (a merged group row over the column names) combined.

use std::path::Path;

use calamine::{open_workbook_auto, Data, Range, Reader, Sheets};
use chrono::{Duration, NaiveDate};

use vitrine_core::batch::PartSink;

use crate::import::{
    collected, Collect, FileImport, FileOptions, ImportSummary, Problem, RowMapper, SheetContext,
    HEADER_SCAN_ROWS,
};
use crate::profile::{detect, explain};

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
    let mut book =
        open_workbook_auto(path).map_err(|e| whole(format!("not a readable workbook: {e}")))?;
    let names = book.sheet_names().to_vec();
    let mut out = FileImport {
        sheets: Vec::new(),
        skipped: Vec::new(),
    };
    let mut problems = Vec::new();
    let mut unknown = Vec::new();
    for name in names {
        let range = book
            .worksheet_range(&name)
            .map_err(|e| whole(format!("sheet {name}: {e}")))?;
        let merges = merged_cells(&mut book, &name);
        let (grid, first_row) = grid(&range, &merges);
        let Some((line, profile, binding, headers)) = find_header(&grid) else {
            if grid.iter().all(|r| r.iter().all(|c| c.trim().is_empty())) {
                out.skipped.push(format!("{name}: empty / 空表"));
            } else {
                out.skipped.push(format!(
                    "{name}: {}",
                    explain(&grid[..grid.len().min(HEADER_SCAN_ROWS)])
                ));
                unknown.push(name.clone());
            }
            continue;
        };
        if grid[line + 1..]
            .iter()
            .all(|r| r.iter().all(|c| c.trim().is_empty()))
        {
            out.skipped
                .push(format!("{name}: {} with no rows / 无数据", profile.name_zh));
            continue;
        }
        let label = format!("{file}[{name}]");
        let above: Vec<(usize, Vec<String>)> = grid[..line]
            .iter()
            .enumerate()
            .map(|(i, r)| (first_row + i + 1, r.clone()))
            .collect();
        let ctx = SheetContext {
            shop: opts.shop.as_deref(),
            file: label.clone(),
            names: format!("{name} {file}"),
            period: crate::period::find(&above, path, opts.date),
        };
        let mut mapper = match RowMapper::new(profile, binding, headers, ctx, sink) {
            Ok(m) => m,
            Err(reason) => {
                problems.push(Problem::whole(&label, reason));
                continue;
            }
        };
        for (i, row) in grid.iter().enumerate().skip(line + 1) {
            let cells: Vec<&str> = row.iter().map(String::as_str).collect();
            mapper.push(first_row + i + 1, &cells[..]);
            mapper.flush_over(crate::csvfile::WORKER_BUDGET);
        }
        match mapper.finish("xlsx") {
            Ok(mut summary) => {
                summary.sheet = name;
                out.sheets.push(summary);
            }
            Err(p) => problems.extend(p),
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

/// Merged regions of an XLSX sheet as (first row, first col, last row, last col); other
/// formats report none.
fn merged_cells<R: std::io::Read + std::io::Seek>(
    book: &mut Sheets<R>,
    sheet: &str,
) -> Vec<(u32, u32, u32, u32)> {
    match book {
        Sheets::Xlsx(x) => x
            .merge_cells_by_sheet_name(sheet)
            .map(|v| {
                v.iter()
                    .map(|d| (d.start.0, d.start.1, d.end.0, d.end.1))
                    .collect()
            })
            .unwrap_or_default(),
        _ => Vec::new(),
    }
}

/// The sheet as text cells (absolute column positions kept), merged cells filled.
/// Returns the grid and the 0-based sheet row of its first line.
fn grid(range: &Range<Data>, merges: &[(u32, u32, u32, u32)]) -> (Vec<Vec<String>>, usize) {
    let (r0, c0) = range.start().unwrap_or((0, 0));
    let mut rows: Vec<Vec<String>> = range
        .rows()
        .map(|row| {
            let mut cells = vec![String::new(); c0 as usize];
            cells.extend(row.iter().map(text));
            cells
        })
        .collect();
    for &(top, left, bottom, right) in merges {
        let value = rows
            .get(top.saturating_sub(r0) as usize)
            .and_then(|r| r.get(left as usize))
            .cloned()
            .unwrap_or_default();
        for r in top..=bottom {
            let Some(row) = rows.get_mut(r.saturating_sub(r0) as usize) else {
                continue;
            };
            for c in left..=right {
                if let Some(cell) = row.get_mut(c as usize) {
                    if cell.is_empty() {
                        cell.clone_from(&value);
                    }
                }
            }
        }
    }
    (rows, r0 as usize)
}

/// A cell as the text a CSV export would hold.
fn text(d: &Data) -> String {
    match d {
        Data::Empty | Data::Error(_) => String::new(),
        Data::String(s) | Data::DateTimeIso(s) | Data::DurationIso(s) => s.clone(),
        Data::Int(i) => i.to_string(),
        Data::Float(f) => f.to_string(),
        Data::Bool(b) => if *b { "1" } else { "0" }.into(),
        Data::DateTime(dt) => serial_to_text(dt.as_f64()),
    }
}

/// An Excel serial date-time (1900 system) as `YYYY-MM-DD[ HH:MM:SS]`.
fn serial_to_text(serial: f64) -> String {
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
