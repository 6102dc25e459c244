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

/// Writes an XLSX by hand: one sheet whose `<sheetData>` is `rows_xml`, with an optional
/// `<dimension>` and merged regions (what a crafted or damaged file can declare).
pub fn raw_xlsx(path: &Path, dimension: Option<&str>, rows_xml: &str, merges: &[&str]) {
    use std::io::Write;
    let parts: [(&str, String); 5] = [
        (
            "[Content_Types].xml",
            r#"<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>"#.into(),
        ),
        (
            "_rels/.rels",
            r#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>"#.into(),
        ),
        (
            "xl/workbook.xml",
            r#"<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>"#.into(),
        ),
        (
            "xl/_rels/workbook.xml.rels",
            r#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>"#.into(),
        ),
        ("xl/worksheets/sheet1.xml", {
            let dim = dimension
                .map(|d| format!(r#"<dimension ref="{d}"/>"#))
                .unwrap_or_default();
            let merge = if merges.is_empty() {
                String::new()
            } else {
                let cells: String = merges
                    .iter()
                    .map(|m| format!(r#"<mergeCell ref="{m}"/>"#))
                    .collect();
                format!(r#"<mergeCells count="{}">{cells}</mergeCells>"#, merges.len())
            };
            format!(
                r#"<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">{dim}<sheetData>{rows_xml}</sheetData>{merge}</worksheet>"#
            )
        }),
    ];
    let mut w = zip::ZipWriter::new(std::fs::File::create(path).unwrap());
    let opts = zip::write::SimpleFileOptions::default();
    for (name, body) in parts {
        w.start_file(name, opts).unwrap();
        w.write_all(body.as_bytes()).unwrap();
    }
    w.finish().unwrap();
}

/// One `<row>` of inline-string cells at 1-based `row`, each given as (column letters, text).
pub fn xml_row(row: u32, cells: &[(&str, &str)]) -> String {
    let cs: String = cells
        .iter()
        .map(|(col, text)| format!(r#"<c r="{col}{row}" t="inlineStr"><is><t>{text}</t></is></c>"#))
        .collect();
    format!(r#"<row r="{row}">{cs}</row>"#)
}
