#!/usr/bin/env python3
"""The README's run command, as a new member runs it: in a clean clone,
non-interactively (stdin is /dev/null, no terminal), with free ports.

Checks that every step of the narrative happened, in order, and verified;
then checks the outcome independently of the script's own words: the
servers it left running answer, the proof file it wrote verifies offline
under both witnesses' cosignatures with the clone's binary, the case is
closed with a reproduced finding, and the server's blob store holds no
plaintext of the evidence. Runs the command a second time (it reuses what
exists and plays one more case), then `scripts/run.sh stop`.

usage: first_hour_test.py SOURCE_DIR SCRATCH
SOURCE_DIR must be a git repository: the test clones its HEAD (what is not
committed is not tested, as in CI).
"""
import glob
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import urllib.request

failures = []


def check(cond, what):
    print(("ok: " if cond else "FAIL: ") + what)
    if not cond:
        failures.append(what)
    return cond


# The narrative, step by step, on a first run: each line must appear, in this
# order, marked [ok].
FIRST_RUN = [
    r"cert\.a made its key pair: .*cert\.a\.key \(secret, 0600\)",
    r"cert\.b made its key pair",
    r"log parley\.localhost/wg created; entry 0 is the charter naming cert\.a and cert\.b",
    r"witness 1 \(cert-a's\) made its cosigning key",
    r"witness 2 \(cert-b's\) made its cosigning key",
    r"parley serve at http://127\.0\.0\.1:(\d+), witnesses at http://127\.0\.0\.1:(\d+) and http://127\.0\.0\.1:(\d+)",
]
SCENARIO = [
    r"each member's settings are in .*cert\.a\.conf and cert\.b\.conf: server, keys, both witnesses, quorum 2",
    r"cert\.a published the 11 norms of the 2015 UN GGE report .* at entry 1; signed, in a checkpoint cosigned by both witnesses",
    r"cert\.a subscribed to those norms .* at entry 2; signed, in a checkpoint cosigned by both witnesses",
    r"the GREYHERON scenario",
    r"cert\.a raised a concern: case (\d+), TLP:AMBER, invoking norms 13\(f\) and 13\(h\); signed, in a checkpoint cosigned",
    r"cert\.a sealed its evidence to cert\.b and itself .*: entry (\d+); signed, in a checkpoint cosigned",
    r"cert\.a asked cert\.b for assistance: request (\d+), due \S+; signed, in a checkpoint cosigned",
    r"request (\d+) is in cert\.b's inbox: acknowledgement due",
    r"cert\.b acknowledged request (\d+) at entry (\d+); signed, in a checkpoint cosigned",
    r"cert\.b fetched evidence (\d+), opened it with its own key and checked every file's hash",
    r"cert\.b ran the package on its own examples: exactly the hits cert\.a claims",
    r"cert\.b reproduced it on its own hosts and traffic \((\d+) hits\) and signed a finding: entry (\d+); signed, in a checkpoint cosigned",
    r"cert\.b answered request (\d+) \(granted\) at entry (\d+)",
    r"cert\.a read case (\d+): every statement's signature, inclusion and witness quorum verified",
    r"cert\.a opened cert\.b's sealed report with its own key: reproduced, 113 hits",
    r"cert\.a closed case (\d+) as resolved at entry (\d+); signed, in a checkpoint cosigned",
    r"cert\.a offered cert\.b a standing bilateral group at entry (\d+), its name and mandate sealed to both",
    r"cert\.b accepted group (\d+) at entry (\d+): established",
    r"cert\.a proposed session (\d+) in group (\d+), case (\d+) on its agenda",
    r"session (\d+) was held; its minutes \(entry (\d+), sealed\) are endorsed by both",
    r"cert\.b published its contact details at entry (\d+), sealed to the members' key",
    r"cert\.a opened them with the members' key its own key opens: poc@cert-b\.example, 24/7",
    r"an offline proof that cert\.b signed finding (\d+), with both cosignatures: (\S+) \(verified without the server\)",
    r"the whole log \((\d+) entries\) audited from its tiles",
]
AGAIN = [r"parley serve at http://127\.0\.0\.1:(\d+)", SCENARIO[0]] + SCENARIO[3:]  # norms are already there


def steps(out, want, label):
    """Checks the [ok] lines are exactly the wanted ones, in order; returns their matches."""
    lines = [l for l in out.splitlines() if re.match(r"\s*\[(ok|FAILED)\]", l)]
    check(not any("[FAILED]" in l for l in lines), "%s: no step failed" % label)
    check(len(lines) == len(want), "%s: %d steps marked (want %d)" % (label, len(lines), len(want)))
    got = []
    for i, pat in enumerate(want):
        line = lines[i] if i < len(lines) else ""
        m = re.search(r"\[ok\]\s+%d\. " % (i + 1) + pat, line)
        check(m is not None, "%s step %d: %s (line: %r)" % (label, i + 1, pat[:60], line[:140]))
        got.append(m)
    check(("All %d steps verified." % len(want)) in out, "%s: the narrative ends with all steps verified" % label)
    return got


def main():
    src, scratch = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
    shutil.rmtree(scratch, ignore_errors=True)
    os.makedirs(scratch)
    clone = os.path.join(scratch, "clone")
    subprocess.run(["git", "clone", "-q", src, clone], check=True)
    env = dict(os.environ, PARLEY_LISTEN="127.0.0.1:0", PARLEY_WITNESS1_LISTEN="127.0.0.1:0",
               PARLEY_WITNESS2_LISTEN="127.0.0.1:0")
    for k in ("PARLEY_HOME", "PARLEY_SERVER", "PARLEY_VKEY", "PARLEY_KEY", "PARLEY_PASSPHRASE", "PARLEY_CONFIG",
              "PARLEY_WITNESS_KEY", "PARLEY_QUORUM"):
        env.pop(k, None)
    env["HOME"] = scratch  # no member's own config file applies
    home = os.path.join(clone, "var", "parley")
    P = os.path.join(clone, "build", "src", "parley")

    def run_sh(*args, timeout=1800):
        return subprocess.run(["bash", "scripts/run.sh", *args], cwd=clone, env=env, stdin=subprocess.DEVNULL,
                              capture_output=True, text=True, timeout=timeout)

    try:
        play(run_sh, scratch, home, P, env)
    finally:
        res = run_sh("stop", timeout=120)
        check(res.returncode == 0 and res.stdout.count("stopped") == 3,
              "scripts/run.sh stop stops the server and both witnesses:\n" + res.stdout)
        st = run_sh("status", timeout=60)
        check(st.stdout.count("not running") == 3, "status then says nothing runs:\n" + st.stdout)
        env["PARLEY_HOME"] = os.path.join(scratch, "nowhere")
        st = run_sh("status", timeout=60)
        check(st.returncode == 1 and "no working group in" in st.stdout,
              "status where there is no working group says so:\n" + st.stdout)
    if failures:
        print("%d checks failed" % len(failures), file=sys.stderr)
        sys.exit(1)
    print("first hour test: OK")


def play(run_sh, scratch, home, P, env):
    res = run_sh()
    print(res.stdout)
    check(res.returncode == 0, "scripts/run.sh exits 0 (%d): %s" % (res.returncode, res.stderr[-2000:]))
    m = steps(res.stdout, FIRST_RUN + SCENARIO, "first run")
    if failures:
        return
    ports = [int(x) for x in m[5].groups()]
    url = "http://127.0.0.1:%d" % ports[0]
    case = int(m[10].group(1))
    ev = int(m[11].group(1))
    req = int(m[12].group(1))
    hits, finding = int(m[17].group(1)), int(m[17].group(2))
    at = len(FIRST_RUN) + next(i for i, r in enumerate(SCENARIO) if r.startswith("an offline proof"))
    proof = m[at].group(2)
    check(hits == 113, "the finding reports the 113 planted hits (%d)" % hits)
    check(int(m[at].group(1)) == finding and os.path.isfile(proof), "the proof file is the finding's (%s)" % proof)

    # --- what the script left behind, checked without it ---
    with urllib.request.urlopen(url + "/healthz", timeout=10) as r:
        check(r.status == 200, "the log server is still running")
    for p in ports[1:]:
        try:
            socket.create_connection(("127.0.0.1", p), timeout=10).close()
            up = True
        except OSError:
            up = False
        check(up, "the witness on port %d is still running" % p)
    vkey = open(os.path.join(home, "log", "log.vkey")).read().strip()
    wkeys = [open(os.path.join(home, "witness%d" % i, "witness.vkey")).read().strip() for i in (1, 2)]
    quorum = ["--witness-key", wkeys[0], "--witness-key", wkeys[1], "--quorum", "2"]
    r = subprocess.run([P, "verify-proof", proof, "--vkey", vkey, "--identity",
                        os.path.join(home, "keys", "cert.b.id.json"), *quorum], capture_output=True, text=True,
                       env=env)
    check(r.returncode == 0, "the proof file verifies offline under both cosignatures: " + r.stderr[-300:])
    # a proof under a witness the log never had must not verify
    other = subprocess.run([P, "witness", "init", os.path.join(scratch, "wx"), "--name", "other.example/w"],
                           capture_output=True, text=True, env=env)
    wx = open(os.path.join(scratch, "wx", "witness.vkey")).read().strip()
    r = subprocess.run([P, "verify-proof", proof, "--vkey", vkey, "--identity",
                        os.path.join(home, "keys", "cert.b.id.json"), "--witness-key", wkeys[0],
                        "--witness-key", wx, "--quorum", "2"], capture_output=True, text=True, env=env)
    check(other.returncode == 0 and r.returncode == 1,
          "the same proof fails (exit 1) when a quorum of 2 counts a witness that never cosigned (%d)"
          % r.returncode)
    cenv = dict(env, PARLEY_SERVER=url, PARLEY_VKEY=vkey, PARLEY_KEY=os.path.join(home, "keys", "cert.a.key"))
    r = subprocess.run([P, "case", "show", str(case), "--json", *quorum], capture_output=True, text=True, env=cenv)
    c = json.loads(r.stdout) if r.returncode == 0 else {}
    types = [s.get("type") for s in c.get("thread", [])]
    check(c.get("state") == "closed" and c.get("outcome") == "resolved",
          "case %d is closed as resolved (%s/%s)" % (case, c.get("state"), c.get("outcome")))
    check(all(t in types for t in ("concern", "evidence", "request", "ack", "finding", "response", "close")),
          "the thread holds concern, evidence, request, ack, finding, response, close (%s)" % types)
    check(all(all(s["verified"].values()) for s in c.get("thread", [])),
          "every statement of the thread verifies with quorum 2")
    evs = c.get("evidence", [])
    check(len(evs) == 1 and evs[0].get("findings") == 1 and evs[0].get("sealed") and evs[0].get("last_result") is None,
          "evidence %d is sealed and has a finding, whose result the log does not show (%s)" % (ev, evs))
    fs = [t for t in c.get("thread", []) if t.get("type") == "finding"]
    check(len(fs) == 1 and fs[0].get("result") == "reproduced" and fs[0].get("sealed", {}).get("state") == "opened",
          "cert.a, a reader, opens the finding: reproduced (%s)" % fs)
    blobs = b"".join(open(f, "rb").read() for f in glob.glob(os.path.join(home, "log", "private", "blobs", "*", "*"))
                     if os.path.isfile(f))
    check(len(blobs) > 0 and b"GREYHERON" not in blobs and b"greyheron" not in blobs,
          "the server's blob store holds no plaintext of the evidence")
    r = subprocess.run([P, "report", "--json", "--party", "cert.b", *quorum], capture_output=True, text=True, env=cenv)
    check(r.returncode == 0 and "cert.b" in r.stdout, "the report covers cert.b")

    # the build run.sh made installs whole: the executable, its man pages, the guides
    prefix = os.path.join(scratch, "prefix")
    r = subprocess.run(["cmake", "--install", os.path.join(os.path.dirname(home), "..", "build"), "--prefix", prefix],
                       capture_output=True, text=True)
    check(r.returncode == 0 and all(os.path.isfile(os.path.join(prefix, f)) for f in
                                    ("bin/parley", "share/man/man1/parley.1", "share/man/man1/parley-inbox.1",
                                     "share/doc/parley/getting-started.md")),
          "cmake --install after run.sh installs parley, its man pages and the guides: " + r.stderr[-300:])

    # --- a second run reuses everything and plays one more case ---
    res = run_sh()
    print(res.stdout)
    check(res.returncode == 0, "a second run exits 0 (%d): %s" % (res.returncode, res.stderr[-2000:]))
    m2 = steps(res.stdout, AGAIN, "second run")
    if m2[0] is not None:
        check(int(m2[0].group(1)) == ports[0], "the second run reuses the running server")
    if m2[3] is not None:
        check(int(m2[3].group(1)) > case, "the second run opens a new case")
    check("made its key pair" not in res.stdout and "created" not in res.stdout,
          "the second run makes no new keys and no new log")
    check(req > case and ev > case, "entries are in the narrative's order")


if __name__ == "__main__":
    main()
