//! `vitrine clv`: customer summaries from a transaction log (SQL in the engine), model
//! fitting and per-customer predictions.

use crate::args::values::Shown;
use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{anyhow, bail, Context, Result};
use clap::{Subcommand, ValueEnum};
use serde_json::json;
use vitrine_analytics::clv::{predict, BgNbd, CountModel, Customer, GammaGamma, ParetoNbd};
use vitrine_lake::{customer_summary, SummarySpec};

#[derive(Subcommand)]
pub enum ClvCommand {
    /// Fit a purchase model (and Gamma-Gamma when monetary_value is present).
    Fit {
        /// CSV with columns frequency, recency, T [, monetary_value] (other columns are carried).
        #[arg(long, required_unless_present = "transactions")]
        summary: Option<PathBuf>,
        /// Or summarise a transaction log in the same run.
        #[command(flatten)]
        tx: TxArgs,
        #[arg(long, value_enum, default_value_t = Model::Bgnbd)]
        model: Model,
        #[arg(long, value_enum, default_value_t = Shown::Json)]
        format: Shown,
    },
    /// Per-customer P(alive), expected purchases, expected spend and CLV as CSV.
    Predict {
        #[arg(long, required_unless_present = "transactions")]
        summary: Option<PathBuf>,
        #[command(flatten)]
        tx: TxArgs,
        /// Horizon in the summary's periods.
        #[arg(long)]
        horizon: f64,
        /// Discount rate per period for CLV.
        #[arg(long, default_value_t = 0.0)]
        discount_rate: f64,
        #[arg(long, value_enum, default_value_t = Model::Bgnbd)]
        model: Model,
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Turn a transaction log (CSV or Parquet) into the per-customer summary CSV.
    Summarize {
        #[command(flatten)]
        tx: TxArgs,
        #[arg(long)]
        out: Option<PathBuf>,
    },
}

/// A transaction log and its columns.
#[derive(clap::Args)]
pub struct TxArgs {
    /// Transactions (CSV with header, or Parquet), one row per purchase.
    #[arg(long, conflicts_with = "summary")]
    transactions: Option<PathBuf>,
    #[arg(long, default_value = "customer_id")]
    customer: String,
    #[arg(long, default_value = "date")]
    date: String,
    #[arg(long)]
    amount: Option<String>,
    /// chrono format of the date column when not ISO, e.g. %Y%m%d.
    #[arg(long)]
    date_format: Option<String>,
    #[arg(long, value_enum, default_value_t = Period::Days)]
    period: Period,
    /// Last observed day (default: the last transaction's day).
    #[arg(long)]
    observation_end: Option<String>,
}

impl TxArgs {
    fn spec(&self) -> Result<SummarySpec> {
        let path = self
            .transactions
            .clone()
            .ok_or_else(|| anyhow!("give --transactions FILE (or --summary FILE)"))?;
        Ok(SummarySpec {
            path,
            customer: self.customer.clone(),
            date: self.date.clone(),
            amount: self.amount.clone(),
            date_format: self.date_format.clone(),
            period_days: if self.period == Period::Weeks { 7 } else { 1 },
            observation_end: self
                .observation_end
                .as_deref()
                .map(|d| {
                    d.parse()
                        .map_err(|_| anyhow!("--observation-end `{d}` is not YYYY-MM-DD"))
                })
                .transpose()?,
            sorted: true,
        })
    }
}

/// Customers from a summary CSV, or summarised from a transaction log.
async fn customers(summary: Option<&Path>, tx: &TxArgs) -> Result<SummaryFile> {
    if let Some(p) = summary {
        return read_summary(p);
    }
    let spec = SummarySpec {
        sorted: false,
        ..tx.spec()?
    };
    let rows = customer_summary(&spec).await?;
    if rows.is_empty() {
        bail!("{}: no transactions", spec.path.display());
    }
    let ids = rows.iter().map(|r| r.id.clone()).collect();
    let customers = rows
        .iter()
        .map(|r| Customer {
            frequency: r.frequency,
            recency: r.recency,
            t: r.t,
            monetary_value: r.monetary_value,
        })
        .collect();
    Ok(SummaryFile {
        ids: Some(("customer_id".into(), ids)),
        customers,
    })
}

#[derive(Clone, Copy, ValueEnum, PartialEq)]
pub enum Model {
    Bgnbd,
    #[value(name = "pareto-nbd")]
    ParetoNbd,
}

#[derive(Clone, Copy, ValueEnum, PartialEq)]
pub enum Period {
    Days,
    Weeks,
}

/// A summary file: customers plus the id column (if any) to carry through.
pub struct SummaryFile {
    pub ids: Option<(String, Vec<String>)>,
    pub customers: Vec<Customer>,
}

pub async fn run(cmd: ClvCommand) -> Result<()> {
    match cmd {
        ClvCommand::Fit {
            summary,
            tx,
            model,
            format,
        } => {
            let file = customers(summary.as_deref(), &tx).await?;
            let out = fit(&file.customers, model)?;
            if format == Shown::Json {
                println!("{}", serde_json::to_string_pretty(&out)?);
            } else {
                for (k, v) in out.as_object().into_iter().flatten() {
                    println!("{k:>22}  {v}");
                }
            }
            Ok(())
        }
        ClvCommand::Predict {
            summary,
            tx,
            horizon,
            discount_rate,
            model,
            out,
        } => {
            let file = customers(summary.as_deref(), &tx).await?;
            let csv = predictions(&file, model, horizon, discount_rate)?;
            write_out(out.as_deref(), &csv)
        }
        ClvCommand::Summarize { tx, out } => {
            let spec = tx.spec()?;
            let rows = customer_summary(&spec).await?;
            let mut w = csv::Writer::from_writer(Vec::new());
            let money = spec.amount.is_some();
            let mut header = vec!["customer_id", "frequency", "recency", "T"];
            if money {
                header.push("monetary_value");
            }
            w.write_record(&header)?;
            for r in rows {
                let mut rec = vec![
                    r.id,
                    r.frequency.to_string(),
                    r.recency.to_string(),
                    r.t.to_string(),
                ];
                if let Some(m) = r.monetary_value {
                    rec.push(m.to_string());
                }
                w.write_record(&rec)?;
            }
            let bytes = w.into_inner().map_err(|e| anyhow!("{e}"))?;
            write_out(out.as_deref(), &String::from_utf8(bytes)?)
        }
    }
}

fn write_out(out: Option<&Path>, text: &str) -> Result<()> {
    match out {
        Some(p) => std::fs::write(p, text).with_context(|| format!("cannot write {}", p.display())),
        None => {
            std::io::stdout().write_all(text.as_bytes())?;
            Ok(())
        }
    }
}

/// Fits the chosen model (and Gamma-Gamma when spend is present) into one JSON object.
pub fn fit(customers: &[Customer], model: Model) -> Result<serde_json::Value> {
    let mut out = match model {
        Model::Bgnbd => {
            let m = BgNbd::fit(customers)?;
            json!({"model": "bgnbd", "customers": customers.len(), "r": m.r, "alpha": m.alpha,
                   "a": m.a, "b": m.b, "log_likelihood": m.log_likelihood})
        }
        Model::ParetoNbd => {
            let m = ParetoNbd::fit(customers)?;
            json!({"model": "pareto-nbd", "customers": customers.len(), "r": m.r, "alpha": m.alpha,
                   "s": m.s, "beta": m.beta, "log_likelihood": m.log_likelihood})
        }
    };
    if customers.iter().all(|c| c.monetary_value.is_some()) {
        let g = GammaGamma::fit(customers)?;
        if let Some(o) = out.as_object_mut() {
            o.insert("p".into(), json!(g.p));
            o.insert("q".into(), json!(g.q));
            o.insert("gamma".into(), json!(g.gamma));
            o.insert("spend_log_likelihood".into(), json!(g.log_likelihood));
        }
    }
    Ok(out)
}

fn predictions(file: &SummaryFile, model: Model, horizon: f64, discount: f64) -> Result<String> {
    let c = &file.customers;
    let counts: Box<dyn CountModel> = match model {
        Model::Bgnbd => Box::new(BgNbd::fit(c)?),
        Model::ParetoNbd => Box::new(ParetoNbd::fit(c)?),
    };
    let spend = if c.iter().all(|x| x.monetary_value.is_some()) {
        Some(GammaGamma::fit(c)?)
    } else {
        None
    };
    let preds = predict(counts.as_ref(), spend.as_ref(), c, horizon, discount)?;
    let mut w = csv::Writer::from_writer(Vec::new());
    let mut header: Vec<String> = Vec::new();
    if let Some((name, _)) = &file.ids {
        header.push(name.clone());
    }
    header.extend(["frequency", "recency", "T", "p_alive", "expected_purchases"].map(String::from));
    if spend.is_some() {
        header.extend(["monetary_value", "expected_avg_spend", "clv"].map(String::from));
    }
    w.write_record(&header)?;
    for (i, (cust, p)) in c.iter().zip(&preds).enumerate() {
        let mut rec: Vec<String> = Vec::new();
        if let Some((_, ids)) = &file.ids {
            rec.push(ids[i].clone());
        }
        rec.extend(
            [
                cust.frequency,
                cust.recency,
                cust.t,
                p.p_alive,
                p.expected_purchases,
            ]
            .map(|v| v.to_string()),
        );
        if spend.is_some() {
            let m = cust.monetary_value.unwrap_or(0.0);
            rec.extend(
                [Some(m), p.expected_avg_spend, p.clv].map(|v| v.unwrap_or(0.0).to_string()),
            );
        }
        w.write_record(&rec)?;
    }
    let bytes = w.into_inner().map_err(|e| anyhow!("{e}"))?;
    Ok(String::from_utf8(bytes)?)
}

/// Reads a summary CSV; problems are reported as `file:row:column: reason`.
pub fn read_summary(path: &Path) -> Result<SummaryFile> {
    let mut r =
        csv::Reader::from_path(path).with_context(|| format!("cannot read {}", path.display()))?;
    let headers = r
        .headers()
        .with_context(|| format!("{}: no header row", path.display()))?
        .clone();
    let col = |name: &str| headers.iter().position(|h| h.trim() == name);
    let need = |name: &str| {
        col(name).ok_or_else(|| {
            anyhow!(
                "{}:1: no `{name}` column (have: {})",
                path.display(),
                headers.iter().collect::<Vec<_>>().join(", ")
            )
        })
    };
    let (fi, ri, ti) = (need("frequency")?, need("recency")?, need("T")?);
    let mi = col("monetary_value");
    let id_col = headers
        .iter()
        .position(|h| !["frequency", "recency", "T", "monetary_value"].contains(&h.trim()));
    let mut ids = Vec::new();
    let mut customers = Vec::new();
    for (i, rec) in r.records().enumerate() {
        let line = i + 2;
        let rec = rec.with_context(|| format!("{}:{line}: malformed row", path.display()))?;
        let num = |idx: usize| crate::cells::number(&rec, &headers, idx, path, line);
        let c = Customer {
            frequency: num(fi)?,
            recency: num(ri)?,
            t: num(ti)?,
            monetary_value: mi.map(num).transpose()?,
        };
        vitrine_analytics::clv::validate(std::slice::from_ref(&c)).map_err(|e| {
            anyhow!(
                "{}:{line}: {}",
                path.display(),
                e.to_string().trim_start_matches("row 0: ")
            )
        })?;
        if let Some(idx) = id_col {
            ids.push(rec.get(idx).unwrap_or("").to_string());
        }
        customers.push(c);
    }
    if customers.is_empty() {
        bail!("{}: no customers", path.display());
    }
    Ok(SummaryFile {
        ids: id_col.map(|i| (headers[i].to_string(), ids)),
        customers,
    })
}
