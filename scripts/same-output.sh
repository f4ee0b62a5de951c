#!/usr/bin/env bash
# Proof that a refactor kept every user-visible output byte-identical: two `lpo` binaries run the
# same commands on the same inputs, and every output (files, stdout, stderr, exit code) is
# compared with `cmp`.
#
#   scripts/same-output.sh BASE NEW [--size N]
#
#   scripts/same-output.sh HEAD target/release/lpo            # the last commit vs the working tree's build
#   scripts/same-output.sh origin/main HEAD --size 20000
#   scripts/same-output.sh /tmp/lpo-old /tmp/lpo-new
#
# BASE and NEW are each an executable `lpo` binary or a git revision. A revision is checked out
# with `git worktree add` into the temporary folder and built there with `cargo build --release
# -q`, CARGO_TARGET_DIR being this repository's `target/` so the dependencies are shared (note:
# that leaves the revision's build in target/release; the next `cargo build` here rebuilds). The
# worktrees are removed at the end. `--size N` (default 100000) is the number of generated orders.
#
# Both binaries run from the repository root with the configuration in use here (`lpo.yaml`), so
# the comparison is of the programs, not of their configurations. Every output of a side is
# written to the same path ($TMP/run, moved to $TMP/base or $TMP/new afterwards), so paths
# printed in messages are identical too. Compared:
#   - `lpo --version` and `--help` of every subcommand;
#   - `lpo gen-orders` (--seed 7, the seed the bench constraints are sized for; fixed --date, and
#     a small file without --date). The orders the optimisations use are generated once by BASE;
#   - `lpo optimise` on examples/orders.csv, examples/orders-with-errors.csv and the generated
#     file: --greedy (plan, options, HTML report; the other strategies on the sample), global with
#     the bundled constraints (plan, options, JSON report, HTML report) and global with the bench
#     constraints (benches/constraints/day-100k.yaml, or day-1m.yaml from 1,000,000 orders, and
#     day-100k-kg.yaml). Always with --date, --solver-threads 1 and --time-limit 3600 (so the load
#     of the machine cannot end a search early). Infeasible runs (exit 4) compare their exit code
#     and error text;
#   - `lpo check` of every plan produced, and of a deliberately wrong plan;
#   - `lpo quote` (flags, --input file, --input - from stdin, an invalid request; text and --json);
#   - `lpo explain` (an order of the sample by --order-id, and one by flags; text and --json);
#   - `lpo validate` (human, json, --deny-warnings) on the bundled config and on a copy with a
#     broken rule file and a broken rate CSV;
#   - `lpo test` (all cases, --filter, and a copy of the config where one case fails);
#   - `lpo diff` between the bundled config and a copy with one rate changed, in every --format
#     (plus its HTML report, a --greedy run and a run on the generated orders);
#   - `lpo schema` of every kind `lpo schema --help` lists.
#
# Normalisations (applied to both sides alike; the raw files are kept):
#   - stderr (*.err): lines starting with `time:` are deleted, every `<number> ms` becomes `N ms`
#     and every ` in <number> s` becomes ` in N s` (solver, validate and diff timings):
#       sed -E -e '/^time:/d' -e 's/[0-9][0-9.,]* ms\b/N ms/g' -e 's/ in [0-9][0-9.]* s\b/ in N s/g'
#   - JSON solver reports (*.report.json) and `lpo diff --format json` output (diff-*json.out):
#     the value of every `"time_ms"` key is replaced by "<stripped>" (in the text, so the rest of
#     the formatting is compared as written).
#   - HTML reports hold no timings (two runs are byte-identical) and are compared raw.
#
# Prints `same  <name>` or `DIFFER <name>` (with the first differing lines) per output; exits 1
# when something differs, keeping the temporary folder (its path is printed).
set -euo pipefail

usage() {
  echo "usage: scripts/same-output.sh BASE NEW [--size N]   (BASE, NEW: an lpo binary or a git revision)" >&2
  exit 2
}

size=100000
args=()
while [ $# -gt 0 ]; do
  case "$1" in
    --size) [ $# -ge 2 ] || usage; size=$2; shift 2 ;;
    --size=*) size=${1#--size=}; shift ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) args+=("$1"); shift ;;
  esac
done
[ ${#args[@]} -eq 2 ] || usage
case "$size" in ''|*[!0-9]*) echo "--size wants a number, got '$size'" >&2; exit 2 ;; esac

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/same-output.XXXXXX")
worktrees=()
keep=0 # set while the sides run and when something differs: the outputs are then kept
cleanup() {
  local wt
  for wt in "${worktrees[@]}"; do
    git -C "$root" worktree remove --force "$wt" 2>/dev/null || true
  done
  if [ "$keep" = 1 ]; then
    echo "outputs kept in $tmp" >&2
  else
    rm -rf "$tmp"
  fi
}
trap cleanup EXIT

# binary SIDE SPEC: copies (or builds and copies) the binary to $tmp/bin/SIDE/lpo, so that both
# sides are called `lpo` (clap prints the program name) and a later build cannot replace it.
binary() {
  local side=$1 spec=$2 dest=$tmp/bin/$1
  mkdir -p "$dest"
  if [ -f "$spec" ] && [ -x "$spec" ]; then
    cp "$spec" "$dest/lpo"
    echo "$side: binary $spec"
    return
  fi
  local rev
  rev=$(git rev-parse --verify --quiet "$spec^{commit}") ||
    { echo "$side: '$spec' is neither an executable file nor a git revision" >&2; exit 2; }
  local wt=$tmp/wt-$side
  git worktree add --detach -q "$wt" "$rev"
  worktrees+=("$wt")
  echo "$side: building revision $spec ($rev)"
  (cd "$wt" && CARGO_TARGET_DIR="$root/target" cargo build --release -q)
  cp "$root/target/release/lpo" "$dest/lpo"
}
binary base "${args[0]}"
binary new "${args[1]}"
BASE=$tmp/bin/base/lpo
NEW=$tmp/bin/new/lpo

date=2026-11-26
seed=7
in=$tmp/in # inputs shared by both sides
mkdir -p "$in"

# --- shared inputs ---------------------------------------------------------------------------
"$BASE" gen-orders --count "$size" --seed "$seed" --date "$date" --out "$in/orders-gen.csv" 2>/dev/null
if [ "$size" -ge 1000000 ]; then bench=benches/constraints/day-1m.yaml; else bench=benches/constraints/day-100k.yaml; fi
bench_kg=benches/constraints/day-100k-kg.yaml

copy_config() { mkdir -p "$1" && cp -r lpo.yaml data rules constraints "$1/"; }
# must_change FILE BEFORE: fails when an edit left FILE as it was (the bundled data changed).
must_change() { if cmp -s "$1" "$2"; then echo "edit of $1 changed nothing; update $0" >&2; exit 2; fi; }

# One rate changed: the first 1-5 kg line of Australia Post Parcel Post, basic 8.60 -> 7.10.
rate=data/carriers/rates/auspost-parcel-post-2026-07-01.csv
copy_config "$in/cfg-rate"
sed -i '0,/^SYD_METRO,SYD_METRO,2,1,5,8\.60,/s//SYD_METRO,SYD_METRO,2,1,5,7.10,/' "$in/cfg-rate/$rate"
must_change "$in/cfg-rate/$rate" "$rate"

# Broken: a misspelt key in a rule file and a cell that is not a number in a rate CSV.
copy_config "$in/cfg-broken"
sed -i '0,/^    when:$/s//    whne:/' "$in/cfg-broken/rules/30-costs.yaml"
must_change "$in/cfg-broken/rules/30-costs.yaml" rules/30-costs.yaml
sed -i '3s/,8\.95,/,8.9x5,/' "$in/cfg-broken/$rate"
must_change "$in/cfg-broken/$rate" "$rate"

# A rule example case that fails: heavy freight to Perth is expected with TNT instead of Allied.
copy_config "$in/cfg-case"
sed -i 's/expect: { carrier: allied, service: road, rule: heavy-to-wa-by-allied }/expect: { carrier: tnt, service: road_express }/' \
  "$in/cfg-case/rules/30-costs.yaml"
must_change "$in/cfg-case/rules/30-costs.yaml" rules/30-costs.yaml

# A wrong plan: the per-order plan of the sample with the first allocated row's total raised by
# 1.00 and the second allocated row's carrier replaced.
"$BASE" optimise --orders examples/orders.csv --out "$in/plan-sample.csv" --date "$date" --greedy -q || true
python3 - "$in/plan-sample.csv" "$in/plan-wrong.csv" <<'PY'
import csv, sys
rows = list(csv.reader(open(sys.argv[1], newline="")))
head, body = rows[0], rows[1:]
st, total, carrier = head.index("status"), head.index("total"), head.index("carrier")
allocated = [r for r in body if r[st] == "allocated"]
allocated[0][total] = f"{float(allocated[0][total]) + 1:.2f}"
allocated[1][carrier] = "tnt" if allocated[1][carrier] != "tnt" else "aramex"
with open(sys.argv[2], "w", newline="") as f:
    csv.writer(f, lineterminator="\n").writerows(rows)
PY

# --- one side --------------------------------------------------------------------------------
run=$tmp/run
# x NAME CMD...: runs CMD from the repository root; stdout, stderr and exit code to run/NAME.*
x() {
  local name=$1 rc=0
  shift
  "$@" >"$run/$name.out" 2>"$run/$name.err" </dev/null || rc=$?
  echo "$rc" >"$run/$name.rc"
}
# xin NAME FILE CMD...: the same with FILE on stdin.
xin() {
  local name=$1 file=$2 rc=0
  shift 2
  "$@" >"$run/$name.out" 2>"$run/$name.err" <"$file" || rc=$?
  echo "$rc" >"$run/$name.rc"
}

side() {
  local name=$1 L=$2 o=$run
  rm -rf "$run"
  mkdir -p "$run"
  echo "running $name…"
  local g=(--date "$date" --solver-threads 1 --time-limit 3600)

  # help and version
  x version "$L" --version
  x help "$L" --help
  local cmd
  for cmd in $("$BASE" --help | sed -n '/^Commands:/,/^$/s/^  \([a-z][a-z-]*\) .*/\1/p'); do
    [ "$cmd" = help ] || x "help-$cmd" "$L" "$cmd" --help
  done

  # gen-orders
  x gen-orders "$L" gen-orders --count "$size" --seed "$seed" --date "$date" --out "$o/gen-orders.csv"
  x gen-orders-nodate "$L" gen-orders --count 500 --seed 3 --out "$o/gen-orders-nodate.csv"

  # optimise: the sample
  local s=examples/orders.csv
  x opt-sample-greedy "$L" optimise --orders "$s" --greedy "${g[@]}" \
    --out "$o/opt-sample-greedy.plan.csv" --options-out "$o/opt-sample-greedy.options.csv" --report "$o/opt-sample-greedy.report.html"
  x opt-sample-greedy-jsonreport "$L" optimise --orders "$s" --greedy "${g[@]}" \
    --out "$o/opt-sample-greedy-jsonreport.plan.csv" --report "$o/opt-sample-greedy-jsonreport.report.json"
  x opt-sample-fastest "$L" optimise --orders "$s" --greedy --strategy fastest "${g[@]}" --out "$o/opt-sample-fastest.plan.csv"
  x opt-sample-best-value "$L" optimise --orders "$s" --greedy --strategy best_value --within-days 2 "${g[@]}" \
    --out "$o/opt-sample-best-value.plan.csv"
  x opt-sample-global "$L" optimise --orders "$s" "${g[@]}" \
    --out "$o/opt-sample-global.plan.csv" --options-out "$o/opt-sample-global.options.csv" --report "$o/opt-sample-global.report.json"
  x opt-sample-global-html "$L" optimise --orders "$s" "${g[@]}" \
    --out "$o/opt-sample-global-html.plan.csv" --report "$o/opt-sample-global-html.report.html"
  x opt-errors-greedy "$L" optimise --orders examples/orders-with-errors.csv --greedy "${g[@]}" \
    --out "$o/opt-errors-greedy.plan.csv" --options-out "$o/opt-errors-greedy.options.csv"
  x opt-errors-global "$L" optimise --orders examples/orders-with-errors.csv "${g[@]}" \
    --out "$o/opt-errors-global.plan.csv" --report "$o/opt-errors-global.report.json"

  # optimise: the generated orders
  local n=$in/orders-gen.csv
  x opt-gen-greedy "$L" optimise --orders "$n" --greedy "${g[@]}" \
    --out "$o/opt-gen-greedy.plan.csv" --options-out "$o/opt-gen-greedy.options.csv" --report "$o/opt-gen-greedy.report.html"
  x opt-gen-global "$L" optimise --orders "$n" "${g[@]}" \
    --out "$o/opt-gen-global.plan.csv" --options-out "$o/opt-gen-global.options.csv" --report "$o/opt-gen-global.report.json"
  x opt-gen-global-html "$L" optimise --orders "$n" "${g[@]}" \
    --out "$o/opt-gen-global-html.plan.csv" --report "$o/opt-gen-global-html.report.html"
  x opt-gen-bench "$L" optimise --orders "$n" --constraints "$bench" "${g[@]}" \
    --out "$o/opt-gen-bench.plan.csv" --report "$o/opt-gen-bench.report.json"
  x opt-gen-bench-html "$L" optimise --orders "$n" --constraints "$bench" "${g[@]}" \
    --out "$o/opt-gen-bench-html.plan.csv" --report "$o/opt-gen-bench-html.report.html"
  x opt-gen-bench-kg "$L" optimise --orders "$n" --constraints "$bench_kg" "${g[@]}" \
    --out "$o/opt-gen-bench-kg.plan.csv" --report "$o/opt-gen-bench-kg.report.json"

  # check every plan (a missing plan, after exit 4, gives the same error on both sides)
  x check-sample-greedy "$L" check --orders "$s" --plan "$o/opt-sample-greedy.plan.csv" --no-constraints --date "$date"
  x check-sample-fastest "$L" check --orders "$s" --plan "$o/opt-sample-fastest.plan.csv" --no-constraints --date "$date"
  x check-sample-best-value "$L" check --orders "$s" --plan "$o/opt-sample-best-value.plan.csv" --no-constraints --date "$date"
  x check-sample-global "$L" check --orders "$s" --plan "$o/opt-sample-global.plan.csv" --date "$date"
  x check-errors-greedy "$L" check --orders examples/orders-with-errors.csv --plan "$o/opt-errors-greedy.plan.csv" \
    --no-constraints --date "$date"
  x check-gen-greedy "$L" check --orders "$n" --plan "$o/opt-gen-greedy.plan.csv" --no-constraints --date "$date"
  x check-gen-global "$L" check --orders "$n" --plan "$o/opt-gen-global.plan.csv" --date "$date"
  x check-gen-bench "$L" check --orders "$n" --plan "$o/opt-gen-bench.plan.csv" --constraints "$bench" --date "$date"
  x check-gen-bench-kg "$L" check --orders "$n" --plan "$o/opt-gen-bench-kg.plan.csv" --constraints "$bench_kg" --date "$date"
  x check-wrong "$L" check --orders "$s" --plan "$in/plan-wrong.csv" --no-constraints --date "$date"
  x check-wrong-constraints "$L" check --orders "$s" --plan "$in/plan-wrong.csv" --date "$date" --max-problems 3

  # quote
  x quote-input-json "$L" quote --input examples/quote.json --json
  x quote-input-text "$L" quote --input examples/quote.json
  xin quote-stdin-json examples/quote.json "$L" quote --input - --json
  x quote-sydney-json "$L" quote --to-postcode 2000 --weight-kg 1.2 --dims-cm 20x15x10 --date "$date" --json
  x quote-sydney-text "$L" quote --to-postcode 2000 --weight-kg 1.2 --dims-cm 20x15x10 --date "$date"
  x quote-perth-heavy-json "$L" quote --to-postcode 6000 --to-suburb PERTH --to-state WA --weight-kg 35 --dims-cm 60x40x40 \
    --from syd,mel --business --declared-value 900 --date "$date" --json
  x quote-two-parcels-express-json "$L" quote --to-postcode 4825 --weight-kg 2 --dims-cm 30x20x10 --weight-kg 0.4 --dims-cm 15x10x5 \
    --service-level express --signature --date "$date" --json
  x quote-dangerous-fastest-json "$L" quote --to-postcode 2480 --to-suburb LISMORE --weight-kg 3 --dims-cm 30x30x30 \
    --dangerous-goods --strategy fastest --date "$date" --json
  x quote-best-value-json "$L" quote --to-postcode 3000 --weight-kg 5 --dims-cm 40x30x20 --strategy best_value --within-days 2 \
    --date "$date" --json
  x quote-bad-postcode "$L" quote --to-postcode 99 --weight-kg 1 --dims-cm 10x10x10 --date "$date" --json

  # explain
  x explain-order "$L" explain --orders "$s" --order-id ORD-000001 --date "$date"
  x explain-order-json "$L" explain --orders "$s" --order-id ORD-000001 --date "$date" --json
  x explain-flags "$L" explain --to-postcode 4825 --weight-kg 2 --dims-cm 30x20x10 --from syd --date "$date"
  x explain-input-json "$L" explain --input examples/quote.json --json
  x explain-missing-order "$L" explain --orders "$s" --order-id NO-SUCH-ORDER --date "$date"

  # validate
  x validate "$L" validate
  x validate-json "$L" validate --format json
  x validate-deny-warnings "$L" validate --deny-warnings
  x validate-broken "$L" validate --config "$in/cfg-broken/lpo.yaml"
  x validate-broken-json "$L" validate --config "$in/cfg-broken/lpo.yaml" --format json
  x optimise-broken "$L" optimise --config "$in/cfg-broken/lpo.yaml" --orders "$s" "${g[@]}" --out "$o/optimise-broken.plan.csv"

  # test
  x test "$L" test
  x test-filter "$L" test --filter Lismore
  x test-failing "$L" test --config "$in/cfg-case/lpo.yaml"

  # diff: the bundled config against one rate changed, in every format
  local f
  for f in $("$BASE" diff --help | sed -n 's/.*--format.*\[possible values: \(.*\)\]/\1/p' | tr -d ','); do
    x "diff-$f" "$L" diff --base . --head "$in/cfg-rate" --orders "$s" --date "$date" --format "$f"
  done
  x diff-report "$L" diff --base . --head "$in/cfg-rate" --orders "$s" --date "$date" --report "$o/diff-report.report.html" \
    --out "$o/diff-report.text"
  x diff-greedy "$L" diff --base . --head "$in/cfg-rate" --orders "$s" --date "$date" --greedy --top 5
  x diff-gen-greedy-json "$L" diff --base . --head "$in/cfg-rate" --orders "$n" --date "$date" --greedy --format json
  x diff-same "$L" diff --base . --head . --orders "$s" --date "$date" --greedy

  # schema
  local k
  for k in $("$BASE" schema --help | sed -n 's/^ *- \([a-z][a-z-]*\): .*/\1/p'); do
    x "schema-$k" "$L" schema "$k"
  done

  mv "$run" "$tmp/$name"
}

keep=1
side base "$BASE"
side new "$NEW"

# --- compare ---------------------------------------------------------------------------------
norm() { # norm SIDE FILE: the file to compare (normalised when its kind needs it)
  local src=$tmp/$1/$2 dst=$tmp/norm/$1/$2
  case "$2" in
    *.err)
      mkdir -p "$tmp/norm/$1"
      sed -E -e '/^time:/d' -e 's/[0-9][0-9.,]* ms\b/N ms/g' -e 's/ in [0-9][0-9.]* s\b/ in N s/g' "$src" >"$dst"
      echo "$dst" ;;
    *.report.json|diff-*json.out)
      mkdir -p "$tmp/norm/$1"
      python3 - "$src" "$dst" <<'PY'
import json, re, sys
text = open(sys.argv[1], encoding="utf-8").read()
try:
    json.loads(text)
except ValueError:
    open(sys.argv[2], "w", encoding="utf-8").write(text)  # not JSON (an error): compared as it is
    sys.exit()
out, pos, dec = [], 0, json.JSONDecoder()
for m in re.finditer(r'"time_ms"\s*:\s*', text):
    if m.start() < pos:
        continue
    _, end = dec.raw_decode(text, m.end())
    out += [text[pos:m.end()], '"<stripped>"']
    pos = end
out.append(text[pos:])
open(sys.argv[2], "w", encoding="utf-8").write("".join(out))
PY
      echo "$dst" ;;
    *) echo "$src" ;;
  esac
}

differ=0
count=0
while IFS= read -r f; do
  count=$((count + 1))
  a=$tmp/base/$f
  b=$tmp/new/$f
  label=$f
  if [ ! -e "$a" ] || [ ! -e "$b" ]; then
    differ=$((differ + 1))
    printf 'DIFFER %s (only in %s)\n' "$f" "$([ -e "$a" ] && echo base || echo new)"
    continue
  fi
  case "$f" in
    *.rc) label="$f (exit $(cat "$a")$(cmp -s "$a" "$b" || echo " vs $(cat "$b")"))" ;;
  esac
  na=$(norm base "$f")
  nb=$(norm new "$f")
  if cmp -s "$na" "$nb"; then
    printf 'same   %s\n' "$label"
  else
    differ=$((differ + 1))
    printf 'DIFFER %s\n' "$label"
    { diff -- "$na" "$nb" || true; } | head -n 20 | sed 's/^/    /' || true
  fi
done < <( (cd "$tmp/base" && find . -type f; cd "$tmp/new" && find . -type f) | sed 's|^\./||' | sort -u)

if [ "$differ" -eq 0 ]; then
  keep=0
  echo "all $count outputs the same (orders: $size, seed $seed, date $date)"
else
  echo "$differ of $count outputs differ"
  exit 1
fi
