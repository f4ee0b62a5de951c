#!/usr/bin/env bash
# End-to-end batch benchmark of the per-order choice (--greedy: the bundled day constraints are
# sized for the 1,000 sample orders): generate N orders, optimise them, report wall time, peak memory and
# the time split printed by `lpo optimise`. Usage: scripts/bench-optimise.sh [N] [RUNS]
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-1000000}
runs=${2:-3}
cargo build --release -q
mkdir -p out
orders=out/bench-orders-$n.csv
[ -f "$orders" ] || ./target/release/lpo gen-orders --count "$n" --seed 42 --date 2026-11-26 --out "$orders"
ls -l "$orders"
for i in $(seq "$runs"); do
  /usr/bin/time -f "run $i: wall %e s, peak RSS %M KiB" \
    ./target/release/lpo optimise --orders "$orders" --out out/bench-plan.csv --greedy 2>&1 \
    | grep -E "^(run|time:)" || true
done
