#!/usr/bin/env python3
"""Import benchmark: a >= 1 GB 抖店 order export through `vitrine import`, against DuckDB's
read_csv → Parquet on the same file in the same run (the peer).

usage: scripts/bench_import.py [--gb 1.0] [--runs 3] [--shuffled] [--keep DIR] [VITRINE_BIN]

Runs the two in turn `--runs` times (the pairs share the machine's state at that moment) and
prints file size, rows, the median wall time with the range, MB/s and peak RSS of each, the
lake's file count, and checks that both read the same row count and amount total. `--shuffled` spreads the rows
over 365 days in random order (the worst case for partitioned writing). Needs
`pip install duckdb`.
"""
import argparse
import json
import os
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta

HEADER = "主订单编号,子订单编号,选购商品,商品ID,商品数量,订单应付金额,订单提交时间,省,订单状态,流量来源\n"
PRODUCTS = [(f"商品{i:03d}", 3600000 + i) for i in range(200)]
REGIONS = ["广东", "浙江", "江苏", "山东", "河南", "四川", "湖北", "福建", "上海", "北京"]
STATUS = ["已完成", "已发货", "待发货", "已关闭", "售后中"]
SOURCES = ["直播", "短视频", "商品卡", "搜索", "橱窗", "千川"]


def write_orders(path, target_bytes, seed=7, shuffled=False):
    """Writes order rows until the file reaches `target_bytes`; returns the row count. Rows
    come in date order over November, or (`shuffled`) on random days of the year."""
    rng = random.Random(seed)
    rows = 0
    with open(path, "w", encoding="utf-8", newline="") as f:
        f.write(HEADER)
        size = len(HEADER.encode())
        while size < target_bytes:
            chunk = []
            for _ in range(50_000):
                rows += 1
                name, pid = PRODUCTS[rng.randrange(200)]
                if shuffled:
                    when = date(2026, 1, 1) + timedelta(days=rng.randrange(365))
                else:
                    when = date(2026, 11, 1 + rows * 30 // 12_000_000 % 30)
                amount = rng.randrange(990, 99_900) / 100
                chunk.append(f"{6900000000 + rows},{6900000000 + rows}-1,{name},{pid},{1 + rng.randrange(3)},"
                             f"¥{amount:,.2f},{when} {rng.randrange(24):02d}:{rng.randrange(60):02d}:{rng.randrange(60):02d},"
                             f"{REGIONS[rng.randrange(10)]},{STATUS[rng.randrange(5)]},{SOURCES[rng.randrange(6)]}\n")
            text = "".join(chunk)
            f.write(text)
            size += len(text.encode())
    return rows


def timed(cmd):
    """Runs `cmd` under a fresh wrapper process, returning (seconds, peak RSS in MB)."""
    wrapper = ("import json,resource,subprocess,sys,time\n"
               "t=time.perf_counter()\n"
               "subprocess.run(sys.argv[1:],check=True,stdout=subprocess.DEVNULL)\n"
               "print(json.dumps([time.perf_counter()-t,resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss/1024]))")
    out = subprocess.run([sys.executable, "-c", wrapper, *cmd], check=True, capture_output=True, text=True)
    secs, rss = json.loads(out.stdout)
    return secs, rss


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--gb", type=float, default=1.0)
    ap.add_argument("--keep")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--shuffled", action="store_true")
    ap.add_argument("binary", nargs="?", default=os.path.expanduser("~/.cache/vitrine/target/release/vitrine"))
    a = ap.parse_args()
    work = a.keep or tempfile.mkdtemp(prefix="vitrine-bench-import-")
    os.makedirs(work, exist_ok=True)
    name = "doudian_orders_shuffled.csv" if a.shuffled else "doudian_orders_big.csv"
    csv_path = os.path.join(work, name)
    if not os.path.exists(csv_path) or os.path.getsize(csv_path) < a.gb * 1e9:
        t = time.perf_counter()
        rows = write_orders(csv_path, int(a.gb * 1e9), shuffled=a.shuffled)
        print(f"generated {rows:,} rows in {time.perf_counter() - t:.1f} s")
    size_mb = os.path.getsize(csv_path) / 1e6
    lake = os.path.join(work, "lake")
    peer = f"""
import duckdb, time
con = duckdb.connect()
con.execute("SET threads TO 2")
con.execute("COPY (SELECT * FROM read_csv('{csv_path}', header=true)) TO '{work}/duckdb_orders.parquet' (FORMAT parquet)")
"""
    ours, theirs = [], []
    for _ in range(max(1, a.runs)):
        shutil.rmtree(lake, ignore_errors=True)
        ours.append(timed([a.binary, "--data-dir", lake, "import", "--shop", "bench", csv_path]))
        theirs.append(timed([sys.executable, "-c", peer]))
    print(f"| tool | file MB | seconds (median of {len(ours)}, range) | MB/s | peak RSS MB |\n|---|---:|---:|---:|---:|")
    for name, runs in [("vitrine import (CSV → lake, all-or-nothing commit)", ours),
                       ("DuckDB read_csv → Parquet (2 threads)", theirs)]:
        secs = sorted(r[0] for r in runs)
        mid = secs[len(secs) // 2]
        rss = max(r[1] for r in runs)
        print(f"| {name} | {size_mb:,.0f} | {mid:.1f} ({secs[0]:.1f}–{secs[-1]:.1f}) | {size_mb / mid:.0f} | {rss:,.0f} |")
    sys.stdout.flush()
    files = sum(1 for _, _, fs in os.walk(lake) for f in fs if f.endswith(".parquet"))
    got = subprocess.run([a.binary, "--data-dir", lake, "query", "--format", "csv",
                          "SELECT COUNT(*), SUM(amount_fen) FROM orders"],
                         check=True, capture_output=True, text=True).stdout.strip().splitlines()[-1]
    import duckdb
    want = duckdb.sql(f"SELECT COUNT(*), CAST(SUM(CAST(REPLACE(REPLACE(订单应付金额, '¥', ''), ',', '') "
                      f"AS DECIMAL(18, 2)) * 100) AS BIGINT) FROM '{work}/duckdb_orders.parquet'").fetchall()[0]
    want = f"{want[0]},{want[1]}"
    print(f"lake: {files} Parquet files; rows,amount_fen: vitrine {got} / DuckDB {want}"
          f" -> {'same' if got == want else 'DIFFERENT'}")
    if not a.keep:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
