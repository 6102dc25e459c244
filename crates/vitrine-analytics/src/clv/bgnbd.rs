//! BG/NBD (Fader, Hardie & Lee 2005, "Counting your customers the easy way").

use serde::{Deserialize, Serialize};
use statrs::function::gamma::{digamma, ln_gamma};

use super::fit::{maximise_smooth, usable_start};
use super::special::hyp2f1;
use super::{check_counts, ClvError, Compressed, CountModel, Customer};

/// Fitted BG/NBD parameters: purchase rate ~ Gamma(r, α), dropout p ~ Beta(a, b).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
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
        BgNbd::fit_from(customers, None)
    }

    /// Fits by maximum likelihood starting from `start`, an earlier fit: on nearly the same
    /// customers (yesterday's) it takes a few steps to the same optimum, within the
    /// optimiser's tolerance.
    pub fn fit_from(customers: &[Customer], start: Option<&BgNbd>) -> Result<BgNbd, ClvError> {
        check_counts(customers, "BG/NBD")?;
        BgNbd::fit_compressed(&Compressed::new(customers), start)
    }

    /// Fits over customers already checked and compressed.
    pub(crate) fn fit_compressed(
        data: &Compressed,
        start: Option<&BgNbd>,
    ) -> Result<BgNbd, ClvError> {
        // Over the compressed rows (sorted), so the fit does not depend on customer order.
        let n = data.of.len();
        let mean_t = data.rows.iter().map(|r| r.weight * r.t).sum::<f64>() / n as f64;
        let f = |p: &[f64]| log_likelihood(data, p);
        let x0 = match start {
            Some(s) if usable_start(&[s.r, s.alpha, s.a, s.b]) => [s.r, s.alpha, s.a, s.b],
            _ => [1.0, mean_t.max(1e-3), 1.0, 1.0],
        };
        let (p, ll) = maximise_smooth("BG/NBD", &x0, n, &f)?;
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

/// Σ weight · ln L(r, α, a, b | x, t_x, T) and its gradient in (r, α, a, b).
pub(crate) fn log_likelihood(d: &Compressed, p: &[f64]) -> (f64, Vec<f64>) {
    let (r, alpha, a, b) = (p[0], p[1], p[2], p[3]);
    let (lg_r, lg_b, lg_ab) = (ln_gamma(r), ln_gamma(b), ln_gamma(a + b));
    let (dg_r, dg_b, dg_ab) = (digamma(r), digamma(b), digamma(a + b));
    // Per distinct x: (head, ln a − ln(b+x−1), ∂r head, ∂a head, ∂b head).
    let per_x: Vec<[f64; 5]> =
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
                let dr = digamma(r + x) - dg_r + alpha.ln();
                let dab = dg_ab - digamma(a + b + x);
                [head, a4, dr, dab, dab + digamma(b + x) - dg_b]
            })
            .collect();
    let ln_t: Vec<f64> = d.ts.iter().map(|t| (alpha + t).ln()).collect();
    let ln_tx: Vec<f64> = d.txs.iter().map(|t| (alpha + t).ln()).collect();
    // The rows' terms, summed in two halves side by side (hundreds of thousands of rows).
    let sum = |rows: &[super::Row]| {
        let (mut ll, mut g) = (0.0, [0.0f64; 4]);
        for row in rows {
            let [head, c4, dr, da, db] = per_x[row.xi];
            let rx = r + row.x;
            let a3 = -rx * ln_t[row.ti];
            // w4: the share of the likelihood from "dropped out after the last purchase".
            let (mix, w4) = if row.x > 0.0 {
                let a4 = c4 - rx * ln_tx[row.txi];
                let diff = a4 - a3;
                if diff > 0.0 {
                    let e = (-diff).exp();
                    (a4 + e.ln_1p(), 1.0 / (1.0 + e))
                } else {
                    let e = diff.exp();
                    (a3 + e.ln_1p(), e / (1.0 + e))
                }
            } else {
                (a3, 0.0)
            };
            let w3 = 1.0 - w4;
            let w = row.weight;
            ll += w * (head + mix);
            g[0] += w * (dr - w3 * ln_t[row.ti] - w4 * ln_tx[row.txi]);
            g[1] += w * (r / alpha - rx * (w3 / (alpha + row.t) + w4 / (alpha + row.tx)));
            g[2] += w * (da + w4 / a);
            g[3] += w
                * (db
                    - if row.x > 0.0 {
                        w4 / (b + row.x - 1.0)
                    } else {
                        0.0
                    });
        }
        (ll, g)
    };
    let ((ll1, g1), (ll2, g2)) = super::in_halves(&d.rows, sum);
    (ll1 + ll2, g1.iter().zip(&g2).map(|(a, b)| a + b).collect())
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
