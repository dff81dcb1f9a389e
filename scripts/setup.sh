#!/usr/bin/env bash
# Installs every Debian package the build, the tests, the benchmarks and the
# main job need. Fast when everything is already there: apt is only called
# for what is missing, and `apt-get update` runs at most once.
set -euo pipefail

PACKAGES=(
  build-essential cmake pkg-config git clang-format
  clang libclang-rt-14-dev  # the libFuzzer build (tests/fuzz)
  libboost1.74-dev libssl-dev
  librdkafka-dev rapidjson-dev libhiredis-dev prometheus-cpp-dev
  protobuf-compiler libprotobuf-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  libyaml-cpp-dev  # the admin API tests check answers against docs/admin-api.yaml
  redis-server curl jq python3 procps psmisc
  prometheus  # promtool: the alert rules' tests (deploy/monitoring)
  # The deploy checks (ctest -L deploy, deploy/tests/run.sh): the chart's Go
  # renderer, yamllint, node for the schema and policy checks.
  golang-go golang-github-masterminds-sprig-dev golang-gopkg-yaml.v2-dev yamllint
  # The console's browser tests (ctest -L console, tests/console): headless
  # Chromium driven by playwright-core, a Japanese font for its screenshots.
  chromium fonts-ipafont-gothic
)
# node and npm: the machine's own (a nodejs that ships npm) or Debian's.
if ! command -v npm >/dev/null 2>&1; then PACKAGES+=(nodejs npm); fi
# kubectl renders the Kustomize overlays: the one the machine has, else
# Debian's (kubectl 1.20, kustomize v2.0: the overlays are written for it).
if ! command -v kubectl >/dev/null 2>&1; then PACKAGES+=(kubernetes-client); fi
# Benchmarks only: nginx-light (reference server) and wrk (load generator).
if [[ "${HBSYNC_SETUP_BENCH:-0}" == "1" ]]; then
  PACKAGES+=(nginx-light wrk)
fi

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

# The node packages of the deploy checks and of the console's browser tests
# (pinned in each folder's package-lock.json).
install_node_modules() {
  local root dir
  root="$(cd "$(dirname "$0")/.." && pwd)"
  for dir in "$root/deploy/tests" "$root/tests/console"; do
    if [[ ! -f "$dir/node_modules/.package-lock.json" || "$dir/package-lock.json" -nt "$dir/node_modules/.package-lock.json" ]]; then
      echo "setup: npm ci in ${dir#"$root"/}" >&2
      (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
    fi
  done
}

if ((${#missing[@]} == 0)); then
  install_node_modules
  exit 0
fi

echo "setup: installing ${missing[*]}" >&2
SUDO=""
if [[ $(id -u) -ne 0 ]]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
# Debian starts redis-server as a system service on install; the project runs
# its own instances on free ports, so the system one is not needed.
# Likewise the prometheus package (installed for promtool) starts a server.
if command -v systemctl >/dev/null 2>&1; then
  $SUDO systemctl disable --now redis-server >/dev/null 2>&1 || true
  $SUDO systemctl disable --now prometheus >/dev/null 2>&1 || true
fi
install_node_modules
