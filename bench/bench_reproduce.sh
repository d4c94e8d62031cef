#!/usr/bin/env bash
# bench_reproduce.sh - `parley reproduce` against the baselines named in the
# evidence issue, in the same run, on the same files (page cache warm for all):
#
#   YARA:      parley reproduce with a package holding only YARA rules (the scenario's
#              rules.yar and its yara indicator)  vs  yara -r with those same rules
#   hashing:   parley reproduce with a package holding only a SHA-256 file indicator
#              vs  sha256sum over every file
#   captures:  parley reproduce with the scenario's network indicators on a large capture
#              (the scenario's packets repeated), in Gbit/s of captured traffic
#
#   bash bench/bench_reproduce.sh BUILD_DIR WORK_DIR [SIZE_MB]
#
# SIZE_MB (default 2048) is the size of the generated file corpus; the capture is about a
# quarter of it. Needs the yara CLI and python3 (scripts/bootstrap.sh installs them).
set -euo pipefail
BUILD=${1:?usage: bench_reproduce.sh BUILD_DIR WORK_DIR [SIZE_MB]}
WORK=${2:?usage: bench_reproduce.sh BUILD_DIR WORK_DIR [SIZE_MB]}
SIZE=${3:-2048}
P=$(readlink -f "$BUILD/src/parley")
ROOT=$(cd "$(dirname "$0")/.." && pwd)
mkdir -p "$WORK"
SCEN="$WORK/scenario"
if [ ! -f "$SCEN/.size-$SIZE" ]; then
  rm -rf "$SCEN"
  echo "== generating a ${SIZE} MB corpus (scripts/make_scenario.py --size-mb $SIZE)"
  python3 "$ROOT/scripts/make_scenario.py" "$SCEN" --size-mb "$SIZE" >/dev/null
  touch "$SCEN/.size-$SIZE"
fi
FILES="$SCEN/accused/infected/files"
BYTES=$(du -sb "$FILES" | cut -f1)
NFILES=$(find "$FILES" -type f | wc -l)

# packages holding one kind of check each, cut from the scenario's package
python3 - "$SCEN/package" "$WORK" <<'PY'
import hashlib, json, os, shutil, sys
src, work = sys.argv[1], sys.argv[2]
m = json.load(open(os.path.join(src, "manifest.json")))
bundle = json.load(open(os.path.join(src, "indicators.json")))
def write(name, objects, yara):
    d = os.path.join(work, name)
    shutil.rmtree(d, ignore_errors=True)
    os.makedirs(d)
    files = {}
    if objects is not None:
        data = json.dumps({"type": "bundle", "id": bundle["id"], "objects": objects}).encode()
        open(os.path.join(d, "indicators.json"), "wb").write(data)
        files["indicators.json"] = hashlib.sha256(data).hexdigest()
    if yara:
        shutil.copy(os.path.join(src, "rules.yar"), d)
        files["rules.yar"] = hashlib.sha256(open(os.path.join(d, "rules.yar"), "rb").read()).hexdigest()
    man = {"parley": "evidence/v1", "title": name, "files": files,
           "stix": ["indicators.json"] if objects is not None else [], "yara": ["rules.yar"] if yara else []}
    json.dump(man, open(os.path.join(d, "manifest.json"), "w"))
inds = [o for o in bundle["objects"] if o["type"] == "indicator"]
yara_ind = [o for o in inds if o["pattern_type"] == "yara"]
sha = [o for o in inds if o["pattern_type"] == "stix" and "SHA-256" in o["pattern"] and " OR " not in o["pattern"]][:1]
net = [o for o in inds if o["pattern_type"] == "stix" and any(k in o["pattern"] for k in
       ("ipv4-addr", "ipv6-addr", "domain-name", "url:", "network-traffic")) and "FOLLOWEDBY" not in o["pattern"]]
write("pkg-yara", yara_ind, True)
# the same rules for the yara CLI: rules.yar plus the yara indicator's rule
open(os.path.join(work, "all-rules.yar"), "w").write(open(os.path.join(src, "rules.yar")).read() + "\n" +
                                                      "\n".join(o["pattern"] for o in yara_ind) + "\n")
write("pkg-sha256", sha, False)
write("pkg-net", net, False)
PY

# a large capture: the infected capture once, then the clean capture's packets repeated
BIG="$WORK/big.pcap"
if [ ! -f "$BIG.$SIZE" ]; then
  python3 - "$SCEN/accused/infected/capture.pcap" "$SCEN/accused/clean/capture.pcap" "$BIG" $((SIZE / 4)) <<'PY'
import struct, sys
inf, clean, dst, mb = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
def records(path):
    data = open(path, "rb").read()
    recs, off = [], 24
    while off + 16 <= len(data):
        sec, usec, incl, orig = struct.unpack("<IIII", data[off:off + 16])
        recs.append((usec, data[off + 16:off + 16 + incl], orig))
        off += 16 + incl
    return data[:24], recs
head, first = records(inf)
_, rest = records(clean)
with open(dst, "wb") as f:
    f.write(head)
    written, t, recs = 0, 1700000000, first
    while written < mb << 20:
        for usec, pkt, orig in recs:
            f.write(struct.pack("<IIII", t, usec, len(pkt), orig) + pkt)
            written += 16 + len(pkt)
        t, recs = t + 1, rest
PY
  touch "$BIG.$SIZE"
fi
PCAP_BYTES=$(stat -c %s "$BIG")

echo "== corpus: $NFILES files, $((BYTES / 1000000)) MB; capture $((PCAP_BYTES / 1000000)) MB; $(nproc) cores"
find "$FILES" -type f -exec cat {} + >/dev/null   # warm the page cache for everyone
python3 - "$P" "$WORK" "$FILES" "$BIG" "$BYTES" "$PCAP_BYTES" <<'PY'
import os, subprocess, sys, time
P, work, files, big, nbytes, pbytes = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5]), int(sys.argv[6])
cores = str(os.cpu_count())
def best(cmd, shell=False):
    b = None
    for _ in range(3):
        t0 = time.monotonic()
        subprocess.run(cmd, shell=shell, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
        t = time.monotonic() - t0
        b = t if b is None or t < b else b
    return b
t_yara = best(["yara", "-r", "-p", cores, os.path.join(work, "all-rules.yar"), files])
t_py = best([P, "reproduce", os.path.join(work, "pkg-yara"), "--files", files, "--json"])
t_sha = best("find '%s' -type f -print0 | xargs -0 sha256sum" % files, shell=True)
t_ps = best([P, "reproduce", os.path.join(work, "pkg-sha256"), "--files", files, "--json"])
t_net = best([P, "reproduce", os.path.join(work, "pkg-net"), "--pcap", big, "--json"])
mb = lambda n, t: n / 1e6 / t
print("%-46s %7.2f s %7.0f MB/s" % ("yara -r -p %s (the same rules)" % cores, t_yara, mb(nbytes, t_yara)))
print("%-46s %7.2f s %7.0f MB/s   %.2fx yara" % ("parley reproduce (YARA rules only)", t_py, mb(nbytes, t_py), t_yara / t_py))
print("%-46s %7.2f s %7.0f MB/s" % ("sha256sum (every file)", t_sha, mb(nbytes, t_sha)))
print("%-46s %7.2f s %7.0f MB/s   %.2fx sha256sum" % ("parley reproduce (a SHA-256 indicator)", t_ps, mb(nbytes, t_ps), t_sha / t_ps))
print("%-46s %7.2f s %7.0f MB/s   %.2f Gbit/s" % ("parley reproduce (network indicators)", t_net, mb(pbytes, t_net), pbytes * 8 / t_net / 1e9))
PY
