//! Adtributor (Bhagwan et al., NSDI 2014), with its derived-measure rule for ratios and a
//! recursive step that looks inside the winning element for a nested cause (e.g. region=广东
//! → device=android).
//!
//! For each dimension, elements are taken in order of *surprise* (Jensen–Shannon divergence
//! between their expected and actual shares) while their *explanatory power* (share of the
//! total change they account for) exceeds `min_element_ep`, until the set explains
//! `min_set_ep` of the change. The dimension whose set is most surprising wins.

use std::collections::BTreeMap;

use super::{check, totals, Candidate, Cell, Frame, Params, Rca, RcaError, Value};

/// Runs Adtributor (recursively) over `cells` whose dimension names are `dims`.
pub fn adtributor(dims: &[String], cells: &[Cell], p: &Params) -> Result<Rca, RcaError> {
    let (a, f) = check(dims, cells)?;
    let frame = Frame { a, f };
    let active: Vec<usize> = (0..dims.len()).collect();
    let mut candidates = Vec::new();
    let mut causes = Vec::new();
    explain(
        dims,
        cells,
        &active,
        &BTreeMap::new(),
        &frame,
        p,
        0,
        &mut candidates,
        &mut causes,
    );
    let cause_keys: Vec<&BTreeMap<String, String>> = causes.iter().collect();
    candidates.sort_by(|x: &Candidate, y: &Candidate| {
        let rank = |c: &Candidate| cause_keys.iter().position(|k| **k == c.combination);
        match (rank(x), rank(y)) {
            (Some(i), Some(j)) => i.cmp(&j),
            (Some(_), None) => std::cmp::Ordering::Less,
            (None, Some(_)) => std::cmp::Ordering::Greater,
            (None, None) => y.surprise.total_cmp(&x.surprise),
        }
    });
    candidates.dedup_by(|x, y| x.combination == y.combination);
    Ok(Rca {
        actual: a.metric(),
        expected: f.metric(),
        root_cause_set: causes,
        candidates,
    })
}

/// One dimension's explanatory set: elements, their candidates and total surprise.
struct DimSet {
    dim: usize,
    elements: Vec<(String, Candidate)>,
    surprise: f64,
}

#[allow(clippy::too_many_arguments)]
fn explain(
    dims: &[String],
    cells: &[Cell],
    active: &[usize],
    prefix: &BTreeMap<String, String>,
    frame: &Frame,
    p: &Params,
    depth: usize,
    candidates: &mut Vec<Candidate>,
    causes: &mut Vec<BTreeMap<String, String>>,
) {
    let mut sets: Vec<DimSet> = active
        .iter()
        .filter_map(|&d| dimension_set(dims, cells, d, prefix, frame, p, candidates))
        .collect();
    sets.sort_by(|x, y| y.surprise.total_cmp(&x.surprise));
    let Some(best) = sets.into_iter().next() else {
        return;
    };
    for (value, cand) in &best.elements {
        let sub: Vec<Cell> = cells
            .iter()
            .filter(|c| &c.dims[best.dim] == value)
            .cloned()
            .collect();
        let rest: Vec<usize> = active.iter().copied().filter(|&d| d != best.dim).collect();
        if depth + 1 < p.max_depth && !rest.is_empty() {
            let mut nested = Vec::new();
            let inner = &cand.combination;
            explain(
                dims,
                &sub,
                &rest,
                inner,
                frame,
                p,
                depth + 1,
                candidates,
                &mut nested,
            );
            // A nested cause counts only when it is concentrated: a minority of the element
            // (expected side) that explains the element's change.
            let sub_f = totals(sub.iter()).1;
            let share: f64 = nested.iter().map(|c| share_of(&sub, dims, c, sub_f)).sum();
            if !nested.is_empty() && share <= p.max_nested_share {
                causes.extend(nested);
                continue;
            }
        }
        causes.push(cand.combination.clone());
    }
}

/// Expected-side share of `combo` within `cells` (by denominator for ratios).
fn share_of(
    cells: &[Cell],
    dims: &[String],
    combo: &BTreeMap<String, String>,
    total: Value,
) -> f64 {
    let inside = cells.iter().filter(|c| {
        combo.iter().all(|(k, v)| {
            dims.iter()
                .position(|d| d == k)
                .is_some_and(|i| &c.dims[i] == v)
        })
    });
    let f = totals(inside).1;
    match (f.den, total.den) {
        (Some(a), Some(b)) if b != 0.0 => a / b,
        _ if total.num != 0.0 => f.num / total.num,
        _ => 1.0,
    }
}

fn dimension_set(
    dims: &[String],
    cells: &[Cell],
    d: usize,
    prefix: &BTreeMap<String, String>,
    frame: &Frame,
    p: &Params,
    candidates: &mut Vec<Candidate>,
) -> Option<DimSet> {
    let zero = |v: Value| Value {
        num: 0.0,
        den: v.den.map(|_| 0.0),
    };
    let mut groups: BTreeMap<&str, (Value, Value)> = BTreeMap::new();
    for c in cells {
        let e = groups
            .entry(c.dims[d].as_str())
            .or_insert_with(|| (zero(c.actual), zero(c.expected)));
        e.0 = e.0.add(c.actual);
        e.1 = e.1.add(c.expected);
    }
    let mut scored: Vec<(String, Candidate)> = groups
        .into_iter()
        .map(|(value, (ae, fe))| {
            let mut combination = prefix.clone();
            combination.insert(dims[d].clone(), value.to_string());
            let cand = Candidate {
                combination,
                explanatory_power: frame.power(ae, fe),
                surprise: frame.surprise(ae, fe),
                risk: None,
                share: frame.share(fe),
                actual: ae.metric(),
                expected: fe.metric(),
            };
            (value.to_string(), cand)
        })
        .collect();
    scored.sort_by(|x, y| y.1.surprise.total_cmp(&x.1.surprise));
    let mut chosen = Vec::new();
    let mut power = 0.0;
    let parent_power: f64 = scored.iter().map(|(_, c)| c.explanatory_power).sum();
    if parent_power <= 0.0 {
        return None;
    }
    for (value, cand) in &scored {
        if cand.explanatory_power > p.min_element_ep * parent_power {
            candidates.push(cand.clone());
            chosen.push((value.clone(), cand.clone()));
            power += cand.explanatory_power;
            if power >= p.min_set_ep * parent_power {
                let surprise = chosen.iter().map(|(_, c)| c.surprise).sum();
                return Some(DimSet {
                    dim: d,
                    elements: chosen,
                    surprise,
                });
            }
        }
    }
    None
}
