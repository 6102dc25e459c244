//! Reading an export file of any supported kind: CSV or a spreadsheet, chosen by the file's
//! extension.
//!
//! Readers stream: finished batches go to a [`PartSink`] as the file is read (the lake writes
//! them as invisible part files), so memory stays bounded whatever the file's size. The caller
//! makes the import all-or-nothing by publishing those parts only when every file of the set
//! read cleanly, and deleting them otherwise.

use std::path::Path;
use std::sync::atomic::Ordering;
use std::sync::Arc;

use vitrine_core::batch::PartSink;

use crate::outcome::{
    collected, Collect, FileImport, FileOptions, FileRead, ImportSummary, Problem, Progress,
};

/// Reads an export file of any supported kind, chosen by its extension (CSV or a
/// spreadsheet, every known sheet of it), handing its rows to `sink` and adding the bytes
/// consumed to `progress`.
pub fn stream_file(
    path: &Path,
    opts: &FileOptions,
    progress: Arc<Progress>,
    sink: &dyn PartSink,
) -> Result<ImportSummary, Vec<Problem>> {
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or_default()
        .to_ascii_lowercase();
    match ext.as_str() {
        "csv" | "txt" => crate::csvfile::stream_csv_opts(
            path,
            opts,
            progress,
            sink,
            crate::csvfile::ReadOptions::default(),
        )
        .map(|s| FileImport {
            sheets: vec![s],
            skipped: vec![],
        }),
        "xls" | "ods" => Err(vec![Problem::whole(
            &path.display().to_string(),
            format!(
                "`.{ext}` is not read: save the file as .xlsx or .csv / 请另存为 .xlsx 或 .csv 后再导入"
            ),
        )]),
        "xlsx" | "xlsm" => {
            let read = crate::xlsx::stream_xlsx(path, opts, sink);
            let size = std::fs::metadata(path).map(|m| m.len()).unwrap_or(0);
            progress.bytes.fetch_add(size, Ordering::Relaxed);
            if let Ok(r) = &read {
                progress.rows.fetch_add(r.rows() as u64, Ordering::Relaxed);
            }
            read
        }
        _ => Err(vec![Problem::whole(
            &path.display().to_string(),
            format!("unsupported file type `.{ext}` (CSV and XLSX are read)"),
        )]),
    }
}

/// [`stream_file`] into memory: one batch per sheet and partition.
pub fn read_file(
    path: &Path,
    opts: &FileOptions,
    progress: Arc<Progress>,
) -> Result<FileImport, Vec<Problem>> {
    let sink = Collect::default();
    let summary = stream_file(path, opts, progress, &sink)?;
    collected(path, summary, sink)
}

/// Reads a CSV export (any supported encoding) into memory with `shop` as the default shop.
pub fn read_csv(path: &Path, shop: Option<&str>) -> Result<FileRead, Vec<Problem>> {
    let sink = Collect::default();
    let summary = crate::csvfile::stream_csv(path, shop, Default::default(), &sink)?;
    let mut all = collected(
        path,
        FileImport {
            sheets: vec![summary],
            skipped: vec![],
        },
        sink,
    )?;
    all.sheets.pop().ok_or_else(|| {
        vec![Problem::whole(
            &path.display().to_string(),
            "no rows".into(),
        )]
    })
}
