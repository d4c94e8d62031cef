/* source.c - reading a published log through any source; the log directory as one (source.h). */
#include "store/source.h"

#include "base/fsio.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

struct pl_source {
	const pl_source_ops *ops;
	void *impl;
	char dir[PATH_MAX]; /* a directory source's path, or "" */
};

int pl_source_new(const pl_source_ops *ops, void *impl, pl_source **out, pl_diag *d)
{
	*out = NULL;
	pl_source *s = calloc(1, sizeof *s);
	if (s == NULL) {
		ops->free(impl);
		return pl_diag_set(d, PL_ENOMEM, "out of memory");
	}
	s->ops = ops;
	s->impl = impl;
	*out = s;
	return PL_OK;
}

void pl_source_free(pl_source *s)
{
	if (s == NULL)
		return;
	if (s->ops->free != NULL)
		s->ops->free(s->impl);
	free(s);
}

const char *pl_source_dir(const pl_source *s)
{
	return s->dir[0] ? s->dir : NULL;
}

int pl_source_get(pl_source *s, const char *relpath, size_t max, pl_buf *out, pl_diag *d)
{
	return s->ops->get(s->impl, relpath, max, out, d);
}

/* ---- a log directory ---- */

static int dir_get(void *impl, const char *relpath, size_t max, pl_buf *out, pl_diag *d)
{
	const pl_source *s = impl;
	char path[PATH_MAX];
	if (pl_path_join(path, sizeof path, s->dir, relpath) != PL_OK)
		return pl_diag_set(d, PL_EINVAL, "path too long");
	return pl_fs_read(path, max, out, d);
}

static const pl_source_ops dir_ops = {.get = dir_get, .free = NULL};

int pl_source_open_dir(const char *dir, pl_source **out, pl_diag *d)
{
	*out = NULL;
	struct stat st;
	if (strlen(dir) >= PATH_MAX || stat(dir, &st) != 0 || !S_ISDIR(st.st_mode))
		return pl_diag_set(d, PL_ENOTFOUND, "%s: no such log directory", dir);
	pl_source *s = calloc(1, sizeof *s);
	if (s == NULL)
		return pl_diag_set(d, PL_ENOMEM, "out of memory");
	s->ops = &dir_ops;
	s->impl = s;
	snprintf(s->dir, sizeof s->dir, "%s", dir);
	*out = s;
	return PL_OK;
}

/* The first width entries' bytes of a bundle (0 if it has fewer). */
static size_t bundle_prefix(const uint8_t *p, size_t n, unsigned width)
{
	size_t off = 0;
	for (unsigned i = 0; i < width; i++) {
		if (n - off < 2 || n - off - 2 < ((size_t)p[off] << 8 | p[off + 1]))
			return 0;
		off += 2 + ((size_t)p[off] << 8 | p[off + 1]);
	}
	return off;
}

int pl_source_fetch_tile(void *ctx, const pl_tile *t, pl_buf *out)
{
	char rel[PL_TILE_PATH_MAX];
	int rc = pl_tile_path(t, rel, sizeof rel);
	if (rc != PL_OK)
		return rc;
	size_t max = t->level == PL_TILE_LEVEL_ENTRIES ? PL_BUNDLE_MAX : pl_tile_size(t);
	rc = pl_source_get(ctx, rel, max, out, NULL);
	if (rc != PL_ENOTFOUND || t->width >= PL_TILE_WIDTH)
		return rc;
	/* A partial tile is removed once the full tile is published (log.h, step
	 * 6), so a reader working from a checkpoint read just before may miss it:
	 * the full tile's prefix holds the same bytes (and is checked against the
	 * checkpoint like anything read here). */
	pl_tile full = *t;
	full.width = PL_TILE_WIDTH;
	if (pl_tile_path(&full, rel, sizeof rel) != PL_OK)
		return rc;
	size_t start = out->len;
	int frc = pl_source_get(ctx, rel, t->level == PL_TILE_LEVEL_ENTRIES ? PL_BUNDLE_MAX : pl_tile_size(&full),
				out, NULL);
	if (frc != PL_OK) {
		pl_buf_truncate(out, start);
		return rc;
	}
	size_t keep = t->level == PL_TILE_LEVEL_ENTRIES
			      ? bundle_prefix(out->data + start, out->len - start, t->width)
			      : (out->len - start >= pl_tile_size(t) ? pl_tile_size(t) : 0);
	pl_buf_truncate(out, start + keep);
	return keep > 0 ? PL_OK : PL_ECORRUPT;
}

int pl_source_leaf(pl_source *s, uint64_t size, uint64_t index, pl_hash *out)
{
	if (index >= size)
		return PL_ERANGE;
	pl_tile t;
	int rc = pl_tile_in_tree(size, 0, index / PL_TILE_WIDTH, &t);
	if (rc != PL_OK)
		return rc;
	pl_buf b;
	pl_buf_init(&b, PL_TILE_BYTES);
	rc = pl_source_fetch_tile(s, &t, &b);
	if (rc == PL_OK && b.len == pl_tile_size(&t))
		memcpy(out->b, b.data + (index % PL_TILE_WIDTH) * PL_HASH_SIZE, PL_HASH_SIZE);
	else if (rc == PL_OK)
		rc = PL_ECORRUPT;
	pl_buf_release(&b);
	return rc;
}
