//! Small statistical helpers for monitors: exact Poisson and binomial tail probabilities
//! (statrs) and robust baselines.

use statrs::distribution::{Binomial, DiscreteCDF, Poisson};

/// P(X ≥ k) for X ~ Poisson(mean).
pub fn poisson_upper(k: f64, mean: f64) -> f64 {
    if k <= 0.0 {
        return 1.0;
    }
    if mean <= 0.0 {
        return 0.0;
    }
    Poisson::new(mean)
        .map(|p| p.sf(k as u64 - 1))
        .unwrap_or(1.0)
}

/// P(X ≤ k) for X ~ Poisson(mean).
pub fn poisson_lower(k: f64, mean: f64) -> f64 {
    if mean <= 0.0 {
        return 1.0;
    }
    Poisson::new(mean)
        .map(|p| p.cdf(k.max(0.0) as u64))
        .unwrap_or(1.0)
}

/// P(X ≤ k) for X ~ Binomial(n, p).
pub fn binomial_lower(k: f64, n: f64, p: f64) -> f64 {
    if n <= 0.0 {
        return 1.0;
    }
    Binomial::new(p.clamp(0.0, 1.0), n as u64)
        .map(|b| b.cdf(k.max(0.0) as u64))
        .unwrap_or(1.0)
}

/// The median of the values (NaN-free input assumed; `None` when empty).
pub fn median(values: &[f64]) -> Option<f64> {
    let mut v: Vec<f64> = values.iter().copied().filter(|x| x.is_finite()).collect();
    if v.is_empty() {
        return None;
    }
    v.sort_by(f64::total_cmp);
    let n = v.len();
    Some(if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn poisson_tails_match_published_values() {
        // P(X >= 10 | λ = 4) = 0.008132 (standard Poisson table).
        assert!((poisson_upper(10.0, 4.0) - 0.008132).abs() < 5e-6);
        // P(X <= 2 | λ = 6) = 0.061969.
        assert!((poisson_lower(2.0, 6.0) - 0.061969).abs() < 5e-6);
        assert_eq!(poisson_upper(0.0, 3.0), 1.0);
    }

    #[test]
    fn binomial_tail_matches_published_value() {
        // P(X <= 3 | n = 20, p = 0.4) = 0.015961.
        assert!((binomial_lower(3.0, 20.0, 0.4) - 0.015961).abs() < 5e-6);
    }

    #[test]
    fn median_of_even_and_odd() {
        assert_eq!(median(&[3.0, 1.0, 2.0]), Some(2.0));
        assert_eq!(median(&[4.0, 1.0, 2.0, 3.0]), Some(2.5));
        assert_eq!(median(&[]), None);
    }
}
