#!/usr/bin/env bash
# The man pages: `cmake --install` puts the binary and one page per command and
# subcommand (and parley(1)) under share/man/man1, and groff renders each without
# a single warning.
# usage: man_test.sh PARLEY BUILD_DIR SCRATCH
set -euo pipefail
P=$1
B=$2
S=$3
rm -rf "$S"
mkdir -p "$S"
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }

cmake --install "$B" --prefix "$S/prefix" >"$S/install.log"
M="$S/prefix/share/man/man1"
[ -x "$S/prefix/bin/parley" ] || fail "the binary is not installed"
pages=(parley)
while IFS= read -r name; do
  case "$name" in help | version) continue ;; esac
  pages+=("parley-${name// /-}")
done < <("$P" help --list)
for p in "${pages[@]}"; do
  f="$M/$p.1"
  if [ ! -s "$f" ]; then fail "$f is missing"; continue; fi
  if ! groff -man -Tutf8 -ww -z "$f" 2>"$S/warn"; then fail "groff failed on $p"; fi
  if [ -s "$S/warn" ]; then fail "groff warns on $p: $(head -3 "$S/warn")"; fi
  if command -v man >/dev/null; then
    MANWIDTH=80 man -l "$f" 2>"$S/warn" | grep -q "NAME" || fail "man -l $p shows no NAME section"
    if [ -s "$S/warn" ]; then fail "man -l warns on $p: $(head -3 "$S/warn")"; fi
  fi
done
n=$(find "$M" -name '*.1' | wc -l)
[ "$n" = "${#pages[@]}" ] || fail "$n pages installed, ${#pages[@]} expected"
# the page says what the help says: every flag of the help is in the page
"$P" help --man log audit | groff -man -Tutf8 -ww 2>/dev/null | sed 's/\x1b\[[0-9;]*m//g; s/.\x08//g' >"$S/audit.txt"
for f in vkey witness-key quorum; do
  grep -q -- "--$f" "$S/audit.txt" || fail "parley-log-audit(1) lacks --$f"
done
echo "${#pages[@]} pages"
[ "$fails" = 0 ] && echo OK
exit $((fails > 0))
