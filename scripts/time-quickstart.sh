#!/usr/bin/env bash
# Times the README's two quick-start commands, as written, on a fresh clone of HEAD (so with a new
# target folder). To rehearse a fresh machine, first remove what was installed by hand
# (`../shared/tools/hand-installed --purge`) and, to count the crate downloads too, move
# ~/.cargo/registry aside.
#   scripts/time-quickstart.sh        prints the exit code and seconds of each command
set -uo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
dir=$(mktemp -d)
git clone -q "$repo" "$dir/lpo" || exit 1
cd "$dir/lpo" || exit 1

start=$(date +%s)
(scripts/setup && cargo run -q -- optimise --orders examples/orders.csv --out plan.csv \
  --report report.json) >"$dir/first.log" 2>&1
first=$?
first_s=$(($(date +%s) - start))

start=$(date +%s)
cargo test >"$dir/second.log" 2>&1
second=$?
second_s=$(($(date +%s) - start))

tests=$(grep '^test result' "$dir/second.log" | awk '{p += $4; f += $6} END {print p " passed, " f " failed"}')
echo "first command:  exit $first (3 expected: 22 sample orders have no feasible service) in ${first_s} s; log $dir/first.log"
echo "second command: exit $second in ${second_s} s ($tests); log $dir/second.log"
echo "both: $((first_s + second_s)) s"
