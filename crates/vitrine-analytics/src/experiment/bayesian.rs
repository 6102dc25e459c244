//! Bayesian comparison: beta-binomial for proportions (uniform Beta(1, 1) prior) and a
//! normal posterior for means (flat prior, known-variance approximation).
//!
//! Chance to win is exact for proportions (Evan Miller's closed form); expected loss follows
//! from it (Stucchio); the equal-tailed credible interval of the difference or ratio is found
//! by quadrature of the two posteriors, so it does not depend on a normal approximation.

use statrs::distribution::{Continuous, ContinuousCDF};
use statrs::function::beta::ln_beta;

use super::frequentist::relative_se;
use super::{
    invalid, standard_normal, z_two_sided, Comparison, Difference, ExperimentError, MetricKind,
    Moments, Settings,
};

pub(super) fn compare(
    kind: MetricKind,
    c: &Moments,
    t: &Moments,
    s: &Settings,
) -> Result<Comparison, ExperimentError> {
    let (estimate, ci_low, ci_high, win, loss) = match kind {
        MetricKind::Proportion => beta_binomial(c, t, s)?,
        MetricKind::Mean => gaussian(c, t, s),
    };
    Ok(Comparison {
        name: String::new(),
        n: t.n,
        mean: t.mean,
        estimate,
        ci_low,
        ci_high,
        p_value: None,
        p_value_adjusted: None,
        chance_to_win: Some(win),
        expected_loss: Some(loss),
        significant: win > 1.0 - s.alpha || win < s.alpha,
    })
}

type Summary = (f64, f64, f64, f64, f64);

fn beta_binomial(c: &Moments, t: &Moments, s: &Settings) -> Result<Summary, ExperimentError> {
    let post = |m: &Moments| {
        let x = m.conversions.unwrap_or(0.0);
        (1.0 + x, 1.0 + m.n - x)
    };
    let ((ac, bc), (at, bt)) = (post(c), post(t));
    let win = prob_greater(at, bt, ac, bc);
    let loss = expected_shortfall(at, bt, ac, bc);
    let mean = |a: f64, b: f64| a / (a + b);
    let control = BetaPosterior::new(ac, bc);
    let treatment = BetaPosterior::new(at, bt);
    let q = [s.alpha / 2.0, 1.0 - s.alpha / 2.0];
    let (estimate, lo, hi) = match s.difference {
        Difference::Absolute => {
            let (t_lo, t_hi) = treatment.support();
            let cdf = |d: f64| control.expect(|x| treatment.cdf(x + d), &[t_lo - d, t_hi - d]);
            let [lo, hi] = q.map(|p| quantile(&cdf, p, -1.0, 1.0));
            (mean(at, bt) - mean(ac, bc), lo, hi)
        }
        Difference::Relative => {
            if ac <= 1.0 {
                return invalid("the control has no conversions, so a relative lift is undefined");
            }
            let (t_lo, t_hi) = treatment.support();
            let cdf = |r: f64| {
                let k = 1.0 + r;
                let kinks = if k > 0.0 {
                    [t_lo / k, t_hi / k]
                } else {
                    [0.0, 0.0]
                };
                control.expect(|x| treatment.cdf(x * k), &kinks)
            };
            let upper = upper_bound(&cdf, q[1]);
            let [lo, hi] = q.map(|p| quantile(&cdf, p, -1.0, upper));
            let inv_mean = (ac + bc - 1.0) / (ac - 1.0);
            (mean(at, bt) * inv_mean - 1.0, lo, hi)
        }
    };
    Ok((estimate, lo, hi, win, loss))
}

/// Terms the closed form may sum before quadrature takes over (a few milliseconds).
const EXACT_TERMS: f64 = 100_000.0;

/// P(X1 > X2) for X1 ~ Beta(a1, b1), X2 ~ Beta(a2, b2), shapes whole numbers. Evan Miller's
/// closed form sums one term per conversion of one arm, so it runs over the smaller arm and,
/// when both are large, quadrature of the two posteriors answers in bounded time instead.
pub(super) fn prob_greater(a1: f64, b1: f64, a2: f64, b2: f64) -> f64 {
    if a1 <= EXACT_TERMS {
        miller(a1, b1, a2, b2)
    } else if a2 <= EXACT_TERMS {
        1.0 - miller(a2, b2, a1, b1)
    } else {
        prob_greater_quadrature(a1, b1, a2, b2)
    }
}

/// Evan Miller's sum: one term for each whole i < a1.
pub(super) fn miller(a1: f64, b1: f64, a2: f64, b2: f64) -> f64 {
    let base = ln_beta(a2, b2);
    let mut total = 0.0;
    let mut i = 0.0;
    while i < a1 {
        total += (ln_beta(a2 + i, b1 + b2) - (b1 + i).ln() - ln_beta(1.0 + i, b1) - base).exp();
        i += 1.0;
    }
    total.clamp(0.0, 1.0)
}

/// P(X1 > X2) = E[1 − F1(X2)], integrated over X2's posterior.
pub(super) fn prob_greater_quadrature(a1: f64, b1: f64, a2: f64, b2: f64) -> f64 {
    let (x1, x2) = (BetaPosterior::new(a1, b1), BetaPosterior::new(a2, b2));
    let (lo, hi) = x1.support();
    x2.expect(|x| 1.0 - x1.cdf(x), &[lo, hi]).clamp(0.0, 1.0)
}

/// E[max(X2 − X1, 0)]: what is lost, on average, by choosing arm 1 over arm 2.
pub(super) fn expected_shortfall(a1: f64, b1: f64, a2: f64, b2: f64) -> f64 {
    if a1.min(a2) + 1.0 > EXACT_TERMS {
        return shortfall_quadrature(a1, b1, a2, b2);
    }
    // E[X2·1{X2>X1}] − E[X1·1{X2>X1}], using x·Beta(a, b) = a/(a+b)·Beta(a+1, b).
    let up = a2 / (a2 + b2) * prob_greater(a2 + 1.0, b2, a1, b1);
    let down = a1 / (a1 + b1) * prob_greater(a2, b2, a1 + 1.0, b1);
    (up - down).max(0.0)
}

/// E[max(X2 − X1, 0)] as one integral over X1: E[(X2 − y)⁺] = μ2·S(y; a2+1, b2) − y·S(y; a2, b2),
/// non-negative at every point, so no difference of two near-equal totals is taken.
pub(super) fn shortfall_quadrature(a1: f64, b1: f64, a2: f64, b2: f64) -> f64 {
    let (x1, x2, x2_up) = (
        BetaPosterior::new(a1, b1),
        BetaPosterior::new(a2, b2),
        BetaPosterior::new(a2 + 1.0, b2),
    );
    let mu2 = a2 / (a2 + b2);
    let (lo, hi) = x2.support();
    let excess = |y: f64| (mu2 * (1.0 - x2_up.cdf(y)) - y * (1.0 - x2.cdf(y))).max(0.0);
    x1.expect(excess, &[lo, hi, mu2]).max(0.0)
}

fn gaussian(c: &Moments, t: &Moments, s: &Settings) -> Summary {
    let d = t.mean - c.mean;
    let se = (c.var_mean() + t.var_mean()).sqrt();
    let n = standard_normal();
    let (win, loss) = if se > 0.0 {
        let z = d / se;
        (n.cdf(z), se * n.pdf(z) - d * n.cdf(-z))
    } else {
        let win = if d > 0.0 {
            1.0
        } else if d < 0.0 {
            0.0
        } else {
            0.5
        };
        (win, (-d).max(0.0))
    };
    let z = z_two_sided(s.alpha);
    let (estimate, half) = match s.difference {
        Difference::Absolute => (d, z * se),
        Difference::Relative => (t.mean / c.mean - 1.0, z * relative_se(c, t)),
    };
    (
        estimate,
        estimate - half,
        estimate + half,
        win,
        loss.max(0.0),
    )
}

/// 8-point Gauss–Legendre nodes and weights on [−1, 1].
const GL_NODES: [f64; 8] = [
    -0.960_289_856_497_536_2,
    -0.796_666_477_413_626_7,
    -0.525_532_409_916_329,
    -0.183_434_642_495_649_8,
    0.183_434_642_495_649_8,
    0.525_532_409_916_329,
    0.796_666_477_413_626_7,
    0.960_289_856_497_536_2,
];
const GL_WEIGHTS: [f64; 8] = [
    0.101_228_536_290_376_26,
    0.222_381_034_453_374_47,
    0.313_706_645_877_887_3,
    0.362_683_783_378_362,
    0.362_683_783_378_362,
    0.313_706_645_877_887_3,
    0.222_381_034_453_374_47,
    0.101_228_536_290_376_26,
];

/// Σ w·f(x) over 8 Gauss–Legendre points of [lo, hi].
fn gauss_legendre(lo: f64, hi: f64, f: &impl Fn(f64) -> f64) -> f64 {
    let (mid, half) = ((lo + hi) / 2.0, (hi - lo) / 2.0);
    GL_NODES
        .iter()
        .zip(GL_WEIGHTS)
        .map(|(x, w)| w * f(mid + half * x))
        .sum::<f64>()
        * half
}

/// A beta posterior with its CDF tabulated by quadrature (robust for any sample size).
struct BetaPosterior {
    a: f64,
    b: f64,
    ln_norm: f64,
    nodes: Vec<f64>,
    cdf: Vec<f64>,
}

impl BetaPosterior {
    const PANELS: usize = 2000;

    fn new(a: f64, b: f64) -> Self {
        let mean = a / (a + b);
        let sd = (a * b / ((a + b).powi(2) * (a + b + 1.0))).sqrt();
        let lo = (mean - 40.0 * sd).max(0.0);
        let hi = (mean + 40.0 * sd).min(1.0);
        let step = (hi - lo) / Self::PANELS as f64;
        let mut post = BetaPosterior {
            a,
            b,
            ln_norm: -ln_beta(a, b),
            nodes: (0..=Self::PANELS).map(|i| lo + step * i as f64).collect(),
            cdf: Vec::with_capacity(Self::PANELS + 1),
        };
        let mut acc = 0.0;
        post.cdf.push(0.0);
        for w in post.nodes.windows(2) {
            acc += gauss_legendre(w[0], w[1], &|x| post.pdf(x));
            post.cdf.push(acc);
        }
        post
    }

    fn pdf(&self, x: f64) -> f64 {
        let la = if self.a == 1.0 {
            0.0
        } else {
            (self.a - 1.0) * x.ln()
        };
        let lb = if self.b == 1.0 {
            0.0
        } else {
            (self.b - 1.0) * (-x).ln_1p()
        };
        (self.ln_norm + la + lb).exp()
    }

    fn cdf(&self, y: f64) -> f64 {
        let (first, last) = (self.nodes[0], self.nodes[Self::PANELS]);
        if y <= first {
            return 0.0;
        }
        if y >= last {
            return 1.0;
        }
        let k = self.nodes.partition_point(|n| *n <= y) - 1;
        (self.cdf[k] + gauss_legendre(self.nodes[k], y, &|x| self.pdf(x))).min(1.0)
    }

    /// The interval the tabulated CDF rises over.
    fn support(&self) -> (f64, f64) {
        (self.nodes[0], self.nodes[Self::PANELS])
    }

    /// E[g(X)] by quadrature over the posterior's support, split at `kinks` (points where
    /// g is not smooth, e.g. where its argument leaves the other posterior's support).
    fn expect(&self, g: impl Fn(f64) -> f64, kinks: &[f64]) -> f64 {
        const OUTER: usize = 400;
        let (lo, hi) = self.support();
        let mut edges = vec![lo, hi];
        edges.extend(kinks.iter().copied().filter(|k| *k > lo && *k < hi));
        edges.sort_by(f64::total_cmp);
        let integrand = |x: f64| self.pdf(x) * g(x);
        edges
            .windows(2)
            .map(|w| {
                let n = ((OUTER as f64 * (w[1] - w[0]) / (hi - lo)).ceil() as usize).max(8);
                let step = (w[1] - w[0]) / n as f64;
                (0..n)
                    .map(|i| {
                        let a = w[0] + step * i as f64;
                        gauss_legendre(a, a + step, &integrand)
                    })
                    .sum::<f64>()
            })
            .sum()
    }
}

/// Doubles an upper bracket until the CDF reaches `p`.
fn upper_bound(cdf: &impl Fn(f64) -> f64, p: f64) -> f64 {
    let mut hi = 1.0;
    while cdf(hi) < p && hi < 1e12 {
        hi *= 2.0;
    }
    hi
}

/// Bisection for the `p`-quantile of a monotone CDF on [lo, hi].
fn quantile(cdf: &impl Fn(f64) -> f64, p: f64, mut lo: f64, mut hi: f64) -> f64 {
    for _ in 0..100 {
        let mid = (lo + hi) / 2.0;
        if cdf(mid) < p {
            lo = mid;
        } else {
            hi = mid;
        }
        if hi - lo <= 1e-15 * hi.abs().max(1e-300) {
            break;
        }
    }
    (lo + hi) / 2.0
}
