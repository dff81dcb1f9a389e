#!/usr/bin/env bash
# The whole benchmark suite in one command (SPEC section 3, issue 13), in under
# 10 minutes on 2 cores. Builds once, then runs, one after the other:
#   1. tests/bench/ingress_bench.sh   webhook batches: nginx, a Node.js receiver
#                                     and hbsync-ingress (about 4 minutes)
#   2. tests/bench/e2e_bench.sh       HubSpot -> board: latency (first deals
#                                     apart), 1,000 deals over 50 tenants
#   3. tests/bench/f4_bench.sh 50 50  board -> HubSpot sync now, small
#   4. tests/bench/idle_bench.sh      idle CPU and RSS of every service on the
#                                     main job
# Each writes its own section of docs/performance.md with the machine, the
# commit and the load average. The machine may be shared: when the end-to-end
# latency misses its bar while the load average exceeds the core count, that
# step runs once more (the section keeps the second run).
#
#   tests/bench/run_all.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
HBSYNC_SETUP_BENCH=1 ./scripts/setup.sh
./scripts/build.sh release >/dev/null
cores=$(nproc)
suite_start=$SECONDS
summary=()

step() {  # step NAME COMMAND...: runs it, tees its output to $log, records time and load
  local name="$1" start=$SECONDS load_start
  shift
  load_start=$(cut -d' ' -f1 /proc/loadavg)
  echo
  echo "==== $name: $* (load average $load_start)"
  "$@" 2>&1 | tee "$log"
  summary+=("$(printf '%-8s %4d s, load average %s -> %s' "$name" $((SECONDS - start)) \
    "$load_start" "$(cut -d' ' -f1 /proc/loadavg)")")
}

log=$(mktemp)
trap 'rm -f "$log"' EXIT

step ingress tests/bench/ingress_bench.sh
step e2e tests/bench/e2e_bench.sh
p99=$(sed -n 's/^latency_all_p99_ms=//p' "$log")
load=$(cut -d' ' -f1 /proc/loadavg)
if [[ -n "$p99" ]] && ((p99 >= 100)) && awk -v l="$load" -v c="$cores" 'BEGIN { exit !(l > c) }'; then
  echo "e2e p99 ${p99} ms with load average $load on $cores cores: running it once more"
  step e2e-2 tests/bench/e2e_bench.sh
fi
step f4 tests/bench/f4_bench.sh 50 50 1
step idle tests/bench/idle_bench.sh

echo
echo "==== suite done in $((SECONDS - suite_start)) s (docs/performance.md written)"
printf '  %s\n' "${summary[@]}"
