#!/usr/bin/env python3
"""Checks pl_gzip (through tests/unit/gzip_sample) with an independent decoder.

usage: gzip_check.py path/to/gzip_sample

Every input is compressed by the C encoder and must come back byte for byte
through Python's zlib (CRC-32 and ISIZE checked by the decoder and again
here), as exactly one gzip member with nothing after it, with the fixed
header the module documents and within pl_gzip_bound. Prints compression
ratios next to zlib level 6 for reference, and the encoder's throughput on a
2 MB bundle-like input.
"""
import gzip
import random
import struct
import subprocess
import sys
import time
import zlib

HEADER = bytes([0x1F, 0x8B, 0x08, 0x00, 0, 0, 0, 0, 0x00, 0xFF])


def run(sample, data):
    p = subprocess.run([sample], input=data, stdout=subprocess.PIPE, check=True)
    return p.stdout


def check(sample, name, data, report=False):
    out = run(sample, data)
    n = len(data)
    problems = []
    if out[:10] != HEADER:
        problems.append("header %s" % out[:10].hex())
    d = zlib.decompressobj(wbits=31)  # gzip wrapper, verifies CRC and ISIZE
    try:
        got = d.decompress(out) + d.flush()
        if got != data:
            problems.append("decompressed data differs (%d vs %d bytes)" % (len(got), n))
        if not d.eof:
            problems.append("stream not terminated")
        if d.unused_data:
            problems.append("%d bytes after the member" % len(d.unused_data))
    except zlib.error as e:
        problems.append("zlib: %s" % e)
    if not problems:
        if gzip.decompress(out) != data:
            problems.append("gzip.decompress differs")
        crc, isize = struct.unpack("<II", out[-8:])
        if crc != zlib.crc32(data) or isize != n % (1 << 32):
            problems.append("trailer crc %08x isize %d" % (crc, isize))
        if len(out) > n + n // 1000 + 32:
            problems.append("%d bytes exceeds pl_gzip_bound" % len(out))
    if problems:
        print("FAIL %-34s %s" % (name, "; ".join(problems)))
        return False
    if report:
        ref = len(gzip.compress(data, compresslevel=6, mtime=0))
        print("ok   %-34s %9d -> %9d  %6.2f%%   (zlib -6: %6.2f%%)"
              % (name, n, len(out), 100.0 * len(out) / max(n, 1), 100.0 * ref / max(n, 1)))
    return True


def json_line(rng, i):
    """One log-entry-like JSON object of roughly 200-300 bytes."""
    kind = rng.choice(["statement", "verdict", "membership", "witness"])
    note = " ".join(rng.choice(["incident", "phishing", "ransomware", "indicator", "host",
                                "consultation", "shared", "confirmed", "benign", "escalate",
                                "domain", "sample", "hash", "observed", "channel"])
                    for _ in range(rng.randint(4, 16)))
    return ('{"seq":%d,"time":"2024-%02d-%02dT%02d:%02d:%02dZ","origin":"parley.example/log",'
            '"kind":"%s","party":"org-%d","digest":"%s","note":"%s"}'
            % (i, rng.randint(1, 12), rng.randint(1, 28), rng.randint(0, 23), rng.randint(0, 59),
               rng.randint(0, 59), kind, rng.randint(1, 40), rng.randbytes(32).hex(), note)).encode()


def bundles(rng, size):
    """Entry bundles as in tests/e2e/logdir.py: uint16 big-endian length, then the entry."""
    out, i = bytearray(), 0
    while len(out) < size:
        e = json_line(rng, i)
        out += len(e).to_bytes(2, "big") + e
        i += 1
    return bytes(out)


def cases(rng):
    yield "empty", b"", False
    yield "one byte 00", b"\x00", False
    yield "one byte ff", b"\xff", False
    yield "two bytes", b"ab", False
    yield "three equal bytes", b"aaa", False
    yield "all 256 byte values", bytes(range(256)), True
    yield "all 256 values x 64", bytes(range(256)) * 64, True
    for n in list(range(1, 40)) + [255, 256, 257, 1000, 4095, 4096, 4097]:
        yield "random %d" % n, rng.randbytes(n), False
    for n in (65535, 65536, 65537, 1 << 20):
        yield "random %d" % n, rng.randbytes(n), n == 1 << 20
    yield "1 MiB zeros", bytes(1 << 20), True
    yield "repetitive text", b"the quick brown fox jumps over the lazy dog. " * 20000, True
    yield "abc x 100000", b"abc" * 100000, False
    line = json_line(rng, 7)
    yield "one json line repeated", (line + b"\n") * (65536 // (len(line) + 1)), True
    yield "bundle 1 entry", bundles(rng, 1), False
    yield "bundle 64 KiB", bundles(rng, 1 << 16), True
    yield "bundle 1 MiB", bundles(rng, 1 << 20), True
    # the window edge: runs, and a random chunk repeated at distance k
    for k in (32767, 32768, 32769):
        yield "'a' x %d" % k, b"a" * k, False
    for k in (32766, 32767, 32768, 32769, 32770):
        r = rng.randbytes(k)
        yield "random %d twice" % k, r + r, False
        yield "random 300, gap to %d, again" % k, r[:300] + rng.randbytes(k - 300) + r[:300], False
    # match lengths around the 258 limit
    base = rng.randbytes(600)
    for L in (3, 4, 5, 257, 258, 259, 260, 516, 517):
        yield "copy of length %d" % L, base + base[:L] + rng.randbytes(50), False
    # long chains of short matches (small alphabets) and skewed literal statistics
    yield "random over 'ab', 1 MiB", bytes(rng.choice(b"ab") for _ in range(1 << 20)), True
    yield "random over 'acgt', 256 KiB", bytes(rng.choice(b"acgt") for _ in range(1 << 18)), True
    fib, a, b = [], 1, 1
    for _ in range(26):
        fib.append(a)
        a, b = b, a + b
    skew = bytearray()
    for sym, f in enumerate(fib):
        skew += bytes([sym * 7 % 256]) * f
    skew = bytearray(skew[:400000])
    rng.shuffle(skew)
    yield "fibonacci-skewed literals", bytes(skew), True
    # 16 MiB: bundles, random stretches and zero runs, many blocks of each kind
    big = bytearray()
    while len(big) < 16 << 20:
        big += bundles(rng, 3 << 20) + rng.randbytes(300000) + bytes(200000)
    yield "16 MiB mixed", bytes(big[:16 << 20]), True


def main():
    sample = sys.argv[1]
    rng = random.Random(20240501)
    t0 = time.monotonic()
    ok = total = 0
    for name, data, report in cases(rng):
        total += 1
        ok += check(sample, name, data, report)
    print("%d/%d inputs round-trip (%.1f s)" % (ok, total, time.monotonic() - t0))

    data = bundles(rng, 2_000_000)
    fields = subprocess.run([sample, "--bench", "5"], input=data, stdout=subprocess.PIPE,
                            check=True).stdout.split()
    n, m, per, mbs = int(fields[0]), int(fields[1]), float(fields[2]), float(fields[3])
    print("throughput, 2 MB bundle-like: %d -> %d bytes (%.2f%%), %.1f ms, %.1f MB/s"
          % (n, m, 100.0 * m / n, per * 1000, mbs))
    return 0 if ok == total else 1


if __name__ == "__main__":
    sys.exit(main())
