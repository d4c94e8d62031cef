/* api_submit.c - submitting a signed statement: the registry's next sequence
 * number, the acceptance checked against the log key and the receipt against
 * the policy, for exactly the bytes sent. */
#include "client/api_impl.h"

#include "client/accepted.h"

#include "base/codec.h"
#include "base/json.h"
#include "tlog/proof_file.h"

#include <stdio.h>
#include <string.h>

int pl_api_next_seq(pl_api *a, const char *party, uint64_t *seq, pl_diag *d)
{
	char path[128];
	snprintf(path, sizeof path, "/v1/parties/%s", party);
	json_t *v = NULL;
	int rc = pl_api_get_json(a, path, &v, d);
	if (rc == PL_ENOTFOUND)
		return pl_diag_set(d, rc, "%s is not a member of this log", party);
	if (rc != PL_OK)
		return rc;
	json_t *s = json_object_get(v, "seq");
	if (!json_is_integer(s) || json_integer_value(s) < 0)
		rc = pl_diag_set(d, PL_EFORMAT, "the server's record of %s has no seq", party);
	else
		*seq = (uint64_t)json_integer_value(s) + 1;
	json_decref(v);
	return rc;
}

void pl_api_accept_init(pl_api_accept *r)
{
	memset(r, 0, sizeof *r);
	pl_buf_init(&r->receipt, PL_PROOF_FILE_MAX);
	pl_buf_init(&r->acceptance, PL_NOTE_MAX);
}

void pl_api_accept_release(pl_api_accept *r)
{
	pl_buf_release(&r->receipt);
	pl_buf_release(&r->acceptance);
}

int pl_api_submit(pl_api *a, const pl_policy *pol, const uint8_t *env, size_t n, bool wait, pl_api_accept *r,
		  long *status, pl_diag *d)
{
	pl_buf b;
	pl_buf_init(&b, 1 << 20);
	static const char *const hdr[] = {"Content-Type: application/json", NULL};
	int rc = pl_api_request(a, "POST", wait ? "/v1/statements?wait=1" : "/v1/statements", env, n, hdr, &b, status,
				d);
	json_t *v = NULL;
	if (rc != PL_OK)
		goto out;
	if (*status >= 400) {
		rc = PL_EREFUSED; /* d holds the server's code and sentence */
		goto out;
	}
	if ((rc = pl_json_parse(b.data, b.len, b.max, &v, d)) != PL_OK)
		goto out;
	const char *rec;
	if ((rc = pl_accepted_from_json(v, r, d)) != PL_OK ||
	    (rc = pl_json_str_opt(v, "receipt", PL_PROOF_FILE_MAX, &rec, d)) != PL_OK)
		goto out;
	pl_hash mine;
	pl_leaf_hash(env, n, &mine);
	if (!pl_hash_eq(&mine, &r->leaf)) {
		rc = pl_diag_set(d, PL_EVERIFY, "the server's leaf hash is not the hash of what was sent");
		goto out;
	}
	/* either form: a per-statement note, or the batch's with this statement's path */
	if ((rc = pl_accepted_check(&pol->log, r, d)) != PL_OK)
		goto out;
	if (rec != NULL) {
		if ((rc = pl_buf_puts(&r->receipt, rec)) != PL_OK)
			goto out;
		pl_proof_file pf;
		if (pl_proof_file_parse(r->receipt.data, r->receipt.len, &pf) != PL_OK) {
			rc = pl_diag_set(d, PL_EVERIFY, "the receipt is not a tlog-proof");
			goto out;
		}
		rc = pf.index == r->index && pf.has_extra && pf.extra_len == n && memcmp(pf.extra, env, n) == 0
			     ? pl_proof_file_verify(&pf, pol, &mine, NULL)
			     : PL_EVERIFY;
		pl_proof_file_release(&pf);
		if (rc != PL_OK) {
			pl_diag_set(d, rc, "the receipt does not prove this statement");
			goto out;
		}
		r->has_receipt = true;
	}
out:
	json_decref(v);
	pl_buf_release(&b);
	return rc;
}
