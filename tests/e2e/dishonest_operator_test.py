#!/usr/bin/env python3
"""Trust nothing the server says: a member facing a dishonest operator.

The members talk to the log through a front the operator controls: a small
HTTP proxy here that forwards to the real `parley serve` but can rewrite any
answer of the read API, answer 404 to all of it, or switch to another copy of
the log. Every member-side command reads the member's verified copy of the
log (tiles and checkpoints, checked under the witness policy, every statement
replayed through the rules), so none of these lies reaches a member:

1. a statement "by beta" signed with a key beta never had, appended to the
   log, with a registry rewritten to name that key: `get` refuses it (exit 1),
   `case show` marks it, the views ignore it;
2. a registry rewritten to gamma's enrolment after gamma rotated its key:
   evidence is still sealed to gamma's current key;
3. a case view rewritten to "closed": `case show` shows the case as the log
   has it, every statement of the thread included;
5. a copied log showing another history under the same key: every view stops
   with a fork (exit 1) and a fork proof is kept;
7. `--now`: a report or an inbox as the log stood then counts nothing said
   later;
and, with every GET /v1/ answering 404, every reading command still works.
"""
import http.client
import http.server
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

# The log has no witnesses here (the fork case is caught from the log's own signatures and the copy's
# consistency checks): the members say so on purpose.
os.environ.setdefault("PARLEY_QUORUM", "0")

PARLEY, WORK = sys.argv[1], sys.argv[2]
ROOT = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
ORIGIN = "test.example/dishonest"
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

    def stop(self):
        self.proc.send_signal(signal.SIGTERM)
        self.proc.communicate(timeout=60)


class Front:
    """The operator's front: forwards to a backend port, rewriting what it is told to."""

    def __init__(self):
        self.backend = None
        self.rewrite = {}     # GET path -> (status, body)
        self.no_views = False  # every GET /v1/ answers 404
        front = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def forward(self, method):
                n = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(n) if n else None
                path = self.path
                if method == "GET" and path in front.rewrite:
                    st, data = front.rewrite[path]
                    return self.answer(st, data, "application/json")
                if method == "GET" and front.no_views and path.startswith("/v1/"):
                    return self.answer(404, b'{"error":{"code":"not_found","message":"no"}}', "application/json")
                c = http.client.HTTPConnection("127.0.0.1", front.backend, timeout=120)
                headers = {k: v for k, v in self.headers.items() if k.lower() not in ("host", "content-length",
                                                                                      "connection")}
                c.request(method, path, body=body, headers=headers)
                r = c.getresponse()
                data = r.read()
                ctype = r.getheader("Content-Type", "application/octet-stream")
                enc = r.getheader("Content-Encoding")
                c.close()
                return self.answer(r.status, data, ctype, enc)

            def answer(self, status, data, ctype, enc=None):
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                if enc:
                    self.send_header("Content-Encoding", enc)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self):
                self.forward("GET")

            def do_POST(self):
                self.forward("POST")

            def do_PUT(self):
                self.forward("PUT")

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = "http://127.0.0.1:%d" % self.httpd.server_address[1]
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def get(self, path):
        c = http.client.HTTPConnection("127.0.0.1", self.backend, timeout=60)
        c.request("GET", path)
        r = c.getresponse()
        return r.status, r.read()


def main():
    shutil.rmtree(WORK, ignore_errors=True)
    os.makedirs(WORK)
    scen = os.path.join(WORK, "scenario")
    subprocess.run([sys.executable, os.path.join(ROOT, "scripts", "make_scenario.py"), scen], check=True,
                   capture_output=True)
    A, B, C = pp.Party("alpha"), pp.Party("beta"), pp.Party("gamma")
    files = {p.name: p.write(WORK) for p in (A, B, C)}
    logdir = os.path.join(WORK, "log")
    r = subprocess.run([PARLEY, "init", logdir, "--origin", ORIGIN, "--key", files["alpha"][0], "--founder",
                        files["beta"][1], "--founder", files["gamma"][1]], capture_output=True, text=True)
    if not check(r.returncode == 0, "init: " + r.stderr):
        return
    vkey = open(os.path.join(logdir, "log.vkey")).read().strip()
    srv = Server(logdir)
    srv.start()
    front = Front()
    front.backend = srv.port

    def cli(*args, key=None, expect=0, data=None):
        e = dict(os.environ, PARLEY_SERVER=front.url, PARLEY_VKEY=vkey,
                 PARLEY_DATA_DIR=os.path.join(WORK, "data", (key or A).name if data is None else data))
        if key is not None:
            e["PARLEY_KEY"] = files[key.name][0]
        res = subprocess.run([PARLEY] + list(args), capture_output=True, text=True, env=e)
        check(res.returncode == expect, "parley %s exits %d (got %d: %s)" % (" ".join(args)[:100], expect,
                                                                           res.returncode, res.stderr.strip()[-400:]))
        return res

    try:
        time.sleep(1.1)
        t_start = pp.now()  # after the charter, before anything else was said
        time.sleep(1.1)
        case = json.loads(cli("concern", "raise", "--title", "Scanning of the grid operator", "--class",
                              "information-gathering", "--tlp", "TLP:AMBER", "--summary", "scans since 1 Nov",
                              "--to", "beta", "--to", "gamma", "--wait", "--json", key=A).stdout)["index"]
        req = json.loads(cli("request", str(case), "--kind", "information", "--to", "beta", "--text",
                             "who runs 192.0.2.7?", "--due", pp.now(7 * 86400), "--due-reason", "the window closes",
                             "--wait", "--json", key=A).stdout)["index"]
        cli("ack", str(req), "--wait", key=B)
        time.sleep(1.1)
        t_acked = pp.now()
        time.sleep(1.1)
        withdraw = json.loads(cli("withdraw", str(req), "--reason", "answered elsewhere", "--wait", "--json",
                                  key=A).stdout)["index"]

        # ---- 1. a forged statement "by beta", with a registry rewritten to name the forger's key
        srv.stop()
        forger = pp.Party("beta")
        forged = pp.envelope([forger.sign], pp.payload(ORIGIN, "ping", "beta", 3, pp.now(), {}))
        r = subprocess.run([PARLEY, "log", "add", logdir], input=forged + b"\n", capture_output=True)
        check(r.returncode == 0, "the operator appends a forged statement")
        srv.start()
        front.backend = srv.port
        forged_index = withdraw + 1
        st, reg = front.get("/v1/parties/beta")
        fake = json.loads(reg)
        fake["sign"] = pp.b64(forger.pk)
        for k in fake.get("keys", []):
            k["sign"] = pp.b64(forger.pk)
        front.rewrite["/v1/parties/beta"] = (200, json.dumps(fake).encode())
        res = cli("get", str(forged_index), expect=1)
        check("not signed by the key beta held then" in res.stderr,
              "get refuses the forged statement whatever the registry says (%s)" % res.stderr.strip()[-200:])
        check("author's signature ok" not in res.stdout, "and never prints it as verified")

        # ---- 3. a case view rewritten: case show shows the case as the log has it
        st, view = front.get("/v1/cases/%d" % case)
        v = json.loads(view)
        v["state"], v["outcome"] = "closed", "resolved"
        v["thread"] = [e for e in v.get("thread", []) if e.get("idx") != withdraw]
        for rq in v.get("requests", []):
            rq["state"] = "answered"
        front.rewrite["/v1/cases/%d" % case] = (200, json.dumps(v).encode())
        res = cli("case", "show", str(case))
        lines = res.stdout.split("\n")
        check(len(lines) > 1 and "closed" not in lines[1] and "resolved" not in res.stdout,
              "case show ignores the rewritten view (%s)" % res.stdout[:300])
        check(("%d" % withdraw) in res.stdout and "withdraw" in res.stdout,
              "the withdrawal the view dropped is in the thread")
        js = json.loads(cli("case", "show", str(case), "--json").stdout)
        check([rq["state"] for rq in js.get("requests", [])] == ["withdrawn"], "the request is withdrawn (%s)"
              % js.get("requests"))

        # ---- 2. gamma rotates; the registry is rewritten to its enrolment; evidence goes to the new key
        st, old_gamma = front.get("/v1/parties/gamma")
        newkey = os.path.join(WORK, "gamma.2")
        r = subprocess.run([PARLEY, "keygen", "--party", "gamma", "--out", newkey], capture_output=True, text=True,
                           stdin=subprocess.DEVNULL, env=dict(os.environ, PARLEY_PASSPHRASE=""))
        check(r.returncode == 0, "gamma makes a new key")
        cli("key", "rotate", "--new", newkey + ".key", "--wait", key=C)
        front.rewrite["/v1/parties/gamma"] = (200, old_gamma)
        ev = json.loads(cli("evidence", "add", str(case), os.path.join(scen, "package"), "--title", "indicators",
                            "--tlp", "TLP:AMBER", "--to", "beta", "--to", "gamma", "--wait", "--json",
                            key=A).stdout)["index"]
        got = os.path.join(WORK, "got-gamma")
        e = dict(os.environ, PARLEY_SERVER=front.url, PARLEY_VKEY=vkey, PARLEY_KEY=newkey + ".key",
                 PARLEY_PASSPHRASE="", PARLEY_DATA_DIR=os.path.join(WORK, "data", "gamma"))
        res = subprocess.run([PARLEY, "evidence", "fetch", str(ev), "--out", got], capture_output=True, text=True,
                             env=e)
        check(res.returncode == 0 and os.path.isdir(got),
              "the evidence was sealed to gamma's current key, not to the one the rewritten registry named (%s)"
              % res.stderr.strip()[-300:])

        # ---- 7. as the log stood then
        rep = json.loads(cli("report", "--party", "beta", "--now", t_start, "--json").stdout)
        beta = rep["parties"][0] if rep.get("parties") else {}
        check(beta.get("requests", {}).get("received", 0) == 0,
              "a report dated before the request counts nothing said later (%s)" % beta.get("requests"))
        inbox = json.loads(cli("inbox", "--party", "beta", "--now", t_acked, "--json").stdout)
        check(inbox.get("total") == 1, "the inbox as it stood after the ack, before the withdrawal, holds the request "
              "(%s)" % inbox.get("total"))
        inbox = json.loads(cli("inbox", "--party", "beta", "--json").stdout)
        check(inbox.get("total") == 0, "and today it is gone (%s)" % inbox.get("total"))

        # ---- every reading command from tiles, checkpoints and proofs alone
        front.no_views = True
        for args in (["cases"], ["inbox", "--party", "beta"], ["report"], ["norms", "list"], ["case", "show", str(case)],
                     ["get", str(case)], ["proof", str(case), "--out", os.path.join(WORK, "p")]):
            cli(*args)
        front.no_views = False
        cli("verify-proof", os.path.join(WORK, "p"), "--identity", files["alpha"][1])

        # ---- 5. a copied log showing another history under the same key
        srv.stop()
        other = os.path.join(WORK, "other")
        shutil.copytree(logdir, other)
        srv.start()
        front.backend = srv.port
        cli("submit", "--type", "ping", "--wait", key=A)  # the real history grows ...
        cli("cases")                                    # ... and the member's copy follows it
        srvB = Server(other)
        srvB.start()
        front.backend = srvB.port                       # the operator now shows the copy, grown otherwise
        e = dict(os.environ, PARLEY_SERVER=front.url, PARLEY_VKEY=vkey, PARLEY_KEY=files["beta"][0],
                 PARLEY_DATA_DIR=os.path.join(WORK, "data", "other-writer"))
        for _ in range(2):
            subprocess.run([PARLEY, "submit", "--type", "ping", "--wait"], capture_output=True, env=e)
        for args in (["cases"], ["inbox", "--party", "beta"], ["report"], ["get", "1"]):
            res = cli(*args, expect=1)
            check("FORK" in res.stderr or "does not extend" in res.stderr or "another" in res.stderr,
                  "%s refuses another history (%s)" % (args[0], res.stderr.strip()[-300:]))
        forks = os.path.join(WORK, "data", "alpha")
        found = [f for dp, dn, fn in os.walk(forks) for f in fn if f.startswith("fork-")]
        check(len(found) >= 1, "the member's copy keeps a fork proof")
        srvB.stop()
    finally:
        try:
            srv.stop()
        except Exception:
            pass
        front.httpd.shutdown()
    if failures:
        print("%d check(s) failed" % len(failures), file=sys.stderr)
        sys.exit(1)
    print("dishonest operator: every lie caught")


if __name__ == "__main__":
    main()
