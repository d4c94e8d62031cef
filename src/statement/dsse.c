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

void pl_dsse_keyid(const uint8_t pk[32], char out[17])
{
	uint8_t h[32];
	pl_sha256(pk, 32, h);
	pl_hex_encode(h, 8, out);
}

int pl_dsse_sign(const char *type, const uint8_t *payload, size_t n, const uint8_t *const *sks,
		 const uint8_t (*pks)[32], size_t nkeys, pl_buf *out)
{
	if (nkeys == 0 || nkeys > PL_DSSE_SIGS_MAX || strlen(type) > PL_DSSE_TYPE_MAX || n > PL_DSSE_MAX)
		return PL_EINVAL;
	for (const char *c = type; *c; c++)
		if (*c <= 0x20 || *c >= 0x7f || *c == '"' || *c == '\\')
			return PL_EINVAL; /* written into JSON as is */
	pl_buf pae;
	pl_buf_init(&pae, PL_DSSE_MAX + 256);
	size_t start = out->len;
	int rc = pl_dsse_pae(type, payload, n, &pae);
	if (rc == PL_OK)
		rc = pl_buf_printf(out, "{\"payloadType\":\"%s\",\"payload\":\"", type);
	if (rc == PL_OK)
		rc = pl_b64_append(out, payload, n);
	if (rc == PL_OK)
		rc = pl_buf_puts(out, "\",\"signatures\":[");
	for (size_t i = 0; rc == PL_OK && i < nkeys; i++) {
		uint8_t sig[64];
		char keyid[17];
		if (crypto_sign_detached(sig, NULL, pae.data, pae.len, sks[i]) != 0) {
			rc = PL_ECRYPTO;
			break;
		}
		pl_dsse_keyid(pks[i], keyid);
		rc = pl_buf_printf(out, "%s{\"keyid\":\"%s\",\"sig\":\"", i ? "," : "", keyid);
		if (rc == PL_OK)
			rc = pl_b64_append(out, sig, 64);
		if (rc == PL_OK)
			rc = pl_buf_puts(out, "\"}");
	}
	if (rc == PL_OK)
		rc = pl_buf_puts(out, "]}");
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
	static const char *const sreq[] = {"sig", NULL};
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
		if ((rc = pl_json_keys(s, skeys, sreq, "a signature", d)) != PL_OK ||
		    (rc = pl_json_str_opt(s, "keyid", 16, &keyid, d)) != PL_OK ||
		    (rc = pl_json_b64(s, "sig", out->sigs[i].sig, 64, d)) != PL_OK)
			goto out;
		strcpy(out->sigs[i].keyid, keyid ? keyid : "");
	}
	out->nsigs = json_array_size(sigs);
out:
	json_decref(v);
	if (rc != PL_OK)
		pl_envelope_release(out);
	return rc;
}

int pl_envelope_verify(const pl_envelope *e, const uint8_t pk[32], size_t *which)
{
	pl_buf pae;
	pl_buf_init(&pae, PL_DSSE_MAX + 256);
	int rc = pl_dsse_pae(e->payload_type, e->payload, e->payload_len, &pae);
	if (rc == PL_OK) {
		rc = PL_EVERIFY;
		for (size_t i = 0; i < e->nsigs; i++) {
			if (crypto_sign_verify_detached(e->sigs[i].sig, pae.data, pae.len, pk) == 0) {
				if (which)
					*which = i;
				rc = PL_OK;
				break;
			}
		}
	}
	pl_buf_release(&pae);
	return rc;
}
