/* rekey.c - a members' rekey's sealed object: the members' key wrapped to every member, the chain (rekey.h). */
#include "statement/rekey.h"

#include "base/sha256.h"

#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#define NONCE crypto_aead_xchacha20poly1305_ietf_NPUBBYTES
#define CHAIN_PLAIN (8 + PL_SEAL_EPOCH_KEY_SIZE)

_Static_assert(PL_REKEY_CHAIN_SIZE == NONCE + CHAIN_PLAIN + crypto_aead_xchacha20poly1305_ietf_ABYTES,
	       "a chain is a nonce and an AEAD of an epoch and a key");

int pl_rekey_seal(const pl_seal_ctx *ctx, const pl_identity *members, size_t n, const pl_epoch_key *prev,
		  uint8_t key[PL_SEAL_EPOCH_KEY_SIZE], pl_buf *out, pl_diag *d)
{
	int rc;
	size_t start = out->len;
	uint8_t *plain = NULL;
	if (!pl_seal_ctx_valid(ctx))
		return pl_diag_set(d, PL_EINVAL, "a rekey is bound to its statement: origin, type, author, seq");
	pl_seal_head *h = malloc(sizeof *h);
	if (h == NULL)
		return PL_ENOMEM;
	crypto_aead_xchacha20poly1305_ietf_keygen(key);
	if ((rc = pl_seal_head_wrap(h, PL_SEAL_KEYS, key, members, n, NULL, d)) != PL_OK)
		goto out;
	if ((rc = pl_seal_head_write(h, out)) != PL_OK) {
		rc = pl_diag_set(d, rc, "the rekey's header does not fit");
		goto out;
	}
	if (prev == NULL)
		goto out;
	uint8_t ad[PL_SHA256_SIZE], chain[PL_REKEY_CHAIN_SIZE];
	pl_seal_ad(ctx, out->data + start, out->len - start, ad);
	if ((plain = sodium_malloc(CHAIN_PLAIN)) == NULL) {
		rc = PL_ENOMEM;
		goto out;
	}
	for (int k = 0; k < 8; k++)
		plain[k] = (uint8_t)(prev->epoch >> (56 - 8 * k));
	memcpy(plain + 8, prev->key, PL_SEAL_EPOCH_KEY_SIZE);
	randombytes_buf(chain, NONCE);
	if (crypto_aead_xchacha20poly1305_ietf_encrypt(chain + NONCE, NULL, plain, CHAIN_PLAIN, ad, sizeof ad, NULL, chain,
						       key) != 0) {
		rc = pl_diag_set(d, PL_ECRYPTO, "sealing the chain failed");
		goto out;
	}
	if ((rc = pl_buf_append(out, chain, sizeof chain)) != PL_OK)
		rc = pl_diag_set(d, rc, "the rekey does not fit");
out:
	if (plain != NULL)
		sodium_free(plain);
	if (rc != PL_OK) {
		sodium_memzero(key, PL_SEAL_EPOCH_KEY_SIZE);
		pl_buf_truncate(out, start);
	}
	free(h);
	return rc;
}

int pl_rekey_parse(const uint8_t *p, size_t n, pl_seal_head *h, bool *chained, pl_diag *d)
{
	int rc = pl_seal_head_parse(p, n, h, d);
	if (rc != PL_OK)
		return rc;
	if (h->kind != PL_SEAL_KEYS)
		return pl_diag_set(d, PL_EFORMAT, "a rekey carries members' keys (a sealed object of kind 3), not kind %u",
				   h->kind);
	size_t rest = n - h->len;
	if (rest != 0 && rest != PL_REKEY_CHAIN_SIZE)
		return pl_diag_set(d, PL_EFORMAT,
				   "after its header a rekey holds nothing or its chain (%d bytes), not %zu bytes",
				   PL_REKEY_CHAIN_SIZE, rest);
	*chained = rest != 0;
	return PL_OK;
}

/* Decrypts the chain after h (parsed from p) under key into prev. */
static int chain_open(const pl_seal_ctx *ctx, const uint8_t *p, const pl_seal_head *h, const uint8_t *key,
		      pl_epoch_key *prev, pl_diag *d)
{
	uint8_t ad[PL_SHA256_SIZE];
	const uint8_t *chain = p + h->len;
	pl_seal_ad(ctx, p, h->len, ad);
	uint8_t *plain = sodium_malloc(CHAIN_PLAIN);
	if (plain == NULL)
		return PL_ENOMEM;
	int rc = PL_OK;
	if (crypto_aead_xchacha20poly1305_ietf_decrypt(plain, NULL, NULL, chain + NONCE, PL_REKEY_CHAIN_SIZE - NONCE, ad,
						       sizeof ad, chain, key) != 0) {
		rc = pl_diag_set(d, PL_EVERIFY, "the rekey's chain does not decrypt under its key: the rekeyer's misbehaviour");
	} else {
		prev->epoch = 0;
		for (int k = 0; k < 8; k++)
			prev->epoch = prev->epoch << 8 | plain[k];
		memcpy(prev->key, plain + 8, PL_SEAL_EPOCH_KEY_SIZE);
	}
	sodium_free(plain);
	return rc;
}

int pl_rekey_chain(const pl_seal_ctx *ctx, const uint8_t *p, size_t n, pl_seal_head *h,
		   const uint8_t key[PL_SEAL_EPOCH_KEY_SIZE], pl_epoch_key *prev, bool *chained, pl_diag *d)
{
	if (!pl_seal_ctx_valid(ctx))
		return pl_diag_set(d, PL_EINVAL, "a rekey is bound to its statement: origin, type, author, seq");
	int rc = pl_rekey_parse(p, n, h, chained, d);
	if (rc == PL_OK && *chained)
		rc = chain_open(ctx, p, h, key, prev, d);
	if (rc != PL_OK && prev != NULL && prev->key != NULL)
		sodium_memzero(prev->key, PL_SEAL_EPOCH_KEY_SIZE);
	return rc;
}

int pl_rekey_open(const pl_seal_ctx *ctx, const uint8_t *p, size_t n, const pl_keyring *ring,
		  const uint8_t fp[PL_SEAL_FP_SIZE], uint8_t key[PL_SEAL_EPOCH_KEY_SIZE], pl_epoch_key *prev, bool *chained,
		  pl_diag *d)
{
	int rc;
	if (!pl_seal_ctx_valid(ctx))
		return pl_diag_set(d, PL_EINVAL, "a rekey is bound to its statement: origin, type, author, seq");
	pl_seal_head *h = malloc(sizeof *h);
	if (h == NULL)
		return PL_ENOMEM;
	if ((rc = pl_rekey_parse(p, n, h, chained, d)) != PL_OK)
		goto out;
	if ((rc = pl_seal_head_unwrap(h, ring, NULL, key, NULL, d)) != PL_OK)
		goto out;
	uint8_t got[PL_SEAL_FP_SIZE];
	pl_seal_epoch_fingerprint(key, got);
	if (sodium_memcmp(got, fp, PL_SEAL_FP_SIZE) != 0) {
		rc = pl_diag_set(d, PL_EVERIFY,
				 "the members' key wrapped to this reader is not the one the rekey names: the rekeyer's "
				 "misbehaviour");
		goto out;
	}
	if (*chained)
		rc = chain_open(ctx, p, h, key, prev, d);
out:
	if (rc != PL_OK) {
		sodium_memzero(key, PL_SEAL_EPOCH_KEY_SIZE);
		if (prev != NULL && prev->key != NULL)
			sodium_memzero(prev->key, PL_SEAL_EPOCH_KEY_SIZE);
	}
	free(h);
	return rc;
}
