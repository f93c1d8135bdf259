#!/usr/bin/env bash
# Benchmark: `quidditch db seed --scale N` on PostgreSQL against psql loading the same rows with
# `\copy … (format binary)` into the same schema in one transaction, in one run on this machine.
#
#   bench/seed-pg.sh [N] [RUNS]   defaults: N=1000000 players, RUNS=3 (medians are reported)
#
# Two psql peers, run alternately with quidditch:
# - `psql`: the issue's peer, `\copy` of each table into the schema as `db init` leaves it (its
#   keys and indexes in place), TRUNCATE first and the planner's statistics gathered after, one
#   commit: how an admin would load the rows with psql.
# - `psql-same`: psql taking every step quidditch takes: TRUNCATE, the secondary indexes and the
#   keys (primary and foreign, read from the catalogue) dropped, the rows loaded, the keys and
#   indexes made again (the foreign keys checked over the loaded rows), the statistics gathered,
#   one commit. Both then do the same server work; the ratio to it measures quidditch's side
#   (start, generating the rows, the protocol).
# Starts its own throwaway PostgreSQL cluster (as the tests do: initdb as `postgres`, a unix
# socket only, fsync off), stopped at exit. QUIDDITCH_BIN=PATH measures a binary already built
# instead of building the dist profile. Peak RSS of quidditch is read from getrusage (ru_maxrss)
# of the child process.
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
# The secondary indexes as quidditch made them, from the catalogue: psql-same drops and builds
# the same.
catalogue="FROM pg_indexes WHERE schemaname = 'public' AND indexname LIKE 'ix\\_%' ORDER BY indexname"
drops=$("${psql[@]}" -At -c "SELECT 'DROP INDEX IF EXISTS ' || indexname || ';' $catalogue")
creates=$("${psql[@]}" -At -c "SELECT indexdef || ';' $catalogue")
[ -n "$drops" ] || { echo "no secondary indexes found after quidditch's seed" >&2; exit 1; }
# And its keys: foreign keys dropped before primary keys, added back after them.
keys="FROM pg_constraint WHERE contype IN ('f', 'p') AND connamespace = 'public'::regnamespace"
key_drops=$("${psql[@]}" -At -c "SELECT format('ALTER TABLE %s DROP CONSTRAINT %I;', conrelid::regclass, conname) $keys ORDER BY contype, conname")
key_adds=$("${psql[@]}" -At -c "SELECT format('ALTER TABLE %s ADD CONSTRAINT %I %s;', conrelid::regclass, conname, pg_get_constraintdef(oid)) $keys AND contype = 'p' ORDER BY conname")
fkey_adds=$("${psql[@]}" -At -c "SELECT format('ALTER TABLE %s ADD CONSTRAINT %I %s;', conrelid::regclass, conname, pg_get_constraintdef(oid)) $keys AND contype = 'f' ORDER BY conname")
[ -n "$fkey_adds" ] || { echo "no foreign keys found after quidditch's seed" >&2; exit 1; }
copies() { for t in teams players games staff; do echo "\\copy $t from '$work/$t.bin' (format binary)"; done; }
{
  echo "BEGIN;"
  echo "TRUNCATE teams, players, games, staff;"
  copies
  echo "ANALYZE teams, players, games, staff;"
  echo "COMMIT;"
} > "$work/load.sql"
{
  echo "BEGIN;"
  echo "TRUNCATE teams, players, games, staff;"
  echo "$drops"
  echo "$key_drops"
  copies
  echo "$key_adds"
  echo "$creates"
  echo "$fkey_adds"
  echo "ANALYZE teams, players, games, staff;"
  echo "COMMIT;"
} > "$work/load-same.sql"
chmod a+r "$work/load.sql" "$work/load-same.sql"

secs() { tail -1 "$work/$1.times" | cut -d' ' -f1 | xargs printf '%.2f'; }
for i in $(seq "$runs"); do
  time_cmd "$work/quidditch.times" -- "$bin" --db "$url" db seed --scale "$players" --rng-seed 1 --replace
  time_cmd "$work/psql.times" -- "${psql[@]}" -f "$work/load.sql"
  time_cmd "$work/psql-same.times" -- "${psql[@]}" -f "$work/load-same.sql"
  echo "run $i/$runs: quidditch $(secs quidditch) s, psql $(secs psql) s, psql-same $(secs psql-same) s" >&2
done

# Same rows after both.
after=$("${psql[@]}" -At -c "SELECT (SELECT count(*) FROM teams)+(SELECT count(*) FROM players)+(SELECT count(*) FROM games)+(SELECT count(*) FROM staff)")
[ "$after" = "$rows" ] || { echo "row counts differ: quidditch $rows, psql $after" >&2; exit 1; }

seed_report "$work" "$rows" "db seed --scale $players on PostgreSQL" \
  psql "psql \\copy" psql-same "psql, same steps"
