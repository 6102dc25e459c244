//! Pareto/NBD (Schmittlein, Morrison & Colombo 1987), likelihood as in Fader & Hardie's
//! "A note on deriving the Pareto/NBD model" (2005), evaluated in log space.

use serde::Serialize;
use statrs::function::gamma::ln_gamma;

use super::special::{hyp2f1, log_add_exp, log_sub_exp};
use super::{
    check_counts, fit::maximise_smooth, BgNbd, ClvError, Compressed, CountModel, Customer,
};

/// Fitted Pareto/NBD parameters: purchase rate ~ Gamma(r, α), dropout rate ~ Gamma(s, β).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct ParetoNbd {
    pub r: f64,
    pub alpha: f64,
    pub s: f64,
    pub beta: f64,
    pub log_likelihood: f64,
}

impl ParetoNbd {
    /// Fits by maximum likelihood.
    pub fn fit(customers: &[Customer]) -> Result<ParetoNbd, ClvError> {
        check_counts(customers, "Pareto/NBD")?;
        let data = Compressed::new(customers);
        let mean_t = customers.iter().map(|c| c.t).sum::<f64>() / customers.len() as f64;
        let ll = |p: &[f64]| log_likelihood(&data, p[0], p[1], p[2], p[3]);
        // The purchase process is shared with BG/NBD, whose fit (analytic gradient) is cheap:
        // start there, with a dropout rate of about one lifetime per observation span.
        let (r0, a0) = BgNbd::fit(customers)
            .map(|m| (m.r, m.alpha))
            .unwrap_or((1.0, mean_t.max(1e-3)));
        let start = [r0, a0, 1.0, mean_t.max(1e-3)];
        // No closed-form gradient here: central differences in the log-parameters.
        let with_gradient = |p: &[f64]| {
            let value = ll(p);
            let grad = (0..p.len())
                .map(|i| {
                    let h = 1e-5;
                    let (mut up, mut down) = (p.to_vec(), p.to_vec());
                    up[i] *= (h as f64).exp();
                    down[i] *= (-h as f64).exp();
                    // d ll / d p = (d ll / d ln p) / p
                    (ll(&up) - ll(&down)) / (2.0 * h) / p[i]
                })
                .collect();
            (value, grad)
        };
        let (p, ll) = maximise_smooth("Pareto/NBD", &start, customers.len(), &with_gradient)?;
        Ok(ParetoNbd {
            r: p[0],
            alpha: p[1],
            s: p[2],
            beta: p[3],
            log_likelihood: ll,
        })
    }

    /// ln of the two parts of the likelihood after the common factor:
    /// (−(r+x)ln(α+T) − s ln(β+T), ln(s/(r+s+x)·A₀)).
    fn parts(&self, c: &Customer) -> (f64, f64) {
        parts(
            self.r,
            self.alpha,
            self.s,
            self.beta,
            c.frequency,
            c.recency,
            c.t,
        )
    }
}

/// ln F(y) = ln ₂F₁(…; z(y)) − (r+s+x) ln(max(α, β) + y), the term A₀ is a difference of.
fn ln_f(r: f64, alpha: f64, s: f64, beta: f64, x: f64, y: f64) -> f64 {
    let rsx = r + s + x;
    let (big, z, base) = if alpha >= beta {
        (s + 1.0, (alpha - beta) / (alpha + y), alpha + y)
    } else {
        (r + x, (beta - alpha) / (beta + y), beta + y)
    };
    hyp2f1(rsx, big, rsx + 1.0, z).ln() - rsx * base.ln()
}

/// The two parts from precomputed ln F(t_x) and ln F(T).
fn parts_from(
    r: f64,
    alpha: f64,
    s: f64,
    beta: f64,
    row: (f64, f64, f64),
    lf: (f64, f64),
) -> (f64, f64) {
    let (x, tx, t) = row;
    let first = -(r + x) * (alpha + t).ln() - s * (beta + t).ln();
    let second = if t > tx {
        (s / (r + s + x)).ln() + log_sub_exp(lf.0, lf.1)
    } else {
        f64::NEG_INFINITY
    };
    (first, second)
}

fn parts(r: f64, alpha: f64, s: f64, beta: f64, x: f64, tx: f64, t: f64) -> (f64, f64) {
    let lf = (
        ln_f(r, alpha, s, beta, x, tx),
        ln_f(r, alpha, s, beta, x, t),
    );
    parts_from(r, alpha, s, beta, (x, tx, t), lf)
}

fn log_likelihood(d: &Compressed, r: f64, alpha: f64, s: f64, beta: f64) -> f64 {
    let head_r = -ln_gamma(r) + r * alpha.ln() + s * beta.ln();
    let lg: Vec<f64> = d.xs.iter().map(|&x| ln_gamma(r + x)).collect();
    // ln F depends on (x, y) only: cache it per distinct x and t_x / T (rows share them).
    let (nx, ntx, nt) = (d.xs.len(), d.txs.len(), d.ts.len());
    let mut at_tx = vec![f64::NAN; nx * ntx];
    let mut at_t = vec![f64::NAN; nx * nt];
    let mut total = 0.0;
    for row in &d.rows {
        let (i, j) = (row.xi * ntx + row.txi, row.xi * nt + row.ti);
        if at_tx[i].is_nan() {
            at_tx[i] = ln_f(r, alpha, s, beta, row.x, row.tx);
        }
        if at_t[j].is_nan() {
            at_t[j] = ln_f(r, alpha, s, beta, row.x, row.t);
        }
        let (a, b) = parts_from(
            r,
            alpha,
            s,
            beta,
            (row.x, row.tx, row.t),
            (at_tx[i], at_t[j]),
        );
        total += row.weight * (lg[row.xi] + head_r + log_add_exp(a, b));
    }
    total
}

impl CountModel for ParetoNbd {
    fn p_alive(&self, c: &Customer) -> f64 {
        let (a, b) = self.parts(c);
        (a - log_add_exp(a, b)).exp()
    }

    fn expected_purchases(&self, c: &Customer, t: f64) -> f64 {
        let (r, alpha, s, beta) = (self.r, self.alpha, self.s, self.beta);
        let x = c.frequency;
        let scale = (r + x) * (beta + c.t) / (alpha + c.t);
        let ratio = (beta + c.t) / (beta + c.t + t);
        let horizon = if (s - 1.0).abs() < 1e-9 {
            -ratio.ln()
        } else {
            (1.0 - ratio.powf(s - 1.0)) / (s - 1.0)
        };
        scale * horizon * self.p_alive(c)
    }
}
