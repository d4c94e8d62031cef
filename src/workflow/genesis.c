/*
 * genesis.c - a new log with its charter.
 *
 * Crash states of `parley init` (the log's own writes are described in
 * store/log.c): the log is created first (its state.db renamed into place
 * last), then the charter and the norm set are appended in one batch.
 *   - interrupted before state.db exists: a partial directory that
 *     pl_log_init clears when init runs again;
 *   - interrupted after the log exists, before the batch is durable: a valid
 *     log of size 0 with the same origin; running init again appends the
 *     charter to it (keeping its key), since nothing can have been built on an
 *     empty log;
 *   - after the batch: the complete log; init again refuses (PL_EEXIST).
 */
#include "workflow/genesis.h"

#include "base/timefmt.h"
#include "statement/sign.h"
#include "store/log.h"
#include "workflow/engine.h"

#include <jansson.h>
#include <string.h>

static json_t *identity_json(const pl_identity *id)
{
	pl_buf b;
	pl_buf_init(&b, PL_IDENTITY_MAX);
	json_t *v = NULL;
	json_error_t je;
	if (pl_identity_format(id, &b) == PL_OK)
		v = json_loadb((const char *)b.data, b.len, 0, &je);
	pl_buf_release(&b);
	return v;
}

int pl_setup_log(const char *dir, const char *origin, const pl_party_key *signer, const pl_identity *others, size_t n,
		 const pl_charter *c, const json_t *norms, pl_diag *d)
{
	json_t *founders = json_array(), *body = NULL;
	pl_buf env, env2;
	pl_buf_init(&env, PL_DSSE_MAX);
	pl_buf_init(&env2, PL_DSSE_MAX);
	pl_log *l = NULL;
	int rc = PL_ENOMEM;
	if (founders == NULL || json_array_append_new(founders, identity_json(&signer->id)) != 0)
		goto out;
	for (size_t i = 0; i < n; i++)
		if (json_array_append_new(founders, identity_json(&others[i])) != 0)
			goto out;
	body = json_pack("{s:s,s:O,s:{s:I},s:{s:I,s:I}}", "name", c->name[0] ? c->name : origin, "founders", founders,
			 "admission", "sponsors", (json_int_t)c->sponsors, "deadlines", "ack", (json_int_t)c->ack_seconds,
			 "response", (json_int_t)c->response_seconds);
	if (body == NULL)
		goto out;
	int64_t now = c->time != 0 ? c->time : pl_now();
	if ((rc = pl_statement_sign(signer, origin, "charter", 1, now, body, NULL, 0, &env)) != PL_OK ||
	    (norms != NULL &&
	     (rc = pl_statement_sign(signer, origin, "norms.publish", 2, now, norms, NULL, 0, &env2)) != PL_OK)) {
		pl_diag_set(d, rc, "cannot sign the charter");
		goto out;
	}
	/* the server's own checks, before anything exists on disk */
	pl_engine e;
	pl_engine_init(&e, origin);
	pl_admission adm;
	memset(&adm, 0, sizeof adm);
	adm.now = now; /* new statements: the admission rules too (both are signed at now) */
	adm.skew = 0;
	pl_refusal v = {0};
	pl_span entries[2] = {{env.data, env.len}, {env2.data, env2.len}};
	size_t count = norms != NULL ? 2 : 1;
	int arc = PL_OK;
	for (size_t i = 0; arc == PL_OK && i < count; i++) {
		pl_submission sub;
		if ((arc = pl_submission_parse(entries[i].p, entries[i].n, origin, &adm, &sub, &v)) == PL_OK)
			arc = pl_engine_admit(&e, &adm, &sub, i, NULL, &v);
		pl_submission_release(&sub);
	}
	pl_engine_release(&e);
	if (arc == PL_ENOMEM) {
		rc = pl_diag_set(d, PL_ENOMEM, "out of memory checking the charter and norm set");
		goto out;
	}
	if (arc != PL_OK) {
		rc = pl_diag_set(d, PL_EINVAL, "the %s would be refused (%s): %s", v.code ? "charter or norm set" : "log",
				 v.code ? pl_refusal_name(v.code) : "an internal error", v.msg);
		goto out;
	}
	rc = pl_log_init(dir, origin, d);
	if (rc == PL_EEXIST) {
		/* an earlier init that stopped between creating the log and appending
		 * the charter: finish it, if the log is still empty and has this origin */
		pl_diag_clear(d);
		if ((rc = pl_log_open(dir, &l, d)) != PL_OK)
			goto out;
		const pl_verifier *lv = pl_log_verifier(l);
		if (pl_log_size(l) != 0 || strcmp(lv->name, origin) != 0) {
			rc = pl_diag_set(d, PL_EEXIST, "%s already holds a log (%s, %llu entries)", dir, lv->name,
					 (unsigned long long)pl_log_size(l));
			goto out;
		}
	} else if (rc != PL_OK || (rc = pl_log_open(dir, &l, d)) != PL_OK) {
		goto out;
	}
	uint64_t first;
	rc = pl_log_append(l, entries, count, &first, d);
out:
	json_decref(body);
	json_decref(founders);
	pl_log_close(l);
	pl_buf_release(&env);
	pl_buf_release(&env2);
	return rc;
}
