//! `vitrine import`: all-or-nothing import of a set of export files into the lake.

use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressStyle};
use vitrine_app::import::{FileOutcome, ImportRequest};
use vitrine_ingest::{FileOptions, FileSummary, ImportSummary, Progress};
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

/// A progress bar (rows, rows/s, MB/s, ETA) fed by the counters the readers bump.
fn progress_bar(total: u64) -> (ProgressBar, Arc<Progress>) {
    let done = Arc::new(Progress::default());
    let pb = if std::env::var_os("CI").is_some() {
        ProgressBar::hidden()
    } else {
        ProgressBar::new(total)
    };
    pb.set_style(
        ProgressStyle::with_template(
            "importing [{bar:30}] {bytes}/{total_bytes} {binary_bytes_per_sec} {msg} ETA {eta}",
        )
        .unwrap_or_else(|_| ProgressStyle::default_bar())
        .progress_chars("=> "),
    );
    let (bar, counter) = (pb.clone(), Arc::clone(&done));
    let started = std::time::Instant::now();
    std::thread::spawn(move || {
        while !bar.is_finished() {
            let rows = counter.rows.load(Ordering::Relaxed);
            let per_sec = rows as f64 / started.elapsed().as_secs_f64().max(1e-3);
            bar.set_position(counter.bytes.load(Ordering::Relaxed));
            bar.set_message(format!("{rows} rows, {per_sec:.0} rows/s"));
            std::thread::sleep(Duration::from_millis(200));
        }
    });
    (pb, done)
}

/// Imports `paths`; commits only when every file read cleanly.
///
/// Files are read one after another (each on every core), in command-line order. A file's
/// rows stream into the open commit as invisible part files, so memory stays bounded; the
/// parts are adopted (replacing older rows by natural key) once the file read cleanly. Any
/// problem anywhere aborts the commit and deletes every part; later files are still read,
/// into nothing, so every problem of the set is listed.
pub fn run(data: &Path, paths: &[PathBuf], opts: &FileOptions, dry_run: bool) -> Result<()> {
    let lake = Lake::open(data)?;
    let config = vitrine_core::config::Config::load(&data.join("vitrine.toml"))?;
    let files = expand(paths)?;
    let total: u64 = files
        .iter()
        .filter_map(|f| f.metadata().ok())
        .map(|m| m.len())
        .sum();
    let started = std::time::Instant::now();
    let (pb, done) = progress_bar(total);
    let req = ImportRequest {
        files,
        options: opts.clone(),
        dry_run,
        ..Default::default()
    };
    let mut on_file = |f: &FileOutcome| match f {
        FileOutcome::Read { path, summary } => {
            pb.suspend(|| eprintln!("{}", describe_file(path, summary)))
        }
        FileOutcome::AlreadyImported { path } => pb.suspend(|| {
            eprintln!(
                "{}: already imported (same content), skipped",
                path.display()
            )
        }),
    };
    let out = vitrine_app::import::import(&lake, &config, &req, done, &mut on_file);
    pb.finish_and_clear();
    let out = out.context("nothing was imported")?;
    for n in &out.notes {
        eprintln!("{}: {}", n.file, n.text);
    }
    if !out.problems.is_empty() {
        for p in out.problems.iter().take(MAX_LISTED) {
            eprintln!("{p}");
        }
        if out.problems.len() > MAX_LISTED {
            eprintln!("… and {} more problems", out.problems.len() - MAX_LISTED);
        }
        bail!(
            "{} problem(s) found; nothing was imported",
            out.problems.len()
        );
    }
    if dry_run {
        eprintln!("dry run: nothing was imported");
        return Ok(());
    }
    let Some(version) = out.version else {
        eprintln!("nothing new to import");
        return Ok(());
    };
    let secs = started.elapsed().as_secs_f64().max(1e-6);
    let (rows, imported) = (out.rows(), out.read().count());
    eprintln!(
        "imported {imported} file(s), {rows} rows in {secs:.2} s ({:.0} rows/s, {:.1} MB/s); lake version {version}",
        rows as f64 / secs,
        total as f64 / 1e6 / secs,
    );
    Ok(())
}

/// Lines on a file read cleanly: one per sheet, then the sheets skipped.
fn describe_file(f: &Path, r: &ImportSummary) -> String {
    let mut lines: Vec<String> = r.sheets.iter().map(|s| describe(f, s)).collect();
    for s in &r.skipped {
        lines.push(format!("{}: sheet skipped / 跳过工作表 {s}", f.display()));
    }
    lines.join("\n")
}

/// One line on a sheet read cleanly: profile, encoding, rows, partitions, dates and where
/// the dates came from.
fn describe(f: &Path, r: &FileSummary) -> String {
    let range = r
        .date_range()
        .map(|(a, b)| format!("{a} – {b}"))
        .unwrap_or_else(|| "undated".into());
    let totals = if r.skipped_total_rows > 0 {
        format!(", {} totals row(s) skipped", r.skipped_total_rows)
    } else {
        String::new()
    };
    let sheet = if r.sheet.is_empty() {
        String::new()
    } else {
        format!("[{}]", r.sheet)
    };
    let range = match r.period {
        Some(p) if !p.is_day() => format!("period snapshot {p}"),
        _ => range,
    };
    format!(
        "{}{sheet}: {} ({}), {} rows, {} partitions, {range} (dates from {}){totals}",
        f.display(),
        r.profile.name_zh,
        r.encoding,
        r.rows,
        r.partitions.len(),
        r.period_origin
    )
}
