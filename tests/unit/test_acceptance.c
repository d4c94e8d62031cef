/* test_acceptance.c - tlog/acceptance.h: both forms against known answers computed in Python
 * (tests/vectors/acceptance.txt, make_acceptance.py), the batch tree against the naive RFC 6962
 * reference for every size up to 100, canonical parsing, and what an acceptance never binds. */
#include "testutil.h"

#include "base/codec.h"
#include "base/err.h"
#include "base/sha256.h"
#include "tlog/acceptance.h"
#include "tlog/checkpoint.h"
#include "tlog/note.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define VFIRST 4096
#define VTIME "2026-01-02T03:04:05Z"
#define VNAME "example.org/cert-log"
#define NENTRIES 13

/* ---- the vectors ---- */

typedef struct vec {
	pl_hash leaves[NENTRIES];
	pl_hash root[NENTRIES + 1];              /* [count], for the counts the file has */
	bool has_root[NENTRIES + 1];
	pl_hash path[NENTRIES + 1][NENTRIES][PL_PROOF_MAX]; /* [count][i] */
	size_t path_len[NENTRIES + 1][NENTRIES];
	pl_buf note_batch1, note_batch13, note_single7;
} vec;

static size_t parse_hashes(char *s, pl_hash *out)
{
	size_t k = 0;
	for (char *tok = strtok(s, " "); tok; tok = strtok(NULL, " "))
		tu_hex(tok, out[k++].b, PL_HASH_SIZE);
	return k;
}

static void b64_into(const char *text, pl_buf *out)
{
	pl_buf_init(out, PL_NOTE_MAX);
	uint8_t raw[4096];
	size_t n = 0;
	assert_int_equal(pl_b64_decode((const uint8_t *)text, strlen(text), raw, sizeof raw, &n), PL_OK);
	assert_int_equal(pl_buf_append(out, raw, n), PL_OK);
}

static vec *load(void)
{
	vec *v = calloc(1, sizeof *v);
	assert_non_null(v);
	for (int k = 0; k < NENTRIES; k++) {
		char e[32];
		snprintf(e, sizeof e, "statement %d", k);
		tu_leaf(e, strlen(e), &v->leaves[k]);
	}
	size_t n;
	char *text = (char *)tu_read_file(tu_vector("acceptance.txt"), &n);
	char *save = NULL;
	int roots = 0, paths = 0, notes = 0;
	for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		unsigned a, b;
		char *colon = strchr(line, ':');
		if (line[0] == '#' || colon == NULL)
			continue;
		char *rest = colon + 1;
		while (*rest == ' ')
			rest++;
		if (sscanf(line, "root %u:", &a) == 1 && a <= NENTRIES) {
			tu_hex(rest, v->root[a].b, PL_HASH_SIZE);
			v->has_root[a] = true;
			roots++;
		} else if (sscanf(line, "path %u %u:", &a, &b) == 2 && a <= NENTRIES && b < a) {
			v->path_len[a][b] = parse_hashes(rest, v->path[a][b]);
			paths++;
		} else if (strncmp(line, "note batch 1:", 13) == 0) {
			b64_into(rest, &v->note_batch1);
			notes++;
		} else if (strncmp(line, "note batch 13:", 14) == 0) {
			b64_into(rest, &v->note_batch13);
			notes++;
		} else if (strncmp(line, "note single 7:", 14) == 0) {
			b64_into(rest, &v->note_single7);
			notes++;
		}
	}
	free(text);
	assert_int_equal(roots, 6);
	assert_int_equal(paths, 1 + 2 + 3 + 5 + 8 + 13);
	assert_int_equal(notes, 3);
	return v;
}

static void unload(vec *v)
{
	pl_buf_release(&v->note_batch1);
	pl_buf_release(&v->note_batch13);
	pl_buf_release(&v->note_single7);
	free(v);
}

static pl_signer *log_signer(void)
{
	uint8_t seed[PL_ED25519_SEED_SIZE];
	pl_sha256("log seed", 8, seed);
	pl_signer *s = NULL;
	assert_int_equal(pl_signer_new(VNAME, PL_SIGTYPE_ED25519, seed, &s), PL_OK);
	return s;
}

/* The batch tree reproduces every root and path of the vectors. */
static void test_batch_vectors(void **state)
{
	(void)state;
	vec *v = load();
	for (size_t c = 1; c <= NENTRIES; c++) {
		if (!v->has_root[c])
			continue;
		pl_batch_tree t;
		assert_int_equal(pl_batch_tree_build(&t, v->leaves, c), PL_OK);
		pl_hash root;
		pl_batch_tree_root(&t, &root);
		assert_memory_equal(root.b, v->root[c].b, PL_HASH_SIZE);
		for (size_t i = 0; i < c; i++) {
			pl_hash p[PL_PROOF_MAX];
			size_t len = 99;
			assert_int_equal(pl_batch_tree_path(&t, i, p, &len), PL_OK);
			assert_int_equal(len, v->path_len[c][i]);
			if (len > 0)
				assert_memory_equal(p, v->path[c][i], len * sizeof *p);
			/* and the path of the vectors checks against the signed range */
			pl_acceptance a = {.form = PL_ACCEPT_BATCH, .first = VFIRST, .count = c, .hash = v->root[c]};
			assert_int_equal(pl_acceptance_check(&a, VFIRST + i, &v->leaves[i], v->path[c][i], len), PL_OK);
		}
		size_t len = 7;
		pl_hash p[PL_PROOF_MAX];
		assert_int_equal(pl_batch_tree_path(&t, c, p, &len), PL_ERANGE);
		assert_int_equal(len, 0);
		pl_batch_tree_release(&t);
		pl_batch_tree_release(&t); /* twice is fine */
	}
	unload(v);
}

/* The signed notes of the vectors: formatted and signed byte for byte, opened, parsed back. */
static void test_note_vectors(void **state)
{
	(void)state;
	vec *v = load();
	pl_signer *s = log_signer();
	struct {
		pl_buf *want;
		pl_acceptance a;
		uint64_t index; /* an entry the note binds */
		size_t leaf;
	} cases[] = {
		{&v->note_batch1, {.form = PL_ACCEPT_BATCH, .first = VFIRST, .count = 1, .hash = v->root[1]}, VFIRST, 0},
		{&v->note_batch13, {.form = PL_ACCEPT_BATCH, .first = VFIRST, .count = 13, .hash = v->root[13]}, VFIRST + 12,
		 12},
		{&v->note_single7, {.form = PL_ACCEPT_SINGLE, .first = VFIRST + 7, .count = 1, .hash = v->leaves[7]},
		 VFIRST + 7, 7},
	};
	for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
		pl_acceptance *a = &cases[k].a;
		snprintf(a->origin, sizeof a->origin, "%s", VNAME);
		snprintf(a->time, sizeof a->time, "%s", VTIME);
		pl_buf text, note;
		pl_buf_init(&text, PL_ACCEPT_TEXT_MAX);
		pl_buf_init(&note, PL_NOTE_MAX);
		assert_int_equal(pl_acceptance_format(a, &text), PL_OK);
		assert_int_equal(pl_note_sign(s, text.data, text.len, &note), PL_OK);
		assert_int_equal(note.len, cases[k].want->len);
		assert_memory_equal(note.data, cases[k].want->data, note.len);
		pl_acceptance got;
		assert_int_equal(pl_acceptance_open(note.data, note.len, &s->v, &got), PL_OK);
		assert_int_equal(got.form, a->form);
		assert_string_equal(got.origin, VNAME);
		assert_string_equal(got.time, VTIME);
		assert_int_equal(got.first, a->first);
		assert_int_equal(got.count, a->count);
		assert_memory_equal(got.hash.b, a->hash.b, PL_HASH_SIZE);
		/* it binds its entry, with the vectors' path for a batch */
		size_t c = (size_t)got.count, i = (size_t)(cases[k].index - got.first);
		const pl_hash *path = got.form == PL_ACCEPT_BATCH ? v->path[c][i] : NULL;
		size_t len = got.form == PL_ACCEPT_BATCH ? v->path_len[c][i] : 0;
		assert_int_equal(pl_acceptance_check(&got, cases[k].index, &v->leaves[cases[k].leaf], path, len), PL_OK);
		/* neither text is a checkpoint */
		pl_checkpoint cp;
		assert_int_equal(pl_checkpoint_parse(text.data, text.len, &cp), PL_EFORMAT);
		pl_buf_release(&text);
		pl_buf_release(&note);
	}
	pl_signer_free(s);
	unload(v);
}

/* What the check refuses: another leaf, index, path, range; a single with a path. */
static void test_check_refuses(void **state)
{
	(void)state;
	vec *v = load();
	pl_acceptance a = {.form = PL_ACCEPT_BATCH, .first = VFIRST, .count = 13, .hash = v->root[13]};
	const pl_hash *p5 = v->path[13][5];
	size_t n5 = v->path_len[13][5];
	assert_int_equal(pl_acceptance_check(&a, VFIRST + 5, &v->leaves[5], p5, n5), PL_OK);
	/* another leaf at that position */
	assert_int_equal(pl_acceptance_check(&a, VFIRST + 5, &v->leaves[6], p5, n5), PL_EVERIFY);
	/* the same leaf and path claimed at every other index of the batch, and outside it */
	for (uint64_t x = VFIRST - 2; x < VFIRST + 16; x++)
		if (x != VFIRST + 5)
			assert_int_equal(pl_acceptance_check(&a, x, &v->leaves[5], p5, n5), PL_EVERIFY);
	/* a path cut short, made longer, or with a flipped bit */
	assert_int_equal(pl_acceptance_check(&a, VFIRST + 5, &v->leaves[5], p5, n5 - 1), PL_EVERIFY);
	pl_hash longer[PL_PROOF_MAX];
	memcpy(longer, p5, n5 * sizeof *longer);
	longer[n5] = v->leaves[0];
	assert_int_equal(pl_acceptance_check(&a, VFIRST + 5, &v->leaves[5], longer, n5 + 1), PL_EVERIFY);
	longer[1].b[3] ^= 0x10;
	assert_int_equal(pl_acceptance_check(&a, VFIRST + 5, &v->leaves[5], longer, n5), PL_EVERIFY);
	/* an interior node (leaves 4 and 5 hashed together) offered as the leaf at position 4, with the
	 * rest of the path: the check follows the shape of a tree of COUNT leaves, which has a leaf there */
	pl_hash pair;
	pl_node_hash(&v->leaves[4], &v->leaves[5], &pair);
	assert_int_equal(pl_acceptance_check(&a, VFIRST + 4, &pair, p5 + 1, n5 - 1), PL_EVERIFY);
	/* (the same path may reach the same root for another COUNT of the same shape: 9..16 leaves
	 * here; which is why COUNT is signed, and checked with the position) */
	/* a single acceptance binds its leaf with no path, and only with none */
	pl_acceptance s = {.form = PL_ACCEPT_SINGLE, .first = 9, .count = 1, .hash = v->leaves[2]};
	assert_int_equal(pl_acceptance_check(&s, 9, &v->leaves[2], NULL, 0), PL_OK);
	assert_int_equal(pl_acceptance_check(&s, 9, &v->leaves[2], v->path[2][0], 1), PL_EVERIFY);
	assert_int_equal(pl_acceptance_check(&s, 10, &v->leaves[2], NULL, 0), PL_EVERIFY);
	assert_int_equal(pl_acceptance_check(&s, 9, &v->leaves[3], NULL, 0), PL_EVERIFY);
	s.count = 2;
	assert_int_equal(pl_acceptance_check(&s, 9, &v->leaves[2], NULL, 0), PL_EVERIFY);
	unload(v);
}

/* Every batch size 1..100, every leaf: paths equal RFC 6962 PATH from the naive reference, the
 * root its MTH, and each path checks at its own position only. */
static void test_batch_tree_reference(void **state)
{
	(void)state;
	enum { N = 100 };
	pl_hash leaves[N];
	for (int i = 0; i < N; i++) {
		char e[16];
		snprintf(e, sizeof e, "e%d", i);
		tu_leaf(e, strlen(e), &leaves[i]);
	}
	tu_ref *ref = tu_ref_new(leaves, N);
	for (size_t c = 1; c <= N; c++) {
		pl_batch_tree t;
		assert_int_equal(pl_batch_tree_build(&t, leaves, c), PL_OK);
		pl_hash root, want;
		pl_batch_tree_root(&t, &root);
		tu_ref_mth(ref, 0, c, &want);
		assert_memory_equal(root.b, want.b, PL_HASH_SIZE);
		pl_acceptance a = {.form = PL_ACCEPT_BATCH, .first = 1000, .count = c, .hash = root};
		for (size_t i = 0; i < c; i++) {
			pl_hash p[PL_PROOF_MAX], q[PL_PROOF_MAX];
			size_t len = 0;
			assert_int_equal(pl_batch_tree_path(&t, i, p, &len), PL_OK);
			size_t ql = tu_ref_path(ref, i, c, q);
			assert_int_equal(len, ql);
			if (len > 0)
				assert_memory_equal(p, q, len * sizeof *p);
			assert_int_equal(pl_acceptance_check(&a, 1000 + i, &leaves[i], p, len), PL_OK);
			size_t j = (i + 1) % c;
			if (j != i)
				assert_int_equal(pl_acceptance_check(&a, 1000 + j, &leaves[i], p, len), PL_EVERIFY);
		}
		pl_batch_tree_release(&t);
	}
	tu_ref_free(ref);
	pl_batch_tree t;
	assert_int_equal(pl_batch_tree_build(&t, leaves, 0), PL_EINVAL);
}

/* Parsing is canonical and exact; the forms never pass for each other. */
static void test_parse(void **state)
{
	(void)state;
	const char *R = "VXrZtTAYABQNQ8kJsoWlGVd/h4MTaP6/R46ow0MOhsk=";
	char good_b[512], good_s[512];
	snprintf(good_b, sizeof good_b, "parley.batch-acceptance/v1\nlog.example\n7\n3\n%s\n" VTIME "\n", R);
	snprintf(good_s, sizeof good_s, "parley.acceptance/v1\nlog.example\n7\n%s\n" VTIME "\n", R);
	pl_acceptance a;
	assert_int_equal(pl_acceptance_parse((const uint8_t *)good_b, strlen(good_b), &a), PL_OK);
	assert_int_equal(a.form, PL_ACCEPT_BATCH);
	assert_int_equal(a.first, 7);
	assert_int_equal(a.count, 3);
	/* the round trip is exact */
	pl_buf b;
	pl_buf_init(&b, PL_ACCEPT_TEXT_MAX);
	assert_int_equal(pl_acceptance_format(&a, &b), PL_OK);
	assert_int_equal(b.len, strlen(good_b));
	assert_memory_equal(b.data, good_b, b.len);
	pl_buf_reset(&b);
	assert_int_equal(pl_acceptance_parse((const uint8_t *)good_s, strlen(good_s), &a), PL_OK);
	assert_int_equal(a.form, PL_ACCEPT_SINGLE);
	assert_int_equal(a.first, 7);
	assert_int_equal(a.count, 1);
	assert_int_equal(pl_acceptance_format(&a, &b), PL_OK);
	assert_int_equal(b.len, strlen(good_s));
	assert_memory_equal(b.data, good_s, b.len);

	char t[600];
	struct {
		const char *text;
		int rc;
	} bad[] = {
		/* one form's header over the other's lines */
		{"parley.acceptance/v1\nlog.example\n7\n3\n%s\n" VTIME "\n", PL_EFORMAT},
		{"parley.batch-acceptance/v1\nlog.example\n7\n%s\n" VTIME "\n", PL_EFORMAT},
		{"parley.batch-acceptance/v2\nlog.example\n7\n3\n%s\n" VTIME "\n", PL_EFORMAT},
		{"log.example\n7\n%s\n", PL_EFORMAT}, /* a checkpoint */
		{"parley.batch-acceptance/v1\nlog.example\n07\n3\n%s\n" VTIME "\n", PL_EFORMAT},
		{"parley.batch-acceptance/v1\nlog.example\n7\n03\n%s\n" VTIME "\n", PL_EFORMAT},
		{"parley.batch-acceptance/v1\nlog.example\n7\n+3\n%s\n" VTIME "\n", PL_EFORMAT},
		{"parley.batch-acceptance/v1\nlog.example\n7\n0\n%s\n" VTIME "\n", PL_ERANGE},
		{"parley.batch-acceptance/v1\nlog.example\n7\n4294967297\n%s\n" VTIME "\n", PL_ERANGE},
		{"parley.batch-acceptance/v1\nlog.example\n4611686018427387903\n2\n%s\n" VTIME "\n", PL_ERANGE},
		{"parley.batch-acceptance/v1\nlog.example\n4611686018427387904\n1\n%s\n" VTIME "\n", PL_ERANGE},
		{"parley.batch-acceptance/v1\n\n7\n3\n%s\n" VTIME "\n", PL_EFORMAT},
		{"parley.batch-acceptance/v1\nlog\texample\n7\n3\n%s\n" VTIME "\n", PL_EFORMAT},
		{"parley.batch-acceptance/v1\nlog.example\n7\n3\n%s=\n" VTIME "\n", PL_EFORMAT},
		{"parley.batch-acceptance/v1\nlog.example\n7\n3\nAAAA\n" VTIME "\n", PL_EFORMAT},
		{"parley.batch-acceptance/v1\nlog.example\n7\n3\n%s\n2026-01-02T03:04:05.0Z\n", PL_EFORMAT},
		{"parley.batch-acceptance/v1\nlog.example\n7\n3\n%s\n2026-02-30T03:04:05Z\n", PL_EFORMAT},
		{"parley.batch-acceptance/v1\nlog.example\n7\n3\n%s\n" VTIME, PL_EFORMAT},
		{"parley.batch-acceptance/v1\nlog.example\n7\n3\n%s\n" VTIME "\n\n", PL_EFORMAT},
		{"parley.batch-acceptance/v1\nlog.example\n7\n3\n%s\n" VTIME "\nextra\n", PL_EFORMAT},
		{"parley.batch-acceptance/v1\r\nlog.example\n7\n3\n%s\n" VTIME "\n", PL_EFORMAT},
	};
	for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
		const char *at = strstr(bad[k].text, "%s"); /* where the root goes */
		if (at == NULL)
			snprintf(t, sizeof t, "%s", bad[k].text);
		else
			snprintf(t, sizeof t, "%.*s%s%s", (int)(at - bad[k].text), bad[k].text, R, at + 2);
		int rc = pl_acceptance_parse((const uint8_t *)t, strlen(t), &a);
		if (rc != bad[k].rc)
			fail_msg("case %zu: got %d, want %d for %s", k, rc, bad[k].rc, t);
	}
	/* format refuses what parse would */
	pl_buf_reset(&b);
	pl_acceptance f = {.form = PL_ACCEPT_SINGLE, .first = 1, .count = 2};
	snprintf(f.origin, sizeof f.origin, "o");
	snprintf(f.time, sizeof f.time, VTIME);
	assert_int_equal(pl_acceptance_format(&f, &b), PL_EINVAL);
	f.form = PL_ACCEPT_BATCH;
	f.count = 0;
	assert_int_equal(pl_acceptance_format(&f, &b), PL_EINVAL);
	f.count = 1;
	f.origin[0] = '\0';
	assert_int_equal(pl_acceptance_format(&f, &b), PL_EINVAL);
	snprintf(f.origin, sizeof f.origin, "o");
	snprintf(f.time, sizeof f.time, "yesterday");
	assert_int_equal(pl_acceptance_format(&f, &b), PL_EINVAL);
	assert_int_equal(b.len, 0);
	pl_buf_release(&b);
}

/* Opening: the log's key, its name as the origin; another key or origin is refused. */
static void test_open(void **state)
{
	(void)state;
	vec *v = load();
	pl_signer *s = log_signer();
	pl_acceptance a;
	assert_int_equal(pl_acceptance_open(v->note_batch13.data, v->note_batch13.len, &s->v, &a), PL_OK);
	/* another key: no known signature */
	pl_signer *other = NULL;
	assert_int_equal(pl_signer_new(VNAME, PL_SIGTYPE_ED25519, NULL, &other), PL_OK);
	assert_int_equal(pl_acceptance_open(v->note_batch13.data, v->note_batch13.len, &other->v, &a), PL_ENOKEY);
	/* a changed byte of the text */
	pl_buf c;
	pl_buf_init(&c, PL_NOTE_MAX);
	assert_int_equal(pl_buf_append(&c, v->note_batch13.data, v->note_batch13.len), PL_OK);
	c.data[40] ^= 1;
	assert_int_equal(pl_acceptance_open(c.data, c.len, &s->v, &a), PL_EVERIFY);
	/* signed by this key for another origin */
	pl_acceptance o = {.form = PL_ACCEPT_BATCH, .first = 1, .count = 1, .hash = v->leaves[0]};
	snprintf(o.origin, sizeof o.origin, "another.example/log");
	snprintf(o.time, sizeof o.time, VTIME);
	pl_buf text;
	pl_buf_init(&text, PL_ACCEPT_TEXT_MAX);
	assert_int_equal(pl_acceptance_format(&o, &text), PL_OK);
	pl_buf_reset(&c);
	assert_int_equal(pl_note_sign(s, text.data, text.len, &c), PL_OK);
	assert_int_equal(pl_acceptance_open(c.data, c.len, &s->v, &a), PL_EVERIFY);
	/* a checkpoint signed by the log key is not an acceptance */
	pl_checkpoint cp = {.size = 3};
	snprintf(cp.origin, sizeof cp.origin, VNAME);
	pl_buf_reset(&text);
	pl_buf_reset(&c);
	assert_int_equal(pl_checkpoint_format(&cp, &text), PL_OK);
	assert_int_equal(pl_note_sign(s, text.data, text.len, &c), PL_OK);
	assert_int_equal(pl_acceptance_open(c.data, c.len, &s->v, &a), PL_EFORMAT);
	/* and an acceptance is not a checkpoint */
	pl_policy pol;
	pl_policy_init(&pol, &s->v);
	assert_int_equal(pl_checkpoint_open(v->note_batch13.data, v->note_batch13.len, &pol, &cp, NULL, NULL),
			 PL_EFORMAT);
	assert_int_equal(pl_checkpoint_open(v->note_single7.data, v->note_single7.len, &pol, &cp, NULL, NULL),
			 PL_EFORMAT);
	pl_buf_release(&text);
	pl_buf_release(&c);
	pl_signer_free(other);
	pl_signer_free(s);
	unload(v);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_batch_vectors),  cmocka_unit_test(test_note_vectors),
		cmocka_unit_test(test_check_refuses),  cmocka_unit_test(test_batch_tree_reference),
		cmocka_unit_test(test_parse),          cmocka_unit_test(test_open),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
