#!/usr/bin/env python3
"""The consultation workflow end to end (docs/workflow.md).

A log with four founders runs under `parley serve`. Statements are signed
here in Python (an Ed25519 nobody on the project wrote), so their times and
deadlines are chosen by the test:

- one case walks through every statement type and every state of a case,
  a request and an addressee; the views (HTTP and CLI) say what happened;
- a table of workflow violations, each refused with its own code, the log
  unchanged after every one of them;
- deadlines: with the clock injected (`now=`), overdue items appear in the
  inbox and in the report exactly when the deadline passes;
- determinism: the index the server built while serving, the one
  `parley reindex` rebuilds, and the one rebuilt after a restart print the
  same bytes.
"""
import hashlib
import http.client
import json
import os
import shutil
import signal
import subprocess
import sys
import time
import urllib.parse

# These checks run without witnesses, on purpose: members say so with --quorum 0 (cli_policy_member).
os.environ.setdefault("PARLEY_QUORUM", "0")

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import parleypy as pp  # noqa: E402

PARLEY, WORK = sys.argv[1], sys.argv[2]
ROOT = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
ORIGIN = "test.example/consult"
ACK, RESPONSE = 600, 3600  # the charter's default deadlines (seconds)
failures = []


def check(cond, what):
    if not cond:
        failures.append(what)
        print("FAIL: " + what, file=sys.stderr)
    return cond


T0 = int(time.time())


def ts(t):
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t))


class Server:
    def __init__(self, logdir):
        self.logdir, self.proc = logdir, None

    def start(self):
        portfile = os.path.join(WORK, "port")
        if os.path.exists(portfile):
            os.unlink(portfile)
        # the rules of the state machine on statements in clear: sealing is e2e.sealed's
        args = [PARLEY, "serve", self.logdir, "--listen", "127.0.0.1:0", "--port-file", portfile, "--skew", "120",
                "--accept-clear"]
        if os.geteuid() == 0:
            args.append("--allow-root")
        self.proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        for _ in range(200):
            if os.path.exists(portfile) and open(portfile).read().strip():
                break
            time.sleep(0.05)
        self.port = int(open(portfile).read())
        self.url = "http://127.0.0.1:%d" % self.port

    def stop(self):
        self.proc.send_signal(signal.SIGTERM)
        _, err = self.proc.communicate(timeout=60)
        check(self.proc.returncode == 0, "serve exits 0 on SIGTERM (%s)" % err.decode()[-300:])

    def request(self, method, path, body=None):
        c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        c.request(method, path, body=body, headers={"Content-Type": "application/json"} if body else {})
        r = c.getresponse()
        data = r.read()
        c.close()
        return r.status, data

    def get(self, path, **params):
        q = ("?" + urllib.parse.urlencode(params)) if params else ""
        st, data = self.request("GET", path + q)
        return st, json.loads(data)

    def size(self):
        return json.loads(self.request("GET", "/healthz")[1])["size"]


def main():
    shutil.rmtree(WORK, ignore_errors=True)
    os.makedirs(WORK)
    A, B, C, D = (pp.Party(n) for n in ("alpha", "beta", "gamma", "delta"))
    files = {p.name: p.write(WORK) for p in (A, B, C, D)}
    logdir = os.path.join(WORK, "log")
    init = [PARLEY, "init", logdir, "--origin", ORIGIN, "--key", files["alpha"][0], "--ack", str(ACK),
            "--response", str(RESPONSE)]
    for p in (B, C, D):
        init += ["--founder", files[p.name][1]]
    r = subprocess.run(init, capture_output=True, text=True)
    if not check(r.returncode == 0, "parley init (%s)" % r.stderr):
        return
    A.seq = 2  # the charter and the norm set published by init
    vkey = open(os.path.join(logdir, "log.vkey")).read().strip()

    # the UN GGE norm set's hash, computed independently (RFC 8785 of a strings-only object)
    gge = json.load(open(os.path.join(ROOT, "data", "norms", "un-gge-2015.json")))
    GGE = hashlib.sha256(json.dumps(gge, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
                         .encode()).hexdigest()
    check(("norm set %s" % GGE) in r.stdout, "init publishes the UN GGE set whose JCS hash Python computes")
    check(len(gge["norms"]) == 11 and gge["norms"][0]["id"] == "13(a)" and gge["norms"][10]["id"] == "13(k)",
          "the data file holds the 11 norms 13(a)-(k)")

    srv = Server(logdir)
    srv.start()
    env = dict(os.environ, PARLEY_SERVER=srv.url, PARLEY_VKEY=vkey)
    leaves = {}

    def cli(*args, key=None, expect=0):
        e = dict(env)
        if key is not None:
            e["PARLEY_KEY"] = files[key.name][0]
        res = subprocess.run([PARLEY] + list(args), capture_output=True, text=True, env=e)
        check(res.returncode == expect, "parley %s exits %d (got %d: %s)" % (" ".join(args), expect, res.returncode,
                                                                           res.stderr.strip()[-400:]))
        return res

    def leaf(i):
        if i not in leaves:
            st, data = srv.request("GET", "/v1/entries/%d" % i)
            assert st == 200, "entry %d: %d" % (i, st)
            leaves[i] = pp.b64(hashlib.sha256(b"\x00" + data).digest())
        return leaves[i]

    def stmt(p, ptype, body, refs=(), when=None, seq=None):
        if seq is None:
            p.seq += 1
            seq = p.seq
        r = [{"index": i, "leaf": leaf(i)} for i in refs]
        return pp.envelope([p.sign], pp.payload(ORIGIN, ptype, p.name, seq, ts(when or int(time.time())), body,
                                                r or None))

    def ok(p, ptype, body, refs=(), when=None):
        st, data = srv.request("POST", "/v1/statements?wait=1", stmt(p, ptype, body, refs, when))
        ans = json.loads(data)
        check(st in (200, 201), "%s %s by %s accepted (got %d %s)" % (ptype, json.dumps(body)[:80], p.name, st, ans))
        return ans.get("index", -1)

    def refused(code, p, ptype, body, refs=(), when=None):
        before = srv.size()
        st, data = srv.request("POST", "/v1/statements", stmt(p, ptype, body, refs, when))
        p.seq -= 1
        got = json.loads(data).get("error", {}).get("code") if data else None
        check(400 <= st < 500 and got == code, "%s by %s refused with %s (got %d %s)" % (ptype, p.name, code, st, got))
        return got

    # ---------------- the scenario: every type, every state ----------------
    ping = ok(A, "ping", {"to": ["beta", "gamma"], "note": "monthly check"})
    ok(B, "pong", {"ping": ping}, [ping])
    for p in (A, B):
        ok(p, "norms.subscribe", {"set": GGE})
    extra = {"name": "Working group addendum", "version": "1",
             "norms": [{"id": "X1", "short": "Answer pings", "gist": "answer communication checks within a day"}]}
    EXTRA = hashlib.sha256(json.dumps(extra, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
                           .encode()).hexdigest()
    ok(C, "norms.publish", extra)
    ok(B, "norms.subscribe", {"set": EXTRA})
    ok(B, "norms.withdraw", {"set": GGE, "reason": "under review"})

    case = ok(A, "concern", {"title": "Scanning of the grid operator", "class": "information-gathering",
                             "rsit_type": "scanner", "tlp": "TLP:AMBER", "summary": "Persistent scanning from AS64500",
                             "recipients": ["beta", "gamma"], "norms": {"set": GGE, "ids": ["13(c)", "13(h)"]},
                             "evidence": [{"sha256": "ab" * 32, "name": "scan.pcap"}]})
    now = int(time.time())
    r1 = ok(A, "request", {"case": case, "kind": "information", "to": ["beta"], "text": "Who runs 192.0.2.7?",
                           "due": ts(now + 90), "due_reason": "the maintenance window closes"}, [case])
    ok(B, "ack", {"request": r1, "note": "looking into it"}, [r1])
    ok(A, "status", {"request": r1, "kind": "query"}, [r1])
    ok(B, "status", {"request": r1, "kind": "update", "text": "provider contacted"}, [r1])
    ok(B, "response", {"request": r1, "status": "postponed", "reasons": "awaiting the provider",
                       "until": ts(now + 100)}, [r1])
    ok(B, "response", {"request": r1, "status": "granted", "text": "a hosting customer; notified"}, [r1])
    pres = {"authority": "National CERT of A", "offence": "illegal access (Budapest art. 2)",
            "facts": "scans followed by intrusion attempts", "data": "netflow for 192.0.2.7, 1-20 Nov",
            "relationship": "shows who controlled the scanner", "custodian": "the hosting provider of 192.0.2.7",
            "necessity": "netflow is kept for 30 days", "mla_intent": True}
    r2 = ok(A, "request", {"case": case, "kind": "preservation", "to": ["beta", "gamma"],
                           "text": "Please preserve", "preservation": pres}, [case])
    ok(C, "response", {"request": r2, "status": "granted", "preserved_until": ts(int(time.time()) + 61 * 86400)}, [r2])
    ok(B, "response", {"request": r2, "status": "refused", "reasons": "the data is not on our territory"}, [r2])
    r3 = ok(B, "request", {"case": case, "kind": "consultation", "to": ["alpha"], "text": "Call on Monday?",
                           "due": ts(int(time.time()) + 60), "due_reason": "before the ministers meet"}, [case])
    ok(B, "withdraw", {"request": r3, "reason": "met in person"}, [r3])
    r4 = ok(A, "request", {"case": case, "kind": "assistance", "to": ["gamma"], "text": "Take the scanner down",
                           "due": ts(int(time.time()) + 30), "due_reason": "the scans escalate"}, [case])
    r5 = ok(C, "request", {"case": case, "kind": "evidence", "to": ["alpha"], "text": "Send the full capture"},
            [case])

    # views while the case is open
    st, inbox = srv.get("/v1/inbox/gamma")
    check(st == 200 and [i["id"] for i in inbox["items"]] == [r4, ping] and inbox["items"][0]["awaiting"] == "ack"
          and inbox["items"][1]["awaiting"] == "pong" and not inbox["items"][0]["overdue"],
          "gamma's inbox: request %d (acknowledgement awaited, nearest deadline first), then ping %d (%s)"
          % (r4, ping, inbox))
    st, later = srv.get("/v1/inbox/gamma", now=ts(int(time.time()) + 7200))
    check(st == 200 and later["items"] and later["items"][0]["overdue"] and later["items"][0]["seconds_left"] < 0,
          "two hours on, request %d is overdue in gamma's inbox" % r4)
    st, ainbox = srv.get("/v1/inbox/alpha")
    check(st == 200 and [i["id"] for i in ainbox["items"]] == [r5], "alpha's inbox holds gamma's request %d" % r5)
    st, cinbox = srv.get("/v1/inbox/gamma", limit=1)
    check(st == 200 and cinbox["total"] == 2 and cinbox["next"] == 1 and len(cinbox["items"]) == 1,
          "inbox pages (total, next)")
    res = cli("inbox", "--party", "gamma", "--now", ts(int(time.time()) + 7200))
    check("OVERDUE request %d" % r4 in res.stdout, "`parley inbox --now` marks it overdue:\n" + res.stdout)

    refused("not_case_author", B, "close", {"case": case, "outcome": "resolved"}, [case])
    ok(A, "close", {"case": case, "outcome": "resolved", "text": "the scanner is gone"}, [case])

    st, c = srv.get("/v1/cases/%d" % case)
    check(st == 200 and c["state"] == "closed" and c["outcome"] == "resolved" and c["norms"] == "13(c),13(h)",
          "the case is closed, resolved, with its norms (%s)" % {k: c.get(k) for k in ("state", "outcome", "norms")})
    reqs = {r["id"]: r for r in c.get("requests", [])}
    prog = lambda rid, party: next(t for t in reqs[rid]["addressees"] if t["party"] == party)
    check(reqs[r1]["state"] == "answered" and prog(r1, "beta")["progress"] == "answered"
          and prog(r1, "beta")["status"] == "granted" and prog(r1, "beta")["responses"] == 2,
          "request %d: beta postponed, then granted (%s)" % (r1, reqs[r1]))
    check(prog(r2, "gamma")["status"] == "granted" and prog(r2, "gamma")["preserved_until"] is not None
          and prog(r2, "beta")["status"] == "refused" and reqs[r2]["state"] == "answered", "request %d: preservation granted by gamma, refused by beta" % r2)
    check(reqs[r3]["state"] == "withdrawn" and prog(r3, "alpha")["progress"] == "ended",
          "request %d was withdrawn" % r3)
    check(reqs[r4]["state"] == "closed" and reqs[r5]["state"] == "closed", "the close ended the open requests")
    check(reqs[r1]["queries"] == 1 and reqs[r1]["updates"] == 1, "status query and update are counted")
    types = [e["type"] for e in c["thread"]]
    check(types[0] == "concern" and types[-1] == "close" and len(types) == 15,
          "the thread holds the case's 15 statements in log order (%s)" % types)
    st, cases = srv.get("/v1/cases", party="gamma", state="closed")
    check(st == 200 and cases["total"] == 1 and cases["cases"][0]["id"] == case, "cases filter by party and state")
    st, none = srv.get("/v1/cases", party="gamma", state="open")
    check(st == 200 and none["total"] == 0, "no open case remains")
    res = cli("case", "show", str(case))
    check(res.stdout.count("[ok]") == 15 and "FAILED" not in res.stdout,
          "`parley case show` verifies the signature, inclusion and quorum of every statement:\n" + res.stdout)
    res = cli("case", "show", str(case), "--json")
    marks = [e["verified"] for e in json.loads(res.stdout)["thread"]]
    check(all(m == {"signature": True, "inclusion": True, "quorum": True} for m in marks), "--json carries the marks")

    st, norms = srv.get("/v1/norms")
    check(st == 200 and [s["hash"] for s in norms["sets"]] == [GGE, EXTRA], "both norm sets are listed")
    st, gs = srv.get("/v1/norms/" + GGE)
    check(st == 200 and [s["party"] for s in gs["subscribed"]] == ["alpha"] and len(gs["norms"]) == 11,
          "the GGE set: 11 norms, alpha subscribed (beta withdrew)")
    check(srv.get("/v1/norms/" + "00" * 32)[0] == 404, "an unknown set is 404")
    check(srv.get("/v1/cases/999999")[0] == 404, "an unknown case is 404")
    check(srv.get("/v1/inbox/gamma", limit="0")[0] == 400, "a bad limit is 400")
    res = cli("norms", "show", GGE)
    check("13(k)" in res.stdout and "alpha" in res.stdout, "`parley norms show` lists the norms and subscribers")

    # ---------------- violations: each its own code, nothing appended ----------------
    size0 = srv.size()
    live = ok(A, "concern", {"title": "Second case", "class": "availability", "tlp": "TLP:GREEN",
                             "summary": "DDoS on the ministry", "recipients": ["beta"]})
    rq = ok(A, "request", {"case": live, "kind": "mitigation", "to": ["beta"], "text": "Filter AS64501",
                           "due": ts(int(time.time()) + 3000), "due_reason": "ongoing attack"}, [live])
    pq = ok(A, "request", {"case": live, "kind": "preservation", "to": ["beta"], "text": "Keep the logs",
                           "preservation": pres}, [live])
    ok(B, "ack", {"request": rq}, [rq])
    ping2 = ok(C, "ping", {})
    rq2 = ok(A, "request", {"case": live, "kind": "information", "to": ["beta"], "text": "Sources?"}, [live])
    ok(B, "response", {"request": rq2, "status": "partly_granted", "text": "some of them"}, [rq2])
    grp = {"tlp": "TLP:CLEAR", "kind": "bilateral", "invited": ["beta"], "due": ts(int(time.time()) + 14 * 86400),
           "name": "Standing group on the grid", "mandate": "study every concern", "due_reason": "before the summit"}
    gid = ok(A, "group.propose", grp)
    ok(B, "group.answer", {"group": gid, "answer": "accept"}, [gid])
    g2 = ok(C, "group.propose", dict(grp, kind="multilateral", invited=["alpha", "delta"]))
    size1 = srv.size()
    codes = []
    V = lambda *a, **k: codes.append(refused(*a, **k))
    V("type_unknown", A, "gossip", {})
    V("not_a_ping", A, "pong", {"ping": live}, [live])
    V("not_addressed", C, "pong", {"ping": ping2}, [ping2])
    V("already_answered", B, "pong", {"ping": ping}, [ping])
    V("norms_unknown", A, "norms.subscribe", {"set": "11" * 32})
    V("already_subscribed", A, "norms.subscribe", {"set": GGE})
    V("not_subscribed", C, "norms.withdraw", {"set": GGE})
    V("norms_duplicate", C, "norms.publish", extra)
    V("body_invalid", C, "norms.publish", {"name": "x", "version": "1", "norms": [
        {"id": "a", "short": "s", "gist": "g"}, {"id": "a", "short": "s", "gist": "g"}]})
    base = {"title": "t", "class": "fraud", "tlp": "TLP:RED", "summary": "s", "recipients": ["beta"]}
    V("unknown_party", A, "concern", dict(base, recipients=["nobody"]))
    V("self_addressed", A, "concern", dict(base, recipients=["alpha"]))
    V("rsit_unknown", A, "concern", dict(base, **{"class": "espionage"}))
    V("tlp_unknown", A, "concern", dict(base, tlp="TLP:WHITE"))
    V("norm_unknown", A, "concern", dict(base, norms={"set": GGE, "ids": ["13(z)"]}))
    V("case_unknown", A, "request", {"case": rq, "kind": "information", "to": ["beta"], "text": "?"}, [rq])
    V("case_closed", A, "request", {"case": case, "kind": "information", "to": ["beta"], "text": "?"}, [case])
    V("not_participant", D, "request", {"case": live, "kind": "information", "to": ["beta"], "text": "?"}, [live])
    V("addressee_not_participant", A, "request", {"case": live, "kind": "information", "to": ["delta"],
                                                 "text": "?"}, [live])
    V("kind_unknown", A, "request", {"case": live, "kind": "extradition", "to": ["beta"], "text": "?"}, [live])
    V("date_past", A, "request", {"case": live, "kind": "information", "to": ["beta"], "text": "?",
                                  "due": ts(int(time.time()) - 60), "due_reason": "r"}, [live])
    V("due_reason_missing", A, "request", {"case": live, "kind": "information", "to": ["beta"], "text": "?",
                                           "due": ts(int(time.time()) + 600)}, [live])
    V("preservation_fields", A, "request", {"case": live, "kind": "preservation", "to": ["beta"], "text": "?",
                                            "preservation": dict(pres, mla_intent=False)}, [live])
    V("ref_missing", A, "request", {"case": live, "kind": "information", "to": ["beta"], "text": "?"})
    V("request_unknown", B, "ack", {"request": live}, [live])
    V("not_addressed", C, "ack", {"request": rq}, [rq])
    V("already_acknowledged", B, "ack", {"request": rq}, [rq])
    V("reasons_missing", B, "response", {"request": rq, "status": "refused"}, [rq])
    V("until_missing", B, "response", {"request": rq, "status": "postponed", "reasons": "busy"}, [rq])
    V("status_unknown", B, "response", {"request": rq, "status": "maybe"}, [rq])
    V("preservation_expiry_missing", B, "response", {"request": pq, "status": "granted"}, [pq])
    V("preservation_too_short", B, "response", {"request": pq, "status": "granted",
                                                "preserved_until": ts(int(time.time()) + 59 * 86400)}, [pq])
    V("not_requester", B, "status", {"request": rq, "kind": "query"}, [rq])
    V("not_requester", B, "withdraw", {"request": rq}, [rq])
    V("outcome_unknown", A, "close", {"case": live, "outcome": "victory"}, [live])
    V("already_answered", B, "response", {"request": rq2, "status": "granted"}, [rq2])
    V("already_answered", A, "withdraw", {"request": rq2}, [rq2])
    V("case_closed", B, "ack", {"request": r4}, [r4])
    V("case_closed", A, "close", {"case": case, "outcome": "resolved"}, [case])
    V("request_withdrawn", A, "response", {"request": r3, "status": "granted"}, [r3])
    # standing groups (docs/groups.md)
    V("invited_count", A, "group.propose", dict(grp, invited=["beta", "gamma"]))
    V("group_kind_unknown", A, "group.propose", dict(grp, kind="trilateral"))
    V("due_reason_missing", A, "group.propose", {k: v for k, v in grp.items() if k != "due_reason"})
    V("group_unknown", B, "group.answer", {"group": live, "answer": "accept"}, [live])
    V("answer_unknown", B, "group.answer", {"group": gid, "answer": "maybe"}, [gid])
    V("not_invited", C, "group.answer", {"group": gid, "answer": "accept"}, [gid])
    V("already_answered", B, "group.answer", {"group": gid, "answer": "decline", "reasons": "changed"}, [gid])
    V("reasons_missing", B, "group.leave", {"group": gid}, [gid])
    V("not_group_member", C, "group.leave", {"group": gid, "reasons": "r"}, [gid])
    V("not_convener", B, "group.dissolve", {"group": gid, "reasons": "r"}, [gid])
    time.sleep(0.3)
    check(srv.size() == size1, "the %d refusals appended nothing (size %d, was %d)" % (len(codes), srv.size(), size1))
    check(len(set(codes)) >= 37, "at least 37 distinct refusal codes (%d)" % len(set(codes)))
    check(size1 == size0 + 10, "only the ten valid statements were appended")
    # the groups' views: public fields, answers, silence judged at the clock given
    st, gl = srv.get("/v1/groups")
    check(st == 200 and [g["id"] for g in gl["groups"]] == [g2, gid] and gl["total"] == 2, "two groups (%s)" % gl)
    st, gl = srv.get("/v1/groups", party="delta")
    check([g["id"] for g in gl["groups"]] == [g2], "delta is in one group (%s)" % gl)
    st, gl = srv.get("/v1/groups", state="established")
    check([(g["id"], g["members"], g["invited"]) for g in gl["groups"]] == [(gid, 1, 1)],
          "one established group, one member of one invited (%s)" % gl)
    st, g = srv.get("/v1/groups/%d" % gid)
    parties = {p["party"]: p for p in g.get("parties", [])}
    check(st == 200 and g["state"] == "established" and g["kind"] == "bilateral" and
          parties["alpha"]["role"] == "proposer" and parties["beta"]["answer"] == "accept" and
          not parties["beta"]["late"] and not parties["beta"]["silent"] and len(g["thread"]) == 2,
          "the bilateral group: established, beta accepted on time (%s)" % g)
    st, g = srv.get("/v1/groups/%d" % g2)
    check(not g["lapsed"] and not any(p["silent"] for p in g["parties"]), "before its deadline nobody is silent")
    st, g = srv.get("/v1/groups/%d" % g2, now=ts(int(time.time()) + 30 * 86400))
    check(g["lapsed"] and sorted(p["party"] for p in g["parties"] if p["silent"]) == ["alpha", "delta"],
          "a month on, alpha and delta left gamma's offer unanswered (%s)" % g)
    check(srv.get("/v1/groups/999999")[0] == 404 and srv.get("/v1/groups", state="maybe")[0] == 400,
          "an unknown group is 404, an unknown state 400")
    st, rep_g = srv.get("/v1/report", now=ts(int(time.time()) + 30 * 86400))
    grs = {p["party"]: p["groups"] for p in rep_g["parties"]}
    check(grs["alpha"]["offered"] == 1 and grs["alpha"]["offers"] == {"accepted": 1, "declined": 0, "unanswered": 0}
          and grs["gamma"]["offers"]["unanswered"] == 1 and grs["beta"]["answers"]["accepted"] == 1
          and grs["alpha"]["answers"]["silent"] == 1 and grs["delta"]["answers"]["silent"] == 1
          and grs["beta"]["answers"]["silent"] == 0, "the report: offers made and how they went, silences (%s)" % grs)
    st, rep_g = srv.get("/v1/report", party="delta")
    check(rep_g["parties"][0]["groups"]["answers"]["silent"] == 0 and rep_g["parties"][0]["groups"]["invited"] == 1,
          "before the deadline delta is invited, not silent")

    # ---------------- consultation sessions: cancelled citing a case; held, minutes endorsed ----------------
    def sess(p, who, start, extra=None):
        body = {"tlp": "TLP:CLEAR", "participants": who, "window": {"from": ts(start), "until": ts(start + 7200)},
                "due": ts(start - 1), "agenda": ["the DDoS on the ministry"], "format": "virtual",
                "due_reason": "before it starts"}
        body.update(extra or {})
        return ok(p, "session.propose", body, [live] if "threads" in body else [])
    s1 = sess(C, ["alpha"], int(time.time()) + 3600)
    ok(A, "session.cancel", {"session": s1, "cites": live, "reasons": "not right after that attack"}, [s1, live])
    V2 = lambda *a, **k: check(refused(*a, **k) == a[0], "refused with %s" % a[0])
    V2("session_ended", C, "session.reschedule", {"session": s1, "window": {"from": ts(int(time.time()) + 7200),
                                                                             "until": ts(int(time.time()) + 9000)},
                                                   "reasons": "r"}, [s1])
    start = int(time.time()) + 2
    s2 = sess(A, ["beta"], start, {"threads": [live]})
    ok(B, "session.answer", {"session": s2, "answer": "accept"}, [s2])
    V2("session_not_held", B, "session.outcome", {"session": s2, "kind": "minutes", "text": "t"}, [s2])
    time.sleep(max(0, start + 1 - time.time()))
    ok(A, "session.held", {"session": s2, "held_at": ts(start)}, [s2])
    out_id = ok(B, "session.outcome", {"session": s2, "kind": "minutes", "text": "filtering agreed"}, [s2])
    st, inbox_a = srv.get("/v1/inbox/alpha")
    check(any(i["item"] == "outcome" and i["id"] == out_id for i in inbox_a["items"]),
          "alpha's inbox: the minutes await its position (%s)" % inbox_a["items"])
    ok(A, "outcome.endorse", {"outcome": out_id, "position": "endorse"}, [out_id])
    st, sv = srv.get("/v1/sessions/%d" % s2)
    check(st == 200 and sv["state"] == "held" and not sv["outcomes"][0]["agreed"], "held, minutes not agreed yet (%s)" % sv)
    ok(B, "outcome.endorse", {"outcome": out_id, "position": "endorse"}, [out_id])
    V2("already_endorsed", B, "outcome.endorse", {"outcome": out_id, "position": "dissent", "note": "n"}, [out_id])
    st, sv = srv.get("/v1/sessions/%d" % s2)
    check(sv["outcomes"][0]["agreed"] and sorted(p["position"] for p in sv["outcomes"][0]["positions"]) ==
          ["endorse", "endorse"] and [e["type"] for e in sv["thread"]] ==
          ["session.propose", "session.answer", "session.held", "session.outcome", "outcome.endorse", "outcome.endorse"],
          "the minutes are agreed by both, the thread in order (%s)" % sv)
    st, sv = srv.get("/v1/sessions/%d" % s1)
    check(sv["state"] == "cancelled" and sv["cancelled_by"] == "alpha" and sv["cites"] == live,
          "alpha cancelled gamma's session citing case %d (%s)" % (live, sv))
    st, sl = srv.get("/v1/sessions", party="beta")
    check([s["id"] for s in sl["sessions"]] == [s2], "beta takes part in one session (%s)" % sl)
    st, rep_s = srv.get("/v1/report")
    ss = {p["party"]: p["sessions"] for p in rep_s["parties"]}
    check(ss["gamma"]["proposed"] == 1 and ss["gamma"]["cancelled"] == 1 and ss["alpha"]["cancellations_made"] == 1
          and ss["alpha"]["held"] == 1 and ss["beta"]["outcomes"]["endorsed"] == 1
          and isinstance(ss["beta"]["outcomes"]["median_seconds_to_endorse"], int),
          "the report: sessions proposed, held, cancelled and by whom, endorsements (%s)" % ss)
    check(srv.get("/v1/sessions/999999")[0] == 404 and srv.get("/v1/sessions", state="maybe")[0] == 400,
          "an unknown session is 404, an unknown state 400")
    res = cli("ack", str(rq), key=B, expect=4)
    check("already_acknowledged" in res.stderr, "the CLI shows the refusal's code (%s)" % res.stderr.strip())
    # answering an entry that does not exist: the reference is taken from the member's verified copy of
    # the log, not from the server, so nothing is signed or sent: exit 3, like reading it
    before = srv.size()
    for args in (["ack", "999999"], ["respond", "999999", "--status", "granted", "--text", "t"]):
        res = cli(*args, key=B, expect=3)
        check("entry 999999 does not exist" in res.stderr, "parley %s says the entry does not exist: %s"
              % (args[0], res.stderr.strip()))
    check(srv.size() == before, "nothing was appended")
    # reading one is answered by the member's verified copy of the log, not by the server: exit 3
    res = cli("get", "999999", key=B, expect=3)
    check("entry 999999 does not exist" in res.stderr, "parley get says the entry does not exist: %s" % res.stderr.strip())
    res = cli("case", "show", "999999", key=B, expect=3)
    check("entry 999999 is not a case" in res.stderr, "parley case show says it is no case: %s" % res.stderr.strip())

    # ---------------- deadlines with an injected clock ----------------
    st, rep_now = srv.get("/v1/report", party="gamma")
    g = rep_now["parties"][0]
    check(g["requests"]["received"] == 2 and g["requests"]["answered"]["on_time"] == 1,
          "gamma: two requests received, one answered on time (%s)" % g["requests"])
    check(g["pings"] == {"received": 1, "answered": 0, "answer_rate": 0.0}, "gamma never answered its ping")
    st, rep = srv.get("/v1/report", now=ts(T0 + 10 * 86400))
    by = {p["party"]: p for p in rep["parties"]}
    b = by["beta"]
    check(b["pings"] == {"received": 2, "answered": 1, "answer_rate": 0.5} and b["concerns"]["received"] == 2 and by["alpha"]["concerns"]["raised"] == 2,
          "beta answered one ping of two; concerns raised and received are counted")
    check(b["requests"]["acknowledged"]["on_time"] >= 2 and b["requests"]["answered"]["never"] == 2,
          "ten days on: beta never answered the mitigation and preservation requests (%s)" % b["requests"])
    check(by["alpha"]["norms"] == [{"hash": GGE, "name": gge["name"]}] and
          [n["hash"] for n in b["norms"]] == [EXTRA], "norm subscriptions per party")
    st, early = srv.get("/v1/report", party="beta", now=ts(int(time.time())))
    check(early["parties"][0]["requests"]["answered"]["pending"] == 2 and
          early["parties"][0]["requests"]["answered"]["never"] == 0,
          "before the deadline the same requests are pending, not missed")
    check(isinstance(b["median_seconds"]["to_acknowledge"], int), "a median time to acknowledge is reported")
    res = cli("report", "--now", ts(T0 + 10 * 86400))
    check("never" in res.stdout and "gamma" in res.stdout, "`parley report` prints every party")

    # ---------------- determinism ----------------
    def dump(extra_args=("--dump-only",)):
        res = subprocess.run([PARLEY, "reindex", logdir] + list(extra_args), capture_output=True)
        check(res.returncode == 0, "reindex %s (%s)" % (" ".join(extra_args), res.stderr.decode()[-300:]))
        return res.stdout

    final = srv.size()
    for _ in range(100):
        if srv.get("/v1/cases")[1].get("indexed") == final:
            break
        time.sleep(0.05)
    served = dump()
    check(served.count(b"\nentries\t") + served.startswith(b"entries\t") == final,
          "the served index holds every entry (%d)" % final)
    busy = subprocess.run([PARLEY, "reindex", logdir], capture_output=True)
    check(busy.returncode != 0 and b"held by another process" in busy.stderr, "reindex refuses while serving")
    srv.stop()
    rebuilt = dump(("--dump",))
    check(rebuilt == served, "parley reindex rebuilds the same index, byte for byte (%d bytes)" % len(served))
    check(dump(("--verify", "--dump")) == served, "with every signature checked again too")
    os.unlink(os.path.join(logdir, "private", "index.db"))
    srv.start()
    for _ in range(200):
        if srv.get("/v1/cases")[1].get("indexed") == final:
            break
        time.sleep(0.05)
    check(dump() == served, "a restarted server rebuilds the same index")
    srv.stop()
    subprocess.run(["cp", "-r", logdir, logdir + "-copy"], check=True)
    res = subprocess.run([PARLEY, "report", "--log", logdir + "-copy", "--json", "--now", ts(T0 + 10 * 86400)],
                         capture_output=True, text=True)
    check(res.returncode == 0 and json.loads(res.stdout)["parties"] == rep["parties"],
          "any member recomputes the same report from a copy of the log")

    if failures:
        print("%d checks failed" % len(failures), file=sys.stderr)
        sys.exit(1)
    print("workflow test: OK (%d entries, %d refusal codes)" % (final, len(set(codes))))


if __name__ == "__main__":
    try:
        main()
    finally:
        subprocess.run(["pkill", "-f", "parley serve " + os.path.join(WORK, "log")], capture_output=True)
