#!/usr/bin/env bash
# `lpo validate` against large destination lists ("areas" CSV: postcode,suburb), to show that
# reading one is linear in its rows: a copy of the bundled configuration whose TGE regional area
# 1 list (data/carriers/areas/tge-regional-area-1.csv, named by data/carriers/tge.yaml) is
# replaced by N generated rows, either all distinct or one row written N times (each repeat a
# `duplicate-row` warning, the first 20 listed). Prints wall time and peak memory per run.
# Usage: scripts/bench-validate.sh [SIZES...]    (default: 10000 100000 1000000)
set -euo pipefail
cd "$(dirname "$0")/.."
sizes=("$@")
[ ${#sizes[@]} -gt 0 ] || sizes=(10000 100000 1000000)
[ -x /usr/bin/time ] || { echo "bench-validate: needs /usr/bin/time (GNU time)" >&2; exit 1; }
cargo build --release -q
lpo=$PWD/target/release/lpo

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cp -r lpo.yaml data rules constraints "$tmp"/
areas=$tmp/data/carriers/areas/tge-regional-area-1.csv

# N rows: distinct (postcode cycling over 1000-9999, a suburb of its own each) or one row N times.
gen() {
  awk -v n="$1" -v kind="$2" 'BEGIN {
    print "postcode,suburb"
    for (i = 0; i < n; i++) {
      if (kind == "distinct") printf "%04d,PLACE %d\n", 1000 + i % 9000, i
      else print "0822,GALIWINKU"
    }
  }' > "$areas"
}

printf '%-10s %-9s %9s %6s %9s %12s %12s\n' rows kind bytes exit warnings time peak
for n in "${sizes[@]}"; do
  for kind in distinct repeated; do
    gen "$n" "$kind"
    bytes=$(wc -c < "$areas")
    set +e
    /usr/bin/time -o "$tmp/time" -f '%e s %M KB' \
      "$lpo" --config "$tmp/lpo.yaml" validate --format json > "$tmp/out.json" 2> "$tmp/err"
    code=$?
    set -e
    warnings=$(sed -n 's/^  "warnings": \([0-9]*\),*$/\1/p' "$tmp/out.json")
    read -r secs s kb k < <(tail -n1 "$tmp/time")
    printf '%-10s %-9s %9s %6s %9s %12s %12s\n' \
      "$n" "$kind" "$bytes" "$code" "${warnings:-?}" "$secs $s" "$kb $k"
    if [ "$code" -ne 0 ]; then
      echo "  lpo validate exited $code:" >&2
      head -n 20 "$tmp/err" >&2
    fi
  done
done
