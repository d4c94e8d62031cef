#!/usr/bin/env bash
# The README's run command: installs what is missing, builds, and starts
# Parley's main job on its embedded default storage (var/parley): a log whose
# entry 0 is a fresh charter, served by `parley serve` in the background.
# Prints how to reach it and what to try next. Running it again reuses the log
# and the server if it is still running.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/bootstrap.sh --runtime-only
scripts/build.sh build >/dev/null
P=$PWD/build/src/parley
HOME_DIR=${PARLEY_HOME:-$PWD/var/parley}
LOG=$HOME_DIR/log
KEYS=$HOME_DIR/keys
ORIGIN=${PARLEY_ORIGIN:-parley.localhost/wg}
LISTEN=${PARLEY_LISTEN:-127.0.0.1:8080}
PIDFILE=$HOME_DIR/serve.pid
mkdir -p "$HOME_DIR" "$KEYS"

if [ ! -f "$LOG/checkpoint" ]; then
  echo "== a fresh log $ORIGIN, with its charter, in $LOG"
  [ -f "$KEYS/operator.key" ] || $P keygen --party operator --out "$KEYS/operator" >/dev/null
  $P init "$LOG" --origin "$ORIGIN" --key "$KEYS/operator.key" --name "Parley working group (local)"
fi
VKEY=$(cat "$LOG/log.vkey")

if [ -f "$PIDFILE" ] && kill -0 "$(cat "$PIDFILE")" 2>/dev/null; then
  echo "== parley serve is already running (pid $(cat "$PIDFILE"))"
else
  echo "== starting parley serve on $LISTEN"
  extra=()
  # this machine's set-up runs as root; a real deployment runs parley as its own user
  [ "$(id -u)" = 0 ] && extra+=(--allow-root)
  nohup "$P" serve "$LOG" --listen "$LISTEN" "${extra[@]}" >"$HOME_DIR/serve.log" 2>&1 &
  echo $! >"$PIDFILE"
  for _ in $(seq 1 50); do
    curl -fsS "http://$LISTEN/healthz" >/dev/null 2>&1 && break
    sleep 0.1
  done
  curl -fsS "http://$LISTEN/healthz" >/dev/null || { echo "parley serve did not start:"; cat "$HOME_DIR/serve.log"; exit 1; }
fi

export PARLEY_SERVER="http://$LISTEN" PARLEY_VKEY="$VKEY" PARLEY_KEY="$KEYS/operator.key"
echo "== a first statement from the operator: a communication check"
IDX=$($P ping --note "first check" --wait --json | sed -n 's/.*"index":\([0-9]*\).*/\1/p')
[ -n "$IDX" ] || { echo "the ping was not accepted"; exit 1; }
echo "   ping accepted at entry $IDX, in a checkpoint, receipt verified"
cat <<MSG

Parley is running: http://$LISTEN/   (log $ORIGIN, $(curl -fsS "http://$LISTEN/healthz"))
  checkpoint  http://$LISTEN/checkpoint        health  http://$LISTEN/healthz   metrics  http://$LISTEN/metrics
  verifier key: $VKEY
  server log:   $HOME_DIR/serve.log             stop it: kill \$(cat $PIDFILE)

Try, with the environment set as below:
  export PARLEY_SERVER=http://$LISTEN PARLEY_VKEY='$VKEY' PARLEY_KEY=$KEYS/operator.key
  $P get $IDX                                   # fetch and verify the ping above
  $P norms list                              # entry 1: the 2015 UN GGE norms
  $P keygen --party cert.example --out /tmp/cert && $P enroll /tmp/cert.id.json
  $P concern raise                           # asks for what it needs; then: cases, inbox, report
  $P proof $IDX --out p.tlog-proof && $P verify-proof p.tlog-proof --identity $KEYS/operator.id.json
  $P log audit http://$LISTEN --vkey "\$PARLEY_VKEY"
MSG
