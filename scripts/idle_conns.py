#!/usr/bin/env python3
"""Measures what idle keep-alive connections cost `parley serve` (docs/operating.md).

usage: scripts/idle_conns.py PARLEY [N ...]   (default N: 2000 5000 10000)

Makes a throw-away log, starts PARLEY serve on it with --conn-limit above the
largest N, then for each N opens N connections (spread over 127.0.0.0/8 source
addresses, 100 per address: the server takes at most 256 per address), sends
one GET /healthz on each and reads the answer, leaving the connection open and
idle; then reads the server's resident memory and thread count from /proc and
prints them with the cost per idle connection. The connections are closed
before the next N. Prints figures; asserts nothing about them.
"""
import os
import resource
import shutil
import socket
import subprocess
import sys
import tempfile
import time

PER_ADDR = 100


def status(pid):
    out = {}
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            k, _, v = line.partition(":")
            out[k] = v.strip()
    return int(out["VmRSS"].split()[0]), int(out["Threads"])


def open_idle(port, n):
    socks = []
    for i in range(n):
        a = i // PER_ADDR
        src = "127.%d.%d.%d" % (1 + a // 65536, (a // 256) % 256, 1 + a % 250)
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.bind((src, 0))
        s.connect(("127.0.0.1", port))
        s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        socks.append(s)
    for s in socks:  # every answer read: each connection has served a request and is idle
        got = b""
        while b"\r\n\r\n" not in got or not got.rstrip().endswith(b"}"):
            b = s.recv(4096)
            if not b:
                raise SystemExit("a connection was closed by the server")
            got += b
        if not got.startswith(b"HTTP/1.1 200"):
            raise SystemExit("unexpected answer %r" % got[:80])
    return socks


def main():
    if len(sys.argv) < 2:
        raise SystemExit(__doc__)
    parley = os.path.abspath(sys.argv[1])
    counts = [int(x) for x in sys.argv[2:]] or [2000, 5000, 10000]
    need = max(counts) + 200
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < need:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(need, hard), hard))
    work = tempfile.mkdtemp(prefix="idle_conns.")
    srv = None
    try:
        run = lambda *a: subprocess.run([parley] + list(a), cwd=work, check=True, capture_output=True)
        run("keygen", "--party", "cert.a", "--out", "a")
        run("keygen", "--party", "cert.b", "--out", "b")
        run("init", "wg", "--origin", "example.org/idle", "--key", "a.key", "--founder", "b.id.json")
        srv = subprocess.Popen([parley, "serve", "wg", "--listen", "127.0.0.1:0", "--port-file", "port",
                                "--allow-root", "--conn-limit", str(need)], cwd=work,
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        pf = os.path.join(work, "port")
        for _ in range(200):
            if os.path.exists(pf):
                break
            time.sleep(0.05)
        port = int(open(pf).read())
        warm = open_idle(port, 50)  # the server's own first-use allocations
        for s in warm:
            s.close()
        time.sleep(0.5)
        base, threads0 = status(srv.pid)
        print("idle_conns: server pid %d, %d KiB resident, %d threads before" % (srv.pid, base, threads0))
        for n in counts:
            t0 = time.time()
            socks = open_idle(port, n)
            rss, threads = status(srv.pid)
            print("idle_conns: %6d idle connections (opened in %.1f s): %7d KiB resident (+%d KiB), %d threads, "
                  "%.1f KiB per connection" % (n, time.time() - t0, rss, rss - base, threads, (rss - base) / n))
            for s in socks:
                s.close()
            time.sleep(1.0)
    finally:
        if srv is not None:
            srv.terminate()
            srv.wait(timeout=60)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
