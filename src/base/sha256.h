/*
 * sha256.h - SHA-256 through OpenSSL libcrypto.
 *
 * The only SHA-256 in Parley. It uses libcrypto's SHA256_Init/Update/Final,
 * which run the SHA-NI code directly with the context on the stack: no
 * allocation and no per-call algorithm fetch (EVP_sha256() fetched on every
 * call is 5x slower on 65-byte Merkle nodes; see DESIGN.md's budget).
 * These functions cannot fail.
 */
#ifndef PARLEY_BASE_SHA256_H
#define PARLEY_BASE_SHA256_H

#include <stddef.h>
#include <stdint.h>

#include "base/sizes.h" /* PL_SHA256_SIZE */

/* Opaque-sized context; large enough for OpenSSL's SHA256_CTX (checked at compile time). */
typedef struct pl_sha256_ctx {
	_Alignas(8) uint8_t opaque[128];
} pl_sha256_ctx;

void pl_sha256_init(pl_sha256_ctx *c);
void pl_sha256_update(pl_sha256_ctx *c, const void *p, size_t n);
void pl_sha256_final(pl_sha256_ctx *c, uint8_t out[PL_SHA256_SIZE]);

/* One-shot SHA-256 of p[0..n). */
void pl_sha256(const void *p, size_t n, uint8_t out[PL_SHA256_SIZE]);

#endif
