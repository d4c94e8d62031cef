/*
 * sealhand.h - a sealed body built by hand from the format documented in
 * statement/seal_head.h and statement/sealed.h (zlib and libsodium, its
 * SHA-256 included, called directly, not through the modules under test),
 * with knobs to build what a misbehaving author would. For the unit tests
 * (sealtest.h) and the fuzz corpus (fuzz/make_sealed_body_corpus.c); aborts
 * on failure, needs no test framework.
 */
#ifndef PARLEY_SEALHAND_H
#define PARLEY_SEALHAND_H

#include "statement/party.h"
#include "statement/seal_head.h"

#include <sodium.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#define SH_CHECK(cond)                                                                  \
	do {                                                                            \
		if (!(cond)) {                                                          \
			fprintf(stderr, "%s:%d: %s failed\n", __FILE__, __LINE__, #cond); \
			abort();                                                        \
		}                                                                       \
	} while (0)

#define SH_MAX 66

typedef struct sh_hand {
	const char *body;        /* the canonical text encrypted */
	const char *committed;   /* the text the commitment names (NULL: body) */
	pl_party_key **readers;  /* the entries, in canonical (name) order */
	size_t n;
	size_t box_to[SH_MAX];   /* reader i's box is sealed to readers[box_to[i] - 1]'s key (0: its own) */
	bool other_key[SH_MAX];  /* reader i's box holds another content key than the one used */
	size_t bucket;           /* 0: the smallest that fits */
	uint8_t pad;             /* the padding byte (0 as it must be) */
	size_t zlen_extra;       /* added to the length field */
	bool epk_bad;            /* reader 0's box starts with an all-zero ephemeral key (no point a box can hold) */
} sh_hand;

static inline void sh_be(uint8_t *p, uint64_t v, int n)
{
	for (int k = 0; k < n; k++)
		p[k] = (uint8_t)(v >> (8 * (n - 1 - k)));
}

/* The object, malloc'd; *len its size. The content key goes to key (may be NULL). */
static inline uint8_t *sh_seal(const pl_seal_ctx *ctx, const sh_hand *h, size_t *len, uint8_t *key_out)
{
	uint8_t key[32], key2[32], salt[32], *obj = malloc(20000 + h->n * 200), *inner = calloc(1, 20000);
	SH_CHECK(obj != NULL && inner != NULL);
	randombytes_buf(key, 32);
	randombytes_buf(key2, 32);
	randombytes_buf(salt, 32);
	size_t at = 0;
	memcpy(obj, "PLSEAL02", 8);
	obj[8] = 1;
	obj[9] = (uint8_t)h->n;
	at = 10;
	for (size_t i = 0; i < h->n; i++) {
		const pl_identity *id = &h->readers[i]->id;
		const pl_identity *to = h->box_to[i] ? &h->readers[h->box_to[i] - 1]->id : id;
		size_t nl = strlen(id->party);
		obj[at++] = 1;
		obj[at++] = (uint8_t)nl;
		memcpy(obj + at, id->party, nl);
		at += nl;
		uint8_t d[32];
		crypto_hash_sha256(d, id->box_pk, 32);
		memcpy(obj + at, d, 16);
		at += 16;
		SH_CHECK((crypto_box_seal(obj + at, h->other_key[i] ? key2 : key, 32, to->box_pk)) == 0);
		if (i == 0 && h->epk_bad)
			memset(obj + at, 0, 32);
		at += 80;
	}
	/* the commitment */
	const char *committed = h->committed ? h->committed : h->body;
	crypto_hash_sha256_state c;
	crypto_hash_sha256_init(&c);
	crypto_hash_sha256_update(&c, (const uint8_t *)"parley/seal/v2 commitment", 26);
	const char *strs[4] = {ctx->origin, ctx->author, NULL, ctx->type};
	for (int s = 0; s < 4; s++) {
		if (strs[s] == NULL) {
			uint8_t be[8];
			sh_be(be, ctx->seq, 8);
			crypto_hash_sha256_update(&c, (const uint8_t *)be, 8);
			continue;
		}
		uint8_t l = (uint8_t)strlen(strs[s]);
		crypto_hash_sha256_update(&c, (const uint8_t *)&l, 1);
		crypto_hash_sha256_update(&c, (const uint8_t *)strs[s], l);
	}
	crypto_hash_sha256_update(&c, (const uint8_t *)salt, 32);
	crypto_hash_sha256_update(&c, (const uint8_t *)committed, strlen(committed));
	crypto_hash_sha256_final(&c, obj + at);
	at += 32;
	size_t head = at;
	/* the padded plaintext */
	memcpy(inner, salt, 32);
	z_stream z;
	memset(&z, 0, sizeof z);
	SH_CHECK((deflateInit2(&z, 6, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY)) == Z_OK);
	z.next_in = (Bytef *)(uintptr_t)h->body;
	z.avail_in = (uInt)strlen(h->body);
	z.next_out = inner + 36;
	z.avail_out = 20000 - 36;
	SH_CHECK((deflate(&z, Z_FINISH)) == Z_STREAM_END);
	size_t zlen = z.total_out;
	deflateEnd(&z);
	size_t bucket = h->bucket;
	static const size_t buckets[] = {512, 2048, 8192, 16384};
	for (size_t i = 0; bucket == 0 && i < 4; i++)
		if (36 + zlen <= buckets[i])
			bucket = buckets[i];
	SH_CHECK(bucket != 0);
	sh_be(inner + 32, zlen + h->zlen_extra, 4);
	memset(inner + 36 + zlen, h->pad, bucket - 36 - zlen);
	/* additional data: SHA-256("parley/seal/v2 body" 0 || ctx || header) */
	uint8_t ad[32], nonce[24] = {0};
	crypto_hash_sha256_init(&c);
	crypto_hash_sha256_update(&c, (const uint8_t *)"parley/seal/v2 body", 20);
	const char *ctxs[3] = {ctx->origin, ctx->type, ctx->author};
	for (int s = 0; s < 3; s++) {
		uint8_t l = (uint8_t)strlen(ctxs[s]);
		crypto_hash_sha256_update(&c, (const uint8_t *)&l, 1);
		crypto_hash_sha256_update(&c, (const uint8_t *)ctxs[s], l);
	}
	uint8_t be[8];
	sh_be(be, ctx->seq, 8);
	crypto_hash_sha256_update(&c, (const uint8_t *)be, 8);
	crypto_hash_sha256_update(&c, (const uint8_t *)obj, head);
	crypto_hash_sha256_final(&c, ad);
	unsigned long long clen;
	SH_CHECK(crypto_aead_xchacha20poly1305_ietf_encrypt(obj + head, &clen, inner, bucket, ad, 32, NULL, nonce, key) ==
		 0);
	*len = head + (size_t)clen;
	if (key_out != NULL)
		memcpy(key_out, key, 32);
	free(inner);
	return obj;
}

#endif
