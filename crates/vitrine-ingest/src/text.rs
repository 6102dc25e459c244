//! Opening export files as UTF-8 text whatever they were saved in: UTF-8, UTF-8 with BOM,
//! or GBK/GB18030 (older Excel CSV saves). Decoding streams; memory stays bounded.

use std::fs::File;
use std::io::{BufReader, Read, Seek, SeekFrom};
use std::path::Path;

use encoding_rs::{Encoding, GB18030, UTF_8};
use encoding_rs_io::DecodeReaderBytesBuilder;

use crate::outcome::Progress;

/// The encoding a file was found to be in.
pub fn sniff(head: &[u8]) -> &'static Encoding {
    if head.starts_with(&[0xEF, 0xBB, 0xBF]) {
        return UTF_8;
    }
    match std::str::from_utf8(head) {
        Ok(_) => UTF_8,
        // A multi-byte character cut by the sniff window is still UTF-8.
        Err(e) if e.error_len().is_none() && head.len() - e.valid_up_to() < 4 => UTF_8,
        Err(_) => GB18030,
    }
}

/// Counts the raw bytes read through it, for progress reports.
pub struct Counting<R> {
    inner: R,
    pub count: std::sync::Arc<Progress>,
}

impl<R: Read> Read for Counting<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.count
            .bytes
            .fetch_add(n as u64, std::sync::atomic::Ordering::Relaxed);
        Ok(n)
    }
}

/// Opens `path` as a UTF-8 byte stream (BOM removed) and names the encoding it detected.
pub fn open_utf8(path: &Path) -> std::io::Result<(Box<dyn Read + Send>, &'static str)> {
    open_utf8_counted(path, Default::default())
}

/// [`open_utf8`], adding every raw byte read to `count`.
pub fn open_utf8_counted(
    path: &Path,
    count: std::sync::Arc<Progress>,
) -> std::io::Result<(Box<dyn Read + Send>, &'static str)> {
    let mut f = File::open(path)?;
    let mut head = vec![0u8; 64 * 1024];
    let n = read_up_to(&mut f, &mut head)?;
    head.truncate(n);
    f.seek(SeekFrom::Start(0))?;
    let enc = sniff(&head);
    if enc == UTF_8 {
        // Already UTF-8: no decoding pass; only the BOM is skipped. Invalid bytes further on
        // are replaced by the parser, as a decoder would.
        let bom = if head.starts_with(&[0xEF, 0xBB, 0xBF]) {
            3
        } else {
            0
        };
        f.seek(SeekFrom::Start(bom))?;
        count
            .bytes
            .fetch_add(bom, std::sync::atomic::Ordering::Relaxed);
        return Ok((Box::new(Counting { inner: f, count }), enc.name()));
    }
    let counted = Counting { inner: f, count };
    let reader = DecodeReaderBytesBuilder::new()
        .encoding(Some(enc))
        .bom_override(true)
        .strip_bom(true)
        .build(BufReader::with_capacity(1 << 20, counted));
    Ok((Box::new(reader), enc.name()))
}

fn read_up_to(f: &mut File, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        let k = f.read(&mut buf[n..])?;
        if k == 0 {
            break;
        }
        n += k;
    }
    Ok(n)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detects_bom_utf8_and_gbk() {
        assert_eq!(sniff("日期,商品ID".as_bytes()), UTF_8);
        assert_eq!(sniff(&[0xEF, 0xBB, 0xBF, b'a']), UTF_8);
        let (gbk, _, _) = GB18030.encode("日期,商品ID");
        assert_eq!(sniff(&gbk), GB18030);
        // A window that ends inside a UTF-8 character.
        let s = "成交金额".as_bytes();
        assert_eq!(sniff(&s[..s.len() - 1]), UTF_8);
    }

    #[test]
    fn decodes_gbk_files_to_utf8() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("gbk.csv");
        let (bytes, _, _) = GB18030.encode("统计日期,成交金额\n2026-11-21,¥1.2万\n");
        std::fs::write(&p, &bytes).unwrap();
        let (mut r, enc) = open_utf8(&p).unwrap();
        let mut s = String::new();
        r.read_to_string(&mut s).unwrap();
        assert_eq!(enc, "gb18030");
        assert!(s.starts_with("统计日期,成交金额"));
    }
}
