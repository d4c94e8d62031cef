/*
 * sealtest.h - shared by test_sealed.c and test_sealproof.c: fixed party
 * keys and a few helpers; sealhand.h builds sealed bodies by hand.
 */
#ifndef PARLEY_SEALTEST_H
#define PARLEY_SEALTEST_H

#include "testutil.h"

#include "statement/party.h"
#include "statement/seal_head.h"
#include "statement/sealed.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "sealhand.h"

/* Party keys "cert.r00", "cert.r01", ... from fixed seeds (sorted by name as numbered). */
static inline pl_party_key **st_keys(size_t n)
{
	pl_party_key **k = calloc(n, sizeof *k);
	assert_non_null(k);
	for (size_t i = 0; i < n; i++) {
		char name[32], label[64];
		uint8_t seed[32], box[32];
		snprintf(name, sizeof name, "cert.r%02zu", i);
		snprintf(label, sizeof label, "sign %s", name);
		crypto_hash_sha256(seed, (const uint8_t *)label, strlen(label));
		snprintf(label, sizeof label, "box %s", name);
		crypto_hash_sha256(box, (const uint8_t *)label, strlen(label));
		assert_int_equal(pl_party_key_from_seeds(name, seed, box, &k[i], NULL), PL_OK);
	}
	return k;
}

static inline void st_keys_free(pl_party_key **k, size_t n)
{
	for (size_t i = 0; i < n; i++)
		pl_party_key_free(k[i]);
	free(k);
}

/* The public identities of keys[0..n). Caller frees. */
static inline pl_identity *st_ids(pl_party_key **k, size_t n)
{
	pl_identity *ids = calloc(n ? n : 1, sizeof *ids);
	assert_non_null(ids);
	for (size_t i = 0; i < n; i++)
		ids[i] = k[i]->id;
	return ids;
}

static inline pl_keyring st_ring(const pl_party_key *k)
{
	pl_keyring r = {.keys = {k}, .n = 1};
	return r;
}

static const pl_seal_ctx st_ctx = {.origin = "example.org/wg", .type = "request", .author = "cert.r00", .seq = 7};

/* {"lang": "en", "text": text} */
static inline json_t *st_fields(const char *text)
{
	json_t *v = json_pack("{s:s,s:s}", "lang", "en", "text", text);
	assert_non_null(v);
	return v;
}

#endif
