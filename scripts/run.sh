#!/usr/bin/env bash
# The README's main job: installs what is missing, builds, and starts the whole
# pipeline on loopback with embedded defaults: redis-server, the dev Kafka
# broker, the HubSpot and board simulators and the five services. Waits until
# every service reports ready, prints where each listens, runs the demo when
# there is one, and stops everything it started on Ctrl-C.
#
#   scripts/run.sh           run until Ctrl-C
#   scripts/run.sh --once    start, check readiness, run the demo, stop
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

once=0
for arg in "$@"; do
  case "$arg" in
    --once) once=1 ;;
    -h | --help)
      sed -n '2,10p' "$0" | sed 's/^# \{0,1\}//'
      exit 0
      ;;
    *)
      echo "unknown argument: $arg" >&2
      exit 2
      ;;
  esac
done

./scripts/setup.sh
preset="${HBSYNC_PRESET:-release}"
if [[ -n "${HBSYNC_BIN_DIR:-}" ]]; then
  bin="$HBSYNC_BIN_DIR"  # binaries built elsewhere: no build here
else
  ./scripts/build.sh "$preset"
  bin="$root/build/$preset/bin"
fi

run_dir="${HBSYNC_RUN_DIR:-$root/.run}"
mkdir -p "$run_dir/logs"
redis_port="${HBSYNC_RUN_REDIS_PORT:-6390}"
kafka_control_port="${HBSYNC_RUN_KAFKA_CONTROL_PORT:-8790}"
sim_hubspot_port="${HBSYNC_RUN_SIM_HUBSPOT_PORT:-8701}"
sim_board_port="${HBSYNC_RUN_SIM_BOARD_PORT:-8702}"
declare -A service_port=(
  [admin]="${HBSYNC_RUN_ADMIN_PORT:-8080}" [ingress]="${HBSYNC_RUN_INGRESS_PORT:-8081}"
  [mapper]="${HBSYNC_RUN_MAPPER_PORT:-8082}" [writer]="${HBSYNC_RUN_WRITER_PORT:-8083}"
  [poller]="${HBSYNC_RUN_POLLER_PORT:-8084}")

pids=()
names=()
first_service=-1  # index in pids of the first service: services stop before what they use
stop_range() {  # stop_range FROM TO: SIGTERM pids[FROM..TO), then wait up to 10 s each
  local from="$1" to="$2" i
  for ((i = to - 1; i >= from; i--)); do kill -TERM "${pids[$i]}" 2>/dev/null || true; done
  for ((i = to - 1; i >= from; i--)); do
    for _ in $(seq 100); do kill -0 "${pids[$i]}" 2>/dev/null || break; sleep 0.1; done
    if kill -0 "${pids[$i]}" 2>/dev/null; then
      echo "  ${names[$i]} did not stop in 10 s; killing" >&2
      kill -KILL "${pids[$i]}" 2>/dev/null || true
    fi
  done
}
cleanup() {
  trap - INT TERM EXIT
  echo
  echo "Stopping everything this run started..."
  # Services first (they drain and commit), then the servers they depend on.
  local split=${#pids[@]}
  if ((first_service >= 0)); then
    stop_range "$first_service" "${#pids[@]}"
    split=$first_service
  fi
  stop_range 0 "$split"
  echo "Stopped. Logs are in $run_dir/logs."
}
trap 'cleanup; exit 130' INT
trap 'cleanup; exit 143' TERM
trap cleanup EXIT

start() {  # start NAME COMMAND... (environment passed by the caller)
  local name="$1"
  shift
  "$@" >"$run_dir/logs/$name.log" 2>&1 &
  pids+=($!)
  names+=("$name")
}

wait_for() {  # wait_for NAME SECONDS CHECK-COMMAND...
  local name="$1" seconds="$2"
  shift 2
  local deadline=$((SECONDS + seconds))
  until "$@" >/dev/null 2>&1; do
    if ((SECONDS >= deadline)); then
      echo "$name did not become ready in ${seconds}s; last log lines:" >&2
      tail -n 20 "$run_dir/logs/$name.log" >&2 || true
      exit 1
    fi
    sleep 0.2
  done
}

echo "Starting redis-server on 127.0.0.1:$redis_port"
# Durable as production must be (docs/operations.md, "Redis: durability, loss
# detection and recovery"): AOF, fsync every second. The dev Kafka broker keeps
# nothing between runs, so neither does Redis: its directory starts empty.
rm -rf "$run_dir/redis"
mkdir -p "$run_dir/redis"
start redis redis-server --port "$redis_port" --bind 127.0.0.1 --dir "$run_dir/redis" \
  --appendonly yes --appendfsync everysec --save ""
wait_for redis 10 redis-cli -p "$redis_port" ping

echo "Starting the dev Kafka broker (librdkafka mock cluster)"
rm -f "$run_dir/kafka.bootstrap"
# One broker unless asked for more: the dev broker answers a waiting fetch only
# when its wait ends, so an idle consumer makes brokers x (1 s / fetch wait)
# round trips a second (docs/performance.md, "Idle CPU and memory").
HBSYNC_KAFKA_DEV_BROKERS="${HBSYNC_KAFKA_DEV_BROKERS:-1}" \
  HBSYNC_KAFKA_DEV_BOOTSTRAP_FILE="$run_dir/kafka.bootstrap" \
  HBSYNC_KAFKA_DEV_CONTROL_PORT="$kafka_control_port" \
  start kafka-dev "$bin/hbsync-kafka-dev"
wait_for kafka-dev 20 test -s "$run_dir/kafka.bootstrap"
kafka_brokers=$(cat "$run_dir/kafka.bootstrap")

# The demo HubSpot app: the simulator signs webhooks with its client secret,
# ingress verifies them with the same one.
demo_client_id="${HBSYNC_RUN_HUBSPOT_CLIENT_ID:-hbsync-demo-app}"
demo_client_secret="${HBSYNC_RUN_HUBSPOT_CLIENT_SECRET:-hbsync-demo-secret}"
# The console signs in through the simulator's OAuth: the app knows the
# admin's redirect URI, and the authorize page approves for the demo portal
# (the demo's tenant) unless the sign-in names another.
admin_url="http://127.0.0.1:${service_port[admin]}"
demo_portal="${HBSYNC_DEMO_PORTAL_ID:-20250001}"
if [[ -x "$bin/hbsync-sim-hubspot" ]]; then
  echo "Starting the HubSpot simulator"
  HBSYNC_SIM_HUBSPOT_PORT="$sim_hubspot_port" \
    HBSYNC_SIM_HUBSPOT_CLIENT_ID="$demo_client_id" \
    HBSYNC_SIM_HUBSPOT_CLIENT_SECRET="$demo_client_secret" \
    HBSYNC_SIM_HUBSPOT_REDIRECT_URIS="$admin_url/auth/callback" \
    HBSYNC_SIM_HUBSPOT_DEFAULT_PORTAL_ID="$demo_portal" \
    HBSYNC_SIM_HUBSPOT_WEBHOOK_URL="http://127.0.0.1:${service_port[ingress]}/webhooks/hubspot" \
    start sim-hubspot "$bin/hbsync-sim-hubspot"
  wait_for sim-hubspot 20 curl -fsS "http://127.0.0.1:$sim_hubspot_port/_sim/healthz"
fi
if [[ -x "$bin/hbsync-sim-board" ]]; then
  echo "Starting the board simulator"
  HBSYNC_SIM_BOARD_PORT="$sim_board_port" start sim-board "$bin/hbsync-sim-board"
  wait_for sim-board 20 curl -fsS "http://127.0.0.1:$sim_board_port/_sim/healthz"
fi

export HBSYNC_KAFKA_BROKERS="$kafka_brokers"
# The dev broker answers a waiting fetch only when the wait ends (real Kafka at
# once when data arrives): the wait is each hop's delay and sets the idle cost,
# one fetch per wait per consumer. On the webhook path the mapper's consumer
# fetches every 20 ms, the writer's two (HBSYNC_WRITER_CONCURRENCY) every 50 ms
# each; the poller every 500 ms, its sync requests wait for board's rate limit
# anyway. HBSYNC_KAFKA_FETCH_WAIT_MAX, when set, applies to every service.
declare -A fetch_wait=([writer]="${HBSYNC_KAFKA_FETCH_WAIT_MAX:-50ms}"
  [poller]="${HBSYNC_KAFKA_FETCH_WAIT_MAX:-500ms}")
default_fetch_wait="${HBSYNC_KAFKA_FETCH_WAIT_MAX:-20ms}"
export HBSYNC_REDIS_URL="redis://127.0.0.1:$redis_port/0"
export HBSYNC_HTTP_ADDRESS=127.0.0.1
export HBSYNC_HUBSPOT_CLIENT_ID="$demo_client_id"
export HBSYNC_HUBSPOT_CLIENT_SECRET="$demo_client_secret"
# Credential encryption: a fresh development key per run (this Redis keeps
# nothing between runs); hbsync-ctl in the demo uses the same one.
if [[ -z "${HBSYNC_ENCRYPTION_KEYS:-}" ]]; then
  HBSYNC_ENCRYPTION_KEYS="dev:$(head -c 32 /dev/urandom | base64)"
fi
export HBSYNC_ENCRYPTION_KEYS
export HBSYNC_INGRESS_PUBLIC_BASE_URL="http://127.0.0.1:${service_port[ingress]}"
export HBSYNC_HUBSPOT_API_URL="http://127.0.0.1:$sim_hubspot_port"
export HBSYNC_HUBSPOT_AUTHORIZE_URL="http://127.0.0.1:$sim_hubspot_port/oauth/authorize"
# The console on loopback over plain http: cookies without Secure (refused
# for any other address).
export HBSYNC_ADMIN_PUBLIC_URL="$admin_url"
export HBSYNC_ADMIN_COOKIE_SECURE=false
export HBSYNC_BOARD_API_URL="http://127.0.0.1:$sim_board_port"
first_service=${#pids[@]}
for svc in ingress mapper writer poller admin; do
  echo "Starting hbsync-$svc"
  HBSYNC_HTTP_PORT="${service_port[$svc]}" \
    HBSYNC_KAFKA_FETCH_WAIT_MAX="${fetch_wait[$svc]:-$default_fetch_wait}" \
    start "$svc" "$bin/hbsync-$svc"
done
for svc in ingress mapper writer poller admin; do
  wait_for "$svc" 60 curl -fsS "http://127.0.0.1:${service_port[$svc]}/readyz"
done

cat <<TABLE

All components are ready:
  redis-server         redis://127.0.0.1:$redis_port/0
  dev Kafka broker     $kafka_brokers  (control: http://127.0.0.1:$kafka_control_port/brokers)
TABLE
[[ -x "$bin/hbsync-sim-hubspot" ]] && echo "  HubSpot simulator    http://127.0.0.1:$sim_hubspot_port"
[[ -x "$bin/hbsync-sim-board" ]] && echo "  board simulator      http://127.0.0.1:$sim_board_port"
for svc in admin ingress mapper writer poller; do
  printf '  hbsync-%-13s http://127.0.0.1:%s  (/healthz /readyz /metrics)\n' "$svc" "${service_port[$svc]}"
done
echo "  logs                 $run_dir/logs/"
echo "  console              $admin_url/  (sign in: $admin_url/auth/login, the HubSpot simulator"
echo "                       approves at once for portal $demo_portal, the demo's tenant)"
echo

if [[ -x "$root/scripts/demo.sh" ]]; then
  HBSYNC_BIN_DIR="$bin" HBSYNC_RUN_DIR="$run_dir" "$root/scripts/demo.sh"
fi

if ((once)); then
  exit 0
fi
echo "Press Ctrl-C to stop."
wait -n "${pids[@]}" || true
echo "A component exited unexpectedly; see $run_dir/logs." >&2
exit 1
