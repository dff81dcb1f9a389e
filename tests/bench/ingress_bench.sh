#!/usr/bin/env bash
# Ingress benchmark (SPEC section 3, issue 13): signed 100- and 10-event
# HubSpot batches sent by wrk -t2 -c32 to nginx `return 204`, a Node.js
# receiver (tests/bench/node-receiver: @hubspot/api-client + kafkajs) and
# hbsync-ingress, interleaved in one run; prints req/s, events/s, p50/p99,
# CPU and peak RSS and writes the table to docs/performance.md.
#
#   tests/bench/ingress_bench.sh [--seconds N] [--runs N] [--sizes 100,10]
#                                [--targets nginx,node,ingress] [--portals N] [--no-write]
#
# Defaults (10 s x 3 runs x 3 targets x 2 sizes) take about 4 minutes.
# Other flags go to tests/bench/ingress_bench.py (--help).
set -euo pipefail
cd "$(dirname "$0")/../.."
write=(--write)
args=()
for a in "$@"; do
  if [[ "$a" == "--no-write" ]]; then write=(); else args+=("$a"); fi
done
HBSYNC_SETUP_BENCH=1 ./scripts/setup.sh
./scripts/build.sh release >/dev/null
receiver=tests/bench/node-receiver
if [[ ! -f "$receiver/node_modules/.package-lock.json" ||
      "$receiver/package-lock.json" -nt "$receiver/node_modules/.package-lock.json" ]]; then
  (cd "$receiver" && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
fi
exec python3 tests/bench/ingress_bench.py --command "tests/bench/ingress_bench.sh ${*@Q}" \
  "${write[@]}" "${args[@]}"
