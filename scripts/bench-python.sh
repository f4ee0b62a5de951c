#!/usr/bin/env bash
# The Python package against the CLI, in one run (the machines are shared and noisy, so each
# figure comes with its baseline measured alongside):
#   1. per-order pricing of N orders: `lpo optimise --greedy --threads T` (CSV in, CSV out)
#      against `engine.optimise_arrow(table, threads=T)` (Arrow in, Arrow out), runs interleaved;
#   2. Parquet against CSV for the same orders: file sizes, and the read and write times
#      `lpo optimise` prints;
#   3. the wheel's size and the time of `import lpo`.
# Usage: scripts/bench-python.sh [N] [RUNS] [THREADS]    (needs scripts/py-env)
# `lpo optimise` exits 3 when some orders are unallocated, as generated days have a few.
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-1000000}
runs=${2:-3}
threads=${3:-2}
date=2026-11-26
py=$(scripts/py-env)
cargo build --release -q
"$(dirname "$py")/maturin" build --release -q -m crates/lpo-py/Cargo.toml --out target/wheels >&2
wheel=$(ls -t target/wheels/lpo-*.whl | head -n1)
"$py" -m pip install -q --force-reinstall --no-deps "$wheel"
lpo=./target/release/lpo
mkdir -p out
csv=out/bench-orders-$n.csv
pq=out/bench-orders-$n.parquet
[ -f "$csv" ] || $lpo gen-orders --count "$n" --seed 42 --date $date --out "$csv"
[ -f "$pq" ] || $lpo gen-orders --count "$n" --seed 42 --date $date --out "$pq"

echo "== wheel: $wheel, $(du -k "$wheel" | cut -f1) KiB"
for i in 1 2 3; do
  "$py" -X importtime -c 'import lpo' 2>&1 | grep -E '\| lpo$' | sed "s/^/import run $i: /"
done

echo "== per-order pricing of $n orders, $threads threads"
for i in $(seq "$runs"); do
  /usr/bin/time -f "cli run $i: wall %e s, peak RSS %M KiB" \
    $lpo optimise --greedy --threads "$threads" --date $date --orders "$csv" --out out/bench-plan.csv 2>&1 \
    | grep -E "^(cli run|time:)" || true
  "$py" scripts/bench_python.py lpo.yaml "$csv" $date "$threads" 1 | grep -v '^import' | sed "s/run 1/run $i/"
done

echo "== Parquet against CSV, $n orders"
ls -l "$csv" "$pq" | awk '{print $5, $9}'
for i in $(seq "$runs"); do
  for f in csv parquet; do
    in=$csv
    [ $f = parquet ] && in=$pq
    /usr/bin/time -f "$f run $i: wall %e s, peak RSS %M KiB" \
      $lpo optimise --greedy --threads "$threads" --date $date --orders "$in" --out "out/bench-plan.$f" 2>&1 \
      | grep -E "^($f run|time:)" || true
  done
done
ls -l out/bench-plan.csv out/bench-plan.parquet | awk '{print $5, $9}'
