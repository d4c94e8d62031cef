/*
 * index_follow.c - keeping the index current: the log replayed through the
 * one replay (workflow/engine.h), each entry's rows written as it is
 * applied, each refused entry kept in the refused table (index.h).
 *
 * The follower resumes: the replay's state is saved in the database (table
 * replay) in the same transaction as the rows up to that size, so after a
 * restart the engine is loaded from it and only the entries since are
 * replayed (without writing the rows that exist) before new rows are
 * written. The state is saved when the index has grown by a quarter since
 * the last save (at least SAVE_MIN entries), so saving costs a bounded share
 * of the work however long the log grows.
 */
#include "workflow/index_db.h"

#include "base/codec.h"

#include <stdlib.h>
#include <string.h>

/* Rows are committed at least every COMMIT_EVERY entries. */
#define COMMIT_EVERY 8192
/* The replay's state is saved no more often than every SAVE_MIN entries. */
#define SAVE_MIN 256

typedef struct follow {
	pl_index *x;
	pl_diag *d;
	pl_hash last;     /* leaf of the last entry recorded */
} follow;

static bool save_due(const pl_index *x, uint64_t size)
{
	uint64_t grown = size - x->saved, step = x->saved / 4;
	return grown >= (step > SAVE_MIN ? step : SAVE_MIN);
}

/* Writes meta.size and meta.leaf (and the replay's state when due) and commits. */
static int commit_progress(pl_index *x, uint64_t size, const pl_hash *leaf, pl_diag *d)
{
	char sz[32], lb[PL_HASH_B64_LEN + 1];
	snprintf(sz, sizeof sz, "%llu", (unsigned long long)size);
	pl_b64_encode(leaf->b, PL_HASH_SIZE, lb);
	bool save = save_due(x, size) && pl_replay_size(x->rd.replay) == size;
	int rc = pl_index_meta_put(x, "size", sz, d);
	if (rc == PL_OK)
		rc = pl_index_meta_put(x, "leaf", lb, d);
	if (rc == PL_OK && save) {
		pl_buf state;
		pl_buf_init(&state, PL_REPLAY_STATE_MAX);
		rc = pl_replay_save(x->rd.replay, &state);
		if (rc != PL_OK) {
			pl_diag_set(d, rc, "saving the replay's state");
		} else {
			sqlite3_stmt *st = x->q[Q_REPLAY];
			sqlite3_bind_int64(st, 1, (sqlite3_int64)size);
			sqlite3_bind_blob64(st, 2, state.data, state.len, SQLITE_STATIC);
			int r = sqlite3_step(st);
			sqlite3_reset(st);
			sqlite3_clear_bindings(st);
			if (r != SQLITE_DONE)
				rc = pl_index_db_err(x->db, d, "save the replay's state");
		}
		pl_buf_release(&state);
	}
	if (rc == PL_OK)
		rc = pl_index_exec(x->db, "COMMIT", d);
	if (rc == PL_OK) {
		x->in_tx = false;
		x->size = size;
		x->leaf = *leaf;
		if (save)
			x->saved = size;
	}
	return rc;
}

/* Before an entry's rows: a transaction; after them: a commit every COMMIT_EVERY entries. */
static int begin(pl_index *x, pl_diag *d)
{
	if (x->in_tx)
		return PL_OK;
	int rc = pl_index_exec(x->db, "BEGIN IMMEDIATE", d);
	if (rc == PL_OK)
		x->in_tx = true;
	return rc;
}

static int recorded(follow *f, uint64_t index, const pl_hash *leaf)
{
	f->last = *leaf;
	if ((index + 1) % COMMIT_EVERY != 0)
		return PL_OK;
	return commit_progress(f->x, index + 1, leaf, f->d);
}

static int on_applied(void *ctx, uint64_t index, pl_span entry, const pl_hash *leaf, const void *item, const void *effect)
{
	(void)entry;
	follow *f = ctx;
	const pl_submission *s = item;
	int rc = begin(f->x, f->d);
	if (rc == PL_OK)
		rc = pl_index_record(f->x, f->x->eng, &s->st, index, leaf, effect, f->d);
	return rc == PL_OK ? recorded(f, index, leaf) : rc;
}

static int on_refused(void *ctx, const pl_replay_refused *ref, pl_span entry)
{
	(void)entry;
	follow *f = ctx;
	int rc = begin(f->x, f->d);
	if (rc != PL_OK)
		return rc;
	char lb[PL_HASH_B64_LEN + 1];
	pl_b64_encode(ref->leaf.b, PL_HASH_SIZE, lb);
	sqlite3_stmt *st = f->x->q[Q_REFUSED];
	sqlite3_bind_int64(st, 1, (sqlite3_int64)ref->index);
	sqlite3_bind_text(st, 2, lb, -1, SQLITE_STATIC); /* STATIC: a TRANSIENT copy that fails binds NULL silently */
	sqlite3_bind_text(st, 3, pl_refusal_name(ref->why.code), -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, ref->why.msg, -1, SQLITE_STATIC);
	int r = sqlite3_step(st);
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	if (r != SQLITE_DONE)
		return pl_index_db_err(f->x->db, f->d, "write a refused entry");
	return recorded(f, ref->index, &ref->leaf);
}

/* Loads the saved replay state if there is one that fits; otherwise the follower starts from zero. */
static int resume(pl_index *x, pl_source *src, uint64_t upto, pl_diag *d)
{
	sqlite3_stmt *st = NULL;
	if (sqlite3_prepare_v2(x->db, "SELECT size, state FROM replay WHERE id = 1", -1, &st, NULL) != SQLITE_OK)
		return pl_index_db_err(x->db, d, "read the replay's state");
	int rc = PL_OK;
	int r = sqlite3_step(st);
	if (r == SQLITE_ROW) {
		uint64_t size = (uint64_t)sqlite3_column_int64(st, 0);
		const void *p = sqlite3_column_blob(st, 1);
		size_t n = (size_t)sqlite3_column_bytes(st, 1);
		pl_diag ld = {0};
		if (size <= x->size && p != NULL) {
			int lrc = pl_replay_load(x->rd.replay, p, n, src, upto, &ld);
			if (lrc == PL_ENOMEM)
				rc = pl_diag_set(d, PL_ENOMEM, "out of memory loading the index's replay state");
			else if (lrc == PL_OK)
				x->saved = size;
			/* any other failure: not usable, the follower replays from zero */
		}
	} else if (r != SQLITE_DONE) {
		rc = pl_index_db_err(x->db, d, "read the replay's state");
	}
	sqlite3_finalize(st);
	return rc;
}

/* Makes the follower and brings its engine to the index's size, writing nothing. */
static int start(pl_index *x, pl_source *src, uint64_t tree_size, bool trust, pl_diag *d)
{
	if (x->eng == NULL) {
		if ((x->eng = malloc(sizeof *x->eng)) == NULL)
			return pl_diag_set(d, PL_ENOMEM, "out of memory");
		pl_engine_init(x->eng, x->origin);
		int rc = pl_engine_reader_open(&x->rd, x->eng, trust);
		if (rc != PL_OK) {
			pl_engine_release(x->eng);
			free(x->eng);
			x->eng = NULL;
			return pl_diag_set(d, rc, "out of memory");
		}
		x->trust = trust;
		x->saved = 0;
		if ((rc = resume(x, src, tree_size, d)) != PL_OK)
			return rc;
	}
	pl_replay *r = x->rd.replay;
	if (pl_replay_size(r) < x->size) {
		/* its rows exist: only the engine moves */
		int rc = pl_replay_follow(r, src, tree_size, x->size, NULL, d);
		if (rc != PL_OK)
			return rc;
	}
	if (pl_replay_size(r) == x->size && x->size > 0) {
		pl_hash h;
		int rc = pl_replay_leaf(r, x->size - 1, &h);
		if (rc != PL_OK)
			return pl_diag_set(d, rc, "reading the leaf of entry %llu", (unsigned long long)(x->size - 1));
		if (!pl_hash_eq(&h, &x->leaf))
			return pl_diag_set(d, PL_ECORRUPT, "the index does not match the log at entry %llu (rebuild it)",
					   (unsigned long long)(x->size - 1));
	}
	return PL_OK;
}

int pl_index_follow(pl_index *x, pl_source *src, uint64_t upto, bool trust_signatures, pl_diag *d)
{
	return pl_index_follow_to(x, src, upto, upto, trust_signatures, d);
}

int pl_index_follow_to(pl_index *x, pl_source *src, uint64_t tree_size, uint64_t upto, bool trust_signatures,
		       pl_diag *d)
{
	if (upto > tree_size)
		return pl_diag_set(d, PL_EINVAL, "cannot index %llu entries of a tree of %llu", (unsigned long long)upto,
				   (unsigned long long)tree_size);
	if (!x->writable)
		return pl_diag_set(d, PL_EINVAL, "the index is open read-only");
	if (upto < x->size)
		return pl_diag_set(d, PL_ECORRUPT, "the index holds %llu entries but the log only %llu",
				   (unsigned long long)x->size, (unsigned long long)upto);
	if (x->eng != NULL && x->trust != trust_signatures)
		pl_index_follower_drop(x); /* replayed under another policy: start again */
	int rc = start(x, src, tree_size, trust_signatures, d);
	if (rc == PL_OK && pl_replay_size(x->rd.replay) == x->size) {
		follow f = {x, d, x->leaf};
		pl_replay_hooks h = {.applied = on_applied, .refused = on_refused, .ctx = &f};
		rc = pl_replay_follow(x->rd.replay, src, tree_size, upto, &h, d);
		if (rc == PL_OK && x->in_tx)
			rc = commit_progress(x, pl_replay_size(x->rd.replay), &f.last, d);
	}
	if (rc != PL_OK) {
		if (x->in_tx)
			(void)sqlite3_exec(x->db, "ROLLBACK", NULL, NULL, NULL);
		x->in_tx = false;
		pl_index_follower_drop(x); /* the uncommitted rows are gone; so is the engine that made them */
	}
	return rc;
}

/* The leaf of entry index as the log has it must be leaf: the entries handed over are the log's. */
static int same_leaf(pl_source *src, uint64_t tree_size, uint64_t index, const pl_hash *leaf, pl_diag *d)
{
	pl_hash h;
	int rc = pl_source_leaf(src, tree_size, index, &h);
	if (rc != PL_OK)
		return pl_diag_set(d, rc, "reading the leaf of entry %llu", (unsigned long long)index);
	if (!pl_hash_eq(&h, leaf))
		return pl_diag_set(d, PL_ECORRUPT, "the entry handed to the index as %llu is not the log's",
				   (unsigned long long)index);
	return PL_OK;
}

int pl_index_follow_parsed(pl_index *x, pl_source *src, uint64_t tree_size, pl_submission *const *subs, size_t n,
			   bool trust_signatures, pl_diag *d)
{
	if (!x->writable)
		return pl_diag_set(d, PL_EINVAL, "the index is open read-only");
	if (x->size + n > tree_size)
		return pl_diag_set(d, PL_EINVAL, "cannot index %zu more entries after %llu in a tree of %llu", n,
				   (unsigned long long)x->size, (unsigned long long)tree_size);
	if (n == 0)
		return PL_OK;
	if (x->eng != NULL && x->trust != trust_signatures)
		pl_index_follower_drop(x);
	uint64_t from = x->size;
	int rc = start(x, src, tree_size, trust_signatures, d);
	if (rc == PL_OK && pl_replay_size(x->rd.replay) != x->size)
		return PL_OK; /* the follower is not there yet (a partial bundle was replaced): nothing done */
	/* bound to the log: the first and the last entry handed over are the log's, at their index */
	if (rc == PL_OK)
		rc = same_leaf(src, tree_size, from, &subs[0]->leaf, d);
	if (rc == PL_OK && n > 1)
		rc = same_leaf(src, tree_size, from + n - 1, &subs[n - 1]->leaf, d);
	if (rc == PL_OK) {
		follow f = {x, d, x->leaf};
		pl_replay_hooks h = {.applied = on_applied, .refused = on_refused, .ctx = &f};
		pl_replay_set_source(x->rd.replay, src, tree_size);
		for (size_t i = 0; rc == PL_OK && i < n; i++)
			rc = pl_replay_parsed(x->rd.replay, subs[i]->raw, &subs[i]->leaf, subs[i], &h, d);
		if (rc == PL_OK && x->in_tx)
			rc = commit_progress(x, pl_replay_size(x->rd.replay), &f.last, d);
	}
	if (rc != PL_OK) {
		if (x->in_tx)
			(void)sqlite3_exec(x->db, "ROLLBACK", NULL, NULL, NULL);
		x->in_tx = false;
		pl_index_follower_drop(x); /* the uncommitted rows are gone; so is the engine that made them */
	}
	return rc;
}

int pl_index_refusals(pl_index *x, pl_replay_refused *out, size_t max, size_t *n, pl_diag *d)
{
	*n = 0;
	sqlite3_stmt *st = NULL;
	if (sqlite3_prepare_v2(x->db, "SELECT idx, leaf, code, message FROM refused ORDER BY idx", -1, &st, NULL) !=
	    SQLITE_OK)
		return pl_index_db_err(x->db, d, "read the refused entries");
	int r, rc = PL_OK;
	size_t count = 0;
	while ((r = sqlite3_step(st)) == SQLITE_ROW) {
		if (count < max && out != NULL) {
			pl_replay_refused *e = &out[count];
			memset(e, 0, sizeof *e);
			e->index = (uint64_t)sqlite3_column_int64(st, 0);
			const char *lb = (const char *)sqlite3_column_text(st, 1);
			if (lb == NULL ||
			    pl_b64_decode_exact((const uint8_t *)lb, strlen(lb), e->leaf.b, PL_HASH_SIZE) != PL_OK)
				rc = pl_diag_set(d, PL_ECORRUPT, "the index holds a malformed refused entry");
			const char *code = (const char *)sqlite3_column_text(st, 2);
			e->why.code = code ? pl_refusal_by_name(code) : PL_R_NONE;
			snprintf(e->why.msg, sizeof e->why.msg, "%s", sqlite3_column_text(st, 3) ? (const char *)sqlite3_column_text(st, 3) : "");
		}
		count++;
	}
	if (r != SQLITE_DONE && rc == PL_OK)
		rc = pl_index_db_err(x->db, d, "read the refused entries");
	sqlite3_finalize(st);
	*n = count;
	return rc;
}

int pl_index_saved_state(const char *dir, const char *origin, pl_buf *out, pl_diag *d)
{
	pl_index *x = NULL;
	pl_diag od = {0};
	int rc = pl_index_open_dir_at(dir, origin, false, false, &x, &od);
	if (rc != PL_OK)
		return rc == PL_ENOMEM ? pl_diag_set(d, rc, "out of memory") : PL_ENOTFOUND; /* no usable index */
	sqlite3_stmt *st = NULL;
	if (sqlite3_prepare_v2(x->db, "SELECT state FROM replay WHERE id = 1", -1, &st, NULL) != SQLITE_OK) {
		rc = pl_index_db_err(x->db, d, "read the replay's state");
	} else {
		int r = sqlite3_step(st);
		if (r == SQLITE_ROW && sqlite3_column_blob(st, 0) != NULL)
			rc = pl_buf_append(out, sqlite3_column_blob(st, 0), (size_t)sqlite3_column_bytes(st, 0));
		else
			rc = r == SQLITE_DONE || r == SQLITE_ROW ? PL_ENOTFOUND : pl_index_db_err(x->db, d, "read the replay's state");
		if (rc == PL_ETOOBIG || rc == PL_ENOMEM)
			pl_diag_set(d, rc, "the index's replay state does not fit in memory");
	}
	sqlite3_finalize(st);
	pl_index_close(x);
	return rc;
}
