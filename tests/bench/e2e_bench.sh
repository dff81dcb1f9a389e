#!/usr/bin/env bash
# End-to-end benchmark (SPEC section 3): HubSpot -> board through the real
# services on the e2e Stack (hbsync-e2e-bench, tests/bench/e2e_bench.cpp):
# webhook-to-project latency against the simulators' own round trip in the
# same run, a burst across tenants with board's 3 req/s per key, API calls per
# synced deal, Redis bytes per link, on the main job's settings. Prints the
# numbers and writes the "End to end" section of docs/performance.md.
#
#   tests/bench/e2e_bench.sh [latency_deals] [tenants] [deals_per_tenant] [first_deals]
#   (defaults 40, 50, 20, 20: the 1,000-deal / 50-tenant burst of SPEC section 3)
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$(pwd)
latency_deals="${1:-40}"
tenants="${2:-50}"
per_tenant="${3:-20}"
first_deals="${4:-20}"
./scripts/setup.sh
./scripts/build.sh release >/dev/null
out=$(mktemp)
trap 'rm -f "$out"' EXIT
load_start=$(cut -d' ' -f1 /proc/loadavg)
start=$(date +%s)
HBSYNC_BIN_DIR="$root/build/release/bin" "$root/build/release/bin/hbsync-e2e-bench" \
  "$latency_deals" "$tenants" "$per_tenant" "$first_deals" | tee "$out"
echo "bench_wall_seconds=$(($(date +%s) - start))" | tee -a "$out"
echo "load_start=$load_start" | tee -a "$out"
echo "load_end=$(cut -d' ' -f1 /proc/loadavg)" | tee -a "$out"
commit=$(git rev-parse --short HEAD)
machine="$(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB, $(uname -sr)"
python3 - "$root/docs/performance.md" "$out" "$commit" "$machine" \
  "$latency_deals $tenants $per_tenant $first_deals" <<'PY'
import re, sys, datetime
sys.path.insert(0, "tests/bench")  # the scripts run from the repository root
from perfdoc import write_section
path, out, commit, machine, args = sys.argv[1:6]
v, slow = {}, []
for line in open(out):
    line = line.strip()
    if line.startswith("slow_deal="):
        slow.append(line)
    elif "=" in line:
        k, _, val = line.partition("=")
        v[k] = val
when = datetime.datetime.utcnow().strftime("%Y-%m-%dT%H:%MZ")
def met(value, bar):
    return "met" if float(value) <= bar else "**not met**"
slow_text = ("Deals over 100 ms: none." if not slow else
             "Deals over 100 ms, with the tenant's board limiter grants from 1.3 s "
             "before the deal's start to its end (ms from its start; more than 3 "
             "within 1.2 s means a limiter wait): " + "; ".join(f"`{s}`" for s in slow) + ".")
section = f"""## End to end: HubSpot -> board (`tests/bench/e2e_bench.sh`)

Latest run: {when}, commit {commit}, {machine}, load average
{v.get('load_start')} at the start and {v.get('load_end')} at the end ({v.get('bench_wall_seconds')} s). Command:
`tests/bench/e2e_bench.sh {args}`. One process each of ingress, mapper,
writer (2 consumers) and poller, redis-server, both simulators (answering at
once) and the dev broker on the main job's settings (`scripts/run.sh`: one
broker, 6 partitions, fetch waits mapper 20 ms, writer 50 ms, poller 500 ms),
all on the same machine. Tenants are stored as `hbsync-ctl tenant apply`
stores them (board users kept sealed in Redis). Latency is from the HubSpot
create call to the writer's history entry for the created project; deals go
one at a time, a tenant's next deal 1.5 s after its previous one finished
(board allows 3 calls per rolling second, the limiter counts 1.2 s), so it is
the pipeline that is measured; the burst measures board's limit.

| measure | result | bar |
|---|---|---|
| webhook to board project, first deal of a new tenant and company, p50 / p95 / p99 ({v.get('latency_first_deals')} tenants) | {v.get('latency_first_p50_ms')} / {v.get('latency_first_p95_ms')} / {v.get('latency_first_p99_ms')} ms | p99 < 100 ms |
| webhook to board project, later deals, p50 / p95 / p99 ({v.get('latency_later_deals')} deals) | {v.get('latency_p50_ms')} / {v.get('latency_p95_ms')} / {v.get('latency_p99_ms')} ms | p99 < 100 ms |
| all of the above, p99 | {v.get('latency_all_p99_ms')} ms | < 100 ms: {met(v.get('latency_all_p99_ms', 'inf'), 99.999)} |
| reference: the HubSpot simulator's create call as the bench sees it, p50 / p99 | {v.get('reference_hubspot_create_p50_ms')} / {v.get('reference_hubspot_create_p99_ms')} ms | |
| burst: {v.get('throughput_deals')} deals over {args.split()[1]} tenants created at once (in {v.get('throughput_create_seconds')} s), until every project exists | {v.get('throughput_total_seconds')} s ({v.get('throughput_synced')} synced) | every tenant's limit kept |
| board's busiest second per API key, burst tenants (board's own count) | {v.get('board_peak_per_second_per_key')} requests | <= 3: {met(v.get('board_peak_per_second_per_key', 'inf'), 3)} |
| reference: board's floor for the burst, its busiest tenant's calls at 3 per second | {v.get('throughput_floor_seconds')} s | |
| HubSpot calls per synced deal (all deals, services only) | {v.get('hubspot_calls_per_deal')} | |
| board calls per synced deal | {v.get('board_calls_per_deal')} | |
| Redis bytes per link ({v.get('links')} company and deal links, both directions) | {v.get('redis_bytes_per_link')} | reported |

{slow_text}

A first deal of a new company costs HubSpot 1 deal read (mapper) + 1 company
read + 1 link-property write (writer), plus 1 owner read until it is cached;
board 1 client search + 1 client create + 1 project create: three calls, within
board's 3 per second, because the users list was stored when the tenant was
applied. A new deal of a known client costs one board lookup by
`management_no` more (issue 8, B7): 2 board calls; a status change of a
linked deal 1. The latency on the dev broker is mostly the two fetch waits
(ingress -> mapper, mapper -> writer; see "Idle CPU and memory"): real Kafka
answers a waiting fetch as soon as data arrives.
"""
write_section(path, r"End to end: HubSpot -> board", section, "Notes")
PY
echo "Wrote docs/performance.md"
