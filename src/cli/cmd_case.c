/* cmd_case.c - `parley case show`: one case, every statement of its thread verified on its own, and
 * what each said, opened for the member's key when it is sealed (cli/sealing.h). */
#include "cli/cli.h"
#include "cli/cmds.h"
#include "cli/sealing.h"
#include "cli/view_source.h"
#include "client/entries.h"
#include "workflow/types.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The public fields of an answer or a close shown with what it said. */
static const char *const PUBLIC_SHOWN[] = {"status", "kind", "until", "preserved_until", "outcome", NULL};

/*
 * Thread entry t (idx, type, author), verified on its own (t["verified"]: signature, inclusion, quorum;
 * marks[] the same) and, for what follows the concern and the requests (which case show opens above the
 * thread), what it said: its sealed fields (workflow/types.h) from its body in clear, or opened for r's
 * key into t (cli_stmt_open: t["sealed"] says how it went), and the public fields of PUBLIC_SHOWN.
 * Returns cli_stmt_open's 0, 1 or 2 (a fault: the author's misbehaviour).
 */
static int thread_entry(const pl_entries *e, const pl_policy *pol, cli_reader *r, json_t *t, bool marks[3])
{
	pl_envelope env;
	pl_stmt st;
	memset(&env, 0, sizeof env);
	memset(&st, 0, sizeof st);
	pl_entry_checks ok;
	int ret = 0;
	bool good = pl_entries_statement(e, pol, (uint64_t)cli_jnum(t, "idx"), NULL, cli_jstr(t, "author"), &env, &st,
					 &ok, NULL) == PL_OK;
	marks[0] = ok.signature;
	marks[1] = marks[2] = ok.proven; /* the checkpoint opened under the policy and the proof verified */
	json_object_set_new(t, "verified", json_pack("{s:b,s:b,s:b}", "signature", marks[0], "inclusion", marks[1],
						     "quorum", marks[2]));
	int type = good ? pl_wf_type_of(st.type) : -1;
	if (type >= 0 && type != PL_WF_CONCERN && type != PL_WF_REQUEST) {
		for (const char *const *k = PUBLIC_SHOWN; *k != NULL; k++)
			if (json_is_string(json_object_get(st.body, *k)))
				json_object_set(t, *k, json_object_get(st.body, *k));
		if (json_is_string(json_object_get(st.body, "sealed")))
			ret = cli_stmt_open(&st, (uint64_t)cli_jnum(t, "idx"), r, t);
		else
			for (const char *const *k = pl_wf_sealed_fields((pl_wf_type)type); k != NULL && *k != NULL; k++)
				if (json_object_get(st.body, *k) != NULL)
					json_object_set(t, *k, json_object_get(st.body, *k));
	}
	pl_stmt_release(&st);
	pl_envelope_release(&env);
	return ret;
}

/* Prints what thread entry t said (thread_entry filled it), under its line. */
static void print_said(cli_texts *tx, const json_t *t)
{
	int type = pl_wf_type_of(cli_jstr(t, "type"));
	if (type < 0 || type == PL_WF_CONCERN || type == PL_WF_REQUEST)
		return;
	for (const char *const *k = PUBLIC_SHOWN; *k != NULL; k++)
		if (json_is_string(json_object_get(t, *k)))
			printf("        %s: %s\n", *k, cli_jtxt(tx, t, *k));
	const char *rs = cli_sealed_title(t);
	json_t *sm = json_object_get(t, "sealed");
	if (rs != NULL && json_is_string(json_object_get(sm, "fault")))
		printf("        FAULT in the sealed %s (the author's misbehaviour): %s\n", cli_jtxt(tx, t, "type"),
		       cli_jtxt(tx, sm, "fault"));
	else if (rs != NULL)
		printf("        %s\n", rs);
	for (const char *const *k = pl_wf_sealed_fields((pl_wf_type)type); rs == NULL && k != NULL && *k != NULL; k++)
		if (json_is_string(json_object_get(t, *k)))
			printf("        %s: %s\n", *k, cli_jtxt(tx, t, *k));
}

int cmd_case_show(const cli_call *call)
{
	const cli_args *a = &call->args;
	uint64_t id;
	pl_page pg;
	int64_t now;
	if (a->npos != 1 || !cli_u64(a->pos[0], &id) || !cli_page_flags(a, &pg, &now))
		return cli_usage_call(call, "case show needs a case ID");
	pl_diag d = {0};
	cli_source s;
	json_t *v = NULL;
	cli_texts tx = {0};
	int rc = cli_source_open(call, &s, &d);
	pl_policy pol = s.pol;
	if (rc == PL_OK)
		rc = pl_view_case(s.view, id, now, &v, &d);
	size_t bad = 0, said_faults = 0; /* statements that do not verify; answers that do not open as they should */
	pl_entries ents;
	memset(&ents, 0, sizeof ents);
	cli_reader key = {.a = a, .e = &ents, .x = s.x, .pol = &pol};
	if (rc == PL_OK)
		rc = pl_entries_open_dir(s.dir, s.x, &ents, &d);
	if (rc == PL_OK) {
		/* every statement of the thread, verified independently of the view, and what it said */
		size_t i;
		json_t *e;
		json_array_foreach(json_object_get(v, "thread"), i, e)
		{
			bool m[3];
			said_faults += thread_entry(&ents, &pol, &key, e, m) == 2;
			bad += !(m[0] && m[1] && m[2]);
		}
	}
	int sealed = 0; /* cli_case_open's */
	size_t req_faults = 0; /* requests whose sealed body does not open as it should */
	if (rc == PL_OK) {
		sealed = cli_case_open(&ents, &pol, id, cli_jstr(v, "author"), &key, v);
		static const char *const req_types[] = {"request", NULL};
		size_t k;
		json_t *q;
		json_array_foreach(json_object_get(v, "requests"), k, q)
		req_faults += cli_entry_open(&ents, &pol, (uint64_t)cli_jnum(q, "id"), req_types, cli_jstr(q, "author"), &key, q) == 2;
	}
	cli_reader_release(&key);
	pl_entries_close(&ents);
	if (rc == PL_OK && cli_has(a, "json")) {
		cli_view_json(v);
	} else if (rc == PL_OK) {
		if (cli_sealed_title(v) != NULL) {
			json_object_set_new(v, "title", json_string(cli_sealed_title(v)));
			json_object_set_new(v, "class", json_string("class sealed"));
		}
		printf("case %lld: %s\n  raised by %s at %s; %s, %s%s%s; state %s%s%s\n", cli_jnum(v, "id"), cli_jtxt(&tx, v, "title"),
		       cli_jtxt(&tx, v, "author"), cli_jtxt(&tx, v, "time"), cli_jtxt(&tx, v, "tlp"), cli_jtxt(&tx, v, "class"),
		       json_is_string(json_object_get(v, "rsit_type")) ? "/" : "",
		       json_is_string(json_object_get(v, "rsit_type")) ? cli_jtxt(&tx, v, "rsit_type") : "", cli_jtxt(&tx, v, "state"),
		       json_is_string(json_object_get(v, "outcome")) ? ", outcome " : "",
		       json_is_string(json_object_get(v, "outcome")) ? cli_jtxt(&tx, v, "outcome") : "");
		if (json_is_string(json_object_get(v, "norms")))
			printf("  norms invoked: %s (set %s%s)\n", cli_jtxt(&tx, v, "norms"),
			       cli_is_norm_hash(cli_jstr(v, "norm_set")) ? cli_textn(&tx, cli_jstr(v, "norm_set"), 16) : cli_jtxt(&tx, v, "norm_set"),
			       cli_is_norm_hash(cli_jstr(v, "norm_set")) ? "..." : "");
		if (json_is_string(json_object_get(v, "summary")))
			printf("  summary: %s\n", cli_jtxt(&tx, v, "summary"));
		json_t *sm = json_object_get(v, "sealed");
		if (sealed == 0 && sm != NULL)
			printf("  sealed to its author and recipients: opened with your key, its commitment checked\n");
		else if (sealed == 2)
			printf("  FAULT in the sealed concern (the author's misbehaviour): %s\n",
			       cli_jtxt(&tx, sm, "fault"));
		size_t i, j;
		json_t *r, *t;
		json_array_foreach(json_object_get(v, "requests"), i, r)
		{
			printf("  request %lld (%s) by %s, due %s: %s\n", cli_jnum(r, "id"), cli_jtxt(&tx, r, "kind"), cli_jtxt(&tx, r, "author"),
			       cli_jtxt(&tx, r, "due"), cli_jtxt(&tx, r, "state"));
			const char *rs = cli_sealed_title(r);
			if (rs != NULL && json_is_string(json_object_get(json_object_get(r, "sealed"), "fault")))
				printf("    FAULT in the sealed request (the author's misbehaviour): %s\n",
				       cli_jtxt(&tx, json_object_get(r, "sealed"), "fault"));
			else if (rs != NULL)
				printf("    %s\n", rs);
			else if (json_is_string(json_object_get(r, "text")))
				printf("    text: %s\n", cli_jtxt(&tx, r, "text"));
			if (rs == NULL && json_is_string(json_object_get(r, "due_reason")))
				printf("    due reason: %s\n", cli_jtxt(&tx, r, "due_reason"));
			if (rs == NULL && json_is_object(json_object_get(r, "preservation"))) {
				const char *pk;
				json_t *pv;
				json_object_foreach(json_object_get(r, "preservation"), pk, pv)
				if (json_is_string(pv))
					printf("    preservation %s: %s\n", cli_text(&tx, pk), cli_text(&tx, json_string_value(pv)));
			}
			json_array_foreach(json_object_get(r, "addressees"), j, t)
			printf("    %-12s %-12s%s%s%s\n", cli_jtxt(&tx, t, "party"), cli_jtxt(&tx, t, "progress"),
			       json_is_string(json_object_get(t, "status")) ? " " : "",
			       json_is_string(json_object_get(t, "status")) ? cli_jtxt(&tx, t, "status") : "",
			       json_is_true(json_object_get(t, "overdue")) ? "  OVERDUE" : "");
		}
		printf("  thread (signature, inclusion, witness quorum checked for each):\n");
		json_array_foreach(json_object_get(v, "thread"), i, t)
		{
			json_t *m = json_object_get(t, "verified");
			bool ok = json_is_true(json_object_get(m, "signature")) && json_is_true(json_object_get(m, "inclusion")) &&
				  json_is_true(json_object_get(m, "quorum"));
			printf("    [%s] entry %-6lld %-10s by %-12s at %s%s\n", ok ? "ok" : "FAILED", cli_jnum(t, "idx"),
			       cli_jtxt(&tx, t, "type"), cli_jtxt(&tx, t, "author"), cli_jtxt(&tx, t, "time"),
			       ok ? "" : (json_is_true(json_object_get(m, "signature")) ? " (inclusion)" : " (signature)"));
			print_said(&tx, t);
		}
	}
	json_decref(v);
	cli_texts_release(&tx);
	int status = cli_source_finish("case show", rc, &d, &s);
	if (status == 0 && bad > 0) {
		fprintf(stderr, "parley case show: %zu statement%s did not verify\n", bad, bad == 1 ? "" : "s");
		return EXIT_VERIFY;
	}
	if (status == 0 && sealed == 2) {
		fprintf(stderr, "parley case show: the sealed concern does not open as it should: the author's misbehaviour\n");
		return EXIT_VERIFY;
	}
	if (status == 0 && said_faults > 0) {
		fprintf(stderr, "parley case show: %zu sealed answer%s not open as it should: the author's misbehaviour\n",
			said_faults, said_faults == 1 ? " does" : "s do");
		return EXIT_VERIFY;
	}
	if (status == 0 && req_faults > 0) {
		fprintf(stderr, "parley case show: %zu sealed request%s not open as it should: the author's misbehaviour\n",
			req_faults, req_faults == 1 ? " does" : "s do");
		return EXIT_VERIFY;
	}
	return status;
}

