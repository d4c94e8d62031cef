#!/usr/bin/env python3
"""Writes acceptance.txt: known answers for tlog/acceptance.h, computed here from the RFC 6962
definitions (recursive MTH and PATH) and Python `cryptography`'s Ed25519, not with Parley.

usage: make_acceptance.py > acceptance.txt
"""
import base64
import hashlib

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

NAME = "example.org/cert-log"
TIME = "2026-01-02T03:04:05Z"
FIRST = 4096
ENTRIES = [("statement %d" % k).encode() for k in range(13)]
COUNTS = [1, 2, 3, 5, 8, 13]


def leaf(e):
    return hashlib.sha256(b"\x00" + e).digest()


def node(a, b):
    return hashlib.sha256(b"\x01" + a + b).digest()


def split(n):
    k = 1
    while k * 2 < n:
        k *= 2
    return k


def mth(d):
    return d[0] if len(d) == 1 else node(mth(d[:split(len(d))]), mth(d[split(len(d)):]))


def path(m, d):
    """RFC 6962 PATH(m, D[n]), leaf's sibling first."""
    if len(d) == 1:
        return []
    k = split(len(d))
    return path(m, d[:k]) + [mth(d[k:])] if m < k else path(m - k, d[k:]) + [mth(d[:k])]


key = Ed25519PrivateKey.from_private_bytes(hashlib.sha256(b"log seed").digest())
pk = key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
kid = hashlib.sha256(NAME.encode() + b"\n\x01" + pk).digest()[:4]


def signed(text):
    sig = base64.b64encode(kid + key.sign(text.encode())).decode()
    return text + "\n\u2014 " + NAME + " " + sig + "\n"


b64 = lambda b: base64.b64encode(b).decode()
hx = lambda b: b.hex()
print("# Acceptances (tlog/acceptance.h) of a batch of the entries 'statement K' (K = 0..12, UTF-8, no newline)")
print("# staged at index %d, by the log key of README.md, at %s. Computed by make_acceptance.py." % (FIRST, TIME))
print("# 'root COUNT: HEX' the batch of the first COUNT entries; 'path COUNT I: H1 H2 ...' entry I's path in it;")
print("# 'note batch COUNT: B64' / 'note single I: B64' the whole signed note, base64 of its UTF-8 bytes.")
leaves = [leaf(e) for e in ENTRIES]
for c in COUNTS:
    d = leaves[:c]
    print("root %d: %s" % (c, hx(mth(d))))
    for i in range(c):
        print(("path %d %d: %s" % (c, i, " ".join(hx(h) for h in path(i, d)))).rstrip())
for c in (1, 13):
    text = "parley.batch-acceptance/v1\n%s\n%d\n%d\n%s\n%s\n" % (NAME, FIRST, c, b64(mth(leaves[:c])), TIME)
    print("note batch %d: %s" % (c, b64(signed(text).encode())))
text = "parley.acceptance/v1\n%s\n%d\n%s\n%s\n" % (NAME, FIRST + 7, b64(leaves[7]), TIME)
print("note single 7: %s" % b64(signed(text).encode()))
