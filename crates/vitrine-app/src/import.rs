//! The import transaction, the one copy the CLI and the web use: files are checked and
//! read into one lake commit, all or nothing. A file already imported (same content) is
//! skipped; any problem in any file aborts the commit and nothing is imported; lineage and
//! the source's content hash are recorded with the rows.

use std::path::{Path, PathBuf};
use std::sync::atomic::Ordering;
use std::sync::Arc;

use vitrine_core::batch::PartSink;
use vitrine_core::config::Config;
use vitrine_ingest::Progress;
use vitrine_ingest::{content_hash, stream_file, Discard, FileOptions, ImportSummary, Problem};
use vitrine_lake::Lake;

use crate::AppError;

/// What to import and how.
#[derive(Debug, Clone, Default)]
pub struct ImportRequest {
    pub files: Vec<PathBuf>,
    pub options: FileOptions,
    /// Read and check only; nothing is committed.
    pub dry_run: bool,
    /// Refuse rows of any shop but `options.shop` (a shop's own upload).
    pub only_that_shop: bool,
    /// Where the files came from, recorded with their content hash (e.g. "web upload").
    pub origin: Option<String>,
}

/// What happened to one file.
#[derive(Debug)]
pub enum FileOutcome {
    /// Read cleanly (and imported unless the import failed or was a dry run).
    Read {
        path: PathBuf,
        summary: ImportSummary,
    },
    /// The lake already holds a file with the same content.
    AlreadyImported { path: PathBuf },
}

/// Something worth telling the user that is not a problem.
#[derive(Debug, Clone, PartialEq)]
pub struct Note {
    pub file: String,
    pub text: String,
}

/// What an import did.
#[derive(Debug)]
pub struct Imported {
    pub files: Vec<FileOutcome>,
    pub notes: Vec<Note>,
    /// Every problem found; when any, nothing was imported.
    pub problems: Vec<Problem>,
    /// The lake version the import made visible (`None`: nothing was committed).
    pub version: Option<u64>,
}

impl Imported {
    /// Rows read from the files read cleanly.
    pub fn rows(&self) -> usize {
        self.read().map(|(_, s)| s.rows()).sum()
    }

    /// The files read cleanly with what was found in them.
    pub fn read(&self) -> impl Iterator<Item = (&Path, &ImportSummary)> {
        self.files.iter().filter_map(|f| match f {
            FileOutcome::Read { path, summary } => Some((path.as_path(), summary)),
            FileOutcome::AlreadyImported { .. } => None,
        })
    }
}

/// Runs the import transaction. `on_file` hears of each file as it is done (for progress
/// lines); `progress` counts bytes and rows as they are read.
pub fn import(
    lake: &Lake,
    config: &Config,
    req: &ImportRequest,
    progress: Arc<Progress>,
    on_file: &mut dyn FnMut(&FileOutcome),
) -> Result<Imported, AppError> {
    let mut commit = if req.dry_run {
        None
    } else {
        Some(lake.begin()?)
    };
    let mut out = Imported {
        files: Vec::new(),
        notes: Vec::new(),
        problems: Vec::new(),
        version: None,
    };
    for f in &req.files {
        let name = f.display().to_string();
        match shop_in_name(f, req.options.shop.as_deref(), config) {
            Some(Err(p)) => {
                out.problems.push(p);
                continue;
            }
            Some(Ok(text)) => out.notes.push(Note {
                file: name.clone(),
                text,
            }),
            None => {}
        }
        let io = |source| AppError::Io {
            what: format!("reading {name}"),
            source,
        };
        let bytes = file_len(f);
        // Only a file whose length matches an imported one can be a re-import: hash it
        // first; hash any other while it is read.
        let early = if lake.may_have_source_of(bytes)? {
            Some(content_hash(f).map_err(io)?)
        } else {
            None
        };
        if let Some(hash) = &early {
            if lake.has_source(hash)? {
                progress.bytes.fetch_add(bytes, Ordering::Relaxed);
                let done = FileOutcome::AlreadyImported { path: f.clone() };
                on_file(&done);
                out.files.push(done);
                continue;
            }
        }
        let sink: &dyn PartSink = match &commit {
            Some(c) if out.problems.is_empty() => c,
            _ => &Discard,
        };
        let (read, hash) = read_hashing(f, early, || {
            stream_file(f, &req.options, Arc::clone(&progress), sink)
                .and_then(|r| only_shop(f, req, r))
        });
        let hash = match hash {
            Ok(hash) => hash,
            Err(e) => {
                if let Some(c) = commit {
                    c.abort();
                }
                return Err(io(e));
            }
        };
        let summary = match read {
            Ok(r) => r,
            Err(p) => {
                out.problems.extend(p);
                continue;
            }
        };
        if let (Some(c), true) = (commit.as_mut(), out.problems.is_empty()) {
            if let Err(e) = record(c, f, (&hash, bytes), &summary, req.origin.as_deref()) {
                if let Some(c) = commit {
                    c.abort();
                }
                return Err(e);
            }
        }
        let done = FileOutcome::Read {
            path: f.clone(),
            summary,
        };
        on_file(&done);
        out.files.push(done);
    }
    let Some(commit) = commit else {
        return Ok(out);
    };
    if !out.problems.is_empty() || out.read().next().is_none() {
        commit.abort();
        return Ok(out);
    }
    out.version = Some(commit.finish()?.version);
    Ok(out)
}

/// Adopts a file's partitions into the commit with their lineage and the source's hash.
fn record(
    c: &mut vitrine_lake::Commit,
    f: &Path,
    (hash, bytes): (&str, u64),
    r: &ImportSummary,
    origin: Option<&str>,
) -> Result<(), AppError> {
    let key_of = |table: &str| r.key_of(table);
    c.adopt_by(&key_of)?;
    let name = f
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let now = chrono::Utc::now().to_rfc3339();
    for (table, shop, date, source) in r.lineage(&name, hash, &now) {
        c.add_lineage(table, &shop, date, source);
    }
    let mut what: Vec<&str> = r.sheets.iter().map(|s| s.profile.id).collect();
    what.extend(origin);
    c.add_source(
        hash.to_string(),
        format!("{} ({})", f.display(), what.join(", ")),
        bytes,
    );
    Ok(())
}

/// With `only_that_shop`, a problem for rows of any other shop.
fn only_shop(
    f: &Path,
    req: &ImportRequest,
    r: ImportSummary,
) -> Result<ImportSummary, Vec<Problem>> {
    let Some(shop) = req.options.shop.as_deref().filter(|_| req.only_that_shop) else {
        return Ok(r);
    };
    let other = r
        .sheets
        .iter()
        .flat_map(|s| s.partitions.keys())
        .map(|k| k.0.as_str())
        .find(|s| *s != shop);
    match other {
        Some(other) => Err(vec![Problem {
            file: f.display().to_string(),
            row: 0,
            column: "店铺".into(),
            reason: format!("the file has rows of shop {other}; this upload is for shop {shop}"),
        }]),
        None => Ok(r),
    }
}

/// The shop a file's name carries against the configured name of `shop`: a problem when
/// they differ, a note on how to record it when none is configured.
fn shop_in_name(f: &Path, shop: Option<&str>, config: &Config) -> Option<Result<String, Problem>> {
    let named = vitrine_ingest::names::shop_in_file_name(f)?;
    let shop = shop?;
    match config.shop_name(shop) {
        Some(known) if known != named => Some(Err(Problem::whole(
            &f.display().to_string(),
            format!(
                "the file name says shop 「{named}」 but shop {shop} is 「{known}」 (vitrine.toml) / 文件名中的店铺「{named}」与店铺 {shop} 的名称「{known}」不符"
            ),
        ))),
        Some(_) => None,
        None => Some(Ok(format!(
            "the file name says shop 「{named}」; to have every import checked against it, add to vitrine.toml: [shop.\"{shop}\"] name = \"{named}\""
        ))),
    }
}

/// Runs `read` over `f` while another thread takes the file's content hash, unless the hash
/// is already `known`.
fn read_hashing<T>(
    f: &Path,
    known: Option<String>,
    read: impl FnOnce() -> T,
) -> (T, std::io::Result<String>) {
    match known {
        Some(hash) => (read(), Ok(hash)),
        None => std::thread::scope(|s| {
            let hashing = s.spawn(|| content_hash(f));
            let r = read();
            let hash = hashing
                .join()
                .unwrap_or_else(|_| Err(std::io::Error::other("the hashing thread failed")));
            (r, hash)
        }),
    }
}

fn file_len(f: &Path) -> u64 {
    f.metadata().map(|m| m.len()).unwrap_or(0)
}
