//! The spreadsheet importer on arbitrary bytes: a workbook's rows or a clear problem.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("export.xlsx");
    std::fs::write(&path, data).expect("write");
    let _ = vitrine_ingest::read_xlsx(&path, Some("s1"));
});
