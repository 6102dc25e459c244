//! CSV exports, read on every core with bounded memory.
//!
//! One thread reads the (decoded) byte stream and cuts it into chunks at record boundaries
//! ([`BoundaryScanner`]); worker threads parse chunks into canonical rows, each with its own
//! [`RowMapper`], and hand full batches to the sink as they go. Memory holds a few chunks and
//! each worker's unflushed rows, whatever the file's size.

use std::io::Read;
use std::path::Path;
use std::sync::atomic::Ordering;
use std::sync::mpsc::{sync_channel, Receiver, SyncSender};
use std::sync::{Arc, Mutex};

use vitrine_core::batch::PartSink;

use crate::boundary::BoundaryScanner;
use crate::detect::{detect, explain};
use crate::mapper::{Cells, Outcome, RowMapper, SheetContext, WORKER_BUDGET};
use crate::outcome::{FileOptions, FileSummary, Problem, Progress, HEADER_SCAN_ROWS};
use crate::profile::Profile;
use crate::text::open_utf8_counted;

/// How a CSV file is cut up and how much each worker buffers; the defaults suit any file.
#[derive(Debug, Clone, Copy)]
pub struct ReadOptions {
    /// Bytes per chunk handed to a worker.
    pub chunk_bytes: usize,
    /// Bytes of parsed rows a worker buffers before handing its largest partitions on.
    pub worker_budget: usize,
    /// Parser threads (at least one).
    pub workers: usize,
}

impl Default for ReadOptions {
    fn default() -> Self {
        ReadOptions {
            chunk_bytes: 4 << 20,
            worker_budget: WORKER_BUDGET,
            workers: std::thread::available_parallelism().map_or(2, |n| n.get()),
        }
    }
}

/// The most a header search reads before giving up.
const MAX_HEAD: usize = 16 << 20;
/// A record longer than this means an unclosed quote, not data.
const MAX_RECORD: usize = 256 << 20;

/// A run of whole records and the file line it starts on.
struct Chunk {
    line: usize,
    bytes: Vec<u8>,
}

/// The header row found above the data.
struct Header {
    profile: &'static Profile,
    binding: Vec<Option<usize>>,
    cells: Vec<String>,
    /// Byte offset and line where the data starts.
    data_start: usize,
    data_line: usize,
    /// Rows above the header (titles, a period cell), with their 1-based line.
    above: Vec<(usize, Vec<String>)>,
}

/// Reads a CSV export (UTF-8, UTF-8 BOM or GBK) with `shop` as the default shop id, handing
/// its rows to `sink` and adding the raw bytes read to `progress`.
pub fn stream_csv(
    path: &Path,
    shop: Option<&str>,
    progress: Arc<Progress>,
    sink: &dyn PartSink,
) -> Result<FileSummary, Vec<Problem>> {
    stream_csv_with(path, shop, progress, sink, ReadOptions::default())
}

/// [`stream_csv_opts`] with only a shop given.
pub fn stream_csv_with(
    path: &Path,
    shop: Option<&str>,
    progress: Arc<Progress>,
    sink: &dyn PartSink,
    opts: ReadOptions,
) -> Result<FileSummary, Vec<Problem>> {
    stream_csv_opts(path, &FileOptions::shop(shop), progress, sink, opts)
}

/// [`stream_csv`] with the user's file options and explicit chunking and buffering.
pub fn stream_csv_opts(
    path: &Path,
    file_opts: &FileOptions,
    progress: Arc<Progress>,
    sink: &dyn PartSink,
    opts: ReadOptions,
) -> Result<FileSummary, Vec<Problem>> {
    let file = path.display().to_string();
    let whole = |reason: String| vec![Problem::whole(&file, reason)];
    let (mut reader, encoding) =
        open_utf8_counted(path, Arc::clone(&progress)).map_err(|e| whole(e.to_string()))?;
    let mut buf = Vec::new();
    let mut eof;
    let header = loop {
        let want = (buf.len() * 2).max(256 << 10);
        eof = fill(&mut reader, &mut buf, want).map_err(|e| whole(e.to_string()))?;
        match find_header(&buf, eof) {
            Ok(Some(h)) => break h,
            Ok(None) if !eof && buf.len() < MAX_HEAD => continue,
            Ok(None) => return Err(whole(no_header(&buf))),
            Err(reason) => return Err(whole(reason)),
        }
    };
    let ctx = SheetContext {
        shop: file_opts.shop.as_deref(),
        file: file.clone(),
        names: path.display().to_string(),
        period: crate::period::find(&header.above, path, file_opts.date),
    };
    let mapper =
        RowMapper::new(header.profile, header.binding, header.cells, ctx, sink).map_err(whole)?;
    let rest = buf.split_off(header.data_start.min(buf.len()));
    let workers = opts.workers.max(1);
    let (tx, rx) = sync_channel::<Chunk>(workers * 2);
    let rx = Mutex::new(rx);
    let (outcomes, split) = std::thread::scope(|s| {
        let handles: Vec<_> = (0..workers)
            .map(|_| {
                let (m, rx, progress) = (mapper.fork(), &rx, &progress);
                s.spawn(move || work(m, rx, encoding, opts.worker_budget, progress))
            })
            .collect();
        let split = split(
            &mut reader,
            rest,
            eof,
            header.data_line,
            tx,
            opts.chunk_bytes.max(1),
        );
        let outcomes: Vec<Outcome> = handles.into_iter().filter_map(|h| h.join().ok()).collect();
        (outcomes, split)
    });
    let mut outcome = mapper.into_outcome(encoding);
    let joined = outcomes.len();
    for o in outcomes {
        outcome = outcome.merge(o);
    }
    if joined < workers {
        outcome.problem(0, "a reader thread failed".into());
    }
    if let Err((line, reason)) = split {
        outcome.problem(line, reason);
    }
    outcome.into_result()
}

/// Why no header was found, with the closest known family.
fn no_header(head: &[u8]) -> String {
    let mut r = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(head);
    let rows: Vec<Vec<String>> = r
        .byte_records()
        .take(HEADER_SCAN_ROWS)
        .filter_map(Result::ok)
        .map(|rec| {
            rec.iter()
                .map(|c| String::from_utf8_lossy(c).into_owned())
                .collect()
        })
        .collect();
    explain(&rows)
}

/// Reads until `buf` holds `want` bytes or the stream ends; true at the end.
fn fill(reader: &mut dyn Read, buf: &mut Vec<u8>, want: usize) -> std::io::Result<bool> {
    while buf.len() < want {
        let len = buf.len();
        buf.resize(want, 0);
        match reader.read(&mut buf[len..]) {
            Ok(0) => {
                buf.truncate(len);
                return Ok(true);
            }
            Ok(n) => buf.truncate(len + n),
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => buf.truncate(len),
            Err(e) => {
                buf.truncate(len);
                return Err(e);
            }
        }
    }
    Ok(false)
}

/// The header row among the first records of `head`: `Ok(None)` when more bytes are needed
/// (or, at the end of the file, when there is none).
fn find_header(head: &[u8], eof: bool) -> Result<Option<Header>, String> {
    let mut r = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(head);
    let mut rec = csv::ByteRecord::new();
    let mut above = Vec::new();
    for _ in 0..HEADER_SCAN_ROWS {
        let more = r.read_byte_record(&mut rec).map_err(|e| e.to_string())?;
        let end = r.position().byte() as usize;
        if !more || (end >= head.len() && !eof) {
            return Ok(None);
        }
        let cells: Vec<String> = rec
            .iter()
            .map(|c| String::from_utf8_lossy(c).into_owned())
            .collect();
        if let Some((profile, binding)) = detect(&cells) {
            return Ok(Some(Header {
                profile,
                binding,
                cells,
                data_start: end,
                data_line: r.position().line() as usize,
                above,
            }));
        }
        above.push((r.position().line() as usize - 1, cells));
    }
    Err(no_header(head))
}

/// Cuts the stream into chunks of whole records and sends them to the workers. An error
/// names the line it happened at.
fn split(
    reader: &mut dyn Read,
    mut buf: Vec<u8>,
    mut eof: bool,
    mut line: usize,
    tx: SyncSender<Chunk>,
    chunk: usize,
) -> Result<(), (usize, String)> {
    let mut scan = BoundaryScanner::new();
    let mut want = chunk;
    loop {
        if !eof {
            eof = fill(reader, &mut buf, want).map_err(|e| (line, e.to_string()))?;
        }
        let cut = match scan.scan(&buf) {
            _ if eof => buf.len(),
            Some(end) => end,
            None if buf.len() > MAX_RECORD => {
                return Err((
                    line,
                    format!(
                        "no record ends within {} MB: a quoted field is never closed",
                        MAX_RECORD >> 20
                    ),
                ))
            }
            None => {
                want = buf.len() + chunk;
                continue;
            }
        };
        want = chunk;
        if cut == 0 {
            return Ok(());
        }
        let rest = buf.split_off(cut);
        scan.consume(cut);
        let start = line;
        line += memchr::memchr_iter(b'\n', &buf).count();
        if tx
            .send(Chunk {
                line: start,
                bytes: buf,
            })
            .is_err()
        {
            return Ok(()); // The workers stopped; they report why.
        }
        buf = rest;
        buf.reserve(chunk);
    }
}

/// Invalid UTF-8 in a UTF-8 file becomes U+FFFD, as a decoder would make it.
fn push_lossy(m: &mut RowMapper<'_>, line: usize, raw: &csv::ByteRecord) {
    let cells: Vec<String> = raw
        .iter()
        .map(|c| String::from_utf8_lossy(c).into_owned())
        .collect();
    let cells: Vec<&str> = cells.iter().map(String::as_str).collect();
    m.push(line, &cells[..]);
}

/// Parses chunks until the channel closes, returning what this worker found.
fn work(
    mut m: RowMapper<'_>,
    rx: &Mutex<Receiver<Chunk>>,
    encoding: &'static str,
    budget: usize,
    progress: &Progress,
) -> Outcome {
    let mut rec = csv::StringRecord::new();
    let mut raw = csv::ByteRecord::new();
    loop {
        let next = match rx.lock() {
            Ok(r) => r.recv(),
            Err(_) => break,
        };
        let Ok(chunk) = next else { break };
        let rows_before = m.rows();
        let mut r = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .from_reader(&chunk.bytes[..]);
        // One check of the whole chunk instead of one per record (the usual case).
        let utf8 = simdutf8::basic::from_utf8(&chunk.bytes).is_ok();
        loop {
            let at = chunk.line + r.position().line() as usize - 1;
            let read = if utf8 {
                read_utf8(&mut r, &mut raw, &mut m, chunk.line)
            } else {
                read_checked(&mut r, &mut rec, &mut m, chunk.line)
            };
            match read {
                Ok(true) => {}
                Ok(false) => break,
                Err(e) => {
                    m.problem(at, "", e.to_string());
                    if chunk.line + r.position().line() as usize - 1 == at {
                        break; // No progress: stop rather than spin.
                    }
                }
            }
        }
        m.flush_over(budget);
        let rows = (m.rows() - rows_before) as u64;
        progress.rows.fetch_add(rows, Ordering::Relaxed);
    }
    m.into_outcome(encoding)
}

/// The file line a record read from a chunk starting at `first` is on.
fn line_of(raw: &csv::ByteRecord, first: usize, at: usize) -> usize {
    raw.position().map_or(at, |p| first + p.line() as usize - 1)
}

/// Reads and maps one record of a chunk that is valid UTF-8 as a whole.
fn read_utf8(
    r: &mut csv::Reader<&[u8]>,
    raw: &mut csv::ByteRecord,
    m: &mut RowMapper<'_>,
    first: usize,
) -> csv::Result<bool> {
    let at = first + r.position().line() as usize - 1;
    let read = r.read_byte_record(raw);
    if let Ok(true) = read {
        m.push(line_of(raw, first, at), &Utf8Record(raw));
    }
    read
}

/// Reads and maps one record, checking its UTF-8 (invalid bytes become U+FFFD).
fn read_checked(
    r: &mut csv::Reader<&[u8]>,
    rec: &mut csv::StringRecord,
    m: &mut RowMapper<'_>,
    first: usize,
) -> csv::Result<bool> {
    let at = first + r.position().line() as usize - 1;
    // Read raw bytes and check UTF-8 once per record, reusing one record's buffers.
    let mut raw = std::mem::take(rec).into_byte_record();
    let read = r.read_byte_record(&mut raw);
    let line = line_of(&raw, first, at);
    *rec = match csv::StringRecord::from_byte_record(raw) {
        Ok(text) => {
            if let Ok(true) = read {
                m.push(line, &text);
            }
            text
        }
        Err(e) => {
            if let Ok(true) = read {
                push_lossy(m, line, &e.into_byte_record());
            }
            csv::StringRecord::new()
        }
    };
    read
}

/// A record of a chunk known to be valid UTF-8 as a whole.
struct Utf8Record<'r>(&'r csv::ByteRecord);

impl Utf8Record<'_> {
    fn text(bytes: &[u8]) -> &str {
        // SAFETY: the record's bytes are the bytes of a chunk that is valid UTF-8, with only
        // ASCII bytes (delimiters, quotes, line ends) taken out. An ASCII byte never occurs
        // inside a multi-byte sequence, so every field is a run of whole characters.
        unsafe { std::str::from_utf8_unchecked(bytes) }
    }
}

impl Cells for Utf8Record<'_> {
    fn len(&self) -> usize {
        self.0.len()
    }
    fn cell(&self, i: usize) -> &str {
        self.0.get(i).map_or("", Self::text)
    }
    fn is_blank(&self) -> bool {
        Self::text(self.0.as_slice())
            .chars()
            .all(char::is_whitespace)
    }
}
