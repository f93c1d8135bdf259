#!/usr/bin/env bash
# Benchmark: `quidditch serve` on PostgreSQL next to SQLite, in one run on this machine.
#
#   bench/serve-pg.sh [DURATION_SECONDS] [ROUNDS] [SCALE]   defaults: 5 s, 3 rounds, 1000000
#
# Seeds the tutorial's league into a SQLite file and into a throwaway PostgreSQL cluster (started
# here as the tests do: a unix socket only, fsync off; stopped at exit), starts one server on
# each, and drives them with wrk (one thread, 16 connections, the requests of bench/serve.sh):
# getGame and allPlayers, as the admin and as a player (a bearer token for Zacharias Smith, whose
# team won game 8: rows filtered in SQL, fields checked). The backends alternate, ROUNDS times;
# medians are reported. Target: getGame on PostgreSQL >= 40% of SQLite's req/s.
#
# Then two servers on the one PostgreSQL database, loaded together (two wrk processes of 8
# connections each, one per server), against one server loaded with 16: target >= 1.5x. The
# load generator, both servers and PostgreSQL share this machine's cores, so this bounds what a
# second server adds from above by what the cores left to it can do, not by the design: once
# one server keeps the cores busy, a second one only shares them. So the same pair is measured
# again with one worker each (`--workers 1`), where one server leaves cores idle: what a second
# server adds when there is room for it.
#
# Also per round, on each backend: a server just started, and getGame as the admin from 1000
# clients at once (wrk -c1000; "1000 new, first" below), then from 1000 new clients on the
# same server ("then"): many more than PostgreSQL's pool of 16 connections, so requests wait
# for one. Requests past wrk's 2 s timeout are counted and reported, not fatal, with the
# server's threads at the end of each run.
#
# Last, a league of SCALE players (0 skips it) seeded into both, and the first page of a filtered
# list (`allGames(first: 10)` as a player) timed with curl, 50 requests each: median and p90.
# QUIDDITCH_BIN=PATH measures a binary already built instead of building the dist profile.
# BENCH_PG_CPUS=LIST runs the cluster on those CPUs only (bench/lib.sh), the servers and wrk
# anywhere: PostgreSQL with a core of its own, as on a database host.
set -euo pipefail
cd "$(dirname "$0")/.."
duration=${1:-5}
rounds=${2:-3}
scale=${3:-1000000}

. bench/lib.sh
need_tools wrk
bin=$(bench_bin)
pg_start
export QUIDDITCH_ADMIN_SECRET="bench-admin-secret"
export QUIDDITCH_JWT_SECRET="bench-jwt-secret-of-32-bytes-xx"
export QUIDDITCH_POLICIES="$PWD/policies.toml"
file="$work/league.db"
"$bin" --db "$file" db seed --file seeder.toml >/dev/null
"$bin" --db "$url" db seed --file seeder.toml >/dev/null

trap 'servers_stop; pg_stop' EXIT

server_start "$file" "$work/sqlite.log"; sqlite_url=$started
server_start "$url" "$work/pg.log"; pg_url=$started
server_start "$url" "$work/pg2.log"; pg2_url=$started
server_start "$url" "$work/pg-1w.log" --workers 1; pg_1w_url=$started
server_start "$url" "$work/pg2-1w.log" --workers 1; pg2_1w_url=$started
[[ -n "$sqlite_url" && -n "$pg_url" && -n "$pg2_url" && -n "$pg_1w_url" && -n "$pg2_1w_url" ]] ||
  { cat "$work"/*.log >&2; exit 1; }

admin="X-Quidditch-Admin-Secret: $QUIDDITCH_ADMIN_SECRET"
player="Authorization: Bearer $("$bin" --db "$file" authz token --user "Zacharias Smith" --ttl 1h)"
get_game='{"query":"{ getGame(id: 8) { level winnerId loserId child { id level } } }"}'
all_players='{"query":"{ allPlayers { edges { node { name position teamName { name rank } } } } }"}'

# lua NAME BODY HEADER: the wrk script sending BODY with HEADER.
lua() {
  cat >"$work/$1.lua" <<EOF
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["${3%%: *}"] = "${3#*: }"
wrk.body = [[$2]]
done = function(summary, latency, requests)
  io.write(string.format("RESULT %.0f %d\n", summary.requests / (summary.duration / 1e6),
    summary.errors.status + summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
end
EOF
}

# load SCRIPT URL CONNECTIONS: req/s. Errors are fatal, shown with wrk's report (which kind:
# non-2xx, connect, read, write, timeout) and the servers' logs, which go with the cluster.
load() {
  local out line rps errors
  out=$(timeout $((duration + 30)) wrk -t1 -c"$3" -d"${duration}s" -s "$work/$1.lua" "$2")
  line=$(grep '^RESULT' <<<"$out")
  read -r _ rps errors <<<"$line"
  [[ "$errors" == 0 ]] || {
    echo "$1 on $2: $errors errors" >&2
    echo "$out" >&2
    tail -n 20 "$work"/*.log >&2
    exit 1
  }
  echo "$rps"
}

# crowd DB: a server started on DB, then 1000 clients at once (wrk -c1000) for the run, and
# 1000 new clients for a second run: many more than PostgreSQL's pool of 16 connections, so
# requests wait for one, as after a restart under load. Prints, for each run, req/s, wrk's
# errors (requests past its 2 s timeout: counted, not fatal) and the server's threads at its end.
crowd() {
  local out line pid
  server_start "$1" "$work/crowd.log"
  pid=$started_pid
  [[ -n "$started" ]] || { cat "$work/crowd.log" >&2; exit 1; }
  for _ in 1 2; do
    out=$(timeout $((duration + 30)) wrk -t1 -c1000 -d"${duration}s" -s "$work/getGame.lua" "$started")
    line=$(grep '^RESULT' <<<"$out") || {
      echo "wrk gave no result with 1000 clients on $1:" >&2
      echo "$out" >&2
      kill -TERM "$pid"
      exit 1
    }
    echo -n "${line#RESULT } $(ls "/proc/$pid/task" | wc -l) "
  done
  echo
  kill -TERM "$pid"
  wait "$pid" 2>/dev/null || true
}

cases=("getGame|$get_game|$admin" "getGame-player|$get_game|$player"
       "allPlayers|$all_players|$admin" "allPlayers-player|$all_players|$player")
for c in "${cases[@]}"; do
  IFS='|' read -r name body header <<<"$c"
  lua "$name" "$body" "$header"
  # The same answer from both backends before any load.
  a=$(curl -sf "$sqlite_url" -H 'content-type: application/json' -H "$header" -d "$body")
  b=$(curl -sf "$pg_url" -H 'content-type: application/json' -H "$header" -d "$body")
  [[ "$a" == "$b" && "$a" == *'"data"'* && "$a" != *'"errors"'* ]] || { echo "$name: $a | $b" >&2; exit 1; }
done

: >"$work/results"
for round in $(seq 1 "$rounds"); do
  echo "round $round/$rounds" >&2
  for c in "${cases[@]}"; do
    IFS='|' read -r name _ _ <<<"$c"
    echo "$name sqlite $(load "$name" "$sqlite_url" 16)" >>"$work/results"
    echo "$name postgres $(load "$name" "$pg_url" 16)" >>"$work/results"
  done
  # A crowd: 1000 clients at once, on a server just started.
  for backend in sqlite pg; do
    [[ $backend == sqlite ]] && db=$file || db=$url
    read -r rps errors threads rps2 errors2 threads2 <<<"$(crowd "$db")"
    [[ -n "$threads2" ]] || exit 1
    echo "getGame-1000-first ${backend/pg/postgres} $rps" >>"$work/results"
    echo "getGame-1000-then ${backend/pg/postgres} $rps2" >>"$work/results"
    echo "$errors $threads $errors2 $threads2" >>"$work/crowd-$backend"
  done
  # Two servers on the one database, loaded together, next to one.
  echo "getGame-one-server postgres $(load getGame "$pg_url" 16)" >>"$work/results"
  load getGame "$pg_url" 8 >"$work/two-a" &
  load getGame "$pg2_url" 8 >"$work/two-b"
  wait %%
  echo "getGame-two-servers postgres $(($(cat "$work/two-a") + $(cat "$work/two-b")))" >>"$work/results"
  echo "getGame-one-server-1w postgres $(load getGame "$pg_1w_url" 16)" >>"$work/results"
  load getGame "$pg_1w_url" 8 >"$work/two-a" &
  load getGame "$pg2_1w_url" 8 >"$work/two-b"
  wait %%
  echo "getGame-two-servers-1w postgres $(($(cat "$work/two-a") + $(cat "$work/two-b")))" >>"$work/results"
done

python3 - "$work/results" "$work" <<'PY'
import collections, os, statistics, sys
runs = collections.defaultdict(list)
for line in open(sys.argv[1]):
    name, backend, rps = line.split()
    runs[(name, backend)].append(float(rps))
med = {k: statistics.median(v) for k, v in runs.items()}
pinned = os.environ.get("BENCH_PG_CPUS")
where = f", PostgreSQL on CPU {pinned} only" if pinned else ""
print(f"req/s, median of {len(next(iter(runs.values())))} rounds (wrk -t1 -c16{where})")
print(f"  {'request':<20}{'SQLite':>10}{'PostgreSQL':>12}{'PG/SQLite':>11}")
for name in ["getGame", "getGame-player", "allPlayers", "allPlayers-player"]:
    s, p = med[(name, "sqlite")], med[(name, "postgres")]
    print(f"  {name:<20}{s:>10,.0f}{p:>12,.0f}{p / s:>10.0%}")
one, two = med[("getGame-one-server", "postgres")], med[("getGame-two-servers", "postgres")]
crowd = {b: [tuple(map(int, l.split())) for l in open(f"{sys.argv[2]}/crowd-{b}")]
         for b in ["sqlite", "pg"]}
for run, label in [("first", "1000 new, first"), ("then", "1000 new, then")]:
    s, p = med[(f"getGame-1000-{run}", "sqlite")], med[(f"getGame-1000-{run}", "postgres")]
    print(f"  {label:<20}{s:>10,.0f}{p:>12,.0f}{p / s:>10.0%}")
for b, label in [("sqlite", "SQLite"), ("pg", "PostgreSQL")]:
    rows = crowd[b]
    print(f"    {label}, 1000 clients: requests past wrk's 2 s timeout in all rounds, first "
          f"{sum(r[0] for r in rows)}, then {sum(r[2] for r in rows)}; the server's threads at "
          f"the end of each, at most: {max(r[1] for r in rows)}, {max(r[3] for r in rows)}")
print(f"  getGame on PostgreSQL >= 40% of SQLite: "
      f"{med[('getGame', 'postgres')] / med[('getGame', 'sqlite')]:.0%}")
print(f"  two servers on one PostgreSQL database: {two:,.0f} req/s together, one: {one:,.0f} "
      f"({two / one:.2f}x, target >= 1.5x)")
one, two = med[("getGame-one-server-1w", "postgres")], med[("getGame-two-servers-1w", "postgres")]
print(f"  the same with one worker each: {two:,.0f} req/s together, one: {one:,.0f} "
      f"({two / one:.2f}x)")
PY

[[ "$scale" == 0 ]] && exit 0
servers_stop
echo "seeding $scale players into SQLite and PostgreSQL..." >&2
"$bin" --db "$file" db seed --scale "$scale" --rng-seed 1 --replace >/dev/null
"$bin" --db "$url" db seed --scale "$scale" --rng-seed 1 --replace >/dev/null
server_start "$file" "$work/sqlite-big.log"; sqlite_url=$started
server_start "$url" "$work/pg-big.log"; pg_url=$started
player="Authorization: Bearer $("$bin" --db "$file" authz token --user player:1 --ttl 1h)"
page='{"query":"{ allGames(first: 10) { edges { node { id level winnerId } } } }"}'
for backend in sqlite pg; do
  target=${backend}_url
  curl -sf "${!target}" -H 'content-type: application/json' -H "$player" -d "$page" >"$work/page-$backend"
  for _ in $(seq 1 50); do
    curl -sf -o /dev/null -w '%{time_total}\n' "${!target}" -H 'content-type: application/json' \
      -H "$player" -d "$page"
  done >"$work/times-$backend"
done
cmp -s "$work/page-sqlite" "$work/page-pg" || { echo "the first pages differ" >&2; exit 1; }
python3 - "$work" "$scale" <<'PY'
import statistics, sys
work, scale = sys.argv[1], sys.argv[2]
print(f"first page of allGames(first: 10) as player:1, league of {scale} players, 50 requests")
for backend, label in [("sqlite", "SQLite"), ("pg", "PostgreSQL")]:
    t = sorted(float(x) * 1000 for x in open(f"{work}/times-{backend}"))
    print(f"  {label:<11} median {statistics.median(t):7.2f} ms   p90 {t[int(len(t) * 0.9)]:7.2f} ms")
PY
