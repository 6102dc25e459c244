//! Ingest: merchant exports (CSV in UTF-8 / UTF-8 BOM / GBK, and XLSX) recognised by their headers
//! through table-driven source profiles, parsed with their units, and turned into canonical
//! partitions — or a `file:row:column: reason` list of everything wrong with them.
//! This is the only crate that knows Chinese export header names.

pub mod boundary;
pub mod csvfile;
pub mod date;
pub mod detect;
pub mod dispatch;
pub mod export;
pub mod family;
pub mod mapper;
pub mod names;
pub mod outcome;
pub mod period;
pub mod profile;
pub mod text;
pub mod value;
pub mod xlsx;

use std::io::Read;
use std::path::Path;

use sha2::{Digest, Sha256};

pub use csvfile::{stream_csv, stream_csv_opts, stream_csv_with, ReadOptions};
pub use dispatch::{read_csv, read_file, stream_file};
pub use outcome::{
    Discard, FileImport, FileOptions, FileRead, FileSummary, ImportSummary, Problem, Progress,
    MAX_PROBLEMS,
};
pub use period::{Period, PeriodOrigin};
pub use xlsx::{read_xlsx, stream_xlsx};

/// SHA-256 of a file's bytes, so re-importing the same file is recognised as a no-op.
pub fn content_hash(path: &Path) -> std::io::Result<String> {
    let mut f = std::fs::File::open(path)?;
    let mut h = Sha256::new();
    let mut buf = vec![0u8; 1 << 20];
    loop {
        let n = f.read(&mut buf)?;
        if n == 0 {
            break;
        }
        h.update(&buf[..n]);
    }
    Ok(h.finalize().iter().map(|b| format!("{b:02x}")).collect())
}
