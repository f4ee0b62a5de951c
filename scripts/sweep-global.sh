#!/usr/bin/env bash
# Sweep of the global solver over random constraint families (scripts/gen_constraint_family.py).
# For each batch size: orders from `lpo gen-orders` (seed 101 for the tuning seeds, seed 202 for
# the held-out seeds), their per-order plan (`--greedy`), then per family seed: a family sized on
# that plan, `lpo optimise` under it (timed by /usr/bin/time), and `lpo check` of the plan written.
# One run at a time. Prints a line per seed (also written to OUT/sweep-<time>.tsv) and a summary
# per size and split. Orders, greedy plans, families, plans, reports and logs stay under OUT, so
# any run can be repeated by hand (the families are OUT/n<size>-o<orders seed>/family-<seed>.yaml).
#
# Usage: scripts/sweep-global.sh --sizes 10000,100000 --seeds 1-30 [--held-out 1001-1010]
#                                [--lpo PATH] [--time-limit 60] [--out DIR]
#   --sizes       batch sizes (orders), comma-separated
#   --seeds       family seeds for tuning (orders seed 101): ranges and lists, `1-12`, `1,4,7-9`
#   --held-out    family seeds held out (orders seed 202), same syntax; default none
#   --lpo         the binary (default ./target/release/lpo); it is run from the repository root
#   --time-limit  `lpo optimise --time-limit` in seconds (default 60)
#   --out         working directory (default out/sweep, git-ignored)
# Exit codes of `lpo optimise`: 0 plan, 3 plan with some orders that cannot ship (normal for
# generated orders), 4 proven infeasible (no plan), 1 or 2 failures.
set -euo pipefail
cd "$(dirname "$0")/.."

sizes="" seeds="" held="" lpo=./target/release/lpo limit=60 out=out/sweep
while [ $# -gt 0 ]; do
  case "$1" in
    --sizes) sizes=$2; shift 2 ;;
    --seeds) seeds=$2; shift 2 ;;
    --held-out) held=$2; shift 2 ;;
    --lpo) lpo=$2; shift 2 ;;
    --time-limit) limit=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) echo "sweep-global.sh: unknown argument $1 (see --help)" >&2; exit 2 ;;
  esac
done
[ -n "$sizes" ] && { [ -n "$seeds" ] || [ -n "$held" ]; } \
  || { echo "sweep-global.sh: --sizes and --seeds (or --held-out) are required (see --help)" >&2; exit 2; }
[ -x "$lpo" ] || { echo "sweep-global.sh: no executable lpo at $lpo" >&2; exit 2; }

DATE=2026-11-26
TUNE_ORDERS_SEED=101
HELD_ORDERS_SEED=202

# `1-3,7` -> `1 2 3 7`
expand() {
  local part
  for part in ${1//,/ }; do
    if [[ $part == *-* ]]; then seq "${part%-*}" "${part#*-}"; else echo "$part"; fi
  done
}

mkdir -p "$out"
tsv=$out/sweep-$(date +%Y%m%d-%H%M%S).tsv
printf 'size\tseed\tsplit\tinfeasible_on_purpose\texit\tstatus\tgap_pct\twall_s\trss_mib\tprice_ms\tsolve_ms\tcheck\n' >"$tsv"
echo "lpo: $lpo ($(sha256sum "$lpo" | cut -c1-12)), time limit ${limit} s, results: $tsv"
fmt='%-7s %-5s %-8s %-10s %-4s %-10s %-8s %-7s %-7s %-8s %-8s %s\n'
printf "$fmt" size seed split infeasible exit status gap_pct wall_s rss_MiB price_ms solve_ms check

run_split() {  # size split orders-seed family-seeds...
  local n=$1 split=$2 oseed=$3; shift 3
  local dir=$out/n$n-o$oseed orders=$out/orders-$n-s$oseed.csv greedy=$out/greedy-$n-s$oseed.csv rc
  mkdir -p "$dir"
  if [ ! -s "$orders" ]; then
    "$lpo" gen-orders --count "$n" --seed "$oseed" --date "$DATE" --out "$orders.tmp" >/dev/null 2>&1 \
      || { echo "sweep-global.sh: lpo gen-orders --count $n --seed $oseed failed" >&2; exit 1; }
    mv "$orders.tmp" "$orders"
  fi
  if [ ! -s "$greedy" ]; then
    rc=0; "$lpo" optimise --greedy --orders "$orders" --date "$DATE" --out "$greedy.tmp" -q || rc=$?
    [ "$rc" = 0 ] || [ "$rc" = 3 ] || { echo "sweep-global.sh: greedy plan of $orders failed (exit $rc)" >&2; exit 1; }
    mv "$greedy.tmp" "$greedy"
  fi
  local s fam plan rep tf log purpose status gap price solve wall rss check
  for s in "$@"; do
    fam=$dir/family-$s.yaml plan=$dir/plan-$s.csv rep=$dir/report-$s.json tf=$dir/time-$s.txt log=$dir/stderr-$s.log
    purpose=$(python3 scripts/gen_constraint_family.py --orders "$orders" --plan "$greedy" --seed "$s" --out "$fam" \
              | sed -n 's/.*infeasible=\(yes\|no\)$/\1/p')
    rm -f "$plan" "$rep" "$tf"
    rc=0
    /usr/bin/time -f "%e %M" -o "$tf" "$lpo" optimise --orders "$orders" --date "$DATE" --constraints "$fam" \
      --time-limit "$limit" --report "$rep" --out "$plan" -q 2>"$log" || rc=$?
    wall=- rss=-
    [ -s "$tf" ] && read -r wall rss < <(tail -n 1 "$tf" | awk '{ printf "%s %.0f\n", $1, $2 / 1024 }')
    read -r status gap price solve < <(python3 - "$rep" <<'PY'
import json, sys
try:
    r = json.load(open(sys.argv[1]))
except (OSError, ValueError):
    print("- - - -"); sys.exit()
t = r.get("time_ms") or {}
def num(v, f):
    return f.format(v) if isinstance(v, (int, float)) else "-"
print(r.get("status", "-"), num(r.get("gap_pct"), "{:.4f}"),
      num(t.get("price_and_aggregate"), "{:.0f}"), num(t.get("solve_total"), "{:.0f}"))
PY
)
    check=-
    if [ -s "$plan" ]; then
      if "$lpo" check --orders "$orders" --plan "$plan" --constraints "$fam" --date "$DATE" >"$dir/check-$s.log" 2>&1
      then check=pass; else check="fail($?)"; fi
    fi
    printf "$fmt" "$n" "$s" "$split" "$purpose" "$rc" "$status" "$gap" "$wall" "$rss" "$price" "$solve" "$check"
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' \
      "$n" "$s" "$split" "$purpose" "$rc" "$status" "$gap" "$wall" "$rss" "$price" "$solve" "$check" >>"$tsv"
  done
}

for n in ${sizes//,/ }; do
  [ -z "$seeds" ] || run_split "$n" tune "$TUNE_ORDERS_SEED" $(expand "$seeds")
  [ -z "$held" ] || run_split "$n" held-out "$HELD_ORDERS_SEED" $(expand "$held")
done

# Summary per size and split. optimal / time_limit: runs with a plan (exit 0 or 3) of that
# status; infeasible: exit 4; other: anything else (exit 1, 2, a signal, or an unknown status).
# mismatch: made infeasible on purpose but not exit 4.
python3 - "$tsv" <<'PY'
import csv, statistics, sys
rows = list(csv.DictReader(open(sys.argv[1]), delimiter="\t"))
groups = {}
for r in rows:
    groups.setdefault((int(r["size"]), r["split"]), []).append(r)
def f(v):
    try:
        return float(v)
    except ValueError:
        return None
def mx(vals, fmt):
    vals = [v for v in vals if v is not None]
    return fmt.format(max(vals)) if vals else "-"
print()
for (size, split), rs in sorted(groups.items(), key=lambda g: (g[0][0], g[0][1] != "tune")):
    planned = [r for r in rs if r["exit"] in ("0", "3")]
    opt = sum(r["status"] == "optimal" for r in planned)
    tl = sum(r["status"] == "time_limit" for r in planned)
    inf = [r for r in rs if r["exit"] == "4"]
    other = len(rs) - opt - tl - len(inf)
    checked = [r for r in rs if r["check"] != "-"]
    passes = sum(r["check"] == "pass" for r in checked)
    mismatch = sum(r["infeasible_on_purpose"] == "yes" and r["exit"] != "4" for r in rs)
    walls = [f(r["wall_s"]) for r in rs if f(r["wall_s"]) is not None] or [float("nan")]
    print(f"summary size {size} {split}: {len(rs)} seeds, {opt} optimal, {tl} time_limit, "
          f"{len(inf)} infeasible (exit 4), {other} other; check {passes}/{len(checked)} pass; "
          f"mismatch {mismatch}; wall median {statistics.median(walls):.2f} s max {max(walls):.2f} s; "
          f"solver max {mx([f(r['solve_ms']) for r in rs], '{:.0f}')} ms; "
          f"RSS max {mx([f(r['rss_mib']) for r in rs], '{:.0f}')} MiB; "
          f"infeasible wall max {mx([f(r['wall_s']) for r in inf], '{:.2f}')} s")
PY
