#!/usr/bin/env python3
"""Storage faults under the real parley binary (docs/faults.md).

usage: io_fault_test.py PARLEY SHIM SCRATCH

The shim (io_fault.c, LD_PRELOAD) fails the N-th call of one class
(write, pwrite, fsync, fdatasync, rename, open, mkdir) with ENOSPC or EIO, or
makes the N-th write/pwrite short, and lets every other call through.

Scenarios, each a sequence of commands:
  log    parley log init, then three parley log add batches (3, 300, 2 lines)
  serve  parley keygen x2 and parley init (unfaulted), then parley serve with
         one submitted ping waited for

For every command the calls are counted once (no fault); then for every class
it made calls of, and every N in a sample of 1..count (IOFAULT_FULL=1: every
N), each kind is injected into that command, run on a fresh copy of the state
before it. Checks: no death by signal, no sanitizer report, no hang (timeout);
a failure exits non-zero with a message on stderr. Then without the shim:
the log audits, its size is the size before or after the command, and a
further `parley log add` works and audits (recovery).

Sampling (default, for CI): per command and class, N = 1, the last call and
up to SAMPLE (IOFAULT_SAMPLE, default 6) more evenly spaced.
"""
import os
import shutil
import signal
import subprocess
import sys
import time

# These checks run without witnesses, on purpose: members say so with --quorum 0 (cli_policy_member).
os.environ.setdefault("PARLEY_QUORUM", "0")

PARLEY, SHIM, WORK = sys.argv[1], os.path.abspath(sys.argv[2]), sys.argv[3]
FULL = os.environ.get("IOFAULT_FULL") == "1"
SAMPLE = int(os.environ.get("IOFAULT_SAMPLE", "6"))
CLASSES = ["write", "pwrite", "fsync", "fdatasync", "rename", "open", "mkdir"]
KINDS = {c: ["enospc", "eio"] + (["short"] if c in ("write", "pwrite") else []) for c in CLASSES}
ROOT = ["--allow-root"] if os.geteuid() == 0 else []
failures = []
stats = {}
SERVE_POINTS = int(os.environ.get("IOFAULT_SERVE_POINTS", "4"))


def fail(what):
    failures.append(what)
    print("FAIL: " + what, file=sys.stderr)


def base_env():
    env = dict(os.environ)
    for k in list(env):
        if k.startswith("IOFAULT_"):
            del env[k]
    env.setdefault("ASAN_OPTIONS", "")
    env["ASAN_OPTIONS"] += ":verify_asan_link_order=0"
    return env


def run(args, stdin=None, env=None, timeout=60, cwd=None):
    return subprocess.run(args, input=stdin, capture_output=True, env=env or base_env(), timeout=timeout, cwd=cwd)


def shim_env(extra):
    env = base_env()
    pre = env.get("LD_PRELOAD", "")
    env["LD_PRELOAD"] = (pre + " " if pre else "") + SHIM
    env.update(extra)
    return env


def sanitizer(err):
    return b"AddressSanitizer" in err or b"runtime error:" in err or b"LeakSanitizer" in err


def log_size(d):
    """Audits d (no shim); returns its size or None."""
    r = run([PARLEY, "log", "audit", d, "--vkey", os.path.join(d, "log.vkey")])
    if r.returncode != 0:
        return None, r.stderr.decode(errors="replace")
    cp = open(os.path.join(d, "checkpoint"), "rb").read().split(b"\n")
    return int(cp[1]), ""


def samples(n):
    if FULL or n <= SAMPLE + 2:
        return list(range(1, n + 1))
    pts = {1, n}
    for i in range(1, SAMPLE + 1):
        pts.add(1 + (n - 1) * i // (SAMPLE + 1))
    return sorted(pts)


def counts(path):
    total = {c: 0 for c in CLASSES}
    if os.path.exists(path):
        for line in open(path):
            pid, cls, n = line.split()
            if cls in total:
                total[cls] += int(n)
    return total


# ---- scenario: parley log ----

BATCHES = [b"a\nb\nc\n", b"".join(b"entry %d\n" % i for i in range(300)), b"x\ny\n"]


def log_steps(d):
    steps = [("log init", [PARLEY, "log", "init", d, "--origin", "fault.example/io"], None)]
    for i, b in enumerate(BATCHES):
        steps.append(("log add #%d" % (i + 1), [PARLEY, "log", "add", d], b))
    return steps


def recover_init(d):
    """After a failed init: running it again must work."""
    r = run([PARLEY, "log", "init", d, "--origin", "fault.example/io"])
    return r.returncode == 0, r.stderr.decode(errors="replace")


def check_after(tag, d, old, new, was_init):
    size, why = log_size(d) if os.path.exists(os.path.join(d, "private", "state.db")) else (None, "no log")
    if size is None and was_init:
        ok, why2 = recover_init(d)
        if not ok:
            fail("%s: init cannot be run again: %s" % (tag, why2))
            return
        size, why = log_size(d)
    if size is None:
        fail("%s: the log does not audit: %s" % (tag, why.strip()))
        return
    if size not in (old, new):
        fail("%s: size %d is neither %d nor %d" % (tag, size, old, new))
    r = run([PARLEY, "log", "add", d], stdin=b"recovered\n")
    if r.returncode != 0:
        fail("%s: log add after the fault failed: %s" % (tag, r.stderr.decode(errors="replace").strip()))
        return
    size2, why = log_size(d)
    if size2 is None or size2 <= size:
        fail("%s: after the recovery add: %s" % (tag, why.strip()))


def sweep_log():
    base = os.path.join(WORK, "log")
    shutil.rmtree(base, ignore_errors=True)
    os.makedirs(base)
    ref = os.path.join(base, "ref")
    steps = log_steps(ref)
    sizes = [0]
    for _, _, stdin in steps[1:]:
        sizes.append(sizes[-1] + stdin.count(b"\n"))
    # count the calls of each step, and keep the state before each
    ncount = []
    for i, (name, args, stdin) in enumerate(steps):
        if os.path.exists(ref):
            shutil.copytree(ref, os.path.join(base, "before%d" % i), symlinks=True)
        cf = os.path.join(base, "counts%d" % i)
        r = run(args, stdin=stdin, env=shim_env({"IOFAULT_COUNTS": cf}))
        if r.returncode != 0:
            fail("%s without a fault: %s" % (name, r.stderr.decode(errors="replace")))
            return
        ncount.append(counts(cf))
    for i, (name, _, stdin) in enumerate(steps):
        old = sizes[i - 1] if i > 0 else 0
        new = sizes[i] if i > 0 else 0
        for cls in CLASSES:
            n = ncount[i][cls]
            if n == 0:
                continue
            for k in samples(n):
                for kind in KINDS[cls]:
                    d = os.path.join(base, "case")
                    shutil.rmtree(d, ignore_errors=True)
                    if i > 0:
                        shutil.copytree(os.path.join(base, "before%d" % i), d, symlinks=True)
                    args = [a if a != ref else d for a in steps[i][1]]
                    tag = "%s %s #%d %s" % (name, cls, k, kind)
                    one(tag, args, stdin, cls, k, kind, d, old, new, i == 0)
    return ncount


def one(tag, args, stdin, cls, k, kind, d, old, new, was_init):
    env = shim_env({"IOFAULT_OP": cls, "IOFAULT_N": str(k), "IOFAULT_KIND": kind})
    try:
        r = run(args, stdin=stdin, env=env, timeout=60)
    except subprocess.TimeoutExpired:
        fail("%s: hung" % tag)
        return
    key = (tag.split()[0] + " " + tag.split()[1], cls, kind)
    s = stats.setdefault((cls, kind), [0, 0, 0])
    s[0] += 1
    if r.returncode < 0:
        fail("%s: killed by signal %d" % (tag, -r.returncode))
    elif sanitizer(r.stderr):
        fail("%s: sanitizer report: %s" % (tag, r.stderr.decode(errors="replace")[:2000]))
    elif r.returncode != 0:
        s[1] += 1
        if not r.stderr.strip():
            fail("%s: failed (exit %d) without a message" % (tag, r.returncode))
    else:
        s[2] += 1
    del key
    check_after(tag, d, old, new, was_init)


# ---- scenario: parley init + serve ----


def sweep_serve():
    base = os.path.join(WORK, "serve")
    shutil.rmtree(base, ignore_errors=True)
    os.makedirs(base)
    env = base_env()
    for p in ("a", "b"):
        r = run([PARLEY, "keygen", "--party", "cert." + p, "--out", os.path.join(base, p)], env=env)
        if r.returncode != 0:
            fail("keygen: " + r.stderr.decode(errors="replace"))
            return None
    wg0 = os.path.join(base, "wg0")
    init = [PARLEY, "init", wg0, "--origin", "fault.example/wg", "--key", os.path.join(base, "a.key"),
            "--founder", os.path.join(base, "b.id.json")]
    cf = os.path.join(base, "counts-init")
    r = run(init, env=shim_env({"IOFAULT_COUNTS": cf}))
    if r.returncode != 0:
        fail("init without a fault: " + r.stderr.decode(errors="replace"))
        return None
    init_counts = counts(cf)
    size0, why = log_size(wg0)
    # parley init under faults: the group's log is created whole or can be created again
    for cls in CLASSES:
        for k in samples(init_counts[cls]):
            for kind in KINDS[cls]:
                d = os.path.join(base, "wgi")
                shutil.rmtree(d, ignore_errors=True)
                args = [a if a != wg0 else d for a in init]
                env2 = shim_env({"IOFAULT_OP": cls, "IOFAULT_N": str(k), "IOFAULT_KIND": kind})
                tag = "init %s #%d %s" % (cls, k, kind)
                try:
                    r = run(args, env=env2)
                except subprocess.TimeoutExpired:
                    fail(tag + ": hung")
                    continue
                if r.returncode < 0 or sanitizer(r.stderr):
                    fail("%s: crashed: %s" % (tag, r.stderr.decode(errors="replace")[:1500]))
                    continue
                if r.returncode != 0 and not r.stderr.strip():
                    fail(tag + ": failed without a message")
                size, why = log_size(d) if os.path.exists(os.path.join(d, "private", "state.db")) else (None, "")
                if r.returncode == 0 and size != size0:
                    fail("%s: init said it succeeded, but the log has size %s (%s)" % (tag, size, why))
                    continue
                if size is None or size == 0:
                    # no log, or one created without its charter: running init again completes it
                    # (or, when the charter's batch was durable and only its publication failed,
                    # refuses: the log is complete, and opening it published its checkpoint)
                    r2 = run(args)
                    if r2.returncode != 0 and b"already holds a log" not in r2.stderr:
                        fail("%s: init cannot be run again: %s" % (tag, r2.stderr.decode(errors="replace")))
                        continue
                    size, why = log_size(d)
                if size != size0:
                    fail("%s: the new group's log has size %s (%s)" % (tag, size, why))
    # parley serve with one submission, under faults
    serve_counts = serve_once(base, wg0, os.path.join(base, "wgs-count"), {}, count=True)
    if serve_counts is None:
        return None
    for cls in CLASSES:
        for k in samples(serve_counts[cls])[:SERVE_POINTS] if not FULL else samples(serve_counts[cls]):
            for kind in KINDS[cls]:
                serve_once(base, wg0, os.path.join(base, "wgs"), {"IOFAULT_OP": cls, "IOFAULT_N": str(k),
                                                                   "IOFAULT_KIND": kind},
                           tag="serve %s #%d %s" % (cls, k, kind), size0=size0)
    return init_counts, serve_counts


def serve_once(base, wg0, d, fault, count=False, tag="serve", size0=None):
    shutil.rmtree(d, ignore_errors=True)
    shutil.copytree(wg0, d, symlinks=True)
    portfile = os.path.join(base, "port")
    if os.path.exists(portfile):
        os.unlink(portfile)
    cf = os.path.join(base, "counts-serve")
    if os.path.exists(cf):
        os.unlink(cf)
    extra = dict(fault)
    extra["IOFAULT_COUNTS"] = cf
    p = subprocess.Popen([PARLEY, "serve", d, "--listen", "127.0.0.1:0", "--port-file", portfile] + ROOT,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=shim_env(extra))
    for _ in range(100):
        if os.path.exists(portfile) and open(portfile).read().strip() or p.poll() is not None:
            break
        time.sleep(0.05)
    submitted = False
    if p.poll() is None and os.path.exists(portfile):
        env = base_env()
        env["PARLEY_SERVER"] = "http://127.0.0.1:" + open(portfile).read().strip()
        env["PARLEY_VKEY"] = open(os.path.join(d, "log.vkey")).read().strip()
        try:
            r = run([PARLEY, "submit", "--type", "ping", "--key", os.path.join(base, "b.key"), "--wait"], env=env,
                    timeout=30)
            submitted = r.returncode == 0
            if count and not submitted:
                fail("submit without a fault: " + r.stderr.decode(errors="replace"))
        except subprocess.TimeoutExpired:
            if count:
                fail("submit without a fault hung")
    if p.poll() is None:
        p.send_signal(signal.SIGTERM)
    try:
        out, err = p.communicate(timeout=30)
    except subprocess.TimeoutExpired:
        p.kill()
        out, err = p.communicate()
        fail(tag + ": serve did not stop on SIGTERM")
    if p.returncode is not None and p.returncode < 0 and p.returncode != -signal.SIGTERM:
        fail("%s: serve died by signal %d; its last words: %s" % (tag, -p.returncode,
                                                                  err.decode(errors="replace")[-1500:]))
    if sanitizer(err):
        fail("%s: sanitizer report: %s" % (tag, err.decode(errors="replace")[:2000]))
    if count:
        return counts(cf)
    s = stats.setdefault(("serve " + fault["IOFAULT_OP"], fault["IOFAULT_KIND"]), [0, 0, 0])
    s[0] += 1
    s[2 if submitted else 1] += 1
    size, why = log_size(d)
    if size is None:
        fail("%s: the log does not audit afterwards: %s" % (tag, why.strip()))
        return None
    if submitted and size < size0 + 1:
        fail("%s: the ping was acknowledged but the log has size %d" % (tag, size))
    if size not in (size0, size0 + 1):
        fail("%s: size %d is neither %d nor %d" % (tag, size, size0, size0 + 1))
    return None


def main():
    os.makedirs(WORK, exist_ok=True)
    t0 = time.time()
    ncount = sweep_log()
    sv = sweep_serve()
    print("calls per command (no fault):")
    for i, c in enumerate(ncount or []):
        print("  log step %d: %s" % (i, " ".join("%s=%d" % (k, v) for k, v in c.items())))
    if sv:
        print("  parley init: " + " ".join("%s=%d" % (k, v) for k, v in sv[0].items()))
        print("  parley serve + 1 submission: " + " ".join("%s=%d" % (k, v) for k, v in sv[1].items()))
    print("injections (class, kind): runs / command failed cleanly / command succeeded")
    for (cls, kind), (n, f, ok) in sorted(stats.items()):
        print("  %-16s %-7s %4d %4d %4d" % (cls, kind, n, f, ok))
    print("%.0f s, %d failure(s)" % (time.time() - t0, len(failures)))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
