#!/usr/bin/env bash
# Idle benchmark (SPEC section 3: each service under 1 % of a core when nothing
# happens): starts the main job (scripts/run.sh, its own settings, on ports of
# its own), lets its demo run, then measures each service's CPU (% of one core)
# and RSS over a window with nothing to do; redis-server and the dev broker in
# the same run are the reference. Prints the numbers and writes the "Idle CPU
# and memory" section of docs/performance.md.
#
#   tests/bench/idle_bench.sh [seconds]   (default 30)
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$(pwd)
seconds="${1:-30}"
./scripts/setup.sh
./scripts/build.sh release >/dev/null
bin="$root/build/release/bin"
run_dir=$(mktemp -d)
out="$run_dir/idle.out"
run_pid=""
stop() {
  if [[ -n "$run_pid" ]] && kill -0 "$run_pid" 2>/dev/null; then
    kill -TERM "$run_pid" 2>/dev/null || true
    wait "$run_pid" 2>/dev/null || true
  fi
  rm -rf "$run_dir"
}
trap stop EXIT
# Ports of its own (18xxx), so a main job on the default ports can keep running.
HBSYNC_BIN_DIR="$bin" HBSYNC_RUN_DIR="$run_dir/run" HBSYNC_RUN_REDIS_PORT=16390 \
  HBSYNC_RUN_KAFKA_CONTROL_PORT=18790 HBSYNC_RUN_SIM_HUBSPOT_PORT=18701 \
  HBSYNC_RUN_SIM_BOARD_PORT=18702 HBSYNC_RUN_ADMIN_PORT=18080 HBSYNC_RUN_INGRESS_PORT=18081 \
  HBSYNC_RUN_MAPPER_PORT=18082 HBSYNC_RUN_WRITER_PORT=18083 HBSYNC_RUN_POLLER_PORT=18084 \
  ./scripts/run.sh >"$run_dir/run.log" 2>&1 &
run_pid=$!
deadline=$((SECONDS + 180))
until grep -q "Press Ctrl-C" "$run_dir/run.log"; do
  if ! kill -0 "$run_pid" 2>/dev/null || ((SECONDS >= deadline)); then
    echo "the main job did not start; its output:" >&2
    tail -n 30 "$run_dir/run.log" >&2
    exit 1
  fi
  sleep 0.5
done
names=(ingress mapper writer poller admin redis kafka-dev)
declare -A pid
for name in "${names[@]}"; do
  pattern="hbsync-$name"
  [[ "$name" == redis ]] && pattern="redis-server"
  pid[$name]=$(pgrep -P "$run_pid" -f "$pattern" | head -n 1)
  [[ -n "${pid[$name]}" ]] || { echo "no $name process under the main job" >&2; exit 1; }
done
ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
sleep 5  # the demo's last commits and the consumers' last fetches settle
declare -A before
for name in "${names[@]}"; do before[$name]=$(ticks "${pid[$name]}"); done
load_start=$(cut -d' ' -f1 /proc/loadavg)
start_ns=$(date +%s%N)
sleep "$seconds"  # the measurement window itself
elapsed_ns=$(($(date +%s%N) - start_ns))
load_end=$(cut -d' ' -f1 /proc/loadavg)
hz=$(getconf CLK_TCK)
{
  for name in "${names[@]}"; do
    used=$(($(ticks "${pid[$name]}") - ${before[$name]}))
    rss=$(awk '/^VmRSS:/ {print $2}' "/proc/${pid[$name]}/status")
    awk -v n="$name" -v u="$used" -v hz="$hz" -v ns="$elapsed_ns" -v rss="$rss" 'BEGIN {
      printf "idle_cpu_percent_%s=%.2f\nidle_rss_mib_%s=%.1f\n", n, 100 * u / hz / (ns / 1e9), n, rss / 1024 }'
  done
  echo "idle_seconds=$seconds"
  echo "load_start=$load_start"
  echo "load_end=$load_end"
  for name in mapper writer poller; do
    wait_ms=$(tr '\0' '\n' <"/proc/${pid[$name]}/environ" | sed -n 's/^HBSYNC_KAFKA_FETCH_WAIT_MAX=//p')
    echo "fetch_wait_$name=$wait_ms"
  done
  brokers=$(curl -fsS "http://127.0.0.1:18790/brokers" | python3 -c 'import json,sys; d=json.load(sys.stdin); print(len(d) if isinstance(d,list) else len(d.get("brokers",[])))' || echo "?")
  echo "dev_brokers=$brokers"
} | tee "$out"
commit=$(git rev-parse --short HEAD)
machine="$(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB, $(uname -sr)"
python3 - "$root/docs/performance.md" "$out" "$commit" "$machine" "$seconds" <<'PY'
import re, sys, datetime
sys.path.insert(0, "tests/bench")  # the scripts run from the repository root
from perfdoc import write_section
path, out, commit, machine, seconds = sys.argv[1:6]
v = dict(l.strip().split("=", 1) for l in open(out) if "=" in l)
when = datetime.datetime.utcnow().strftime("%Y-%m-%dT%H:%MZ")
def row(name, label, bar):
    cpu, rss = v.get(f"idle_cpu_percent_{name}"), v.get(f"idle_rss_mib_{name}")
    met = ""
    if bar:
        met = " (met)" if float(cpu) < 1.0 and float(rss) < 50 else " (**not met**)"
    return f"| {label} | {cpu} % | {rss} MiB | {bar}{met} |"
rows = "\n".join([
    row("ingress", "hbsync-ingress", "< 1 %, < 50 MiB"),
    row("mapper", "hbsync-mapper", "< 1 %, < 50 MiB"),
    row("writer", "hbsync-writer", "< 1 %, < 50 MiB"),
    row("poller", "hbsync-poller", "< 1 %, < 50 MiB"),
    row("admin", "hbsync-admin", "< 1 %, < 50 MiB"),
    row("redis", "reference: redis-server (AOF, everysec)", ""),
    row("kafka-dev", "reference: the dev broker (hbsync-kafka-dev)", ""),
])
section = f"""## Idle CPU and memory (`tests/bench/idle_bench.sh`)

Latest run: {when}, commit {commit}, {machine}, load average
{v.get('load_start')} at the start of the window and {v.get('load_end')} at its end. Command:
`tests/bench/idle_bench.sh {seconds}`. The main job (`scripts/run.sh`) with its
own settings: {v.get('dev_brokers')} dev broker, fetch waits mapper
{v.get('fetch_wait_mapper')}, writer {v.get('fetch_wait_writer')} (two consumers), poller
{v.get('fetch_wait_poller')}; after its demo, {seconds} s with nothing to do. CPU is user +
system time of the process over the window (100 % = one core), RSS is VmRSS at
its end.

| process | CPU | RSS | bar |
|---|---|---|---|
{rows}

Where idle CPU goes (`strace -c -f`, `perf record` and per-thread
`/proc/<pid>/task/*/stat` on idle services, 2026-12-06): almost all of it is
Kafka fetches. The dev broker (librdkafka's mock cluster) answers a fetch
that finds no data only when `fetch.wait.max.ms` ends, where real Kafka
answers as soon as data arrives; so an idle consumer makes one fetch round
trip per broker it fetches from every wait, and each costs about 100-150 µs
of CPU on this VM (two thread wake-ups, `poll`, `sendmsg`, three `recvmsg`,
mostly kernel scheduling). Measured on the main job with 3 brokers and 10 ms
(its settings before issue 13): mapper 2.0 %, writer 1.85 % (two consumers),
poller 1.3 %, ingress 0.1 %, admin 0.15 %. One broker and 20 ms: mapper
0.7 %, writer 1.06 %; the writer's two consumers at 40 ms: 0.9-1.0 %, at
50 ms: 0.8-0.85 % (with one consumer at 20 ms: 0.77 %); the poller at 500 ms:
0.3 %. The rest is small and periodic: the producer's poll
thread (every 50 ms), each consumer's poll (100 ms), the writer's deal-outbox
flusher (a Redis read every 100 ms), librdkafka's 1 s timers. Ingress and the
admin run no consumer. The fetch wait is also each hop's delay on the dev
broker (webhook -> mapper -> writer: on average half of each wait), which is
why the main job does not simply wait longer: see "End to end" for the
latency on the same settings. Production keeps the default of 100 ms: real
Kafka answers a waiting fetch early, so there the wait costs no latency and
bounds the idle round trips to 10 per second per broker.
"""
write_section(path, r"Idle (memory|CPU and memory)", section, "Notes")
PY
echo "Wrote docs/performance.md"
