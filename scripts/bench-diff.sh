#!/usr/bin/env bash
# `lpo diff` against one `lpo optimise` over the same orders, and the HTML report's size and
# rendering time in headless Chromium.
#
#   scripts/bench-diff.sh [ORDERS] [RUNS]
#
# The head is the bundled config with a change an analyst might make: a rule that keeps
# CouriersPlease out of Victoria and a higher Aramex fuel levy. It lives in a temporary clone;
# the base is `HEAD` of that clone, read from git objects. Both the per-order choice (--greedy)
# and the global solve under benches/constraints/day-100k.yaml (sized for 100,000 orders of
# `gen-orders --seed 7`) are timed.
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-100000}
runs=${2:-3}
cargo build --release -q
bin=$PWD/target/release/lpo
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
git clone -q . "$work/repo"
cd "$work/repo"
# Both sides use the day's constraints sized for these orders (committed, so the base has them).
sed -i 's|^constraints: constraints |constraints: benches/constraints/day-100k.yaml |' lpo.yaml
git -c user.name=bench -c user.email=bench@example.com commit -qam "bench: 100k-order day constraints"
cat > rules/15-depot.yaml <<'EOF'
rules:
  - id: no-couriersplease-vic
    description: CouriersPlease's Melbourne depot is closed for renovation.
    when:
      state: [VIC]
    reason: CouriersPlease cannot deliver in Victoria this month
    exclude:
      carriers: [couriersplease]
EOF
sed -i 's/- { from: 2026-11-01, pct: 16.60 }/- { from: 2026-11-01, pct: 19.60 }/' data/carriers/aramex.yaml
"$bin" gen-orders --count "$n" --seed 7 --out "$work/orders.csv" >/dev/null

best() { sort -n | head -1; }
time_of() { # command… → wall seconds
  local s e
  s=$(date +%s.%N)
  "$@" >/dev/null 2>&1 || [ $? -eq 3 ]
  e=$(date +%s.%N)
  echo "$e - $s" | bc
}

for mode in greedy global; do
  flag=""
  [ $mode = greedy ] && flag="--greedy"
  opt=$(for _ in $(seq "$runs"); do time_of "$bin" optimise $flag --quiet --date 2026-11-26 --orders "$work/orders.csv" --out "$work/plan.csv"; done | best)
  dif=$(for _ in $(seq "$runs"); do time_of "$bin" diff $flag --quiet --base HEAD --date 2026-11-26 --orders "$work/orders.csv" --out "$work/diff.txt"; done | best)
  echo "$mode, $n orders: optimise ${opt}s, diff ${dif}s, ratio $(echo "scale=2; $dif / $opt" | bc) (best of $runs)"
done

"$bin" diff --quiet --base HEAD --date 2026-11-26 --orders "$work/orders.csv" --report "$work/report.html" --out "$work/diff.txt" || [ $? -eq 3 ]
head -4 "$work/diff.txt"
echo "HTML report: $(stat -c %s "$work/report.html") bytes"
if command -v chromium >/dev/null; then
  echo '<!doctype html><title>x</title>x' > "$work/blank.html"
  shot() { chromium --headless --no-sandbox --disable-gpu --disable-background-networking --disable-dev-shm-usage --no-first-run --hide-scrollbars --window-size=1000,4000 --screenshot="$work/shot.png" "file://$1" >/dev/null 2>&1; }
  blank=$(for _ in 1 2 3; do time_of shot "$work/blank.html"; done | best)
  page=$(for _ in 1 2 3; do time_of shot "$work/report.html"; done | best)
  echo "headless Chromium load + render + screenshot: report ${page}s, blank page ${blank}s (browser start-up)"
fi
