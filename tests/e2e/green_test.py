#!/usr/bin/env python3
"""TLP:GREEN end to end: the members' key (docs/confidentiality.md, section 3).

A log with three founders (alpha, beta, gamma) runs under `parley serve`:

- alpha raises a TLP:GREEN concern to beta: its client gives the members a
  key first (a members.rekey before the concern), and seals title and summary
  to it; every member reads them, gamma too (GREEN is for the community);
- `parley members rekey` says the key is current, and nothing is appended;
- epsilon is enrolled: it reads nothing yet and cannot rekey (it holds no
  members' key); alpha's next GREEN statement rekeys on its own, chained, and
  epsilon then reads the whole thread, the concern said before it joined too;
- gamma revokes its key: the next GREEN statement rekeys without it, and
  gamma (still holding its key file) reads what was said before, not after;
- beta's contact details: --public in clear (in /v1/parties), otherwise
  sealed to the members' key: alpha and epsilon read them in `members list`,
  gamma (revoked before) does not, the server shows where they are only;
- rekeys by hand that do not answer the latest change (rekey_stale) or answer
  one already answered (rekey_duplicate) are refused, nothing appended;
- no canary is found, in any decoded form, in the server's directory, its
  answers to an outsider, a monitor's mirror or the state of the witness that
  cosigns the log.
"""
import base64
import json
import os
import shutil
import subprocess
import sys
import time
import urllib.error
import urllib.request

os.environ.setdefault("PARLEY_QUORUM", "0")  # no witnesses here, on purpose

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import parleypy as pp  # noqa: E402
from canary import found, walk  # noqa: E402

PARLEY, WORK = sys.argv[1], sys.argv[2]
ORIGIN = "test.example/green"
failures = []
G_TITLE = "GREENTITLE5e0c17"
G_SUMMARY = "GREENSUMMARY92ab44"
G_REQ = "GREENREQUEST3f7d08"
G_REASONS = "GREENREASONS61c2e9"
G_CLOSE = "GREENCLOSE0d84b3"
G_CLEAR = "GREENCLEAR7a1e55"
G_CONTACT = "greencontact4b9e21"
G_PUBLIC = "GREENPUBLIC83d0aa"
ALL = [G_TITLE, G_SUMMARY, G_REQ, G_REASONS, G_CLOSE]


def check(cond, what):
    if not cond:
        failures.append(what)
        print("FAIL: " + what, file=sys.stderr)
    return cond


def get(url):
    with urllib.request.urlopen(url, timeout=60) as r:
        return r.read()


def main():
    shutil.rmtree(WORK, ignore_errors=True)
    os.makedirs(WORK)
    parties = {n: pp.Party(n) for n in ("alpha", "beta", "gamma", "epsilon")}
    files = {n: p.write(WORK) for n, p in parties.items()}
    logdir = os.path.join(WORK, "log")
    init = [PARLEY, "init", logdir, "--origin", ORIGIN, "--key", files["alpha"][0],
            "--founder", files["beta"][1], "--founder", files["gamma"][1]]
    r = subprocess.run(init, capture_output=True, text=True)
    if not check(r.returncode == 0, "parley init (%s)" % r.stderr):
        return
    vkey = open(os.path.join(logdir, "log.vkey")).read().strip()
    # a witness cosigns the log's checkpoints: its state is searched for canaries too
    wdir = os.path.join(WORK, "witness")
    for args in (["witness", "init", wdir, "--name", "witness.test.example/w1"],
                 ["witness", "add-log", wdir, "--vkey", vkey]):
        r = subprocess.run([PARLEY] + args, capture_output=True, text=True)
        if not check(r.returncode == 0, "parley %s (%s)" % (" ".join(args[:2]), r.stderr)):
            return
    wkey = open(os.path.join(wdir, "witness.vkey")).read().strip()
    wport = os.path.join(WORK, "wport")
    wargs = [PARLEY, "witness", "serve", wdir, "--listen", "127.0.0.1:0", "--port-file", wport, "--rate", "0"]
    if os.geteuid() == 0:
        wargs.append("--allow-root")
    wit = subprocess.Popen(wargs, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        for _ in range(200):
            if os.path.exists(wport) and open(wport).read().strip():
                break
            time.sleep(0.05)
        wurl = "http://127.0.0.1:%d" % int(open(wport).read())
        with pp.Serving(PARLEY, logdir, WORK, "--witness", "%s@%s" % (wkey, wurl)) as srv:
            run(srv.url, vkey, files, logdir, wdir)
    finally:
        wit.terminate()
        wit.communicate(timeout=60)


def run(url, vkey, files, logdir, wdir):
    def cli(who, *args, expect=0):
        e = dict(os.environ, PARLEY_SERVER=url, PARLEY_VKEY=vkey, PARLEY_KEY=files[who][0],
                 PARLEY_DATA_DIR=os.path.join(WORK, "data-" + who))
        res = subprocess.run([PARLEY] + list(args), capture_output=True, text=True, env=e)
        check(res.returncode == expect, "%s: parley %s exits %d (got %d: %s)" % (
            who, " ".join(args), expect, res.returncode, res.stderr.strip()[-400:]))
        return res

    def statement(i):
        env = json.loads(get(url + "/v1/entries/%d" % i))
        return json.loads(base64.b64decode(env["payload"]))

    def size():
        return json.loads(get(url + "/healthz"))["size"]

    def rekeys():
        return [i for i in range(size()) if statement(i)["type"] == "members.rekey"]

    def index_of(res):
        return json.loads(res.stdout.strip().splitlines()[-1])["index"]

    # the first GREEN statement: the members get a key first
    r = cli("alpha", "concern", "raise", "--title", "Phishing wave " + G_TITLE, "--class", "fraud", "--tlp",
            "TLP:GREEN", "--summary", "Lures " + G_SUMMARY, "--to", "beta", "--wait", "--json")
    if not check(r.returncode == 0, "the TLP:GREEN concern is accepted"):
        return
    case = index_of(r)
    check("members.rekey" in r.stderr, "alpha is told a members' key was made first (%s)" % r.stderr.strip())
    check(rekeys() == [case - 1], "one members.rekey, just before the concern (%s)" % rekeys())
    rk = statement(case - 1)["body"]
    check(rk.get("after") == 0 and len(rk.get("key", "")) == 32 and isinstance(rk.get("sealed"), str),
          "the rekey answers the charter and names its key's fingerprint (%s)" % sorted(rk))
    body = statement(case)["body"]
    check(isinstance(body.get("sealed"), str) and body.get("tlp") == "TLP:GREEN"
          and not ({"title", "summary", "class"} & set(body)),
          "the GREEN concern has its label and recipients public, the rest sealed (%s)" % sorted(body))
    for who in ("alpha", "beta", "gamma"):
        out = cli(who, "case", "show", str(case)).stdout
        check(G_TITLE in out and G_SUMMARY in out, "%s, a member, reads the GREEN concern: %s" % (who, out[-300:]))
    lst = cli("gamma", "cases").stdout
    check(G_TITLE in lst, "gamma's `cases` lists the opened title")
    before = size()
    r = cli("beta", "members", "rekey")
    check("is current" in r.stdout and size() == before, "members rekey: nothing to do (%s)" % r.stdout.strip())

    # a disclosure of the GREEN concern, checked offline
    dfile = os.path.join(WORK, "green.disclosure")
    cli("gamma", "disclose", str(case), "--out", dfile)
    r = subprocess.run([PARLEY, "verify-disclosure", dfile, "--vkey", vkey], capture_output=True, text=True)
    check(r.returncode == 0 and G_TITLE in r.stdout and "TLP:GREEN" in r.stdout,
          "gamma's disclosure of the GREEN concern verifies offline (%s)" % (r.stdout + r.stderr)[-400:])

    # a newcomer reads nothing until the next rekey, and cannot make one
    cli("alpha", "enroll", files["epsilon"][1], "--wait")
    out = cli("epsilon", "case", "show", str(case)).stdout
    check(G_TITLE not in out and "sealed (not a reader)" in out, "epsilon reads nothing yet: %s" % out[-300:])
    before = size()
    r = cli("epsilon", "members", "rekey", expect=3)
    check("does not open with your key" in r.stderr and size() == before,
          "epsilon holds no members' key to chain to (%s)" % r.stderr.strip()[-300:])
    r = cli("alpha", "request", str(case), "--kind", "information", "--to", "beta", "--text", "Which lures? " + G_REQ,
            "--wait", "--json")
    if not check(r.returncode == 0, "the GREEN request is accepted"):
        return
    req = index_of(r)
    check(len(rekeys()) == 2 and rekeys()[1] == req - 1, "alpha's client rekeyed for the enrolment (%s)" % rekeys())
    check(isinstance(statement(req)["body"].get("sealed"), str) and "text" not in statement(req)["body"],
          "the GREEN request's text is sealed")
    out = cli("epsilon", "case", "show", str(case)).stdout
    check(G_TITLE in out and G_REQ in out, "epsilon, enrolled later, reads the whole thread: %s" % out[-400:])
    r = cli("beta", "respond", str(req), "--status", "refused", "--reasons", "not ours " + G_REASONS, "--wait")
    check(len(rekeys()) == 2, "no rekey while the members' key is current")
    r = cli("alpha", "request", str(case), "--kind", "information", "--to", "beta", "--narrow", "--text", "x",
            expect=2)
    check("--narrow" in r.stderr, "--narrow in a GREEN case is said (%s)" % r.stderr.strip()[-200:])

    # a revoked party reads what was said before, nothing after
    cli("gamma", "key", "revoke", "--reason", "leaving", "--wait")
    r = cli("alpha", "close", str(case), "--outcome", "resolved", "--text", "done " + G_CLOSE, "--wait")
    check(len(rekeys()) == 3, "the close rekeyed for the revocation (%s)" % rekeys())
    last = statement(rekeys()[-1])
    out = cli("gamma", "case", "show", str(case)).stdout
    check(G_TITLE in out and G_REASONS in out and G_CLOSE not in out,
          "gamma reads what was said before its revocation, not the close: %s" % out[-400:])
    for who in ("beta", "epsilon"):
        out = cli(who, "case", "show", str(case)).stdout
        check(all(c in out for c in ALL), "%s reads every GREEN statement: %s" % (who, out[-300:]))

    # contact details: in clear with --public, else sealed to the members' key
    cli("beta", "contact", "--note", "hotline " + G_PUBLIC, "--public", "--wait")
    parties = json.loads(get(url + "/v1/parties"))
    check(G_PUBLIC in json.dumps(parties), "a --public contact is in the server's /v1/parties")
    before = size()
    r = cli("beta", "contact", "--email", "x" * 300, expect=2)
    check(size() == before and "256" in r.stderr, "a contact field over its cap is said before signing (%s)"
          % r.stderr.strip()[-200:])
    r = cli("beta", "contact", "--email", G_CONTACT + "@b.example", "--hours", "24/7", "--lang", "en", "--wait",
            "--json")
    if check(r.returncode == 0, "the sealed contact is accepted"):
        cidx = index_of(r)
        body = statement(cidx)["body"]
        check(sorted(body) == ["sealed"], "the contact.update carries only its sealed body (%s)" % sorted(body))
        check(len(rekeys()) == 3, "no rekey: the members' key is current")
        for who in ("alpha", "epsilon"):
            out = cli(who, "members", "list").stdout
            check(G_CONTACT in out and "24/7" in out, "%s reads beta's contact details: %s" % (who, out))
            js = json.loads(cli(who, "members", "list", "--json").stdout)
            b = [m for m in js.get("members", []) if m.get("party") == "beta"]
            check(len(b) == 1 and G_CONTACT in b[0].get("contact", {}).get("email", "")
                  and b[0]["contact"].get("sealed", {}).get("state") == "opened" and b[0]["contact"].get("entry") == cidx,
                  "%s: members list --json has the opened contact (%s)" % (who, b))
        out = cli("gamma", "members", "list").stdout
        check(G_CONTACT not in out and "contact sealed" in out and "revoked" in out,
              "gamma, revoked, does not read the contact sealed after: %s" % out)
        check(G_CONTACT not in get(url + "/v1/parties").decode(), "/v1/parties holds no sealed contact")

    # rekeys the log refuses: stale, duplicate; nothing appended
    before = size()
    trig = last["body"]["after"]
    path = os.path.join(WORK, "rekey.json")
    with open(path, "w") as f:
        json.dump({"after": 0, "key": "00" * 16, "sealed": "UExTRUFMMDI="}, f)
    r = cli("beta", "submit", "--type", "members.rekey", "--body", path, "--ref", "0", "--wait", expect=4)
    check("rekey_stale" in r.stderr, "a rekey for an old change is refused (%s)" % r.stderr.strip()[-200:])
    with open(path, "w") as f:
        json.dump({"after": trig, "key": "00" * 16, "sealed": "UExTRUFMMDI="}, f)
    r = cli("beta", "submit", "--type", "members.rekey", "--body", path, "--ref", str(trig), "--wait", expect=4)
    check("rekey_duplicate" in r.stderr, "a second rekey for one change is refused (%s)" % r.stderr.strip()[-200:])
    check(size() == before, "nothing appended by the refused rekeys")

    # no canary anywhere outside the members' machines
    secret = ALL + [G_CONTACT]
    for p in ("/v1/entries/%d" % case, "/v1/cases/%d" % case, "/v1/cases", "/v1/inbox/beta", "/v1/parties"):
        try:
            data = get(url + p)
        except urllib.error.HTTPError as e:
            data = e.read()
        check(not found(data, secret), "no canary in %s" % p)
    n, hits = walk(logdir, secret)
    check(n > 5 and not hits, "no canary in the server's %d files (%s)" % (n, hits))
    mon = os.path.join(WORK, "monitor")
    r = subprocess.run([PARLEY, "monitor", url, "--vkey", vkey, "--dir", mon, "--once"], capture_output=True, text=True)
    check(r.returncode == 0, "a monitor follows the log (%s)" % r.stderr.strip()[-300:])
    n, hits = walk(mon, secret)
    check(n > 3 and not hits, "no canary in the monitor's %d files (%s)" % (n, hits))
    n, hits = walk(wdir, secret)
    check(n > 1 and not hits, "no canary in the witness's %d files (%s)" % (n, hits))
    # the same search finds what is there: a TLP:CLEAR canary, in the server's files and the mirror
    cli("alpha", "concern", "raise", "--title", "Scans " + G_CLEAR, "--class", "information-gathering", "--tlp",
        "TLP:CLEAR", "--summary", "public", "--to", "beta", "--wait")
    subprocess.run([PARLEY, "monitor", url, "--vkey", vkey, "--dir", mon, "--once"], capture_output=True, text=True)
    for top in (logdir, mon):
        n, hits = walk(top, secret + [G_CLEAR])
        check(any(G_CLEAR in h for h in hits.values()) and not any(set(secret) & h for h in hits.values()),
              "the walk of %s finds the TLP:CLEAR canary and no other (%s)" % (top, hits))


if __name__ == "__main__":
    main()
    if failures:
        print("%d failure(s)" % len(failures), file=sys.stderr)
        sys.exit(1)
    print("ok")
