//! The command line's arguments: commands, their options, and the value sets of formats,
//! languages and statuses (each a `ValueEnum`, so clap rejects a wrong value and lists
//! the right ones; they live in [`values`], which the commands' own argument types use).

use std::net::SocketAddr;
use std::path::PathBuf;

use chrono::NaiveDate;
use clap::{Parser, Subcommand, ValueEnum};

use crate::{bench, bids, clv, experiment, user, users};

pub mod values;

pub use values::*;

#[derive(Parser)]
#[command(
    name = "vitrine",
    version,
    about = "Operations command center for Douyin shops · 抖音电商运营指挥中心"
)]
pub struct Cli {
    /// Data directory (lake + state); also VITRINE_DATA.
    #[arg(
        long,
        global = true,
        env = "VITRINE_DATA",
        default_value = "./vitrine-data"
    )]
    pub data_dir: PathBuf,
    /// State database URL (`sqlite://…` or `postgres://…`); default `<data-dir>/state.db`.
    /// Also VITRINE_DATABASE_URL.
    #[arg(long, global = true, env = "VITRINE_DATABASE_URL")]
    pub database_url: Option<String>,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand)]
pub enum SimCommand {
    /// Run the auto-bid controller, a fixed bid and the pacing rule on the same scenarios.
    Auction {
        #[arg(long, default_value_t = 20)]
        scenarios: usize,
        #[arg(long, default_value_t = 42)]
        seed: u64,
        #[arg(long, value_enum, default_value_t = Shown::Table)]
        format: Shown,
    },
    /// Compare the controller with a tuned PID pacer and the simple rules over several seeds,
    /// on the mix they were tuned on and on unseen ones, hourly and behind the guardrails.
    Study {
        /// Seeds, comma-separated.
        #[arg(long, value_delimiter = ',', default_values_t = [1u64, 2, 3, 4, 5])]
        seeds: Vec<u64>,
        /// Scenarios per seed and mix.
        #[arg(long, default_value_t = 8)]
        scenarios: usize,
        #[arg(long, default_value_t = 14)]
        days: usize,
        #[arg(long, value_enum, default_value_t = Shown::Table)]
        format: Shown,
    },
}

#[derive(Subcommand)]
pub enum Command {
    /// Simulate a believable shop (or several) into a data directory.
    Simulate(SimulateArgs),
    /// Import merchant exports (Compass, Qianchuan, 抖店; CSV or workbooks, every known
    /// sheet), recognised by their headers.
    Import {
        /// Files or folders.
        #[arg(required = true)]
        paths: Vec<PathBuf>,
        /// Shop id for files without a 店铺ID column.
        #[arg(long)]
        shop: Option<String>,
        /// The day of files whose rows and names carry no date (an hour-only sheet).
        #[arg(long, value_parser = crate::args::day)]
        date: Option<NaiveDate>,
        /// Print what would be imported and every problem; change nothing.
        #[arg(long)]
        dry_run: bool,
    },
    /// List the metric catalog.
    Metrics {
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
    /// List the lake's tables and their columns.
    Tables,
    /// What a shop has in the lake (per table: exports, days or periods, last import) and
    /// which exports it is missing.
    Sources {
        #[arg(long)]
        shop: Option<String>,
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
        #[arg(long, value_enum, default_value_t = LangArg::Zh)]
        lang: LangArg,
    },
    /// Run SQL over the lake's tables.
    Query {
        sql: String,
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
    /// The daily review 复盘 of one shop and day.
    Review {
        /// Day to review (default: the latest day with data).
        #[arg(long, value_parser = crate::args::day)]
        date: Option<NaiveDate>,
        #[arg(long)]
        shop: Option<String>,
        #[arg(long, value_enum, default_value_t = ReviewFormat::Text)]
        format: ReviewFormat,
        #[arg(long, value_enum, default_value_t = LangArg::Zh)]
        lang: LangArg,
        /// Do not record the alerts in the state database.
        #[arg(long)]
        no_record: bool,
        /// Push the summary card and critical alerts to the channels in `<data>/notify.toml`.
        #[arg(long)]
        notify: bool,
        /// Review every day from `--date` through this one (a backfill): one JSON line a
        /// day with its alerts, without the users, experiments and paid-traffic sections.
        #[arg(long, value_parser = crate::args::day, requires = "date")]
        through: Option<NaiveDate>,
    },
    /// Targets: show the tree behind a day, or set a target.
    Targets {
        #[command(subcommand)]
        action: TargetAction,
    },
    /// Accounts for the web app and the API.
    User {
        #[command(subcommand)]
        action: user::UserAction,
    },
    /// Serve the web dashboard.
    Serve {
        #[arg(long, default_value = "127.0.0.1:8080")]
        addr: SocketAddr,
    },
    /// Simulate a demo shop, review its latest day and serve the dashboard.
    Demo {
        /// Stop after printing the review.
        #[arg(long)]
        no_serve: bool,
        #[arg(long, default_value = "127.0.0.1:8080")]
        addr: SocketAddr,
        #[arg(long, value_enum, default_value_t = LangArg::Zh)]
        lang: LangArg,
    },
    /// Alert lifecycle: list, acknowledge, resolve.
    Alerts {
        #[command(subcommand)]
        action: Option<AlertAction>,
    },
    /// Customer lifetime value: summarise transactions, fit BG/NBD or Pareto/NBD + Gamma-Gamma, predict.
    Clv {
        #[command(subcommand)]
        action: clv::ClvCommand,
    },
    /// Root cause over a cube (Adtributor): which dimension values explain the move.
    Rca {
        /// CSV, one row per leaf cell.
        #[arg(long)]
        input: PathBuf,
        /// Dimension columns, comma-separated.
        #[arg(long)]
        dimensions: String,
        /// Actual column, or NUM/DEN columns for a ratio metric.
        #[arg(long)]
        actual: String,
        /// Expected (forecast) column, or NUM/DEN columns.
        #[arg(long)]
        expected: String,
        #[arg(long, value_enum, default_value_t = RcaMethod::Riskloc)]
        method: RcaMethod,
        #[arg(long, value_enum, default_value_t = Shown::Table)]
        format: Shown,
    },
    /// Users: lifecycle segments, RFM, tiers, cohorts and recall lists (REQUIREMENTS §9).
    Users {
        #[command(subcommand)]
        action: users::UsersCommand,
    },
    /// Paid traffic 千川: plan diagnostics and guarded bid/budget/creative recommendations
    /// (table, JSON or XLSX); approve, reject, apply, hold, audit log (REQUIREMENTS §10).
    #[command(args_conflicts_with_subcommands = true)]
    Bids {
        #[command(subcommand)]
        action: Option<bids::BidsCommand>,
        #[command(flatten)]
        show: bids::ShowArgs,
    },
    /// A/B experiments: analyse, size, register (REQUIREMENTS §8).
    Experiment {
        #[command(subcommand)]
        action: experiment::ExperimentCommand,
    },
    /// Benchmarks (print figures; never part of the test suite).
    Bench {
        #[command(subcommand)]
        what: bench::BenchCommand,
    },
    /// Remove files left by aborted commits and superseded manifests.
    Vacuum,
    /// Simulators for policies: `sim auction` runs bidding policies in a seeded auction market.
    Sim {
        #[command(subcommand)]
        what: SimCommand,
    },
}

#[derive(clap::Args)]
pub struct SimulateArgs {
    /// Output data directory (default: --data-dir).
    #[arg(long)]
    pub out: Option<PathBuf>,
    #[arg(long, default_value_t = 365)]
    pub days: u32,
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
    #[arg(long, default_value_t = 0.05)]
    pub scale: f64,
    #[arg(long, default_value_t = 1)]
    pub shops: u32,
    /// Last simulated day (default: yesterday).
    #[arg(long, value_parser = crate::args::day)]
    pub end: Option<NaiveDate>,
    /// `lake` fills the data directory; `exports` writes the data as merchant export CSVs
    /// (罗盘/千川/抖店 headers) under `<out>/exports/` to be brought in with `vitrine import`.
    #[arg(long, value_enum, default_value_t = SimFormat::Lake)]
    pub format: SimFormat,
    /// How hard planted incidents hit: `realistic` (CTR ×0.7, conversion ×0.7, CPA +40 %)
    /// or `strong` (CTR ×0.2, CPA ×5: for demos).
    #[arg(long, value_enum, default_value_t = EffectsArg::Realistic)]
    pub effects: EffectsArg,
}

#[derive(Clone, Copy, ValueEnum, PartialEq)]
pub enum EffectsArg {
    Realistic,
    Strong,
}

#[derive(Clone, Copy, ValueEnum, PartialEq)]
pub enum SimFormat {
    Lake,
    Exports,
}

#[derive(Subcommand)]
pub enum TargetAction {
    /// The GMV tree (year → quarters → month → day) and the KPI targets of a day.
    Show {
        #[arg(long)]
        shop: Option<String>,
        #[arg(long, value_parser = crate::args::day)]
        date: Option<NaiveDate>,
        #[arg(long, value_enum, default_value_t = LangArg::Zh)]
        lang: LangArg,
    },
    /// Set a target: `--metric gmv --period year:2026 --value 50000000` (yuan), or a KPI
    /// default such as `--metric ctr --period default --value 0.05`.
    Set {
        #[arg(long)]
        shop: String,
        #[arg(long)]
        metric: String,
        #[arg(long)]
        period: String,
        #[arg(long)]
        value: f64,
    },
}

#[derive(Subcommand)]
pub enum AlertAction {
    /// List alerts (default).
    List {
        #[arg(long)]
        shop: Option<String>,
        #[arg(long, value_enum)]
        status: Option<AlertStatusArg>,
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
    /// Acknowledge an alert: someone owns it now.
    Ack {
        id: i64,
        #[arg(long, default_value = "operator")]
        by: String,
        #[arg(long)]
        note: Option<String>,
    },
    /// Resolve an alert.
    Resolve {
        id: i64,
        #[arg(long, default_value = "operator")]
        by: String,
        #[arg(long)]
        note: Option<String>,
    },
    /// Show an alert's history.
    History { id: i64 },
}

#[derive(Clone, Copy, ValueEnum, PartialEq)]
pub enum Format {
    Table,
    Csv,
    Json,
}

#[derive(Clone, Copy, ValueEnum, PartialEq)]
pub enum ReviewFormat {
    Text,
    Json,
    Md,
    Html,
}

impl From<ReviewFormat> for vitrine_app::render::Format {
    fn from(f: ReviewFormat) -> Self {
        use vitrine_app::render::Format;
        match f {
            ReviewFormat::Text => Format::Text,
            ReviewFormat::Json => Format::Json,
            ReviewFormat::Md => Format::Markdown,
            ReviewFormat::Html => Format::Html,
        }
    }
}
