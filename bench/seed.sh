#!/usr/bin/env bash
# Benchmark: `quidditch db seed --scale N` against the sqlite3 shell importing the same rows
# from CSV inside one transaction (`.import`), in one run on this machine.
#
#   bench/seed.sh [N] [RUNS]      defaults: N=1000000 players, RUNS=3 (medians are reported)
#
# Both sides write into a file created by `quidditch db init` (same tables, same indexes, WAL).
# The sqlite3 shell runs with its defaults (foreign keys off); quidditch keeps foreign keys on.
# Peak RSS of quidditch is read from getrusage (ru_maxrss) of the child process.
set -euo pipefail
cd "$(dirname "$0")/.."
players=${1:-1000000}
runs=${2:-3}

command -v sqlite3 >/dev/null || { apt-get update -qq && apt-get install -y -qq sqlite3; }
# The dist profile (fat LTO, one codegen unit): what a distributed binary is built with.
cargo build --profile dist --quiet
bin=${CARGO_TARGET_DIR:-$PWD/target}/dist/quidditch
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

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

python3 - "$work" "$rows" "$players" "$runs" <<'PY'
import statistics, sys
work, rows, players, runs = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
def load(name):
    return [tuple(map(float, l.split())) for l in open(f"{work}/{name}.times")]
q, s = load("quidditch"), load("sqlite3")
qt, st = statistics.median(t for t, _ in q), statistics.median(t for t, _ in s)
rss = max(r for _, r in q) / 1024
print(f"db seed --scale {players}: {rows} rows, median of {runs} runs")
print(f"  quidditch      {qt:8.2f} s  {rows/qt:12,.0f} rows/s  peak RSS {rss:.1f} MB")
print(f"  sqlite3 import {st:8.2f} s  {rows/st:12,.0f} rows/s")
print(f"  ratio (quidditch rows/s ÷ sqlite3 rows/s): {st/qt:.2f}  (target >= 1.0, RSS <= 64 MB)")
PY
