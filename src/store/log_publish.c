/* log_publish.c - staging batches and publishing them (steps 1-3 of log.h,
 * then log.c's pl_log_complete_publish): pl_log_stage, pl_log_integrate,
 * pl_log_append; the staged entries read back or forgotten. */
#include "store/log_impl.h"

#include "base/thread.h"
#include "store/seqdb.h"
#include "store/writeset.h"
#include "tlog/checkpoint.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int check_batch(const pl_log *l, const pl_span *entries, size_t n, pl_diag *d);

int pl_log_stage(pl_log *l, const pl_span *entries, size_t n, uint64_t *first, pl_diag *d)
{
	int rc = check_batch(l, entries, n, d);
	if (rc != PL_OK)
		return rc;
	pl_buf blob;
	pl_buf_init(&blob, PL_BATCH_MAX_BYTES);
	for (size_t i = 0; i < n; i++) {
		if ((rc = pl_bundle_append(&blob, entries[i].p, entries[i].n)) != PL_OK) {
			pl_diag_set(d, rc, "batch larger than %zu bytes", (size_t)PL_BATCH_MAX_BYTES);
			goto out;
		}
	}
	if ((rc = pl_seqdb_stage(l->db, l->staged, n, blob.data, blob.len, d)) != PL_OK)
		goto out;
	*first = l->staged;
	l->staged += n;
out:
	pl_buf_release(&blob);
	return rc;
}

typedef struct hash_job {
	const pl_span *entries;
	pl_hash *out;
} hash_job;

static void hash_range(void *ctx, size_t from, size_t to)
{
	hash_job *j = ctx;
	for (size_t i = from; i < to; i++)
		pl_leaf_hash(j->entries[i].p, j->entries[i].n, &j->out[i]);
}

/* Leaf hashes of n entries, on up to 4 cores for large batches. */
static void hash_leaves(const pl_span *entries, size_t n, pl_hash *out)
{
	hash_job j = {entries, out};
	pl_parallel_for(n, 1024, 4, hash_range, &j);
}

/* Appends entries to the in-memory frontier, adding completed tiles to ws.
 * Works in chunks so the write set's workers write the tiles of one chunk
 * while the next is hashed. */
static int grow(pl_log *l, const pl_span *entries, size_t n, pl_writeset *ws, pl_diag *d)
{
	enum { CHUNK = 4096 };
	pl_hash *leaves = malloc((n < CHUNK ? (n ? n : 1) : CHUNK) * sizeof *leaves);
	if (leaves == NULL)
		return pl_diag_set(d, PL_ENOMEM, "out of memory");
	int rc = PL_OK;
	for (size_t at = 0; at < n && rc == PL_OK; at += CHUNK) {
		size_t m = n - at < CHUNK ? n - at : CHUNK;
		hash_leaves(entries + at, m, leaves);
		for (size_t i = 0; i < m; i++) {
			rc = pl_frontier_append(&l->fr, entries[at + i].p, entries[at + i].n, &leaves[i], ws);
			if (rc != PL_OK) {
				pl_diag_set(d, rc, "appending entry %llu", (unsigned long long)l->fr.size);
				break;
			}
		}
	}
	free(leaves);
	return rc;
}

/* Splits a staged bundle blob into spans (into *out, reallocated). */
static int split_batch(const uint8_t *data, size_t n, uint64_t count, pl_span **out, size_t *cap)
{
	if (count > *cap) {
		pl_span *p = realloc(*out, count * sizeof *p);
		if (p == NULL)
			return PL_ENOMEM;
		*out = p;
		*cap = count;
	}
	size_t off = 0;
	for (uint64_t i = 0; i < count; i++) {
		if (n - off < 2)
			return PL_ECORRUPT;
		size_t len = (size_t)data[off] << 8 | data[off + 1];
		if (n - off - 2 < len)
			return PL_ECORRUPT;
		(*out)[i].p = data + off + 2;
		(*out)[i].n = len;
		off += 2 + len;
	}
	return off == n ? PL_OK : PL_ECORRUPT;
}

/* What a publish carries from its writing to its commit and its completion. */
typedef struct publish_state {
	uint64_t old;      /* the published size before */
	pl_hash root;      /* the new root */
	pl_buf cp;         /* the new signed checkpoint */
	pl_buf manifest;   /* the renames still to do */
} publish_state;

static void publish_init(publish_state *p, uint64_t old)
{
	p->old = old;
	pl_buf_init(&p->cp, PL_NOTE_MAX);
	pl_buf_init(&p->manifest, (size_t)1 << 24);
}

static void publish_release(publish_state *p)
{
	pl_buf_release(&p->cp);
	pl_buf_release(&p->manifest);
}

/* Steps 1-2 for the frontier (already grown to its new size, with every completed tile in ws): the
 * temporaries durable, the checkpoint signed. Touches only the frontier and private/tmp. */
static int publish_write(pl_log *l, pl_writeset *ws, publish_state *p, pl_diag *d)
{
	int rc = pl_frontier_flush(&l->fr, p->old, ws);
	if (rc != PL_OK)
		return rc;
	/* 2. temporaries durable */
	if ((rc = pl_writeset_prepare(ws, &p->manifest, d)) != PL_OK)
		return rc;
	pl_frontier_root(&l->fr, &p->root);
	if (l->signer != NULL)
		return pl_log_sign_checkpoint(l->signer, l->fr.size, &p->root, &p->cp);
	/* a mirror publishes its log's checkpoint, which must sign this very tree */
	pl_policy pol;
	pl_checkpoint ext;
	pl_policy_init(&pol, &l->verifier);
	if (pl_checkpoint_open(l->external_cp.p, l->external_cp.n, &pol, &ext, NULL, NULL) != PL_OK ||
	    ext.size != l->fr.size || !pl_hash_eq(&ext.root, &p->root))
		return pl_diag_set(d, PL_EVERIFY, "the entries do not make the tree the checkpoint signs");
	return pl_buf_append(&p->cp, l->external_cp.p, l->external_cp.n);
}

/* Step 3: the new state and the manifest, in one transaction; then the published state in memory. */
static int publish_commit(pl_log *l, pl_writeset *ws, publish_state *p, pl_diag *d)
{
	/* even a commit that fails may have reached the disk: keep the temporaries it names */
	pl_writeset_keep(ws);
	int rc = pl_seqdb_publish(l->db, l->fr.size, &p->root, p->cp.data, p->cp.len, p->manifest.data, p->manifest.len,
				  d);
	if (rc != PL_OK)
		return rc;
	l->size = l->fr.size;
	l->root = p->root;
	pl_buf_reset(&l->checkpoint);
	return pl_buf_append(&l->checkpoint, p->cp.data, p->cp.len);
}

/* Steps 4-6: renames, the checkpoint file, clutter: through the recovery code, so a crash from
 * here on is finished by the open's recovery the same way. */
static int publish_finish(pl_log *l, publish_state *p, pl_diag *d)
{
	return pl_log_complete_publish(l, p->manifest.data, p->manifest.len, p->old, d);
}

/* Publishes the frontier (already grown to its new size, with every
 * completed tile in ws): steps 2-6 of log.h. */
static int publish(pl_log *l, uint64_t old, pl_writeset *ws, pl_diag *d)
{
	publish_state p;
	publish_init(&p, old);
	int rc = publish_write(l, ws, &p, d);
	if (rc == PL_OK)
		rc = publish_commit(l, ws, &p, d);
	if (rc == PL_OK)
		rc = publish_finish(l, &p, d);
	publish_release(&p);
	return rc;
}

/* After a failure, puts memory back in line with the disk. */
static int recover_after(pl_log *l, int rc, pl_diag *d)
{
	pl_diag reload_diag = {0};
	if (pl_log_reload(l, &reload_diag) != PL_OK)
		pl_diag_set(d, rc, "%s (and reloading the log state failed: %s)", pl_strerror(rc), reload_diag.msg);
	return rc;
}

static int new_writeset(pl_log *l, uint64_t new_size, pl_writeset **ws)
{
	char tag[32];
	snprintf(tag, sizeof tag, "b%llu", (unsigned long long)new_size);
	return pl_writeset_new(l->dir, l->tmp, tag, ws);
}

/* A copy of one staged batch (the pending row), read while the caller's lock is held. */
typedef struct staged_copy {
	uint64_t start, count;
	size_t off, n;     /* its bytes in the integration's data */
} staged_copy;

struct pl_log_integration {
	pl_log *l;
	uint64_t target;   /* the size it publishes */
	pl_buf data;       /* every batch's bundle bytes, one after another */
	staged_copy *rows;
	size_t nrows, cap;
	pl_writeset *ws;
	publish_state p;
	pl_span *spans;
	size_t capspans;
};

static int copy_batch(void *ctx, uint64_t start, uint64_t count, const uint8_t *data, size_t n)
{
	pl_log_integration *g = ctx;
	if (g->nrows == g->cap) {
		size_t cap = g->cap ? g->cap * 2 : 16;
		staged_copy *r = realloc(g->rows, cap * sizeof *r);
		if (r == NULL)
			return PL_ENOMEM;
		g->rows = r;
		g->cap = cap;
	}
	staged_copy *r = &g->rows[g->nrows];
	r->start = start;
	r->count = count;
	r->off = g->data.len;
	r->n = n;
	int rc = pl_buf_append(&g->data, data, n);
	if (rc == PL_OK)
		g->nrows++;
	return rc;
}

static void integration_free(pl_log_integration *g)
{
	if (g == NULL)
		return;
	pl_writeset_free(g->ws);
	publish_release(&g->p);
	pl_buf_release(&g->data);
	free(g->rows);
	free(g->spans);
	free(g);
}

int pl_log_integrate_begin(pl_log *l, pl_log_integration **out, pl_diag *d)
{
	*out = NULL;
	if (l->staged == l->size)
		return PL_OK;
	if (l->signer == NULL && l->external_cp.p == NULL)
		return pl_diag_set(d, PL_ESTATE, "a mirror publishes only with a checkpoint of its log");
	pl_log_integration *g = calloc(1, sizeof *g);
	if (g == NULL)
		return pl_diag_set(d, PL_ENOMEM, "out of memory");
	g->l = l;
	g->target = l->staged;
	publish_init(&g->p, l->size);
	pl_buf_init(&g->data, PL_INTEGRATION_MAX_BYTES);
	int rc = new_writeset(l, g->target, &g->ws);
	if (rc == PL_OK && (rc = pl_seqdb_each_pending(l->db, copy_batch, g, d)) != PL_OK && rc == PL_ENOMEM)
		pl_diag_set(d, rc, "out of memory copying the staged batches");
	if (rc != PL_OK) {
		integration_free(g);
		return rc;
	}
	*out = g;
	return PL_OK;
}

int pl_log_integrate_write(pl_log_integration *g, pl_diag *d)
{
	pl_log *l = g->l;
	for (size_t i = 0; i < g->nrows; i++) {
		const staged_copy *r = &g->rows[i];
		if (r->start != l->fr.size)
			return pl_diag_set(d, PL_ECORRUPT, "pending batch at %llu does not follow size %llu",
					   (unsigned long long)r->start, (unsigned long long)l->fr.size);
		int rc = split_batch(g->data.data + r->off, r->n, r->count, &g->spans, &g->capspans);
		if (rc != PL_OK)
			return pl_diag_set(d, rc, "pending batch at %llu is malformed", (unsigned long long)r->start);
		if ((rc = grow(l, g->spans, r->count, g->ws, d)) != PL_OK)
			return rc;
	}
	if (l->fr.size != g->target)
		return pl_diag_set(d, PL_ECORRUPT, "pending batches end at %llu, expected %llu",
				   (unsigned long long)l->fr.size, (unsigned long long)g->target);
	return publish_write(l, g->ws, &g->p, d);
}

int pl_log_integrate_commit(pl_log_integration *g, pl_diag *d)
{
	return publish_commit(g->l, g->ws, &g->p, d);
}

int pl_log_integrate_finish(pl_log_integration *g, pl_diag *d)
{
	return publish_finish(g->l, &g->p, d);
}

int pl_log_integrate_end(pl_log_integration *g, int rc, pl_diag *d)
{
	if (g == NULL)
		return rc;
	pl_log *l = g->l;
	integration_free(g);
	return rc != PL_OK ? recover_after(l, rc, d) : PL_OK;
}

int pl_log_integrate(pl_log *l, pl_diag *d)
{
	pl_log_integration *g = NULL;
	int rc = pl_log_integrate_begin(l, &g, d);
	if (rc != PL_OK || g == NULL)
		return rc;
	rc = pl_log_integrate_write(g, d);
	if (rc == PL_OK)
		rc = pl_log_integrate_commit(g, d);
	if (rc == PL_OK)
		rc = pl_log_integrate_finish(g, d);
	return pl_log_integrate_end(g, rc, d);
}

static int check_batch(const pl_log *l, const pl_span *entries, size_t n, pl_diag *d)
{
	if (n == 0 || n > PL_BATCH_MAX_ENTRIES)
		return pl_diag_set(d, PL_EINVAL, "a batch holds 1 to %d entries, not %zu", PL_BATCH_MAX_ENTRIES, n);
	if (l->staged + n >= PL_TREE_MAX)
		return pl_diag_set(d, PL_ERANGE, "the log is full");
	size_t total = 0;
	for (size_t i = 0; i < n; i++) {
		if (entries[i].n > PL_ENTRY_MAX)
			return pl_diag_set(d, PL_ETOOBIG, "entry %zu of the batch has %zu bytes; the limit is %d", i,
					   entries[i].n, PL_ENTRY_MAX);
		total += 2 + entries[i].n;
	}
	if (total > PL_BATCH_MAX_BYTES)
		return pl_diag_set(d, PL_ETOOBIG, "batch larger than %zu bytes", (size_t)PL_BATCH_MAX_BYTES);
	return PL_OK;
}

int pl_log_append(pl_log *l, const pl_span *entries, size_t n, uint64_t *first, pl_diag *d)
{
	if (l->signer == NULL)
		return pl_diag_set(d, PL_ESTATE, "a mirror only follows its log (pl_log_append_mirrored)");
	if (l->staged != l->size) {
		/* staged batches go first, in order */
		int rc = pl_log_stage(l, entries, n, first, d);
		return rc != PL_OK ? rc : pl_log_integrate(l, d);
	}
	int rc = check_batch(l, entries, n, d);
	if (rc != PL_OK)
		return rc;
	uint64_t old = l->size;
	pl_writeset *ws = NULL;
	if ((rc = new_writeset(l, old + n, &ws)) == PL_OK && (rc = grow(l, entries, n, ws, d)) == PL_OK)
		rc = publish(l, old, ws, d);
	pl_writeset_free(ws);
	if (rc != PL_OK) {
		rc = recover_after(l, rc, d);
		/* nothing was staged: a publish that reached the disk before failing
		 * moved the published size, and later batches must follow it */
		l->staged = l->size;
		return rc;
	}
	*first = old;
	l->staged = l->size;
	return PL_OK;
}

int pl_log_drop_staged(pl_log *l, pl_diag *d)
{
	if (l->staged == l->size)
		return PL_OK;
	int rc = pl_seqdb_drop_pending(l->db, d);
	if (rc == PL_OK)
		l->staged = l->size;
	return rc;
}

typedef struct each_ctx {
	pl_log_entry_fn fn;
	void *ctx;
	pl_span *spans;
	size_t cap;
} each_ctx;

static int each_batch(void *ctx, uint64_t start, uint64_t count, const uint8_t *data, size_t n)
{
	each_ctx *c = ctx;
	int rc = split_batch(data, n, count, &c->spans, &c->cap);
	if (rc != PL_OK)
		return PL_ECORRUPT;
	for (uint64_t i = 0; i < count; i++)
		if ((rc = c->fn(c->ctx, start + i, c->spans[i].p, c->spans[i].n)) != PL_OK)
			return rc;
	return PL_OK;
}

int pl_log_each_staged(pl_log *l, pl_log_entry_fn fn, void *ctx, pl_diag *d)
{
	each_ctx c = {fn, ctx, NULL, 0};
	int rc = pl_seqdb_each_pending(l->db, each_batch, &c, d);
	free(c.spans);
	return rc;
}
