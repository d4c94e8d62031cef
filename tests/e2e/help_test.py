#!/usr/bin/env python3
"""
Keeps parley's help honest: for every command and subcommand of the table
(`parley help --list`), `parley help CMD` and `parley CMD --help` print the
same non-empty text and exit 0; every flag the command accepts (`parley help
--flags CMD`, the lists it parses with) is documented in its help, and every
flag documented there (or named in its synopsis) is accepted by the command
itself. Also: `parley help` lists the commands, `parley help nosuch` is a
usage error, and every page of `parley help --man` is roff.

usage: help_test.py PARLEY SCRATCH
"""
import os
import re
import shutil
import subprocess
import sys

PARLEY, SCRATCH = sys.argv[1], sys.argv[2]
shutil.rmtree(SCRATCH, ignore_errors=True)
os.makedirs(SCRATCH)
# no configuration of the person running the tests
ENV = {k: v for k, v in os.environ.items() if not k.startswith("PARLEY_")}
ENV.update(HOME=SCRATCH, XDG_CONFIG_HOME=os.path.join(SCRATCH, "xdg"))
fails = []


def run(*args):
    return subprocess.run([PARLEY, *args], capture_output=True, text=True, env=ENV, timeout=60)


def check(ok, what):
    if not ok:
        fails.append(what)
        print("FAIL:", what)


names = run("help", "--list").stdout.split("\n")
names = [n for n in names if n]
check(len(names) > 40, "help --list names the commands (%d)" % len(names))
top = run("help")
check(top.returncode == 0 and top.stdout, "parley help exits 0")
for n in names:
    if " " not in n:
        check(re.search(r"^  %s\s" % re.escape(n), top.stdout, re.M), "parley help lists %s" % n)
r = run("help", "nosuch")
check(r.returncode == 2 and "nosuch" in r.stderr, "parley help nosuch is a usage error (%d)" % r.returncode)
r = run("nosuch")
check(r.returncode == 2, "parley nosuch is a usage error")
check(run("--help").stdout == top.stdout, "parley --help is parley help")
check("4 refused by the server" in top.stdout, "the exit statuses include 4")

groups = {n for n in names if any(m.startswith(n + " ") for m in names)}
checked_flags = 0
for n in names:
    words = n.split()
    h = run("help", *words)
    check(h.returncode == 0 and len(h.stdout) > 40, "help %s: exit %d" % (n, h.returncode))
    if n not in ("help", "version"):
        d = run(*words, "--help")
        check(d.returncode == 0 and d.stdout == h.stdout, "%s --help is help %s (exit %d)" % (n, n, d.returncode))
        d = run(*words, "-h")
        check(d.returncode == 0 and d.stdout == h.stdout, "%s -h is help %s" % (n, n))
    man = run("help", "--man", *words)
    check(man.returncode == 0 and man.stdout.startswith(".TH PARLEY"), "help --man %s is a man page" % n)
    if n in groups:
        for m in names:
            if m.startswith(n + " "):
                check(m in h.stdout, "help %s lists %s" % (n, m))
        r = run(*words)
        check(r.returncode == 2 and "usage:" in r.stderr, "%s without a subcommand is a usage error" % n)
        r = run(*words, "nosuch")
        check(r.returncode == 2, "%s nosuch is a usage error" % n)
        continue
    fl = run("help", "--flags", *words)
    check(fl.returncode == 0, "help --flags %s" % n)
    accepted = {}
    for line in fl.stdout.split("\n"):
        if line:
            kind, name = line.split()
            accepted[name] = kind
    text = h.stdout
    opts = text.split("\noptions:\n", 1)[1] if "\noptions:\n" in text else ""
    opts = opts.split("\n\n", 1)[0]
    documented = {}
    for m in re.finditer(r"^  --([a-z0-9-]+)( [^ ].*?)?(?:  |$)", opts, re.M):
        documented[m.group(1)] = "value" if m.group(2) else "bool"
    synopsis = text.split("\n\n")[1]
    in_synopsis = set(re.findall(r"--([a-z0-9-]+)", synopsis))
    check("help" in documented, "%s documents --help" % n)
    documented.pop("help", None)
    for f, kind in accepted.items():
        check(f in documented, "%s accepts --%s but its help does not document it" % (n, f))
        check(documented.get(f, kind) == kind, "%s: --%s is a %s flag, documented as %s" % (n, f, kind, documented.get(f)))
    for f in set(documented) | in_synopsis:
        check(f in accepted, "%s documents --%s but does not accept it" % (n, f))
        # the command itself (not only the table) takes it: with --help after it, it prints its help
        args = [*words, "--" + f] + (["x"] if accepted.get(f, documented.get(f)) == "value" else []) + ["--help"]
        r = run(*args)
        check(r.returncode == 0 and r.stdout == h.stdout, "parley %s: exit %d, %s" % (" ".join(args), r.returncode, r.stderr.strip()))
        checked_flags += 1
    r = run(*words, "--no-such-flag")
    check(r.returncode == 2 and "unknown flag" in r.stderr and "usage: parley " + n.split()[0] in r.stderr,
          "%s refuses an unknown flag with its synopsis (exit %d)" % (n, r.returncode))
    # the usage error draws its synopsis from the same table
    first = text.split("\n\n")[1].split("\n")[0].replace("usage: ", "")
    check(first in r.stderr, "%s: the usage error shows the synopsis of the help" % n)

# docs/cli.md describes every command and every flag
doc = open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "docs", "cli.md")).read()
for n in names:
    if n not in ("help", "version"):
        check("`parley %s`" % n in doc, "docs/cli.md has no section on parley %s" % n)
    for line in run("help", "--flags", *n.split()).stdout.split("\n"):
        if line:
            check("--" + line.split()[1] in doc, "docs/cli.md never mentions --%s (of %s)" % (line.split()[1], n))
for v in ("PARLEY_SERVER", "PARLEY_VKEY", "PARLEY_KEY", "PARLEY_PASSPHRASE_FILE", "PARLEY_WITNESS_KEY", "PARLEY_QUORUM",
          "PARLEY_CONFIG", "XDG_CONFIG_HOME"):
    check(v in doc, "docs/cli.md documents " + v)

check(checked_flags > 200, "flags checked against their commands: %d" % checked_flags)
print("%d commands, %d documented flags checked" % (len(names), checked_flags))
if fails:
    print("%d failures" % len(fails))
    sys.exit(1)
print("OK")
