#!/usr/bin/env bash
# Tile serving: `parley serve` against nginx on the same log directory.
#
# usage: bench/tiles_vs_nginx.sh BUILD_DIR [SCRATCH]
#   BUILD_DIR  a build tree holding src/parley and bench/bench_ingest
#   SCRATCH    work directory (default /tmp/parley-tiles); a log already in
#              SCRATCH/log is reused, otherwise one of about ENTRIES entries
#              is made there by bench_ingest (64 founders pinging; `parley
#              serve` only opens logs of valid statements)
# environment (defaults): ENTRIES=100000 DURATION=10 CONNS=64 THREADS=2 RUNS=3
#              NGINX_WORKERS=auto MIX=all (or hash: hash tiles only; entries: bundles only)
#
# Both servers get the same wrk run (-t THREADS -c CONNS -d DURATION, keep-
# alive), in alternation, RUNS times each; wrk's Lua script rotates over every
# hash tile and entry bundle URL of the log (full and partial tiles of every
# level). nginx runs as a standalone master with NGINX_WORKERS workers,
# sendfile on, access log off, keepalive_requests high (parley serve neither
# logs nor limits requests per connection). Non-2xx answers are counted and
# must be zero. Prints requests/s per run, the medians and their ratio.
# wrk comes from Debian's `wrk`, nginx from `nginx-light` (scripts/bootstrap.sh).
set -euo pipefail
BUILD=${1:?usage: tiles_vs_nginx.sh BUILD_DIR [SCRATCH]}
SCRATCH=${2:-/tmp/parley-tiles}
ENTRIES=${ENTRIES:-100000}
DURATION=${DURATION:-10}
CONNS=${CONNS:-64}
THREADS=${THREADS:-2}
RUNS=${RUNS:-3}
NGINX_WORKERS=${NGINX_WORKERS:-auto}
MIX=${MIX:-all}
PARLEY=$(cd "$BUILD" && pwd)/src/parley
INGEST=$(cd "$BUILD" && pwd)/bench/bench_ingest
NGINX=$(command -v nginx || echo /usr/sbin/nginx)
WRK=$(command -v wrk || true)
[ -x "$PARLEY" ] || { echo "no $PARLEY: build first" >&2; exit 1; }
[ -x "$NGINX" ] || { echo "nginx not installed (scripts/bootstrap.sh installs nginx-light)" >&2; exit 1; }
[ -n "$WRK" ] || { echo "wrk not installed (scripts/bootstrap.sh installs wrk)" >&2; exit 1; }

mkdir -p "$SCRATCH"
SCRATCH=$(cd "$SCRATCH" && pwd)
LOG=$SCRATCH/log
if [ ! -f "$LOG/checkpoint" ]; then
  [ -x "$INGEST" ] || { echo "no $INGEST: build first" >&2; exit 1; }
  per=$(( (ENTRIES + 63) / 64 ))
  echo "making a log of ~$ENTRIES entries in $LOG (bench_ingest, 64 x $per statements)"
  "$INGEST" "$PARLEY" --conns 64 --stmts "$per" --wait-stmts 0 --poll-us 0 --dir "$LOG" --keep >"$SCRATCH/ingest.txt"
fi
size=$(sed -n 2p "$LOG/checkpoint")

# every tile and bundle URL of the log (MIX=hash: hash tiles only; MIX=entries: bundles only)
case "$MIX" in
  all) filter=. ;;
  hash) filter='^/tile/[0-9]' ;;
  entries) filter='^/tile/entries/' ;;
  *) echo "MIX is all, hash or entries" >&2; exit 2 ;;
esac
(cd "$LOG" && find tile -type f | sed 's|^|/|' | sort | grep -E "$filter") >"$SCRATCH/paths.txt"
npaths=$(wc -l <"$SCRATCH/paths.txt")
cat >"$SCRATCH/rotate.lua" <<LUA
local paths = {}
for line in io.lines("$SCRATCH/paths.txt") do paths[#paths + 1] = line end
local i = math.random(#paths)
request = function()
  i = i + 1
  if i > #paths then i = 1 end
  return wrk.format("GET", paths[i])
end
LUA

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

NPORT=$(free_port)
mkdir -p "$SCRATCH/nginx"
cat >"$SCRATCH/nginx/nginx.conf" <<CONF
worker_processes $NGINX_WORKERS;
pid $SCRATCH/nginx/nginx.pid;
error_log $SCRATCH/nginx/error.log;
daemon off;
events { worker_connections 1024; }
http {
  access_log off;
  sendfile on;
  tcp_nopush on;
  keepalive_requests 1000000;
  keepalive_timeout 60;
  client_body_temp_path $SCRATCH/nginx/tmp_body;
  proxy_temp_path $SCRATCH/nginx/tmp_proxy;
  fastcgi_temp_path $SCRATCH/nginx/tmp_fcgi;
  uwsgi_temp_path $SCRATCH/nginx/tmp_uwsgi;
  scgi_temp_path $SCRATCH/nginx/tmp_scgi;
  server {
    listen 127.0.0.1:$NPORT;
    root $LOG;
    location /tile/ { default_type application/octet-stream; add_header Cache-Control "public, max-age=31536000, immutable"; }
    location / { return 404; }
  }
}
CONF
rm -f "$SCRATCH/parley.port"
# --trust-log: the log was checked when it was written; skip re-verifying every signature at start
"$PARLEY" serve "$LOG" --listen 127.0.0.1:0 --port-file "$SCRATCH/parley.port" --allow-root --trust-log \
  >"$SCRATCH/parley.out" 2>&1 &
PPID_=$!
"$NGINX" -c "$SCRATCH/nginx/nginx.conf" -p "$SCRATCH/nginx" 2>"$SCRATCH/nginx/stderr" &
NPID=$!
cleanup() {
  kill "$PPID_" "$NPID" 2>/dev/null || true
  wait "$PPID_" "$NPID" 2>/dev/null || true
}
trap cleanup EXIT
for _ in $(seq 1 600); do
  [ -s "$SCRATCH/parley.port" ] && curl -fsS "http://127.0.0.1:$NPORT/tile/0/000" -o /dev/null 2>/dev/null && break
  sleep 0.1
done
[ -s "$SCRATCH/parley.port" ] || { echo "parley serve did not start; see $SCRATCH/parley.out" >&2; exit 1; }
PPORT=$(cat "$SCRATCH/parley.port")
# both serve the same bytes
for p in $(sed -n '1p;$p' "$SCRATCH/paths.txt"); do
  cmp <(curl -fsS "http://127.0.0.1:$PPORT$p") <(curl -fsS "http://127.0.0.1:$NPORT$p") \
    || { echo "FAIL: $p differs between parley and nginx" >&2; exit 1; }
done

echo "log: $LOG, size $size, $npaths URLs (MIX=$MIX), $(cd "$LOG" && sed 's|^/||' "$SCRATCH/paths.txt" | xargs du -cb | tail -1 | cut -f1) bytes"
echo "wrk -t$THREADS -c$CONNS -d${DURATION}s, $RUNS runs each, alternating; nginx workers: $NGINX_WORKERS"
printf '%-8s %4s %12s %10s %10s %8s\n' server run "requests/s" "MB/s" "lat avg" non2xx

# run NAME PORT RUN: prints a row on stderr, requests/s on stdout
run() {
  local out rps mbs lat bad
  out=$("$WRK" -t"$THREADS" -c"$CONNS" -d"${DURATION}s" --latency -s "$SCRATCH/rotate.lua" "http://127.0.0.1:$2" 2>&1)
  echo "$out" >>"$SCRATCH/wrk-$1.txt"
  rps=$(awk '/^Requests\/sec:/ {print $2}' <<<"$out")
  mbs=$(awk '/^Transfer\/sec:/ {print $2}' <<<"$out")
  lat=$(awk '$1 == "Latency" {print $2; exit}' <<<"$out")
  bad=$(awk '/Non-2xx or 3xx responses:/ {print $5}' <<<"$out")
  bad=${bad:-0}
  [ -n "$rps" ] || { echo "wrk failed against $1:"; echo "$out"; exit 1; } >&2
  printf '%-8s %4s %12s %10s %10s %8s\n' "$1" "$3" "$rps" "$mbs" "$lat" "$bad" >&2
  [ "$bad" = 0 ] || { echo "FAIL: $1 answered $bad non-2xx" >&2; exit 1; }
  echo "$rps"
}
rm -f "$SCRATCH/wrk-parley.txt" "$SCRATCH/wrk-nginx.txt"
p_all=() n_all=()
for r in $(seq 1 "$RUNS"); do
  n_all+=("$(run nginx "$NPORT" "$r")")
  p_all+=("$(run parley "$PPORT" "$r")")
done
median() { printf '%s\n' "$@" | sort -g | awk '{v[NR]=$1} END {print (NR % 2) ? v[(NR+1)/2] : (v[NR/2]+v[NR/2+1])/2}'; }
pm=$(median "${p_all[@]}")
nm=$(median "${n_all[@]}")
awk -v p="$pm" -v n="$nm" -v pr="${p_all[*]}" -v nr="${n_all[*]}" 'BEGIN {
  printf "parley serve: median %.0f requests/s (runs: %s)\n", p, pr
  printf "nginx:        median %.0f requests/s (runs: %s)\n", n, nr
  printf "ratio parley/nginx: %.2f (goal >= 0.80)\n", p / n
}'
