# Shared by the bench/ scripts (seed, seed-pg, serve-pg, tail-pg, …): sourced, not run.

# The binary measured: QUIDDITCH_BIN, else the dist profile (fat LTO, one codegen unit), what a
# distributed binary is built with, built now.
bench_bin() {
  if [ -n "${QUIDDITCH_BIN:-}" ]; then
    echo "$QUIDDITCH_BIN"
  else
    cargo build --profile dist --quiet
    echo "${CARGO_TARGET_DIR:-$PWD/target}/dist/quidditch"
  fi
}

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

# seed_report WORK ROWS TITLE PEER LABEL [PEER LABEL]...: the medians of WORK/quidditch.times
# against each WORK/PEER.times (LABEL names the peer's row), with quidditch's peak RSS and the
# ratio to each peer.
seed_report() {
  python3 - "$@" <<'PY'
import statistics, sys
work, rows, title, peers = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4:]
def load(name):
    return [tuple(map(float, l.split())) for l in open(f"{work}/{name}.times")]
q = load("quidditch")
qt = statistics.median(t for t, _ in q)
rss = max(r for _, r in q) / 1024
print(f"{title}: {rows} rows, median of {len(q)} runs")
print(f"  quidditch      {qt:8.2f} s  {rows/qt:12,.0f} rows/s  peak RSS {rss:.1f} MB")
ratios = []
for peer, label in zip(peers[::2], peers[1::2]):
    pt = statistics.median(t for t, _ in load(peer))
    print(f"  {label:<14} {pt:8.2f} s  {rows/pt:12,.0f} rows/s")
    ratios.append((peer, pt / qt))
for peer, ratio in ratios:
    print(f"  ratio (quidditch rows/s ÷ {peer} rows/s): {ratio:.2f}  (target >= 1.0, RSS <= 64 MB)")
PY
}

# pg_start: a throwaway PostgreSQL cluster in a new temporary directory (initdb as `postgres`, a
# unix socket only, fsync off), stopped and removed at exit, with one database `bench`. Sets
# `work` (the directory, also for the caller's files), `url` (the database's URL) and `psql`
# (an array: psql on it). With BENCH_PG_CPUS=LIST (taskset's form: `1`, `0,1`), the cluster's
# processes run on those CPUs only, as on a machine where the database has cores of its own.
pg_start() {
  local pgbin pin=()
  [ -n "${BENCH_PG_CPUS:-}" ] && pin=(taskset -c "$BENCH_PG_CPUS")
  pgbin=$(dirname "$(readlink -f "$(command -v initdb || ls /usr/lib/postgresql/*/bin/initdb | sort -V | tail -1)")")
  [ -x "$pgbin/initdb" ] || { echo "no PostgreSQL server: apt-get install -y postgresql" >&2; exit 1; }
  as_pg=()
  [ "$(id -u)" = 0 ] && as_pg=(runuser -u postgres --)
  work=$(mktemp -d)
  [ "$(id -u)" = 0 ] && chown postgres "$work"
  pg_ctl_bin="$pgbin/pg_ctl"
  trap pg_stop EXIT
  "${as_pg[@]}" "$pgbin/initdb" -D "$work/data" -U postgres --auth=trust --no-sync >/dev/null
  "${as_pg[@]}" "${pin[@]}" "$pgbin/pg_ctl" -D "$work/data" -l "$work/server.log" -w \
    -o "-k $work -c listen_addresses='' -c fsync=off" start >/dev/null
  "${as_pg[@]}" "$pgbin/createdb" -h "$work" -U postgres bench
  url="postgresql://postgres@/bench?host=$work"
  psql=("${as_pg[@]}" "$pgbin/psql" -h "$work" -U postgres -d bench -X -q -v ON_ERROR_STOP=1)
}

pg_stop() {
  "${as_pg[@]}" "$pg_ctl_bin" -D "$work/data" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$work"
}

# need_tools TOOL…: installs the Debian packages of the tools missing (wrk, hyperfine: each
# package is named as its command).
need_tools() {
  local missing=()
  for tool in "$@"; do
    command -v "$tool" >/dev/null || missing+=("$tool")
  done
  ((${#missing[@]} == 0)) && return
  echo "== installing ${missing[*]}" >&2
  apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
}

# server_start DB LOG [ARGS…]: `$bin serve` on DB on a free port, its stderr in LOG; sets
# $started (its URL, empty when it did not start) and $started_pid, and adds the pid to `pids`,
# which servers_stop ends. With BENCH_UNSET=VAR, that variable is removed from the server's
# environment.
pids=()
server_start() {
  local db=$1 log=$2
  shift 2
  env ${BENCH_UNSET:+-u "$BENCH_UNSET"} "$bin" --db "$db" serve --bind 127.0.0.1:0 "$@" \
    2>"$log" >/dev/null &
  started_pid=$!
  pids+=("$started_pid")
  for _ in $(seq 1 100); do
    grep -q "listening on" "$log" 2>/dev/null && break
    sleep 0.05
  done
  started=$(sed -n 's/^listening on //p' "$log" | head -n1)
}

servers_stop() {
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; done
  pids=()
}
