//! Table export: any page's table, as the user sorted and filtered it, to an XLSX file.

use axum::http::header;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::Value;
use vitrine_app::xlsx::{self, Cell, Sheet};

use crate::auth::Auth;
use crate::error::{json_body, ApiError};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Table {
    /// Sheet and file name.
    name: String,
    columns: Vec<String>,
    rows: Vec<Vec<Value>>,
}

impl Table {
    /// The table as a sheet: numbers, booleans and text as such, anything else as JSON text.
    fn sheet(self) -> Sheet {
        let cell = |v: Value| match v {
            Value::Number(n) => Cell::from(n.as_f64()),
            Value::Bool(b) => Cell::Bool(b),
            Value::Null => Cell::Empty,
            Value::String(s) => Cell::Text(s),
            other => Cell::Text(other.to_string()),
        };
        Sheet {
            name: self.name,
            columns: self.columns,
            rows: self
                .rows
                .into_iter()
                .map(|r| r.into_iter().map(cell).collect())
                .collect(),
        }
    }
}

/// `POST /api/v1/export/xlsx` with `{name, columns, rows}`: the table as an XLSX file.
pub(crate) async fn xlsx(_: Auth, body: axum::body::Bytes) -> Result<Response, ApiError> {
    let sheet = json_body::<Table>(&body)?.sheet();
    let bytes = tokio::task::spawn_blocking(move || xlsx::workbook(&[sheet]))
        .await
        .map_err(|e| ApiError::internal(e.to_string()))??;
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
