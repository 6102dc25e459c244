#!/usr/bin/env python3
"""Load-and-fault benchmark of `vitrine serve` (not a test).

CLIENTS concurrent clients (default 100) on loopback for DURATION seconds (default 600) mix
reads, writes (targets, alert assignments, plan holds), experiment analyses, uploads and
imports. Half-way through, the server is killed with SIGKILL and started again. The run
prints requests, answers by status (503s from the concurrency limit apart), errors outside
the restart window, latency percentiles, the server's peak RSS, and then checks that every
acknowledged write is still there. It exits non-zero when a write was lost, a 500 came
outside the restart window, or 503s reached 1 %.

Usage: scripts/bench_fault.py [--clients 100] [--duration 600] [--database sqlite|postgres]
Standard library only; PostgreSQL comes from scripts/pg (Debian's server binaries).
"""
import argparse
import http.client
import json
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGET = Path(os.environ.get("CARGO_TARGET_DIR") or
              Path(os.environ.get("VITRINE_CACHE", Path.home() / ".cache/vitrine")) / "target")
BIN = TARGET / "release" / "vitrine"
SHOP = "shop1"


def run(*args, stdin=None):
    return subprocess.run([str(BIN), *args], input=stdin, capture_output=True, text=True, check=True).stdout


class Server:
    """The served workspace; restart() is SIGKILL and a fresh process on the same port."""

    def __init__(self, base_args, port):
        self.args, self.port, self.peak_kb = base_args, port, 0
        self.proc = None
        self.start()
        threading.Thread(target=self.sample_rss, daemon=True).start()

    def start(self):
        self.proc = subprocess.Popen([str(BIN), *self.args, "serve", "--addr", f"127.0.0.1:{self.port}"],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for _ in range(600):
            try:
                c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=2)
                c.request("GET", "/healthz")
                if c.getresponse().status == 200:
                    return
            except OSError:
                time.sleep(0.05)
        raise SystemExit("the server did not come up")

    def restart(self):
        killed = time.time()
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()
        self.start()
        return killed, time.time()

    def sample_rss(self):
        while True:
            try:
                for line in Path(f"/proc/{self.proc.pid}/status").read_text().splitlines():
                    if line.startswith("VmRSS:"):
                        self.peak_kb = max(self.peak_kb, int(line.split()[1]))
            except OSError:
                pass
            time.sleep(0.2)


class Client:
    def __init__(self, port, token):
        self.port, self.token, self.conn = port, token, None

    def call(self, method, path, body=None, raw=None):
        """(status or None on a connection error, parsed body, seconds)."""
        t0 = time.time()
        try:
            if self.conn is None:
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)
            headers = {"Authorization": f"Bearer {self.token}"}
            data = raw
            if body is not None:
                data = json.dumps(body).encode()
                headers["Content-Type"] = "application/json"
            self.conn.request(method, path, body=data, headers=headers)
            r = self.conn.getresponse()
            text = r.read()
            try:
                parsed = json.loads(text)
            except ValueError:
                parsed = None
            return r.status, parsed, t0, time.time()
        except (OSError, http.client.HTTPException, ValueError):
            if self.conn is not None:
                self.conn.close()
            self.conn = None
            time.sleep(0.05)
            return None, None, t0, time.time()


def setup(work, database_url):
    data = work / "data"
    args = ["--data-dir", str(data)] + (["--database-url", database_url] if database_url else [])
    env_ci = {"CI": "1"}
    os.environ.update(env_ci)
    run(*args, "simulate", "--days", "60", "--scale", "0.02", "--end", "2026-11-21", "--shops", "2")
    run(*args, "review", "--shop", SHOP, "--format", "json")
    run("--data-dir", str(work / "exp"), "simulate", "--days", "60", "--scale", "0.02", "--end", "2026-11-21",
        "--format", "exports")
    uploads = sorted((work / "exp" / "exports" / SHOP).iterdir())
    run(*args, "user", "add", "--name", "bench", "--role", "operator", "--shop", SHOP, "--password-stdin",
        stdin="bench-password-1\n")
    token = run(*args, "user", "token", "--name", "bench", "--label", "load").strip()
    return args, token, uploads


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--clients", type=int, default=100)
    ap.add_argument("--duration", type=float, default=600)
    ap.add_argument("--database", choices=["sqlite", "postgres"], default="sqlite")
    o = ap.parse_args()
    # The same selection as the test suite: other selections change features and rebuild DataFusion.
    subprocess.run(["cargo", "build", "--release", "-q", "--workspace", "--tests", "--bins"], cwd=ROOT, check=True,
                   env={**os.environ, "CARGO_TARGET_DIR": str(TARGET)})
    work = Path(tempfile.mkdtemp(prefix="vitrine-fault."))
    pg = None
    try:
        url = None
        if o.database == "postgres":
            # Outside the work directory: the server runs as `postgres`, which cannot enter it.
            pg = Path(tempfile.mkdtemp(prefix="vitrine-fault-pg."))
            env = {**os.environ, "VITRINE_PG_PORT": os.environ.get("VITRINE_PG_PORT", "55434")}
            out = subprocess.run([str(ROOT / "scripts/pg"), "start", str(pg)], capture_output=True, text=True,
                                 check=True, env=env).stdout
            url = out.split("VITRINE_TEST_POSTGRES=", 1)[1].split()[0].strip("'\"")
        args, token, uploads = setup(work, url)
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        server = Server(args, port)
        report = load(o, server, port, token, uploads)
        server.proc.send_signal(signal.SIGKILL)
    finally:
        if pg is not None:
            subprocess.run([str(ROOT / "scripts/pg"), "stop", str(pg)], capture_output=True)
            shutil.rmtree(pg, ignore_errors=True)
        shutil.rmtree(work, ignore_errors=True)
    sys.exit(report)


def load(o, server, port, token, uploads):
    probe = Client(port, token)
    _, alerts, _, _ = probe.call("GET", f"/api/v1/shops/{SHOP}/alerts")
    if isinstance(alerts, dict):
        alerts = alerts.get("alerts", [])
    alert_ids = [a["id"] for a in alerts or []]
    _, bids, _, _ = probe.call("GET", f"/api/v1/shops/{SHOP}/bids")
    plans = sorted({p["plan_id"] for p in (bids or {}).get("plans", [])})
    _, catalog, _, _ = probe.call("GET", "/api/v1/metrics")
    additive = [m["id"] for m in (catalog or []) if m.get("additive")] or ["gmv"]
    reads = [f"/api/v1/shops/{SHOP}/review", f"/api/v1/shops/{SHOP}/alerts", f"/api/v1/shops/{SHOP}/targets",
             f"/api/v1/shops/{SHOP}/bids", f"/api/v1/shops/{SHOP}/users/cohorts", "/api/v1/shops",
             f"/api/v1/shops/{SHOP}/metric?metrics=gmv,orders&grain=day", f"/api/v1/shops/{SHOP}/reviews"]
    lock = threading.Lock()
    records = []  # (status, start, end, kind)
    acked = {"targets": {}, "assigns": [], "holds": {}, "imports": set()}
    counter = iter(range(10 ** 9))
    stop = time.time() + o.duration

    def worker(i):
        c = Client(port, token)
        rng = random.Random(i)
        my_plan = plans[i] if i < len(plans) else None
        held = False
        while time.time() < stop:
            x = rng.random()
            if x < 0.55:
                path = rng.choice(reads)
                name = path.split(f"/{SHOP}/")[-1].split("?")[0].replace("/api/v1/", "")
                kind, (st, body, t0, t1) = f"read {name}", c.call("GET", path)
            elif x < 0.70:
                with lock:
                    n = next(counter)
                metric, year = additive[n % len(additive)], 1000 + n // len(additive)
                value = float(n)
                kind, (st, body, t0, t1) = "write", c.call(
                    "PUT", f"/api/v1/shops/{SHOP}/targets",
                    {"metric": metric, "period": f"year:{year}", "value": value})
                if st == 200:
                    with lock:
                        acked["targets"][(metric, f"year:{year}")] = value
            elif x < 0.80 and alert_ids:
                aid, owner = rng.choice(alert_ids), f"c{i}-{rng.randrange(10 ** 9)}"
                kind, (st, body, t0, t1) = "write", c.call(
                    "POST", f"/api/v1/shops/{SHOP}/alerts/{aid}/assign", {"owner": owner})
                if st == 200:
                    with lock:
                        acked["assigns"].append((aid, owner))
            elif x < 0.85 and my_plan:
                kind, (st, body, t0, t1) = "write", c.call(
                    "POST", f"/api/v1/shops/{SHOP}/bids/hold",
                    {"plan": my_plan, "hold": not held, "note": f"load {i}"})
                if st == 200:
                    held = not held
                    with lock:
                        acked["holds"][my_plan] = held
            elif x < 0.95:
                n = rng.randrange(1000, 200000)
                kind, (st, body, t0, t1) = "analyze", c.call("POST", "/api/v1/experiments/analyze", {
                    "method": rng.choice(["bayesian", "frequentist"]),
                    "variants": [{"name": "A", "n": n, "conversions": n // 30},
                                 {"name": "B", "n": n, "conversions": n // 28}]})
            else:
                f = rng.choice(uploads)
                kind, (st, body, t0, t1) = "upload", c.call(
                    "POST", f"/api/v1/shops/{SHOP}/imports?filename={urllib.parse.quote(f.name)}",
                    raw=f.read_bytes())
                if st == 200 and body and body.get("importable") and rng.random() < 0.3:
                    kind, (st, body, t0, t1) = "import", c.call(
                        "POST", f"/api/v1/shops/{SHOP}/imports/{body['id']}/commit")
                    if st == 200:
                        with lock:
                            acked["imports"].add(f)
            with lock:
                records.append((st, t0, t1, kind))

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(o.clients)]
    t_start = time.time()
    for t in threads:
        t.start()
    time.sleep(o.duration / 2)
    killed, back = server.restart()
    for t in threads:
        t.join()
    return summarize(o, server, probe, records, acked, killed, back, t_start)


def summarize(o, server, probe, records, acked, killed, back, t_start):
    in_window = lambda r: r[2] >= killed and r[1] <= back
    by_status = {}
    for st, *_ in records:
        by_status[st or "no answer"] = by_status.get(st or "no answer", 0) + 1
    total = len(records)
    busy = by_status.get(503, 0)
    errors = [r for r in records if (r[0] is None or r[0] >= 500) and not in_window(r) and r[0] != 503]
    lat = sorted(r[2] - r[1] for r in records if r[0] is not None)
    pct = lambda p: lat[min(len(lat) - 1, int(p * len(lat)))] * 1000 if lat else float("nan")
    print(f"database {o.database}: {o.clients} clients, {o.duration:.0f} s, SIGKILL at "
          f"{killed - t_start:.0f} s, serving again after {back - killed:.2f} s")
    print(f"requests {total} ({total / o.duration:.0f}/s); by status: "
          + ", ".join(f"{k}: {v}" for k, v in sorted(by_status.items(), key=lambda kv: str(kv[0]))))
    kinds = {}
    for r in records:
        kinds[r[3]] = kinds.get(r[3], 0) + 1
    print("mix: " + ", ".join(f"{k} {v}" for k, v in sorted(kinds.items())))
    for k in sorted(kinds):
        ls = sorted(r[2] - r[1] for r in records if r[3] == k and r[0] is not None)
        if ls:
            print(f"  {k:<16} p50 {ls[len(ls) // 2] * 1000:8.0f} ms  p99 {ls[int(0.99 * (len(ls) - 1))] * 1000:8.0f} ms")
    print(f"503 (busy) {busy} = {100 * busy / max(total, 1):.3f} %; "
          f"errors outside the restart window {len(errors)}; "
          f"in the window {sum(1 for r in records if in_window(r) and (r[0] is None or r[0] >= 500))}")
    print(f"latency p50 {pct(0.5):.1f} ms, p99 {pct(0.99):.1f} ms, max {pct(1.0):.0f} ms; "
          f"peak RSS {server.peak_kb / 1024:.0f} MiB")
    lost = verify(Client(probe.port, probe.token), acked)
    ok = lost == 0 and not errors and busy < 0.01 * total
    print("PASS" if ok else "FAIL")
    return 0 if ok else 1


def verify(client, acked):
    class Retrying:
        """The checks' client: one retry on a dropped connection."""
        def call(self, *a, **k):
            r = client.call(*a, **k)
            return client.call(*a, **k) if r[0] is None else r
    probe = Retrying()
    st, t, _, _ = probe.call("GET", f"/api/v1/shops/{SHOP}/targets")
    if st != 200:
        print(f"GET targets answered {st}: {str(t)[:300]}")
    stored = {(s["metric"], s["period"]): s["value"] for s in (t or {}).get("stored", [])}
    lost_targets = sum(1 for k, v in acked["targets"].items() if stored.get(k) != v)
    notes = {}
    for aid in {a for a, _ in acked["assigns"]}:
        _, h, _, _ = probe.call("GET", f"/api/v1/shops/{SHOP}/alerts/{aid}/history")
        notes[aid] = json.dumps(h, ensure_ascii=False)
    lost_assigns = sum(1 for aid, owner in acked["assigns"] if f"assigned to {owner}" not in notes[aid])
    _, audit, _, _ = probe.call("GET", f"/api/v1/shops/{SHOP}/bids/audit")
    holds = set((audit or {}).get("holds", []))
    lost_holds = sum(1 for plan, on in acked["holds"].items() if (plan in holds) != on)
    lost_imports = 0
    for f in acked["imports"]:
        _, r, _, _ = probe.call("POST", f"/api/v1/shops/{SHOP}/imports?filename={urllib.parse.quote(f.name)}",
                                raw=f.read_bytes())
        lost_imports += 0 if (r or {}).get("already_imported") else 1
    lost = lost_targets + lost_assigns + lost_holds + lost_imports
    print(f"acknowledged writes: {len(acked['targets'])} targets, {len(acked['assigns'])} alert assignments, "
          f"{len(acked['holds'])} plan holds, {len(acked['imports'])} imports; lost {lost} "
          f"({lost_targets}/{lost_assigns}/{lost_holds}/{lost_imports})")
    return lost


if __name__ == "__main__":
    main()
