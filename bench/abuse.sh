#!/usr/bin/env bash
# Normal traffic next to a bounded adversarial mix (issue 18). Not a test: run by hand.
#
#   bench/abuse.sh [DURATION_SECONDS] [HOSTILE_PER_SECOND]
#
# Builds the release binary (or takes BENCH_BIN), seeds a league of BENCH_SCALE players (default
# 300000), starts `quidditch serve` on a free 127.0.0.1 port with the shipped policies.toml and
# then, for DURATION seconds (default 30), drives it with wrk (getGame as the admin, 8
# connections) while a second client sends hostile documents anonymously at a fixed rate
# (default 20 per second, each on its own connection, round-robin over the shapes below).
# Reports normal traffic's p50/p99 alone and under the mix, what the hostile requests were
# answered, and the server's peak RSS (VmHWM). Only 127.0.0.1 traffic; every step is bounded in
# time and the server is stopped at the end. Targets: p99 <= 10 ms, peak RSS <= 100 MB.
#
# BENCH_PG=1 serves the league from a throwaway PostgreSQL cluster (bench/lib.sh's pg_start: a
# unix socket only, stopped at exit) instead of a SQLite file: the same load, the same targets.
#
# The shapes: 10,000 chained fragments (518 KB); a 26-level doubling fragment fan-out over
# GameObject and a 25-level one over root __typename (1 KB each); 25 aliased unpaged allPlayers;
# 2,000 aliases of __schema; 20,000 nested list brackets; the full introspection query.
set -euo pipefail
cd "$(dirname "$0")/.."

duration="${1:-30}"
rate="${2:-20}"
scale="${BENCH_SCALE:-300000}"
export QUIDDITCH_ADMIN_SECRET="bench-admin-secret"
export QUIDDITCH_POLICIES="$PWD/policies.toml"

. bench/lib.sh
need_tools wrk
command -v python3 >/dev/null || { echo "python3 is needed for the hostile client" >&2; exit 1; }

if [[ -n "${BENCH_BIN:-}" ]]; then
  bin="$BENCH_BIN"
else
  echo "== cargo build --release" >&2
  cargo build --release --quiet
  bin="$PWD/target/release/quidditch"
fi

server_pid=""
if [[ -n "${BENCH_PG:-}" ]]; then
  pg_start
  db="$url"
  backend="PostgreSQL"
else
  work="$(mktemp -d)"
  db="$work/abuse.db"
  backend="SQLite"
fi
cleanup() {
  if [[ -n "$server_pid" ]]; then
    kill -TERM "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
  fi
  if [[ -n "${BENCH_PG:-}" ]]; then pg_stop; else rm -rf "$work"; fi
}
trap cleanup EXIT

echo "== seeding a league of $scale players ($backend)" >&2
timeout 600 "$bin" --db "$db" db seed --scale "$scale" --rng-seed 1 >/dev/null

server_start "$db" "$work/serve.log"
server_pid=$started_pid
url=$started
[[ -n "$url" ]] || { echo "server did not start" >&2; cat "$work/serve.log" >&2; exit 1; }
echo "server $url on $backend (pid $server_pid)" >&2

cat >"$work/normal.lua" <<EOF
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["X-Quidditch-Admin-Secret"] = "$QUIDDITCH_ADMIN_SECRET"
wrk.body = [[{"query":"{ getGame(id: 8) { level winnerId loserId child { id level } } }"}]]
done = function(summary, latency, requests)
  io.write(string.format("RESULT %.0f %.3f %.3f %d %d\n",
    summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(99) / 1000,
    summary.errors.status, summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
end
EOF

# normal SECONDS NAME: getGame as the admin with wrk; prints one line.
normal() {
  local line
  line="$(timeout $(($1 + 30)) wrk -t1 -c8 -d"$1s" -s "$work/normal.lua" "$url" | grep '^RESULT')"
  read -r _ rps p50 p99 status_errors io_errors <<<"$line"
  printf '%-22s %8s req/s   p50 %6s ms   p99 %6s ms   non-2xx %s   socket errors %s\n' \
    "$2" "$rps" "$p50" "$p99" "$status_errors" "$io_errors"
}

# The hostile client: one shape every 1/RATE s, each on its own connection and thread, for
# DURATION s; then a count of the answers by shape and status.
cat >"$work/hostile.py" <<'PY'
import collections, http.client, json, sys, threading, time
from urllib.parse import urlparse

url, duration, rate = urlparse(sys.argv[1]), float(sys.argv[2]), float(sys.argv[3])

def chain(n):
    doc = "{ getGame(id: 1) { ...F0 } }\n"
    doc += "".join(f"fragment F{i} on GameObject {{ child {{ ...F{i + 1} }} }}\n" for i in range(n))
    return doc + f"fragment F{n} on GameObject {{ id }}\n"

def fan_out(levels, on, leaf, root):
    doc = "{ " + root.replace("ROOT", f"...F{levels}") + " }\n"
    doc += f"fragment F0 on {on} {{ {leaf} }}\n"
    return doc + "".join(f"fragment F{i} on {on} {{ ...F{i - 1} ...F{i - 1} }}\n" for i in range(1, levels + 1))

introspection = open(sys.argv[4]).read()
shapes = {
    "chain-10000": chain(10_000),
    "fan-out-26": fan_out(26, "GameObject", "id", "getGame(id: 1) { ROOT }"),
    "fan-out-25-typename": fan_out(25, "Query", "__typename", "ROOT"),
    "aliases-25-allPlayers": "{ " + " ".join(f"a{i}: allPlayers {{ edges {{ node {{ name }} }} }}" for i in range(25)) + " }",
    "aliases-2000-schema": "{ " + " ".join(f"s{i}: __schema {{ types {{ name }} }}" for i in range(2000)) + " }",
    "brackets-20000": "{ getPlayer(name: " + "[" * 20_000 + '"x"' + "]" * 20_000 + ") { id } }",
    "introspection": introspection,
}
bodies = [(name, json.dumps({"query": doc}).encode()) for name, doc in shapes.items()]
answers = collections.Counter()
slowest = collections.defaultdict(float)
lock = threading.Lock()

def send(name, body):
    started = time.monotonic()
    try:
        conn = http.client.HTTPConnection(url.hostname, url.port, timeout=30)
        conn.request("POST", url.path, body, {"Content-Type": "application/json"})
        response = conn.getresponse()
        text = response.read()
        code = ""
        try:
            errors = json.loads(text).get("errors") or []
            code = (errors[0].get("extensions") or {}).get("code", "error") if errors else "data"
        except ValueError:
            code = "not-json"
        outcome = f"{response.status} {code}"
        conn.close()
    except Exception as err:  # a dropped connection is what this bench looks for
        outcome = f"failed {type(err).__name__}"
    took = time.monotonic() - started
    with lock:
        answers[(name, outcome)] += 1
        slowest[name] = max(slowest[name], took)

threads = []
start = time.monotonic()
i = 0
while time.monotonic() - start < duration:
    name, body = bodies[i % len(bodies)]
    t = threading.Thread(target=send, args=(name, body), daemon=True)
    t.start()
    threads.append(t)
    i += 1
    time.sleep(max(0.0, start + i / rate - time.monotonic()))
for t in threads:
    t.join(timeout=35)
for (name, outcome), n in sorted(answers.items()):
    print(f"  {name:<24} {outcome:<28} x{n:<5} slowest {slowest[name] * 1000:8.1f} ms")
PY

# The full introspection query, as `quidditch schema pull` sends it.
python3 - "$work/introspection.graphql" <<'PY'
import sys
open(sys.argv[1], "w").write("""query IntrospectionQuery { __schema { queryType { name } mutationType { name }
  subscriptionType { name } types { ...FullType } directives { name description locations
  args { ...InputValue } } } }
fragment FullType on __Type { kind name description fields(includeDeprecated: true) { name
  description args { ...InputValue } type { ...TypeRef } isDeprecated deprecationReason }
  inputFields { ...InputValue } interfaces { ...TypeRef } enumValues(includeDeprecated: true) {
  name description isDeprecated deprecationReason } possibleTypes { ...TypeRef } }
fragment InputValue on __InputValue { name description type { ...TypeRef } defaultValue }
fragment TypeRef on __Type { kind name ofType { kind name ofType { kind name ofType { kind name
  ofType { kind name ofType { kind name ofType { kind name ofType { kind name } } } } } } } }""")
PY

echo "== normal traffic alone (10 s)"
normal 10 "getGame alone"
echo "== normal traffic under a hostile mix of $rate requests/s (${duration} s)"
timeout $((duration + 60)) python3 "$work/hostile.py" "$url" "$duration" "$rate" \
  "$work/introspection.graphql" >"$work/hostile.txt" &
hostile_pid=$!
normal "$duration" "getGame under abuse"
wait "$hostile_pid"
echo "hostile answers (shape, HTTP status and error code, count, slowest):"
cat "$work/hostile.txt"
if kill -0 "$server_pid" 2>/dev/null; then
  echo "server peak RSS: $(awk '/VmHWM/ {printf "%.1f MB", $2 / 1024}' "/proc/$server_pid/status")"
else
  echo "the server died:" >&2
  tail -5 "$work/serve.log" >&2
  exit 1
fi
echo "(targets: p99 <= 10 ms under abuse, peak RSS <= 100 MB)"
