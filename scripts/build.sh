#!/usr/bin/env bash
# Configures and builds one build tree. usage: build.sh DIR [cmake options...]
# PARLEY_BUILD_TARGET builds only that target (scripts/run.sh builds only the executable).
set -euo pipefail
cd "$(dirname "$0")/.."
dir=$1
shift
cmake -S . -B "$dir" -DCMAKE_BUILD_TYPE="${PARLEY_BUILD_TYPE:-RelWithDebInfo}" "$@" >/dev/null
cmake --build "$dir" -j"$(nproc)" ${PARLEY_BUILD_TARGET:+--target "$PARLEY_BUILD_TARGET"}
