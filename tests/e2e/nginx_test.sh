#!/usr/bin/env bash
# The log directory serves unchanged: nginx with `root` set to the log
# directory is a complete tlog-tiles read API. `parley log audit URL` audits the
# log through it (with gzip on the wire), proofs built from the directory
# verify, and the private/ folder is not served.
# usage: nginx_test.sh PARLEY SCRATCH
set -euo pipefail
PARLEY=$1
SCRATCH=$2
NGINX=$(command -v nginx || echo /usr/sbin/nginx)
[ -x "$NGINX" ] || { echo "FAIL: nginx not installed (scripts/bootstrap.sh installs nginx-light)" >&2; exit 1; }
rm -rf "$SCRATCH"
mkdir -p "$SCRATCH"
# The log directory lives in a fresh directory of its own that others may traverse (not list),
# not in SCRATCH: started as root, nginx runs its workers as an unprivileged user (nobody here,
# with no `user` directive; www-data in Debian's own nginx.conf), and the checkout may sit under a
# home nobody else can enter (/root, Debian 12's 0700 homes). nginx still serves exactly what
# `parley log init/add` wrote there, read as that unprivileged user. As root, the directory is made
# in TMPDIR only if others can traverse every directory above it, else in /tmp.
traversable() { # every ancestor of $1 has o+x
  local p=$1
  while [ "$p" != / ]; do
    p=$(dirname "$p")
    (( 0$(stat -c %a "$p") & 1 )) || return 1
  done
}
base=${TMPDIR:-/tmp}
if [ "$(id -u)" = 0 ] && ! traversable "$base/x"; then base=/tmp; fi
PUB=$(mktemp -d "$base/parley-nginx.XXXXXX")
NPID=
cleanup() {
  if [ -n "$NPID" ]; then kill "$NPID" 2>/dev/null || true; wait "$NPID" 2>/dev/null || true; fi
  rm -rf "$PUB"
}
trap cleanup EXIT
chmod 0711 "$PUB"
if [ "$(id -u)" = 0 ] && ! traversable "$PUB/log"; then
  echo "FAIL: a directory above $PUB cannot be traversed by others: nginx's workers could not reach the log" >&2
  exit 1
fi
LOG="$PUB/log"
"$PARLEY" log init "$LOG" --origin example.org/nginx >/dev/null
seq 1 1000 | "$PARLEY" log add "$LOG" >/dev/null
seq 1001 1300 | "$PARLEY" log add "$LOG" >/dev/null
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
cat >"$SCRATCH/nginx.conf" <<CONF
worker_processes 1;
pid $SCRATCH/nginx.pid;
error_log $SCRATCH/error.log;
daemon off;
events { worker_connections 64; }
http {
  access_log $SCRATCH/access.log;
  client_body_temp_path $SCRATCH/tmp_body;
  proxy_temp_path $SCRATCH/tmp_proxy;
  fastcgi_temp_path $SCRATCH/tmp_fcgi;
  uwsgi_temp_path $SCRATCH/tmp_uwsgi;
  scgi_temp_path $SCRATCH/tmp_scgi;
  gzip on;
  gzip_types application/octet-stream text/plain;
  server {
    listen 127.0.0.1:$PORT;
    root $LOG;
    location = /checkpoint { default_type "text/plain; charset=utf-8"; add_header Cache-Control "no-cache"; }
    location /tile/ { default_type application/octet-stream; add_header Cache-Control "max-age=31536000, immutable"; }
    location / { return 404; }
  }
}
CONF
"$NGINX" -c "$SCRATCH/nginx.conf" -p "$SCRATCH" 2>"$SCRATCH/nginx.stderr" &
NPID=$!
for _ in $(seq 1 50); do
  curl -fsS "http://127.0.0.1:$PORT/checkpoint" >/dev/null 2>&1 && break
  sleep 0.1
done
URL="http://127.0.0.1:$PORT"
out=$("$PARLEY" log audit "$URL" --vkey "$LOG/log.vkey")
echo "$out"
grep -q "at size 1300" <<<"$out"
# the private folder is never served
code=$(curl -s -o /dev/null -w '%{http_code}' "$URL/private/log.key")
[ "$code" = 404 ] || { echo "FAIL: private/log.key answered $code" >&2; exit 1; }
# bundles come back gzip-compressed when asked
enc=$(curl -s -D - -o /dev/null -H 'Accept-Encoding: gzip' "$URL/tile/entries/000" | tr -d '\r' | awk -F': ' 'tolower($1)=="content-encoding"{print $2}')
[ "$enc" = gzip ] || { echo "FAIL: bundle not gzip-encoded (got '$enc')" >&2; exit 1; }
# a byte changed on the server side is caught through HTTP too
cp "$LOG/tile/0/000" "$SCRATCH/tile.bak"
printf 'X' | dd of="$LOG/tile/0/000" bs=1 seek=100 conv=notrunc 2>/dev/null
if "$PARLEY" log audit "$URL" --vkey "$LOG/log.vkey" 2>"$SCRATCH/audit.err"; then
  echo "FAIL: audit over HTTP missed a changed tile" >&2; exit 1
fi
grep -q "tile/0/000" "$SCRATCH/audit.err"
cp "$SCRATCH/tile.bak" "$LOG/tile/0/000"
# a missing server is a clean error, not a crash
kill $NPID; wait $NPID 2>/dev/null || true
NPID=
set +e
"$PARLEY" log audit "$URL" --vkey "$LOG/log.vkey" 2>/dev/null
rc=$?
set -e
[ "$rc" = 3 ] || { echo "FAIL: audit of an unreachable URL exited $rc, expected 3" >&2; exit 1; }
echo "nginx test: OK"
