#!/usr/bin/env python3
"""Scores the monitors against incidents planted by the simulator, over many seeds.

usage: scripts/incident_scan.py [--seeds 20] [--lengths 120,150,180]
                                [--ends 2026-06-30,2026-09-15,2026-11-21]
                                [--effects realistic] [--scale 0.05] [--json] VITRINE_BIN

Seed i simulates one shop of lengths[i % L] days ending on ends[i % E] with the given effect
sizes (realistic: plan CTR ×0.7, a region's conversion ×0.7, a plan's CPA +40 %, a fifth of
orders late, a bad batch of which one buyer in ten complains; and a stock-out), then reviews
every day after the 36-day warm-up in one process (`vitrine review --date D --through E`).
It reports:

* recall within 72 h: an incident is caught when an alert of its kind and scope is raised
  on its first day or one of the two after it (new or standing), per kind and overall;
* root cause: on the day it is caught, whether the alert's first root cause names the
  planted scope;
* false alerts: new alerts of every rule (target rules included) raised on incident-free
  days (no incident active from 3 days before its start to 7 days after its end), per
  shop-week, with the rules that raise them.
"""
import argparse
import collections
import datetime as dt
import json
import subprocess
import sys
import tempfile

KINDS = ["plan_ctr_collapse", "segment_cvr_drop", "stock_out", "cpa_spike", "complaint_surge", "delivery_delay"]
EFFECT = {
    "realistic": {"plan_ctr_collapse": "CTR ×0.7", "segment_cvr_drop": "conversion ×0.7",
                  "stock_out": "stock-out", "cpa_spike": "CPA +40%", "complaint_surge": "1 in 10 complain",
                  "delivery_delay": "20% late"},
    "strong": {"plan_ctr_collapse": "CTR ×0.2", "segment_cvr_drop": "conversion ×0.3",
               "stock_out": "stock-out", "cpa_spike": "CPA ×5", "complaint_surge": "¼ of buyers complain",
               "delivery_delay": "45% late"},
}
WARM_UP = 36


def scope_of(x):
    return tuple(sorted(x["scope"].items()))


def run(binary, seed, days, end, effects, scale):
    """Simulates one shop and reviews its days; returns (ground truth, {date: review line})."""
    with tempfile.TemporaryDirectory() as data:
        subprocess.run([binary, "--data-dir", data, "simulate", "--seed", str(seed), "--days", str(days),
                        "--end", end, "--scale", str(scale), "--effects", effects],
                       check=True, capture_output=True)
        truth = json.load(open(f"{data}/ground_truth.json", encoding="utf-8"))
        first = dt.date.fromisoformat(end) - dt.timedelta(days=days - 1 - WARM_UP)
        out = subprocess.run([binary, "--data-dir", data, "review", "--date", str(first), "--through", end,
                              "--lang", "en"], check=True, capture_output=True, text=True)
    lines = [json.loads(x) for x in out.stdout.splitlines() if x.strip()]
    return truth, {dt.date.fromisoformat(x["date"]): x for x in lines}


def score(truth, reviews):
    incidents = truth["incidents"]
    caught = []
    for inc in incidents:
        start = dt.date.fromisoformat(inc["date"])
        hit, top1 = None, False
        for k in range(3):
            day = start + dt.timedelta(days=k)
            line = reviews.get(day)
            if not line:
                continue
            for a in line["alerts"] + line["standing"]:
                if a["kind"] == inc["kind"] and scope_of(a) == scope_of(inc):
                    hit = day
                    rc = a["root_causes"]
                    top1 = bool(rc) and {rc[0]["dimension"]: rc[0]["value"]} == inc["scope"]
                    break
            if hit:
                break
        caught.append({"kind": inc["kind"], "date": inc["date"], "scope": inc["scope_id"],
                       "caught": str(hit) if hit else None, "root_cause_first": top1})
    spans = [(dt.date.fromisoformat(i["date"]) - dt.timedelta(days=3),
              dt.date.fromisoformat(i["end"]) + dt.timedelta(days=7)) for i in incidents]
    quiet_days, quiet_alerts = 0, collections.Counter()
    for day, line in reviews.items():
        if any(s <= day <= e for s, e in spans):
            continue
        quiet_days += 1
        for a in line["alerts"]:
            quiet_alerts[(a["rule"], a["metric"])] += 1
    return caught, quiet_days, quiet_alerts


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("binary")
    ap.add_argument("--seeds", type=int, default=20)
    ap.add_argument("--lengths", default="120,150,180")
    ap.add_argument("--ends", default="2026-06-30,2026-09-15,2026-11-21")
    ap.add_argument("--effects", default="realistic", choices=sorted(EFFECT))
    ap.add_argument("--scale", type=float, default=0.05)
    ap.add_argument("--json", action="store_true")
    a = ap.parse_args()
    lengths = [int(x) for x in a.lengths.split(",")]
    ends = a.ends.split(",")
    rows, quiet_days, noise = [], 0, collections.Counter()
    for i in range(a.seeds):
        seed, days, end = 1000 + i, lengths[i % len(lengths)], ends[i % len(ends)]
        truth, reviews = run(a.binary, seed, days, end, a.effects, a.scale)
        caught, qd, qa = score(truth, reviews)
        rows += [dict(r, seed=seed, days=days, end=end) for r in caught]
        quiet_days += qd
        noise.update(qa)
        print(f"seed {seed} ({days} days to {end}): {sum(r['caught'] is not None for r in caught)}/{len(caught)} "
              f"caught, {sum(qa.values())} alerts on {qd} quiet days", file=sys.stderr)
    per_kind = {}
    for k in KINDS:
        rs = [r for r in rows if r["kind"] == k]
        if rs:
            per_kind[k] = {"effect": EFFECT[a.effects][k], "incidents": len(rs),
                           "recall_72h": sum(r["caught"] is not None for r in rs) / len(rs),
                           "root_cause_first": sum(r["root_cause_first"] for r in rs) / len(rs)}
    total = len(rows)
    recall = sum(r["caught"] is not None for r in rows) / total if total else 0.0
    weeks = quiet_days / 7
    false_per_week = sum(noise.values()) / weeks if weeks else 0.0
    summary = {"effects": a.effects, "seeds": a.seeds, "incidents": total, "recall_72h": recall,
               "per_kind": per_kind, "quiet_shop_weeks": weeks, "false_alerts_per_shop_week": false_per_week,
               "false_alerts_by_rule": {f"{r}:{m}": n for (r, m), n in noise.most_common()},
               "missed": [r for r in rows if r["caught"] is None]}
    if a.json:
        print(json.dumps(summary, ensure_ascii=False, indent=2))
        return
    print(f"effects {a.effects}, {a.seeds} seeds, {total} incidents")
    print(f"{'kind':<18} {'effect':<16} {'n':>3} {'recall≤72h':>10} {'cause #1':>9}")
    for k, v in per_kind.items():
        print(f"{k:<18} {v['effect']:<16} {v['incidents']:>3} {v['recall_72h']:>10.0%} {v['root_cause_first']:>9.0%}")
    print(f"{'overall':<18} {'':<16} {total:>3} {recall:>10.0%}")
    print(f"false alerts: {sum(noise.values())} on {quiet_days} quiet days = {false_per_week:.2f} per shop-week")
    for (r, m), n in noise.most_common(8):
        print(f"  {r}:{m} {n}")


if __name__ == "__main__":
    main()
