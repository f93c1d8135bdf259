#!/usr/bin/env bash
# Benchmark: `quidditch db seed --scale N` against the sqlite3 shell importing the same rows
# from CSV inside one transaction (`.import`), in one run on this machine.
#
#   bench/seed.sh [N] [RUNS]      defaults: N=1000000 players, RUNS=3 (medians are reported)
#
# Both sides write into a file created by `quidditch db init` (same tables, same indexes, WAL).
# The sqlite3 shell runs with its defaults (foreign keys off); quidditch keeps foreign keys on.
# Peak RSS of quidditch is read from getrusage (ru_maxrss) of the child process. QUIDDITCH_BIN=PATH
# measures a binary already built instead of building the dist profile.
set -euo pipefail
cd "$(dirname "$0")/.."
players=${1:-1000000}
runs=${2:-3}

command -v sqlite3 >/dev/null || { apt-get update -qq && apt-get install -y -qq sqlite3; }
. bench/lib.sh
bin=$(bench_bin)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

echo "generating the reference league ($players players) and its CSV export..." >&2
"$bin" --db "$work/ref.db" db seed --scale "$players" --rng-seed 1 >/dev/null
for t in teams players games staff; do
  sqlite3 -csv "$work/ref.db" "SELECT * FROM $t ORDER BY id" > "$work/$t.csv"
done
rows=$(cat "$work"/{teams,players,games,staff}.csv | wc -l)
cat > "$work/import.sql" <<SQL
.mode csv
BEGIN;
.import $work/teams.csv teams
.import $work/players.csv players
.import $work/games.csv games
.import $work/staff.csv staff
COMMIT;
SQL

for i in $(seq "$runs"); do
  rm -f "$work"/q.db* "$work"/s.db*
  time_cmd "$work/quidditch.times" -- "$bin" --db "$work/q.db" db seed --scale "$players" --rng-seed 1
  "$bin" --db "$work/s.db" db init >/dev/null
  time_cmd "$work/sqlite3.times" -- sh -c "sqlite3 '$work/s.db' < '$work/import.sql'"
  echo "run $i/$runs: quidditch $(tail -1 "$work/quidditch.times" | cut -d' ' -f1)s, sqlite3 $(tail -1 "$work/sqlite3.times" | cut -d' ' -f1)s" >&2
done

# Same rows on both sides.
a=$(sqlite3 "$work/q.db" "SELECT (SELECT count(*) FROM teams)+(SELECT count(*) FROM players)+(SELECT count(*) FROM games)+(SELECT count(*) FROM staff)")
b=$(sqlite3 "$work/s.db" "SELECT (SELECT count(*) FROM teams)+(SELECT count(*) FROM players)+(SELECT count(*) FROM games)+(SELECT count(*) FROM staff)")
[ "$a" = "$b" ] && [ "$a" = "$rows" ] || { echo "row counts differ: quidditch $a, sqlite3 $b, csv $rows" >&2; exit 1; }

seed_report "$work" "$rows" "db seed --scale $players" sqlite3 "sqlite3 import"
