/* sha256.c - SHA-256 via libcrypto's low-level API (see sha256.h for why). */
#define OPENSSL_SUPPRESS_DEPRECATED
#include "base/sha256.h"

#include <openssl/sha.h>

_Static_assert(sizeof(SHA256_CTX) <= sizeof(pl_sha256_ctx), "pl_sha256_ctx too small");

void pl_sha256_init(pl_sha256_ctx *c)
{
	SHA256_Init((SHA256_CTX *)(void *)c->opaque);
}

void pl_sha256_update(pl_sha256_ctx *c, const void *p, size_t n)
{
	SHA256_Update((SHA256_CTX *)(void *)c->opaque, p, n);
}

void pl_sha256_final(pl_sha256_ctx *c, uint8_t out[PL_SHA256_SIZE])
{
	SHA256_Final(out, (SHA256_CTX *)(void *)c->opaque);
}

void pl_sha256(const void *p, size_t n, uint8_t out[PL_SHA256_SIZE])
{
	SHA256_CTX c;
	SHA256_Init(&c);
	SHA256_Update(&c, p, n);
	SHA256_Final(out, &c);
}
