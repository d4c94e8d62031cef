#!/usr/bin/env python3
"""The documentation cannot drift from the code.

usage: docs_test.py PARLEY SOURCE_DIR SCRATCH

Extracts from the source every refusal and error code the server and the
admission engine can answer with, every HTTP route of `parley serve` and of
`parley witness serve`, every statement type and every closed vocabulary
(TLP labels, RSIT classes and types, request kinds, response statuses,
outcomes, finding results), and from the running binary every metric
`/metrics` exports; then fails, naming each one, if something is not
documented:

  - codes:      in docs/reference.md and in the chapter that defines it
                (statements.md, workflow.md, evidence.md or api.md);
  - routes:     in docs/api.md (server) or docs/witnessing.md (witness), and
                in docs/reference.md;
  - types:      in docs/reference.md and as a row of a type table
                (statements.md, workflow.md or evidence.md);
  - vocabulary: in docs/workflow.md or docs/evidence.md (RSIT types: reference.md);
  - metrics:    in docs/api.md and docs/operating.md.
"""
import os
import re
import socket
import subprocess
import sys
import time
import urllib.request

PARLEY, SRC, SCRATCH = sys.argv[1], sys.argv[2], sys.argv[3]
DOCS = os.path.join(SRC, "docs")
problems = []


def read(*parts):
    with open(os.path.join(SRC, *parts), encoding="utf-8") as f:
        return f.read()


def doc(name):
    return read("docs", name)


def c_sources(*dirs):
    for d in dirs:
        for root, _, files in os.walk(os.path.join(SRC, d)):
            for f in sorted(files):
                if f.endswith(".c"):
                    p = os.path.join(root, f)
                    with open(p, encoding="utf-8") as fh:
                        # comments out: they may quote codes that are not answered
                        text = re.sub(r"/\*.*?\*/", " ", fh.read(), flags=re.S)
                    yield os.path.relpath(p, SRC), text


def call_args(text, start):
    """The top-level arguments of the call whose '(' is at text[start]."""
    args, depth, cur, i, instr = [], 0, [], start, False
    while i < len(text):
        ch = text[i]
        if instr:
            cur.append(ch)
            if ch == "\\":
                cur.append(text[i + 1])
                i += 1
            elif ch == '"':
                instr = False
        elif ch == '"':
            instr = True
            cur.append(ch)
        elif ch == "(":
            depth += 1
            if depth > 1:
                cur.append(ch)
        elif ch == ")":
            depth -= 1
            if depth == 0:
                args.append("".join(cur).strip())
                return args
            cur.append(ch)
        elif ch == "," and depth == 1:
            args.append("".join(cur).strip())
            cur = []
        else:
            cur.append(ch)
        i += 1
    return args


CODE = re.compile(r'"([a-z][a-z0-9_]*)"')


def literals(expr):
    return set(CODE.findall(expr))


def codes_from_calls(text, fn, argno):
    out = set()
    for m in re.finditer(r"\b%s\s*\(" % re.escape(fn), text):
        args = call_args(text, m.end() - 1)
        if len(args) > argno:
            out |= literals(args[argno])
    return out


# --- 1. refusal and error codes ---------------------------------------------
codes = {}  # code -> where
# every refusal of the library is a row of the table in src/base/refusal.h: X(ENUM, "code", KIND, "when")
for m in re.finditer(r'^\tX\((\w+), "([a-z][a-z0-9_]*)", (\w+),', read("src", "base", "refusal.h"), re.M):
    codes.setdefault(m.group(2), "src/base/refusal.h")
for path, text in c_sources("src/statement", "src/workflow", "src/evidence", "src/server", "src/http"):
    found = set()
    if path.startswith("src/server/") or path.startswith("src/http/"):
        found |= codes_from_calls(text, "pl_http_send_error", 3)
        found |= codes_from_calls(text, "pl_http_send_error_allow", 3)
        found |= codes_from_calls(text, "fail", 2)
        for m in re.finditer(r"(?:->|\.)code\s*=\s*([^;]+);", text):
            found |= literals(m.group(1))
    for c in found:
        codes.setdefault(c, path)
codes.pop("verdict", None)
for must in ("bad_signature", "body_invalid", "not_found", "hash_mismatch", "index_behind", "kind_unknown"):
    if must not in codes:
        problems.append("extraction broke: code %s not found in the source (fix docs_test.py)" % must)

reference = doc("reference.md")
chapters = {n: doc(n) for n in ("statements.md", "workflow.md", "evidence.md", "api.md", "witnessing.md")}


def ticked(name, text):
    return ("`%s`" % name) in text


for c, where in sorted(codes.items()):
    if not ticked(c, reference):
        problems.append("code %s (%s) is not in docs/reference.md" % (c, where))
    if not any(ticked(c, t) for t in chapters.values()):
        problems.append("code %s (%s) is defined in none of statements.md, workflow.md, evidence.md, api.md, witnessing.md"
                        % (c, where))

# --- 2. routes ---------------------------------------------------------------
route_c = read("src", "http", "route.c")
exact = re.findall(r'\bis\(url, n, "([^"]+)"\)', route_c)
prefix = re.findall(r'\bunder\(url, n, "([^"]+)"\)', route_c)
if len(exact) < 8 or len(prefix) < 5:
    problems.append("extraction broke: routes of src/http/route.c not found (fix docs_test.py)")
api = doc("api.md")
for r in exact:
    if not re.search(r"`(?:GET|POST|PUT)[^`]*\s%s(?:[?`\s,]|$)" % re.escape(r), api):
        problems.append("route %s (src/http/route.c) is not in docs/api.md" % r)
    if r not in reference:
        problems.append("route %s is not in docs/reference.md" % r)
for r in prefix:
    if not re.search(r"`(?:GET|POST|PUT)[^`]*\s%s[<A-Za-z]" % re.escape(r), api):
        problems.append("route %s... (src/http/route.c) is not in docs/api.md" % r)
    if r not in reference:
        problems.append("route %s... is not in docs/reference.md" % r)
whttp = read("src", "http", "witness_http.c")
wroutes = re.findall(r'\{"(/[^"]+)", "[A-Z, ]+"\}', whttp)  # the routes table
if len(wroutes) < 3:
    problems.append("extraction broke: witness routes of src/http/witness_http.c not found (fix docs_test.py)")
witnessing = doc("witnessing.md")
for r in wroutes:
    if r not in witnessing:
        problems.append("witness route %s (src/http/witness_http.c) is not in docs/witnessing.md" % r)
    if r not in reference:
        problems.append("witness route %s is not in docs/reference.md" % r)
for st in sorted(set(re.findall(r"(?:text|reply_allow)\(c, (\d{3}),", whttp)) | {"200"}):
    if not re.search(r"^\| %s \|" % st, witnessing, flags=re.M):
        problems.append("witness status %s (src/http/witness_http.c) is not in docs/witnessing.md's table" % st)

# --- 3. statement types ------------------------------------------------------
types_c = read("src", "workflow", "types.c")
m = re.search(r"names\[PL_WF_NTYPES\]\s*=\s*\{(.*?)\};", types_c, flags=re.S)
wf_types = re.findall(r'"([a-z.]+)"', m.group(1)) if m else []
members_c = read("src", "statement", "members.c")
m = re.search(r"own\[\]\s*=\s*\{(.*?)\};", members_c, flags=re.S)
member_types = re.findall(r'"([a-z.]+)"', m.group(1)) if m else []
if len(wf_types) < 14 or len(member_types) < 5:
    problems.append("extraction broke: statement types not found (fix docs_test.py)")
typedocs = doc("statements.md") + doc("workflow.md") + doc("evidence.md")
for t in member_types + wf_types:
    if not re.search(r"^\| `%s` \|" % re.escape(t), typedocs, flags=re.M):
        problems.append("statement type %s has no row in the type tables of statements.md, workflow.md or "
                        "evidence.md" % t)
    if not ticked(t, reference):
        problems.append("statement type %s is not in docs/reference.md" % t)

# --- 4. vocabularies ---------------------------------------------------------
vocab_c = read("src", "workflow", "vocab.c")
wfdocs = doc("workflow.md") + doc("evidence.md")
for name in ("pl_tlp_labels", "pl_request_kinds", "pl_response_statuses", "pl_status_kinds", "pl_case_outcomes",
             "pl_finding_results"):
    m = re.search(r"%s\[\]\s*=\s*\{(.*?)\};" % name, vocab_c, flags=re.S)
    words = re.findall(r'"([^"]+)"', m.group(1)) if m else []
    if not words:
        problems.append("extraction broke: %s not found in src/workflow/vocab.c" % name)
    for w in words:
        if not ticked(w, wfdocs) and not re.search(r"[|\"`]%s[|\"`]" % re.escape(w), wfdocs):
            problems.append("%s value %s is not in docs/workflow.md or docs/evidence.md" % (name, w))
m = re.search(r"rsit\[\]\s*=\s*\{(.*?)\};", vocab_c, flags=re.S)
groups = m.group(1).split("NULL") if m else []
rsit_classes = []
for g in groups:
    words = re.findall(r'"([^"]+)"', g)
    if not words:
        continue
    rsit_classes.append(words[0])
    if not ticked(words[0], doc("workflow.md")):
        problems.append("RSIT class %s is not in docs/workflow.md" % words[0])
    for w in words[1:]:
        if not ticked(w, reference):
            problems.append("RSIT type %s (class %s) is not in docs/reference.md" % (w, words[0]))
if len(rsit_classes) != 11:
    problems.append("extraction broke: expected 11 RSIT classes in src/workflow/vocab.c, found %d"
                    % len(rsit_classes))

# --- 5. metrics, from the running server ------------------------------------
http_c = read("src", "http", "serve_metrics.c")
metrics_src = set(re.findall(r"\b(parley_[a-z_]+)", http_c))
os.makedirs(SCRATCH, exist_ok=True)
for f in os.listdir(SCRATCH):
    subprocess.run(["rm", "-rf", os.path.join(SCRATCH, f)], check=True)
def run(*args):
    subprocess.run([PARLEY] + list(args), check=True, stdout=subprocess.DEVNULL)
run("keygen", "--party", "cert.docs", "--out", os.path.join(SCRATCH, "k"))
run("init", os.path.join(SCRATCH, "log"), "--origin", "example.org/docs", "--key", os.path.join(SCRATCH, "k.key"))
portfile = os.path.join(SCRATCH, "port")
cmd = [PARLEY, "serve", os.path.join(SCRATCH, "log"), "--listen", "127.0.0.1:0", "--port-file", portfile]
if os.geteuid() == 0:
    cmd.append("--allow-root")
srv = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
try:
    for _ in range(100):
        if os.path.exists(portfile):
            break
        time.sleep(0.05)
    port = int(open(portfile).read())
    body = urllib.request.urlopen("http://127.0.0.1:%d/metrics" % port, timeout=10).read().decode()
finally:
    srv.terminate()
    srv.wait(timeout=30)
metrics_run = set(re.findall(r"^# TYPE (parley_[a-z_]+) ", body, flags=re.M))
routes_run = set(re.findall(r'route="([a-z_]+)"', body))
if not metrics_run or not routes_run:
    problems.append("extraction broke: /metrics exported no metric")
for mname in sorted(metrics_src - metrics_run):
    problems.append("metric %s appears in src/http/serve_metrics.c but not in /metrics (fix docs_test.py)" % mname)
operating = doc("operating.md")
for mname in sorted(metrics_run):
    if not ticked(mname, api) and ("`%s{" % mname) not in api:
        problems.append("metric %s is not in docs/api.md" % mname)
    if mname not in operating:
        problems.append("metric %s is not in docs/operating.md" % mname)
for r in sorted(routes_run):
    if not ticked(r, api):
        problems.append("route label %s of parley_http_requests_total is not in docs/api.md" % r)

# --- 6. links between the docs ----------------------------------------------
for name in sorted(os.listdir(DOCS)):
    if not name.endswith(".md"):
        continue
    for target in re.findall(r"\]\(([^)#:\s]+\.md)(?:#[^)]*)?\)", doc(name)):
        if target == "cli.md":  # the command reference, written alongside the CLI's own help
            continue
        if not os.path.exists(os.path.normpath(os.path.join(DOCS, target))):
            problems.append("docs/%s links to %s, which does not exist" % (name, target))

if problems:
    print("undocumented or broken (%d):" % len(problems))
    for p in problems:
        print("  " + p)
    sys.exit(1)
print("docs test: OK (%d codes, %d routes, %d witness routes, %d statement types, %d metrics documented)"
      % (len(codes), len(exact) + len(prefix), len(wroutes), len(wf_types) + len(member_types), len(metrics_run)))
