"""Parley's formats written independently in Python, for end-to-end tests:
party keys and identities, DSSE envelopes over PAE, statement payloads,
signed notes, RFC 6962 inclusion proofs and tlog-proof files. Ed25519 comes
from the `cryptography` package, an implementation nobody on this project wrote.
"""
import base64
import hashlib
import json
import os
import struct
import time

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

STATEMENT_TYPE = "application/vnd.parley.statement.v1+json"
b64 = lambda b: base64.b64encode(b).decode()
unb64 = base64.b64decode


def raw_pub(k):
    return k.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def raw_priv(k):
    return k.private_bytes(serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption())


class Party:
    def __init__(self, name):
        self.name = name
        self.sign = Ed25519PrivateKey.generate()
        self.box = X25519PrivateKey.generate()
        self.seq = 0

    @property
    def pk(self):
        return raw_pub(self.sign)

    def identity(self):
        s, b = b64(self.pk), b64(raw_pub(self.box))
        msg = ("parley identity v1\n%s\n%s\n%s\n" % (self.name, s, b)).encode()
        return {"parley": "identity/v1", "party": self.name, "sign": s, "box": b,
                "proof": b64(self.sign.sign(msg))}

    def write(self, directory):
        key = os.path.join(directory, self.name + ".key")
        secret = raw_priv(self.sign) + raw_priv(self.box)
        fd = os.open(key, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        os.write(fd, ("parley-secret-key/v1\nparty %s\nsecret %s\n" % (self.name, b64(secret))).encode())
        os.close(fd)
        idf = os.path.join(directory, self.name + ".id.json")
        with open(idf, "w") as f:
            json.dump(self.identity(), f)
        return key, idf


def now(offset=0):
    """The current time plus offset seconds, as statements carry it (RFC 3339, UTC)."""
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() + offset))


def pae(ptype, body):
    t = ptype.encode()
    return b"DSSEv1 %d %s %d " % (len(t), t, len(body)) + body


def payload(log, ptype, author, seq, when, body=None, refs=None):
    p = {"log": log, "type": ptype, "author": author, "seq": seq, "time": when, "body": body if body is not None else {}}
    if refs is not None:
        p["refs"] = refs
    return json.dumps(p, separators=(",", ":")).encode()


def envelope(signers, body, ptype=STATEMENT_TYPE):
    sigs = [{"keyid": hashlib.sha256(raw_pub(k)).hexdigest()[:16], "sig": b64(k.sign(pae(ptype, body)))}
            for k in signers]
    return json.dumps({"payloadType": ptype, "payload": b64(body), "signatures": sigs},
                      separators=(",", ":")).encode()


def verify_envelope(env_bytes, pk):
    env = json.loads(env_bytes)
    body = unb64(env["payload"])
    pub = Ed25519PublicKey.from_public_bytes(pk)
    for s in env["signatures"]:
        try:
            pub.verify(unb64(s["sig"]), pae(env["payloadType"], body))
            return json.loads(body)
        except Exception:
            pass
    raise AssertionError("no signature verifies")


def vkey_pub(vkey):
    """(name, key id, public key) of a C2SP verifier key string."""
    name, kid, key = vkey.split("+", 2)
    raw = unb64(key)
    assert raw[0] == 1 and len(raw) == 33
    want = hashlib.sha256(name.encode() + b"\n" + raw).digest()[:4].hex()
    assert want == kid, "key id mismatch"
    return name, kid, raw[1:]


def open_note(note, vkey):
    """Checks the note's signature by vkey; returns its text."""
    name, kid, pk = vkey_pub(vkey)
    text, sigs = note.rsplit("\n\n", 1)
    text += "\n"
    for line in sigs.splitlines():
        assert line.startswith("\u2014 ")
        n, s = line[2:].split(" ", 1)
        raw = unb64(s)
        if n == name and raw[:4].hex() == kid:
            Ed25519PublicKey.from_public_bytes(pk).verify(raw[4:], text.encode())
            return text
    raise AssertionError("no signature by " + name)


def leaf_hash(entry):
    return hashlib.sha256(b"\x00" + entry).digest()


def node_hash(a, b):
    return hashlib.sha256(b"\x01" + a + b).digest()


def verify_inclusion(index, size, leaf, proof, root):
    """RFC 9162 section 2.1.3.2."""
    if index >= size:
        return False
    fn, sn, r = index, size - 1, leaf
    for p in proof:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    return sn == 0 and r == root


def mth(leaves):
    """RFC 6962 Merkle tree hash of a list of leaf hashes (the recursive definition)."""
    if len(leaves) == 1:
        return leaves[0]
    k = 1
    while k * 2 < len(leaves):
        k *= 2
    return node_hash(mth(leaves[:k]), mth(leaves[k:]))


def check_acceptance(ans, vkey, origin, entry):
    """The answer's acceptance, either form, binds leaf_hash(entry) to ans["index"] under vkey.

    Returns the note's lines (without the time) or raises AssertionError:
      parley.acceptance/v1        ORIGIN INDEX LEAF TIME
      parley.batch-acceptance/v1  ORIGIN FIRST COUNT ROOT TIME, with ans["acceptance_path"]."""
    text = open_note(ans["acceptance"], vkey)
    lines = text.rstrip("\n").split("\n")
    leaf = leaf_hash(entry)
    index = ans["index"]
    assert unb64(ans["leaf"]) == leaf, "the answer's leaf is not the entry's"
    assert lines[1] == origin, "another origin: %r" % lines[1]
    if lines[0] == "parley.acceptance/v1":
        assert len(lines) == 5 and lines[2] == str(index) and unb64(lines[3]) == leaf, "not this entry"
        assert not ans.get("acceptance_path"), "a path with a single acceptance"
    else:
        assert lines[0] == "parley.batch-acceptance/v1" and len(lines) == 6, "not an acceptance: %r" % lines[0]
        first, count, root = int(lines[2]), int(lines[3]), unb64(lines[4])
        assert str(first) == lines[2] and str(count) == lines[3] and count >= 1, "non-canonical numbers"
        assert first <= index < first + count, "index %d outside %d..%d" % (index, first, first + count - 1)
        path = [unb64(h) for h in ans.get("acceptance_path", [])]
        assert verify_inclusion(index - first, count, leaf, path, root), "the path does not reach the root"
    return lines[:-1]


def verify_tlog_proof(text, vkey):
    """Checks a C2SP tlog-proof carrying an entry in `extra`; returns (index, entry, size)."""
    lines = text.split("\n")
    assert lines[0] == "c2sp.org/tlog-proof@v1"
    i = 1
    entry = b""
    if lines[i].startswith("extra "):
        entry = unb64(lines[i][6:])
        i += 1
    assert lines[i].startswith("index ")
    index = int(lines[i][6:])
    i += 1
    proof = []
    while lines[i] != "":
        proof.append(unb64(lines[i]))
        i += 1
    note = "\n".join(lines[i + 1:])
    body = open_note(note, vkey)
    origin, size, root = body.rstrip("\n").split("\n")
    assert verify_inclusion(index, int(size), leaf_hash(entry), proof, unb64(root)), "inclusion fails"
    return index, entry, int(size)


class Serving:
    """`parley serve DIR` on a free port for a with block: url is its base URL; the server is stopped
    (SIGTERM) when the block ends. extra: more flags for serve."""

    def __init__(self, parley, logdir, work, *extra):
        self.args = [parley, "serve", logdir, "--listen", "127.0.0.1:0",
                     "--port-file", os.path.join(work, "port")] + list(extra)
        if os.geteuid() == 0:
            self.args.append("--allow-root")
        self.portfile = os.path.join(work, "port")
        self.url = None

    def __enter__(self):
        import subprocess
        import time
        if os.path.exists(self.portfile):
            os.unlink(self.portfile)
        self.proc = subprocess.Popen(self.args, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        for _ in range(200):
            if os.path.exists(self.portfile) and open(self.portfile).read().strip():
                break
            time.sleep(0.05)
        self.url = "http://127.0.0.1:%d" % int(open(self.portfile).read())
        return self

    def __exit__(self, *exc):
        import signal
        self.proc.send_signal(signal.SIGTERM)
        self.proc.communicate(timeout=60)
        return False
