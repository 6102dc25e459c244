//! Table export: any page's table, as the user sorted and filtered it, to an XLSX file.

use axum::http::header;
use axum::response::{IntoResponse, Response};
use rust_xlsxwriter::{Format, Workbook};
use serde::Deserialize;
use serde_json::Value;

use crate::auth::Auth;
use crate::error::{json_body, ApiError};

/// Rows a single export may hold (Excel's own limit is 1,048,576).
const MAX_ROWS: usize = 1_000_000;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Table {
    /// Sheet and file name.
    name: String,
    columns: Vec<String>,
    rows: Vec<Vec<Value>>,
}

/// Characters one cell holds in Excel.
const MAX_CELL_CHARS: usize = 32_767;
/// Columns a sheet holds in Excel.
const MAX_COLUMNS: usize = 16_384;

/// A name Excel takes for a sheet: no `[]:*?/\`, no control characters or characters
/// outside the Basic Multilingual Plane (emoji), no apostrophe at either end, 31 characters.
fn sheet_name(name: &str) -> String {
    let clean: String = name
        .chars()
        .filter(|c| !matches!(c, '[' | ']' | ':' | '*' | '?' | '/' | '\\'))
        .filter(|c| !c.is_control() && u32::from(*c) <= 0xFFFF)
        .take(31)
        .collect();
    let clean = clean.trim().trim_matches('\'').trim();
    if clean.is_empty() || clean.eq_ignore_ascii_case("history") {
        "Sheet1".into()
    } else {
        clean.to_string()
    }
}

/// The first cell Excel cannot hold, as a client error naming it.
fn check(t: &Table) -> Result<(), ApiError> {
    if t.rows.len() > MAX_ROWS {
        return Err(ApiError::too_large(format!(
            "{} rows; an export holds at most {MAX_ROWS}",
            t.rows.len()
        )));
    }
    if t.columns.len() > MAX_COLUMNS {
        return Err(ApiError::bad_request(format!(
            "{} columns; a sheet holds at most {MAX_COLUMNS}",
            t.columns.len()
        )));
    }
    let long = |s: &str| s.chars().count() > MAX_CELL_CHARS;
    if let Some(c) = t.columns.iter().position(|h| long(h)) {
        return Err(ApiError::bad_request(format!(
            "columns[{c}] is longer than the {MAX_CELL_CHARS} characters a cell holds"
        )));
    }
    for (i, r) in t.rows.iter().enumerate() {
        if r.len() > t.columns.len() {
            return Err(ApiError::bad_request(format!(
                "rows[{i}] has {} cells for {} columns",
                r.len(),
                t.columns.len()
            )));
        }
        let text_len = |v: &Value| match v {
            Value::String(s) => s.chars().count(),
            Value::Array(_) | Value::Object(_) => v.to_string().chars().count(),
            _ => 0,
        };
        if let Some(c) = r.iter().position(|v| text_len(v) > MAX_CELL_CHARS) {
            return Err(ApiError::bad_request(format!(
                "rows[{i}][{c}] is longer than the {MAX_CELL_CHARS} characters a cell holds"
            )));
        }
    }
    Ok(())
}

fn workbook(t: &Table) -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    ws.set_name(sheet_name(&t.name))?;
    let bold = Format::new().set_bold();
    for (c, h) in t.columns.iter().enumerate() {
        ws.write_with_format(0, c as u16, h.as_str(), &bold)?;
    }
    for (r, row) in t.rows.iter().enumerate() {
        let r = (r + 1) as u32;
        for (c, v) in row.iter().enumerate() {
            let c = c as u16;
            match v {
                Value::Number(n) => {
                    ws.write(r, c, n.as_f64().unwrap_or(f64::NAN))?;
                }
                Value::Bool(b) => {
                    ws.write(r, c, *b)?;
                }
                Value::Null => {}
                Value::String(s) => {
                    ws.write(r, c, s.as_str())?;
                }
                other => {
                    ws.write(r, c, other.to_string())?;
                }
            }
        }
    }
    ws.set_freeze_panes(1, 0)?;
    ws.autofit();
    wb.save_to_buffer()
}

/// `POST /api/v1/export/xlsx` with `{name, columns, rows}`: the table as an XLSX file.
pub(crate) async fn xlsx(_: Auth, body: axum::body::Bytes) -> Result<Response, ApiError> {
    let t: Table = json_body(&body)?;
    check(&t)?;
    // Every cell was checked above; what the writer still refuses came from the request.
    let bytes = tokio::task::spawn_blocking(move || workbook(&t))
        .await
        .map_err(|e| ApiError::internal(e.to_string()))?
        .map_err(|e| ApiError::bad_request(format!("cannot write this table as XLSX: {e}")))?;
    Ok((
        [
            (
                header::CONTENT_TYPE,
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            ),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"vitrine.xlsx\"",
            ),
        ],
        bytes,
    )
        .into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(name: &str, cell: &str) -> Table {
        Table {
            name: name.into(),
            columns: vec!["a".into()],
            rows: vec![vec![Value::String(cell.into())]],
        }
    }

    #[test]
    fn any_sheet_name_makes_a_workbook() {
        for name in [
            "'quoted'",
            "店铺 😀 数据",
            "a]b[c:d*e?f/g\\h",
            "''",
            "History",
            &"长".repeat(40),
        ] {
            let t = table(name, "x");
            assert!(check(&t).is_ok());
            workbook(&t).unwrap_or_else(|e| panic!("{name:?}: {e}"));
        }
        assert_eq!(sheet_name("'店铺'"), "店铺");
        assert_eq!(sheet_name("😀"), "Sheet1");
    }

    #[test]
    fn a_cell_longer_than_excel_holds_is_a_client_error() {
        let e = check(&table("t", &"x".repeat(MAX_CELL_CHARS + 1))).unwrap_err();
        assert_eq!(e.status(), 400);
        assert!(e.to_string().contains("rows[0][0]"), "{e}");
        assert!(check(&table("t", &"x".repeat(MAX_CELL_CHARS))).is_ok());
    }
}
