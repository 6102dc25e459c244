//! `vitrine`: the command line of the Vitrine operations command center.

mod args;
mod bench;
mod bids;
mod cells;
mod clv;
mod experiment;
mod import;
mod rca;
mod render;
mod sources;
mod user;
mod users;

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{anyhow, bail, Context, Result};
use args::*;
use chrono::NaiveDate;
use clap::Parser;
use indicatif::{ProgressBar, ProgressStyle};
use vitrine_app::Workspace;
use vitrine_core::Lang;
use vitrine_lake::{AlertStatus, Engine, Lake, State};
use vitrine_sim::{Effects, SimConfig};

fn main() {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("VITRINE_LOG")
                .unwrap_or_else(|_| "warn".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
    let _ = DATABASE_URL.set(cli.database_url.clone().filter(|u| !u.is_empty()));
    let rt = match tokio::runtime::Runtime::new() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the runtime: {e}");
            std::process::exit(1);
        }
    };
    if let Err(e) = rt.block_on(run(cli)) {
        eprintln!("error: {e:#}");
        std::process::exit(1);
    }
}

async fn run(cli: Cli) -> Result<()> {
    let data = cli.data_dir;
    match cli.command {
        Command::Simulate(a) => simulate(a.out.as_deref().unwrap_or(&data), &a).map(|_| ()),
        Command::Import {
            paths,
            shop,
            date,
            dry_run,
        } => import::run(
            &data,
            &paths,
            &vitrine_ingest::FileOptions { shop, date },
            dry_run,
        ),
        Command::Metrics { format } => render::metrics(format == Format::Json),
        Command::Sources { shop, format, lang } => {
            sources::run(&data, shop.as_deref(), format == Format::Json, lang.into()).await
        }
        Command::Tables => {
            render::tables();
            Ok(())
        }
        Command::Query { sql, format } => query(&data, &sql, format).await,
        Command::Review {
            date: Some(from),
            through: Some(to),
            shop,
            lang,
            ..
        } => backfill(&data, shop.as_deref(), from, to, lang.into()).await,
        Command::Review {
            date,
            shop,
            format,
            lang,
            no_record,
            notify,
            ..
        } => {
            review(
                &data,
                shop.as_deref(),
                date,
                format,
                lang.into(),
                !no_record,
                notify,
            )
            .await
        }
        Command::Serve { addr } => serve(&data, addr).await,
        Command::User { action } => user::run(&data, action).await,
        Command::Demo {
            no_serve,
            addr,
            lang,
        } => demo(&data, no_serve, addr, lang.into()).await,
        Command::Alerts { action } => alerts(&data, action).await,
        Command::Targets { action } => targets(&data, action).await,
        Command::Clv { action } => clv::run(action).await,
        Command::Users { action } => users::run(&data, action).await,
        Command::Bids { action, show } => bids::run(&data, action, show).await,
        Command::Rca {
            input,
            dimensions,
            actual,
            expected,
            method,
            format,
        } => rca::run(&input, &dimensions, &actual, &expected, method, format),
        Command::Experiment { action } => experiment::run(&data, action).await,
        Command::Bench { what } => bench::run(&data, what).await,
        Command::Sim {
            what:
                SimCommand::Auction {
                    scenarios,
                    seed,
                    format,
                },
        } => {
            if scenarios == 0 {
                bail!("--scenarios must be at least 1");
            }
            let c = vitrine_sim::auction::compare(scenarios, seed)?;
            match format {
                Shown::Json => println!("{}", serde_json::to_string_pretty(&c)?),
                Shown::Table => print!("{}", render::auction(&c)),
            }
            Ok(())
        }
        Command::Sim {
            what:
                SimCommand::Study {
                    seeds,
                    scenarios,
                    days,
                    format,
                },
        } => {
            if scenarios == 0 || days == 0 || seeds.is_empty() {
                bail!("--seeds, --scenarios and --days must not be empty or zero");
            }
            let config = vitrine_core::config::Config::load(&data.join("vitrine.toml"))?;
            let rails = vitrine_core::guardrails::Guardrails::from_config(
                &config,
                vitrine_core::config::Scope::default(),
            );
            let study = vitrine_sim::auction::Study {
                seeds,
                scenarios,
                days,
            };
            let r = vitrine_sim::auction::study(study, rails)?;
            match format {
                Shown::Json => println!("{}", serde_json::to_string_pretty(&r)?),
                Shown::Table => print!("{}", render::study(&r)),
            }
            Ok(())
        }
        Command::Vacuum => {
            let n = Lake::open(&data)?.vacuum()?;
            println!("removed {n} unreferenced files");
            Ok(())
        }
    }
}

/// `--database-url` (or `VITRINE_DATABASE_URL`), set once when the command line is read.
static DATABASE_URL: std::sync::OnceLock<Option<String>> = std::sync::OnceLock::new();

/// The workspace of a data directory, with the state database of `--database-url`.
pub(crate) fn workspace(data: &Path) -> Result<Workspace> {
    let url = DATABASE_URL.get().cloned().flatten();
    Ok(Workspace::open_with(data, url)?)
}

/// The state database of a data directory (or of `--database-url`).
pub(crate) async fn open_state(data: &Path) -> Result<State> {
    Ok(crate::workspace(data)?.state().await?.clone())
}

fn bar(len: u64, what: &str) -> ProgressBar {
    let pb = if std::env::var_os("CI").is_some() {
        ProgressBar::hidden()
    } else {
        ProgressBar::new(len)
    };
    pb.set_style(
        ProgressStyle::with_template("{msg} [{bar:30}] {pos}/{len} {per_sec} ETA {eta}")
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> "),
    );
    pb.set_message(what.to_string());
    pb
}

/// Simulates into `out` and returns the ground truth path.
fn simulate(out: &Path, a: &SimulateArgs) -> Result<PathBuf> {
    let end = a
        .end
        .unwrap_or_else(|| chrono::Local::now().date_naive() - chrono::Duration::days(1));
    let cfg = SimConfig {
        seed: a.seed,
        days: a.days,
        end,
        scale: a.scale,
        shops: a.shops,
        effects: match a.effects {
            EffectsArg::Realistic => Effects::REALISTIC,
            EffectsArg::Strong => Effects::STRONG,
        },
    };
    cfg.validate()?;
    if a.format == SimFormat::Exports {
        return simulate_exports(out, &cfg);
    }
    let lake =
        Lake::open(out).with_context(|| format!("cannot open data directory {}", out.display()))?;
    let started = Instant::now();
    let mut commit = lake.begin()?;
    let pb = bar(u64::from(cfg.days) * u64::from(cfg.shops), "simulating");
    let result = vitrine_sim::simulate(&cfg, &mut commit, &mut |done, _| pb.set_position(done));
    pb.finish_and_clear();
    let truth = match result {
        Ok(t) => t,
        Err(e) => {
            commit.abort();
            return Err(e.into());
        }
    };
    let parts = commit.partitions();
    let manifest = commit.finish()?;
    let path = out.join("ground_truth.json");
    std::fs::write(&path, serde_json::to_vec_pretty(&truth)?)
        .with_context(|| format!("writing {}", path.display()))?;
    let rows: u64 = manifest.partitions.values().flatten().map(|f| f.rows).sum();
    eprintln!(
        "simulated {} shop(s) × {} days ({} – {}) in {:.1}s: {parts} partitions, {rows} rows, lake version {}; {} incidents in {}",
        cfg.shops,
        cfg.days,
        cfg.start(),
        cfg.end,
        started.elapsed().as_secs_f64(),
        manifest.version,
        truth.incidents.len(),
        path.display()
    );
    Ok(path)
}

/// Simulates into export CSVs (no lake) and writes the ground truth beside them.
fn simulate_exports(out: &Path, cfg: &SimConfig) -> Result<PathBuf> {
    let dir = out.join("exports");
    let mut sink = vitrine_ingest::export::ExportSink::new(&dir);
    let pb = bar(
        u64::from(cfg.days) * u64::from(cfg.shops),
        "simulating exports",
    );
    let truth = vitrine_sim::simulate(cfg, &mut sink, &mut |done, _| pb.set_position(done))?;
    pb.finish_and_clear();
    let files = sink.finish()?;
    let path = out.join("ground_truth.json");
    std::fs::write(&path, serde_json::to_vec_pretty(&truth)?)
        .with_context(|| format!("writing {}", path.display()))?;
    eprintln!("wrote {files} export files under {}; import each shop's folder with `vitrine import --shop <id> {}/<id>`", dir.display(), dir.display());
    Ok(path)
}

async fn query(data: &Path, sql: &str, format: Format) -> Result<()> {
    let engine = Engine::new(&Lake::open(data)?)?;
    let out = engine.sql(sql).await?;
    match format {
        Format::Table => println!("{}\n({} rows)", out.to_table()?, out.num_rows()),
        Format::Csv => print!("{}", out.to_csv()?),
        Format::Json => println!("{}", out.to_json()?),
    }
    Ok(())
}

async fn review(
    data: &Path,
    shop: Option<&str>,
    date: Option<NaiveDate>,
    format: ReviewFormat,
    lang: Lang,
    record: bool,
    notify: bool,
) -> Result<()> {
    let ws = crate::workspace(data)?;
    let rv = ws.review(shop, date, lang).await?;
    if record {
        ws.record_alerts(&rv).await?;
    }
    println!("{}", vitrine_app::render::review(&rv, format.into())?);
    if notify {
        push(&ws, &rv).await?;
    }
    Ok(())
}

/// Reviews every day of `[from, to]` in one process and prints one JSON line a day: the
/// date, its new alerts and its standing ones (what a detection scan scores).
async fn backfill(
    data: &Path,
    shop: Option<&str>,
    from: NaiveDate,
    to: NaiveDate,
    lang: Lang,
) -> Result<()> {
    let ws = crate::workspace(data)?;
    let mut day = from;
    while day <= to {
        let rv = ws.snapshot(shop, Some(day))?.monitored(lang).await?;
        let line = serde_json::json!({
            "shop": rv.shop,
            "date": day,
            "alerts": rv.alerts,
            "standing": rv.standing,
        });
        println!("{line}");
        day += chrono::Duration::days(1);
    }
    Ok(())
}

/// Pushes the review card and each critical alert; delivery problems are reported on
/// stderr and never fail the review.
async fn push(ws: &Workspace, rv: &vitrine_analytics::Review) -> Result<()> {
    use vitrine_app::push::Pushed;
    match ws.push(rv).await? {
        Pushed::NoChannels => eprintln!(
            "no channels in {}: nothing pushed",
            ws.data_dir.join("notify.toml").display()
        ),
        Pushed::Sent(deliveries) => {
            for d in deliveries.iter().filter(|d| !d.ok) {
                eprintln!(
                    "push to {} failed after {} attempts: {}",
                    d.channel,
                    d.attempts,
                    d.error.as_deref().unwrap_or("")
                );
            }
            let ok = deliveries.iter().filter(|d| d.ok).count();
            eprintln!("pushed {ok}/{} messages", deliveries.len());
        }
        Pushed::TimedOut => eprintln!("push timed out after 60 s; the review above is complete"),
    }
    Ok(())
}

async fn serve(data: &Path, addr: SocketAddr) -> Result<()> {
    let ws = crate::workspace(data)?;
    ws.shops()?.first().ok_or_else(|| {
        anyhow!(
            "the lake at {} is empty: run `vitrine simulate` or `vitrine demo` first",
            data.display()
        )
    })?;
    eprintln!("Vitrine 运营看板: http://{addr}  (Ctrl-C to stop)");
    vitrine_server::serve(ws, addr)
        .await
        .with_context(|| format!("cannot serve on {addr}"))
}

async fn demo(data: &Path, no_serve: bool, addr: SocketAddr, lang: Lang) -> Result<()> {
    let has_data = Lake::open(data)?
        .manifest()
        .map(|m| !m.partitions.is_empty())
        .unwrap_or(false);
    if has_data {
        eprintln!("using the existing data in {}", data.display());
    } else {
        eprintln!(
            "simulating a demo shop (scale 0.05, 365 days) into {} …",
            data.display()
        );
        let args = SimulateArgs {
            out: None,
            days: 365,
            seed: 42,
            scale: 0.05,
            shops: 1,
            end: None,
            format: SimFormat::Lake,
            effects: EffectsArg::Realistic,
        };
        simulate(data, &args)?;
    }
    review(data, None, None, ReviewFormat::Text, lang, true, false).await?;
    if no_serve {
        return Ok(());
    }
    serve(data, addr).await
}

async fn targets(data: &Path, action: TargetAction) -> Result<()> {
    match action {
        TargetAction::Show { shop, date, lang } => {
            let ws = crate::workspace(data)?;
            let rv = ws.review(shop.as_deref(), date, lang.into()).await?;
            println!("{}", vitrine_app::render::text::targets(&rv));
        }
        TargetAction::Set {
            shop,
            metric,
            period,
            value,
        } => {
            crate::workspace(data)?
                .set_target(&shop, &metric, &period, value)
                .await?;
            println!("target {metric} {period} = {value} for shop {shop}");
        }
    }
    Ok(())
}

async fn alerts(data: &Path, action: Option<AlertAction>) -> Result<()> {
    let state = open_state(data).await?;
    match action.unwrap_or(AlertAction::List {
        shop: None,
        status: None,
        format: Format::Table,
    }) {
        AlertAction::List {
            shop,
            status,
            format,
        } => {
            let status = status.map(AlertStatus::from);
            let list = state.alerts(shop.as_deref(), status).await?;
            match format {
                Format::Json => println!("{}", serde_json::to_string_pretty(&list)?),
                _ => println!("{}", render::alert_table(&list)),
            }
        }
        AlertAction::Ack { id, by, note } => {
            state
                .set_alert_status(id, AlertStatus::Acknowledged, &by, note.as_deref())
                .await?;
            println!("alert {id} acknowledged by {by}");
        }
        AlertAction::Resolve { id, by, note } => {
            state
                .set_alert_status(id, AlertStatus::Resolved, &by, note.as_deref())
                .await?;
            println!("alert {id} resolved by {by}");
        }
        AlertAction::History { id } => {
            let h = state.alert_history(id).await?;
            if h.is_empty() {
                bail!("no alert with id {id}");
            }
            for (at, from, to, actor, note) in h {
                println!(
                    "{at}  {} → {to}  by {actor}  {}",
                    from.unwrap_or_else(|| "·".into()),
                    note.unwrap_or_default()
                );
            }
        }
    }
    Ok(())
}
