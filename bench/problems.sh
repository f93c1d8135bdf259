#!/usr/bin/env bash
# How long a seed file and a policy file with many problems take to report (issue 18, finding 8:
# 20,000 problems took 15-18 s when each problem's line was found by scanning from the start).
# Not a test: run by hand.
#
#   bench/problems.sh [N] [RUNS] [BIN...]
#
# Writes a seed file with N players of an unknown position and a policy file (the shipped one)
# with N policies on an unknown type, then times `db seed --file` and `authz lint --file` on each
# BIN (default: the release binary, built if missing), RUNS times each (default 5), alternating
# the binaries, and prints each one's median wall time. Target: under 1 s for N = 20,000.
# BENCH_PG=1 seeds into a throwaway PostgreSQL cluster (bench/lib.sh's pg_start) instead of a
# SQLite file: the problems are found before the database is written, on either backend.
set -euo pipefail
cd "$(dirname "$0")/.."

n="${1:-20000}"
runs="${2:-5}"
shift $(( $# > 2 ? 2 : $# ))
bins=("$@")
if [[ ${#bins[@]} -eq 0 ]]; then
  cargo build --release --locked --quiet
  bins=("${CARGO_TARGET_DIR:-target}/release/quidditch")
fi

if [[ -n "${BENCH_PG:-}" ]]; then
  . bench/lib.sh
  pg_start
  db="$url"
else
  work="$(mktemp -d)"
  trap 'rm -rf "$work"' EXIT
  db="$work/db.sqlite"
fi
python3 - "$n" "$work" <<'PY'
import sys
n, work = int(sys.argv[1]), sys.argv[2]
seed = ['[[team]]\nname = "T"\nrank = 1\n']
seed += [f'\n[[player]]\nname = "P{i}"\nyear = 1\nposition = "Broom"\nteam = "T"\n' for i in range(n)]
open(f"{work}/seed.toml", "w").write("".join(seed))
pol = [open("policies.toml").read()]
pol += [f'\n[[policy]]\nid = "p{i}"\neffect = "allow"\nroles = ["player"]\nactions = ["read"]\nresource = "gmae"\n' for i in range(n)]
open(f"{work}/policies.toml", "w").write("".join(pol))
PY

# Prints the wall time of one run in ms; the command's exit status (1: problems found) is expected.
time_ms() {
  local start end
  start=$(date +%s%N)
  "$@" >/dev/null 2>&1 || true
  end=$(date +%s%N)
  echo $(( (end - start) / 1000000 ))
}

median() { sort -n | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }

declare -A seed_t lint_t
for ((r = 0; r < runs; r++)); do
  for bin in "${bins[@]}"; do
    seed_t[$bin]+="$(time_ms "$bin" --db "$db" db seed --file "$work/seed.toml") "
    lint_t[$bin]+="$(time_ms "$bin" authz lint --file "$work/policies.toml") "
  done
done
for bin in "${bins[@]}"; do
  s=$(tr ' ' '\n' <<<"${seed_t[$bin]}" | grep . | median)
  l=$(tr ' ' '\n' <<<"${lint_t[$bin]}" | grep . | median)
  printf '%s: %d problems: db seed %s ms, authz lint %s ms (medians of %d runs)\n' "$bin" "$n" "$s" "$l" "$runs"
done
