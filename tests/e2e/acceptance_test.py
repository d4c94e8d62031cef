#!/usr/bin/env python3
"""A member keeps the log's acceptances and holds the log to them.

`parley submit` keeps each acceptance in the member's data directory
($PARLEY_DATA_DIR/acceptances/ORIGIN-KEYID/INDEX.json); `parley verify-proof`
checks a kept acceptance against the log key offline and, with --log, against
the entry the log holds at its index:

1. the acceptance of a statement submitted with `parley submit` is kept, its
   batch note and path verify in Python too, and it checks offline and
   against the honest log (its directory and its URL): exit 0;
2. acceptances of statements submitted concurrently (batches of several)
   verify in Python, and a batch acceptance made here over the log's entries
   1..N with the log key (a path of several hashes) checks the same way;
3. an acceptance of the old single form, signed with the log key, checks too;
4. a log whose entry at the accepted index is another (a copy of the log
   taken before the statement, grown otherwise by its operator, who holds the
   key) is refused with "THE LOG BROKE ITS WORD", exit 1, and the log's own
   proof of the entry it holds is written as evidence (it verifies in
   Python); an acceptance past that log's end is "not in the log yet", exit 1;
5. a tampered acceptance, or another log's key, is refused offline (exit 1);
   --identity with an acceptance, or --log with a proof file, is a usage
   error (exit 2).
"""
import base64
import glob
import hashlib
import http.client
import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import parleypy as pp  # noqa: E402

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey  # noqa: E402

os.environ.setdefault("PARLEY_QUORUM", "0")  # no witnesses here: the log's own signatures decide

PARLEY, WORK = sys.argv[1], sys.argv[2]
ORIGIN = "test.example/acceptances"
failures = []


def check(cond, what):
    if not cond:
        failures.append(what)
        print("FAIL: " + what, file=sys.stderr)
    return cond


class Server:
    def __init__(self, logdir):
        self.logdir = logdir

    def start(self):
        portfile = os.path.join(WORK, "port-" + os.path.basename(self.logdir))
        if os.path.exists(portfile):
            os.unlink(portfile)
        args = [PARLEY, "serve", self.logdir, "--listen", "127.0.0.1:0", "--port-file", portfile]
        if os.geteuid() == 0:
            args.append("--allow-root")
        self.proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        for _ in range(600):
            if os.path.exists(portfile) and open(portfile).read().strip():
                break
            time.sleep(0.05)
        self.port = int(open(portfile).read())
        self.url = "http://127.0.0.1:%d" % self.port

    def stop(self):
        self.proc.send_signal(signal.SIGTERM)
        self.proc.communicate(timeout=60)

    def post(self, env):
        c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        c.request("POST", "/v1/statements", body=env, headers={"Content-Type": "application/json"})
        r = c.getresponse()
        data = r.read()
        c.close()
        return r.status, json.loads(data)

    def entry(self, i):
        c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        c.request("GET", "/v1/entries/%d" % i)
        r = c.getresponse()
        data = r.read()
        c.close()
        return data

    def size(self):
        c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        c.request("GET", "/healthz")
        data = json.loads(c.getresponse().read())
        c.close()
        return data["size"]


def log_signer(logdir):
    """The log's Ed25519 key from its key file (PRIVATE+KEY+name+hex8+base64(0x01 || seed))."""
    text = open(os.path.join(logdir, "private", "log.key")).read().strip()
    assert text.startswith("PRIVATE+KEY+")
    body = text[len("PRIVATE+KEY+"):]
    raw = base64.b64decode(body[-44:])  # base64 of 33 bytes, which may hold '+' itself
    name, kid = body[:-45].rsplit("+", 1)
    assert raw[0] == 1 and len(raw) == 33
    return Ed25519PrivateKey.from_private_bytes(raw[1:]), name, bytes.fromhex(kid)


def sign_note(key, name, kid, text):
    return text + "\n\u2014 " + name + " " + base64.b64encode(kid + key.sign(text.encode())).decode() + "\n"


def main():
    shutil.rmtree(WORK, ignore_errors=True)
    os.makedirs(WORK)
    A = pp.Party("alpha")
    others = [pp.Party("p%d" % k) for k in range(1, 7)]
    files = {p.name: p.write(WORK) for p in [A] + others}
    logdir = os.path.join(WORK, "log")
    founders = [x for p in others for x in ("--founder", files[p.name][1])]
    r = subprocess.run([PARLEY, "init", logdir, "--origin", ORIGIN, "--key", files["alpha"][0]] + founders,
                       capture_output=True, text=True)
    if not check(r.returncode == 0, "init: " + r.stderr):
        return
    vkey = open(os.path.join(logdir, "log.vkey")).read().strip()
    data = os.path.join(WORK, "data", "alpha")

    def cli(*args, expect=0, key=None):
        e = dict(os.environ, PARLEY_VKEY=vkey, PARLEY_DATA_DIR=data)
        e.pop("PARLEY_SERVER", None)
        if key is not None:
            e["PARLEY_KEY"] = files[key.name][0]
            e["PARLEY_SERVER"] = srv.url
        res = subprocess.run([PARLEY] + list(args), capture_output=True, text=True, env=e)
        check(res.returncode == expect, "parley %s exits %d (got %d: %s %s)" % (
            " ".join(args)[:160], expect, res.returncode, res.stdout.strip()[-300:], res.stderr.strip()[-400:]))
        return res

    # the operator's other copy of the log: taken now, before the statements below
    other = os.path.join(WORK, "other")
    shutil.copytree(logdir, other)
    srv = Server(logdir)
    srv.start()
    try:
        # ---- 1. a statement submitted by parley: its acceptance is kept
        res = cli("submit", "--type", "ping", "--wait", "--json", key=A)
        out = json.loads(res.stdout)
        index, kept = out["index"], out.get("acceptance")
        check(kept is not None and os.path.isfile(kept), "submit says where it kept the acceptance (%s)" % out)
        check(kept == os.path.join(data, "acceptances", os.path.basename(os.path.dirname(kept)), "%d.json" % index),
              "kept as acceptances/ORIGIN-KEYID/INDEX.json (%s)" % kept)
        found = glob.glob(os.path.join(data, "acceptances", "*", "*.json"))
        check(found == [kept], "one file per accepted statement (%s)" % found)
        ans = json.load(open(kept))
        entry = srv.entry(index)
        try:
            lines = pp.check_acceptance(ans, vkey, ORIGIN, entry)
            check(lines[0] == "parley.batch-acceptance/v1", "the kept acceptance is a batch acceptance")
        except AssertionError as e:
            check(False, "the kept acceptance verifies in Python (%s)" % e)
        res = cli("submit", "--type", "ping", key=A)
        check("acceptance kept in " in res.stdout, "submit says it kept the acceptance (%s)" % res.stdout)
        res = cli("verify-proof", kept)
        check(res.stdout.startswith("acceptance ok (offline)"), "the acceptance checks offline (%s)" % res.stdout)
        res = cli("verify-proof", kept, "--log", logdir)
        check(res.stdout.startswith("OK: entry %d " % index), "and against the honest log's directory (%s)" % res.stdout)
        res = cli("verify-proof", kept, "--log", srv.url)
        check(res.stdout.startswith("OK: entry %d " % index), "and against its URL (%s)" % res.stdout)

        # ---- 2. concurrent statements, in batches: each answer's acceptance binds its statement
        answers = []
        lock = threading.Lock()

        def burst(p):
            for _ in range(5):
                p.seq += 1
                env = pp.envelope([p.sign], pp.payload(ORIGIN, "ping", p.name, p.seq, pp.now(), {}))
                st, a = srv.post(env)
                with lock:
                    answers.append((st, a, env))

        threads = [threading.Thread(target=burst, args=(p,)) for p in others]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        check([st for st, _, _ in answers] == [201] * len(answers) and len(answers) == 5 * len(others),
              "every concurrent statement is accepted (%s)" % [st for st, _, _ in answers][:8])
        batches = set()
        for st, a, env in answers:
            try:
                batches.add(tuple(pp.check_acceptance(a, vkey, ORIGIN, env)))
            except (AssertionError, KeyError) as e:
                check(False, "a concurrent acceptance verifies in Python (%s)" % e)
        print("concurrent: %d statements in %d batch acceptances" % (len(answers), len(batches)))
        key, name, kid = log_signer(logdir)
        # a batch acceptance signed here, with the log's key, over entries 1..size-1: the kept statement's
        # path in it has several hashes
        # a 201 comes once a statement is staged, before its checkpoint (the integrator publishes every
        # --integrate-ms): wait until the published log holds every answer
        last = max(a["index"] for _, a, _ in answers)
        deadline = time.time() + 30
        while srv.size() <= last and time.time() < deadline:
            time.sleep(0.05)
        size = srv.size()
        check(size > last, "the log publishes every accepted statement (size %d, last index %d)" % (size, last))
        leaves = [pp.leaf_hash(srv.entry(i)) for i in range(1, size)]
        root = pp.mth(leaves)

        def rfc_path(m, d):
            if len(d) == 1:
                return []
            k = 1
            while k * 2 < len(d):
                k *= 2
            return rfc_path(m, d[:k]) + [pp.mth(d[k:])] if m < k else rfc_path(m - k, d[k:]) + [pp.mth(d[:k])]

        made = {"index": index, "leaf": ans["leaf"], "acceptance": sign_note(
            key, name, kid, "parley.batch-acceptance/v1\n%s\n1\n%d\n%s\n%s\n" % (
                ORIGIN, size - 1, pp.b64(root), pp.now())),
            "acceptance_path": [pp.b64(h) for h in rfc_path(index - 1, leaves)]}
        check(len(made["acceptance_path"]) >= 3, "the path has several hashes (%d)" % len(made["acceptance_path"]))
        made_file = os.path.join(WORK, "made.json")
        json.dump(made, open(made_file, "w"))
        res = cli("verify-proof", made_file, "--log", logdir)
        check(("entries 1..%d" % (size - 1)) in res.stdout, "a batch acceptance of %d entries checks against the log (%s)"
              % (size - 1, res.stdout.strip()))
        late = {"index": size - 1, "leaf": pp.b64(leaves[-1]), "acceptance": made["acceptance"],
                "acceptance_path": [pp.b64(h) for h in rfc_path(size - 2, leaves)]}
        late_file = os.path.join(WORK, "late.json")
        json.dump(late, open(late_file, "w"))
        cli("verify-proof", late_file, "--log", logdir)

        # ---- 3. an acceptance of the old form, signed with the log key
        leaf = base64.b64encode(pp.leaf_hash(entry)).decode()
        old = {"index": index, "leaf": leaf, "acceptance": sign_note(
            key, name, kid, "parley.acceptance/v1\n%s\n%d\n%s\n%s\n" % (ORIGIN, index, leaf, pp.now()))}
        old_file = os.path.join(WORK, "old.json")
        json.dump(old, open(old_file, "w"))
        res = cli("verify-proof", old_file, "--log", logdir)
        check("a single acceptance" in res.stdout, "an old single acceptance checks against the log (%s)" % res.stdout)

        # ---- 4. another history at that index, under the same key
        srv.stop()
        r = subprocess.run([PARLEY, "log", "add", other], input=b"not the statement the log accepted\n",
                           capture_output=True)
        check(r.returncode == 0, "the operator grows its other copy otherwise (%s)" % r.stderr)
        evidence = os.path.join(WORK, "evidence.tlog-proof")
        for f in (kept, old_file, made_file):
            res = cli("verify-proof", f, "--log", other, "--evidence", evidence, expect=1)
            check("THE LOG BROKE ITS WORD" in res.stderr and ("index %d" % index) in res.stderr,
                  "another leaf at the accepted index is misbehaviour, said plainly (%s)" % res.stderr.strip())
            check("OK" not in res.stdout, "and never OK")
        try:
            i, ent, _ = pp.verify_tlog_proof(open(evidence).read(), vkey)
            check(i == index and ent == b"not the statement the log accepted" and pp.leaf_hash(ent) != pp.leaf_hash(
                entry), "the evidence is the log's own signed proof of the other entry")
        except (AssertionError, OSError, ValueError) as e:
            check(False, "the evidence verifies in Python (%s)" % e)
        srvB = Server(other)
        srvB.start()
        res = cli("verify-proof", kept, "--log", srvB.url, expect=1)
        check("THE LOG BROKE ITS WORD" in res.stderr, "the same over HTTP (%s)" % res.stderr.strip())
        srvB.stop()
        res = cli("verify-proof", late_file, "--log", other, expect=1)
        check("not in the log yet" in res.stderr, "an index past the other log's end is pending (%s)"
              % res.stderr.strip())

        # ---- 5. what does not check offline; flags that do not belong
        bad = dict(ans)
        bad["leaf"] = base64.b64encode(hashlib.sha256(b"x").digest()).decode()
        bad_file = os.path.join(WORK, "bad.json")
        json.dump(bad, open(bad_file, "w"))
        res = cli("verify-proof", bad_file, expect=1)
        check("acceptance" in res.stderr, "an acceptance of another leaf is refused (%s)" % res.stderr.strip())
        for change in (lambda p: list(reversed(p)), lambda p: p[:-1], lambda p: p + [p[0]]):
            b2 = dict(made, acceptance_path=change(made["acceptance_path"]))
            json.dump(b2, open(bad_file, "w"))
            res = cli("verify-proof", bad_file, expect=1)
            check("path" in res.stderr, "a path that does not reach the signed root is refused (%s)"
                  % res.stderr.strip())
        json.dump(dict(made, index=size + 5), open(bad_file, "w"))
        res = cli("verify-proof", bad_file, expect=1)
        check("covers entries" in res.stderr, "an index outside the batch is refused (%s)" % res.stderr.strip())
        lk = os.path.join(WORK, "lk")
        subprocess.run([PARLEY, "log", "init", lk, "--origin", ORIGIN], capture_output=True, check=True)
        res = cli("verify-proof", kept, "--vkey", os.path.join(lk, "log.vkey"), expect=1)
        check("not signed by the log key" in res.stderr, "another log key is refused (%s)" % res.stderr.strip())
        cli("verify-proof", kept, "--identity", files["alpha"][1], expect=2)
        cli("verify-proof", kept, "--evidence", evidence, expect=2)
        r = subprocess.run([PARLEY, "log", "prove", logdir, str(index), "--out", os.path.join(WORK, "p")],
                           capture_output=True, text=True)
        check(r.returncode == 0, "log prove (%s)" % r.stderr)
        cli("verify-proof", os.path.join(WORK, "p"), "--identity", files["alpha"][1], "--log", logdir, expect=2)
        cli("verify-proof", os.path.join(WORK, "p"), "--identity", files["alpha"][1])
    finally:
        try:
            srv.stop()
        except Exception:  # noqa: BLE001
            pass
    if failures:
        print("%d check(s) failed" % len(failures), file=sys.stderr)
        sys.exit(1)
    print("kept acceptances: held against an honest log, a broken word caught")


if __name__ == "__main__":
    main()
