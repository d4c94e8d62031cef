/* test_proof_file.c - C2SP tlog-proof: write, parse, verify, reject. */
#include "testutil.h"

#include "base/err.h"
#include "tlog/checkpoint.h"
#include "tlog/proof_file.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct fixture {
	pl_signer *log;
	pl_policy pol;
	pl_hash leaves[20];
	pl_buf note;   /* signed checkpoint of the 20-leaf tree */
	pl_hash root;
	tu_ref *ref;
} fixture;

static int setup(void **state)
{
	fixture *f = calloc(1, sizeof *f);
	assert_int_equal(pl_signer_new("example.org/p", PL_SIGTYPE_ED25519, NULL, &f->log), PL_OK);
	pl_policy_init(&f->pol, &f->log->v);
	for (int i = 0; i < 20; i++) {
		char e[16];
		snprintf(e, sizeof e, "entry %d", i);
		pl_leaf_hash((const uint8_t *)e, strlen(e), &f->leaves[i]);
	}
	f->ref = tu_ref_new(f->leaves, 20);
	tu_ref_mth(f->ref, 0, 20, &f->root);
	pl_checkpoint c = {"example.org/p", 20, f->root};
	pl_buf text;
	pl_buf_init(&text, 4096);
	pl_buf_init(&f->note, 4096);
	assert_int_equal(pl_checkpoint_format(&c, &text), PL_OK);
	assert_int_equal(pl_note_sign(f->log, text.data, text.len, &f->note), PL_OK);
	pl_buf_release(&text);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	fixture *f = *state;
	pl_signer_free(f->log);
	pl_buf_release(&f->note);
	tu_ref_free(f->ref);
	free(f);
	return 0;
}

static void write_proof(fixture *f, uint64_t i, const char *extra, pl_buf *out)
{
	pl_hash p[PL_PROOF_MAX];
	size_t len = tu_ref_path(f->ref, i, 20, p);
	assert_int_equal(pl_proof_file_write(i, p, len, (const uint8_t *)extra, extra ? strlen(extra) : 0,
					     f->note.data, f->note.len, out),
			 PL_OK);
}

static void test_roundtrip_and_verify(void **state)
{
	fixture *f = *state;
	pl_buf b;
	pl_buf_init(&b, PL_PROOF_FILE_MAX);
	for (uint64_t i = 0; i < 20; i++) {
		char e[16];
		snprintf(e, sizeof e, "entry %llu", (unsigned long long)i);
		pl_buf_reset(&b);
		write_proof(f, i, e, &b);
		pl_proof_file pf;
		assert_int_equal(pl_proof_file_parse(b.data, b.len, &pf), PL_OK);
		assert_true(pf.has_extra);
		assert_int_equal(pf.extra_len, strlen(e));
		assert_memory_equal(pf.extra, e, strlen(e));
		assert_true(pf.index == i);
		pl_checkpoint cp;
		assert_int_equal(pl_proof_file_verify(&pf, &f->pol, &f->leaves[i], &cp), PL_OK);
		assert_int_equal(cp.size, 20);
		/* another leaf does not verify */
		assert_int_equal(pl_proof_file_verify(&pf, &f->pol, &f->leaves[(i + 1) % 20], &cp), PL_EVERIFY);
		pl_proof_file_release(&pf);
	}
	/* the example layout of the spec */
	pl_buf_reset(&b);
	write_proof(f, 3, NULL, &b);
	assert_true(strncmp(pl_buf_cstr(&b), "c2sp.org/tlog-proof@v1\nindex 3\n", 31) == 0);
	pl_buf_release(&b);
}

static void test_every_byte_flip_detected(void **state)
{
	fixture *f = *state;
	pl_buf b;
	pl_buf_init(&b, PL_PROOF_FILE_MAX);
	write_proof(f, 13, "entry 13", &b);
	pl_hash leaf13 = f->leaves[13];
	for (size_t k = 0; k < b.len; k++) {
		for (int bit = 0; bit < 8; bit += 3) {
			b.data[k] ^= (uint8_t)(1u << bit);
			pl_proof_file pf;
			int rc = pl_proof_file_parse(b.data, b.len, &pf);
			if (rc == PL_OK) {
				/* The entry a verifier checks is the extra data itself. */
				pl_hash leaf;
				pl_leaf_hash(pf.extra ? pf.extra : (const uint8_t *)"", pf.extra_len, &leaf);
				rc = pl_proof_file_verify(&pf, &f->pol, &leaf, NULL);
				if (rc == PL_OK && !pl_hash_eq(&leaf, &leaf13))
					fail_msg("flip at byte %zu bit %d verified with another entry", k, bit);
				pl_proof_file_release(&pf);
			}
			if (rc == PL_OK)
				fail_msg("flip at byte %zu bit %d went unnoticed", k, bit);
			b.data[k] ^= (uint8_t)(1u << bit);
		}
	}
	pl_buf_release(&b);
}

static void test_noncanonical_rejected(void **state)
{
	fixture *f = *state;
	const char *cp = (const char *)pl_buf_cstr(&f->note);
	const char *h = "gSKyXoYZUgZ6jduWYrkDOARinOMGJveXjgMkBTcdPlQ=";
	char buf[8192];
	/* each case: prefix, then a proof hash, then middle, then the checkpoint (if with_cp) */
	struct {
		const char *pre, *mid;
		int with_cp;
	} cases[] = {
		{"c2sp.org/tlog-proof@v2\nindex 1\n", "\n\n", 1},
		{"c2sp.org/tlog-proof@v1\nindex 01\n", "\n\n", 1},
		{"c2sp.org/tlog-proof@v1\nindex +1\n", "\n\n", 1},
		{"c2sp.org/tlog-proof@v1\nindex  1\n", "\n\n", 1},
		{"c2sp.org/tlog-proof@v1\nextra \nindex 1\n", "\n\n", 1},
		{"c2sp.org/tlog-proof@v1\nextra YQ=\nindex 1\n", "\n\n", 1},
		{"c2sp.org/tlog-proof@v1\nextra YR==\nindex 1\n", "\n\n", 1},
		{"c2sp.org/tlog-proof@v1\n", "\n\n", 1},
		{"c2sp.org/tlog-proof@v1\nindex 1\n", "\n", 1},
		{"c2sp.org/tlog-proof@v1\nindex 1\n", "=\n\n", 1},
		{"c2sp.org/tlog-proof@v1\nindex 1\n", "\n\n", 0},
		{"c2sp.org/tlog-proof@v1\r\nindex 1\n", "\n\n", 1},
	};
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		int n = snprintf(buf, sizeof buf, "%s%s%s%s", cases[i].pre, h, cases[i].mid, cases[i].with_cp ? cp : "");
		pl_proof_file pf;
		if (pl_proof_file_parse((const uint8_t *)buf, (size_t)n, &pf) == PL_OK) {
			pl_proof_file_release(&pf);
			fail_msg("accepted non-canonical proof #%zu", i);
		}
	}
	/* 63 hashes parse, 64 do not */
	for (int count = 63; count <= 64; count++) {
		pl_buf b;
		pl_buf_init(&b, PL_PROOF_FILE_MAX);
		assert_int_equal(pl_buf_puts(&b, "c2sp.org/tlog-proof@v1\nindex 1\n"), PL_OK);
		for (int i = 0; i < count; i++)
			assert_int_equal(pl_buf_printf(&b, "%s\n", h), PL_OK);
		assert_int_equal(pl_buf_printf(&b, "\n%s", cp), PL_OK);
		pl_proof_file pf;
		int rc = pl_proof_file_parse(b.data, b.len, &pf);
		assert_int_equal(rc, count == 63 ? PL_OK : PL_EFORMAT);
		if (rc == PL_OK)
			pl_proof_file_release(&pf);
		pl_buf_release(&b);
	}
	/* oversize */
	uint8_t *huge = calloc(1, PL_PROOF_FILE_MAX + 1);
	pl_proof_file pf;
	assert_int_equal(pl_proof_file_parse(huge, PL_PROOF_FILE_MAX + 1, &pf), PL_ETOOBIG);
	free(huge);
}

/* pl_proof_file_check: the entry carried or given, each way it can fail, and its sentences. */
static void test_check(void **state)
{
	fixture *f = *state;
	pl_buf carried, bare;
	pl_buf_init(&carried, PL_PROOF_FILE_MAX);
	pl_buf_init(&bare, PL_PROOF_FILE_MAX);
	write_proof(f, 7, "entry 7", &carried);
	write_proof(f, 7, NULL, &bare);
	pl_span e7 = {(const uint8_t *)"entry 7", 7}, e8 = {(const uint8_t *)"entry 8", 7}, empty = {NULL, 0};
	uint64_t index = 0;
	pl_checkpoint cp;
	pl_diag d = {0};

	/* the entry it carries, or the same one given too, or given to a bare proof */
	assert_int_equal(pl_proof_file_check(carried.data, carried.len, "p", NULL, "--entry FILE", &f->pol, &index, &cp, &d),
			 PL_OK);
	assert_true(index == 7);
	assert_int_equal(cp.size, 20);
	assert_string_equal(cp.origin, "example.org/p");
	assert_int_equal(pl_proof_file_check(carried.data, carried.len, "p", &e7, "e", &f->pol, NULL, NULL, &d), PL_OK);
	index = 0;
	assert_int_equal(pl_proof_file_check(bare.data, bare.len, "p", &e7, "e", &f->pol, &index, NULL, &d), PL_OK);
	assert_true(index == 7);

	/* another entry given: different from the one carried; not included in a bare proof */
	memset(&d, 0, sizeof d);
	assert_int_equal(pl_proof_file_check(carried.data, carried.len, "p", &e8, "e8.bin", &f->pol, NULL, NULL, &d),
			 PL_EVERIFY);
	assert_string_equal(d.msg, "the proof carries an entry different from e8.bin");
	memset(&d, 0, sizeof d);
	assert_int_equal(pl_proof_file_check(carried.data, carried.len, "p", &empty, "e0", &f->pol, NULL, NULL, &d),
			 PL_EVERIFY);
	memset(&d, 0, sizeof d);
	assert_int_equal(pl_proof_file_check(bare.data, bare.len, "p", &e8, "e8.bin", &f->pol, NULL, NULL, &d), PL_EVERIFY);
	assert_string_equal(d.msg, "the proof does not verify: entry 7 is not included with that content, or the "
				   "checkpoint signature is bad");

	/* no entry anywhere */
	memset(&d, 0, sizeof d);
	assert_int_equal(pl_proof_file_check(bare.data, bare.len, "p", NULL, "--entry FILE", &f->pol, NULL, NULL, &d),
			 PL_EINVAL);
	assert_string_equal(d.msg, "the proof carries no entry; give it with --entry FILE");

	/* not a proof file */
	memset(&d, 0, sizeof d);
	assert_int_equal(pl_proof_file_check((const uint8_t *)"hello\n", 6, "p.txt", NULL, "x", &f->pol, NULL, NULL, &d),
			 PL_EFORMAT);
	assert_string_equal(d.msg, "p.txt is not a well-formed c2sp.org/tlog-proof@v1 file");

	/* another log's key */
	pl_signer *other = NULL;
	assert_int_equal(pl_signer_new("example.org/q", PL_SIGTYPE_ED25519, NULL, &other), PL_OK);
	pl_policy pol;
	pl_policy_init(&pol, &other->v);
	memset(&d, 0, sizeof d);
	index = 99;
	assert_int_equal(pl_proof_file_check(carried.data, carried.len, "p", NULL, "x", &pol, &index, NULL, &d), PL_ENOKEY);
	assert_string_equal(d.msg, "the checkpoint is not signed by example.org/q");
	assert_true(index == 99); /* untouched on failure */
	pl_signer_free(other);
	pl_buf_release(&carried);
	pl_buf_release(&bare);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_roundtrip_and_verify, setup, teardown),
		cmocka_unit_test_setup_teardown(test_every_byte_flip_detected, setup, teardown),
		cmocka_unit_test_setup_teardown(test_noncanonical_rejected, setup, teardown),
		cmocka_unit_test_setup_teardown(test_check, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
