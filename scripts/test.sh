#!/usr/bin/env bash
# The README's test command: installs what is missing, builds, and runs the
# whole test suite twice - in the normal build (warnings are errors) and in
# the ASan+UBSan build - then the unit tests under valgrind and the server's
# concurrency tests under ThreadSanitizer. In between it builds (only builds)
# two more configurations of scripts/build_matrix.sh, where the optimiser finds
# warnings the others do not: GCC -O3 over Debian's packaging flags, and clang
# -O3. Exits non-zero if anything fails.
set -euo pipefail
cd "$(dirname "$0")/.."
start=$(date +%s)
scripts/bootstrap.sh
jobs=$(nproc)

echo "== normal build"
scripts/build.sh build
ctest --test-dir build --output-on-failure -j"$jobs"

echo "== release builds, warnings are errors: GCC -O3 with Debian's dpkg-buildflags, clang -O3"
scripts/build_matrix.sh debian-release clang-release

echo "== AddressSanitizer + UndefinedBehaviorSanitizer build"
PARLEY_BUILD_TYPE=Debug scripts/build.sh build-asan -DPARLEY_SANITIZE=ON
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  ctest --test-dir build-asan --output-on-failure -j"$jobs"

echo "== unit tests under valgrind (memory errors and definite leaks)"
find build/tests -maxdepth 1 -type f -name 'test_*' -perm -u+x | sort |
  xargs -P "$jobs" -I{} sh -c 'valgrind --quiet --error-exitcode=9 --leak-check=full \
      --errors-for-leak-kinds=definite {} >{}.valgrind.log 2>&1 ||
    { echo "FAIL: {} under valgrind:"; tail -40 {}.valgrind.log; exit 1; }'

echo "== ThreadSanitizer build: the server's concurrency tests"
scripts/build.sh build-tsan -DPARLEY_TSAN=ON
TSAN_OPTIONS=halt_on_error=1:second_deadlock_stack=1 \
  ctest --test-dir build-tsan --output-on-failure -j"$jobs" -R 'e2e\.(server|workflow|witness_monitor|crash_soak|hostile)$'

echo "== all tests passed: normal, ASan+UBSan, valgrind, TSan; release builds clean ($(( $(date +%s) - start )) s)"
