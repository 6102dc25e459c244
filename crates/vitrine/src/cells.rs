//! Reading numbers out of analyst-supplied CSV rows, with `file:row:column` errors.

use std::path::Path;

use anyhow::{anyhow, Result};

/// The finite number in column `idx` of `rec` (CSV line `line`), or an error naming both.
pub fn number(
    rec: &csv::StringRecord,
    headers: &csv::StringRecord,
    idx: usize,
    path: &Path,
    line: usize,
) -> Result<f64> {
    let raw = rec.get(idx).unwrap_or("").trim();
    raw.parse::<f64>()
        .ok()
        .filter(|v| v.is_finite())
        .ok_or_else(|| {
            anyhow!(
                "{}:{line}:{}: `{raw}` is not a number",
                path.display(),
                headers.get(idx).unwrap_or("?")
            )
        })
}
