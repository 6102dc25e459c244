//! `vitrine bench review`: times a one-day review on a (by default scale-1) lake and the same
//! SQL in DuckDB over the same Parquet files, as a peer.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use anyhow::{Context, Result};
use clap::Subcommand;
use vitrine_analytics::ReviewRequest;
use vitrine_core::query::compile;
use vitrine_core::Lang;
use vitrine_lake::{Engine, Lake};

#[derive(Subcommand)]
pub enum BenchCommand {
    /// Time a one-day review and its SQL stage; compare the SQL with DuckDB.
    Review {
        /// Scale of the shop simulated when the data directory is empty.
        #[arg(long, default_value_t = 1.0)]
        scale: f64,
        #[arg(long, default_value_t = 365)]
        days: u32,
        /// Timed repetitions (the median is reported).
        #[arg(long, default_value_t = 5)]
        runs: usize,
        /// Skip the DuckDB peer.
        #[arg(long)]
        no_peer: bool,
    },
    /// Time BG/NBD + Gamma-Gamma fits in-process on a summary CSV (median of runs).
    Clv {
        #[arg(long)]
        summary: PathBuf,
        #[arg(long, default_value_t = 20)]
        runs: usize,
    },
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

pub async fn run(data: &Path, what: BenchCommand) -> Result<()> {
    let (scale, days, runs, no_peer) = match what {
        BenchCommand::Review {
            scale,
            days,
            runs,
            no_peer,
        } => (scale, days, runs, no_peer),
        BenchCommand::Clv { summary, runs } => return clv(&summary, runs),
    };
    let lake = Lake::open(data)?;
    if lake.manifest()?.partitions.is_empty() {
        let args = crate::SimulateArgs {
            out: None,
            days,
            seed: 7,
            scale,
            shops: 1,
            end: chrono::NaiveDate::from_ymd_opt(2026, 11, 21),
            format: crate::SimFormat::Lake,
            effects: crate::EffectsArg::Realistic,
        };
        let t = Instant::now();
        crate::simulate(data, &args)?;
        println!("simulate scale {scale}: {:.1} s", t.elapsed().as_secs_f64());
    }
    let ws = crate::workspace(data)?;
    let (shop, date) = ws.resolve(None, None)?;
    let rows: u64 = lake
        .manifest()?
        .partitions
        .values()
        .flatten()
        .map(|f| f.rows)
        .sum();
    println!("lake: {rows} rows; reviewing shop {shop} on {date} ({runs} runs, median)");
    // The first review is cold (nothing kept from an earlier one). Then, as on a working
    // day, yesterday's review left its buyer summary and day answers, and today's review
    // adds one day to them; and a review of the same data again reads the users part kept
    // for this lake version.
    let cache = lake.cache_dir();
    let _ = std::fs::remove_dir_all(&cache);
    let t = Instant::now();
    std::hint::black_box(ws.review(Some(&shop), Some(date), Lang::Zh).await?);
    let cold = t.elapsed().as_secs_f64();
    let yesterday = date
        .pred_opt()
        .context("the review day has no day before it")?;
    let (mut new_day, mut kept) = (Vec::new(), Vec::new());
    for _ in 0..runs.max(1) {
        let _ = std::fs::remove_dir_all(&cache);
        std::hint::black_box(ws.review(Some(&shop), Some(yesterday), Lang::Zh).await?);
        let t = Instant::now();
        std::hint::black_box(ws.review(Some(&shop), Some(date), Lang::Zh).await?);
        new_day.push(t.elapsed().as_secs_f64());
        let t = Instant::now();
        std::hint::black_box(ws.review(Some(&shop), Some(date), Lang::Zh).await?);
        kept.push(t.elapsed().as_secs_f64());
    }
    sections(&ws, &shop, date, runs).await?;
    let req = ReviewRequest {
        shop: shop.clone(),
        date,
        lang: Lang::Zh,
    };
    let engine = Engine::new(&lake)?;
    // The SQL stage with nothing kept: the same statements DuckDB runs below.
    let (mut sql_t, mut sql_kept) = (Vec::new(), Vec::new());
    let yesterday_req = ReviewRequest {
        date: yesterday,
        ..req.clone()
    };
    for _ in 0..runs.max(1) {
        let _ = std::fs::remove_dir_all(&cache);
        let t = Instant::now();
        std::hint::black_box(engine.metrics(&req.queries().into_vec()).await?);
        sql_t.push(t.elapsed().as_secs_f64());
        let _ = std::fs::remove_dir_all(&cache);
        std::hint::black_box(engine.metrics(&yesterday_req.queries().into_vec()).await?);
        let t = Instant::now();
        std::hint::black_box(engine.metrics(&req.queries().into_vec()).await?);
        sql_kept.push(t.elapsed().as_secs_f64());
    }
    let mut per_query = Vec::new();
    for q in req.queries().into_vec() {
        let _ = std::fs::remove_dir_all(&cache);
        let t = Instant::now();
        std::hint::black_box(engine.metric(&q).await?);
        per_query.push(t.elapsed().as_secs_f64());
    }
    let sq = median(sql_t);
    println!("vitrine review (end to end), cold (nothing kept): {cold:.3} s");
    println!(
        "vitrine review (end to end), a new day (yesterday's buyer summary kept): {:.3} s   [goal ≤ 3 s]",
        median(new_day)
    );
    println!(
        "vitrine review (end to end), same data again (users part kept): {:.3} s",
        median(kept)
    );
    println!("vitrine SQL stage (DataFusion), nothing kept: {sq:.3} s");
    println!(
        "vitrine SQL stage, yesterday's day answers kept: {:.3} s",
        median(sql_kept)
    );
    if no_peer {
        return Ok(());
    }
    let plan = write_plan(&lake, &req, data)?;
    let script = peer_script();
    let out = Command::new("python3")
        .arg(&script)
        .arg(&plan)
        .arg(runs.max(1).to_string())
        .output()
        .with_context(|| format!("running {}", script.display()))?;
    if !out.status.success() {
        println!(
            "DuckDB peer unavailable: {}",
            String::from_utf8_lossy(&out.stderr)
                .lines()
                .last()
                .unwrap_or("failed")
        );
        return Ok(());
    }
    let stdout = String::from_utf8_lossy(&out.stdout);
    let mut lines = stdout.lines();
    let duck: f64 = lines
        .next()
        .unwrap_or_default()
        .trim()
        .parse()
        .context("reading the DuckDB time")?;
    let duck_per: Vec<f64> = lines.filter_map(|l| l.trim().parse().ok()).collect();
    println!("per query (one run each): DataFusion vs DuckDB, seconds");
    for (i, (q, t)) in req.queries().into_vec().iter().zip(&per_query).enumerate() {
        let tables: Vec<&str> = compile(q)?.iter().map(|tq| tq.table.name()).collect();
        println!(
            "  q{i} {:<40} {t:.3}  {:.3}",
            tables.join("+"),
            duck_per.get(i).copied().unwrap_or(f64::NAN)
        );
    }
    println!("DuckDB SQL stage (same SQL, same Parquet): {duck:.3} s");
    println!(
        "ratio DataFusion / DuckDB: {:.2}×   [goal ≤ 1.5×]",
        sq / duck
    );
    Ok(())
}

/// Times each section of the review on its own (median of `runs`): what the end-to-end
/// figure is made of.
async fn sections(
    ws: &vitrine_app::Workspace,
    shop: &str,
    date: chrono::NaiveDate,
    runs: usize,
) -> Result<()> {
    let snap = ws.snapshot(Some(shop), Some(date))?;
    let settings = vitrine_analytics::users::UserSettings::from_config(&ws.config, Some(shop));
    let mut t: Vec<(&str, Vec<f64>)> = [
        "metrics and rules, nothing kept",
        "metrics and rules, yesterday's kept",
        "experiments",
        "users: buyer summary from every order",
        "users: yesterday's summary + one day",
        "users: segments and CLV (digest)",
        "users: digest from yesterday's fit",
        "paid traffic (bids)",
    ]
    .into_iter()
    .map(|n| (n, Vec::new()))
    .collect();
    let (engine, cache) = (snap.engine(), ws.lake.cache_dir());
    let yesterday = date
        .pred_opt()
        .context("the review day has no day before it")?;
    let before = engine.purchases(shop, yesterday).await?;
    let fit = vitrine_analytics::users::digest(&before, yesterday, &settings).fit;
    drop(before);
    let mut buyers = 0;
    let before = ws.snapshot(Some(shop), Some(yesterday))?;
    for _ in 0..runs.max(1) {
        let _ = std::fs::remove_dir_all(&cache);
        let clock = Instant::now();
        std::hint::black_box(snap.monitored(Lang::Zh).await?);
        t[0].1.push(clock.elapsed().as_secs_f64());
        let _ = std::fs::remove_dir_all(&cache);
        std::hint::black_box(before.monitored(Lang::Zh).await?);
        let clock = Instant::now();
        std::hint::black_box(snap.monitored(Lang::Zh).await?);
        t[1].1.push(clock.elapsed().as_secs_f64());
        let clock = Instant::now();
        std::hint::black_box(snap.experiment_verdicts().await?);
        t[2].1.push(clock.elapsed().as_secs_f64());
        let _ = std::fs::remove_dir_all(&cache);
        let clock = Instant::now();
        std::hint::black_box(engine.purchases(shop, date).await?);
        t[3].1.push(clock.elapsed().as_secs_f64());
        let _ = std::fs::remove_dir_all(&cache);
        std::hint::black_box(engine.purchases(shop, yesterday).await?);
        let clock = Instant::now();
        let users = engine.purchases(shop, date).await?;
        t[4].1.push(clock.elapsed().as_secs_f64());
        buyers = users.len();
        let clock = Instant::now();
        std::hint::black_box(vitrine_analytics::users::digest(&users, date, &settings));
        t[5].1.push(clock.elapsed().as_secs_f64());
        let clock = Instant::now();
        std::hint::black_box(vitrine_analytics::users::digest_from(
            &users,
            date,
            &settings,
            fit.as_ref(),
        ));
        t[6].1.push(clock.elapsed().as_secs_f64());
        let clock = Instant::now();
        std::hint::black_box(snap.bids_report(false).await?);
        t[7].1.push(clock.elapsed().as_secs_f64());
    }
    println!("sections (each on its own, median; {buyers} buyers):");
    for (name, times) in t {
        println!("  {name:<34} {:.3} s", median(times));
    }
    Ok(())
}

/// Writes the review's compiled SQL and, per statement, the Parquet files each table reads.
fn write_plan(lake: &Lake, req: &ReviewRequest, data: &Path) -> Result<PathBuf> {
    let m = lake.manifest()?;
    let mut statements = Vec::new();
    for (i, q) in req.queries().into_vec().into_iter().enumerate() {
        for tq in compile(&q)? {
            let files: Vec<String> = m
                .files(tq.table.name(), Some(&req.shop), Some((q.from, q.to)))
                .iter()
                .map(|f| lake.root().join(&f.path).display().to_string())
                .collect();
            let seconds = tq.table.second_timestamps();
            statements.push(serde_json::json!({ "query": i, "table": tq.table.name(), "sql": tq.sql, "files": files, "seconds": seconds }));
        }
    }
    let path = data.join("bench_review_plan.json");
    std::fs::write(&path, serde_json::to_vec_pretty(&statements)?)?;
    Ok(path)
}

fn peer_script() -> PathBuf {
    let here = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scripts/bench_duckdb.py");
    if here.exists() {
        here
    } else {
        PathBuf::from("scripts/bench_duckdb.py")
    }
}

/// Median in-process time of a BG/NBD + Gamma-Gamma fit (the summary is read once).
fn clv(summary: &Path, runs: usize) -> Result<()> {
    let file = crate::clv::read_summary(summary)?;
    let mut times = Vec::new();
    for _ in 0..runs.max(1) {
        let t = Instant::now();
        std::hint::black_box(crate::clv::fit(&file.customers, crate::clv::Model::Bgnbd)?);
        times.push(t.elapsed().as_secs_f64());
    }
    println!(
        "BG/NBD + Gamma-Gamma fit on {} customers: {:.2} ms (median of {runs})",
        file.customers.len(),
        median(times) * 1e3
    );
    Ok(())
}
