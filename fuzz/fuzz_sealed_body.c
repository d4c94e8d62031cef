/*
 * fuzz_sealed_body.c - sealed statement bodies (statement/sealed.h) opened
 * by a reader, and the disclosure and proof blocks (statement/sealproof.h),
 * from arbitrary bytes.
 *
 * The reader is "fz.party" (fuzz_sealed's keys); the statement is fixed
 * (FZ_CTX). The corpus (make_sealed_body_corpus.c) carries bodies really
 * sealed to it, bodies built by hand by a misbehaving author (tests/unit/
 * sealhand.h) and blocks. Properties:
 *   - pl_sealed_parse returns PL_OK or PL_EFORMAT; on PL_OK the entries are
 *     1..65 in canonical order, the header and one bucket plus the tag make
 *     up the input, and writing the parsed header gives its bytes back;
 *   - pl_sealed_open returns PL_OK, PL_ENOKEY, PL_EVERIFY, or PL_EFORMAT
 *     exactly when the parse did; on PL_OK the fields' canonical text is the
 *     text opened and the commitment recomputes to the header's; on
 *     PL_EVERIFY a fault is set, and the proof opening makes from it is
 *     accepted by pl_sealproof_check with the same fault;
 *   - a disclosure or proof block that parses writes back to the input;
 *   - pl_rekey_parse returns PL_OK or PL_EFORMAT; on PL_OK the header is of
 *     members' keys, 1..200 party entries, writes back to its bytes, and is
 *     followed by nothing or exactly a chain; pl_rekey_open returns PL_OK,
 *     PL_ENOKEY, PL_EVERIFY, or PL_EFORMAT exactly when the parse did, and
 *     on PL_OK the key opened has the fingerprint asked for.
 */
#include "fuzz_common.h"

#include "base/jcs.h"
#include "statement/rekey.h"
#include "statement/sealproof.h"

#include <sodium.h>

static const pl_seal_ctx FZ_CTX = {.origin = "example.org/fuzz", .type = "request", .author = "fz.author", .seq = 3};

static pl_party_key *reader(void)
{
	static pl_party_key *k;
	if (k == NULL) {
		uint8_t seed[PL_ED25519_SEED_SIZE], box[PL_X25519_SK_SIZE];
		pl_sha256("fuzz party seed", 15, seed);
		pl_sha256("fuzz box seed", 13, box);
		FZ_CHECK(pl_party_key_from_seeds("fz.party", seed, box, &k, NULL) == PL_OK);
	}
	return k;
}

static void body(const uint8_t *data, size_t size)
{
	pl_seal_head *h = malloc(sizeof *h);
	FZ_CHECK(h != NULL);
	size_t bucket = 0;
	int parsed = pl_sealed_parse(data, size, h, &bucket, NULL);
	FZ_CHECK(parsed == PL_OK || parsed == PL_EFORMAT);
	if (parsed == PL_OK) {
		FZ_CHECK(h->n >= 1 && h->n <= PL_SEAL_READERS_MAX && h->len + bucket + PL_SEALED_TAG_SIZE == size);
		pl_buf again;
		pl_buf_init(&again, PL_SEAL_HEAD_MAX);
		FZ_CHECK(pl_seal_head_write(h, &again) == PL_OK && fz_same(&again, data, h->len));
		pl_buf_release(&again);
	}
	pl_keyring ring = {.keys = {reader()}, .n = 1};
	pl_sealed_plain p;
	int rc = pl_sealed_open(&FZ_CTX, data, size, &ring, NULL, &p, NULL);
	FZ_CHECK(rc == PL_OK || rc == PL_ENOKEY || rc == PL_EVERIFY || rc == PL_EFORMAT);
	FZ_CHECK((rc == PL_EFORMAT) == (parsed == PL_EFORMAT));
	if (rc == PL_OK) {
		pl_buf canon;
		pl_buf_init(&canon, PL_SEALED_JSON_MAX);
		FZ_CHECK(pl_jcs(p.fields, &canon) == PL_OK && fz_same(&canon, p.canon.data, p.canon.len));
		uint8_t c[PL_SEAL_COMMITMENT_SIZE];
		pl_sealed_commit(&FZ_CTX, p.salt, p.canon.data, p.canon.len, c);
		FZ_CHECK(memcmp(c, h->commitment, sizeof c) == 0 && p.fault == PL_SEALED_FAULT_NONE);
		pl_buf_release(&canon);
	}
	if (rc == PL_EVERIFY) {
		FZ_CHECK(p.fault != PL_SEALED_FAULT_NONE && p.fields == NULL);
		pl_sealproof pr;
		pl_sealed_fault got;
		FZ_CHECK(pl_sealproof_make(data, size, &p, &ring, &pr, NULL) == PL_OK);
		FZ_CHECK(pl_sealproof_check(&FZ_CTX, data, size, &pr, reader()->id.box_pk, &got, NULL) == PL_OK);
		FZ_CHECK(got == p.fault);
	}
	pl_sealed_plain_release(&p);
	free(h);
}

static void blocks(const uint8_t *data, size_t size)
{
	pl_disclosure x;
	pl_buf out;
	pl_buf_init(&out, PL_DISCLOSURE_MAX);
	int rc = pl_disclosure_parse(data, size, &x, NULL);
	FZ_CHECK(rc == PL_OK || rc == PL_EFORMAT || rc == PL_ETOOBIG);
	if (rc == PL_OK)
		FZ_CHECK(pl_disclosure_write(&x, &out) == PL_OK && fz_same(&out, data, size));
	pl_disclosure_release(&x);
	pl_sealproof pr;
	rc = pl_sealproof_parse(data, size, &pr, NULL);
	FZ_CHECK(rc == PL_OK || rc == PL_EFORMAT || rc == PL_ETOOBIG);
	pl_buf_reset(&out);
	if (rc == PL_OK)
		FZ_CHECK(pl_sealproof_write(&pr, &out) == PL_OK && fz_same(&out, data, size));
	pl_buf_release(&out);
}

static void keys(const uint8_t *data, size_t size)
{
	pl_seal_head *h = malloc(sizeof *h);
	FZ_CHECK(h != NULL);
	bool chained = false;
	int parsed = pl_rekey_parse(data, size, h, &chained, NULL);
	FZ_CHECK(parsed == PL_OK || parsed == PL_EFORMAT);
	if (parsed == PL_OK) {
		FZ_CHECK(h->kind == PL_SEAL_KEYS && h->n >= 1 && h->n <= PL_SEAL_KEYS_READERS_MAX);
		FZ_CHECK(h->len + (chained ? PL_REKEY_CHAIN_SIZE : 0) == size);
		for (size_t i = 0; i < h->n; i++)
			FZ_CHECK(h->e[i].type == PL_SEAL_PARTY);
		pl_buf again;
		pl_buf_init(&again, PL_SEAL_KEYS_HEAD_MAX);
		FZ_CHECK(pl_seal_head_write(h, &again) == PL_OK && fz_same(&again, data, h->len));
		pl_buf_release(&again);
	}
	/* the fingerprint the statement would name: the first 16 bytes of the input, or zeros */
	uint8_t fp[PL_SEAL_FP_SIZE] = {0}, got[PL_SEAL_FP_SIZE];
	if (size >= sizeof fp)
		memcpy(fp, data, sizeof fp);
	uint8_t *key = sodium_malloc(PL_SEAL_EPOCH_KEY_SIZE);
	pl_epoch_key prev = {.key = sodium_malloc(PL_SEAL_EPOCH_KEY_SIZE)};
	FZ_CHECK(key != NULL && prev.key != NULL);
	pl_keyring ring = {.keys = {reader()}, .n = 1};
	int rc = pl_rekey_open(&FZ_CTX, data, size, &ring, fp, key, &prev, &chained, NULL);
	FZ_CHECK(rc == PL_OK || rc == PL_ENOKEY || rc == PL_EVERIFY || rc == PL_EFORMAT);
	FZ_CHECK((rc == PL_EFORMAT) == (parsed == PL_EFORMAT));
	if (rc == PL_OK) {
		pl_seal_epoch_fingerprint(key, got);
		FZ_CHECK(memcmp(got, fp, sizeof fp) == 0);
	}
	if (parsed == PL_OK) {
		/* with the real fingerprint of what the entry of fz.party opens to, when it is a reader */
		size_t at;
		if (pl_seal_head_unwrap(h, &ring, NULL, key, &at, NULL) == PL_OK) {
			pl_seal_epoch_fingerprint(key, fp);
			rc = pl_rekey_open(&FZ_CTX, data, size, &ring, fp, key, &prev, &chained, NULL);
			FZ_CHECK(rc == PL_OK || rc == PL_EVERIFY);
		}
	}
	sodium_free(key);
	sodium_free(prev.key);
	free(h);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > PL_REKEY_OBJECT_MAX + 64)
		return 0;
	if (size <= PL_SEALED_OBJECT_MAX + 64) {
		body(data, size);
		blocks(data, size);
	}
	keys(data, size);
	return 0;
}
