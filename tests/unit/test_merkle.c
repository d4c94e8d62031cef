/* test_merkle.c - RFC 6962 hashing and proofs: known answers, an exhaustive
 * comparison with the naive reference, and rejection of tampered proofs. */
#include "testutil.h"

#include "base/err.h"
#include "tlog/merkle.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- the 8-leaf vector tree ---- */

typedef struct vec {
	uint8_t leaf[8][64];
	size_t leaf_len[8];
	pl_hash root[9];
	pl_hash incl[8][9][PL_PROOF_MAX]; /* [i][n] */
	size_t incl_len[8][9];
	pl_hash cons[9][9][PL_PROOF_MAX]; /* [m][n] */
	size_t cons_len[9][9];
} vec;

static size_t parse_hashes(char *s, pl_hash *out)
{
	size_t k = 0;
	for (char *tok = strtok(s, " \n"); tok; tok = strtok(NULL, " \n"))
		tu_hex(tok, out[k++].b, PL_HASH_SIZE);
	return k;
}

static vec *load_vectors(void)
{
	vec *v = calloc(1, sizeof *v);
	size_t n;
	char *text = (char *)tu_read_file(tu_vector("rfc6962-tree8.txt"), &n);
	char *save = NULL;
	int seen_roots = 0, seen_incl = 0, seen_cons = 0;
	for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		unsigned a, b;
		char *colon = strchr(line, ':');
		if (line[0] == '#' || colon == NULL)
			continue;
		char *rest = colon + 1;
		while (*rest == ' ')
			rest++;
		if (sscanf(line, "leaf %u:", &a) == 1) {
			v->leaf_len[a] = tu_hex(rest, v->leaf[a], 64);
		} else if (sscanf(line, "root %u:", &a) == 1) {
			tu_hex(rest, v->root[a].b, PL_HASH_SIZE);
			seen_roots++;
		} else if (sscanf(line, "inclusion %u %u:", &a, &b) == 2) {
			v->incl_len[a][b] = parse_hashes(rest, v->incl[a][b]);
			seen_incl++;
		} else if (sscanf(line, "consistency %u %u:", &a, &b) == 2) {
			v->cons_len[a][b] = parse_hashes(rest, v->cons[a][b]);
			seen_cons++;
		}
	}
	assert_int_equal(seen_roots, 9);
	assert_int_equal(seen_incl, 36);  /* every (i, n) with i < n <= 8 */
	assert_int_equal(seen_cons, 28);  /* every (m, n) with 1 <= m < n <= 8 */
	free(text);
	return v;
}

static void test_vectors(void **state)
{
	(void)state;
	vec *v = load_vectors();
	pl_hash leaves[8];
	for (int i = 0; i < 8; i++)
		pl_leaf_hash(v->leaf[i], v->leaf_len[i], &leaves[i]);
	for (unsigned n = 0; n <= 8; n++) {
		tu_ref *ref = tu_ref_new(leaves, n);
		pl_hash_reader hr = tu_ref_reader(ref);
		pl_hash root;
		assert_int_equal(pl_tree_root(&hr, n, &root), PL_OK);
		assert_memory_equal(root.b, v->root[n].b, PL_HASH_SIZE);
		/* incremental right edge */
		pl_edge e;
		pl_edge_init(&e);
		for (unsigned i = 0; i < n; i++)
			assert_int_equal(pl_edge_append(&e, &leaves[i]), PL_OK);
		pl_edge_root(&e, &root);
		assert_memory_equal(root.b, v->root[n].b, PL_HASH_SIZE);
		for (unsigned i = 0; i < n; i++) {
			pl_hash p[PL_PROOF_MAX];
			size_t len;
			assert_int_equal(pl_prove_inclusion(&hr, n, i, p, &len), PL_OK);
			assert_int_equal(len, v->incl_len[i][n]);
			assert_memory_equal(p, v->incl[i][n], len * sizeof(pl_hash));
			assert_int_equal(pl_verify_inclusion(i, n, &leaves[i], p, len, &v->root[n]), PL_OK);
		}
		for (unsigned m = 1; m < n; m++) {
			pl_hash p[PL_PROOF_MAX];
			size_t len;
			assert_int_equal(pl_prove_consistency(&hr, m, n, p, &len), PL_OK);
			assert_int_equal(len, v->cons_len[m][n]);
			assert_memory_equal(p, v->cons[m][n], len * sizeof(pl_hash));
			assert_int_equal(pl_verify_consistency(m, n, &v->root[m], &v->root[n], p, len), PL_OK);
		}
		tu_ref_free(ref);
	}
	free(v);
}

/* ---- every size against the naive reference ---- */

static pl_hash *make_leaves(size_t n)
{
	pl_hash *l = malloc(n * sizeof *l);
	assert_non_null(l);
	for (size_t i = 0; i < n; i++) {
		uint8_t b[8];
		for (int j = 0; j < 8; j++)
			b[j] = (uint8_t)(i >> (8 * j));
		tu_leaf(b, 8, &l[i]);
	}
	return l;
}

/* Checks every inclusion proof of size n (and consistency proofs from every m
 * in ms[0..nm) to n) against the reference. */
static void check_size(tu_ref *ref, const pl_hash *leaves, uint64_t n, bool all_incl, bool all_cons)
{
	pl_hash_reader hr = tu_ref_reader(ref);
	pl_hash root, want;
	assert_int_equal(pl_tree_root(&hr, n, &root), PL_OK);
	tu_ref_mth(ref, 0, n, &want);
	assert_memory_equal(root.b, want.b, PL_HASH_SIZE);
	pl_hash p[PL_PROOF_MAX], q[PL_PROOF_MAX];
	size_t len, qlen;
	for (uint64_t i = 0; i < n; i++) {
		if (!all_incl && i % 97 != 0 && i != n - 1)
			continue;
		assert_int_equal(pl_prove_inclusion(&hr, n, i, p, &len), PL_OK);
		qlen = tu_ref_path(ref, i, n, q);
		assert_int_equal(len, qlen);
		assert_memory_equal(p, q, len * sizeof(pl_hash));
		assert_int_equal(pl_verify_inclusion(i, n, &leaves[i], p, len, &root), PL_OK);
	}
	for (uint64_t m = 0; m <= n; m++) {
		if (!all_cons && m % 89 != 0 && m != n - 1 && m != n)
			continue;
		assert_int_equal(pl_prove_consistency(&hr, m, n, p, &len), PL_OK);
		qlen = tu_ref_proof(ref, m, n, q);
		assert_int_equal(len, qlen);
		assert_memory_equal(p, q, len * sizeof(pl_hash));
		pl_hash rm;
		if (m == 0)
			pl_empty_root(&rm);
		else
			tu_ref_mth(ref, 0, m, &rm);
		assert_int_equal(pl_verify_consistency(m, n, &rm, &root, p, len), PL_OK);
	}
}

static void test_sizes_1_to_300(void **state)
{
	(void)state;
	pl_hash *leaves = make_leaves(300);
	tu_ref *ref = tu_ref_new(leaves, 300);
	pl_edge e;
	pl_edge_init(&e);
	for (uint64_t n = 1; n <= 300; n++) {
		check_size(ref, leaves, n, true, true);
		assert_int_equal(pl_edge_append(&e, &leaves[n - 1]), PL_OK);
		pl_hash r1, r2;
		pl_edge_root(&e, &r1);
		tu_ref_mth(ref, 0, n, &r2);
		assert_memory_equal(r1.b, r2.b, PL_HASH_SIZE);
		pl_edge loaded;
		pl_hash_reader hr = tu_ref_reader(ref);
		assert_int_equal(pl_edge_load(&hr, n, &loaded), PL_OK);
		pl_edge_root(&loaded, &r1);
		assert_memory_equal(r1.b, r2.b, PL_HASH_SIZE);
	}
	tu_ref_free(ref);
	free(leaves);
}

static void test_sizes_70000_and_70123(void **state)
{
	(void)state;
	pl_hash *leaves = make_leaves(70123);
	tu_ref *ref = tu_ref_new(leaves, 70123);
	check_size(ref, leaves, 70000, true, true);
	check_size(ref, leaves, 70123, true, true);
	/* and the consistency proof between the two */
	pl_hash_reader hr = tu_ref_reader(ref);
	pl_hash p[PL_PROOF_MAX], q[PL_PROOF_MAX], r1, r2;
	size_t len;
	assert_int_equal(pl_prove_consistency(&hr, 70000, 70123, p, &len), PL_OK);
	assert_int_equal(len, tu_ref_proof(ref, 70000, 70123, q));
	assert_memory_equal(p, q, len * sizeof(pl_hash));
	tu_ref_mth(ref, 0, 70000, &r1);
	tu_ref_mth(ref, 0, 70123, &r2);
	assert_int_equal(pl_verify_consistency(70000, 70123, &r1, &r2, p, len), PL_OK);
	tu_ref_free(ref);
	free(leaves);
}

/* ---- tampering: every hash of every proof, for a spread of sizes ---- */

static void test_tampered_proofs_rejected(void **state)
{
	(void)state;
	pl_hash *leaves = make_leaves(130);
	tu_ref *ref = tu_ref_new(leaves, 130);
	pl_hash_reader hr = tu_ref_reader(ref);
	for (uint64_t n = 1; n <= 130; n += 7) {
		pl_hash root;
		assert_int_equal(pl_tree_root(&hr, n, &root), PL_OK);
		for (uint64_t i = 0; i < n; i++) {
			pl_hash p[PL_PROOF_MAX + 1];
			size_t len;
			assert_int_equal(pl_prove_inclusion(&hr, n, i, p, &len), PL_OK);
			for (size_t j = 0; j < len; j++) {
				p[j].b[j % PL_HASH_SIZE] ^= 0x40;
				assert_int_equal(pl_verify_inclusion(i, n, &leaves[i], p, len, &root), PL_EVERIFY);
				p[j].b[j % PL_HASH_SIZE] ^= 0x40;
			}
			if (len > 0) /* a missing hash */
				assert_int_equal(pl_verify_inclusion(i, n, &leaves[i], p, len - 1, &root), PL_EVERIFY);
			p[len] = root; /* a surplus hash */
			assert_int_equal(pl_verify_inclusion(i, n, &leaves[i], p, len + 1, &root), PL_EVERIFY);
			/* another index, another size, another leaf */
			if (n > 1)
				assert_int_equal(pl_verify_inclusion((i + 1) % n, n, &leaves[i], p, len, &root),
						 PL_EVERIFY);
			/* (a proof does not bind the tree size on its own: the signed
			 * checkpoint does, so a size change is not tested here) */
			assert_int_equal(pl_verify_inclusion(i, n, &leaves[(i + 1) % 130], p, len, &root), PL_EVERIFY);
			assert_int_equal(pl_verify_inclusion(n, n, &leaves[i], p, len, &root), PL_EVERIFY);
		}
		for (uint64_t m = 1; m < n; m++) {
			pl_hash p[PL_PROOF_MAX + 1], rm;
			size_t len;
			assert_int_equal(pl_prove_consistency(&hr, m, n, p, &len), PL_OK);
			tu_ref_mth(ref, 0, m, &rm);
			for (size_t j = 0; j < len; j++) {
				p[j].b[0] ^= 1;
				assert_int_equal(pl_verify_consistency(m, n, &rm, &root, p, len), PL_EVERIFY);
				p[j].b[0] ^= 1;
			}
			assert_int_equal(pl_verify_consistency(m, n, &rm, &root, p, len - 1), PL_EVERIFY);
			p[len] = root;
			assert_int_equal(pl_verify_consistency(m, n, &rm, &root, p, len + 1), PL_EVERIFY);
			assert_int_equal(pl_verify_consistency(m, n, &root, &root, p, len), PL_EVERIFY);
			assert_int_equal(pl_verify_consistency(m, n, &rm, &rm, p, len), PL_EVERIFY);
		}
		/* the empty proof between equal sizes needs equal roots */
		assert_int_equal(pl_verify_consistency(n, n, &root, &root, NULL, 0), PL_OK);
		pl_hash other = root;
		other.b[5] ^= 1;
		assert_int_equal(pl_verify_consistency(n, n, &root, &other, NULL, 0), PL_EVERIFY);
		assert_int_equal(pl_verify_consistency(n, n - 1, &root, &root, NULL, 0), PL_EINVAL);
	}
	/* proofs longer than 63 hashes are never valid */
	pl_hash big[PL_PROOF_MAX + 1] = {0};
	assert_int_equal(pl_verify_inclusion(0, 2, &leaves[0], big, PL_PROOF_MAX + 1, &leaves[1]), PL_EVERIFY);
	tu_ref_free(ref);
	free(leaves);
}

static void test_range_errors(void **state)
{
	(void)state;
	pl_hash *leaves = make_leaves(4);
	tu_ref *ref = tu_ref_new(leaves, 4);
	pl_hash_reader hr = tu_ref_reader(ref);
	pl_hash p[PL_PROOF_MAX];
	size_t len;
	assert_int_equal(pl_prove_inclusion(&hr, 4, 4, p, &len), PL_ERANGE);
	assert_int_equal(pl_prove_consistency(&hr, 5, 4, p, &len), PL_ERANGE);
	assert_int_equal(pl_prove_inclusion(&hr, PL_TREE_MAX, 0, p, &len), PL_ERANGE);
	/* a reader error passes through */
	assert_int_equal(pl_prove_inclusion(&hr, 8, 0, p, &len), -7);
	pl_hash e, want;
	pl_empty_root(&e);
	tu_hex("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", want.b, PL_HASH_SIZE);
	assert_memory_equal(e.b, want.b, PL_HASH_SIZE);
	tu_ref_free(ref);
	free(leaves);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vectors),
		cmocka_unit_test(test_sizes_1_to_300),
		cmocka_unit_test(test_sizes_70000_and_70123),
		cmocka_unit_test(test_tampered_proofs_rejected),
		cmocka_unit_test(test_range_errors),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
