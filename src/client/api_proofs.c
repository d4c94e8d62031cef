/* api_proofs.c - what the log proves to a client: entries fetched with an
 * inclusion proof, the keys a party held (from the registry, or proven from
 * the entry that established them), proof files checked offline. */
#include "client/api_impl.h"

#include "base/json.h"
#include "statement/dsse.h"
#include "tlog/proof_file.h"

#include <stdio.h>
#include <string.h>

int pl_api_fetch_proven(pl_api *a, const pl_policy *pol, uint64_t index, pl_buf *proof, pl_buf *entry, pl_diag *d)
{
	char path[96];
	snprintf(path, sizeof path, "/v1/proof/inclusion?index=%llu", (unsigned long long)index);
	long status = 0;
	size_t start = proof->len;
	int rc = pl_api_request(a, "GET", path, NULL, 0, NULL, proof, &status, d);
	if (rc != PL_OK)
		return rc;
	if (status == 404)
		return pl_diag_set(d, PL_ERANGE, "entry %llu does not exist (yet)", (unsigned long long)index);
	if (status != 200)
		return PL_ENET;
	pl_proof_file pf;
	if (pl_proof_file_parse(proof->data + start, proof->len - start, &pf) != PL_OK)
		return pl_diag_set(d, PL_EVERIFY, "the server's proof is malformed");
	pl_hash leaf;
	rc = PL_EVERIFY;
	if (pf.index == index && pf.has_extra) {
		pl_leaf_hash(pf.extra, pf.extra_len, &leaf);
		rc = pl_proof_file_verify(&pf, pol, &leaf, NULL);
	}
	if (rc == PL_OK)
		rc = pl_buf_append(entry, pf.extra, pf.extra_len);
	else if (rc == PL_ENOKEY)
		pl_diag_set(d, rc, "the log's checkpoint lacks the log's signature or has fewer than %zu witness "
			    "cosignatures (are the witnesses down? try again later)", pol->quorum);
	else
		pl_diag_set(d, rc, "the server's proof of entry %llu does not verify", (unsigned long long)index);
	pl_proof_file_release(&pf);
	return rc;
}

int pl_api_key_at(pl_api *a, const char *party, uint64_t index, uint8_t pk[PL_ED25519_PK_SIZE], pl_diag *d)
{
	char path[128];
	snprintf(path, sizeof path, "/v1/parties/%s", party);
	json_t *v = NULL;
	int rc = pl_api_get_json(a, path, &v, d);
	if (rc != PL_OK)
		return pl_diag_set(d, rc, "cannot read %s's record from the server", party);
	json_t *keys = json_object_get(v, "keys");
	size_t i;
	json_t *k;
	rc = pl_diag_set(d, PL_ENOTFOUND, "the registry names no key of %s at entry %llu", party,
			 (unsigned long long)index);
	for (int pass = 0; pass < 2 && rc != PL_OK; pass++) {
		json_array_foreach(keys, i, k)
		{
			json_t *from = json_object_get(k, "from"), *until = json_object_get(k, "until");
			if (!json_is_integer(from))
				continue;
			uint64_t f = (uint64_t)json_integer_value(from);
			uint64_t u = json_is_integer(until) ? (uint64_t)json_integer_value(until) : UINT64_MAX;
			if ((pass == 0 ? f < index : f <= index) && index <= u &&
			    pl_json_b64(k, "sign", pk, PL_ED25519_PK_SIZE, NULL) == PL_OK) {
				if (d)
					d->msg[0] = '\0';
				rc = PL_OK;
			}
		}
	}
	json_decref(v);
	return rc;
}

int pl_statement_proof_verify(const uint8_t *file, size_t n, const pl_policy *pol, const pl_identity *signer,
			      uint64_t *index, pl_stmt *st, pl_diag *d)
{
	pl_proof_file pf;
	pl_envelope env;
	pl_stmt s;
	memset(&env, 0, sizeof env);
	memset(&s, 0, sizeof s);
	if (pl_proof_file_parse(file, n, &pf) != PL_OK)
		return pl_diag_set(d, PL_EFORMAT, "not a c2sp.org/tlog-proof@v1 file");
	pl_checkpoint cp;
	pl_hash leaf;
	int rc;
	if (!pf.has_extra) {
		rc = pl_diag_set(d, PL_EFORMAT, "the proof carries no statement");
		goto out;
	}
	pl_leaf_hash(pf.extra, pf.extra_len, &leaf);
	rc = pl_proof_file_verify(&pf, pol, &leaf, &cp);
	if (rc != PL_OK) {
		pl_diag_set(d, rc == PL_ENOKEY ? rc : PL_EVERIFY, "%s",
			    rc == PL_ENOKEY ? "the checkpoint lacks the log's signature or the witness quorum"
					    : "the inclusion proof or the checkpoint signature does not verify");
		rc = rc == PL_ENOKEY ? rc : PL_EVERIFY;
		goto out;
	}
	if ((rc = pl_envelope_parse(pf.extra, pf.extra_len, &env, d)) != PL_OK ||
	    (rc = pl_stmt_parse(env.payload, env.payload_len, &s, d)) != PL_OK)
		goto out;
	if (strcmp(s.log, cp.origin) != 0) {
		rc = pl_diag_set(d, PL_EVERIFY, "the statement is for %s but sits in %s", s.log, cp.origin);
		goto out;
	}
	if (signer != NULL) {
		if (strcmp(signer->party, s.author) != 0) {
			rc = pl_diag_set(d, PL_EVERIFY, "the statement's author is %s, not %s", s.author, signer->party);
			goto out;
		}
		if (pl_envelope_verify(&env, signer->sign_pk, NULL) != PL_OK) {
			rc = pl_diag_set(d, PL_EVERIFY, "the envelope is not signed by %s's key", s.author);
			goto out;
		}
	}
	if (index)
		*index = pf.index;
	if (st) {
		*st = s;
		s.root = NULL;
	}
out:
	pl_stmt_release(&s);
	pl_envelope_release(&env);
	pl_proof_file_release(&pf);
	return rc;
}

/* The identity naming party in a statement that establishes keys (charter, enroll, key.rotate). */
static int identity_in(const pl_stmt *st, const char *party, pl_identity *out)
{
	const json_t *body = st->body;
	if (strcmp(st->type, "charter") == 0) {
		size_t i;
		json_t *f;
		json_array_foreach(json_object_get(body, "founders"), i, f)
		{
			if (pl_identity_from_json(f, out, NULL) == PL_OK && strcmp(out->party, party) == 0)
				return PL_OK;
		}
		return PL_ENOTFOUND;
	}
	if (strcmp(st->type, "enroll") != 0 && strcmp(st->type, "key.rotate") != 0)
		return PL_ENOTFOUND;
	if (pl_identity_from_json(json_object_get(body, "identity"), out, NULL) != PL_OK || strcmp(out->party, party) != 0)
		return PL_ENOTFOUND;
	return PL_OK;
}

int pl_api_identity(pl_api *a, const pl_policy *pol, const char *party, pl_identity *out, pl_diag *d)
{
	char path[128];
	snprintf(path, sizeof path, "/v1/parties/%s", party);
	json_t *v = NULL;
	int rc = pl_api_get_json(a, path, &v, d);
	if (rc != PL_OK)
		return pl_diag_set(d, rc, "%s is not a member of this log", party);
	json_t *keys = json_object_get(v, "keys");
	json_t *cur = json_array_get(keys, json_array_size(keys) - 1);
	uint64_t from = 0;
	if (!json_is_true(json_object_get(v, "active")) || cur == NULL || !json_is_null(json_object_get(cur, "until")) ||
	    !json_is_integer(json_object_get(cur, "from"))) {
		json_decref(v);
		return pl_diag_set(d, PL_ENOKEY, "%s has no active key", party);
	}
	from = (uint64_t)json_integer_value(json_object_get(cur, "from"));
	json_decref(v);
	/* the entry that established the key, proven, says which keys they are */
	pl_buf proof, entry;
	pl_buf_init(&proof, PL_PROOF_FILE_MAX);
	pl_buf_init(&entry, PL_DSSE_MAX);
	pl_envelope env;
	pl_stmt st;
	memset(&env, 0, sizeof env);
	memset(&st, 0, sizeof st);
	if ((rc = pl_api_fetch_proven(a, pol, from, &proof, &entry, d)) == PL_OK &&
	    ((rc = pl_envelope_parse(entry.data, entry.len, &env, d)) != PL_OK ||
	     (rc = pl_stmt_parse(env.payload, env.payload_len, &st, d)) != PL_OK ||
	     identity_in(&st, party, out) != PL_OK))
		rc = pl_diag_set(d, PL_EVERIFY, "entry %llu, which the registry says gave %s its key, does not name it",
				 (unsigned long long)from, party);
	pl_stmt_release(&st);
	pl_envelope_release(&env);
	pl_buf_release(&proof);
	pl_buf_release(&entry);
	return rc;
}
