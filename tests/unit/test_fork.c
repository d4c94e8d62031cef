/* test_fork.c - fork proofs: two diverging histories signed by one key are
 * proved inconsistent; consistent checkpoints never make a valid proof. */
#include "testutil.h"

#include "base/err.h"
#include "tlog/checkpoint.h"
#include "tlog/fork.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct hist {
	pl_hash leaves[32];
	tu_ref *ref;
} hist;

/* History A: leaves "a i"; history B: the same for i < 8, then "b i". */
static void make(hist *h, char tag)
{
	for (int i = 0; i < 32; i++) {
		char e[16];
		int n = snprintf(e, sizeof e, "%c %d", i < 8 ? 'a' : tag, i);
		pl_leaf_hash((const uint8_t *)e, (size_t)n, &h->leaves[i]);
	}
	h->ref = tu_ref_new(h->leaves, 32);
}

static void cp(const pl_signer *s, hist *h, uint64_t size, pl_buf *out)
{
	pl_checkpoint c;
	snprintf(c.origin, sizeof c.origin, "%s", s->v.name);
	c.size = size;
	tu_ref_mth(h->ref, 0, size, &c.root);
	pl_buf text;
	pl_buf_init(&text, 4096);
	assert_int_equal(pl_checkpoint_format(&c, &text), PL_OK);
	pl_buf_reset(out);
	assert_int_equal(pl_note_sign(s, text.data, text.len, out), PL_OK);
	pl_buf_release(&text);
}

static int prefix_proof(const pl_signer *s, hist *big, uint64_t bsize, hist *small, uint64_t ssize, pl_buf *out)
{
	pl_buf a, b;
	pl_buf_init(&a, 4096);
	pl_buf_init(&b, 4096);
	cp(s, big, bsize, &a);
	cp(s, small, ssize, &b);
	pl_hash r, proof[PL_PROOF_MAX];
	size_t len;
	tu_ref_mth(big->ref, 0, ssize, &r);
	pl_hash_reader hr = tu_ref_reader(big->ref);
	assert_int_equal(pl_prove_consistency(&hr, ssize, bsize, proof, &len), PL_OK);
	pl_buf_reset(out);
	assert_int_equal(pl_fork_write_prefix(&s->v, a.data, a.len, b.data, b.len, &r, proof, len, out), PL_OK);
	pl_buf_release(&a);
	pl_buf_release(&b);
	pl_fork f;
	return pl_fork_verify(out->data, out->len, &s->v, &f, NULL);
}

static void test_fork_proofs(void **state)
{
	(void)state;
	pl_signer *s, *other;
	assert_int_equal(pl_signer_new("example.org/forky", PL_SIGTYPE_ED25519, NULL, &s), PL_OK);
	assert_int_equal(pl_signer_new("example.org/forky", PL_SIGTYPE_ED25519, NULL, &other), PL_OK);
	hist A, B;
	make(&A, 'a');
	make(&B, 'b');
	pl_buf a, b, proof;
	pl_buf_init(&a, 4096);
	pl_buf_init(&b, 4096);
	pl_buf_init(&proof, PL_FORK_PROOF_MAX);
	pl_fork f;
	/* same size, different roots */
	cp(s, &A, 12, &a);
	cp(s, &B, 12, &b);
	assert_int_equal(pl_fork_write_same_size(&s->v, a.data, a.len, b.data, b.len, &proof), PL_OK);
	assert_int_equal(pl_fork_verify(proof.data, proof.len, &s->v, &f, NULL), PL_OK);
	assert_false(f.prefix);
	assert_int_equal(pl_fork_verify(proof.data, proof.len, NULL, &f, NULL), PL_OK); /* with the embedded key */
	assert_int_equal(pl_fork_verify(proof.data, proof.len, &other->v, &f, NULL), PL_EVERIFY);
	/* same size, same root: no fork */
	cp(s, &A, 8, &a);
	cp(s, &B, 8, &b); /* the histories agree up to 8 */
	pl_buf_reset(&proof);
	assert_int_equal(pl_fork_write_same_size(&s->v, a.data, a.len, b.data, b.len, &proof), PL_OK);
	assert_int_equal(pl_fork_verify(proof.data, proof.len, &s->v, &f, NULL), PL_EVERIFY);
	/* prefix: A at 20 says its first 10 entries hash to R; B at 10 says otherwise */
	assert_int_equal(prefix_proof(s, &A, 20, &B, 10, &proof), PL_OK);
	/* ... but not from two checkpoints of one history, whatever the sizes */
	for (uint64_t small = 1; small < 20; small++)
		assert_int_equal(prefix_proof(s, &A, 20, &A, small, &proof), PL_EVERIFY);
	/* and not below the point where the histories part */
	assert_int_equal(prefix_proof(s, &A, 20, &B, 8, &proof), PL_EVERIFY);
	/* a tampered proof fails */
	assert_int_equal(prefix_proof(s, &A, 20, &B, 10, &proof), PL_OK);
	char *line = strstr((char *)proof.data, "\nproof ");
	assert_non_null(line);
	line[8] = line[8] == 'A' ? 'B' : 'A';
	assert_int_not_equal(pl_fork_verify(proof.data, proof.len, &s->v, &f, NULL), PL_OK);
	/* a checkpoint signed by another key with the same name is refused */
	cp(other, &B, 12, &b);
	cp(s, &A, 12, &a);
	pl_buf_reset(&proof);
	assert_int_equal(pl_fork_write_same_size(&s->v, a.data, a.len, b.data, b.len, &proof), PL_OK);
	assert_int_equal(pl_fork_verify(proof.data, proof.len, &s->v, &f, NULL), PL_EVERIFY);
	/* malformed */
	const char *bad = "parley.fork-proof/v1\nvkey nonsense\n";
	assert_int_equal(pl_fork_verify((const uint8_t *)bad, strlen(bad), NULL, &f, NULL), PL_EFORMAT);
	pl_buf_release(&a);
	pl_buf_release(&b);
	pl_buf_release(&proof);
	tu_ref_free(A.ref);
	tu_ref_free(B.ref);
	pl_signer_free(s);
	pl_signer_free(other);
}

int main(void)
{
	const struct CMUnitTest tests[] = {cmocka_unit_test(test_fork_proofs)};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
