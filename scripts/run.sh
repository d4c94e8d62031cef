#!/usr/bin/env bash
# The README's run command. Installs what is missing, builds, and starts a
# complete working group on this machine, on Parley's embedded default storage
# (var/parley): `parley serve`, two witnesses, two member parties with keys.
# Then it plays the synthetic GREYHERON incident end to end, verifying every
# step against both witnesses' cosignatures, writes an offline proof file, and
# leaves the servers running.
#
#   scripts/run.sh          set up (first time), start what is not running, play a consultation
#   scripts/run.sh stop     stop the server and the witnesses
#   scripts/run.sh status   say what runs where (exit 1 when there is no working group there)
#
# Environment: PARLEY_HOME (default var/parley), PARLEY_LISTEN (the log server,
# default 127.0.0.1:8080), PARLEY_WITNESS1_LISTEN / PARLEY_WITNESS2_LISTEN
# (default 127.0.0.1:8081 / :8082). Port 0 picks a free port. Running it again
# reuses the keys, the log and the running servers and plays one more case.
# Exit status: 0 when every step verified, 1 when one did not (it says which).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
HOME_DIR=${PARLEY_HOME:-$ROOT/var/parley}
case "$HOME_DIR" in /*) ;; *) HOME_DIR=$ROOT/$HOME_DIR ;; esac
RUN=$HOME_DIR/run
P=$ROOT/build/src/parley
ORIGIN=parley.localhost/wg

# PID is a running parley (not a zombie its parent has yet to reap, nor another program that got
# the pid of one that ended)
alive() {
  kill -0 "$1" 2>/dev/null && ! grep -q '^State:[[:space:]]*Z' "/proc/$1/status" 2>/dev/null &&
    tr '\0' ' ' <"/proc/$1/cmdline" 2>/dev/null | grep -q 'parley'
}

stop_one() { # NAME: SIGTERM, then wait for the process to end
  local f=$RUN/$1.pid
  [ -f "$f" ] || return 0
  local pid
  pid=$(cat "$f")
  if alive "$pid"; then
    kill -TERM "$pid"
    for _ in $(seq 1 100); do alive "$pid" || break; sleep 0.1; done
    if alive "$pid"; then echo "  $1 (pid $pid) did not stop on SIGTERM; killing it"; kill -KILL "$pid"; fi
    echo "  stopped $1 (pid $pid)"
  fi
  rm -f "$f" "$RUN/$1.port"
}

running() { [ -f "$RUN/$1.pid" ] && alive "$(cat "$RUN/$1.pid")"; }

case "${1:-}" in
  stop)
    [ -d "$RUN" ] || { echo "no working group in $HOME_DIR (set PARLEY_HOME to the directory scripts/run.sh used)"; exit 1; }
    for s in serve witness1 witness2; do stop_one "$s"; done
    exit 0 ;;
  status)
    if [ ! -d "$HOME_DIR/log" ]; then
      echo "no working group in $HOME_DIR (set PARLEY_HOME to the directory scripts/run.sh used)"
      exit 1
    fi
    for s in serve witness1 witness2; do
      if running "$s"; then echo "$s: running, pid $(cat "$RUN/$s.pid"), http://127.0.0.1:$(cat "$RUN/$s.port")/"
      else echo "$s: not running"; fi
    done
    exit 0 ;;
  "") ;;
  *) echo "usage: scripts/run.sh [stop|status]" >&2; exit 2 ;;
esac

mkdir -p "$HOME_DIR" "$RUN"
scripts/bootstrap.sh --runtime-only
if [ ! -x "$P" ]; then echo "== building Parley (a few minutes the first time; output in $HOME_DIR/build.log)"; fi
PARLEY_BUILD_TARGET="parley-cli parley-man" scripts/build.sh build >"$HOME_DIR/build.log" 2>&1 || { tail -30 "$HOME_DIR/build.log"; echo "the build failed"; exit 1; }

# --- the narrative: one line per step, [ok] only once the step verified ---
n=0
ok() { n=$((n + 1)); printf '  [ok] %2d. %s\n' "$n" "$*"; }
fail() {
  printf '  [FAILED] %s\n' "$1"
  [ -f "${2:-}" ] && sed 's/^/         /' "$2" | tail -20
  echo "The working group's files are in $HOME_DIR; servers' logs in $RUN/*.log."
  exit 1
}
# run WHAT CMD...: runs CMD with its output kept in $OUT; a failure stops everything
OUT=$RUN/last.out
ERR=$RUN/last.err
run() {
  local what=$1
  shift
  "$@" >"$OUT" 2>"$ERR" </dev/null || { cat "$OUT" >>"$ERR"; fail "$what" "$ERR"; }
}
json() { python3 -c 'import json,sys; v=json.load(open(sys.argv[1])); [v := v[int(k) if isinstance(v, list) else k] for k in sys.argv[2:]]; print(v)' "$OUT" "$@"; }

start() { # NAME LISTEN CMD...: starts a server in the background, waits for its port file
  local name=$1 listen=$2
  shift 2
  rm -f "$RUN/$name.port"
  nohup "$@" --listen "$listen" --port-file "$RUN/$name.port" "${ROOT_FLAG[@]}" >"$RUN/$name.log" 2>&1 &
  echo $! >"$RUN/$name.pid"
  for _ in $(seq 1 100); do [ -s "$RUN/$name.port" ] && break; sleep 0.1; done
  [ -s "$RUN/$name.port" ] || fail "$name did not start" "$RUN/$name.log"
}
ROOT_FLAG=()
# this machine's set-up may run as root; a real deployment runs Parley as its own user (docs/operating.md)
[ "$(id -u)" = 0 ] && ROOT_FLAG=(--allow-root)

echo "Parley: a working group on this machine, in $HOME_DIR"
echo

# --- the members, the log and the witnesses (made once) ---
KEYS=$HOME_DIR/keys
mkdir -p "$KEYS"
for who in cert.a cert.b; do
  if [ ! -f "$KEYS/$who.key" ]; then
    run "keys for $who" env -u PARLEY_PASSPHRASE "$P" keygen --party "$who" --out "$KEYS/$who"
    ok "$who made its key pair: $KEYS/$who.key (secret, 0600) and $who.id.json (public)"
  fi
done
LOG=$HOME_DIR/log
if [ ! -f "$LOG/checkpoint" ]; then
  run "the log" "$P" init "$LOG" --origin "$ORIGIN" --key "$KEYS/cert.a.key" --founder "$KEYS/cert.b.id.json" \
    --name "Parley working group (local demonstration)" --no-norms
  ok "log $ORIGIN created; entry 0 is the charter naming cert.a and cert.b as founders"
fi
VKEY=$(cat "$LOG/log.vkey")
for i in 1 2; do
  w=$HOME_DIR/witness$i
  owner=$([ "$i" = 1 ] && echo cert-a || echo cert-b)
  if [ ! -f "$w/witness.vkey" ]; then
    run "witness $i" "$P" witness init "$w" --name "witness.$owner.example/w$i"
    run "witness $i follows the log" "$P" witness add-log "$w" --vkey "$VKEY"
    ok "witness $i ($owner's) made its cosigning key and will follow $ORIGIN"
  fi
done
W1=$(cat "$HOME_DIR/witness1/witness.vkey")
W2=$(cat "$HOME_DIR/witness2/witness.vkey")

# --- start what is not running ---
for i in 1 2; do
  if ! running "witness$i"; then
    def=127.0.0.1:808$i
    var=PARLEY_WITNESS${i}_LISTEN
    start "witness$i" "${!var:-$def}" "$P" witness serve "$HOME_DIR/witness$i"
  fi
done
WURL1=http://127.0.0.1:$(cat "$RUN/witness1.port")
WURL2=http://127.0.0.1:$(cat "$RUN/witness2.port")
if ! running serve; then
  start serve "${PARLEY_LISTEN:-127.0.0.1:8080}" "$P" serve "$LOG" --witness "$W1@$WURL1" --witness "$W2@$WURL2"
fi
HOST=$(sed -n 's/.* at http:\/\/\([^/]*\)\/.*/\1/p' "$RUN/serve.log" | tail -1)
URL=http://${HOST:-127.0.0.1:$(cat "$RUN/serve.port")}
ok "parley serve at $URL, witnesses at $WURL1 and $WURL2 (pids in $RUN)"

# Each member's settings in one configuration file (docs/cli.md): the server, the
# log's key, its own key, both witnesses' keys and a quorum of 2. Every command
# below therefore checks what the server says: signatures, the inclusion of each
# statement in a checkpoint, and the cosignatures of both witnesses.
for who in cert.a cert.b; do
  cat >"$HOME_DIR/$who.conf" <<CONF
# $who in the local working group, written by scripts/run.sh; paths are relative to this file
server = $URL
vkey = log/log.vkey
key = keys/$who.key
witness-key = witness1/witness.vkey
witness-key = witness2/witness.vkey
quorum = 2
CONF
done
unset PARLEY_SERVER PARLEY_VKEY PARLEY_KEY PARLEY_PASSPHRASE PARLEY_PASSPHRASE_FILE PARLEY_WITNESS_KEY PARLEY_QUORUM
A=(env PARLEY_CONFIG="$HOME_DIR/cert.a.conf" "$P")
B=(env PARLEY_CONFIG="$HOME_DIR/cert.b.conf" "$P")
run "the configuration" "${A[@]}" config --json
python3 -c 'import json,sys; s=json.load(open(sys.argv[1]))["settings"]; sys.exit(0 if len(s["witness-key"]) == 2 and s["quorum"][0]["value"] == "2" else 1)' "$OUT" ||
  fail "the configuration file does not give two witness keys and a quorum of 2" "$OUT"
ok "each member's settings are in $HOME_DIR/cert.a.conf and cert.b.conf: server, keys, both witnesses, quorum 2"
VERIFIED="signed, in a checkpoint cosigned by both witnesses"

# --- the norms ---
run "listing the norm sets" "${A[@]}" norms list --json
H=$(python3 -c 'import json,sys; s=[x for x in json.load(open(sys.argv[1]))["sets"] if x["version"]=="2015"]; print(s[0]["hash"] if s else "")' "$OUT" 2>/dev/null || true)
if [ -z "$H" ]; then
  run "publishing the norms" "${A[@]}" norms publish "$ROOT/data/norms/un-gge-2015.json" --wait --json
  ok "cert.a published the 11 norms of the 2015 UN GGE report (A/70/174 §13) at entry $(json index); $VERIFIED"
  run "listing the norm sets" "${A[@]}" norms list --json
  H=$(python3 -c 'import json,sys; print([x for x in json.load(open(sys.argv[1]))["sets"] if x["version"]=="2015"][0]["hash"])' "$OUT")
fi
run "the subscriptions" "${A[@]}" norms show "$H" --json
if ! python3 -c 'import json,sys; s=json.load(open(sys.argv[1]))["subscribed"]; sys.exit(0 if "cert.a" in json.dumps(s) else 1)' "$OUT"; then
  run "cert.a subscribes" "${A[@]}" norms subscribe "$H" --wait --json
  ok "cert.a subscribed to those norms (set ${H:0:12}…) at entry $(json index); $VERIFIED"
fi

# --- the incident: invented, deterministic, documentation addresses only ---
SCEN=$HOME_DIR/greyheron
if [ ! -f "$SCEN/package/manifest.json" ]; then
  run "the scenario" python3 "$ROOT/scripts/make_scenario.py" "$SCEN"
fi
ok "the GREYHERON scenario: cert.a's evidence package and cert.b's own hosts and traffic, in $SCEN"

# --- cert.a raises a concern, seals its evidence to cert.b, asks for assistance ---
run "cert.a raises a concern" "${A[@]}" concern raise --title "GREYHERON implant in a grid operator's network" \
  --class malicious-code --rsit-type infected-system --tlp TLP:AMBER \
  --summary "An implant reporting to infrastructure hosted with cert.b's constituency; indicators and samples attached." \
  --to cert.b --norm-set "$H" --norm "13(f)" --norm "13(h)" --wait --json
CASE=$(json index)
ok "cert.a raised a concern: case $CASE, TLP:AMBER, invoking norms 13(f) and 13(h); $VERIFIED"
rm -rf "$RUN/staging"
run "cert.a adds evidence" "${A[@]}" evidence add "$CASE" "$SCEN/package" --title "GREYHERON indicators, rules and samples" \
  --tlp TLP:AMBER --to cert.b --reproduce "run the rules and indicators on your hosts and captures" --wait --json
EV=$(json index)
ok "cert.a sealed its evidence to cert.b and itself (the server holds only ciphertext): entry $EV; $VERIFIED"
DUE=$(date -u -d '+3 days' +%Y-%m-%dT%H:%M:%SZ)
run "cert.a requests assistance" "${A[@]}" request "$CASE" --kind assistance --to cert.b \
  --text "Please check your hosts and traffic for GREYHERON with the attached package and tell us what you find." \
  --due "$DUE" --due-reason "the implant is still active on the grid operator's network" --wait --json
REQ=$(json index)
ok "cert.a asked cert.b for assistance: request $REQ, due $DUE; $VERIFIED"

# --- cert.b: inbox, acknowledgement, reproduction, finding, answer ---
run "cert.b's inbox" "${B[@]}" inbox --json
INBOX=$(python3 -c 'import json,sys; i=[i for i in json.load(open(sys.argv[1]))["items"] if i["item"] == "request" and i["id"] == int(sys.argv[2])]; print("acknowledgement due %s, answer due %s" % (i[0]["next_due"], i[0]["answer_due"]) if i else "")' "$OUT" "$REQ")
[ -n "$INBOX" ] || fail "request $REQ is not in cert.b's inbox" "$OUT"
ok "request $REQ is in cert.b's inbox: $INBOX (the charter's default for acknowledgements)"
run "cert.b acknowledges" "${B[@]}" ack "$REQ" --note "received; our analysts are on it" --wait --json
ok "cert.b acknowledged request $REQ at entry $(json index); $VERIFIED"
GOT=$HOME_DIR/cert.b/evidence-$EV
rm -rf "$GOT"
mkdir -p "$HOME_DIR/cert.b"
run "cert.b fetches the evidence" "${B[@]}" evidence fetch "$EV" --out "$GOT" --json
ok "cert.b fetched evidence $EV, opened it with its own key and checked every file's hash, into $GOT"
run "cert.b checks the claim" "$P" reproduce "$GOT" --check-claim --json
ok "cert.b ran the package on its own examples: exactly the hits cert.a claims, no more, no less"
REPORT=$HOME_DIR/cert.b/report-$EV.json
run "cert.b reproduces on its own data" "${B[@]}" reproduce "$GOT" --files "$SCEN/accused/infected/files" \
  --pcap "$SCEN/accused/infected/capture.pcap" --out "$REPORT" --sign "$EV" --tlp TLP:AMBER --to cert.a --wait
FINDING=$(sed -n 's/^finding \([0-9]*\) on evidence.*/\1/p' "$OUT" | tail -1)
RESULT=$(python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); print(r["result"], len(r["hits"]))' "$REPORT")
[ -n "$FINDING" ] && [ "${RESULT%% *}" = reproduced ] || fail "the finding was not recorded as reproduced ($RESULT)" "$OUT"
ok "cert.b reproduced it on its own hosts and traffic (${RESULT#* } hits) and signed a finding: entry $FINDING; $VERIFIED"
run "cert.b answers" "${B[@]}" respond "$REQ" --status granted \
  --text "Reproduced on two of our hosts (finding $FINDING); the hosts are isolated and the C2 domain is sinkholed." \
  --wait --json
RESP=$(json index)
ok "cert.b answered request $REQ (granted) at entry $RESP, before its deadline; $VERIFIED"

# --- cert.a reads the thread, closes the case ---
run "cert.a reads the case" "${A[@]}" case show "$CASE" --json
python3 - "$OUT" <<'EOF' || fail "a statement of the case did not verify" "$OUT"
import json, sys
c = json.load(open(sys.argv[1]))
marks = [s["verified"] for s in c["thread"]]
sys.exit(0 if marks and all(all(m.values()) for m in marks) else 1)
EOF
ok "cert.a read case $CASE: every statement's signature, inclusion and witness quorum verified"
FREP=$HOME_DIR/cert.a/finding-$FINDING
rm -rf "$FREP"
mkdir -p "$HOME_DIR/cert.a"
run "cert.a opens the finding's report" "${A[@]}" evidence fetch "$FINDING" --out "$FREP" --json
HITS_A=$(python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); print(len(r["hits"]) if r["result"] == "reproduced" else "")' "$FREP/report.json")
[ -n "$HITS_A" ] || fail "cert.a's copy of the report does not say reproduced" "$FREP/report.json"
ok "cert.a opened cert.b's sealed report with its own key: reproduced, $HITS_A hits, in $FREP/report.json"
run "cert.a closes the case" "${A[@]}" close "$CASE" --outcome resolved --text "reproduced and mitigated by cert.b" --wait --json
CLOSE=$(json index)
ok "cert.a closed case $CASE as resolved at entry $CLOSE; $VERIFIED"

# --- a standing group: cert.a offers cert.b a bilateral working group, on the record ---
GDUE=$(date -u -d '+14 days' +%Y-%m-%dT%H:%M:%SZ)
run "cert.a offers a standing group" "${A[@]}" group propose --kind bilateral --invite cert.b --tlp TLP:AMBER \
  --due "$GDUE" --due-reason "before the next ministerial consultation" --name "Energy-sector incidents" \
  --mandate "study every concern about the grid operators of either side" --cadence quarterly --wait --json
GROUP=$(json index)
ok "cert.a offered cert.b a standing bilateral group at entry $GROUP, its name and mandate sealed to both, answers due $GDUE; $VERIFIED"
run "cert.b accepts the group" "${B[@]}" group answer "$GROUP" --accept --expert "the CERT's grid analyst" --wait --json
ok "cert.b accepted group $GROUP at entry $(json index): established; an answer never given would be on the record as silence; $VERIFIED"

# --- a consultation session in the group: held, its minutes endorsed by both ---
START=$(($(date +%s) + 4))
run "cert.a proposes a session" "${A[@]}" session propose --invite cert.b --tlp TLP:AMBER --group "$GROUP" \
  --from "$(date -u -d "@$START" +%Y-%m-%dT%H:%M:%SZ)" --until "$(date -u -d "@$((START + 3600))" +%Y-%m-%dT%H:%M:%SZ)" \
  --due "$(date -u -d "@$((START - 1))" +%Y-%m-%dT%H:%M:%SZ)" --due-reason "it starts right away" \
  --agenda "lessons from GREYHERON" --agenda "a standing exchange of indicators" --format virtual \
  --thread "$CASE" --wait --json
SESSION=$(json index)
run "cert.b accepts the session" "${B[@]}" session answer "$SESSION" --accept --wait --json
ok "cert.a proposed session $SESSION in group $GROUP, case $CASE on its agenda (its texts sealed to both), and cert.b accepted it; $VERIFIED"
while [ "$(date +%s)" -le "$START" ]; do sleep 0.2; done
run "cert.a records the session held" "${A[@]}" session held "$SESSION" --at "$(date -u -d "@$START" +%Y-%m-%dT%H:%M:%SZ)" --wait --json
run "cert.b records the minutes" "${B[@]}" session outcome "$SESSION" --kind minutes \
  --text "Both CERTs will exchange GREYHERON indicators monthly through Parley." --wait --json
MINUTES=$(json index)
run "cert.a endorses the minutes" "${A[@]}" outcome endorse "$MINUTES" --wait --json
run "cert.b endorses the minutes" "${B[@]}" outcome endorse "$MINUTES" --wait --json
run "the session" "${A[@]}" session show "$SESSION" --json
python3 - "$OUT" <<'PYEOF' || fail "the minutes are not agreed" "$OUT"
import json, sys
s = json.load(open(sys.argv[1]))
sys.exit(0 if s["state"] == "held" and s["outcomes"] and s["outcomes"][0]["agreed"] else 1)
PYEOF
ok "session $SESSION was held; its minutes (entry $MINUTES, sealed) are endorsed by both, each endorsement bound to their text by its leaf hash; $VERIFIED"

# --- the members: contact details sealed to the members' key (TLP:GREEN) ---
run "cert.b's contact details" "${B[@]}" contact --email "poc@cert-b.example" --hours "24/7" --wait --json
ok "cert.b published its contact details at entry $(json index), sealed to the members' key: every member reads them, also one that joins later; the log shows only that cert.b updated them; $VERIFIED"
run "cert.a's members list" "${A[@]}" members list --json
CONTACT=$(python3 -c 'import json,sys; m=[m for m in json.load(open(sys.argv[1]))["members"] if m["party"] == "cert.b"]; c=m[0]["contact"] if m else {}; print("%s, %s" % (c["email"], c["hours"]) if c and c.get("sealed", {}).get("state") == "opened" else "")' "$OUT")
[ -n "$CONTACT" ] || fail "cert.a did not open cert.b's contact details" "$OUT"
ok "cert.a opened them with the members' key its own key opens: $CONTACT"

# --- anyone, offline: a proof file, and the whole log audited ---
mkdir -p "$HOME_DIR/proofs"
PROOF=$HOME_DIR/proofs/finding-$FINDING.tlog-proof
run "the proof file" "${A[@]}" proof "$FINDING" --out "$PROOF"
# offline: nothing but the file, the log's key, cert.b's identity and the witnesses' keys
run "the offline proof check" "$P" verify-proof "$PROOF" --vkey "$VKEY" --identity "$KEYS/cert.b.id.json" \
  --witness-key "$W1" --witness-key "$W2" --quorum 2
ok "an offline proof that cert.b signed finding $FINDING, with both cosignatures: $PROOF (verified without the server)"
run "the audit" "$P" log audit "$URL" --vkey "$VKEY" --witness-key "$W1" --witness-key "$W2" --quorum 2
SIZE=$(python3 -c 'import json,sys,urllib.request; print(json.load(urllib.request.urlopen(sys.argv[1] + "/healthz"))["size"])' "$URL")
ok "the whole log ($SIZE entries) audited from its tiles: every hash recomputed, the checkpoint cosigned by both witnesses"

cat <<MSG

All $n steps verified. Parley is running:
  log server   $URL/   (checkpoint: $URL/checkpoint   metrics: $URL/metrics)
  witnesses    $WURL1/  $WURL2/
  files        $HOME_DIR  (keys, log, witnesses, the scenario, proofs; servers' logs in $RUN)
  stop         scripts/run.sh stop

Try, as cert.b (its settings are in its configuration file; cert.a's is next to it):
  export PARLEY_CONFIG=$HOME_DIR/cert.b.conf
  alias parley=$P
MSG
try() { printf '  %-36s # %s\n' "$1" "$2"; }
try "parley config" "what applies, and where it comes from"
try "parley case show $CASE" "the thread, each statement verified"
try "parley group show $GROUP" "the standing group: each answer, or silence past its deadline"
try "parley session show $SESSION" "the session: answers, held, minutes endorsed by both"
try "parley inbox" "what awaits cert.b"
try "parley report" "who answered what, and when, derived from the log"
try "parley members list" "the members and their contact details, opened with your key"
try "parley get $FINDING --json" "one statement, fetched and verified"
try "parley ping --to cert.a --wait" "a communication check"
try "parley help" "every command; parley help CMD for one"
try "curl $URL/checkpoint" "the log's newest checkpoint, cosigned"
echo "  parley verify-proof $PROOF --identity $KEYS/cert.b.id.json"
echo "Then docs/getting-started.md explains what happened, and the guides what comes next."
