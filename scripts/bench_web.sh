#!/usr/bin/env bash
# Load benchmark of the read API (not a test): wrk on loopback, 100 connections, against the
# review, metric, users and bids endpoints of one shop, with an API token. Each endpoint's
# first (cold, uncached) request is timed on its own first, then wrk runs on it.
# Data: a simulated year of one shop at --scale (default 0.05) in a temporary directory, or
# an existing data directory with --data-dir (e.g. the one `vitrine bench review` made).
# With --new-day, the day before --day (default 2026-11-21, the simulated year's last) is
# reviewed first, as yesterday's working day left it: the first request is then a new day's.
# The server starts building each shop's latest review as it starts; a first request joins
# that build.
# Usage: scripts/bench_web.sh [--duration 20s] [--connections 100] [--scale 0.05]
#                             [--data-dir DIR] [--database-url URL] [--new-day] [--day D]
set -euo pipefail
cd "$(dirname "$0")/.."
duration=20s; conns=100; dburl=""; scale=0.05; data=""; new_day=0; day=2026-11-21
while [ $# -gt 0 ]; do
  case "$1" in
    --duration) duration="$2"; shift 2;;
    --connections) conns="$2"; shift 2;;
    --database-url) dburl="$2"; shift 2;;
    --scale) scale="$2"; shift 2;;
    --data-dir) data="$2"; shift 2;;
    --new-day) new_day=1; shift;;
    --day) day="$2"; shift 2;;
    *) echo "unknown argument $1" >&2; exit 2;;
  esac
done
command -v wrk >/dev/null || { echo "wrk is needed (apt-get install wrk)" >&2; exit 1; }
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-${VITRINE_CACHE:-$HOME/.cache/vitrine}/target}"
cargo build --release -q --workspace --tests --bins  # the suite's selection: no feature change, no DataFusion rebuild
bin="$CARGO_TARGET_DIR/release/vitrine"
work="$(mktemp -d /tmp/vitrine-bench-web.XXXXXX)"
trap 'kill "${server:-}" 2>/dev/null || true; rm -rf "$work"' EXIT
if [ -z "$data" ]; then
  data="$work/data"
  CI=1 "$bin" --data-dir "$data" simulate --days 365 --scale "$scale" --end 2026-11-21 >/dev/null 2>&1
fi
args=(--data-dir "$data")
[ -n "$dburl" ] && args+=(--database-url "$dburl")
# Cold means nothing kept: not the review's users part from an earlier run either.
rm -rf "$data/cache"
cold_is="cold, builds the answer"
if [ "$new_day" = 1 ]; then
  before=$(python3 -c "import datetime as d; print(d.date.fromisoformat('$day') - d.timedelta(days=1))")
  "$bin" "${args[@]}" review --date "$before" >/dev/null
  cold_is="a new day: $before reviewed before"
fi
name="bench$$"
echo "bench-password-1" | "$bin" "${args[@]}" user add --name "$name" --role viewer --shop '*' --password-stdin >/dev/null
token="$("$bin" "${args[@]}" user token --name "$name" --label wrk)"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"$bin" "${args[@]}" serve --addr "127.0.0.1:$port" >/dev/null 2>&1 &
server=$!
for _ in $(seq 1 300); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.1; done
base="http://127.0.0.1:$port/api/v1/shops/shop1"
declare -A paths=(
  [review]="/review"
  [metric]="/metric?metrics=gmv,orders,cvr&by=category&grain=day&from=2026-10-25&to=2026-11-21"
  [users]="/users"
  [bids]="/bids"
)
order=(review metric users bids)
declare -A cold
for e in "${order[@]}"; do
  r=$(curl -s -o /dev/null -w '%{http_code} %{time_total}' -H "Authorization: Bearer $token" "$base${paths[$e]}")
  cold[$e]="HTTP ${r% *} in ${r#* } s"
  echo "$e: first request ($cold_is): ${cold[$e]}"
done
printf '\n%-8s %-28s %10s %10s %10s %s\n' endpoint "cold (first request)" "req/s" p50 p99 "errors"
for e in "${order[@]}"; do
  out=$(wrk -t2 -c"$conns" -d"$duration" --latency -H "Authorization: Bearer $token" "$base${paths[$e]}")
  rps=$(awk '/Requests\/sec/ {print $2}' <<<"$out")
  p50=$(awk '$1=="50%" {print $2}' <<<"$out")
  p99=$(awk '$1=="99%" {print $2}' <<<"$out")
  errs=$(grep -E "Non-2xx|Socket errors" <<<"$out" | tr -s ' ' | paste -sd';' - || true)
  printf '%-8s %-28s %10s %10s %10s %s\n' "$e" "${cold[$e]}" "$rps" "$p50" "$p99" "${errs:-none}"
done
echo "(wrk -t2 -c$conns -d$duration --latency per endpoint; one shop; $(nproc) cores)"
