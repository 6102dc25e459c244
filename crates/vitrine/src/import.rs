//! `vitrine import`: all-or-nothing import of a set of export files into the lake.

use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressStyle};
use vitrine_core::batch::PartSink;
use vitrine_ingest::{
    content_hash, stream_file, Discard, FileOptions, FileSummary, ImportSummary, Problem, Progress,
};
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
    let files = expand(paths)?;
    let total: u64 = files
        .iter()
        .filter_map(|f| f.metadata().ok())
        .map(|m| m.len())
        .sum();
    let started = std::time::Instant::now();
    let (pb, done) = progress_bar(total);
    let mut commit = if dry_run { None } else { Some(lake.begin()?) };
    let mut problems: Vec<Problem> = Vec::new();
    let (mut rows, mut imported) = (0usize, 0usize);
    let config = vitrine_core::config::Config::load(&data.join("vitrine.toml"))?;
    for f in &files {
        if let Some(p) = shop_mismatch(f, opts.shop.as_deref(), &config, &pb) {
            problems.push(p);
            continue;
        }
        let hash = content_hash(f).with_context(|| format!("reading {}", f.display()))?;
        if lake.has_source(&hash)? {
            done.bytes.fetch_add(file_len(f), Ordering::Relaxed);
            pb.suspend(|| eprintln!("{}: already imported (same content), skipped", f.display()));
            continue;
        }
        let sink: &dyn PartSink = match &commit {
            Some(c) if problems.is_empty() => c,
            _ => &Discard,
        };
        match stream_file(f, opts, Arc::clone(&done), sink) {
            Err(p) => problems.extend(p),
            Ok(r) => {
                pb.suspend(|| eprintln!("{}", describe_file(f, &r)));
                rows += r.rows();
                imported += 1;
                if let (Some(c), true) = (commit.as_mut(), problems.is_empty()) {
                    let key_of = |table: &str| r.key_of(table);
                    let adopted = c
                        .adopt_by(&key_of)
                        .with_context(|| format!("importing {}", f.display()));
                    if let Err(e) = adopted {
                        pb.finish_and_clear();
                        if let Some(c) = commit {
                            c.abort();
                        }
                        return Err(e.context("nothing was imported"));
                    }
                    let name = f
                        .file_name()
                        .map(|n| n.to_string_lossy().into_owned())
                        .unwrap_or_default();
                    let now = chrono::Utc::now().to_rfc3339();
                    for (table, shop, date, source) in r.lineage(&name, &hash, &now) {
                        c.add_lineage(table, &shop, date, source);
                    }
                    let families: Vec<&str> = r.sheets.iter().map(|s| s.profile.id).collect();
                    c.add_source(hash, format!("{} ({})", f.display(), families.join(", ")));
                }
            }
        }
    }
    pb.finish_and_clear();
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
    let Some(commit) = commit else {
        eprintln!("dry run: nothing was imported");
        return Ok(());
    };
    if imported == 0 {
        commit.abort();
        eprintln!("nothing new to import");
        return Ok(());
    }
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

/// A problem when `f`'s name carries a shop name that differs from the configured name of
/// `shop`; with no name configured, a hint on how to record it.
fn shop_mismatch(
    f: &Path,
    shop: Option<&str>,
    config: &vitrine_core::config::Config,
    pb: &ProgressBar,
) -> Option<Problem> {
    let named = vitrine_ingest::names::shop_in_file_name(f)?;
    let shop = shop?;
    match config.shop_name(shop) {
        Some(known) if known != named => Some(Problem::whole(
            &f.display().to_string(),
            format!(
                "the file name says shop 「{named}」 but shop {shop} is 「{known}」 (vitrine.toml): check --shop / 文件名中的店铺「{named}」与店铺 {shop} 的名称「{known}」不符，请检查 --shop"
            ),
        )),
        Some(_) => None,
        None => {
            pb.suspend(|| {
                eprintln!(
                    "{}: the file name says shop 「{named}」; to have every import checked against it, add to vitrine.toml: [shop.\"{shop}\"] name = \"{named}\"",
                    f.display()
                )
            });
            None
        }
    }
}

fn file_len(f: &Path) -> u64 {
    f.metadata().map(|m| m.len()).unwrap_or(0)
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
