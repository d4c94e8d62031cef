/* frontier.c - appending to a tiled log in memory. */
#include "store/frontier.h"

#include "base/fsio.h"

#include <limits.h>
#include <string.h>

void pl_frontier_init(pl_frontier *f)
{
	f->size = 0;
	pl_buf_init(&f->bundle, PL_BUNDLE_MAX);
}

void pl_frontier_release(pl_frontier *f)
{
	pl_buf_release(&f->bundle);
}

static int add_tile(pl_writeset *ws, int level, uint64_t index, unsigned width, const void *data, size_t n)
{
	pl_tile t = {level, index, width};
	char path[PL_TILE_PATH_MAX];
	int rc = pl_tile_path(&t, path, sizeof path);
	if (rc != PL_OK)
		return rc;
	return pl_writeset_add(ws, path, data, n);
}

int pl_frontier_append(pl_frontier *f, const uint8_t *e, size_t n, const pl_hash *leaf, pl_writeset *ws)
{
	if (n > PL_ENTRY_MAX)
		return PL_ETOOBIG;
	size_t before = f->bundle.len;
	int rc = pl_bundle_append(&f->bundle, e, n);
	if (rc != PL_OK)
		return rc;
	if (f->size + 1 >= PL_TREE_MAX) {
		pl_buf_truncate(&f->bundle, before);
		return PL_ERANGE;
	}
	f->size++;
	/* Place the hash at level 0 and carry full tiles upwards. */
	pl_hash h = *leaf;
	for (int level = 0; level < PL_LEVELS_MAX; level++) {
		uint64_t count = pl_tile_level_count(f->size, level); /* hashes at this level now */
		unsigned pos = (unsigned)((count - 1) % PL_TILE_WIDTH);
		f->tiles[level][pos] = h;
		if (count % PL_TILE_WIDTH != 0)
			break;
		uint64_t index = count / PL_TILE_WIDTH - 1;
		rc = add_tile(ws, level, index, PL_TILE_WIDTH, f->tiles[level], PL_TILE_BYTES);
		if (rc == PL_OK && level == 0) {
			rc = add_tile(ws, PL_TILE_LEVEL_ENTRIES, index, PL_TILE_WIDTH, f->bundle.data, f->bundle.len);
			pl_buf_reset(&f->bundle);
		}
		if (rc != PL_OK)
			return rc; /* the frontier is now ahead of ws: the caller reloads it */
		pl_merkle_root_of(f->tiles[level], PL_TILE_WIDTH, &h);
	}
	return PL_OK;
}

void pl_frontier_root(const pl_frontier *f, pl_hash *out)
{
	/* The partial tile of level L holds w complete level-8L subtrees; grouped
	 * by the bits of w they are the tree's maximal subtrees of heights
	 * 8L+7 .. 8L. Left to right, top level first, they are the right edge. */
	pl_edge e;
	pl_edge_init(&e);
	for (int level = PL_LEVELS_MAX - 1; level >= 0; level--) {
		unsigned w = (unsigned)(pl_tile_level_count(f->size, level) % PL_TILE_WIDTH);
		unsigned off = 0;
		for (int r = PL_TILE_HEIGHT - 1; r >= 0; r--) {
			unsigned chunk = 1u << r;
			if (!(w & chunk))
				continue;
			pl_merkle_root_of(f->tiles[level] + off, chunk, &e.h[e.n++]);
			off += chunk;
		}
	}
	e.size = f->size;
	pl_edge_root(&e, out);
}

int pl_frontier_flush(pl_frontier *f, uint64_t since, pl_writeset *ws)
{
	for (int level = 0; level < PL_LEVELS_MAX; level++) {
		uint64_t count = pl_tile_level_count(f->size, level);
		if (count == 0)
			break;
		unsigned w = (unsigned)(count % PL_TILE_WIDTH);
		if (w == 0 || count == pl_tile_level_count(since, level))
			continue; /* no partial, or the same one as at size `since` */
		uint64_t index = count / PL_TILE_WIDTH;
		int rc = add_tile(ws, level, index, w, f->tiles[level], (size_t)w * PL_HASH_SIZE);
		if (rc == PL_OK && level == 0)
			rc = add_tile(ws, PL_TILE_LEVEL_ENTRIES, index, w, f->bundle.data, f->bundle.len);
		if (rc != PL_OK)
			return rc;
	}
	return PL_OK;
}

static int read_tile_file(const char *dir, const pl_tile *t, pl_buf *out, size_t max, pl_diag *d)
{
	char rel[PL_TILE_PATH_MAX], path[PATH_MAX];
	int rc = pl_tile_path(t, rel, sizeof rel);
	if (rc == PL_OK)
		rc = pl_path_join(path, sizeof path, dir, rel);
	if (rc != PL_OK)
		return pl_diag_set(d, rc, "tile path too long");
	pl_buf_reset(out);
	pl_diag inner = {0};
	rc = pl_fs_read(path, max, out, &inner);
	if (rc == PL_ENOTFOUND)
		return pl_diag_set(d, PL_ECORRUPT, "%s is missing: the log directory lost a file the published "
				   "checkpoint covers", path);
	if (rc != PL_OK)
		return pl_diag_set(d, rc, "%s", inner.msg);
	return PL_OK;
}

int pl_frontier_load(pl_frontier *f, const char *dir, uint64_t size, pl_diag *d)
{
	pl_frontier_release(f);
	pl_frontier_init(f);
	if (size >= PL_TREE_MAX)
		return pl_diag_set(d, PL_ECORRUPT, "tree size %llu out of range", (unsigned long long)size);
	pl_buf b;
	pl_buf_init(&b, PL_BUNDLE_MAX);
	int rc = PL_OK;
	for (int level = PL_LEVELS_MAX - 1; level >= 0; level--) {
		uint64_t count = pl_tile_level_count(size, level);
		unsigned w = (unsigned)(count % PL_TILE_WIDTH);
		if (w == 0)
			continue;
		pl_tile t = {level, count / PL_TILE_WIDTH, w};
		if ((rc = read_tile_file(dir, &t, &b, PL_TILE_BYTES, d)) != PL_OK)
			goto out;
		if (b.len != (size_t)w * PL_HASH_SIZE) {
			rc = pl_diag_set(d, PL_ECORRUPT, "partial tile %d/%llu.p/%u has %zu bytes", level,
					 (unsigned long long)t.index, w, b.len);
			goto out;
		}
		memcpy(f->tiles[level], b.data, b.len);
	}
	/* The partial bundle must hold exactly the level-0 partial tile's leaves. */
	unsigned w0 = (unsigned)(size % PL_TILE_WIDTH);
	if (w0 > 0) {
		pl_tile t = {PL_TILE_LEVEL_ENTRIES, size / PL_TILE_WIDTH, w0};
		if ((rc = read_tile_file(dir, &t, &b, PL_BUNDLE_MAX, d)) != PL_OK)
			goto out;
		pl_span entries[PL_TILE_WIDTH];
		if (pl_bundle_parse(b.data, b.len, w0, entries) != PL_OK) {
			rc = pl_diag_set(d, PL_ECORRUPT, "partial entry bundle %llu.p/%u is malformed",
					 (unsigned long long)t.index, w0);
			goto out;
		}
		for (unsigned i = 0; i < w0; i++) {
			pl_hash h;
			pl_leaf_hash(entries[i].p, entries[i].n, &h);
			if (!pl_hash_eq(&h, &f->tiles[0][i])) {
				rc = pl_diag_set(d, PL_ECORRUPT, "entry %llu does not match its leaf hash in the tile",
						 (unsigned long long)(size - w0 + i));
				goto out;
			}
		}
		if ((rc = pl_buf_append(&f->bundle, b.data, b.len)) != PL_OK)
			goto out;
	}
	f->size = size;
out:
	pl_buf_release(&b);
	return rc;
}
