#!/usr/bin/env python3
"""Regenerates the committed seed corpus in fuzz/corpus/ deterministically.

Usage: python3 fuzz/make_corpus.py [--parley build/src/parley]

Seeds are real inputs signed with the fixed keys of fuzz_common.h (Ed25519
via Python's `cryptography`, which is deterministic), the known-answer
vectors of tests/vectors, real proof files and entry bundles made by the
`parley` CLI (a log of the entries 1..300 whose key is replaced by the fixed
example.org/fuzz key before anything is signed), and near-misses derived
from them. It also writes the reproducers of known findings into
fuzz/regressions/<target>/ (see README.md). Existing files with these names are overwritten; other files
(for instance ones merged in by `run.sh --merge`) are left alone.
"""
import argparse
import base64
import hashlib
import os
import shutil
import struct
import subprocess
import sys
import tempfile

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
VECTORS = os.path.join(ROOT, "tests", "vectors")
EMDASH = "\u2014 ".encode()
TREE_MAX = 1 << 62
NOTE_MAX = 128 * 1024
PROOF_FILE_MAX = NOTE_MAX + 96 * 1024 + 64 * 48
WITNESS_REQ_MAX = NOTE_MAX + 64 * 48 + 32


def b64(b):
    return base64.b64encode(b).decode()


class Key:
    def __init__(self, name, typ, label):
        self.name = name
        self.typ = typ
        self.seed = hashlib.sha256(label.encode()).digest()
        self.sk = Ed25519PrivateKey.from_private_bytes(self.seed)
        self.pk = self.sk.public_key().public_bytes_raw()
        h = hashlib.sha256(name.encode() + b"\n" + bytes([typ]) + self.pk).digest()
        self.id = h[:4]

    def vkey(self):
        return f"{self.name}+{self.id.hex()}+{b64(bytes([self.typ]) + self.pk)}".encode()

    def skey(self):
        return f"PRIVATE+KEY+{self.name}+{self.id.hex()}+{b64(bytes([self.typ]) + self.seed)}".encode()

    def sig_line(self, text, ts=1700000000):
        """The signature line (with newline) of this key over note text."""
        if self.typ == 4:
            msg = b"cosignature/v1\ntime %d\n" % ts + text
            sig = self.id + struct.pack(">Q", ts) + self.sk.sign(msg)
        else:
            sig = self.id + self.sk.sign(text)
        return EMDASH + self.name.encode() + b" " + b64(sig).encode() + b"\n"

    def sign(self, text, ts=1700000000):
        return text + b"\n" + self.sig_line(text, ts)


LOG = Key("example.org/cert-log", 1, "log seed")
WIT = Key("witness.example.org/w1", 4, "witness seed")
FUZZ = Key("example.org/fuzz", 1, "fuzz log seed")
OTHER = Key("other.example/log", 1, "other seed")  # known to no target


def read(name):
    with open(os.path.join(VECTORS, name), "rb") as f:
        return f.read()


def tree8():
    leaves, roots, incl, cons = {}, {}, {}, {}
    for line in read("rfc6962-tree8.txt").decode().splitlines():
        if not line or line.startswith("#"):
            continue
        head, _, tail = line.partition(":")
        words, vals = head.split(), tail.split()
        if words[0] == "leaf":
            leaves[int(words[1])] = bytes.fromhex(tail.strip())
        elif words[0] == "root":
            roots[int(words[1])] = bytes.fromhex(vals[0])
        elif words[0] == "inclusion":
            incl[(int(words[1]), int(words[2]))] = [bytes.fromhex(v) for v in vals]
        elif words[0] == "consistency":
            cons[(int(words[1]), int(words[2]))] = [bytes.fromhex(v) for v in vals]
    return leaves, roots, incl, cons


def body(origin, size, root):
    """Checkpoint note text; root is 32 raw bytes or already-encoded text."""
    o = origin.encode() if isinstance(origin, str) else origin
    n = str(size).encode() if isinstance(size, int) else size
    r = b64(root).encode() if len(root) == 32 else root
    return o + b"\n" + n + b"\n" + r + b"\n"


def cosigned(text):
    """text signed by the cert-log key and cosigned by w1."""
    return LOG.sign(text) + WIT.sig_line(text)


def proof_file(index, proof, checkpoint, extra=None):
    out = b"c2sp.org/tlog-proof@v1\n"
    if extra is not None:
        out += b"extra " + b64(extra).encode() + b"\n"
    out += b"index %d\n" % index
    for h in proof:
        out += b64(h).encode() + b"\n"
    return out + b"\n" + checkpoint


def witness_req(old, proof, checkpoint):
    out = b"old %d\n" % old
    for h in proof:
        out += b64(h).encode() + b"\n"
    return out + b"\n" + checkpoint


def bad_b64_hash():
    """Base64 of 32 bytes with non-zero padding bits (not canonical)."""
    s = b64(bytes(range(32)))
    return (s[:-2] + "B=").encode()


class Corpus:
    def __init__(self, root):
        self.root = root
        self.count = {}

    def put(self, target, name, data):
        d = os.path.join(self.root, target)
        os.makedirs(d, exist_ok=True)
        with open(os.path.join(d, name), "wb") as f:
            f.write(data)
        self.count[target] = self.count.get(target, 0) + 1


def cli_log(parley):
    """A log of entries 1..300 under the fixed example.org/fuzz key.
    Returns (proof files by index, bundles by name)."""
    tmp = tempfile.mkdtemp(prefix="parley-corpus-")
    try:
        d = os.path.join(tmp, "log")
        subprocess.run([parley, "log", "init", d, "--origin", FUZZ.name], check=True, stdout=subprocess.DEVNULL)
        kp = os.path.join(d, "private", "log.key")
        os.chmod(kp, 0o600)
        with open(kp, "wb") as f:
            f.write(FUZZ.skey() + b"\n")
        with open(os.path.join(d, "log.vkey"), "wb") as f:
            f.write(FUZZ.vkey() + b"\n")
        entries = "".join("%d\n" % i for i in range(1, 301)).encode()
        subprocess.run([parley, "log", "add", d], input=entries, check=True, stdout=subprocess.DEVNULL)
        proofs = {}
        for i in (0, 5, 255, 256, 299):
            r = subprocess.run([parley, "log", "prove", d, str(i)], check=True, stdout=subprocess.PIPE)
            proofs[i] = r.stdout
        bundles = {}
        for rel in ("tile/entries/000", "tile/entries/001.p/44"):
            with open(os.path.join(d, rel), "rb") as f:
                bundles[rel] = f.read()
        return proofs, bundles
    finally:
        shutil.rmtree(tmp)


def note_seeds(c):
    cp6, cp8 = read("checkpoint.6"), read("checkpoint.8")
    cos6, cos8 = read("cosig.6"), read("cosig.8")
    text6 = cp6[: cp6.index(b"\n\n") + 1]
    put = lambda n, d: c.put("note", n, d)
    put("checkpoint6", cp6)
    put("checkpoint6-cosig", cp6 + cos6)
    put("checkpoint8-cosig", cp8 + cos8)
    put("checkpoint6-wrong-cosig", cp6 + cos8)  # a known key's bad signature
    text = b"Hello, world.\nA note of several lines,\n\xc3\xa9t\xc3\xa9 \xe2\x98\x83.\n"
    put("text-signed", LOG.sign(text))
    put("text-signed-twice", LOG.sign(text) + LOG.sig_line(text))
    put("text-unknown-key", OTHER.sign(text))  # no known signature
    put("text-cosig-only", text + b"\n" + WIT.sig_line(text, 0))
    put("empty-text", b"\n" + b"\n" + LOG.sig_line(b"\n"))
    unknown_type = EMDASH + b"example.org/big " + b64(b"\x01\x02\x03\x04" + bytes(8200)).encode() + b"\n"
    put("unknown-sig-type-big", LOG.sign(text) + unknown_type)
    many = LOG.sign(text) + b"".join(EMDASH + b"k%d " % i + b64(b"\x00\x00\x00\x00" + bytes(64)).encode() + b"\n"
                                     for i in range(99))
    put("sigs-100", many)
    put("sigs-101", many + OTHER.sig_line(text))
    signed = LOG.sign(text)
    put("no-final-newline", signed[:-1])
    put("no-blank-line", text + LOG.sig_line(text))
    put("short-sig", text + b"\n" + EMDASH + b"x AAAA\n")
    put("sig-bad-b64", text + b"\n" + EMDASH + LOG.name.encode() + b" " + bad_b64_hash() + b"\n")
    put("sig-name-space", text + b"\n" + EMDASH + b"a b " + b64(bytes(68)).encode() + b"\n")
    put("control-char", LOG.sign(b"tab\there\n"))
    put("bad-utf8", LOG.sign(b"bad \xc0\xaf utf-8\n"))
    put("cosig-time-max", text6 + b"\n" + LOG.sig_line(text6) + WIT.sig_line(text6, (1 << 63) - 1))
    put("cosig-time-too-big", text6 + b"\n" + LOG.sig_line(text6) + WIT.sig_line(text6, 1 << 63))
    # key strings
    put("vkey-log", LOG.vkey())
    put("vkey-witness", WIT.vkey())
    put("vkey-wrong-id", LOG.vkey().replace(LOG.id.hex().encode(), (b"%08x" % (int.from_bytes(LOG.id, "big") ^ 1))))
    put("vkey-upper-hex", f"{WIT.name}+{WIT.id.hex().upper()}+{b64(bytes([4]) + WIT.pk)}".encode())
    put("vkey-type-2", f"{LOG.name}+{LOG.id.hex()}+{b64(bytes([2]) + LOG.pk)}".encode())
    v = LOG.vkey()
    put("vkey-noncanonical-b64", v[:-1] + (b"I" if v[-1:] != b"I" else b"J"))
    put("skey-log", LOG.skey())
    put("skey-witness", WIT.skey())
    put("skey-wrong-id", LOG.skey().replace(LOG.id.hex().encode(), b"00000000"))
    put("oversize", LOG.sign(b"x" * 1024 + b"\n" + (b"y" * 127 + b"\n") * 1024))  # > PL_NOTE_MAX


def acceptance_seeds(c):
    """Both forms of tlog/acceptance.h: the signed notes of tests/vectors/acceptance.txt, their texts, near-misses."""
    notes = {}
    for line in read("acceptance.txt").decode().splitlines():
        if line.startswith("note "):
            head, _, val = line.partition(": ")
            notes[head[5:].replace(" ", "-")] = base64.b64decode(val)
    put = lambda n, d: c.put("acceptance", n, d)
    for name, note in sorted(notes.items()):
        put(name, note)
        put(name + "-text", note[: note.index(b"\n\n") + 1])
    root = b64(hashlib.sha256(b"root").digest()).encode()
    t = b"2026-01-02T03:04:05Z"
    batch = lambda first, count, r=root, head=b"parley.batch-acceptance/v1", origin=LOG.name.encode(): (
        head + b"\n" + origin + b"\n" + first + b"\n" + count + b"\n" + r + b"\n" + t + b"\n")
    put("batch-signed-max", LOG.sign(batch(b"4611686018427387902", b"1")))
    put("batch-past-tree", LOG.sign(batch(b"4611686018427387903", b"2")))
    put("batch-count-zero", LOG.sign(batch(b"7", b"0")))
    put("batch-count-2^32", LOG.sign(batch(b"7", b"4294967296")))
    put("batch-count-over", LOG.sign(batch(b"7", b"4294967297")))
    put("batch-leading-zero", LOG.sign(batch(b"07", b"3")))
    put("batch-root-bad-b64", LOG.sign(batch(b"7", b"3", bad_b64_hash())))
    put("batch-other-origin", LOG.sign(batch(b"7", b"3", origin=b"other.example/log")))
    put("batch-other-key", OTHER.sign(batch(b"7", b"3")))
    put("batch-as-single", LOG.sign(batch(b"7", b"3", head=b"parley.acceptance/v1")))
    put("batch-extra-line", LOG.sign(batch(b"7", b"3") + b"x\n"))
    put("checkpoint-signed", read("checkpoint.6"))


def checkpoint_seeds(c):
    cp6, cp8 = read("checkpoint.6"), read("checkpoint.8")
    cos6, cos8 = read("cosig.6"), read("cosig.8")
    body6 = cp6[: cp6.index(b"\n\n") + 1]
    body8 = cp8[: cp8.index(b"\n\n") + 1]
    _, roots, _, _ = tree8()
    put = lambda n, d: c.put("checkpoint", n, d)
    put("body6", body6)
    put("body8", body8)
    put("body-size0", body(LOG.name, 0, roots[0]))
    put("body-size-max", body(LOG.name, TREE_MAX - 1, roots[8]))
    put("body-size-2^62", body(LOG.name, TREE_MAX, roots[8]))
    put("body-size-2^64", body(LOG.name, b"18446744073709551616", roots[8]))
    put("body-size-leading-zero", body(LOG.name, b"06", roots[6]))
    put("body-size-plus", body(LOG.name, b"+6", roots[6]))
    put("body-root-bad-b64", body(LOG.name, 6, bad_b64_hash()))
    put("body-root-31-bytes", body(LOG.name, 6, b64(roots[6][:31]).encode()))
    put("body-root-33-bytes", body(LOG.name, 6, b64(roots[6] + b"\0").encode()))
    put("body-extension-line", body6 + b"extension line\n")
    put("body-no-final-newline", body6[:-1])
    put("body-crlf", body6.replace(b"\n", b"\r\n"))
    put("body-empty-origin", body("", 6, roots[6]))
    put("body-origin-255", body("o" * 255, 6, roots[6]))
    put("body-origin-256", body("o" * 256, 6, roots[6]))
    put("body-origin-utf8", body("\u00e9xample.org/\u2603 log", 6, roots[6]))
    put("signed6", cp6)  # quorum 1 not met
    put("signed6-cosig", cp6 + cos6)
    put("signed8-cosig", cp8 + cos8)
    put("signed8-cosig-wrong", cp8 + cos6)
    put("signed-other-origin", cosigned(body("example.org/other", 8, roots[8])))
    put("signed-extension-line", cosigned(body8 + b"ext\n"))
    t = body("other.example/log", 8, roots[8])
    put("signed-by-unknown-log", OTHER.sign(t) + WIT.sig_line(t))
    put("signed-size0-cosig", cosigned(body(LOG.name, 0, roots[0])))
    put("oversize", LOG.sign(body8) + (EMDASH + b"k " + b64(bytes(4000)).encode() + b"\n") * 25)


def tile_path_seeds(c):
    ok = ["tile/0/000", "tile/0/001", "tile/0/x001/234", "tile/0/x001/234.p/17", "tile/1/000.p/1",
          "tile/entries/005", "tile/entries/x123/x456/789.p/255", "tile/63/x999/x999/x999/x999/x999/999",
          "tile/entries/x999/x999/x999/x999/x999/999.p/128", "tile/2/x010/x000/000"]
    bad = {"leading-zero-group": "tile/0/x000/001", "level-leading-zero": "tile/00/001",
           "level-64": "tile/64/000", "short-group": "tile/0/1", "long-group": "tile/0/0001",
           "width-0": "tile/0/001.p/0", "width-256": "tile/0/001.p/256", "width-leading-zero": "tile/0/001.p/017",
           "width-empty": "tile/0/001.p/", "seven-groups": "tile/entries/x999/x999/x999/x999/x999/x999/999",
           "level-minus-1": "tile/-1/000", "x-short": "tile/0/x01/234", "trailing-slash": "tile/0/001/",
           "unknown-level": "tile/data/000", "no-tile-prefix": "tiles/0/000", "x-last": "tile/0/x001",
           "p-no-slash": "tile/0/001.p17"}
    for i, p in enumerate(ok):
        c.put("tile_path", "ok-%02d" % i, p.encode())
    for n, p in bad.items():
        c.put("tile_path", n, p.encode())
    c.put("tile_path", "oversize", b"tile/0/" + b"x001/" * 11 + b"001.p/1")  # >= PL_TILE_PATH_MAX


def bundle(entries):
    return b"".join(struct.pack(">H", len(e)) + e for e in entries)


def bundle_seeds(c, cli_bundles):
    leaves, _, _, _ = tree8()
    put = lambda n, d: c.put("bundle", n, d)
    tree = [leaves[i] for i in range(8)]
    put("tree8", bytes([7]) + bundle(tree))
    put("one-hello", bytes([0]) + bundle([b"hello"]))
    put("one-empty", bytes([0]) + bundle([b""]))
    put("count-0-empty", bytes([0]))
    put("full-256", bytes([255]) + bundle([b"e%d" % i for i in range(256)]))
    put("cli-entries-000", bytes([255]) + cli_bundles["tile/entries/000"])
    put("cli-entries-001.p-44", bytes([43]) + cli_bundles["tile/entries/001.p/44"])
    put("count-too-small", bytes([6]) + bundle(tree))
    put("count-too-big", bytes([8]) + bundle(tree))
    put("truncated-length", bytes([1]) + bundle([b"abc"]) + b"\x00")
    put("truncated-entry", bytes([1]) + bundle([b"abc", b"defgh"])[:-2])
    put("trailing-byte", bytes([0]) + bundle([b"abc"]) + b"!")
    put("length-ffff-short", bytes([0]) + b"\xff\xff" + b"x" * 100)
    put("oversize-entry-65535", bytes([1]) + bundle([b"A" * 65535, b"B"]))


def proof_file_seeds(c, cli_proofs):
    leaves, roots, incl, _ = tree8()
    cp8, cos8 = read("checkpoint.8"), read("cosig.8")
    put = lambda n, d: c.put("proof_file", n, d)
    for i, pf in cli_proofs.items():
        put("cli-index-%d" % i, pf)
    # the same proof with a w1 cosignature on the checkpoint
    pf5 = cli_proofs[5]
    cut = pf5.index(b"\n\n") + 2
    cpt = pf5[cut:]
    cp_text = cpt[: cpt.index(b"\n\n") + 1]
    put("cli-index-5-cosig", pf5 + WIT.sig_line(cp_text))
    for i in (0, 5, 7):
        put("tree8-index-%d" % i, proof_file(i, incl[(i, 8)], cp8 + cos8, leaves[i] or None))
    put("tree8-wrong-index", proof_file(4, incl[(5, 8)], cp8, leaves[5]))
    put("tree8-wrong-entry", proof_file(5, incl[(5, 8)], cp8, b"not the entry"))
    put("tree8-short-proof", proof_file(5, incl[(5, 8)][:2], cp8, leaves[5]))
    base = proof_file(5, incl[(5, 8)], cp8, leaves[5])
    put("index-leading-zero", base.replace(b"index 5\n", b"index 05\n"))
    put("index-2^62", base.replace(b"index 5\n", b"index %d\n" % TREE_MAX))
    put("extra-empty", base.replace(b"extra " + b64(leaves[5]).encode(), b"extra "))
    put("extra-bad-b64", base.replace(b"extra " + b64(leaves[5]).encode(), b"extra QUJD=A=="))
    put("extra-noncanonical", base.replace(b"extra " + b64(leaves[5]).encode(), b"extra QUJ="))
    put("hash-bad-b64", base.replace(b64(incl[(5, 8)][0]).encode(), bad_b64_hash()))
    put("magic-v2", base.replace(b"tlog-proof@v1", b"tlog-proof@v2"))
    put("no-checkpoint", proof_file(5, incl[(5, 8)], b"", leaves[5]))
    put("no-blank-line", base.replace(b"\n\n", b"\n", 1))
    put("crlf", base.replace(b"\n", b"\r\n"))
    put("proof-63-lines", proof_file(5, [roots[8]] * 63, cp8, leaves[5]))
    put("proof-64-lines", proof_file(5, [roots[8]] * 64, cp8, leaves[5]))
    put("oversize", proof_file(5, incl[(5, 8)], cp8 + b"x" * (PROOF_FILE_MAX - len(cp8)), leaves[5]))


def witness_req_seeds(c):
    _, roots, _, cons = tree8()
    cp6, cp8 = read("checkpoint.6"), read("checkpoint.8")
    cos8 = read("cosig.8")
    put = lambda n, d: c.put("witness_req", n, d)
    put("vector-6-8", read("add-checkpoint.6-8"))
    for m in (1, 2, 3, 4, 5, 7):
        put("tree8-%d-8" % m, witness_req(m, cons[(m, 8)], cp8))
    put("old-0", witness_req(0, [], cp8))
    put("old-8-same", witness_req(8, [], cp8 + cos8))
    put("old-9-ahead", witness_req(9, [], cp8))
    put("old-0-with-proof", witness_req(0, cons[(6, 8)][:1], cp8))
    put("old-6-short-proof", witness_req(6, cons[(6, 8)][:2], cp8))
    put("old-6-at-6", witness_req(6, cons[(6, 8)], cp6))
    put("old-leading-zero", witness_req(6, cons[(6, 8)], cp8).replace(b"old 6", b"old 06"))
    put("old-2^62", witness_req(TREE_MAX, [], cp8))
    put("hash-bad-b64", witness_req(6, cons[(6, 8)], cp8).replace(b64(cons[(6, 8)][0]).encode(), bad_b64_hash()))
    put("proof-63-lines", witness_req(6, [roots[8]] * 63, cp8))
    put("proof-64-lines", witness_req(6, [roots[8]] * 64, cp8))
    put("no-blank-line", witness_req(0, [], cp8).replace(b"\n\n", b"\n", 1))
    put("no-checkpoint", witness_req(6, cons[(6, 8)], b""))
    put("signed-by-fuzz-log", witness_req(0, [], FUZZ.sign(body(FUZZ.name, 8, roots[8]))))
    put("oversize", witness_req(0, [], cp8 + b"x" * WITNESS_REQ_MAX))


def crash_seeds(c):
    """Reproducers of findings in libparley (fuzz/regressions/, never the corpus):
    each makes its target abort on a violated property."""
    leaves, roots, incl, _ = tree8()
    text = b"Hello, world.\n"
    # pl_note_open skips a signature that decodes to more than 8192 bytes
    # before looking at it: a bad signature by a known key (name and key id)
    # is ignored (PL_OK instead of PL_EVERIFY) ...
    c.put("note", "oversized-known-key-sig",
          LOG.sign(text) + EMDASH + LOG.name.encode() + b" " + b64(LOG.id + bytes(8200)).encode() + b"\n")
    # ... and a signature line that is not base64 at all is accepted (PL_OK
    # instead of PL_EFORMAT).
    c.put("note", "oversized-sig-not-base64", LOG.sign(text) + EMDASH + b"x " + b"!" * 10940 + b"\n")
    # pl_checkpoint_open returns PL_ERANGE, which its contract does not list,
    # for a signed checkpoint whose size is >= 2^62 (PL_TREE_MAX) ...
    big = cosigned(body(LOG.name, TREE_MAX, roots[8]))
    c.put("checkpoint", "signed-size-2^62", big)
    # ... and so do pl_proof_file_verify and a witness opening a request.
    c.put("proof_file", "checkpoint-size-2^62", proof_file(5, incl[(5, 8)], big, leaves[5]))
    c.put("witness_req", "checkpoint-size-2^62", witness_req(8, [], big))


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--parley", default=os.path.join(ROOT, "build", "src", "parley"),
                    help="the parley CLI, for real proof files and bundles (default: build/src/parley)")
    ap.add_argument("--out", default=os.path.join(HERE, "corpus"), help="corpus root (default: fuzz/corpus)")
    ap.add_argument("--crashes", default=os.path.join(HERE, "regressions"),
                    help="where the reproducers of known findings go (default: fuzz/regressions)")
    a = ap.parse_args()
    if not os.access(a.parley, os.X_OK):
        sys.exit(f"make_corpus: {a.parley} is not executable; build first or pass --parley")
    c = Corpus(a.out)
    proofs, bundles = cli_log(a.parley)
    note_seeds(c)
    acceptance_seeds(c)
    checkpoint_seeds(c)
    tile_path_seeds(c)
    bundle_seeds(c, bundles)
    proof_file_seeds(c, proofs)
    witness_req_seeds(c)
    for t in sorted(c.count):
        print(f"{t}: {c.count[t]} seeds")
    crash_seeds(Corpus(a.crashes))


if __name__ == "__main__":
    main()
