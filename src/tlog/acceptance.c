/* acceptance.c - the two forms of a log's acceptance, and the tree a batch's is signed over (acceptance.h). */
#include "tlog/acceptance.h"

#include "base/codec.h"
#include "base/cursor.h"
#include "base/err.h"
#include "base/utf8.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

/* The longest text: the batch header, an origin, two 20-digit decimals, a hash, a time, six newlines. */
_Static_assert(sizeof PL_ACCEPT_BATCH_HEADER - 1 + PL_ORIGIN_MAX + 2 * 20 + PL_HASH_B64_LEN + PL_TIME_LEN + 6 <=
		       PL_ACCEPT_TEXT_MAX,
	       "PL_ACCEPT_TEXT_MAX holds every acceptance text");
/* A path in a batch of PL_ACCEPT_BATCH_MAX leaves has 32 hashes: a proof's room is enough. */
_Static_assert(PL_PROOF_MAX >= 32, "a batch path fits in PL_PROOF_MAX");

/* A checkpoint's rules for an origin line: 1..PL_ORIGIN_MAX bytes of UTF-8, no control characters. */
static bool origin_ok(const uint8_t *p, size_t n)
{
	if (n == 0 || n > PL_ORIGIN_MAX || !pl_utf8_valid(p, n))
		return false;
	for (size_t i = 0; i < n; i++)
		if (p[i] < 0x20 || p[i] == 0x7f)
			return false;
	return true;
}

static bool time_ok(const char *t, size_t n)
{
	int64_t v;
	return n == PL_TIME_LEN && pl_time_parse(t, n, &v) == PL_OK;
}

/* The range [first, first + count) is one a batch can cover. */
static bool range_ok(uint64_t first, uint64_t count)
{
	return count >= 1 && count <= PL_ACCEPT_BATCH_MAX && first < PL_TREE_MAX && count <= PL_TREE_MAX - first;
}

int pl_acceptance_format(const pl_acceptance *a, pl_buf *out)
{
	size_t on = strnlen(a->origin, sizeof a->origin);
	if (on == sizeof a->origin || !origin_ok((const uint8_t *)a->origin, on) ||
	    !time_ok(a->time, strnlen(a->time, sizeof a->time)) || !range_ok(a->first, a->count) ||
	    (a->form == PL_ACCEPT_SINGLE && a->count != 1) || (a->form != PL_ACCEPT_SINGLE && a->form != PL_ACCEPT_BATCH))
		return PL_EINVAL;
	size_t start = out->len;
	int rc = a->form == PL_ACCEPT_SINGLE
			 ? pl_buf_printf(out, PL_ACCEPT_SINGLE_HEADER "\n%s\n%llu\n", a->origin, (unsigned long long)a->first)
			 : pl_buf_printf(out, PL_ACCEPT_BATCH_HEADER "\n%s\n%llu\n%llu\n", a->origin,
					 (unsigned long long)a->first, (unsigned long long)a->count);
	if (rc == PL_OK)
		rc = pl_b64_append(out, a->hash.b, PL_HASH_SIZE);
	if (rc == PL_OK)
		rc = pl_buf_printf(out, "\n%s\n", a->time);
	if (rc != PL_OK)
		pl_buf_truncate(out, start);
	return rc;
}

int pl_acceptance_parse(const uint8_t *text, size_t n, pl_acceptance *out)
{
	if (n > PL_ACCEPT_TEXT_MAX)
		return PL_EFORMAT;
	pl_cursor c = pl_cursor_of((pl_span){text, n});
	pl_span head, origin, first, count = {0}, hash, time;
	if (pl_cursor_line(&c, &head) != PL_OK)
		return PL_EFORMAT;
	pl_acceptance a;
	memset(&a, 0, sizeof a);
	if (pl_span_eq(head, PL_ACCEPT_SINGLE_HEADER))
		a.form = PL_ACCEPT_SINGLE;
	else if (pl_span_eq(head, PL_ACCEPT_BATCH_HEADER))
		a.form = PL_ACCEPT_BATCH;
	else
		return PL_EFORMAT;
	if (pl_cursor_line(&c, &origin) != PL_OK || pl_cursor_line(&c, &first) != PL_OK ||
	    (a.form == PL_ACCEPT_BATCH && pl_cursor_line(&c, &count) != PL_OK) || pl_cursor_line(&c, &hash) != PL_OK ||
	    pl_cursor_line(&c, &time) != PL_OK || !pl_cursor_done(&c))
		return PL_EFORMAT;
	if (!origin_ok(origin.p, origin.n) || !time_ok((const char *)time.p, time.n) ||
	    pl_b64_decode_exact(hash.p, hash.n, a.hash.b, PL_HASH_SIZE) != PL_OK)
		return PL_EFORMAT;
	int rc = pl_dec_parse(first.p, first.n, PL_TREE_MAX - 1, &a.first);
	if (rc != PL_OK)
		return rc;
	a.count = 1;
	if (a.form == PL_ACCEPT_BATCH && (rc = pl_dec_parse(count.p, count.n, UINT64_MAX, &a.count)) != PL_OK)
		return rc;
	if (!range_ok(a.first, a.count))
		return PL_ERANGE;
	memcpy(a.origin, origin.p, origin.n);
	memcpy(a.time, time.p, time.n);
	*out = a;
	return PL_OK;
}

int pl_acceptance_open(const uint8_t *msg, size_t n, const pl_verifier *log, pl_acceptance *out)
{
	pl_note note;
	int rc = pl_note_open(msg, n, log, 1, &note);
	if (rc != PL_OK)
		return rc;
	if (!pl_note_signed_by(&note, 0))
		return PL_ENOKEY;
	pl_acceptance a;
	if ((rc = pl_acceptance_parse(note.text.p, note.text.n, &a)) != PL_OK)
		return rc;
	if (strcmp(a.origin, log->name) != 0)
		return PL_EVERIFY;
	*out = a;
	return PL_OK;
}

int pl_acceptance_check(const pl_acceptance *a, uint64_t index, const pl_hash *leaf, const pl_hash *path, size_t len)
{
	/* a single acceptance is a batch of one: its root is the leaf, its path empty */
	if (!range_ok(a->first, a->count) || index < a->first || index - a->first >= a->count)
		return PL_EVERIFY;
	if (a->form == PL_ACCEPT_SINGLE && (a->count != 1 || len != 0))
		return PL_EVERIFY;
	return pl_verify_inclusion(index - a->first, a->count, leaf, path, len, &a->hash) == PL_OK ? PL_OK
												     : PL_EVERIFY;
}

/* ---- the batch tree ---- */

static int tree_read(void *ctx, const pl_subtree *ids, size_t n, pl_hash *out)
{
	const pl_batch_tree *t = ctx;
	for (size_t i = 0; i < n; i++) {
		/* the prover asks only for complete subtrees inside the tree: anything else is a bug */
		assert(ids[i].level < t->levels && ids[i].index < (uint64_t)(t->count >> ids[i].level));
		if (ids[i].level >= t->levels || ids[i].index >= (uint64_t)(t->count >> ids[i].level))
			return PL_ENOTFOUND;
		out[i] = t->nodes[t->off[ids[i].level] + ids[i].index];
	}
	return PL_OK;
}

int pl_batch_tree_build(pl_batch_tree *t, const pl_hash *leaves, size_t count)
{
	memset(t, 0, sizeof *t);
	if (count == 0 || (uint64_t)count > PL_ACCEPT_BATCH_MAX)
		return PL_EINVAL;
	size_t total = 0, levels = 0;
	for (size_t w = count; w > 0; w >>= 1) {
		t->off[levels++] = total;
		total += w;
	}
	pl_hash *nodes = malloc(total * sizeof *nodes);
	if (nodes == NULL)
		return PL_ENOMEM;
	memcpy(nodes, leaves, count * sizeof *nodes);
	for (size_t l = 1; l < levels; l++) {
		const pl_hash *below = nodes + t->off[l - 1];
		pl_hash *here = nodes + t->off[l];
		for (size_t i = 0; i < count >> l; i++)
			pl_node_hash(&below[2 * i], &below[2 * i + 1], &here[i]);
	}
	t->count = count;
	t->levels = levels;
	t->nodes = nodes;
	return PL_OK;
}

void pl_batch_tree_root(pl_batch_tree *t, pl_hash *out)
{
	pl_hash_reader r = {tree_read, t};
	int rc = pl_tree_root(&r, t->count, out);
	assert(rc == PL_OK); /* every subtree it reads is stored */
	(void)rc;
}

int pl_batch_tree_path(pl_batch_tree *t, size_t i, pl_hash *path, size_t *len)
{
	*len = 0;
	if (i >= t->count)
		return PL_ERANGE;
	pl_hash_reader r = {tree_read, t};
	return pl_prove_inclusion(&r, t->count, i, path, len);
}

void pl_batch_tree_release(pl_batch_tree *t)
{
	free(t->nodes);
	memset(t, 0, sizeof *t);
}
