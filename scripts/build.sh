#!/usr/bin/env bash
# Configures and builds one build tree. usage: build.sh DIR [cmake options...]
# PARLEY_BUILD_TARGET builds only those targets (scripts/run.sh builds the executable and its man pages).
set -euo pipefail
cd "$(dirname "$0")/.."
dir=$1
shift
cmake -S . -B "$dir" -DCMAKE_BUILD_TYPE="${PARLEY_BUILD_TYPE:-RelWithDebInfo}" "$@" >/dev/null
targets=()
if [ -n "${PARLEY_BUILD_TARGET:-}" ]; then read -r -a t <<<"$PARLEY_BUILD_TARGET"; targets=(--target "${t[@]}"); fi
cmake --build "$dir" -j"$(nproc)" "${targets[@]}"
