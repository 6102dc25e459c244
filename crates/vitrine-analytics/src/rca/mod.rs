//! Root cause of a metric's move over a multi-dimensional cube: Adtributor (Bhagwan et al.,
//! NSDI 2014), with its derived-measure rule for ratios and a recursive step that looks
//! inside the winning element for a nested cause (e.g. region=广东 → device=android).
//!
//! For each dimension, elements are taken in order of *surprise* (Jensen–Shannon divergence
//! between their expected and actual shares) while their *explanatory power* (share of the
//! total change they account for) exceeds `min_element_ep`, until the set explains
//! `min_set_ep` of the change. The dimension whose set is most surprising wins.

use std::collections::BTreeMap;

use serde::Serialize;

/// Errors of a root-cause request.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum RcaError {
    #[error("{0}")]
    Invalid(String),
}

/// A value on one side (actual or expected): a sum, or a numerator and denominator.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Value {
    pub num: f64,
    pub den: Option<f64>,
}

impl Value {
    fn add(self, o: Value) -> Value {
        Value {
            num: self.num + o.num,
            den: match (self.den, o.den) {
                (Some(a), Some(b)) => Some(a + b),
                _ => None,
            },
        }
    }

    fn sub(self, o: Value) -> Value {
        Value {
            num: self.num - o.num,
            den: self.den.zip(o.den).map(|(a, b)| a - b),
        }
    }

    /// The metric: the sum, or num / den (0 when den is 0).
    pub fn metric(self) -> f64 {
        match self.den {
            None => self.num,
            Some(d) if d != 0.0 => self.num / d,
            Some(_) => 0.0,
        }
    }
}

/// One leaf cell of the cube: its dimension values (in the cube's order) and both sides.
#[derive(Debug, Clone, PartialEq)]
pub struct Cell {
    pub dims: Vec<String>,
    pub actual: Value,
    pub expected: Value,
}

/// Thresholds (the paper's defaults).
#[derive(Debug, Clone, Copy, Serialize)]
pub struct Params {
    /// An element must explain more than this share of the change (T_EEP = 0.1).
    pub min_element_ep: f64,
    /// A dimension's set must explain at least this share (T_EP = 0.67).
    pub min_set_ep: f64,
    /// A nested cause must sit in at most this share of its parent (expected side).
    pub max_nested_share: f64,
    /// How deep the recursion may go.
    pub max_depth: usize,
}

impl Default for Params {
    fn default() -> Self {
        Params {
            min_element_ep: 0.1,
            min_set_ep: 0.67,
            max_nested_share: 0.5,
            max_depth: 3,
        }
    }
}

/// A ranked dimension=value combination.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Candidate {
    pub combination: BTreeMap<String, String>,
    /// Share of the total change this combination accounts for.
    pub explanatory_power: f64,
    /// Jensen–Shannon surprise of the combination's share (summed over num and den).
    pub surprise: f64,
    /// Expected-side share of the whole cube (by denominator for ratios).
    pub share: f64,
    pub actual: f64,
    pub expected: f64,
}

/// The conclusion and the ranked evidence.
#[derive(Debug, Clone, Serialize)]
pub struct Rca {
    pub actual: f64,
    pub expected: f64,
    /// The combinations concluded to be the cause.
    pub root_cause_set: Vec<BTreeMap<String, String>>,
    /// Every candidate with its scores: the cause first, then by surprise.
    pub candidates: Vec<Candidate>,
}

/// Runs Adtributor (recursively) over `cells` whose dimension names are `dims`.
pub fn adtributor(dims: &[String], cells: &[Cell], p: &Params) -> Result<Rca, RcaError> {
    if cells.is_empty() {
        return Err(RcaError::Invalid("the cube has no cells".into()));
    }
    if let Some(c) = cells.iter().find(|c| c.dims.len() != dims.len()) {
        return Err(RcaError::Invalid(format!(
            "a cell has {} dimension values, the cube has {} dimensions",
            c.dims.len(),
            dims.len()
        )));
    }
    let (a, f) = totals(cells.iter());
    if (a.metric() - f.metric()).abs() <= 1e-12 * f.metric().abs().max(1e-300) {
        return Err(RcaError::Invalid(format!(
            "actual ({}) equals expected ({}): there is no change to explain",
            a.metric(),
            f.metric()
        )));
    }
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

/// The whole cube's totals, against which every element's power is measured.
struct Frame {
    a: Value,
    f: Value,
}

impl Frame {
    /// Explanatory power of an element: the change in the total metric when only this
    /// element moves from expected to actual, over the total change (the paper's rule for
    /// derived measures; for sums it reduces to (A_e − F_e)/(A − F)).
    fn power(&self, ae: Value, fe: Value) -> f64 {
        let moved = self.f.sub(fe).add(ae);
        (moved.metric() - self.f.metric()) / (self.a.metric() - self.f.metric())
    }

    fn share(&self, fe: Value) -> f64 {
        match (fe.den, self.f.den) {
            (Some(a), Some(b)) if b != 0.0 => a / b,
            _ if self.f.num != 0.0 => fe.num / self.f.num,
            _ => 0.0,
        }
    }

    fn surprise(&self, ae: Value, fe: Value) -> f64 {
        let mut s = js(fe.num / self.f.num, ae.num / self.a.num);
        if let (Some(d), Some(fd), Some(ad)) = (fe.den, self.f.den, self.a.den) {
            s += js(d / fd, ae.den.unwrap_or(0.0) / ad);
        }
        s
    }
}

/// Jensen–Shannon divergence of the two-point shares p (expected) and q (actual).
fn js(p: f64, q: f64) -> f64 {
    let term = |x: f64, m: f64| {
        if x > 0.0 && m > 0.0 {
            x * (x / m).ln()
        } else {
            0.0
        }
    };
    if !(p.is_finite() && q.is_finite()) {
        return 0.0;
    }
    let m = (p + q) / 2.0;
    0.5 * (term(p, m) + term(q, m))
}

fn totals<'a>(cells: impl Iterator<Item = &'a Cell>) -> (Value, Value) {
    let mut it = cells.peekable();
    let zero = |v: &Value| Value {
        num: 0.0,
        den: v.den.map(|_| 0.0),
    };
    let (mut a, mut f) = match it.peek() {
        Some(c) => (zero(&c.actual), zero(&c.expected)),
        None => (Value::default(), Value::default()),
    };
    for c in it {
        a = a.add(c.actual);
        f = f.add(c.expected);
    }
    (a, f)
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

#[cfg(test)]
mod tests;
