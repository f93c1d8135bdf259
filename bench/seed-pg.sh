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

. bench/lib.sh
bin=$(bench_bin)
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
{
  echo "BEGIN;"
  echo "TRUNCATE teams, players, games, staff;"
  echo "$drops"
  for t in teams players games staff; do echo "\\copy $t from '$work/$t.bin' (format binary)"; done
  echo "$creates"
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
