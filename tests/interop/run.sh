#!/usr/bin/env bash
# Interoperability test: logs written by `parley log` checked by Go's
# golang.org/x/mod/sumdb/note and sumdb/tlog (see README.md and verify.go).
#
# usage: run.sh PARLEY_BINARY SCRATCH_DIR
#
# Needs `go` and the x/mod sources in GOPATH layout (Debian: golang-go and
# golang-golang-x-mod-dev). Builds in GOPATH mode with no network. A missing
# toolchain or missing sources is a failure, never a skip.
set -euo pipefail

die() { echo "interop: FAIL: $*" >&2; exit 1; }

[[ $# -eq 2 ]] || die "usage: run.sh PARLEY_BINARY SCRATCH_DIR"
PARLEY=$1
SCRATCH=$2
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
XMOD_GOPATH=${PARLEY_INTEROP_GOPATH:-/usr/share/gocode}
START=$SECONDS

[[ -x $PARLEY ]] || die "parley binary '$PARLEY' is missing or not executable"
[[ -n $SCRATCH && $SCRATCH != / ]] || die "bad scratch dir '$SCRATCH'"
command -v go >/dev/null || die "'go' not found in PATH (Debian package golang-go)"
for pkg in note tlog; do
	[[ -f $XMOD_GOPATH/src/golang.org/x/mod/sumdb/$pkg/$pkg.go ]] ||
		die "golang.org/x/mod/sumdb/$pkg not found under $XMOD_GOPATH/src (Debian package golang-golang-x-mod-dev)"
done

mkdir -p "$SCRATCH"
SCRATCH=$(cd "$SCRATCH" && pwd)
rm -rf "$SCRATCH/run"
mkdir -p "$SCRATCH/run" "$SCRATCH/gocache"
W=$SCRATCH/run

# --- Build the Go verifier: GOPATH mode, no network, cache in the scratch dir.
VERIFY=$W/verify
echo "== building verify.go with $(go version)"
GO111MODULE=off GOPATH=$XMOD_GOPATH GOCACHE=$SCRATCH/gocache GOFLAGS='' GOENV=off GOPROXY=off \
	go build -o "$VERIFY" "$HERE/verify.go" || die "building verify.go failed"

# --- Helpers.
verify() { # args for the verifier; must succeed
	echo "-- verify $*" | sed "s|$W/||g"
	"$VERIFY" "$@" || die "Go verifier rejected a log written by parley (args: $*)"
}
expect_reject() { # NAME ARGS...: the verifier must exit exactly 1
	local name=$1 out rc=0
	shift
	out=$("$VERIFY" "$@" 2>&1) || rc=$?
	if [[ $rc -ne 1 ]]; then
		printf '%s\n' "$out" >&2
		die "negative check '$name': Go verifier exited $rc, want 1"
	fi
	echo "ok: rejected $name: $(printf '%s\n' "$out" | tail -n 1)"
}
flip_byte() { # FILE OFFSET: xor one byte with 0x01 in place
	local f=$1 off=$2 b
	[[ -f $f ]] || die "flip_byte: no file $f"
	b=$(od -An -tu1 -j "$off" -N1 "$f" | tr -d ' \n')
	[[ -n $b ]] || die "flip_byte: offset $off is past the end of $f"
	chmod u+w "$f"
	# shellcheck disable=SC2059
	printf "\\$(printf '%03o' $((b ^ 1)))" | dd of="$f" bs=1 seek="$off" conv=notrunc status=none
	[[ $(od -An -tu1 -j "$off" -N1 "$f" | tr -d ' \n') -eq $((b ^ 1)) ]] || die "flip_byte: $f unchanged"
}
add_batch() { # FILE EXPECTED_SIZE
	local size
	size=$("$PARLEY" log add "$LOG" <"$1") || die "parley log add failed"
	[[ $size == "$2" ]] || die "parley log add printed size '$size', expected $2"
	echo "== added $(wc -l <"$1") entries, size $size"
}
prove() { # INDEX -> writes $W/proofs/at<size>-<index>.tlog-proof
	local size f
	size=$(sed -n 2p "$LOG/checkpoint")
	f=$W/proofs/at$size-$1.tlog-proof
	"$PARLEY" log prove "$LOG" "$1" >"$f" || die "parley log prove $1 failed"
	PROOFS+=("$f")
}

LOG=$W/log
mkdir -p "$W/proofs" "$W/cp"
PROOFS=()

# --- A log, grown in batches of different sizes.
echo "== parley log init"
VKEY=$("$PARLEY" log init "$LOG" --origin example.com/parley/interop)
[[ $VKEY == "$(cat "$LOG/log.vkey")" ]] || die "init printed '$VKEY' but log.vkey holds '$(cat "$LOG/log.vkey")'"
cp "$LOG/checkpoint" "$W/cp/0"
verify "$LOG" "$VKEY"

# Batch 1: one entry.
printf 'first entry\n' >"$W/batch1"
add_batch "$W/batch1" 1
cp "$LOG/checkpoint" "$W/cp/1"
prove 0
verify -old "$W/cp/0" "$LOG" "$LOG/log.vkey" "${PROOFS[@]}"

# Batch 2: 255 entries, filling the first tile exactly (size 256).
seq 1 255 | sed 's/^/batch2 entry /' >"$W/batch2"
add_batch "$W/batch2" 256
cp "$LOG/checkpoint" "$W/cp/256" # the older checkpoint kept for the end
cp -a "$LOG" "$W/fork"           # a copy that will diverge (negative check below)
prove 255
verify -old "$W/cp/1" "$LOG" "$VKEY" "${PROOFS[@]}"

# Batch 3: 300 entries with an empty line, odd bytes and a maximum-size entry.
{
	printf '\n'                            # 256: empty entry
	printf '\001\002\037\177\n'            # 257: control bytes
	printf '\377\376 not UTF-8 \300\n'     # 258: invalid UTF-8
	printf 'NUL\000inside\n'               # 259: NUL byte
	printf 'carriage\rreturn\ttab\n'       # 260: CR and TAB inside a line
	printf '\342\200\224 example.com/parley/interop AAAA\n' # 261: looks like a note signature line
	printf 'c2sp.org/tlog-proof@v1\n'      # 262
	printf '\200\n'                        # 263: lone continuation byte
	head -c 65535 /dev/zero | tr '\0' 'A'  # 264: 65535 bytes, the largest entry
	printf '\n'
	printf '\n'                            # 265: another empty entry
	printf '   \n'                         # 266: spaces only
	seq 267 555 | sed 's/^/batch3 entry /' # 267..555
} >"$W/batch3"
[[ $(wc -l <"$W/batch3") -eq 300 ]] || die "batch3 generator produced $(wc -l <"$W/batch3") lines"
add_batch "$W/batch3" 556
cp "$LOG/checkpoint" "$W/cp/556"
for i in 256 257 258 259 260 261 263 264 265 555; do prove "$i"; done
verify -old "$W/cp/256" "$LOG" "$VKEY" "${PROOFS[@]}"

# Batch 4: 70000 entries, past 65536 (three tile levels), with some empty
# entries and high bytes.
LC_ALL=C awk 'BEGIN {
	for (i = 556; i < 70556; i++) {
		if (i % 9973 == 0) print ""
		else if (i % 7 == 0) printf "e%d\377\001\n", i
		else printf "entry %d\n", i
	}
}' >"$W/batch4"
[[ $(wc -l <"$W/batch4") -eq 70000 ]] || die "batch4 generator produced $(wc -l <"$W/batch4") lines"
add_batch "$W/batch4" 70556
cp "$LOG/checkpoint" "$W/cp/70556"
for i in 0 1 254 255 256 257 264 511 512 555 556 9973 65535 65536 70399 70400 70555; do prove "$i"; done

echo "== final log: $(find "$LOG/tile" -type f | wc -l) tile files"
verify -old "$W/cp/256" "$LOG" "$VKEY" "${PROOFS[@]}"
verify -old "$W/cp/1" "$LOG" "$VKEY"
verify -old "$W/cp/556" "$LOG" "$VKEY"

# --- Negative checks: each must make the Go verifier exit 1.
echo "== negative checks"
N=70556
LAST_W=$((N % 256)) # width of the right-edge partial tiles at level 0
copy() { rm -rf "${W:?}/$1" && cp -a "$LOG" "$W/$1" && echo "$W/$1"; }

# A pristine copy must still verify, so the rejections below are due to the flips.
verify "$(copy pristine)" "$VKEY"

d=$(copy bad-tile0)
flip_byte "$d/tile/0/100" 4000 # a full level-0 tile in the middle (not first/last bundle)
expect_reject "level-0 tile tile/0/100 with one byte flipped" "$d" "$VKEY"

d=$(copy bad-entry)
flip_byte "$d/tile/entries/150" 4 # inside the text of entry 38400 ("entry 38400")
expect_reject "entry bundle tile/entries/150 with one byte flipped" "$d" "$VKEY"

d=$(copy bad-entry-len)
flip_byte "$d/tile/entries/200" 1 # length prefix of entry 51200
expect_reject "entry bundle tile/entries/200 with a length byte flipped" "$d" "$VKEY"

d=$(copy bad-partial)
flip_byte "$d/tile/0/275.p/$LAST_W" 100 # the right-edge partial level-0 tile
expect_reject "partial tile tile/0/275.p/$LAST_W with one byte flipped" "$d" "$VKEY"

d=$(copy bad-tile1)
flip_byte "$d/tile/1/000" 5000 # a level-1 tile
expect_reject "level-1 tile tile/1/000 with one byte flipped" "$d" "$VKEY"

d=$(copy bad-checkpoint)
sed -i "2s/^$N\$/$((N - 1))/" "$d/checkpoint"
cmp -s "$LOG/checkpoint" "$d/checkpoint" && die "checkpoint edit did nothing"
expect_reject "checkpoint with its size line changed" "$d" "$VKEY"

OTHER_VKEY=$("$PARLEY" log init "$W/other" --origin example.com/parley/interop)
[[ $OTHER_VKEY != "$VKEY" ]] || die "two logs got the same key"
expect_reject "checkpoint under another key with the same name" "$LOG" "$OTHER_VKEY"

sed "2s/^extra .*/extra $(printf 'not the entry' | base64 -w0)/" "$W/proofs/at70556-0.tlog-proof" >"$W/bad-extra.tlog-proof"
cmp -s "$W/proofs/at70556-0.tlog-proof" "$W/bad-extra.tlog-proof" && die "proof edit did nothing"
expect_reject "proof file with a different extra" "$LOG" "$VKEY" "$W/bad-extra.tlog-proof"

awk 'NR == 4 { $0 = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=" } { print }' \
	"$W/proofs/at70556-264.tlog-proof" >"$W/bad-hash.tlog-proof"
expect_reject "proof file with one proof hash replaced" "$LOG" "$VKEY" "$W/bad-hash.tlog-proof"

# A fork: same key, same first 256 entries, different entries after that.
seq 1 300 | sed 's/^/forked entry /' | "$PARLEY" log add "$W/fork" >/dev/null
expect_reject "older checkpoint from a fork of the log" -old "$W/fork/checkpoint" "$LOG" "$VKEY"

echo "== interop.go_sumdb: all checks passed in $((SECONDS - START))s"
