#!/usr/bin/env python3
"""Checks pl_gzip (through tests/unit/gzip_sample) with independent decoders.

usage: gzip_check.py path/to/gzip_sample

Every input is compressed by pl_gzip (zlib's deflate in C) and must come
back byte for byte through Python's zlib (CRC-32 and ISIZE checked by the
decoder and again here), as exactly one gzip member with nothing after it,
with the fixed header the module documents and within pl_gzip_bound. A few
outputs are also decoded by a small inflater written here from RFC 1951,
which shares no code with zlib (Python's zlib module is the same C library
that compressed): every input up to 70000 bytes, and a few taken apart block
by block to see that stored, fixed and dynamic blocks all occur and that the
15-bit code length limit holds.
Prints compression ratios next to Python's gzip level 6 for reference, and
the throughput on a 2 MB bundle-like input.
"""
import heapq
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
        if len(out) > n + (n >> 12) + (n >> 14) + (n >> 25) + 25:
            problems.append("%d bytes exceeds pl_gzip_bound" % len(out))
    if not problems and n <= MINI_MAX:
        # Python's zlib is the same C library that compressed: decode again without it
        try:
            if inflate(out[10:-8])[0] != data:
                problems.append("mini inflater disagrees")
        except (ValueError, IndexError) as e:
            problems.append("mini inflater: %s" % e)
    if problems:
        print("FAIL %-34s %s" % (name, "; ".join(problems)))
        return False
    if report:
        ref = len(gzip.compress(data, compresslevel=6, mtime=0))
        print("ok   %-34s %9d -> %9d  %6.2f%%   (zlib -6: %6.2f%%)"
              % (name, n, len(out), 100.0 * len(out) / max(n, 1), 100.0 * ref / max(n, 1)))
    return True


# ---- a minimal inflater (RFC 1951), to look at block types and code lengths

MINI_MAX = 70000  # inputs up to this size are also decoded by it (it is slow)

LBASE = [3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115,
         131, 163, 195, 227, 258]
LEXT = [0] * 8 + [1] * 4 + [2] * 4 + [3] * 4 + [4] * 4 + [5] * 4 + [0]
DBASE = [1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769, 1025, 1537,
         2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577]
DEXT = [0, 0, 0, 0] + [i // 2 for i in range(2, 28)]
CL_ORDER = [16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15]


class Bits:
    def __init__(self, data):
        self.d, self.p = data, 0

    def get(self, n):
        v = 0
        for i in range(n):
            v |= ((self.d[self.p >> 3] >> (self.p & 7)) & 1) << i
            self.p += 1
        return v


def huffman_decoder(lengths):
    """Canonical code (RFC 1951 3.2.2) -> function reading one symbol."""
    table, code = {}, 0
    for length in range(1, 16):
        for sym, sl in enumerate(lengths):
            if sl == length:
                table[(length, code)] = sym
                code += 1
        code <<= 1
    if code > 1 << 16:
        raise ValueError("over-subscribed code")

    def read(bits):
        c = 0
        for length in range(1, 16):
            c = (c << 1) | bits.get(1)
            if (length, c) in table:
                return table[(length, c)]
        raise ValueError("invalid code")
    return read


def inflate(raw):
    """Decodes a raw DEFLATE stream: (data, [(btype, litlen code lengths, symbol counts)])."""
    b, out, blocks = Bits(raw), bytearray(), []
    while True:
        final, btype = b.get(1), b.get(2)
        if btype == 0:
            b.p = (b.p + 7) & ~7
            n, nn = b.get(16), b.get(16)
            if n ^ nn != 0xFFFF:
                raise ValueError("stored LEN/NLEN mismatch")
            out += raw[b.p // 8:b.p // 8 + n]
            b.p += 8 * n
            blocks.append((0, None, None))
        elif btype in (1, 2):
            if btype == 1:
                ll, dl = [8] * 144 + [9] * 112 + [7] * 24 + [8] * 8, [5] * 32
            else:
                hlit, hdist, hclen = b.get(5) + 257, b.get(5) + 1, b.get(4) + 4
                cl = [0] * 19
                for i in range(hclen):
                    cl[CL_ORDER[i]] = b.get(3)
                read, lens = huffman_decoder(cl), []
                while len(lens) < hlit + hdist:
                    sym = read(b)
                    if sym < 16:
                        lens.append(sym)
                    elif sym == 16:
                        lens += [lens[-1]] * (3 + b.get(2))
                    elif sym == 17:
                        lens += [0] * (3 + b.get(3))
                    else:
                        lens += [0] * (11 + b.get(7))
                if len(lens) != hlit + hdist:
                    raise ValueError("code lengths overrun")
                ll, dl = lens[:hlit], lens[hlit:]
            lit, dist, count = huffman_decoder(ll), huffman_decoder(dl), [0] * 288
            while True:
                sym = lit(b)
                count[sym] += 1
                if sym < 256:
                    out.append(sym)
                elif sym == 256:
                    break
                else:
                    n = LBASE[sym - 257] + b.get(LEXT[sym - 257])
                    dc = dist(b)
                    d = DBASE[dc] + b.get(DEXT[dc])
                    if d > len(out) or d > 32768:
                        raise ValueError("distance too far back")
                    for _ in range(n):
                        out.append(out[-d])
            blocks.append((btype, ll, count))
        else:
            raise ValueError("reserved block type")
        if final:
            return bytes(out), blocks


def huffman_depth(freqs):
    """Depth of an unlimited Huffman tree, ties broken towards the shallowest."""
    heap = [(f, i, 0) for i, f in enumerate(freqs) if f]
    heapq.heapify(heap)
    tick = len(heap)
    while len(heap) > 1:
        a, b = heapq.heappop(heap), heapq.heappop(heap)
        heapq.heappush(heap, (a[0] + b[0], tick, max(a[2], b[2]) + 1))
        tick += 1
    return heap[0][2] if heap else 0


def structure(sample, name, data, want):
    """Inflates with the decoder above; want(blocks) says what must be seen."""
    out = run(sample, data)
    got, blocks = inflate(out[10:-8])
    if got != data:
        print("FAIL %-34s mini inflater disagrees" % name)
        return False
    msg = want(blocks)
    if msg:
        print("FAIL %-34s %s (block types %s)" % (name, msg, [bt for bt, _, _ in blocks]))
        return False
    print("ok   %-34s block types %s" % (name, "".join(str(bt) for bt, _, _ in blocks)))
    return True


def limit_input(rng):
    """Matches only, with 17 length codes in counts growing by 1.7x: every
    window of 16384 symbols (one block) holds exactly these counts, whose
    unlimited Huffman code is 16-17 bits deep, so the 15-bit limit must act."""
    weights = [1.7 ** i for i in range(17)]
    scale = 16384 / sum(weights)
    counts = [max(1, int(scale * w)) for w in weights]
    counts[-1] += 16384 - sum(counts)
    lengths = [51, 43, 35, 31, 27, 23, 19, 17, 15, 13, 11, 10, 9, 8, 7, 6, 5]  # one length code each
    period = []
    for length, c in zip(lengths, counts):
        period += [length] * c
    rng.shuffle(period)
    d = bytearray(rng.randbytes(2000))
    for length in period * 2:  # copies from random earlier places in the window
        src = rng.randrange(max(0, len(d) - 30000), len(d) - length)
        d += d[src:src + length]
    return bytes(d)


def limited(blocks):
    for btype, ll, count in blocks:
        if btype == 2 and huffman_depth(count) > 15:
            return None if max(ll) == 15 else "longest code %d bits" % max(ll)
    return "no block needed codes longer than 15 bits"


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
    for n in list(range(1, 40)) + [255, 256, 257, 1000, 4095, 4096, 4097, 16383, 16384, 16385]:
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

    def types(blocks):
        return [btype for btype, _, _ in blocks]

    checks = [
        ("one byte: fixed", b"x",
         lambda bl: None if types(bl) == [1] else "want one fixed block"),
        ("random 100000: stored", rng.randbytes(100000),
         lambda bl: None if set(types(bl)) == {0} else "want stored blocks only"),
        ("bundle 64 KiB: dynamic", bundles(rng, 1 << 16),
         lambda bl: None if types(bl) == [2] else "want one dynamic block"),
        ("bundles around random bytes", bundles(rng, 60000) + rng.randbytes(70000) + bundles(rng, 60000),
         lambda bl: None if 0 in types(bl) and types(bl)[0] == types(bl)[-1] == 2 else "want 2..0..2"),
        ("15-bit length limit", limit_input(rng), limited),
    ]
    for name, data, want in checks:
        total += 1
        ok += check(sample, name, data) and structure(sample, name, data, want)
    print("%d/%d inputs ok (%.1f s)" % (ok, total, time.monotonic() - t0))
    if ok != total:
        return 1

    data = bundles(rng, 2_000_000)
    fields = subprocess.run([sample, "--bench", "5"], input=data, stdout=subprocess.PIPE,
                            check=True).stdout.split()
    n, m, per, mbs = int(fields[0]), int(fields[1]), float(fields[2]), float(fields[3])
    print("throughput, 2 MB bundle-like: %d -> %d bytes (%.2f%%), %.1f ms, %.1f MB/s"
          % (n, m, 100.0 * m / n, per * 1000, mbs))
    return 0


if __name__ == "__main__":
    sys.exit(main())
