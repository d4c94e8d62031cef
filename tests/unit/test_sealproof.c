/*
 * test_sealproof.c - misbehaving authors and what readers can show about
 * them (statement/sealed.h, statement/sealproof.h, statement/boxproof.h):
 * bodies built by hand (sealtest.h) with a commitment to another text, a
 * key wrapped to another party's key, different keys to different readers,
 * bad padding, a compression bomb, non-canonical text, a bad ephemeral key;
 * each detected on opening with the right fault, each proven by the proof
 * opening produces, and no proof accepted for an honest body, another
 * statement, another key or a flipped byte. Disclosures checked the same
 * way. The box secret checked against libsodium's own crypto_box_beforenm.
 */
#include "sealtest.h"

#include "statement/boxproof.h"
#include "statement/sealproof.h"

static const char *const GOOD = "{\"lang\":\"en\",\"text\":\"the committed text\"}";

/* Opens obj as reader r, expects PL_EVERIFY with fault f, and checks the proof opening produces. */
static void detect_and_prove(const uint8_t *obj, size_t n, pl_party_key *r, pl_sealed_fault f)
{
	pl_keyring ring = st_ring(r);
	pl_sealed_plain p;
	assert_int_equal(pl_sealed_open(&st_ctx, obj, n, &ring, NULL, &p, NULL), PL_EVERIFY);
	assert_int_equal(p.fault, f);
	assert_null(p.fields);
	pl_sealproof pr;
	assert_int_equal(pl_sealproof_make(obj, n, &p, &ring, &pr, NULL), PL_OK);
	assert_int_equal(pr.kind, f == PL_SEALED_FAULT_WRAP || f == PL_SEALED_FAULT_CIPHER ? PL_SEALPROOF_BOX
											     : PL_SEALPROOF_KEY);
	pl_sealed_plain_release(&p);
	/* through its text form */
	pl_buf text;
	pl_buf_init(&text, PL_SEALPROOF_MAX);
	assert_int_equal(pl_sealproof_write(&pr, &text), PL_OK);
	pl_sealproof back;
	assert_int_equal(pl_sealproof_parse(text.data, text.len, &back, NULL), PL_OK);
	const uint8_t *pk = back.kind == PL_SEALPROOF_BOX ? r->id.box_pk : NULL;
	pl_sealed_fault got;
	assert_int_equal(pl_sealproof_check(&st_ctx, obj, n, &back, pk, &got, NULL), PL_OK);
	assert_int_equal(got, f);
	/* not for another statement, nor a flipped byte of the proof, nor another key */
	pl_seal_ctx next = st_ctx;
	next.seq++;
	if (back.kind == PL_SEALPROOF_KEY) {
		assert_int_equal(pl_sealproof_check(&next, obj, n, &back, NULL, &got, NULL), PL_EVERIFY);
		back.key[5] ^= 1;
		assert_int_equal(pl_sealproof_check(&st_ctx, obj, n, &back, NULL, &got, NULL), PL_EVERIFY);
	} else if (f == PL_SEALED_FAULT_CIPHER) {
		pl_party_key **other = st_keys(1);
		assert_int_equal(pl_sealproof_check(&st_ctx, obj, n, &back, other[0]->id.box_pk, &got, NULL), PL_EVERIFY);
		st_keys_free(other, 1);
		back.dleq[40] ^= 1;
		assert_int_equal(pl_sealproof_check(&st_ctx, obj, n, &back, pk, &got, NULL), PL_EVERIFY);
		back.dleq[40] ^= 1;
		back.secret[3] ^= 1;
		assert_int_equal(pl_sealproof_check(&st_ctx, obj, n, &back, pk, &got, NULL), PL_EVERIFY);
	}
	/* every truncation of the text is refused */
	for (size_t i = 0; i < text.len; i++)
		assert_int_not_equal(pl_sealproof_parse(text.data, i, &back, NULL), PL_OK);
	pl_buf_release(&text);
}

static void commitment_to_another_text(void **state)
{
	(void)state;
	pl_party_key **k = st_keys(2);
	sh_hand h = {.body = "{\"lang\":\"en\",\"text\":\"what cert.r01 is shown\"}", .committed = GOOD, .readers = k, .n = 2};
	size_t n;
	uint8_t *obj = sh_seal(&st_ctx, &h, &n, NULL);
	detect_and_prove(obj, n, k[1], PL_SEALED_FAULT_COMMITMENT);
	free(obj);
	st_keys_free(k, 2);
}

static void key_wrapped_to_another_partys_key(void **state)
{
	(void)state;
	pl_party_key **k = st_keys(3);
	/* cert.r01's entry names its fingerprint, but the box is sealed to cert.r02's key */
	sh_hand h = {.body = GOOD, .readers = k, .n = 2, .box_to = {0, 3}};
	size_t n;
	uint8_t *obj = sh_seal(&st_ctx, &h, &n, NULL);
	pl_keyring r0 = st_ring(k[0]);
	pl_sealed_plain p;
	assert_int_equal(pl_sealed_open(&st_ctx, obj, n, &r0, NULL, &p, NULL), PL_OK); /* cert.r00 reads it */
	pl_sealed_plain_release(&p);
	detect_and_prove(obj, n, k[1], PL_SEALED_FAULT_WRAP);
	/* the box proof is not accepted with another party's key */
	pl_keyring r1 = st_ring(k[1]);
	assert_int_equal(pl_sealed_open(&st_ctx, obj, n, &r1, NULL, &p, NULL), PL_EVERIFY);
	pl_sealproof pr;
	assert_int_equal(pl_sealproof_make(obj, n, &p, &r1, &pr, NULL), PL_OK);
	pl_sealed_plain_release(&p);
	pl_sealed_fault got;
	assert_int_equal(pl_sealproof_check(&st_ctx, obj, n, &pr, k[2]->id.box_pk, &got, NULL), PL_EVERIFY);
	free(obj);
	st_keys_free(k, 3);
}

static void different_keys_to_different_readers(void **state)
{
	(void)state;
	pl_party_key **k = st_keys(2);
	sh_hand h = {.body = GOOD, .readers = k, .n = 2, .other_key = {false, true}};
	size_t n;
	uint8_t *obj = sh_seal(&st_ctx, &h, &n, NULL);
	detect_and_prove(obj, n, k[1], PL_SEALED_FAULT_CIPHER);
	free(obj);
	st_keys_free(k, 2);
}

static void content_outside_the_rules(void **state)
{
	(void)state;
	pl_party_key **k = st_keys(1);
	char *bomb = malloc(40000);
	assert_non_null(bomb);
	memcpy(bomb, "{\"lang\":\"en\",\"text\":\"", 21);
	memset(bomb + 21, 'a', 40000 - 24);
	memcpy(bomb + 40000 - 3, "\"}", 3);
	sh_hand cases[] = {
		{.body = GOOD, .pad = 1},                                       /* padding not zero */
		{.body = GOOD, .bucket = 2048},                                 /* not the smallest bucket */
		{.body = GOOD, .zlen_extra = 1},                                /* a length past the stream */
		{.body = "{\"text\":\"x\",\"lang\":\"en\"}"},                   /* not canonical */
		{.body = "{\"text\":\"no lang\"}"},                             /* no lang */
		{.body = "[1]"},                                                /* not an object */
		{.body = bomb},                                                 /* inflates past the cap */
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		cases[i].readers = k;
		cases[i].n = 1;
		size_t n;
		uint8_t *obj = sh_seal(&st_ctx, &cases[i], &n, NULL);
		detect_and_prove(obj, n, k[0], PL_SEALED_FAULT_CONTENT);
		free(obj);
	}
	free(bomb);
	st_keys_free(k, 1);
}

static void bad_ephemeral_key_is_public(void **state)
{
	(void)state;
	pl_party_key **k = st_keys(1);
	sh_hand h = {.body = GOOD, .readers = k, .n = 1, .epk_bad = true};
	size_t n;
	uint8_t *obj = sh_seal(&st_ctx, &h, &n, NULL);
	uint8_t zero[32] = {0};
	assert_true(pl_boxproof_epk_bad(zero));
	detect_and_prove(obj, n, k[0], PL_SEALED_FAULT_WRAP);
	free(obj);
	st_keys_free(k, 1);
}

static void no_proof_against_an_honest_body(void **state)
{
	(void)state;
	pl_party_key **k = st_keys(2);
	size_t n;
	uint8_t key[32];
	sh_hand h = {.body = GOOD, .readers = k, .n = 2};
	uint8_t *obj = sh_seal(&st_ctx, &h, &n, key);
	pl_sealproof pr = {.kind = PL_SEALPROOF_KEY};
	memcpy(pr.key, key, 32);
	pl_sealed_fault got;
	pl_diag d = {0};
	assert_int_equal(pl_sealproof_check(&st_ctx, obj, n, &pr, NULL, &got, &d), PL_EVERIFY);
	assert_non_null(strstr(d.msg, "nothing is proven"));
	/* a box proof of a box that opens: the secret is right, the body fine */
	pr.kind = PL_SEALPROOF_BOX;
	snprintf(pr.party, sizeof pr.party, "%s", k[1]->id.party);
	pl_seal_head *hd = malloc(sizeof *hd);
	size_t bucket;
	assert_int_equal(pl_sealed_parse(obj, n, hd, &bucket, NULL), PL_OK);
	assert_int_equal(pl_boxproof_prove(hd->e[1].wrap, k[1], pr.secret, pr.dleq, NULL), PL_OK);
	assert_int_equal(pl_boxproof_verify(hd->e[1].wrap, k[1]->id.box_pk, pr.secret, pr.dleq), PL_OK);
	assert_int_equal(pl_sealproof_check(&st_ctx, obj, n, &pr, k[1]->id.box_pk, &got, NULL), PL_EVERIFY);
	/* an opened body proves nothing to make */
	pl_keyring ring = st_ring(k[1]);
	pl_sealed_plain p;
	assert_int_equal(pl_sealed_open(&st_ctx, obj, n, &ring, NULL, &p, NULL), PL_OK);
	assert_int_equal(pl_sealproof_make(obj, n, &p, &ring, &pr, NULL), PL_EINVAL);
	pl_sealed_plain_release(&p);
	free(hd);
	free(obj);
	st_keys_free(k, 2);
}

static void box_secret_is_libsodiums(void **state)
{
	(void)state;
	pl_party_key **k = st_keys(2);
	uint8_t msg[32], box[80], m[32], secret[32], proof[64];
	for (int t = 0; t < 20; t++) {
		randombytes_buf(msg, sizeof msg);
		assert_int_equal(crypto_box_seal(box, msg, 32, k[0]->id.box_pk), 0);
		assert_int_equal(pl_boxproof_prove(box, k[0], secret, proof, NULL), PL_OK);
		assert_int_equal(pl_boxproof_verify(box, k[0]->id.box_pk, secret, proof), PL_OK);
		/* its Montgomery form is X25519(sk, epk), and HSalsa20 of it crypto_box_beforenm's key */
		uint8_t u[32], x[32], k1[32], k2[32];
		static const uint8_t zero16[16];
		assert_int_equal(crypto_sign_ed25519_pk_to_curve25519(u, secret), 0);
		assert_int_equal(crypto_scalarmult(x, k[0]->secret + PL_PARTY_BOX_SK, box), 0);
		assert_memory_equal(u, x, 32);
		assert_int_equal(crypto_box_beforenm(k1, box, k[0]->secret + PL_PARTY_BOX_SK), 0);
		crypto_core_hsalsa20(k2, zero16, u, NULL);
		assert_memory_equal(k1, k2, 32);
		assert_int_equal(pl_boxproof_open(box, sizeof box, k[0]->id.box_pk, secret, m), PL_OK);
		assert_memory_equal(m, msg, 32);
		/* not another reader's key, not a flipped box */
		assert_int_equal(pl_boxproof_verify(box, k[1]->id.box_pk, secret, proof), PL_EVERIFY);
		box[40] ^= 1;
		assert_int_equal(pl_boxproof_open(box, sizeof box, k[0]->id.box_pk, secret, m), PL_EVERIFY);
		box[1] ^= 1;
		assert_int_equal(pl_boxproof_verify(box, k[0]->id.box_pk, secret, proof), PL_EVERIFY);
	}
	st_keys_free(k, 2);
}

static void disclosure_checks_against_the_commitment(void **state)
{
	(void)state;
	pl_party_key **k = st_keys(2);
	pl_identity *ids = st_ids(k, 2);
	json_t *f = st_fields("+33 1 23 45 67 89"); /* short: a bare hash of it would be guessed */
	pl_buf obj, text;
	pl_buf_init(&obj, PL_SEALED_OBJECT_MAX);
	pl_buf_init(&text, PL_DISCLOSURE_MAX);
	assert_int_equal(pl_sealed_seal(&st_ctx, f, ids, 2, NULL, &obj, NULL), PL_OK);
	pl_keyring ring = st_ring(k[1]);
	pl_sealed_plain p;
	assert_int_equal(pl_sealed_open(&st_ctx, obj.data, obj.len, &ring, NULL, &p, NULL), PL_OK);
	pl_disclosure x, back;
	assert_int_equal(pl_disclosure_make(&p, &x), PL_OK);
	assert_int_equal(pl_disclosure_write(&x, &text), PL_OK);
	assert_int_equal(pl_disclosure_parse(text.data, text.len, &back, NULL), PL_OK);
	json_t *got = NULL;
	assert_int_equal(pl_disclosure_check(&st_ctx, obj.data, obj.len, &back, &got, NULL), PL_OK);
	assert_true(json_equal(got, f));
	json_decref(got);
	/* another statement, another salt, another text */
	pl_seal_ctx next = st_ctx;
	next.seq++;
	assert_int_equal(pl_disclosure_check(&next, obj.data, obj.len, &back, NULL, NULL), PL_EVERIFY);
	back.salt[0] ^= 1;
	assert_int_equal(pl_disclosure_check(&st_ctx, obj.data, obj.len, &back, NULL, NULL), PL_EVERIFY);
	back.salt[0] ^= 1;
	back.body.data[back.body.len - 3] ^= 1; /* still canonical: a letter of the text */
	assert_int_equal(pl_disclosure_check(&st_ctx, obj.data, obj.len, &back, NULL, NULL), PL_EVERIFY);
	pl_disclosure_release(&back);
	/* every flipped byte of the block fails somewhere */
	for (size_t i = 0; i < text.len; i++) {
		text.data[i] ^= 1;
		int rc = pl_disclosure_parse(text.data, text.len, &back, NULL);
		if (rc == PL_OK)
			rc = pl_disclosure_check(&st_ctx, obj.data, obj.len, &back, NULL, NULL);
		assert_true(rc == PL_EFORMAT || rc == PL_EVERIFY);
		pl_disclosure_release(&back);
		text.data[i] ^= 1;
	}
	pl_disclosure_release(&x);
	pl_sealed_plain_release(&p);
	json_decref(f);
	pl_buf_release(&obj);
	pl_buf_release(&text);
	free(ids);
	st_keys_free(k, 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(commitment_to_another_text),
		cmocka_unit_test(key_wrapped_to_another_partys_key),
		cmocka_unit_test(different_keys_to_different_readers),
		cmocka_unit_test(content_outside_the_rules),
		cmocka_unit_test(bad_ephemeral_key_is_public),
		cmocka_unit_test(no_proof_against_an_honest_body),
		cmocka_unit_test(box_secret_is_libsodiums),
		cmocka_unit_test(disclosure_checks_against_the_commitment),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
