//! `vitrine experiment`: registry, analysis (from a summary file or from the lake) and power.

use crate::args::values::Shown;
use std::path::{Path, PathBuf};

use anyhow::{anyhow, bail, Context, Result};
use chrono::NaiveDate;
use clap::{Subcommand, ValueEnum};
use vitrine_analytics::experiment::{
    sample_size, Analysis, Correction, Difference, Method, Outcome, PowerRequest, Request,
    Settings, Variant,
};
use vitrine_app::experiments::rate_parts;
use vitrine_core::Dim;
use vitrine_lake::{ExperimentArm, ExperimentRecord};

#[derive(Subcommand)]
pub enum ExperimentCommand {
    /// Analyse an experiment from a JSON summary (`--input`) or a registered one (`--id`).
    Analyze {
        #[arg(long, conflicts_with = "id")]
        input: Option<PathBuf>,
        /// A registered experiment, read from the lake over its window.
        #[arg(long)]
        id: Option<i64>,
        /// Last day to include for `--id` (default: the experiment's end date).
        #[arg(long, value_parser = crate::args::values::day)]
        date: Option<NaiveDate>,
        #[arg(long, value_enum)]
        method: Option<MethodArg>,
        #[arg(long, value_enum)]
        difference: Option<DifferenceArg>,
        #[arg(long)]
        alpha: Option<f64>,
        /// Correction across treatments and metrics: holm (default), bh, none.
        #[arg(long, value_enum)]
        correction: Option<CorrectionArg>,
        #[arg(long, value_enum, default_value_t = Shown::Json)]
        format: Shown,
    },
    /// Sample size per variant for a two-sided test.
    Power {
        /// Control conversion rate (or control mean with --sd).
        #[arg(long)]
        baseline: f64,
        /// Minimum detectable effect, relative (0.1 = +10 %) unless --absolute.
        #[arg(long)]
        mde: f64,
        #[arg(long)]
        absolute: bool,
        #[arg(long, default_value_t = 0.05)]
        alpha: f64,
        #[arg(long, default_value_t = 0.8)]
        power: f64,
        /// Standard deviation of one unit, for a mean metric.
        #[arg(long)]
        sd: Option<f64>,
        /// Units per variant per day, to print the days needed (at least 7).
        #[arg(long)]
        daily_units: Option<f64>,
        #[arg(long, value_enum, default_value_t = Shown::Json)]
        format: Shown,
    },
    /// Register an experiment: `--variant A=creative:C1 --variant B=creative:C2` (control first).
    Create {
        #[arg(long)]
        shop: String,
        #[arg(long)]
        name: String,
        #[arg(long)]
        hypothesis: String,
        /// A catalog ratio metric (e.g. ctr, cvr).
        #[arg(long)]
        metric: String,
        #[arg(long = "variant", required = true)]
        variants: Vec<String>,
        #[arg(long, value_parser = crate::args::values::day)]
        start: NaiveDate,
        #[arg(long, value_parser = crate::args::values::day)]
        end: NaiveDate,
        #[arg(long, default_value = "user")]
        unit: String,
        #[arg(long, default_value_t = 7)]
        min_days: i64,
        #[arg(long)]
        planned_n: Option<f64>,
        #[arg(long)]
        owner: Option<String>,
    },
    /// List registered experiments.
    List {
        #[arg(long)]
        shop: Option<String>,
        #[arg(long, value_enum, default_value_t = Shown::Table)]
        format: Shown,
    },
    /// Set an experiment's status: running, stopped, shipped.
    Status { id: i64, status: String },
}

#[derive(Clone, Copy, ValueEnum)]
pub enum MethodArg {
    Frequentist,
    Bayesian,
    Sequential,
}

#[derive(Clone, Copy, ValueEnum)]
pub enum DifferenceArg {
    Absolute,
    Relative,
}

pub async fn run(data: &Path, cmd: ExperimentCommand) -> Result<()> {
    match cmd {
        ExperimentCommand::Analyze {
            input,
            id,
            date,
            method,
            difference,
            alpha,
            correction,
            format,
        } => {
            let overrides = Overrides {
                method,
                difference,
                alpha,
                correction: correction.map(Correction::from),
            };
            let out = match (input, id) {
                (Some(path), None) => analyze_file(&path, &overrides)?,
                (None, Some(id)) => {
                    let ws = crate::workspace(data)?;
                    let e = ws.state().await?.experiment(id).await?;
                    let as_of = date;
                    let apply = |s: &mut Settings| overrides.apply(s);
                    Outcome::One(ws.experiment_analysis(&e, as_of, &apply).await?.0)
                }
                _ => bail!("give --input FILE.json or --id ID"),
            };
            print_analysis(&out, format)
        }
        ExperimentCommand::Power {
            baseline,
            mde,
            absolute,
            alpha,
            power,
            sd,
            daily_units,
            format,
        } => {
            let r = sample_size(&PowerRequest {
                baseline,
                mde,
                absolute,
                alpha,
                power,
                sd,
                daily_units,
            })?;
            if format == Shown::Json {
                println!("{}", serde_json::to_string_pretty(&r)?);
            } else {
                println!(
                    "每组样本量 n per variant: {}  (baseline {} → {}, α {}, power {}){}",
                    r.n_per_variant,
                    r.baseline,
                    r.target,
                    r.alpha,
                    r.power,
                    r.days.map(|d| format!(", {d} 天 days")).unwrap_or_default()
                );
            }
            Ok(())
        }
        ExperimentCommand::Create {
            shop,
            name,
            hypothesis,
            metric: metric_id,
            variants,
            start,
            end,
            unit,
            min_days,
            planned_n,
            owner,
        } => {
            rate_parts(&metric_id)?;
            let (s, e) = (start, end);
            if e < s {
                bail!("--end {end} is before --start {start}");
            }
            let variants = variants
                .iter()
                .map(|v| parse_arm(v))
                .collect::<Result<Vec<_>>>()?;
            if variants.len() < 2 {
                bail!("an experiment needs at least two --variant (control first)");
            }
            let state = crate::open_state(data).await?;
            let id = state
                .create_experiment(&ExperimentRecord {
                    id: 0,
                    shop,
                    name,
                    hypothesis,
                    metric: metric_id,
                    unit,
                    variants,
                    start_date: s.to_string(),
                    end_date: e.to_string(),
                    min_days,
                    planned_n,
                    owner,
                    status: "running".into(),
                    created_at: String::new(),
                })
                .await?;
            println!("experiment {id} registered");
            Ok(())
        }
        ExperimentCommand::List { shop, format } => {
            let list = crate::open_state(data)
                .await?
                .experiments(shop.as_deref())
                .await?;
            if format == Shown::Json {
                println!("{}", serde_json::to_string_pretty(&list)?);
                return Ok(());
            }
            for e in list {
                let arms: Vec<String> = e
                    .variants
                    .iter()
                    .map(|v| format!("{}={}", v.name, v.scope))
                    .collect();
                println!(
                    "{:>4}  {:<10} {:<24} {:<8} {} → {}  {:<8} {}",
                    e.id,
                    e.shop,
                    e.name,
                    e.metric,
                    e.start_date,
                    e.end_date,
                    e.status,
                    arms.join(" ")
                );
            }
            Ok(())
        }
        ExperimentCommand::Status { id, status } => {
            crate::open_state(data)
                .await?
                .set_experiment_status(id, &status)
                .await?;
            println!("experiment {id}: {status}");
            Ok(())
        }
    }
}

struct Overrides {
    method: Option<MethodArg>,
    difference: Option<DifferenceArg>,
    alpha: Option<f64>,
    correction: Option<Correction>,
}

impl Overrides {
    fn apply(&self, s: &mut Settings) {
        if let Some(m) = self.method {
            s.method = match m {
                MethodArg::Frequentist => Method::Frequentist,
                MethodArg::Bayesian => Method::Bayesian,
                MethodArg::Sequential => Method::Sequential,
            };
        }
        if let Some(d) = self.difference {
            s.difference = match d {
                DifferenceArg::Absolute => Difference::Absolute,
                DifferenceArg::Relative => Difference::Relative,
            };
        }
        if let Some(a) = self.alpha {
            s.alpha = a;
        }
        if let Some(c) = self.correction {
            s.correction = c;
        }
    }
}

/// A correction across treatments and metrics.
#[derive(Clone, Copy, Debug, clap::ValueEnum, PartialEq, Eq)]
pub enum CorrectionArg {
    /// Holm–Bonferroni (family-wise error).
    Holm,
    /// Benjamini–Hochberg (false discovery rate).
    #[value(alias = "benjamini-hochberg", alias = "fdr")]
    Bh,
    None,
}

impl From<CorrectionArg> for Correction {
    fn from(c: CorrectionArg) -> Correction {
        match c {
            CorrectionArg::Holm => Correction::Holm,
            CorrectionArg::Bh => Correction::BenjaminiHochberg,
            CorrectionArg::None => Correction::None,
        }
    }
}

fn analyze_file(path: &Path, o: &Overrides) -> Result<Outcome> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    let request = match serde_json::from_str::<Request>(&text) {
        Ok(r) => r,
        Err(first) => match serde_json::from_str::<Vec<Variant>>(&text) {
            Ok(variants) => Request::from_variants(variants),
            Err(_) => bail!(
                "{}:{}:{}: {first}",
                path.display(),
                first.line(),
                first.column()
            ),
        },
    };
    let mut s = request.settings();
    o.apply(&mut s);
    request
        .run(&s)
        .map_err(|e| anyhow!("{}: {e}", path.display()))
}

fn print_analysis(out: &Outcome, format: Shown) -> Result<()> {
    if format == Shown::Json {
        println!("{}", serde_json::to_string_pretty(out)?);
        return Ok(());
    }
    let list: Vec<(String, &Analysis)> = match out {
        Outcome::One(a) => vec![(String::new(), a)],
        Outcome::Many { metrics, .. } => metrics
            .iter()
            .map(|m| (m.name.clone(), &m.analysis))
            .collect(),
    };
    for (name, a) in list {
        if !name.is_empty() {
            println!("## {name}");
        }
        println!(
            "对照组 control {}: n = {}, mean = {:.6}",
            a.control.name, a.control.n, a.control.mean
        );
        for t in &a.treatments {
            println!(
                "{}: n = {}, mean = {:.6}, estimate {:+.6} [{:+.6}, {:+.6}]{}{}",
                t.name,
                t.n,
                t.mean,
                t.estimate,
                t.ci_low,
                t.ci_high,
                t.p_value
                    .map(|p| format!(", p = {p:.4}"))
                    .unwrap_or_default(),
                t.chance_to_win
                    .map(|w| format!(", P(win) = {w:.4}"))
                    .unwrap_or_default(),
            );
        }
        for w in &a.warnings {
            println!("! {w}");
        }
        println!("结论: {}\nVerdict: {}", a.verdict.zh, a.verdict.en);
    }
    Ok(())
}

/// `A=creative:C1` → arm A reading the lake where creative = C1.
fn parse_arm(s: &str) -> Result<ExperimentArm> {
    let (name, scope) = s.split_once('=').ok_or_else(|| {
        anyhow!("--variant `{s}`: write NAME=DIMENSION:VALUE, e.g. B=creative:C2")
    })?;
    let (dim, value) = scope
        .split_once(':')
        .ok_or_else(|| anyhow!("--variant `{s}`: the scope needs DIMENSION:VALUE"))?;
    Dim::parse(dim)?;
    if name.is_empty() || value.is_empty() {
        bail!("--variant `{s}`: name and value must not be empty");
    }
    Ok(ExperimentArm {
        name: name.into(),
        scope: format!("{dim}:{value}"),
    })
}
