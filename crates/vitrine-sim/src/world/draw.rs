//! Random draws the simulation shares, each safe for any parameter.

use super::*;

pub(super) fn pick<T: Copy>(rng: &mut impl Rng, xs: &[(T, f64)]) -> T {
    let total: f64 = xs.iter().map(|x| x.1).sum();
    let mut u = rng.gen::<f64>() * total;
    for x in xs {
        if u < x.1 {
            return x.0;
        }
        u -= x.1;
    }
    xs[xs.len() - 1].0
}

/// A Poisson draw that is exact for small means and normal-approximated for large ones.
pub(super) fn poisson(rng: &mut impl Rng, lambda: f64) -> i64 {
    if !(lambda > 0.0) {
        return 0;
    }
    if lambda > 500.0 {
        let z: f64 = rng.sample(rand_distr::StandardNormal);
        return (lambda + lambda.sqrt() * z).round().max(0.0) as i64;
    }
    Poisson::new(lambda)
        .map(|p| p.sample(rng) as i64)
        .unwrap_or(0)
}

pub(super) fn binomial(rng: &mut impl Rng, n: i64, p: f64) -> i64 {
    if n <= 0 || !(p > 0.0) {
        return 0;
    }
    Binomial::new(n as u64, p.min(1.0))
        .map(|b| b.sample(rng) as i64)
        .unwrap_or(0)
}

pub(super) fn weights(xs: &[f64]) -> WeightedIndex<f64> {
    // Every caller passes a non-empty list of positive weights.
    WeightedIndex::new(xs)
        .unwrap_or_else(|_| WeightedIndex::new([1.0]).expect("one positive weight"))
}

/// Unix seconds of `date` 00:00 in Asia/Shanghai (UTC+8, no daylight saving).
pub(super) fn day_start(date: NaiveDate) -> i64 {
    i64::from(date32(date)) * 86_400 - 8 * 3600
}

pub(super) fn lognormal(rng: &mut impl Rng, sigma: f64) -> f64 {
    LogNormal::new(0.0, sigma)
        .map(|d| d.sample(rng))
        .unwrap_or(1.0)
}
