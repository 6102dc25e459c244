//! Customer lifetime value: BG/NBD (Fader, Hardie & Lee 2005) and Pareto/NBD (Schmittlein
//! et al. 1987) for purchase counts, Gamma-Gamma (Fader & Hardie 2013) for spend.
//!
//! Models are fitted by maximum likelihood with Nelder–Mead over log-parameters (so every
//! parameter stays positive), on log-space likelihoods, over inputs compressed to distinct
//! `(frequency, recency, T)` rows with weights — a million customers become a few thousand rows.

mod bgnbd;
mod fit;
mod gamma_gamma;
mod pareto;
mod special;

use rustc_hash::FxHashMap;

use serde::{Deserialize, Serialize};

pub use bgnbd::BgNbd;
pub use gamma_gamma::GammaGamma;
pub use pareto::ParetoNbd;

/// Errors of CLV fitting and prediction.
#[derive(Debug, Clone, thiserror::Error, PartialEq)]
pub enum ClvError {
    /// The input cannot identify the model; the message says why.
    #[error("{0}")]
    Degenerate(String),
    /// A customer row is invalid (0-based row index).
    #[error("row {row}: {reason}")]
    Row { row: usize, reason: String },
    /// The optimiser did not reach a finite optimum.
    #[error("the {model} fit did not converge: {reason}")]
    NoConvergence { model: &'static str, reason: String },
}

/// One customer's repeat-purchase summary in calendar-time periods.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Customer {
    /// Repeat purchases (periods with a purchase after the first).
    pub frequency: f64,
    /// Age at the last purchase (first to last purchase).
    pub recency: f64,
    /// Age at the end of observation (first purchase to end).
    #[serde(rename = "T")]
    pub t: f64,
    /// Mean spend of the repeat purchases (0 when frequency is 0).
    #[serde(default)]
    pub monetary_value: Option<f64>,
}

/// Customers' summaries by position: a slice of them, or summaries worked out from each
/// buyer's purchases when asked, so a review's millions of buyers are not held twice.
pub trait Summaries: Sync {
    fn len(&self) -> usize;
    /// The summary of customer `i` (`i < len`).
    fn get(&self, i: usize) -> Customer;
    fn is_empty(&self) -> bool {
        self.len() == 0
    }
    /// Every summary, in order.
    fn each(&self) -> impl Iterator<Item = Customer> + '_ {
        (0..self.len()).map(|i| self.get(i))
    }
}

impl Summaries for [Customer] {
    fn len(&self) -> usize {
        <[Customer]>::len(self)
    }
    fn get(&self, i: usize) -> Customer {
        self[i]
    }
}

impl Summaries for Vec<Customer> {
    fn len(&self) -> usize {
        <[Customer]>::len(self)
    }
    fn get(&self, i: usize) -> Customer {
        self[i]
    }
}

/// Checks summaries: non-negative, whole frequency, recency ≤ T, recency 0 without repeats.
/// T = 0 (first purchase on the last observed day) is valid and carries no information.
pub fn validate(customers: &[Customer]) -> Result<(), ClvError> {
    validate_all(customers)
}

/// [`validate`] of any [`Summaries`].
pub(crate) fn validate_all<S: Summaries + ?Sized>(customers: &S) -> Result<(), ClvError> {
    // The first half's error comes first, as one pass would find it.
    let (first, second) = index_halves(customers.len(), |from, to| {
        validate_range(customers, from, to)
    });
    first.and(second)
}

fn validate_range<S: Summaries + ?Sized>(
    customers: &S,
    from: usize,
    to: usize,
) -> Result<(), ClvError> {
    for row in from..to {
        let c = customers.get(row);
        let bad = |reason: String| Err(ClvError::Row { row, reason });
        if !(c.frequency >= 0.0 && c.frequency.fract() == 0.0 && c.frequency.is_finite()) {
            return bad(format!(
                "frequency must be a whole number ≥ 0, got {}",
                c.frequency
            ));
        }
        if !(c.recency >= 0.0 && c.t >= c.recency && c.t.is_finite()) {
            return bad(format!(
                "need 0 ≤ recency ≤ T, got recency {} and T {}",
                c.recency, c.t
            ));
        }
        if c.frequency == 0.0 && c.recency != 0.0 {
            return bad(format!(
                "recency must be 0 without repeat purchases, got {}",
                c.recency
            ));
        }
        if let Some(m) = c.monetary_value {
            if !(m >= 0.0 && m.is_finite()) {
                return bad(format!("monetary_value must be ≥ 0, got {m}"));
            }
        }
    }
    Ok(())
}

/// Distinct `(x, t_x, T)` rows with their weights, plus the distinct x, t_x and T values
/// (so per-value terms are computed once per likelihood evaluation, not once per row), and
/// each customer's row (so predictions are computed per row, then handed out).
#[derive(Debug, Clone)]
pub(crate) struct Compressed {
    pub rows: Vec<Row>,
    pub xs: Vec<f64>,
    pub txs: Vec<f64>,
    pub ts: Vec<f64>,
    /// Per customer, in input order, the index of its row in `rows`.
    pub of: Vec<u32>,
}

#[derive(Debug, Clone, Copy)]
pub(crate) struct Row {
    pub x: f64,
    pub tx: f64,
    pub t: f64,
    pub weight: f64,
    /// Indexes into `xs`, `txs` and `ts`.
    pub xi: usize,
    pub txi: usize,
    pub ti: usize,
}

fn distinct(mut v: Vec<f64>) -> Vec<f64> {
    v.sort_by(f64::total_cmp);
    v.dedup();
    v
}

fn index_of(values: &[f64], v: f64) -> usize {
    values.partition_point(|x| *x < v)
}

impl Compressed {
    /// The distinct rows in ascending (x, t_x, T) order, whatever order customers come in.
    pub fn new<S: Summaries + ?Sized>(customers: &S) -> Compressed {
        let (slots, mut of) = slots_of(customers);
        let mut order: Vec<u32> = (0..slots.len() as u32).collect();
        order.sort_unstable_by(|a, b| {
            let ((x1, tx1, t1), (x2, tx2, t2)) = (slots[*a as usize].0, slots[*b as usize].0);
            x1.total_cmp(&x2)
                .then(tx1.total_cmp(&tx2))
                .then(t1.total_cmp(&t2))
        });
        let mut row_of_slot = vec![0u32; slots.len()];
        for (row, slot) in order.iter().enumerate() {
            row_of_slot[*slot as usize] = row as u32;
        }
        for o in &mut of {
            *o = row_of_slot[*o as usize];
        }
        let keyed: Vec<((f64, f64, f64), f64)> = order.iter().map(|s| slots[*s as usize]).collect();
        let xs = distinct(keyed.iter().map(|k| k.0 .0).collect());
        let txs = distinct(keyed.iter().map(|k| k.0 .1).collect());
        let ts = distinct(keyed.iter().map(|k| k.0 .2).collect());
        let rows = keyed
            .into_iter()
            .map(|((x, tx, t), weight)| Row {
                x,
                tx,
                t,
                weight,
                xi: index_of(&xs, x),
                txi: index_of(&txs, tx),
                ti: index_of(&ts, t),
            })
            .collect();
        Compressed {
            rows,
            xs,
            txs,
            ts,
            of,
        }
    }
}

/// A distinct row: its `(x, t_x, T)` and the number of customers on it.
type Slot = ((f64, f64, f64), f64);

/// Largest value packed into a 21-bit field of a row key.
const PACKED_MAX: f64 = ((1u64 << 21) - 1) as f64;

/// Customers assigned to their distinct rows, in order of first appearance: the rows, and
/// each customer's row. The two halves of the customers are assigned side by side, then the
/// second half's rows are renumbered into the first's, which gives the numbers one pass
/// would.
fn slots_of<S: Summaries + ?Sized>(customers: &S) -> (Vec<Slot>, Vec<u32>) {
    let (mut first, second) = index_halves(customers.len(), |from, to| {
        RowIndex::over(customers, from, to)
    });
    let renumbered: Vec<u32> = second
        .slots
        .iter()
        .zip(&second.counts)
        .map(|(slot, count)| first.add(slot.0, *count))
        .collect();
    first
        .of
        .extend(second.of.iter().map(|s| renumbered[*s as usize]));
    first.into_parts()
}

/// Distinct rows of the customers seen so far, in order of first appearance, with each
/// customer's row. Each customer is looked up once (millions of customers, a few hundred
/// thousand distinct rows). Summaries in whole periods below 2²¹ (days, weeks) are looked up
/// by one packed integer, and customers without repeats (most of them) by T alone in an
/// array; any other value by its three bit patterns.
#[derive(Default)]
struct RowIndex {
    slots: Vec<Slot>,
    /// Customers on each row, counted apart from the rows: a few hundred thousand counts
    /// stay in cache.
    counts: Vec<u32>,
    of: Vec<u32>,
    no_repeats: Vec<u32>,
    packed: FxHashMap<u64, u32>,
    other: FxHashMap<(u64, u64, u64), u32>,
}

impl RowIndex {
    /// The rows of customers `from..to`.
    fn over<S: Summaries + ?Sized>(customers: &S, from: usize, to: usize) -> RowIndex {
        let mut index = RowIndex {
            of: Vec::with_capacity(to - from),
            ..RowIndex::default()
        };
        for i in from..to {
            let c = customers.get(i);
            let slot = index.add((c.frequency, c.recency, c.t), 1);
            index.of.push(slot);
        }
        index
    }

    /// Adds `count` customers on row `key`, returning its number.
    fn add(&mut self, key: (f64, f64, f64), count: u32) -> u32 {
        // −0.0 is not packed: it stays a row apart from 0.0, as its bit pattern is.
        let whole = |v: f64| v.fract() == 0.0 && v.is_sign_positive() && v <= PACKED_MAX;
        let (x, tx, t) = key;
        let next = self.slots.len() as u32;
        let slot = if whole(x) && whole(tx) && whole(t) {
            if x == 0.0 && tx == 0.0 {
                let t = t as usize;
                if t >= self.no_repeats.len() {
                    self.no_repeats.resize(t + 1, u32::MAX);
                }
                if self.no_repeats[t] == u32::MAX {
                    self.no_repeats[t] = next;
                }
                self.no_repeats[t]
            } else {
                let packed = (x as u64) << 42 | (tx as u64) << 21 | t as u64;
                *self.packed.entry(packed).or_insert(next)
            }
        } else {
            let bits = (x.to_bits(), tx.to_bits(), t.to_bits());
            *self.other.entry(bits).or_insert(next)
        };
        if slot == next {
            self.slots.push((key, 0.0));
            self.counts.push(count);
        } else {
            self.counts[slot as usize] += count;
        }
        slot
    }

    fn into_parts(mut self) -> (Vec<Slot>, Vec<u32>) {
        for (s, n) in self.slots.iter_mut().zip(&self.counts) {
            s.1 = f64::from(*n);
        }
        (self.slots, self.of)
    }
}

/// Items below which a second thread costs more than it saves.
const WORTH_A_THREAD: usize = 1 << 14;

/// `f` of the two halves of `items`, the second on another thread when there are enough
/// of them to pay for it: per-row passes over millions of customers use both cores.
pub(crate) fn in_halves<T: Sync, R: Send>(items: &[T], f: impl Fn(&[T]) -> R + Sync) -> (R, R) {
    index_halves(items.len(), |from, to| f(&items[from..to]))
}

/// `f(from, to)` of the two halves of `0..n`, as [`in_halves`] does for a slice.
pub(crate) fn index_halves<R: Send>(n: usize, f: impl Fn(usize, usize) -> R + Sync) -> (R, R) {
    let mid = n / 2;
    if n < WORTH_A_THREAD {
        return (f(0, mid), f(mid, n));
    }
    std::thread::scope(|s| {
        let second = s.spawn(|| f(mid, n));
        let first = f(0, mid);
        (
            first,
            second
                .join()
                .unwrap_or_else(|e| std::panic::resume_unwind(e)),
        )
    })
}

/// Degenerate inputs the count models cannot learn from.
pub(crate) fn check_counts(customers: &[Customer], model: &str) -> Result<(), ClvError> {
    validate(customers)?;
    check_valid_counts(customers, model)
}

/// [`check_counts`] of customers already validated.
pub(crate) fn check_valid_counts<S: Summaries + ?Sized>(
    customers: &S,
    model: &str,
) -> Result<(), ClvError> {
    if customers.len() < 2 {
        return Err(ClvError::Degenerate(format!(
            "{model} needs at least 2 customers, got {}",
            customers.len()
        )));
    }
    if customers.each().all(|c| c.frequency == 0.0) {
        return Err(ClvError::Degenerate(format!(
            "no customer made a repeat purchase, so {model} cannot estimate a purchase rate"
        )));
    }
    Ok(())
}

/// Per-customer prediction over a horizon.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Prediction {
    pub p_alive: f64,
    pub expected_purchases: f64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expected_avg_spend: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub clv: Option<f64>,
}

/// A fitted purchase-count model.
pub trait CountModel: Sync {
    /// P(the customer is still active at T).
    fn p_alive(&self, c: &Customer) -> f64;
    /// Expected purchases in (T, T + t].
    fn expected_purchases(&self, c: &Customer, t: f64) -> f64;
}

/// Predicts every customer: P(alive), expected purchases over `horizon` and, with a spend
/// model, expected average spend and CLV discounted per period at `discount_rate`
/// (purchases of period i, i.e. E[Y(i)] − E[Y(i−1)], are discounted by (1 + d)^i).
pub fn predict(
    model: &dyn CountModel,
    spend: Option<&GammaGamma>,
    customers: &[Customer],
    horizon: f64,
    discount_rate: f64,
) -> Result<Vec<Prediction>, ClvError> {
    validate(customers)?;
    check_horizon(horizon, discount_rate)?;
    let data = Compressed::new(customers);
    Ok(predictions(model, spend, customers, &data, horizon, discount_rate).collect())
}

/// A prediction horizon must be positive and a discount rate above −1.
pub(crate) fn check_horizon(horizon: f64, discount_rate: f64) -> Result<(), ClvError> {
    if !(horizon > 0.0 && horizon.is_finite()) {
        return Err(ClvError::Degenerate(format!(
            "horizon must be positive, got {horizon}"
        )));
    }
    if !(discount_rate > -1.0 && discount_rate.is_finite()) {
        return Err(ClvError::Degenerate(format!(
            "discount rate must be > −1, got {discount_rate}"
        )));
    }
    Ok(())
}

/// [`predict`] of valid `customers` compressed into `data`: both count predictions depend on
/// (x, t_x, T) only, and millions of customers share a few hundred thousand of those, so
/// each row is computed once and handed to its customers.
/// One at a time, in customer order, so millions of them need not be held at once.
pub(crate) fn predictions<'a, S: Summaries + ?Sized>(
    model: &'a dyn CountModel,
    spend: Option<&'a GammaGamma>,
    customers: &'a S,
    data: &'a Compressed,
    horizon: f64,
    discount_rate: f64,
) -> impl Iterator<Item = Prediction> + 'a {
    let per_row = per_row(model, data, horizon);
    customers.each().zip(&data.of).map(move |(c, row)| {
        let c = &c;
        let (p_alive, expected_purchases) = per_row[*row as usize];
        let avg = spend.map(|g| g.expected_avg_spend(c));
        let clv = avg.map(|m| {
            if discount_rate == 0.0 {
                // The per-period sum telescopes: no need to walk the horizon.
                return expected_purchases * m;
            }
            let steps = horizon.ceil() as usize;
            let (mut prev, mut total) = (0.0, 0.0);
            for i in 1..=steps {
                let at = (i as f64).min(horizon);
                let cum = model.expected_purchases(c, at);
                total += (cum - prev) * m / (1.0 + discount_rate).powf(i as f64);
                prev = cum;
            }
            total
        });
        Prediction {
            p_alive,
            expected_purchases,
            expected_avg_spend: avg,
            clv,
        }
    })
}

/// P(alive) and expected purchases over `horizon` of each distinct row, in two halves side
/// by side.
fn per_row(model: &dyn CountModel, data: &Compressed, horizon: f64) -> Vec<(f64, f64)> {
    let of_rows = |rows: &[Row]| -> Vec<(f64, f64)> {
        rows.iter()
            .map(|r| {
                let c = Customer {
                    frequency: r.x,
                    recency: r.tx,
                    t: r.t,
                    monetary_value: None,
                };
                (model.p_alive(&c), model.expected_purchases(&c, horizon))
            })
            .collect()
    };
    let (mut per_row, rest) = in_halves(&data.rows, of_rows);
    per_row.extend(rest);
    per_row
}

/// What a value index needs of [`predictions`] without discounting: each customer's
/// P(alive) and CLV (expected purchases × expected average spend), the same numbers,
/// worked out for the two halves of the customers side by side.
pub(crate) fn alive_and_clv<S: Summaries + ?Sized>(
    model: &dyn CountModel,
    spend: &GammaGamma,
    customers: &S,
    data: &Compressed,
    horizon: f64,
) -> (Vec<f64>, Vec<f64>) {
    let per_row = per_row(model, data, horizon);
    let half = |from: usize, to: usize| -> (Vec<f64>, Vec<f64>) {
        let (mut alive, mut clv) = (Vec::with_capacity(to - from), Vec::with_capacity(to - from));
        for (i, row) in (from..to).zip(&data.of[from..to]) {
            let (p, purchases) = per_row[*row as usize];
            alive.push(p);
            clv.push(purchases * spend.expected_avg_spend(&customers.get(i)));
        }
        (alive, clv)
    };
    let ((mut alive, mut clv), (rest_alive, rest_clv)) = index_halves(customers.len(), half);
    alive.extend(rest_alive);
    clv.extend(rest_clv);
    (alive, clv)
}

#[cfg(test)]
mod tests;
