/*
 * sizes.h - the sizes of the keys, signatures and digests Parley handles, in
 * bytes (*_SIZE) and as text (*_LEN, without the terminating NUL: a buffer
 * for one holds LEN + 1 bytes).
 *
 * One name per quantity, for every layer. The Ed25519 and X25519 sizes are
 * libsodium's (crypto_sign_*, crypto_box_*) and the digest sizes OpenSSL's;
 * sizes.c checks at compile time that they agree. Derived names elsewhere: PL_HASH_SIZE (tlog/merkle.h, the
 * Merkle hash is a SHA-256), PL_DSSE_KEYID_SIZE (statement/dsse.h, a prefix of
 * a SHA-256), PL_NORM_HASH_HEX (workflow/norms.h).
 */
#ifndef PARLEY_BASE_SIZES_H
#define PARLEY_BASE_SIZES_H

/* Text lengths of n bytes as constant expressions: base64 (padded, pl_b64_len) and hex. */
#define PL_B64_LEN(n) (((n) + 2) / 3 * 4)
#define PL_HEX_LEN(n) (2 * (n))

/* SHA-256 */
#define PL_SHA256_SIZE 32
#define PL_SHA256_HEX_LEN PL_HEX_LEN(PL_SHA256_SIZE) /* 64: a blob's name, a norm set's hash */
#define PL_SHA256_B64_LEN PL_B64_LEN(PL_SHA256_SIZE) /* 44 */

/* The other digests of evidence files (scans, STIX hash properties) */
#define PL_MD5_SIZE 16
#define PL_SHA1_SIZE 20
#define PL_SHA512_SIZE 64

/* Ed25519 (libsodium crypto_sign) */
#define PL_ED25519_PK_SIZE 32   /* public key: crypto_sign_PUBLICKEYBYTES */
#define PL_ED25519_SEED_SIZE 32 /* seed: crypto_sign_SEEDBYTES */
#define PL_ED25519_SK_SIZE 64   /* libsodium's secret key, seed || public key: crypto_sign_SECRETKEYBYTES */
#define PL_ED25519_SIG_SIZE 64  /* signature: crypto_sign_BYTES */
#define PL_ED25519_PK_B64_LEN PL_B64_LEN(PL_ED25519_PK_SIZE)   /* 44 */
#define PL_ED25519_PK_HEX_LEN PL_HEX_LEN(PL_ED25519_PK_SIZE)   /* 64 */
#define PL_ED25519_SIG_B64_LEN PL_B64_LEN(PL_ED25519_SIG_SIZE) /* 88 */

/* X25519 (libsodium crypto_box) */
#define PL_X25519_PK_SIZE 32 /* public key: crypto_box_PUBLICKEYBYTES */
#define PL_X25519_SK_SIZE 32 /* secret key: crypto_box_SECRETKEYBYTES */
#define PL_X25519_PK_B64_LEN PL_B64_LEN(PL_X25519_PK_SIZE) /* 44 */

#endif
