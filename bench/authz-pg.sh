#!/usr/bin/env bash
# Benchmark: the `authz` questions on PostgreSQL next to SQLite, on the same synthetic league, in
# one run on this machine.
#
#   bench/authz-pg.sh [N] [RUNS]   defaults: N=1000000 players, RUNS=5 (medians are reported)
#
# Seeds `--scale N --rng-seed 1` into a SQLite file and into a throwaway PostgreSQL cluster
# (started here as the tests do: a unix socket only, fsync off; stopped at exit), then times,
# alternating the backends, three commands on each: the reverse lookup (`authz explain --user`
# of a player whose team lost the league's middle final: every row it may act on, per type), the subject lookup
# (`authz who-can --action read --resource` that final) and one check of the same request. Each
# figure is a whole process: start, policy load and schema check, the answer. The answers of the
# two backends are compared first (they must be equal). QUIDDITCH_BIN=PATH measures a binary
# already built instead of building the dist profile.
set -euo pipefail
cd "$(dirname "$0")/.."
players=${1:-1000000}
runs=${2:-5}

. bench/lib.sh
bin=$(bench_bin)
pg_start
file="$work/league.db"

echo "seeding $players players into SQLite and PostgreSQL..." >&2
"$bin" --db "$file" db seed --scale "$players" --rng-seed 1 >/dev/null
"$bin" --db "$url" db seed --scale "$players" --rng-seed 1 --replace >/dev/null

# The middle final (a game without a child), and a player of the team that lost it.
read -r final team < <(sqlite3 -separator ' ' "$file" \
  "SELECT id, loser_id FROM games WHERE child_id IS NULL ORDER BY id LIMIT 1 \
   OFFSET (SELECT count(*) / 2 FROM games WHERE child_id IS NULL)")
player=$(sqlite3 "$file" "SELECT id FROM players WHERE team_id = $team AND position <> 'Captain' LIMIT 1")
policies="$PWD/policies.toml"
questions=(
  "reverse lookup (explain --user player:$player)|authz explain --user player:$player"
  "subject lookup (who-can read game:$final)|authz who-can --action read --resource game:$final"
  "check (player:$player read game:$final)|authz check --user player:$player --action read --resource game:$final"
)

for q in "${questions[@]}"; do
  args=${q#*|}
  # shellcheck disable=SC2086
  a=$("$bin" --db "$file" $args --policies "$policies" 2>&1 || true)
  # shellcheck disable=SC2086
  b=$("$bin" --db "$url" $args --policies "$policies" 2>&1 || true)
  [ "$a" = "$b" ] || { echo "the backends answer \`$args\` differently" >&2; exit 1; }
done

for i in $(seq "$runs"); do
  n=0
  for q in "${questions[@]}"; do
    args=${q#*|}
    # shellcheck disable=SC2086
    time_cmd "$work/sqlite-$n.times" -- sh -c "\"\$0\" --db \"\$1\" $args --policies \"\$2\" >/dev/null || [ \$? = 2 ]" "$bin" "$file" "$policies"
    # shellcheck disable=SC2086
    time_cmd "$work/pg-$n.times" -- sh -c "\"\$0\" --db \"\$1\" $args --policies \"\$2\" >/dev/null || [ \$? = 2 ]" "$bin" "$url" "$policies"
    n=$((n + 1))
  done
  echo "run $i/$runs done" >&2
done

python3 - "$work" "$players" "${questions[@]}" <<'PY'
import statistics, sys
work, players, questions = sys.argv[1], sys.argv[2], sys.argv[3:]
print(f"authz on a league of {players} players: medians of whole commands, SQLite | PostgreSQL")
for n, q in enumerate(questions):
    title = q.split("|")[0]
    med = lambda side: statistics.median(float(l.split()[0]) for l in open(f"{work}/{side}-{n}.times"))
    s, p = med("sqlite"), med("pg")
    print(f"  {title:<52} {s*1000:9.1f} ms | {p*1000:9.1f} ms   ({p/s:.2f}x)")
PY
