/*
 * boxproof.h - proving what one sealed box holds without revealing the
 * secret key it was sealed to: the evidence behind "the key wrapped to me
 * does not open" (docs/confidentiality.md, "Proofs of misbehaviour").
 *
 * libsodium's crypto_box_seal(m, pk) is
 *   epk || crypto_box_easy(m, nonce, pk, esk),  nonce = BLAKE2b-192(epk || pk)
 * with a fresh X25519 key pair (epk, esk); crypto_box_easy encrypts with
 * XSalsa20-Poly1305 under k = HSalsa20(X25519(esk, pk), 0), which the
 * recipient computes as HSalsa20(X25519(sk, epk), 0) (crypto_box_beforenm).
 * The shared secret X25519(sk, epk) belongs to this one box (epk is used
 * once) and says nothing of sk; revealing it lets anyone open this box and
 * no other. Revealed alone it proves nothing (anyone can name a value that
 * fails), so it comes with a proof that it is the right one:
 *
 * Chaum-Pedersen over edwards25519 (libsodium's crypto_core_ed25519_*). Let
 * lift(u) be the edwards25519 point with y = (u - 1)/(u + 1) mod 2^255 - 19
 * and x's sign bit 0 (u: an X25519 key, top bit cleared), G1 = 8*B (B the
 * base point), G2 = 8*lift(epk), P = lift(pk), S = x*G2 where x = c/8 or
 * -c/8 (c the clamped X25519 secret; the sign that makes x*G1 = P). Then the
 * Montgomery u of S is X25519(sk, epk), even for an epk with a small-order
 * component (the factor 8 removes it, as X25519's clamping does). The proof
 * is (h, z), 64 bytes: r random, h = SHA-512(tag || epk || pk || G2 || P || S
 * || r*G1 || r*G2) reduced mod L, z = r + h*x mod L; a verifier recomputes
 * h from z*G1 - h*P and z*G2 - h*S. The lifts are computed with OpenSSL's
 * BIGNUM on public values only.
 *
 * An epk that is no point of the curve, or whose multiple by 8 is the
 * identity, never comes out of crypto_box_seal and never opens: such a box
 * is misbehaviour anyone can see (pl_boxproof_epk_bad), no secret needed.
 */
#ifndef PARLEY_STATEMENT_BOXPROOF_H
#define PARLEY_STATEMENT_BOXPROOF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/err.h"
#include "statement/party.h"

#define PL_BOXPROOF_SECRET_SIZE 32 /* S, an edwards25519 point */
#define PL_BOXPROOF_SIZE 64        /* h || z */
#define PL_BOX_EPK_SIZE 32         /* the ephemeral key a sealed box starts with */
#define PL_BOX_OVERHEAD 48         /* crypto_box_SEALBYTES: epk and the MAC */

/* True if the ephemeral key is one no sealed box can honestly hold (not a
 * curve point, or of small order): the box opens for nobody. */
bool pl_boxproof_epk_bad(const uint8_t epk[PL_BOX_EPK_SIZE]);

/*
 * For a sealed box whose ephemeral key is epk, sealed to k's X25519 key:
 * the shared secret S and the proof. PL_EFORMAT when pl_boxproof_epk_bad
 * (nothing to prove: the box is bad in public); PL_EINVAL when k's X25519
 * public key is not the one of its secret key; PL_ECRYPTO, PL_ENOMEM.
 */
int pl_boxproof_prove(const uint8_t epk[PL_BOX_EPK_SIZE], const pl_party_key *k,
		      uint8_t secret[PL_BOXPROOF_SECRET_SIZE], uint8_t proof[PL_BOXPROOF_SIZE], pl_diag *d)
	__attribute__((warn_unused_result));

/* PL_OK if proof shows that secret is the shared secret of the X25519 key pk
 * and epk; PL_EVERIFY if not (or if either key is not a point it can be for);
 * PL_ENOMEM. */
int pl_boxproof_verify(const uint8_t epk[PL_BOX_EPK_SIZE], const uint8_t pk[PL_X25519_PK_SIZE],
		       const uint8_t secret[PL_BOXPROOF_SECRET_SIZE], const uint8_t proof[PL_BOXPROOF_SIZE])
	__attribute__((warn_unused_result));

/*
 * Opens the sealed box box[0..n) (n > PL_BOX_OVERHEAD) sealed to pk with a
 * shared secret (one pl_boxproof_verify accepted): writes n - PL_BOX_OVERHEAD
 * bytes to m. PL_OK, or PL_EVERIFY when the box does not open with it.
 */
int pl_boxproof_open(const uint8_t *box, size_t n, const uint8_t pk[PL_X25519_PK_SIZE],
		     const uint8_t secret[PL_BOXPROOF_SECRET_SIZE], uint8_t *m) __attribute__((warn_unused_result));

#endif
