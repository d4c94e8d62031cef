#!/usr/bin/env python3
"""Crash safety of `parley log add` under SIGKILL at random moments.

Each iteration pipes a batch of random size into `parley log add` and, most of
the time, kills the process with SIGKILL after a random delay spread over its
whole lifetime (reading input, opening and recovering the log, staging,
writing tiles, committing, replacing the checkpoint). After every iteration:
  - the published checkpoint never went backwards;
and every few iterations, and at the end:
  - `parley log audit` recomputes the whole log and it checks out;
  - every batch whose `add` exited 0 (acknowledged) is present, in order, at
    the indexes its printed size implies.

usage: crash_test.py PARLEY WORKDIR [ITERATIONS]   (default 150; env PARLEY_CRASH_ITERS overrides)
"""
import os
import random
import shutil
import signal
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import logdir  # noqa: E402


def fail(msg):
    print("FAIL: " + msg, file=sys.stderr)
    sys.exit(1)


def run(args, **kw):
    return subprocess.run(args, capture_output=True, **kw)


def main():
    parley, work = sys.argv[1], sys.argv[2]
    iters = int(os.environ.get("PARLEY_CRASH_ITERS", sys.argv[3] if len(sys.argv) > 3 else "150"))
    seed = int(os.environ.get("PARLEY_CRASH_SEED", str(int(time.time()))))
    rng = random.Random(seed)
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    d = os.path.join(work, "log")
    r = run([parley, "log", "init", d, "--origin", "example.org/crash"])
    if r.returncode != 0:
        fail("init: " + r.stderr.decode())
    vkey = os.path.join(d, "log.vkey")

    acked = []          # (first index, [entries])
    max_size = 0
    kills = completed = 0
    durations = [0.02]

    def check(final=False):
        r = run([parley, "log", "audit", d, "--vkey", vkey])
        if r.returncode != 0:
            fail("audit after %d iterations: %s" % (it + 1, r.stderr.decode()))
        _, size, _ = logdir.checkpoint(d)
        for first, lines in acked:
            if first + len(lines) > size:
                fail("acknowledged batch at %d..%d is beyond the checkpoint size %d"
                     % (first, first + len(lines), size))
            got = logdir.entries(d, first, len(lines), size)
            if got != lines:
                fail("acknowledged batch at %d differs from what was sent" % first)

    for it in range(iters):
        n = rng.choice([1, 1, 2, 7, 100, 255, 256, 257, 600, 1500])
        lines = [("it%d-%d-%08x" % (it, j, rng.getrandbits(32))).encode() for j in range(n)]
        data = b"\n".join(lines) + b"\n"
        kill = rng.random() < 0.85
        delay = rng.uniform(0, 1.3 * (sum(durations[-20:]) / len(durations[-20:])))
        start = time.monotonic()
        p = subprocess.Popen([parley, "log", "add", d], stdin=subprocess.PIPE,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        try:
            p.stdin.write(data)  # fits in the pipe buffer: never blocks
            p.stdin.close()
        except BrokenPipeError:
            pass
        p.stdin = None
        if kill:
            time.sleep(delay)
            p.send_signal(signal.SIGKILL)
        out, err = p.communicate()
        if p.returncode == 0:
            completed += 1
            durations.append(time.monotonic() - start)
            size = int(out.decode().strip())
            acked.append((size - n, lines))
        elif p.returncode == -signal.SIGKILL:
            kills += 1
        else:
            fail("iteration %d: parley log add exited %d: %s" % (it, p.returncode, err.decode()))
        _, size, _ = logdir.checkpoint(d)
        if size < max_size:
            fail("checkpoint went backwards from %d to %d" % (max_size, size))
        max_size = size
        if it % 25 == 24:
            check()
    # A last open recovers whatever the last kill left staged.
    r = run([parley, "log", "add", d], input=b"")
    if r.returncode != 0:
        fail("final open: " + r.stderr.decode())
    it = iters - 1
    check(final=True)
    _, size, _ = logdir.checkpoint(d)
    print("crash test: %d iterations (seed %d), %d killed, %d acknowledged batches all present, "
          "final size %d, audit clean" % (iters, seed, kills, completed, size))


if __name__ == "__main__":
    main()
