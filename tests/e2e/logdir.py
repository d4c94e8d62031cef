"""Reading a Parley log directory from Python, for end-to-end tests.

Independent of the C code: tile paths, bundles and the checkpoint body are
parsed here straight from the C2SP tlog-tiles and tlog-checkpoint specs.
"""
import os


def tile_index_path(n):
    """C2SP tlog-tiles encoding of a tile index: x-prefixed 3-digit groups."""
    groups = []
    while True:
        groups.append("%03d" % (n % 1000))
        n //= 1000
        if n == 0:
            break
    groups.reverse()
    return "/".join(["x" + g for g in groups[:-1]] + [groups[-1]])


def bundle_path(index, width):
    p = "tile/entries/" + tile_index_path(index)
    return p if width == 256 else p + ".p/%d" % width


def checkpoint(logdir):
    """(origin, size, root_b64) of the published checkpoint (signature not checked here)."""
    with open(os.path.join(logdir, "checkpoint"), "rb") as f:
        text = f.read().decode()
    body = text.split("\n\n")[0].split("\n")
    return body[0], int(body[1]), body[2]


def parse_bundle(data, count):
    out, off = [], 0
    for _ in range(count):
        n = int.from_bytes(data[off:off + 2], "big")
        out.append(data[off + 2:off + 2 + n])
        off += 2 + n
    if off != len(data):
        raise ValueError("bundle has trailing bytes")
    return out


def entries(logdir, first, count, size):
    """Entries [first, first+count) of the tree of the given size."""
    got, i = [], first
    while i < first + count:
        t = i // 256
        width = 256 if (t + 1) * 256 <= size else size % 256
        with open(os.path.join(logdir, bundle_path(t, width)), "rb") as f:
            bundle = parse_bundle(f.read(), width)
        while i < first + count and i // 256 == t:
            got.append(bundle[i % 256])
            i += 1
    return got
