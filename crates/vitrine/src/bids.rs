//! `vitrine bids`: paid-traffic diagnostics and guarded recommendations (table, JSON or an
//! XLSX an optimizer can apply), and the decisions on them (approve, reject, apply, hold).

use std::path::{Path, PathBuf};

use anyhow::Result;
use clap::{Args, Subcommand};
use vitrine_analytics::bids::{BidsReport, Recommendation};
use vitrine_app::xlsx::{Cell, Sheet};

use vitrine_core::words::{label, Kind};
use vitrine_core::Lang;

use crate::args::values::BidsFormat;

/// Show the day's recommendations.
#[derive(Args)]
pub struct ShowArgs {
    #[arg(long)]
    shop: Option<String>,
    #[arg(long, value_parser = crate::args::values::day)]
    date: Option<chrono::NaiveDate>,
    #[arg(long, value_enum, default_value_t = BidsFormat::Table)]
    format: BidsFormat,
    /// Where the XLSX goes (default `bids-<shop>-<date>.xlsx`).
    #[arg(long)]
    out: Option<PathBuf>,
}

#[derive(Subcommand)]
pub enum BidsCommand {
    /// Approve a recommendation (`--confirm` is required to resume a paused plan).
    Approve(Decision),
    /// Reject a recommendation.
    Reject(Decision),
    /// Mark an approved recommendation as applied on Qianchuan.
    Apply(Decision),
    /// Put a plan on manual hold (no recommendation goes out for it), or `--release` it.
    Hold {
        #[arg(long)]
        shop: String,
        #[arg(long)]
        plan: String,
        #[arg(long)]
        release: bool,
        #[arg(long)]
        note: Option<String>,
    },
    /// The audit log: every change, its decisions, and the holds.
    Audit {
        #[arg(long)]
        shop: String,
    },
}

#[derive(Args)]
pub struct Decision {
    #[arg(long)]
    shop: String,
    /// The recommendation id, e.g. `2026-11-21:170011:pause`.
    #[arg(long)]
    id: String,
    #[arg(long, default_value = "cli")]
    actor: String,
    #[arg(long)]
    note: Option<String>,
    #[arg(long)]
    confirm: bool,
}

pub async fn run(data: &Path, cmd: Option<BidsCommand>, show: ShowArgs) -> Result<()> {
    let ws = crate::workspace(data)?;
    let decide = |d: Decision, status: &'static str| async move {
        let ws = crate::workspace(data)?;
        let r = ws
            .decide_bid(
                &d.shop,
                &d.id,
                status,
                &d.actor,
                d.confirm,
                d.note.as_deref(),
            )
            .await?;
        let word = |kind, code: &str| label(kind, code, Lang::En);
        println!(
            "{} ({}) → {} by {} at {}",
            r.rec_id,
            word(Kind::Action, &r.action),
            word(Kind::RecStatus, &r.status),
            r.actor,
            r.at
        );
        anyhow::Ok(())
    };
    match cmd {
        Some(BidsCommand::Approve(d)) => decide(d, "approved").await,
        Some(BidsCommand::Reject(d)) => decide(d, "rejected").await,
        Some(BidsCommand::Apply(d)) => decide(d, "applied").await,
        Some(BidsCommand::Hold {
            shop,
            plan,
            release,
            note,
        }) => {
            ws.state()
                .await?
                .set_plan_hold(&shop, &plan, !release, "cli", note.as_deref())
                .await?;
            println!(
                "plan {plan} {}",
                if release { "released" } else { "on hold" }
            );
            Ok(())
        }
        Some(BidsCommand::Audit { shop }) => {
            let state = ws.state().await?;
            let audit = serde_json::json!({
                "changes": state.bid_changes(&shop).await?,
                "log": state.bid_change_log(&shop).await?,
                "holds": state.plan_holds(&shop).await?,
            });
            println!("{}", serde_json::to_string_pretty(&audit)?);
            Ok(())
        }
        None => {
            let r = ws.bids(show.shop.as_deref(), show.date).await?;
            match show.format {
                BidsFormat::Json => println!("{}", serde_json::to_string_pretty(&r)?),
                BidsFormat::Table => print!("{}", table(&r)),
                BidsFormat::Xlsx => {
                    let out = show.out.unwrap_or_else(|| {
                        PathBuf::from(format!("bids-{}-{}.xlsx", r.shop, r.date))
                    });
                    write_xlsx(&r, &out)?;
                    println!(
                        "wrote {} recommendations to {}",
                        r.recommendations.len(),
                        out.display()
                    );
                }
            }
            Ok(())
        }
    }
}

fn opt(x: Option<f64>) -> String {
    x.map_or("-".into(), |v| format!("{v:.2}"))
}

fn table(r: &BidsReport) -> String {
    let o = &r.overview;
    let mut s = format!(
        "千川投放 paid traffic · {} · {}\n计划 plans {} · 消耗 spend {:.0} · GMV {:.0} · ROI {} · 学习期预算占比 cold-start budget {:.0}% (rule {:.0}%)\n跑飞 runaway {} · 不消耗 not spending {} · 素材疲劳 fatigued creatives {} · 优质 winners {}\n\n",
        r.shop, r.date, o.plans, o.spend, o.gmv, opt(o.roi), o.cold_start_share * 100.0, o.cold_start_rule * 100.0,
        o.runaway, o.no_delivery, o.fatigued_creatives, o.winners
    );
    if let Some(b) = &r.budget_plan {
        s.push_str(&format!(
            "下月付费预算 paid budget {:.0} (近30天销售 sales {:.0}, 区间 range {:.0}–{:.0}; 冷启动/核心/优化 {:.0}/{:.0}/{:.0}; 测试计划 test plans {:.0})\n\n",
            b.paid_budget,
            b.sales_forecast,
            b.paid_range.0,
            b.paid_range.1,
            b.plan_split.get("cold_start").copied().unwrap_or(0.0),
            b.plan_split.get("core").copied().unwrap_or(0.0),
            b.plan_split.get("optimisation").copied().unwrap_or(0.0),
            b.test_plans
        ));
    }
    let mut t = comfy_table::Table::new();
    t.set_header([
        "id",
        "操作 action",
        "从 from",
        "到 to",
        "状态 status",
        "理由 reason",
    ]);
    for x in &r.recommendations {
        t.add_row([
            x.id.clone(),
            format!("{} {}", x.action.label_zh(), x.action.id()),
            opt(x.from),
            opt(x.to),
            x.decision
                .clone()
                .unwrap_or_else(|| format!("{:?}", x.status).to_lowercase()),
            x.reason_zh.clone(),
        ]);
    }
    s.push_str(&t.to_string());
    s.push('\n');
    s
}

const REC_HEADER: [&str; 15] = [
    "建议ID id",
    "计划ID plan_id",
    "操作 action",
    "action_id",
    "当前值 from",
    "建议值 to",
    "对象 target",
    "状态 status",
    "决定 decision",
    "理由 reason",
    "reason_en",
    "预计消耗变化 spend Δ",
    "预计GMV变化 GMV Δ",
    "预计ROI roi_after",
    "优先级 priority",
];

fn rec_row(x: &Recommendation) -> Vec<Cell> {
    vec![
        x.id.clone().into(),
        x.plan_id.clone().into(),
        x.action.label_zh().into(),
        x.action.id().into(),
        x.from.into(),
        x.to.into(),
        x.target.clone().unwrap_or_default().into(),
        serde_json::to_value(x.status)
            .ok()
            .and_then(|v| v.as_str().map(String::from))
            .unwrap_or_default()
            .into(),
        x.decision.clone().unwrap_or_default().into(),
        x.reason_zh.clone().into(),
        x.reason_en.clone().into(),
        x.expected.spend.into(),
        x.expected.gmv.into(),
        x.expected.roi_after.into(),
        x.priority.into(),
    ]
}

fn plan_row(d: &vitrine_analytics::bids::PlanDiagnosis) -> Result<Vec<Cell>> {
    let mut row: Vec<Cell> = vec![
        d.plan_id.clone().into(),
        d.category.clone().into(),
        d.learning_status.clone().into(),
    ];
    row.extend(
        [
            Some(d.bid),
            Some(d.budget),
            Some(d.spend),
            d.roi,
            d.roi_3d,
            d.roi_7d,
            Some(d.target_roi),
            d.breakeven_roi,
            d.ctr,
            d.ctr_baseline,
        ]
        .map(Cell::from),
    );
    row.push(serde_json::to_string(&d.flags)?.into());
    Ok(row)
}

const PLAN_HEADER: [&str; 14] = [
    "计划ID plan_id",
    "类目 category",
    "学习状态 learning",
    "出价 bid",
    "预算 budget",
    "消耗 spend",
    "ROI",
    "近3天ROI roi_3d",
    "近7天ROI roi_7d",
    "目标ROI target",
    "保本ROI breakeven",
    "点击率 ctr",
    "类目基准 ctr_baseline",
    "标记 flags",
];

fn write_xlsx(r: &BidsReport, out: &Path) -> Result<()> {
    let mut recs = Sheet::new("调价建议", &REC_HEADER);
    recs.rows = r.recommendations.iter().map(rec_row).collect();
    let mut plans = Sheet::new("计划诊断", &PLAN_HEADER);
    plans.rows = r.plans.iter().map(plan_row).collect::<Result<_>>()?;
    let mut sheets = vec![recs, plans];
    if let Some(dp) = &r.daypart {
        let hours: Vec<String> = (0..24).map(|h| format!("{h:02}:00")).collect();
        let mut head = vec!["星期 weekday"];
        head.extend(hours.iter().map(String::as_str));
        let mut days = Sheet::new("分时出价系数", &head);
        let names = ["周一", "周二", "周三", "周四", "周五", "周六", "周日"];
        for (name, row) in names.iter().zip(&dp.multipliers) {
            let mut cells = vec![Cell::from(*name)];
            cells.extend(row.iter().map(|m| Cell::Number(*m)));
            days.rows.push(cells);
        }
        days.rows.push(vec![]);
        days.rows.push(vec![
            "schedule_time".into(),
            dp.schedule_time.clone().into(),
        ]);
        sheets.push(days);
    }
    Ok(vitrine_app::xlsx::save(&sheets, out)?)
}
