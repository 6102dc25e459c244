//! Sample size per variant for a two-sided test of two proportions or two means.

use serde::{Deserialize, Serialize};
use statrs::distribution::ContinuousCDF;

use super::{invalid, standard_normal, ExperimentError};

/// What the experiment should be able to detect.
#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct PowerRequest {
    /// Control conversion rate (proportions) or control mean (with `sd`).
    pub baseline: f64,
    /// Minimum detectable effect, relative to the baseline unless `absolute` is set.
    pub mde: f64,
    pub absolute: bool,
    pub alpha: f64,
    pub power: f64,
    /// Standard deviation of one unit; when set, the metric is a mean.
    pub sd: Option<f64>,
    /// Units per day per variant, to turn the sample size into days.
    pub daily_units: Option<f64>,
}

/// The answer: units per variant and, when traffic is known, the days needed (≥ 7).
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct PowerResult {
    pub n_per_variant: u64,
    pub baseline: f64,
    pub target: f64,
    pub alpha: f64,
    pub power: f64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub days: Option<u64>,
}

/// Sample size per variant (normal approximation; unpooled alternative variance for
/// proportions, as in Fleiss' formula without continuity correction).
pub fn sample_size(r: &PowerRequest) -> Result<PowerResult, ExperimentError> {
    if !(r.alpha > 0.0 && r.alpha < 1.0 && r.power > 0.0 && r.power < 1.0) {
        return invalid("alpha and power must lie in (0, 1)");
    }
    let target = if r.absolute {
        r.baseline + r.mde
    } else {
        r.baseline * (1.0 + r.mde)
    };
    let delta = target - r.baseline;
    if delta == 0.0 || !delta.is_finite() {
        return invalid("the minimum detectable effect must be non-zero");
    }
    let z = standard_normal();
    let za = z.inverse_cdf(1.0 - r.alpha / 2.0);
    let zb = z.inverse_cdf(r.power);
    let n = match r.sd {
        Some(sd) if sd > 0.0 => 2.0 * (za + zb).powi(2) * sd * sd / (delta * delta),
        Some(sd) => return invalid(format!("sd must be positive, got {sd}")),
        None => {
            let (p1, p2) = (r.baseline, target);
            if !(p1 > 0.0 && p1 < 1.0 && p2 > 0.0 && p2 < 1.0) {
                return invalid(format!(
                    "baseline and target rates must lie in (0, 1), got {p1} and {p2}"
                ));
            }
            let pbar = (p1 + p2) / 2.0;
            let num = za * (2.0 * pbar * (1.0 - pbar)).sqrt()
                + zb * (p1 * (1.0 - p1) + p2 * (1.0 - p2)).sqrt();
            num * num / (delta * delta)
        }
    };
    let n_per_variant = n.ceil() as u64;
    let days = r
        .daily_units
        .filter(|d| *d > 0.0)
        .map(|d| ((n_per_variant as f64 / d).ceil() as u64).max(7));
    Ok(PowerResult {
        n_per_variant,
        baseline: r.baseline,
        target,
        alpha: r.alpha,
        power: r.power,
        days,
    })
}
