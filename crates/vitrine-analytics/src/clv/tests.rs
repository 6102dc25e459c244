//! Parameter recovery on data drawn from the models with known parameters, and degenerate
//! inputs. Published CDNOW values and `lifetimes` predictions are checked in the CLI's
//! integration tests (`crates/vitrine/tests/clv.rs`).

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use rand_distr::{Beta, Distribution, Exp, Gamma};

use statrs::function::gamma::ln_gamma;

use super::*;

/// Draws BG/NBD customers observed for `t` periods each.
fn draw_bgnbd(n: usize, r: f64, alpha: f64, a: f64, b: f64, t: f64, seed: u64) -> Vec<Customer> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let lambda = Gamma::new(r, 1.0 / alpha).unwrap();
    let dropout = Beta::new(a, b).unwrap();
    (0..n)
        .map(|_| {
            let l = lambda.sample(&mut rng);
            let p = dropout.sample(&mut rng);
            let wait = Exp::new(l).unwrap();
            let (mut now, mut x, mut last) = (0.0, 0.0, 0.0);
            loop {
                now += wait.sample(&mut rng);
                if now > t {
                    break;
                }
                x += 1.0;
                last = now;
                if rand::Rng::gen::<f64>(&mut rng) < p {
                    break;
                }
            }
            Customer {
                frequency: x,
                recency: last,
                t,
                monetary_value: None,
            }
        })
        .collect()
}

/// Draws Pareto/NBD customers observed for `t` periods each.
fn draw_pareto(
    n: usize,
    r: f64,
    alpha: f64,
    s: f64,
    beta: f64,
    t: f64,
    seed: u64,
) -> Vec<Customer> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let lambda = Gamma::new(r, 1.0 / alpha).unwrap();
    let mu = Gamma::new(s, 1.0 / beta).unwrap();
    (0..n)
        .map(|_| {
            let l = lambda.sample(&mut rng);
            let life = Exp::new(mu.sample(&mut rng)).unwrap().sample(&mut rng);
            let wait = Exp::new(l).unwrap();
            let (mut now, mut x, mut last) = (0.0, 0.0, 0.0);
            loop {
                now += wait.sample(&mut rng);
                if now > t.min(life) {
                    break;
                }
                x += 1.0;
                last = now;
            }
            Customer {
                frequency: x,
                recency: last,
                t,
                monetary_value: None,
            }
        })
        .collect()
}

fn within(name: &str, got: f64, want: f64, rel: f64) {
    assert!(
        (got - want).abs() <= rel * want,
        "{name}: fitted {got}, true {want}"
    );
}

#[test]
fn bgnbd_recovers_known_parameters() {
    // 40 000 customers: sampling error of each parameter is a few percent; 15 % is ~4 sd.
    let c = draw_bgnbd(40_000, 0.25, 4.0, 0.8, 2.5, 39.0, 1);
    let m = BgNbd::fit(&c).unwrap();
    within("r", m.r, 0.25, 0.15);
    within("alpha", m.alpha, 4.0, 0.15);
    within("a", m.a, 0.8, 0.25);
    within("b", m.b, 2.5, 0.25);
}

#[test]
fn pareto_nbd_recovers_known_parameters() {
    let c = draw_pareto(20_000, 0.55, 10.0, 0.6, 12.0, 39.0, 2);
    let m = ParetoNbd::fit(&c).unwrap();
    within("r", m.r, 0.55, 0.15);
    within("alpha", m.alpha, 10.0, 0.2);
    within("s", m.s, 0.6, 0.35);
    within("beta", m.beta, 12.0, 0.5);
}

#[test]
fn gamma_gamma_recovers_known_parameters() {
    let (p, q, gamma) = (6.0, 4.0, 15.0);
    let mut rng = ChaCha8Rng::seed_from_u64(3);
    let nu = Gamma::new(q, 1.0 / gamma).unwrap();
    let customers: Vec<Customer> = (0..20_000)
        .map(|i| {
            let x = 1 + i % 6;
            let spend = Gamma::new(p, 1.0 / nu.sample(&mut rng)).unwrap();
            let m = (0..x).map(|_| spend.sample(&mut rng)).sum::<f64>() / x as f64;
            Customer {
                frequency: x as f64,
                recency: 1.0,
                t: 2.0,
                monetary_value: Some(m),
            }
        })
        .collect();
    let g = GammaGamma::fit(&customers).unwrap();
    within("p", g.p, p, 0.1);
    within("q", g.q, q, 0.1);
    within("gamma", g.gamma, gamma, 0.15);
}

#[test]
fn degenerate_inputs_are_explained() {
    let one = [Customer {
        frequency: 2.0,
        recency: 5.0,
        t: 9.0,
        monetary_value: Some(3.0),
    }];
    assert!(matches!(BgNbd::fit(&one), Err(ClvError::Degenerate(_))));
    let none: Vec<Customer> = (0..50)
        .map(|_| Customer {
            frequency: 0.0,
            recency: 0.0,
            t: 30.0,
            monetary_value: Some(0.0),
        })
        .collect();
    let err = BgNbd::fit(&none).unwrap_err().to_string();
    assert!(err.contains("no customer made a repeat purchase"), "{err}");
    assert!(ParetoNbd::fit(&none).is_err());
    // Zero spend for a repeat buyer is named by row.
    let mut c = draw_bgnbd(200, 0.25, 4.0, 0.8, 2.5, 39.0, 4);
    for x in &mut c {
        x.monetary_value = Some(if x.frequency > 0.0 { 10.0 } else { 0.0 });
    }
    let row = c.iter().position(|x| x.frequency > 0.0).unwrap();
    c[row].monetary_value = Some(0.0);
    assert_eq!(
        GammaGamma::fit(&c).unwrap_err(),
        ClvError::Row {
            row,
            reason: "Gamma-Gamma needs a positive monetary_value for repeat buyers, got 0".into()
        }
    );
    let bad = [Customer {
        frequency: 1.0,
        recency: 10.0,
        t: 5.0,
        monetary_value: None,
    }];
    assert!(matches!(validate(&bad), Err(ClvError::Row { row: 0, .. })));
}

#[test]
fn all_repeaters_fit_or_explain_and_predictions_are_finite() {
    let c: Vec<Customer> = draw_bgnbd(5000, 2.0, 3.0, 0.5, 6.0, 39.0, 5)
        .into_iter()
        .filter(|c| c.frequency > 0.0)
        .collect();
    match BgNbd::fit(&c) {
        Ok(m) => {
            let p = predict(&m, None, &c, 39.0, 0.01).unwrap();
            assert!(p
                .iter()
                .all(|p| p.p_alive.is_finite() && p.expected_purchases.is_finite()));
        }
        Err(e) => assert!(matches!(e, ClvError::NoConvergence { .. }), "{e}"),
    }
}

/// Central finite differences of `f` at `p` (relative step).
fn numeric_gradient(f: &dyn Fn(&[f64]) -> f64, p: &[f64]) -> Vec<f64> {
    (0..p.len())
        .map(|i| {
            let h = 1e-6 * p[i];
            let (mut up, mut down) = (p.to_vec(), p.to_vec());
            up[i] += h;
            down[i] -= h;
            (f(&up) - f(&down)) / (2.0 * h)
        })
        .collect()
}

#[test]
fn analytic_gradients_match_finite_differences() {
    let c = draw_bgnbd(3000, 0.3, 5.0, 0.9, 2.0, 39.0, 9);
    let data = Compressed::new(&c);
    let p = [0.35, 4.0, 0.7, 2.6];
    let (_, g) = bgnbd::log_likelihood(&data, &p);
    let num = numeric_gradient(&|q| bgnbd::log_likelihood(&data, q).0, &p);
    for (a, n) in g.iter().zip(&num) {
        assert!(
            (a - n).abs() <= 1e-5 * n.abs().max(1.0),
            "BG/NBD: analytic {g:?} vs numeric {num:?}"
        );
    }
    let spend: Vec<Customer> = c
        .iter()
        .filter(|c| c.frequency > 0.0)
        .enumerate()
        .map(|(i, c)| Customer {
            monetary_value: Some(5.0 + (i % 17) as f64),
            ..*c
        })
        .collect();
    let gg = GammaGamma::fit(&spend).unwrap();
    // At the optimum the gradient vanishes, so check a point away from it too.
    let p = [gg.p * 1.3, gg.q * 0.8, gg.gamma * 1.1];
    let (ll, g) = gamma_gamma::log_likelihood_of(&spend, &p);
    // The grouped sum equals the per-buyer density of Fader & Hardie (2013), eq. 3 in logs,
    // summed buyer by buyer (relative 1e-12: only the order of the additions differs).
    let direct: f64 = spend
        .iter()
        .map(|c| {
            let (x, m) = (c.frequency, c.monetary_value.unwrap());
            let (pp, q, gm) = (p[0], p[1], p[2]);
            ln_gamma(pp * x + q) - ln_gamma(pp * x) - ln_gamma(q)
                + q * gm.ln()
                + (pp * x - 1.0) * m.ln()
                + pp * x * x.ln()
                - (pp * x + q) * (gm + m * x).ln()
        })
        .sum();
    assert!(
        (ll - direct).abs() <= 1e-12 * direct.abs(),
        "grouped {ll} vs direct {direct}"
    );
    let num = numeric_gradient(&|q| gamma_gamma::log_likelihood_of(&spend, q).0, &p);
    for (a, n) in g.iter().zip(&num) {
        assert!(
            (a - n).abs() <= 1e-5 * n.abs().max(1.0),
            "Gamma-Gamma: analytic {g:?} vs numeric {num:?}"
        );
    }
}

/// A fit started from yesterday's (a fit on a slightly different sample) reaches the same
/// optimum as a fit from scratch: parameters within 1e-5 relative, log-likelihood within
/// 1e-9 relative (the optimiser stops at a mean-gradient norm of 1e-9).
#[test]
fn a_fit_started_from_an_earlier_one_reaches_the_same_optimum() {
    let mut all = draw_bgnbd(30_000, 0.25, 4.0, 0.8, 2.5, 39.0, 5);
    for (i, c) in all.iter_mut().enumerate() {
        c.monetary_value = (c.frequency > 0.0).then_some(20.0 + (i % 97) as f64);
    }
    let yesterday = &all[..29_000];
    let (bg0, gg0) = (
        BgNbd::fit(yesterday).unwrap(),
        GammaGamma::fit(yesterday).unwrap(),
    );
    let (bg, gg) = (BgNbd::fit(&all).unwrap(), GammaGamma::fit(&all).unwrap());
    let (bgw, ggw) = (
        BgNbd::fit_from(&all, Some(&bg0)).unwrap(),
        GammaGamma::fit_from(&all, Some(&gg0)).unwrap(),
    );
    for (name, got, want) in [
        ("r", bgw.r, bg.r),
        ("alpha", bgw.alpha, bg.alpha),
        ("a", bgw.a, bg.a),
        ("b", bgw.b, bg.b),
        ("p", ggw.p, gg.p),
        ("q", ggw.q, gg.q),
        ("gamma", ggw.gamma, gg.gamma),
    ] {
        within(name, got, want, 1e-5);
    }
    within("BG/NBD LL", -bgw.log_likelihood, -bg.log_likelihood, 1e-9);
    within(
        "Gamma-Gamma LL",
        -ggw.log_likelihood,
        -gg.log_likelihood,
        1e-9,
    );
    // A start that is no fit at all is ignored, not trusted.
    let bad = BgNbd { r: f64::NAN, ..bg0 };
    within(
        "r from a bad start",
        BgNbd::fit_from(&all, Some(&bad)).unwrap().r,
        bg.r,
        1e-12,
    );
}

/// Compressed rows are the distinct (x, t_x, T) with their counts, in ascending order,
/// whether the values pack into one key (whole numbers) or not (fractions, −0.0, large).
#[test]
fn compressed_rows_are_a_direct_count_of_distinct_inputs() {
    let vals = [0.0, -0.0, 1.0, 2.5, 7.0, 3_000_000.0];
    let mut customers = Vec::new();
    // Enough customers to be assigned in two halves; T shifted by up to 149 so some rows
    // first appear in the second half and others in both.
    for k in 0..250u32 {
        let shift = f64::from(k % 150);
        for (i, &x) in vals.iter().enumerate() {
            for (j, &tx) in vals.iter().enumerate() {
                let t = vals[(i * 7 + j) % vals.len()];
                for _ in 0..(1 + (i + j) % 3) {
                    customers.push(Customer {
                        frequency: x,
                        recency: tx,
                        t: if shift == 0.0 { t } else { t + shift },
                        monetary_value: None,
                    });
                }
            }
        }
    }
    assert!(customers.len() > 1 << 14);
    let mut direct: std::collections::BTreeMap<(u64, u64, u64), f64> = Default::default();
    for c in &customers {
        *direct
            .entry((c.frequency.to_bits(), c.recency.to_bits(), c.t.to_bits()))
            .or_default() += 1.0;
    }
    let got = Compressed::new(&customers);
    assert_eq!(got.rows.len(), direct.len());
    let mut want: Vec<((f64, f64, f64), f64)> = direct
        .into_iter()
        .map(|((x, tx, t), w)| {
            (
                (f64::from_bits(x), f64::from_bits(tx), f64::from_bits(t)),
                w,
            )
        })
        .collect();
    want.sort_by(|a, b| {
        a.0 .0
            .total_cmp(&b.0 .0)
            .then(a.0 .1.total_cmp(&b.0 .1))
            .then(a.0 .2.total_cmp(&b.0 .2))
    });
    for (row, ((x, tx, t), w)) in got.rows.iter().zip(want) {
        assert_eq!(
            (
                row.x.to_bits(),
                row.tx.to_bits(),
                row.t.to_bits(),
                row.weight
            ),
            (x.to_bits(), tx.to_bits(), t.to_bits(), w)
        );
        // The per-value tables merge 0.0 and −0.0 (equal values, equal terms).
        assert_eq!(got.xs[row.xi], x);
        assert_eq!(got.txs[row.txi], tx);
        assert_eq!(got.ts[row.ti], t);
    }
    // Assigned in two halves, the rows are numbered as one pass numbers them.
    let whole = RowIndex::over(&customers, 0, customers.len()).into_parts();
    let halves = slots_of(&customers);
    assert_eq!(halves.1, whole.1);
    let bits = |s: &[Slot]| -> Vec<_> {
        s.iter()
            .map(|((x, tx, t), w)| (x.to_bits(), tx.to_bits(), t.to_bits(), w.to_bits()))
            .collect()
    };
    assert_eq!(bits(&halves.0), bits(&whole.0));
    // Every customer points at the row of its own (x, t_x, T).
    assert_eq!(got.of.len(), customers.len());
    for (c, i) in customers.iter().zip(&got.of) {
        let row = got.rows[*i as usize];
        assert_eq!(
            (row.x.to_bits(), row.tx.to_bits(), row.t.to_bits()),
            (c.frequency.to_bits(), c.recency.to_bits(), c.t.to_bits())
        );
    }
}

#[test]
fn predictions_per_row_equal_each_customers_own_prediction() {
    let model = BgNbd {
        r: 0.243,
        alpha: 4.414,
        a: 0.793,
        b: 2.426,
        log_likelihood: 0.0,
    };
    let spend = GammaGamma {
        p: 6.25,
        q: 3.74,
        gamma: 15.44,
        log_likelihood: 0.0,
    };
    let mut customers = Vec::new();
    for i in 0..400u32 {
        let x = f64::from(i % 5);
        let tx = if x > 0.0 { f64::from(i % 17) } else { 0.0 };
        customers.push(Customer {
            frequency: x,
            recency: tx,
            t: tx + f64::from(i % 11),
            monetary_value: Some(if x > 0.0 {
                10.0 + f64::from(i % 7)
            } else {
                0.0
            }),
        });
    }
    let got = predict(&model, Some(&spend), &customers, 39.0, 0.0).unwrap();
    for (c, p) in customers.iter().zip(&got) {
        assert_eq!(p.p_alive.to_bits(), model.p_alive(c).to_bits());
        let e = model.expected_purchases(c, 39.0);
        assert_eq!(p.expected_purchases.to_bits(), e.to_bits());
        assert_eq!(p.clv, Some(e * spend.expected_avg_spend(c)));
    }
    // The value index's halves: the same numbers, in customer order.
    let data = Compressed::new(&customers);
    let (alive, clv) = alive_and_clv(&model, &spend, &customers, &data, 39.0);
    assert_eq!(alive.len(), customers.len());
    for ((p, a), v) in got.iter().zip(&alive).zip(&clv) {
        assert_eq!(p.p_alive.to_bits(), a.to_bits());
        assert_eq!(p.clv.map(f64::to_bits), Some(v.to_bits()));
    }
}

/// The fits do not depend on the order customers come in, to the last bit: a review's
/// digest and a full segmentation read the same buyers in different orders.
#[test]
fn fits_do_not_depend_on_customer_order() {
    let mut all = draw_bgnbd(20_000, 0.25, 4.0, 0.8, 2.5, 39.0, 11);
    for (i, c) in all.iter_mut().enumerate() {
        c.monetary_value = Some(if c.frequency > 0.0 {
            (7.0 + (i * 31 % 89) as f64) / 3.0
        } else {
            0.0
        });
    }
    let mut shuffled = all.clone();
    shuffled.reverse();
    shuffled.rotate_left(7_777);
    assert_eq!(BgNbd::fit(&all).unwrap(), BgNbd::fit(&shuffled).unwrap());
    assert_eq!(
        GammaGamma::fit(&all).unwrap(),
        GammaGamma::fit(&shuffled).unwrap()
    );
}
