/* sealed.c - sealed statement bodies: canonical text, compression, padding, commitment, AEAD (sealed.h). */
#include "statement/sealed.h"

#include "base/codec.h"
#include "base/deflate.h"
#include "base/jcs.h"
#include "base/json.h"
#include "base/refusal.h"
#include "base/sha256.h"

#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#define FRAME (PL_SEALED_SALT_SIZE + PL_SEALED_LEN_SIZE) /* what precedes the compressed body */

/* An incompressible body of the largest size still fits the largest bucket (deflate.h's bound). */
_Static_assert(FRAME + PL_SEALED_JSON_MAX + (PL_SEALED_JSON_MAX >> 12) + (PL_SEALED_JSON_MAX >> 14) + 7 <=
		       PL_SEALED_BUCKET_MAX,
	       "the largest body fits the largest bucket");
_Static_assert(PL_SEALED_TAG_SIZE == crypto_aead_xchacha20poly1305_ietf_ABYTES, "the tag is the AEAD's");

const size_t pl_sealed_buckets[PL_SEALED_NBUCKETS] = PL_SEALED_BUCKETS;

size_t pl_sealed_bucket_for(size_t n)
{
	for (size_t i = 0; i < PL_SEALED_NBUCKETS; i++)
		if (n <= pl_sealed_buckets[i] - FRAME)
			return pl_sealed_buckets[i];
	return 0;
}

static void put_str(pl_sha256_ctx *c, const char *s)
{
	uint8_t len = (uint8_t)strlen(s);
	pl_sha256_update(c, &len, 1);
	pl_sha256_update(c, s, len);
}

void pl_sealed_commit(const pl_seal_ctx *ctx, const uint8_t salt[PL_SEALED_SALT_SIZE], const uint8_t *canon,
		      size_t n, uint8_t out[PL_SEAL_COMMITMENT_SIZE])
{
	static const char tag[] = "parley/seal/v2 commitment";
	uint8_t be[8];
	for (int k = 0; k < 8; k++)
		be[k] = (uint8_t)(ctx->seq >> (56 - 8 * k));
	pl_sha256_ctx c;
	pl_sha256_init(&c);
	pl_sha256_update(&c, tag, sizeof tag); /* with its NUL */
	put_str(&c, ctx->origin);
	put_str(&c, ctx->author);
	pl_sha256_update(&c, be, 8);
	put_str(&c, ctx->type);
	pl_sha256_update(&c, salt, PL_SEALED_SALT_SIZE);
	pl_sha256_update(&c, canon, n);
	pl_sha256_final(&c, out);
}

/* ---- the canonical body ---- */

static bool key_ok(const char *k)
{
	size_t n = strlen(k);
	if (n == 0 || n > PL_SEALED_KEY_MAX || k[0] < 'a' || k[0] > 'z')
		return false;
	for (size_t i = 1; i < n; i++)
		if (!((k[i] >= 'a' && k[i] <= 'z') || (k[i] >= '0' && k[i] <= '9') || k[i] == '_'))
			return false;
	return true;
}

/* Every key at every level is a field name. */
static bool keys_ok(const json_t *v)
{
	const char *k;
	json_t *x;
	size_t i;
	if (json_is_object(v)) {
		json_object_foreach((json_t *)(uintptr_t)v, k, x)
		{
			if (!key_ok(k) || !keys_ok(x))
				return false;
		}
	} else if (json_is_array(v)) {
		json_array_foreach(v, i, x)
		{
			if (!keys_ok(x))
				return false;
		}
	}
	return true;
}

static bool alnum(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

/* "en", "fr-CA", "zh-Hant-TW": 2-3 lower-case letters, then "-" and 1-8 letters or digits, repeated. */
static bool lang_ok(const char *s, size_t n)
{
	size_t i = 0;
	while (i < n && s[i] >= 'a' && s[i] <= 'z')
		i++;
	if (i < 2 || i > 3 || n > PL_SEALED_LANG_MAX)
		return false;
	while (i < n) {
		if (s[i++] != '-')
			return false;
		size_t start = i;
		while (i < n && alnum(s[i]))
			i++;
		if (i - start < 1 || i - start > 8)
			return false;
	}
	return true;
}

int pl_sealed_body_parse(const uint8_t *canon, size_t n, json_t **out, pl_diag *d)
{
	*out = NULL;
	if (n > PL_SEALED_JSON_MAX)
		return pl_diag_set(d, PL_ETOOBIG, "the sealed body has %zu bytes, at most %d", n, PL_SEALED_JSON_MAX);
	json_t *v = NULL;
	pl_buf again;
	pl_buf_init(&again, PL_SEALED_JSON_MAX);
	int rc = pl_json_parse(canon, n, PL_SEALED_JSON_MAX, &v, d);
	if (rc == PL_ETOOBIG)
		rc = pl_diag_set(d, PL_EFORMAT, "the sealed body nests too deep");
	if (rc != PL_OK)
		goto out;
	const json_t *lang = json_object_get(v, "lang");
	if (!json_is_object(v))
		rc = pl_diag_set(d, PL_EFORMAT, "the sealed body is not a JSON object");
	else if (!keys_ok(v))
		rc = pl_diag_set(d, PL_EFORMAT, "a field name of the sealed body is not 1-%d bytes of a-z, 0-9, _",
				 PL_SEALED_KEY_MAX);
	else if (!json_is_string(lang) || !lang_ok(json_string_value(lang), json_string_length(lang)))
		rc = pl_diag_set(d, PL_EFORMAT, "the sealed body has no \"lang\" tag (like \"en\" or \"fr-CA\")");
	else if ((rc = pl_jcs(v, &again)) != PL_OK)
		rc = rc == PL_ENOMEM ? pl_diag_set(d, rc, "out of memory")
				     : pl_diag_set(d, PL_EFORMAT, "the sealed body holds a value Parley does not seal "
								  "(null, a real number, a key outside ASCII)");
	else if (again.len != n || memcmp(again.data, canon, n) != 0)
		rc = pl_diag_set(d, PL_EFORMAT, "the sealed body is not in canonical form (RFC 8785)");
out:
	pl_buf_release(&again);
	if (rc == PL_OK)
		*out = v;
	else
		json_decref(v);
	return rc;
}

/* ---- sealing ---- */

int pl_sealed_seal(const pl_seal_ctx *ctx, const json_t *fields, const pl_identity *readers, size_t n,
		   const pl_epoch_key *epoch, pl_buf *out, pl_diag *d)
{
	if (!pl_seal_ctx_valid(ctx) || fields == NULL || out == NULL)
		return pl_diag_set(d, PL_EINVAL, "no statement to seal a body for");
	if (sodium_init() < 0)
		return pl_diag_set(d, PL_ECRYPTO, "libsodium failed to initialise");
	const size_t start = out->len;
	pl_buf canon, inner;
	pl_buf_init(&canon, PL_SEALED_JSON_MAX);
	pl_buf_init(&inner, PL_SEALED_BUCKET_MAX);
	json_t *check = NULL;
	uint8_t *key = sodium_malloc(PL_SEAL_KEY_SIZE);
	pl_seal_head *h = malloc(sizeof *h);
	int rc = key && h ? pl_jcs(fields, &canon) : PL_ENOMEM;
	if (rc == PL_ETOOBIG) {
		rc = pl_diag_set(d, PL_ETOOBIG, "the sealed part is over %d bytes as canonical JSON: shorten its texts",
				 PL_SEALED_JSON_MAX);
		goto out;
	}
	if (rc == PL_EFORMAT) {
		rc = pl_diag_set(d, PL_EFORMAT, "the sealed part holds a value Parley does not seal");
		goto out;
	}
	if (rc != PL_OK || (rc = pl_sealed_body_parse(canon.data, canon.len, &check, d)) != PL_OK)
		goto out;
	randombytes_buf(key, PL_SEAL_KEY_SIZE);
	if ((rc = pl_seal_head_wrap(h, PL_SEAL_BODY, key, readers, n, epoch, d)) != PL_OK)
		goto out;
	/* the padded plaintext: salt, length, compressed body, zeros */
	if ((rc = pl_buf_reserve(&inner, PL_SEALED_BUCKET_MAX)) != PL_OK)
		goto out;
	randombytes_buf(inner.data, PL_SEALED_SALT_SIZE);
	pl_sealed_commit(ctx, inner.data, canon.data, canon.len, h->commitment);
	inner.len = FRAME;
	if ((rc = pl_deflate_raw(canon.data, canon.len, &inner)) != PL_OK)
		goto out; /* never PL_ETOOBIG: the static assertion above */
	size_t zlen = inner.len - FRAME, bucket = pl_sealed_bucket_for(zlen);
	for (int k = 0; k < PL_SEALED_LEN_SIZE; k++)
		inner.data[PL_SEALED_SALT_SIZE + k] = (uint8_t)(zlen >> (8 * (PL_SEALED_LEN_SIZE - 1 - k)));
	memset(inner.data + inner.len, 0, bucket - inner.len);
	inner.len = bucket;
	if ((rc = pl_seal_head_write(h, out)) != PL_OK)
		goto out;
	uint8_t ad[PL_SHA256_SIZE], nonce[crypto_aead_xchacha20poly1305_ietf_NPUBBYTES] = {0};
	pl_seal_ad(ctx, out->data + start, h->len, ad);
	if ((rc = pl_buf_reserve(out, bucket + PL_SEALED_TAG_SIZE)) != PL_OK)
		goto out;
	unsigned long long clen = 0;
	if (crypto_aead_xchacha20poly1305_ietf_encrypt(out->data + out->len, &clen, inner.data, inner.len, ad, sizeof ad,
						       NULL, nonce, key) != 0) {
		rc = pl_diag_set(d, PL_ECRYPTO, "encrypting the sealed body failed");
		goto out;
	}
	out->len += (size_t)clen;
out:
	if (rc == PL_ENOMEM)
		pl_diag_set(d, rc, "out of memory");
	if (rc != PL_OK)
		pl_buf_truncate(out, start);
	json_decref(check);
	pl_buf_wipe(&inner);
	pl_buf_release(&canon);
	if (h != NULL)
		sodium_memzero(h, sizeof *h);
	free(h);
	if (key != NULL)
		sodium_free(key);
	return rc;
}

/* ---- opening ---- */

int pl_sealed_parse(const uint8_t *obj, size_t n, pl_seal_head *h, size_t *bucket, pl_diag *d)
{
	int rc = pl_seal_head_parse(obj, n, h, d);
	if (rc != PL_OK)
		return rc;
	if (h->kind != PL_SEAL_BODY)
		return pl_diag_set(d, PL_EFORMAT, "a sealed blob where a sealed body belongs");
	size_t rest = n - h->len;
	for (size_t i = 0; i < PL_SEALED_NBUCKETS; i++)
		if (rest == pl_sealed_buckets[i] + PL_SEALED_TAG_SIZE) {
			*bucket = pl_sealed_buckets[i];
			return PL_OK;
		}
	return pl_diag_set(d, PL_EFORMAT, "the sealed body's ciphertext has %zu bytes, not a padded size", rest);
}

void pl_sealed_plain_release(pl_sealed_plain *p)
{
	if (p == NULL)
		return;
	json_decref(p->fields);
	pl_buf_wipe(&p->canon);
	if (p->key != NULL)
		sodium_free(p->key);
	sodium_memzero(p, sizeof *p);
}

static int fault(pl_sealed_plain *out, pl_sealed_fault f, int rc)
{
	if (rc == PL_EVERIFY)
		out->fault = f;
	return rc;
}

/* Decrypts, unpads, inflates, parses and checks the commitment, with out->key. */
static int open_with(const pl_seal_ctx *ctx, const uint8_t *obj, const pl_seal_head *h, size_t bucket,
		     pl_sealed_plain *out, pl_diag *d)
{
	pl_buf inner;
	pl_buf_init(&inner, PL_SEALED_BUCKET_MAX);
	uint8_t ad[PL_SHA256_SIZE], nonce[crypto_aead_xchacha20poly1305_ietf_NPUBBYTES] = {0};
	pl_seal_ad(ctx, obj, h->len, ad);
	int rc = pl_buf_reserve(&inner, bucket);
	unsigned long long mlen = 0;
	if (rc != PL_OK) {
		rc = pl_diag_set(d, rc, "out of memory");
		goto out;
	}
	if (crypto_aead_xchacha20poly1305_ietf_decrypt(inner.data, &mlen, NULL, obj + h->len, bucket + PL_SEALED_TAG_SIZE,
						       ad, sizeof ad, nonce, out->key) != 0) {
		rc = fault(out, PL_SEALED_FAULT_CIPHER,
			   pl_diag_set(d, PL_EVERIFY, "the content key does not open the sealed body: the author's "
						      "misbehaviour (or the bytes were changed under its signature)"));
		goto out;
	}
	inner.len = (size_t)mlen;
	size_t zlen = 0;
	for (int k = 0; k < PL_SEALED_LEN_SIZE; k++)
		zlen = zlen << 8 | inner.data[PL_SEALED_SALT_SIZE + k];
	bool padded = zlen <= bucket - FRAME && pl_sealed_bucket_for(zlen) == bucket;
	for (size_t i = FRAME + (padded ? zlen : 0); padded && i < bucket; i++)
		padded = inner.data[i] == 0;
	if (!padded) {
		rc = fault(out, PL_SEALED_FAULT_CONTENT,
			   pl_diag_set(d, PL_EVERIFY, "the sealed body is not padded as it must be (length %zu in a "
						      "bucket of %zu): the author's misbehaviour",
				       zlen, bucket));
		goto out;
	}
	memcpy(out->salt, inner.data, PL_SEALED_SALT_SIZE);
	pl_buf_init(&out->canon, PL_SEALED_JSON_MAX);
	rc = pl_inflate_raw(inner.data + FRAME, zlen, PL_SEALED_JSON_MAX, &out->canon);
	if (rc == PL_EFORMAT || rc == PL_ETOOBIG) {
		rc = fault(out, PL_SEALED_FAULT_CONTENT,
			   pl_diag_set(d, PL_EVERIFY, "the sealed body does not inflate to at most %d bytes: the "
						      "author's misbehaviour",
				       PL_SEALED_JSON_MAX));
		goto out;
	}
	if (rc != PL_OK) {
		rc = pl_diag_set(d, rc, "out of memory");
		goto out;
	}
	pl_diag why = {0};
	rc = pl_sealed_body_parse(out->canon.data, out->canon.len, &out->fields, &why);
	if (rc == PL_EFORMAT || rc == PL_ETOOBIG) {
		rc = fault(out, PL_SEALED_FAULT_CONTENT, pl_diag_set(d, PL_EVERIFY, "%s: the author's misbehaviour", why.msg));
		goto out;
	}
	if (rc != PL_OK) {
		rc = pl_diag_set(d, rc, "%s", pl_diag_text(&why, rc));
		goto out;
	}
	uint8_t c[PL_SEAL_COMMITMENT_SIZE];
	pl_sealed_commit(ctx, out->salt, out->canon.data, out->canon.len, c);
	if (sodium_memcmp(c, h->commitment, PL_SEAL_COMMITMENT_SIZE) != 0)
		rc = fault(out, PL_SEALED_FAULT_COMMITMENT,
			   pl_diag_set(d, PL_EVERIFY, "the sealed body is not the one its commitment names: the "
						      "author's misbehaviour (a key proof shows it)"));
out:
	pl_buf_wipe(&inner);
	if (rc != PL_OK) {
		json_decref(out->fields);
		out->fields = NULL;
	}
	return rc;
}

/* The common start of both openings: out zeroed, the public part parsed into a new header. */
static int start(const pl_seal_ctx *ctx, const uint8_t *obj, size_t n, pl_sealed_plain *out, pl_seal_head **h,
		 pl_diag *d)
{
	memset(out, 0, sizeof *out);
	*h = NULL;
	if (!pl_seal_ctx_valid(ctx) || obj == NULL)
		return pl_diag_set(d, PL_EINVAL, "no statement to open a body of");
	if (sodium_init() < 0)
		return pl_diag_set(d, PL_ECRYPTO, "libsodium failed to initialise");
	if ((*h = malloc(sizeof **h)) == NULL || (out->key = sodium_malloc(PL_SEAL_KEY_SIZE)) == NULL)
		return pl_diag_set(d, PL_ENOMEM, "out of memory");
	return pl_sealed_parse(obj, n, *h, &out->bucket, d);
}

int pl_sealed_open(const pl_seal_ctx *ctx, const uint8_t *obj, size_t n, const pl_keyring *ring,
		   const pl_epoch_ring *epochs, pl_sealed_plain *out, pl_diag *d)
{
	pl_seal_head *h;
	int rc = start(ctx, obj, n, out, &h, d);
	if (rc == PL_OK) {
		rc = pl_seal_head_unwrap(h, ring, epochs, out->key, &out->entry, d);
		if (rc == PL_EVERIFY)
			out->fault = PL_SEALED_FAULT_WRAP;
	}
	if (rc == PL_OK)
		rc = open_with(ctx, obj, h, out->bucket, out, d);
	if (rc != PL_OK && rc != PL_EVERIFY && out->key != NULL) {
		sodium_free(out->key);
		out->key = NULL;
	}
	if (out->fault == PL_SEALED_FAULT_WRAP || out->fault == PL_SEALED_FAULT_CIPHER) {
		sodium_free(out->key); /* a box proof needs the box, not this key */
		out->key = NULL;
	}
	free(h);
	return rc;
}

int pl_sealed_open_key(const pl_seal_ctx *ctx, const uint8_t *obj, size_t n, const uint8_t key[PL_SEAL_KEY_SIZE],
		       pl_sealed_plain *out, pl_diag *d)
{
	pl_seal_head *h;
	int rc = start(ctx, obj, n, out, &h, d);
	if (rc == PL_OK) {
		memcpy(out->key, key, PL_SEAL_KEY_SIZE);
		rc = open_with(ctx, obj, h, out->bucket, out, d);
	}
	free(h);
	return rc;
}

int pl_sealed_head_b64(const char *b64, size_t len, pl_seal_head *h, pl_refusal *v)
{
	size_t n = 0, bucket = 0;
	pl_diag d = {0};
	if (len > pl_b64_len(PL_SEALED_OBJECT_MAX))
		return pl_refuse(v, PL_R_SEALED_MALFORMED, "\"sealed\" is longer than the largest sealed body (%zu characters)",
				 pl_b64_len(PL_SEALED_OBJECT_MAX));
	uint8_t *obj = malloc(PL_SEALED_OBJECT_MAX);
	if (obj == NULL)
		return PL_ENOMEM;
	int rc = PL_OK;
	if (pl_b64_decode((const uint8_t *)b64, len, obj, PL_SEALED_OBJECT_MAX, &n) != PL_OK)
		rc = pl_refuse(v, PL_R_SEALED_MALFORMED, "\"sealed\" is not canonical base64 of a sealed body");
	else if ((rc = pl_sealed_parse(obj, n, h, &bucket, &d)) != PL_OK)
		rc = rc == PL_ENOMEM ? PL_ENOMEM : pl_refuse(v, PL_R_SEALED_MALFORMED, "\"sealed\": %s", d.msg);
	free(obj);
	return rc;
}
