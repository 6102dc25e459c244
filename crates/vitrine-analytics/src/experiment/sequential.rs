//! Always-valid inference for continuous monitoring: the normal-mixture sequential
//! probability ratio test (mSPRT; Robbins 1970, Johari et al. 2017).
//!
//! With an effect estimate `d` of variance `V` and a N(0, τ²) mixing distribution, the
//! mixture likelihood ratio is Λ = √(V/(V+τ²))·exp(τ²d²/(2V(V+τ²))). `p = min(1, 1/Λ)` is an
//! always-valid p-value and `d ± √(V(V+τ²)/τ²·(2 ln(1/α) + ln((V+τ²)/V)))` an always-valid
//! confidence sequence: stopping the first time p < α keeps the false-positive rate ≤ α
//! however often the test is peeked at (asymptotically, as the estimate becomes normal).

use super::frequentist::relative_se;
use super::{Comparison, Difference, Moments, Settings};

pub(super) fn compare(c: &Moments, t: &Moments, s: &Settings) -> Comparison {
    let (estimate, se, default_tau) = match s.difference {
        Difference::Absolute => (
            t.mean - c.mean,
            (c.var_mean() + t.var_mean()).sqrt(),
            0.1 * scale(c, t),
        ),
        Difference::Relative => (t.mean / c.mean - 1.0, relative_se(c, t), 0.1),
    };
    let tau2 = s
        .mixing_variance
        .unwrap_or(default_tau * default_tau)
        .max(f64::MIN_POSITIVE);
    let (p_value, half) = mixture(estimate, se * se, tau2, s.alpha);
    Comparison::tested(t, estimate, half, p_value, s.alpha)
}

/// The effect scale the default τ is 10 % of: the pooled mean, or the pooled unit standard
/// deviation when the mean is 0.
fn scale(c: &Moments, t: &Moments) -> f64 {
    let n = c.n + t.n;
    let mean = ((c.n * c.mean + t.n * t.mean) / n).abs();
    if mean > 0.0 {
        mean
    } else {
        ((c.n * c.var + t.n * t.var) / n).sqrt()
    }
}

/// Always-valid p-value and confidence-sequence half-width for estimate `d`, variance `v`.
pub fn mixture(d: f64, v: f64, tau2: f64, alpha: f64) -> (f64, f64) {
    if v <= 0.0 {
        return (if d == 0.0 { 1.0 } else { 0.0 }, 0.0);
    }
    let ln_lambda = 0.5 * (v / (v + tau2)).ln() + tau2 * d * d / (2.0 * v * (v + tau2));
    let p = (-ln_lambda).exp().min(1.0);
    let half = (v * (v + tau2) / tau2 * (2.0 * (1.0 / alpha).ln() + ((v + tau2) / v).ln())).sqrt();
    (p, half)
}
