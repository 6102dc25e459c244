//! Reading canonical columns of a batch by name, for the export writers.

use arrow_array::{
    Array, BooleanArray, Date32Array, Int64Array, RecordBatch, StringArray, TimestampSecondArray,
};
use chrono::NaiveDate;

/// Text of `col` at `row` ("" when absent or null).
pub(crate) fn text(b: &RecordBatch, col: &str, row: usize) -> String {
    b.column_by_name(col)
        .and_then(|c| c.as_any().downcast_ref::<StringArray>())
        .filter(|a| !a.is_null(row))
        .map(|a| a.value(row).to_string())
        .unwrap_or_default()
}

/// Integer of `col` at `row`, if present.
pub(crate) fn int(b: &RecordBatch, col: &str, row: usize) -> Option<i64> {
    b.column_by_name(col)
        .and_then(|c| c.as_any().downcast_ref::<Int64Array>())
        .filter(|a| !a.is_null(row))
        .map(|a| a.value(row))
}

/// Boolean of `col` at `row`, if present.
pub(crate) fn boolean(b: &RecordBatch, col: &str, row: usize) -> Option<bool> {
    b.column_by_name(col)
        .and_then(|c| c.as_any().downcast_ref::<BooleanArray>())
        .filter(|a| !a.is_null(row))
        .map(|a| a.value(row))
}

/// A timestamp of `col` at `row` as local `YYYY-MM-DD HH:MM:SS` ("" when absent).
pub(crate) fn time(b: &RecordBatch, col: &str, row: usize) -> String {
    b.column_by_name(col)
        .and_then(|c| c.as_any().downcast_ref::<TimestampSecondArray>())
        .filter(|a| !a.is_null(row))
        .and_then(|a| chrono::DateTime::from_timestamp(a.value(row) + 8 * 3600, 0))
        .map(|t| t.naive_utc().format("%Y-%m-%d %H:%M:%S").to_string())
        .unwrap_or_default()
}

/// The date of `col` at `row`, if present.
pub(crate) fn date(b: &RecordBatch, col: &str, row: usize) -> Option<NaiveDate> {
    b.column_by_name(col)
        .and_then(|c| c.as_any().downcast_ref::<Date32Array>())
        .filter(|a| !a.is_null(row))
        .and_then(|a| a.value_as_date(row))
}

/// Money in fen as an export's plain yuan with two decimals (`119.00`, `-5.30`).
pub(crate) fn plain_yuan(fen: i64) -> String {
    let sign = if fen < 0 { "-" } else { "" };
    let a = fen.unsigned_abs();
    format!("{sign}{}.{:02}", a / 100, a % 100)
}
