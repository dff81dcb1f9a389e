#!/usr/bin/env bash
# Configures and builds one preset (default: release). Used by the main job
# and the test command; safe to rerun (incremental).
set -euo pipefail
cd "$(dirname "$0")/.."
preset="${1:-${HBSYNC_PRESET:-release}}"
jobs="${HBSYNC_BUILD_JOBS:-$(nproc)}"
if [[ ! -f "build/${preset}/CMakeCache.txt" ]]; then
  cmake --preset "${preset}" >/dev/null
fi
cmake --build --preset "${preset}" -j "${jobs}"
