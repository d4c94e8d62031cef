#!/usr/bin/env python3
"""capture_tshark_test.py - the capture reader checked against tshark, field by field.

usage: capture_tshark_test.py CAPTURE_DUMP SCRATCH_DIR

Writes a pcap (built here with struct, no packet library) holding Ethernet,
802.1Q and QinQ, IPv4 and IPv6 (with a hop-by-hop header), DNS over UDP and
TCP (compressed CNAME + A + AAAA), HTTP requests, TLS 1.2 and 1.3-style
ClientHellos, truncated packets, IPv4 and IPv6 fragments and an ARP frame;
then runs tshark (IP defragmentation off: the reader does not reassemble) and
capture_dump on it and compares, for every frame: the addresses, the ports,
the DNS question names and CNAME targets, the A/AAAA answers, the HTTP
method, host (port stripped, lower case) and target, and the TLS server name.
Also checks that every packet is numbered as tshark numbers frames and that
the test exercised each kind of field at least once.
"""
import ipaddress
import json
import os
import shutil
import struct
import subprocess
import sys


def csum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return (~s) & 0xFFFF


SRC4, DST4 = "192.0.2.10", "198.51.100.53"
SRC6, DST6 = "2001:db8::10", "2001:db8:1::35"


def ipv4(proto, payload, frag=0, src=SRC4, dst=DST4, ident=0x4242):
    h = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(payload), ident, frag, 64, proto, 0,
                    ipaddress.IPv4Address(src).packed, ipaddress.IPv4Address(dst).packed)
    h = h[:10] + struct.pack("!H", csum(h)) + h[12:]
    return h + payload


def ipv6(nh, payload, src=SRC6, dst=DST6):
    return struct.pack("!IHBB16s16s", 0x60000000, len(payload), nh, 64,
                       ipaddress.IPv6Address(src).packed, ipaddress.IPv6Address(dst).packed) + payload


def hop_by_hop(nh, payload):
    return struct.pack("!BBHI", nh, 0, 0x0104, 0) + payload


def udp(sport, dport, payload):
    return struct.pack("!HHHH", sport, dport, 8 + len(payload), 0) + payload


def tcp(sport, dport, payload):
    return struct.pack("!HHIIBBHHH", sport, dport, 1000, 2000, 5 << 4, 0x18, 65535, 0, 0) + payload


def ether(etype, payload, tags=()):
    b = bytes.fromhex("020000000001020000000002")
    for tpid, vid in tags:
        b += struct.pack("!HH", tpid, vid)
    return b + struct.pack("!H", etype) + payload


def qname(name):
    out = b""
    for label in name.split("."):
        out += bytes([len(label)]) + label.encode()
    return out + b"\0"


def dns_query(name, qtype=1, ident=0x1111):
    return struct.pack("!HHHHHH", ident, 0x0100, 1, 0, 0, 0) + qname(name) + struct.pack("!HH", qtype, 1)


def dns_response():
    """www.Example.COM CNAME cdn.example.com (compressed), its A and AAAA."""
    m = struct.pack("!HHHHHH", 0x2222, 0x8180, 1, 3, 0, 0)
    m += qname("www.Example.COM") + struct.pack("!HH", 1, 1)       # name at 12, "Example" at 16
    m += struct.pack("!HHHIH", 0xC00C, 5, 1, 300, 6)
    target = len(m)
    m += b"\x03cdn" + struct.pack("!H", 0xC010)
    m += struct.pack("!HHHIH", 0xC000 | target, 1, 1, 300, 4) + ipaddress.IPv4Address("192.0.2.80").packed
    m += struct.pack("!HHHIH", 0xC000 | target, 28, 1, 300, 16) + ipaddress.IPv6Address("2001:db8::80").packed
    return m


def client_hello(sni, tls13):
    body = struct.pack("!H", 0x0303) + bytes(range(32))
    if tls13:
        body += b"\x20" + b"\xee" * 32 + struct.pack("!HHHH", 6, 0x1301, 0x1302, 0x1303)
    else:
        body += b"\x00" + struct.pack("!HHH", 4, 0xC02F, 0x009C)
    body += b"\x01\x00"
    exts = b""
    if tls13:
        exts += struct.pack("!HHBH", 43, 3, 2, 0x0304)
        exts += struct.pack("!HHHHH", 51, 38, 36, 0x001D, 32) + b"\x55" * 32
    n = sni.encode()
    exts += struct.pack("!HHHBH", 0, len(n) + 5, len(n) + 3, 0, len(n)) + n
    exts += struct.pack("!HHHH", 10, 4, 2, 0x001D)
    body += struct.pack("!H", len(exts)) + exts
    hs = b"\x01" + struct.pack("!I", len(body))[1:] + body
    return struct.pack("!BHH", 22, 0x0301, len(hs)) + hs


def packets():
    """(frame bytes, captured length or None) in order."""
    p = []
    p.append(ether(0x0800, ipv4(17, udp(40000, 53, dns_query("www.Example.COM")))))
    p.append(ether(0x0800, ipv4(17, udp(53, 40000, dns_response()), src=DST4, dst=SRC4)))
    http = b"GET /search?q=parley HTTP/1.1\r\nUser-Agent: t\r\nhOsT: Mixed.Example.COM:8080\r\n\r\n"
    p.append(ether(0x0800, ipv4(6, tcp(50000, 8080, http)), tags=[(0x8100, 100)]))
    p.append(ether(0x86DD, ipv6(6, tcp(50001, 443, client_hello("tls13.example.org", True)))))
    p.append(ether(0x0800, ipv4(6, tcp(50002, 443, client_hello("Legacy.Example.NET", False))),
                   tags=[(0x88A8, 200), (0x8100, 300)]))
    p.append(ether(0x86DD, ipv6(0, hop_by_hop(17, udp(5353, 53, dns_query("v6.example", 28))))))
    post = b"POST /upload HTTP/1.0\r\nHost: [2001:db8::1]:81\r\nContent-Length: 2\r\n\r\nhi"
    p.append(ether(0x86DD, ipv6(6, tcp(50003, 80, post))))
    # DNS over TCP: the length prefix and the whole message in one segment
    r = dns_response()
    p.append(ether(0x0800, ipv4(6, tcp(53, 50004, struct.pack("!H", len(r)) + r), src=DST4, dst=SRC4)))
    # truncated: inside the HTTP request line, inside the IPv4 header
    cut = ether(0x0800, ipv4(6, tcp(50005, 80, b"GET /cut/short HTTP/1.1\r\nHost: cut.example\r\n\r\n")))
    p.append((cut, 14 + 20 + 20 + 10))
    p.append((cut, 14 + 12))
    # IPv4 fragments of one UDP DNS query: the first (MF) and a later one
    big = udp(40001, 53, dns_query("frag.example", ident=0x3333) + b"\0" * 64)
    p.append(ether(0x0800, ipv4(17, big[:48], frag=0x2000, ident=0x7777)))
    p.append(ether(0x0800, ipv4(17, big[48:], frag=48 // 8, ident=0x7777)))
    # an IPv6 later fragment
    frag6 = struct.pack("!BBHI", 17, 0, 0x0020, 0xABCDEF01) + b"\0" * 24
    p.append(ether(0x86DD, ipv6(44, frag6)))
    # ARP
    p.append(ether(0x0806, bytes.fromhex("0001080006040001020000000001c000020a000000000000c0000201")))
    # HTTP on port 80 with no Host; TLS with SNI on a VLAN over IPv6
    p.append(ether(0x0800, ipv4(6, tcp(50006, 80, b"OPTIONS * HTTP/1.1\r\n\r\n"))))
    p.append(ether(0x86DD, ipv6(6, tcp(50007, 443, client_hello("vlan6.example", True))), tags=[(0x8100, 42)]))
    return [x if isinstance(x, tuple) else (x, None) for x in p]


def write_pcap(path, pkts):
    with open(path, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
        for i, (b, caplen) in enumerate(pkts):
            c = len(b) if caplen is None else caplen
            f.write(struct.pack("<IIII", 1700000000 + i, 1000 * i, c, len(b)))
            f.write(b[:c])


FIELDS = ["frame.number", "ip.src", "ip.dst", "ipv6.src", "ipv6.dst", "tcp.srcport", "tcp.dstport",
          "udp.srcport", "udp.dstport", "dns.qry.name", "dns.cname", "dns.a", "dns.aaaa",
          "http.request.method", "http.host", "http.request.uri", "tls.handshake.extensions_server_name",
          "vlan.id", "ieee8021ad.id"]


def tshark(path):
    cmd = ["tshark", "-n", "-r", path, "-o", "ip.defragment:FALSE", "-o", "ipv6.defragment:FALSE",
           "-o", "tcp.desegment_tcp_streams:FALSE", "-T", "fields", "-E", "separator=\t",
           "-E", "aggregator=|", "-E", "occurrence=a"]
    for f in FIELDS:
        cmd += ["-e", f]
    out = subprocess.run(cmd, check=True, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True).stdout
    rows = []
    for line in out.splitlines():
        cols = line.split("\t")
        cols += [""] * (len(FIELDS) - len(cols))
        rows.append({k: [v for v in c.split("|") if v != ""] for k, c in zip(FIELDS, cols)})
    return rows


def host_norm(h):
    h = h.strip()
    if h.startswith("["):
        return h[: h.index("]") + 1].lower() if "]" in h else h.lower()
    if h.count(":") == 1:
        h = h.split(":")[0]
    return h.lower()


def one(vals):
    return vals[0] if vals else None


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    dump, scratch = sys.argv[1], sys.argv[2]
    if shutil.which("tshark") is None:
        sys.exit("tshark is not installed")
    os.makedirs(scratch, exist_ok=True)
    path = os.path.join(scratch, "mixed.pcap")
    pkts = packets()
    write_pcap(path, pkts)

    ts = tshark(path)
    got = [json.loads(line) for line in
           subprocess.run([dump, path], check=True, stdout=subprocess.PIPE, text=True).stdout.splitlines()]
    errors = []

    def check(frame, what, ours, theirs):
        if ours != theirs:
            errors.append("frame %d %s: capture_dump %r, tshark %r" % (frame, what, ours, theirs))

    check(0, "frame count", len(got), len(ts))
    seen = set()
    for g, t in zip(got, ts):
        n = int(t["frame.number"][0])
        check(n, "number", g["number"], n)
        if t["ip.src"]:
            check(n, "ip", (g["family"], g["src"], g["dst"]), (4, t["ip.src"][0], t["ip.dst"][0]))
        elif t["ipv6.src"]:
            theirs = (6, str(ipaddress.IPv6Address(t["ipv6.src"][0])), str(ipaddress.IPv6Address(t["ipv6.dst"][0])))
            check(n, "ipv6", (g["family"], g["src"], g["dst"]), theirs)
        else:
            check(n, "family", g["family"], 0)
        sp = t["tcp.srcport"] or t["udp.srcport"]
        dp = t["tcp.dstport"] or t["udp.dstport"]
        theirs = (int(sp[0]), int(dp[0])) if sp else (-1, -1)
        check(n, "ports", (g["sport"], g["dport"]), theirs)
        if g["sport"] != -1:
            seen.add("ports")
        # tshark names an outer 802.1ad tag ieee8021ad.id, 802.1Q tags vlan.id
        tags = t["ieee8021ad.id"] + t["vlan.id"]
        check(n, "vlan", g["vlan"], int(tags[0]) if tags else 0)
        names = sorted({x.lower() for x in t["dns.qry.name"] + t["dns.cname"]})
        check(n, "dns names", sorted(g["dns_names"]), names)
        addrs = sorted(t["dns.a"] + [str(ipaddress.IPv6Address(a)) for a in t["dns.aaaa"]])
        check(n, "dns addrs", sorted(g["dns_addrs"]), addrs)
        http = (g["http_method"], g["http_host"], g["http_path"])
        theirs = (one(t["http.request.method"]) or "", host_norm(one(t["http.host"]) or ""),
                  one(t["http.request.uri"]) or "")
        if g["truncated"] and http == ("", "", "") and theirs != http:
            seen.add("cut http")  # tshark shows a cut request line; the reader wants it whole
        else:
            check(n, "http", http, theirs)
        check(n, "sni", g["sni"], (one(t["tls.handshake.extensions_server_name"]) or "").lower())
        for k, v in (("names", names), ("addrs", addrs), ("host", g["http_host"]), ("sni", g["sni"]),
                     ("vlan", g["vlan"]), ("v6", g["family"] == 6), ("trunc", g["truncated"]),
                     ("frag", g["fragment"])):
            if v:
                seen.add(k)
    # the reader's own flags, where tshark has no single field to compare
    by = {g["number"]: g for g in got}
    for num, want in ((9, True), (10, True)):
        check(num, "truncated", by[num]["truncated"], want)
    check(10, "family of a cut IPv4 header", by[10]["family"], 0)
    for num in (11, 12, 13):
        check(num, "fragment", by[num]["fragment"], True)
    missing = {"cut http", "ports", "names", "addrs", "host", "sni", "vlan", "v6", "trunc", "frag"} - seen
    if missing:
        errors.append("the capture did not exercise: %s" % ", ".join(sorted(missing)))
    if errors:
        print("\n".join(errors))
        sys.exit(1)
    print("capture_tshark: %d frames agree with tshark" % len(got))


if __name__ == "__main__":
    main()
