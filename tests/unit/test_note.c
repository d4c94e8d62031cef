/* test_note.c - signed notes, checkpoints, cosignatures and witness
 * requests: the shared vectors byte for byte, the opening rules of the spec,
 * and canonical parsing. */
#include "testutil.h"

#include "base/codec.h"
#include "base/err.h"
#include "base/sha256.h"
#include "tlog/checkpoint.h"
#include "tlog/note.h"
#include "tlog/witness_req.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char LOG_VKEY[] = "example.org/cert-log+6cc0bdd7+AdPgSH/KWo1eEN1qvW/iMdtrMFviaDgjoj/M3xYpcYNH";
static const char WIT_VKEY[] = "witness.example.org/w1+5b43239c+BN+GARmBG3ZTJJSX8/UQnTezIZRqgCkLwWQCBUNSL47c";

static pl_signer *seeded(const char *name, uint8_t type, const char *seedtext)
{
	uint8_t seed[PL_ED25519_SEED_SIZE];
	pl_sha256(seedtext, strlen(seedtext), seed);
	pl_signer *s = NULL;
	assert_int_equal(pl_signer_new(name, type, seed, &s), PL_OK);
	return s;
}

static char *vector_text(const char *name, size_t *n)
{
	return (char *)tu_read_file(tu_vector(name), n);
}

/* The checkpoint body (text) of a vector checkpoint: everything up to the blank line. */
static size_t body_len(const char *note)
{
	const char *p = strstr(note, "\n\n");
	assert_non_null(p);
	return (size_t)(p - note) + 1;
}

static void test_keys_reproduce_vectors(void **state)
{
	(void)state;
	pl_signer *log = seeded("example.org/cert-log", PL_SIGTYPE_ED25519, "log seed");
	pl_signer *wit = seeded("witness.example.org/w1", PL_SIGTYPE_COSIG, "witness seed");
	pl_buf b;
	pl_buf_init(&b, 1024);
	assert_int_equal(pl_verifier_format(&log->v, &b), PL_OK);
	assert_string_equal(pl_buf_cstr(&b), LOG_VKEY);
	pl_buf_reset(&b);
	assert_int_equal(pl_verifier_format(&wit->v, &b), PL_OK);
	assert_string_equal(pl_buf_cstr(&b), WIT_VKEY);
	pl_verifier v;
	assert_int_equal(pl_verifier_parse(LOG_VKEY, strlen(LOG_VKEY), &v), PL_OK);
	assert_memory_equal(v.pk, log->v.pk, PL_ED25519_PK_SIZE);
	assert_int_equal(v.id, 0x6cc0bdd7);
	/* the signer key string round-trips and keeps the same key */
	uint8_t *sk;
	size_t skn;
	assert_int_equal(pl_signer_encode(log, &sk, &skn), PL_OK);
	assert_true(strncmp((char *)sk, "PRIVATE+KEY+example.org/cert-log+6cc0bdd7+A", 43) == 0);
	pl_signer *back = NULL;
	assert_int_equal(pl_signer_parse(sk, skn, &back), PL_OK);
	assert_memory_equal(back->v.pk, log->v.pk, PL_ED25519_PK_SIZE);
	sk[skn - 2] ^= 1; /* corrupt the seed's encoding */
	pl_signer *bad = NULL;
	assert_int_not_equal(pl_signer_parse(sk, skn, &bad), PL_OK);
	assert_null(bad);
	sodium_free(sk);
	pl_signer_free(back);
	pl_signer_free(log);
	pl_signer_free(wit);
	pl_buf_release(&b);
}

static void test_checkpoints_and_cosigs_reproduce_vectors(void **state)
{
	(void)state;
	pl_signer *log = seeded("example.org/cert-log", PL_SIGTYPE_ED25519, "log seed");
	pl_signer *wit = seeded("witness.example.org/w1", PL_SIGTYPE_COSIG, "witness seed");
	const char *sizes[] = {"6", "8"};
	for (int k = 0; k < 2; k++) {
		char name[32];
		size_t n, cn;
		snprintf(name, sizeof name, "checkpoint.%s", sizes[k]);
		char *want = vector_text(name, &n);
		snprintf(name, sizeof name, "cosig.%s", sizes[k]);
		char *cosig = vector_text(name, &cn);
		size_t bl = body_len(want);
		pl_buf out;
		pl_buf_init(&out, PL_NOTE_MAX);
		assert_int_equal(pl_note_sign(log, (const uint8_t *)want, bl, &out), PL_OK);
		assert_int_equal(out.len, n);
		assert_memory_equal(out.data, want, n);
		pl_buf_reset(&out);
		assert_int_equal(pl_note_sign_line(wit, (const uint8_t *)want, bl, 1700000000, &out), PL_OK);
		assert_int_equal(out.len, cn);
		assert_memory_equal(out.data, cosig, cn);
		/* the cosigned checkpoint opens under a policy with quorum 1 */
		pl_buf full;
		pl_buf_init(&full, PL_NOTE_MAX);
		assert_int_equal(pl_buf_append(&full, want, n), PL_OK);
		assert_int_equal(pl_buf_append(&full, cosig, cn), PL_OK);
		pl_policy pol;
		pl_policy_init(&pol, &log->v);
		assert_int_equal(pl_policy_add_witness(&pol, &wit->v), PL_OK);
		pol.quorum = 1;
		pl_checkpoint cp;
		pl_note note;
		size_t nw;
		assert_int_equal(pl_checkpoint_open(full.data, full.len, &pol, &cp, &note, &nw), PL_OK);
		assert_int_equal(nw, 1);
		assert_string_equal(cp.origin, "example.org/cert-log");
		assert_int_equal(cp.size, k == 0 ? 6 : 8);
		assert_int_equal(note.verified[1].timestamp, 1700000000);
		/* without the cosignature the quorum fails */
		assert_int_equal(pl_checkpoint_open((const uint8_t *)want, n, &pol, &cp, NULL, &nw), PL_ENOKEY);
		assert_int_equal(nw, 0);
		/* with quorum 2 of 1 witness it fails too */
		pol.quorum = 2;
		assert_int_equal(pl_checkpoint_open(full.data, full.len, &pol, &cp, NULL, &nw), PL_ENOKEY);
		/* a corrupted cosignature rejects the whole note */
		pol.quorum = 0;
		full.data[full.len - 10] ^= 1;
		assert_int_equal(pl_checkpoint_open(full.data, full.len, &pol, &cp, NULL, &nw), PL_EVERIFY);
		pl_buf_release(&full);
		pl_buf_release(&out);
		free(want);
		free(cosig);
	}
	pl_signer_free(log);
	pl_signer_free(wit);
}

static void test_add_checkpoint_vector(void **state)
{
	(void)state;
	size_t n, cn;
	char *want = vector_text("add-checkpoint.6-8", &n);
	char *cp8 = vector_text("checkpoint.8", &cn);
	/* the consistency proof 6 -> 8 from the tree vectors */
	const char *hex[] = {"0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
			     "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
			     "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"};
	pl_hash proof[3];
	for (int i = 0; i < 3; i++)
		tu_hex(hex[i], proof[i].b, PL_HASH_SIZE);
	pl_buf out;
	pl_buf_init(&out, PL_WITNESS_REQ_MAX);
	assert_int_equal(pl_witness_req_format(6, proof, 3, (const uint8_t *)cp8, cn, &out), PL_OK);
	assert_int_equal(out.len, n);
	assert_memory_equal(out.data, want, n);
	pl_witness_req req;
	assert_int_equal(pl_witness_req_parse((const uint8_t *)want, n, &req), PL_OK);
	assert_int_equal(req.old_size, 6);
	assert_int_equal(req.proof_len, 3);
	assert_memory_equal(req.proof, proof, sizeof proof);
	assert_int_equal(req.checkpoint.n, cn);
	/* non-canonical requests */
	const char *bad[] = {"old 06\n\nx\n\n— a b\n", "old +6\n\nx\n", "old 6\n", "old 6\nAAAA\n\nx\n",
			     "old 6\n\n", "Old 6\n\nx\n", "old  6\n\nx\n", "old 6\nDrxdNDf74tsVi58Sah0RjjCBgQMdCpSfje3t68VY72o\n\nx\n"};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
		if (pl_witness_req_parse((const uint8_t *)bad[i], strlen(bad[i]), &req) == PL_OK)
			fail_msg("accepted bad request #%zu", i);
	/* more than 63 proof lines */
	pl_buf big;
	pl_buf_init(&big, PL_WITNESS_REQ_MAX);
	assert_int_equal(pl_buf_puts(&big, "old 1\n"), PL_OK);
	for (int i = 0; i < 64; i++)
		assert_int_equal(pl_buf_puts(&big, "DrxdNDf74tsVi58Sah0RjjCBgQMdCpSfje3t68VY72o=\n"), PL_OK);
	assert_int_equal(pl_buf_puts(&big, "\n"), PL_OK);
	assert_int_equal(pl_buf_append(&big, cp8, cn), PL_OK);
	assert_int_equal(pl_witness_req_parse(big.data, big.len, &req), PL_EFORMAT);
	pl_buf_release(&big);
	pl_buf_release(&out);
	free(want);
	free(cp8);
}

/* Builds a note with the given text signed by signers[0..n). */
static void build_note(pl_buf *b, const char *text, pl_signer **signers, size_t n)
{
	pl_buf_reset(b);
	assert_int_equal(pl_buf_puts(b, text), PL_OK);
	assert_int_equal(pl_buf_putc(b, '\n'), PL_OK);
	for (size_t i = 0; i < n; i++)
		assert_int_equal(pl_note_sign_line(signers[i], (const uint8_t *)text, strlen(text), 1, b), PL_OK);
}

static void test_note_open_rules(void **state)
{
	(void)state;
	enum { N = 101 };
	pl_signer *s[N];
	pl_verifier vs[N];
	for (int i = 0; i < N; i++) {
		char name[32];
		snprintf(name, sizeof name, "signer.example/%d", i);
		assert_int_equal(pl_signer_new(name, i % 2 ? PL_SIGTYPE_COSIG : PL_SIGTYPE_ED25519, NULL, &s[i]), PL_OK);
		vs[i] = s[i]->v;
	}
	const char *text = "some text\nsecond line\n";
	pl_buf b;
	pl_buf_init(&b, PL_NOTE_MAX + 1024);
	pl_note note;
	/* 20 signatures, 10 of them by known keys: accepted, unknown ones ignored */
	build_note(&b, text, s, 20);
	assert_int_equal(pl_note_open(b.data, b.len, vs, 10, &note), PL_OK);
	assert_int_equal(note.nsigs, 20);
	assert_int_equal(note.nverified, 10);
	assert_int_equal(note.text.n, strlen(text));
	/* 100 signatures accepted, 101 refused */
	build_note(&b, text, s, 100);
	assert_int_equal(pl_note_open(b.data, b.len, vs, 100, &note), PL_OK);
	assert_int_equal(note.nverified, 100);
	build_note(&b, text, s, 101);
	assert_int_equal(pl_note_open(b.data, b.len, vs, 101, &note), PL_ETOOBIG);
	/* only unknown signatures: no trusted key */
	build_note(&b, text, s + 50, 5);
	assert_int_equal(pl_note_open(b.data, b.len, vs, 10, &note), PL_ENOKEY);
	/* one bad signature by a known key rejects everything */
	build_note(&b, text, s, 16);
	size_t first_sig_end = strlen(text) + 1;
	const uint8_t *nl = memchr(b.data + first_sig_end, '\n', b.len - first_sig_end);
	/* change one base64 character of the signature (well inside it) to another valid one */
	uint8_t *c = b.data + (nl - b.data) - 20;
	*c = *c == 'A' ? 'B' : 'A';
	assert_int_equal(pl_note_open(b.data, b.len, vs, 16, &note), PL_EVERIFY);
	/* same name, different key: unknown, ignored */
	pl_signer *impostor;
	assert_int_equal(pl_signer_new("signer.example/0", PL_SIGTYPE_ED25519, NULL, &impostor), PL_OK);
	pl_signer *two[2] = {impostor, s[2]};
	build_note(&b, text, two, 2);
	assert_int_equal(pl_note_open(b.data, b.len, vs, 3, &note), PL_OK);
	assert_int_equal(note.nverified, 1);
	assert_int_equal(note.verified[0].verifier, 2);
	pl_signer_free(impostor);
	/* oversize note */
	pl_buf big;
	pl_buf_init(&big, PL_NOTE_MAX + 1024);
	for (size_t i = 0; big.len < PL_NOTE_MAX; i++)
		assert_int_equal(pl_buf_puts(&big, "0123456789abcdef0123456789abcdef\n"), PL_OK);
	assert_int_equal(pl_note_sign(s[0], big.data, big.len, &b), PL_EINVAL);
	pl_buf_reset(&b);
	assert_int_equal(pl_buf_append(&b, big.data, big.len), PL_OK);
	assert_int_equal(pl_buf_puts(&b, "\n\xe2\x80\x94 signer.example/0 AAAAAAAAAAAA\n"), PL_OK);
	assert_int_equal(pl_note_open(b.data, b.len, vs, 1, &note), PL_ETOOBIG);
	pl_buf_release(&big);
	for (int i = 0; i < N; i++)
		pl_signer_free(s[i]);
	pl_buf_release(&b);
}

static void test_note_malformed(void **state)
{
	(void)state;
	pl_signer *s;
	assert_int_equal(pl_signer_new("k.example", PL_SIGTYPE_ED25519, NULL, &s), PL_OK);
	pl_buf good;
	pl_buf_init(&good, 4096);
	build_note(&good, "hello\n", &s, 1);
	pl_note note;
	assert_int_equal(pl_note_open(good.data, good.len, &s->v, 1, &note), PL_OK);
	const char *cases[] = {
		"hello\n",                                  /* no signatures */
		"hello\n\n",                                /* empty signature block */
		"hello\n\n- k.example AAAA\n",              /* ASCII dash */
		"hello\n\n\xe2\x80\x94 k.example\n",        /* no signature */
		"hello\n\n\xe2\x80\x94 k.example AAA\n",    /* bad base64 */
		"hello\n\n\xe2\x80\x94 k example AAAAAAAA\n", /* space in name */
		"hello\n\n\xe2\x80\x94 k+example AAAAAAAA\n", /* plus in name */
		"hello\n\n\xe2\x80\x94  AAAAAAAA\n",         /* empty name */
		"hello\n\n\xe2\x80\x94 k.example AAAA\n",   /* shorter than 5 bytes */
		"hel\x01lo\n\n\xe2\x80\x94 k.example AAAAAAAA\n", /* control character */
		"hel\xfflo\n\n\xe2\x80\x94 k.example AAAAAAAA\n", /* invalid UTF-8 */
		"hello\r\n\n\xe2\x80\x94 k.example AAAAAAAA\n",   /* carriage return */
	};
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		int rc = pl_note_open((const uint8_t *)cases[i], strlen(cases[i]), &s->v, 1, &note);
		if (rc != PL_EFORMAT)
			fail_msg("case %zu: expected PL_EFORMAT, got %d", i, rc);
	}
	/* no final newline after the signature */
	assert_int_equal(pl_note_open(good.data, good.len - 1, &s->v, 1, &note), PL_EFORMAT);
	/* a non-canonical signature encoding (padding bits set) */
	pl_buf b;
	pl_buf_init(&b, 4096);
	assert_int_equal(pl_buf_append(&b, good.data, good.len), PL_OK);
	assert_int_equal(b.data[b.len - 2], '=');
	/* the last base64 char before '=' carries 2 padding bits for 68 bytes */
	b.data[b.len - 3] = (uint8_t)(b.data[b.len - 3] == 'A' ? 'B' : 'A' + 1);
	assert_int_not_equal(pl_note_open(b.data, b.len, &s->v, 1, &note), PL_OK);
	pl_buf_release(&b);
	pl_buf_release(&good);
	pl_signer_free(s);
}

static void test_verifier_keys_rejected(void **state)
{
	(void)state;
	pl_verifier v;
	const char *bad[] = {
		"example.org/cert-log+6cc0bdd8+AdPgSH/KWo1eEN1qvW/iMdtrMFviaDgjoj/M3xYpcYNH",  /* wrong id */
		"example.org/cert-log+6CC0BDD7+AdPgSH/KWo1eEN1qvW/iMdtrMFviaDgjoj/M3xYpcYNH",  /* upper-case hex */
		"example.org/cert-log+6cc0bdd+AdPgSH/KWo1eEN1qvW/iMdtrMFviaDgjoj/M3xYpcYNH",   /* short id */
		"example.org/cert-log+6cc0bdd7+AdPgSH/KWo1eEN1qvW/iMdtrMFviaDgjoj/M3xYpcYN",   /* short key */
		"example.org/cert-log+6cc0bdd7+BdPgSH/KWo1eEN1qvW/iMdtrMFviaDgjoj/M3xYpcYNH",  /* other type */
		"example.org/cert-log+6cc0bdd7",
		"+6cc0bdd7+AdPgSH/KWo1eEN1qvW/iMdtrMFviaDgjoj/M3xYpcYNH",
		"example org+6cc0bdd7+AdPgSH/KWo1eEN1qvW/iMdtrMFviaDgjoj/M3xYpcYNH",
	};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
		if (pl_verifier_parse(bad[i], strlen(bad[i]), &v) == PL_OK)
			fail_msg("accepted bad verifier key #%zu", i);
}

static void test_checkpoint_parse(void **state)
{
	(void)state;
	pl_checkpoint c;
	const char *good = "example.org/log\n70000\nduZ9rbzfHhDht03cYIq9L5jfsW+851J3tSMqEn8gh+8=\n";
	assert_int_equal(pl_checkpoint_parse((const uint8_t *)good, strlen(good), &c), PL_OK);
	assert_int_equal(c.size, 70000);
	pl_buf b;
	pl_buf_init(&b, 1024);
	assert_int_equal(pl_checkpoint_format(&c, &b), PL_OK);
	assert_string_equal(pl_buf_cstr(&b), good);
	pl_buf_release(&b);
	const char *bad[] = {
		"example.org/log\n070000\nduZ9rbzfHhDht03cYIq9L5jfsW+851J3tSMqEn8gh+8=\n",
		"example.org/log\n+70000\nduZ9rbzfHhDht03cYIq9L5jfsW+851J3tSMqEn8gh+8=\n",
		"example.org/log\n70000\nduZ9rbzfHhDht03cYIq9L5jfsW+851J3tSMqEn8gh+9=\n", /* padding bits */
		"example.org/log\n70000\nduZ9rbzfHhDht03cYIq9L5jfsW+851J3tSMqEn8gh+8\n",
		"example.org/log\n70000\nduZ9rbzfHhDht03cYIq9L5jfsW+851J3tSMqEn8gh+8=\nextension\n",
		"example.org/log\n70000\nduZ9rbzfHhDht03cYIq9L5jfsW+851J3tSMqEn8gh+8=",
		"example.org/log\n70000\n",
		"\n70000\nduZ9rbzfHhDht03cYIq9L5jfsW+851J3tSMqEn8gh+8=\n",
		"example.org/log\n\nduZ9rbzfHhDht03cYIq9L5jfsW+851J3tSMqEn8gh+8=\n",
		"example.org/log\n4611686018427387904\nduZ9rbzfHhDht03cYIq9L5jfsW+851J3tSMqEn8gh+8=\n", /* 2^62 */
		"example.org/log\n7e4\nduZ9rbzfHhDht03cYIq9L5jfsW+851J3tSMqEn8gh+8=\n",
	};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
		if (pl_checkpoint_parse((const uint8_t *)bad[i], strlen(bad[i]), &c) == PL_OK)
			fail_msg("accepted bad checkpoint #%zu", i);
}

static void test_policy(void **state)
{
	(void)state;
	pl_signer *log, *other, *w[3];
	assert_int_equal(pl_signer_new("example.org/log", PL_SIGTYPE_ED25519, NULL, &log), PL_OK);
	assert_int_equal(pl_signer_new("example.org/other", PL_SIGTYPE_ED25519, NULL, &other), PL_OK);
	for (int i = 0; i < 3; i++) {
		char name[32];
		snprintf(name, sizeof name, "w%d.example", i);
		assert_int_equal(pl_signer_new(name, PL_SIGTYPE_COSIG, NULL, &w[i]), PL_OK);
	}
	const char *text = "example.org/log\n5\nduZ9rbzfHhDht03cYIq9L5jfsW+851J3tSMqEn8gh+8=\n";
	pl_policy pol;
	pl_policy_init(&pol, &log->v);
	for (int i = 0; i < 3; i++)
		assert_int_equal(pl_policy_add_witness(&pol, &w[i]->v), PL_OK);
	assert_int_equal(pl_policy_add_witness(&pol, &log->v), PL_EINVAL); /* not a cosigner key */
	pol.quorum = 2;
	pl_buf b;
	pl_buf_init(&b, 4096);
	pl_signer *sig3[] = {log, w[0], w[2]};
	build_note(&b, text, sig3, 3);
	size_t nw;
	pl_checkpoint cp;
	assert_int_equal(pl_checkpoint_open(b.data, b.len, &pol, &cp, NULL, &nw), PL_OK);
	assert_int_equal(nw, 2);
	pl_signer *wonly[] = {w[0], w[1], w[2]};
	build_note(&b, text, wonly, 3); /* witnesses alone */
	assert_int_equal(pl_checkpoint_open(b.data, b.len, &pol, &cp, NULL, &nw), PL_ENOKEY);
	pl_signer *one[] = {log, w[1]};
	build_note(&b, text, one, 2);
	assert_int_equal(pl_checkpoint_open(b.data, b.len, &pol, &cp, NULL, &nw), PL_ENOKEY);
	assert_int_equal(nw, 1);
	/* the origin must be the log key's name */
	pl_policy pol2;
	pl_policy_init(&pol2, &other->v);
	pl_signer *os[] = {other};
	build_note(&b, text, os, 1);
	assert_int_equal(pl_checkpoint_open(b.data, b.len, &pol2, &cp, NULL, &nw), PL_EVERIFY);
	pl_buf_release(&b);
	pl_signer_free(log);
	pl_signer_free(other);
	for (int i = 0; i < 3; i++)
		pl_signer_free(w[i]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_keys_reproduce_vectors),
		cmocka_unit_test(test_checkpoints_and_cosigs_reproduce_vectors),
		cmocka_unit_test(test_add_checkpoint_vector),
		cmocka_unit_test(test_note_open_rules),
		cmocka_unit_test(test_note_malformed),
		cmocka_unit_test(test_verifier_keys_rejected),
		cmocka_unit_test(test_checkpoint_parse),
		cmocka_unit_test(test_policy),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
