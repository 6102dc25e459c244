#!/usr/bin/env python3
"""Scores `vitrine rca` methods on labelled multi-dimensional root-cause data.

usage: scripts/rca_bench.py VITRINE_BIN [--dataset DIR] [--methods riskloc,adtributor]
                            [--cases 10] [--noise 0.02,0.05,0.1] [--seed 7] [--json]

With --dataset, DIR is a dataset in the layout of the public Squeeze/PSqueeze/RiskLoc
benchmarks (B0–B4, D, …): one folder per setting (e.g. B_cuboid_layer_2_n_ele_1) holding
`injection_info.csv` (columns timestamp, set; set = "a=a1&b=b2;a=a3") and one
`<timestamp>.csv` per case with the attribute columns, `real` and `predict`.

Without it, the script writes such a dataset itself, following the construction those
benchmarks describe: four attributes (10 × 12 × 8 × 5 = 4,800 leaves) with heavy-tailed
leaf values; per case 1–3 root-cause elements in one cuboid of layer 1–3; every leaf under a
root cause moves by the same ratio (a drop of 20–90 %, the "ripple effect"); forecasts off by
Gaussian relative noise of the given size on every leaf.

Scoring is the benchmarks' own: a predicted element counts as a true positive when it is
exactly a labelled one (attributes in column order); F1 = 2TP / (2TP + FP + FN).
"""
import argparse
import csv
import itertools
import json
import os
import random
import subprocess
import sys
import tempfile

ATTRS = {"a": 10, "b": 12, "c": 8, "d": 5}


def generate(root, cases, noises, seed):
    """Writes one setting folder per (noise, layer, n_ele); returns their paths."""
    rng = random.Random(seed)
    names = list(ATTRS)
    values = {a: [f"{a}{i + 1}" for i in range(n)] for a, n in ATTRS.items()}
    leaves = list(itertools.product(*(values[a] for a in names)))
    folders = []
    for noise in noises:
        for layer in (1, 2, 3):
            for n_ele in (1, 2, 3):
                folder = os.path.join(root, f"noise_{noise}", f"B_cuboid_layer_{layer}_n_ele_{n_ele}")
                os.makedirs(folder)
                labels = []
                for case in range(cases):
                    ts = 1_450_000_000 + case * 300
                    cuboid = sorted(rng.sample(range(len(names)), layer))
                    elements = set()
                    while len(elements) < n_ele:
                        elements.add(tuple(rng.choice(values[names[i]]) for i in cuboid))
                    elements = sorted(elements)
                    drops = [rng.uniform(0.2, 0.9) for _ in elements]
                    with open(os.path.join(folder, f"{ts}.csv"), "w", newline="") as f:
                        w = csv.writer(f)
                        w.writerow(names + ["real", "predict"])
                        for leaf in leaves:
                            predict = rng.lognormvariate(4.0, 1.2)
                            real = predict * max(0.0, 1.0 + rng.gauss(0.0, noise))
                            key = tuple(leaf[i] for i in cuboid)
                            if key in elements:
                                real *= 1.0 - drops[elements.index(key)]
                            w.writerow(list(leaf) + [f"{real:.4f}", f"{predict:.4f}"])
                    label = ";".join("&".join(f"{names[i]}={v}" for i, v in zip(cuboid, e)) for e in elements)
                    labels.append((ts, label))
                with open(os.path.join(folder, "injection_info.csv"), "w", newline="") as f:
                    w = csv.writer(f)
                    w.writerow(["timestamp", "set"])
                    w.writerows(labels)
                folders.append(folder)
    return folders


def settings(dataset):
    """Every folder under `dataset` that holds an injection_info.csv."""
    out = []
    for d, _, files in os.walk(dataset):
        if "injection_info.csv" in files:
            out.append(d)
    return sorted(out)


def predict(binary, path, attrs, method):
    out = subprocess.run([binary, "rca", "--input", path, "--dimensions", ",".join(attrs), "--actual", "real",
                          "--expected", "predict", "--method", method, "--format", "json"],
                         capture_output=True, text=True)
    if out.returncode != 0:
        return set()
    rca = json.loads(out.stdout)
    return {"&".join(f"{a}={c[a]}" for a in attrs if a in c) for c in rca["root_cause_set"]}


def score(binary, folder, methods):
    with open(os.path.join(folder, "injection_info.csv")) as f:
        labels = list(csv.DictReader(f))
    counts = {m: [0, 0, 0] for m in methods}
    for row in labels:
        path = os.path.join(folder, f"{row['timestamp']}.csv")
        if not os.path.exists(path):
            continue
        with open(path) as f:
            attrs = [h for h in next(csv.reader(f)) if h not in ("real", "predict")]
        truth = set(row["set"].split(";"))
        for m in methods:
            got = predict(binary, path, attrs, m)
            tp = len(got & truth)
            counts[m][0] += tp
            counts[m][1] += len(got) - tp
            counts[m][2] += len(truth) - tp
    return counts


def f1(tp, fp, fn):
    return 2 * tp / (2 * tp + fp + fn) if tp + fp + fn else 0.0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("binary")
    ap.add_argument("--dataset")
    ap.add_argument("--methods", default="riskloc,adtributor")
    ap.add_argument("--cases", type=int, default=10)
    ap.add_argument("--noise", default="0.02,0.05,0.1")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--json", action="store_true")
    a = ap.parse_args()
    methods = a.methods.split(",")
    with tempfile.TemporaryDirectory() as tmp:
        if a.dataset:
            root, folders = a.dataset, settings(a.dataset)
        else:
            root = tmp
            folders = generate(tmp, a.cases, [float(x) for x in a.noise.split(",")], a.seed)
        rows = []
        for folder in folders:
            counts = score(a.binary, folder, methods)
            name = os.path.relpath(folder, root)
            rows.append({"setting": name, **{m: {"tp": c[0], "fp": c[1], "fn": c[2], "f1": f1(*c)}
                                             for m, c in counts.items()}})
            print(name, " ".join(f"{m} {f1(*c):.2f}" for m, c in counts.items()), file=sys.stderr)
    groups = {}
    for r in rows:
        group = os.path.dirname(r["setting"]) or "all"
        for m in methods:
            g = groups.setdefault(group, {}).setdefault(m, [0, 0, 0])
            for i, k in enumerate(("tp", "fp", "fn")):
                g[i] += r[m][k]
    total = {m: [sum(groups[g][m][i] for g in groups) for i in range(3)] for m in methods}
    summary = {"settings": rows, "by_group": {g: {m: f1(*c) for m, c in v.items()} for g, v in groups.items()},
               "overall": {m: f1(*c) for m, c in total.items()}}
    if a.json:
        print(json.dumps(summary, indent=2))
        return
    print("| group | " + " | ".join(methods) + " |")
    print("|---|" + "---:|" * len(methods))
    for g, v in summary["by_group"].items():
        print(f"| {g} | " + " | ".join(f"{v[m]:.2f}" for m in methods) + " |")
    print("| overall | " + " | ".join(f"{summary['overall'][m]:.2f}" for m in methods) + " |")


if __name__ == "__main__":
    main()
