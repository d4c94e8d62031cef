"""Searching bytes for canary strings in every decoded form (docs/confidentiality.md, the tests):
gzip inflated, every base64-looking run decoded (standard and URL-safe, at each of the four
offsets), recursively, since a payload in an entry in a tile is base64 inside base64."""
import base64
import binascii
import gzip
import os
import re

B64 = re.compile(rb"[A-Za-z0-9+/_-]{16,}={0,2}")


def decodings(data, depth=0):
    """data and everything it decodes to."""
    yield data
    if depth >= 4:
        return
    if data[:2] == b"\x1f\x8b":
        try:
            yield from decodings(gzip.decompress(data), depth + 1)
        except (OSError, EOFError):
            pass
    for m in B64.finditer(data):
        run = m.group(0)
        for dec in (base64.b64decode, base64.urlsafe_b64decode):
            for cut in range(4):  # a run may start off a 4-character boundary
                chunk = run[cut:]
                chunk = chunk.rstrip(b"=")
                chunk += b"=" * (-len(chunk) % 4)
                try:
                    out = dec(chunk)
                except (binascii.Error, ValueError):
                    continue
                if len(out) >= 8:
                    yield from decodings(out, depth + 1)


def found(data, canaries):
    """The canaries found in data, in any decoded form."""
    hits = set()
    for d in decodings(data):
        for c in canaries:
            if c.encode() in d:
                hits.add(c)
    return hits


def walk(top, canaries, skip=()):
    """(files read, {path: canaries found}) over every file under top, but for the directories named
    in skip (paths under top, like "private/blobs": checked otherwise)."""
    n, hits = 0, {}
    skipped = {os.path.normpath(os.path.join(top, s)) for s in skip}
    for d, dirs, names in os.walk(top):
        dirs[:] = [x for x in dirs if os.path.normpath(os.path.join(d, x)) not in skipped]
        for name in names:
            p = os.path.join(d, name)
            try:
                data = open(p, "rb").read()
            except OSError:
                continue
            n += 1
            h = found(data, canaries)
            if h:
                hits[p] = h
    return n, hits
