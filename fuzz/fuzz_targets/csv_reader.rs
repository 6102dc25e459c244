//! The CSV importer on arbitrary bytes (any encoding, any header): partitions or problems,
//! never a panic; and reading in tiny chunks on several threads finds exactly what one
//! chunk finds (the boundary scanner against the field parser).
#![no_main]
use libfuzzer_sys::fuzz_target;
use vitrine_ingest::{stream_csv_with, Discard, ReadOptions};

fuzz_target!(|data: &[u8]| {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("export.csv");
    std::fs::write(&path, data).expect("write");
    let _ = vitrine_ingest::read_csv(&path, Some("s1"));
    let read = |chunk_bytes, workers| {
        let opts = ReadOptions {
            chunk_bytes,
            worker_budget: 256,
            workers,
        };
        stream_csv_with(&path, Some("s1"), Default::default(), &Discard, opts)
            .map(|s| (s.rows, s.skipped_total_rows, s.partitions))
            .map_err(|p| p.iter().map(|p| p.to_string()).collect::<Vec<_>>())
    };
    let chunk = 1 + data.first().copied().unwrap_or(0) as usize % 64;
    assert_eq!(read(1 << 20, 1), read(chunk, 3));
});
