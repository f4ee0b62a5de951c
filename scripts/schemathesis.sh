#!/usr/bin/env bash
# Property-based tests of the HTTP service against its own OpenAPI document, with schemathesis
# (pinned in scripts/py-requirements.txt, installed by scripts/py-env into target/py-venv).
#
#   scripts/schemathesis.sh [LPO_BINARY]     default target/debug/lpo; builds nothing itself
#
# Starts `LPO_BINARY serve` on a free loopback port with the bundled configuration (lpo.yaml),
# waits for GET /readyz, runs schemathesis for ${LPO_SCHEMATHESIS_SECS:-120} s against
# GET /openapi.json with the checks not_a_server_error and response_schema_conformance, stops
# the service, and prints the share of the schema-valid POST /v1/quote requests it sent that
# were answered 200 (counted from the VCR cassette of the run). Fails when schemathesis found a
# failure, or when fewer than ${LPO_SCHEMATHESIS_MIN_QUOTED:-50} % of those requests were 200.
#
# The run's files (cassette, service log) are left in target/schemathesis/.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

exe=${1:-target/debug/lpo}
secs=${LPO_SCHEMATHESIS_SECS:-120}
min_quoted=${LPO_SCHEMATHESIS_MIN_QUOTED:-50}
out=target/schemathesis

say() { echo "schemathesis.sh: $*" >&2; }
die() {
  say "error: $*"
  exit 1
}

[ -x "$exe" ] || die "$exe is not an executable (build it first: cargo build --bin lpo)"
py=$(scripts/py-env)
st="$(dirname "$py")/schemathesis"
[ -x "$st" ] || die "no schemathesis in $(dirname "$py") (is it in scripts/py-requirements.txt?)"

rm -rf "$out"
mkdir -p "$out"
# A generated optimisation may ask for up to --max-time-limit seconds of solving: 5 keeps the
# run's time for the other routes.
"$exe" serve --addr 127.0.0.1:0 --config lpo.yaml --max-time-limit 5 \
  >"$out/stdout" 2>"$out/server.log" &
pid=$!
stop() {
  kill -TERM "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}
trap stop EXIT

# The first line of the service's stdout is `listening on ADDR`.
addr=
for _ in $(seq 600); do
  addr=$(sed -n 's/^listening on //p' "$out/stdout")
  [ -n "$addr" ] && break
  kill -0 "$pid" 2>/dev/null || die "the service exited at start: $(tail -n 5 "$out/server.log")"
  sleep 0.1
done
[ -n "$addr" ] || die "the service printed no address within 60 s"
# Ready, then the document it serves (kept for counting the valid quote requests).
"$py" - "http://$addr" "$out/openapi.json" <<'EOF' || die "the service at $addr never became ready"
import sys, time, urllib.request
base, keep = sys.argv[1:]
for _ in range(600):
    try:
        with urllib.request.urlopen(base + "/readyz", timeout=5) as r:
            if r.status == 200:
                break
    except OSError:
        pass
    time.sleep(0.1)
else:
    sys.exit(1)
with urllib.request.urlopen(base + "/openapi.json", timeout=30) as r:
    open(keep, "wb").write(r.read())
EOF
say "service ready at $addr; schemathesis for $secs s"

status=0
"$st" run "http://$addr/openapi.json" \
  --checks not_a_server_error,response_schema_conformance \
  --max-time "$secs" \
  --workers 1 \
  --request-timeout 30 \
  --report vcr --report-vcr-path "$out/cassette.yaml" \
  || status=$?
stop
trap - EXIT

# The share of the POST /v1/quote requests whose body the document's own schema accepts that
# were answered 200.
measured=0
"$py" - "$out/cassette.yaml" "$out/openapi.json" "$min_quoted" <<'EOF' || measured=$?
import base64, json, sys, yaml, jsonschema

cassette, openapi, min_quoted = sys.argv[1:]
interactions = (yaml.safe_load(open(cassette)) or {}).get("http_interactions", [])
doc = json.load(open(openapi))
def body_of(part):
    b = part.get("body") or {}
    if "base64_string" in b:
        return base64.b64decode(b["base64_string"])
    return (b.get("string") or "").encode()

def to_json_schema(s):
    """OpenAPI 3.0 schema -> JSON Schema (draft 4): `nullable`, and refs to components."""
    if isinstance(s, list):
        return [to_json_schema(x) for x in s]
    if not isinstance(s, dict):
        return s
    s = {k: to_json_schema(v) for k, v in s.items()}
    if "$ref" in s:
        s["$ref"] = s["$ref"].replace("#/components/schemas/", "#/definitions/")
    if s.pop("nullable", False):
        return {"anyOf": [s, {"type": "null"}]}
    return s

valid = quoted = sent = 0
statuses = {}
defs = to_json_schema(doc["components"]["schemas"])
schema = {"$ref": "#/definitions/QuoteRequestJson", "definitions": defs}
# `format` (ship_date's `date`) is checked too.
validator = jsonschema.Draft4Validator(schema, format_checker=jsonschema.FormatChecker())
for it in interactions:
    rq = it["request"]
    if rq["method"] != "POST" or not rq["uri"].split("?")[0].endswith("/v1/quote"):
        continue
    sent += 1
    code = int(it["response"]["status"]["code"])
    try:
        ok = validator.is_valid(json.loads(body_of(rq)))
    except ValueError:
        ok = False
    if ok:
        valid += 1
        quoted += code == 200
        statuses[code] = statuses.get(code, 0) + 1
share = 100.0 * quoted / valid if valid else 0.0
print(f"POST /v1/quote: {sent} requests, {valid} valid by the schema, {quoted} of those answered 200 "
      f"({share:.1f} %); statuses of the valid ones: {dict(sorted(statuses.items()))}")
if share < float(min_quoted):
    print(f"schemathesis.sh: error: fewer than {min_quoted} % of the valid quote requests were answered 200",
          file=sys.stderr)
    sys.exit(1)
EOF

[ "$status" = 0 ] || die "schemathesis found failures (exit $status); the service's log is $out/server.log"
[ "$measured" = 0 ] || die "cannot count the answered quote requests, or too few were answered 200"
say "no failures"
