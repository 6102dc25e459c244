//! Record boundaries in a CSV byte stream, found without parsing fields, so a large file can
//! be cut into chunks that parse independently on several cores.
//!
//! The rules are the `csv` crate's defaults (RFC 4180 with its leniencies): a `"` opens a
//! quoted field only at the start of a field, `""` inside quotes is a literal quote, and a
//! newline outside quotes ends a record. A quote in the middle of a field (`15.6"屏`) is a
//! plain character, exactly as the field parser will read it.

/// Where the scan stands between two calls.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
enum State {
    /// Outside quotes.
    #[default]
    Plain,
    /// Inside a quoted field.
    Quoted,
    /// Just after a `"` inside a quoted field: `"` next means an escaped quote.
    QuoteInQuoted,
}

/// Scans a growing buffer that starts at a record boundary, remembering where the last
/// record ended. Feed it the buffer after each append; it resumes where it stopped.
#[derive(Debug, Default)]
pub struct BoundaryScanner {
    state: State,
    /// Bytes of the buffer already scanned.
    pos: usize,
    /// Offset just past the last newline that ended a record.
    last_end: Option<usize>,
}

impl BoundaryScanner {
    /// A scanner for a buffer whose first byte starts a record.
    pub fn new() -> Self {
        Self::default()
    }

    /// Scans `buf[self.pos..]` and returns the offset just past the last record-ending newline
    /// seen so far, if any.
    pub fn scan(&mut self, buf: &[u8]) -> Option<usize> {
        let mut i = self.pos;
        while i < buf.len() {
            match self.state {
                State::Plain => match memchr::memchr2(b'"', b'\n', &buf[i..]) {
                    None => i = buf.len(),
                    Some(k) => {
                        let j = i + k;
                        i = j + 1;
                        if buf[j] == b'\n' {
                            self.last_end = Some(i);
                        } else if j == 0 || matches!(buf[j - 1], b',' | b'\n' | b'\r') {
                            self.state = State::Quoted;
                        }
                    }
                },
                State::Quoted => match memchr::memchr(b'"', &buf[i..]) {
                    None => i = buf.len(),
                    Some(k) => {
                        i += k + 1;
                        self.state = State::QuoteInQuoted;
                    }
                },
                State::QuoteInQuoted => {
                    if buf[i] == b'"' {
                        i += 1;
                        self.state = State::Quoted;
                    } else {
                        // The closing quote: the byte after it is read as plain text.
                        self.state = State::Plain;
                    }
                }
            }
        }
        self.pos = i;
        self.last_end
    }

    /// Forgets the first `n` bytes of the buffer (they were handed off as a chunk); `n` must
    /// be a record end returned by [`BoundaryScanner::scan`].
    pub fn consume(&mut self, n: usize) {
        self.pos -= n.min(self.pos);
        self.last_end = match self.last_end {
            Some(e) if e > n => Some(e - n),
            _ => None,
        };
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// The records the `csv` crate reads from `data` (the oracle).
    fn records(data: &[u8]) -> Vec<Vec<Vec<u8>>> {
        let mut r = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .from_reader(data);
        let mut rec = csv::ByteRecord::new();
        let mut out = Vec::new();
        while let Ok(true) = r.read_byte_record(&mut rec) {
            out.push(rec.iter().map(<[u8]>::to_vec).collect());
        }
        out
    }

    /// Every boundary the scanner reports must split `data` into two parts that parse to
    /// the same records as the whole, and the last one must be the last newline that does.
    fn check(data: &[u8], step: usize) {
        let whole = records(data);
        let mut s = BoundaryScanner::new();
        let mut seen = Vec::new();
        let mut upto = 0;
        while upto < data.len() {
            upto = (upto + step).min(data.len());
            if let Some(e) = s.scan(&data[..upto]) {
                if seen.last() != Some(&e) {
                    seen.push(e);
                }
            }
        }
        let splits_cleanly = |e: usize| {
            let mut parts = records(&data[..e]);
            parts.extend(records(&data[e..]));
            parts == whole
        };
        for &e in &seen {
            assert!(
                data[e - 1] == b'\n' && splits_cleanly(e),
                "boundary {e} splits a record in {:?}",
                String::from_utf8_lossy(data)
            );
        }
        // Without quotes, every newline ends a record: the last one must be found.
        if !data.contains(&b'"') {
            let last_newline = data.iter().rposition(|&b| b == b'\n').map(|i| i + 1);
            assert_eq!(seen.last().copied(), last_newline);
        }
    }

    #[test]
    fn quoted_newlines_and_escaped_quotes_do_not_end_records() {
        let data = "a,\"x\ny\",c\n\"q\"\"\n\",15.6\"屏,d\n\"\"\"\",e\nlast".as_bytes();
        check(data, data.len());
        for step in 1..8 {
            check(data, step);
        }
        let mut s = BoundaryScanner::new();
        let end = s.scan(data).unwrap();
        assert_eq!(&data[end..], b"last");
    }

    #[test]
    fn consume_shifts_offsets() {
        let data = b"a,b\nc,d\ne";
        let mut s = BoundaryScanner::new();
        assert_eq!(s.scan(data), Some(8));
        s.consume(8);
        let rest = b"e,\"f\n\"\ng";
        assert_eq!(s.scan(rest), Some(7));
    }

    proptest! {
        /// Against the `csv` crate on text made of the characters that matter.
        #[test]
        fn agrees_with_the_csv_crate(body in "[a\",\n\r]{0,60}", step in 1usize..9) {
            check(body.as_bytes(), step);
        }
    }
}
