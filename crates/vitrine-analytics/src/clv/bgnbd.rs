//! BG/NBD (Fader, Hardie & Lee 2005, "Counting your customers the easy way").

use serde::Serialize;
use statrs::function::gamma::ln_gamma;

use super::special::{hyp2f1, log_add_exp};
use super::{check_counts, fit::maximise, ClvError, Compressed, CountModel, Customer};

/// Fitted BG/NBD parameters: purchase rate ~ Gamma(r, α), dropout p ~ Beta(a, b).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct BgNbd {
    pub r: f64,
    pub alpha: f64,
    pub a: f64,
    pub b: f64,
    pub log_likelihood: f64,
}

impl BgNbd {
    /// Fits by maximum likelihood.
    pub fn fit(customers: &[Customer]) -> Result<BgNbd, ClvError> {
        check_counts(customers, "BG/NBD")?;
        let data = Compressed::new(customers);
        let mean_t = customers.iter().map(|c| c.t).sum::<f64>() / customers.len() as f64;
        let ll = |p: &[f64]| log_likelihood(&data, p[0], p[1], p[2], p[3]);
        let (p, ll) = maximise("BG/NBD", &[1.0, mean_t.max(1e-3), 1.0, 1.0], &ll)?;
        Ok(BgNbd {
            r: p[0],
            alpha: p[1],
            a: p[2],
            b: p[3],
            log_likelihood: ll,
        })
    }

    fn dropout_odds(&self, c: &Customer) -> f64 {
        if c.frequency == 0.0 {
            return 0.0;
        }
        let x = c.frequency;
        let ln = (self.a / (self.b + x - 1.0)).ln()
            + (self.r + x) * ((self.alpha + c.t) / (self.alpha + c.recency)).ln();
        ln.exp()
    }
}

/// Σ weight · ln L(r, α, a, b | x, t_x, T).
pub(crate) fn log_likelihood(d: &Compressed, r: f64, alpha: f64, a: f64, b: f64) -> f64 {
    let (lg_r, lg_b, lg_ab) = (ln_gamma(r), ln_gamma(b), ln_gamma(a + b));
    let per_x: Vec<(f64, f64)> =
        d.xs.iter()
            .map(|&x| {
                let head = ln_gamma(r + x) - lg_r + r * alpha.ln() + lg_ab + ln_gamma(b + x)
                    - lg_b
                    - ln_gamma(a + b + x);
                let a4 = if x > 0.0 {
                    a.ln() - (b + x - 1.0).ln()
                } else {
                    f64::NEG_INFINITY
                };
                (head, a4)
            })
            .collect();
    d.rows
        .iter()
        .map(|row| {
            let (head, a4) = per_x[row.xi];
            let a3 = -(r + row.x) * (alpha + row.t).ln();
            let a4 = a4 - (r + row.x) * (alpha + row.tx).ln();
            row.weight * (head + log_add_exp(a3, a4))
        })
        .sum()
}

impl CountModel for BgNbd {
    fn p_alive(&self, c: &Customer) -> f64 {
        1.0 / (1.0 + self.dropout_odds(c))
    }

    fn expected_purchases(&self, c: &Customer, t: f64) -> f64 {
        let (r, alpha, a, b) = (self.r, self.alpha, self.a, self.b);
        let x = c.frequency;
        let z = t / (alpha + c.t + t);
        let f = hyp2f1(r + x, b + x, a + b + x - 1.0, z);
        let num = (a + b + x - 1.0) / (a - 1.0)
            * (1.0 - ((alpha + c.t) / (alpha + c.t + t)).powf(r + x) * f);
        num / (1.0 + self.dropout_odds(c))
    }
}
