#!/usr/bin/env bash
# Global optimisation benchmark: N orders of `lpo gen-orders --seed 7` (the orders the committed
# constraint files are sized for), optimised under a constraints file, then checked with `lpo check`.
# Prints wall time, peak memory, the solver's summary and its time split.
# Usage: scripts/bench-global.sh [N] [CONSTRAINTS] [RUNS]
#   scripts/bench-global.sh 100000 benches/constraints/day-100k.yaml
#   scripts/bench-global.sh 1000000 benches/constraints/day-1m.yaml 1
#   scripts/bench-global.sh 100000 benches/constraints/day-100k-kg.yaml
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-100000}
cons=${2:-benches/constraints/day-100k.yaml}
runs=${3:-3}
cargo build --release -q
mkdir -p out
orders=out/global-orders-$n.csv
[ -f "$orders" ] || ./target/release/lpo gen-orders --count "$n" --seed 7 --date 2026-11-26 --out "$orders"
for i in $(seq "$runs"); do
  /usr/bin/time -f "run $i: wall %e s, peak RSS %M KiB" \
    ./target/release/lpo optimise --orders "$orders" --out out/global-plan.csv --date 2026-11-26 \
      --constraints "$cons" --report out/global-report.json 2>&1 \
    | grep -E "^(run|time:|global: [a-z]|model:|cost:)" || true
  python3 - <<'PY'
import json
r = json.load(open("out/global-report.json"))
t = r["time_ms"]
print(f"  status {r['status']}, gap {r['gap_pct']:.4f} %, pricing+aggregation {t['price_and_aggregate']:.0f} ms,"
      f" solver {t['solve_total']:.0f} ms (model building {t['model_build']:.0f} ms)")
print("  solves: " + ", ".join(f"{s['name']} {s['ms']:.0f} ms" for s in t["solves"]))
PY
done
./target/release/lpo check --orders "$orders" --plan out/global-plan.csv --constraints "$cons" --date 2026-11-26
