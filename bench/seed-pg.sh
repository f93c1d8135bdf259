#!/usr/bin/env bash
# Benchmark: `quidditch db seed --scale N` on PostgreSQL against psql loading the same rows with
# `\copy … (format binary)` into the same schema in one transaction, in one run on this machine.
#
#   bench/seed-pg.sh [N] [RUNS]   defaults: N=1000000 players, RUNS=3 (medians are reported)
#
# Starts its own throwaway PostgreSQL cluster (as the tests do: initdb as `postgres`, a unix
# socket only, fsync off), stopped at exit. Both sides: TRUNCATE, the secondary indexes and the
# foreign keys dropped, the rows loaded, the indexes built again, the keys added back (checked
# over the loaded rows), the planner's statistics gathered, one commit.
# QUIDDITCH_BIN=PATH measures a binary already built instead of building the dist profile. Peak
# RSS of quidditch is read from getrusage (ru_maxrss) of the child process.
set -euo pipefail
cd "$(dirname "$0")/.."
players=${1:-1000000}
runs=${2:-3}

. bench/lib.sh
bin=$(bench_bin)
pg_start

echo "generating the reference league ($players players) and its binary COPY export..." >&2
"$bin" --db "$url" db seed --scale "$players" --rng-seed 1 --replace >/dev/null
for t in teams players games staff; do
  "${psql[@]}" -c "\\copy $t to '$work/$t.bin' (format binary)"
done
rows=$("${psql[@]}" -At -c "SELECT (SELECT count(*) FROM teams)+(SELECT count(*) FROM players)+(SELECT count(*) FROM games)+(SELECT count(*) FROM staff)")
# The secondary indexes as quidditch made them, from the catalogue: psql drops and builds the same.
catalogue="FROM pg_indexes WHERE schemaname = 'public' AND indexname LIKE 'ix\\_%' ORDER BY indexname"
drops=$("${psql[@]}" -At -c "SELECT 'DROP INDEX IF EXISTS ' || indexname || ';' $catalogue")
creates=$("${psql[@]}" -At -c "SELECT indexdef || ';' $catalogue")
[ -n "$drops" ] || { echo "no secondary indexes found after quidditch's seed" >&2; exit 1; }
# And its foreign keys: dropped before the load and added back after it, as quidditch does.
keys="FROM pg_constraint WHERE contype = 'f' AND connamespace = 'public'::regnamespace ORDER BY conname"
key_drops=$("${psql[@]}" -At -c "SELECT format('ALTER TABLE %s DROP CONSTRAINT %I;', conrelid::regclass, conname) $keys")
key_adds=$("${psql[@]}" -At -c "SELECT format('ALTER TABLE %s ADD CONSTRAINT %I %s;', conrelid::regclass, conname, pg_get_constraintdef(oid)) $keys")
[ -n "$key_drops" ] || { echo "no foreign keys found after quidditch's seed" >&2; exit 1; }
{
  echo "BEGIN;"
  echo "TRUNCATE teams, players, games, staff;"
  echo "$drops"
  echo "$key_drops"
  for t in teams players games staff; do echo "\\copy $t from '$work/$t.bin' (format binary)"; done
  echo "$creates"
  echo "$key_adds"
  echo "ANALYZE teams, players, games, staff;"
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

seed_report "$work" "$rows" "db seed --scale $players on PostgreSQL" psql "psql \\copy"
