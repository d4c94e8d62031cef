#!/usr/bin/env bash
# The README's run command: installs what is missing, builds, and runs
# Parley's main job on its embedded default storage (a log directory under
# var/): create the log if needed, append a batch, audit the whole log, and
# write and verify an offline proof of the newest entry.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/bootstrap.sh --runtime-only
scripts/build.sh build >/dev/null
P=build/src/parley
HOME_DIR=${PARLEY_HOME:-var/parley}
LOG="$HOME_DIR/log"
ORIGIN=${PARLEY_ORIGIN:-parley.localhost/log}
mkdir -p "$HOME_DIR"

if [ ! -f "$LOG/checkpoint" ]; then
  echo "== creating the log $ORIGIN in $LOG"
  $P log init "$LOG" --origin "$ORIGIN" >/dev/null
fi
echo "   verifier key: $(cat "$LOG/log.vkey")"

echo "== appending a batch of statements (one entry per line)"
now=$(date -u +%Y-%m-%dT%H:%M:%SZ)
size=$(printf '%s\n' \
  "{\"type\":\"ping\",\"time\":\"$now\",\"note\":\"communication check\"}" \
  "{\"type\":\"note\",\"time\":\"$now\",\"note\":\"every entry is hashed into RFC 6962 tiles\"}" \
  "{\"type\":\"note\",\"time\":\"$now\",\"note\":\"the checkpoint is a signed C2SP note\"}" \
  | $P log add "$LOG")
echo "   the log now holds $size entries"

echo "== auditing the whole log from its tiles"
$P log audit "$LOG" --vkey "$LOG/log.vkey"

last=$((size - 1))
proof="$HOME_DIR/entry-$last.tlog-proof"
echo "== writing an offline proof of entry $last to $proof"
$P log prove "$LOG" "$last" >"$proof"
$P log verify-proof "$proof" --vkey "$LOG/log.vkey"

cat <<MSG

Done. Next:
  $P log audit $LOG --vkey $LOG/log.vkey      # recheck everything
  echo 'hello' | $P log add $LOG              # append
  $P log prove $LOG 0 > p && $P log verify-proof p --vkey "\$(cat $LOG/log.vkey)"
  serve $LOG with any static web server (see docs/operating.md) and audit it by URL
MSG
