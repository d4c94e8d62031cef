/* seal_thread.c - a statement of a sealed thread (a request and its answers, a close) sealed to the
 * thread's readers (sealing.h: cli_seal_thread_body; docs/confidentiality.md, sections 1 and 2). */
#include "cli/sealing.h"

#include "base/codec.h"
#include "base/refusal.h"
#include "client/entries.h"
#include "workflow/types.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Adds name to z's readers unless it is there. */
static int add_reader(cli_sealer *z, const char *name, pl_diag *d)
{
	for (size_t i = 0; i < z->n; i++)
		if (strcmp(z->readers[i], name) == 0)
			return PL_OK;
	if (z->n == CLI_SEAL_READERS_MAX)
		return pl_diag_set(d, PL_EINVAL, "a sealed statement has at most %d readers", CLI_SEAL_READERS_MAX);
	z->readers[z->n++] = name;
	return PL_OK;
}

/* The parties of the case whose concern is c: its author and recipients. */
static int case_parties(cli_sealer *z, const pl_stmt *c, pl_diag *d)
{
	int rc = add_reader(z, c->author, d);
	size_t i;
	json_t *r;
	json_array_foreach(json_object_get(c->body, "recipients"), i, r)
	{
		if (rc == PL_OK && json_is_string(r))
			rc = add_reader(z, json_string_value(r), d);
	}
	return rc;
}

/* The reader names of the sealed request q (its header, parsed into h, which the names borrow). */
static int request_readers(cli_sealer *z, const pl_stmt *q, pl_seal_head *h, pl_diag *d)
{
	uint8_t *obj = NULL;
	size_t n = 0, bucket = 0;
	int rc = cli_sealed_bytes(q, &obj, &n, d);
	if (rc == PL_OK)
		rc = pl_sealed_parse(obj, n, h, &bucket, d);
	for (size_t i = 0; rc == PL_OK && i < h->n; i++)
		if (h->e[i].type == PL_SEAL_PARTY)
			rc = add_reader(z, h->e[i].party, d);
	free(obj);
	return rc;
}

/* The thread of q's statement from the member's verified copy: the request answered (r, for an answer)
 * and the case's concern (c), verified. Close it after any result. */
typedef struct thread_stmts {
	pl_entries e;
	pl_envelope env, renv;
	pl_stmt c, r;
	uint64_t case_id;
} thread_stmts;

static void thread_close(thread_stmts *t)
{
	pl_stmt_release(&t->c);
	pl_envelope_release(&t->env);
	pl_stmt_release(&t->r);
	pl_envelope_release(&t->renv);
	pl_entries_close(&t->e);
}

static int thread_open(const cli_thread_sealer *q, cli_session *s, thread_stmts *t, pl_diag *d)
{
	static const char *const concern_types[] = {"concern", NULL}, *const request_types[] = {"request", NULL};
	bool answer = q->type != PL_WF_REQUEST && q->type != PL_WF_CLOSE;
	memset(t, 0, sizeof *t);
	int rc = cli_session_entries(q->call, s, &t->e, d);
	if (rc != PL_OK)
		return rc;
	t->case_id = q->target;
	if (answer) {
		if ((rc = pl_entries_statement(&t->e, &s->pol, q->target, request_types, NULL, &t->renv, &t->r, NULL, d)) !=
		    PL_OK)
			return rc;
		json_int_t k = json_integer_value(json_object_get(t->r.body, "case"));
		t->case_id = k > 0 ? (uint64_t)k : 0;
	}
	return pl_entries_statement(&t->e, &s->pol, t->case_id, concern_types, NULL, &t->env, &t->c, NULL, d);
}

int cli_thread_prepare(void *ctx, cli_session *s, pl_diag *d)
{
	const cli_thread_sealer *q = ctx;
	thread_stmts t;
	int rc = thread_open(q, s, &t, d);
	if (rc == PL_OK) {
		const char *tlp = json_string_value(json_object_get(t.c.body, "tlp"));
		if (tlp != NULL && strcmp(tlp, "TLP:GREEN") == 0 && !q->narrow)
			rc = cli_green_ready(q->call, s, d);
	}
	thread_close(&t);
	return rc;
}

int cli_seal_thread_body(void *ctx, cli_session *s, uint64_t seq, json_t *body, pl_diag *d)
{
	const cli_thread_sealer *q = ctx;
	const char *tname = pl_wf_type_name(q->type);
	bool answer = q->type != PL_WF_REQUEST && q->type != PL_WF_CLOSE;
	thread_stmts t;
	json_t *f = NULL;
	pl_seal_head *h = NULL;
	int rc = thread_open(q, s, &t, d);
	if (rc != PL_OK)
		goto out;
	const char *tlp = json_string_value(json_object_get(t.c.body, "tlp"));
	bool green = tlp != NULL && strcmp(tlp, "TLP:GREEN") == 0;
	if (q->narrow && (tlp == NULL || strcmp(tlp, "TLP:CLEAR") == 0 || green)) {
		rc = pl_diag_set(d, PL_EINVAL, "--narrow is for a request in a case sealed to its parties (TLP:RED, "
					       "AMBER+STRICT or AMBER); case %llu is %s",
				 (unsigned long long)t.case_id, tlp != NULL ? tlp : "unlabelled");
		goto out;
	}
	if (tlp == NULL || strcmp(tlp, "TLP:CLEAR") == 0)
		goto out; /* a thread in clear: the statement too */
	pl_refusal v;
	rc = cli_clear_rules(tname, s->key->id.party, q->target, body, &v);
	if (rc == PL_EREFUSED)
		rc = pl_diag_set(d, PL_EINVAL, "%s: %s", pl_refusal_name(v.code), v.msg);
	if (rc != PL_OK || (rc = cli_sealed_caps(q->type, body, d)) != PL_OK)
		goto out;
	cli_sealer z;
	memset(&z, 0, sizeof z);
	z.call = q->call;
	z.type = tname;
	z.skip_revoked = true; /* a party revoked since reads nothing said later (admission agrees) */
	z.green = green;
	if (green) {
		/* the members' key: no reader list */
	} else if (q->narrow) {
		/* the requester and the addressees only */
		size_t i;
		json_t *to;
		json_array_foreach(json_object_get(body, "to"), i, to)
		{
			if (rc == PL_OK && json_is_string(to))
				rc = add_reader(&z, json_string_value(to), d);
		}
	} else if (answer && json_is_string(json_object_get(t.r.body, "sealed"))) {
		/* the request's readers, narrowed or not */
		if ((h = malloc(sizeof *h)) == NULL)
			rc = PL_ENOMEM;
		else
			rc = request_readers(&z, &t.r, h, d);
	} else {
		rc = case_parties(&z, &t.c, d); /* also an answer to a request an old log holds in clear */
	}
	if (rc == PL_OK)
		rc = cli_seal_take(q->call, q->type, body, &f);
	if (rc == PL_OK) {
		z.fields = f;
		rc = cli_seal_body(&z, s, seq, body, d);
	}
out:
	json_decref(f);
	free(h);
	thread_close(&t);
	return rc;
}
