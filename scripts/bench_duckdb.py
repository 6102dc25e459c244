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
    for _ in range(runs):
        t = time.perf_counter()
        for st in plan:
            files = st["files"]
            if files:
                con.execute(f"CREATE OR REPLACE VIEW {st['table']} AS SELECT * FROM read_parquet({json.dumps(files)})")
            else:
                continue
            con.execute(st["sql"]).fetchall()
        times.append(time.perf_counter() - t)
    print(f"{statistics.median(times):.4f}")


if __name__ == "__main__":
    main()
