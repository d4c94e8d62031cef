#!/usr/bin/env python3
"""The folders of src/ are the layers of docs/architecture.md, and arrows point down only.

usage: layers.py SRC_DIR

Every `#include "FOLDER/..."` in src/LAYER/*.c|h must name a folder of the same
layer or of a layer below. Folders that share a layer (the services: server,
witness, monitor) must not include each other. Also checked, because the
architecture says so:
  - HTTP statuses exist only in the adapters: no file below src/http sends or
    maps one (a number 4xx/5xx next to the word "status", a MHD_HTTP_ name);
    the client layer may read the statuses a server answers;
  - nothing but src/store/logdir.c spells a log directory's private files;
  - nothing but src/base/thread.c starts a thread.
Prints what it found; exits 1 on any violation.
"""
import os
import re
import sys

# lowest first; a layer is a list of folders that may not include each other
LAYERS = [
    ["base"],
    ["tlog"],
    ["store"],
    ["replay"],
    ["statement"],
    ["evidence"],
    ["workflow"],
    ["client"],
    ["server", "witness", "monitor"],
    ["http"],
    ["cli"],
]
RANK = {f: i for i, layer in enumerate(LAYERS) for f in layer}
INCLUDE = re.compile(r'^\s*#\s*include\s+"([a-z_]+)/[^"]+"', re.M)
PRIVATE_FILES = re.compile(r'"[^"]*(private/|state\.db|index\.db|replay\.state|log\.key|/lock")')
STATUS = re.compile(r'(MHD_HTTP_[A-Z_]+|\bstatus\b[^;\n]{0,40}\b[45][0-9][0-9]\b)')


def sources(src):
    for folder in sorted(os.listdir(src)):
        d = os.path.join(src, folder)
        if not os.path.isdir(d):
            continue
        for name in sorted(os.listdir(d)):
            if name.endswith((".c", ".h")):
                yield folder, os.path.join(d, name)


def code_only(text):
    """The text without comments and string literals' contents are kept (we look for paths in them)."""
    return re.sub(r"/\*.*?\*/", "", text, flags=re.S)


def main():
    src = sys.argv[1]
    problems, files, edges = [], 0, 0
    for folder, path in sources(src):
        rel = os.path.relpath(path, src)
        if folder not in RANK:
            problems.append("%s: the folder %s is not a layer of docs/architecture.md (tests/arch/layers.py)"
                            % (rel, folder))
            continue
        files += 1
        text = code_only(open(path, encoding="utf-8").read())
        for m in INCLUDE.finditer(text):
            to = m.group(1)
            edges += 1
            if to not in RANK:
                problems.append("%s includes %s/: not a layer" % (rel, to))
            elif RANK[to] > RANK[folder]:
                problems.append("%s (layer %s) includes %s/ from the layer above (%s)"
                                % (rel, folder, to, " ".join(LAYERS[RANK[to]])))
            elif RANK[to] == RANK[folder] and to != folder:
                problems.append("%s includes %s/: folders of one layer do not include each other" % (rel, to))
        if RANK[folder] < RANK["http"] and folder != "client":
            for m in STATUS.finditer(text):
                problems.append("%s: an HTTP status below the adapters (%s)" % (rel, m.group(0).strip()[:60]))
        if rel != os.path.join("store", "logdir.c") and folder not in ("cli",):
            for m in PRIVATE_FILES.finditer(text):
                problems.append("%s spells a log directory's private file (%s): store/logdir.h knows them"
                                % (rel, m.group(0)))
        if rel != os.path.join("base", "thread.c") and re.search(r"\bpthread_create\s*\(", text):
            problems.append("%s starts a thread itself: base/thread.h is the one place" % rel)
    for p in problems:
        print(p)
    print("%d files, %d includes, %d layers: %s" % (files, edges, len(LAYERS),
                                                    "arrows point down only" if not problems else
                                                    "%d problem(s)" % len(problems)))
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()
