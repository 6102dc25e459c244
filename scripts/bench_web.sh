#!/usr/bin/env bash
# Load benchmark of the overview API (not a test): wrk on loopback, 100 connections, 60 s,
# against GET /api/v1/shops/{shop}/review with an API token, over a simulated year of one
# shop (scale 0.05). Prints wrk's latency distribution and error counts.
# Usage: scripts/bench_web.sh [--duration 60s] [--connections 100] [--database-url URL]
set -euo pipefail
cd "$(dirname "$0")/.."
duration=60s; conns=100; dburl=""
while [ $# -gt 0 ]; do
  case "$1" in
    --duration) duration="$2"; shift 2;;
    --connections) conns="$2"; shift 2;;
    --database-url) dburl="$2"; shift 2;;
    *) echo "unknown argument $1" >&2; exit 2;;
  esac
done
command -v wrk >/dev/null || { echo "wrk is needed (apt-get install wrk)" >&2; exit 1; }
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-${VITRINE_CACHE:-$HOME/.cache/vitrine}/target}"
cargo build --release -q --workspace --tests --bins  # the suite's selection: no feature change, no DataFusion rebuild
bin="$CARGO_TARGET_DIR/release/vitrine"
work="$(mktemp -d /tmp/vitrine-bench-web.XXXXXX)"
trap 'kill "${server:-}" 2>/dev/null || true; rm -rf "$work"' EXIT
args=(--data-dir "$work/data")
[ -n "$dburl" ] && args+=(--database-url "$dburl")
CI=1 "$bin" "${args[@]}" simulate --days 365 --scale 0.05 --end 2026-11-21 >/dev/null 2>&1
CI=1 "$bin" "${args[@]}" review --format json >/dev/null
echo "bench-password-1" | "$bin" "${args[@]}" user add --name bench --role viewer --shop '*' --password-stdin >/dev/null
token="$("$bin" "${args[@]}" user token --name bench --label wrk)"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"$bin" "${args[@]}" serve --addr "127.0.0.1:$port" >/dev/null 2>&1 &
server=$!
for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.1; done
url="http://127.0.0.1:$port/api/v1/shops/shop1/review"
# First request builds the review; every later one is served from the cache.
first=$(curl -s -o /dev/null -w '%{http_code} %{time_total}' -H "Authorization: Bearer $token" "$url")
echo "first request (builds the review): HTTP ${first% *} in ${first#* } s"
echo "wrk -t2 -c$conns -d$duration --latency $url"
wrk -t2 -c"$conns" -d"$duration" --latency -H "Authorization: Bearer $token" "$url"
