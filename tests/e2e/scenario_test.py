#!/usr/bin/env python3
"""End-to-end check of scripts/make_scenario.py with independent tools.

    scenario_test.py SCRATCH

Generates the synthetic scenario twice (byte-identical output required), then checks the evidence
package's manifest, validates every STIX object against the OASIS schemas of its own type, runs the
`yara` CLI on the three file trees and `tshark` on the three captures, recomputes the hits from what
those tools report (with this file's own STIX pattern parser, independent from the generator) and
compares them with the `expected` lists.  Semantics: docs/scenario.md.
"""

import glob
import hashlib
import ipaddress
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
GEN = os.path.join(ROOT, "scripts", "make_scenario.py")
SCHEMAS = os.path.join(ROOT, "tests", "stix2", "schemas")

failures = []


def check(cond, msg):
    if not cond:
        failures.append(msg)
        print("FAIL:", msg)
    return cond


def same(got, want, what):
    got, want = sorted(got), sorted(want)
    if got == want:
        print("ok  %s (%d)" % (what, len(got)))
        return True
    extra = [x for x in got if x not in want]
    missing = [x for x in want if x not in got]
    check(False, "%s differ: unexpected %s; missing %s" % (what, extra[:8], missing[:8]))
    return False


# ------------------------------------------------------------------------------------------
# STIX patterns: a small parser for the single-observation subset
# ------------------------------------------------------------------------------------------


class Unsupported(Exception):
    pass


TOKEN = re.compile(r"""\s*(?:
    (?P<str>'(?:[^'\\]|\\.)*')
  | (?P<path>[a-z][a-z0-9-]*:(?:[A-Za-z0-9_]+|'[^']*')(?:\.(?:[A-Za-z0-9_]+|'[^']*')|\[(?:\*|\d+)\])*)
  | (?P<num>-?\d+(?:\.\d+)?)
  | (?P<op>!=|<=|>=|=|<|>)
  | (?P<punct>[\[\]()])
  | (?P<word>[A-Za-z_]+)
)""", re.X)

FILE_PROPS = {"name", "size", "hashes.MD5", "hashes.'MD5'", "hashes.'SHA-1'", "hashes.'SHA-256'",
              "hashes.'SHA-512'"}
NET_PROPS = {"ipv4-addr": {"value"}, "ipv6-addr": {"value"}, "domain-name": {"value"},
             "url": {"value"},
             "network-traffic": {"dst_ref.value", "src_ref.value", "dst_port", "src_port",
                                 "protocols[*]"}}


def tokenize(s):
    out, pos = [], 0
    s = s.rstrip()
    while pos < len(s):
        m = TOKEN.match(s, pos)
        if not m or m.end() == pos:
            raise Unsupported("cannot tokenize at %r" % s[pos:pos + 20])
        kind = m.lastgroup
        val = m.group(kind)
        if kind == "str":
            val = re.sub(r"\\(.)", r"\1", val[1:-1])
        elif kind == "num":
            val = int(val) if re.fullmatch(r"-?\d+", val) else float(val)
        elif kind == "word":
            val = val.upper()
        out.append((kind, val))
        pos = m.end()
    return out


def parse_pattern(s):
    """Returns (category, tree) with category 'file' or 'net'; raises Unsupported otherwise."""
    toks = tokenize(s)
    i = 0

    def peek():
        return toks[i] if i < len(toks) else (None, None)

    def take(kind=None, val=None):
        nonlocal i
        t = peek()
        if t[0] is None or (kind and t[0] != kind) or (val is not None and t[1] != val):
            raise Unsupported("unexpected %r" % (t,))
        i += 1
        return t

    def orexpr():
        node = andexpr()
        while peek() == ("word", "OR"):
            take()
            node = ("or", node, andexpr())
        return node

    def andexpr():
        node = cmp()
        while peek() == ("word", "AND"):
            take()
            node = ("and", node, cmp())
        return node

    def cmp():
        if peek() == ("punct", "("):
            take()
            node = orexpr()
            take("punct", ")")
            return node
        _, path = take("path")
        t = peek()
        if t[0] == "op":
            op = take()[1]
        elif t == ("word", "ISSUBSET"):
            op = take()[1]
        else:
            raise Unsupported("operator %r" % (t,))
        kind, val = take()
        if kind not in ("str", "num"):
            raise Unsupported("value %r" % val)
        otype, prop = path.split(":", 1)
        return ("cmp", otype, prop, op, val)

    take("punct", "[")
    tree = orexpr()
    take("punct", "]")
    if i != len(toks):
        raise Unsupported("trailing %r (qualifiers or FOLLOWEDBY)" % (toks[i:],))
    cats = set()

    def walk(n):
        if n[0] == "cmp":
            _, otype, prop = n[:3]
            if otype == "file" and prop in FILE_PROPS:
                cats.add("file")
            elif prop in NET_PROPS.get(otype, ()):
                cats.add("net")
            else:
                raise Unsupported("%s:%s" % (otype, prop))
        else:
            walk(n[1])
            walk(n[2])
    walk(tree)
    if len(cats) != 1:
        raise Unsupported("mixes file and network objects")
    return cats.pop(), tree


def compare(a, op, b):
    if op == "ISSUBSET":
        try:
            return ipaddress.ip_address(a) in ipaddress.ip_network(b, strict=False)
        except ValueError:
            return False
    try:
        return {"=": a == b, "!=": a != b, "<": a < b, ">": a > b, "<=": a <= b,
                ">=": a >= b}[op]
    except TypeError:
        return False


def evaluate(tree, values):
    """values(otype, prop) -> list of candidate values; a comparison holds if any does."""
    if tree[0] == "and":
        return evaluate(tree[1], values) and evaluate(tree[2], values)
    if tree[0] == "or":
        return evaluate(tree[1], values) or evaluate(tree[2], values)
    _, otype, prop, op, val = tree
    cands = values(otype, prop)
    if prop.startswith("hashes."):
        cands = [c.lower() for c in cands]
        val = val.lower()
    return any(compare(c, op, val) for c in cands)


# ------------------------------------------------------------------------------------------
# Tools
# ------------------------------------------------------------------------------------------


def run(cmd, **kw):
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **kw)
    if p.returncode != 0:
        raise SystemExit("command failed (%d): %s\n%s" % (p.returncode, " ".join(cmd), p.stderr))
    return p.stdout


def yara_hits(rules_file, root):
    """{(rule, relpath): lowest string offset} from `yara -s -r`."""
    out = run(["yara", "-s", "-r", rules_file, root])
    hits, cur = {}, None
    for line in out.splitlines():
        m = re.match(r"^0x([0-9a-fA-F]+):\$", line)
        if m:
            check(cur is not None, "yara: string line before any rule line")
            off = int(m.group(1), 16)
            prev = hits.get(cur)
            hits[cur] = off if prev is None else min(prev, off)
            continue
        if not line.strip():
            continue
        rule, path = line.split(" ", 1)
        rel = os.path.relpath(path, root).replace(os.sep, "/")
        cur = (rule, rel)
        hits.setdefault(cur, None)
    for k, v in hits.items():
        check(v is not None, "yara hit %s without string matches" % (k,))
    return hits


TSHARK_FIELDS = ["frame.number", "frame.protocols", "ip.src", "ip.dst", "ipv6.src", "ipv6.dst",
                 "tcp.srcport", "tcp.dstport", "udp.srcport", "udp.dstport", "dns.qry.name",
                 "dns.cname", "dns.a", "dns.aaaa", "http.host", "http.request.uri",
                 "tls.handshake.extensions_server_name", "_ws.malformed", "_ws.expert.severity"]
SEV_WARN = 6291456     # PI_WARN; PI_ERROR is 8388608
DOC_NETS = [ipaddress.ip_network(n) for n in
            ("192.0.2.0/24", "198.51.100.0/24", "203.0.113.0/24", "2001:db8::/32")]


def tshark_packets(pcap):
    cmd = ["tshark", "-n", "-r", pcap, "-o", "tcp.check_checksum:TRUE", "-o",
           "udp.check_checksum:TRUE", "-o", "ip.check_checksum:TRUE", "-T", "fields",
           "-E", "separator=/t", "-E", "occurrence=a", "-E", "aggregator=,"]
    for f in TSHARK_FIELDS:
        cmd += ["-e", f]
    pkts = []
    for line in run(cmd).splitlines():
        cols = line.split("\t")
        cols += [""] * (len(TSHARK_FIELDS) - len(cols))
        r = {f: [v for v in c.split(",") if v] for f, c in zip(TSHARK_FIELDS, cols)}
        n = int(r["frame.number"][0])
        check(not r["_ws.malformed"], "%s frame %d: malformed" % (pcap, n))
        sev = [int(x) for x in r["_ws.expert.severity"]]
        check(all(x < SEV_WARN for x in sev), "%s frame %d: expert warning/error %s" % (pcap, n, sev))
        protos = set(r["frame.protocols"][0].split(":")) if r["frame.protocols"] else set()
        v4 = bool(r["ip.dst"])
        src = (r["ip.src"] or r["ipv6.src"] or [None])[0]
        dst = (r["ip.dst"] or r["ipv6.dst"] or [None])[0]
        for a in r["ip.src"] + r["ip.dst"] + r["ipv6.src"] + r["ipv6.dst"] + r["dns.a"] + r["dns.aaaa"]:
            ip = ipaddress.ip_address(a)
            check(any(ip in net for net in DOC_NETS), "%s frame %d: %s is not a documentation "
                  "address" % (pcap, n, a))
        names = r["dns.qry.name"] + r["dns.cname"] + r["http.host"] + \
            r["tls.handshake.extensions_server_name"]
        for d in names:
            check(d.lower().endswith(".example"), "%s frame %d: domain %s" % (pcap, n, d))
        sport = (r["tcp.srcport"] or r["udp.srcport"] or [None])[0]
        dport = (r["tcp.dstport"] or r["udp.dstport"] or [None])[0]
        p = {
            "n": n,
            "ipv4-addr:value": (r["ip.src"] + r["ip.dst"] if v4 else []) + r["dns.a"],
            "ipv6-addr:value": (r["ipv6.src"] + r["ipv6.dst"] if not v4 else []) + r["dns.aaaa"],
            "domain-name:value": [d.lower() for d in names],
            "url:value": ["http://%s%s" % (r["http.host"][0], u) for u in r["http.request.uri"]]
            if r["http.host"] else [],
            "network-traffic:dst_ref.value": [dst] if dst else [],
            "network-traffic:src_ref.value": [src] if src else [],
            "network-traffic:dst_port": [int(dport)] if dport else [],
            "network-traffic:src_port": [int(sport)] if sport else [],
            "network-traffic:protocols[*]": sorted(
                ({"ip": "ipv4"}.get(x, x) for x in protos
                 if x in ("ip", "ipv6", "tcp", "udp", "dns", "http", "tls"))),
        }
        pkts.append(p)
    return pkts


def net_hits(pkts, net_inds):
    hits = []
    for p in pkts:
        for iid, tree in net_inds:
            if evaluate(tree, lambda o, pr: p.get(o + ":" + pr, [])):
                hits.append((iid, p["n"]))
    return hits


def file_hits(root, file_inds):
    hits = []
    for dirpath, _, names in os.walk(root):
        for name in names:
            full = os.path.join(dirpath, name)
            rel = os.path.relpath(full, root).replace(os.sep, "/")
            h = {k: hashlib.new(k) for k in ("md5", "sha1", "sha256", "sha512")}
            with open(full, "rb") as f:
                while True:
                    b = f.read(1 << 20)
                    if not b:
                        break
                    for x in h.values():
                        x.update(b)
            vals = {"name": [name], "size": [os.path.getsize(full)],
                    "hashes.MD5": [h["md5"].hexdigest()], "hashes.'MD5'": [h["md5"].hexdigest()],
                    "hashes.'SHA-1'": [h["sha1"].hexdigest()],
                    "hashes.'SHA-256'": [h["sha256"].hexdigest()],
                    "hashes.'SHA-512'": [h["sha512"].hexdigest()]}
            for iid, tree in file_inds:
                if evaluate(tree, lambda o, pr: vals.get(pr, []) if o == "file" else []):
                    hits.append((iid, rel))
    return hits


# ------------------------------------------------------------------------------------------
# STIX schema validation
# ------------------------------------------------------------------------------------------


def stix_validate(bundle):
    from jsonschema import Draft202012Validator
    from referencing import Registry, Resource
    from referencing.jsonschema import DRAFT202012
    schemas = {}
    for p in glob.glob(os.path.join(SCHEMAS, "**", "*.json"), recursive=True):
        with open(p) as f:
            schemas[os.path.relpath(p, SCHEMAS)] = json.load(f)
    registry = Registry().with_resources(
        (s["$id"], Resource.from_contents(s, default_specification=DRAFT202012))
        for s in schemas.values())
    check(bundle.get("type") == "bundle" and re.match(r"^bundle--", bundle.get("id", "")),
          "indicators.json is not a STIX bundle")
    ids = {o["id"] for o in bundle["objects"]}
    n = 0
    for o in bundle["objects"]:
        t = o.get("type")
        for cand in ("sdos/%s.json" % t, "sros/%s.json" % t, "observables/%s.json" % t,
                     "common/%s.json" % t):
            if cand in schemas:
                break
        else:
            check(False, "no schema for STIX type %r" % t)
            continue
        v = Draft202012Validator(schemas[cand], registry=registry)
        errs = sorted(v.iter_errors(o), key=lambda e: list(e.path))
        for e in errs:
            check(False, "%s (%s) invalid against %s: %s at %s" % (o.get("id"), t, cand,
                                                                   e.message[:200], list(e.path)))
        n += 1
        for k in ("created_by_ref", "source_ref", "target_ref"):
            if k in o:
                check(o[k] in ids, "%s: %s %s not in the bundle" % (o["id"], k, o[k]))
        for m in o.get("object_marking_refs", []):
            check(m in ids, "%s: marking %s not in the bundle" % (o["id"], m))
    amber = [o for o in bundle["objects"]
             if o["id"] == "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421"]
    check(amber and amber[0].get("name") == "TLP:AMBER" and amber[0].get("extensions", {}).get(
        "extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d", {}).get("tlp_2_0") == "amber",
        "TLP:AMBER 2.0 marking-definition missing or wrong")
    print("ok  %d STIX objects valid against their own schemas" % n)


# ------------------------------------------------------------------------------------------


def tree_bytes(root):
    out = {}
    for dirpath, _, names in os.walk(root):
        for name in names:
            p = os.path.join(dirpath, name)
            with open(p, "rb") as f:
                out[os.path.relpath(p, root)] = hashlib.sha256(f.read()).hexdigest()
    return out


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: scenario_test.py SCRATCH")
    scratch = os.path.abspath(sys.argv[1])
    shutil.rmtree(scratch, ignore_errors=True)
    os.makedirs(scratch)
    a, b = os.path.join(scratch, "a"), os.path.join(scratch, "b")
    for d in (a, b):
        t = time.monotonic()
        out = run([sys.executable, GEN, d, "--seed", "7"])
        print(out.strip())
        print("    generation took %.1f s" % (time.monotonic() - t))
    ta, tb = tree_bytes(a), tree_bytes(b)
    check(ta == tb, "two runs with the same seed differ: %s" % sorted(
        k for k in set(ta) | set(tb) if ta.get(k) != tb.get(k))[:10])
    print("ok  deterministic (%d files identical)" % len(ta))
    c = os.path.join(scratch, "c")
    run([sys.executable, GEN, c, "--seed", "8", "--size-mb", "1"])
    check(tree_bytes(os.path.join(c, "package")) != tree_bytes(os.path.join(a, "package")),
          "another seed gives the same package")

    pkg = os.path.join(a, "package")
    acc = os.path.join(a, "accused")
    with open(os.path.join(pkg, "manifest.json")) as f:
        man = json.load(f)
    check(man.get("parley") == "evidence/v1", "manifest: parley != evidence/v1")
    for k in ("title", "reproduce", "stix", "yara", "files", "datasets", "expected"):
        check(k in man, "manifest: no %s" % k)
    listed = man["files"]
    on_disk = {k.replace(os.sep, "/") for k in tree_bytes(pkg)} - {"manifest.json"}
    same(list(listed), list(on_disk), "manifest 'files' vs the package's files")
    for rel, h in listed.items():
        p = os.path.join(pkg, rel)
        if os.path.exists(p):
            with open(p, "rb") as f:
                check(hashlib.sha256(f.read()).hexdigest() == h, "hash of %s" % rel)
    check(list(listed) == sorted(listed), "manifest 'files' not sorted")
    for ref in man["stix"] + man["yara"]:
        check(ref in listed, "manifest refers to unlisted %s" % ref)
    ds = {d["name"]: d for d in man["datasets"]}
    check(ds.get("sample-host", {}).get("kind") == "files" and
          ds.get("c2-capture", {}).get("kind") == "pcap", "manifest datasets")
    exp = man["expected"]
    key = lambda h: (h.get("dataset", ""), h.get("rule", ""), h.get("indicator", ""),
                     h.get("path", ""), h.get("packet", 0))
    check(exp == sorted(exp, key=key), "manifest 'expected' not sorted")

    with open(os.path.join(pkg, man["stix"][0])) as f:
        bundle = json.load(f)
    stix_validate(bundle)

    # indicators: which are in the supported subset
    file_inds, net_inds, yara_inds, unsupported = [], [], [], []
    for o in bundle["objects"]:
        if o["type"] != "indicator":
            continue
        if o["pattern_type"] == "yara":
            yara_inds.append(o)
            continue
        try:
            cat, tree = parse_pattern(o["pattern"])
            (file_inds if cat == "file" else net_inds).append((o["id"], tree))
            print("    supported   %-8s %s" % (cat, o["pattern"][:110]))
        except Unsupported as e:
            unsupported.append(o["id"])
            print("    unsupported          %s  (%s)" % (o["pattern"][:90], e))
    check(len(unsupported) >= 2, "expected at least two indicators outside the subset")
    check(len(yara_inds) == 1, "expected one YARA indicator")
    all_exp = exp + []
    with open(os.path.join(acc, "expected-infected.json")) as f:
        exp_inf = json.load(f)
    with open(os.path.join(acc, "expected-clean.json")) as f:
        exp_cln = json.load(f)
    check(exp_cln == {"files": [], "capture": []}, "expected-clean.json is not empty")
    for h in all_exp + exp_inf["files"] + exp_inf["capture"]:
        check(h.get("indicator") not in unsupported, "unsupported indicator in expected: %s" % h)
    ind_ids = {o["id"] for o in bundle["objects"] if o["type"] == "indicator"}
    for h in all_exp + exp_inf["files"] + exp_inf["capture"]:
        if "indicator" in h:
            check(h["indicator"] in ind_ids, "expected names unknown indicator %s" % h)

    # YARA: rules.yar plus the indicator's rule, by the yara CLI
    yi = os.path.join(scratch, "indicator-rule.yar")
    with open(yi, "w") as f:
        f.write(yara_inds[0]["pattern"])
    yi_name = re.search(r"rule\s+(\w+)", yara_inds[0]["pattern"]).group(1)
    rules = os.path.join(pkg, man["yara"][0])
    trees = [("package sample-host", os.path.join(pkg, ds["sample-host"]["root"]),
              [h for h in exp if h["dataset"] == "sample-host"]),
             ("accused infected", os.path.join(acc, "infected", "files"), exp_inf["files"]),
             ("accused clean", os.path.join(acc, "clean", "files"), exp_cln["files"])]
    for label, root, want in trees:
        got = [(r, p, o) for (r, p), o in yara_hits(rules, root).items()]
        got += [(yara_inds[0]["id"], p, o) for (r, p), o in yara_hits(yi, root).items()
                if r == yi_name]
        want_y = [(h.get("rule") or h["indicator"], h["path"], h["offset"]) for h in want
                  if "offset" in h]
        same(got, want_y, "%s: yara hits" % label)
        want_f = [(h["indicator"], h["path"]) for h in want if "offset" not in h]
        same(file_hits(root, file_inds), want_f, "%s: STIX file-indicator hits" % label)
        check(all(("rule" in h or "indicator" in h) and "path" in h for h in want),
              "%s: malformed expected hit" % label)

    caps = [("package c2-capture", os.path.join(pkg, ds["c2-capture"]["path"]),
             [h for h in exp if h["dataset"] == "c2-capture"]),
            ("accused infected", os.path.join(acc, "infected", "capture.pcap"), exp_inf["capture"]),
            ("accused clean", os.path.join(acc, "clean", "capture.pcap"), exp_cln["capture"])]
    for label, pcap, want in caps:
        pkts = tshark_packets(pcap)
        check(len(pkts) > 20, "%s: only %d packets" % (label, len(pkts)))
        same(net_hits(pkts, net_inds), [(h["indicator"], h["packet"]) for h in want],
             "%s: network hits from tshark's view" % label)
    check(any(h["dataset"] == "c2-capture" for h in exp) and exp_inf["capture"] and
          exp_inf["files"], "some expected list is unexpectedly empty")

    if failures:
        print("%d failure(s)" % len(failures))
        sys.exit(1)
    print("scenario_test: all checks passed")


if __name__ == "__main__":
    main()
