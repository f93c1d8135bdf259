#!/usr/bin/env bash
# Benchmark: the slowest requests of two `quidditch serve` on one PostgreSQL database.
#
#   bench/tail-pg.sh [RUNS] [DURATION_SECONDS] [BACKEND]   defaults: 40 runs of 5 s, postgres
#
# Seeds the tutorial's league into a throwaway PostgreSQL cluster (as bench/serve-pg.sh: a unix
# socket only, fsync off; stopped at exit), or into a SQLite file with BACKEND=sqlite, starts two
# servers on it and loads both at once, RUNS times: two wrk processes (one thread, 8
# connections each, getGame as the admin). Prints each run's worst request and p99 (of the two
# servers' wrk reports), then how many runs had a request of 100 ms or more and of 1 s or more,
# and wrk's timeouts (2 s). A short read on PostgreSQL waits on its async worker, so a backend
# slow to answer stalls the other connections that worker serves: this is where that shows.
# The scheduler's grouping of processes by session (`kernel.sched_autogroup_enabled`) is
# printed, since each PostgreSQL backend is a session of its own (see the README).
# QUIDDITCH_BIN=PATH measures a binary already built instead of building the dist profile.
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-40}
duration=${2:-5}
backend=${3:-postgres}

. bench/lib.sh
need_tools wrk
bin=$(bench_bin)
case "$backend" in
  postgres) pg_start ;;
  sqlite)
    work=$(mktemp -d)
    url="$work/league.db"
    pg_stop() { rm -rf "$work"; }
    trap pg_stop EXIT
    ;;
  *) echo "BACKEND is postgres or sqlite, not \`$backend\`" >&2; exit 64 ;;
esac
export QUIDDITCH_ADMIN_SECRET="bench-admin-secret"
export QUIDDITCH_POLICIES="$PWD/policies.toml"
"$bin" --db "$url" db seed --file seeder.toml >/dev/null

trap 'servers_stop; pg_stop' EXIT
server_start "$url" "$work/a.log"; a=$started
server_start "$url" "$work/b.log"; b=$started
[[ -n "$a" && -n "$b" ]] || { cat "$work"/*.log >&2; exit 1; }

# wrk's report, reduced to one line: worst and p99 latency in ms, timeouts, req/s.
cat >"$work/g.lua" <<'EOF'
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["X-Quidditch-Admin-Secret"] = "bench-admin-secret"
wrk.body = [[{"query":"{ getGame(id: 8) { level winnerId loserId child { id level } } }"}]]
done = function(summary, latency, requests)
  io.write(string.format("RESULT %.1f %.1f %d %.0f\n", latency.max / 1000,
    latency:percentile(99) / 1000, summary.errors.timeout,
    summary.requests / (summary.duration / 1e6)))
end
EOF

echo "kernel.sched_autogroup_enabled = $(cat /proc/sys/kernel/sched_autogroup_enabled 2>/dev/null || echo '?')"
echo "run  worst ms   p99 ms  timeouts  req/s (two servers on $backend, getGame)"
over_100=0 over_1s=0 timeouts=0
for i in $(seq 1 "$runs"); do
  timeout $((duration + 30)) wrk -t1 -c8 -d"${duration}s" -s "$work/g.lua" "$a" >"$work/wa" &
  timeout $((duration + 30)) wrk -t1 -c8 -d"${duration}s" -s "$work/g.lua" "$b" >"$work/wb"
  wait $!
  read -r _ max_a p99_a to_a rps_a < <(grep '^RESULT' "$work/wa")
  read -r _ max_b p99_b to_b rps_b < <(grep '^RESULT' "$work/wb")
  worst=$(awk -v x="$max_a" -v y="$max_b" 'BEGIN { print (x > y ? x : y) }')
  p99=$(awk -v x="$p99_a" -v y="$p99_b" 'BEGIN { print (x > y ? x : y) }')
  printf '%3d %9.1f %8.1f %9d %6.0f\n' "$i" "$worst" "$p99" $((to_a + to_b)) \
    "$(awk -v x="$rps_a" -v y="$rps_b" 'BEGIN { print x + y }')"
  awk -v w="$worst" 'BEGIN { exit !(w >= 100) }' && over_100=$((over_100 + 1))
  awk -v w="$worst" 'BEGIN { exit !(w >= 1000) }' && over_1s=$((over_1s + 1))
  timeouts=$((timeouts + to_a + to_b))
done
echo "runs with a request of 100 ms or more: $over_100 of $runs; of 1 s or more: $over_1s; wrk timeouts (2 s): $timeouts"
