/* views_api.c - the workflow views over HTTP (views_api.h). */
#include "http/views_api.h"

#include "base/codec.h"
#include "base/json.h"
#include "base/timefmt.h"
#include "statement/party.h"
#include "tlog/merkle.h"
#include "workflow/views.h"
#include "workflow/vocab.h"

#include <stdio.h>
#include <string.h>

static bool fail(pl_view_answer *a, unsigned status, const char *code, const char *msg)
{
	a->status = status;
	a->code = code;
	snprintf(a->msg, sizeof a->msg, "%s", msg);
	return false;
}

static bool num(const char *s, uint64_t max, uint64_t *out)
{
	return pl_dec_parse((const uint8_t *)s, strlen(s), max, out) == PL_OK;
}

typedef struct params {
	pl_page pg;
	int64_t now;
	const char *party, *state;
	uint64_t id;
} params;

static bool parse_params(pl_view_kind kind, const char *arg, pl_param_fn param, void *ctx, params *p, pl_view_answer *a)
{
	const char *s;
	memset(p, 0, sizeof *p);
	p->now = pl_now();
	if ((s = param(ctx, "limit")) != NULL && (!num(s, PL_VIEW_LIMIT_MAX, &p->pg.limit) || p->pg.limit == 0))
		return fail(a, 400, "bad_request", "limit must be a number from 1 to 1000");
	if ((s = param(ctx, "offset")) != NULL && !num(s, PL_TREE_MAX, &p->pg.offset))
		return fail(a, 400, "bad_request", "offset must be a decimal number");
	if ((s = param(ctx, "now")) != NULL && pl_time_parse(s, strlen(s), &p->now) != PL_OK)
		return fail(a, 400, "bad_request", "now must be a time like 2026-01-31T12:00:00Z");
	p->party = param(ctx, "party");
	p->state = param(ctx, "state");
	if (p->party != NULL && !pl_party_name_valid(p->party, strlen(p->party)))
		return fail(a, 400, "bad_request", "party is not a valid party name");
	static const char *const group_states[] = {"proposed", "established", "declined", "dissolved", NULL};
	static const char *const session_states[] = {"proposed", "accepted", "held", "cancelled", NULL};
	if (kind == PL_VIEW_GROUPS) {
		if (p->state != NULL && pl_vocab_find(group_states, p->state) < 0)
			return fail(a, 400, "bad_request", "state is proposed, established, declined or dissolved");
	} else if (kind == PL_VIEW_SESSIONS) {
		if (p->state != NULL && pl_vocab_find(session_states, p->state) < 0)
			return fail(a, 400, "bad_request", "state is proposed, accepted, held or cancelled");
	} else if (p->state != NULL && strcmp(p->state, "open") != 0 && strcmp(p->state, "closed") != 0) {
		return fail(a, 400, "bad_request", "state is open or closed");
	}
	if (kind == PL_VIEW_CASE && !num(arg, PL_TREE_MAX - 1, &p->id))
		return fail(a, 404, "not_found", "no such case");
	if (kind == PL_VIEW_GROUP && !num(arg, PL_TREE_MAX - 1, &p->id))
		return fail(a, 404, "not_found", "no such group");
	if (kind == PL_VIEW_SESSION && !num(arg, PL_TREE_MAX - 1, &p->id))
		return fail(a, 404, "not_found", "no such session");
	return true;
}

void pl_views_answer(pl_node *n, pl_view_kind kind, const char *arg, pl_param_fn param, void *ctx, pl_view_answer *a)
{
	a->status = 200;
	a->code = NULL;
	a->msg[0] = '\0';
	params p;
	if (!parse_params(kind, arg, param, ctx, &p, a))
		return;
	pl_index *x = NULL;
	pl_diag d = {0};
	json_t *out = NULL;
	int rc = pl_node_index_open(n, 2000, &x, &d);
	if (rc != PL_OK) {
		a->status = 503;
		a->code = rc == PL_ESTATE ? "index_behind" : "internal";
		snprintf(a->msg, sizeof a->msg, "%s", pl_diag_text(&d, rc));
		return;
	}
	switch (kind) {
	case PL_VIEW_CASES:
		rc = pl_view_cases(x, p.party, p.state, p.pg, &out, &d);
		break;
	case PL_VIEW_CASE:
		rc = pl_view_case(x, p.id, p.now, &out, &d);
		break;
	case PL_VIEW_NORMS:
		rc = pl_view_norms(x, NULL, &out, &d);
		break;
	case PL_VIEW_NORM_SET:
		rc = pl_view_norms(x, arg, &out, &d);
		break;
	case PL_VIEW_INBOX:
		rc = pl_view_inbox(x, arg, p.now, p.pg, &out, &d);
		break;
	case PL_VIEW_REPORT:
		rc = pl_view_report(x, p.party, p.now, &out, &d);
		break;
	case PL_VIEW_GROUPS:
		rc = pl_view_groups(x, p.party, p.state, p.pg, &out, &d);
		break;
	case PL_VIEW_GROUP:
		rc = pl_view_group(x, p.id, p.now, &out, &d);
		break;
	case PL_VIEW_SESSIONS:
		rc = pl_view_sessions(x, p.party, p.state, p.pg, &out, &d);
		break;
	case PL_VIEW_SESSION:
		rc = pl_view_session(x, p.id, p.now, &out, &d);
		break;
	}
	if (rc == PL_OK)
		json_object_set_new(out, "indexed", json_integer((json_int_t)pl_index_size(x)));
	pl_index_close(x);
	if (rc == PL_OK && ((rc = pl_json_dump(out, &a->body)) != PL_OK || (rc = pl_buf_putc(&a->body, '\n')) != PL_OK))
		pl_diag_set(&d, rc, "the answer is too large");
	json_decref(out);
	if (rc == PL_ENOTFOUND)
		(void)fail(a, 404, "not_found", pl_diag_text(&d, rc));
	else if (rc != PL_OK)
		(void)fail(a, 500, "internal", pl_diag_text(&d, rc));
}
