/* seal.c - sealed blobs: libsodium secretstream, the key sealed to each recipient (seal.h). */
#include "evidence/seal.h"

#include "base/sha256.h"

#include <errno.h>
#include <stdint.h>
#include <sodium.h>
#include <string.h>

#define MAGIC "PLSEAL01"
#define SEALED_KEY (crypto_box_SEALBYTES + crypto_secretstream_xchacha20poly1305_KEYBYTES)
#define CHUNK_OUT (PL_SEAL_CHUNK + crypto_secretstream_xchacha20poly1305_ABYTES)

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
	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < i; j++)
			if (strcmp(recipients[i].party, recipients[j].party) == 0)
				return pl_diag_set(d, PL_EINVAL, "%s is named twice as a recipient", recipients[i].party);
	secrets *s = sodium_malloc(sizeof *s);
	uint8_t *buf = malloc(PL_SEAL_CHUNK), *cbuf = malloc(CHUNK_OUT);
	int rc = PL_OK;
	if (s == NULL || buf == NULL || cbuf == NULL) {
		rc = pl_diag_set(d, PL_ENOMEM, "out of memory");
		goto out;
	}
	crypto_secretstream_xchacha20poly1305_keygen(s->key);
	pl_sha256_ctx sealed, plain, head;
	pl_sha256_init(&sealed);
	pl_sha256_init(&plain);
	pl_sha256_init(&head);
	uint8_t count = (uint8_t)n, ad[PL_SHA256_SIZE];
	if ((rc = put(out, &sealed, MAGIC, 8, &dg->sealed_size, d)) != PL_OK ||
	    (rc = put(out, &sealed, &count, 1, &dg->sealed_size, d)) != PL_OK)
		goto out;
	pl_sha256_update(&head, MAGIC, 8);
	pl_sha256_update(&head, &count, 1);
	for (size_t i = 0; i < n; i++) {
		uint8_t len = (uint8_t)strlen(recipients[i].party), boxed[SEALED_KEY];
		if (crypto_box_seal(boxed, s->key, sizeof s->key, recipients[i].box_pk) != 0) {
			rc = pl_diag_set(d, PL_ECRYPTO, "sealing the key to %s failed", recipients[i].party);
			goto out;
		}
		if ((rc = put(out, &sealed, &len, 1, &dg->sealed_size, d)) != PL_OK ||
		    (rc = put(out, &sealed, recipients[i].party, len, &dg->sealed_size, d)) != PL_OK ||
		    (rc = put(out, &sealed, boxed, sizeof boxed, &dg->sealed_size, d)) != PL_OK)
			goto out;
		pl_sha256_update(&head, &len, 1);
		pl_sha256_update(&head, recipients[i].party, len);
		pl_sha256_update(&head, boxed, sizeof boxed);
	}
	pl_sha256_final(&head, ad);
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
	return rc;
}

/* Reads the header: recipients (names, and the sealed key for me when me != NULL). */
static int read_header(FILE *in, pl_sha256_ctx *sealed, uint8_t ad[PL_SHA256_SIZE], char names[][PL_PARTY_MAX + 1],
		       size_t *count, const char *me, uint8_t mine[SEALED_KEY], bool *found, pl_seal_digest *dg,
		       pl_diag *d)
{
	pl_sha256_ctx head;
	pl_sha256_init(&head);
	uint8_t magic[8], n;
	int rc = get(in, sealed, magic, 8, dg, d);
	if (rc != PL_OK)
		return rc;
	if (memcmp(magic, MAGIC, 8) != 0)
		return pl_diag_set(d, PL_EFORMAT, "not a Parley sealed blob (bad magic)");
	if ((rc = get(in, sealed, &n, 1, dg, d)) != PL_OK)
		return rc;
	if (n == 0 || n > PL_SEAL_RECIPIENTS_MAX)
		return pl_diag_set(d, PL_EFORMAT, "a sealed blob names 1 to %d recipients, not %u", PL_SEAL_RECIPIENTS_MAX,
				   n);
	pl_sha256_update(&head, magic, 8);
	pl_sha256_update(&head, &n, 1);
	*found = false;
	for (unsigned i = 0; i < n; i++) {
		uint8_t len, boxed[SEALED_KEY];
		char name[PL_PARTY_MAX + 1];
		if ((rc = get(in, sealed, &len, 1, dg, d)) != PL_OK)
			return rc;
		if (len == 0 || len > PL_PARTY_MAX)
			return pl_diag_set(d, PL_EFORMAT, "recipient %u's name has %u bytes", i, len);
		if ((rc = get(in, sealed, name, len, dg, d)) != PL_OK || (rc = get(in, sealed, boxed, sizeof boxed, dg, d)) != PL_OK)
			return rc;
		name[len] = '\0';
		if (!pl_party_name_valid(name, len))
			return pl_diag_set(d, PL_EFORMAT, "recipient %u is not a valid party name", i);
		pl_sha256_update(&head, &len, 1);
		pl_sha256_update(&head, name, len);
		pl_sha256_update(&head, boxed, sizeof boxed);
		if (names != NULL)
			memcpy(names[i], name, (size_t)len + 1);
		if (me != NULL && strcmp(me, name) == 0) {
			memcpy(mine, boxed, sizeof boxed);
			*found = true;
		}
	}
	*count = n;
	pl_sha256_final(&head, ad);
	return PL_OK;
}

int pl_seal_recipients(FILE *in, char names[][PL_PARTY_MAX + 1], size_t *n, pl_diag *d)
{
	pl_sha256_ctx sealed;
	pl_sha256_init(&sealed);
	pl_seal_digest dg;
	memset(&dg, 0, sizeof dg);
	uint8_t ad[PL_SHA256_SIZE], mine[SEALED_KEY];
	bool found;
	return read_header(in, &sealed, ad, names, n, NULL, mine, &found, &dg, d);
}

int pl_seal_header(const uint8_t *p, size_t n, char names[][PL_PARTY_MAX + 1], size_t *count, size_t *len,
		   pl_diag *d)
{
	if (n == 0)
		return pl_diag_set(d, PL_EFORMAT, "not a Parley sealed blob (empty)");
	FILE *in = fmemopen((void *)(uintptr_t)p, n < PL_SEAL_HEADER_MAX ? n : PL_SEAL_HEADER_MAX, "rb");
	if (in == NULL)
		return pl_diag_set(d, PL_ENOMEM, "out of memory");
	pl_sha256_ctx sealed;
	pl_sha256_init(&sealed);
	pl_seal_digest dg;
	memset(&dg, 0, sizeof dg);
	uint8_t ad[PL_SHA256_SIZE], mine[SEALED_KEY];
	bool found;
	int rc = read_header(in, &sealed, ad, names, count, NULL, mine, &found, &dg, d);
	fclose(in);
	if (rc == PL_EIO) /* reading memory: only a premature end */
		rc = pl_diag_set(d, PL_EFORMAT, "the sealed blob's header is truncated");
	if (rc == PL_OK)
		*len = (size_t)dg.sealed_size;
	return rc;
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
	uint8_t ad[PL_SHA256_SIZE], mine[SEALED_KEY];
	size_t count = 0;
	bool found = false;
	secrets *s = sodium_malloc(sizeof *s);
	uint8_t *cbuf = malloc(CHUNK_OUT), *buf = malloc(PL_SEAL_CHUNK);
	int rc = PL_OK;
	if (s == NULL || cbuf == NULL || buf == NULL) {
		rc = pl_diag_set(d, PL_ENOMEM, "out of memory");
		goto out;
	}
	if ((rc = read_header(in, &sealed, ad, NULL, &count, k->id.party, mine, &found, dg, d)) != PL_OK)
		goto out;
	if (!found) {
		rc = pl_diag_set(d, PL_ENOKEY, "%s is not one of the blob's %zu recipients", k->id.party, count);
		goto out;
	}
	size_t opened = ring->n;
	for (size_t i = 0; i < ring->n && opened == ring->n; i++)
		if (crypto_box_seal_open(s->key, mine, sizeof mine, ring->keys[i]->id.box_pk,
					 ring->keys[i]->secret + PL_PARTY_BOX_SK) == 0)
			opened = i;
	if (opened == ring->n) {
		rc = pl_diag_set(d, PL_ENOKEY,
				 "the key sealed to %s opens with none of the %zu secret key%s given: it was sealed to a "
				 "key %s had before (a rotation?); give that older key too (--old-key FILE)",
				 k->id.party, ring->n, ring->n == 1 ? "" : "s", k->id.party);
		goto out;
	}
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
		    crypto_secretstream_xchacha20poly1305_pull(&s->st, buf, &mlen, &tag, cbuf, got, ad, sizeof ad) != 0) {
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
	sodium_memzero(mine, sizeof mine);
	if (buf != NULL)
		sodium_memzero(buf, PL_SEAL_CHUNK);
	free(buf);
	free(cbuf);
	return rc;
}
