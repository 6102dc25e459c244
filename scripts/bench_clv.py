#!/usr/bin/env python3
"""CLV benchmark (not a test): `python3 scripts/bench_clv.py [--customers N] [--bin PATH]`.

1. Draws N customers' transactions from a BG/NBD process (numpy, fixed seed) and writes them
   as Parquet (through DuckDB) and CSV.
2. Times `vitrine clv summarize` (SQL in the engine) and `vitrine clv fit` (BG/NBD +
   Gamma-Gamma) on them, and prints the total.
3. Peer in the same run: `lifetimes` fitting BG/NBD + Gamma-Gamma on CDNOW, against
   `vitrine clv fit` on the same CDNOW summary.
"""
import argparse
import json
import subprocess
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent


def draw(n, out, seed=7):
    rng = np.random.default_rng(seed)
    r, alpha, a, b, days = 0.25, 40.0, 0.8, 2.5, 365
    lam = rng.gamma(r, 1 / alpha, n)
    p = rng.beta(a, b, n)
    first = rng.integers(0, days, n)
    ids, dates, amounts = [], [], []
    alive = np.ones(n, bool)
    t = first.astype(float)
    cust = np.arange(n)
    ids.append(cust)
    dates.append(first)
    spend_scale = rng.gamma(4.0, 1 / 15.0, n)
    amounts.append(rng.gamma(6.0, 1 / spend_scale))
    while alive.any():
        idx = cust[alive]
        t[idx] += rng.exponential(1 / np.maximum(lam[idx], 1e-9))
        ok = t[idx] < days
        alive[idx[~ok]] = False
        idx = idx[ok]
        if len(idx) == 0:
            break
        ids.append(idx)
        dates.append(t[idx].astype(int))
        amounts.append(rng.gamma(6.0, 1 / spend_scale[idx]))
        drop = rng.random(len(idx)) < p[idx]
        alive[idx[drop]] = False
    ids = np.concatenate(ids)
    dates = np.concatenate(dates)
    amounts = np.round(np.concatenate(amounts), 2)
    base = np.datetime64("2025-11-22")
    day = (base + dates.astype("timedelta64[D]")).astype(str)
    csv = out / "tx.csv"
    with open(csv, "w") as f:
        f.write("customer,date,amount\n")
        for c, d, m in zip(ids.tolist(), day.tolist(), amounts.tolist()):
            f.write(f"{c},{d},{m}\n")
    import duckdb

    duckdb.sql(f"COPY (SELECT customer, CAST(date AS DATE) AS date, amount FROM read_csv('{csv}')) TO '{out / 'tx.parquet'}' (FORMAT parquet)")
    return len(ids)


def timed(cmd):
    t = time.perf_counter()
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    return time.perf_counter() - t, out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--customers", type=int, default=1_000_000)
    ap.add_argument("--bin", default=None)
    args = ap.parse_args()
    import os

    target = os.environ.get("CARGO_TARGET_DIR", str(Path.home() / ".cache/vitrine/target"))
    bin_ = args.bin or str(Path(target) / "release/vitrine")
    with tempfile.TemporaryDirectory() as d:
        d = Path(d)
        t = time.perf_counter()
        rows = draw(args.customers, d)
        print(f"generated {args.customers:,} customers, {rows:,} transactions in {time.perf_counter() - t:.1f} s")
        cols = ["--customer", "customer", "--date", "date", "--amount", "amount"]
        for src in ["tx.parquet", "tx.csv"]:
            one = min(timed([bin_, "clv", "fit", "--transactions", str(d / src), *cols])[0] for _ in range(3))
            s_t, _ = timed([bin_, "clv", "summarize", "--transactions", str(d / src), *cols, "--out", str(d / "summary.csv")])
            f_t, out = timed([bin_, "clv", "fit", "--summary", str(d / "summary.csv")])
            fit = json.loads(out)
            print(f"vitrine {src:<11} summaries + BG/NBD + GG in one run: {one:5.2f} s (best of 3) | "
                  f"summarize to CSV {s_t:5.2f} s, fit from CSV {f_t:5.2f} s"
                  f"  (r={fit['r']:.3f} alpha={fit['alpha']:.2f} a={fit['a']:.3f} b={fit['b']:.3f}; p={fit['p']:.2f} q={fit['q']:.2f} gamma={fit['gamma']:.2f})")
        # Peer on CDNOW.
        from lifetimes import BetaGeoFitter, GammaGammaFitter
        from lifetimes.datasets import load_cdnow_summary_data_with_monetary_value

        s = load_cdnow_summary_data_with_monetary_value()
        s.to_csv(d / "cdnow.csv")
        t = time.perf_counter()
        BetaGeoFitter().fit(s["frequency"], s["recency"], s["T"])
        rep = s[s["frequency"] > 0]
        GammaGammaFitter().fit(rep["frequency"], rep["monetary_value"])
        peer = time.perf_counter() - t
        ours = min(timed([bin_, "clv", "fit", "--summary", str(d / "cdnow.csv")])[0] for _ in range(3))
        inproc = subprocess.run([bin_, "bench", "clv", "--summary", str(d / "cdnow.csv")], check=True,
                                capture_output=True, text=True).stdout.strip()
        ms = float(inproc.split(": ")[1].split(" ms")[0])
        print(f"CDNOW BG/NBD+GG fit: lifetimes {peer * 1e3:.1f} ms; vitrine {ours * 1e3:.1f} ms as a whole process "
              f"({peer / ours:.0f}× faster), {ms:.2f} ms in-process ({peer * 1e3 / ms:.0f}× faster)")


if __name__ == "__main__":
    main()
