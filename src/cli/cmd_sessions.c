/* cmd_sessions.c - consultation sessions: session propose, answer, reschedule, cancel, held, outcome and
 * outcome endorse (signed, sealed to the session's readers unless TLP:CLEAR), sessions and session show
 * (views, opened with the member's key). docs/workflow.md, "Consultation sessions and joint outcomes". */
#include "cli/cli.h"
#include "cli/cmds.h"
#include "cli/sealing.h"
#include "cli/session.h"
#include "cli/view_source.h"
#include "client/entries.h"

#include "base/timefmt.h"
#include "statement/dsse.h"
#include "workflow/types.h"
#include "workflow/views.h"

#include <jansson.h>
#include <stdio.h>
#include <string.h>

/* The one positional argument, an entry. */
static bool entry_arg(const cli_args *a, uint64_t *out)
{
	return a->npos == 1 && cli_u64(a->pos[0], out);
}

/* A time flag into body[key] (as given, checked), required or not; false when it is missing or malformed. */
static bool time_flag(const cli_args *a, const char *flag, json_t *o, const char *key, bool required)
{
	const char *t = cli_get(a, flag);
	int64_t v;
	if (t == NULL)
		return !required;
	return pl_time_parse(t, strlen(t), &v) == PL_OK && json_object_set_new(o, key, json_string(t)) == 0;
}

/* Every value of the repeatable flag name, as given (commas kept: agenda items are prose), into arr. */
static int add_each(const cli_args *a, const char *name, json_t *arr)
{
	for (int i = 0; i < a->nflags; i++)
		if (strcmp(a->flag[i], name) == 0 && json_array_append_new(arr, json_string(a->val[i])) != 0)
			return PL_ENOMEM;
	return PL_OK;
}

/* Every value of the repeatable entry flag name into arr and refs (at most max). */
static bool add_entries(const cli_args *a, const char *name, json_t *arr, uint64_t *refs, size_t *n, size_t max)
{
	for (int i = 0; i < a->nflags; i++) {
		uint64_t k;
		if (strcmp(a->flag[i], name) != 0)
			continue;
		if (*n == max || !cli_u64(a->val[i], &k) || json_array_append_new(arr, json_integer((json_int_t)k)) != 0)
			return false;
		refs[(*n)++] = k;
	}
	return true;
}

int cmd_session_propose(const cli_call *call)
{
	const cli_args *a = &call->args;
	if (a->npos != 0 || cli_get(a, "tlp") == NULL || cli_get(a, "invite") == NULL || cli_get(a, "agenda") == NULL ||
	    cli_get(a, "format") == NULL)
		return cli_usage_call(call, "session propose needs --invite, --tlp, --from, --until, --due, --agenda and --format");
	json_t *ps = json_array(), *ag = json_array(), *th = json_array(), *win = json_object();
	json_t *body = json_pack("{s:s,s:o,s:o,s:o,s:s}", "tlp", cli_get(a, "tlp"), "participants", ps, "window", win,
				 "agenda", ag, "format", cli_get(a, "format"));
	uint64_t refs[PL_REFS_MAX];
	size_t n = 0;
	uint64_t g;
	bool ok = body != NULL && th != NULL && time_flag(a, "from", win, "from", true) &&
		  time_flag(a, "until", win, "until", true) && time_flag(a, "due", body, "due", true);
	if (ok && cli_get(a, "group") != NULL) {
		ok = cli_u64(cli_get(a, "group"), &g) && json_object_set_new(body, "group", json_integer((json_int_t)g)) == 0;
		refs[n++] = g;
	}
	if (ok && !add_entries(a, "thread", th, refs, &n, 1 + PL_WF_THREADS_MAX)) {
		json_decref(body);
		json_decref(th);
		return cli_usage_call(call, "--thread takes at most %d entry indexes", PL_WF_THREADS_MAX);
	}
	if (ok && json_array_size(th) > 0)
		ok = json_object_set(body, "threads", th) == 0;
	json_decref(th);
	if (!ok) {
		json_decref(body);
		return cli_usage_call(call, "--from, --until and --due are times like 2026-01-31T12:00:00Z; --group an entry");
	}
	if (cli_add_list(a, "invite", ps) != PL_OK || add_each(a, "agenda", ag) != PL_OK ||
	    cli_set_flag(body, a, "place", "place") != PL_OK || cli_set_flag(body, a, "due-reason", "due_reason") != PL_OK) {
		json_decref(body);
		return cli_fail("session propose", PL_ENOMEM, NULL);
	}
	return cli_group_send(call, PL_WF_SESSION_PROPOSE, body, UINT64_MAX, refs, n, "session propose");
}

int cmd_session_answer(const cli_call *call)
{
	const cli_args *a = &call->args;
	uint64_t s;
	bool accept = cli_has(a, "accept"), decline = cli_has(a, "decline");
	if (!entry_arg(a, &s) || accept == decline)
		return cli_usage_call(call, "session answer needs SESSION and one of --accept or --decline");
	json_t *body = json_pack("{s:I,s:s}", "session", (json_int_t)s, "answer", accept ? "accept" : "decline");
	if (body == NULL || cli_set_flag(body, a, "reasons", "reasons") != PL_OK) {
		json_decref(body);
		return cli_fail("session answer", PL_ENOMEM, NULL);
	}
	return cli_group_send(call, PL_WF_SESSION_ANSWER, body, s, &s, 1, "session answer");
}

int cmd_session_reschedule(const cli_call *call)
{
	const cli_args *a = &call->args;
	uint64_t s;
	json_t *win = json_object();
	if (!entry_arg(a, &s) || cli_get(a, "reasons") == NULL || win == NULL || !time_flag(a, "from", win, "from", true) ||
	    !time_flag(a, "until", win, "until", true)) {
		json_decref(win);
		return cli_usage_call(call, "session reschedule needs SESSION, --from, --until (times) and --reasons");
	}
	json_t *body = json_pack("{s:I,s:o,s:s}", "session", (json_int_t)s, "window", win, "reasons", cli_get(a, "reasons"));
	if (body == NULL)
		return cli_fail("session reschedule", PL_ENOMEM, NULL);
	return cli_group_send(call, PL_WF_SESSION_RESCHEDULE, body, s, &s, 1, "session reschedule");
}

int cmd_session_cancel(const cli_call *call)
{
	const cli_args *a = &call->args;
	uint64_t refs[2], c;
	if (!entry_arg(a, &refs[0]) || cli_get(a, "reasons") == NULL ||
	    (cli_get(a, "cites") != NULL && !cli_u64(cli_get(a, "cites"), &c)))
		return cli_usage_call(call, "session cancel needs SESSION and --reasons (--cites an entry)");
	json_t *body = json_pack("{s:I,s:s}", "session", (json_int_t)refs[0], "reasons", cli_get(a, "reasons"));
	size_t n = 1;
	if (body != NULL && cli_get(a, "cites") != NULL) {
		json_object_set_new(body, "cites", json_integer((json_int_t)c));
		refs[n++] = c;
	}
	if (body == NULL)
		return cli_fail("session cancel", PL_ENOMEM, NULL);
	return cli_group_send(call, PL_WF_SESSION_CANCEL, body, refs[0], refs, n, "session cancel");
}

int cmd_session_held(const cli_call *call)
{
	const cli_args *a = &call->args;
	uint64_t s;
	json_t *body = NULL;
	if (!entry_arg(a, &s) || (body = json_pack("{s:I}", "session", (json_int_t)s)) == NULL ||
	    !time_flag(a, "at", body, "held_at", true)) {
		json_decref(body);
		return cli_usage_call(call, "session held needs SESSION and --at TIME (when it was held)");
	}
	if (cli_set_flag(body, a, "note", "note") != PL_OK) {
		json_decref(body);
		return cli_fail("session held", PL_ENOMEM, NULL);
	}
	return cli_group_send(call, PL_WF_SESSION_HELD, body, s, &s, 1, "session held");
}

int cmd_session_outcome(const cli_call *call)
{
	const cli_args *a = &call->args;
	uint64_t s;
	if (!entry_arg(a, &s) || cli_get(a, "kind") == NULL || cli_get(a, "text") == NULL)
		return cli_usage_call(call, "session outcome needs SESSION, --kind minutes|joint_statement and --text");
	json_t *body = json_pack("{s:I,s:s,s:s}", "session", (json_int_t)s, "kind", cli_get(a, "kind"), "text", cli_get(a, "text"));
	if (body == NULL)
		return cli_fail("session outcome", PL_ENOMEM, NULL);
	return cli_group_send(call, PL_WF_SESSION_OUTCOME, body, s, &s, 1, "session outcome");
}

int cmd_outcome_endorse(const cli_call *call)
{
	const cli_args *a = &call->args;
	uint64_t o;
	if (!entry_arg(a, &o))
		return cli_usage_call(call, "outcome endorse needs OUTCOME");
	json_t *body = json_pack("{s:I,s:s}", "outcome", (json_int_t)o, "position", cli_has(a, "dissent") ? "dissent" : "endorse");
	if (body == NULL || cli_set_flag(body, a, "note", "note") != PL_OK) {
		json_decref(body);
		return cli_fail("outcome endorse", PL_ENOMEM, NULL);
	}
	return cli_group_send(call, PL_WF_OUTCOME_ENDORSE, body, o, &o, 1, "outcome endorse");
}

/* ---- views ---- */

int cmd_sessions(const cli_call *call)
{
	const cli_args *a = &call->args;
	pl_page pg;
	int64_t now;
	if (a->npos != 0 || !cli_page_flags(a, &pg, &now))
		return cli_usage_call(call, "bad arguments");
	pl_diag d = {0};
	cli_source s;
	json_t *v = NULL;
	cli_texts tx = {0};
	int rc = cli_source_open(call, &s, &d);
	if (rc == PL_OK)
		rc = pl_view_sessions(s.view, cli_get(a, "party"), cli_get(a, "state"), pg, &v, &d);
	if (rc == PL_OK && cli_has(a, "json")) {
		cli_view_json(v);
	} else if (rc == PL_OK) {
		printf("%lld session%s\n", cli_jnum(v, "total"), cli_jnum(v, "total") == 1 ? "" : "s");
		size_t i;
		json_t *x;
		json_array_foreach(json_object_get(v, "sessions"), i, x)
		{
			printf("  session %-6lld %-10s %-16s by %-12s %s to %s, %lld participant%s", cli_jnum(x, "id"),
			       cli_jtxt(&tx, x, "state"), cli_jtxt(&tx, x, "tlp"), cli_jtxt(&tx, x, "author"),
			       cli_jtxt(&tx, x, "from_time"), cli_jtxt(&tx, x, "until_time"), cli_jnum(x, "participants"),
			       cli_jnum(x, "participants") == 1 ? "" : "s");
			if (json_is_string(json_object_get(x, "cancelled_by")))
				printf(", cancelled by %s", cli_jtxt(&tx, x, "cancelled_by"));
			printf("\n");
		}
		if (!json_is_null(json_object_get(v, "next")))
			printf("  ... more with --offset %lld\n", cli_jnum(v, "next"));
	}
	json_decref(v);
	cli_texts_release(&tx);
	return cli_source_finish("sessions", rc, &d, &s);
}

static const char *const SESSION_TYPES[] = {"session.propose", "session.answer", "session.reschedule",
					     "session.cancel", "session.held", "session.outcome", "outcome.endorse", NULL};

int cmd_session_show(const cli_call *call)
{
	const cli_args *a = &call->args;
	uint64_t id;
	pl_page pg;
	int64_t now;
	if (!entry_arg(a, &id) || !cli_page_flags(a, &pg, &now))
		return cli_usage_call(call, "session show needs a session ID");
	pl_diag d = {0};
	cli_source s;
	json_t *v = NULL;
	cli_texts tx = {0};
	int rc = cli_source_open(call, &s, &d);
	if (rc == PL_OK)
		rc = pl_view_session(s.view, id, now, &v, &d);
	size_t bad = 0, i, k;
	json_t *e, *p;
	int head = 0;
	static const char *const LISTS[][2] = {{"thread", "idx"}, {"outcomes", "id"}, {NULL, NULL}};
	if (rc == PL_OK)
		rc = cli_view_said(a, s.dir, s.x, &s.pol, v, id, SESSION_TYPES, LISTS, &head, &bad, &d);
	if (rc == PL_OK && cli_has(a, "json")) {
		cli_view_json(v);
	} else if (rc == PL_OK) {
		printf("session %lld, proposed by %s at %s, %s; window %s to %s%s; answers due %s; state %s\n", cli_jnum(v, "id"),
		       cli_jtxt(&tx, v, "author"), cli_jtxt(&tx, v, "time"), cli_jtxt(&tx, v, "tlp"), cli_jtxt(&tx, v, "from_time"),
		       cli_jtxt(&tx, v, "until_time"), cli_jnum(v, "reschedules") > 0 ? " (rescheduled)" : "",
		       cli_jtxt(&tx, v, "due"), cli_jtxt(&tx, v, "state"));
		if (json_is_string(json_object_get(v, "format")))
			printf("  format: %s%s%s\n", cli_jtxt(&tx, v, "format"), json_is_string(json_object_get(v, "place")) ? ", " : "",
			       json_is_string(json_object_get(v, "place")) ? cli_jtxt(&tx, v, "place") : "");
		json_array_foreach(json_object_get(v, "agenda"), i, e)
		printf("  agenda %zu: %s\n", i + 1, json_is_string(e) ? cli_text(&tx, json_string_value(e)) : "-");
		if (json_is_string(json_object_get(v, "cancelled_by")))
			printf("  CANCELLED by %s at %s%s%lld\n", cli_jtxt(&tx, v, "cancelled_by"), cli_jtxt(&tx, v, "ended_time"),
			       json_is_integer(json_object_get(v, "cites")) ? ", citing entry " : "",
			       json_is_integer(json_object_get(v, "cites")) ? cli_jnum(v, "cites") : 0LL);
		if (json_is_string(json_object_get(v, "held_time")))
			printf("  held at %s\n", cli_jtxt(&tx, v, "held_time"));
		json_array_foreach(json_object_get(v, "parties"), i, p)
		{
			if (strcmp(cli_jstr(p, "role"), "proposer") == 0)
				continue;
			const char *ans = json_is_string(json_object_get(p, "answer")) ? cli_jstr(p, "answer") : NULL;
			printf("  %-14s %s%s\n", cli_jtxt(&tx, p, "party"),
			       ans != NULL ? (strcmp(ans, "accept") == 0 ? "accepted" : "declined")
			       : json_is_true(json_object_get(p, "silent")) ? "SILENT: no answer by the deadline"
									     : "invited, no answer yet",
			       json_is_true(json_object_get(p, "late")) ? ", after the deadline" : "");
		}
		json_array_foreach(json_object_get(v, "outcomes"), i, e)
		{
			printf("  %s %lld by %s at %s: %s\n", cli_jtxt(&tx, e, "kind"), cli_jnum(e, "id"), cli_jtxt(&tx, e, "author"),
			       cli_jtxt(&tx, e, "time"), json_is_true(json_object_get(e, "agreed")) ? "AGREED by every participant" : "not agreed");
			if (json_is_string(json_object_get(e, "text")))
				printf("    %s\n", cli_jtxt(&tx, e, "text"));
			json_array_foreach(json_object_get(e, "positions"), k, p)
			printf("    %-14s %s\n", cli_jtxt(&tx, p, "party"),
			       json_is_string(json_object_get(p, "position")) ? cli_jtxt(&tx, p, "position") : "no position yet");
		}
		printf("  thread:\n");
		json_array_foreach(json_object_get(v, "thread"), i, e)
		{
			printf("    %-6lld %-18s by %-12s at %s\n", cli_jnum(e, "idx"), cli_jtxt(&tx, e, "type"),
			       cli_jtxt(&tx, e, "author"), cli_jtxt(&tx, e, "time"));
			if (json_is_string(json_object_get(e, "reasons")))
				printf("             reasons: %s\n", cli_jtxt(&tx, e, "reasons"));
			if (json_is_string(json_object_get(e, "note")))
				printf("             note: %s\n", cli_jtxt(&tx, e, "note"));
		}
		if (bad > 0)
			printf("  %zu entr%s of the thread do%s not verify in your copy of the log\n", bad, bad == 1 ? "y" : "ies",
			       bad == 1 ? "es" : "");
	}
	json_decref(v);
	cli_texts_release(&tx);
	int status = cli_source_finish("session show", rc, &d, &s);
	return status == 0 && bad > 0 ? 1 : status;
}
