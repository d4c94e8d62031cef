#!/usr/bin/env python3
"""
No two source files call each other in a loop: dependencies between the files
of libparley and of the parley executable go one way.

usage: file_cycles.py BUILD_DIR [--under DIR]...

Runs nm on every object file of the build's targets (BUILD_DIR/src/CMakeFiles/
*.dir/: the parley library and the parley executable), maps each undefined symbol of an object to the object that defines it,
and builds the graph "file A uses a symbol of file B". Any strongly connected
component of more than one file is a loop; each is printed with the symbols
that tie its files together, and the script exits 1. With --under DIR (a
folder of src/, like cli; repeatable) only loops with a file under one of
those folders count. Exit 2 when the build has no object files.
"""
import glob
import os
import shlex
import subprocess
import sys


def usage():
    sys.stderr.write(__doc__.split("\n\n")[1].strip() + "\n")
    sys.exit(2)


def objects(build):
    """{name: path}: every object linked into the build's targets, named by its source (cli/cli.c).

    A target's objects are those its link command names (CMakeFiles/T.dir/link.txt), so an object
    left behind by a source file since removed does not count; a target without one (another
    generator) counts every object in its directory."""
    out = {}
    src = os.path.join(build, "src")
    for d in sorted(glob.glob(os.path.join(src, "CMakeFiles", "*.dir"))):
        link = os.path.join(d, "link.txt")
        if os.path.exists(link):
            with open(link) as f:
                paths = [os.path.join(src, t) for t in shlex.split(f.read()) if t.endswith(".o")]
        else:
            paths = [os.path.join(root, f) for root, _, files in os.walk(d) for f in files if f.endswith(".o")]
        for path in paths:
            if not os.path.exists(path):
                sys.exit("file_cycles: %s is missing: build first" % path)
            out[os.path.relpath(path, d)[: -len(".o")]] = path
    return out


def symbols(path):
    """(defined, undefined): the object's global symbols."""
    r = subprocess.run(["nm", "-P", path], capture_output=True, text=True)
    if r.returncode != 0:
        sys.exit("file_cycles: nm %s failed: %s" % (path, r.stderr.strip()))
    defined, undefined = set(), set()
    for line in r.stdout.splitlines():
        parts = line.split()
        if len(parts) < 2:
            continue
        sym, kind = parts[0], parts[1]
        if kind == "U":
            undefined.add(sym)
        elif kind.isupper():  # T, D, B, R, C, W, V...: a global definition
            defined.add(sym)
    return defined, undefined


def components(nodes, edges):
    """Tarjan's strongly connected components, iteratively."""
    index, low, on, stack, out = {}, {}, set(), [], []
    counter = 0
    for start in nodes:
        if start in index:
            continue
        work = [(start, iter(sorted(edges.get(start, ()))))]
        index[start] = low[start] = counter
        counter += 1
        stack.append(start)
        on.add(start)
        while work:
            v, it = work[-1]
            advanced = False
            for w in it:
                if w not in index:
                    index[w] = low[w] = counter
                    counter += 1
                    stack.append(w)
                    on.add(w)
                    work.append((w, iter(sorted(edges.get(w, ())))))
                    advanced = True
                    break
                if w in on:
                    low[v] = min(low[v], index[w])
            if advanced:
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[v])
            if low[v] == index[v]:
                comp = []
                while True:
                    w = stack.pop()
                    on.discard(w)
                    comp.append(w)
                    if w == v:
                        break
                out.append(sorted(comp))
    return out


def main(argv):
    if len(argv) < 2 or argv[1].startswith("-"):
        usage()
    build, under = argv[1], []
    rest = argv[2:]
    while rest:
        if rest[0] != "--under" or len(rest) < 2:
            usage()
        under.append(rest[1].strip("/") + "/")
        rest = rest[2:]
    objs = objects(build)
    if not objs:
        sys.stderr.write("file_cycles: no object files under %s/src/CMakeFiles/*.dir\n" % build)
        return 2
    defs, undefs = {}, {}
    for name, path in objs.items():
        d, u = symbols(path)
        undefs[name] = u
        for s in d:
            defs.setdefault(s, set()).add(name)
    edges, why = {}, {}
    for name, u in undefs.items():
        for s in u:
            for target in defs.get(s, ()):
                if target != name:
                    edges.setdefault(name, set()).add(target)
                    why.setdefault((name, target), set()).add(s)
    loops = [c for c in components(sorted(objs), edges) if len(c) > 1]
    if under:
        loops = [c for c in loops if any(f.startswith(p) for f in c for p in under)]
    nedges = sum(len(v) for v in edges.values())
    if not loops:
        print("file_cycles: %d files, %d dependencies, no loop%s" %
              (len(objs), nedges, " under " + ", ".join(under) if under else ""))
        return 0
    for c in loops:
        print("LOOP of %d files: %s" % (len(c), ", ".join(c)))
        members = set(c)
        for a in c:
            for b in sorted(edges.get(a, ()) & members):
                syms = sorted(why[(a, b)])
                print("  %s -> %s: %s%s" % (a, b, ", ".join(syms[:6]), " ..." if len(syms) > 6 else ""))
    print("file_cycles: %d loop%s" % (len(loops), "" if len(loops) == 1 else "s"))
    return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
