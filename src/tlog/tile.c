/* tile.c - tlog-tiles coordinates, paths, bundles and a tile-backed hash reader. */
#include "tlog/tile.h"

#include "base/codec.h"
#include "base/err.h"

#include <stdio.h>
#include <string.h>

int pl_tile_path(const pl_tile *t, char *out, size_t cap)
{
	if (t->width < 1 || t->width > PL_TILE_WIDTH || t->level < PL_TILE_LEVEL_ENTRIES || t->level > 63)
		return PL_EINVAL;
	char groups[48];
	/* zero-padded 3-digit groups, all but the last prefixed with 'x' */
	uint64_t n = t->index;
	char rev[8][4];
	int k = 0;
	do {
		snprintf(rev[k], sizeof rev[k], "%03u", (unsigned)(n % 1000));
		n /= 1000;
		k++;
	} while (n > 0);
	size_t pos = 0;
	for (int j = k - 1; j >= 0; j--) {
		int w = snprintf(groups + pos, sizeof groups - pos, "%s%s%s", j == k - 1 ? "" : "/",
				 j > 0 ? "x" : "", rev[j]);
		pos += (size_t)w;
	}
	char lvl[8];
	if (t->level == PL_TILE_LEVEL_ENTRIES)
		strcpy(lvl, "entries");
	else
		snprintf(lvl, sizeof lvl, "%d", t->level);
	int w;
	if (t->width == PL_TILE_WIDTH)
		w = snprintf(out, cap, "tile/%s/%s", lvl, groups);
	else
		w = snprintf(out, cap, "tile/%s/%s.p/%u", lvl, groups, t->width);
	if (w < 0 || (size_t)w >= cap)
		return PL_ETOOBIG;
	return PL_OK;
}

static bool all_digits(const char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] < '0' || p[i] > '9')
			return false;
	return n > 0;
}

int pl_tile_parse_path(const char *path, size_t n, pl_tile *out)
{
	if (n >= PL_TILE_PATH_MAX || n < 5 || memcmp(path, "tile/", 5) != 0)
		return PL_EFORMAT;
	const char *p = path + 5, *end = path + n;
	const char *slash = memchr(p, '/', (size_t)(end - p));
	if (slash == NULL)
		return PL_EFORMAT;
	pl_tile t = {0, 0, PL_TILE_WIDTH};
	size_t ln = (size_t)(slash - p);
	if (ln == 7 && memcmp(p, "entries", 7) == 0) {
		t.level = PL_TILE_LEVEL_ENTRIES;
	} else {
		uint64_t l;
		if (pl_dec_parse((const uint8_t *)p, ln, 63, &l) != PL_OK)
			return PL_EFORMAT;
		t.level = (int)l;
	}
	p = slash + 1;
	/* index groups */
	uint64_t index = 0;
	int groups = 0;
	for (;;) {
		if (end - p >= 5 && p[0] == 'x') {
			if (!all_digits(p + 1, 3) || p[4] != '/')
				return PL_EFORMAT;
			if (groups == 0 && memcmp(p + 1, "000", 3) == 0)
				return PL_EFORMAT; /* leading zero group */
			index = index * 1000 + (uint64_t)((p[1] - '0') * 100 + (p[2] - '0') * 10 + (p[3] - '0'));
			p += 5;
			if (++groups > 5)
				return PL_EFORMAT; /* indexes past 10^18 exceed any tree */
			continue;
		}
		if (end - p < 3 || !all_digits(p, 3))
			return PL_EFORMAT;
		index = index * 1000 + (uint64_t)((p[0] - '0') * 100 + (p[1] - '0') * 10 + (p[2] - '0'));
		p += 3;
		break;
	}
	if (p != end) {
		if (end - p < 4 || memcmp(p, ".p/", 3) != 0)
			return PL_EFORMAT;
		uint64_t w;
		if (pl_dec_parse((const uint8_t *)p + 3, (size_t)(end - p - 3), 255, &w) != PL_OK || w == 0)
			return PL_EFORMAT;
		t.width = (unsigned)w;
	}
	t.index = index;
	*out = t;
	return PL_OK;
}

uint64_t pl_tile_level_count(uint64_t size, int level)
{
	int shift = PL_TILE_HEIGHT * (level < 0 ? 0 : level);
	return shift >= 64 ? 0 : size >> shift;
}

int pl_tile_levels(uint64_t size)
{
	int l = 0;
	while (pl_tile_level_count(size, l) > 0)
		l++;
	return l;
}

int pl_tile_in_tree(uint64_t size, int level, uint64_t index, pl_tile *out)
{
	uint64_t count = pl_tile_level_count(size, level);
	uint64_t full = count / PL_TILE_WIDTH;
	out->level = level;
	out->index = index;
	if (index < full) {
		out->width = PL_TILE_WIDTH;
		return PL_OK;
	}
	if (index == full && count % PL_TILE_WIDTH != 0) {
		out->width = (unsigned)(count % PL_TILE_WIDTH);
		return PL_OK;
	}
	return PL_ERANGE;
}

size_t pl_tile_size(const pl_tile *t)
{
	return (size_t)t->width * PL_HASH_SIZE;
}

int pl_bundle_parse(const uint8_t *p, size_t n, unsigned count, pl_span *entries)
{
	size_t off = 0;
	for (unsigned i = 0; i < count; i++) {
		if (n - off < 2)
			return PL_EFORMAT;
		size_t len = (size_t)p[off] << 8 | p[off + 1];
		off += 2;
		if (n - off < len)
			return PL_EFORMAT;
		entries[i].p = p + off;
		entries[i].n = len;
		off += len;
	}
	return off == n ? PL_OK : PL_EFORMAT;
}

int pl_bundle_append(pl_buf *b, const uint8_t *e, size_t n)
{
	if (n > PL_ENTRY_MAX)
		return PL_ETOOBIG;
	int rc = pl_buf_reserve(b, 2 + n);
	if (rc != PL_OK)
		return rc;
	b->data[b->len++] = (uint8_t)(n >> 8);
	b->data[b->len++] = (uint8_t)n;
	if (n > 0)
		memcpy(b->data + b->len, e, n);
	b->len += n;
	return PL_OK;
}

void pl_tile_reader_init(pl_tile_reader *tr, uint64_t size, pl_tile_fetch_fn fetch, void *ctx)
{
	memset(tr, 0, sizeof *tr);
	tr->size = size;
	tr->fetch = fetch;
	tr->fetch_ctx = ctx;
}

/* Returns the cached hashes of tile (level, index) in the reader's tree, fetching it if needed. */
static int tile_hashes(pl_tile_reader *tr, int level, uint64_t index, const pl_hash **out, unsigned *width)
{
	pl_tile t;
	int rc = pl_tile_in_tree(tr->size, level, index, &t);
	if (rc != PL_OK)
		return rc;
	for (size_t i = 0; i < PL_TILE_CACHE; i++) {
		if (tr->cache[i].used && tr->cache[i].tile.level == level && tr->cache[i].tile.index == index &&
		    tr->cache[i].tile.width == t.width) {
			tr->cache[i].stamp = ++tr->clock;
			*out = tr->cache[i].hashes;
			*width = t.width;
			return PL_OK;
		}
	}
	size_t victim = 0;
	for (size_t i = 0; i < PL_TILE_CACHE; i++) {
		if (!tr->cache[i].used) {
			victim = i;
			break;
		}
		if (tr->cache[i].stamp < tr->cache[victim].stamp)
			victim = i;
	}
	pl_buf b;
	pl_buf_init(&b, PL_TILE_BYTES);
	rc = tr->fetch(tr->fetch_ctx, &t, &b);
	if (rc == PL_OK && b.len != pl_tile_size(&t))
		rc = PL_ECORRUPT; /* a tile of the wrong size cannot be right */
	if (rc == PL_OK) {
		memcpy(tr->cache[victim].hashes, b.data, b.len);
		tr->cache[victim].tile = t;
		tr->cache[victim].used = true;
		tr->cache[victim].stamp = ++tr->clock;
		*out = tr->cache[victim].hashes;
		*width = t.width;
	}
	pl_buf_release(&b);
	return rc;
}

static int tile_read(void *ctx, const pl_subtree *ids, size_t n, pl_hash *out)
{
	pl_tile_reader *tr = ctx;
	for (size_t i = 0; i < n; i++) {
		int level = ids[i].level / PL_TILE_HEIGHT;
		unsigned r = ids[i].level % PL_TILE_HEIGHT;
		/* the subtree spans 2^r consecutive hashes of tile level `level` */
		uint64_t first = ids[i].index << r;
		uint64_t tindex = first / PL_TILE_WIDTH;
		unsigned off = (unsigned)(first % PL_TILE_WIDTH);
		unsigned count = 1u << r;
		const pl_hash *hs;
		unsigned width;
		int rc = tile_hashes(tr, level, tindex, &hs, &width);
		if (rc != PL_OK)
			return rc;
		if (off + count > width)
			return PL_ERANGE; /* not a complete subtree of this tree */
		pl_merkle_root_of(hs + off, count, &out[i]);
	}
	return PL_OK;
}

pl_hash_reader pl_tile_reader_as_hash_reader(pl_tile_reader *tr)
{
	pl_hash_reader r = {tile_read, tr};
	return r;
}
