//! Root cause of a metric's move over a multi-dimensional cube: which dimension=value
//! combinations explain the change between expected and actual. Two methods:
//! [`adtributor`] (one dimension at a time, by surprise) and [`riskloc`] (combinations across
//! dimensions, by weighted risk), over the same cells and returning the same [`Rca`].

mod adtributor;
mod riskloc;

pub use adtributor::adtributor;
pub use riskloc::{riskloc, RiskParams};

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
    /// A plain sum (no denominator).
    pub fn sum(num: f64) -> Value {
        Value { num, den: None }
    }

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
    /// RiskLoc's risk score, where RiskLoc found the combination.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub risk: Option<f64>,
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

/// The cube's totals, after checking it has cells of the right width and a change to explain.
fn check(dims: &[String], cells: &[Cell]) -> Result<(Value, Value), RcaError> {
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
    Ok((a, f))
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

#[cfg(test)]
mod tests;
