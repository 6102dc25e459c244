//! Gamma-Gamma spend model (Fader & Hardie 2013): a customer's mean spend m̄ over x
//! repeat purchases, with per-purchase spend ~ Gamma(p, ν) and ν ~ Gamma(q, γ).

use serde::{Deserialize, Serialize};
use statrs::function::gamma::{digamma, ln_gamma};

use super::fit::{maximise_smooth, usable_start};
use super::{validate, ClvError, Customer};

/// Fitted Gamma-Gamma parameters.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct GammaGamma {
    pub p: f64,
    pub q: f64,
    pub gamma: f64,
    pub log_likelihood: f64,
}

impl GammaGamma {
    /// Fits on the customers with repeat purchases (their `monetary_value` must be > 0).
    pub fn fit(customers: &[Customer]) -> Result<GammaGamma, ClvError> {
        GammaGamma::fit_from(customers, None)
    }

    /// [`GammaGamma::fit`] starting from an earlier fit (see [`super::BgNbd::fit_from`]).
    pub fn fit_from(
        customers: &[Customer],
        start: Option<&GammaGamma>,
    ) -> Result<GammaGamma, ClvError> {
        validate(customers)?;
        let mut data: Vec<Spend> = Vec::new();
        for (row, c) in customers.iter().enumerate() {
            if c.frequency == 0.0 {
                continue;
            }
            match c.monetary_value {
                Some(m) if m > 0.0 => data.push(Spend {
                    x: c.frequency,
                    m,
                    ln_m: m.ln(),
                    ln_x: c.frequency.ln(),
                }),
                Some(m) => {
                    return Err(ClvError::Row {
                        row,
                        reason: format!(
                            "Gamma-Gamma needs a positive monetary_value for repeat buyers, got {m}"
                        ),
                    })
                }
                None => {
                    return Err(ClvError::Degenerate(
                        "Gamma-Gamma needs a monetary_value column".into(),
                    ))
                }
            }
        }
        if data.len() < 2 {
            return Err(ClvError::Degenerate(format!(
                "Gamma-Gamma needs at least 2 repeat buyers with spend, got {}",
                data.len()
            )));
        }
        // Sorted in full, so the fit does not depend on the order customers come in.
        data.sort_by(|a, b| a.x.total_cmp(&b.x).then(a.m.total_cmp(&b.m)));
        let mean = data.iter().map(|d| d.m).sum::<f64>() / data.len() as f64;
        let f = |p: &[f64]| log_likelihood(&data, p);
        let x0 = match start {
            Some(s) if usable_start(&[s.p, s.q, s.gamma]) => [s.p, s.q, s.gamma],
            _ => [1.0, 2.0, mean.max(1e-6)],
        };
        let (p, ll) = maximise_smooth("Gamma-Gamma", &x0, data.len(), &f)?;
        Ok(GammaGamma {
            p: p[0],
            q: p[1],
            gamma: p[2],
            log_likelihood: ll,
        })
    }

    /// E[mean spend | x, m̄]: a credibility-weighted blend of the customer's own mean and
    /// the population mean pγ/(q − 1).
    pub fn expected_avg_spend(&self, c: &Customer) -> f64 {
        let x = c.frequency;
        let m = c.monetary_value.unwrap_or(0.0);
        self.p * (self.gamma + x * m) / (self.p * x + self.q - 1.0)
    }
}

/// One repeat buyer: purchases and mean spend, with their logs precomputed.
struct Spend {
    x: f64,
    m: f64,
    ln_m: f64,
    ln_x: f64,
}

/// Σ ln f(m̄ | p, q, γ, x) and its gradient in (p, q, γ), over rows sorted by x
/// (lnΓ and ψ terms cached per x).
fn log_likelihood(data: &[Spend], params: &[f64]) -> (f64, Vec<f64>) {
    let (p, q, gamma) = (params[0], params[1], params[2]);
    let (ln_g, dg_q) = (gamma.ln(), digamma(q));
    let base = q * ln_g - ln_gamma(q);
    let (mut ll, mut g) = (0.0, [0.0f64; 3]);
    let (mut last_x, mut lg, mut dpx, mut dpxq) = (f64::NAN, 0.0, 0.0, 0.0);
    // Buyers with the same purchases and mean spend sit next to each other (prices are few):
    // the logarithm of their shared denominator is taken once per run of them.
    let (mut last_m, mut ln_d) = (f64::NAN, 0.0);
    for s in data {
        if s.x != last_x {
            lg = ln_gamma(p * s.x + q) - ln_gamma(p * s.x);
            dpxq = digamma(p * s.x + q);
            dpx = digamma(p * s.x);
            last_x = s.x;
            last_m = f64::NAN;
        }
        let px = p * s.x;
        if s.m != last_m {
            ln_d = (gamma + s.m * s.x).ln();
            last_m = s.m;
        }
        ll += lg + base + (px - 1.0) * s.ln_m + px * s.ln_x - (px + q) * ln_d;
        g[0] += s.x * (dpxq - dpx + s.ln_m + s.ln_x - ln_d);
        g[1] += dpxq - dg_q + ln_g - ln_d;
        g[2] += q / gamma - (px + q) / (gamma + s.m * s.x);
    }
    (ll, g.to_vec())
}

/// The likelihood and gradient over customers (repeat buyers with spend only), for tests.
#[cfg(test)]
pub(crate) fn log_likelihood_of(customers: &[Customer], params: &[f64]) -> (f64, Vec<f64>) {
    let mut data: Vec<Spend> = customers
        .iter()
        .filter_map(|c| {
            let m = c.monetary_value.filter(|m| *m > 0.0 && c.frequency > 0.0)?;
            Some(Spend {
                x: c.frequency,
                m,
                ln_m: m.ln(),
                ln_x: c.frequency.ln(),
            })
        })
        .collect();
    data.sort_by(|a, b| a.x.total_cmp(&b.x));
    log_likelihood(&data, params)
}
