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

typedef struct integ_ctx {
	pl_log *l;
	pl_writeset *ws;
	pl_diag *d;
	pl_span *spans;
	size_t cap;
} integ_ctx;

static int integrate_batch(void *ctx, uint64_t start, uint64_t count, const uint8_t *data, size_t n)
{
	integ_ctx *c = ctx;
	if (start != c->l->fr.size)
		return pl_diag_set(c->d, PL_ECORRUPT, "pending batch at %llu does not follow size %llu",
				   (unsigned long long)start, (unsigned long long)c->l->fr.size);
	int rc = split_batch(data, n, count, &c->spans, &c->cap);
	if (rc != PL_OK)
		return pl_diag_set(c->d, rc, "pending batch at %llu is malformed", (unsigned long long)start);
	return grow(c->l, c->spans, count, c->ws, c->d);
}

/* Publishes the frontier (already grown to its new size, with every
 * completed tile in ws): steps 2-6 of log.h. */
static int publish(pl_log *l, uint64_t old, pl_writeset *ws, pl_diag *d)
{
	pl_buf cp, manifest;
	pl_buf_init(&cp, PL_NOTE_MAX);
	pl_buf_init(&manifest, (size_t)1 << 24);
	pl_hash root;
	int rc = pl_frontier_flush(&l->fr, old, ws);
	if (rc != PL_OK)
		goto out;
	/* 2. temporaries durable */
	if ((rc = pl_writeset_prepare(ws, &manifest, d)) != PL_OK)
		goto out;
	/* 3. the new state and the manifest, in one transaction */
	pl_frontier_root(&l->fr, &root);
	if (l->signer != NULL) {
		rc = pl_log_sign_checkpoint(l->signer, l->fr.size, &root, &cp);
	} else {
		/* a mirror publishes its log's checkpoint, which must sign this very tree */
		pl_policy pol;
		pl_checkpoint ext;
		pl_policy_init(&pol, &l->verifier);
		if (pl_checkpoint_open(l->external_cp.p, l->external_cp.n, &pol, &ext, NULL, NULL) != PL_OK ||
		    ext.size != l->fr.size || !pl_hash_eq(&ext.root, &root)) {
			rc = pl_diag_set(d, PL_EVERIFY, "the entries do not make the tree the checkpoint signs");
			goto out;
		}
		rc = pl_buf_append(&cp, l->external_cp.p, l->external_cp.n);
	}
	if (rc != PL_OK)
		goto out;
	/* even a commit that fails may have reached the disk: keep the temporaries it names */
	pl_writeset_keep(ws);
	if ((rc = pl_seqdb_publish(l->db, l->fr.size, &root, cp.data, cp.len, manifest.data, manifest.len, d)) !=
	    PL_OK)
		goto out;
	l->size = l->fr.size;
	l->root = root;
	pl_buf_reset(&l->checkpoint);
	if ((rc = pl_buf_append(&l->checkpoint, cp.data, cp.len)) != PL_OK)
		goto out;
	/* 4-6: renames, the checkpoint file, clutter: through the recovery code, so
	 * a crash from here on is finished by the open's recovery the same way */
	rc = pl_log_complete_publish(l, manifest.data, manifest.len, old, d);
out:
	pl_buf_release(&cp);
	pl_buf_release(&manifest);
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

int pl_log_integrate(pl_log *l, pl_diag *d)
{
	if (l->staged == l->size)
		return PL_OK;
	if (l->signer == NULL && l->external_cp.p == NULL)
		return pl_diag_set(d, PL_ESTATE, "a mirror publishes only with a checkpoint of its log");
	uint64_t old = l->size;
	pl_writeset *ws = NULL;
	integ_ctx c = {l, NULL, d, NULL, 0};
	int rc = new_writeset(l, l->staged, &ws);
	if (rc != PL_OK)
		goto out;
	c.ws = ws;
	if ((rc = pl_seqdb_each_pending(l->db, integrate_batch, &c, d)) != PL_OK)
		goto out;
	if (l->fr.size != l->staged) {
		rc = pl_diag_set(d, PL_ECORRUPT, "pending batches end at %llu, expected %llu",
				 (unsigned long long)l->fr.size, (unsigned long long)l->staged);
		goto out;
	}
	rc = publish(l, old, ws, d);
out:
	pl_writeset_free(ws);
	free(c.spans);
	if (rc != PL_OK)
		return recover_after(l, rc, d);
	return PL_OK;
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
