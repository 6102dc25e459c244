//! `vitrine import`: all-or-nothing import of a set of export files into the lake.

use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use vitrine_ingest::{content_hash, read_csv, FileRead, Problem};
use vitrine_lake::Lake;

/// How many problems are listed before the rest are only counted.
const MAX_LISTED: usize = 50;

fn expand(paths: &[PathBuf]) -> Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    for p in paths {
        if p.is_dir() {
            let mut entries: Vec<PathBuf> = std::fs::read_dir(p).with_context(|| format!("reading {}", p.display()))?.flatten().map(|e| e.path()).collect();
            entries.sort();
            out.extend(expand(&entries)?);
        } else if p.exists() {
            out.push(p.clone());
        } else {
            bail!("{}: no such file or folder", p.display());
        }
    }
    Ok(out)
}

fn read(path: &Path, shop: Option<&str>) -> Result<FileRead, Vec<Problem>> {
    let ext = path.extension().and_then(|e| e.to_str()).unwrap_or_default().to_ascii_lowercase();
    match ext.as_str() {
        "csv" | "txt" => read_csv(path, shop),
        _ => Err(vec![Problem { file: path.display().to_string(), row: 0, column: String::new(), reason: format!("unsupported file type `.{ext}` (CSV is supported; save XLSX exports as CSV for now)") }]),
    }
}

/// Imports `paths`; commits only when every file read cleanly.
pub fn run(data: &Path, paths: &[PathBuf], shop: Option<&str>, dry_run: bool) -> Result<()> {
    let lake = Lake::open(data)?;
    let files = expand(paths)?;
    let mut reads = Vec::new();
    let mut problems = Vec::new();
    for f in &files {
        let hash = content_hash(f).with_context(|| format!("reading {}", f.display()))?;
        if lake.has_source(&hash)? {
            eprintln!("{}: already imported (same content), skipped", f.display());
            continue;
        }
        match read(f, shop) {
            Ok(r) => reads.push((f.clone(), hash, r)),
            Err(p) => problems.extend(p),
        }
    }
    for (f, _, r) in &reads {
        let range = r.date_range().map(|(a, b)| format!("{a} – {b}")).unwrap_or_else(|| "undated".into());
        eprintln!("{}: {} ({}), {} rows, {} partitions, {range}{}", f.display(), r.profile.name_zh, r.encoding, r.rows, r.partitions.len(), if r.skipped_total_rows > 0 { format!(", {} totals row(s) skipped", r.skipped_total_rows) } else { String::new() });
    }
    if !problems.is_empty() {
        for p in problems.iter().take(MAX_LISTED) {
            eprintln!("{p}");
        }
        if problems.len() > MAX_LISTED {
            eprintln!("… and {} more problems", problems.len() - MAX_LISTED);
        }
        bail!("{} problem(s) found; nothing was imported", problems.len());
    }
    if dry_run {
        eprintln!("dry run: nothing was imported");
        return Ok(());
    }
    if reads.is_empty() {
        eprintln!("nothing new to import");
        return Ok(());
    }
    let mut commit = lake.begin()?;
    for (f, hash, r) in &reads {
        for ((shop, date), batch) in &r.partitions {
            if let Err(e) = commit.merge(r.profile.table, shop, *date, batch, r.profile.key) {
                commit.abort();
                return Err(e).with_context(|| format!("importing {}", f.display()));
            }
        }
        commit.add_source(hash.clone(), format!("{} ({})", f.display(), r.profile.id));
    }
    let m = commit.finish()?;
    let rows: usize = reads.iter().map(|r| r.2.rows).sum();
    eprintln!("imported {} file(s), {rows} rows; lake version {}", reads.len(), m.version);
    Ok(())
}
