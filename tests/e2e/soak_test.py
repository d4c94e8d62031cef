#!/usr/bin/env python3
"""Crash soak of `parley serve`: sustained ingest, SIGKILL at random moments,
restart, and after every restart a check that nothing acknowledged was lost.

Set-up: a log made by `parley init` with several founders (keys written by
parleypy), served on 127.0.0.1 (ephemeral port, --port-file). One client
thread per founder submits signed `ping`s without pause (about one in eight
with ?wait=1 for a receipt), each on its own keep-alive connection.

The main thread restarts the server N times and SIGKILLs it each time, at one
of these moments (chosen at random):
  - startup: 0..(last restart time) after exec, while the log is recovered and
    replayed (the port file may not exist yet);
  - just up: 0..15 ms after the server answers, while the clients reconnect
    and the first batches are staged (the check below usually dies with it);
  - running: after the check, 0..1.2 s later (log-uniform, so many short
    delays), during batches and checkpoint publication. Every server runs
    with --batch-ms drawn from {0, 0, 5, 20} and --integrate-ms (its
    integrator thread publishes at most one checkpoint per interval, while
    staging goes on) drawn from {0, 0, 20, 100}: with 0 a checkpoint follows
    every batch, so kills land in publication as often as in staging, and in
    staging during a publication.
Every 10 kills (--audit-every), while the server is down, `parley log audit`
runs on the directory exactly as the kill left it.

After every restart (cumulatively: a check cut short by a kill is redone by
the next one) the main thread checks, over HTTP:
  - the signed checkpoint (verified with the log key) is never smaller than
    any checkpoint seen before (earlier checks, receipts), and is consistent
    with them: RFC 6962 consistency proofs from /v1/proof/consistency are
    verified by the verifier below (RFC 9162 2.1.4.2, self-tested first);
  - every statement acknowledged before the restart (200/201/202 with an
    acceptance note signed by the log key binding its leaf hash to its
    index: the batch's note and the statement's path in it) is
    published within 15 s, at that index, byte for byte (/v1/entries/<i>);
    the entries fetched so far hash to the checkpoint's root;
and while the server is down, the checkpoint file is signed and never behind
what was seen over HTTP.
The clients: after an error (the kill resets the connection) a client waits
for the next server, reads its seq from GET /v1/parties/<name> and checks it
is either its last acknowledged seq or the one in flight (which was then
staged, so it must be in the log: "resolved present"; else "resolved
absent"); any 409 seq refusal is a failure.

At the end: clients stop, one last kill and restart, a full check, SIGTERM
(exit 0), a final audit, and the whole log: read again from the directory's
bundles it equals what /v1/entries served; every acknowledged statement is at
its index; every entry after the charter is a statement a client sent, once;
each author's seqs run 1, 2, 3, ... without gap or repeat; resolved-present
statements are there and resolved-absent ones are not.

usage: soak_test.py PARLEY SCRATCH [--kills N] [--seconds S] [--seed X]
                    [--clients C] [--audit-every K]
  N kills (default 200); S: stop early after S seconds (default: no limit);
  PARLEY_SOAK_SEED overrides the seed.
"""
import argparse
import hashlib
import http.client
import json
import math
import os
import random
import shutil
import signal
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import logdir  # noqa: E402
import parleypy as pp  # noqa: E402

ORIGIN = "soak.example/wg"
NET_ERRORS = (OSError, http.client.HTTPException)
failures = []
flock = threading.Lock()


def fail(what):
    with flock:
        failures.append(what)
    print("FAIL: " + what, file=sys.stderr, flush=True)


now = pp.now


# ---- RFC 6962 / RFC 9162, written here ----

def verify_consistency(m, n, proof, old_root, new_root):
    """RFC 9162 section 2.1.4.2."""
    if m > n:
        return False
    if m == n:
        return not proof and old_root == new_root
    if m == 0:
        return not proof
    if not proof:
        return False
    path = list(proof)
    if m & (m - 1) == 0:
        path.insert(0, old_root)
    fn, sn = m - 1, n - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr = pp.node_hash(c, fr)
            sr = pp.node_hash(c, sr)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            sr = pp.node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    return sn == 0 and fr == old_root and sr == new_root


def mth(leaves):
    """RFC 6962 2.1 Merkle tree hash of leaf hashes."""
    if not leaves:
        return hashlib.sha256(b"").digest()
    if len(leaves) == 1:
        return leaves[0]
    k = 1 << ((len(leaves) - 1).bit_length() - 1)
    return pp.node_hash(mth(leaves[:k]), mth(leaves[k:]))


def subproof(m, leaves, b):
    """RFC 6962 2.1.2 SUBPROOF, to self-test the verifier."""
    n = len(leaves)
    if m == n:
        return [] if b else [mth(leaves)]
    k = 1 << ((n - 1).bit_length() - 1)
    if m <= k:
        return subproof(m, leaves[:k], b) + [mth(leaves[k:])]
    return subproof(m - k, leaves[k:], False) + [mth(leaves[:k])]


def self_test_consistency():
    leaves = [pp.leaf_hash(b"%d" % i) for i in range(40)]
    for n in range(1, 40):
        for m in range(1, n + 1):
            pr = subproof(m, leaves[:n], True)
            old, new = mth(leaves[:m]), mth(leaves[:n])
            assert verify_consistency(m, n, pr, old, new), (m, n)
            if pr:
                bad = list(pr)
                bad[len(bad) // 2] = hashlib.sha256(bad[len(bad) // 2]).digest()
                assert not verify_consistency(m, n, bad, old, new), ("tampered", m, n)
                assert not verify_consistency(m, n, pr[:-1], old, new), ("short", m, n)
            if m < n:
                assert not verify_consistency(m, n, pr, new, new) or old == new, ("wrong old root", m, n)


class Frontier:
    """The right edge of a Merkle tree, to compute the root of what was fetched."""

    def __init__(self):
        self.n, self.stack = 0, []

    def append(self, leaf):
        h, n = leaf, self.n
        while n & 1:
            h = pp.node_hash(self.stack.pop(), h)
            n >>= 1
        self.stack.append(h)
        self.n += 1

    def root(self):
        if not self.stack:
            return hashlib.sha256(b"").digest()
        r = self.stack[-1]
        for s in reversed(self.stack[:-1]):
            r = pp.node_hash(s, r)
        return r


# ---- the server under test ----

class Server:
    """Starts and kills `parley serve`; clients wait on `cv` for a server generation."""

    def __init__(self, parley, work, logdir_):
        self.parley, self.work, self.dir = parley, work, logdir_
        self.proc = None
        self.gen = 0
        self.port = None
        self.up = False
        self.cv = threading.Condition()
        self.kill_time = {}
        self.portfile = os.path.join(work, "port")
        self.logf = open(os.path.join(work, "serve.log"), "ab")
        self.started = 0.0
        self.stale_port_tmp = 0

    def spawn(self, batch_ms, integrate_ms=100):
        if os.path.exists(self.portfile):
            os.unlink(self.portfile)
        # A server killed while writing its port file leaves PORTFILE.tmp behind: the next one must
        # replace it (pl_fs_replace clears a stale temporary). Counted, left for the server.
        if os.path.exists(self.portfile + ".tmp"):
            self.stale_port_tmp += 1
        args = [self.parley, "serve", self.dir, "--listen", "127.0.0.1:0", "--port-file", self.portfile,
                "--skew", "300", "--batch-ms", str(batch_ms), "--integrate-ms", str(integrate_ms)]
        if os.geteuid() == 0:
            args.append("--allow-root")
        self.logf.write(("--- generation %d: %s\n" % (self.gen + 1, " ".join(args[3:]))).encode())
        self.logf.flush()
        self.started = time.monotonic()
        self.proc = subprocess.Popen(args, stdout=self.logf, stderr=self.logf)
        with self.cv:
            self.gen += 1
            self.up = False

    def wait_ready(self, timeout=60.0):
        """Seconds from exec until it answers /healthz, or None if it never does."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                return None
            try:
                with open(self.portfile) as f:
                    txt = f.read()
                if txt.endswith("\n"):
                    port = int(txt)
                    c = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
                    c.request("GET", "/healthz")
                    r = c.getresponse()
                    r.read()
                    c.close()
                    if r.status == 200:
                        took = time.monotonic() - self.started
                        with self.cv:
                            self.port, self.up = port, True
                            self.cv.notify_all()
                        return took
            except (FileNotFoundError, ValueError):
                pass
            except NET_ERRORS:
                pass
            time.sleep(0.003)
        return None

    def kill(self):
        """SIGKILL (again is harmless); True if it died of it, not of something else before."""
        with self.cv:
            self.up = False
            self.kill_time.setdefault(self.gen, time.monotonic())
        if self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGKILL)
        self.proc.wait()
        return self.proc.returncode == -signal.SIGKILL

    def terminate(self):
        with self.cv:
            self.up = False
            self.kill_time[self.gen] = time.monotonic()
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            return None
        return self.proc.returncode

    def current(self, after_gen=0, stop=None):
        """(gen, port) of a running server newer than after_gen; None once stop is set."""
        with self.cv:
            while not (self.up and self.gen > after_gen):
                if stop is not None and stop.is_set():
                    return None
                self.cv.wait(0.2)
            return self.gen, self.port

    def tail(self, n=30):
        self.logf.flush()
        with open(os.path.join(self.work, "serve.log"), "rb") as f:
            return b"\n".join(f.read().splitlines()[-n:]).decode(errors="replace")


def http_get(conn_holder, port, path, timeout=30):
    """GET over a kept-alive connection (conn_holder[0], reopened as needed)."""
    if conn_holder[0] is None or conn_holder[1] != port:
        conn_holder[0] = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
        conn_holder[1] = port
    try:
        conn_holder[0].request("GET", path)
        r = conn_holder[0].getresponse()
        return r.status, r.read()
    except NET_ERRORS:
        conn_holder[0].close()
        conn_holder[0] = None
        raise


# ---- shared record of what was sent and acknowledged ----

class Ledger:
    def __init__(self):
        self.lock = threading.Lock()
        self.acked = {}          # index -> (envelope, gen)
        self.unverified = set()  # acknowledged indexes not yet compared with the log
        self.sent = {}           # envelope -> (author, seq)
        self.present, self.absent = [], []  # envelopes resolved after a lost answer
        self.receipt_cps = []    # (size, root) of checkpoints in receipts, since the last check
        self.counts = {"sent": 0, "201": 0, "200": 0, "202": 0, "lost": 0, "429": 0, "other": 0,
                       "receipts": 0, "resyncs": 0}
        self.errors = []         # (gen, monotonic time) of every connection error

    def count(self, k, n=1):
        with self.lock:
            self.counts[k] = self.counts.get(k, 0) + n


class Client(threading.Thread):
    def __init__(self, party, peers, srv, ledger, vkey, stop, seed):
        super().__init__(daemon=True)
        self.p, self.peers, self.srv, self.L, self.vkey, self.stop = party, peers, srv, ledger, vkey, stop
        self.rng = random.Random(seed)
        self.next = party.seq + 1
        self.inflight = None  # (seq, envelope) whose answer was lost
        self.resync_due = False  # re-read the seq before the next statement
        self.wait_gen = 0     # after an error: a server newer than this one
        self.conn = None
        self.attempts = 0
        self.go = threading.Event()  # main replaces it with the shared one
        self.go.set()

    def envelope(self, seq):
        # unique bytes per attempt: a statement resent with the same seq after a lost answer differs
        self.attempts += 1
        body = {"to": [self.rng.choice(self.peers)],
                "note": "soak %d/%d " % (seq, self.attempts) + "x" * self.rng.choice([0, 8, 60, 200, 480])}
        return pp.envelope([self.p.sign], pp.payload(ORIGIN, "ping", self.p.name, seq, now(), body))

    def drop(self):
        if self.conn is not None:
            self.conn.close()
        self.conn = None

    def resync(self, gen, port):
        """Reads this party's seq from the server; resolves the statement in flight."""
        c = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        try:
            c.request("GET", "/v1/parties/" + self.p.name)
            r = c.getresponse()
            data = r.read()
        finally:
            c.close()
        if r.status != 200:
            fail("GET /v1/parties/%s answered %d" % (self.p.name, r.status))
            raise OSError("parties")
        seq = json.loads(data)["seq"]
        self.L.count("resyncs")
        if self.inflight is not None:
            s, env = self.inflight
            if seq == s:
                with self.L.lock:
                    self.L.present.append(env)
            elif seq == s - 1:
                with self.L.lock:
                    self.L.absent.append(env)
            else:
                fail("%s: after a restart the server says seq %d, the statement in flight had %d"
                     % (self.p.name, seq, s))
        elif seq != self.next - 1:
            fail("%s: after a restart the server says seq %d, the last acknowledged was %d"
                 % (self.p.name, seq, self.next - 1))
        self.inflight = None
        self.next = seq + 1

    def run(self):
        while not self.stop.is_set():
            self.go.wait(60)  # held while the checker compares (see main)
            cur = self.srv.current(self.wait_gen, self.stop)
            if cur is None:
                break
            gen, port = cur
            self.wait_gen = 0
            if self.resync_due:  # the last answer was lost: where do we stand?
                try:
                    self.resync(gen, port)
                except NET_ERRORS:
                    with self.L.lock:
                        self.L.errors.append((gen, time.monotonic()))
                    self.wait_gen = gen
                    continue
                self.resync_due = False
            seq = self.next
            env = self.envelope(seq)
            wait = self.rng.random() < 0.125
            with self.L.lock:
                self.L.sent[env] = (self.p.name, seq)
                self.L.counts["sent"] += 1
            while True:  # the same bytes again after a 429
                try:
                    if self.conn is None or self.conn.port != port:
                        self.drop()
                        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=90)
                    self.conn.request("POST", "/v1/statements?wait=1" if wait else "/v1/statements", body=env,
                                      headers={"Content-Type": "application/json"})
                    r = self.conn.getresponse()
                    data = r.read()
                except NET_ERRORS:
                    with self.L.lock:
                        self.L.errors.append((gen, time.monotonic()))
                        self.L.counts["lost"] += 1
                    self.drop()
                    self.inflight = (seq, env)
                    self.resync_due = True
                    self.wait_gen = gen
                    break
                if r.status == 429:
                    self.L.count("429")
                    time.sleep(0.05)
                    continue
                self.handle(gen, seq, env, wait, r.status, data)
                break

    def handle(self, gen, seq, env, wait, status, data):
        if status in (200, 201, 202):
            try:
                ans = json.loads(data)
                pp.check_acceptance(ans, self.vkey, ORIGIN, env)  # either form; raises unless it binds env
                ok = True
            except Exception as e:  # noqa: BLE001
                ok, ans = False, {"error": repr(e)}
            if not ok:
                fail("%s seq %d: the acceptance does not verify or does not name the statement: %s"
                     % (self.p.name, seq, ans))
                return
            index = ans["index"]
            with self.L.lock:
                if index in self.L.acked:
                    fail("index %d acknowledged twice (%s seq %d)" % (index, self.p.name, seq))
                self.L.acked[index] = (env, gen)
                self.L.unverified.add(index)
                self.L.counts[str(status)] += 1
            if status == 200:
                try:
                    i, entry, size = pp.verify_tlog_proof(ans["receipt"], self.vkey)
                    body = pp.open_note(ans["receipt"].split("\n\n", 1)[1], self.vkey)
                    root = pp.unb64(body.rstrip("\n").split("\n")[2])
                    if i != index or entry != env:
                        fail("receipt for %d names %d or another entry" % (index, i))
                    with self.L.lock:
                        self.L.receipt_cps.append((size, root))
                        self.L.counts["receipts"] += 1
                except Exception as e:  # noqa: BLE001
                    fail("%s seq %d: the receipt does not verify: %r" % (self.p.name, seq, e))
            elif status == 202 and not wait:
                fail("202 without ?wait=1")
            self.next = seq + 1
            return
        try:
            code = json.loads(data)["error"]["code"]
        except Exception:  # noqa: BLE001
            code = data[:100]
        self.L.count("other")
        fail("%s seq %d: answered %d %s" % (self.p.name, seq, status, code))
        # refused: learn where the server stands (from this server, or after a 5xx from the next)
        self.resync_due = True
        if status >= 500:
            self.inflight = (seq, env)
            self.wait_gen = gen
        else:
            self.inflight = None
            with self.L.lock:
                self.L.absent.append(env)


# ---- the checker ----

class Checker:
    def __init__(self, srv, ledger, vkey):
        self.srv, self.L, self.vkey = srv, ledger, vkey
        self.cp = None            # (size, root) last verified over HTTP
        self.max_seen = 0         # largest checkpoint size seen anywhere
        self.mirror = []          # every entry fetched, in order
        self.frontier = Frontier()
        self.conn = [None, None]
        self.stats = {"checks": 0, "cut": 0, "proofs": 0, "compared": 0, "wait_max": 0.0}

    def checkpoint(self, port):
        st, data = http_get(self.conn, port, "/checkpoint")
        if st != 200:
            raise OSError("checkpoint %d" % st)
        body = pp.open_note(data.decode(), self.vkey)
        origin, size, root = body.rstrip("\n").split("\n")
        if origin != ORIGIN:
            fail("checkpoint origin %r" % origin)
        return int(size), pp.unb64(root)

    def consistent(self, port, old, new):
        (m, r1), (n, r2) = old, new
        if m == n:
            if r1 != r2:
                fail("two checkpoints of size %d with different roots" % m)
            return
        st, data = http_get(self.conn, port, "/v1/proof/consistency?old=%d&new=%d" % (m, n))
        if st != 200:
            fail("consistency %d -> %d answered %d %s" % (m, n, st, data[:200]))
            return
        ans = json.loads(data)
        proof = [pp.unb64(h) for h in ans["proof"]]
        self.stats["proofs"] += 1
        if ans["old"] != m or ans["new"] != n or not verify_consistency(m, n, proof, r1, r2):
            fail("checkpoint %d is not consistent with the earlier checkpoint %d" % (n, m))

    def check(self, gen, port, rng):
        """One check against server gen; False if the server went away meanwhile."""
        try:
            self._check(gen, port, rng)
        except NET_ERRORS:
            self.stats["cut"] += 1
            return False
        self.stats["checks"] += 1
        return True

    def _check(self, gen, port, rng):
        with self.L.lock:
            before = [i for i, (_, g) in self.L.acked.items() if g < gen]
            olds = self.L.receipt_cps
            self.L.receipt_cps = []
        need = max(before) + 1 if before else 0
        t0 = time.monotonic()
        while True:
            size, root = self.checkpoint(port)
            if size >= need:
                break
            if time.monotonic() - t0 > 15:
                fail("generation %d: acknowledged entries up to %d are not published 15 s after the restart "
                     "(checkpoint %d)" % (gen, need - 1, size))
                break
            time.sleep(0.005)
        self.stats["wait_max"] = max(self.stats["wait_max"], time.monotonic() - t0)
        if size < self.max_seen:
            fail("checkpoint went backwards: %d after %d was seen" % (size, self.max_seen))
        # consistency with the last checkpoint checked and with a sample of the receipts' ones
        earlier = {}
        for s, r in olds:
            if s in earlier and earlier[s] != r:
                fail("two receipts' checkpoints of size %d differ" % s)
            earlier[s] = r
        sample = sorted(earlier.items())
        if len(sample) > 6:
            sample = rng.sample(sample[:-1], 5) + [sample[-1]]
        if self.cp is not None:
            sample.append(self.cp)
        for old in sample:
            if old[0] > size:
                fail("checkpoint went backwards: %d after a receipt's %d" % (size, old[0]))
                continue
            self.consistent(port, old, (size, root))
        self.cp = (size, root)
        self.max_seen = max(self.max_seen, size)
        # fetch what is new, compare the acknowledged, and the root of it all
        while len(self.mirror) < size:
            i = len(self.mirror)
            st, data = http_get(self.conn, port, "/v1/entries/%d" % i)
            if st != 200:
                fail("GET /v1/entries/%d answered %d (checkpoint %d): %s" % (i, st, size, data[:300]))
                break
            self.mirror.append(data)
            self.frontier.append(pp.leaf_hash(data))
        if len(self.mirror) == size and self.frontier.root() != root:
            fail("the entries served do not hash to the checkpoint's root (size %d)" % size)
        self.compare()

    def compare(self):
        with self.L.lock:
            todo = [i for i in self.L.unverified if i < len(self.mirror)]
            for i in todo:
                if self.mirror[i] != self.L.acked[i][0]:
                    fail("entry %d is not the statement acknowledged at that index" % i)
                self.L.unverified.discard(i)
        self.stats["compared"] += len(todo)

    def disk(self, d):
        """While the server is down: the checkpoint file is signed and not behind what was seen."""
        with open(os.path.join(d, "checkpoint")) as f:
            body = pp.open_note(f.read(), self.vkey)
        size = int(body.split("\n")[1])
        with self.L.lock:
            seen = max([self.max_seen] + [s for s, _ in self.L.receipt_cps])
        if size < seen:
            fail("the checkpoint file (%d) is behind a checkpoint already served (%d)" % (size, seen))


def audit(parley, d, vkey_file):
    t0 = time.monotonic()
    r = subprocess.run([parley, "log", "audit", d, "--vkey", vkey_file], capture_output=True)
    if r.returncode != 0:
        fail("parley log audit exited %d: %s" % (r.returncode, r.stderr.decode().strip()))
    return time.monotonic() - t0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("parley")
    ap.add_argument("scratch")
    ap.add_argument("--kills", type=int, default=200)
    ap.add_argument("--seconds", type=float, default=0, help="stop early after this long (0: no limit)")
    ap.add_argument("--seed", type=int, default=None)
    ap.add_argument("--clients", type=int, default=6)
    ap.add_argument("--audit-every", type=int, default=10)
    a = ap.parse_args()
    seed = int(os.environ.get("PARLEY_SOAK_SEED", a.seed if a.seed is not None else int(time.time())))
    rng = random.Random(seed)
    work = a.scratch
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    self_test_consistency()

    parties = [pp.Party("cert%02d" % i) for i in range(max(a.clients, 2))]
    files = {p.name: p.write(work) for p in parties}
    d = os.path.join(work, "log")
    init = [a.parley, "init", d, "--origin", ORIGIN, "--key", files[parties[0].name][0], "--name", "soak group",
            "--no-norms"]
    for p in parties[1:]:
        init += ["--founder", files[p.name][1]]
    r = subprocess.run(init, capture_output=True)
    if r.returncode != 0:
        print("FAIL: parley init: " + r.stderr.decode(), file=sys.stderr)
        sys.exit(1)
    parties[0].seq = 1  # the charter
    vkey_file = os.path.join(d, "log.vkey")
    vkey = open(vkey_file).read().strip()

    srv = Server(a.parley, work, d)
    L = Ledger()
    chk = Checker(srv, L, vkey)
    stop = threading.Event()
    names = [p.name for p in parties]
    clients = [Client(p, [n for n in names if n != p.name], srv, L, vkey, stop, rng.getrandbits(64))
               for p in parties]
    # The clients are held while a check of a running generation compares what
    # is new: otherwise, on a slow (sanitizer) build, the time a check takes
    # grows with what was appended during the previous one, and the log with
    # it, without bound. Kills still land during ingest (after the check, and
    # in "just up" mode during it).
    go = threading.Event()
    go.set()
    for c in clients:
        c.go = go
        c.start()

    t_start = time.monotonic()
    restarts, modes, audits = [], {"startup": 0, "just up": 0, "running": 0}, []
    kills = 0
    last_restart = 0.3
    dead = False
    while kills < a.kills and not failures:
        if a.seconds and time.monotonic() - t_start > a.seconds:
            break
        srv.spawn(rng.choice([0, 0, 5, 20]), rng.choice([0, 0, 20, 100]))
        mode = rng.choices(["startup", "just up", "running"], [0.12, 0.13, 0.75])[0]
        if mode == "startup":
            time.sleep(rng.uniform(0, last_restart))
            if srv.proc.poll() is None:  # killed while recovering/replaying
                modes[mode] += 1
            else:
                mode = "running"
        if mode != "startup":
            took = srv.wait_ready()
            if took is None:
                fail("the server did not restart (generation %d, exit %s):\n%s"
                     % (srv.gen, srv.proc.poll(), srv.tail()))
                dead = True
                break
            restarts.append(took)
            last_restart = took
            modes[mode] += 1
            if mode == "just up":
                timer = threading.Timer(rng.uniform(0, 0.015), srv.kill)
                timer.start()
                chk.check(srv.gen, srv.port, rng)
                timer.join()
            else:
                go.clear()
                try:
                    chk.check(srv.gen, srv.port, rng)
                finally:
                    go.set()
                time.sleep(math.exp(rng.uniform(math.log(0.001), math.log(1.2))))
        if not srv.kill():
            fail("generation %d died before it was killed (exit %s):\n%s" % (srv.gen, srv.proc.returncode,
                                                                            srv.tail()))
            dead = True
            break
        kills += 1
        chk.disk(d)
        if kills % a.audit_every == 0:
            audits.append(audit(a.parley, d, vkey_file))
        if kills % 20 == 0:
            print("soak: %d kills, %d acknowledged, log size %d, %.0f s" %
                  (kills, len(L.acked), chk.max_seen, time.monotonic() - t_start), flush=True)

    # the end: clients stop on a live server, one more kill and restart, a full check
    if not dead:
        srv.spawn(20)
        took = srv.wait_ready()
        if took is None:
            fail("the server did not restart for the final check:\n" + srv.tail())
        else:
            restarts.append(took)
            time.sleep(0.3)
            stop.set()
            for c in clients:
                c.join(120)
            if not srv.kill():
                fail("the server died before the final kill:\n" + srv.tail())
            kills += 1
            chk.disk(d)
            srv.spawn(20)
            took = srv.wait_ready()
            if took is None:
                fail("the server did not restart after the final kill:\n" + srv.tail())
            else:
                restarts.append(took)
                if not chk.check(srv.gen, srv.port, rng):
                    fail("the final check could not reach the server")
                final_seqs = {}
                for c in clients:
                    st, data = http_get(chk.conn, srv.port, "/v1/parties/" + c.p.name)
                    final_seqs[c.p.name] = seq = json.loads(data)["seq"]
                    if c.inflight is not None:  # stopped before it could resync
                        s, env = c.inflight
                        if seq in (s, s - 1):
                            (L.present if seq == s else L.absent).append(env)
                            c.next, c.inflight = seq + 1, None
                rc = srv.terminate()
                if rc != 0:
                    fail("parley serve exited %s on SIGTERM:\n%s" % (rc, srv.tail()))
    stop.set()
    for c in clients:
        c.join(5)
    if srv.proc.poll() is None:
        srv.proc.kill()
        srv.proc.wait()
    audits.append(audit(a.parley, d, vkey_file))

    # the whole log, once more
    if not dead and not failures:
        _, size, _ = logdir.checkpoint(d)
        if size != len(chk.mirror):
            fail("final checkpoint %d, %d entries fetched" % (size, len(chk.mirror)))
        if logdir.entries(d, 0, size, size) != chk.mirror:
            fail("the directory's bundles differ from what /v1/entries served")
        if L.unverified:
            fail("%d acknowledged statements never appeared, e.g. index %d" % (len(L.unverified),
                                                                             min(L.unverified)))
        where = {}
        last = {p.name: 0 for p in parties}
        for i, e in enumerate(chk.mirror):
            if e in where:
                fail("entry %d repeats entry %d" % (i, where[e]))
            where[e] = i
            stmt = json.loads(pp.unb64(json.loads(e)["payload"]))
            author, seq = stmt["author"], stmt["seq"]
            if i > 0 and L.sent.get(e) != (author, seq):
                fail("entry %d (%s seq %d) is not a statement a client sent" % (i, author, seq))
            if seq != last.get(author, 0) + 1:
                fail("entry %d: %s seq %d follows %d" % (i, author, seq, last.get(author, 0)))
            last[author] = seq
        for e in L.present:
            if e not in where:
                fail("a statement the server had staged (%s seq %d) is missing" % L.sent[e])
        for e in L.absent:
            if e in where:
                fail("a statement the server had not staged (%s seq %d) is in the log" % L.sent[e])
        for c in clients:
            want = c.next - 1 if c.inflight is None else None
            if want is not None and (last[c.p.name] != want or final_seqs.get(c.p.name) != want):
                fail("%s: the client is at seq %d, the log at %d, the server says %s"
                     % (c.p.name, want, last[c.p.name], final_seqs.get(c.p.name)))
        unexpected = [(g, t) for g, t in L.errors if g not in srv.kill_time or t < srv.kill_time[g]]
        if unexpected:
            fail("%d connection errors while the server was not being killed" % len(unexpected))

    elapsed = time.monotonic() - t_start
    cn = L.counts
    acked = cn["200"] + cn["201"] + cn["202"]
    print("soak summary (seed %d, %.1f s):" % (seed, elapsed))
    print("  kills: %d SIGKILL (%d during startup, %d just up, %d running, 1 final)"
          % (kills, modes["startup"], modes["just up"], modes["running"]))
    if restarts:
        print("  restarts: %d, time to answering: max %.3f s, avg %.3f s"
              % (len(restarts), max(restarts), sum(restarts) / len(restarts)))
    print("  statements: %d sent, %d acknowledged (%d 201, %d 200 with receipt, %d 202), %d receipts verified"
          % (cn["sent"], acked, cn["201"], cn["200"], cn["202"], cn["receipts"]))
    print("  lost answers: %d (%d then found staged, %d not), %d resyncs of seq, %d 429"
          % (cn["lost"], len(L.present), len(L.absent), cn["resyncs"], cn["429"]))
    print("  log: %d entries, %d acknowledged compared byte for byte"
          % (len(chk.mirror), chk.stats["compared"]))
    print("  checks: %d after restarts (%d cut short by a kill), %d consistency proofs verified, "
          "longest wait for staged entries %.3f s" % (chk.stats["checks"], chk.stats["cut"], chk.stats["proofs"],
                                                     chk.stats["wait_max"]))
    if srv.stale_port_tmp:
        print("  port-file temporaries left by servers killed at startup, replaced by the next start: %d"
              % srv.stale_port_tmp)
    if audits:
        print("  audits: %d, all exit 0 unless listed below; longest %.2f s" % (len(audits), max(audits)))
    if failures:
        print("soak test: %d FAILURES" % len(failures), file=sys.stderr)
        for f in failures[:20]:
            print("  " + f, file=sys.stderr)
        sys.exit(1)
    print("soak test: OK")


if __name__ == "__main__":
    main()
