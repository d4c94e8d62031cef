/* seal.c - sealed blobs: libsodium secretstream, the key sealed to each recipient (seal.h). */
#include "evidence/seal.h"

#include "base/sha256.h"

#include <errno.h>
#include <stdint.h>
#include <sodium.h>
#include <string.h>

#define MAGIC_V1 "PLSEAL01"
#define SEALED_KEY (crypto_box_SEALBYTES + crypto_secretstream_xchacha20poly1305_KEYBYTES)
#define CHUNK_OUT (PL_SEAL_CHUNK + crypto_secretstream_xchacha20poly1305_ABYTES)

_Static_assert(PL_SEAL_KEY_SIZE == crypto_secretstream_xchacha20poly1305_KEYBYTES, "a content key keys the stream");
_Static_assert(SEALED_KEY == PL_SEAL_WRAP_SIZE, "a wrapped key is the same in both versions");

/* Secrets for one blob, in guarded memory. */
typedef struct secrets {
	uint8_t key[crypto_secretstream_xchacha20poly1305_KEYBYTES];
	crypto_secretstream_xchacha20poly1305_state st;
} secrets;

/* Writes n bytes to out, hashing them. */
static int put(FILE *out, pl_sha256_ctx *h, const void *p, size_t n, uint64_t *count, pl_diag *d)
{
	if (n > 0 && fwrite(p, 1, n, out) != n)
		return pl_diag_errno(d, PL_EIO, errno, "writing the sealed blob");
	pl_sha256_update(h, p, n);
	*count += n;
	return PL_OK;
}

/* Reads exactly n bytes (PL_EFORMAT at a premature end). */
static int get(FILE *in, pl_sha256_ctx *h, void *p, size_t n, pl_seal_digest *dg, pl_diag *d)
{
	if (fread(p, 1, n, in) != n)
		return ferror(in) ? pl_diag_errno(d, PL_EIO, errno, "reading the sealed blob")
				  : pl_diag_set(d, PL_EFORMAT, "the sealed blob's header is truncated");
	pl_sha256_update(h, p, n);
	dg->sealed_size += n;
	return PL_OK;
}

int pl_seal(FILE *in, FILE *out, const pl_identity *recipients, size_t n, pl_seal_digest *dg, pl_diag *d)
{
	memset(dg, 0, sizeof *dg);
	if (n == 0 || n > PL_SEAL_RECIPIENTS_MAX)
		return pl_diag_set(d, PL_EINVAL, "a sealed blob has 1 to %d recipients", PL_SEAL_RECIPIENTS_MAX);
	secrets *s = sodium_malloc(sizeof *s);
	uint8_t *buf = malloc(PL_SEAL_CHUNK), *cbuf = malloc(CHUNK_OUT);
	pl_seal_head *hd = malloc(sizeof *hd);
	pl_buf raw;
	pl_buf_init(&raw, PL_SEAL_HEADER_MAX);
	int rc = PL_OK;
	if (s == NULL || buf == NULL || cbuf == NULL || hd == NULL) {
		rc = pl_diag_set(d, PL_ENOMEM, "out of memory");
		goto out;
	}
	crypto_secretstream_xchacha20poly1305_keygen(s->key);
	pl_sha256_ctx sealed, plain;
	pl_sha256_init(&sealed);
	pl_sha256_init(&plain);
	uint8_t ad[PL_SHA256_SIZE];
	if ((rc = pl_seal_head_wrap(hd, PL_SEAL_BLOB, s->key, recipients, n, NULL, d)) != PL_OK)
		goto out;
	if (pl_seal_head_write(hd, &raw) != PL_OK) { /* fits: at most PL_SEAL_HEADER_MAX bytes */
		rc = pl_diag_set(d, PL_ENOMEM, "out of memory");
		goto out;
	}
	pl_seal_ad(NULL, raw.data, raw.len, ad);
	if ((rc = put(out, &sealed, raw.data, raw.len, &dg->sealed_size, d)) != PL_OK)
		goto out;
	uint8_t header[crypto_secretstream_xchacha20poly1305_HEADERBYTES];
	if (crypto_secretstream_xchacha20poly1305_init_push(&s->st, header, s->key) != 0) {
		rc = pl_diag_set(d, PL_ECRYPTO, "starting the stream failed");
		goto out;
	}
	if ((rc = put(out, &sealed, header, sizeof header, &dg->sealed_size, d)) != PL_OK)
		goto out;
	/* read one chunk ahead so the last one (possibly empty) carries the FINAL tag */
	size_t got = fread(buf, 1, PL_SEAL_CHUNK, in);
	for (;;) {
		if (ferror(in)) {
			rc = pl_diag_errno(d, PL_EIO, errno, "reading the evidence file");
			goto out;
		}
		bool last = got < PL_SEAL_CHUNK;
		if (!last) {
			/* a full chunk: is there anything after it? */
			int c = fgetc(in);
			if (c == EOF)
				last = !ferror(in);
			else if (ungetc(c, in) == EOF) {
				rc = pl_diag_set(d, PL_EIO, "reading the evidence file");
				goto out;
			}
		}
		pl_sha256_update(&plain, buf, got);
		dg->plain_size += got;
		unsigned long long clen = 0;
		if (crypto_secretstream_xchacha20poly1305_push(&s->st, cbuf, &clen, buf, got, ad, sizeof ad,
							       last ? crypto_secretstream_xchacha20poly1305_TAG_FINAL
								    : 0) != 0) {
			rc = pl_diag_set(d, PL_ECRYPTO, "encrypting failed");
			goto out;
		}
		if ((rc = put(out, &sealed, cbuf, (size_t)clen, &dg->sealed_size, d)) != PL_OK)
			goto out;
		if (last)
			break;
		got = fread(buf, 1, PL_SEAL_CHUNK, in);
	}
	if (fflush(out) != 0) {
		rc = pl_diag_errno(d, PL_EIO, errno, "writing the sealed blob");
		goto out;
	}
	pl_sha256_final(&plain, dg->plain);
	pl_sha256_final(&sealed, dg->sealed);
out:
	if (s != NULL)
		sodium_free(s); /* zeroes the key and the state */
	if (buf != NULL)
		sodium_memzero(buf, PL_SEAL_CHUNK);
	free(buf);
	free(cbuf);
	free(hd);
	pl_buf_release(&raw);
	return rc;
}

/* A blob's header as read: its version, its bytes, its readers, the additional data of its stream. */
typedef struct head {
	int version;
	uint8_t raw[PL_SEAL_HEADER_MAX];
	size_t len;
	pl_seal_head h;
	uint8_t ad[PL_SHA256_SIZE];
} head;

/* Reads n more header bytes into hd->raw. */
static int more(FILE *in, pl_sha256_ctx *sealed, head *hd, size_t n, pl_seal_digest *dg, pl_diag *d)
{
	if (n > sizeof hd->raw - hd->len)
		return pl_diag_set(d, PL_EFORMAT, "the sealed blob's header is too long");
	int rc = get(in, sealed, hd->raw + hd->len, n, dg, d);
	if (rc == PL_OK)
		hd->len += n;
	return rc;
}

/* Version 1: count, then name length, name and sealed key per recipient (no order, no fingerprints). */
static int read_v1(FILE *in, pl_sha256_ctx *sealed, head *hd, pl_seal_digest *dg, pl_diag *d)
{
	int rc = more(in, sealed, hd, 1, dg, d);
	if (rc != PL_OK)
		return rc;
	unsigned n = hd->raw[hd->len - 1];
	if (n == 0 || n > PL_SEAL_V1_RECIPIENTS_MAX)
		return pl_diag_set(d, PL_EFORMAT, "a sealed blob names 1 to %d recipients, not %u", PL_SEAL_V1_RECIPIENTS_MAX,
				   n);
	hd->h.kind = PL_SEAL_BLOB;
	hd->h.n = 0;
	for (unsigned i = 0; i < n; i++) {
		if ((rc = more(in, sealed, hd, 1, dg, d)) != PL_OK)
			return rc;
		size_t len = hd->raw[hd->len - 1];
		if (len == 0 || len > PL_PARTY_MAX)
			return pl_diag_set(d, PL_EFORMAT, "recipient %u's name has %zu bytes", i, len);
		if ((rc = more(in, sealed, hd, len + SEALED_KEY, dg, d)) != PL_OK)
			return rc;
		const uint8_t *name = hd->raw + hd->len - SEALED_KEY - len;
		if (!pl_party_name_valid((const char *)name, len))
			return pl_diag_set(d, PL_EFORMAT, "recipient %u is not a valid party name", i);
		pl_seal_entry *e = &hd->h.e[hd->h.n++];
		memset(e, 0, sizeof *e);
		e->type = PL_SEAL_PARTY;
		memcpy(e->party, name, len);
		memcpy(e->wrap, name + len, SEALED_KEY);
	}
	hd->h.len = hd->len;
	pl_sha256(hd->raw, hd->len, hd->ad);
	return PL_OK;
}

/* Version 2: kind and count, then each entry by its type; pl_seal_head_parse checks the whole. */
static int read_v2(FILE *in, pl_sha256_ctx *sealed, head *hd, pl_seal_digest *dg, pl_diag *d)
{
	int rc = more(in, sealed, hd, 2, dg, d);
	if (rc != PL_OK)
		return rc;
	if (hd->raw[8] != PL_SEAL_BLOB)
		return pl_diag_set(d, PL_EFORMAT, "a sealed object of kind %u, not a blob (2)", hd->raw[8]);
	unsigned n = hd->raw[9];
	if (n == 0 || n > PL_SEAL_RECIPIENTS_MAX)
		return pl_diag_set(d, PL_EFORMAT, "a sealed blob names 1 to %d readers, not %u", PL_SEAL_RECIPIENTS_MAX, n);
	for (unsigned i = 0; i < n; i++) {
		if ((rc = more(in, sealed, hd, 1, dg, d)) != PL_OK)
			return rc;
		uint8_t type = hd->raw[hd->len - 1];
		if (type == PL_SEAL_PARTY) {
			if ((rc = more(in, sealed, hd, 1, dg, d)) != PL_OK)
				return rc;
			rc = more(in, sealed, hd, (size_t)hd->raw[hd->len - 1] + PL_SEAL_FP_SIZE + PL_SEAL_WRAP_SIZE, dg, d);
		} else if (type == PL_SEAL_EPOCH) {
			rc = more(in, sealed, hd, 8 + PL_SEAL_FP_SIZE + PL_SEAL_EPOCH_WRAP_SIZE, dg, d);
		} else {
			return pl_diag_set(d, PL_EFORMAT, "reader entry %u has the type %u, unknown", i, type);
		}
		if (rc != PL_OK)
			return rc;
	}
	if ((rc = pl_seal_head_parse(hd->raw, hd->len, &hd->h, d)) != PL_OK)
		return rc;
	pl_seal_ad(NULL, hd->raw, hd->len, hd->ad);
	return PL_OK;
}

/* Reads a blob's header of either version. */
static int read_head(FILE *in, pl_sha256_ctx *sealed, head *hd, pl_seal_digest *dg, pl_diag *d)
{
	hd->len = 0;
	int rc = more(in, sealed, hd, PL_SEAL_MAGIC_SIZE, dg, d);
	if (rc != PL_OK)
		return rc;
	if (memcmp(hd->raw, PL_SEAL_MAGIC, PL_SEAL_MAGIC_SIZE) == 0) {
		hd->version = 2;
		return read_v2(in, sealed, hd, dg, d);
	}
	if (memcmp(hd->raw, MAGIC_V1, PL_SEAL_MAGIC_SIZE) == 0) {
		hd->version = 1;
		return read_v1(in, sealed, hd, dg, d);
	}
	return pl_diag_set(d, PL_EFORMAT, "not a Parley sealed blob (bad magic)");
}

int pl_seal_header(const uint8_t *p, size_t n, pl_seal_head *h, int *version, pl_diag *d)
{
	if (n == 0)
		return pl_diag_set(d, PL_EFORMAT, "not a Parley sealed blob (empty)");
	head *hd = malloc(sizeof *hd);
	FILE *in = hd != NULL ? fmemopen((void *)(uintptr_t)p, n < PL_SEAL_HEADER_MAX ? n : PL_SEAL_HEADER_MAX, "rb") : NULL;
	if (in == NULL) {
		free(hd);
		return pl_diag_set(d, PL_ENOMEM, "out of memory");
	}
	pl_sha256_ctx sealed;
	pl_sha256_init(&sealed);
	pl_seal_digest dg;
	memset(&dg, 0, sizeof dg);
	int rc = read_head(in, &sealed, hd, &dg, d);
	fclose(in);
	if (rc == PL_EIO) /* reading memory: only a premature end */
		rc = pl_diag_set(d, PL_EFORMAT, "the sealed blob's header is truncated");
	if (rc == PL_OK) {
		*version = hd->version;
		h->kind = hd->h.kind;
		h->n = hd->h.n;
		memcpy(h->e, hd->h.e, hd->h.n * sizeof h->e[0]);
		memset(h->commitment, 0, sizeof h->commitment);
		h->len = hd->len;
	}
	free(hd);
	return rc;
}

/* Version 1: the first key of ring that opens the key sealed to its party. */
static int unwrap_v1(const head *hd, const pl_keyring *ring, uint8_t key[PL_SEAL_KEY_SIZE], pl_diag *d)
{
	const char *me = ring->keys[0]->id.party;
	const pl_seal_entry *mine = NULL;
	for (size_t i = 0; i < hd->h.n && mine == NULL; i++)
		if (strcmp(hd->h.e[i].party, me) == 0)
			mine = &hd->h.e[i];
	if (mine == NULL)
		return pl_diag_set(d, PL_ENOKEY, "%s is not one of the blob's %zu recipients", me, hd->h.n);
	for (size_t i = 0; i < ring->n; i++)
		if (crypto_box_seal_open(key, mine->wrap, SEALED_KEY, ring->keys[i]->id.box_pk,
					 ring->keys[i]->secret + PL_PARTY_BOX_SK) == 0)
			return PL_OK;
	return pl_diag_set(d, PL_ENOKEY,
			   "the key sealed to %s opens with none of the %zu secret key%s given: it was sealed to a "
			   "key %s had before (a rotation?); give that older key too (--old-key FILE)",
			   me, ring->n, ring->n == 1 ? "" : "s", me);
}

uint64_t pl_seal_sealed_size(size_t header_len, uint64_t plain_size)
{
	/* the stream's header, then every chunk with its tag: full chunks, the last one shorter or empty and FINAL
	 * (a plaintext of a whole number of chunks ends with a full FINAL chunk: pl_seal reads one chunk ahead) */
	uint64_t chunks = plain_size == 0 ? 1 : (plain_size + PL_SEAL_CHUNK - 1) / PL_SEAL_CHUNK;
	return (uint64_t)header_len + crypto_secretstream_xchacha20poly1305_HEADERBYTES + plain_size +
	       chunks * crypto_secretstream_xchacha20poly1305_ABYTES;
}

int pl_unseal(FILE *in, FILE *out, const pl_party_key *k, const uint8_t want_plain[PL_SHA256_SIZE], pl_seal_digest *dg,
	      pl_diag *d)
{
	pl_keyring ring = {.keys = {k}, .n = 1};
	return pl_unseal_ring(in, out, &ring, want_plain, dg, d);
}

int pl_unseal_ring(FILE *in, FILE *out, const pl_keyring *ring, const uint8_t want_plain[PL_SHA256_SIZE],
		   pl_seal_digest *dg, pl_diag *d)
{
	if (ring == NULL || ring->n == 0 || ring->n > PL_KEYRING_MAX)
		return pl_diag_set(d, PL_EINVAL, "no key to open the blob with");
	const pl_party_key *k = ring->keys[0];
	for (size_t i = 1; i < ring->n; i++)
		if (strcmp(ring->keys[i]->id.party, k->id.party) != 0)
			return pl_diag_set(d, PL_EINVAL, "the keys to open a blob with belong to %s and %s", k->id.party,
					   ring->keys[i]->id.party);
	pl_seal_digest local;
	if (dg == NULL)
		dg = &local;
	memset(dg, 0, sizeof *dg);
	pl_sha256_ctx sealed, plain;
	pl_sha256_init(&sealed);
	pl_sha256_init(&plain);
	secrets *s = sodium_malloc(sizeof *s);
	uint8_t *cbuf = malloc(CHUNK_OUT), *buf = malloc(PL_SEAL_CHUNK);
	head *hd = malloc(sizeof *hd);
	int rc = PL_OK;
	if (s == NULL || cbuf == NULL || buf == NULL || hd == NULL) {
		rc = pl_diag_set(d, PL_ENOMEM, "out of memory");
		goto out;
	}
	if ((rc = read_head(in, &sealed, hd, dg, d)) != PL_OK)
		goto out;
	if ((rc = hd->version == 2 ? pl_seal_head_unwrap(&hd->h, ring, NULL, s->key, NULL, d) : unwrap_v1(hd, ring, s->key, d)) !=
	    PL_OK)
		goto out;
	const uint8_t *ad = hd->ad;
	uint8_t header[crypto_secretstream_xchacha20poly1305_HEADERBYTES];
	if ((rc = get(in, &sealed, header, sizeof header, dg, d)) != PL_OK)
		goto out;
	if (crypto_secretstream_xchacha20poly1305_init_pull(&s->st, header, s->key) != 0) {
		rc = pl_diag_set(d, PL_EVERIFY, "the stream header is invalid");
		goto out;
	}
	for (;;) {
		size_t got = fread(cbuf, 1, CHUNK_OUT, in);
		if (ferror(in)) {
			rc = pl_diag_errno(d, PL_EIO, errno, "reading the sealed blob");
			goto out;
		}
		pl_sha256_update(&sealed, cbuf, got);
		dg->sealed_size += got;
		unsigned long long mlen = 0;
		unsigned char tag = 0;
		if (got < crypto_secretstream_xchacha20poly1305_ABYTES ||
		    crypto_secretstream_xchacha20poly1305_pull(&s->st, buf, &mlen, &tag, cbuf, got, ad, PL_SHA256_SIZE) != 0) {
			rc = pl_diag_set(d, PL_EVERIFY, "chunk %llu of the sealed blob does not authenticate (tampered or truncated)",
					 (unsigned long long)(dg->plain_size / PL_SEAL_CHUNK));
			goto out;
		}
		if (mlen > 0 && fwrite(buf, 1, (size_t)mlen, out) != (size_t)mlen) {
			rc = pl_diag_errno(d, PL_EIO, errno, "writing the plaintext");
			goto out;
		}
		pl_sha256_update(&plain, buf, (size_t)mlen);
		dg->plain_size += mlen;
		if (tag == crypto_secretstream_xchacha20poly1305_TAG_FINAL) {
			if (fgetc(in) != EOF) {
				rc = pl_diag_set(d, PL_EVERIFY, "bytes follow the sealed blob's final chunk");
				goto out;
			}
			break;
		}
		if (got < CHUNK_OUT) {
			rc = pl_diag_set(d, PL_EVERIFY, "the sealed blob ends before its final chunk (truncated)");
			goto out;
		}
	}
	if (fflush(out) != 0) {
		rc = pl_diag_errno(d, PL_EIO, errno, "writing the plaintext");
		goto out;
	}
	pl_sha256_final(&plain, dg->plain);
	pl_sha256_final(&sealed, dg->sealed);
	if (want_plain != NULL && sodium_memcmp(dg->plain, want_plain, PL_SHA256_SIZE) != 0)
		rc = pl_diag_set(d, PL_EVERIFY, "the plaintext does not have the SHA-256 the statement records");
out:
	if (s != NULL)
		sodium_free(s);
	free(hd);
	if (buf != NULL)
		sodium_memzero(buf, PL_SEAL_CHUNK);
	free(buf);
	free(cbuf);
	return rc;
}
