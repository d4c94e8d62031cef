#!/usr/bin/env python3
"""Evidence end to end (docs/evidence.md), on the synthetic scenario of
scripts/make_scenario.py and a real `parley serve`:

- a concern with an evidence package sealed to the accused side: the
  recipient opens it byte for byte, a third party and the server cannot (no
  plaintext byte of the package is in the server's blob store), a tampered
  blob is refused;
- TLP violations refused at submission, each with its code, nothing appended;
- `reproduce --check-claim` passes on the package and fails once an expected
  hit is altered;
- reproduction on the "infected" dataset gives "reproduced" with exactly the
  hits the scenario planted, on the "clean" one "not_reproduced";
- `--sign` records the finding; the case shows evidence and finding;
- the STIX sightings Parley emits validate against the OASIS schemas.
"""
import base64
import glob
import hashlib
import http.client
import json
import re
import os
import shutil
import signal
import subprocess
import sys
import time

# These checks run without witnesses, on purpose: members say so with --quorum 0 (cli_policy_member).
os.environ.setdefault("PARLEY_QUORUM", "0")

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, HERE)
import parleypy as pp  # noqa: E402
from canary import walk  # noqa: E402

CANARY_EV = "CANARYEVTITLE9b21c4"
CANARY_REPRO = "CANARYREPRO5d7e02"

PARLEY, WORK = sys.argv[1], sys.argv[2]
ORIGIN = "test.example/evidence"
failures = []


def check(cond, what):
    if not cond:
        failures.append(what)
        print("FAIL: " + what, file=sys.stderr)
    return cond


def main():
    shutil.rmtree(WORK, ignore_errors=True)
    os.makedirs(WORK)
    scen = os.path.join(WORK, "scenario")
    subprocess.run([sys.executable, os.path.join(ROOT, "scripts", "make_scenario.py"), scen], check=True,
                   capture_output=True)
    A, B, C = pp.Party("cert.a"), pp.Party("cert.b"), pp.Party("cert.c")
    files = {p.name: p.write(WORK) for p in (A, B, C)}
    logdir = os.path.join(WORK, "log")
    r = subprocess.run([PARLEY, "init", logdir, "--origin", ORIGIN, "--key", files["cert.a"][0], "--founder",
                        files["cert.b"][1], "--founder", files["cert.c"][1]], capture_output=True, text=True)
    if not check(r.returncode == 0, "init: " + r.stderr):
        return
    A.seq = 2
    portfile = os.path.join(WORK, "port")
    args = [PARLEY, "serve", logdir, "--listen", "127.0.0.1:0", "--port-file", portfile]
    if os.geteuid() == 0:
        args.append("--allow-root")
    srv = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        for _ in range(200):
            if os.path.exists(portfile) and open(portfile).read().strip():
                break
            time.sleep(0.05)
        port = int(open(portfile).read())
        run(A, B, C, files, logdir, port, scen)
    finally:
        srv.send_signal(signal.SIGTERM)
        srv.communicate(timeout=60)


def run(A, B, C, files, logdir, port, scen):
    vkey = open(os.path.join(logdir, "log.vkey")).read().strip()
    env = dict(os.environ, PARLEY_SERVER="http://127.0.0.1:%d" % port, PARLEY_VKEY=vkey)
    package = os.path.join(scen, "package")

    def cli(*args, key=None, expect=0):
        e = dict(env)
        if key is not None:
            e["PARLEY_KEY"] = files[key.name][0]
        res = subprocess.run([PARLEY] + list(args), capture_output=True, text=True, env=e)
        check(res.returncode == expect, "parley %s exits %d (got %d: %s)" % (" ".join(args)[:120], expect,
                                                                           res.returncode, res.stderr.strip()[-500:]))
        return res

    def get(path):
        c = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        c.request("GET", path)
        resp = c.getresponse()
        data = resp.read()
        c.close()
        return resp.status, data

    def size():
        return json.loads(get("/healthz")[1])["size"]

    out = cli("concern", "raise", "--title", "GREYHERON implant on the grid operator", "--class", "malicious-code",
              "--rsit-type", "infected-system", "--tlp", "TLP:AMBER", "--summary", "see the sealed evidence",
              "--to", "cert.b", "--wait", "--json", key=A)
    case = json.loads(out.stdout)["index"]
    A.seq += 1
    out = cli("evidence", "add", str(case), package, "--title", "GREYHERON indicators and samples " + CANARY_EV,
              "--tlp", "TLP:AMBER", "--to", "cert.b", "--reproduce", "run it " + CANARY_REPRO, "--wait", "--json",
              key=A)
    ev = json.loads(out.stdout)["index"]
    A.seq += 1

    # the server holds only sealed bytes: no package file, nor any long run of one, is in its blob store
    blobs = [f for f in glob.glob(os.path.join(logdir, "private", "blobs", "*", "*")) if os.path.isfile(f)]
    stored = b"".join(open(f, "rb").read() for f in blobs)
    plain = [open(os.path.join(package, rel), "rb").read() for rel in json.load(open(os.path.join(package,
                                                                                                 "manifest.json")))["files"]]
    check(len(blobs) >= len(plain) + 2, "every package file, the manifest and the index were uploaded (%d blobs)"
          % len(blobs))
    leaked = [p[:40] for p in plain if len(p) >= 64 and p[16:80] in stored]
    check(not leaked and b"GREYHERON" not in stored and b"greyheron" not in stored,
          "no plaintext reached the server (%s)" % leaked[:2])

    # the recipient opens it byte for byte; a third party cannot
    got = os.path.join(WORK, "got-b")
    cli("evidence", "fetch", str(ev), "--out", got, key=B)
    same = subprocess.run(["diff", "-r", package, got], capture_output=True)
    check(same.returncode == 0, "the recipient gets the package byte for byte")
    res = cli("evidence", "fetch", str(ev), "--out", os.path.join(WORK, "got-c"), key=C, expect=1)
    check("none of your keys is a reader's" in res.stderr and not os.path.exists(os.path.join(WORK, "got-c")),
          "a non-recipient learns nothing and keeps no partial output (%s)" % res.stderr.strip())
    # a tampered blob on the server is refused by the recipient
    victim = max(blobs, key=os.path.getsize)
    data = bytearray(open(victim, "rb").read())
    data[len(data) // 2] ^= 1
    os.chmod(victim, 0o644)
    open(victim, "wb").write(bytes(data))
    res = cli("evidence", "fetch", str(ev), "--out", os.path.join(WORK, "got-tampered"), key=B, expect=1)
    check("hash to" in res.stderr, "a tampered blob is refused (%s)" % res.stderr.strip())
    data[len(data) // 2] ^= 1
    open(victim, "wb").write(bytes(data))

    # TLP violations, refused before anything is appended
    leaf = lambda i: pp.b64(hashlib.sha256(b"\x00" + get("/v1/entries/%d" % i)[1]).digest())
    now = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    blob = {"sha256": "ab" * 32, "sealed": "cd" * 32, "size": 10}

    def refused(code, p, ptype, body, refs):
        before = size()
        payload = pp.payload(ORIGIN, ptype, p.name, p.seq + 1, now, body,
                             [{"index": i, "leaf": leaf(i)} for i in refs])
        c = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        c.request("POST", "/v1/statements", body=pp.envelope([p.sign], payload),
                  headers={"Content-Type": "application/json"})
        resp = c.getresponse()
        ans = json.loads(resp.read() or b"{}")
        c.close()
        got = ans.get("error", {}).get("code")
        check(resp.status >= 400 and got == code and size() == before,
              "%s refused with %s, nothing appended (got %d %s)" % (ptype, code, resp.status, got))

    base = {"case": case, "title": "t", "files": 1, "bytes": 10}
    refused("recipients_missing", A, "evidence", dict(base, tlp="TLP:RED", index=blob), [case])
    refused("encryption_required", A, "evidence", dict(base, tlp="TLP:GREEN", recipients=["cert.b"],
                                                       index={"sha256": "ab" * 32, "size": 10}), [case])
    refused("recipient_not_participant", A, "evidence", dict(base, tlp="TLP:AMBER", recipients=["cert.c"],
                                                             index=blob), [case])
    refused("tlp_unknown", A, "evidence", dict(base, tlp="TLP:WHITE", recipients=["cert.b"], index=blob), [case])
    refused("not_participant", C, "evidence", dict(base, tlp="TLP:CLEAR", index={"sha256": "ab" * 32, "size": 1}),
            [case])
    refused("evidence_unknown", B, "finding", {"evidence": case, "result": "reproduced", "summary": "s",
                                               "tlp": "TLP:CLEAR", "report": {"sha256": "ab" * 32, "size": 1}}, [case])
    refused("result_unknown", B, "finding", {"evidence": ev, "result": "maybe", "summary": "s",
                                             "tlp": "TLP:CLEAR", "report": {"sha256": "ab" * 32, "size": 1}}, [ev])

    # the claim: exact on the package, caught when an expected hit is altered
    res = cli("reproduce", got, "--check-claim", "--json")
    cc = json.loads(res.stdout)["check_claim"]
    check(cc["exact"] and cc["expected"] == cc["found"] > 0, "--check-claim passes on the package (%s)"
          % {k: cc[k] for k in ("exact", "expected", "found")})
    altered = os.path.join(WORK, "altered")
    shutil.copytree(got, altered)
    m = json.load(open(os.path.join(altered, "manifest.json")))
    hit = next(h for h in m["expected"] if "offset" in h)
    hit["offset"] += 1
    json.dump(m, open(os.path.join(altered, "manifest.json"), "w"))
    res = cli("reproduce", altered, "--check-claim", expect=1)
    check("MISMATCH" in res.stdout and "missing:" in res.stdout and "unexpected:" in res.stdout,
          "--check-claim fails when an expected hit is altered:\n" + res.stdout[-600:])

    # malformed rules and bundles are refused with a clear error
    def broken(name, rel, content):
        d = os.path.join(WORK, name)
        shutil.copytree(got, d)
        open(os.path.join(d, rel), "w").write(content)
        m = json.load(open(os.path.join(d, "manifest.json")))
        m["files"][rel] = hashlib.sha256(content.encode()).hexdigest()
        json.dump(m, open(os.path.join(d, "manifest.json"), "w"))
        return d
    res = cli("reproduce", broken("bad-rules", "rules.yar", "rule broken { strings: $a = \"x\" condition: $b }"),
              "--check-claim", expect=3)
    check("do not compile" in res.stderr and "rules.yar" in res.stderr, "a YARA file that does not compile is refused: "
          + res.stderr.strip())
    bundle = json.load(open(os.path.join(got, "indicators.json")))
    ind = next(o for o in bundle["objects"] if o["type"] == "indicator")
    ind["pattern"] = "[file:name = 'x'"
    res = cli("reproduce", broken("bad-stix", "indicators.json", json.dumps(bundle)), "--check-claim", expect=3)
    check(ind["id"] in res.stderr, "a bundle with a pattern that does not parse is refused, naming the indicator: "
          + res.stderr.strip())
    res = cli("reproduce", got, "--pcap", os.path.join(got, "manifest.json"), expect=3)
    check("manifest.json" in res.stderr or "capture" in res.stderr, "a file that is no capture is refused clearly: "
          + res.stderr.strip())

    # the accused side reproduces on its own data
    acc = os.path.join(scen, "accused")
    res = cli("reproduce", got, "--files", os.path.join(acc, "clean", "files"), "--pcap",
              os.path.join(acc, "clean", "capture.pcap"), "--json")
    clean = json.loads(res.stdout)
    check(clean["result"] == "not_reproduced" and clean["hits"] == [], "the clean dataset: not reproduced")
    report = os.path.join(WORK, "report.json")
    res = res_sign = cli("reproduce", got, "--files", os.path.join(acc, "infected", "files"), "--pcap",
              os.path.join(acc, "infected", "capture.pcap"), "--out", report, "--sign", str(ev), "--tlp",
              "TLP:AMBER", "--to", "cert.a", "--wait", key=B)
    rep = json.load(open(report))
    expected = json.load(open(os.path.join(acc, "expected-infected.json")))
    key = lambda h: (h.get("rule") or h.get("indicator"), h.get("path") or "", h.get("offset", -1), h.get("packet", 0))
    found = sorted(key(h) for h in rep["hits"])
    want = sorted([key(h) for h in expected["files"]] + [key(h) for h in expected["capture"]])
    check(rep["result"] == "reproduced" and found == want,
          "the infected dataset: reproduced, with exactly the planted hits (%d found, %d planted)" % (len(found), len(want)))
    statuses = {i["status"] for i in rep["indicators"]}
    check(statuses == {"matched", "not_matched", "not_evaluated"} and
          all(i.get("why") for i in rep["indicators"] if i["status"] == "not_evaluated"),
          "every indicator is matched, not matched, or not evaluated with a reason")
    check("finding" in res.stdout and "reproduced" in res.stdout, "--sign records the finding: " + res.stdout[-200:])
    st, c = get("/v1/cases/%d" % case)
    c = json.loads(c)
    evs = c.get("evidence", [])
    # the server's view: that there is evidence and a finding on it, not what they say (sealed descriptions)
    check(st == 200 and len(evs) == 1 and evs[0]["findings"] == 1 and evs[0]["last_result"] is None and
          evs[0]["sealed"] and evs[0]["tlp"] == "TLP:AMBER" and evs[0]["title"] == "" and
          [f["result"] for f in evs[0].get("finding_list", [])] == ["sealed"],
          "the server's case view shows the evidence and its finding, their descriptions sealed (%s)" % evs)
    res = cli("case", "show", str(case))
    check(res.stdout.count("[ok]") == 3 and "FAILED" not in res.stdout,
          "concern, evidence and finding verify:\n" + res.stdout)

    # the requester opens the finding's report: the very bytes cert.b signed for; cert.c cannot
    fidx = int(re.search(r"finding (\d+) on evidence", res_sign.stdout).group(1))
    # nothing a sealed statement says is anywhere in the server's files (the blobs are checked above)
    n, hits = walk(logdir, ["GREYHERON", CANARY_EV, CANARY_REPRO], skip=["private/blobs"])
    check(n > 5 and not hits, "no title, reproduce text or concern title in the server's %d files (%s)" % (n, hits))
    res = cli("case", "show", str(case), key=B)
    check(CANARY_EV in res.stdout and CANARY_REPRO in res.stdout and "result: reproduced" in res.stdout,
          "a recipient's case show opens the evidence's title and reproduce text and the finding's result:\n"
          + res.stdout[-600:])
    for i, hidden in ((ev, {"title", "files", "bytes", "reproduce"}), (fidx, {"result", "summary"})):
        st_, raw = get("/v1/entries/%d" % i)
        body = json.loads(base64.b64decode(json.loads(raw)["payload"]))["body"]
        blob = body.get("index", body.get("report", {}))
        check(isinstance(body.get("sealed"), str) and not (hidden & set(body)) and list(blob) == ["sealed"],
              "entry %d describes itself sealed: only its label, recipients and blob name public (%s)" % (i, body))
    got_f = os.path.join(WORK, "finding-a")
    res = cli("evidence", "fetch", str(fidx), "--out", got_f, "--json", key=A)
    check(json.loads(res.stdout).get("result") == "reproduced" and
          open(os.path.join(got_f, "report.json"), "rb").read() == open(report, "rb").read(),
          "the requester opens the finding's sealed report, byte for byte")
    check(sorted(os.listdir(got_f)) == ["report.json"], "the report directory holds only the report")
    # what was opened is for its recipient only, whatever the umask
    opened = [got, got_f] + [os.path.join(dp, n) for top in (got, got_f) for dp, dns, fns in os.walk(top)
                              for n in dns + fns]
    loose = [p for p in opened if os.stat(p).st_mode & 0o077]
    check(not loose, "opened evidence and reports are readable by their owner only (%s)" % loose[:3])
    res = cli("evidence", "fetch", str(fidx), "--out", os.path.join(WORK, "finding-c"), key=C, expect=1)
    check("none of your keys is a reader's" in res.stderr and not os.path.exists(os.path.join(WORK, "finding-c")),
          "a non-recipient cannot open the report, and nothing is left behind: " + res.stderr.strip())

    # cert.b rotates its key: what was sealed to its old key opens with --old-key, and only then
    newkey = os.path.join(WORK, "cert.b.2027")
    r = subprocess.run([PARLEY, "keygen", "--party", "cert.b", "--out", newkey], capture_output=True, text=True,
                       stdin=subprocess.DEVNULL, env=dict(env, PARLEY_PASSPHRASE=""))
    check(r.returncode == 0, "a new key for cert.b: " + r.stderr)
    cli("key", "rotate", "--new", newkey + ".key", "--wait", key=B)
    res = cli("evidence", "fetch", str(ev), "--out", os.path.join(WORK, "got-rotated"), "--key", newkey + ".key",
              expect=1)
    check("older key" in res.stderr and "--old-key" in res.stderr and
          not os.path.exists(os.path.join(WORK, "got-rotated")),
          "after a rotation the new key alone cannot open, and says what to do: " + res.stderr.strip())
    cli("evidence", "fetch", str(ev), "--out", os.path.join(WORK, "got-rotated"), "--key", newkey + ".key",
        "--old-key", files["cert.b"][0])
    same = subprocess.run(["diff", "-r", package, os.path.join(WORK, "got-rotated")], capture_output=True)
    check(same.returncode == 0, "with --old-key the package opens byte for byte after the rotation")
    res = cli("evidence", "fetch", str(ev), "--out", os.path.join(WORK, "got-mixed"), "--key", newkey + ".key",
              "--old-key", files["cert.a"][0], expect=2)
    check("cert.a's, not cert.b's" in res.stderr, "--old-key of another party is refused: " + res.stderr.strip())

    # --json on a signing command carries the receipt; a receipt that cannot be written is a failure
    rcpt = os.path.join(WORK, "ping.receipt")
    res = cli("submit", "--type", "ping", "--wait", "--json", "--receipt", rcpt, key=C)
    out = json.loads(res.stdout)
    check(out.get("type") == "ping" and out.get("in_checkpoint") is True and out.get("receipt") == rcpt and
          open(rcpt).read().startswith("c2sp.org/tlog-proof@v1"), "submit --json names the receipt it wrote: %s" % out)
    res = cli("submit", "--type", "ping", "--wait", "--receipt", os.path.join(WORK, "no", "such", "dir", "r"), key=C,
              expect=3)
    check("receipt" not in res.stdout or "written" not in res.stdout, "an unwritten receipt is not reported written")

    # the STIX objects Parley emits validate against the OASIS schemas
    validate(rep["stix"]["objects"])


def validate(objects):
    try:
        import jsonschema
        from referencing import Registry, Resource
    except ImportError as e:
        check(False, "jsonschema with referencing is needed: %s" % e)
        return
    base = os.path.join(ROOT, "tests", "stix2", "schemas")
    resources, by_name = [], {}
    for path in glob.glob(os.path.join(base, "*", "*.json")):
        doc = json.load(open(path))
        res = Resource.from_contents(doc)
        resources.append((doc.get("$id", path), res))
        by_name[os.path.relpath(path, base)] = doc
    registry = Registry().with_resources(resources)
    kinds = {"identity": "sdos/identity.json", "sighting": "sros/sighting.json"}
    seen = set()
    for o in objects:
        schema = by_name[kinds[o["type"]]]
        errors = list(jsonschema.Draft202012Validator(schema, registry=registry).iter_errors(o))
        check(not errors, "%s validates against its OASIS schema (%s)" % (o["type"], [e.message for e in errors][:2]))
        seen.add(o["type"])
    check(seen == {"identity", "sighting"}, "the report carries an identity and sightings (%s)" % seen)


if __name__ == "__main__":
    try:
        main()
    finally:
        subprocess.run(["pkill", "-f", "parley serve " + os.path.join(WORK, "log")], capture_output=True)
    if failures:
        print("%d checks failed" % len(failures), file=sys.stderr)
        sys.exit(1)
    print("evidence test: OK")
