/* dsse.c - DSSE v1 envelopes with Ed25519. */
#include "statement/dsse.h"

#include "base/codec.h"
#include "base/json.h"
#include "base/sha256.h"

#include <sodium.h>
#include <stdlib.h>
#include <string.h>

int pl_dsse_pae(const char *type, const uint8_t *body, size_t n, pl_buf *out)
{
	size_t start = out->len;
	int rc = pl_buf_printf(out, "DSSEv1 %zu %s %zu ", strlen(type), type, n);
	if (rc == PL_OK)
		rc = pl_buf_append(out, body, n);
	if (rc != PL_OK)
		pl_buf_truncate(out, start);
	return rc;
}

void pl_dsse_keyid(const uint8_t pk[PL_ED25519_PK_SIZE], char out[PL_DSSE_KEYID_LEN + 1])
{
	uint8_t h[PL_SHA256_SIZE];
	pl_sha256(pk, PL_ED25519_PK_SIZE, h);
	pl_hex_encode(h, PL_DSSE_KEYID_SIZE, out);
}

/* A payload type written into JSON as it is: 1-128 bytes of printable ASCII, no quote or backslash. */
static bool type_ok(const char *type)
{
	size_t n = strlen(type);
	if (n == 0 || n > PL_DSSE_TYPE_MAX)
		return false;
	for (const char *c = type; *c; c++)
		if (*c <= 0x20 || *c >= 0x7f || *c == '"' || *c == '\\')
			return false;
	return true;
}

/* Appends the one form of an envelope (dsse.h): compact JSON, fields in order. */
static int write_envelope(const char *type, const uint8_t *payload, size_t n, const pl_dsse_sig *sigs, size_t nsigs,
			  pl_buf *out)
{
	size_t start = out->len;
	int rc = pl_buf_printf(out, "{\"payloadType\":\"%s\",\"payload\":\"", type);
	if (rc == PL_OK)
		rc = pl_b64_append(out, payload, n);
	if (rc == PL_OK)
		rc = pl_buf_puts(out, "\",\"signatures\":[");
	for (size_t i = 0; rc == PL_OK && i < nsigs; i++) {
		rc = pl_buf_printf(out, "%s{\"keyid\":\"%s\",\"sig\":\"", i ? "," : "", sigs[i].keyid);
		if (rc == PL_OK)
			rc = pl_b64_append(out, sigs[i].sig, PL_ED25519_SIG_SIZE);
		if (rc == PL_OK)
			rc = pl_buf_puts(out, "\"}");
	}
	if (rc == PL_OK)
		rc = pl_buf_puts(out, "]}");
	if (rc != PL_OK)
		pl_buf_truncate(out, start);
	return rc;
}

int pl_dsse_sign(const char *type, const uint8_t *payload, size_t n, const uint8_t *const *sks,
		 const uint8_t (*pks)[PL_ED25519_PK_SIZE], size_t nkeys, pl_buf *out)
{
	if (nkeys == 0 || nkeys > PL_DSSE_SIGS_MAX || !type_ok(type) || n > PL_DSSE_MAX)
		return PL_EINVAL;
	pl_dsse_sig sigs[PL_DSSE_SIGS_MAX];
	pl_buf pae;
	pl_buf_init(&pae, PL_DSSE_MAX + 256);
	size_t start = out->len;
	int rc = pl_dsse_pae(type, payload, n, &pae);
	for (size_t i = 0; rc == PL_OK && i < nkeys; i++) {
		if (crypto_sign_detached(sigs[i].sig, NULL, pae.data, pae.len, sks[i]) != 0)
			rc = PL_ECRYPTO;
		pl_dsse_keyid(pks[i], sigs[i].keyid);
	}
	if (rc == PL_OK)
		rc = write_envelope(type, payload, n, sigs, nkeys, out);
	if (rc == PL_OK && out->len - start > PL_DSSE_MAX)
		rc = PL_ETOOBIG;
	if (rc != PL_OK)
		pl_buf_truncate(out, start);
	pl_buf_release(&pae);
	return rc;
}

void pl_envelope_release(pl_envelope *e)
{
	free(e->payload);
	e->payload = NULL;
	e->payload_len = 0;
}

int pl_envelope_parse(const uint8_t *p, size_t n, pl_envelope *out, pl_diag *d)
{
	memset(out, 0, sizeof *out);
	json_t *v = NULL;
	int rc = pl_json_parse(p, n, PL_DSSE_MAX, &v, d);
	if (rc != PL_OK)
		return rc;
	static const char *const keys[] = {"payloadType", "payload", "signatures", NULL};
	static const char *const skeys[] = {"keyid", "sig", NULL};
	const char *type, *payload;
	if ((rc = pl_json_keys(v, keys, keys, "the envelope", d)) != PL_OK ||
	    (rc = pl_json_str(v, "payloadType", PL_DSSE_TYPE_MAX, &type, d)) != PL_OK ||
	    (rc = pl_json_str(v, "payload", pl_b64_len(PL_DSSE_MAX), &payload, d)) != PL_OK)
		goto out;
	strcpy(out->payload_type, type);
	size_t plen = strlen(payload);
	out->payload = malloc(plen / 4 * 3 + 1);
	if (out->payload == NULL) {
		rc = pl_diag_set(d, PL_ENOMEM, "out of memory");
		goto out;
	}
	if (pl_b64_decode((const uint8_t *)payload, plen, out->payload, plen / 4 * 3, &out->payload_len) != PL_OK) {
		rc = pl_diag_set(d, PL_EFORMAT, "the payload is not canonical base64");
		goto out;
	}
	if (!type_ok(type)) {
		rc = pl_diag_set(d, PL_EFORMAT, "\"payloadType\" must be printable ASCII without quotes or backslashes");
		goto out;
	}
	json_t *sigs = json_object_get(v, "signatures");
	if (!json_is_array(sigs) || json_array_size(sigs) < 1 || json_array_size(sigs) > PL_DSSE_SIGS_MAX) {
		rc = pl_diag_set(d, PL_EFORMAT, "\"signatures\" must be an array of 1 to %d signatures",
				 PL_DSSE_SIGS_MAX);
		goto out;
	}
	size_t i;
	json_t *s;
	json_array_foreach(sigs, i, s)
	{
		const char *keyid;
		uint8_t raw[PL_DSSE_KEYID_SIZE];
		if ((rc = pl_json_keys(s, skeys, skeys, "a signature", d)) != PL_OK ||
		    (rc = pl_json_str(s, "keyid", PL_DSSE_KEYID_LEN, &keyid, d)) != PL_OK ||
		    (rc = pl_json_b64(s, "sig", out->sigs[i].sig, PL_ED25519_SIG_SIZE, d)) != PL_OK)
			goto out;
		if (pl_hex_decode((const uint8_t *)keyid, strlen(keyid), raw, sizeof raw) != PL_OK) {
			rc = pl_diag_set(d, PL_EFORMAT, "a keyid is %d lowercase hex digits", PL_DSSE_KEYID_LEN);
			goto out;
		}
		strcpy(out->sigs[i].keyid, keyid);
	}
	out->nsigs = json_array_size(sigs);
	/* the bytes are exactly the one form: nothing in the log that was not signed or derived */
	pl_buf canon;
	pl_buf_init(&canon, PL_DSSE_MAX);
	rc = write_envelope(out->payload_type, out->payload, out->payload_len, out->sigs, out->nsigs, &canon);
	if (rc == PL_ENOMEM)
		rc = pl_diag_set(d, PL_ENOMEM, "out of memory");
	else if (rc != PL_OK || canon.len != n || memcmp(canon.data, p, n) != 0)
		rc = pl_diag_set(d, PL_EFORMAT,
				 "the envelope is not in its canonical form (compact JSON without whitespace, the fields "
				 "payloadType, payload, signatures and keyid, sig in this order, no escapes)");
	pl_buf_release(&canon);
out:
	json_decref(v);
	if (rc != PL_OK)
		pl_envelope_release(out);
	return rc;
}

bool pl_envelope_keyid_is(const pl_envelope *e, size_t i, const uint8_t pk[PL_ED25519_PK_SIZE])
{
	char want[PL_DSSE_KEYID_LEN + 1];
	if (i >= e->nsigs)
		return false;
	pl_dsse_keyid(pk, want);
	return strcmp(e->sigs[i].keyid, want) == 0;
}

int pl_envelope_verify_sig(const pl_envelope *e, size_t i, const uint8_t pk[PL_ED25519_PK_SIZE])
{
	if (!pl_envelope_keyid_is(e, i, pk))
		return PL_EVERIFY;
	pl_buf pae;
	pl_buf_init(&pae, PL_DSSE_MAX + 256);
	int rc = pl_dsse_pae(e->payload_type, e->payload, e->payload_len, &pae);
	if (rc == PL_OK && crypto_sign_verify_detached(e->sigs[i].sig, pae.data, pae.len, pk) != 0)
		rc = PL_EVERIFY;
	pl_buf_release(&pae);
	return rc;
}

int pl_envelope_verify(const pl_envelope *e, const uint8_t pk[PL_ED25519_PK_SIZE], size_t *which)
{
	int rc = pl_envelope_verify_sig(e, 0, pk);
	if (rc == PL_OK && which != NULL)
		*which = 0;
	return rc;
}
