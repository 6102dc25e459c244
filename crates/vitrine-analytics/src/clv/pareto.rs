//! Pareto/NBD (Schmittlein, Morrison & Colombo 1987), likelihood as in Fader & Hardie's
//! "A note on deriving the Pareto/NBD model" (2005), evaluated in log space.

use serde::Serialize;
use statrs::function::gamma::ln_gamma;

use super::special::{hyp2f1, log_add_exp, log_sub_exp};
use super::{check_counts, fit::maximise, ClvError, Compressed, CountModel, Customer};

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
        let start = [1.0, mean_t.max(1e-3), 1.0, mean_t.max(1e-3)];
        let (p, ll) = maximise("Pareto/NBD", &start, &ll)?;
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

fn parts(r: f64, alpha: f64, s: f64, beta: f64, x: f64, tx: f64, t: f64) -> (f64, f64) {
    let first = -(r + x) * (alpha + t).ln() - s * (beta + t).ln();
    let rsx = r + s + x;
    let ln_f = |y: f64| {
        let (big, z) = if alpha >= beta {
            (s + 1.0, (alpha - beta) / (alpha + y))
        } else {
            (r + x, (beta - alpha) / (beta + y))
        };
        let base = if alpha >= beta { alpha + y } else { beta + y };
        hyp2f1(rsx, big, rsx + 1.0, z).ln() - rsx * base.ln()
    };
    let second = if t > tx {
        (s / rsx).ln() + log_sub_exp(ln_f(tx), ln_f(t))
    } else {
        f64::NEG_INFINITY
    };
    (first, second)
}

fn log_likelihood(d: &Compressed, r: f64, alpha: f64, s: f64, beta: f64) -> f64 {
    let head_r = -ln_gamma(r) + r * alpha.ln() + s * beta.ln();
    let lg: Vec<f64> = d.xs.iter().map(|&x| ln_gamma(r + x)).collect();
    d.rows
        .iter()
        .map(|row| {
            let (a, b) = parts(r, alpha, s, beta, row.x, row.tx, row.t);
            row.weight * (lg[row.xi] + head_r + log_add_exp(a, b))
        })
        .sum()
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
