#!/usr/bin/env bash
# Crash soak of `parley serve` (tests/e2e/soak_test.py): sustained signed
# ingest from several clients, SIGKILL at random moments, restart, and after
# every restart the checks that nothing acknowledged was lost, that the
# checkpoint never went backwards, and (every 10 kills and at the end) that
# the whole log audits. Prints the summary; exits non-zero on any failure.
#
# usage: scripts/soak.sh [KILLS] [extra soak_test.py options, e.g. --seed N --seconds S]
#   KILLS defaults to 200 (CI runs 40: ctest -R e2e.crash_soak).
#   PARLEY_BUILD (default build-soak) is the build tree, built if needed;
#   PARLEY_SOAK_DIR (default $PARLEY_BUILD/soak) the scratch directory.
set -euo pipefail
cd "$(dirname "$0")/.."
kills=200
if [ $# -gt 0 ] && [[ $1 =~ ^[0-9]+$ ]]; then
  kills=$1
  shift
fi
build=${PARLEY_BUILD:-build-soak}
echo "== building $build (incremental)"
[ -f "$build/CMakeCache.txt" ] || cmake -S . -B "$build" -DCMAKE_BUILD_TYPE="${PARLEY_BUILD_TYPE:-RelWithDebInfo}" >/dev/null
cmake --build "$build" -j"$(nproc)" --target parley-cli >/dev/null
scratch=${PARLEY_SOAK_DIR:-$build/soak}
echo "== crash soak: $kills kills, scratch $scratch"
exec python3 tests/e2e/soak_test.py "$build/src/parley" "$scratch" --kills "$kills" "$@"
