/* boxproof.c - the shared secret of one sealed box, with a Chaum-Pedersen proof (boxproof.h). */
#include "statement/boxproof.h"

#include <openssl/bn.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#define POINT crypto_core_ed25519_BYTES
#define SCALAR crypto_core_ed25519_SCALARBYTES
#define TAG "parley/box-secret/v1"

_Static_assert(POINT == 32 && SCALAR == 32 && PL_BOXPROOF_SIZE == 2 * SCALAR, "edwards25519 sizes");
_Static_assert(PL_BOX_OVERHEAD == crypto_box_SEALBYTES && PL_BOX_EPK_SIZE == crypto_box_PUBLICKEYBYTES,
	       "a sealed box is an ephemeral key, a MAC and the message");

/* lift(u): the edwards25519 point with y = (u - 1)/(u + 1) mod p and x's sign 0; false when u + 1 = 0 or on error. */
static bool lift(const uint8_t u_le[32], uint8_t ed[POINT])
{
	uint8_t be[32];
	for (int i = 0; i < 32; i++)
		be[i] = u_le[31 - i];
	be[0] &= 0x7f; /* X25519 ignores the top bit */
	BN_CTX *ctx = BN_CTX_new();
	BIGNUM *p = BN_new(), *u = BN_bin2bn(be, 32, NULL), *a = BN_new(), *b = BN_new(), *y = BN_new();
	bool ok = ctx && p && u && a && b && y && BN_set_bit(p, 255) && BN_sub_word(p, 19) && BN_nnmod(u, u, p, ctx) &&
		  BN_mod_sub(a, u, BN_value_one(), p, ctx) && BN_mod_add(b, u, BN_value_one(), p, ctx) && !BN_is_zero(b) &&
		  BN_mod_inverse(b, b, p, ctx) != NULL && BN_mod_mul(y, a, b, p, ctx) && BN_bn2lebinpad(y, ed, POINT) == POINT;
	BN_free(p);
	BN_free(u);
	BN_free(a);
	BN_free(b);
	BN_free(y);
	BN_CTX_free(ctx);
	return ok; /* y < p < 2^255: the sign bit is 0 */
}

/* 8*X through three doublings (crypto_core_ed25519_add accepts any curve point, small order included). */
static bool times8(const uint8_t x[POINT], uint8_t out[POINT])
{
	uint8_t t[POINT];
	memcpy(t, x, POINT);
	for (int i = 0; i < 3; i++)
		if (crypto_core_ed25519_add(t, t, t) != 0)
			return false;
	memcpy(out, t, POINT);
	return true;
}

/* G2 = 8*lift(epk), a point of the prime-order group other than the identity; false otherwise. */
static bool g2_of(const uint8_t epk[PL_BOX_EPK_SIZE], uint8_t g2[POINT])
{
	uint8_t e[POINT];
	return lift(epk, e) && times8(e, g2) && crypto_core_ed25519_is_valid_point(g2);
}

bool pl_boxproof_epk_bad(const uint8_t epk[PL_BOX_EPK_SIZE])
{
	uint8_t g2[POINT];
	if (sodium_init() < 0)
		return false; /* say nothing rather than accuse */
	return !g2_of(epk, g2);
}

static void g1_of(uint8_t g1[POINT])
{
	uint8_t eight[SCALAR] = {8};
	if (crypto_scalarmult_ed25519_base_noclamp(g1, eight) != 0)
		abort(); /* 8*B is a fixed, valid point */
}

/* h = SHA-512(tag || epk || pk || G2 || P || S || R1 || R2) mod L */
static void challenge(const uint8_t epk[32], const uint8_t pk[32], const uint8_t g2[POINT], const uint8_t p[POINT],
		      const uint8_t s[POINT], const uint8_t r1[POINT], const uint8_t r2[POINT], uint8_t h[SCALAR])
{
	crypto_hash_sha512_state st;
	uint8_t wide[crypto_hash_sha512_BYTES];
	crypto_hash_sha512_init(&st);
	crypto_hash_sha512_update(&st, (const uint8_t *)TAG, sizeof TAG); /* with its NUL */
	const uint8_t *parts[] = {epk, pk, g2, p, s, r1, r2};
	for (size_t i = 0; i < sizeof parts / sizeof parts[0]; i++)
		crypto_hash_sha512_update(&st, parts[i], POINT);
	crypto_hash_sha512_final(&st, wide);
	crypto_core_ed25519_scalar_reduce(h, wide);
}

/* Secrets of one proof, in guarded memory. */
typedef struct secrets {
	uint8_t c[32];           /* the clamped X25519 secret */
	uint8_t wide[64];        /* c/8, widened for the reduction */
	uint8_t x[SCALAR];       /* +-c/8 mod L */
	uint8_t r[SCALAR];       /* the nonce */
	uint8_t hx[SCALAR];
} secrets;

int pl_boxproof_prove(const uint8_t epk[PL_BOX_EPK_SIZE], const pl_party_key *k,
		      uint8_t secret[PL_BOXPROOF_SECRET_SIZE], uint8_t proof[PL_BOXPROOF_SIZE], pl_diag *d)
{
	if (sodium_init() < 0)
		return pl_diag_set(d, PL_ECRYPTO, "libsodium failed to initialise");
	uint8_t g1[POINT], g2[POINT], p[POINT], q[POINT], s[POINT], r1[POINT], r2[POINT], h[SCALAR];
	if (!g2_of(epk, g2))
		return pl_diag_set(d, PL_EFORMAT, "the box's ephemeral key is not a point a sealed box can hold");
	if (!lift(k->id.box_pk, p) || !crypto_core_ed25519_is_valid_point(p))
		return pl_diag_set(d, PL_EINVAL, "%s's X25519 key is not a point of the prime-order group", k->id.party);
	secrets *z = sodium_malloc(sizeof *z);
	if (z == NULL)
		return pl_diag_set(d, PL_ENOMEM, "out of secure memory");
	int rc = PL_OK;
	g1_of(g1);
	memcpy(z->c, k->secret + PL_PARTY_BOX_SK, 32);
	z->c[0] &= 248;
	z->c[31] &= 127;
	z->c[31] |= 64;
	memset(z->wide, 0, sizeof z->wide);
	for (int i = 0; i < 32; i++) /* c/8: c is a multiple of 8 */
		z->wide[i] = (uint8_t)(z->c[i] >> 3 | (i < 31 ? z->c[i + 1] << 5 : 0));
	crypto_core_ed25519_scalar_reduce(z->x, z->wide);
	if (crypto_scalarmult_ed25519_noclamp(q, z->x, g1) != 0) {
		rc = pl_diag_set(d, PL_ECRYPTO, "edwards25519 multiplication failed");
		goto out;
	}
	if (memcmp(q, p, POINT) != 0) {
		crypto_core_ed25519_scalar_negate(z->x, z->x);
		if (crypto_scalarmult_ed25519_noclamp(q, z->x, g1) != 0 || memcmp(q, p, POINT) != 0) {
			rc = pl_diag_set(d, PL_EINVAL, "%s's X25519 public key is not the one of its secret key", k->id.party);
			goto out;
		}
	}
	crypto_core_ed25519_scalar_random(z->r);
	if (crypto_scalarmult_ed25519_noclamp(s, z->x, g2) != 0 || crypto_scalarmult_ed25519_noclamp(r1, z->r, g1) != 0 ||
	    crypto_scalarmult_ed25519_noclamp(r2, z->r, g2) != 0) {
		rc = pl_diag_set(d, PL_ECRYPTO, "edwards25519 multiplication failed");
		goto out;
	}
	challenge(epk, k->id.box_pk, g2, p, s, r1, r2, h);
	crypto_core_ed25519_scalar_mul(z->hx, h, z->x);
	memcpy(proof, h, SCALAR);
	crypto_core_ed25519_scalar_add(proof + SCALAR, z->r, z->hx);
	memcpy(secret, s, POINT);
out:
	sodium_free(z);
	return rc;
}

int pl_boxproof_verify(const uint8_t epk[PL_BOX_EPK_SIZE], const uint8_t pk[PL_X25519_PK_SIZE],
		       const uint8_t secret[PL_BOXPROOF_SECRET_SIZE], const uint8_t proof[PL_BOXPROOF_SIZE])
{
	if (sodium_init() < 0)
		return PL_ECRYPTO;
	uint8_t g1[POINT], g2[POINT], p[POINT], a[POINT], b[POINT], r1[POINT], r2[POINT], h[SCALAR];
	const uint8_t *h0 = proof, *z = proof + SCALAR;
	if (!g2_of(epk, g2) || !lift(pk, p) || !crypto_core_ed25519_is_valid_point(p) ||
	    !crypto_core_ed25519_is_valid_point(secret))
		return PL_EVERIFY;
	g1_of(g1);
	/* R1 = z*G1 - h*P, R2 = z*G2 - h*S (a multiplication giving the identity fails: no proof has one) */
	if (crypto_scalarmult_ed25519_noclamp(a, z, g1) != 0 || crypto_scalarmult_ed25519_noclamp(b, h0, p) != 0 ||
	    crypto_core_ed25519_sub(r1, a, b) != 0 || crypto_scalarmult_ed25519_noclamp(a, z, g2) != 0 ||
	    crypto_scalarmult_ed25519_noclamp(b, h0, secret) != 0 || crypto_core_ed25519_sub(r2, a, b) != 0)
		return PL_EVERIFY;
	challenge(epk, pk, g2, p, secret, r1, r2, h);
	return sodium_memcmp(h, h0, SCALAR) == 0 ? PL_OK : PL_EVERIFY;
}

int pl_boxproof_open(const uint8_t *box, size_t n, const uint8_t pk[PL_X25519_PK_SIZE],
		     const uint8_t secret[PL_BOXPROOF_SECRET_SIZE], uint8_t *m)
{
	if (n <= PL_BOX_OVERHEAD || sodium_init() < 0)
		return PL_EVERIFY;
	uint8_t u[crypto_scalarmult_curve25519_BYTES], k[crypto_box_BEFORENMBYTES], nonce[crypto_box_NONCEBYTES];
	static const uint8_t zero[16];
	if (crypto_sign_ed25519_pk_to_curve25519(u, secret) != 0)
		return PL_EVERIFY;
	crypto_core_hsalsa20(k, zero, u, NULL); /* crypto_box_beforenm without the scalar multiplication */
	crypto_generichash_state st;
	crypto_generichash_init(&st, NULL, 0, sizeof nonce);
	crypto_generichash_update(&st, box, PL_BOX_EPK_SIZE);
	crypto_generichash_update(&st, pk, PL_X25519_PK_SIZE);
	crypto_generichash_final(&st, nonce, sizeof nonce);
	int rc = crypto_box_open_easy_afternm(m, box + PL_BOX_EPK_SIZE, n - PL_BOX_EPK_SIZE, nonce, k) == 0 ? PL_OK
													 : PL_EVERIFY;
	sodium_memzero(k, sizeof k);
	return rc;
}
