/*
 * fuzz_acceptance.c - acceptances of either form (tlog/acceptance.h).
 *
 * The input is parsed as acceptance text (pl_acceptance_parse), opened as a
 * signed acceptance under the log key example.org/cert-log
 * (pl_acceptance_open), and its bytes choose a batch of 1..256 leaves for the
 * batch tree. Properties checked:
 *   - a text that parses is canonical: pl_acceptance_format reproduces the
 *     input byte for byte; it is never a checkpoint;
 *   - both calls return only their documented codes; an opened acceptance
 *     names the log and its note text parses to the same acceptance;
 *   - a single acceptance binds its own leaf at its own index with no path,
 *     and nothing at the next index;
 *   - the batch tree's root and every path check at their position, and
 *     not at the next one nor for another leaf.
 */
#include "fuzz_common.h"

#include "tlog/acceptance.h"
#include "tlog/merkle.h"

static void fuzz_parse(const uint8_t *data, size_t size)
{
	pl_acceptance a;
	int rc = pl_acceptance_parse(data, size, &a);
	FZ_CHECK(rc == PL_OK || rc == PL_EFORMAT || rc == PL_ERANGE);
	if (rc != PL_OK)
		return;
	FZ_CHECK(a.form == PL_ACCEPT_SINGLE || a.form == PL_ACCEPT_BATCH);
	FZ_CHECK(a.count >= 1 && a.count <= PL_ACCEPT_BATCH_MAX && a.first + a.count <= PL_TREE_MAX);
	FZ_CHECK(a.form == PL_ACCEPT_BATCH || a.count == 1);
	pl_buf b;
	pl_buf_init(&b, PL_ACCEPT_TEXT_MAX);
	FZ_CHECK(pl_acceptance_format(&a, &b) == PL_OK);
	FZ_CHECK(fz_same(&b, data, size)); /* canonical round trip */
	pl_buf_release(&b);
	pl_checkpoint cp;
	FZ_CHECK(pl_checkpoint_parse(data, size, &cp) != PL_OK);
	if (a.form == PL_ACCEPT_SINGLE) {
		FZ_CHECK(pl_acceptance_check(&a, a.first, &a.hash, NULL, 0) == PL_OK);
		FZ_CHECK(pl_acceptance_check(&a, a.first + 1, &a.hash, NULL, 0) == PL_EVERIFY);
	}
}

static void fuzz_open(const uint8_t *data, size_t size)
{
	const fz_keys *k = fz_get_keys();
	pl_acceptance a;
	int rc = pl_acceptance_open(data, size, &k->v[FZ_KEY_LOG], &a);
	FZ_CHECK(rc == PL_OK || rc == PL_ETOOBIG || rc == PL_EFORMAT || rc == PL_EVERIFY || rc == PL_ENOKEY ||
		 rc == PL_ERANGE);
	if (rc != PL_OK)
		return;
	FZ_CHECK(strcmp(a.origin, k->v[FZ_KEY_LOG].name) == 0);
	pl_note note;
	FZ_CHECK(pl_note_open(data, size, &k->v[FZ_KEY_LOG], 1, &note) == PL_OK);
	pl_acceptance t;
	FZ_CHECK(pl_acceptance_parse(note.text.p, note.text.n, &t) == PL_OK);
	FZ_CHECK(t.form == a.form && t.first == a.first && t.count == a.count && pl_hash_eq(&t.hash, &a.hash));
}

static void fuzz_tree(const uint8_t *data, size_t size)
{
	size_t count = size > 0 ? (size_t)data[0] + 1 : 1;
	pl_hash *leaves = malloc(count * sizeof *leaves);
	FZ_CHECK(leaves != NULL);
	for (size_t i = 0; i < count; i++) {
		uint8_t e[2] = {(uint8_t)i, size > 1 ? data[1 + i % (size - 1)] : 0};
		pl_leaf_hash(e, sizeof e, &leaves[i]);
	}
	pl_batch_tree t;
	FZ_CHECK(pl_batch_tree_build(&t, leaves, count) == PL_OK);
	pl_acceptance a = {.form = PL_ACCEPT_BATCH, .first = 100, .count = count};
	pl_batch_tree_root(&t, &a.hash);
	pl_hash root;
	pl_merkle_root_of(leaves, count, &root);
	FZ_CHECK(pl_hash_eq(&root, &a.hash));
	for (size_t i = 0; i < count; i++) {
		pl_hash path[PL_PROOF_MAX];
		size_t len = 0;
		FZ_CHECK(pl_batch_tree_path(&t, i, path, &len) == PL_OK);
		FZ_CHECK(pl_acceptance_check(&a, 100 + i, &leaves[i], path, len) == PL_OK);
		FZ_CHECK(pl_acceptance_check(&a, 100 + i + 1, &leaves[i], path, len) == PL_EVERIFY);
		if (count > 1 && !pl_hash_eq(&leaves[i], &leaves[(i + 1) % count]))
			FZ_CHECK(pl_acceptance_check(&a, 100 + i, &leaves[(i + 1) % count], path, len) == PL_EVERIFY);
	}
	pl_batch_tree_release(&t);
	free(leaves);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_parse(data, size);
	fuzz_open(data, size);
	fuzz_tree(data, size);
	return 0;
}
