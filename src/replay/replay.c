/* replay.c - log entries to a state, in order, on every core (replay.h). */
#include "replay/replay.h"

#include "base/binenc.h"
#include "base/thread.h"
#include "tlog/tile.h"

#include <stdlib.h>
#include <string.h>

/* Entries parsed at a time: enough to keep every core busy, bounded memory. */
#define CHUNK 4096
#define CHUNK_BUNDLES (CHUNK / PL_TILE_WIDTH + 1)
/* Entries one parsing thread takes at a time. */
#define GRAIN 64
/* Level-0 tiles kept for references to entries older than the replay. */
#define TILE_CACHE 4
#define SAVE_VERSION 1

typedef struct cached_tile {
	uint64_t n;        /* tile number, UINT64_MAX when empty */
	unsigned width;
	pl_hash h[PL_TILE_WIDTH];
} cached_tile;

struct pl_replay {
	const pl_replay_ops *ops;
	void *state;
	uint64_t size;             /* entries applied or refused */
	uint64_t base;             /* leaves[i] is the leaf of entry base + i */
	pl_hash *leaves;
	size_t nleaves, capleaves;
	pl_hash last;              /* leaf of entry size - 1 */
	pl_replay_refused *refused;
	size_t nrefused, caprefused;
	pl_source *src;            /* older leaves (not owned) */
	uint64_t src_size;
	cached_tile tiles[TILE_CACHE];
	unsigned next_tile;
};

int pl_replay_new(const pl_replay_ops *ops, void *state, pl_replay **out)
{
	*out = NULL;
	pl_replay *r = calloc(1, sizeof *r);
	if (r == NULL)
		return PL_ENOMEM;
	r->ops = ops;
	r->state = state;
	r->size = r->base = ops->size(state);
	for (unsigned i = 0; i < TILE_CACHE; i++)
		r->tiles[i].n = UINT64_MAX;
	*out = r;
	return PL_OK;
}

void pl_replay_free(pl_replay *r)
{
	if (r == NULL)
		return;
	free(r->leaves);
	free(r->refused);
	free(r);
}

uint64_t pl_replay_size(const pl_replay *r)
{
	return r->size;
}

const pl_replay_refused *pl_replay_refusals(const pl_replay *r, size_t *n)
{
	*n = r->nrefused;
	return r->refused;
}

void pl_replay_set_source(pl_replay *r, pl_source *src, uint64_t tree_size)
{
	if (r->src != src || r->src_size != tree_size)
		for (unsigned i = 0; i < TILE_CACHE; i++)
			r->tiles[i].n = UINT64_MAX;
	r->src = src;
	r->src_size = tree_size;
}

/* ---- leaves ---- */

static int push_leaf(pl_replay *r, const pl_hash *h)
{
	if (r->nleaves == r->capleaves) {
		size_t cap = r->capleaves ? r->capleaves * 2 : 4096;
		pl_hash *p = realloc(r->leaves, cap * sizeof *p);
		if (p == NULL)
			return PL_ENOMEM;
		r->leaves = p;
		r->capleaves = cap;
	}
	r->leaves[r->nleaves++] = *h;
	return PL_OK;
}

int pl_replay_leaf(void *ctx, uint64_t index, pl_hash *out)
{
	pl_replay *r = ctx;
	if (index >= r->size)
		return PL_ERANGE;
	if (index >= r->base) {
		*out = r->leaves[index - r->base];
		return PL_OK;
	}
	if (r->src == NULL || index >= r->src_size)
		return PL_ERANGE;
	uint64_t t = index / PL_TILE_WIDTH;
	for (unsigned i = 0; i < TILE_CACHE; i++)
		if (r->tiles[i].n == t && index % PL_TILE_WIDTH < r->tiles[i].width) {
			*out = r->tiles[i].h[index % PL_TILE_WIDTH];
			return PL_OK;
		}
	pl_tile tile;
	int rc = pl_tile_in_tree(r->src_size, 0, t, &tile);
	if (rc != PL_OK)
		return rc;
	pl_buf b;
	pl_buf_init(&b, PL_TILE_BYTES);
	rc = pl_source_fetch_tile(r->src, &tile, &b);
	if (rc == PL_OK && b.len != pl_tile_size(&tile))
		rc = PL_ECORRUPT;
	if (rc == PL_OK) {
		cached_tile *c = &r->tiles[r->next_tile++ % TILE_CACHE];
		c->n = t;
		c->width = tile.width;
		memcpy(c->h, b.data, b.len);
		*out = c->h[index % PL_TILE_WIDTH];
	}
	pl_buf_release(&b);
	return rc;
}

/* ---- one chunk: parse on every core, then apply in order ---- */

typedef struct chunk {
	pl_replay *r;
	const pl_span *ents;
	size_t n;
	uint64_t first;
	uint8_t *items;       /* n items of ops->item_size */
	int *rc;              /* parse results */
	pl_refusal *why;
	pl_hash *leaf;
} chunk;

static void *item_at(const chunk *c, size_t i)
{
	return c->items + i * c->r->ops->item_size;
}

static void parse_range(void *ctx, size_t from, size_t to)
{
	chunk *c = ctx;
	const pl_replay_ops *ops = c->r->ops;
	for (size_t i = from; i < to; i++) {
		pl_leaf_hash(c->ents[i].p, c->ents[i].n, &c->leaf[i]);
		c->rc[i] = ops->parse(c->r->state, c->ents[i].p, c->ents[i].n, c->first + i, item_at(c, i), &c->why[i]);
	}
}

static void release_range(void *ctx, size_t from, size_t to)
{
	chunk *c = ctx;
	for (size_t i = from; i < to; i++)
		c->r->ops->release(item_at(c, i));
}

static int keep_refusal(pl_replay *r, uint64_t index, const pl_hash *leaf, const pl_refusal *why)
{
	if (r->nrefused == r->caprefused) {
		size_t cap = r->caprefused ? r->caprefused * 2 : 8;
		pl_replay_refused *p = realloc(r->refused, cap * sizeof *p);
		if (p == NULL)
			return PL_ENOMEM;
		r->refused = p;
		r->caprefused = cap;
	}
	r->refused[r->nrefused++] = (pl_replay_refused){index, *leaf, *why};
	return PL_OK;
}

/*
 * Checks and applies one parsed entry (parse_rc what its parse returned, why its refusal) at index
 * r->size, records its leaf, and tells the hooks. PL_OK, or the error that stops the replay.
 */
static int apply_one(pl_replay *r, pl_span entry, const pl_hash *leaf, void *item, int parse_rc, pl_refusal *why,
		     void *effect, const pl_replay_hooks *h, pl_diag *d)
{
	const pl_replay_ops *ops = r->ops;
	uint64_t index = r->size;
	int arc = parse_rc, rc;
	if (arc == PL_OK)
		arc = ops->apply(r->state, index, item, effect, why);
	if (arc != PL_OK && arc != PL_EREFUSED)
		return pl_diag_set(d, arc, "%s replaying entry %llu", arc == PL_ENOMEM ? "out of memory" : pl_strerror(arc),
				   (unsigned long long)index);
	if ((rc = push_leaf(r, leaf)) != PL_OK) {
		/* if it was applied, the state is ahead of the replay: the caller starts again */
		return pl_diag_set(d, rc, "out of memory replaying entries");
	}
	r->size = index + 1;
	r->last = *leaf;
	if (arc == PL_EREFUSED) {
		ops->skip(r->state, index);
		if ((rc = keep_refusal(r, index, leaf, why)) != PL_OK)
			return pl_diag_set(d, rc, "out of memory replaying entries");
		if (h != NULL && h->refused != NULL)
			return h->refused(h->ctx, &r->refused[r->nrefused - 1], entry);
		return PL_OK;
	}
	if (h != NULL && h->applied != NULL)
		return h->applied(h->ctx, index, entry, leaf, item, effect);
	return PL_OK;
}

int pl_replay_parsed(pl_replay *r, pl_span entry, const pl_hash *leaf, void *item, const pl_replay_hooks *h, pl_diag *d)
{
	const pl_replay_ops *ops = r->ops;
	uint8_t *effect = ops->effect_size > 0 ? calloc(1, ops->effect_size) : NULL;
	if (ops->effect_size > 0 && effect == NULL)
		return pl_diag_set(d, PL_ENOMEM, "out of memory replaying entries");
	pl_refusal why = {0};
	int rc = apply_one(r, entry, leaf, item, PL_OK, &why, effect, h, d);
	free(effect);
	return rc;
}

static int run_chunk(pl_replay *r, const pl_span *ents, size_t n, const pl_replay_hooks *h, pl_diag *d)
{
	const pl_replay_ops *ops = r->ops;
	chunk c = {r, ents, n, r->size, NULL, NULL, NULL, NULL};
	uint8_t *effect = NULL;
	int rc = PL_OK;
	c.items = calloc(n, ops->item_size);
	c.rc = calloc(n, sizeof *c.rc);
	c.why = calloc(n, sizeof *c.why);
	c.leaf = calloc(n, sizeof *c.leaf);
	if (ops->effect_size > 0)
		effect = calloc(1, ops->effect_size);
	if (c.items == NULL || c.rc == NULL || c.why == NULL || c.leaf == NULL ||
	    (ops->effect_size > 0 && effect == NULL)) {
		rc = pl_diag_set(d, PL_ENOMEM, "out of memory replaying entries");
		goto out;
	}
	unsigned threads = h != NULL ? h->threads : 0;
	pl_parallel_for(n, GRAIN, threads, parse_range, &c);
	for (size_t i = 0; i < n && rc == PL_OK; i++)
		rc = apply_one(r, ents[i], &c.leaf[i], item_at(&c, i), c.rc[i], &c.why[i], effect, h, d);
	pl_parallel_for(n, GRAIN, threads, release_range, &c);
out:
	free(c.items);
	free(c.rc);
	free(c.why);
	free(c.leaf);
	free(effect);
	return rc;
}

int pl_replay_entries(pl_replay *r, const pl_span *entries, size_t n, const pl_replay_hooks *h, pl_diag *d)
{
	int rc = PL_OK;
	for (size_t at = 0; rc == PL_OK && at < n; at += CHUNK)
		rc = run_chunk(r, entries + at, n - at < CHUNK ? n - at : CHUNK, h, d);
	return rc;
}

/* ---- from a source ---- */

/* Reads the bundles holding entries [pos, pos + CHUNK) of the tree of size upto
 * into ents (bufs keep the bytes). Stops early at a partial bundle that is gone. */
static int read_chunk(pl_source *src, uint64_t tree, uint64_t pos, uint64_t upto, pl_buf *bufs, pl_span *ents, size_t *n,
		      bool *gone, pl_diag *d)
{
	*n = 0;
	*gone = false;
	for (size_t nb = 0; nb < CHUNK_BUNDLES && *n < CHUNK && pos + *n < upto; nb++) {
		uint64_t at = pos + *n, t = at / PL_TILE_WIDTH;
		pl_tile tile;
		int rc = pl_tile_in_tree(tree, PL_TILE_LEVEL_ENTRIES, t, &tile);
		if (rc != PL_OK)
			return pl_diag_set(d, rc, "entry %llu is not in a tree of size %llu", (unsigned long long)at,
					   (unsigned long long)tree);
		pl_buf_reset(&bufs[nb]);
		if ((rc = pl_source_fetch_tile(src, &tile, &bufs[nb])) != PL_OK) {
			if (rc == PL_ENOTFOUND && tile.width < PL_TILE_WIDTH) {
				*gone = true; /* a partial bundle replaced by a longer one: come back later */
				return PL_OK;
			}
			return pl_diag_set(d, rc, "reading entry bundle %llu", (unsigned long long)t);
		}
		pl_span e[PL_TILE_WIDTH];
		if (pl_bundle_parse(bufs[nb].data, bufs[nb].len, tile.width, e) != PL_OK)
			return pl_diag_set(d, PL_ECORRUPT, "entry bundle %llu is malformed", (unsigned long long)t);
		for (unsigned i = (unsigned)(at % PL_TILE_WIDTH); i < tile.width && *n < CHUNK && pos + *n < upto; i++)
			ents[(*n)++] = e[i];
	}
	return PL_OK;
}

int pl_replay_follow(pl_replay *r, pl_source *src, uint64_t tree_size, uint64_t upto, const pl_replay_hooks *h,
		     pl_diag *d)
{
	if (upto > tree_size)
		return pl_diag_set(d, PL_EINVAL, "cannot replay up to %llu entries of a tree of %llu",
				   (unsigned long long)upto, (unsigned long long)tree_size);
	if (upto <= r->size)
		return PL_OK;
	pl_buf *bufs = calloc(CHUNK_BUNDLES, sizeof *bufs);
	pl_span *ents = calloc(CHUNK, sizeof *ents);
	int rc = PL_OK;
	if (bufs == NULL || ents == NULL) {
		rc = pl_diag_set(d, PL_ENOMEM, "out of memory");
		goto out;
	}
	for (size_t i = 0; i < CHUNK_BUNDLES; i++)
		pl_buf_init(&bufs[i], PL_BUNDLE_MAX);
	pl_replay_set_source(r, src, tree_size);
	bool gone = false;
	while (rc == PL_OK && r->size < upto && !gone) {
		size_t n = 0;
		if ((rc = read_chunk(src, tree_size, r->size, upto, bufs, ents, &n, &gone, d)) != PL_OK || n == 0)
			break;
		rc = run_chunk(r, ents, n, h, d);
	}
out:
	for (size_t i = 0; bufs != NULL && i < CHUNK_BUNDLES; i++)
		pl_buf_release(&bufs[i]);
	free(bufs);
	free(ents);
	return rc;
}

/* ---- resumable state ---- */

int pl_replay_save(const pl_replay *r, pl_buf *out)
{
	pl_enc e = pl_enc_of(out);
	pl_enc_u64(&e, SAVE_VERSION);
	pl_enc_u64(&e, r->size);
	pl_enc_raw(&e, r->last.b, sizeof r->last.b);
	pl_enc_u64(&e, r->nrefused);
	for (size_t i = 0; i < r->nrefused; i++) {
		pl_enc_u64(&e, r->refused[i].index);
		pl_enc_raw(&e, r->refused[i].leaf.b, sizeof r->refused[i].leaf.b);
		pl_enc_str(&e, pl_refusal_name(r->refused[i].why.code));
		pl_enc_str(&e, r->refused[i].why.msg);
	}
	if (e.rc != PL_OK)
		return e.rc;
	/* the state last, as the rest of the bytes */
	size_t at = out->len;
	int rc = r->ops->save(r->state, out);
	if (rc != PL_OK)
		pl_buf_truncate(out, at);
	return rc;
}

int pl_replay_load(pl_replay *r, const uint8_t *p, size_t n, pl_source *src, uint64_t tree_size, pl_diag *d)
{
	if (r->size != 0 || r->nleaves != 0)
		return pl_diag_set(d, PL_ESTATE, "a replay resumes only before it starts");
	pl_dec x = pl_dec_of(p, n);
	if (pl_dec_u64(&x, UINT64_MAX) != SAVE_VERSION)
		pl_dec_fail(&x, PL_EFORMAT);
	uint64_t size = pl_dec_u64(&x, PL_TREE_MAX);
	pl_hash last;
	pl_dec_raw(&x, last.b, sizeof last.b);
	size_t nref = pl_dec_count(&x, size, 1 + PL_HASH_SIZE + 2); /* the smallest: index, leaf, two strings */
	pl_replay_refused *ref = nref > 0 && x.rc == PL_OK ? calloc(nref, sizeof *ref) : NULL;
	if (nref > 0 && x.rc == PL_OK && ref == NULL)
		pl_dec_fail(&x, PL_ENOMEM);
	for (size_t i = 0; i < nref && x.rc == PL_OK; i++) {
		char name[64];
		ref[i].index = pl_dec_u64(&x, size ? size - 1 : 0);
		if (i > 0 && ref[i].index <= ref[i - 1].index)
			pl_dec_fail(&x, PL_EFORMAT);
		pl_dec_raw(&x, ref[i].leaf.b, sizeof ref[i].leaf.b);
		pl_dec_str(&x, name, sizeof name);
		pl_dec_str(&x, ref[i].why.msg, sizeof ref[i].why.msg);
		ref[i].why.code = pl_refusal_by_name(name);
		if (x.rc == PL_OK && ref[i].why.code == PL_R_NONE)
			pl_dec_fail(&x, PL_EFORMAT);
	}
	int rc = x.rc;
	if (rc != PL_OK) {
		free(ref);
		return pl_diag_set(d, rc, rc == PL_ENOMEM ? "out of memory" : "the saved replay state is malformed");
	}
	if (size > tree_size) {
		free(ref);
		return pl_diag_set(d, PL_ERANGE, "the saved state covers %llu entries; the log has %llu",
				   (unsigned long long)size, (unsigned long long)tree_size);
	}
	pl_replay_set_source(r, src, tree_size);
	if (size > 0) {
		/* bound to this history of the log by the leaf of its last entry */
		pl_hash h;
		r->size = size; /* for the lookup below: every index is older than the replay */
		r->base = size;
		rc = pl_replay_leaf(r, size - 1, &h);
		r->size = r->base = 0;
		if (rc == PL_OK && !pl_hash_eq(&h, &last))
			rc = PL_ECORRUPT;
		if (rc != PL_OK) {
			free(ref);
			return pl_diag_set(d, rc == PL_ENOMEM ? PL_ENOMEM : PL_ECORRUPT,
					   "the saved state does not belong to this log's entry %llu",
					   (unsigned long long)(size - 1));
		}
	}
	if ((rc = r->ops->load(r->state, x.p, x.n)) != PL_OK || r->ops->size(r->state) != size) {
		if (rc == PL_OK)
			rc = PL_EFORMAT;
		free(ref);
		return pl_diag_set(d, rc, rc == PL_ENOMEM ? "out of memory" : "the saved state is malformed");
	}
	r->size = r->base = size;
	r->last = last;
	free(r->refused);
	r->refused = ref;
	r->nrefused = r->caprefused = nref;
	return PL_OK;
}
