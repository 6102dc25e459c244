#!/usr/bin/env python3
"""Scores the monitors against the simulator's ground truth.

usage: scripts/incident_scan.py VITRINE_BIN DATA_DIR [DATA_DIR ...]
Each DATA_DIR comes from `vitrine simulate --out DATA_DIR ...`. Prints, per planted incident,
whether the matching rule fired on its start date with the planted metric and scope, then
the number of incident-rule alerts on every later day that no planted incident explains
(an incident explains alerts on its scope, and shop-level ones, until 7 days after it ends).
"""
import datetime as dt
import json
import subprocess
import sys

RULE = {"plan_ctr_collapse": "plan_ctr_floor", "segment_cvr_drop": "segment_cvr_drop", "stock_out": "days_of_cover_min",
        "cpa_spike": "cpa_rise", "complaint_surge": "complaint_rate_rise", "delivery_delay": "on_time_min"}


def review(binary, data, day):
    out = subprocess.run([binary, "--data-dir", data, "review", "--date", str(day), "--format", "json", "--no-record"],
                         capture_output=True, text=True, check=True)
    return json.loads(out.stdout)["alerts"]


def main():
    binary, dirs = sys.argv[1], sys.argv[2:]
    hits = total = days = unexplained = 0
    for data in dirs:
        truth = json.load(open(f"{data}/ground_truth.json", encoding="utf-8"))
        incidents = truth["incidents"]
        for inc in incidents:
            total += 1
            ok = any(a["rule"] == RULE[inc["kind"]] and a["metric"] == inc["metric"] and a["scope"] == inc["scope"]
                     for a in review(binary, data, inc["date"]))
            hits += ok
            print(("caught " if ok else "MISSED ") + f"{data} {inc['kind']} {inc['date']} {inc['scope']}")
        end = dt.date.fromisoformat(truth["config"]["end"])
        day = end - dt.timedelta(days=truth["config"]["days"] - 1 - 36)
        spans = [(dt.date.fromisoformat(i["date"]), dt.date.fromisoformat(i["end"]) + dt.timedelta(days=7), i["scope"]) for i in incidents]
        while day <= end:
            days += 1
            for a in review(binary, data, day):
                if a["rule"] not in RULE.values():
                    continue
                active = [sc for s, e, sc in spans if s <= day <= e]
                if a["scope"] in active or (active and a["scope"].startswith("shop:")) or (active and a["rule"] == "cpa_rise"):
                    continue
                unexplained += 1
                print(f"unexplained {data} {day} {a['rule']} {a['scope']}")
            day += dt.timedelta(days=1)
    print(f"incidents caught {hits}/{total}; unexplained incident-rule alerts {unexplained} over {days} shop-days "
          f"({unexplained / max(days, 1) * 7:.3f} per shop-week)")


if __name__ == "__main__":
    main()
