//! `vitrine users`: segments, cohorts and target lists for the SCRM (CSV or XLSX).

use crate::args::values::Shown;
use std::path::{Path, PathBuf};

use anyhow::{bail, Result};
use clap::Subcommand;
use vitrine_analytics::users::{RfmCuts, UserSegment};
use vitrine_app::users::parse_rfm_cuts;
use vitrine_app::xlsx::{Cell, Sheet};

#[derive(Subcommand)]
pub enum UsersCommand {
    /// Segment sizes: lifecycle stage, RFM segment, tier, recall candidates.
    Segments {
        #[arg(long)]
        shop: Option<String>,
        #[arg(long, value_parser = crate::args::values::day)]
        date: Option<chrono::NaiveDate>,
        #[command(flatten)]
        cuts: CutArgs,
        #[arg(long, value_enum, default_value_t = Shown::Table)]
        format: Shown,
    },
    /// Cohort retention and repurchase by first-purchase month or source.
    Cohorts {
        #[arg(long)]
        shop: Option<String>,
        #[arg(long, value_parser = crate::args::values::day)]
        date: Option<chrono::NaiveDate>,
        /// `month` or `source`.
        #[arg(long, default_value = "month")]
        by: String,
        #[arg(long, value_enum, default_value_t = Shown::Table)]
        format: Shown,
    },
    /// Export users (or only recall candidates) as CSV or XLSX, by file extension.
    Export {
        #[arg(long)]
        out: PathBuf,
        #[arg(long)]
        shop: Option<String>,
        #[arg(long, value_parser = crate::args::values::day)]
        date: Option<chrono::NaiveDate>,
        /// Only high-value users whose P(alive) is falling.
        #[arg(long)]
        recall: bool,
        /// Only this lifecycle stage (new, active, silent, churned, recalled).
        #[arg(long)]
        stage: Option<String>,
        #[command(flatten)]
        cuts: CutArgs,
    },
}

/// RFM cut points (four ascending numbers each) instead of the shop's own quintiles.
#[derive(clap::Args)]
pub struct CutArgs {
    /// Days since the last purchase, e.g. 30,60,90,180 (fewer days score higher).
    #[arg(long)]
    r_cuts: Option<String>,
    /// Purchase days, e.g. 1,2,3,5.
    #[arg(long)]
    f_cuts: Option<String>,
    /// Total spend in yuan, e.g. 100,300,800,2000.
    #[arg(long)]
    m_cuts: Option<String>,
}

impl CutArgs {
    fn cuts(&self) -> Result<RfmCuts> {
        Ok(parse_rfm_cuts(
            self.r_cuts.as_deref(),
            self.f_cuts.as_deref(),
            self.m_cuts.as_deref(),
        )?)
    }
}

pub async fn run(data: &Path, cmd: UsersCommand) -> Result<()> {
    let ws = crate::workspace(data)?;
    match cmd {
        UsersCommand::Segments {
            shop,
            date,
            cuts,
            format,
        } => {
            // Sizes only: counted from the kept buyer summary, without a segment per user
            // (30 M buyers at scale 10).
            let seg = ws
                .snapshot(shop.as_deref(), date)?
                .top_users(&cuts.cuts()?, 0)
                .await?;
            if format == Shown::Json {
                println!("{}", serde_json::to_string_pretty(&seg.sizes)?);
                return Ok(());
            }
            let s = &seg.sizes;
            println!(
                "{} 用户 users as of {} (value model: {})",
                s.users, seg.as_of, seg.value_model
            );
            println!("生命周期 stages:");
            for (k, v) in &s.stages {
                println!("  {k:<10} {v:>8}");
            }
            println!("RFM:");
            for (k, v) in &s.rfm_segments {
                println!("  {k:<18} {v:>8}");
            }
            println!("分层 tiers:");
            for (k, v) in &s.tiers {
                println!("  tier {k}     {v:>8}");
            }
            println!("召回名单 recall candidates: {}", s.recall);
            Ok(())
        }
        UsersCommand::Cohorts {
            shop,
            date,
            by,
            format,
        } => {
            let [month, source] = ws.cohorts(shop.as_deref(), date).await?;
            let m = match by.as_str() {
                "month" => month,
                "source" => source,
                _ => bail!("--by must be month or source"),
            };
            if format == Shown::Json {
                println!("{}", serde_json::to_string_pretty(&m)?);
                return Ok(());
            }
            for r in &m.rows {
                let cells: Vec<String> = r
                    .retention
                    .iter()
                    .take(13)
                    .map(|x| format!("{:5.1}", x * 100.0))
                    .collect();
                println!("{:<14} {:>7}  {}", r.cohort, r.size, cells.join(" "));
            }
            Ok(())
        }
        UsersCommand::Export {
            out,
            shop,
            date,
            recall,
            stage,
            cuts,
        } => {
            let seg = ws.users(shop.as_deref(), date, &cuts.cuts()?).await?;
            let mut list: Vec<&UserSegment> = seg
                .users
                .iter()
                .filter(|u| !recall || u.recall)
                .filter(|u| stage.as_deref().is_none_or(|s| u.stage == s))
                .collect();
            list.sort_by(|a, b| b.value_index.total_cmp(&a.value_index));
            write_list(&out, &list)?;
            eprintln!("wrote {} users to {}", list.len(), out.display());
            Ok(())
        }
    }
}

const HEADER: [&str; 14] = [
    "user_id",
    "stage",
    "r",
    "f",
    "m",
    "rfm_segment",
    "tier",
    "value_index",
    "p_alive",
    "expected_clv_365d",
    "days_since_last",
    "total_spend",
    "interest",
    "member_tier",
];

fn row(u: &UserSegment) -> [String; 14] {
    let opt = |v: Option<f64>| v.map(|x| format!("{x:.4}")).unwrap_or_default();
    [
        u.user_id.clone(),
        u.stage.into(),
        u.r.to_string(),
        u.f.to_string(),
        u.m.to_string(),
        u.rfm_segment.into(),
        u.tier.to_string(),
        format!("{:.1}", u.value_index),
        opt(u.p_alive),
        opt(u.expected_clv),
        u.days_since_last.to_string(),
        format!("{:.2}", u.total),
        u.interest.clone().unwrap_or_default(),
        u.member_tier.clone().unwrap_or_default(),
    ]
}

fn write_list(out: &Path, list: &[&UserSegment]) -> Result<()> {
    let ext = out
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or("")
        .to_ascii_lowercase();
    match ext.as_str() {
        "csv" => {
            let mut w = csv::Writer::from_path(out)?;
            w.write_record(HEADER)?;
            for u in list {
                w.write_record(row(u))?;
            }
            w.flush()?;
            Ok(())
        }
        "xlsx" => {
            let mut sheet = Sheet::new("用户名单", &HEADER);
            sheet.rows = list
                .iter()
                .map(|u| {
                    row(u)
                        .into_iter()
                        .enumerate()
                        .map(|(c, v)| match v.parse::<f64>() {
                            Ok(x) if c != 0 => Cell::Number(x),
                            _ => Cell::Text(v),
                        })
                        .collect()
                })
                .collect();
            Ok(vitrine_app::xlsx::save(&[sheet], out)?)
        }
        _ => bail!("--out must end in .csv or .xlsx"),
    }
}
