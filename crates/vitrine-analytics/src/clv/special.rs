//! Special functions the models need: log-sum-exp and the Gauss hypergeometric ₂F₁.

/// ln(eˣ + eʸ) without overflow.
pub(crate) fn log_add_exp(x: f64, y: f64) -> f64 {
    let m = x.max(y);
    if m == f64::NEG_INFINITY {
        return m;
    }
    m + ((x - m).exp() + (y - m).exp()).ln()
}

/// ln(eˣ − eʸ) for x ≥ y.
pub(crate) fn log_sub_exp(x: f64, y: f64) -> f64 {
    x + (-(y - x).exp()).ln_1p()
}

/// ₂F₁(a, b; c; z) for 0 ≤ z < 1 by its power series (terms stay positive for the
/// parameters the CLV models use, so the sum is stable).
pub(crate) fn hyp2f1(a: f64, b: f64, c: f64, z: f64) -> f64 {
    let mut term = 1.0;
    let mut sum = 1.0;
    let mut k = 0.0;
    while k < 1.0e6 {
        term *= (a + k) * (b + k) / ((c + k) * (k + 1.0)) * z;
        sum += term;
        if term.abs() <= 1e-16 * sum.abs() {
            break;
        }
        k += 1.0;
    }
    sum
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hyp2f1_matches_closed_forms() {
        // ₂F₁(1, 1; 2; z) = −ln(1 − z)/z
        for z in [0.1, 0.5, 0.9, 0.99] {
            let want = -(1.0f64 - z).ln() / z;
            assert!(
                (hyp2f1(1.0, 1.0, 2.0, z) - want).abs() < 1e-12 * want,
                "z = {z}"
            );
        }
        // ₂F₁(a, b; b; z) = (1 − z)^(−a)
        let want = (1.0f64 - 0.7).powf(-2.5);
        assert!((hyp2f1(2.5, 3.0, 3.0, 0.7) - want).abs() < 1e-11 * want);
        assert!((log_add_exp(1.0, 2.0) - (1f64.exp() + 2f64.exp()).ln()).abs() < 1e-15);
        assert!((log_sub_exp(2.0, 1.0) - (2f64.exp() - 1f64.exp()).ln()).abs() < 1e-14);
    }
}
