#!/usr/bin/env python3
"""An entry the rules refuse, appended to the log anyway (as an operator could).

The server admits nothing that breaks a rule, but the log is just files: an
operator can append anything (here with `parley log add`, which knows no
statements). Every reader of the log replays it through the same rules and
must treat such an entry the same way: it has no effect, it is reported, and
the reader goes on. Checked for each reader:

- `parley serve` opening the log: starts, says which entry breaks which rule,
  counts it (/healthz, /metrics), and keeps admitting; the author's next
  statement takes the seq the refused one used (the refused one had no effect);
- the server's workflow index, `parley reindex` and the views on a copy of the
  log (`--log DIR`): the same, the refused entry kept in the index;
- `parley monitor`: reports it once, with a proof file that verifies offline,
  mirrors the whole log and goes on verifying what comes after; restarted, it
  resumes from its saved replay state instead of replaying from entry 0.
"""
import json
import os
import shutil
import signal
import subprocess
import sys
import time
import urllib.request

# These checks run without witnesses, on purpose: members say so with --quorum 0 (cli_policy_member).
os.environ.setdefault("PARLEY_QUORUM", "0")

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import parleypy as pp  # noqa: E402

PARLEY, WORK = sys.argv[1], sys.argv[2]
ORIGIN = "test.example/refused"
failures = []


def check(cond, what):
    if not cond:
        failures.append(what)
        print("FAIL: " + what, file=sys.stderr)
    return cond


def run(*args, expect=0, stdin=None, env=None):
    r = subprocess.run([PARLEY] + list(args), capture_output=True, text=True, input=stdin, env=env)
    check(r.returncode == expect, "parley %s exits %d (got %d: %s)" % (" ".join(args[:3]), expect, r.returncode,
                                                                     r.stderr.strip()[-500:]))
    return r


class Server:
    def __init__(self, logdir):
        self.logdir = logdir

    def start(self):
        portfile = os.path.join(WORK, "port")
        if os.path.exists(portfile):
            os.unlink(portfile)
        args = [PARLEY, "serve", self.logdir, "--listen", "127.0.0.1:0", "--port-file", portfile]
        if os.geteuid() == 0:
            args.append("--allow-root")
        self.proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        for _ in range(600):
            if os.path.exists(portfile) and open(portfile).read().strip():
                break
            if self.proc.poll() is not None:
                break
            time.sleep(0.05)
        if not check(self.proc.poll() is None, "parley serve starts on a log holding a refused entry"):
            self.url = None
            return
        self.url = "http://127.0.0.1:%d" % int(open(portfile).read())

    def stop(self):
        self.proc.send_signal(signal.SIGTERM)
        out, err = self.proc.communicate(timeout=60)
        check(self.proc.returncode == 0, "serve exits 0 on SIGTERM")
        return err.decode()

    def post(self, env, wait=True):
        req = urllib.request.Request(self.url + "/v1/statements" + ("?wait=1" if wait else ""),
                                     data=env, method="POST",
                                     headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(req, timeout=60) as r:
                return r.status, json.loads(r.read())
        except urllib.error.HTTPError as e:
            return e.code, json.loads(e.read() or b"{}")

    def health(self):
        with urllib.request.urlopen(self.url + "/healthz", timeout=30) as r:
            return json.loads(r.read())

    def metric(self, name):
        with urllib.request.urlopen(self.url + "/metrics", timeout=30) as r:
            for line in r.read().decode().splitlines():
                if line.startswith(name + " "):
                    return float(line.split()[1])
        return None


def stmt(p, ptype, body=None, refs=None):
    p.seq += 1
    return pp.envelope([p.sign], pp.payload(ORIGIN, ptype, p.name, p.seq, pp.now(), body or {}, refs))


def main():
    shutil.rmtree(WORK, ignore_errors=True)
    os.makedirs(WORK)
    A, B = pp.Party("alpha"), pp.Party("beta")
    files = {p.name: p.write(WORK) for p in (A, B)}
    logdir, mon = os.path.join(WORK, "log"), os.path.join(WORK, "mon")
    run("init", logdir, "--origin", ORIGIN, "--key", files["alpha"][0], "--founder", files["beta"][1])
    A.seq = 2  # the charter and the norm set
    vkey = open(os.path.join(logdir, "log.vkey")).read().strip()

    srv = Server(logdir)
    srv.start()
    if srv.url is None:
        return
    # enough good statements that the readers save their replay state (every 256 entries at least)
    for i in range(300):
        st, _ = srv.post(stmt(A if i % 2 else B, "ping"), wait=(i == 299))
        check(st in (200, 201), "a ping is accepted (%d)" % st)
    run("monitor", srv.url, "--vkey", vkey, "--dir", mon, "--once")
    srv.stop()
    size = 302

    # the operator appends, bypassing admission, a statement beta signed that breaks a rule:
    # an acknowledgement of entry 0, which is the charter, not a request
    bad_seq = B.seq + 1
    first_bundle = open(os.path.join(logdir, "tile", "entries", "000"), "rb").read()
    n0 = int.from_bytes(first_bundle[:2], "big")
    leaf0 = pp.leaf_hash(first_bundle[2:2 + n0])  # the leaf of entry 0, from its bytes
    bad = pp.envelope([B.sign], pp.payload(ORIGIN, "ack", B.name, bad_seq, pp.now(), {"request": 0},
                                           [{"index": 0, "leaf": pp.b64(leaf0)}]))
    run("log", "add", logdir, stdin=bad.decode() + "\n")
    bad_index = size
    size += 1

    # ---- the server opens it, says so, counts it and goes on
    srv.start()
    if srv.url is None:
        return
    h = srv.health()
    check(h["size"] == size and h.get("refused_entries") == 1,
          "healthz: the log holds the refused entry, and it is counted (%s)" % h)
    check(srv.metric("parley_log_refused_entries") == 1, "/metrics counts the refused entry")
    B.seq = bad_seq - 1  # the refused entry had no effect: beta's next statement takes its seq
    st, ans = srv.post(stmt(B, "ping"))
    check(st == 200 and ans.get("index") == size, "beta's next statement reuses the refused one's seq (%d %s)"
          % (st, ans))
    size += 1
    st, ans = srv.post(pp.envelope([B.sign], pp.payload(ORIGIN, "ping", B.name, B.seq, pp.now(), {})))
    check(st == 409 and ans.get("error", {}).get("code") == "seq_replayed", "and that seq is now used (%d)" % st)
    # the server's own index recorded it and views work
    deadline = time.time() + 30
    while time.time() < deadline and srv.health()["indexed"] < size:
        time.sleep(0.1)
    check(srv.health()["indexed"] == size, "the server's index follows past the refused entry")
    env = dict(os.environ, PARLEY_SERVER=srv.url, PARLEY_VKEY=vkey, PARLEY_KEY=files["alpha"][0])
    run("inbox", env=env)
    err = srv.stop()
    check(("entry %d of the log breaks the rules (request_unknown" % bad_index) in err,
          "serve says which entry breaks which rule (%s)" % err[-400:])

    # ---- reindex, and the views on a copy of the log
    r = run("reindex", logdir, "--dump")
    check("1 entry of this log breaks the rules" in r.stderr and ("entry %d: request_unknown" % bad_index) in r.stderr,
          "reindex reports the refused entry (%s)" % r.stderr[-300:])
    check(("refused\t%d\t" % bad_index) in r.stdout, "the index keeps the refused entry")
    check(("entries\t%d\t" % bad_index) not in r.stdout and ("entries\t%d\t" % (bad_index + 1)) in r.stdout,
          "the refused entry makes no row; the next one does")
    for view in (["cases"], ["inbox", "--party", "beta"], ["report"]):
        r = run(*view, "--log", logdir)
        check("breaks the rules and has no effect" in r.stderr, "%s --log notes the refused entry" % view[0])

    # ---- the monitor reports it once, with a proof, and goes on
    srv.start()
    r = run("monitor", srv.url, "--vkey", vkey, "--dir", mon, "--once", expect=1)
    check(("entry %d is one the rules refuse (request_unknown" % bad_index) in r.stderr,
          "the monitor reports the refused entry (%s)" % r.stderr[-400:])
    proof = os.path.join(mon, "private", "refused", "%d.tlog-proof" % bad_index)
    check(os.path.exists(proof) and ("proof: " + proof) in r.stderr, "and keeps a proof file of it")
    if os.path.exists(proof):
        run("log", "verify-proof", proof, "--vkey", vkey)
        index, entry, _ = pp.verify_tlog_proof(open(proof).read(), vkey)  # checked by Python too
        check(index == bad_index and entry == bad, "the proof carries the refused entry itself, at its index")
    st, _ = srv.post(stmt(A, "ping"))
    check(st == 200, "the log goes on")
    size += 1
    state = os.path.join(mon, "private", "replay.state")
    check(os.path.exists(state), "the monitor saved its replay state")
    r = run("monitor", srv.url, "--vkey", vkey, "--dir", mon, "--once")
    check("refuse" not in r.stderr, "a refused entry is reported once, not every round")
    check(("size %d, 1 statement verified" % size) in r.stdout, "the monitor verifies what comes after (%s)"
          % r.stdout.strip())
    srv.stop()

    if failures:
        print("%d check(s) failed" % len(failures), file=sys.stderr)
        sys.exit(1)
    print("refused entry: every reader reports it and goes on")


if __name__ == "__main__":
    main()
    if failures:
        sys.exit(1)
