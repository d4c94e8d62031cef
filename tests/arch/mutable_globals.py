#!/usr/bin/env python3
"""
The parley executable keeps no mutable state outside functions: no object of
src/cli defines a variable in a writable data section (.data, .bss and their
thread-local kinds; read-only tables relocated at load time, .data.rel.ro,
are fine). State lives in what main owns and passes down.

usage: mutable_globals.py BUILD_DIR [--under DIR]...

Reads the symbol table (objdump -t) of every object linked into the build's
targets (as file_cycles.py finds them) for variables in writable sections
(what a sanitizer adds there does not count); with
--under DIR (a folder of src/, like cli; repeatable) only objects under those
folders count. Prints each such symbol and exits 1 if there is one.
"""
import os
import subprocess
import sys

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from file_cycles import objects  # noqa: E402

WRITABLE = (".data", ".bss", ".tdata", ".tbss")
GENERATED = (".", "__asan", "__odr_asan", "___asan", "__ubsan", "__sancov", "__tsan")


def writable(name):
    return any(name == s or name.startswith(s + ".") for s in WRITABLE) and not name.startswith(".data.rel.ro")


def run(args):
    r = subprocess.run(args, capture_output=True, text=True)
    if r.returncode != 0:
        sys.exit("mutable_globals: %s failed: %s" % (" ".join(args), r.stderr.strip()))
    return r.stdout


def main(argv):
    if len(argv) < 2 or argv[1].startswith("-"):
        sys.stderr.write(__doc__.split("\n\n")[1].strip() + "\n")
        return 2
    build, under, rest = argv[1], [], argv[2:]
    while rest:
        if rest[0] != "--under" or len(rest) < 2:
            sys.stderr.write("usage: mutable_globals.py BUILD_DIR [--under DIR]...\n")
            return 2
        under.append(rest[1].strip("/") + "/")
        rest = rest[2:]
    objs = {n: p for n, p in objects(build).items() if not under or any(n.startswith(u) for u in under)}
    if not objs:
        sys.stderr.write("mutable_globals: no object files to check\n")
        return 2
    found = []
    for name, path in sorted(objs.items()):
        syms, sections = [], set()
        for line in run(["objdump", "-t", path]).splitlines():
            # "ADDRESS FLAGS SECTION<TAB>SIZE NAME": a variable in a writable section (not the section's
            # own symbol, flag d; not a local label; not what a sanitizer adds)
            left, tab, right = line.partition("\t")
            head, tail = left.split(), right.split()
            if (tab and len(head) >= 2 and writable(head[-1]) and "d" not in head[1:-1] and len(tail) == 2 and
                    not tail[1].startswith(GENERATED)):
                syms.append(tail[1])
                sections.add(head[-1])
        if syms:
            found.append((name, sorted(sections), sorted(set(syms))))
    if not found:
        print("mutable_globals: %d objects, no mutable global%s" %
              (len(objs), " under " + ", ".join(under) if under else ""))
        return 0
    for name, sections, syms in found:
        print("%s: in %s: %s" % (name, ", ".join(sections), ", ".join(syms)))
    print("mutable_globals: %d object%s with mutable globals" % (len(found), "" if len(found) == 1 else "s"))
    return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
