#!/usr/bin/env bash
# The README's test command: installs what is missing, builds, and runs the
# whole test suite twice - in the normal build (warnings are errors) and in
# the ASan+UBSan build. Exits non-zero if anything fails.
set -euo pipefail
cd "$(dirname "$0")/.."
start=$(date +%s)
scripts/bootstrap.sh
jobs=$(nproc)

echo "== normal build"
scripts/build.sh build
ctest --test-dir build --output-on-failure -j"$jobs"

echo "== AddressSanitizer + UndefinedBehaviorSanitizer build"
PARLEY_BUILD_TYPE=Debug scripts/build.sh build-asan -DPARLEY_SANITIZE=ON
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  ctest --test-dir build-asan --output-on-failure -j"$jobs"

echo "== all tests passed in both builds ($(( $(date +%s) - start )) s)"
