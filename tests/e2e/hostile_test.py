#!/usr/bin/env python3
"""Hostile HTTP requests against a real `parley serve` (127.0.0.1, ephemeral
port), over raw sockets.

Every case is sent on its own connection and checked: the answer must be a
4xx, or, only for the cases marked close_ok (broken HTTP framing, or a body
the client never finishes), the server closing the connection without an
answer. Which cases got a close is counted and reported per family. 5xx,
2xx/3xx and no answer at all (the server keeps the connection open) fail.

Afterwards: the server still serves (GET /checkpoint, a signed statement is
accepted), the log did not grow while the hostile cases ran (/healthz size
and checkpoint bytes unchanged), a second client is served while a slowloris
client trickles bytes, and the server's stderr shows no crash or sanitizer
report.

usage: hostile_test.py PARLEY SCRATCH
"""
import base64
import collections
import hashlib
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import parleypy as pp  # noqa: E402

PARLEY, WORK = sys.argv[1], sys.argv[2]
ORIGIN = "hostile.example/wg"
failures = []


def check(cond, what):
    if not cond:
        failures.append(what)
        print("FAIL: " + what, file=sys.stderr)


now = pp.now


class Server:
    def __init__(self, logdir):
        self.logdir = logdir
        self.portfile = os.path.join(WORK, "port")
        self.errfile = os.path.join(WORK, "serve.stderr")
        args = [PARLEY, "serve", logdir, "--listen", "127.0.0.1:0", "--port-file", self.portfile,
                "--skew", "120"]
        if os.geteuid() == 0:
            args.append("--allow-root")
        self.err = open(self.errfile, "wb")
        self.proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=self.err)
        for _ in range(200):
            if os.path.exists(self.portfile) and open(self.portfile).read().strip():
                break
            if self.proc.poll() is not None:
                break
            time.sleep(0.05)
        self.port = int(open(self.portfile).read())

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.err.close()
        return self.proc.returncode, open(self.errfile, "rb").read()


SRV = None


def exchange(data, timeout=8.0, shut=False, pieces=None):
    """Sends data (or pieces, one send each) on a fresh connection; returns
    (status or None, headers dict, body, how) where how is "answer",
    "close" (closed with no answer), "reset" or "timeout". With shut the
    client half-closes after sending."""
    s = socket.create_connection(("127.0.0.1", SRV.port), timeout=timeout)
    got = b""
    how = "answer"
    try:
        try:
            for p in pieces or [data]:
                s.sendall(p)
            if shut:
                s.shutdown(socket.SHUT_WR)
        except (BrokenPipeError, ConnectionResetError, OSError):
            pass  # the server may answer and close before reading everything
                  # (shutdown() then fails with ENOTCONN)
        while True:
            head, sep, rest = got.partition(b"\r\n\r\n")
            if sep:
                hd = parse_headers(head)
                n = int(hd.get("content-length", "0") or 0)
                if len(rest) >= n:
                    break
            try:
                chunk = s.recv(65536)
            except (ConnectionResetError, ConnectionAbortedError):
                how = "reset"
                break
            if not chunk:
                break
            got += chunk
    except socket.timeout:
        how = "timeout"
    finally:
        s.close()
    if not got.startswith(b"HTTP/"):
        return None, {}, got, how if how != "answer" else "close"
    head, _, body = got.partition(b"\r\n\r\n")
    try:
        status = int(head.split(b" ", 2)[1])
    except (IndexError, ValueError):
        return None, {}, got, "garbled"
    hd = parse_headers(head)
    if "content-length" in hd:
        body = body[:int(hd["content-length"])]  # a pipelined second answer may follow
    return status, hd, body, "answer"


def parse_headers(head):
    hd = {}
    for line in head.split(b"\r\n")[1:]:
        k, _, v = line.partition(b":")
        hd[k.strip().lower().decode("latin-1")] = v.strip().decode("latin-1")
    return hd


def http_get(path, headers=b""):
    return exchange(b"GET " + path.encode() + b" HTTP/1.1\r\nHost: x\r\nConnection: close\r\n" + headers + b"\r\n")


def req(method, target, headers=(), body=None, version=b"HTTP/1.1", close=True):
    """A request as bytes; method/target may be bytes or str; headers a list of byte lines."""
    enc = lambda x: x if isinstance(x, bytes) else x.encode()
    lines = [enc(method) + b" " + enc(target) + b" " + version, b"Host: 127.0.0.1"]
    if close:
        lines.append(b"Connection: close")
    lines += [enc(h) for h in headers]
    if body is not None and not any(enc(h).lower().startswith((b"content-length", b"transfer-encoding"))
                                    for h in headers):
        lines.append(b"Content-Length: %d" % len(body))
    return b"\r\n".join(lines) + b"\r\n\r\n" + (body or b"")


Case = collections.namedtuple("Case", "family name data close_ok want shut timeout pieces")


def case(family, name, data, close_ok=False, want=None, shut=False, timeout=8.0, pieces=None):
    return Case(family, name, data, close_ok, want, shut, timeout, pieces)


# Routes as served (docs/api.md), and which methods each takes.
H64 = hashlib.sha256(b"no such blob").hexdigest()
ROUTES = [
    ("/checkpoint", "GET"), ("/tile/0/000", "GET"), ("/tile/entries/000", "GET"), ("/v1/statements", "POST"),
    ("/v1/entries/0", "GET"), ("/v1/proof/inclusion?index=0", "GET"), ("/v1/proof/consistency?old=1&new=1", "GET"),
    ("/v1/parties", "GET"), ("/v1/parties/p01", "GET"), ("/v1/blobs/" + H64, "BLOB"), ("/v1/cases", "GET"),
    ("/v1/cases/1", "GET"), ("/v1/groups", "GET"), ("/v1/groups/1", "GET"), ("/v1/sessions", "GET"), ("/v1/sessions/1", "GET"), ("/v1/norms", "GET"), ("/v1/norms/" + H64, "GET"), ("/v1/inbox/p01", "GET"),
    ("/v1/report", "GET"), ("/healthz", "GET"), ("/metrics", "GET"),
]
ALLOW = {"GET": "GET, HEAD", "POST": "POST", "BLOB": "GET, HEAD, PUT"}


def build_cases(good_env, member, member_key):
    cases = []
    ok_json = [b"Content-Type: application/json"]

    # --- every route x every wrong method: 405 with the route's Allow ---
    for path, allowed in ROUTES:
        for m in ["GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "TRACE", "CONNECT", "PROPFIND",
                  "get", "BREW"]:
            if m in ("GET", "HEAD") and allowed in ("GET", "BLOB") or m == "POST" and allowed == "POST" \
                    or m == "PUT" and allowed == "BLOB":
                continue
            cases.append(case("wrong method", "%s %s" % (m, path), req(m, path), want={405},
                              # libmicrohttpd itself refuses CONNECT before routing
                              ))
            cases[-1] = cases[-1]._replace(want={405} if m != "CONNECT" else {400, 405})

    # --- unknown routes ---
    for p in ["/", "/nothing", "/checkpoint/", "/checkpoint/x", "/CHECKPOINT", "/v1", "/v1/", "/v2/statements",
              "/v1/statements/", "/v1/entries", "/v1/entries/", "/v1/parties/", "/v1/cases/", "/v1/groups/", "/v1/sessions/", "/v1/inbox",
              "/v1/inbox/", "/v1/norms/", "/healthz/", "/metrics.json", "/tile", "/tile/", "/private/log.key",
              "/log.vkey", "/.git/config", "/index.html", "*"]:
        cases.append(case("unknown route", "GET " + p, req("GET", p), want={404, 400}))

    # --- path traversal and non-canonical paths (tiles, blobs, entries, parties, inbox) ---
    trav = ["/tile/../private/log.key", "/tile/0/../../private/log.key", "/tile/%2e%2e/private/log.key",
            "/tile/%2E%2E/private/log.key", "/tile/0/%2e%2e%2f%2e%2e%2fprivate%2flog.key", "/tile//0/000",
            "/tile/0//000", "/tile/0/000/", "/tile\\0\\000", "/tile/0\\..\\..\\private\\log.key",
            "/tile/entries/../../private/log.key", "/tile/entries/%2e%2e%2fcheckpoint", "/tile/00/000",
            "/tile/0/0000", "/tile/0/x000/000", "/tile/0/000.p/0", "/tile/0/000.p/256", "/tile/0/000.p/01",
            "/tile/-1/000", "/tile/64/000", "/tile/0/001.p/", "/tile/./0/000", "/tile/0/./000",
            "/v1/blobs/../private/log.key", "/v1/blobs/%2e%2e%2fprivate%2flog.key", "/v1/blobs/" + H64.upper(),
            "/v1/blobs/" + H64[:63], "/v1/blobs/" + H64 + "0", "/v1/blobs/" + H64[:62] + "..",
            "/v1/blobs//" + H64, "/v1/blobs/" + H64 + "/", "/v1/entries/01", "/v1/entries/-1",
            "/v1/entries/1e3", "/v1/entries/99999999999999999999", "/v1/entries/4611686018427387904",
            "/v1/entries/0x10", "/v1/entries/%2e%2e", "/v1/parties/..", "/v1/parties/../private",
            "/v1/parties/.p01", "/v1/parties/P01", "/v1/parties/p01/", "/v1/parties/" + "a" * 65,
            "/v1/inbox/..%2f", "/v1/inbox/..%2fprivate", "/v1/inbox/%2e%2e", "/v1/inbox/p01%2f..",
            "/v1/cases/01", "/v1/cases/-4", "/v1/groups/01", "/v1/groups/-4", "/v1/groups/1/", "/v1/groups/%2e%2e",
            "/v1/sessions/01", "/v1/sessions/-1", "/v1/sessions/1/",
            "/v1/norms/" + H64.upper(), "/v1/norms/" + H64[:60],
            "//checkpoint", "/./checkpoint", "/v1/../checkpoint", "/v1/%2e%2e/checkpoint"]
    for p in trav:
        cases.append(case("traversal/non-canonical", "GET " + p, req("GET", p), want={404, 400}))

    # --- invalid UTF-8 and NUL bytes in URLs and bodies ---
    for p in [b"/v1/parties/\xff\xfe", b"/v1/parties/\xc3\x28", b"/v1/inbox/\xed\xa0\x80", b"/tile/\xc0\xaf",
              b"/checkpoint%00", b"/checkpoint%00junk", b"/healthz%00.json", b"/v1/parties/p01%00",
              b"/v1/blobs/" + H64.encode() + b"%00", b"/v1/proof/inclusion?index=0%00x",
              b"/v1/proof/consistency?old=1%00&new=1", b"/v1/cases?limit=1%00", b"/v1/parties/%ff",
              b"/v1/inbox/%c3%28", b"/ch\x00eckpoint", b"/tile/0\x00/../../private/log.key"]:
        cases.append(case("invalid UTF-8/NUL", "GET %r" % p, req(b"GET", p), want={400, 404}))
    for name, body in [("invalid UTF-8 body", b'{"payloadType":"\xff\xfe","payload":"","signatures":[]}'),
                       ("NUL in body", good_env[:40] + b"\x00" + good_env[41:]),
                       ("NUL-only body", b"\x00" * 64),
                       ("overlong UTF-8 body", b'{"payloadType":"\xc0\xaf","payload":"","signatures":[]}'),
                       ("surrogate in body", b'{"payloadType":"\xed\xa0\x80"}'),
                       ("escaped NUL in JSON", b'{"payloadType":"a\\u0000b","payload":"","signatures":[]}')]:
        cases.append(case("invalid UTF-8/NUL", name, req("POST", "/v1/statements", ok_json, body), want={400}))

    # --- JSON abuse on submissions ---
    env = json.loads(good_env)
    js = lambda d: json.dumps(d, separators=(",", ":")).encode()
    json_bodies = [
        ("deep arrays", b"[" * 100000 + b"]" * 100000, {400, 413}),
        ("deep objects", b'{"a":' * 5000 + b"1" + b"}" * 5000, {400}),
        ("deep in payloadType", b'{"payloadType":' + b"[" * 3000 + b"]" * 3000 + b"}", {400}),
        ("huge number", b'{"payloadType":1' + b"0" * 5000 + b'}', {400}),
        ("huge exponent", b'{"payloadType":1e999999999,"payload":"","signatures":[]}', {400}),
        ("negative zero / NaN", b'{"payloadType":NaN,"payload":-0,"signatures":Infinity}', {400}),
        ("duplicate keys", b'{"payloadType":"a","payloadType":"b","payload":"","signatures":[]}', {400}),
        ("duplicate payload", good_env[:-1] + b',"payload":"AAAA"}', {400}),
        ("non-object: array", b"[]", {400}),
        ("non-object: string", b'"hello"', {400}),
        ("non-object: number", b"42", {400}),
        ("non-object: true", b"true", {400}),
        ("non-object: null", b"null", {400}),
        ("truncated JSON", good_env[:len(good_env) // 2], {400}),
        ("truncated by one", good_env[:-1], {400}),
        ("trailing garbage", good_env + b"x", {400}),
        ("two objects", good_env + good_env, {400}),
        ("empty body", b"", {400}),
        ("whitespace body", b" \r\n\t ", {400}),
        ("bad base64 payload", js(dict(env, payload="!!!not base64!!!")), {400}),
        ("base64 bad padding", js(dict(env, payload=env["payload"] + "=")), {400}),
        ("base64url alphabet", js(dict(env, payload=env["payload"].replace("+", "-").replace("/", "_") + "-_")),
         {400}),
        ("base64 with newlines", js(dict(env, payload=env["payload"][:8] + "\n" + env["payload"][8:])), {400}),
        ("bad base64 sig", js(dict(env, signatures=[{"keyid": "00", "sig": "%%%%"}])), {400}),
        ("sig wrong type", js(dict(env, signatures=[{"sig": 5}])), {400}),
        ("signatures not array", js(dict(env, signatures={"sig": "AAAA"})), {400}),
        ("payload not string", js(dict(env, payload=["x"])), {400}),
        ("payload of garbage", js(dict(env, payload=base64.b64encode(b"\xff" * 100).decode())), {400}),
        ("unknown payloadType", js(dict(env, payloadType="text/plain")), {400, 415}),
        ("forged signature", js(dict(env, signatures=[{"keyid": env["signatures"][0].get("keyid", ""),
                                                       "sig": base64.b64encode(b"\x01" * 64).decode()}])),
         {400, 403}),
        ("body over 65535", b'{"payloadType":"' + b"a" * 70000 + b'"}', {413}),
    ]
    for name, body, want in json_bodies:
        cases.append(case("JSON", name, req("POST", "/v1/statements", ok_json, body), want=want))

    # --- Content-Type, Content-Length, chunked, bodies on GET ---
    for ct in [None, b"Content-Type: text/plain", b"Content-Type: application/x-www-form-urlencoded",
               b"Content-Type: multipart/form-data; boundary=x", b"Content-Type: application/json; charset=utf-7",
               b"Content-Type: \xff\xfe"]:
        hs = [ct] if ct else []
        # the garbage body makes the outcome independent of whether the type is checked
        cases.append(case("Content-Type", "wrong type %r" % ct, req("POST", "/v1/statements", hs, b"a=1&b=2"),
                          want={400, 415}))
    for path in ["/checkpoint", "/healthz", "/v1/parties", "/tile/0/000", "/v1/cases", "/metrics"]:
        cases.append(case("body on GET", "GET %s with a body" % path,
                          req("GET", path, [b"Content-Type: application/json"], b'{"a":1}'), want={400}))
        cases.append(case("body on GET", "GET %s chunked" % path,
                          req("GET", path, [b"Transfer-Encoding: chunked"], b"4\r\nabcd\r\n0\r\n\r\n"), want={400}))
    clm = []
    clm.append(("CL short (extra bytes become a pipelined request)",
                req("POST", "/v1/statements", ok_json + [b"Content-Length: 10"], good_env), {400}, False, False))
    clm.append(("CL long, client half-closes", req("POST", "/v1/statements", ok_json + [
        b"Content-Length: %d" % (len(good_env) + 100)], good_env), set(), True, True))
    clm.append(("CL long by one, half-close", req("POST", "/v1/statements", ok_json + [
        b"Content-Length: %d" % (len(good_env) + 1)], good_env), set(), True, True))
    clm.append(("CL huge on submit", req("POST", "/v1/statements", ok_json + [b"Content-Length: 1000000000000"],
                                          b""), {413}, True, False))
    clm.append(("CL 2^64 on submit", req("POST", "/v1/statements", ok_json + [
        b"Content-Length: 18446744073709551616"], b""), {400, 413}, True, False))
    clm.append(("CL negative", req("POST", "/v1/statements", ok_json + [b"Content-Length: -1"], b"{}"), {400},
                True, False))
    clm.append(("CL not a number", req("POST", "/v1/statements", ok_json + [b"Content-Length: abc"], b"{}"), {400},
                True, False))
    clm.append(("CL with plus sign", req("POST", "/v1/statements", ok_json + [b"Content-Length: +2"], b"{}"), {400},
                True, False))
    clm.append(("two different CLs", req("POST", "/v1/statements", ok_json + [b"Content-Length: 2",
                                                                               b"Content-Length: 40"], b"{}"),
                {400}, True, True))
    clm.append(("CL and chunked", req("POST", "/v1/statements", ok_json + [
        b"Content-Length: 5", b"Transfer-Encoding: chunked"], b"2\r\n{}\r\n0\r\n\r\n"), {400}, True, False))
    clm.append(("CL huge on GET", req("GET", "/checkpoint", [b"Content-Length: 1000000000000"], b""), {400}, True,
                False))
    clm.append(("CL huge on blob PUT without auth", req("PUT", "/v1/blobs/" + H64, [
        b"Content-Length: 1000000000000"], b""), {401}, True, False))
    for name, data, want, close_ok, shut in clm:
        cases.append(case("Content-Length", name, data, close_ok=close_ok, want=want or None, shut=shut))
    chunked = [
        ("bad chunk size", b"zz\r\n{}\r\n0\r\n\r\n", {400}),
        ("huge chunk size", b"ffffffffffffffffff\r\n{}\r\n0\r\n\r\n", {400, 413}),
        ("chunk size 2^63, then half-close", b"8000000000000000\r\n{}\r\n", {400, 413}),
        ("chunk longer than said", b"2\r\n{}}}}}\r\n0\r\n\r\n", {400}),
        ("chunked garbage JSON", b"5\r\n{\"a\":\r\n0\r\n\r\n", {400}),
        ("chunked over 65535", b"".join(b"4000\r\n" + b"a" * 0x4000 + b"\r\n" for _ in range(5)) + b"0\r\n\r\n",
         {413}),
        ("chunk extension abuse", b"2;" + b"x" * 20000 + b"\r\n{}\r\n0\r\n\r\n", {400, 413, 500}),
        ("chunked, never terminated, half-close", b"2\r\n{}\r\n", set()),
    ]
    for name, body, want in chunked:
        shut = not want or "half-close" in name
        cases.append(case("chunked", name, req("POST", "/v1/statements", ok_json + [b"Transfer-Encoding: chunked"],
                                                body), close_ok=True, want=want or None, shut=shut))

    # --- blobs: no auth, partial auth, forged auth ---
    t = now()
    blob_body = b"hostile blob bytes"
    bh = hashlib.sha256(blob_body).hexdigest()
    good_sig = lambda m, hx, tm, origin=ORIGIN: base64.b64encode(member_key.sign(
        ("parley.blob/v2\n%s\n%s\n%s\n%s\n" % (origin, m, hx, tm)).encode())).decode()
    v1_sig = lambda m, hx, tm: base64.b64encode(member_key.sign(
        ("parley.blob/v1\n%s\n%s\n%s\n" % (m, hx, tm)).encode())).decode()
    auths = [
        ("no auth", [], {401}),
        ("party only", [b"Parley-Party: " + member.encode()], {401}),
        ("no signature", [b"Parley-Party: " + member.encode(), b"Parley-Time: " + t.encode()], {401}),
        ("garbage time", [b"Parley-Party: " + member.encode(), b"Parley-Time: yesterday",
                          b"Parley-Signature: AAAA"], {401}),
        ("stale time", [b"Parley-Party: " + member.encode(), b"Parley-Time: " + now(-3600).encode(),
                        b"Parley-Signature: " + good_sig("PUT", bh, now(-3600)).encode()], {401}),
        ("future time", [b"Parley-Party: " + member.encode(), b"Parley-Time: " + now(3600).encode(),
                         b"Parley-Signature: " + good_sig("PUT", bh, now(3600)).encode()], {401}),
        ("unknown party", [b"Parley-Party: nobody", b"Parley-Time: " + t.encode(),
                           b"Parley-Signature: " + good_sig("PUT", bh, t).encode()], {403}),
        ("invalid party name", [b"Parley-Party: ../../etc", b"Parley-Time: " + t.encode(),
                                b"Parley-Signature: AAAA"], {403}),
        ("bad base64 signature", [b"Parley-Party: " + member.encode(), b"Parley-Time: " + t.encode(),
                                  b"Parley-Signature: !!!!"], {403}),
        ("short signature", [b"Parley-Party: " + member.encode(), b"Parley-Time: " + t.encode(),
                             b"Parley-Signature: " + base64.b64encode(b"\x00" * 32)], {403}),
        ("signature for GET used on PUT", [b"Parley-Party: " + member.encode(), b"Parley-Time: " + t.encode(),
                                           b"Parley-Signature: " + good_sig("GET", bh, t).encode()], {403}),
        ("signature for another blob", [b"Parley-Party: " + member.encode(), b"Parley-Time: " + t.encode(),
                                        b"Parley-Signature: " + good_sig("PUT", H64, t).encode()], {403}),
        ("signature by another key", [b"Parley-Party: p00", b"Parley-Time: " + t.encode(),
                                      b"Parley-Signature: " + good_sig("PUT", bh, t).encode()], {403}),
        ("signature for another log", [b"Parley-Party: " + member.encode(), b"Parley-Time: " + t.encode(),
                                       b"Parley-Signature: " + good_sig("PUT", bh, t, "other.example/wg").encode()],
         {403}),
        ("version 1 signature (no origin)", [b"Parley-Party: " + member.encode(), b"Parley-Time: " + t.encode(),
                                             b"Parley-Signature: " + v1_sig("PUT", bh, t).encode()], {403}),
    ]
    for name, hs, want in auths:
        cases.append(case("blob auth", "PUT " + name, req("PUT", "/v1/blobs/" + bh, hs, blob_body), want=want,
                          close_ok=False))
        # the GET-signed request is a valid GET of a blob that is not stored: 404
        cases.append(case("blob auth", "GET " + name, req("GET", "/v1/blobs/" + bh, hs),
                          want={404} if "for GET used on PUT" in name else want))
    sig = good_sig("PUT", H64, t)
    cases.append(case("blob auth", "valid auth, body does not hash to the name",
                      req("PUT", "/v1/blobs/" + H64, [b"Parley-Party: " + member.encode(),
                                                       b"Parley-Time: " + t.encode(),
                                                       b"Parley-Signature: " + sig.encode()], blob_body),
                      want={422}))

    # --- bad query parameters on the read API ---
    for q in ["/v1/cases?limit=-1", "/v1/cases?limit=0", "/v1/cases?limit=1001", "/v1/cases?limit=1e3",
              "/v1/cases?limit=", "/v1/cases?offset=-5", "/v1/cases?offset=99999999999999999999999",
              "/v1/cases?state=maybe", "/v1/cases?party=..%2f..", "/v1/cases?party=%00",
              "/v1/groups?state=open", "/v1/groups?limit=0", "/v1/groups?party=..%2f..", "/v1/groups/1?now=garbage",
              "/v1/sessions?state=established", "/v1/sessions/1?now=garbage",
              "/v1/cases?limit=x&limit=10", "/v1/cases/1?now=garbage", "/v1/report?now=garbage",
              "/v1/report?now=2026-13-45T99:99:99Z", "/v1/report?now=-1", "/v1/report?party=UPPER",
              "/v1/inbox/p01?limit=abc", "/v1/inbox/p01?now=yesterday", "/v1/inbox/p01?offset=-1",
              "/v1/proof/inclusion", "/v1/proof/inclusion?index=", "/v1/proof/inclusion?index=-1",
              "/v1/proof/inclusion?index=01", "/v1/proof/inclusion?index=999999999",
              "/v1/proof/inclusion?index=99999999999999999999999", "/v1/proof/consistency?old=2&new=1",
              "/v1/proof/consistency?old=1", "/v1/proof/consistency?old=0&new=99999",
              "/v1/proof/consistency?old=a&new=b", "/v1/entries/999999", "/v1/cases/999999",
              "/v1/norms/" + H64, "/v1/parties/nobody"]:
        cases.append(case("query/lookup", "GET " + q, req("GET", q), want={400, 404}))

    # --- HTTP framing: oversize, endless, malformed, HTTP/0.9, HTTP/2 ---
    framing = [
        ("request line 20 KiB", req("GET", "/" + "a" * 20000), {414, 431, 400}, True),
        ("request line 200 KiB", req("GET", "/" + "a" * 200000), {414, 431, 400}, True),
        ("URL 201 bytes", req("GET", "/v1/parties/" + "a" * 189), {414}, False),
        ("URL 2 KiB", req("GET", "/v1/parties/" + "a" * 2000), {414}, False),
        ("query 10 KiB", req("GET", "/v1/cases?party=" + "a" * 10000), {400, 414, 431}, True),
        ("one header 100 KiB", req("GET", "/healthz", [b"X-Long: " + b"a" * 100000]), {431, 413, 400}, True),
        ("one header 17 KiB", req("GET", "/healthz", [b"X-Long: " + b"a" * 17000]), {431, 413, 400}, True),
        ("one header 9 KiB (over the 8 KiB cap)", req("GET", "/healthz", [b"X-Long: " + b"a" * 9000]), {431, 413, 400},
         True),
        ("5000 small headers", req("GET", "/healthz", [b"X-%d: y" % i for i in range(5000)]), {431, 413, 400},
         True),
        ("header without colon", req("GET", "/healthz", [b"NoColonHere"]), {400}, True),

        ("bare LF line endings", b"GET /checkpoint\nHost: x\n\n", {400}, True),
        ("no Host in HTTP/1.1", b"GET /checkpoint HTTP/1.1\r\nConnection: close\r\n\r\n", {400}, False),
        ("HTTP/0.9 request", b"GET /checkpoint\r\n\r\n", {400, 505}, True),
        ("HTTP/2 preface", b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", {400, 505}, True),
        ("HTTP/2 preface, half-close", b"PRI * HTTP/2.0\r\n", {400, 505}, True),
        ("HTTP/2 frames after preface", b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n\x00\x00\x12\x04\x00\x00\x00\x00\x00"
         + b"\x00" * 18, {400, 505}, True),
        ("HTTP/3.0 version", req("GET", "/checkpoint", version=b"HTTP/3.0"), {400, 505}, True),
        ("HTTP/1.10 version", req("GET", "/checkpoint", version=b"HTTP/1.10"), {400, 505}, True),
        ("lowercase version", req("GET", "/checkpoint", version=b"http/1.1"), {400, 505}, True),
        ("garbage version", req("GET", "/checkpoint", version=b"XYZ/1.1"), {400, 505}, True),
        ("TLS ClientHello", b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03" + os.urandom(32) + b"\x00" * 200,
         {400}, True),
        ("binary garbage", bytes(range(256)) * 4, {400}, True),
        ("only CRLFs", b"\r\n" * 5000, {400, 414}, True),  # 414: the blank lines overflow the 8 KiB line buffer
        ("method too long", req(b"A" * 20000, "/checkpoint"), {400, 405, 414, 431}, True),
        ("method with NUL", req(b"GE\x00T", "/checkpoint"), {400, 404, 405}, True),
        ("absolute-form target", req("GET", "http://evil.example/checkpoint"), {400, 404}, True),
        ("authority-form target", req("GET", "127.0.0.1:80"), {400, 404}, True),
        ("pipelined garbage before a good request", b"\xff\xfe GARBAGE\r\n\r\n" + req("GET", "/healthz"),
         {400}, True),
        ("pipelined: refused then garbage", req("DELETE", "/checkpoint", close=False) + os.urandom(64), {405}, True),
        ("pipelined: oversize then good", req("GET", "/" + "b" * 300, close=False) + req("GET", "/checkpoint"),
         {414}, True),
    ]
    for name, data, want, close_ok in framing:
        c = case("framing", name, data, close_ok=close_ok, want=want, shut=close_ok)
        cases.append(c)
    return cases


def run_case(c):
    status, hd, body, how = exchange(c.data, timeout=c.timeout, shut=c.shut, pieces=c.pieces)
    if status is None:
        if how in ("close", "reset") and c.close_ok:
            return "close", None
        return "bad", "no answer (%s, %d bytes)" % (how, len(body))
    if status not in c.want:
        return "bad", "answered %d, want %s" % (status, sorted(c.want))
    if status in (500, 505) and c.family in ("framing", "chunked") and b"<html>" in body \
            and "application/json" not in hd.get("content-type", ""):
        # libmicrohttpd's own answer, before any Parley code runs: 505 for
        # HTTP/2 and HTTP/3 versions (as RFC 9110 says), 500 for a chunk line
        # that does not fit its 8 KiB connection buffer
        return "mhd-5xx", None
    if not 400 <= status < 500:
        return "bad", "answered %d (not a 4xx)" % status
    if status == 405:
        path = c.name.split(" ", 1)[1]
        want_allow = ALLOW[dict(ROUTES)[path]] if path in dict(ROUTES) else None
        if not hd.get("allow") or (want_allow and hd["allow"] != want_allow):
            return "bad", "405 with Allow %r, want %r" % (hd.get("allow"), want_allow)
    if body and hd.get("content-type", "").startswith("application/json"):
        try:
            err = json.loads(body)["error"]
            if not (err["code"] and err["message"]):
                return "bad", "error without code or message"
        except (ValueError, KeyError, TypeError):
            return "bad", "error body is not {\"error\":{...}}: %r" % body[:100]
    return "4xx", None


def slowloris():
    """A client trickles a request line and headers one byte at a time while a
    second client is served; the server must not wait for the first."""
    s = socket.create_connection(("127.0.0.1", SRV.port), timeout=60)
    data = b"GET /checkpoint HTTP/1.1\r\nHost: x\r\nX-Slow: " + b"a" * 1000
    stop = threading.Event()
    sent = [0]

    def trickle():
        try:
            for b in data:
                if stop.is_set():
                    return
                s.sendall(bytes([b]))
                sent[0] += 1
                time.sleep(0.01)
        except OSError:
            pass

    t = threading.Thread(target=trickle)
    t.start()
    time.sleep(0.5)
    served = 0
    t0 = time.time()
    for _ in range(5):
        st, _, _, _ = http_get("/healthz")
        served += st == 200
    lat = time.time() - t0
    # a trickling POST body too
    s2 = socket.create_connection(("127.0.0.1", SRV.port), timeout=60)
    s2.sendall(b"POST /v1/statements HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 500\r\n"
               b"\r\n{")
    for _ in range(10):
        s2.sendall(b" ")
        time.sleep(0.02)
    st2, _, _, _ = http_get("/checkpoint")
    stop.set()
    t.join()
    s.close()
    s2.close()
    check(sent[0] > 20, "the slowloris client could trickle bytes (%d sent)" % sent[0])
    check(served == 5 and lat < 5, "a second client is served while one trickles (%d/5 in %.2fs)" % (served, lat))
    check(st2 == 200, "and while another trickles a body (%s)" % st2)
    return sent[0]


def main():
    global SRV
    shutil.rmtree(WORK, ignore_errors=True)
    os.makedirs(WORK)
    p0, p1 = pp.Party("p00"), pp.Party("p01")
    f0, f1 = p0.write(WORK), p1.write(WORK)
    logdir = os.path.join(WORK, "log")
    r = subprocess.run([PARLEY, "init", logdir, "--origin", ORIGIN, "--key", f0[0], "--name", "hostile",
                        "--no-norms", "--founder", f1[1]], capture_output=True)
    check(r.returncode == 0, "parley init (%s)" % r.stderr.decode())
    p0.seq = 1  # the charter
    SRV = Server(logdir)
    failed_early = False
    try:
        def signed(p):
            p.seq += 1
            return pp.envelope([p.sign], pp.payload(ORIGIN, "ping", p.name, p.seq, now()))

        def submit(env):
            return exchange(req("POST", "/v1/statements", [b"Content-Type: application/json"], env))

        st, _, body, _ = submit(signed(p1))
        check(st == 201, "a good statement is accepted before the hostile run (%s %r)" % (st, body[:200]))
        good_env = signed(p1)
        p1.seq -= 1  # built to be taken apart, never submitted whole
        time.sleep(0.3)
        size0 = json.loads(http_get("/healthz")[2])["size"]
        cp0 = http_get("/checkpoint")[2]

        cases = build_cases(good_env, "p01", p1.sign)
        names = [(c.family, c.name, c.data) for c in cases]
        check(len(set(names)) == len(names), "no duplicate cases")
        per = collections.OrderedDict()
        t0 = time.time()
        for c in cases:
            outcome, why = run_case(c)
            fam = per.setdefault(c.family, collections.Counter())
            fam["cases"] += 1
            fam[outcome] += 1
            if outcome == "mhd-5xx":
                per[c.family + " (libmicrohttpd 5xx)"] = per.get(c.family + " (libmicrohttpd 5xx)", []) + [
                    c.name]
            if outcome == "close":
                per[c.family + " (closed)"] = per.get(c.family + " (closed)", []) + [c.name]
            if outcome == "bad":
                check(False, "[%s] %s: %s" % (c.family, c.name, why))
            if SRV.proc.poll() is not None:
                check(False, "the server died on [%s] %s" % (c.family, c.name))
                failed_early = True
                break
        elapsed = time.time() - t0
        slow_bytes = 0 if failed_early else slowloris()

        # the log did not grow
        time.sleep(0.5)
        size1 = json.loads(http_get("/healthz")[2])["size"]
        cp1 = http_get("/checkpoint")[2]
        check(size1 == size0, "no hostile request appended anything (size %d, was %d)" % (size1, size0))
        check(cp1 == cp0, "the checkpoint is byte for byte the same")
        # and it still serves
        st, _, _, _ = http_get("/checkpoint")
        check(st == 200, "GET /checkpoint still works (%s)" % st)
        # a request whose headers are under the 8 KiB cap is served (the cap refuses only what is over it)
        st, _, _, _ = http_get("/checkpoint", b"X-Long: " + b"a" * 6000 + b"\r\n")
        check(st == 200, "a request with 6 KiB of headers is served (%s)" % st)
        st, _, body, _ = submit(signed(p1))
        check(st == 201, "a good statement is still accepted (%s %r)" % (st, body[:200]))
        st, _, body, _ = http_get("/metrics")
        check(st == 200 and b'parley_http_errors_total{class="5xx"} 0' in body, "no 5xx was ever sent (metrics)")

        total = sum(v["cases"] for k, v in per.items() if isinstance(v, collections.Counter))
        print("hostile: %d cases in %.1fs, slowloris trickled %d bytes" % (total, elapsed, slow_bytes))
        for fam, v in per.items():
            if isinstance(v, collections.Counter):
                print("  %-26s %4d cases: %d answered 4xx, %d closed by the server, %d libmicrohttpd 5xx, %d bad"
                      % (fam, v["cases"], v["4xx"], v["close"], v["mhd-5xx"], v["bad"]))
        for fam, v in per.items():
            if isinstance(v, list):
                print("  %s: %s" % (fam, "; ".join(v)))
        check(total >= 200, "at least 200 hostile cases (%d)" % total)
        # SIGTERM must reach the thread that waits for it: every other
        # thread of the server blocks SIGINT and SIGTERM (a process-directed signal
        # handled by a worker thread once left the server running forever).
        tasks = os.listdir("/proc/%d/task" % SRV.proc.pid)
        check(len(tasks) > 1, "the server runs several threads (%d)" % len(tasks))
        for t in tasks:
            if t == str(SRV.proc.pid):
                continue  # the main thread: sigwait() unblocks what it waits for while it waits
            try:
                st = open("/proc/%d/task/%s/status" % (SRV.proc.pid, t)).read()
            except FileNotFoundError:
                continue  # a connection thread that just ended
            blk = int(re.search(r"^SigBlk:\s*([0-9a-f]+)", st, re.M).group(1), 16)
            want = (1 << (signal.SIGTERM - 1)) | (1 << (signal.SIGINT - 1))
            check(blk & want == want, "thread %s blocks SIGINT and SIGTERM (SigBlk %x)" % (t, blk))
    finally:
        rc, err = SRV.stop()
    check(rc == 0, "serve exits 0 on SIGTERM (got %s)" % rc)
    for bad in [b"AddressSanitizer", b"UndefinedBehaviorSanitizer", b"runtime error", b"Segmentation",
                b"Aborted", b"LeakSanitizer", b"assert"]:
        check(bad not in err, "the server's stderr shows no %s" % bad.decode())
    if failures:
        print("server stderr (tail):\n" + err.decode(errors="replace")[-3000:], file=sys.stderr)
        print("%d checks failed" % len(failures), file=sys.stderr)
        sys.exit(1)
    print("hostile test: OK")


if __name__ == "__main__":
    main()
