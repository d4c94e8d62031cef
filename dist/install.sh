#!/usr/bin/env bash
# install.sh - installs parley as a system service: the binary and docs, a system user
# `parley` owning /var/lib/parley, and the systemd units (not started).
#
#   sudo bash dist/install.sh [BUILD_DIR]
#
# Then, as the parley user: create the log (`sudo -u parley parley init /var/lib/parley/log
# --origin ... --key ...`), and `systemctl enable --now parley-serve`.
set -euo pipefail
BUILD=${1:-build}
HERE=$(cd "$(dirname "$0")" && pwd)
[ "$(id -u)" -eq 0 ] || { echo "install.sh: run as root" >&2; exit 1; }
cmake --install "$BUILD" --prefix /usr/local
getent group parley >/dev/null || groupadd --system parley
getent passwd parley >/dev/null || useradd --system --gid parley --home-dir /var/lib/parley \
  --shell /usr/sbin/nologin --comment "Parley log server" parley
install -d -m 0750 -o parley -g parley /var/lib/parley
install -m 0644 "$HERE/parley-serve.service" "$HERE/parley-witness.service" /etc/systemd/system/
if command -v systemctl >/dev/null && [ -d /run/systemd/system ]; then systemctl daemon-reload; fi
echo "installed: /usr/local/bin/parley, its man pages, /usr/local/share/doc/parley, user parley, /var/lib/parley, parley-serve.service, parley-witness.service"
