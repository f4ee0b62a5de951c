#!/usr/bin/env bash
# Runs one cargo-fuzz target (fuzz/fuzz_targets/) for a number of seconds, starting from the
# committed seeds (fuzz/seeds/TARGET) and a working corpus kept under target/fuzz/ (never in git).
# A crash leaves its input in target/fuzz/artifacts/TARGET/ and exits non-zero.
#
#   scripts/fuzz.sh TARGET [SECONDS] [more libFuzzer flags]     e.g. scripts/fuzz.sh orders_csv 60
#   scripts/fuzz.sh --list
#
# cargo-fuzz needs a nightly compiler's flags; the machine has one stable toolchain, so the build
# runs with RUSTC_BOOTSTRAP=1 (as rust-fuzz's own CI and many projects do on stable). LPO's crates
# forbid unsafe code, so the targets are built without AddressSanitizer (--sanitizer none): the
# invariants are checked by the targets' own assertions, with debug assertions on.
set -euo pipefail
cd "$(dirname "$0")/.."
targets=(orders_csv config quote_request plan)
if [[ "${1:-}" == "--list" ]]; then printf '%s\n' "${targets[@]}"; exit 0; fi
t=${1:?usage: scripts/fuzz.sh TARGET [SECONDS] [libFuzzer flags]}
secs=${2:-60}
shift $(( $# >= 2 ? 2 : 1 ))
if ! cargo fuzz --version >/dev/null 2>&1; then
  echo "installing cargo-fuzz 0.13.2 from crates.io" >&2
  timeout 900 cargo install -q cargo-fuzz --version 0.13.2 --locked
fi
export RUSTC_BOOTSTRAP=1
corpus=target/fuzz/corpus/$t
artifacts=target/fuzz/artifacts/$t
mkdir -p "$corpus" "$artifacts"
# The config target's inputs are whole configurations; the others' are one file or request.
case $t in
  config) max_len=262144 ;;
  *) max_len=16384 ;;
esac
cargo fuzz build --fuzz-dir fuzz -O -a --sanitizer none "$t"
exec cargo fuzz run --fuzz-dir fuzz -O -a --sanitizer none "$t" "$corpus" "fuzz/seeds/$t" -- \
  -max_total_time="$secs" -max_len="$max_len" -rss_limit_mb=2048 -timeout=20 \
  -artifact_prefix="$artifacts/" -print_final_stats=1 "$@"
