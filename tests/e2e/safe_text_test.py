#!/usr/bin/env python3
"""Text written by others never reaches a terminal raw.

A member writes statements whose one-line fields hold a fake `[ok]` line (a
newline, then what `parley case show` prints for a verified entry), terminal
escape sequences (colour, cursor movement, an OSC 8 hyperlink), a carriage
return that would overwrite the line, C1 controls and bidirectional
overrides and isolates. The server refuses them at admission
(control_character), so they are appended with `parley log add`, around the
server, as an operator could: readers do not apply admission rules, and the
entries count. Then every view, on the log directory (`--log DIR`) and
through `parley serve`, must print each field:

- escaped: no ESC, CR, C1, bidirectional control or line separator byte in
  stdout or stderr, valid UTF-8, no line starting with a faked `[ok]`;
- in the display form of src/base/safetext.h, computed here from its
  contract (not from the code), and reversible: the field decodes back to
  exactly what was written;
- and with `--json`, exact: the output parses and holds the very strings.

Also: `get` and `get --json`, `reindex --dump`, a refusal sentence quoting
hostile text (a refused entry noted by the views, and by `parley serve`),
and the admission refusals themselves (HTTP and `parley contact`).

usage: safe_text_test.py PARLEY SCRATCH
"""
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request

# These checks run without witnesses, on purpose: members say so with --quorum 0 (cli_policy_member).
os.environ.setdefault("PARLEY_QUORUM", "0")

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import parleypy as pp  # noqa: E402

PARLEY, WORK = sys.argv[1], sys.argv[2]
ORIGIN = "test.example/safe-text"
failures = []

FAKE_OK = "Routine scan\n    [ok] entry 9      concern    by beta         at 2026-01-01T00:00:00Z"
ESCAPES = ("\x1b[31mRED\x1b[0m \x1b[2A\x1b[K \x1b]8;;https://evil.example/\x1b\\click here\x1b]8;;\x1b\\"
           " \x07\x7f")
BIDI = "invoice \u202egpj.exe\u202c \u2066iso\u2069 \u200fmark \u061c \u2028sep \u009b2J csi \u0085nel"
CR = "harmless\r[ok] overwritten \\x1b not an escape"
NICE = "Caf\u00e9 \u65e5\u672c\u8a9e \u0645\u0631\u062d\u0628\u0627 \U0001f600 \U0001f468\u200d\U0001f469 C:\\path"
TITLES = [FAKE_OK, ESCAPES, BIDI, CR, NICE]
# a norm set may not hold C0 controls (a rule of the log), but C1 and bidirectional controls pass the replay
NORM_NAME = "norms \u202eevil\u202c \u009b2A"
NORM_SHORT = "short \u2066x\u2069 \u2028y"
NORM_GIST = "gist \u0085 \u200e\u200f"

BAD_BYTES = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029]")


def check(cond, what):
    if not cond:
        failures.append(what)
        print("FAIL: " + what, file=sys.stderr)
    return cond


def display(s):
    """The display form of the UTF-8 bytes of s, from the contract in src/base/safetext.h."""
    out = []
    for ch in s:
        cp = ord(ch)
        if ch == "\\":
            out.append("\\\\")
        elif ch in "\t\n\r":
            out.append({"\t": "\\t", "\n": "\\n", "\r": "\\r"}[ch])
        elif cp < 0x20 or cp == 0x7f:
            out.append("\\x%02x" % cp)
        elif 0x80 <= cp <= 0x9f or cp in (0x061c, 0x200e, 0x200f, 0x2028, 0x2029) or \
                0x202a <= cp <= 0x202e or 0x2066 <= cp <= 0x2069:
            out.append("\\u%04x" % cp)
        else:
            out.append(ch)
    return "".join(out)


def undisplay(s):
    """The inverse: the bytes a display form stands for, decoded as UTF-8."""
    out, i = bytearray(), 0
    while i < len(s):
        if s[i] != "\\":
            out += s[i].encode()
            i += 1
        elif s[i + 1] in "\\ntr":
            out += {"\\": b"\\", "n": b"\n", "t": b"\t", "r": b"\r"}[s[i + 1]]
            i += 2
        elif s[i + 1] == "x":
            out.append(int(s[i + 2:i + 4], 16))
            i += 4
        elif s[i + 1] == "u":
            out += chr(int(s[i + 2:i + 6], 16)).encode()
            i += 6
        else:
            raise ValueError("not a display form: %r" % s)
    return out.decode()


def run(*args, expect=0, env=None, what=None):
    r = subprocess.run([PARLEY] + list(args), capture_output=True, env=env)
    check(r.returncode == expect, "parley %s exits %d (got %d: %s)" % (what or " ".join(args[:3]), expect, r.returncode,
                                                                     r.stderr.decode(errors="replace")[-400:]))
    return r


def safe_output(r, what):
    """stdout and stderr of r: valid UTF-8, no byte a terminal acts on, no faked line. Returns stdout."""
    texts = []
    for name, raw in (("stdout", r.stdout), ("stderr", r.stderr)):
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as e:
            check(False, "%s: %s is not valid UTF-8 (%s)" % (what, name, e))
            text = raw.decode("utf-8", errors="replace")
        bad = BAD_BYTES.search(text)
        check(bad is None, "%s: %s holds a raw U+%04X (%r)" % (what, name, ord(bad.group(0)) if bad else 0,
                                                             text[max(0, bad.start() - 40):bad.end() + 40] if bad else ""))
        for line in text.split("\n"):
            check("[ok] entry 9      concern" not in line or "\\n" in line,
                  "%s: %s has a line a member faked: %r" % (what, name, line))
            check(not line.startswith("[ok] overwritten"), "%s: a carriage return started a line" % what)
        texts.append(text)
    return texts[0]


def shows_fields(out, fields, what):
    """Each field is in out in its display form, on one line, and that form decodes back to the field."""
    lines = out.split("\n")
    for f in fields:
        d = display(f)
        check(any(d in line for line in lines), "%s shows %r as %r on one line" % (what, f, d))
        check(undisplay(d) == f, "the display form of %r is reversible" % f)


def json_output(r, what):
    out = safe_output(r, what + " --json")
    try:
        return json.loads(out)
    except ValueError as e:
        check(False, "%s --json does not parse (%s): %r" % (what, e, out[:300]))
        return None


def payload(ptype, author, seq, body, refs=None):
    """A statement's payload with its text as raw UTF-8 (DEL, C1 and bidirectional controls unescaped: JSON
    allows them), not the ASCII escapes of parleypy."""
    p = {"log": ORIGIN, "type": ptype, "author": author, "seq": seq, "time": pp.now(), "body": body}
    if refs is not None:
        p["refs"] = refs
    return json.dumps(p, separators=(",", ":"), ensure_ascii=False).encode()


def stmt(p, ptype, body, refs=None):
    p.seq += 1
    return pp.envelope([p.sign], payload(ptype, p.name, p.seq, body, refs))


class Server:
    def __init__(self, logdir):
        self.logdir = logdir

    def start(self):
        portfile = os.path.join(WORK, "port")
        if os.path.exists(portfile):
            os.unlink(portfile)
        args = [PARLEY, "serve", self.logdir, "--listen", "127.0.0.1:0", "--port-file", portfile]
        if os.geteuid() == 0:
            args.append("--allow-root")
        self.proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        for _ in range(600):
            if os.path.exists(portfile) and open(portfile).read().strip():
                break
            if self.proc.poll() is not None:
                break
            time.sleep(0.05)
        if not check(self.proc.poll() is None, "parley serve starts"):
            self.url = None
            return
        self.url = "http://127.0.0.1:%d" % int(open(portfile).read())

    def stop(self):
        self.proc.send_signal(signal.SIGTERM)
        out, err = self.proc.communicate(timeout=60)
        check(self.proc.returncode == 0, "serve exits 0 on SIGTERM")
        return subprocess.CompletedProcess([], 0, out, err)

    def get(self, path):
        with urllib.request.urlopen(self.url + path, timeout=30) as r:
            return json.loads(r.read())

    def post(self, env):
        req = urllib.request.Request(self.url + "/v1/statements", data=env, method="POST",
                                     headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(req, timeout=60) as r:
                return r.status, json.loads(r.read())
        except urllib.error.HTTPError as e:
            return e.code, json.loads(e.read() or b"{}")


def views(env, log, case_ids, norm_hash, what):
    """Every view, text and --json, from the server (env) or the log directory (log)."""
    loc = ["--log", log] if log else []
    # cases
    r = run("cases", *loc, env=env, what="cases (%s)" % what)
    shows_fields(safe_output(r, "cases (%s)" % what), TITLES, "cases (%s)" % what)
    j = json_output(run("cases", "--json", *loc, env=env, what="cases --json (%s)" % what), "cases (%s)" % what)
    if j is not None:
        got = {c["id"]: c["title"] for c in j["cases"]}
        check(all(got.get(cid) == t for cid, t in zip(case_ids, TITLES)),
              "cases --json (%s) holds every title exactly" % what)
    # case show, each case
    for cid, title in zip(case_ids, TITLES):
        r = run("case", "show", str(cid), *loc, env=env, what="case show %d (%s)" % (cid, what))
        out = safe_output(r, "case show %d (%s)" % (cid, what))
        shows_fields(out, [title], "case show %d (%s)" % (cid, what))
        check(out.split("\n")[0] == "case %d: %s" % (cid, display(title)),
              "case show %d (%s): the first line is the case and its whole title (%r)" % (cid, what, out[:200]))
        j = json_output(run("case", "show", str(cid), "--json", *loc, env=env, what="case show --json (%s)" % what),
                        "case show %d (%s)" % (cid, what))
        if j is not None:
            check(j.get("title") == title, "case show --json (%s) holds the title exactly" % what)
            marks = [ln for ln in out.split("\n") if ln.startswith("    [")]
            check(len(marks) == len(j.get("thread", [])),
                  "case show %d (%s): one [ok] line per statement of the thread, none faked (%d for %d)"
                  % (cid, what, len(marks), len(j.get("thread", []))))
    # inbox of the addressee: the request in the first case shows that case's title
    r = run("inbox", "--party", "beta", *loc, env=env, what="inbox (%s)" % what)
    shows_fields(safe_output(r, "inbox (%s)" % what), [TITLES[0]], "inbox (%s)" % what)
    j = json_output(run("inbox", "--party", "beta", "--json", *loc, env=env, what="inbox --json (%s)" % what),
                    "inbox (%s)" % what)
    if j is not None:
        check(any(it.get("title") == TITLES[0] for it in j.get("items", [])),
              "inbox --json (%s) holds the title exactly" % what)
    # report
    r = run("report", *loc, env=env, what="report (%s)" % what)
    out = safe_output(r, "report (%s)" % what)
    check("alpha" in out and "beta" in out, "report (%s) lists the parties" % what)
    json_output(run("report", "--json", *loc, env=env, what="report --json (%s)" % what), "report (%s)" % what)
    # norms list and show
    r = run("norms", "list", *loc, env=env, what="norms list (%s)" % what)
    shows_fields(safe_output(r, "norms list (%s)" % what), [NORM_NAME], "norms list (%s)" % what)
    j = json_output(run("norms", "list", "--json", *loc, env=env, what="norms list --json (%s)" % what),
                    "norms list (%s)" % what)
    if j is not None:
        check(any(s.get("name") == NORM_NAME for s in j.get("sets", [])), "norms list --json (%s) exact" % what)
    r = run("norms", "show", norm_hash, *loc, env=env, what="norms show (%s)" % what)
    shows_fields(safe_output(r, "norms show (%s)" % what), [NORM_NAME, NORM_SHORT, NORM_GIST],
                 "norms show (%s)" % what)
    j = json_output(run("norms", "show", norm_hash, "--json", *loc, env=env, what="norms show --json (%s)" % what),
                    "norms show (%s)" % what)
    if j is not None:
        n0 = (j.get("norms") or [{}])[0]
        check(j.get("name") == NORM_NAME and n0.get("short") == NORM_SHORT and n0.get("gist") == NORM_GIST,
              "norms show --json (%s) holds the set's strings exactly" % what)


def main():
    shutil.rmtree(WORK, ignore_errors=True)
    os.makedirs(WORK)
    A, B = pp.Party("alpha"), pp.Party("beta")
    files = {p.name: p.write(WORK) for p in (A, B)}
    logdir = os.path.join(WORK, "log")
    run("init", logdir, "--origin", ORIGIN, "--key", files["alpha"][0], "--founder", files["beta"][1])
    A.seq = 2  # the charter and the norm set
    vkey = open(os.path.join(logdir, "log.vkey")).read().strip()
    env = dict(os.environ, PARLEY_VKEY=vkey, PARLEY_KEY=files["beta"][0])
    env.pop("PARLEY_CONFIG", None)
    env["XDG_CONFIG_HOME"] = WORK  # no configuration file of the machine's user

    # ---- the server refuses such fields at admission, and the log does not grow
    srv = Server(logdir)
    srv.start()
    if srv.url is None:
        return
    for title in TITLES[:4]:
        st, ans = srv.post(pp.envelope([A.sign], payload("concern", "alpha", A.seq + 1, {
            "title": title, "class": "fraud", "tlp": "TLP:CLEAR", "summary": "s", "recipients": ["beta"]})))
        check(st == 422 and ans.get("error", {}).get("code") == "control_character",
              "a concern titled %r is refused with control_character (%d %s)" % (title, st, ans))
    env["PARLEY_SERVER"] = srv.url
    r = run("contact", "--name", "CERT\x1b[2A\x1b[K[ok] fake", expect=2, env=env, what="contact (hostile)")
    safe_output(r, "contact refused")
    check(b"control_character" in r.stderr, "parley contact: the rule is said before signing (%r)" % r.stderr[-300:])
    hostile = os.path.join(WORK, "hostile-contact.json")
    with open(hostile, "w") as f:
        json.dump({"contact": {"name": "CERT\x1b[2A\x1b[K[ok] fake"}}, f)
    r = run("submit", "--type", "contact.update", "--body", hostile, expect=4, env=env, what="contact (hostile, raw)")
    safe_output(r, "contact refused by the server")
    check(b"control_character" in r.stderr, "parley submit: the server's refusal code is printed (%r)" % r.stderr[-300:])
    check(srv.get("/healthz")["size"] == 2, "nothing refused was appended")
    srv.stop()

    # ---- appended around the server: the readers count them (no admission rules on a replay)
    lines, case_ids, size = [], [], 2
    for title in TITLES:
        e = stmt(A, "concern", {"title": title, "class": "fraud", "tlp": "TLP:CLEAR",
                                "summary": "summary\n    [ok] fake\x1b[31m \u202e", "recipients": ["beta"]})
        lines.append(e)
        case_ids.append(size)
        size += 1
    req = stmt(A, "request", {"case": case_ids[0], "kind": "information", "to": ["beta"],
                              "text": "text \x1b]8;;https://evil.example/\x1b\\"},
               [{"index": case_ids[0], "leaf": pp.b64(pp.leaf_hash(lines[0]))}])
    lines.append(req)
    size += 1
    norm_set = {"name": NORM_NAME, "version": "1 \u202e", "norms": [{"id": "n1", "short": NORM_SHORT,
                                                                      "gist": NORM_GIST}]}
    lines.append(stmt(B, "norms.publish", norm_set))
    size += 1
    norm_hash = __import__("hashlib").sha256(json.dumps(norm_set, sort_keys=True, separators=(",", ":"),
                                                        ensure_ascii=False).encode()).hexdigest()
    # an entry the rules refuse, whose refusal sentence quotes hostile text: noted by every reader
    bad_kind = "\x1b[31m[ok]\u202e"
    lines.append(stmt(B, "request", {"case": case_ids[0], "kind": bad_kind, "to": ["alpha"], "text": "t"},
                      [{"index": case_ids[0], "leaf": pp.b64(pp.leaf_hash(lines[0]))}]))
    B.seq -= 1  # it has no effect
    size += 1
    r = subprocess.run([PARLEY, "log", "add", logdir], input=b"".join(l + b"\n" for l in lines), capture_output=True)
    check(r.returncode == 0 and r.stdout.strip() == str(size).encode(), "log add appends them (%r)" % r.stderr)

    # ---- the views on the log directory
    views(env, logdir, case_ids, norm_hash, "--log")
    r = run("cases", "--log", logdir, env=env, what="cases --log")
    err = r.stderr.decode(errors="replace")
    check("breaks the rules" in err and display('"%s" is not a known kind' % bad_kind) in err,
          "the views note the refused entry, its sentence escaped (%r)" % err[-300:])

    # ---- reindex --dump
    r = run("reindex", logdir, "--dump")
    out = safe_output(r, "reindex --dump")
    shows_fields(out, TITLES + [NORM_NAME], "reindex --dump")
    check(all(line.count("\t") >= 1 for line in out.strip("\n").split("\n")), "every dump line is a row")

    # ---- through the server: the same, and get
    srv.start()
    if srv.url is None:
        return
    env["PARLEY_SERVER"] = srv.url
    deadline = time.time() + 60
    while time.time() < deadline and srv.get("/healthz").get("indexed", 0) < size:
        time.sleep(0.1)
    views(env, None, case_ids, norm_hash, "server")
    r = run("get", str(case_ids[0]), env=env)
    out = safe_output(r, "get")
    check(json.dumps(TITLES[0])[1:-1] in out, "get shows the body with its strings JSON-escaped")
    r = run("get", str(case_ids[2]), "--json", env=env)
    j = json_output(r, "get")
    check(j is not None and j.get("statement", {}).get("body", {}).get("title") == TITLES[2],
          "get --json carries the statement's exact title")
    check(b"\\u202e" in r.stdout and "\u202e".encode() not in r.stdout,
          "get --json writes the bidirectional override (raw in the payload) as an escape")
    done = srv.stop()
    safe_output(done, "parley serve")
    check(display('"%s" is not a known kind' % bad_kind) in done.stderr.decode(errors="replace"),
          "serve reports the refused entry with its sentence escaped")

    if failures:
        print("%d check(s) failed" % len(failures), file=sys.stderr)
        sys.exit(1)
    print("safe text: every view shows hostile fields escaped and reversible, --json exact")


if __name__ == "__main__":
    main()
    if failures:
        sys.exit(1)
