/* seal_request.c - a request of a sealed case sealed to the case's parties (sealing.h:
 * cli_seal_request_body; docs/confidentiality.md, sections 1 and 2). */
#include "cli/sealing.h"

#include "base/refusal.h"
#include "client/entries.h"
#include "workflow/types.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The sealed caps of a request's fields (workflow/types.h), checked before sealing: the server
 * cannot see them once sealed. */
static const struct {
	const char *key;
	size_t max;
} CAPS[] = {
	{"authority", PL_WF_SEALED_AUTHORITY_MAX}, {"offence", PL_WF_SEALED_OFFENCE_MAX},
	{"facts", PL_WF_SEALED_FACTS_MAX},         {"data", PL_WF_SEALED_DATA_MAX},
	{"relationship", PL_WF_SEALED_RELATIONSHIP_MAX}, {"custodian", PL_WF_SEALED_CUSTODIAN_MAX},
	{"necessity", PL_WF_SEALED_NECESSITY_MAX},
};

static int caps_check(const json_t *body, pl_diag *d)
{
	const json_t *t = json_object_get(body, "text"), *r = json_object_get(body, "due_reason");
	if (json_is_string(t) && json_string_length(t) > PL_WF_SEALED_TEXT_MAX)
		return pl_diag_set(d, PL_EINVAL, "a sealed request's text takes at most %d bytes (this one has %zu): "
						 "put longer material into sealed evidence",
				   PL_WF_SEALED_TEXT_MAX, json_string_length(t));
	if (json_is_string(r) && json_string_length(r) > PL_WF_SEALED_DUE_REASON_MAX)
		return pl_diag_set(d, PL_EINVAL, "a sealed due reason takes at most %d bytes (this one has %zu)",
				   PL_WF_SEALED_DUE_REASON_MAX, json_string_length(r));
	const json_t *p = json_object_get(body, "preservation");
	for (size_t i = 0; p != NULL && i < sizeof CAPS / sizeof *CAPS; i++) {
		const json_t *x = json_object_get(p, CAPS[i].key);
		if (json_is_string(x) && json_string_length(x) > CAPS[i].max)
			return pl_diag_set(d, PL_EINVAL, "a sealed preservation \"%s\" takes at most %zu bytes (this one has %zu)",
					   CAPS[i].key, CAPS[i].max, json_string_length(x));
	}
	return PL_OK;
}

int cli_seal_request_body(void *ctx, cli_session *s, uint64_t seq, json_t *body, pl_diag *d)
{
	const cli_request_sealer *q = ctx;
	static const char *const types[] = {"concern", NULL};
	pl_entries e;
	pl_envelope env;
	pl_stmt st;
	memset(&env, 0, sizeof env);
	memset(&st, 0, sizeof st);
	json_t *f = NULL;
	int rc = cli_session_entries(q->call, s, &e, d);
	if (rc != PL_OK)
		return rc;
	if ((rc = pl_entries_statement(&e, &s->pol, q->case_id, types, NULL, &env, &st, NULL, d)) != PL_OK)
		goto out;
	const char *tlp = json_string_value(json_object_get(st.body, "tlp"));
	if (tlp == NULL || strcmp(tlp, "TLP:CLEAR") == 0)
		goto out; /* a case in clear: the request too */
	if (strcmp(tlp, "TLP:GREEN") == 0) {
		fprintf(stderr, "parley request: note: a request in a TLP:GREEN case is not sealed yet (it needs the "
				"members' keys, not built): its text is public in the log\n");
		goto out;
	}
	pl_refusal v;
	rc = cli_clear_rules("request", s->key->id.party, q->case_id, body, &v);
	if (rc == PL_EREFUSED)
		rc = pl_diag_set(d, PL_EINVAL, "%s: %s", pl_refusal_name(v.code), v.msg);
	if (rc != PL_OK || (rc = caps_check(body, d)) != PL_OK)
		goto out;
	const char *lang = cli_get(&q->call->args, "lang");
	if ((f = json_pack("{s:s}", "lang", lang != NULL ? lang : "en")) == NULL) {
		rc = PL_ENOMEM;
		goto out;
	}
	for (const char *const *k = pl_wf_sealed_fields(PL_WF_REQUEST); k != NULL && *k != NULL; k++) {
		json_t *x = json_object_get(body, *k);
		if (x != NULL && (json_object_set(f, *k, x) != 0 || json_object_del(body, *k) != 0)) {
			rc = PL_ENOMEM;
			goto out;
		}
	}
	/* the case's parties: the concern's author and recipients (the author of the request is one) */
	cli_sealer z;
	memset(&z, 0, sizeof z);
	z.call = q->call;
	z.type = "request";
	z.fields = f;
	z.readers[z.n++] = st.author;
	size_t i;
	json_t *r;
	json_array_foreach(json_object_get(st.body, "recipients"), i, r)
	{
		if (z.n == CLI_SEAL_READERS_MAX) {
			rc = pl_diag_set(d, PL_EINVAL, "a sealed request has at most %d readers", CLI_SEAL_READERS_MAX);
			goto out;
		}
		if (json_is_string(r))
			z.readers[z.n++] = json_string_value(r);
	}
	rc = cli_seal_body(&z, s, seq, body, d);
out:
	json_decref(f);
	pl_stmt_release(&st);
	pl_envelope_release(&env);
	pl_entries_close(&e);
	return rc;
}
