#!/usr/bin/env bash
# systemd_units_test.sh - the units in dist/ are valid and sandboxed: `systemd-analyze verify`
# accepts them (with ExecStart pointing at the built binary) and `systemd-analyze security`
# rates their exposure 2.0 or lower ("OK" or better); the documentation they name is installed.
set -euo pipefail
PARLEY=$(readlink -f "$1")
SCRATCH=$2
DIST=$(cd "$(dirname "$0")/../../dist" && pwd)
rm -rf "$SCRATCH" && mkdir -p "$SCRATCH"
fail=0
for unit in parley-serve.service parley-witness.service; do
  sed "s|/usr/local/bin/parley|$PARLEY|" "$DIST/$unit" >"$SCRATCH/$unit"
  if ! out=$(systemd-analyze verify --man=no "$SCRATCH/$unit" 2>&1) || [ -n "$out" ]; then
    echo "FAIL: $unit does not verify: $out"; fail=1
  fi
  level=$(systemd-analyze security --offline=true "$SCRATCH/$unit" 2>&1 | sed -n 's/.*Overall exposure level for [^:]*: \([0-9.]*\).*/\1/p')
  if [ -z "$level" ] || ! awk -v l="$level" 'BEGIN { exit !(l <= 2.0) }'; then
    echo "FAIL: $unit exposure level is '${level:-unknown}', above 2.0"; fail=1
  else
    echo "$unit: verified, exposure $level"
  fi
  grep -q '^User=parley$' "$DIST/$unit" || { echo "FAIL: $unit does not run as the parley user"; fail=1; }
done
# what the units point to is what `cmake --install` installs (the build tree is the binary's ../..)
BUILD=$(dirname "$(dirname "$PARLEY")")
if [ -f "$BUILD/CMakeCache.txt" ]; then
  cmake --install "$BUILD" --prefix "$SCRATCH/prefix" >/dev/null
  for doc in $(sed -n 's|^Documentation=file:///usr/local/||p' "$DIST"/*.service | sort -u); do
    [ -f "$SCRATCH/prefix/$doc" ] && echo "installed: $doc" || { echo "FAIL: the units' Documentation $doc is not installed"; fail=1; }
  done
  [ -x "$SCRATCH/prefix/bin/parley" ] || { echo "FAIL: cmake --install did not install bin/parley"; fail=1; }
else
  echo "FAIL: no build tree above $PARLEY"; fail=1
fi
exit $fail
