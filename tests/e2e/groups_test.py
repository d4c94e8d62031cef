#!/usr/bin/env python3
"""Standing groups end to end (docs/groups.md, issue 16), through the CLI.

A log with four founders runs under `parley serve`:

- alpha offers beta a bilateral TLP:AMBER working group, its name and
  mandate carrying canaries; beta, a reader, sees them in `group show`;
  gamma, outside the group, does not; neither the server's answers nor its
  directory hold a canary in any decoded form; beta's inbox lists the
  invitation;
- beta stays silent: at a clock past the deadline `group show` says SILENT,
  the offer lapsed, and the report counts the offer unanswered and beta
  silent; before the deadline nobody is;
- alpha and gamma form a multilateral group with delta invited: gamma
  accepts naming an expert, delta declines with sealed reasons (refused on
  the client without them, nothing appended); gamma leaves, alpha
  dissolves; an answer after that is refused (group_dissolved) and the log
  does not grow;
- a TLP:CLEAR group stays in clear;
- alpha and gamma form a group; a session in it is cancelled by gamma citing
  a concern (who, when and the citation public, the reasons sealed); a later
  session is held, its minutes recorded and endorsed by both (after a
  dissent): agreed; the report counts gamma's cancellation.
"""
import json
import os
import shutil
import subprocess
import sys
import time
import urllib.request

os.environ.setdefault("PARLEY_QUORUM", "0")  # no witnesses here, on purpose (cli_policy_member)

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import parleypy as pp  # noqa: E402
from canary import found, walk  # noqa: E402

PARLEY, WORK = sys.argv[1], sys.argv[2]
ORIGIN = "test.example/groups"
failures = []
C_NAME = "CANARYGROUPNAME5e1f0a"
C_MANDATE = "CANARYMANDATE93b2c7"
C_EXPERT = "CANARYEXPERT0d7a64"
C_DECLINE = "CANARYDECLINE4f8e21"
C_LEAVE = "CANARYLEAVE71c3b9"
C_AGENDA = "CANARYAGENDA6b0e3d"
C_CANCEL = "CANARYCANCEL2f95a1"
C_MINUTES = "CANARYMINUTES8c4d07"
C_DISSENT = "CANARYDISSENT3a7f52"
SEALED = [C_NAME, C_MANDATE, C_EXPERT, C_DECLINE, C_LEAVE, C_AGENDA, C_CANCEL, C_MINUTES, C_DISSENT]
C_CLEAR = "CANARYCLEARGROUP2a6d58"


def check(cond, what):
    if not cond:
        failures.append(what)
        print("FAIL: " + what, file=sys.stderr)
    return cond


def ts(t):
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t))


def get(url):
    with urllib.request.urlopen(url, timeout=60) as r:
        return r.read()


def main():
    shutil.rmtree(WORK, ignore_errors=True)
    os.makedirs(WORK)
    parties = {n: pp.Party(n) for n in ("alpha", "beta", "gamma", "delta")}
    files = {n: p.write(WORK) for n, p in parties.items()}
    logdir = os.path.join(WORK, "log")
    init = [PARLEY, "init", logdir, "--origin", ORIGIN, "--key", files["alpha"][0]]
    for n in ("beta", "gamma", "delta"):
        init += ["--founder", files[n][1]]
    r = subprocess.run(init, capture_output=True, text=True)
    if not check(r.returncode == 0, "parley init (%s)" % r.stderr):
        return
    vkey = open(os.path.join(logdir, "log.vkey")).read().strip()
    with pp.Serving(PARLEY, logdir, WORK) as srv:
        run(srv.url, vkey, files, logdir)


def run(url, vkey, files, logdir):
    def cli(who, *args, expect=0):
        e = dict(os.environ, PARLEY_SERVER=url, PARLEY_VKEY=vkey, PARLEY_KEY=files[who][0],
                 PARLEY_DATA_DIR=os.path.join(WORK, "data-" + who))
        res = subprocess.run([PARLEY] + list(args), capture_output=True, text=True, env=e)
        check(res.returncode == expect, "%s: parley %s exits %d (got %d: %s)" % (
            who, " ".join(args), expect, res.returncode, res.stderr.strip()[-400:]))
        return res

    def index_of(r):
        return json.loads(r.stdout.strip().splitlines()[-1])["index"]

    def size():
        return json.loads(get(url + "/healthz"))["size"]

    now = int(time.time())
    due = ts(now + 86400)
    later = ts(now + 3 * 86400)

    # ---- a bilateral offer, sealed, left unanswered ----
    r = cli("alpha", "group", "propose", "--kind", "bilateral", "--invite", "beta", "--tlp", "TLP:AMBER", "--due", due,
            "--due-reason", "before the ministers meet", "--name", "Grid incidents " + C_NAME, "--mandate",
            "study every concern " + C_MANDATE, "--wait", "--json")
    if not check(r.returncode == 0, "alpha offers beta a group"):
        return
    g1 = index_of(r)
    out = cli("beta", "group", "show", str(g1)).stdout
    check(C_NAME in out and C_MANDATE in out and "invited, no answer yet" in out,
          "beta, invited, reads the offer: %s" % out)
    out = cli("gamma", "group", "show", str(g1)).stdout
    check(not found(out.encode(), SEALED) and "bilateral" in out, "gamma sees the offer, not its name: %s" % out)
    out = cli("beta", "inbox").stdout
    check("invitation to bilateral group %d from alpha" % g1 in out, "beta's inbox lists the invitation: %s" % out)
    out = cli("alpha", "groups").stdout
    check(C_NAME in out, "alpha's `groups` lists the opened name: %s" % out)

    out = cli("beta", "group", "show", str(g1), "--now", later).stdout
    check("SILENT" in out and "passed with no acceptance" in out, "three days on, beta is silent: %s" % out)
    rep = json.loads(cli("alpha", "report", "--now", later, "--json").stdout)
    grs = {p["party"]: p["groups"] for p in rep["parties"]}
    check(grs["alpha"]["offers"]["unanswered"] == 1 and grs["beta"]["answers"]["silent"] == 1,
          "the report: alpha's offer unanswered, beta silent (%s)" % grs)
    rep = json.loads(cli("alpha", "report", "--json").stdout)
    check({p["party"]: p["groups"] for p in rep["parties"]}["beta"]["answers"]["silent"] == 0,
          "before the deadline beta is not silent")

    # ---- a multilateral group: accepted, declined with reasons, left, dissolved ----
    r = cli("alpha", "group", "propose", "--kind", "multilateral", "--invite", "gamma,delta", "--tlp", "TLP:AMBER",
            "--due", due, "--due-reason", "the next incident season", "--name", "Regional CERTs", "--mandate", "share",
            "--cadence", "monthly", "--wait", "--json")
    g2 = index_of(r)
    cli("gamma", "group", "answer", str(g2), "--accept", "--expert", "Dr. G. " + C_EXPERT, "--wait")
    before = size()
    r = cli("delta", "group", "answer", str(g2), "--decline", expect=2)
    check("reasons_missing" in r.stderr and size() == before,
          "declining without reasons is refused before signing (%s)" % r.stderr.strip()[-200:])
    cli("delta", "group", "answer", str(g2), "--decline", "--reasons", "no capacity " + C_DECLINE, "--wait")
    out = cli("gamma", "group", "show", str(g2)).stdout
    check(C_DECLINE in out and "gamma" in out and "accepted" in out and "declined" in out,
          "gamma reads delta's sealed reasons in the thread: %s" % out)
    js = json.loads(cli("alpha", "group", "show", str(g2), "--json").stdout)
    check(js.get("state") == "established" and js.get("cadence") == "monthly", "alpha's --json: established (%s)" % js)
    out = cli("beta", "group", "show", str(g2)).stdout
    check(not found(out.encode(), SEALED), "beta, not invited, reads no reason")
    cli("gamma", "group", "leave", str(g2), "--reasons", "mandate fulfilled " + C_LEAVE, "--wait")
    r = cli("delta", "group", "leave", str(g2), "--reasons", "x", expect=4)
    check("not_group_member" in r.stderr, "delta, who declined, cannot leave (%s)" % r.stderr.strip()[-200:])
    r = cli("gamma", "group", "dissolve", str(g2), "--reasons", "x", expect=4)
    check("not_convener" in r.stderr, "only the proposer dissolves (%s)" % r.stderr.strip()[-200:])
    cli("alpha", "group", "dissolve", str(g2), "--reasons", "no members left", "--wait")
    before = size()
    cli("beta", "group", "answer", str(g1), "--accept", "--wait")  # within the deadline: established
    r = cli("delta", "group", "answer", str(g2), "--accept", expect=4)
    check("group_dissolved" in r.stderr or "already_answered" in r.stderr, "nothing is said in a dissolved group (%s)"
          % r.stderr.strip()[-200:])
    check(size() == before + 1, "the refusals appended nothing (size %d, was %d + 1)" % (size(), before))
    lst = json.loads(cli("alpha", "groups", "--json").stdout)
    states = {g["id"]: g["state"] for g in lst["groups"]}
    check(states == {g1: "established", g2: "dissolved"}, "groups and their states (%s)" % states)

    # ---- TLP:CLEAR stays in clear ----
    r = cli("beta", "group", "propose", "--kind", "bilateral", "--invite", "delta", "--tlp", "TLP:CLEAR", "--due", due,
            "--due-reason", "r", "--name", "Open group " + C_CLEAR, "--mandate", "public", "--wait", "--json")
    g3 = index_of(r)
    check(found(get(url + "/v1/entries/%d" % g3), [C_CLEAR]), "a TLP:CLEAR group's name is in clear")
    out = cli("gamma", "group", "show", str(g3)).stdout
    check(C_CLEAR in out, "anyone reads a TLP:CLEAR group's name: %s" % out)

    # ---- sessions: one cancelled citing a concern, one held with its minutes endorsed ----
    g4 = index_of(cli("alpha", "group", "propose", "--kind", "bilateral", "--invite", "gamma", "--tlp", "TLP:AMBER",
                      "--due", due, "--due-reason", "r", "--name", "Alpha-Gamma", "--mandate", "m", "--wait", "--json"))
    cli("gamma", "group", "answer", str(g4), "--accept", "--wait")
    r = cli("alpha", "concern", "raise", "--title", "Scans", "--class", "information-gathering", "--tlp", "TLP:AMBER",
            "--summary", "s", "--to", "beta", "--group", str(g4), "--wait", expect=4)
    check("not_group_member" in r.stderr, "a concern in a group goes to its members only (%s)" % r.stderr.strip()[-200:])
    case = index_of(cli("alpha", "concern", "raise", "--title", "Scans", "--class", "information-gathering", "--tlp",
                        "TLP:AMBER", "--summary", "scans of the grid", "--to", "gamma", "--group", str(g4), "--wait",
                        "--json"))
    out = cli("gamma", "group", "show", str(g4)).stdout
    check("case %d raised in it by alpha" % case in out, "the group lists the case raised in it: %s" % out)
    base = ["--invite", "gamma", "--tlp", "TLP:AMBER", "--due", ts(now + 3600), "--due-reason", "visas",
            "--format", "in_person", "--place", "Geneva", "--group", str(g4)]
    s1 = index_of(cli("alpha", "session", "propose", *base, "--from", ts(now + 7200), "--until", ts(now + 9000),
                      "--agenda", "the scans, and what follows " + C_AGENDA, "--thread", str(case), "--wait", "--json"))
    out = cli("gamma", "inbox").stdout
    check("invitation to session %d from alpha" % s1 in out, "gamma's inbox lists the session: %s" % out)
    cli("gamma", "session", "cancel", str(s1), "--cites", str(case), "--reasons", "not right after that " + C_CANCEL,
        "--wait")
    out = cli("alpha", "session", "show", str(s1)).stdout
    check("CANCELLED by gamma" in out and "citing entry %d" % case in out and C_CANCEL in out and C_AGENDA in out,
          "alpha reads who cancelled, citing what, and why: %s" % out)
    out = cli("beta", "session", "show", str(s1)).stdout
    check("CANCELLED by gamma" in out and not found(out.encode(), SEALED), "beta sees the cancellation, not why: %s" % out)
    start = int(time.time()) + 6  # the window starts after the proposal is signed, even on a slow (sanitizer) build
    s2 = index_of(cli("alpha", "session", "propose", *base, "--from", ts(start), "--until", ts(start + 3600),
                      "--agenda", "indicators", "--wait", "--json"))
    cli("gamma", "session", "answer", str(s2), "--accept", "--wait")
    time.sleep(max(0, start + 1 - time.time()))
    r = cli("gamma", "session", "held", str(s2), "--at", ts(start), expect=4)
    check("not_convener" in r.stderr, "only the proposer records the session as held (%s)" % r.stderr.strip()[-200:])
    cli("alpha", "session", "held", str(s2), "--at", ts(start), "--wait")
    o = index_of(cli("gamma", "session", "outcome", str(s2), "--kind", "minutes", "--text",
                     "Indicators exchanged monthly " + C_MINUTES, "--wait", "--json"))
    out = cli("alpha", "inbox").stdout
    check("minutes %d by gamma awaits your position" % o in out, "alpha's inbox: the minutes await its position: %s" % out)
    r = cli("alpha", "outcome", "endorse", str(o), "--dissent", expect=2)
    check("reasons_missing" in r.stderr, "a dissent without a note is refused before signing")
    cli("alpha", "outcome", "endorse", str(o), "--dissent", "--note", "monthly is too often " + C_DISSENT, "--wait")
    cli("gamma", "outcome", "endorse", str(o), "--wait")
    out = cli("gamma", "session", "show", str(s2)).stdout
    check("not agreed" in out and C_MINUTES in out and C_DISSENT in out, "a dissent: not agreed yet: %s" % out)
    cli("alpha", "outcome", "endorse", str(o), "--wait")
    out = cli("alpha", "session", "show", str(s2)).stdout
    check("AGREED by every participant" in out and "held at" in out, "endorsed by both: agreed: %s" % out)
    r = cli("alpha", "outcome", "endorse", str(o), "--dissent", "--note", "x", expect=4)
    check("already_endorsed" in r.stderr, "an endorsement stands (%s)" % r.stderr.strip()[-200:])
    out = cli("beta", "session", "show", str(s2)).stdout
    check("AGREED" in out and not found(out.encode(), SEALED), "beta sees that it was agreed, not what: %s" % out)
    # ---- the jointly endorsed minutes, verified offline from one file ----
    path = os.path.join(WORK, "minutes.outcome")
    cli("beta", "outcome", "export", str(o), "--out", path + ".beta", expect=1)  # not a reader: nothing to show
    cli("gamma", "outcome", "export", str(o), "--out", path)

    def verify(f, *extra, expect=0):
        res = subprocess.run([PARLEY, "verify-disclosure", f, "--vkey", vkey, "--quorum", "0"] + list(extra),
                             capture_output=True, text=True)
        check(res.returncode == expect, "verify-disclosure %s exits %d (got %d: %s)" % (
            os.path.basename(f), expect, res.returncode, (res.stdout + res.stderr)[-400:]))
        return res
    out = verify(path).stdout
    check("JOINTLY ENDORSED by every party" in out and C_MINUTES in out and "thread: session.propose at entry %d" % s2 in out,
          "the minutes verify offline, jointly endorsed: %s" % out)
    js = json.loads(verify(path, "--json").stdout)
    check(js["endorsements"]["agreed"] and sorted(js["endorsements"]["parties"]) == ["alpha", "gamma"]
          and js["tlp"] == "TLP:AMBER", "--json: both endorsed (%s)" % js.get("endorsements"))
    data = open(path, "rb").read()
    head, _, rest = data.partition(b"\n")
    parts = []
    while rest:
        line, _, rest = rest.partition(b"\n")
        name, n = line.decode().split(" ")
        parts.append((name, rest[:int(n)]))
        rest = rest[int(n):]
    def write(name, ps):
        p = os.path.join(WORK, name)
        with open(p, "wb") as fh:
            fh.write(head + b"\n" + b"".join(b"%s %d\n%s" % (n.encode(), len(x), x) for n, x in ps))
        return p
    names = [n for n, _ in parts]
    check(names.count("endorsement") == 2 and names.count("endorser") == 2, "two endorsement pairs (%s)" % names)
    at = names.index("endorsement")
    one_missing = write("missing.outcome", parts[:at] + parts[at + 2:])
    out = verify(one_missing, expect=1).stdout
    check("NOT jointly endorsed" in out and "NO ENDORSEMENT" in out, "one endorsement missing: not agreed: %s" % out)
    blk = names.index("block")
    altered = write("altered.outcome", parts[:blk] + [("block", parts[blk][1].replace(b"body ", b"body A", 1))])
    verify(altered, expect=1)
    twice = write("twice.outcome", parts[:at] + [parts[at], parts[at + 1], parts[at], parts[at + 1]] + parts[at + 4:])
    verify(twice, expect=1)  # one party's endorsement twice does not stand for the other's

    lst = json.loads(cli("alpha", "sessions", "--json").stdout)
    check({x["id"]: x["state"] for x in lst["sessions"]} == {s1: "cancelled", s2: "held"}, "sessions (%s)" % lst)
    rep = json.loads(cli("alpha", "report", "--json").stdout)
    ss = {p["party"]: p["sessions"] for p in rep["parties"]}
    check(ss["gamma"]["cancellations_made"] == 1 and ss["alpha"]["proposed"] == 2 and ss["alpha"]["held"] == 1
          and ss["alpha"]["cancelled"] == 1 and ss["gamma"]["outcomes"]["endorsed"] == 1,
          "the report: who proposed, held, cancelled (%s)" % ss)

    # ---- what the server holds and answers ----
    answers = b"".join(get(url + p) for p in ["/v1/groups", "/v1/groups/%d" % g1, "/v1/groups/%d" % g2,
                                              "/v1/sessions", "/v1/sessions/%d" % s1, "/v1/sessions/%d" % s2,
                                              "/v1/report"] + ["/v1/entries/%d" % i for i in range(size())])
    check(not found(answers, SEALED), "the server's answers hold no sealed canary (%s)" % found(answers, SEALED))
    n, hits = walk(logdir, SEALED)
    check(n > 5 and not hits, "the server's directory holds no sealed canary in any decoded form (%d files: %s)"
          % (n, hits))


if __name__ == "__main__":
    main()
    if failures:
        print("%d failure(s)" % len(failures), file=sys.stderr)
        sys.exit(1)
    print("ok")
