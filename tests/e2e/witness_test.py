#!/usr/bin/env python3
"""Witnesses, monitors and forks, end to end on 127.0.0.1:

  - a log with two witnesses: receipts carry both cosignatures (checked in
    Python); `parley get --quorum 2` accepts them;
  - the witnesses go down: the log keeps accepting, quorum clients fail
    clearly; they come back: cosignatures resume;
  - a monitor follows the log and keeps a mirror that audits;
  - a test operator signs two diverging histories with the same key: a
    witness refuses the second (422); a monitor that followed one history and
    is shown the other writes a fork proof; a monitor of the other history
    catches the fork by asking the witnesses; `parley verify-fork` accepts
    both proofs and rejects one made of consistent checkpoints;
  - a monitor killed in the middle of a large log resumes where it stopped.

usage: witness_test.py PARLEY SCRATCH
"""
import base64
import hashlib
import http.client
import json
import os
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import parleypy as pp  # noqa: E402
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey  # noqa: E402

PARLEY, WORK = sys.argv[1], sys.argv[2]
ORIGIN = "test.example/witnessed"
ROOT = ["--allow-root"] if os.geteuid() == 0 else []
failures = []
procs = []


def check(cond, what):
    if not cond:
        failures.append(what)
        print("FAIL: " + what, file=sys.stderr)


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


now = pp.now


def cli(*args, expect=0):
    r = subprocess.run([PARLEY] + list(args), capture_output=True)
    if expect is not None:
        check(r.returncode == expect, "parley %s exits %d (got %d: %s)" % (" ".join(args[:3]), expect, r.returncode,
                                                                         r.stderr.decode().strip()[:300]))
    return r


def start(*args):
    p = subprocess.Popen([PARLEY] + list(args), stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    procs.append(p)
    return p


def wait_http(url, tries=100):
    for _ in range(tries):
        try:
            urllib.request.urlopen(url + "/healthz", timeout=1).read()
            return
        except Exception:
            time.sleep(0.05)
    raise AssertionError("no server at " + url)


def stop(p):
    p.send_signal(signal.SIGTERM)
    try:
        p.communicate(timeout=30)
    except subprocess.TimeoutExpired:
        p.kill()


class Witness:
    def __init__(self, name):
        self.dir = os.path.join(WORK, name)
        self.name = "witness.test/" + name
        cli("witness", "init", self.dir, "--name", self.name)
        self.vkey = open(os.path.join(self.dir, "witness.vkey")).read().strip()
        self.port = free_port()
        self.url = "http://127.0.0.1:%d" % self.port
        self.proc = None

    def add(self, logvkey):
        cli("witness", "add-log", self.dir, "--vkey", logvkey)

    def up(self):
        self.proc = start("witness", "serve", self.dir, "--listen", "127.0.0.1:%d" % self.port, "--rate", "0", *ROOT)
        wait_http(self.url)

    def down(self):
        stop(self.proc)


def serve(logdir, witnesses, port=None):
    port = port or free_port()
    args = ["serve", logdir, "--listen", "127.0.0.1:%d" % port, "--witness-interval", "100", *ROOT]
    for w in witnesses:
        args += ["--witness", "%s@%s" % (w.vkey, w.url)]
    p = start(*args)
    url = "http://127.0.0.1:%d" % port
    wait_http(url)
    return p, url, port


def post(url, env, wait=False):
    host, port = url[7:].split(":")
    c = http.client.HTTPConnection(host, int(port), timeout=60)
    c.request("POST", "/v1/statements?wait=1" if wait else "/v1/statements", body=env,
              headers={"Content-Type": "application/json"})
    r = c.getresponse()
    data = r.read()
    c.close()
    return r.status, json.loads(data)


def cosigners_of(note, witnesses):
    """Names of the witnesses whose cosignature on the checkpoint verifies (checked in Python)."""
    text, sigs = note.rsplit("\n\n", 1)
    text += "\n"
    good = set()
    for w in witnesses:
        name, kid, key = w.vkey.split("+", 2)
        raw = base64.b64decode(key)
        assert raw[0] == 4
        for line in sigs.splitlines():
            n, s = line[2:].split(" ", 1)
            sig = base64.b64decode(s)
            if n != name or sig[:4].hex() != kid:
                continue
            t = int.from_bytes(sig[4:12], "big")
            msg = ("cosignature/v1\ntime %d\n" % t).encode() + text.encode()
            Ed25519PublicKey.from_public_bytes(raw[1:]).verify(sig[12:], msg)
            good.add(name)
    return good


def metric(url, name):
    body = urllib.request.urlopen(url + "/metrics").read().decode()
    for line in body.splitlines():
        if line.startswith(name + " "):
            return float(line.split()[1])
    return None


def main():
    shutil.rmtree(WORK, ignore_errors=True)
    os.makedirs(WORK)
    parties = [pp.Party("p%d" % i) for i in range(4)]
    files = {p.name: p.write(WORK) for p in parties}
    logA = os.path.join(WORK, "logA")
    init = ["init", logA, "--origin", ORIGIN, "--key", files["p0"][0]]
    for p in parties[1:]:
        init += ["--founder", files[p.name][1]]
    cli(*init)
    parties[0].seq = 1
    vkey = open(os.path.join(logA, "log.vkey")).read().strip()
    w1, w2 = Witness("w1"), Witness("w2")
    for w in (w1, w2):
        w.add(vkey)
        w.up()
    quorum = ["--vkey", vkey, "--witness-key", w1.vkey, "--witness-key", w2.vkey, "--quorum", "2"]

    def stmt(p, **body):
        p.seq += 1
        return pp.envelope([p.sign], pp.payload(ORIGIN, "ping", p.name, p.seq, now(), body))

    # --- receipts carry both cosignatures ---
    srvA, urlA, portA = serve(logA, [w1, w2])
    st, ans = post(urlA, stmt(parties[1]), wait=True)
    check(st == 200, "a statement with ?wait=1 gets a receipt (%d)" % st)
    note = ans["receipt"].split("\n\n", 1)[1]
    check(cosigners_of(note, [w1, w2]) == {w1.name, w2.name}, "the receipt's checkpoint is cosigned by both witnesses")
    cli("get", str(ans["index"]), "--server", urlA, *quorum)
    cli("log", "audit", urlA, *quorum)

    # --- the witness refuses wrong methods and unwanted bodies from the request line alone ---
    def raw(port, data):
        s = socket.create_connection(("127.0.0.1", port), timeout=10)
        s.sendall(data)
        got = b""
        while b"\r\n\r\n" not in got:
            chunk = s.recv(4096)
            if not chunk:
                break
            got += chunk
        s.close()
        head = got.split(b"\r\n\r\n")[0].decode("latin-1").lower()
        return int(head.split(" ")[1]) if head.startswith("http/") else None, head

    for req, want, allow in [
        (b"GET /add-checkpoint HTTP/1.1\r\nHost: x\r\n\r\n", 405, "allow: post"),
        (b"PUT /add-checkpoint HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\n", 405, "allow: post"),
        (b"POST /checkpoint HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\n\r\n", 405, "allow: get, head"),
        (b"DELETE /healthz HTTP/1.1\r\nHost: x\r\n\r\n", 405, "allow: get, head"),
        (b"GET /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\n", 400, None),
        (b"GET /nope HTTP/1.1\r\nHost: x\r\n\r\n", 404, None),
        # a declared body far over the cap is refused before a byte of it is sent
        (b"POST /add-checkpoint HTTP/1.1\r\nHost: x\r\nContent-Length: 1000000000000\r\n\r\n", 413, None),
    ]:
        st, head = raw(w1.port, req)
        first = req.split(b"\r\n")[0].decode()
        check(st == want, "witness: %s answers %d (%s)" % (first, want, st))
        if allow:
            check(allow in head, "witness: %s carries %s" % (first, allow))

    # --- witnesses down: the log goes on, quorum clients fail clearly ---
    w1.down()
    w2.down()
    st, ans = post(urlA, stmt(parties[2]))
    check(st == 201, "with its witnesses down the log still accepts statements (%d)" % st)
    idx = ans["index"]
    deadline = time.time() + 10
    while time.time() < deadline and metric(urlA, "parley_log_size") <= idx:
        time.sleep(0.1)
    time.sleep(0.5)  # a cosigning round without witnesses publishes the checkpoint bare
    r = cli("get", str(idx), "--server", urlA, *quorum, expect=1)
    check(b"witness" in r.stderr and b"cosignatures" in r.stderr, "a quorum client says why it refuses")
    # no witness configured is an error with a plain sentence, unless the member says --quorum 0 on purpose
    r = cli("get", str(idx), "--server", urlA, "--vkey", vkey, expect=1)
    check(b"no witness is configured" in r.stderr, "without witnesses the member is told (%s)" % r.stderr.decode()[-200:])
    cli("get", str(idx), "--server", urlA, "--vkey", vkey, "--quorum", "0")
    w1.up()
    w2.up()
    # each witness comes back on its own schedule (the log backs off up to 60 s from a witness that
    # failed): wait until the published checkpoint covers idx with both cosignatures, as quorum 2 needs
    def cosigned_by_both(size_min):
        cp = urllib.request.urlopen(urlA + "/checkpoint").read().decode()
        size = int(cp.split("\n")[1])
        signers = {l.split(" ")[1] for l in cp.split("\n") if l.startswith("\u2014 witness.test/")}
        return size >= size_min and len(signers) == 2
    def wait_cosigned_by_both(size_min):
        deadline = time.time() + 150
        while time.time() < deadline and not cosigned_by_both(size_min):
            time.sleep(0.2)
        return cosigned_by_both(size_min)
    check(wait_cosigned_by_both(idx + 1), "when the witnesses come back, both cosign again")
    cli("get", str(idx), "--server", urlA, *quorum)

    # --- a monitor keeps a verified mirror ---
    for _ in range(20):
        post(urlA, stmt(parties[3]))
    st, ans = post(urlA, stmt(parties[3]), wait=True)
    sizeA = ans["index"] + 1
    # the receipt came with the first checkpoint published at that size, cosigned or not
    check(wait_cosigned_by_both(sizeA), "both witnesses cosign size %d" % sizeA)
    mon1 = os.path.join(WORK, "mon1")
    witness_args = ["--witness", "%s@%s" % (w1.vkey, w1.url), "--witness", "%s@%s" % (w2.vkey, w2.url)]
    r = cli("monitor", urlA, "--vkey", vkey, "--dir", mon1, *witness_args, "--quorum", "2", "--once")
    check(("size %d" % sizeA).encode() in r.stdout, "the monitor follows the log to size %d (%s)" % (sizeA, r.stdout))
    cli("log", "audit", mon1, *quorum)  # the mirror is a complete, cosigned tiled log
    # a witness that answers but was never asked to cosign this log is named as such
    w3 = Witness("w3")
    w3.add(vkey)
    w3.up()
    r = cli("monitor", urlA, "--vkey", vkey, "--dir", mon1, "--witness", "%s@%s" % (w3.vkey, w3.url), "--once",
            expect=1)
    check(b"holds no checkpoint of this log" in r.stderr and b"could not be asked" not in r.stderr,
          "the monitor says the witness holds no checkpoint of the log: %s" % r.stderr.decode()[-300:])
    w3.down()

    # --- two histories under one key ---
    stop(srvA)
    logB = os.path.join(WORK, "logB")
    shutil.copytree(logA, logB)
    srvA, urlA, portA = serve(logA, [w1, w2], portA)
    srvB, urlB, portB = serve(logB, [])  # the operator shows B to nobody's witness
    seqs = {p.name: p.seq for p in parties}
    for _ in range(5):
        post(urlA, stmt(parties[1], note="history A"))
    st, ans = post(urlA, stmt(parties[1], note="history A"), wait=True)
    for p in parties:
        p.seq = seqs[p.name]
    for _ in range(9):
        post(urlB, stmt(parties[2], note="history B"))
    st, ans = post(urlB, stmt(parties[2], note="history B"), wait=True)
    nB = ans["index"] + 1
    # the witness refuses the second history
    cpB = urllib.request.urlopen(urlB + "/checkpoint").read()
    w1size = int(urllib.request.urlopen(w1.url + "/checkpoint?origin=" + ORIGIN).read().decode().split("\n")[1])
    proof = json.loads(urllib.request.urlopen("%s/v1/proof/consistency?old=%d&new=%d" % (urlB, w1size, nB)).read())
    body = ("old %d\n" % w1size + "".join(h + "\n" for h in proof["proof"]) + "\n").encode() + cpB
    req = urllib.request.Request(w1.url + "/add-checkpoint", data=body, method="POST")
    try:
        urllib.request.urlopen(req)
        code = 200
    except urllib.error.HTTPError as e:
        code = e.code
    check(code == 422, "the witness refuses the other history with 422 (got %d)" % code)
    # a stale old size: 409 with the size the witness holds, as text/x.tlog.size (C2SP tlog-witness)
    stale = 1 if w1size != 1 else 2
    req = urllib.request.Request(w1.url + "/add-checkpoint", data=("old %d\n\n" % stale).encode() + cpB, method="POST")
    try:
        urllib.request.urlopen(req)
        code, ctype, text = 200, "", b""
    except urllib.error.HTTPError as e:
        code, ctype, text = e.code, e.headers.get("Content-Type", ""), e.read()
    check(code == 409 and ctype == "text/x.tlog.size" and text == b"%d\n" % w1size,
          "a stale old size gets 409 text/x.tlog.size with the witnessed size (got %d %s %r)" % (code, ctype, text))
    # the monitor that followed A past the point where the histories part, shown B, proves the fork
    cli("monitor", urlA, "--vkey", vkey, "--dir", mon1, "--once")
    r = cli("monitor", urlB, "--vkey", vkey, "--dir", mon1, "--once", expect=1)
    check(b"FORK" in r.stderr, "a monitor shown the other history reports a fork (%s)" % r.stderr.decode()[:300])
    forks = sorted(os.listdir(os.path.join(mon1, "forks"))) if os.path.isdir(os.path.join(mon1, "forks")) else []
    check(len(forks) == 1, "and writes a fork proof")
    if forks:
        r = cli("verify-fork", os.path.join(mon1, "forks", forks[0]), "--vkey", vkey)
        check(b"FORK" in r.stdout, "parley verify-fork accepts it")
    # a monitor that requires both witnesses, shown B (cosigned by nobody), still proves the fork: the log
    # signed both histories, and two checkpoints it signed that cannot both be true need no witness
    monq = os.path.join(WORK, "monq")
    cli("monitor", urlA, "--vkey", vkey, "--dir", monq, *witness_args, "--quorum", "2", "--once")
    r = cli("monitor", urlB, "--vkey", vkey, "--dir", monq, *witness_args, "--quorum", "2", "--once", expect=1)
    check(b"FORK: the log" in r.stderr and b"cosignatures" in r.stderr,
          "a monitor requiring the quorum, shown an uncosigned fork, reports the quorum failure and the fork (%s)"
          % r.stderr.decode()[-300:])
    forksq = sorted(os.listdir(os.path.join(monq, "forks"))) if os.path.isdir(os.path.join(monq, "forks")) else []
    check(len(forksq) == 1, "and writes a fork proof")
    if forksq:
        cli("verify-fork", os.path.join(monq, "forks", forksq[0]), "--vkey", vkey)
    # a monitor of history B catches the fork by asking the witnesses
    mon2 = os.path.join(WORK, "mon2")
    hook_out = os.path.join(WORK, "hook.txt")
    r = cli("monitor", urlB, "--vkey", vkey, "--dir", mon2, *witness_args, "--once",
            "--hook", "echo \"$PARLEY_EVENT $PARLEY_FORK_PROOF\" >> " + hook_out, expect=1)
    check(b"FORK" in r.stderr and b"witness" in r.stderr, "a monitor of history B catches the fork through the witnesses")
    hook = open(hook_out).read().split() if os.path.exists(hook_out) else []
    check(len(hook) == 2 and hook[0] == "fork", "the hook command is told (%s)" % hook)
    if len(hook) == 2:
        cli("verify-fork", hook[1], "--vkey", vkey)
    # a proof made of two consistent checkpoints is rejected
    cp = urllib.request.urlopen(urlA + "/checkpoint").read()
    fake = os.path.join(WORK, "fake.proof")
    with open(fake, "w") as f:
        f.write("parley.fork-proof/v1\nvkey %s\na %s\nb %s\n" % (vkey, base64.b64encode(cp).decode(),
                                                                 base64.b64encode(cp).decode()))
    cli("verify-fork", fake, "--vkey", vkey, expect=1)
    stop(srvB)

    # --- a monitor killed in the middle of a large log resumes ---
    big = [pp.Party("p0")]
    for _ in range(3000):
        post(urlA, stmt(parties[3]))
    st, ans = post(urlA, stmt(parties[3]), wait=True)
    total = ans["index"] + 1
    mon3 = os.path.join(WORK, "mon3")
    m = start("monitor", urlA, "--vkey", vkey, "--dir", mon3, "--once", "--chunk", "200")
    staged_seen = False
    deadline = time.time() + 60
    db = os.path.join(mon3, "private", "state.db")
    while time.time() < deadline and m.poll() is None:
        try:
            # read-only: a plain connect would create an empty database under the monitor's feet
            c = sqlite3.connect("file:%s?mode=ro" % db, uri=True, timeout=1)
            n = c.execute("SELECT count(*) FROM pending").fetchone()[0]
            c.close()
            if n >= 3:
                staged_seen = True
                m.kill()
                break
        except sqlite3.Error:
            pass
        time.sleep(0.005)
    m.wait()
    check(staged_seen, "the monitor was stopped in the middle of the log")
    r = cli("monitor", urlA, "--vkey", vkey, "--dir", mon3, "--once", "--chunk", "200")
    out = r.stdout.decode()
    verified = int(out.split("size %d, " % total)[1].split(" ")[0]) if ("size %d, " % total) in out else -1
    check(0 <= verified < total - 400, "restarted, it resumes where it stopped (%d of %d verified now)" %
          (verified, total))
    cli("log", "audit", mon3, "--vkey", vkey)
    stop(srvA)

    if failures:
        print("%d checks failed" % len(failures), file=sys.stderr)
        sys.exit(1)
    print("witness test: OK")


if __name__ == "__main__":
    try:
        main()
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
