//! `vitrine sources`: what a shop has in the lake (per table: the export families it came
//! from, the days or periods covered, the last import) and what it is missing.

use std::fmt::Write;

use anyhow::Result;
use chrono::NaiveDate;
use comfy_table::{presets::UTF8_FULL_CONDENSED, Table as Grid};
use serde::Serialize;
use vitrine_core::table::Partitioning;
use vitrine_core::{Lang, Table};
use vitrine_lake::{Engine, Lake};

/// One table a shop has.
#[derive(Debug, Serialize)]
struct Held {
    table: &'static str,
    description: &'static str,
    /// Export families (Chinese names) its rows came from; empty for simulated data.
    families: Vec<String>,
    /// Runs of consecutive days (`a – b`), or snapshot periods.
    covered: Vec<String>,
    days: usize,
    last_import: Option<String>,
}

#[derive(Debug, Serialize)]
struct Report {
    shop: String,
    held: Vec<Held>,
    missing: Vec<vitrine_analytics::sources::MissingSource>,
}

/// Prints what `shop` has and lacks (every shop when `None`).
pub async fn run(data: &std::path::Path, shop: Option<&str>, json: bool, lang: Lang) -> Result<()> {
    let lake = Lake::open(data)?;
    let manifest = lake.manifest_shared()?;
    let shops: Vec<String> = match shop {
        Some(s) => vec![s.to_string()],
        None => manifest.shops(),
    };
    let engine = Engine::new(&lake).ok();
    let mut reports = Vec::new();
    for s in shops {
        let mut held = Vec::new();
        for t in Table::ALL {
            let days = manifest.dates(t.name(), &s);
            let has = !days.is_empty()
                || manifest
                    .partitions
                    .keys()
                    .any(|k| k.table == t.name() && k.shop == s);
            if !has {
                continue;
            }
            let mut families: Vec<String> = Vec::new();
            let mut last: Option<String> = None;
            for (k, refs) in &manifest.lineage {
                if k.table != t.name() || k.shop != s {
                    continue;
                }
                for r in refs {
                    if !families.contains(&r.family_zh) {
                        families.push(r.family_zh.clone());
                    }
                    if last.as_deref().is_none_or(|l| r.imported_at.as_str() > l) {
                        last = Some(r.imported_at.clone());
                    }
                }
            }
            let covered = if t.partitioning() == Partitioning::Period {
                periods(engine.as_ref(), t, &s).await
            } else {
                runs(&days)
            };
            held.push(Held {
                table: t.name(),
                description: t.description(),
                families,
                covered,
                days: days.len(),
                last_import: last,
            });
        }
        let present: Vec<Table> = held
            .iter()
            .filter_map(|h| Table::from_name(h.table))
            .collect();
        reports.push(Report {
            shop: s,
            held,
            missing: vitrine_analytics::sources::missing(&present, lang),
        });
    }
    if json {
        println!("{}", serde_json::to_string_pretty(&reports)?);
    } else {
        for r in &reports {
            print!("{}", text(r, lang));
        }
    }
    Ok(())
}

/// Consecutive days as `a – b` runs.
fn runs(days: &[NaiveDate]) -> Vec<String> {
    let mut out: Vec<(NaiveDate, NaiveDate)> = Vec::new();
    for &d in days {
        match out.last_mut() {
            Some(run) if run.1.succ_opt() == Some(d) => run.1 = d,
            _ => out.push((d, d)),
        }
    }
    out.into_iter()
        .map(|(a, b)| span(&a.to_string(), &b.to_string()))
        .collect()
}

/// A day (`a`) or a range (`a – b`).
fn span(a: &str, b: &str) -> String {
    if a == b {
        a.to_string()
    } else {
        format!("{a} – {b}")
    }
}

/// The distinct periods of a snapshot table.
async fn periods(engine: Option<&Engine>, t: Table, shop: &str) -> Vec<String> {
    let Some(engine) = engine else {
        return Vec::new();
    };
    let sql = format!(
        "SELECT DISTINCT CAST(date AS VARCHAR) AS a, CAST(period_end AS VARCHAR) AS b FROM {} WHERE shop_id = '{}' ORDER BY 1, 2",
        t.name(),
        shop.replace('\'', "''")
    );
    let Ok(out) = engine.sql(&sql).await else {
        return Vec::new();
    };
    let Ok(csv) = out.to_csv() else {
        return Vec::new();
    };
    csv.lines()
        .skip(1)
        .filter_map(|l| l.split_once(','))
        .map(|(a, b)| span(a, b))
        .collect()
}

/// An RFC 3339 instant as Asia/Shanghai wall time to the minute.
fn local_time(at: &str) -> String {
    chrono::DateTime::parse_from_rfc3339(at)
        .map(|t| {
            (t.naive_utc() + chrono::Duration::hours(8))
                .format("%Y-%m-%d %H:%M")
                .to_string()
        })
        .unwrap_or_else(|_| at.to_string())
}

fn text(r: &Report, l: Lang) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "{} {}", l.pick("店铺", "Shop"), r.shop);
    let mut g = Grid::new();
    g.load_preset(UTF8_FULL_CONDENSED).set_header([
        l.pick("数据表", "Table"),
        l.pick("来源导出", "Exports"),
        l.pick("覆盖", "Covered"),
        l.pick("最近导入", "Last import"),
    ]);
    for h in &r.held {
        let families = if h.families.is_empty() {
            l.pick("（模拟或直接写入）", "(simulated or written directly)")
                .to_string()
        } else {
            h.families.join("、")
        };
        let mut covered = h.covered.clone();
        if covered.len() > 4 {
            let n = covered.len();
            covered.truncate(3);
            covered.push(format!("… {n}"));
        }
        let label = Table::from_name(h.table)
            .map(|t| t.label(l).to_string())
            .unwrap_or_else(|| h.table.to_string());
        g.add_row([
            label,
            families,
            covered.join(", "),
            h.last_import
                .as_deref()
                .map(local_time)
                .unwrap_or_else(|| "–".into()),
        ]);
    }
    let _ = writeln!(s, "{g}");
    if !r.missing.is_empty() {
        let _ = writeln!(s, "{}", l.pick("缺少：", "Missing:"));
        for m in &r.missing {
            let _ = writeln!(s, "  {}: {}", m.name, m.download);
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn consecutive_days_form_runs() {
        let d = |s: &str| s.parse::<NaiveDate>().unwrap();
        let days = [
            d("2026-07-01"),
            d("2026-07-02"),
            d("2026-07-03"),
            d("2026-07-05"),
        ];
        assert_eq!(runs(&days), vec!["2026-07-01 – 2026-07-03", "2026-07-05"]);
    }
}
