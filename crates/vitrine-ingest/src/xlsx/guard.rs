//! Limits a workbook must meet before calamine opens it. An XLSX is a zip of XML parts;
//! calamine holds the shared strings in memory and parses every part it reads, so a small
//! upload that unpacks to gigabytes (a zip bomb) would cost memory and minutes of CPU. Each
//! part is unpacked once here, counting real bytes (a declared size can lie), and reading stops
//! at the limit.

use std::fs::File;
use std::io::{BufReader, Read};
use std::path::Path;

/// Unpacked bytes of one worksheet part (streamed, so this bounds CPU, not memory).
pub const MAX_SHEET_BYTES: u64 = 1 << 30;
/// Unpacked bytes of any other part (shared strings, styles…: calamine keeps them in memory).
pub const MAX_PART_BYTES: u64 = 256 << 20;
/// Unpacked bytes of the whole workbook.
pub const MAX_TOTAL_BYTES: u64 = 2 << 30;
/// Parts in the zip.
pub const MAX_PARTS: usize = 10_000;

/// Checks the zip container of `path` against the limits above; the reason when it fails.
pub(crate) fn check(path: &Path) -> Result<(), String> {
    let file = File::open(path).map_err(|e| format!("cannot open: {e}"))?;
    let mut zip = zip::ZipArchive::new(BufReader::new(file))
        .map_err(|e| format!("not a readable workbook (not an XLSX zip): {e}"))?;
    if zip.len() > MAX_PARTS {
        return Err(format!(
            "the workbook has {} parts (limit {MAX_PARTS})",
            zip.len()
        ));
    }
    let mut total = 0u64;
    for i in 0..zip.len() {
        let mut part = zip
            .by_index(i)
            .map_err(|e| format!("part {i} is unreadable: {e}"))?;
        let name = part
            .name()
            .map_or_else(|_| format!("#{i}"), |n| n.to_string());
        let limit = part_limit(&name);
        let too_big = |n: u64| {
            format!(
                "part {name} unpacks to more than {} MiB (limit {} MiB); the file is damaged or built to exhaust memory",
                n.max(limit + 1) >> 20,
                limit >> 20
            )
        };
        if part.size() > limit {
            return Err(too_big(part.size()));
        }
        let read = std::io::copy(&mut (&mut part).take(limit + 1), &mut std::io::sink())
            .map_err(|e| format!("part {name} is unreadable: {e}"))?;
        if read > limit {
            return Err(too_big(read));
        }
        total += read;
        if total > MAX_TOTAL_BYTES {
            return Err(format!(
                "the workbook unpacks to more than {} MiB (limit)",
                MAX_TOTAL_BYTES >> 20
            ));
        }
    }
    Ok(())
}

fn part_limit(name: &str) -> u64 {
    if name.starts_with("xl/worksheets/") {
        MAX_SHEET_BYTES
    } else {
        MAX_PART_BYTES
    }
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use super::*;

    fn zip_with(name: &str, body: &[u8]) -> tempfile::NamedTempFile {
        let file = tempfile::NamedTempFile::new().unwrap();
        let mut w = zip::ZipWriter::new(file.reopen().unwrap());
        let opts = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated);
        w.start_file(name, opts).unwrap();
        w.write_all(body).unwrap();
        w.finish().unwrap();
        file
    }

    #[test]
    fn a_part_that_unpacks_past_its_limit_is_refused() {
        let body = vec![b' '; (MAX_PART_BYTES + 10) as usize];
        let f = zip_with("xl/sharedStrings.xml", &body);
        assert!(std::fs::metadata(f.path()).unwrap().len() < 2 << 20);
        let e = check(f.path()).unwrap_err();
        assert!(
            e.contains("xl/sharedStrings.xml") && e.contains("limit 256 MiB"),
            "{e}"
        );
    }

    #[test]
    fn small_parts_and_non_zips() {
        let f = zip_with("xl/workbook.xml", b"<workbook/>");
        assert_eq!(check(f.path()), Ok(()));
        let plain = tempfile::NamedTempFile::new().unwrap();
        std::fs::write(plain.path(), b"not a zip").unwrap();
        assert!(check(plain.path()).unwrap_err().contains("not an XLSX zip"));
    }
}
