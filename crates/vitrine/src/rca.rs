//! `vitrine rca`: root cause over any cube an analyst hands in as CSV.

use std::path::Path;

use anyhow::{anyhow, bail, Context, Result};
use vitrine_analytics::rca::{adtributor, riskloc, Cell, Params, RiskParams, Value};

use crate::args::values::RcaMethod;

/// Where one side's value comes from: a column, or numerator/denominator columns.
struct Side {
    num: usize,
    den: Option<usize>,
}

fn side(spec: &str, headers: &csv::StringRecord, path: &Path, flag: &str) -> Result<Side> {
    let find = |name: &str| {
        headers
            .iter()
            .position(|h| h.trim() == name.trim())
            .ok_or_else(|| {
                anyhow!(
                    "{}:1: --{flag} names column `{name}`, which is not in the header ({})",
                    path.display(),
                    headers.iter().collect::<Vec<_>>().join(", ")
                )
            })
    };
    Ok(match spec.split_once('/') {
        Some((n, d)) => Side {
            num: find(n)?,
            den: Some(find(d)?),
        },
        None => Side {
            num: find(spec)?,
            den: None,
        },
    })
}

pub fn run(
    input: &Path,
    dimensions: &str,
    actual: &str,
    expected: &str,
    method: RcaMethod,
    format: crate::args::values::Shown,
) -> Result<()> {
    let mut r = csv::Reader::from_path(input)
        .with_context(|| format!("cannot read {}", input.display()))?;
    let headers = r
        .headers()
        .with_context(|| format!("{}: no header row", input.display()))?
        .clone();
    let dims: Vec<String> = dimensions
        .split(',')
        .map(|d| d.trim().to_string())
        .filter(|d| !d.is_empty())
        .collect();
    if dims.is_empty() {
        bail!("--dimensions needs at least one column");
    }
    let dim_idx = dims
        .iter()
        .map(|d| {
            headers
                .iter()
                .position(|h| h.trim() == d)
                .ok_or_else(|| anyhow!("{}:1: no dimension column `{d}`", input.display()))
        })
        .collect::<Result<Vec<_>>>()?;
    let (a, f) = (
        side(actual, &headers, input, "actual")?,
        side(expected, &headers, input, "expected")?,
    );
    if a.den.is_some() != f.den.is_some() {
        bail!("--actual and --expected must both be columns or both be NUM/DEN");
    }
    let mut cells = Vec::new();
    for (i, rec) in r.records().enumerate() {
        let line = i + 2;
        let rec = rec.with_context(|| format!("{}:{line}: malformed row", input.display()))?;
        let num = |idx: usize| crate::cells::number(&rec, &headers, idx, input, line);
        let value = |s: &Side| -> Result<Value> {
            Ok(Value {
                num: num(s.num)?,
                den: s.den.map(num).transpose()?,
            })
        };
        cells.push(Cell {
            dims: dim_idx
                .iter()
                .map(|&j| rec.get(j).unwrap_or("").to_string())
                .collect(),
            actual: value(&a)?,
            expected: value(&f)?,
        });
    }
    let out = match method {
        RcaMethod::Riskloc => riskloc(&dims, &cells, &RiskParams::default()),
        RcaMethod::Adtributor => adtributor(&dims, &cells, &Params::default()),
    }
    .map_err(|e| anyhow!("{}: {e}", input.display()))?;
    if format == crate::args::values::Shown::Json {
        println!("{}", serde_json::to_string_pretty(&out)?);
        return Ok(());
    }
    println!("expected {:.6} → actual {:.6}", out.expected, out.actual);
    let show = |c: &std::collections::BTreeMap<String, String>| {
        c.iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join(" · ")
    };
    println!(
        "根因 root cause: {}",
        out.root_cause_set
            .iter()
            .map(show)
            .collect::<Vec<_>>()
            .join("; ")
    );
    for c in &out.candidates {
        let risk = c.risk.map(|r| format!("  risk {r:.3}")).unwrap_or_default();
        println!(
            "  {:<40} EP {:>7.3}  surprise {:.5}{risk}  {:.4} → {:.4}",
            show(&c.combination),
            c.explanatory_power,
            c.surprise,
            c.expected,
            c.actual
        );
    }
    Ok(())
}
