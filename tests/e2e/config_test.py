#!/usr/bin/env python3
"""
Configuration: flags, then PARLEY_* variables, then one file, in that order
(docs/cli.md). `parley config` shows each setting's value and source; the
settings really reach the commands that take them (and only those); relative
paths in the file are relative to its directory; a missing explicit file and
a malformed one are usage errors naming the file and the line.

usage: config_test.py PARLEY SCRATCH
"""
import json
import os
import shutil
import subprocess
import sys

PARLEY, S = sys.argv[1], os.path.abspath(sys.argv[2])
shutil.rmtree(S, ignore_errors=True)
os.makedirs(S)
BASE = {k: v for k, v in os.environ.items() if not k.startswith("PARLEY_") and k != "XDG_CONFIG_HOME"}
BASE["HOME"] = os.path.join(S, "home")
fails = []


def run(*args, env=None, cwd=None):
    e = dict(BASE)
    e.update(env or {})
    return subprocess.run([PARLEY, *args], capture_output=True, text=True, env=e, cwd=cwd, timeout=60)


def check(ok, what):
    if not ok:
        fails.append(what)
        print("FAIL:", what)


def config(env=None, *flags):
    r = run("config", "--json", *flags, env=env)
    check(r.returncode == 0, "parley config --json: exit %d %s" % (r.returncode, r.stderr))
    return json.loads(r.stdout) if r.returncode == 0 else {"file": None, "settings": {}}


def one(cfg, name):
    v = cfg["settings"].get(name, [])
    return (v[0]["value"], v[0]["source"], v[0]["where"]) if v else None


# two logs; their keys
for name in ("a", "b"):
    r = run("log", "init", os.path.join(S, name), "--origin", "example.org/" + name)
    check(r.returncode == 0, "log init " + name)
    r = subprocess.run(["sh", "-c", "printf 'x\\ny\\n' | '%s' log add '%s'" % (PARLEY, os.path.join(S, name))],
                       capture_output=True, env=BASE)
    check(r.returncode == 0, "log add " + name)
VKA = open(os.path.join(S, "a", "log.vkey")).read().strip()
VKB = open(os.path.join(S, "b", "log.vkey")).read().strip()

# a configuration file in its own directory, with relative paths
cdir = os.path.join(S, "conf")
os.makedirs(os.path.join(cdir, "keys"))
shutil.copy(os.path.join(S, "a", "log.vkey"), os.path.join(cdir, "keys", "a.vkey"))
r = run("witness", "init", os.path.join(S, "w1"), "--name", "witness.example/w1")
check(r.returncode == 0, "witness init")
shutil.copy(os.path.join(S, "w1", "witness.vkey"), os.path.join(cdir, "w1.vkey"))
WK2 = run("witness", "init", os.path.join(S, "w2"), "--name", "witness.example/w2").stdout.split()[-1]
path = os.path.join(cdir, "config")
with open(path, "w") as f:
    f.write("# the working group\n\nserver = http://127.0.0.1:1\n"
            "vkey = keys/a.vkey\n"
            "key = keys/me.key\n"
            "passphrase-file = /abs/pass\n"
            "witness-key = w1.vkey\n"
            "witness-key = %s\n"
            "quorum = 0\n" % WK2)  # a key string stays as it is
E = {"PARLEY_CONFIG": path}

# the file alone
c = config(E)
check(c["file"] == path, "config names the file (%s)" % c["file"])
check(one(c, "server") == ("http://127.0.0.1:1", "file", path + ":3"), "server from the file, line 3: %s" % (one(c, "server"),))
check(one(c, "vkey") == (os.path.join(cdir, "keys/a.vkey"), "file", path + ":4"), "vkey relative to the file's directory: %s" % (one(c, "vkey"),))
check(one(c, "key")[0] == os.path.join(cdir, "keys/me.key"), "key relative to the file's directory")
check(one(c, "passphrase-file")[0] == "/abs/pass", "an absolute path stays")
wk = [v["value"] for v in c["settings"]["witness-key"]]
check(wk == [os.path.join(cdir, "w1.vkey"), WK2], "witness-key repeats; a key string is not a path: %s" % wk)

# env over the file, flag over env
c = config(dict(E, PARLEY_SERVER="http://env.example", PARLEY_WITNESS_KEY="k1,k2"))
check(one(c, "server") == ("http://env.example", "env", "PARLEY_SERVER"), "env overrides the file: %s" % (one(c, "server"),))
check([v["value"] for v in c["settings"]["witness-key"]] == ["k1", "k2"], "PARLEY_WITNESS_KEY splits at commas")
check(one(c, "vkey")[1] == "file", "the other settings still come from the file")
c = config(dict(E, PARLEY_SERVER="http://env.example"), "--server", "http://flag.example", "--witness-key", "k9")
check(one(c, "server") == ("http://flag.example", "flag", "--server"), "a flag overrides env: %s" % (one(c, "server"),))
check([v["value"] for v in c["settings"]["witness-key"]] == ["k9"], "a witness-key flag replaces the others")

# text output names the sources
r = run("config", env=dict(E, PARLEY_QUORUM="1"))
check(r.returncode == 0 and "configuration file: " + path in r.stdout and "env PARLEY_QUORUM" in r.stdout
      and "file %s:3" % path in r.stdout, "parley config prints the sources:\n" + r.stdout)

# the settings reach the commands: log audit takes --vkey
audit = ("log", "audit", os.path.join(S, "a"))
r = run(*audit, env=E)
check(r.returncode == 0, "log audit with vkey from the file (relative): exit %d %s" % (r.returncode, r.stderr))
bad = os.path.join(S, "bad.conf")
open(bad, "w").write("vkey = %s\n" % VKB)
r = run(*audit, env={"PARLEY_CONFIG": bad})
check(r.returncode == 1, "log audit with the other log's key from the file fails to verify: %d" % r.returncode)
r = run(*audit, env={"PARLEY_CONFIG": bad, "PARLEY_VKEY": VKA})
check(r.returncode == 0, "PARLEY_VKEY overrides the file: %d %s" % (r.returncode, r.stderr))
r = run(*audit, "--vkey", VKB, env={"PARLEY_CONFIG": bad, "PARLEY_VKEY": VKA})
check(r.returncode == 1, "--vkey overrides PARLEY_VKEY: %d" % r.returncode)
# get takes --server: without configuration it is a usage error, with the file's server a network failure
r = run("get", "1")
check(r.returncode == 2 and "--server is required" in r.stderr, "get without a server: %d %s" % (r.returncode, r.stderr))
r = run("get", "1", env={"PARLEY_CONFIG": path, "PARLEY_VKEY": VKA})
check(r.returncode == 3, "get with the file's server (closed port): %d %s" % (r.returncode, r.stderr))
# a command that takes none of the settings ignores the file, even a broken one
broken = os.path.join(S, "broken.conf")
open(broken, "w").write("server = x\nfrobnicate = 1\n")
r = run("log", "add", os.path.join(S, "a"), env={"PARLEY_CONFIG": broken})
check(r.returncode == 0, "log add (no setting applies) ignores the configuration: %d %s" % (r.returncode, r.stderr))

# the default places: $XDG_CONFIG_HOME/parley/config, else ~/.config/parley/config
c = config()
check(c["file"] is None and all(v == [] for v in c["settings"].values()), "no file, no settings: %s" % c)
home_cfg = os.path.join(BASE["HOME"], ".config", "parley")
os.makedirs(home_cfg)
open(os.path.join(home_cfg, "config"), "w").write("server = http://home.example\n")
c = config()
check(c["file"] == os.path.join(home_cfg, "config") and one(c, "server")[0] == "http://home.example", "~/.config/parley/config: %s" % c)
xdg = os.path.join(S, "xdg")
os.makedirs(os.path.join(xdg, "parley"))
open(os.path.join(xdg, "parley", "config"), "w").write("server = http://xdg.example\n")
c = config({"XDG_CONFIG_HOME": xdg})
check(one(c, "server")[0] == "http://xdg.example", "$XDG_CONFIG_HOME/parley/config comes first: %s" % c)
c = config({"XDG_CONFIG_HOME": xdg, "PARLEY_CONFIG": path})
check(c["file"] == path, "$PARLEY_CONFIG comes before both")

# errors: exit 2, naming the file and the line
r = run("config", env={"PARLEY_CONFIG": os.path.join(S, "nowhere")})
check(r.returncode == 2 and "nowhere" in r.stderr, "a missing explicit file: %d %s" % (r.returncode, r.stderr))
r = run("get", "1", env={"PARLEY_CONFIG": broken})
check(r.returncode == 2 and broken + ":2" in r.stderr and "frobnicate" in r.stderr, "unknown name: %d %s" % (r.returncode, r.stderr))
for text, msg in (("server\n", ":1: expected"), ("key = a\nkey = b\n", ":2: key is already set on line 1"),
                  ("quorum = " + "9" * 5000 + "\n", ":1: the line is"), ("#\n" * 40000, "larger than")):
    open(bad, "w").write(text)
    r = run("config", env={"PARLEY_CONFIG": bad})
    check(r.returncode == 2 and msg in r.stderr and bad in r.stderr, "%r: %d %s" % (msg, r.returncode, r.stderr))

# a bad value is blamed on where it came from, not on a flag nobody typed
open(bad, "w").write("# comment\nquorum = 2 # two\n")
for args in (("config",), ("get", "1")):
    r = run(*args, env={"PARLEY_CONFIG": bad})
    check(r.returncode == 2 and bad + ":2" in r.stderr and "quorum takes a decimal number" in r.stderr and
          "--quorum" not in r.stderr, "a bad quorum in the file names file:line (%s): %d %s" % (args[0], r.returncode, r.stderr))
r = run("get", "1", env={"PARLEY_QUORUM": "two"})
check(r.returncode == 2 and "env PARLEY_QUORUM" in r.stderr, "a bad PARLEY_QUORUM says so: %d %s" % (r.returncode, r.stderr))
r = run("log", "audit", os.path.join(S, "a"), "--vkey", "")
check(r.returncode == 2 and "empty key" in r.stderr, "an empty --vkey says it is empty: %d %s" % (r.returncode, r.stderr))

if fails:
    print("%d failures" % len(fails))
    sys.exit(1)
print("OK")
