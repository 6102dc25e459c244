//! `vitrine import`: all-or-nothing import of a set of export files into the lake.

use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressStyle};
use vitrine_ingest::{content_hash, read_file, FileRead, Problem};
use vitrine_lake::Lake;

/// How many problems are listed before the rest are only counted.
const MAX_LISTED: usize = 50;

fn expand(paths: &[PathBuf]) -> Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    for p in paths {
        if p.is_dir() {
            let mut entries: Vec<PathBuf> = std::fs::read_dir(p)
                .with_context(|| format!("reading {}", p.display()))?
                .flatten()
                .map(|e| e.path())
                .collect();
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

/// A byte-based progress bar (MB/s, ETA) fed by a shared counter the readers bump.
fn progress_bar(total: u64) -> (ProgressBar, Arc<AtomicU64>) {
    let done = Arc::new(AtomicU64::new(0));
    let pb = if std::env::var_os("CI").is_some() {
        ProgressBar::hidden()
    } else {
        ProgressBar::new(total)
    };
    pb.set_style(
        ProgressStyle::with_template(
            "importing {msg} [{bar:30}] {bytes}/{total_bytes} {binary_bytes_per_sec} ETA {eta}",
        )
        .unwrap_or_else(|_| ProgressStyle::default_bar())
        .progress_chars("=> "),
    );
    let (bar, counter) = (pb.clone(), Arc::clone(&done));
    std::thread::spawn(move || {
        while !bar.is_finished() {
            bar.set_position(counter.load(Ordering::Relaxed));
            std::thread::sleep(Duration::from_millis(200));
        }
    });
    (pb, done)
}

/// Imports `paths`; commits only when every file read cleanly.
pub fn run(data: &Path, paths: &[PathBuf], shop: Option<&str>, dry_run: bool) -> Result<()> {
    let lake = Lake::open(data)?;
    let files = expand(paths)?;
    let mut problems = Vec::new();
    let total: u64 = files
        .iter()
        .filter_map(|f| f.metadata().ok())
        .map(|m| m.len())
        .sum();
    let started = std::time::Instant::now();
    let (pb, done) = progress_bar(total);
    let mut todo = Vec::new();
    for f in &files {
        let hash = content_hash(f).with_context(|| format!("reading {}", f.display()))?;
        if lake.has_source(&hash)? {
            done.fetch_add(
                f.metadata().map(|m| m.len()).unwrap_or(0),
                Ordering::Relaxed,
            );
            pb.suspend(|| eprintln!("{}: already imported (same content), skipped", f.display()));
            continue;
        }
        todo.push((f.clone(), hash));
    }
    // Files are parsed in parallel (one per core) and each is merged into the open commit as
    // soon as its turn in command-line order comes, then dropped: memory holds a few files,
    // not the whole set. Nothing is visible until the commit finishes; any problem aborts it.
    let workers = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(2)
        .min(todo.len().max(1));
    let next = AtomicU64::new(0);
    let mut commit = if dry_run || todo.is_empty() {
        None
    } else {
        Some(lake.begin()?)
    };
    let (tx, rx) =
        std::sync::mpsc::sync_channel::<(usize, Result<FileRead, Vec<Problem>>)>(workers);
    let mut rows = 0usize;
    let mut imported = 0usize;
    let outcome: Result<()> = std::thread::scope(|scope| {
        for _ in 0..workers {
            let tx = tx.clone();
            let (next, todo, done) = (&next, &todo, &done);
            scope.spawn(move || loop {
                let i = next.fetch_add(1, Ordering::Relaxed) as usize;
                let Some((f, _)) = todo.get(i) else { break };
                if tx.send((i, read_file(f, shop, Arc::clone(done)))).is_err() {
                    break;
                }
            });
        }
        drop(tx);
        let mut pending = std::collections::BTreeMap::new();
        let mut turn = 0usize;
        for (i, r) in rx.iter() {
            pending.insert(i, r);
            while let Some(r) = pending.remove(&turn) {
                let (f, hash) = &todo[turn];
                turn += 1;
                match r {
                    Err(p) => problems.extend(p),
                    Ok(r) => {
                        let range = r
                            .date_range()
                            .map(|(a, b)| format!("{a} – {b}"))
                            .unwrap_or_else(|| "undated".into());
                        let totals = if r.skipped_total_rows > 0 {
                            format!(", {} totals row(s) skipped", r.skipped_total_rows)
                        } else {
                            String::new()
                        };
                        pb.suspend(|| {
                            eprintln!(
                                "{}: {} ({}), {} rows, {} partitions, {range}{totals}",
                                f.display(),
                                r.profile.name_zh,
                                r.encoding,
                                r.rows,
                                r.partitions.len()
                            )
                        });
                        rows += r.rows;
                        imported += 1;
                        if let (Some(c), true) = (commit.as_mut(), problems.is_empty()) {
                            for ((shop, date), batch) in &r.partitions {
                                c.merge(r.profile.table, shop, *date, batch, r.profile.key)
                                    .with_context(|| format!("importing {}", f.display()))?;
                            }
                            c.add_source(
                                hash.clone(),
                                format!("{} ({})", f.display(), r.profile.id),
                            );
                        }
                    }
                }
            }
        }
        if turn != todo.len() {
            bail!("read {turn} of {} files", todo.len());
        }
        Ok(())
    });
    pb.finish_and_clear();
    if let Err(e) = outcome {
        if let Some(c) = commit {
            c.abort();
        }
        return Err(e.context("nothing was imported"));
    }
    if !problems.is_empty() {
        if let Some(c) = commit {
            c.abort();
        }
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
    let Some(commit) = commit else {
        eprintln!("nothing new to import");
        return Ok(());
    };
    let m = commit.finish()?;
    let secs = started.elapsed().as_secs_f64().max(1e-6);
    eprintln!(
        "imported {imported} file(s), {rows} rows in {secs:.2} s ({:.0} rows/s, {:.1} MB/s); lake version {}",
        rows as f64 / secs,
        total as f64 / 1e6 / secs,
        m.version
    );
    Ok(())
}
