#!/usr/bin/env bash
# Benchmark: `quidditch authz export` of a synthetic league: rows read per second, tuples
# written, and peak RSS (`/usr/bin/time -v`), for one engine's files.
#
#   bench/export.sh [N] [ENGINE]      defaults: N=1000000 players, ENGINE=openfga (or spicedb)
#
# CHANGES=1 then changes the league (three players change team and year, two games their
# winner, one player's year) and times `authz export --changes-since` against the first export.
#
# BENCH_PG=1 also seeds the same league into a throwaway PostgreSQL cluster (bench/lib.sh's
# pg_start: a unix socket only, stopped at exit) and times the same export from it, in the same
# run; its files must be byte for byte those of the SQLite export.
#
# BENCH_BIN=PATH measures that binary instead of building the dist profile (fat LTO), which is
# what the figures in the README are taken with unless they say otherwise.
set -euo pipefail
cd "$(dirname "$0")/.."
players=${1:-1000000}
engine=${2:-openfga}

command -v sqlite3 >/dev/null || { apt-get update -qq && apt-get install -y -qq sqlite3; }
if [ -n "${BENCH_BIN:-}" ]; then
  bin=$BENCH_BIN
else
  cargo build --profile dist --quiet
  bin=${CARGO_TARGET_DIR:-$PWD/target}/dist/quidditch
fi
if [ -n "${BENCH_PG:-}" ]; then
  . bench/lib.sh
  pg_start
else
  work=$(mktemp -d)
  trap 'rm -rf "$work"' EXIT
fi

echo "seeding a league of $players players..." >&2
"$bin" --db "$work/q.db" db seed --scale "$players" --rng-seed 1 >/dev/null
rows=$(sqlite3 "$work/q.db" "SELECT (SELECT count(*) FROM teams) + (SELECT count(*) FROM players) + (SELECT count(*) FROM games) + (SELECT count(*) FROM staff)")

# export DB OUT LABEL: times one export of DB into OUT and prints its line.
export_from() {
  /usr/bin/time -v -o "$work/time.txt" \
    "$bin" --db "$1" --format json authz export --to "$engine" --out "$2" \
    --policies policies.toml > "$2.json"
  seconds=$(python3 -c '
import re, sys
t = open(sys.argv[1]).read()
m = re.search(r"Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): (?:(\d+):)?(\d+):([\d.]+)", t)
h, mnt, s = m.groups()
print(int(h or 0) * 3600 + int(mnt) * 60 + float(s))' "$work/time.txt")
  rss_kib=$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$work/time.txt")
  tuples=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["tuples"])' "$2.json")
  bytes=$(du -sb "$2" | cut -f1)
  python3 - "$players" "$engine" "$rows" "$tuples" "$seconds" "$rss_kib" "$bytes" "$3" <<'PY'
import sys
players, engine, rows, tuples, seconds, rss, size, label = sys.argv[1:]
rows, tuples, seconds, rss, size = int(rows), int(tuples), float(seconds), int(rss), int(size)
print(f"authz export --to {engine} from {label}, league of {players} players: {rows:,} rows, {tuples:,} tuples, {size / 1e6:.1f} MB written")
print(f"  {seconds:.2f} s   {rows / seconds:,.0f} rows/s   {tuples / seconds:,.0f} tuples/s   peak RSS {rss / 1024:.1f} MB  (target <= 64 MB)")
PY
}

export_from "$work/q.db" "$work/out" SQLite
if [ -n "${BENCH_PG:-}" ]; then
  echo "seeding the same league into PostgreSQL..." >&2
  "$bin" --db "$url" db seed --scale "$players" --rng-seed 1 >/dev/null
  export_from "$url" "$work/out-pg" PostgreSQL
  diff -r "$work/out" "$work/out-pg" >/dev/null \
    || { echo "the PostgreSQL export differs from the SQLite one" >&2; exit 1; }
  echo "  (the two exports are byte for byte the same)"
fi

if [ -n "${CHANGES:-}" ]; then
  sqlite3 "$work/q.db" "UPDATE players SET team_id = 2, year = 5 WHERE id IN (1, 500, 77777);
    UPDATE games SET winner_id = 3 WHERE id IN (8, 900); UPDATE players SET year = 1 WHERE id = 4242;"
  /usr/bin/time -v -o "$work/time.txt" \
    "$bin" --db "$work/q.db" --format json authz export --to "$engine" --out "$work/after" \
    --changes-since "$work/out" --policies policies.toml > "$work/after.json"
  python3 - "$work/time.txt" "$work/after.json" <<'PY'
import json, re, sys
t = open(sys.argv[1]).read()
h, mnt, s = re.search(r"Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): (?:(\d+):)?(\d+):([\d.]+)", t).groups()
seconds = int(h or 0) * 3600 + int(mnt) * 60 + float(s)
rss = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", t).group(1))
c = json.load(open(sys.argv[2]))["changes"]
print(f"  --changes-since: {seconds:.2f} s (the export included)   {c['writes']} writes, {c['deletes']} deletes   peak RSS {rss / 1024:.1f} MB")
PY
fi
