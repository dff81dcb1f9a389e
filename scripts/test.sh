#!/usr/bin/env bash
# The README's test command: installs what is missing, builds, runs the whole
# suite with ctest (unit, integration, e2e and fault tests). Extra arguments go
# to ctest, e.g. `scripts/test.sh -L unit` or `scripts/test.sh -R kafka`.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
preset="${HBSYNC_PRESET:-release}"
./scripts/build.sh "${preset}"
# Two cores: run tests two at a time; suites that need the machine to
# themselves are marked RUN_SERIAL in CMake.
cd "build/${preset}"
exec ctest --output-on-failure -j "${HBSYNC_TEST_JOBS:-2}" "$@"
