#!/usr/bin/env bash
# ctest deploy_dashboard: every metric the Grafana dashboard (and the alert
# rules) name is exported by a service, or is one of the few external
# metrics listed in deploy/monitoring/external-metrics.txt (Prometheus's
# `up`, cAdvisor, redis_exporter, kube-state-metrics).
#
# Starts redis-server, the dev Kafka broker, both simulators and the five
# services on free loopback ports, runs scripts/demo.sh through them with a
# few faults injected (board answers 429 twice and 403 once, so that 429s,
# penalties and a dead letter happen; a webhook with a bad signature; Redis
# paused for 3 s with CLIENT PAUSE, so that Redis timeouts happen), then scrapes /metrics of
# each service and checks the dashboard (check-dashboard.mjs). Families that
# a service registers only when first used appear only after such traffic,
# which is why the faults are there.
#
#   deploy/tests/dashboard-metrics.sh BUILD_DIR
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
build="$(cd "$1" && pwd)"
bin="$build/bin"
work="$build/deploy/dashboard"
rm -rf "$work"
mkdir -p "$work/logs" "$work/metrics"

pids=()
cleanup() {
  local p
  for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do
    for _ in $(seq 50); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$p" 2>/dev/null || true
  done
}
trap cleanup EXIT
start() {  # start NAME COMMAND...
  local name="$1"
  shift
  "$@" >"$work/logs/$name.log" 2>&1 &
  pids+=($!)
}
wait_for() {  # wait_for WHAT SECONDS COMMAND...
  local what="$1" seconds="$2"
  shift 2
  local deadline=$((SECONDS + seconds))
  until "$@" >/dev/null 2>&1; do
    if ((SECONDS >= deadline)); then
      echo "FAIL: $what not ready in ${seconds}s; logs in $work/logs" >&2
      exit 1
    fi
    sleep 0.2
  done
}
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

redis_port=$(free_port)
start redis redis-server --port "$redis_port" --bind 127.0.0.1 --save "" --appendonly no --dir "$work"
wait_for redis-server 10 redis-cli -p "$redis_port" ping
HBSYNC_KAFKA_DEV_BOOTSTRAP_FILE="$work/kafka.bootstrap" HBSYNC_KAFKA_DEV_CONTROL_PORT=0 \
  start kafka-dev "$bin/hbsync-kafka-dev"
wait_for "the dev Kafka broker" 30 test -s "$work/kafka.bootstrap"

client_id=hbsync-dashboard-app
client_secret=hbsync-dashboard-secret
declare -A port
for svc in ingress mapper writer poller admin sim-hubspot sim-board; do port[$svc]=$(free_port); done
HBSYNC_SIM_HUBSPOT_PORT="${port[sim-hubspot]}" HBSYNC_SIM_HUBSPOT_CLIENT_ID="$client_id" \
  HBSYNC_SIM_HUBSPOT_CLIENT_SECRET="$client_secret" \
  HBSYNC_SIM_HUBSPOT_WEBHOOK_URL="http://127.0.0.1:${port[ingress]}/webhooks/hubspot" \
  start sim-hubspot "$bin/hbsync-sim-hubspot"
HBSYNC_SIM_BOARD_PORT="${port[sim-board]}" start sim-board "$bin/hbsync-sim-board"
hs="http://127.0.0.1:${port[sim-hubspot]}"
bd="http://127.0.0.1:${port[sim-board]}"
wait_for "the HubSpot simulator" 20 curl -fsS "$hs/_sim/healthz"
wait_for "the board simulator" 20 curl -fsS "$bd/_sim/healthz"

export HBSYNC_KAFKA_BROKERS="$(cat "$work/kafka.bootstrap")"
export HBSYNC_KAFKA_FETCH_WAIT_MAX=10ms
export HBSYNC_REDIS_URL="redis://127.0.0.1:$redis_port/0"
export HBSYNC_HTTP_ADDRESS=127.0.0.1
export HBSYNC_HUBSPOT_CLIENT_ID="$client_id"
export HBSYNC_HUBSPOT_CLIENT_SECRET="$client_secret"
export HBSYNC_ENCRYPTION_KEYS="dash:$(head -c 32 /dev/urandom | base64)"
export HBSYNC_INGRESS_PUBLIC_BASE_URL="http://127.0.0.1:${port[ingress]}"
export HBSYNC_HUBSPOT_API_URL="$hs"
export HBSYNC_BOARD_API_URL="$bd"
services=(ingress mapper writer poller admin)
for svc in "${services[@]}"; do
  HBSYNC_HTTP_PORT="${port[$svc]}" start "$svc" "$bin/hbsync-$svc"
done
for svc in "${services[@]}"; do
  wait_for "hbsync-$svc" 60 curl -fsS "http://127.0.0.1:${port[$svc]}/readyz"
done

# Faults: two 429s on project creation (retried after 1 s), one 403 on an
# order-status change (permanent: a dead letter).
curl -fsS -X POST "$bd/_sim/faults" -H 'Content-Type: application/json' \
  -d '{"count":2,"route":"POST /v1/projects","status":429,"retry_after":1}' >/dev/null
curl -fsS -X POST "$bd/_sim/faults" -H 'Content-Type: application/json' \
  -d '{"count":1,"route":"PATCH /v1/projects/order_status/{id}","status":403}' >/dev/null
# A webhook with a bad signature (rejected, counted by reason).
curl -sS -o /dev/null -X POST "http://127.0.0.1:${port[ingress]}/webhooks/hubspot" \
  -H 'Content-Type: application/json' -H 'X-HubSpot-Signature-v3: AAAA' \
  -H "X-HubSpot-Request-Timestamp: $(date +%s)000" -d '[]' || true

# The demo: a tenant, companies and deals through the whole pipeline. Its
# own verdict does not matter here (the 403 may leave a deal unmoved).
HBSYNC_BIN_DIR="$bin" HBSYNC_DEMO_TIMEOUT=30 "$root/scripts/demo.sh" >"$work/logs/demo.log" 2>&1 ||
  echo "(the demo reported a failure, as the injected 403 may cause; see $work/logs/demo.log)"
# Redis paused for 3 s: command timeouts (2 s) and reconnects.
redis-cli -p "$redis_port" CLIENT PAUSE 3000 ALL >/dev/null
scrape_all() {
  for svc in "${services[@]}"; do
    curl -fsS "http://127.0.0.1:${port[$svc]}/metrics" >"$work/metrics/$svc.txt"
  done
}
# Wait until the dead letter and the Redis timeouts are counted (the demo's
# last phase may still be in flight); the check names what is missing.
deadline=$((SECONDS + 60))
until grep -qh '^hbsync_dead_letters_total' "$work"/metrics/*.txt 2>/dev/null &&
  grep -qh '^hbsync_redis_errors_total' "$work"/metrics/*.txt; do
  ((SECONDS < deadline)) || break
  sleep 0.5
  scrape_all
done
for svc in "${services[@]}"; do
  wait_for "hbsync-$svc after the Redis pause" 30 curl -fsS "http://127.0.0.1:${port[$svc]}/readyz"
done
scrape_all
node "$root/deploy/tests/check-dashboard.mjs" "$root/deploy/monitoring/grafana/hbsync-dashboard.json" \
  "$root/deploy/monitoring/hbsync-alerts.yaml" "$root/deploy/monitoring/external-metrics.txt" \
  "$work"/metrics/*.txt
