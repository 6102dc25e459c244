//! `vitrine bids`: paid-traffic diagnostics and guarded recommendations (table, JSON or an
//! XLSX an optimizer can apply), and the decisions on them (approve, reject, apply, hold).

use std::path::{Path, PathBuf};

use anyhow::{anyhow, bail, Result};
use clap::{Args, Subcommand};
use vitrine_analytics::bids::{BidsReport, Recommendation};

/// Show the day's recommendations.
#[derive(Args)]
pub struct ShowArgs {
    #[arg(long)]
    shop: Option<String>,
    #[arg(long)]
    date: Option<String>,
    /// `table`, `json` or `xlsx`.
    #[arg(long, default_value = "table")]
    format: String,
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
        println!(
            "{} {} → {} by {} at {}",
            r.rec_id, r.action, r.status, r.actor, r.at
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
            let r = ws
                .bids(
                    show.shop.as_deref(),
                    crate::parse_date(show.date.as_deref())?,
                )
                .await?;
            match show.format.as_str() {
                "json" => println!("{}", serde_json::to_string_pretty(&r)?),
                "table" => print!("{}", table(&r)),
                "xlsx" => {
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
                other => bail!("--format must be table, json or xlsx, got `{other}`"),
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

fn rec_row(x: &Recommendation) -> [Cell; 15] {
    use Cell::{N, T};
    let n = |v: Option<f64>| v.map_or(T(String::new()), N);
    [
        T(x.id.clone()),
        T(x.plan_id.clone()),
        T(x.action.label_zh().into()),
        T(x.action.id().into()),
        n(x.from),
        n(x.to),
        T(x.target.clone().unwrap_or_default()),
        T(serde_json::to_value(x.status)
            .ok()
            .and_then(|v| v.as_str().map(String::from))
            .unwrap_or_default()),
        T(x.decision.clone().unwrap_or_default()),
        T(x.reason_zh.clone()),
        T(x.reason_en.clone()),
        N(x.expected.spend),
        N(x.expected.gmv),
        n(x.expected.roi_after),
        N(x.priority),
    ]
}

enum Cell {
    T(String),
    N(f64),
}

fn write_xlsx(r: &BidsReport, out: &Path) -> Result<()> {
    let mut book = rust_xlsxwriter::Workbook::new();
    let bold = rust_xlsxwriter::Format::new().set_bold();
    let sheet = book.add_worksheet().set_name("调价建议")?;
    for (c, h) in REC_HEADER.iter().enumerate() {
        sheet.write_string_with_format(0, c as u16, *h, &bold)?;
    }
    for (i, x) in r.recommendations.iter().enumerate() {
        for (c, v) in rec_row(x).into_iter().enumerate() {
            let (row, col) = (i as u32 + 1, c as u16);
            match v {
                Cell::T(s) => sheet.write_string(row, col, s)?,
                Cell::N(n) if n.is_finite() => sheet.write_number(row, col, n)?,
                Cell::N(_) => sheet.write_string(row, col, "")?,
            };
        }
    }
    sheet.autofilter(
        0,
        0,
        r.recommendations.len() as u32,
        REC_HEADER.len() as u16 - 1,
    )?;
    sheet.set_freeze_panes(1, 0)?;
    let plans = book.add_worksheet().set_name("计划诊断")?;
    let head = [
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
    for (c, h) in head.iter().enumerate() {
        plans.write_string_with_format(0, c as u16, *h, &bold)?;
    }
    for (i, d) in r.plans.iter().enumerate() {
        let row = i as u32 + 1;
        plans.write_string(row, 0, &d.plan_id)?;
        plans.write_string(row, 1, &d.category)?;
        plans.write_string(row, 2, &d.learning_status)?;
        for (c, v) in [
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
        .into_iter()
        .enumerate()
        {
            if let Some(v) = v.filter(|v| v.is_finite()) {
                plans.write_number(row, c as u16 + 3, v)?;
            }
        }
        plans.write_string(row, 13, serde_json::to_string(&d.flags)?)?;
    }
    if let Some(dp) = &r.daypart {
        let sheet = book.add_worksheet().set_name("分时出价系数")?;
        sheet.write_string_with_format(0, 0, "星期 weekday", &bold)?;
        for h in 0..24u16 {
            sheet.write_string_with_format(0, h + 1, format!("{h:02}:00"), &bold)?;
        }
        for (d, row) in dp.multipliers.iter().enumerate() {
            sheet.write_string(
                d as u32 + 1,
                0,
                ["周一", "周二", "周三", "周四", "周五", "周六", "周日"][d],
            )?;
            for (h, m) in row.iter().enumerate() {
                sheet.write_number(d as u32 + 1, h as u16 + 1, *m)?;
            }
        }
        sheet.write_string(9, 0, "schedule_time")?;
        sheet.write_string(9, 1, &dp.schedule_time)?;
    }
    book.save(out)
        .map_err(|e| anyhow!("cannot write {}: {e}", out.display()))
}
