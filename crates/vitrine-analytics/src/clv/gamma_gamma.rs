//! Gamma-Gamma spend model (Fader & Hardie 2013): a customer's mean spend m̄ over x
//! repeat purchases, with per-purchase spend ~ Gamma(p, ν) and ν ~ Gamma(q, γ).

use serde::{Deserialize, Serialize};
use statrs::function::gamma::{digamma, ln_gamma};

use super::fit::{maximise_smooth, usable_start};
use super::{validate, ClvError, Customer, Summaries};

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
        GammaGamma::fit_valid(customers, start)
    }

    /// [`GammaGamma::fit_from`] of customers already validated.
    pub(crate) fn fit_valid<S: Summaries + ?Sized>(
        customers: &S,
        start: Option<&GammaGamma>,
    ) -> Result<GammaGamma, ClvError> {
        let mut spends: Vec<(f64, f64)> = Vec::new();
        for (row, c) in customers.each().enumerate() {
            if c.frequency == 0.0 {
                continue;
            }
            match c.monetary_value {
                Some(m) if m > 0.0 => spends.push((c.frequency, m)),
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
        if spends.len() < 2 {
            return Err(ClvError::Degenerate(format!(
                "Gamma-Gamma needs at least 2 repeat buyers with spend, got {}",
                spends.len()
            )));
        }
        let n = spends.len();
        let data = Spends::new(spends);
        // Summed in the rows' order, so the start does not depend on the customers' order.
        let mean = data.rows.iter().map(|(m, w)| m * w).sum::<f64>() / n as f64;
        let f = |p: &[f64]| log_likelihood(&data, p);
        let x0 = match start {
            Some(s) if usable_start(&[s.p, s.q, s.gamma]) => [s.p, s.q, s.gamma],
            _ => [1.0, 2.0, mean.max(1e-6)],
        };
        let (p, ll) = maximise_smooth("Gamma-Gamma", &x0, n, &f)?;
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

/// Repeat buyers as distinct (x, m̄) rows with weights, grouped by x: buyers share few
/// purchase counts and, prices being few, many share a mean spend too. Everything that does
/// not depend on the parameters is summed once here, so an evaluation takes one logarithm
/// and one division per distinct row.
struct Spends {
    groups: Vec<Group>,
    /// Distinct mean spends with their weights, group after group.
    rows: Vec<(f64, f64)>,
}

/// The rows sharing one purchase count x.
struct Group {
    x: f64,
    ln_x: f64,
    /// Buyers in the group, and Σ ln m̄ over them.
    weight: f64,
    sum_ln_m: f64,
    /// Their rows in `Spends::rows`.
    rows: std::ops::Range<usize>,
}

impl Spends {
    /// Sorted in full, so the fit does not depend on the order customers come in.
    fn new(mut spends: Vec<(f64, f64)>) -> Spends {
        spends.sort_unstable_by(|a, b| a.0.total_cmp(&b.0).then(a.1.total_cmp(&b.1)));
        let (mut groups, mut rows) = (Vec::<Group>::new(), Vec::<(f64, f64)>::new());
        for (x, m) in spends {
            if groups.last().is_none_or(|g| g.x != x) {
                groups.push(Group {
                    x,
                    ln_x: x.ln(),
                    weight: 0.0,
                    sum_ln_m: 0.0,
                    rows: rows.len()..rows.len(),
                });
            }
            let g = groups.last_mut().expect("a group was pushed above");
            g.weight += 1.0;
            match rows.last_mut() {
                Some((last, w)) if g.rows.end > g.rows.start && *last == m => *w += 1.0,
                _ => {
                    rows.push((m, 1.0));
                    g.rows.end = rows.len();
                }
            }
        }
        for g in &mut groups {
            g.sum_ln_m = rows[g.rows.clone()].iter().map(|(m, w)| w * m.ln()).sum();
        }
        Spends { groups, rows }
    }
}

/// Σ ln f(m̄ | p, q, γ, x) and its gradient in (p, q, γ). Per buyer the log-likelihood is
/// lnΓ(px+q) − lnΓ(px) − lnΓ(q) + q ln γ + (px−1) ln m̄ + px ln x − (px+q) ln(γ + m̄x);
/// only the last term needs the buyer's own m̄, the rest is summed per group of x.
fn log_likelihood(data: &Spends, params: &[f64]) -> (f64, Vec<f64>) {
    let (p, q, gamma) = (params[0], params[1], params[2]);
    let (ln_g, dg_q) = (gamma.ln(), digamma(q));
    let base = q * ln_g - ln_gamma(q);
    let (mut ll, mut g) = (0.0, [0.0f64; 3]);
    for grp in &data.groups {
        let (x, w) = (grp.x, grp.weight);
        let px = p * x;
        let lg = ln_gamma(px + q) - ln_gamma(px);
        let (dpxq, dpx) = (digamma(px + q), digamma(px));
        // Σ w ln(γ + m̄x) and Σ w / (γ + m̄x) over the group's rows.
        let (mut ln_d, mut inv_d) = (0.0, 0.0);
        for &(m, wm) in &data.rows[grp.rows.clone()] {
            let d = gamma + m * x;
            ln_d += wm * d.ln();
            inv_d += wm / d;
        }
        ll += w * (lg + base) + (px - 1.0) * grp.sum_ln_m + px * w * grp.ln_x - (px + q) * ln_d;
        g[0] += x * (w * (dpxq - dpx + grp.ln_x) + grp.sum_ln_m - ln_d);
        g[1] += w * (dpxq - dg_q + ln_g) - ln_d;
        g[2] += w * q / gamma - (px + q) * inv_d;
    }
    (ll, g.to_vec())
}

/// The likelihood and gradient over customers (repeat buyers with spend only), for tests.
#[cfg(test)]
pub(crate) fn log_likelihood_of(customers: &[Customer], params: &[f64]) -> (f64, Vec<f64>) {
    let spends = customers
        .iter()
        .filter_map(|c| {
            let m = c.monetary_value.filter(|m| *m > 0.0 && c.frequency > 0.0)?;
            Some((c.frequency, m))
        })
        .collect();
    log_likelihood(&Spends::new(spends), params)
}
