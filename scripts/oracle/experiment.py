#!/usr/bin/env python3
"""Independent oracle for `vitrine experiment` (test harness only, never product code).

`experiment.py gen DIR` writes seeded cases as DIR/case_*.json (the CLI's input format) and
DIR/expected.json with every statistic computed independently by scipy / statsmodels from
unit-level data where there is any. The Rust test runs the CLI on each case and compares.
"""
import json
import math
import sys
from pathlib import Path

import numpy as np
from scipy import integrate, optimize, stats
from statsmodels.stats.multitest import multipletests
from statsmodels.stats.proportion import confint_proportions_2indep, proportions_ztest

ALPHA = 0.05
Z = stats.norm.ppf(1 - ALPHA / 2)


def prop_variant(name, n, c):
    return {"name": name, "n": int(n), "conversions": int(c)}


def freq_prop(c, t, diff):
    (nc, xc), (nt, xt) = c, t
    pc, pt = xc / nc, xt / nt
    if diff == "absolute":
        est = pt - pc
        if 0 < xc + xt < nc + nt:
            _, p = proportions_ztest([xt, xc], [nt, nc])
        else:
            p = 1.0 if est == 0 else 0.0  # documented convention: no variance, no evidence
        lo, hi = confint_proportions_2indep(xt, nt, xc, nc, method="wald", compare="diff", alpha=ALPHA)
        return est, lo, hi, p
    est = pt / pc - 1
    var = (pt * (1 - pt) / nt) / pc**2 + pt**2 * (pc * (1 - pc) / nc) / pc**4
    se = math.sqrt(var)
    p = 2 * stats.norm.sf(abs(est) / se) if se > 0 else (1.0 if est == 0 else 0.0)
    return est, est - Z * se, est + Z * se, p


def beta_support(a, b):
    m = a / (a + b)
    sd = math.sqrt(a * b / ((a + b) ** 2 * (a + b + 1)))
    return max(0.0, m - 40 * sd), min(1.0, m + 40 * sd)


def bayes_prop(c, t, diff):
    (nc, xc), (nt, xt) = c, t
    ac, bc, at, bt = 1 + xc, 1 + nc - xc, 1 + xt, 1 + nt - xt
    fc, ft = stats.beta(ac, bc), stats.beta(at, bt)
    lo_c, hi_c = beta_support(ac, bc)
    lo_t, hi_t = beta_support(at, bt)

    def q(f, kinks=()):
        pts = [p for p in [ac / (ac + bc), *kinks] if lo_c < p < hi_c]
        return integrate.quad(f, lo_c, hi_c, epsabs=1e-15, epsrel=1e-12, limit=1000, points=pts)[0]

    win = 1 - q(lambda x: fc.pdf(x) * ft.cdf(x), (lo_t, hi_t))  # P(T > C)
    # E[max(C - T, 0)] = ∫ f_t(y) (E[C; C > y] - y P(C > y)) dy, E[C; C>y] = μc·(1 - F_{a+1,b}(y))
    fc1 = stats.beta(ac + 1, bc)
    mu_c = ac / (ac + bc)
    loss = integrate.quad(lambda y: ft.pdf(y) * (mu_c * fc1.sf(y) - y * fc.sf(y)), lo_t, hi_t,
                          epsabs=1e-16, epsrel=1e-12, limit=1000, points=[at / (at + bt)])[0]
    if diff == "absolute":
        est = at / (at + bt) - ac / (ac + bc)
        cdf = lambda d: q(lambda x: fc.pdf(x) * ft.cdf(x + d), (lo_t - d, hi_t - d))
        lo = optimize.brentq(lambda d: cdf(d) - ALPHA / 2, -1, 1, xtol=1e-15, rtol=1e-13)
        hi = optimize.brentq(lambda d: cdf(d) - (1 - ALPHA / 2), -1, 1, xtol=1e-15, rtol=1e-13)
    else:
        est = at / (at + bt) * (ac + bc - 1) / (ac - 1) - 1
        cdf = lambda r: q(lambda x: fc.pdf(x) * ft.cdf(min(1.0, x * (1 + r))),
                          (lo_t / (1 + r), hi_t / (1 + r)) if r > -1 else ())
        top = 1.0
        while cdf(top) < 1 - ALPHA / 2:
            top *= 2
        lo = optimize.brentq(lambda r: cdf(r) - ALPHA / 2, -1, top, xtol=1e-15, rtol=1e-13)
        hi = optimize.brentq(lambda r: cdf(r) - (1 - ALPHA / 2), -1, top, xtol=1e-15, rtol=1e-13)
    return est, lo, hi, win, loss


def mixture(d, v, tau2):
    if v <= 0:
        return (1.0 if d == 0 else 0.0), 0.0
    lam = math.sqrt(v / (v + tau2)) * math.exp(tau2 * d * d / (2 * v * (v + tau2)))
    half = math.sqrt(v * (v + tau2) / tau2 * (2 * math.log(1 / ALPHA) + math.log((v + tau2) / v)))
    return min(1.0, 1 / lam), half


def seq_moments(mc, vc, nc, mt, vt, nt, diff):
    if diff == "absolute":
        pooled = abs((nc * mc + nt * mt) / (nc + nt))
        if pooled == 0:
            pooled = math.sqrt((nc * vc + nt * vt) / (nc + nt))
        d, v, tau = mt - mc, vc / nc + vt / nt, 0.1 * pooled
    else:
        d = mt / mc - 1
        v = (vt / nt) / mc**2 + mt**2 * (vc / nc) / mc**4
        tau = 0.1
    if tau == 0:
        return d, d, d, (1.0 if d == 0 else 0.0)
    p, half = mixture(d, v, tau * tau)
    return d, d - half, d + half, p


def welch(yc, yt, diff):
    if diff == "absolute":
        r = stats.ttest_ind(yt, yc, equal_var=False)
        ci = r.confidence_interval(1 - ALPHA)
        return float(np.mean(yt) - np.mean(yc)), float(ci.low), float(ci.high), float(r.pvalue)
    mc, mt = np.mean(yc), np.mean(yt)
    vc, vt = np.var(yc, ddof=1) / len(yc), np.var(yt, ddof=1) / len(yt)
    est = mt / mc - 1
    se = math.sqrt(vt / mc**2 + mt**2 * vc / mc**4)
    return est, est - Z * se, est + Z * se, 2 * stats.norm.sf(abs(est) / se)


def bayes_mean(yc, yt, diff):
    mc, mt = np.mean(yc), np.mean(yt)
    vc, vt = np.var(yc, ddof=1) / len(yc), np.var(yt, ddof=1) / len(yt)
    d, se = mt - mc, math.sqrt(vc + vt)
    win = stats.norm.cdf(d / se)
    # E[max(-D, 0)] for D ~ N(d, se²) by quadrature, independent of the closed form.
    loss = integrate.quad(lambda x: max(-x, 0) * stats.norm.pdf(x, d, se), d - 40 * se, d + 40 * se,
                          points=[0.0] if d - 40 * se < 0 < d + 40 * se else None, epsabs=1e-15, limit=500)[0]
    if diff == "absolute":
        return d, d - Z * se, d + Z * se, win, loss
    est = mt / mc - 1
    s = math.sqrt(vt / mc**2 + mt**2 * vc / mc**4)
    return est, est - Z * s, est + Z * s, win, loss


def gen(out):
    rng = np.random.default_rng(20261123)
    out.mkdir(parents=True, exist_ok=True)
    cases, expected = [], {}

    def add(name, body, exp):
        (out / f"{name}.json").write_text(json.dumps(body))
        expected[name] = exp

    # Proportion cases: random plus edge cases.
    prop_cases = []
    for i in range(12):
        k = int(rng.integers(2, 4))
        rate = float(rng.uniform(0.002, 0.3))
        arms = []
        for j in range(k):
            n = int(rng.integers(30, 200_000))
            arms.append((n, int(rng.binomial(n, rate * rng.uniform(0.85, 1.2)))))
        prop_cases.append(arms)
    prop_cases += [
        [(1000, 0), (1200, 3)],        # zero conversions in control
        [(1000, 40), (1000, 0)],       # zero conversions in treatment
        [(5000, 175), (5000, 175)],    # identical variants
        [(7, 2), (5, 3)],              # tiny samples
        [(120, 9), (150_000, 5_100)],  # very unequal sizes
        [(400, 0), (400, 0)],          # nobody converts
    ]
    for i, arms in enumerate(prop_cases):
        variants = [prop_variant(chr(65 + j), n, c) for j, (n, c) in enumerate(arms)]
        srm = float(stats.chisquare([n for n, _ in arms]).pvalue)
        for method in ["frequentist", "bayesian", "sequential"]:
            for diff in ["absolute", "relative"]:
                if diff == "relative" and arms[0][1] == 0:
                    continue
                rows = []
                for t in arms[1:]:
                    c = arms[0]
                    if method == "frequentist":
                        est, lo, hi, p = freq_prop(c, t, diff)
                        rows.append({"estimate": est, "ci_low": lo, "ci_high": hi, "p_value": p})
                    elif method == "bayesian":
                        est, lo, hi, win, loss = bayes_prop(c, t, diff)
                        rows.append({"estimate": est, "ci_low": lo, "ci_high": hi,
                                     "chance_to_win": win, "expected_loss": loss})
                    else:
                        pc, pt = c[1] / c[0], t[1] / t[0]
                        est, lo, hi, p = seq_moments(pc, pc * (1 - pc), c[0], pt, pt * (1 - pt), t[0], diff)
                        rows.append({"estimate": est, "ci_low": lo, "ci_high": hi, "p_value": p})
                if method != "bayesian" and len(rows) > 1:
                    adj = multipletests([r["p_value"] for r in rows], method="holm")[1]
                    for r, a in zip(rows, adj):
                        r["p_value_adjusted"] = float(a)
                add(f"case_p{i}_{method}_{diff}", {"variants": variants, "method": method, "difference": diff},
                    {"treatments": rows, "srm_p_value": srm})

    # Mean cases from unit-level data (lognormal spend, some with a pre-period for CUPED).
    for i in range(10):
        k = int(rng.integers(2, 4))
        cuped = i >= 6
        groups, variants = [], []
        for j in range(k):
            n = int(rng.integers(2, 4000)) if i != 5 else 2
            x = rng.lognormal(3.0, 0.8, n)
            y = 0.8 * x + rng.normal(5.0 + j * 0.7, 6.0, n)
            groups.append((x, y))
            v = {"name": chr(65 + j), "n": n, "sum": float(y.sum()), "sum_squares": float((y * y).sum())}
            if cuped:
                v.update(pre_sum=float(x.sum()), pre_sum_squares=float((x * x).sum()),
                         sum_products=float((x * y).sum()))
            variants.append(v)
        if cuped:
            # θ from pooled within-variant moments, then unit-level adjustment.
            sxy = sum(((x - x.mean()) * (y - y.mean())).sum() for x, y in groups)
            sxx = sum(((x - x.mean()) ** 2).sum() for x, _ in groups)
            theta = sxy / sxx
            grand = np.concatenate([x for x, _ in groups]).mean()
            ys = [y - theta * (x - grand) for x, y in groups]
        else:
            ys = [y for _, y in groups]
        srm = float(stats.chisquare([len(y) for y in ys]).pvalue)
        for method in ["frequentist", "bayesian", "sequential"]:
            for diff in ["absolute", "relative"]:
                rows = []
                for yt in ys[1:]:
                    yc = ys[0]
                    if method == "frequentist":
                        est, lo, hi, p = welch(yc, yt, diff)
                        rows.append({"estimate": est, "ci_low": lo, "ci_high": hi, "p_value": p})
                    elif method == "bayesian":
                        est, lo, hi, win, loss = bayes_mean(yc, yt, diff)
                        rows.append({"estimate": est, "ci_low": lo, "ci_high": hi,
                                     "chance_to_win": win, "expected_loss": loss})
                    else:
                        est, lo, hi, p = seq_moments(np.mean(yc), np.var(yc, ddof=1), len(yc),
                                                     np.mean(yt), np.var(yt, ddof=1), len(yt), diff)
                        rows.append({"estimate": est, "ci_low": lo, "ci_high": hi, "p_value": p})
                add(f"case_m{i}_{method}_{diff}", {"variants": variants, "method": method, "difference": diff},
                    {"treatments": rows, "srm_p_value": srm})

    # Multiple metrics with Benjamini–Hochberg across all comparisons.
    metrics, ps = [], []
    for i in range(4):
        arms = [(20_000, int(rng.binomial(20_000, 0.05))), (20_000, int(rng.binomial(20_000, 0.054)))]
        metrics.append({"name": f"m{i}", "variants": [prop_variant(chr(65 + j), n, c) for j, (n, c) in enumerate(arms)]})
        ps.append(freq_prop(arms[0], arms[1], "absolute")[3])
    adj = multipletests(ps, method="fdr_bh")[1]
    add("case_multi_bh", {"metrics": metrics, "correction": "benjaminihochberg"},
        {"adjusted": [float(a) for a in adj]})

    # Power: textbook formula with scipy quantiles.
    powers = []
    for base, mde, alpha, power in [(0.035, 0.1, 0.05, 0.8), (0.2, 0.05, 0.01, 0.9), (0.01, 0.3, 0.1, 0.8)]:
        p2 = base * (1 + mde)
        pb = (base + p2) / 2
        za, zb = stats.norm.ppf(1 - alpha / 2), stats.norm.ppf(power)
        n = (za * math.sqrt(2 * pb * (1 - pb)) + zb * math.sqrt(base * (1 - base) + p2 * (1 - p2))) ** 2 / (p2 - base) ** 2
        powers.append({"baseline": base, "mde": mde, "alpha": alpha, "power": power, "n": math.ceil(n)})
    expected["_power"] = powers
    (out / "expected.json").write_text(json.dumps(expected, indent=1))


if __name__ == "__main__":
    if len(sys.argv) != 3 or sys.argv[1] != "gen":
        sys.exit("usage: experiment.py gen DIR")
    gen(Path(sys.argv[2]))
