#!/usr/bin/env bash
# Installs every Debian package Parley needs to build, test, fuzz and benchmark.
# Idempotent: packages already installed are left alone and apt-get is not run at all
# when nothing is missing. Needs root (or sudo) only when something must be installed.
set -euo pipefail

# Build and runtime libraries (the only dependencies libparley has), and what scripts/run.sh
# uses besides Parley: python3 (the scenario generator), curl.
LIBS=(
  build-essential cmake pkg-config
  libsodium-dev libssl-dev libsqlite3-dev libmicrohttpd-dev libjansson-dev
  libyara-dev libpcap-dev libcurl4-openssl-dev libcmocka-dev zlib1g-dev
  python3 curl ca-certificates
)
# Test and tooling: the independent verifier (Go's x/mod sumdb), fuzzing, python checks,
# nginx to show the log directory serves unchanged, benchmarking, and for evidence: the yara
# command line (the baseline `parley reproduce` is measured against) and tshark (an independent
# capture dissector the tests compare with); groff and man-db render the man pages in their test;
# dpkg-dev's dpkg-buildflags gives scripts/build_matrix.sh Debian's packaging flags.
TOOLS=(
  clang libclang-rt-14-dev golang-go golang-golang-x-mod-dev dpkg-dev
  valgrind nginx-light hyperfine wrk sqlite3
  yara tshark systemd
  groff-base man-db
)

want=("${LIBS[@]}")
if [ "${1:-}" != "--runtime-only" ]; then want+=("${TOOLS[@]}"); fi

missing=()
for p in "${want[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
if [ "${#missing[@]}" -eq 0 ]; then
  echo "bootstrap: all ${#want[@]} packages present"
  exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then SUDO=sudo; else
    echo "bootstrap: missing packages (${missing[*]}) and not root; run as root" >&2; exit 1
  fi
fi
echo "bootstrap: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
