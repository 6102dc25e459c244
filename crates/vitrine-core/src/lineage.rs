//! Lineage: which source file, sheet and rows a stored partition came from, so every number
//! can be traced back to the download it was computed from.

use serde::{Deserialize, Serialize};

/// One source file's contribution to a partition.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct SourceRef {
    /// The export family (profile id), e.g. `compass_trade_overview`.
    pub family: String,
    /// Its Chinese name, e.g. `罗盘 交易分析 成交概览`.
    pub family_zh: String,
    /// The file name as imported.
    pub file: String,
    /// SHA-256 of the file's bytes.
    pub hash: String,
    /// The sheet ("" for CSV).
    pub sheet: String,
    /// First and last row (sheet row or file line, 1-based) of the partition's rows.
    pub first_row: usize,
    pub last_row: usize,
    /// When it was imported (RFC 3339, UTC).
    pub imported_at: String,
}

impl SourceRef {
    /// Whether two refs name the same file and sheet (a re-import replaces the older one).
    pub fn same_origin(&self, other: &SourceRef) -> bool {
        self.hash == other.hash && self.sheet == other.sheet
    }
}
