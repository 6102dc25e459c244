//! Unit tests against closed-form hand calculations; scipy/statsmodels cross-checks live in
//! the CLI's integration tests (`crates/vitrine/tests/experiment.rs`).

use super::*;

fn prop(name: &str, n: f64, c: f64) -> Variant {
    Variant {
        name: name.into(),
        n,
        conversions: Some(c),
        sum: None,
        sum_squares: None,
        pre_sum: None,
        pre_sum_squares: None,
        sum_products: None,
    }
}

fn close(a: f64, b: f64, rel: f64) -> bool {
    (a - b).abs() <= rel * b.abs().max(1e-300)
}

#[test]
fn two_proportion_test_matches_hand_calculation() {
    // 1000 vs 1000 users, 100 vs 130 conversions.
    let a = analyze(
        &[prop("A", 1000.0, 100.0), prop("B", 1000.0, 130.0)],
        &Settings::default(),
    )
    .unwrap();
    let t = &a.treatments[0];
    assert!(close(t.estimate, 0.03, 1e-12));
    // Pooled p = .115, se0 = sqrt(.115·.885·.002) = 0.014267..., z = 2.10273...
    let se0 = (0.115f64 * 0.885 * 0.002).sqrt();
    let z = 0.03 / se0;
    let p = 2.0 * standard_normal().sf(z);
    assert!(close(t.p_value.unwrap(), p, 1e-12));
    assert!((p - 0.03549).abs() < 1e-4, "p = {p}");
    // Wald interval: se = sqrt(.09/1000 + .1131/1000)
    let se = (0.09f64 / 1000.0 + 0.13 * 0.87 / 1000.0).sqrt();
    assert!(close(
        t.ci_high - t.ci_low,
        2.0 * 1.959963984540054 * se,
        1e-9
    ));
    assert!(t.significant);
    assert_eq!(a.verdict.decision, "ship");
}

#[test]
fn identical_and_empty_variants_give_finite_answers() {
    let a = analyze(
        &[prop("A", 500.0, 0.0), prop("B", 500.0, 0.0)],
        &Settings::default(),
    )
    .unwrap();
    let t = &a.treatments[0];
    assert_eq!((t.estimate, t.p_value), (0.0, Some(1.0)));
    assert_eq!(a.verdict.decision, "no_difference");
    // Relative lift over a zero control is refused, not NaN.
    let rel = Settings {
        difference: Difference::Relative,
        ..Settings::default()
    };
    assert!(analyze(&[prop("A", 500.0, 0.0), prop("B", 500.0, 3.0)], &rel).is_err());
    for method in [Method::Bayesian, Method::Sequential] {
        let s = Settings {
            method,
            ..Settings::default()
        };
        let a = analyze(&[prop("A", 10.0, 0.0), prop("B", 12.0, 0.0)], &s).unwrap();
        let t = &a.treatments[0];
        for x in [t.estimate, t.ci_low, t.ci_high] {
            assert!(x.is_finite(), "{method:?}: {t:?}");
        }
    }
}

#[test]
fn srm_flags_a_broken_split() {
    // 50/50 planned, 10 000 vs 10 400: χ² = 400²/(2·10 200)·... = 7.84, p ≈ 0.0051.
    let v = [prop("A", 10_000.0, 500.0), prop("B", 10_400.0, 520.0)];
    let p = srm(&v, None).unwrap();
    let e = 10_200.0;
    let chi: f64 = 2.0 * 200.0f64.powi(2) / e;
    assert!(close(p, ChiSquared::new(1.0).unwrap().sf(chi), 1e-12));
    assert!(p > 0.001, "p = {p}");
    let v = [prop("A", 10_000.0, 500.0), prop("B", 11_000.0, 520.0)];
    let a = analyze(&v, &Settings::default()).unwrap();
    assert!(a.srm_detected);
    assert_eq!(a.verdict.decision, "invalid");
    // A planned 1:1.1 split makes the same counts fine.
    assert!(srm(&v, Some(&[1.0, 1.1])).unwrap() > 0.5);
}

#[test]
fn beta_binomial_chance_to_win_matches_numeric_integration() {
    // P(B > A) for Beta(3, 9) vs Beta(5, 7): compare the closed form with a fine Riemann sum.
    let exact = bayesian::prob_greater(5.0, 7.0, 3.0, 9.0);
    let (ln_a, ln_b) = (
        statrs::function::beta::ln_beta(3.0, 9.0),
        statrs::function::beta::ln_beta(5.0, 7.0),
    );
    let steps = 20_000;
    let h = 1.0 / steps as f64;
    let mut cdf_a = 0.0;
    let mut win = 0.0;
    for i in 0..steps {
        let x = (i as f64 + 0.5) * h;
        let fa = (2.0 * x.ln() + 8.0 * (1.0 - x).ln() - ln_a).exp();
        let fb = (4.0 * x.ln() + 6.0 * (1.0 - x).ln() - ln_b).exp();
        win += fb * (cdf_a + fa * h / 2.0) * h;
        cdf_a += fa * h;
    }
    assert!((exact - win).abs() < 1e-6, "{exact} vs {win}");
}

#[test]
fn chance_to_win_by_quadrature_agrees_with_the_closed_form() {
    // Sizes where both are cheap: the closed form sums 15,000 terms.
    let (a1, b1, a2, b2) = (15_001.0, 985_000.0, 14_801.0, 985_200.0);
    let exact = bayesian::miller(a1, b1, a2, b2);
    let quad = bayesian::prob_greater_quadrature(a1, b1, a2, b2);
    assert!((exact - quad).abs() < 1e-6, "{exact} vs {quad}");
    // The closed form over the smaller arm is the complement of the larger one's.
    let swapped = 1.0 - bayesian::miller(101.0, 900.0, 120.0, 880.0);
    let direct = bayesian::miller(120.0, 880.0, 101.0, 900.0);
    assert!((swapped - direct).abs() < 1e-9, "{swapped} vs {direct}");
    // Expected loss: the closed-form difference against the one-integral quadrature, both
    // ways round (a loss near zero and one near the difference of the means). The closed
    // form subtracts two totals of ~0.015 that each carry ~1e-11 of rounding from 15,000
    // terms of exp(ln Β …) at magnitude 1e5, so agreement is to 1e-5 of the loss.
    for (a1, b1, a2, b2) in [(a1, b1, a2, b2), (a2, b2, a1, b1)] {
        let exact = bayesian::expected_shortfall(a1, b1, a2, b2);
        let quad = bayesian::shortfall_quadrature(a1, b1, a2, b2);
        assert!((exact - quad).abs() < 1e-5 * exact, "{exact} vs {quad}");
    }
}

#[test]
fn huge_counts_are_answered_in_bounded_work_or_refused() {
    // A billion conversions per arm: Evan Miller's sum would run a billion terms. At this
    // size the posteriors are normal to ~1e-5, so the normal approximation is an oracle.
    let v = [
        prop("A", 1e11, 1_000_000_000.0),
        prop("B", 1e11, 1_000_050_000.0),
    ];
    let bayes = Settings {
        method: Method::Bayesian,
        ..Settings::default()
    };
    let a = analyze(&v, &bayes).unwrap();
    let win = a.treatments[0].chance_to_win.unwrap();
    let var = |p: f64| p * (1.0 - p) / 1e11;
    let (pa, pb) = (1e9 / 1e11, 1.00005e9 / 1e11);
    let z = (pb - pa) / (var(pa) + var(pb)).sqrt();
    let normal = standard_normal().cdf(z);
    assert!((win - normal).abs() < 1e-3, "{win} vs {normal}");
    // 2^53 units cannot be counted exactly in a float: refused, not looped over.
    let big = 2f64.powi(53);
    let e = analyze(&[prop("A", big, big), prop("B", big, big)], &bayes).unwrap_err();
    assert!(e.to_string().contains("10^12"), "{e}");
}

#[test]
fn gaussian_welch_matches_hand_calculation() {
    let mean = |name: &str, n: f64, m: f64, sd: f64| Variant {
        sum: Some(n * m),
        sum_squares: Some((n - 1.0) * sd * sd + n * m * m),
        conversions: None,
        ..prop(name, n, 0.0)
    };
    let v = [mean("A", 50.0, 10.0, 2.0), mean("B", 40.0, 11.0, 3.0)];
    let a = analyze(&v, &Settings::default()).unwrap();
    let t = &a.treatments[0];
    let (va, vb): (f64, f64) = (4.0 / 50.0, 9.0 / 40.0);
    let se = (va + vb).sqrt();
    let df = (va + vb).powi(2) / (va * va / 49.0 + vb * vb / 39.0);
    let dist = statrs::distribution::StudentsT::new(0.0, 1.0, df).unwrap();
    assert!(close(t.estimate, 1.0, 1e-12));
    assert!(close(t.p_value.unwrap(), 2.0 * dist.sf(1.0 / se), 1e-10));
    assert!(close(t.ci_high, 1.0 + dist.inverse_cdf(0.975) * se, 1e-10));
}

#[test]
fn cuped_removes_covariate_variance() {
    // Outcome y = x + small noise: CUPED should remove almost all variance.
    let unit = |name: &str, xs: &[f64], shift: f64| {
        let ys: Vec<f64> = xs
            .iter()
            .enumerate()
            .map(|(i, x)| x + shift + 0.01 * (i % 3) as f64)
            .collect();
        Variant {
            name: name.into(),
            n: xs.len() as f64,
            conversions: None,
            sum: Some(ys.iter().sum()),
            sum_squares: Some(ys.iter().map(|y| y * y).sum()),
            pre_sum: Some(xs.iter().sum()),
            pre_sum_squares: Some(xs.iter().map(|x| x * x).sum()),
            sum_products: Some(xs.iter().zip(&ys).map(|(x, y)| x * y).sum()),
        }
    };
    let xa: Vec<f64> = (0..100).map(|i| (i * 37 % 101) as f64).collect();
    let xb: Vec<f64> = (0..100).map(|i| (i * 53 % 103) as f64).collect();
    let a = analyze(
        &[unit("A", &xa, 0.0), unit("B", &xb, 0.5)],
        &Settings::default(),
    )
    .unwrap();
    let cuped = a.cuped.clone().unwrap();
    assert!(cuped.variance_reduction > 0.99, "{cuped:?}");
    assert!((cuped.theta - 1.0).abs() < 0.01);
    let t = &a.treatments[0];
    assert!((t.estimate - 0.5).abs() < 0.01, "{t:?}");
    assert!(t.significant);
}

#[test]
fn power_matches_the_textbook_formula() {
    let r = sample_size(&PowerRequest {
        baseline: 0.035,
        mde: 0.1,
        absolute: false,
        alpha: 0.05,
        power: 0.8,
        sd: None,
        daily_units: Some(2000.0),
    })
    .unwrap();
    // Hand calculation: p1 .035, p2 .0385, p̄ .03675; za 1.959964, zb 0.841621.
    let (p1, p2, pb) = (0.035f64, 0.0385f64, 0.03675f64);
    let num = 1.959963984540054 * (2.0 * pb * (1.0 - pb)).sqrt()
        + 0.8416212335729143 * (p1 * (1.0 - p1) + p2 * (1.0 - p2)).sqrt();
    let n = (num * num / (0.0035f64 * 0.0035)).ceil() as u64;
    assert_eq!(r.n_per_variant, n);
    assert!((44_000..46_000).contains(&n), "n = {n}");
    assert_eq!(r.days, Some(n.div_ceil(2000).max(7)));
}

/// SplitMix64: a tiny deterministic generator for the simulation below.
struct SplitMix(u64);
impl SplitMix {
    fn next(&mut self) -> f64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        ((z ^ (z >> 31)) >> 11) as f64 / (1u64 << 53) as f64
    }
}

#[test]
fn sequential_test_survives_peeking_where_naive_testing_does_not() {
    // 400 A/A tests, 100 looks each (every 200 users per arm), p = 5 %.
    let (reps, looks, batch, rate, alpha) = (400, 100, 200, 0.05, 0.05);
    let mut rng = SplitMix(7);
    let (mut naive_fp, mut seq_fp) = (0, 0);
    let naive = Settings::default();
    let seq = Settings {
        method: Method::Sequential,
        mixing_variance: Some((0.1f64 * rate).powi(2)),
        ..Settings::default()
    };
    for _ in 0..reps {
        let (mut ca, mut cb) = (0.0, 0.0);
        let (mut naive_hit, mut seq_hit) = (false, false);
        for look in 1..=looks {
            for _ in 0..batch {
                ca += f64::from(u8::from(rng.next() < rate));
                cb += f64::from(u8::from(rng.next() < rate));
            }
            let n = (look * batch) as f64;
            let v = [prop("A", n, ca), prop("B", n, cb)];
            let p = |s: &Settings| analyze(&v, s).unwrap().treatments[0].p_value.unwrap();
            naive_hit |= p(&naive) < alpha;
            seq_hit |= p(&seq) < alpha;
        }
        naive_fp += usize::from(naive_hit);
        seq_fp += usize::from(seq_hit);
    }
    let (naive_rate, seq_rate) = (naive_fp as f64 / reps as f64, seq_fp as f64 / reps as f64);
    eprintln!("false-positive rate under peeking: naive {naive_rate}, sequential {seq_rate}");
    assert!(
        seq_rate <= alpha,
        "sequential false-positive rate {seq_rate}"
    );
    assert!(
        naive_rate > 2.0 * alpha,
        "naive false-positive rate {naive_rate}"
    );
}

#[test]
fn bad_input_is_named() {
    let err = analyze(
        &[prop("A", 10.0, 11.0), prop("B", 10.0, 1.0)],
        &Settings::default(),
    )
    .unwrap_err()
    .to_string();
    assert!(
        err.contains("variant A") && err.contains("conversions"),
        "{err}"
    );
    assert!(analyze(&[prop("A", 10.0, 1.0)], &Settings::default()).is_err());
}

/// A metric that improves downwards (complaint rate, CPA): a significant rise is a loss and
/// never ships; a significant fall is the win.
#[test]
fn verdicts_follow_the_metric_direction() {
    let lower = Settings {
        higher_is_better: false,
        ..Settings::default()
    };
    // Complaint rate 10 % in control, 13 % in treatment: significantly worse.
    let up = analyze(
        &[prop("A", 1000.0, 100.0), prop("B", 1000.0, 130.0)],
        &lower,
    )
    .unwrap();
    assert!(up.treatments[0].significant);
    assert_eq!(up.verdict.decision, "stop");
    assert_eq!(up.verdict.winner.as_deref(), Some("A"));
    // 13 % down to 10 %: the treatment wins.
    let down = analyze(
        &[prop("A", 1000.0, 130.0), prop("B", 1000.0, 100.0)],
        &lower,
    )
    .unwrap();
    assert_eq!(down.verdict.decision, "ship");
    assert_eq!(down.verdict.winner.as_deref(), Some("B"));
    // Higher is better (the default) reads the same data the other way.
    let ctr = analyze(
        &[prop("A", 1000.0, 130.0), prop("B", 1000.0, 100.0)],
        &Settings::default(),
    )
    .unwrap();
    assert_eq!(ctr.verdict.decision, "stop");
}

/// Groups the traffic formed (two creatives of one plan) are compared, not judged: uneven
/// arms are no sample ratio mismatch, and however large the difference nothing ships.
#[test]
fn an_observational_comparison_reports_the_difference_but_decides_nothing() {
    let obs = Settings {
        observational: true,
        ..Settings::default()
    };
    // Creative B got a third of A's impressions and a much higher CTR.
    let arms = [prop("A", 90_000.0, 900.0), prop("B", 30_000.0, 600.0)];
    let randomised = analyze(&arms, &Settings::default()).unwrap();
    assert!(
        randomised.srm_detected,
        "a 3:1 split of a 1:1 test is a mismatch"
    );
    let a = analyze(&arms, &obs).unwrap();
    assert!(!a.srm_detected);
    assert!(a.treatments[0].significant);
    assert_eq!(a.verdict.decision, "observational");
    assert_eq!(a.verdict.winner, None);
    assert!(a.verdict.zh.contains("未随机") && a.verdict.en.contains("randomised"));
    assert!(a.warnings.iter().any(|w| w.contains("observational")));
}
