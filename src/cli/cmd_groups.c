/* cmd_groups.c - standing groups: group propose, answer, leave, dissolve (signed, sealed to the group's
 * readers unless TLP:CLEAR), groups and group show (views, opened with the member's key).
 * docs/workflow.md, "Standing groups"; docs/groups.md. */
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

/* Signs body (taken) as a group statement of type t about group target (UINT64_MAX for a proposal). */
static int group_send(const cli_call *call, pl_wf_type t, json_t *body, uint64_t target, const char *cmd)
{
	return cli_group_send(call, t, body, target, &target, target != UINT64_MAX, cmd);
}

int cmd_group_propose(const cli_call *call)
{
	const cli_args *a = &call->args;
	const char *kind = cli_get(a, "kind"), *tlp = cli_get(a, "tlp"), *due = cli_get(a, "due");
	if (a->npos != 0 || kind == NULL || tlp == NULL || due == NULL || cli_get(a, "name") == NULL ||
	    cli_get(a, "mandate") == NULL || cli_get(a, "invite") == NULL)
		return cli_usage_call(call, "group propose needs --kind, --invite, --tlp, --due, --name and --mandate");
	int64_t t;
	if (pl_time_parse(due, strlen(due), &t) != PL_OK)
		return cli_usage_call(call, "--due must be a time like 2026-01-31T12:00:00Z");
	json_t *invited = json_array(), *experts = json_array();
	json_t *body = json_pack("{s:s,s:s,s:o,s:s}", "tlp", tlp, "kind", kind, "invited", invited, "due", due);
	int rc = body != NULL && experts != NULL ? PL_OK : PL_ENOMEM;
	if (rc == PL_OK && (rc = cli_add_list(a, "invite", invited)) == PL_OK && (rc = cli_add_list(a, "expert", experts)) == PL_OK &&
	    (rc = cli_set_flag(body, a, "name", "name")) == PL_OK && (rc = cli_set_flag(body, a, "mandate", "mandate")) == PL_OK &&
	    (rc = cli_set_flag(body, a, "cadence", "cadence")) == PL_OK)
		rc = cli_set_flag(body, a, "due-reason", "due_reason");
	if (rc == PL_OK && json_array_size(experts) > 0)
		rc = json_object_set(body, "experts", experts) == 0 ? PL_OK : PL_ENOMEM;
	json_decref(experts);
	if (rc != PL_OK) {
		json_decref(body);
		return cli_fail("group propose", rc, NULL);
	}
	return group_send(call, PL_WF_GROUP_PROPOSE, body, UINT64_MAX, "group propose");
}

/* The one positional argument, the group's entry. */
static bool group_arg(const cli_args *a, uint64_t *out)
{
	return a->npos == 1 && cli_u64(a->pos[0], out);
}

int cmd_group_answer(const cli_call *call)
{
	const cli_args *a = &call->args;
	uint64_t g;
	bool accept = cli_has(a, "accept"), decline = cli_has(a, "decline");
	if (!group_arg(a, &g) || accept == decline)
		return cli_usage_call(call, "group answer needs GROUP and one of --accept or --decline");
	json_t *experts = json_array();
	json_t *body = json_pack("{s:I,s:s}", "group", (json_int_t)g, "answer", accept ? "accept" : "decline");
	int rc = body != NULL && experts != NULL ? cli_set_flag(body, a, "reasons", "reasons") : PL_ENOMEM;
	if (rc == PL_OK && (rc = cli_add_list(a, "expert", experts)) == PL_OK && json_array_size(experts) > 0)
		rc = json_object_set(body, "experts", experts) == 0 ? PL_OK : PL_ENOMEM;
	json_decref(experts);
	if (rc != PL_OK) {
		json_decref(body);
		return cli_fail("group answer", rc, NULL);
	}
	return group_send(call, PL_WF_GROUP_ANSWER, body, g, "group answer");
}

/* group leave and group dissolve: GROUP --reasons TEXT. */
static int group_end(const cli_call *call, pl_wf_type t, const char *cmd)
{
	const cli_args *a = &call->args;
	uint64_t g;
	if (!group_arg(a, &g) || cli_get(a, "reasons") == NULL)
		return cli_usage_call(call, "%s needs GROUP and --reasons", cmd);
	json_t *body = json_pack("{s:I,s:s}", "group", (json_int_t)g, "reasons", cli_get(a, "reasons"));
	if (body == NULL)
		return cli_fail(cmd, PL_ENOMEM, NULL);
	return group_send(call, t, body, g, cmd);
}

int cmd_group_leave(const cli_call *call)
{
	return group_end(call, PL_WF_GROUP_LEAVE, "group leave");
}

int cmd_group_dissolve(const cli_call *call)
{
	return group_end(call, PL_WF_GROUP_DISSOLVE, "group dissolve");
}

/* ---- views ---- */

static const char *const PROPOSE[] = {"group.propose", NULL};

/* The name a group view shows: opened or in clear, else what keeps it from being read. */
static const char *group_name(cli_texts *tx, const json_t *g)
{
	if (json_is_string(json_object_get(g, "name")))
		return cli_jtxt(tx, g, "name");
	return cli_sealed_title(g) != NULL ? cli_sealed_title(g) : "(name not opened)";
}

int cmd_groups(const cli_call *call)
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
	pl_entries ents;
	memset(&ents, 0, sizeof ents);
	int rc = cli_source_open(call, &s, &d);
	cli_reader key = {.a = a, .e = &ents, .x = s.x, .pol = &s.pol};
	if (rc == PL_OK)
		rc = pl_view_groups(s.view, cli_get(a, "party"), cli_get(a, "state"), pg, &v, &d);
	if (rc == PL_OK)
		rc = pl_entries_open_dir(s.dir, s.x, &ents, &d);
	size_t i;
	json_t *g;
	json_array_foreach(rc == PL_OK ? json_object_get(v, "groups") : NULL, i, g)
	(void)cli_entry_said(&ents, &s.pol, (uint64_t)cli_jnum(g, "id"), PROPOSE, cli_jstr(g, "author"), &key, g);
	pl_entries_close(&ents);
	cli_reader_release(&key);
	if (rc == PL_OK && cli_has(a, "json")) {
		cli_view_json(v);
	} else if (rc == PL_OK) {
		printf("%lld group%s\n", cli_jnum(v, "total"), cli_jnum(v, "total") == 1 ? "" : "s");
		json_array_foreach(json_object_get(v, "groups"), i, g)
		printf("  group %-6lld %-11s %-12s %-16s by %-12s %s (%lld of %lld invited in)\n", cli_jnum(g, "id"),
		       cli_jtxt(&tx, g, "state"), cli_jtxt(&tx, g, "kind"), cli_jtxt(&tx, g, "tlp"), cli_jtxt(&tx, g, "author"),
		       group_name(&tx, g), cli_jnum(g, "members"), cli_jnum(g, "invited"));
		if (!json_is_null(json_object_get(v, "next")))
			printf("  ... more with --offset %lld\n", cli_jnum(v, "next"));
	}
	json_decref(v);
	cli_texts_release(&tx);
	return cli_source_finish("groups", rc, &d, &s);
}

/* One party's line of a group: its role, its answer (late, or silent at the clock), when it left. */
static void print_party(cli_texts *tx, const json_t *p)
{
	const char *answer = json_is_string(json_object_get(p, "answer")) ? cli_jstr(p, "answer") : NULL;
	if (strcmp(cli_jstr(p, "role"), "proposer") == 0)
		printf("  %-14s proposed it\n", cli_jtxt(tx, p, "party"));
	else if (answer != NULL)
		printf("  %-14s %s at %s%s (entry %lld)%s\n", cli_jtxt(tx, p, "party"),
		       strcmp(answer, "accept") == 0 ? "accepted" : "declined", cli_jtxt(tx, p, "answer_time"),
		       json_is_true(json_object_get(p, "late")) ? ", after the deadline" : "", cli_jnum(p, "answer_idx"),
		       json_is_integer(json_object_get(p, "left_idx")) ? "; left later" : "");
	else
		printf("  %-14s %s\n", cli_jtxt(tx, p, "party"),
		       json_is_true(json_object_get(p, "silent")) ? "SILENT: no answer by the deadline" : "invited, no answer yet");
}

int cmd_group_show(const cli_call *call)
{
	const cli_args *a = &call->args;
	uint64_t id;
	pl_page pg;
	int64_t now;
	if (!group_arg(a, &id) || !cli_page_flags(a, &pg, &now))
		return cli_usage_call(call, "group show needs a group ID");
	pl_diag d = {0};
	cli_source s;
	json_t *v = NULL;
	cli_texts tx = {0};
	int rc = cli_source_open(call, &s, &d);
	if (rc == PL_OK)
		rc = pl_view_group(s.view, id, now, &v, &d);
	int opened = 0;
	size_t bad = 0;
	static const char *const ANY[] = {"group.propose", "group.answer", "group.leave", "group.dissolve", NULL};
	static const char *const LISTS[][2] = {{"thread", "idx"}, {NULL, NULL}};
	if (rc == PL_OK)
		rc = cli_view_said(a, s.dir, s.x, &s.pol, v, id, ANY, LISTS, &opened, &bad, &d);
	if (rc == PL_OK && cli_has(a, "json")) {
		cli_view_json(v);
	} else if (rc == PL_OK) {
		printf("group %lld: %s\n  a %s group proposed by %s at %s, %s; answers due %s%s; state %s\n", cli_jnum(v, "id"),
		       group_name(&tx, v), cli_jtxt(&tx, v, "kind"), cli_jtxt(&tx, v, "author"), cli_jtxt(&tx, v, "time"),
		       cli_jtxt(&tx, v, "tlp"), cli_jtxt(&tx, v, "due"),
		       json_is_true(json_object_get(v, "lapsed")) ? " (passed with no acceptance)" : "", cli_jtxt(&tx, v, "state"));
		if (json_is_string(json_object_get(v, "mandate")))
			printf("  mandate: %s\n", cli_jtxt(&tx, v, "mandate"));
		if (json_is_string(json_object_get(v, "cadence")))
			printf("  cadence: %s\n", cli_jtxt(&tx, v, "cadence"));
		if (json_is_string(json_object_get(v, "due_reason")))
			printf("  why by then: %s\n", cli_jtxt(&tx, v, "due_reason"));
		if (opened == 2)
			printf("  FAULT in the sealed proposal (the author's misbehaviour): %s\n",
			       cli_jtxt(&tx, json_object_get(v, "sealed"), "fault"));
		size_t i;
		json_t *p;
		json_array_foreach(json_object_get(v, "parties"), i, p)
		print_party(&tx, p);
		json_array_foreach(json_object_get(v, "cases"), i, p)
		printf("  case %lld raised in it by %s at %s, %s, %s\n", cli_jnum(p, "id"), cli_jtxt(&tx, p, "author"),
		       cli_jtxt(&tx, p, "time"), cli_jtxt(&tx, p, "tlp"), cli_jtxt(&tx, p, "state"));
		printf("  thread:\n");
		json_array_foreach(json_object_get(v, "thread"), i, p)
		{
			printf("    %-6lld %-15s by %-12s at %s\n", cli_jnum(p, "idx"), cli_jtxt(&tx, p, "type"),
			       cli_jtxt(&tx, p, "author"), cli_jtxt(&tx, p, "time"));
			if (json_is_string(json_object_get(p, "reasons")))
				printf("             reasons: %s\n", cli_jtxt(&tx, p, "reasons"));
		}
		if (bad > 0)
			printf("  %zu entr%s of the thread do%s not verify in your copy of the log\n", bad, bad == 1 ? "y" : "ies",
			       bad == 1 ? "es" : "");
	}
	json_decref(v);
	cli_texts_release(&tx);
	int status = cli_source_finish("group show", rc, &d, &s);
	return status == 0 && bad > 0 ? 1 : status;
}
