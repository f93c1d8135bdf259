#!/usr/bin/env bash
# User-space instructions per request of `quidditch serve`, counted by callgrind. Not a test: run
# by hand. Unlike req/s on this shared machine, the count is the same from run to run for the same
# binary and request, so it tells changes of a few percent apart.
#
#   bench/instructions.sh [REQUESTS] BIN...
#
# For each BIN: seeds the tutorial's league, starts BIN serve (one worker) under valgrind's
# callgrind on a free 127.0.0.1 port, warms it up with 300 requests, then counts the instructions
# of REQUESTS more (default 1000), sent one after another on one keep-alive connection, and prints
# the count per request. The kernel's share (TCP, locks) is not counted. BENCH_BODY replaces the
# request body (default: getGame as the admin). BENCH_POLICIES names a policy file every BIN
# reads (an older build may not know the current keys), BENCH_SEEDER a seed file. BENCH_KEEP=DIR keeps each profile there, as
# DIR/N.callgrind for the Nth BIN, for `callgrind_annotate --inclusive=yes DIR/1.callgrind`.
# BENCH_AS picks the credential: `admin` (default, the admin secret), `hs256` (a token minted by
# `authz token` for Zacharias Smith) or `jwks` (the same subject in an RS256 token signed with
# the test-only key of tests/fixtures/jwks, the server started with `--jwks-file`).
# BENCH_SERVE_ARGS adds arguments to `serve` (split on spaces; `@WORK` is the run's temporary
# directory), e.g. BENCH_SERVE_ARGS='--decision-log @WORK/decisions.jsonl'.
set -euo pipefail
cd "$(dirname "$0")/.."

requests="${1:-1000}"
shift || true
[[ $# -ge 1 ]] || { echo "usage: bench/instructions.sh [REQUESTS] BIN..." >&2; exit 2; }
command -v valgrind >/dev/null || { echo "valgrind is needed (apt-get install valgrind)" >&2; exit 1; }
default_body='{"query":"{ getGame(id: 8) { level winnerId loserId child { id level } } }"}'
export BENCH_BODY="${BENCH_BODY:-$default_body}"
export QUIDDITCH_ADMIN_SECRET="bench-admin-secret"
export QUIDDITCH_POLICIES="${BENCH_POLICIES:-$PWD/policies.toml}"
export QUIDDITCH_JWT_SECRET="bench-jwt-secret-of-32-bytes-xx"
as="${BENCH_AS:-admin}"
case "$as" in
  admin | hs256 | jwks) ;;
  *) echo "BENCH_AS: \`$as\` is not one of admin, hs256, jwks" >&2; exit 2 ;;
esac

work="$(mktemp -d)"
pid=""
cleanup() {
  if [[ -n "$pid" ]]; then
    kill -TERM "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT

# send URL N: N requests on one keep-alive connection, each checked for HTTP 200.
send() {
  timeout 600 python3 - "$1" "$2" <<'PY'
import http.client, os, sys, urllib.parse
url, n = urllib.parse.urlparse(sys.argv[1]), int(sys.argv[2])
conn = http.client.HTTPConnection(url.hostname, url.port, timeout=60)
name, _, value = os.environ["BENCH_HEADER"].partition(": ")
headers = {"Content-Type": "application/json", name: value}
for _ in range(n):
    conn.request("POST", url.path, os.environ["BENCH_BODY"].encode(), headers)
    reply = conn.getresponse()
    body = reply.read()
    if reply.status != 200:
        sys.exit(f"HTTP {reply.status}: {body[:200]!r}")
PY
}

b64url() { openssl base64 -A | tr '+/' '-_' | tr -d '='; }

# credential BIN: sets BENCH_HEADER and the extra `serve` arguments for $as.
credential() {
  local bin="$1" sub now header payload signature
  case "$as" in
    admin)
      export BENCH_HEADER="X-Quidditch-Admin-Secret: $QUIDDITCH_ADMIN_SECRET"
      ;;
    hs256)
      export BENCH_HEADER="Authorization: Bearer $("$bin" --db "$work/bench.db" authz token --user "Zacharias Smith" --ttl 1h)"
      ;;
    jwks)
      sub="$("$bin" --db "$work/bench.db" --format json authz token --user "Zacharias Smith" \
        | python3 -c 'import json, sys; print(json.load(sys.stdin)["claims"]["sub"])')"
      now="$(date +%s)"
      header="$(printf '{"alg":"RS256","typ":"JWT","kid":"rsa-a"}' | b64url)"
      payload="$(printf '{"sub":"%s","iat":%d,"exp":%d}' "$sub" "$now" "$((now + 3600))" | b64url)"
      signature="$(printf '%s.%s' "$header" "$payload" \
        | openssl dgst -sha256 -sign tests/fixtures/jwks/rsa-a.pem -binary | b64url)"
      printf '{"keys":[%s]}' "$(cat tests/fixtures/jwks/rsa-a.jwk.json)" >"$work/jwks.json"
      export BENCH_HEADER="Authorization: Bearer $header.$payload.$signature"
      extra+=(--jwks-file "$work/jwks.json")
      ;;
  esac
}

n=0
for bin in "$@"; do
  n=$((n + 1))
  rm -rf "$work"/*
  "$bin" --db "$work/bench.db" db seed --file "${BENCH_SEEDER:-seeder.toml}" >/dev/null
  extra=()
  for arg in ${BENCH_SERVE_ARGS:-}; do
    extra+=("${arg//@WORK/$work}")
  done
  credential "$bin"
  unset_secret=()
  [[ "$as" == jwks ]] && unset_secret=(-u QUIDDITCH_JWT_SECRET)
  env ${unset_secret[@]+"${unset_secret[@]}"} \
    valgrind --tool=callgrind --callgrind-out-file="$work/callgrind.out" \
    "$bin" --db "$work/bench.db" serve --bind 127.0.0.1:0 --workers 1 ${extra[@]+"${extra[@]}"} 2>"$work/serve.log" &
  pid=$!
  for _ in $(seq 1 300); do
    grep -q "listening on" "$work/serve.log" 2>/dev/null && break
    sleep 0.1
  done
  url="$(sed -n 's/.*listening on //p' "$work/serve.log" | head -n1)"
  [[ -n "$url" ]] || { echo "$bin: server did not start" >&2; cat "$work/serve.log" >&2; exit 1; }
  send "$url" 300
  callgrind_control --zero "$pid" >/dev/null
  send "$url" "$requests"
  callgrind_control --dump "$pid" >/dev/null
  kill -TERM "$pid"
  wait "$pid" 2>/dev/null || true
  pid=""
  total="$(awk '/^(summary|totals):/ { print $2; exit }' "$work"/callgrind.out.1)"
  printf '%s: %s instructions per request (%s requests)\n' "$bin" "$((total / requests))" "$requests"
  if [[ -n "${BENCH_KEEP:-}" ]]; then
    mkdir -p "$BENCH_KEEP"
    cp "$work/callgrind.out.1" "$BENCH_KEEP/$n.callgrind"
  fi
done
