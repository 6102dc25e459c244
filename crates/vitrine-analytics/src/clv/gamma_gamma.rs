//! Gamma-Gamma spend model (Fader & Hardie 2013): a customer's mean spend m̄ over x
//! repeat purchases, with per-purchase spend ~ Gamma(p, ν) and ν ~ Gamma(q, γ).

use serde::Serialize;
use statrs::function::gamma::ln_gamma;

use super::{fit::maximise, validate, ClvError, Customer};

/// Fitted Gamma-Gamma parameters.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct GammaGamma {
    pub p: f64,
    pub q: f64,
    pub gamma: f64,
    pub log_likelihood: f64,
}

impl GammaGamma {
    /// Fits on the customers with repeat purchases (their `monetary_value` must be > 0).
    pub fn fit(customers: &[Customer]) -> Result<GammaGamma, ClvError> {
        validate(customers)?;
        let mut data: Vec<(f64, f64)> = Vec::new();
        for (row, c) in customers.iter().enumerate() {
            if c.frequency == 0.0 {
                continue;
            }
            match c.monetary_value {
                Some(m) if m > 0.0 => data.push((c.frequency, m)),
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
        let mean = data.iter().map(|d| d.1).sum::<f64>() / data.len() as f64;
        data.sort_by(|a, b| a.0.total_cmp(&b.0));
        let ll = |p: &[f64]| log_likelihood(&data, p[0], p[1], p[2]);
        let (p, ll) = maximise("Gamma-Gamma", &[1.0, 2.0, mean.max(1e-6)], &ll)?;
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

/// Σ ln f(m̄ | p, q, γ, x) over (x, m̄) rows sorted by x (lnΓ terms cached per x).
fn log_likelihood(data: &[(f64, f64)], p: f64, q: f64, gamma: f64) -> f64 {
    let base = q * gamma.ln() - ln_gamma(q);
    let mut total = 0.0;
    let (mut last_x, mut cached) = (f64::NAN, 0.0);
    for &(x, m) in data {
        if x != last_x {
            cached = ln_gamma(p * x + q) - ln_gamma(p * x) + p * x * x.ln();
            last_x = x;
        }
        total += cached + base + (p * x - 1.0) * m.ln() - (p * x + q) * (gamma + m * x).ln();
    }
    total
}
