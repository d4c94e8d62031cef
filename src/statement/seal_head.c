/* seal_head.c - the public header of a sealed object: readers, key fingerprints, wrapped keys (seal_head.h). */
#include "statement/seal_head.h"

#include "base/sha256.h"

#include <sodium.h>
#include <stdlib.h>
#include <string.h>

_Static_assert(PL_SEAL_WRAP_SIZE == crypto_box_SEALBYTES + PL_SEAL_KEY_SIZE, "a wrapped key is a sealed box");
_Static_assert(PL_SEAL_EPOCH_WRAP_SIZE == crypto_aead_xchacha20poly1305_ietf_NPUBBYTES + PL_SEAL_KEY_SIZE +
						  crypto_aead_xchacha20poly1305_ietf_ABYTES,
	       "an epoch wrap is a nonce and an AEAD of the key");
_Static_assert(PL_SEAL_EPOCH_KEY_SIZE == crypto_aead_xchacha20poly1305_ietf_KEYBYTES, "members' keys are AEAD keys");
_Static_assert(PL_SEAL_KEY_SIZE == crypto_aead_xchacha20poly1305_ietf_KEYBYTES, "content keys are AEAD keys");

#define EPOCH_FP_TAG "parley/epoch-key/v1"

void pl_seal_fingerprint(const uint8_t pk[PL_X25519_PK_SIZE], uint8_t fp[PL_SEAL_FP_SIZE])
{
	uint8_t h[PL_SHA256_SIZE];
	pl_sha256(pk, PL_X25519_PK_SIZE, h);
	memcpy(fp, h, PL_SEAL_FP_SIZE);
}

void pl_seal_epoch_fingerprint(const uint8_t key[PL_SEAL_EPOCH_KEY_SIZE], uint8_t fp[PL_SEAL_FP_SIZE])
{
	pl_sha256_ctx c;
	uint8_t h[PL_SHA256_SIZE];
	pl_sha256_init(&c);
	pl_sha256_update(&c, EPOCH_FP_TAG, sizeof EPOCH_FP_TAG); /* with its NUL */
	pl_sha256_update(&c, key, PL_SEAL_EPOCH_KEY_SIZE);
	pl_sha256_final(&c, h);
	memcpy(fp, h, PL_SEAL_FP_SIZE);
}

bool pl_seal_ctx_valid(const pl_seal_ctx *ctx)
{
	if (ctx == NULL || ctx->origin == NULL || ctx->type == NULL || ctx->author == NULL)
		return false;
	size_t o = strlen(ctx->origin), t = strlen(ctx->type);
	return o >= 1 && o <= 255 && t >= 1 && t <= 32 && pl_party_name_valid(ctx->author, strlen(ctx->author));
}

/* Canonical order: the epoch entry first, then parties by name (strcmp: names are ASCII). */
static int entry_cmp(const pl_seal_entry *a, const pl_seal_entry *b)
{
	if (a->type != b->type)
		return a->type == PL_SEAL_EPOCH ? -1 : 1;
	if (a->type == PL_SEAL_EPOCH)
		return 0; /* two epochs: equal, never canonical */
	return strcmp(a->party, b->party);
}

static int entry_qsort(const void *a, const void *b)
{
	return entry_cmp(a, b);
}

static bool kind_valid(unsigned kind)
{
	return kind == PL_SEAL_BODY || kind == PL_SEAL_BLOB || kind == PL_SEAL_KEYS;
}

/* The most entries a header of kind holds. */
static size_t entries_max(unsigned kind)
{
	return kind == PL_SEAL_KEYS ? PL_SEAL_KEYS_READERS_MAX : PL_SEAL_READERS_MAX;
}

static bool canonical(const pl_seal_head *h)
{
	for (size_t i = 0; i < h->n; i++)
		if ((i > 0 && entry_cmp(&h->e[i - 1], &h->e[i]) >= 0) ||
		    (h->kind == PL_SEAL_KEYS && h->e[i].type != PL_SEAL_PARTY))
			return false;
	return h->n >= 1 && h->n <= entries_max(h->kind);
}

int pl_seal_head_wrap(pl_seal_head *h, pl_seal_kind kind, const uint8_t key[PL_SEAL_KEY_SIZE],
		      const pl_identity *readers, size_t n, const pl_epoch_key *epoch, pl_diag *d)
{
	memset(h, 0, sizeof *h);
	size_t total = n + (epoch != NULL);
	if (sodium_init() < 0)
		return pl_diag_set(d, PL_ECRYPTO, "libsodium failed to initialise");
	if (!kind_valid(kind))
		return pl_diag_set(d, PL_EINVAL, "a sealed object is a body, a blob or members' keys");
	if (kind == PL_SEAL_KEYS && epoch != NULL)
		return pl_diag_set(d, PL_EINVAL, "members' keys are wrapped to parties, not to a members' key");
	if (total == 0 || total > entries_max(kind))
		return pl_diag_set(d, PL_EINVAL, "a sealed object has 1 to %zu readers, not %zu", entries_max(kind), total);
	h->kind = (uint8_t)kind;
	for (size_t i = 0; i < n; i++) {
		pl_seal_entry *e = &h->e[h->n++];
		size_t len = strlen(readers[i].party);
		if (!pl_party_name_valid(readers[i].party, len))
			return pl_diag_set(d, PL_EINVAL, "reader %zu is not a valid party name", i);
		e->type = PL_SEAL_PARTY;
		memcpy(e->party, readers[i].party, len + 1);
		pl_seal_fingerprint(readers[i].box_pk, e->fp);
		if (crypto_box_seal(e->wrap, key, PL_SEAL_KEY_SIZE, readers[i].box_pk) != 0)
			return pl_diag_set(d, PL_ECRYPTO, "wrapping the key to %s failed (not an X25519 key?)", e->party);
	}
	if (epoch != NULL) {
		pl_seal_entry *e = &h->e[h->n++];
		e->type = PL_SEAL_EPOCH;
		e->epoch = epoch->epoch;
		pl_seal_epoch_fingerprint(epoch->key, e->fp);
		uint8_t *nonce = e->wrap;
		randombytes_buf(nonce, crypto_aead_xchacha20poly1305_ietf_NPUBBYTES);
		if (crypto_aead_xchacha20poly1305_ietf_encrypt(e->wrap + crypto_aead_xchacha20poly1305_ietf_NPUBBYTES, NULL,
							       key, PL_SEAL_KEY_SIZE, NULL, 0, NULL, nonce,
							       epoch->key) != 0)
			return pl_diag_set(d, PL_ECRYPTO, "wrapping the key to the members' key failed");
	}
	qsort(h->e, h->n, sizeof h->e[0], entry_qsort);
	for (size_t i = 1; i < h->n; i++)
		if (entry_cmp(&h->e[i - 1], &h->e[i]) == 0)
			return pl_diag_set(d, PL_EINVAL, "%s is named twice as a reader", h->e[i].party);
	return PL_OK;
}

int pl_seal_head_write(pl_seal_head *h, pl_buf *out)
{
	if (!kind_valid(h->kind) || !canonical(h))
		return PL_EINVAL;
	size_t start = out->len;
	uint8_t count[3] = {h->kind, (uint8_t)h->n, 0};
	if (h->kind == PL_SEAL_KEYS) {
		count[1] = (uint8_t)(h->n >> 8);
		count[2] = (uint8_t)h->n;
	}
	int rc = pl_buf_append(out, PL_SEAL_MAGIC, PL_SEAL_MAGIC_SIZE);
	if (rc == PL_OK)
		rc = pl_buf_append(out, count, h->kind == PL_SEAL_KEYS ? 3 : 2);
	for (size_t i = 0; rc == PL_OK && i < h->n; i++) {
		const pl_seal_entry *e = &h->e[i];
		rc = pl_buf_putc(out, e->type);
		if (e->type == PL_SEAL_PARTY) {
			uint8_t len = (uint8_t)strlen(e->party);
			if (rc == PL_OK && (rc = pl_buf_putc(out, len)) == PL_OK && (rc = pl_buf_append(out, e->party, len)) == PL_OK &&
			    (rc = pl_buf_append(out, e->fp, PL_SEAL_FP_SIZE)) == PL_OK)
				rc = pl_buf_append(out, e->wrap, PL_SEAL_WRAP_SIZE);
		} else {
			uint8_t be[8];
			for (int k = 0; k < 8; k++)
				be[k] = (uint8_t)(e->epoch >> (56 - 8 * k));
			if (rc == PL_OK && (rc = pl_buf_append(out, be, 8)) == PL_OK &&
			    (rc = pl_buf_append(out, e->fp, PL_SEAL_FP_SIZE)) == PL_OK)
				rc = pl_buf_append(out, e->wrap, PL_SEAL_EPOCH_WRAP_SIZE);
		}
	}
	if (rc == PL_OK && h->kind == PL_SEAL_BODY)
		rc = pl_buf_append(out, h->commitment, PL_SEAL_COMMITMENT_SIZE);
	if (rc != PL_OK) {
		pl_buf_truncate(out, start);
		return rc;
	}
	h->len = out->len - start;
	return PL_OK;
}

/* Takes n bytes from the cursor (p, left), or fails. */
static const uint8_t *take(const uint8_t **p, size_t *left, size_t n)
{
	if (*left < n)
		return NULL;
	const uint8_t *at = *p;
	*p += n;
	*left -= n;
	return at;
}

int pl_seal_head_parse(const uint8_t *p, size_t n, pl_seal_head *h, pl_diag *d)
{
	/* the entries one by one as they are read (a header is 36 KiB, its entries mostly unused) */
	h->kind = 0;
	h->n = 0;
	h->len = 0;
	memset(h->commitment, 0, sizeof h->commitment);
	const uint8_t *at = p, *x;
	size_t left = n;
	if ((x = take(&at, &left, PL_SEAL_MAGIC_SIZE + 2)) == NULL || memcmp(x, PL_SEAL_MAGIC, PL_SEAL_MAGIC_SIZE) != 0)
		return pl_diag_set(d, PL_EFORMAT, "not a sealed object of version 2 (PLSEAL02)");
	h->kind = x[PL_SEAL_MAGIC_SIZE];
	size_t count = x[PL_SEAL_MAGIC_SIZE + 1];
	if (!kind_valid(h->kind))
		return pl_diag_set(d, PL_EFORMAT, "a sealed object of unknown kind %u", h->kind);
	if (h->kind == PL_SEAL_KEYS) {
		if ((x = take(&at, &left, 1)) == NULL)
			return pl_diag_set(d, PL_EFORMAT, "the sealed object ends in its count");
		count = count << 8 | *x;
	}
	if (count == 0 || count > entries_max(h->kind))
		return pl_diag_set(d, PL_EFORMAT, "a sealed object of kind %u names 1 to %zu readers, not %zu", h->kind,
				   entries_max(h->kind), count);
	for (size_t i = 0; i < count; i++) {
		pl_seal_entry *e = &h->e[i];
		memset(e, 0, sizeof *e);
		const uint8_t *t = take(&at, &left, 1);
		if (t == NULL)
			return pl_diag_set(d, PL_EFORMAT, "the sealed object ends in reader entry %zu", i);
		e->type = *t;
		if (e->type == PL_SEAL_PARTY) {
			const uint8_t *len = take(&at, &left, 1), *name = len ? take(&at, &left, *len) : NULL;
			if (name == NULL || *len == 0 || *len > PL_PARTY_MAX)
				return pl_diag_set(d, PL_EFORMAT, "reader entry %zu: a name of 1 to %d bytes", i, PL_PARTY_MAX);
			if (!pl_party_name_valid((const char *)name, *len))
				return pl_diag_set(d, PL_EFORMAT, "reader entry %zu is not a valid party name", i);
			memcpy(e->party, name, *len);
			if ((x = take(&at, &left, PL_SEAL_FP_SIZE + PL_SEAL_WRAP_SIZE)) == NULL)
				return pl_diag_set(d, PL_EFORMAT, "the sealed object ends in reader entry %zu", i);
			memcpy(e->fp, x, PL_SEAL_FP_SIZE);
			memcpy(e->wrap, x + PL_SEAL_FP_SIZE, PL_SEAL_WRAP_SIZE);
		} else if (e->type == PL_SEAL_EPOCH && h->kind != PL_SEAL_KEYS) {
			if ((x = take(&at, &left, 8 + PL_SEAL_FP_SIZE + PL_SEAL_EPOCH_WRAP_SIZE)) == NULL)
				return pl_diag_set(d, PL_EFORMAT, "the sealed object ends in reader entry %zu", i);
			for (int k = 0; k < 8; k++)
				e->epoch = e->epoch << 8 | x[k];
			memcpy(e->fp, x + 8, PL_SEAL_FP_SIZE);
			memcpy(e->wrap, x + 8 + PL_SEAL_FP_SIZE, PL_SEAL_EPOCH_WRAP_SIZE);
		} else {
			return pl_diag_set(d, PL_EFORMAT, "reader entry %zu has the type %u, unknown%s", i, e->type,
					   h->kind == PL_SEAL_KEYS ? " or not one members' keys take" : "");
		}
		h->n = i + 1;
		if (i > 0 && entry_cmp(&h->e[i - 1], e) >= 0)
			return pl_diag_set(d, PL_EFORMAT,
					   "reader entry %zu is out of order or repeated (one epoch entry first, then parties by name)",
					   i);
	}
	if (h->kind == PL_SEAL_BODY) {
		if ((x = take(&at, &left, PL_SEAL_COMMITMENT_SIZE)) == NULL)
			return pl_diag_set(d, PL_EFORMAT, "the sealed body ends before its commitment");
		memcpy(h->commitment, x, PL_SEAL_COMMITMENT_SIZE);
	}
	h->len = n - left;
	return PL_OK;
}

static void put_str(pl_sha256_ctx *c, const char *s)
{
	uint8_t len = (uint8_t)strlen(s);
	pl_sha256_update(c, &len, 1);
	pl_sha256_update(c, s, len);
}

void pl_seal_ad(const pl_seal_ctx *ctx, const uint8_t *header, size_t n, uint8_t ad[PL_SHA256_SIZE])
{
	static const char body[] = "parley/seal/v2 body", blob[] = "parley/seal/v2 blob";
	pl_sha256_ctx c;
	pl_sha256_init(&c);
	if (ctx != NULL) {
		uint8_t be[8];
		for (int k = 0; k < 8; k++)
			be[k] = (uint8_t)(ctx->seq >> (56 - 8 * k));
		pl_sha256_update(&c, body, sizeof body); /* with its NUL */
		put_str(&c, ctx->origin);
		put_str(&c, ctx->type);
		put_str(&c, ctx->author);
		pl_sha256_update(&c, be, 8);
	} else {
		pl_sha256_update(&c, blob, sizeof blob);
	}
	pl_sha256_update(&c, header, n);
	pl_sha256_final(&c, ad);
}

/* The entry of ring's party whose fingerprint is one of ring's keys: the key's slot, or -1. */
static int find_party(const pl_seal_head *h, const pl_keyring *ring, size_t *entry, bool *named, uint8_t fp[])
{
	const char *me = ring->keys[0]->id.party;
	for (size_t i = 0; i < h->n; i++) {
		if (h->e[i].type != PL_SEAL_PARTY || strcmp(h->e[i].party, me) != 0)
			continue;
		*named = true;
		*entry = i;
		memcpy(fp, h->e[i].fp, PL_SEAL_FP_SIZE);
		for (size_t k = 0; k < ring->n; k++) {
			uint8_t mine[PL_SEAL_FP_SIZE];
			pl_seal_fingerprint(ring->keys[k]->id.box_pk, mine);
			if (memcmp(mine, h->e[i].fp, PL_SEAL_FP_SIZE) == 0)
				return (int)k;
		}
	}
	return -1;
}

int pl_seal_head_unwrap(const pl_seal_head *h, const pl_keyring *ring, const pl_epoch_ring *epochs,
			uint8_t key[PL_SEAL_KEY_SIZE], size_t *entry, pl_diag *d)
{
	size_t at = 0, dummy;
	if (entry == NULL)
		entry = &dummy;
	if (ring != NULL && ring->n > PL_KEYRING_MAX)
		return pl_diag_set(d, PL_EINVAL, "too many keys");
	for (size_t i = 1; ring != NULL && i < ring->n; i++)
		if (strcmp(ring->keys[i]->id.party, ring->keys[0]->id.party) != 0)
			return pl_diag_set(d, PL_EINVAL, "the keys to open with belong to %s and %s", ring->keys[0]->id.party,
					   ring->keys[i]->id.party);
	bool named = false;
	uint8_t fp[PL_SEAL_FP_SIZE] = {0};
	int k = ring != NULL && ring->n > 0 ? find_party(h, ring, &at, &named, fp) : -1;
	if (k >= 0) {
		const pl_party_key *pk = ring->keys[k];
		*entry = at;
		if (crypto_box_seal_open(key, h->e[at].wrap, PL_SEAL_WRAP_SIZE, pk->id.box_pk, pk->secret + PL_PARTY_BOX_SK) ==
		    0)
			return PL_OK;
		sodium_memzero(key, PL_SEAL_KEY_SIZE);
		return pl_diag_set(d, PL_EVERIFY,
				   "the key wrapped to %s's current fingerprint does not open with that key: the author's "
				   "misbehaviour (a box proof shows it)",
				   pk->id.party);
	}
	for (size_t i = 0; epochs != NULL && i < h->n; i++) {
		const pl_seal_entry *e = &h->e[i];
		for (size_t j = 0; e->type == PL_SEAL_EPOCH && j < epochs->n && j < PL_EPOCH_RING_MAX; j++) {
			uint8_t mine[PL_SEAL_FP_SIZE];
			if (epochs->keys[j]->epoch != e->epoch)
				continue;
			pl_seal_epoch_fingerprint(epochs->keys[j]->key, mine);
			if (memcmp(mine, e->fp, PL_SEAL_FP_SIZE) != 0)
				continue;
			*entry = i;
			const uint8_t *nonce = e->wrap, *c = e->wrap + crypto_aead_xchacha20poly1305_ietf_NPUBBYTES;
			if (crypto_aead_xchacha20poly1305_ietf_decrypt(key, NULL, NULL, c,
								       PL_SEAL_EPOCH_WRAP_SIZE -
									       crypto_aead_xchacha20poly1305_ietf_NPUBBYTES,
								       NULL, 0, nonce, epochs->keys[j]->key) == 0)
				return PL_OK;
			sodium_memzero(key, PL_SEAL_KEY_SIZE);
			return pl_diag_set(d, PL_EVERIFY,
					   "the key wrapped to the members' key of epoch %llu does not open with it: the "
					   "author's misbehaviour",
					   (unsigned long long)e->epoch);
		}
	}
	sodium_memzero(key, PL_SEAL_KEY_SIZE);
	if (named) {
		char hex[2 * PL_SEAL_FP_SIZE + 1];
		sodium_bin2hex(hex, sizeof hex, fp, PL_SEAL_FP_SIZE);
		return pl_diag_set(d, PL_ENOKEY,
				   "sealed to %s's key %s, which none of the %zu key%s given is (a key from before a "
				   "rotation? give it too)",
				   ring->keys[0]->id.party, hex, ring->n, ring->n == 1 ? "" : "s");
	}
	if (ring != NULL && ring->n > 0)
		return pl_diag_set(d, PL_ENOKEY, "%s is not one of the %zu readers%s", ring->keys[0]->id.party, h->n,
				   epochs != NULL && epochs->n > 0 ? ", and no members' key given opens it" : "");
	return pl_diag_set(d, PL_ENOKEY, "none of the keys given is one of the %zu readers'", h->n);
}
