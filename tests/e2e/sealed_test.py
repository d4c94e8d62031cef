#!/usr/bin/env python3
"""Sealed concerns end to end (docs/confidentiality.md, issue 15).

A log with four founders runs under `parley serve`. alpha raises a
TLP:AMBER concern to beta with canary strings in its title and summary:

- the readers (alpha, beta) see the canaries in `parley case show` and
  `parley cases`; gamma, a member who is not a recipient, sees
  "sealed (not a reader)" and no canary;
- no canary is found, in any decoded form, in the server's directory (every
  file, gzip inflated, every base64-looking string decoded, recursively),
  nor in the server's answers /v1/entries/N and /v1/cases/N;
- a sealed concern that breaks a content rule is refused on the client, before
  anything is signed: the log does not grow;
- a TLP:CLEAR concern stays in clear: its canary is in /v1/cases/M;
- the sealed body of the first concern copied into another statement by its
  author (admitted: its readers are right) opens for nobody: case show flags
  the fault and exits 1.
"""
import base64
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
from canary import found  # noqa: E402

PARLEY, WORK = sys.argv[1], sys.argv[2]
ORIGIN = "test.example/sealed"
failures = []
CANARY_TITLE = "CANARYTITLE7f3e9a"
CANARY_SUMMARY = "CANARYSUMMARY0b1d42"
CANARY_CLEAR = "CANARYCLEAR55aa11"
CANARY_REQ = "CANARYREQTEXT3c9d70"
CANARY_DUE = "CANARYDUEREASON8e21f4"
CANARY_ACK = "CANARYACKNOTE41c7e2"
CANARY_STATUS = "CANARYSTATUS9d03b5"
CANARY_REASONS = "CANARYREASONS6a58f1"
CANARY_NARROW = "CANARYNARROW27be90"
CANARY_WITHDRAW = "CANARYWITHDRAW83f6d4"
CANARY_CLOSE = "CANARYCLOSE0c4a7b"
ANSWERS = [CANARY_ACK, CANARY_STATUS, CANARY_REASONS, CANARY_NARROW, CANARY_WITHDRAW, CANARY_CLOSE]
def check(cond, what):
    if not cond:
        failures.append(what)
        print("FAIL: " + what, file=sys.stderr)
    return cond


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
        run(srv.url, vkey, files, logdir, parties)


def get(url):
    with urllib.request.urlopen(url, timeout=60) as r:
        return r.read()


def run(url, vkey, files, logdir, parties):
    def cli(who, *args, expect=0, key=True):
        e = dict(os.environ, PARLEY_SERVER=url, PARLEY_VKEY=vkey, PARLEY_DATA_DIR=os.path.join(WORK, "data-" + who))
        e.pop("PARLEY_KEY", None)
        if key:
            e["PARLEY_KEY"] = key if isinstance(key, str) else files[who][0]
        res = subprocess.run([PARLEY] + list(args), capture_output=True, text=True, env=e)
        check(res.returncode == expect, "%s: parley %s exits %d (got %d: %s)" % (
            who, " ".join(args), expect, res.returncode, res.stderr.strip()[-400:]))
        return res

    def statement(i):
        env = json.loads(get(url + "/v1/entries/%d" % i))
        return json.loads(base64.b64decode(env["payload"]))

    def size():
        return json.loads(get(url + "/healthz"))["size"]

    r = cli("alpha", "concern", "raise", "--title", "Intrusion " + CANARY_TITLE, "--class", "intrusions",
            "--tlp", "TLP:AMBER", "--summary", "Implant found " + CANARY_SUMMARY, "--to", "beta,delta", "--lang", "en",
            "--wait", "--json")
    if not check(r.returncode == 0, "the TLP:AMBER concern is accepted"):
        return
    case = json.loads(r.stdout.strip().splitlines()[-1])["index"]

    # the readers open it
    for who in ("alpha", "beta"):
        out = cli(who, "case", "show", str(case)).stdout
        check(CANARY_TITLE in out and CANARY_SUMMARY in out, "%s, a reader, sees title and summary: %s" % (who, out))
        check("opened with your key" in out, "%s is told the body was opened and its commitment checked" % who)
        js = json.loads(cli(who, "case", "show", str(case), "--json").stdout)
        check(js.get("sealed", {}).get("state") == "opened" and js.get("class") == "intrusions"
              and js.get("lang") == "en", "%s: --json has the opened fields (%s)" % (who, js.get("sealed")))
    lst = cli("beta", "cases").stdout
    check(CANARY_TITLE in lst, "beta's `cases` lists the opened title")

    # a member who is not a recipient does not
    out = cli("gamma", "case", "show", str(case)).stdout
    check("sealed (not a reader)" in out, "gamma is told it is not a reader: %s" % out)
    check(not found(out.encode(), [CANARY_TITLE, CANARY_SUMMARY]), "gamma's case show holds no canary")
    out = cli("beta", "case", "show", str(case), key=False).stdout
    check("sealed (give --key to open)" in out and CANARY_TITLE not in out, "without a key it stays sealed: %s" % out)
    lst = cli("gamma", "cases").stdout
    check("sealed (not a reader)" in lst and CANARY_TITLE not in lst, "gamma's `cases` shows it sealed")

    # a request in the sealed case is sealed to the case's parties: text and due reason
    r = cli("alpha", "request", str(case), "--kind", "information", "--to", "beta", "--text",
            "Who runs 192.0.2.7? " + CANARY_REQ, "--due", time.strftime("%Y-%m-%dT%H:%M:%SZ",
                                                                       time.gmtime(time.time() + 7 * 86400)),
            "--due-reason", "the logs rotate " + CANARY_DUE, "--wait", "--json")
    if check(r.returncode == 0, "the request in the TLP:AMBER case is accepted"):
        req_idx = json.loads(r.stdout.strip().splitlines()[-1])["index"]
        body = statement(req_idx)["body"]
        check(isinstance(body.get("sealed"), str) and not ({"text", "due_reason"} & set(body))
              and body.get("to") == ["beta"] and "due" in body and body.get("kind") == "information",
              "the request has kind, addressees and due public, text and due reason sealed (%s)" % sorted(body))
        for who in ("alpha", "beta"):
            out = cli(who, "case", "show", str(case)).stdout
            check(CANARY_REQ in out and CANARY_DUE in out, "%s, a reader, sees the request's text and due reason: %s"
                  % (who, out))
            js = json.loads(cli(who, "case", "show", str(case), "--json").stdout)
            rq = [x for x in js.get("requests", []) if x.get("id") == req_idx]
            check(len(rq) == 1 and CANARY_REQ in rq[0].get("text", "") and rq[0].get("sealed", {}).get("state")
                  == "opened", "%s: --json has the opened request (%s)" % (who, rq[:1]))
        out = cli("gamma", "case", "show", str(case)).stdout
        check(not found(out.encode(), [CANARY_REQ, CANARY_DUE]) and out.count("sealed (not a reader)") >= 2,
              "gamma sees the request sealed, no canary: %s" % out)
        out = cli("beta", "inbox").stdout
        check(CANARY_REQ in out and CANARY_TITLE in out, "beta's inbox opens the request and its case's title: %s"
              % out)
        js = json.loads(cli("beta", "inbox", "--json").stdout)
        check(any(CANARY_REQ in x.get("text", "") for x in js.get("items", [])), "inbox --json has the opened text")
        answers(cli, statement, size, case, req_idx)
    before = size()
    r = cli("alpha", "request", str(case), "--kind", "information", "--to", "beta", "--text", "z" * 4097, expect=2)
    check("4096" in r.stderr and size() == before, "a sealed request's text cap is said, nothing appended (%s)"
          % r.stderr.strip()[-200:])

    # a content rule, checked before signing: nothing reaches the log
    before = size()
    r = cli("alpha", "concern", "raise", "--title", "x", "--class", "no-such-class", "--tlp", "TLP:RED",
            "--summary", "y", "--to", "beta", expect=2)
    check("class" in r.stderr, "a bad class is said before sealing (%s)" % r.stderr.strip())
    r = cli("alpha", "concern", "raise", "--title", "x", "--class", "intrusions", "--tlp", "TLP:RED",
            "--summary", "y" * 4097, "--to", "beta", expect=2)
    check("4096" in r.stderr, "the sealed summary's cap is said (%s)" % r.stderr.strip())
    r = cli("alpha", "concern", "raise", "--title", "x", "--class", "intrusions", "--tlp", "TLP:RED",
            "--summary", "y", "--to", "nobody.here", expect=3)
    check(size() == before, "nothing appended by the refused concerns")

    # a TLP:CLEAR concern stays in clear
    r = cli("alpha", "concern", "raise", "--title", "Scans " + CANARY_CLEAR, "--class", "information-gathering",
            "--tlp", "TLP:CLEAR", "--summary", "public", "--to", "beta", "--wait", "--json")
    clear = json.loads(r.stdout.strip().splitlines()[-1])["index"]
    check(CANARY_CLEAR in get(url + "/v1/cases/%d" % clear).decode(), "the TLP:CLEAR title is in /v1/cases")
    body = statement(clear)["body"]
    check("sealed" not in body and CANARY_CLEAR in body.get("title", ""), "the TLP:CLEAR concern is in clear")
    body = statement(case)["body"]
    check(isinstance(body.get("sealed"), str) and body.get("tlp") == "TLP:AMBER" and body.get("recipients") == ["beta", "delta"]
          and not ({"title", "summary", "class"} & set(body)),
          "the TLP:AMBER concern has its label and recipients public, the rest sealed (%s)" % sorted(body))

    # a sealed body replayed into another statement: bound to the first one's seq, it opens for nobody
    first = statement(case)
    alpha = parties["alpha"]
    when = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    env = pp.envelope([alpha.sign], pp.payload(ORIGIN, "concern", "alpha", statement(clear)["seq"] + 1, when,
                                               first["body"]))
    req = urllib.request.Request(url + "/v1/statements?wait=1", data=env, headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=60) as r:
        copied = json.loads(r.read())["index"]
    r = cli("beta", "case", "show", str(copied), expect=1)
    check("FAULT" in r.stdout and "does not open" in r.stdout and CANARY_TITLE not in r.stdout,
          "the copied sealed body is flagged as a fault (%s)" % r.stdout.strip()[-300:])
    js = json.loads(cli("beta", "case", "show", str(copied), "--json", expect=1).stdout)
    check(js.get("sealed", {}).get("state") == "fault", "--json says fault (%s)" % js.get("sealed"))

    r = cli("alpha", "close", str(case), "--outcome", "unresolved", "--text", "no answer " + CANARY_CLOSE, "--wait")
    body = statement(json.loads(get(url + "/v1/cases/%d" % case))["thread"][-1]["idx"])["body"]
    check(body.get("outcome") == "unresolved" and "text" not in body and isinstance(body.get("sealed"), str),
          "the close has its outcome public, its note sealed (%s)" % sorted(body))
    out = cli("delta", "case", "show", str(case)).stdout
    check(CANARY_CLOSE in out, "delta, a party, reads the closing note")
    out = cli("gamma", "case", "show", str(case)).stdout
    check(not found(out.encode(), ANSWERS), "gamma reads no answer of the thread")
    canaries = [CANARY_TITLE, CANARY_SUMMARY, CANARY_REQ, CANARY_DUE] + ANSWERS
    for path in ("/v1/entries/%d" % case, "/v1/cases/%d" % case, "/v1/cases"):
        check(not found(get(url + path), canaries), "no canary in %s" % path)
    walked = 0
    positive = False
    for d, _, names in os.walk(logdir):
        for n in names:
            p = os.path.join(d, n)
            data = open(p, "rb").read()
            walked += 1
            hits = found(data, canaries + [CANARY_CLEAR])
            check(not (hits & set(canaries)), "no canary in %s (%s)" % (p, hits))
            positive = positive or CANARY_CLEAR in hits
    check(walked > 5, "the walk read the server's files (%d)" % walked)
    check(positive, "the same walk finds the TLP:CLEAR canary (the search can find what is there)")

    # a key rotation: what was sealed to the old key opens with --old-key
    new = os.path.join(WORK, "beta2")
    r = subprocess.run([PARLEY, "keygen", "--party", "beta", "--out", new], capture_output=True, text=True)
    check(r.returncode == 0, "keygen for beta's new key (%s)" % r.stderr)
    cli("beta", "key", "rotate", "--new", new + ".key", "--wait")
    out = cli("beta", "case", "show", str(case), key=new + ".key")
    check(CANARY_TITLE not in out.stdout and "sealed to an earlier key of yours" in out.stdout,
          "with its new key only, beta is told it was sealed to an earlier key: %s" % out.stdout[-300:])
    js = json.loads(cli("beta", "case", "show", str(case), "--json", key=new + ".key").stdout)
    check(js.get("sealed", {}).get("state") == "old_key", "--json says old_key (%s)" % js.get("sealed"))
    out = cli("beta", "case", "show", str(case), "--old-key", files["beta"][0], key=new + ".key").stdout
    check(CANARY_TITLE in out and CANARY_REQ in out and CANARY_CLOSE in out,
          "with --old-key, beta reads the whole thread sealed to its old key: %s" % out[-300:])
    lst = cli("beta", "cases", "--old-key", files["beta"][0], key=new + ".key").stdout
    check(CANARY_TITLE in lst, "cases --old-key opens the title too")
    r = cli("beta", "case", "show", str(case), "--old-key", files["gamma"][0], key=new + ".key")
    check("not beta's" in r.stderr or "is gamma's" in r.stderr, "another party's key is left out, and said (%s)"
          % r.stderr.strip()[-200:])

    # beta lost its old key: alpha, a reader, shares the concern and the request with it
    before = size()
    r = cli("gamma", "share", str(case), "--to", "beta", expect=3)
    check("entry %d" % case in r.stderr and size() == before, "gamma, no reader, has nothing to share (%s)"
          % r.stderr.strip()[-200:])
    body = {"to": "beta", "entries": [case], "sealed": statement(case)["body"]["sealed"]}
    path = os.path.join(WORK, "share.json")
    with open(path, "w") as f:
        json.dump(body, f)
    r = cli("alpha", "submit", "--type", "share", "--body", path, "--ref", str(case), "--wait", expect=4)
    check("readers_mismatch" in r.stderr, "a share sealed to others than beta and its author is refused (%s)"
          % r.stderr.strip()[-200:])
    r = cli("alpha", "submit", "--type", "share", "--body", path, "--wait", expect=4)
    check("ref_missing" in r.stderr, "a share whose entries are not in refs is refused (%s)" % r.stderr.strip()[-200:])
    check(size() == before, "nothing appended by the refused shares")
    r = cli("alpha", "share", str(case), str(req_idx), "--to", "beta", "--wait", "--json")
    if check(r.returncode == 0, "alpha shares two entries with beta"):
        sh = statement(json.loads(r.stdout.strip().splitlines()[-1])["index"])["body"]
        check(sh.get("to") == "beta" and sh.get("entries") == [case, req_idx] and isinstance(sh.get("sealed"), str),
              "the share has who, to whom and which entries public, the keys sealed (%s)" % sorted(sh))
        out = cli("beta", "case", "show", str(case), key=new + ".key").stdout
        check(CANARY_TITLE in out and CANARY_REQ in out and CANARY_ACK not in out,
              "with its new key only, beta reads the shared concern and request, nothing else: %s" % out[-400:])
        js = json.loads(cli("beta", "case", "show", str(case), "--json", key=new + ".key").stdout)
        check(js.get("sealed", {}).get("shared_by") == "alpha", "--json says who shared it (%s)" % js.get("sealed"))
        out = cli("delta", "case", "show", str(case)).stdout
        check("opened" in out, "delta still reads its own")
        for path in ("/v1/entries/%d" % (size() - 1),):
            check(not found(get(url + path), canaries), "no canary in the share's entry")


def answers(cli, statement, size, case, req):
    """The answers of a sealed request, sealed to its readers; a narrowed request and its answers."""
    ok = [cli("beta", "ack", str(req), "--note", "seen " + CANARY_ACK, "--wait"),
          cli("beta", "status", str(req), "--update", "half found " + CANARY_STATUS, "--wait"),
          cli("beta", "respond", str(req), "--status", "refused", "--reasons", "not ours " + CANARY_REASONS,
              "--wait", "--json")]
    if not check(all(r.returncode == 0 for r in ok), "ack, status and respond in the sealed case are accepted"):
        return
    body = statement(json.loads(ok[2].stdout.strip().splitlines()[-1])["index"])["body"]
    check(body.get("status") == "refused" and "reasons" not in body and isinstance(body.get("sealed"), str),
          "the response has its status public, its reasons sealed (%s)" % sorted(body))
    for who in ("alpha", "beta", "delta"):
        out = cli(who, "case", "show", str(case)).stdout
        check(all(c in out for c in (CANARY_ACK, CANARY_STATUS, CANARY_REASONS)),
              "%s, a party, reads the note, the status text and the reasons: %s" % (who, out[-600:]))
    js = json.loads(cli("beta", "case", "show", str(case), "--json").stdout)
    resp = [t for t in js.get("thread", []) if t.get("type") == "response"]
    check(len(resp) == 1 and CANARY_REASONS in resp[0].get("reasons", "") and resp[0].get("status") == "refused"
          and resp[0].get("sealed", {}).get("state") == "opened", "--json has the opened response (%s)" % resp)
    out = cli("gamma", "case", "show", str(case)).stdout
    check(not found(out.encode(), ANSWERS) and "sealed (not a reader)" in out, "gamma reads no answer: %s" % out[-400:])
    # a content rule the server cannot see, checked before signing: refused needs its reasons
    before = size()
    r = cli("beta", "respond", str(req), "--status", "refused", expect=2)
    check("reasons" in r.stderr and size() == before, "a refusal without reasons is said before signing (%s)"
          % r.stderr.strip()[-200:])
    # a statement of the sealed thread in clear: sealing_required, nothing appended
    path = os.path.join(WORK, "clear-status.json")
    with open(path, "w") as f:
        json.dump({"request": req, "kind": "query", "text": "in clear"}, f)
    r = cli("alpha", "submit", "--type", "status", "--body", path, "--ref", str(req), "--wait", expect=4)
    check("sealing_required" in r.stderr and size() == before, "a status in clear is refused (%s)" % r.stderr[-200:])
    # narrowed: to the requester and its addressee; delta, a party of the case, reads neither it nor its answers
    r = cli("alpha", "request", str(case), "--kind", "preservation", "--to", "beta", "--narrow", "--text",
            "Please preserve " + CANARY_NARROW, "--authority", "CERT-A", "--offence", "intrusion", "--facts", "f",
            "--data", "d", "--relationship", "r", "--custodian", "c", "--necessity", "n", "--mla-intent", "--wait", "--json")
    if not check(r.returncode == 0, "a narrowed request is accepted"):
        return
    narrow = json.loads(r.stdout.strip().splitlines()[-1])["index"]
    cli("alpha", "withdraw", str(narrow), "--reason", "found it " + CANARY_WITHDRAW, "--wait")
    out = cli("beta", "case", "show", str(case)).stdout
    check(CANARY_NARROW in out and CANARY_WITHDRAW in out, "beta reads the narrowed request and its withdrawal")
    out = cli("delta", "case", "show", str(case)).stdout
    check(CANARY_NARROW not in out and CANARY_WITHDRAW not in out and CANARY_REASONS in out,
          "delta reads the case's thread but not the narrowed request nor its withdrawal")
    cli("alpha", "request", "999999", "--kind", "information", "--to", "beta", "--narrow", "--text", "x",
            expect=3)


if __name__ == "__main__":
    main()
    if failures:
        print("%d failure(s)" % len(failures), file=sys.stderr)
        sys.exit(1)
    print("ok")
