#!/usr/bin/env bash
# Compares builds of `quidditch serve` on one query, alternating them so that a noisy, shared
# machine weighs on each alike. Not a test: run by hand.
#
#   bench/compare.sh [ROUNDS] [SECONDS] BIN...
#
# Seeds the tutorial's league, then ROUNDS times (default 8) starts each BIN in turn on a free
# port and drives it with wrk (BENCH_WRK_THREADS threads, default 1 as in serve.sh; 16
# connections; SECONDS each, default 3) on getGame
# as the admin. Reports per binary the median and best req/s and the server's CPU time per
# request (user + system, from /proc), which varies less than req/s between runs.
# BENCH_BODY replaces the request body. Keep copies of the binaries to compare, e.g.
# (built with `cargo build --profile dist`, as serve.sh does):
#   cp target/dist/quidditch /tmp/before   (then build the change)
#   bench/compare.sh 8 3 /tmp/before target/dist/quidditch
set -euo pipefail
cd "$(dirname "$0")/.."

rounds="${1:-8}"
seconds="${2:-3}"
shift 2 || { echo "usage: bench/compare.sh ROUNDS SECONDS BIN..." >&2; exit 2; }
[[ $# -ge 1 ]] || { echo "usage: bench/compare.sh ROUNDS SECONDS BIN..." >&2; exit 2; }
default_body='{"query":"{ getGame(id: 8) { level winnerId loserId child { id level } } }"}'
body="${BENCH_BODY:-$default_body}"
export QUIDDITCH_ADMIN_SECRET="bench-admin-secret"
# BENCH_POLICIES: a policy file every build reads (an older build may not know the current keys);
# BENCH_SEEDER: the seed file the first BIN seeds the league from (default seeder.toml).
export QUIDDITCH_POLICIES="${BENCH_POLICIES:-$PWD/policies.toml}"
command -v wrk >/dev/null || { echo "wrk is needed (apt-get install wrk)" >&2; exit 1; }

work="$(mktemp -d)"
pid=""
cleanup() {
  [[ -n "$pid" ]] && kill -TERM "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT
"$1" --db "$work/bench.db" db seed --file "${BENCH_SEEDER:-seeder.toml}" >/dev/null
cat >"$work/q.lua" <<LUA
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["X-Quidditch-Admin-Secret"] = "$QUIDDITCH_ADMIN_SECRET"
wrk.body = [[$body]]
LUA

cpu() { awk '{print $14 + $15}' "/proc/$1/stat"; }
for _ in $(seq 1 "$rounds"); do
  for bin in "$@"; do
    "$bin" --db "$work/bench.db" serve --bind 127.0.0.1:0 2>"$work/log" &
    pid=$!
    for _ in $(seq 1 100); do grep -q "listening on" "$work/log" && break; sleep 0.02; done
    url="$(sed -n 's/^listening on //p' "$work/log")"
    answer="$(curl -sf "$url" -H 'content-type: application/json' \
      -H "X-Quidditch-Admin-Secret: $QUIDDITCH_ADMIN_SECRET" -d "$body")" || answer=""
    if ! grep -q '"data"' <<<"$answer" || grep -q '"errors"' <<<"$answer"; then
      echo "$bin: bad answer: $answer" >&2
      exit 1
    fi
    before="$(cpu "$pid")"
    out="$(timeout $((seconds + 30)) wrk -t"${BENCH_WRK_THREADS:-1}" -c16 -d"${seconds}s" -s "$work/q.lua" "$url")"
    after="$(cpu "$pid")"
    kill -TERM "$pid"; wait "$pid" 2>/dev/null || true; pid=""
    rps="$(awk '/Requests\/sec/ {print $2}' <<<"$out")"
    n="$(awk '/requests in/ {print $1}' <<<"$out")"
    ticks="$(getconf CLK_TCK)"
    echo "$bin $rps $(( (after - before) * 1000000 / ticks / n ))" >>"$work/results"
  done
done
python3 - "$work/results" <<'PY'
import collections, statistics, sys
runs = collections.defaultdict(list)
for line in open(sys.argv[1]):
    name, rps, cpu = line.split()
    runs[name].append((float(rps), int(cpu)))
for name, v in runs.items():
    rps = [r for r, _ in v]; cpu = [c for _, c in v]
    print(f"{name}: req/s median {statistics.median(rps):,.0f} best {max(rps):,.0f}; "
          f"server CPU per request median {statistics.median(cpu)} us, least {min(cpu)} us "
          f"({len(v)} runs)")
PY
