//! Two-proportion z-test and Welch's t-test with Wald / delta-method intervals.
//!
//! Proportions: the p-value of the absolute difference is the pooled two-proportion z-test
//! (as `statsmodels.stats.proportion.proportions_ztest`); its interval is the unpooled Wald
//! interval. Means: Welch's t-test with Satterthwaite degrees of freedom (as
//! `scipy.stats.ttest_ind(equal_var=False)`). Relative lifts use the delta method with a
//! normal reference, so interval and p-value agree.

use statrs::distribution::{ContinuousCDF, StudentsT};

use super::{standard_normal, z_two_sided, Comparison, Difference, MetricKind, Moments, Settings};

pub(super) fn compare(kind: MetricKind, c: &Moments, t: &Moments, s: &Settings) -> Comparison {
    let (estimate, half, p_value) = match (s.difference, kind) {
        (Difference::Absolute, MetricKind::Proportion) => absolute_proportion(c, t, s.alpha),
        (Difference::Absolute, MetricKind::Mean) => welch(c, t, s.alpha),
        (Difference::Relative, _) => relative(c, t, s.alpha),
    };
    Comparison::tested(t, estimate, half, p_value, s.alpha)
}

/// Two-sided normal p-value of `estimate / se`; a zero standard error means a certain
/// difference (p = 0) unless the estimate is itself 0 (p = 1).
pub(super) fn normal_p(estimate: f64, se: f64) -> f64 {
    if se > 0.0 {
        2.0 * standard_normal().sf((estimate / se).abs())
    } else if estimate == 0.0 {
        1.0
    } else {
        0.0
    }
}

fn absolute_proportion(c: &Moments, t: &Moments, alpha: f64) -> (f64, f64, f64) {
    let estimate = t.mean - c.mean;
    let se = (c.var_mean() + t.var_mean()).sqrt();
    let pooled = (c.conversions.unwrap_or(0.0) + t.conversions.unwrap_or(0.0)) / (c.n + t.n);
    let se0 = (pooled * (1.0 - pooled) * (1.0 / c.n + 1.0 / t.n)).sqrt();
    (estimate, z_two_sided(alpha) * se, normal_p(estimate, se0))
}

/// Welch–Satterthwaite degrees of freedom of two means' variances.
pub(super) fn welch_df(c: &Moments, t: &Moments) -> f64 {
    let (vc, vt) = (c.var_mean(), t.var_mean());
    (vc + vt).powi(2) / (vc * vc / (c.n - 1.0) + vt * vt / (t.n - 1.0))
}

fn welch(c: &Moments, t: &Moments, alpha: f64) -> (f64, f64, f64) {
    let estimate = t.mean - c.mean;
    let se = (c.var_mean() + t.var_mean()).sqrt();
    if se == 0.0 {
        return (estimate, 0.0, normal_p(estimate, 0.0));
    }
    let df = welch_df(c, t);
    match StudentsT::new(0.0, 1.0, df) {
        Ok(dist) => {
            let p = 2.0 * dist.sf((estimate / se).abs());
            (estimate, dist.inverse_cdf(1.0 - alpha / 2.0) * se, p)
        }
        // Degenerate df (one variant without variance and n = 2): fall back to normal.
        Err(_) => (estimate, z_two_sided(alpha) * se, normal_p(estimate, se)),
    }
}

/// Delta-method standard error of `t / c − 1`.
pub(super) fn relative_se(c: &Moments, t: &Moments) -> f64 {
    let m = c.mean;
    (t.var_mean() / (m * m) + t.mean * t.mean * c.var_mean() / m.powi(4)).sqrt()
}

fn relative(c: &Moments, t: &Moments, alpha: f64) -> (f64, f64, f64) {
    let estimate = t.mean / c.mean - 1.0;
    let se = relative_se(c, t);
    (estimate, z_two_sided(alpha) * se, normal_p(estimate, se))
}
