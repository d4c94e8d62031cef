/* sealproof.c - disclosures and proofs of misbehaviour for sealed bodies (sealproof.h). */
#include "statement/sealproof.h"

#include "base/codec.h"
#include "base/cursor.h"

#include <sodium.h>
#include <stdlib.h>
#include <string.h>

void pl_disclosure_release(pl_disclosure *x)
{
	if (x == NULL)
		return;
	pl_buf_wipe(&x->body);
	sodium_memzero(x->salt, sizeof x->salt);
}

int pl_disclosure_make(const pl_sealed_plain *opened, pl_disclosure *x)
{
	memset(x, 0, sizeof *x);
	pl_buf_init(&x->body, PL_SEALED_JSON_MAX);
	memcpy(x->salt, opened->salt, PL_SEALED_SALT_SIZE);
	return pl_buf_append(&x->body, opened->canon.data, opened->canon.len);
}

/* "name <base64>\n" */
static int put_b64(pl_buf *out, const char *name, const uint8_t *p, size_t n)
{
	int rc = pl_buf_printf(out, "%s ", name);
	if (rc == PL_OK)
		rc = pl_b64_append(out, p, n);
	return rc == PL_OK ? pl_buf_putc(out, '\n') : rc;
}

int pl_disclosure_write(const pl_disclosure *x, pl_buf *out)
{
	size_t start = out->len;
	int rc = pl_buf_puts(out, PL_DISCLOSURE_MAGIC "\n");
	if (rc == PL_OK)
		rc = put_b64(out, "salt", x->salt, PL_SEALED_SALT_SIZE);
	if (rc == PL_OK)
		rc = put_b64(out, "body", x->body.data, x->body.len);
	if (rc != PL_OK)
		pl_buf_truncate(out, start);
	return rc;
}

/* The next line, which must be exactly "name <base64 of want bytes>" (want 0: any length up to cap). */
static int get_b64(pl_cursor *c, const char *name, uint8_t *out, size_t want, size_t cap, size_t *got, pl_diag *d)
{
	pl_span line, rest;
	char prefix[32];
	snprintf(prefix, sizeof prefix, "%s ", name);
	if (pl_cursor_line(c, &line) != PL_OK || !pl_span_cut_prefix(line, prefix, &rest))
		return pl_diag_set(d, PL_EFORMAT, "a \"%s\" line was expected", name);
	size_t n = 0;
	int rc = want ? pl_b64_decode_exact(rest.p, rest.n, out, want) : pl_b64_decode(rest.p, rest.n, out, cap, &n);
	if (rc != PL_OK)
		return pl_diag_set(d, PL_EFORMAT, "the \"%s\" line is not canonical base64 of %s bytes", name,
				   want ? "the right number of" : "at most the allowed");
	if (got != NULL)
		*got = want ? want : n;
	return PL_OK;
}

static int get_magic(pl_cursor *c, const char *magic, pl_diag *d)
{
	pl_span line;
	if (pl_cursor_line(c, &line) != PL_OK || !pl_span_eq(line, magic))
		return pl_diag_set(d, PL_EFORMAT, "not a %s block", magic);
	return PL_OK;
}

int pl_disclosure_parse(const uint8_t *p, size_t n, pl_disclosure *x, pl_diag *d)
{
	memset(x, 0, sizeof *x);
	pl_buf_init(&x->body, PL_SEALED_JSON_MAX);
	if (n > PL_DISCLOSURE_MAX)
		return pl_diag_set(d, PL_ETOOBIG, "a disclosure block has at most %d bytes", PL_DISCLOSURE_MAX);
	pl_cursor c = pl_cursor_of((pl_span){p, n});
	int rc = get_magic(&c, PL_DISCLOSURE_MAGIC, d);
	if (rc == PL_OK)
		rc = get_b64(&c, "salt", x->salt, PL_SEALED_SALT_SIZE, 0, NULL, d);
	if (rc == PL_OK && (rc = pl_buf_reserve(&x->body, PL_SEALED_JSON_MAX)) != PL_OK)
		return pl_diag_set(d, rc, "out of memory");
	if (rc == PL_OK)
		rc = get_b64(&c, "body", x->body.data, 0, PL_SEALED_JSON_MAX, &x->body.len, d);
	if (rc == PL_OK && !pl_cursor_done(&c))
		rc = pl_diag_set(d, PL_EFORMAT, "bytes follow the disclosure block");
	return rc;
}

int pl_disclosure_check(const pl_seal_ctx *ctx, const uint8_t *obj, size_t n, const pl_disclosure *x, json_t **fields,
			pl_diag *d)
{
	if (fields != NULL)
		*fields = NULL;
	if (!pl_seal_ctx_valid(ctx))
		return pl_diag_set(d, PL_EINVAL, "no statement to check a disclosure against");
	pl_seal_head *h = malloc(sizeof *h);
	json_t *v = NULL;
	size_t bucket;
	if (h == NULL)
		return pl_diag_set(d, PL_ENOMEM, "out of memory");
	int rc = pl_sealed_parse(obj, n, h, &bucket, d);
	pl_diag why = {0};
	if (rc == PL_OK && (rc = pl_sealed_body_parse(x->body.data, x->body.len, &v, &why)) != PL_OK)
		rc = rc == PL_ENOMEM ? pl_diag_set(d, rc, "out of memory")
				     : pl_diag_set(d, PL_EVERIFY, "the disclosed body is not a sealed body: %s", why.msg);
	if (rc == PL_OK) {
		uint8_t c[PL_SEAL_COMMITMENT_SIZE];
		pl_sealed_commit(ctx, x->salt, x->body.data, x->body.len, c);
		if (sodium_memcmp(c, h->commitment, PL_SEAL_COMMITMENT_SIZE) != 0)
			rc = pl_diag_set(d, PL_EVERIFY,
					 "the disclosed body is not the one the statement's commitment names (another "
					 "statement, another text or another salt)");
	}
	free(h);
	if (rc == PL_OK && fields != NULL)
		*fields = v;
	else
		json_decref(v);
	return rc;
}

/* ---- proofs of misbehaviour ---- */

int pl_sealproof_make(const uint8_t *obj, size_t n, const pl_sealed_plain *opened, const pl_keyring *ring,
		      pl_sealproof *out, pl_diag *d)
{
	memset(out, 0, sizeof *out);
	if (opened->fault == PL_SEALED_FAULT_CONTENT || opened->fault == PL_SEALED_FAULT_COMMITMENT) {
		if (opened->key == NULL)
			return pl_diag_set(d, PL_EINVAL, "no content key to prove with");
		out->kind = PL_SEALPROOF_KEY;
		memcpy(out->key, opened->key, PL_SEAL_KEY_SIZE);
		return PL_OK;
	}
	if (opened->fault != PL_SEALED_FAULT_WRAP && opened->fault != PL_SEALED_FAULT_CIPHER)
		return pl_diag_set(d, PL_EINVAL, "opening found no misbehaviour to prove");
	pl_seal_head *h = malloc(sizeof *h);
	size_t bucket;
	if (h == NULL)
		return pl_diag_set(d, PL_ENOMEM, "out of memory");
	int rc = pl_sealed_parse(obj, n, h, &bucket, d);
	const pl_seal_entry *e = rc == PL_OK && opened->entry < h->n ? &h->e[opened->entry] : NULL;
	const pl_party_key *k = NULL;
	for (size_t i = 0; e != NULL && e->type == PL_SEAL_PARTY && ring != NULL && i < ring->n; i++) {
		uint8_t fp[PL_SEAL_FP_SIZE];
		pl_seal_fingerprint(ring->keys[i]->id.box_pk, fp);
		if (strcmp(ring->keys[i]->id.party, e->party) == 0 && memcmp(fp, e->fp, PL_SEAL_FP_SIZE) == 0)
			k = ring->keys[i];
	}
	if (rc == PL_OK && k == NULL)
		rc = pl_diag_set(d, PL_EINVAL, "none of the keys given is the one the box was sealed to%s",
				 e != NULL && e->type == PL_SEAL_EPOCH ? " (a members' key: no box to prove)" : "");
	if (rc == PL_OK) {
		out->kind = PL_SEALPROOF_BOX;
		memcpy(out->party, e->party, sizeof out->party);
		if (!pl_boxproof_epk_bad(e->wrap))
			rc = pl_boxproof_prove(e->wrap, k, out->secret, out->dleq, d);
	}
	free(h);
	return rc;
}

int pl_sealproof_write(const pl_sealproof *p, pl_buf *out)
{
	size_t start = out->len;
	int rc = pl_buf_puts(out, PL_SEALPROOF_MAGIC "\n");
	if (rc == PL_OK && p->kind == PL_SEALPROOF_KEY)
		rc = put_b64(out, "key", p->key, PL_SEAL_KEY_SIZE);
	else if (rc == PL_OK && (rc = pl_buf_printf(out, "box %s\n", p->party)) == PL_OK &&
		 (rc = put_b64(out, "secret", p->secret, PL_BOXPROOF_SECRET_SIZE)) == PL_OK)
		rc = put_b64(out, "dleq", p->dleq, PL_BOXPROOF_SIZE);
	if (rc != PL_OK)
		pl_buf_truncate(out, start);
	return rc;
}

int pl_sealproof_parse(const uint8_t *p, size_t n, pl_sealproof *out, pl_diag *d)
{
	memset(out, 0, sizeof *out);
	if (n > PL_SEALPROOF_MAX)
		return pl_diag_set(d, PL_ETOOBIG, "a proof block has at most %d bytes", PL_SEALPROOF_MAX);
	pl_cursor c = pl_cursor_of((pl_span){p, n}), peek;
	pl_span line, rest;
	int rc = get_magic(&c, PL_SEALPROOF_MAGIC, d);
	if (rc != PL_OK)
		return rc;
	peek = c;
	if (pl_cursor_line(&peek, &line) == PL_OK && pl_span_cut_prefix(line, "box ", &rest)) {
		if (rest.n == 0 || rest.n > PL_PARTY_MAX || !pl_party_name_valid((const char *)rest.p, rest.n))
			return pl_diag_set(d, PL_EFORMAT, "a box proof names a party");
		out->kind = PL_SEALPROOF_BOX;
		memcpy(out->party, rest.p, rest.n);
		c = peek;
		rc = get_b64(&c, "secret", out->secret, PL_BOXPROOF_SECRET_SIZE, 0, NULL, d);
		if (rc == PL_OK)
			rc = get_b64(&c, "dleq", out->dleq, PL_BOXPROOF_SIZE, 0, NULL, d);
	} else {
		out->kind = PL_SEALPROOF_KEY;
		rc = get_b64(&c, "key", out->key, PL_SEAL_KEY_SIZE, 0, NULL, d);
	}
	if (rc == PL_OK && !pl_cursor_done(&c))
		rc = pl_diag_set(d, PL_EFORMAT, "bytes follow the proof block");
	if (rc != PL_OK)
		sodium_memzero(out, sizeof *out);
	return rc;
}

/* What the content key k does to the body: proven when it opens it to a wrong one. */
static int key_verdict(const pl_seal_ctx *ctx, const uint8_t *obj, size_t n, const uint8_t *k, bool from_box,
		       pl_sealed_fault *fault, pl_diag *d)
{
	pl_sealed_plain o;
	pl_diag why = {0};
	int rc = pl_sealed_open_key(ctx, obj, n, k, &o, &why);
	pl_sealed_fault f = o.fault;
	pl_sealed_plain_release(&o);
	if (rc == PL_OK)
		return pl_diag_set(d, PL_EVERIFY, "the key opens the body and it is the committed one: nothing is proven");
	if (rc != PL_EVERIFY)
		return pl_diag_set(d, rc, "%s", pl_diag_text(&why, rc));
	if (f == PL_SEALED_FAULT_CIPHER && !from_box)
		return pl_diag_set(d, PL_EVERIFY, "the key does not open the body: it proves nothing (anyone can name one)");
	*fault = f;
	return PL_OK;
}

int pl_sealproof_check(const pl_seal_ctx *ctx, const uint8_t *obj, size_t n, const pl_sealproof *p,
		       const uint8_t pk[PL_X25519_PK_SIZE], pl_sealed_fault *fault, pl_diag *d)
{
	*fault = PL_SEALED_FAULT_NONE;
	if (!pl_seal_ctx_valid(ctx))
		return pl_diag_set(d, PL_EINVAL, "no statement to check a proof against");
	if (p->kind == PL_SEALPROOF_KEY)
		return key_verdict(ctx, obj, n, p->key, false, fault, d);
	if (p->kind != PL_SEALPROOF_BOX || pk == NULL)
		return pl_diag_set(d, PL_EINVAL, "a box proof is checked with the reader's X25519 key");
	pl_seal_head *h = malloc(sizeof *h);
	uint8_t *k = sodium_malloc(PL_SEAL_KEY_SIZE);
	size_t bucket;
	int rc = h && k ? pl_sealed_parse(obj, n, h, &bucket, d) : pl_diag_set(d, PL_ENOMEM, "out of memory");
	const pl_seal_entry *e = NULL;
	for (size_t i = 0; rc == PL_OK && i < h->n; i++)
		if (h->e[i].type == PL_SEAL_PARTY && strcmp(h->e[i].party, p->party) == 0)
			e = &h->e[i];
	uint8_t fp[PL_SEAL_FP_SIZE];
	pl_seal_fingerprint(pk, fp);
	if (rc != PL_OK)
		goto out;
	if (e == NULL) {
		rc = pl_diag_set(d, PL_EVERIFY, "%s is not a reader of this body", p->party);
	} else if (memcmp(fp, e->fp, PL_SEAL_FP_SIZE) != 0) {
		rc = pl_diag_set(d, PL_EVERIFY, "the key given is not the one %s's box was sealed to", p->party);
	} else if (pl_boxproof_epk_bad(e->wrap)) {
		*fault = PL_SEALED_FAULT_WRAP; /* no sealed box holds such an ephemeral key: it opens for nobody */
	} else if (pl_boxproof_verify(e->wrap, pk, p->secret, p->dleq) != PL_OK) {
		rc = pl_diag_set(d, PL_EVERIFY, "the box's secret is not proven to be %s's", p->party);
	} else if (pl_boxproof_open(e->wrap, PL_SEAL_WRAP_SIZE, pk, p->secret, k) != PL_OK) {
		*fault = PL_SEALED_FAULT_WRAP;
	} else {
		rc = key_verdict(ctx, obj, n, k, true, fault, d);
	}
out:
	free(h);
	if (k != NULL)
		sodium_free(k);
	return rc;
}
