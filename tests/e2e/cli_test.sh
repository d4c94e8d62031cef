#!/usr/bin/env bash
# `parley log` as a user meets it: every subcommand, exit statuses, clear
# errors, and rejected input that leaves the log exactly as it was.
# usage: cli_test.sh PARLEY SCRATCH
set -euo pipefail
P=$1
S=$2
rm -rf "$S"
mkdir -p "$S"
L="$S/log"
fails=0
expect() { # expect STATUS DESCRIPTION -- command...
  local want=$1 what=$2
  shift 3
  set +e
  "$@" >"$S/out" 2>"$S/err"
  local got=$?
  set -e
  if [ "$got" != "$want" ]; then
    echo "FAIL: $what: exit $got, expected $want"; cat "$S/err"; fails=$((fails + 1))
  fi
}
snapshot() { (cd "$L" && find . -path ./private -prune -o -type f -print0 | sort -z | xargs -0 sha256sum) ; }

expect 2 "no command" -- "$P"
expect 2 "unknown command" -- "$P" frobnicate
expect 0 "help" -- "$P" help
expect 0 "version" -- "$P" version
expect 2 "init without origin" -- "$P" log init "$L"
expect 2 "init with a bad origin" -- "$P" log init "$L" --origin "has space"
grep -q "not valid" "$S/err"
expect 0 "init" -- "$P" log init "$L" --origin example.org/cli
grep -q '^example.org/cli+[0-9a-f]\{8\}+' "$S/out"
expect 3 "init again" -- "$P" log init "$L" --origin example.org/cli
grep -q "already holds a log" "$S/err"
[ "$(stat -c %a "$L/private/log.key")" = 600 ]

printf 'one\ntwo\n\nfour' >"$S/in"
expect 0 "add" -- sh -c "'$P' log add '$L' <'$S/in'"
[ "$(cat "$S/out")" = 4 ] || { echo "FAIL: add printed $(cat "$S/out")"; fails=$((fails + 1)); }
expect 0 "add nothing" -- sh -c "'$P' log add '$L' </dev/null"
[ "$(cat "$S/out")" = 4 ]

# rejected input leaves every published file as it was
before=$(snapshot)
python3 -c 'import sys; sys.stdout.write("ok\n" + "x" * 65536 + "\n")' >"$S/big"
expect 3 "oversize entry" -- sh -c "'$P' log add '$L' <'$S/big'"
grep -q "limit is 65535" "$S/err"
[ "$before" = "$(snapshot)" ] || { echo "FAIL: a rejected add changed the log"; fails=$((fails + 1)); }

expect 0 "prove" -- "$P" log prove "$L" 2
cp "$S/out" "$S/p2"
printf '' >"$S/e2"
expect 0 "verify-proof of the empty entry, given with --entry" -- "$P" log verify-proof "$S/p2" --vkey "$L/log.vkey" --entry "$S/e2"
grep -q "entry 2 is in example.org/cli at tree size 4" "$S/out"
expect 2 "verify-proof of the empty entry without --entry" -- "$P" log verify-proof "$S/p2" --vkey "$(cat "$L/log.vkey")"
expect 0 "prove 1" -- "$P" log prove "$L" 1
cp "$S/out" "$S/p1"
expect 0 "verify-proof with the entry carried in the proof" -- "$P" log verify-proof "$S/p1" --vkey "$L/log.vkey"
printf 'two' >"$S/e1"
expect 0 "verify-proof --entry" -- "$P" log verify-proof "$S/p1" --vkey "$(cat "$L/log.vkey")" --entry "$S/e1"
printf 'tw0' >"$S/e1bad"
expect 1 "verify-proof with another entry" -- "$P" log verify-proof "$S/p1" --vkey "$L/log.vkey" --entry "$S/e1bad"
sed 's/^index 1$/index 0/' "$S/p1" >"$S/p1idx"
expect 1 "verify-proof with a changed index" -- "$P" log verify-proof "$S/p1idx" --vkey "$L/log.vkey"
sed 's/^index 1$/index 01/' "$S/p1" >"$S/p1canon"
expect 3 "verify-proof, non-canonical index" -- "$P" log verify-proof "$S/p1canon" --vkey "$L/log.vkey"
grep -q "not a well-formed" "$S/err"
expect 2 "verify-proof without --vkey" -- "$P" log verify-proof "$S/p1"
"$P" log init "$S/other" --origin example.org/other >/dev/null
expect 1 "verify-proof with another log's key" -- "$P" log verify-proof "$S/p1" --vkey "$S/other/log.vkey"
expect 3 "prove past the end" -- "$P" log prove "$L" 4
grep -q "does not exist" "$S/err"
expect 2 "prove a non-number" -- "$P" log prove "$L" 01

expect 0 "audit" -- "$P" log audit "$L" --vkey "$L/log.vkey"
expect 1 "audit with another key" -- "$P" log audit "$L" --vkey "$S/other/log.vkey"
expect 3 "audit a missing directory" -- "$P" log audit "$S/nowhere" --vkey "$L/log.vkey"
chmod 644 "$L/private/log.key"
expect 3 "add with a world-readable key" -- sh -c "echo x | '$P' log add '$L'"
grep -q "chmod 600" "$S/err"
chmod 600 "$L/private/log.key"
expect 0 "add after fixing the key" -- sh -c "echo five | '$P' log add '$L'"

# `parley init` stopped between creating the log and appending its charter leaves an empty log of
# its origin: running init again completes it (same key); a log of another origin or with entries
# is refused
"$P" keygen --party founder.example --out "$S/founder" >/dev/null </dev/null
"$P" log init "$S/wg" --origin example.org/wg >/dev/null
vk=$(cat "$S/wg/log.vkey")
expect 0 "init completes an empty log of its origin" -- "$P" init "$S/wg" --origin example.org/wg --key "$S/founder.key"
[ "$(cat "$S/wg/log.vkey")" = "$vk" ] || { echo "FAIL: init replaced the empty log's key"; fails=$((fails + 1)); }
expect 0 "the completed log audits" -- "$P" log audit "$S/wg" --vkey "$S/wg/log.vkey"
head -1 "$S/wg/checkpoint" | grep -q . && [ "$(sed -n 2p "$S/wg/checkpoint")" = 2 ] ||
  { echo "FAIL: the completed log does not hold the charter and the norms"; fails=$((fails + 1)); }
expect 3 "init again on the complete log" -- "$P" init "$S/wg" --origin example.org/wg --key "$S/founder.key"
grep -q "already holds a log (example.org/wg, 2 entries)" "$S/err" || { echo "FAIL: $(cat "$S/err")"; fails=$((fails + 1)); }
"$P" log init "$S/wg2" --origin example.org/other >/dev/null
expect 3 "init on an empty log of another origin" -- "$P" init "$S/wg2" --origin example.org/wg --key "$S/founder.key"

[ "$fails" = 0 ] || { echo "$fails CLI checks failed"; exit 1; }
echo "CLI test: OK"
