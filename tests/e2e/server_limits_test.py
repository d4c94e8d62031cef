#!/usr/bin/env python3
"""What a member cannot make the server hold, end to end, on a real `parley serve`:

- blob quotas: a party's stored bytes (--blob-quota) and the store's total
  (--blob-total), refused with 507 quota_exceeded / blob_store_full, by
  `parley blob put` and by a hand-signed request (parley.blob/v2, Python's
  Ed25519), nothing kept;
- blob presence and sealing at admission: an evidence statement naming a
  blob never uploaded (blob_missing), of another size (blob_size_mismatch),
  a "sealed" blob that is plaintext (blob_not_sealed) is refused with
  nothing appended; `parley evidence add`, which uploads before it states,
  is admitted, TLP:AMBER (sealed) and TLP:CLEAR;
- /metrics: served to this (loopback) client without a token; with
  --metrics-token FILE, refused without the token or with a wrong one (401,
  WWW-Authenticate), loopback included, and served with it; a token file
  readable by others, or too short, stops the server before it serves.
  (That a client off loopback is refused without a token is checked on the
  address itself, unit test_access: this machine may have no other address.)

usage: server_limits_test.py PARLEY SCRATCH
"""
import base64
import hashlib
import http.client
import json
import os
import shutil
import signal
import subprocess
import sys
import time

# These checks are about the server's own limits: members read without witnesses, on purpose.
os.environ.setdefault("PARLEY_QUORUM", "0")

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import parleypy as pp  # noqa: E402

PARLEY, WORK = sys.argv[1], sys.argv[2]
ORIGIN = "test.example/limits"
QUOTA, TOTAL = 100000, 150000
failures = []


def check(cond, what):
    if not cond:
        failures.append(what)
        print("FAIL: " + what, file=sys.stderr)
    return cond


class Server:
    def __init__(self, logdir, extra):
        self.logdir, self.extra = logdir, extra

    def start(self):
        portfile = os.path.join(WORK, "port")
        if os.path.exists(portfile):
            os.unlink(portfile)
        args = [PARLEY, "serve", self.logdir, "--listen", "127.0.0.1:0", "--port-file", portfile] + self.extra
        if os.geteuid() == 0:
            args.append("--allow-root")
        self.p = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        for _ in range(400):
            if os.path.exists(portfile) and open(portfile).read().strip():
                break
            if self.p.poll() is not None:
                raise RuntimeError("parley serve stopped: " + self.p.stderr.read().decode())
            time.sleep(0.05)
        self.port = int(open(portfile).read())

    def stop(self):
        self.p.send_signal(signal.SIGTERM)
        self.p.communicate(timeout=60)

    def request(self, method, path, headers=None, body=None):
        c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        c.request(method, path, body=body, headers=headers or {})
        r = c.getresponse()
        data = r.read()
        c.close()
        return r.status, data


def blob_headers(party, method, hx, origin=ORIGIN):
    t = pp.now()
    sig = party.sign.sign(("parley.blob/v2\n%s\n%s\n%s\n%s\n" % (origin, method, hx, t)).encode())
    return {"Parley-Party": party.name, "Parley-Time": t, "Parley-Signature": base64.b64encode(sig).decode(),
            "Content-Type": "application/octet-stream"}


def main():
    shutil.rmtree(WORK, ignore_errors=True)
    os.makedirs(WORK)
    A, B, C = pp.Party("cert.a"), pp.Party("cert.b"), pp.Party("cert.c")
    files = {p.name: p.write(WORK) for p in (A, B, C)}
    logdir = os.path.join(WORK, "log")
    r = subprocess.run([PARLEY, "init", logdir, "--origin", ORIGIN, "--key", files["cert.a"][0], "--founder",
                        files["cert.b"][1], "--founder", files["cert.c"][1]], capture_output=True, text=True)
    if not check(r.returncode == 0, "init: " + r.stderr):
        return
    srv = Server(logdir, ["--blob-quota", str(QUOTA), "--blob-total", str(TOTAL)])
    srv.start()
    try:
        run(srv, A, B, C, files, logdir)
        st, body = srv.request("GET", "/metrics")
        check(st == 200 and b"parley_blob_bytes" in body, "without a token, /metrics is served to loopback (%d)" % st)
    finally:
        srv.stop()
    metrics_token(logdir)
    if failures:
        print("%d check(s) failed" % len(failures), file=sys.stderr)
        sys.exit(1)
    print("server limits: every attempt refused")


def run(srv, A, B, C, files, logdir):
    vkey = open(os.path.join(logdir, "log.vkey")).read().strip()
    env = dict(os.environ, PARLEY_SERVER="http://127.0.0.1:%d" % srv.port, PARLEY_VKEY=vkey)

    def cli(*args, key=None, expect=0):
        e = dict(env, PARLEY_DATA_DIR=os.path.join(WORK, "data", key.name if key else "none"))
        if key is not None:
            e["PARLEY_KEY"] = files[key.name][0]
        res = subprocess.run([PARLEY] + list(args), capture_output=True, text=True, env=e)
        check(res.returncode == expect, "parley %s exits %d (got %d: %s)" % (" ".join(args)[:120], expect,
                                                                           res.returncode, res.stderr.strip()[-500:]))
        return res

    def size():
        return json.loads(srv.request("GET", "/healthz")[1])["size"]

    def blob_file(name, n, fill):
        p = os.path.join(WORK, name)
        with open(p, "wb") as f:
            f.write(fill * n)
        return p

    # ---- quotas: cert.a may hold QUOTA bytes, the store TOTAL
    a1 = blob_file("a1", 60000, b"a")
    cli("blob", "put", a1, key=A)
    res = cli("blob", "put", blob_file("a2", 50000, b"b"), key=A, expect=4)
    check("507 quota_exceeded" in res.stderr, "over its quota, cert.a's upload is refused (%s)" % res.stderr.strip())
    body = b"c" * 50000
    hx = hashlib.sha256(body).hexdigest()
    st, data = srv.request("PUT", "/v1/blobs/" + hx, blob_headers(A, "PUT", hx), body)
    check(st == 507 and json.loads(data)["error"]["code"] == "quota_exceeded",
          "a hand-signed upload over the quota: 507 quota_exceeded (%d %s)" % (st, data[:200]))
    st, _ = srv.request("GET", "/v1/blobs/" + hx, blob_headers(A, "GET", hx))
    check(st == 404, "nothing of a refused upload is kept (%d)" % st)
    cli("blob", "put", blob_file("b1", 80000, b"d"), key=B)
    res = cli("blob", "put", blob_file("b2", 20000, b"e"), key=B, expect=4)
    check("507 blob_store_full" in res.stderr, "over the store's total, cert.b's upload is refused (%s)"
          % res.stderr.strip())
    # a request signed for another log does not pass for this one
    body = b"f" * 10
    hx = hashlib.sha256(body).hexdigest()
    st, data = srv.request("PUT", "/v1/blobs/" + hx, blob_headers(C, "PUT", hx, "other.example/limits"), body)
    check(st == 403 and b"bad_signature" in data, "a blob request signed for another log: 403 (%d)" % st)

    # ---- blobs at admission: a concern, then evidence statements naming blobs
    case = json.loads(cli("concern", "raise", "--title", "t", "--class", "fraud", "--tlp", "TLP:AMBER",
                          "--summary", "s", "--to", "cert.b", "--wait", "--json", key=A).stdout)["index"]
    a1hex = hashlib.sha256(open(a1, "rb").read()).hexdigest()

    def evidence(tlp, sha, n, sealed=None):
        ix = {"sha256": sha, "size": n}
        if sealed:
            ix["sealed"] = sealed
        b = {"case": case, "title": "pkg", "tlp": tlp, "index": ix, "files": 1, "bytes": n}
        if tlp != "TLP:CLEAR":
            b["recipients"] = ["cert.b"]
        p = os.path.join(WORK, "body.json")
        with open(p, "w") as f:
            json.dump(b, f)
        return p

    before = size()
    res = cli("submit", "--type", "evidence", "--body", evidence("TLP:CLEAR", "ab" * 32, 5), "--ref", str(case),
              key=A, expect=4)
    check("blob_missing" in res.stderr, "evidence naming a blob never uploaded is refused (%s)" % res.stderr.strip())
    res = cli("submit", "--type", "evidence", "--body", evidence("TLP:CLEAR", a1hex, 59999), "--ref", str(case),
              key=A, expect=4)
    check("blob_size_mismatch" in res.stderr, "evidence with another size than its blob's (%s)" % res.stderr.strip())
    res = cli("submit", "--type", "evidence", "--body", evidence("TLP:AMBER", a1hex, 60000, sealed=a1hex), "--ref",
              str(case), key=A, expect=4)
    check("blob_not_sealed" in res.stderr, "TLP:AMBER evidence whose blob is plaintext (%s)" % res.stderr.strip())
    check(size() == before, "nothing refused was appended")
    cli("submit", "--type", "evidence", "--body", evidence("TLP:CLEAR", a1hex, 60000), "--ref", str(case), "--wait",
        key=A)
    check(size() == before + 1, "evidence naming its uploaded blob is admitted")

    # parley evidence add uploads before it states: admitted, sealed and clear (cert.c, within its quota)
    pkg = os.path.join(WORK, "package")
    os.makedirs(pkg)
    note = b"indicators: none, a test package\n"
    with open(os.path.join(pkg, "notes.txt"), "wb") as f:
        f.write(note)
    with open(os.path.join(pkg, "manifest.json"), "w") as f:
        json.dump({"parley": "evidence/v1", "title": "tiny", "files": {"notes.txt": hashlib.sha256(note).hexdigest()}},
                  f)
    case_c = json.loads(cli("concern", "raise", "--title", "t2", "--class", "fraud", "--tlp", "TLP:AMBER",
                            "--summary", "s", "--to", "cert.b", "--wait", "--json", key=C).stdout)["index"]
    ev = json.loads(cli("evidence", "add", str(case_c), pkg, "--title", "tiny", "--tlp", "TLP:AMBER", "--to",
                        "cert.b", "--wait", "--json", key=C).stdout)["index"]
    got = os.path.join(WORK, "got")
    cli("evidence", "fetch", str(ev), "--out", got, key=B)
    check(open(os.path.join(got, "notes.txt"), "rb").read() == note, "the sealed evidence opens for its recipient")
    cli("evidence", "add", str(case_c), pkg, "--title", "tiny, clear", "--tlp", "TLP:CLEAR", "--wait", key=C)


def metrics_token(logdir):
    tf = os.path.join(WORK, "metrics.token")
    token = "metrics-" + hashlib.sha256(os.urandom(16)).hexdigest()[:24]
    with open(tf, "w") as f:
        f.write(token + "\n")
    os.chmod(tf, 0o644)
    args = [PARLEY, "serve", logdir, "--listen", "127.0.0.1:0", "--metrics-token", tf]
    if os.geteuid() == 0:
        args.append("--allow-root")
    r = subprocess.run(args, capture_output=True, text=True, timeout=60)
    check(r.returncode != 0 and "group or others" in r.stderr,
          "a token file readable by others is refused (%d: %s)" % (r.returncode, r.stderr.strip()))
    short = os.path.join(WORK, "short.token")
    with open(short, "w") as f:
        f.write("abc\n")
    os.chmod(short, 0o600)
    r = subprocess.run([short if a == tf else a for a in args], capture_output=True, text=True, timeout=60)
    check(r.returncode != 0 and "metrics token" in r.stderr, "a token too short is refused (%s)" % r.stderr.strip())
    os.chmod(tf, 0o600)
    srv = Server(logdir, ["--metrics-token", tf])
    srv.start()
    try:
        c = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=60)
        c.request("GET", "/metrics")
        r = c.getresponse()
        body = r.read()
        check(r.status == 401 and "Bearer" in (r.getheader("WWW-Authenticate") or "") and b"parley_log_size" not in body,
              "with a token configured, a loopback request without it is refused (%d)" % r.status)
        c.close()
        for auth in ("Bearer " + token[:-1], "Bearer " + token + "x", "Basic " + token, token):
            st, body = srv.request("GET", "/metrics", {"Authorization": auth})
            check(st == 401 and b"unauthenticated" in body, "a wrong token is refused (%s: %d)" % (auth[:12], st))
        st, body = srv.request("GET", "/metrics", {"Authorization": "Bearer " + token})
        check(st == 200 and b"parley_log_size" in body, "the token opens /metrics (%d)" % st)
        st, _ = srv.request("GET", "/healthz")
        check(st == 200, "the token is for /metrics only: /healthz stays open (%d)" % st)
    finally:
        srv.stop()


if __name__ == "__main__":
    main()
