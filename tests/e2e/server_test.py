#!/usr/bin/env python3
"""`parley serve` end to end, on 127.0.0.1 with an ephemeral port, driven by
the CLI and by raw HTTP:

  - statements signed in Python (cryptography's Ed25519) are accepted, and one
    signed by the C code verifies in Python; acceptances and receipts verify
    in Python (signed notes, RFC 6962 inclusion);
  - a table of bad submissions, each answered with its own status and code,
    and the log exactly as it was after each;
  - many concurrent submitters, some waiting for receipts;
  - a restart keeps everything and goes on serving; the log audits;
  - raw-socket abuse: truncated bodies, oversize headers, wrong methods;
  - members-only blobs.

usage: server_test.py PARLEY SCRATCH
"""
import base64
import gzip
import hashlib
import http.client
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time

# These checks run without witnesses, on purpose: members say so with --quorum 0 (cli_policy_member).
os.environ.setdefault("PARLEY_QUORUM", "0")

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import parleypy as pp  # noqa: E402

PARLEY, WORK = sys.argv[1], sys.argv[2]
ORIGIN = "test.example/wg"
failures = []


def check(cond, what):
    if not cond:
        failures.append(what)
        print("FAIL: " + what, file=sys.stderr)


now = pp.now


class Server:
    def __init__(self, logdir):
        self.logdir = logdir
        self.proc = None

    def start(self, *extra):
        portfile = os.path.join(WORK, "port")
        if os.path.exists(portfile):
            os.unlink(portfile)
        args = [PARLEY, "serve", self.logdir, "--listen", "127.0.0.1:0", "--port-file", portfile, "--skew", "120"]
        args += list(extra)
        if os.geteuid() == 0:
            args.append("--allow-root")
        self.proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        for _ in range(100):
            if os.path.exists(portfile):
                break
            time.sleep(0.05)
        self.port = int(open(portfile).read())
        self.url = "http://127.0.0.1:%d" % self.port

    def stop(self):
        self.proc.send_signal(signal.SIGTERM)
        out, err = self.proc.communicate(timeout=30)
        check(self.proc.returncode == 0, "serve exits 0 on SIGTERM (got %s: %s)" % (self.proc.returncode, err))

    def request(self, method, path, body=None, headers=None):
        c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        c.request(method, path, body=body, headers=headers or {})
        r = c.getresponse()
        data = r.read()
        c.close()
        return r.status, dict(r.getheaders()), data

    def submit(self, env, wait=False):
        st, hd, data = self.request("POST", "/v1/statements?wait=1" if wait else "/v1/statements", env,
                                    {"Content-Type": "application/json"})
        return st, json.loads(data) if data else None

    def size(self):
        return json.loads(self.request("GET", "/healthz")[2])["size"]


def run_cli(*args, env=None, expect=0):
    e = dict(os.environ)
    e.update(env or {})
    r = subprocess.run([PARLEY] + list(args), capture_output=True, env=e)
    check(r.returncode == expect, "parley %s exits %d (got %d: %s)" % (" ".join(args), expect, r.returncode,
                                                                     r.stderr.decode().strip()))
    return r


def main():
    shutil.rmtree(WORK, ignore_errors=True)
    os.makedirs(WORK)
    parties = [pp.Party("p%02d" % i) for i in range(20)]
    files = {p.name: p.write(WORK) for p in parties}
    founders = parties[:16]
    logdir = os.path.join(WORK, "log")
    init = ["init", logdir, "--origin", ORIGIN, "--key", files["p00"][0], "--name", "test group", "--no-norms"]
    for p in founders[1:]:
        init += ["--founder", files[p.name][1]]
    run_cli(*init)
    parties[0].seq = 1  # the charter
    vkey = open(os.path.join(logdir, "log.vkey")).read().strip()
    srv = Server(logdir)
    srv.start()
    cli_env = {"PARLEY_SERVER": srv.url, "PARLEY_VKEY": vkey}

    def signed(p, ptype="ping", body=None, refs=None, when=None, seq=None, extra=(), log=ORIGIN):
        if seq is None:
            p.seq += 1
            seq = p.seq
        return pp.envelope([p.sign] + list(extra), pp.payload(log, ptype, p.name, seq, when or now(), body, refs))

    # --- interoperability with an independent Ed25519 ---
    p1 = parties[1]
    env1 = signed(p1)
    st, ans = srv.submit(env1)
    check(st == 201, "a statement signed in Python is accepted (got %d %s)" % (st, ans))
    acc = pp.check_acceptance(ans, vkey, ORIGIN, env1)
    check(acc[0] == "parley.batch-acceptance/v1",
          "the acceptance is the batch's, its path from this entry reaches its root, and it verifies in Python")
    first_python = ans["index"]
    r = run_cli("submit", "--type", "ping", "--wait", "--key", files["p02"][0], env=cli_env)
    parties[2].seq += 1
    idx = int(r.stdout.decode().split("index ")[1].split(",")[0])
    st, _, entry = srv.request("GET", "/v1/entries/%d" % idx)
    stmt = pp.verify_envelope(entry, parties[2].pk)
    check(stmt["author"] == "p02" and stmt["type"] == "ping", "a statement signed by parley verifies in Python")
    st, _, entry = srv.request("GET", "/v1/entries/%d" % first_python)
    check(pp.verify_envelope(entry, p1.pk)["author"] == "p01", "entries come back byte for byte")
    st, ans = srv.submit(signed(p1), wait=True)
    check(st == 200 and "receipt" in ans, "?wait=1 answers with a receipt")
    index, ent, size = pp.verify_tlog_proof(ans["receipt"], vkey)
    check(index == ans["index"] and pp.verify_envelope(ent, p1.pk)["seq"] == p1.seq,
          "the receipt verifies in Python (note signature, RFC 6962 inclusion)")

    # --- a table of bad submissions: own code each, nothing appended ---
    p3, p15 = parties[3], parties[15]
    outsider = parties[19]  # never enrolled
    st, ans = srv.submit(signed(p15, "key.revoke", {"reason": "lost laptop"}))
    check(st == 201, "p15 revokes its key")
    good_index = first_python
    good_leaf = base64.b64encode(pp.leaf_hash(srv.request("GET", "/v1/entries/%d" % good_index)[2])).decode()
    nxt = lambda p: p.seq + 1  # the next seq, without consuming it
    forger = pp.Party("p03")
    pay = lambda p, t="ping", body=None, refs=None, when=None, seq=None, log=ORIGIN: pp.payload(
        log, t, p.name, nxt(p) if seq is None else seq, when or now(), body, refs)
    env = lambda p, body, signers=None, ptype=pp.STATEMENT_TYPE: pp.envelope(signers or [p.sign], body, ptype)
    env_json = lambda d: json.dumps(d, separators=(",", ":")).encode()
    good_bytes = env(p3, pay(p3))
    good_env = json.loads(good_bytes)
    good_sig = good_env["signatures"][0]
    deep = b"[" * 100 + b"]" * 100
    big_id = dict(parties[18].identity())
    big_id["proof"] = pp.b64(b"\x00" * 64)

    def renamed(p, name):
        """p's keys under another name: whoever holds a key can make a valid identity for any name."""
        q = pp.Party(name)
        q.sign, q.box = p.sign, p.box
        return q

    def with_payload(raw_payload, p=p3):
        return env(p, raw_payload)

    table = [
        ("not JSON", b"hello", 400, "envelope_malformed"),
        ("empty body", b"", 400, "envelope_malformed"),
        ("JSON array", b"[]", 400, "envelope_malformed"),
        ("JSON null", b"null", 400, "envelope_malformed"),
        ("missing payloadType", env_json({k: v for k, v in good_env.items() if k != "payloadType"}), 400,
         "envelope_malformed"),
        ("missing signatures", env_json({k: v for k, v in good_env.items() if k != "signatures"}), 400,
         "envelope_malformed"),
        ("unknown envelope field", env_json(dict(good_env, extra=1)), 400, "envelope_malformed"),
        ("empty signatures", env_json(dict(good_env, signatures=[])), 400, "envelope_malformed"),
        ("three signatures", env_json(dict(good_env, signatures=good_env["signatures"] * 3)), 400,
         "envelope_malformed"),
        ("short signature", env_json(dict(good_env, signatures=[{"sig": "AAAA"}])), 400, "envelope_malformed"),
        ("payload not base64", env_json(dict(good_env, payload="%%%")), 400, "envelope_malformed"),
        ("payload non-canonical base64", env_json(dict(good_env, payload=good_env["payload"][:-2] + "B=")
                                                  if good_env["payload"].endswith("=") else
                                                  dict(good_env, payload="e30")), 400, "envelope_malformed"),
        ("duplicate envelope key", env(p3, pay(p3))[:-1] + b",\"payloadType\":\"x\"}", 400, "envelope_malformed"),
        ("deep nesting", b"{\"payloadType\":" + deep + b"}", 400, "envelope_malformed"),
        ("wrong payload type", env(p3, pay(p3), ptype="application/json"), 415, "payload_type_unknown"),
        ("payload not JSON", with_payload(b"not json"), 400, "payload_malformed"),
        ("payload missing log", with_payload(b'{"type":"ping","author":"p03","seq":1,"time":"%s","body":{}}'
                                             % now().encode()), 400, "payload_malformed"),
        ("payload unknown field", with_payload(pay(p3)[:-1] + b',"x":1}'), 400, "payload_malformed"),
        ("seq zero", with_payload(pay(p3, seq=0)), 400, "payload_malformed"),
        ("seq negative", with_payload(pay(p3, seq=-1)), 400, "payload_malformed"),
        ("seq huge", with_payload(pay(p3).replace(b'"seq":%d' % nxt(p3), b'"seq":100000000000000000000')), 400,
         "payload_malformed"),
        ("seq float", with_payload(pay(p3).replace(b'"seq":%d' % nxt(p3), b'"seq":2.0')), 400,
         "payload_malformed"),
        ("seq string", with_payload(pay(p3).replace(b'"seq":%d' % nxt(p3), b'"seq":"2"')), 400,
         "payload_malformed"),
        ("time lower-case", with_payload(pay(p3, when=now().replace("T", "t"))), 400, "payload_malformed"),
        ("time with fraction", with_payload(pay(p3, when=now()[:-1] + ".5Z")), 400, "payload_malformed"),
        ("time not a date", with_payload(pay(p3, when="2026-02-30T00:00:00Z")), 400, "payload_malformed"),
        ("author upper-case", with_payload(pay(p3).replace(b'"author":"p03"', b'"author":"P03"')), 400,
         "payload_malformed"),
        ("type with capitals", with_payload(pay(p3, t="Ping")), 400, "payload_malformed"),
        ("body not an object", with_payload(pay(p3).replace(b'"body":{}', b'"body":[]')), 400,
         "payload_malformed"),
        ("empty refs", with_payload(pay(p3, refs=[])), 400, "payload_malformed"),
        ("ref without leaf", with_payload(pay(p3, refs=[{"index": 1}])), 400, "payload_malformed"),
        ("duplicate ref", with_payload(pay(p3, refs=[{"index": good_index, "leaf": good_leaf}] * 2)), 400,
         "payload_malformed"),
        ("NUL in a string", with_payload(pay(p3, body={"note": "a\u0000b"})), 400, "payload_malformed"),
        ("invalid UTF-8", with_payload(pay(p3).replace(b'"body":{}', b'"body":{"note":"\xff"}')), 400,
         "payload_malformed"),
        ("another log", with_payload(pay(p3, log="other.example/log")), 422, "wrong_log"),
        ("time far in the past", with_payload(pay(p3, when=now(-3600))), 422, "clock_skew"),
        ("time in the future", with_payload(pay(p3, when=now(3600))), 422, "clock_skew"),
        ("unknown type", with_payload(pay(p3, t="gossip")), 400, "type_unknown"),
        ("unknown author", env(outsider, pay(outsider)), 403, "unknown_author"),
        ("revoked key", env(p15, pay(p15)), 403, "key_revoked"),
        ("forged signature", env(p3, pay(p3), signers=[forger.sign]), 403, "bad_signature"),
        ("signature over another payload", env_json(dict(good_env, payload=pp.b64(pay(p3, body={"note": "x"})))),
         403, "bad_signature"),
        ("skipped seq", with_payload(pay(p3, seq=nxt(p3) + 5)), 409, "seq_skipped"),
        ("ref to a missing entry", with_payload(pay(p3, refs=[{"index": 10 ** 6, "leaf": good_leaf}])), 422,
         "ref_missing"),
        ("ref with another leaf", with_payload(pay(p3, refs=[{"index": good_index, "leaf": pp.b64(b"\1" * 32)}])),
         422, "ref_mismatch"),
        ("pong without its ref", with_payload(pay(p3, "pong", {"ping": good_index})), 422, "ref_missing"),
        ("pong body wrong", with_payload(pay(p3, "pong", {"ping": "x"})), 422, "body_invalid"),
        ("ping to a stranger", with_payload(pay(p3, body={"to": ["nobody"]})), 422, "unknown_party"),
        ("ping unknown body field", with_payload(pay(p3, body={"colour": "red"})), 422, "body_invalid"),
        ("ping note too long", with_payload(pay(p3, body={"note": "x" * 600})), 422, "body_invalid"),
        ("a second charter", with_payload(pay(p3, "charter", {"founders": []})), 409, "not_allowed"),
        ("enroll a member", with_payload(pay(p3, "enroll", {"identity": parties[4].identity()})), 409,
         "already_member"),
        ("enroll with a bad proof", with_payload(pay(p3, "enroll", {"identity": big_id})), 422,
         "identity_proof_invalid"),
        ("enroll without identity", with_payload(pay(p3, "enroll", {})), 422, "body_invalid"),
        ("rotation with one signature", with_payload(pay(p3, "key.rotate", {"identity": pp.Party("p03").identity()})),
         403, "bad_signature"),
        ("rotation to another party", env(p3, pay(p3, "key.rotate", {"identity": parties[18].identity()}),
                                          signers=[p3.sign, parties[18].sign]), 403, "not_allowed"),
        ("contact unknown field", with_payload(pay(p3, "contact.update", {"contact": {"fax": "1"}})), 422,
         "body_invalid"),
        ("contact empty", with_payload(pay(p3, "contact.update", {"contact": {}})), 422, "body_invalid"),
        ("revoke with a number", with_payload(pay(p3, "key.revoke", {"reason": 5})), 422, "body_invalid"),
        ("oversize envelope", b"{" + b" " * 70000 + b"}", 413, "too_large"),
        # the envelope is exactly what statements.md says: its signatures, each verifying, in one form
        ("a second signature of random bytes",
         env_json(dict(good_env, signatures=[good_sig, dict(good_sig, sig=pp.b64(os.urandom(64)))])), 403,
         "bad_signature"),
        ("a second signature by another member", env(p3, pay(p3), signers=[p3.sign, parties[4].sign]), 403,
         "bad_signature"),
        ("the author's signature twice", env_json(dict(good_env, signatures=[good_sig, good_sig])), 403,
         "bad_signature"),
        ("the author's signature second", env(p3, pay(p3), signers=[parties[4].sign, p3.sign]), 403,
         "bad_signature"),
        ("keyid not hex", env_json(dict(good_env, signatures=[dict(good_sig, keyid="zz" * 8)])), 400,
         "envelope_malformed"),
        ("keyid upper-case", env_json(dict(good_env, signatures=[dict(good_sig, keyid="AB" * 8)])), 400,
         "envelope_malformed"),
        ("keyid too long", env_json(dict(good_env, signatures=[dict(good_sig, keyid=good_sig["keyid"] + "00")])),
         400, "envelope_malformed"),
        ("keyid missing", env_json(dict(good_env, signatures=[{"sig": good_sig["sig"]}])), 400,
         "envelope_malformed"),
        ("keyid of another key", env_json(dict(good_env, signatures=[dict(good_sig, keyid=hashlib.sha256(
            parties[4].pk).hexdigest()[:16])])), 403, "bad_signature"),
        ("30 KB of padding", good_bytes[:-1] + b" " * 30000 + b"}", 400, "envelope_malformed"),
        ("a final newline", good_bytes + b"\n", 400, "envelope_malformed"),
        ("pretty-printed envelope", json.dumps(good_env, indent=1).encode(), 400, "envelope_malformed"),
        ("envelope fields reordered", json.dumps(good_env, sort_keys=True, separators=(",", ":")).encode(), 400,
         "envelope_malformed"),
        ("an escaped slash", good_bytes.replace(b"/", b"\\/", 1), 400, "envelope_malformed"),
        # a revoked key never comes back, under any name; a key belongs to one party
        ("re-enroll a revoked party with its old keys", with_payload(pay(p3, "enroll", {"identity": p15.identity()})),
         409, "key_reused"),
        ("a revoked key under another name",
         with_payload(pay(p3, "enroll", {"identity": renamed(p15, "p15-again").identity()})), 409, "key_reused"),
        ("another member's key under a new name",
         with_payload(pay(p3, "enroll", {"identity": renamed(parties[4], "p99").identity()})), 409, "key_reused"),
        # names that look like a member's
        ("a look-alike name", with_payload(pay(p3, "enroll", {"identity": pp.Party("p.03").identity()})), 409,
         "name_confusable"),
        ("a revoked member's look-alike", with_payload(pay(p3, "enroll", {"identity": pp.Party("pl5").identity()})),
         409, "name_confusable"),
        ("a name in capitals", with_payload(pay(p3, "enroll", {"identity": pp.Party("P04").identity()})), 422,
         "body_invalid"),
        ("a Cyrillic homoglyph", with_payload(pay(p3, "enroll", {"identity": pp.Party("p0\u0430").identity()})), 422,
         "body_invalid"),
    ]
    # replay: a statement accepted before, sent again
    p4 = parties[4]
    replay = signed(p4)
    st, _ = srv.submit(replay, wait=True)  # in a checkpoint, so the size below is settled
    check(st == 200, "p04's statement is accepted once")
    table.append(("replayed statement", replay, 409, "seq_replayed"))
    codes = set()
    before_size = srv.size()
    before_cp = srv.request("GET", "/checkpoint")[2]
    for name, body, want_status, want_code in table:
        st, ans = srv.submit(body)
        code = (ans or {}).get("error", {}).get("code")
        check(st == want_status and code == want_code,
              "bad submission '%s': want %d %s, got %d %s (%s)" % (name, want_status, want_code, st, code,
                                                                 (ans or {}).get("error", {}).get("message")))
        check(srv.size() == before_size, "bad submission '%s' appended nothing" % name)
        codes.add(want_code)
    check(srv.request("GET", "/checkpoint")[2] == before_cp, "the checkpoint is unchanged after every refusal")
    check(len(table) >= 50, "at least 50 bad submissions (%d)" % len(table))
    # the same statement in its one form is admitted, and the log holds exactly those bytes
    st, ans = srv.submit(good_bytes, wait=True)
    check(st == 200, "the canonical envelope refused above in other forms is admitted (%d %s)" % (st, ans))
    p3.seq += 1
    check(srv.request("GET", "/v1/entries/%d" % ans["index"])[2] == good_bytes,
          "the log holds the envelope byte for byte as signed")
    print("bad submissions: %d, %d distinct codes, nothing appended" % (len(table), len(codes)))

    # --- many concurrent submitters ---
    workers = [p for p in parties[:15] if p.name != "p15"]
    per = 25
    errors = []
    receipts = []
    batches = []  # (header, origin, first, count, root) of each answer's batch acceptance

    def worker(p):
        c = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=120)
        for k in range(per):
            e = signed(p)
            wait = k % 10 == 9
            c.request("POST", "/v1/statements?wait=1" if wait else "/v1/statements", body=e,
                      headers={"Content-Type": "application/json"})
            r = c.getresponse()
            data = json.loads(r.read())
            if r.status not in (200, 201):
                errors.append((p.name, r.status, data))
                continue
            try:
                batches.append(tuple(pp.check_acceptance(data, vkey, ORIGIN, e)))
            except AssertionError as ex:
                errors.append((p.name, "acceptance", str(ex)))
            if wait:
                receipts.append((p, data))
        c.close()

    size0 = srv.size()
    t0 = time.time()
    threads = [threading.Thread(target=worker, args=(p,)) for p in workers]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    took = time.time() - t0
    check(not errors, "every concurrent statement is accepted (%s)" % errors[:3])
    time.sleep(0.2)
    check(srv.size() == size0 + per * len(workers), "the log grew by every accepted statement")
    for p, ans in receipts:
        index, ent, _ = pp.verify_tlog_proof(ans["receipt"], vkey)
        check(pp.verify_envelope(ent, p.pk)["author"] == p.name, "a concurrent receipt verifies")
    # each batch acceptance signed the root of exactly the leaves the log now holds there, and the
    # batches tile the indices: every index in one batch, none in two
    signed_batches = set(batches)
    covered = {}
    for head, origin, first, count, root in signed_batches:
        leaves = [pp.leaf_hash(srv.request("GET", "/v1/entries/%d" % i)[2])
                  for i in range(int(first), int(first) + int(count))]
        check(pp.mth(leaves) == pp.unb64(root), "batch %s+%s: its root is the log's entries there" % (first, count))
        for i in range(int(first), int(first) + int(count)):
            check(i not in covered, "index %d is in two batch acceptances" % i)
            covered[i] = first
    check(set(covered) == set(range(size0, size0 + per * len(workers))),
          "the batch acceptances cover every concurrent statement and nothing else")
    print("concurrent: %d submitters x %d statements in %.2f s, %d receipts verified, %d batch acceptances" %
          (len(workers), per, took, len(receipts), len(signed_batches)))

    # --- members-only blobs ---
    blob = os.path.join(WORK, "evidence.bin")
    with open(blob, "wb") as f:
        f.write(os.urandom(100000))
    r = run_cli("blob", "put", blob, "--key", files["p05"][0], env=cli_env)
    hexid = r.stdout.decode().strip()
    check(hexid == hashlib.sha256(open(blob, "rb").read()).hexdigest(), "blob put returns the SHA-256")
    out = os.path.join(WORK, "evidence.back")
    run_cli("blob", "get", hexid, "--out", out, "--key", files["p06"][0], env=cli_env)
    check(open(out, "rb").read() == open(blob, "rb").read(), "another member gets the same bytes back")
    st, _, _ = srv.request("GET", "/v1/blobs/" + hexid)
    check(st == 401, "an unsigned blob request is refused (%d)" % st)
    run_cli("blob", "get", hexid, "--key", files["p15"][0], env=cli_env, expect=4)  # revoked: refused, 403

    # --- a revoked party comes back only with new keys ---
    back = pp.Party("p15")
    back.seq = p15.seq
    os.makedirs(os.path.join(WORK, "back"))
    back_files = back.write(os.path.join(WORK, "back"))
    st, ans = srv.submit(signed(p3, "enroll", {"identity": back.identity()}))
    check(st == 201, "p15 is enrolled again with new keys (%d %s)" % (st, ans))
    st, ans = srv.submit(signed(back), wait=True)
    check(st == 200, "its new key signs (%d %s)" % (st, ans))
    st, ans = srv.submit(signed(p15, seq=back.seq + 1))
    check(st == 403 and ans["error"]["code"] == "bad_signature", "its revoked key still signs nothing (%d %s)" %
          (st, ans))
    run_cli("blob", "get", hexid, "--out", out + ".back", "--key", back_files[0], env=cli_env)
    check(open(out + ".back", "rb").read() == open(blob, "rb").read(), "back in, it gets blobs again")
    st, _, party = srv.request("GET", "/v1/parties/p15")
    keys = json.loads(party)["keys"]
    check(len(keys) == 2 and keys[0]["sign"] == pp.b64(p15.pk) and keys[0]["until"] is not None and
          keys[1]["sign"] == pp.b64(back.pk) and keys[1]["until"] is None, "the registry keeps both keys (%s)" % keys)

    # --- raw HTTP abuse ---
    for method, path, want in [("GET", "/v1/statements", 405), ("DELETE", "/checkpoint", 405),
                               ("GET", "/nothing", 404), ("GET", "/tile/0/../../private/log.key", 404),
                               ("GET", "/tile/00/000", 404), ("GET", "/v1/entries/01", 404),
                               ("GET", "/v1/proof/inclusion?index=x", 400),
                               ("GET", "/v1/proof/consistency?old=5&new=1", 400)]:
        st, hd, data = srv.request(method, path)
        check(st == want and json.loads(data)["error"]["code"], "%s %s answers %d (got %d)" % (method, path, want, st))
    size1 = srv.size()
    s = socket.create_connection(("127.0.0.1", srv.port))
    s.sendall(b"POST /v1/statements HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
              b"Content-Length: 1000\r\n\r\n" + signed(p3)[:200])
    p3.seq -= 1  # that one never arrives whole
    s.close()
    s = socket.create_connection(("127.0.0.1", srv.port))
    s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n" + b"X-Long: " + b"a" * 100000 + b"\r\n\r\n")
    resp = b""
    try:
        s.settimeout(10)
        while True:
            chunk = s.recv(4096)
            if not chunk:
                break
            resp += chunk
    except (ConnectionResetError, socket.timeout):
        pass
    s.close()
    check(resp == b"" or resp.split(b" ")[1] in (b"413", b"431", b"400"), "oversize headers are refused")
    time.sleep(0.3)
    check(srv.size() == size1, "a truncated body appends nothing")
    st, _, metrics = srv.request("GET", "/metrics")
    check(st == 200 and b'parley_statements_refused_total{code="bad_signature"}' in metrics,
          "metrics count refusals by code")

    # --- the tlog-tiles read API, gzip included ---
    st, hd, raw = srv.request("GET", "/tile/entries/000")
    st2, hd2, gz = srv.request("GET", "/tile/entries/000", headers={"Accept-Encoding": "gzip, identity"})
    check(st == 200 and hd.get("Content-Encoding") is None and st2 == 200 and hd2.get("Content-Encoding") == "gzip"
          and gzip.decompress(gz) == raw and len(gz) < len(raw), "bundles are gzip-compressed on request")
    st4, hd4, gz2 = srv.request("GET", "/tile/entries/000", headers={"Accept-Encoding": "gzip"})
    check(st4 == 200 and hd4.get("Content-Encoding") == "gzip" and gz2 == gz,
          "asked for again (now from the kept copy), a bundle gets the same gzip bytes")
    check("immutable" in hd.get("Cache-Control", ""), "tiles are served immutable")
    st, hd, _ = srv.request("GET", "/checkpoint")
    check(hd.get("Cache-Control") == "no-cache", "the checkpoint is served no-cache")
    st3, hd3, raw2 = srv.request("GET", "/tile/entries/000", headers={"Accept-Encoding": "gzip;q=0"})
    check(hd3.get("Content-Encoding") is None and raw2 == raw, "gzip;q=0 gets the plain bundle")
    run_cli("log", "audit", srv.url, "--vkey", vkey)  # the whole log through the server

    # --- restart keeps everything ---
    size2 = srv.size()
    st, _, cp_before = srv.request("GET", "/checkpoint")
    srv.stop()
    srv.start()
    cli_env["PARLEY_SERVER"] = srv.url
    check(srv.size() == size2, "the restarted server has every entry (%d, was %d)" % (srv.size(), size2))
    check(srv.request("GET", "/checkpoint")[2] == cp_before, "and the same checkpoint")
    st, ans = srv.submit(signed(p1))
    check(st == 201 and ans["index"] == size2, "and goes on accepting where it stopped")
    run_cli("get", str(first_python), env=cli_env)
    srv.stop()

    # --- per-party rate limit and the bounded queue: 429 with Retry-After, nothing appended ---
    srv.start("--rate", "1")
    p5 = parties[5]
    size3 = srv.size()
    limited, accepted = 0, 0
    for _ in range(6):
        st, hd, data = srv.request("POST", "/v1/statements", signed(p5), {"Content-Type": "application/json"})
        if st == 429:
            limited += 1
            p5.seq -= 1
            check(json.loads(data)["error"]["code"] == "rate_limited" and hd.get("Retry-After") == "1",
                  "a rate-limited statement gets 429 rate_limited with Retry-After")
        else:
            accepted += st == 201
    time.sleep(0.3)
    check(limited >= 3 and srv.size() == size3 + accepted, "the rate limit holds and refusals append nothing "
          "(%d limited, %d accepted)" % (limited, accepted))
    srv.stop()
    srv.start("--queue-max", "1", "--batch-ms", "200")
    # Eight requests are sent whole but for their last byte, then all finished at
    # once: the first is checked and staged (the queue counts it until published),
    # the others find the queue full.
    size4 = srv.size()
    socks, flood_parties = [], parties[6:14]
    for p in flood_parties:
        body = signed(p)
        req = ("POST /v1/statements HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
               "Content-Length: %d\r\nConnection: close\r\n\r\n" % len(body)).encode() + body
        s = socket.create_connection(("127.0.0.1", srv.port), timeout=30)
        s.sendall(req[:-1])
        socks.append((s, req[-1:], p))
    time.sleep(0.2)
    for s, last, _ in socks:
        s.sendall(last)
    full, flood_ok = [], 0
    for s, _, p in socks:
        data = b""
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
        s.close()
        head, _, payload = data.partition(b"\r\n\r\n")
        status = int(head.split(b" ", 2)[1])
        if status == 429:
            p.seq -= 1
            full.append(json.loads(payload)["error"]["code"])
        else:
            flood_ok += status == 201
    time.sleep(0.5)
    check(flood_ok >= 1 and srv.size() == size4 + flood_ok,
          "the queue admits what fits and refusals append nothing (%d accepted)" % flood_ok)
    check(full and set(full) == {"queue_full"}, "a full queue answers 429 queue_full (%s)" % full)
    srv.stop()
    # --- stopping while submissions wait for their checkpoint: each suspended request is answered
    # (the node still runs while the HTTP side drains), then the server exits; nothing is lost ---
    srv.start("--integrate-ms", "5000")
    st, ans = srv.submit(signed(parties[5]))  # integrated at once: the next checkpoint is 5 s away
    t_first = time.time()
    check(st == 201, "a statement before the stop is accepted (%s)" % st)
    waiting, answers = parties[6:14], {}

    def waiter(p):
        body = signed(p)
        try:
            c = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=60)
            c.request("POST", "/v1/statements?wait=1", body=body, headers={"Content-Type": "application/json"})
            r = c.getresponse()
            answers[p.name] = (r.status, json.loads(r.read()), body)
            c.close()
        except (OSError, ValueError) as e:
            answers[p.name] = (None, {"error": str(e)}, body)

    wthreads = [threading.Thread(target=waiter, args=(p,)) for p in waiting]
    for t in wthreads:
        t.start()
    staged = False
    while not staged and time.time() < t_first + 4:  # every one staged (counted until published), waiting
        staged = json.loads(srv.request("GET", "/healthz")[2])["queue"] == len(waiting)
        time.sleep(0.01)
    check(staged and len(answers) == 0, "the ?wait=1 submissions are all staged and still waiting when the stop "
          "begins (%s, %d answered)" % (staged, len(answers)))
    t0 = time.time()
    srv.stop()
    took = time.time() - t0
    for t in wthreads:
        t.join()
    check(len(answers) == len(waiting) and all(a[0] == 200 and "receipt" in a[1] for a in answers.values()),
          "every waiting submission was answered with its receipt before the server stopped (%s)"
          % sorted((k, a[0], a[1].get("error")) for k, a in answers.items()))
    srv.start()
    for name, (status, a, body) in answers.items():
        if status in (200, 202):
            check(srv.request("GET", "/v1/entries/%d" % a["index"])[2] == body,
                  "what %s was told is in the log after the restart" % name)
    srv.stop()
    print("stop with %d suspended submissions: answered and stopped in %.2f s" % (len(waiting), took))
    if os.geteuid() == 0:
        r = subprocess.run([PARLEY, "serve", logdir], capture_output=True, timeout=30)
        check(r.returncode == 2 and b"root" in r.stderr, "serve refuses to run as root without --allow-root")
    run_cli("log", "audit", logdir, "--vkey", vkey)

    if failures:
        print("%d checks failed" % len(failures), file=sys.stderr)
        sys.exit(1)
    print("server test: OK")


if __name__ == "__main__":
    try:
        main()
    finally:
        # never leave a server behind, whatever failed
        subprocess.run(["pkill", "-f", "parley serve " + os.path.join(WORK, "log")], capture_output=True)
