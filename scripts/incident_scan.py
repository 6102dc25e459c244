#!/usr/bin/env python3
"""Scores the monitors and the root-cause step against the simulator's ground truth.

usage: scripts/incident_scan.py [--json] VITRINE_BIN DATA_DIR [DATA_DIR ...]

Each DATA_DIR comes from `vitrine simulate --out DATA_DIR ...`. For every day after the
36-day warm-up it runs `vitrine review --format json` and reports:

* recall: a planted incident is caught when an alert with the incident's kind, metric and
  scope appears on its start date or up to 3 days earlier;
* root cause: on the day it is caught, whether the alert's first root cause names the
  planted scope (dimension and value);
* precision: of the alerts whose kind is an incident kind, the share that a planted incident
  explains (same scope, or any scope of the same kind, from 3 days before it starts to 7 days
  after it ends);
* false alerts: alerts raised on incident-free days (no incident active from 3 days before
  its start to 7 days after its end), per shop-week, counting every alert in `alerts`
  (standing conditions already alerted on earlier days are listed under `standing` and not
  counted again).
"""
import collections
import datetime as dt
import json
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

KINDS = ["plan_ctr_collapse", "segment_cvr_drop", "stock_out", "cpa_spike", "complaint_surge", "delivery_delay"]


def review(binary, data, day):
    out = subprocess.run([binary, "--data-dir", data, "review", "--date", str(day), "--format", "json", "--no-record"],
                         capture_output=True, text=True, check=True)
    return json.loads(out.stdout)["alerts"]


def scope_of(x):
    return tuple(sorted(x["scope"].items()))


def scan(binary, data):
    truth = json.load(open(f"{data}/ground_truth.json", encoding="utf-8"))
    incidents = truth["incidents"]
    end = dt.date.fromisoformat(truth["config"]["end"])
    first = end - dt.timedelta(days=truth["config"]["days"] - 1 - 36)
    days = [first + dt.timedelta(days=i) for i in range((end - first).days + 1)]
    with ThreadPoolExecutor(2) as pool:
        alerts = dict(zip(days, pool.map(lambda d: review(binary, data, d), days)))
    rows = []
    for inc in incidents:
        start = dt.date.fromisoformat(inc["date"])
        caught, top1 = None, False
        for back in range(3, -1, -1):
            day = start - dt.timedelta(days=back)
            for a in alerts.get(day, []):
                if a["kind"] == inc["kind"] and a["metric"] == inc["metric"] and scope_of(a) == scope_of(inc):
                    caught = day
                    rc = a["root_causes"]
                    top1 = bool(rc) and {rc[0]["dimension"]: rc[0]["value"]} == inc["scope"]
                    break
            if caught:
                break
        rows.append({"data": data, "kind": inc["kind"], "date": inc["date"], "scope": inc["scope_id"],
                     "caught": str(caught) if caught else None, "root_cause_first": top1})
    spans = [(dt.date.fromisoformat(i["date"]) - dt.timedelta(days=3),
              dt.date.fromisoformat(i["end"]) + dt.timedelta(days=7), i) for i in incidents]
    kind_alerts = explained = quiet_days = quiet_alerts = 0
    noise = collections.Counter()
    for day, day_alerts in alerts.items():
        active = [i for s, e, i in spans if s <= day <= e]
        for a in day_alerts:
            if a["kind"] in KINDS:
                kind_alerts += 1
                explained += any(i["kind"] == a["kind"] or scope_of(i) == scope_of(a) for i in active)
        if not active:
            quiet_days += 1
            quiet_alerts += len(day_alerts)
            for a in day_alerts:
                noise[(a["kind"], a["metric"])] += 1
    return rows, kind_alerts, explained, quiet_days, quiet_alerts, noise


def main():
    args = [a for a in sys.argv[1:] if a != "--json"]
    binary, dirs = args[0], args[1:]
    rows, kind_alerts, explained, quiet_days, quiet_alerts = [], 0, 0, 0, 0
    noise = collections.Counter()
    for data in dirs:
        r, k, e, qd, qa, n = scan(binary, data)
        rows += r
        kind_alerts += k
        explained += e
        quiet_days += qd
        quiet_alerts += qa
        noise += n
    by_kind = collections.defaultdict(lambda: [0, 0, 0])
    for r in rows:
        by_kind[r["kind"]][0] += 1
        by_kind[r["kind"]][1] += r["caught"] is not None
        by_kind[r["kind"]][2] += r["root_cause_first"]
    summary = {
        "incidents": len(rows),
        "caught": sum(r["caught"] is not None for r in rows),
        "root_cause_first": sum(r["root_cause_first"] for r in rows),
        "incident_kind_alerts": kind_alerts,
        "precision": explained / max(kind_alerts, 1),
        "quiet_shop_days": quiet_days,
        "quiet_alerts": quiet_alerts,
        "false_alerts_per_shop_week": quiet_alerts / max(quiet_days, 1) * 7,
        "by_kind": {k: {"incidents": v[0], "caught": v[1], "root_cause_first": v[2]} for k, v in by_kind.items()},
        "quiet_alerts_by_kind": {f"{k}:{m}": c for (k, m), c in noise.most_common()},
        "rows": rows,
    }
    if "--json" in sys.argv:
        print(json.dumps(summary, ensure_ascii=False, indent=1))
        return
    for r in rows:
        print(("caught " if r["caught"] else "MISSED ") + ("rc-first " if r["root_cause_first"] else "rc-WRONG ")
              + f"{r['data']} {r['kind']} {r['date']} {r['scope']}")
    print(f"\n| kind | incidents | caught (recall) | planted scope ranked first |\n|---|---|---|---|")
    for k, v in sorted(by_kind.items()):
        print(f"| {k} | {v[0]} | {v[1]} ({v[1] / v[0]:.0%}) | {v[2]} ({v[2] / v[0]:.0%}) |")
    s = summary
    print(f"| all | {s['incidents']} | {s['caught']} ({s['caught'] / s['incidents']:.0%}) | "
          f"{s['root_cause_first']} ({s['root_cause_first'] / s['incidents']:.0%}) |")
    print(f"\nprecision of incident-kind alerts: {explained}/{kind_alerts} = {s['precision']:.1%}")
    print(f"false alerts on incident-free days: {quiet_alerts} over {quiet_days} shop-days "
          f"= {s['false_alerts_per_shop_week']:.2f} per shop-week")
    for k, c in noise.most_common(10):
        print(f"  {k[0]} {k[1]}: {c}")


if __name__ == "__main__":
    main()
