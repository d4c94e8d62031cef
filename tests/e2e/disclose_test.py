#!/usr/bin/env python3
"""Disclosures and proofs of an author's misbehaviour, checked offline (docs/confidentiality.md, section 7).

A log with three founders (alpha, beta, gamma) runs under `parley serve`, cosigned by two witnesses.

- alpha raises a TLP:AMBER concern to beta with a canary; beta, a reader, writes a disclosure with
  `parley disclose`; with the server stopped, `parley verify-disclosure` checks it with the log's key
  and both witness keys at quorum 2 and prints the canary, the author, the type, the TLP and the
  readers (--json too);
- it fails with another log's key, with a witness key that did not cosign, and for every flipped byte
  (one every few dozen bytes, all over the file);
- gamma, a member who is not a reader, cannot make one (exit 1), nor can beta for a concern in clear;
- a misbehaving author (bad_sealer, against libparley) signs a concern whose key wrapped to beta opens
  another key; it is admitted; beta's `parley disclose` refuses and points to `parley prove`; `parley
  prove` writes a box proof that verifies offline (the fault named), and fails once a byte flips;
  the same for a commitment naming another text (a key proof); alpha's `prove` on its own honest
  concern says there is nothing to prove.
"""
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import parleypy as pp  # noqa: E402

PARLEY, WORK, BAD = sys.argv[1], sys.argv[2], sys.argv[3]
ORIGIN = "test.example/disclose"
CANARY = "CANARYDISCLOSE4c2d"
ROOT = ["--allow-root"] if os.geteuid() == 0 else []
failures = []
procs = []


def check(cond, what):
    if not cond:
        failures.append(what)
        print("FAIL: " + what, file=sys.stderr)
    return cond


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


def plain(*args, expect=0):
    r = subprocess.run([PARLEY] + list(args), capture_output=True, text=True)
    if expect is not None:
        check(r.returncode == expect, "parley %s exits %d (got %d: %s)" % (
            " ".join(args[:3]), expect, r.returncode, r.stderr.strip()[-300:]))
    return r


def start(*args):
    p = subprocess.Popen([PARLEY] + list(args), stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    procs.append(p)
    return p


def wait_http(url):
    for _ in range(200):
        try:
            urllib.request.urlopen(url + "/healthz", timeout=1).read()
            return
        except Exception:
            time.sleep(0.05)
    raise AssertionError("no server at " + url)


def get(url):
    with urllib.request.urlopen(url, timeout=60) as r:
        return r.read()


def split_parts(data):
    """The (name, bytes) parts of a disclosure file after its first line."""
    _, _, rest = data.partition(b"\n")
    parts = []
    while rest:
        line, _, rest = rest.partition(b"\n")
        name, n = line.decode().split(" ")
        parts.append((name, rest[:int(n)]))
        rest = rest[int(n):]
    return parts


def join_parts(parts):
    return b"parley-disclosure-file/v1\n" + b"".join(b"%s %d\n%s" % (n.encode(), len(p), p) for n, p in parts)


def main():
    shutil.rmtree(WORK, ignore_errors=True)
    os.makedirs(WORK)
    parties = {n: pp.Party(n) for n in ("alpha", "beta", "gamma")}
    files = {n: p.write(WORK) for n, p in parties.items()}
    logdir = os.path.join(WORK, "log")
    plain("init", logdir, "--origin", ORIGIN, "--key", files["alpha"][0], "--founder", files["beta"][1],
          "--founder", files["gamma"][1])
    vkey = open(os.path.join(logdir, "log.vkey")).read().strip()
    wit = []
    for name in ("w1", "w2", "w3"):
        d = os.path.join(WORK, name)
        plain("witness", "init", d, "--name", "witness.test/" + name)
        plain("witness", "add-log", d, "--vkey", vkey)
        wit.append((open(os.path.join(d, "witness.vkey")).read().strip(), d, free_port()))
    for wv, d, port in wit[:2]:
        start("witness", "serve", d, "--listen", "127.0.0.1:%d" % port, "--rate", "0", *ROOT)
        wait_http("http://127.0.0.1:%d" % port)
    port = free_port()
    args = ["serve", logdir, "--listen", "127.0.0.1:%d" % port, "--witness-interval", "100", *ROOT]
    for wv, d, p in wit[:2]:
        args += ["--witness", "%s@http://127.0.0.1:%d" % (wv, p)]
    srv = start(*args)
    url = "http://127.0.0.1:%d" % port
    wait_http(url)
    try:
        run(url, vkey, [w[0] for w in wit], files, parties, srv)
    finally:
        for p in procs:
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
                try:
                    p.communicate(timeout=60)
                except subprocess.TimeoutExpired:
                    p.kill()


def run(url, vkey, wkeys, files, parties, srv):
    quorum = ["--witness-key", wkeys[0], "--witness-key", wkeys[1], "--quorum", "2"]

    def cli(who, *args, expect=0):
        e = dict(os.environ, PARLEY_SERVER=url, PARLEY_VKEY=vkey, PARLEY_KEY=files[who][0],
                 PARLEY_DATA_DIR=os.path.join(WORK, "data-" + who))
        e.pop("PARLEY_QUORUM", None)
        res = subprocess.run([PARLEY] + list(args) + quorum, capture_output=True, text=True, env=e)
        check(res.returncode == expect, "%s: parley %s exits %d (got %d: %s)" % (
            who, " ".join(args), expect, res.returncode, res.stderr.strip()[-400:]))
        return res

    def verify(path, *extra, keys=None, expect=0):
        return plain("verify-disclosure", path, "--vkey", vkey, *(keys if keys is not None else quorum), *extra,
                     expect=expect)

    def statement(i):
        env = json.loads(get(url + "/v1/entries/%d" % i))
        return json.loads(pp.base64.b64decode(env["payload"]))

    def wait_cosigned(size_min):
        deadline = time.time() + 120
        while time.time() < deadline:
            cp = get(url + "/checkpoint").decode()
            signers = {ln.split(" ")[1] for ln in cp.split("\n") if ln.startswith("\u2014 witness.test/")}
            if int(cp.split("\n")[1]) >= size_min and len(signers) == 2:
                return True
            time.sleep(0.2)
        return False

    r = cli("alpha", "concern", "raise", "--title", "Intrusion " + CANARY, "--class", "intrusions",
            "--tlp", "TLP:AMBER", "--summary", "Implant " + CANARY, "--to", "beta", "--wait", "--json")
    if not check(r.returncode == 0, "the TLP:AMBER concern is accepted"):
        return
    case = json.loads(r.stdout.strip().splitlines()[-1])["index"]
    r = cli("alpha", "concern", "raise", "--title", "Scans in clear", "--class", "information-gathering",
            "--tlp", "TLP:CLEAR", "--summary", "public", "--to", "beta", "--wait", "--json")
    clear = json.loads(r.stdout.strip().splitlines()[-1])["index"]
    # two misbehaving concerns by alpha, admitted (their readers are right)
    bad = {}
    seq = statement(clear)["seq"]
    for fault in ("cipher", "commitment"):
        seq += 1
        env = subprocess.run([BAD, files["alpha"][0], ORIGIN, str(seq), pp.now(), fault, "beta", files["beta"][1]],
                             capture_output=True, check=True).stdout
        req = urllib.request.Request(url + "/v1/statements?wait=1", data=env,
                                     headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=60) as resp:
            bad[fault] = json.loads(resp.read())["index"]
    # a sealed answer in the AMBER thread: its disclosure proves its request and concern, so shows the label
    r = cli("alpha", "request", str(case), "--kind", "information", "--to", "beta", "--text", "Which hosts?",
            "--wait", "--json")
    req = json.loads(r.stdout.strip().splitlines()[-1])["index"]
    r = cli("beta", "respond", str(req), "--status", "refused", "--reasons", "not ours " + CANARY, "--wait", "--json")
    resp = json.loads(r.stdout.strip().splitlines()[-1])["index"]
    check(wait_cosigned(max(list(bad.values()) + [resp]) + 1), "both witnesses cosign the log")

    out = {w: os.path.join(WORK, w) for w in ("disc", "gamma.disc", "clear.disc", "cipher.proof", "commit.proof",
                                               "honest.proof", "bad.disc", "resp.disc")}
    r = cli("beta", "disclose", str(case), "--out", out["disc"])
    check("written" in r.stdout, "disclose says where it wrote (%s)" % r.stdout.strip())
    cli("gamma", "disclose", str(case), "--out", out["gamma.disc"], expect=1)
    check(not os.path.exists(out["gamma.disc"]), "gamma, not a reader, writes no disclosure")
    cli("beta", "disclose", str(resp), "--out", out["resp.disc"])
    r = cli("beta", "disclose", str(clear), "--out", out["clear.disc"], expect=3)
    check("in clear" in r.stderr, "a concern in clear has nothing to disclose (%s)" % r.stderr.strip())
    r = cli("beta", "disclose", str(bad["cipher"]), "--out", out["bad.disc"], expect=1)
    check("parley prove" in r.stderr, "a body that does not open points to `parley prove` (%s)" % r.stderr.strip())
    r = cli("beta", "prove", str(bad["cipher"]), "--out", out["cipher.proof"])
    r = cli("beta", "prove", str(bad["commitment"]), "--out", out["commit.proof"])
    r = cli("alpha", "prove", str(case), "--out", out["honest.proof"], expect=1)
    check("nothing to prove" in r.stderr, "an honest body: nothing to prove (%s)" % r.stderr.strip())

    # offline from here: the server and the witnesses are stopped
    for p in procs:
        p.send_signal(signal.SIGTERM)
        p.communicate(timeout=60)

    r = verify(out["disc"])
    check(CANARY in r.stdout and "concern by alpha" in r.stdout and "TLP:AMBER" in r.stdout
          and "alpha (key" in r.stdout and "beta (key" in r.stdout and "not checked offline" in r.stdout,
          "verify-disclosure prints the text, author, type, TLP and readers (%s)" % r.stdout)
    js = json.loads(verify(out["disc"], "--json").stdout)
    check(js.get("kind") == "disclosure" and js.get("index") == case and js.get("author") == "alpha"
          and js.get("type") == "concern" and js.get("tlp") == "TLP:AMBER"
          and CANARY in js.get("sealed", {}).get("title", "")
          and sorted(x["party"] for x in js.get("readers", [])) == ["alpha", "beta"]
          and js.get("author_key", {}).get("entry") == 0, "--json says what the disclosure shows (%s)" % js)
    # the response: its label is its concern's, proven by the thread parts
    r = verify(out["resp.disc"])
    check(CANARY in r.stdout and "response by beta" in r.stdout and "TLP:AMBER (its concern's label)" in r.stdout
          and "thread: request at entry %d" % req in r.stdout and "thread: concern at entry %d" % case in r.stdout,
          "a disclosed response shows its thread and its concern's label (%s)" % r.stdout)
    js = json.loads(verify(out["resp.disc"], "--json").stdout)
    check(js.get("tlp") == "TLP:AMBER" and js.get("thread", {}).get("proven") ==
          [{"entry": req, "type": "request"}, {"entry": case, "type": "concern"}]
          and CANARY in js.get("sealed", {}).get("reasons", ""), "--json lists the thread proven (%s)" % js)
    parts = split_parts(open(out["resp.disc"], "rb").read())
    check([p[0] for p in parts] == ["statement", "author", "thread", "thread", "block"],
          "the file holds two thread parts (%s)" % [p[0] for p in parts])
    variants = {
        # a file made before thread parts: still verifies, the label not shown
        "old": ([p for p in parts if p[0] != "thread"], 0),
        # a thread that stops before its concern, or names the wrong entry
        "short": ([p for p in parts if p != parts[3]], 1),
        "swapped": ([parts[0], parts[1], parts[3], parts[2], parts[4]], 1),
    }
    for name, (ps, want) in variants.items():
        path = os.path.join(WORK, name + ".disc")
        with open(path, "wb") as f:
            f.write(join_parts(ps))
        r = verify(path, "--json", expect=want)
        if name == "old":
            check(json.loads(r.stdout).get("tlp") is None and "not proven" in verify(path).stdout,
                  "a file without thread parts verifies, its label unknown")
    other = os.path.join(WORK, "other")
    plain("log", "init", other, "--origin", ORIGIN)
    verify(out["disc"], keys=["--vkey", open(os.path.join(other, "log.vkey")).read().strip(), "--quorum", "0"],
           expect=1)
    r = verify(out["disc"], keys=["--witness-key", wkeys[0], "--witness-key", wkeys[2], "--quorum", "2"], expect=1)
    check("witness" in r.stderr, "a quorum not met is said (%s)" % r.stderr.strip())
    verify(out["disc"], keys=["--witness-key", wkeys[0], "--quorum", "1"])  # one of the two cosigners suffices at 1

    data = open(out["disc"], "rb").read()
    flipped = os.path.join(WORK, "flipped")
    bad_ok = []
    for pos in range(0, len(data), 37):
        with open(flipped, "wb") as f:
            f.write(data[:pos] + bytes([data[pos] ^ 1]) + data[pos + 1:])
        if verify(flipped, expect=None).returncode != 1:
            bad_ok.append(pos)
    check(not bad_ok, "every flipped byte fails verification with exit 1 (not: %s of %d)" % (bad_ok[:10], len(data)))
    with open(flipped, "wb") as f:
        f.write(data[:-1])
    verify(flipped, expect=1)

    r = verify(out["cipher.proof"])
    check("PROOF OF MISBEHAVIOUR" in r.stdout and "box" in r.stdout and "beta" in r.stdout,
          "the box proof verifies offline (%s)" % r.stdout)
    js = json.loads(verify(out["cipher.proof"], "--json").stdout)
    check(js.get("kind") == "misbehaviour" and js["misbehaviour"]["fault"] == "cipher"
          and js["misbehaviour"]["proof"] == "box" and js["misbehaviour"]["reader"]["party"] == "beta",
          "--json names the fault and the reader (%s)" % js.get("misbehaviour"))
    js = json.loads(verify(out["commit.proof"], "--json").stdout)
    check(js.get("kind") == "misbehaviour" and js["misbehaviour"]["fault"] == "commitment"
          and js["misbehaviour"]["proof"] == "key", "the key proof verifies offline (%s)" % js.get("misbehaviour"))
    for name in ("cipher.proof", "commit.proof"):
        data = open(out[name], "rb").read()
        at = data.rfind(b"parley-sealed-proof/v1")
        for pos in (at + 40, at + 60, len(data) - 5, len(data) // 3):
            with open(flipped, "wb") as f:
                f.write(data[:pos] + bytes([data[pos] ^ 1]) + data[pos + 1:])
            verify(flipped, expect=1)


if __name__ == "__main__":
    main()
    if failures:
        print("%d failure(s)" % len(failures), file=sys.stderr)
        sys.exit(1)
    print("ok")
