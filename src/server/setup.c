/* setup.c - a new log with its charter. */
#include "server/setup.h"

#include "base/timefmt.h"
#include "statement/sign.h"
#include "store/log.h"

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
		 const pl_charter *c, pl_diag *d)
{
	json_t *founders = json_array(), *body = NULL;
	pl_buf env;
	pl_buf_init(&env, PL_DSSE_MAX);
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
	if ((rc = pl_statement_sign(signer, origin, "charter", 1, pl_now(), body, NULL, 0, &env)) != PL_OK) {
		pl_diag_set(d, rc, "cannot sign the charter");
		goto out;
	}
	/* the server's own checks, before anything exists on disk */
	pl_members m;
	pl_members_init(&m, origin);
	pl_admission adm;
	memset(&adm, 0, sizeof adm);
	adm.skew = -1;
	pl_submission sub;
	pl_verdict v = {0};
	bool admitted = pl_submission_parse(env.data, env.len, origin, &adm, &sub, &v) == PL_OK &&
			pl_admission_check(&m, &adm, &sub, &v) == PL_OK;
	pl_submission_release(&sub);
	pl_members_release(&m);
	if (!admitted) {
		rc = pl_diag_set(d, PL_EINVAL, "the charter would be refused (%s): %s", v.code, v.msg);
		goto out;
	}
	if ((rc = pl_log_init(dir, origin, d)) != PL_OK || (rc = pl_log_open(dir, &l, d)) != PL_OK)
		goto out;
	pl_span e = {env.data, env.len};
	uint64_t first;
	rc = pl_log_append(l, &e, 1, &first, d);
out:
	json_decref(body);
	json_decref(founders);
	pl_log_close(l);
	pl_buf_release(&env);
	return rc;
}
