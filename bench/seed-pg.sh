#!/usr/bin/env bash
# Benchmark: `quidditch db seed --scale N` on PostgreSQL against psql loading the same rows with
# `\copy … (format binary)` into the same schema in one transaction, in one run on this machine.
#
#   bench/seed-pg.sh [N] [RUNS]   defaults: N=1000000 players, RUNS=3 (medians are reported)
#
# Starts its own throwaway PostgreSQL cluster (as the tests do: initdb as `postgres`, a unix
# socket only, fsync off), stopped at exit. Both sides: TRUNCATE, the secondary indexes dropped,
# the rows loaded, the indexes built again, one commit. QUIDDITCH_BIN=PATH measures a binary
# already built instead of building the dist profile. Peak RSS of quidditch is read from
# getrusage (ru_maxrss) of the child process.
set -euo pipefail
cd "$(dirname "$0")/.."
players=${1:-1000000}
runs=${2:-3}

if [ -n "${QUIDDITCH_BIN:-}" ]; then
  bin=$QUIDDITCH_BIN
else
  # The dist profile (fat LTO, one codegen unit): what a distributed binary is built with.
  cargo build --profile dist --quiet
  bin=${CARGO_TARGET_DIR:-$PWD/target}/dist/quidditch
fi
pgbin=$(dirname "$(readlink -f "$(command -v initdb || ls /usr/lib/postgresql/*/bin/initdb | sort -V | tail -1)")")
[ -x "$pgbin/initdb" ] || { echo "no PostgreSQL server: apt-get install -y postgresql" >&2; exit 1; }
as_pg=()
[ "$(id -u)" = 0 ] && as_pg=(runuser -u postgres --)

work=$(mktemp -d)
[ "$(id -u)" = 0 ] && chown postgres "$work"
stop() {
  "${as_pg[@]}" "$pgbin/pg_ctl" -D "$work/data" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap stop EXIT
"${as_pg[@]}" "$pgbin/initdb" -D "$work/data" -U postgres --auth=trust --no-sync >/dev/null
"${as_pg[@]}" "$pgbin/pg_ctl" -D "$work/data" -l "$work/server.log" -w \
  -o "-k $work -c listen_addresses='' -c fsync=off" start >/dev/null
"${as_pg[@]}" "$pgbin/createdb" -h "$work" -U postgres bench
url="postgresql://postgres@/bench?host=$work"
psql=("${as_pg[@]}" "$pgbin/psql" -h "$work" -U postgres -d bench -X -q -v ON_ERROR_STOP=1)

# time_cmd OUT -- CMD...: run CMD, append "seconds peak_rss_kib" to OUT.
time_cmd() {
  local out=$1; shift; shift
  python3 - "$out" "$@" <<'PY'
import resource, subprocess, sys, time
out, cmd = sys.argv[1], sys.argv[2:]
t = time.perf_counter()
subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
dt = time.perf_counter() - t
rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
with open(out, "a") as f:
    f.write(f"{dt} {rss}\n")
PY
}

echo "generating the reference league ($players players) and its binary COPY export..." >&2
"$bin" --db "$url" db seed --scale "$players" --rng-seed 1 --replace >/dev/null
for t in teams players games staff; do
  "${psql[@]}" -c "\\copy $t to '$work/$t.bin' (format binary)"
done
rows=$("${psql[@]}" -At -c "SELECT (SELECT count(*) FROM teams)+(SELECT count(*) FROM players)+(SELECT count(*) FROM games)+(SELECT count(*) FROM staff)")
indexes="ix_players_team_id ON players (team_id)|ix_players_name ON players (name)|ix_games_child_id ON games (child_id)|ix_games_winner_id ON games (winner_id)|ix_games_loser_id ON games (loser_id)|ix_staff_team_id ON staff (team_id)"
{
  echo "BEGIN;"
  echo "TRUNCATE teams, players, games, staff;"
  echo "$indexes" | tr '|' '\n' | sed 's/^\([a-z_]*\) ON .*/DROP INDEX IF EXISTS \1;/'
  for t in teams players games staff; do echo "\\copy $t from '$work/$t.bin' (format binary)"; done
  echo "$indexes" | tr '|' '\n' | sed 's/^/CREATE INDEX /; s/$/;/'
  echo "COMMIT;"
} > "$work/load.sql"
chmod a+r "$work/load.sql"

for i in $(seq "$runs"); do
  time_cmd "$work/quidditch.times" -- "$bin" --db "$url" db seed --scale "$players" --rng-seed 1 --replace
  time_cmd "$work/psql.times" -- "${psql[@]}" -f "$work/load.sql"
  echo "run $i/$runs: quidditch $(tail -1 "$work/quidditch.times" | cut -d' ' -f1)s, psql $(tail -1 "$work/psql.times" | cut -d' ' -f1)s" >&2
done

# Same rows after both.
after=$("${psql[@]}" -At -c "SELECT (SELECT count(*) FROM teams)+(SELECT count(*) FROM players)+(SELECT count(*) FROM games)+(SELECT count(*) FROM staff)")
[ "$after" = "$rows" ] || { echo "row counts differ: quidditch $rows, psql $after" >&2; exit 1; }

python3 - "$work" "$rows" "$players" "$runs" <<'PY'
import statistics, sys
work, rows, players, runs = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
def load(name):
    return [tuple(map(float, l.split())) for l in open(f"{work}/{name}.times")]
q, p = load("quidditch"), load("psql")
qt, pt = statistics.median(t for t, _ in q), statistics.median(t for t, _ in p)
rss = max(r for _, r in q) / 1024
print(f"db seed --scale {players} on PostgreSQL: {rows} rows, median of {runs} runs")
print(f"  quidditch      {qt:8.2f} s  {rows/qt:12,.0f} rows/s  peak RSS {rss:.1f} MB")
print(f"  psql \\copy     {pt:8.2f} s  {rows/pt:12,.0f} rows/s")
print(f"  ratio (quidditch rows/s ÷ psql rows/s): {pt/qt:.2f}  (target >= 1.0, RSS <= 64 MB)")
PY
