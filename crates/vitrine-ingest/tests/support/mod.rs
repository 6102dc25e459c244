//! Builds export files shaped like real downloads (for tests): CSV text and XLSX workbooks.

// Each test binary uses some of these helpers.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

use arrow_array::{
    Array, BooleanArray, Date32Array, Float64Array, Int64Array, RecordBatch, StringArray,
};

/// Writes a workbook with the given sheets; cells that look like short numbers are written as
/// numbers (as consoles do), everything else (ids, dates, text) as text.
pub fn xlsx(path: &Path, sheets: &[(&str, Vec<Vec<String>>)]) {
    let mut book = rust_xlsxwriter::Workbook::new();
    for (name, rows) in sheets {
        let ws = book.add_worksheet();
        ws.set_name(*name).unwrap();
        for (r, row) in rows.iter().enumerate() {
            for (c, cell) in row.iter().enumerate() {
                let numeric =
                    cell.len() < 12 && !cell.starts_with('0') && cell.parse::<f64>().is_ok();
                if numeric {
                    ws.write_number(r as u32, c as u16, cell.parse::<f64>().unwrap())
                        .unwrap();
                } else if !cell.is_empty() {
                    ws.write_string(r as u32, c as u16, cell).unwrap();
                }
            }
        }
    }
    book.save(path).unwrap();
}

/// Rows of string cells from rows of `&str`.
pub fn rows(xs: &[&[&str]]) -> Vec<Vec<String>> {
    xs.iter()
        .map(|r| r.iter().map(|c| c.to_string()).collect())
        .collect()
}

/// A path in `dir`.
pub fn at(dir: &Path, name: &str) -> PathBuf {
    dir.join(name)
}

pub fn ints(b: &RecordBatch, col: &str) -> Vec<Option<i64>> {
    let a = b
        .column_by_name(col)
        .unwrap_or_else(|| panic!("no column {col}"))
        .as_any()
        .downcast_ref::<Int64Array>()
        .unwrap();
    (0..a.len())
        .map(|i| (!a.is_null(i)).then(|| a.value(i)))
        .collect()
}

pub fn floats(b: &RecordBatch, col: &str) -> Vec<Option<f64>> {
    let a = b
        .column_by_name(col)
        .unwrap()
        .as_any()
        .downcast_ref::<Float64Array>()
        .unwrap();
    (0..a.len())
        .map(|i| (!a.is_null(i)).then(|| a.value(i)))
        .collect()
}

pub fn sum(b: &RecordBatch, col: &str) -> i64 {
    ints(b, col).into_iter().flatten().sum()
}

pub fn strs(b: &RecordBatch, col: &str) -> Vec<String> {
    let a = b
        .column_by_name(col)
        .unwrap_or_else(|| panic!("no column {col}"))
        .as_any()
        .downcast_ref::<StringArray>()
        .unwrap();
    (0..a.len())
        .map(|i| {
            if a.is_null(i) {
                String::new()
            } else {
                a.value(i).to_string()
            }
        })
        .collect()
}

pub fn bools(b: &RecordBatch, col: &str) -> Vec<bool> {
    let a = b
        .column_by_name(col)
        .unwrap()
        .as_any()
        .downcast_ref::<BooleanArray>()
        .unwrap();
    (0..a.len()).map(|i| a.value(i)).collect()
}

pub fn dates(b: &RecordBatch, col: &str) -> Vec<String> {
    let a = b
        .column_by_name(col)
        .unwrap()
        .as_any()
        .downcast_ref::<Date32Array>()
        .unwrap();
    (0..a.len())
        .map(|i| a.value_as_date(i).unwrap().to_string())
        .collect()
}
