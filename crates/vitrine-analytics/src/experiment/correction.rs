//! Multiple-comparison corrections of p-values (adjusted p-values, input order kept).

/// Holm's step-down adjustment (controls the family-wise error rate).
pub fn holm(p: &[f64]) -> Vec<f64> {
    let m = p.len();
    let order = sorted_order(p);
    let mut out = vec![0.0; m];
    let mut running: f64 = 0.0;
    for (rank, &i) in order.iter().enumerate() {
        running = running.max(((m - rank) as f64 * p[i]).min(1.0));
        out[i] = running;
    }
    out
}

/// Benjamini–Hochberg step-up adjustment (controls the false discovery rate).
pub fn benjamini_hochberg(p: &[f64]) -> Vec<f64> {
    let m = p.len();
    let order = sorted_order(p);
    let mut out = vec![0.0; m];
    let mut running: f64 = 1.0;
    for (rank, &i) in order.iter().enumerate().rev() {
        running = running.min((p[i] * m as f64 / (rank + 1) as f64).min(1.0));
        out[i] = running;
    }
    out
}

fn sorted_order(p: &[f64]) -> Vec<usize> {
    let mut order: Vec<usize> = (0..p.len()).collect();
    order.sort_by(|&a, &b| p[a].total_cmp(&p[b]));
    order
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn holm_and_bh_match_hand_computation() {
        // Hand-worked: sorted p = .01 .02 .03 .04, m = 4.
        let p = [0.04, 0.01, 0.03, 0.02];
        // Holm: 4·.01=.04, 3·.02=.06, 2·.03=.06, 1·.04=.04→max .06
        assert_eq!(holm(&p), vec![0.06, 0.04, 0.06, 0.06]);
        // BH: .04·4/4=.04, .03·4/3=.04, .02·4/2=.04, .01·4/1=.04
        let bh = benjamini_hochberg(&p);
        for v in bh {
            assert!((v - 0.04).abs() < 1e-15);
        }
        assert_eq!(holm(&[0.5, 0.9]), vec![1.0, 1.0]);
    }
}
