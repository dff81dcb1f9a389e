#!/usr/bin/env bash
# Builds the libFuzzer targets with clang (a build of their own, separate
# from the g++ build) and runs each for SECONDS (default 300) on a copy of
# its seed corpus. Exits non-zero on any finding; the reproducer is left in
# the build directory (crash-*, leak-*, timeout-*) and printed.
#   tests/fuzz/run.sh [SECONDS]
# Environment: HBSYNC_FUZZ_BUILD_DIR (default <repo>/build/fuzz),
# HBSYNC_FUZZ_TARGETS (space-separated subset), HBSYNC_FUZZ_JOBS (build jobs, 2).
set -euo pipefail

SECONDS_EACH="${1:-300}"
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
BUILD="${HBSYNC_FUZZ_BUILD_DIR:-$ROOT/build/fuzz}"
TARGETS="${HBSYNC_FUZZ_TARGETS:-fuzz_json_parse fuzz_webhook_events fuzz_webhook_signature fuzz_hubspot_json fuzz_board_json fuzz_tenant_settings}"

if ! command -v clang++ >/dev/null; then
  echo "fuzz: clang++ not found (scripts/setup.sh installs clang and libclang-rt-14-dev)" >&2
  exit 1
fi

launcher=()
if command -v ccache >/dev/null; then launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache); fi
CC=clang CXX=clang++ cmake -S "$HERE" -B "$BUILD" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  "${launcher[@]}" >/dev/null
# shellcheck disable=SC2086
cmake --build "$BUILD" -j "${HBSYNC_FUZZ_JOBS:-2}" --target $TARGETS >/dev/null

export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"
status=0
for target in $TARGETS; do
  corpus="$BUILD/corpus/$target"  # grows during runs; the seeds stay as they are
  mkdir -p "$corpus" "$BUILD/findings/$target"
  seeds="$HERE/corpus/$target"
  log="$BUILD/$target.log"
  if "$BUILD/$target" -max_total_time="$SECONDS_EACH" -max_len=65536 -timeout=10 \
       -rss_limit_mb=2048 -print_final_stats=1 \
       -artifact_prefix="$BUILD/findings/$target/" "$corpus" "$seeds" >"$log" 2>&1; then
    runs="$(grep -m1 -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' || true)"
    echo "fuzz: $target ok, ${runs:-?} executions in ${SECONDS_EACH}s"
  else
    status=1
    echo "fuzz: $target FOUND A PROBLEM (log $log):" >&2
    grep -E 'ERROR|invariant broken|SUMMARY|Test unit written' "$log" >&2 || tail -n 30 "$log" >&2
  fi
done
exit $status
