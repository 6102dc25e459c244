#!/usr/bin/env python3
"""DuckDB peer for `vitrine bench review`: runs the same SQL statements over the same
Parquet files (one view per statement's table and file list) and prints the median
seconds of the whole SQL stage. DuckDB is a benchmark peer only, never part of Vitrine."""
import json
import statistics
import sys
import time

import duckdb


def main() -> None:
    plan = json.load(open(sys.argv[1], encoding="utf-8"))
    runs = int(sys.argv[2]) if len(sys.argv) > 2 else 5
    con = duckdb.connect()
    con.execute("SET threads TO 2")
    con.execute("SET TimeZone = 'Asia/Shanghai'")
    times = []
    per_query = {}
    for _ in range(runs):
        t = time.perf_counter()
        per_query = {}
        for st in plan:
            files = st["files"]
            if not files:
                continue
            q0 = time.perf_counter()
            # Timestamps are stored as Unix seconds (Parquet has no second unit); DataFusion
            # reads them as Asia/Shanghai timestamps from the Arrow schema, DuckDB as BIGINT.
            fix = ", ".join(f"to_timestamp({c}) AS {c}" for c in st.get("seconds", []))
            star = f"* REPLACE ({fix})" if fix else "*"
            con.execute(f"CREATE OR REPLACE VIEW {st['table']} AS SELECT {star} FROM read_parquet({json.dumps(files)})")
            con.execute(st["sql"]).fetchall()
            per_query[st["query"]] = per_query.get(st["query"], 0.0) + time.perf_counter() - q0
        times.append(time.perf_counter() - t)
    # First line: the median total; then one line per query of the last run.
    print(f"{statistics.median(times):.4f}")
    for i in range(max(per_query) + 1 if per_query else 0):
        print(f"{per_query.get(i, 0.0):.4f}")


if __name__ == "__main__":
    main()
