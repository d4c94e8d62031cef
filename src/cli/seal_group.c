/* seal_group.c - a statement of a standing group's or a consultation session's thread sealed to its
 * readers (sealing.h: cli_seal_group_body, cli_group_prepare; docs/groups.md, section 1): the proposer
 * and every party it invited or named a participant, as admission counts them
 * (workflow/state_readers.c). */
#include "cli/sealing.h"

#include "base/refusal.h"
#include "client/entries.h"
#include "workflow/types.h"

#include <stdio.h>
#include <string.h>

/* The proposal the statement belongs to: the body itself for a proposal, else the group.propose or
 * session.propose its thread starts with, from the member's verified copy (an endorsement's through its
 * outcome; verified; release the statements, close e after any result). */
typedef struct group_stmts {
	pl_entries e;
	bool opened;
	pl_envelope env, oenv;
	pl_stmt st, out;
} group_stmts;

static void group_close(group_stmts *g)
{
	pl_stmt_release(&g->st);
	pl_envelope_release(&g->env);
	pl_stmt_release(&g->out);
	pl_envelope_release(&g->oenv);
	if (g->opened)
		pl_entries_close(&g->e);
}

static bool is_proposal(pl_wf_type t)
{
	return t == PL_WF_GROUP_PROPOSE || t == PL_WF_SESSION_PROPOSE;
}

/* The proposal's author and body: the statement's own for a proposal. */
static int group_open(const cli_group_sealer *q, cli_session *s, const json_t *body, const char **author,
		      const json_t **proposal, group_stmts *g, pl_diag *d)
{
	static const char *const groups[] = {"group.propose", NULL}, *const sessions[] = {"session.propose", NULL},
				  *const outcomes[] = {"session.outcome", NULL};
	memset(g, 0, sizeof *g);
	if (is_proposal(q->type)) {
		*author = s->key->id.party;
		*proposal = body;
		return PL_OK;
	}
	int rc = cli_session_entries(q->call, s, &g->e, d);
	if (rc != PL_OK)
		return rc;
	g->opened = true;
	uint64_t at = q->target;
	if (q->type == PL_WF_OUTCOME_ENDORSE) {
		if ((rc = pl_entries_statement(&g->e, &s->pol, at, outcomes, NULL, &g->oenv, &g->out, NULL, d)) != PL_OK)
			return rc;
		json_int_t k = json_integer_value(json_object_get(g->out.body, "session"));
		at = k > 0 ? (uint64_t)k : 0;
	}
	bool group = q->type == PL_WF_GROUP_ANSWER || q->type == PL_WF_GROUP_LEAVE || q->type == PL_WF_GROUP_DISSOLVE;
	if ((rc = pl_entries_statement(&g->e, &s->pol, at, group ? groups : sessions, NULL, &g->env, &g->st, NULL, d)) !=
	    PL_OK)
		return rc;
	*author = g->st.author;
	*proposal = g->st.body;
	return PL_OK;
}

static bool green(const json_t *proposal)
{
	const char *tlp = json_string_value(json_object_get(proposal, "tlp"));
	return tlp != NULL && strcmp(tlp, "TLP:GREEN") == 0;
}

int cli_group_prepare(void *ctx, cli_session *s, pl_diag *d)
{
	const cli_group_sealer *q = ctx;
	group_stmts g;
	const char *author = NULL;
	const json_t *proposal = NULL;
	int rc = group_open(q, s, q->body, &author, &proposal, &g, d);
	if (rc == PL_OK && green(proposal))
		rc = cli_green_ready(q->call, s, d);
	group_close(&g);
	return rc;
}

int cli_seal_group_body(void *ctx, cli_session *s, uint64_t seq, json_t *body, pl_diag *d)
{
	const cli_group_sealer *q = ctx;
	const char *tname = pl_wf_type_name(q->type), *author = NULL;
	const json_t *proposal = NULL;
	json_t *f = NULL;
	group_stmts g;
	int rc = group_open(q, s, body, &author, &proposal, &g, d);
	if (rc != PL_OK)
		goto out;
	const char *tlp = json_string_value(json_object_get(proposal, "tlp"));
	if (tlp == NULL || strcmp(tlp, "TLP:CLEAR") == 0)
		goto out; /* a group in clear: the statement too */
	pl_refusal v;
	rc = cli_clear_rules_refs(tname, s->key->id.party, q->refs, q->nrefs, body, &v);
	if (rc == PL_EREFUSED)
		rc = pl_diag_set(d, PL_EINVAL, "%s: %s", pl_refusal_name(v.code), v.msg);
	if (rc != PL_OK)
		goto out;
	cli_sealer z;
	memset(&z, 0, sizeof z);
	z.call = q->call;
	z.type = tname;
	z.skip_revoked = true; /* a party revoked since reads nothing said later (admission agrees) */
	z.green = green(proposal);
	if (!z.green) {
		/* the proposer and every invited party or participant (the author is always a reader) */
		size_t i;
		json_t *p;
		const char *names[CLI_SEAL_READERS_MAX + 1];
		size_t n = 0;
		names[n++] = author;
		const json_t *who = json_object_get(proposal, "invited");
		if (who == NULL)
			who = json_object_get(proposal, "participants");
		json_array_foreach(who, i, p)
		{
			if (json_is_string(p) && n <= CLI_SEAL_READERS_MAX)
				names[n++] = json_string_value(p);
		}
		for (size_t k = 0; k < n; k++) {
			bool dup = strcmp(names[k], s->key->id.party) == 0;
			for (size_t j = 0; j < z.n && !dup; j++)
				dup = strcmp(z.readers[j], names[k]) == 0;
			if (dup)
				continue;
			if (z.n == CLI_SEAL_READERS_MAX) {
				rc = pl_diag_set(d, PL_EINVAL, "a sealed statement has at most %d readers", CLI_SEAL_READERS_MAX);
				goto out;
			}
			z.readers[z.n++] = names[k];
		}
	}
	if ((rc = cli_seal_take(q->call, q->type, body, &f)) == PL_OK) {
		z.fields = f;
		rc = cli_seal_body(&z, s, seq, body, d);
	}
out:
	json_decref(f);
	group_close(&g);
	return rc;
}

int cli_group_send(const cli_call *call, pl_wf_type t, json_t *body, uint64_t target, const uint64_t *refs,
		   size_t nrefs, const char *cmd)
{
	cli_group_sealer g = {.call = call, .type = t, .target = target, .body = body, .refs = refs, .nrefs = nrefs};
	return cli_session_sign_send_refs(call, pl_wf_type_name(t), body, refs, nrefs, cmd, NULL, cli_seal_group_body,
					  cli_group_prepare, &g);
}
