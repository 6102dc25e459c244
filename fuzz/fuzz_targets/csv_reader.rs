//! The CSV importer on arbitrary bytes (any encoding, any header): partitions or problems.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("export.csv");
    std::fs::write(&path, data).expect("write");
    let _ = vitrine_ingest::read_csv(&path, Some("s1"));
});
