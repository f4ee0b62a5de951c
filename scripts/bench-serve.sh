#!/usr/bin/env bash
# Load test of `lpo serve` with wrk (Debian package `wrk`), on this machine's loopback.
#
#   scripts/bench-serve.sh [SECONDS] [CONNECTIONS]
#
# The service runs pinned to core 0 with one HTTP worker and one pool thread; wrk runs pinned to
# core 1. Three phases over a typical checkout order (scripts/wrk/quote.lua):
#   1. steady load: requests/s, latency percentiles, errors, peak resident memory;
#   2. the same load while the config is edited and reloaded every 50 ms (POST /admin/reload):
#      failed requests and the config versions the responses carried;
#   3. SIGTERM during load: whether the service drains and exits 0.
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-30}
conns=${2:-32}
port=18089
command -v wrk >/dev/null || { echo "wrk is missing: apt-get install -y wrk" >&2; exit 2; }
cargo build --release -q
bin=target/release/lpo

# A copy of the bundled config that phase 2 edits.
cfg=$(mktemp -d)
trap 'kill $srv 2>/dev/null || true; rm -rf "$cfg"' EXIT
cp -r lpo.yaml data rules constraints "$cfg"/
cp constraints/daily.yaml "$cfg/daily.orig"

start() {
  LPO_ADMIN_TOKEN=bench taskset -c 0 "$bin" serve --config "$cfg" --addr 127.0.0.1:$port \
    --workers 1 --pool-threads 1 >/dev/null 2>"$cfg/serve.log" &
  srv=$!
  for _ in $(seq 100); do curl -sf localhost:$port/readyz >/dev/null && return; sleep 0.05; done
  echo "the service did not start" >&2; cat "$cfg/serve.log" >&2; exit 1
}

load() { # seconds
  taskset -c 1 wrk -t1 -c"$conns" -d"${1}s" --latency -s scripts/wrk/quote.lua \
    http://127.0.0.1:$port/v1/quote
}

echo "== 1. steady load: ${secs} s, ${conns} connections, keep-alive"
start
LPO_WRK_FAST=1 load "$secs" | grep -E "Requests/sec|requests in|Non-2xx|p50|errors:"
echo "peak RSS: $(grep VmHWM /proc/$srv/status | awk '{print $2/1024 " MiB"}'), now $(grep VmRSS /proc/$srv/status | awk '{print $2/1024 " MiB"}')"

echo "== 2. the same load, reloading a changed config every 50 ms"
(
  i=0
  end=$((SECONDS + secs))
  while [ $SECONDS -lt $end ]; do
    i=$((i + 1))
    # Two contents in turn: every reload changes the version, and only two new versions exist.
    { cat "$cfg/daily.orig"; printf '\n# variant %d\n' $((i % 2)); } > "$cfg/constraints/daily.yaml"
    curl -s -o /dev/null -w '%{http_code}\n' -X POST -H 'Authorization: Bearer bench' \
      localhost:$port/admin/reload >> "$cfg/reloads.txt"
    sleep 0.05
  done
) &
reloader=$!
load "$secs" | grep -E "Requests/sec|requests in|Non-2xx|p50|errors:|status|config_version|without"
wait $reloader
echo "reloads: $(grep -c '^200$' "$cfg/reloads.txt") ok, $(grep -vc '^200$' "$cfg/reloads.txt" || true) refused"
curl -s localhost:$port/metrics | grep -E '^lpo_config_reloads_total'
echo "peak RSS: $(grep VmHWM /proc/$srv/status | awk '{print $2/1024 " MiB"}')"

echo "== 3. SIGTERM after 3 s of a 6 s load"
(sleep 3; kill -TERM $srv) &
load 6 | grep -E "Requests/sec|requests in|errors:|status" || true
wait $srv && echo "the service exited 0" || echo "the service exited $?"
grep -E "draining|drained|drain timeout" "$cfg/serve.log" | sed 's/^/  log: /'
