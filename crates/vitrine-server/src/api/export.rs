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

fn sheet_name(name: &str) -> String {
    let clean: String = name
        .chars()
        .filter(|c| !matches!(c, '[' | ']' | ':' | '*' | '?' | '/' | '\\'))
        .take(31)
        .collect();
    if clean.trim().is_empty() {
        "Sheet1".into()
    } else {
        clean
    }
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
    if t.rows.len() > MAX_ROWS {
        return Err(ApiError::too_large(format!(
            "{} rows; an export holds at most {MAX_ROWS}",
            t.rows.len()
        )));
    }
    if let Some((i, r)) = t
        .rows
        .iter()
        .enumerate()
        .find(|(_, r)| r.len() > t.columns.len())
    {
        return Err(ApiError::bad_request(format!(
            "rows[{i}] has {} cells for {} columns",
            r.len(),
            t.columns.len()
        )));
    }
    let bytes = tokio::task::spawn_blocking(move || workbook(&t))
        .await
        .map_err(|e| ApiError::internal(e.to_string()))?
        .map_err(|e| ApiError::internal(format!("cannot write XLSX: {e}")))?;
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
