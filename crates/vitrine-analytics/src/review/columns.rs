//! A metric table's columns by metric id, and a row's value in one.

use vitrine_core::query::MetricRow;
use vitrine_core::MetricTable;

/// The position of `metric` among a table's columns (past the end when absent, so
/// [`val`] reads 0).
pub(super) fn col(t: &MetricTable, metric: &str) -> usize {
    t.metrics
        .iter()
        .position(|m| *m == metric)
        .unwrap_or(usize::MAX)
}

/// A row's value in column `c`, 0 when missing.
pub(super) fn val(row: &MetricRow, c: usize) -> f64 {
    row.values.get(c).copied().flatten().unwrap_or(0.0)
}
