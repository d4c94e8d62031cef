/* cmd_views.c - reading the consultation: inbox, cases, case show, norms
 * list/show, report, reindex. Views come from the server's read API or, with
 * --log DIR, from the index of a local copy of the log (a server's directory
 * or a monitor's mirror), so any member can recompute them. */
#include "cli/cli.h"
#include "cli/cmds.h"
#include "cli/sealing.h"
#include "cli/session.h"
#include "cli/view_source.h"
#include "client/entries.h"
#include "monitor/copy.h"
#include "store/logdir.h"

#include "base/codec.h"
#include "base/json.h"
#include "base/timefmt.h"
#include "statement/dsse.h"
#include "store/published.h"
#include "tlog/proof_file.h"
#include "workflow/views.h"

#include <jansson.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>


/* "3d 4h", "-2h 10m" (overdue) */
static void span(int64_t s, char *out, size_t cap)
{
	const char *sign = s < 0 ? "-" : "";
	int64_t v = s < 0 ? -s : s;
	if (v >= 86400)
		snprintf(out, cap, "%s%lldd %lldh", sign, (long long)(v / 86400), (long long)(v % 86400 / 3600));
	else if (v >= 3600)
		snprintf(out, cap, "%s%lldh %lldm", sign, (long long)(v / 3600), (long long)(v % 3600 / 60));
	else
		snprintf(out, cap, "%s%lldm", sign, (long long)(v / 60));
}

/* ---- inbox ---- */

/* Opens what the inbox lists, for the member's key (cli/sealing.h): each request's text (into its item,
 * with "sealed"), and its case's title when the concern is sealed. From the member's copy, verified. */
static int inbox_open(const cli_args *a, cli_source *s, json_t *v, pl_diag *d)
{
	static const char *const req_types[] = {"request", NULL};
	pl_entries ents;
	memset(&ents, 0, sizeof ents);
	int rc = pl_entries_open_dir(s->dir, s->x, &ents, d);
	if (rc != PL_OK)
		return rc;
	cli_reader key = {.a = a, .e = &ents, .x = s->x, .pol = &s->pol};
	size_t i;
	json_t *it;
	json_array_foreach(json_object_get(v, "items"), i, it)
	{
		if (strcmp(cli_jstr(it, "item"), "request") != 0)
			continue;
		json_t *c = json_object();
		if (c == NULL) {
			rc = PL_ENOMEM;
			break;
		}
		int opened = cli_case_open(&ents, &s->pol, (uint64_t)cli_jnum(it, "case_id"), NULL, &key, c);
		if (opened == 0 && json_is_string(json_object_get(c, "title")))
			json_object_set(it, "title", json_object_get(c, "title"));
		else if (cli_sealed_title(c) != NULL)
			json_object_set_new(it, "title", json_string(cli_sealed_title(c)));
		json_decref(c);
		(void)cli_entry_open(&ents, &s->pol, (uint64_t)cli_jnum(it, "id"), req_types, cli_jstr(it, "author"), &key,
				     it);
	}
	cli_reader_release(&key);
	pl_entries_close(&ents);
	return rc;
}

int cmd_inbox(const cli_call *call)
{
	const cli_args *a = &call->args;
	pl_page pg;
	int64_t now;
	if (a->npos != 0 || !cli_page_flags(a, &pg, &now))
		return cli_usage_call(call, "bad arguments");
	pl_diag d = {0};
	char party[PL_PARTY_MAX + 1] = "";
	if (cli_get(a, "party") != NULL) {
		snprintf(party, sizeof party, "%s", cli_get(a, "party"));
	} else {
		pl_party_key *k = NULL;
		int rc = cli_load_party_key(cli_opt(a, "key", "PARLEY_KEY"), a, &k, &d);
		if (rc != PL_OK)
			return cli_fail("inbox", rc, &d);
		snprintf(party, sizeof party, "%s", k->id.party);
		pl_party_key_free(k);
	}
	if (!pl_party_name_valid(party, strlen(party)))
		return cli_usage_call(call, "\"%s\" is not a party name", party);
	cli_source s;
	json_t *v = NULL;
	cli_texts tx = {0};
	int rc = cli_source_open(call, &s, &d);
	if (rc == PL_OK)
		rc = pl_view_inbox(s.view, party, now, pg, &v, &d);
	if (rc == PL_OK)
		rc = inbox_open(a, &s, v, &d);
	if (rc == PL_OK && cli_has(a, "json")) {
		cli_view_json(v);
	} else if (rc == PL_OK) {
		json_t *items = json_object_get(v, "items");
		printf("inbox of %s: %lld item%s awaiting an answer\n", party, cli_jnum(v, "total"),
		       cli_jnum(v, "total") == 1 ? "" : "s");
		size_t i;
		json_t *it;
		json_array_foreach(items, i, it)
		{
			char left[32];
			span((int64_t)cli_jnum(it, "seconds_left"), left, sizeof left);
			if (strcmp(cli_jstr(it, "item"), "session") == 0)
				printf("  %s invitation to session %lld from %s: answer with `parley session answer %lld` (%s %s)\n",
				       json_is_true(json_object_get(it, "overdue")) ? "OVERDUE" : "       ", cli_jnum(it, "id"),
				       cli_jtxt(&tx, it, "author"), cli_jnum(it, "id"),
				       json_is_true(json_object_get(it, "overdue")) ? "late by" : "due in", left + (left[0] == '-'));
			else if (strcmp(cli_jstr(it, "item"), "outcome") == 0)
				printf("  %s %s %lld by %s awaits your position: `parley outcome endorse %lld` (%s %s)\n",
				       json_is_true(json_object_get(it, "overdue")) ? "OVERDUE" : "       ", cli_jtxt(&tx, it, "kind"),
				       cli_jnum(it, "id"), cli_jtxt(&tx, it, "author"), cli_jnum(it, "id"),
				       json_is_true(json_object_get(it, "overdue")) ? "late by" : "due in", left + (left[0] == '-'));
			else if (strcmp(cli_jstr(it, "item"), "group") == 0)
				printf("  %s invitation to %s group %lld from %s: answer with `parley group answer %lld` (%s %s)\n",
				       json_is_true(json_object_get(it, "overdue")) ? "OVERDUE" : "       ", cli_jtxt(&tx, it, "kind"),
				       cli_jnum(it, "id"), cli_jtxt(&tx, it, "author"), cli_jnum(it, "id"),
				       json_is_true(json_object_get(it, "overdue")) ? "late by" : "due in", left + (left[0] == '-'));
			else if (strcmp(cli_jstr(it, "item"), "ping") == 0)
				printf("  %s ping %lld from %s: answer with `parley pong %lld` (%s %s)\n",
				       json_is_true(json_object_get(it, "overdue")) ? "OVERDUE" : "       ", cli_jnum(it, "id"),
				       cli_jtxt(&tx, it, "author"), cli_jnum(it, "id"),
				       json_is_true(json_object_get(it, "overdue")) ? "late by" : "due in", left);
			else
				printf("  %s request %lld (%s) in case %lld \"%s\" from %s: %s due %s (%s %s)\n",
				       json_is_true(json_object_get(it, "overdue")) ? "OVERDUE" : "       ", cli_jnum(it, "id"),
				       cli_jtxt(&tx, it, "kind"), cli_jnum(it, "case_id"), cli_jtxt(&tx, it, "title"), cli_jtxt(&tx, it, "author"),
				       strcmp(cli_jstr(it, "awaiting"), "ack") == 0 ? "acknowledgement" : "answer",
				       cli_jtxt(&tx, it, "next_due"), json_is_true(json_object_get(it, "overdue")) ? "late by" : "in",
				       left + (left[0] == '-'));
			if (json_is_string(json_object_get(it, "text")))
				printf("            %s\n", cli_jtxt(&tx, it, "text"));
			else if (cli_sealed_title(it) != NULL)
				printf("            %s\n", cli_sealed_title(it));
		}
		if (!json_is_null(json_object_get(v, "next")))
			printf("  ... more with --offset %lld\n", cli_jnum(v, "next"));
	}
	json_decref(v);
	cli_texts_release(&tx);
	return cli_source_finish("inbox", rc, &d, &s);
}

/* ---- cases ---- */

int cmd_cases(const cli_call *call)
{
	const cli_args *a = &call->args;
	pl_page pg;
	int64_t now;
	const char *state = cli_get(a, "state");
	if (a->npos != 0 || !cli_page_flags(a, &pg, &now) ||
	    (state && strcmp(state, "open") != 0 && strcmp(state, "closed") != 0))
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
		rc = pl_view_cases(s.view, cli_get(a, "party"), state, pg, &v, &d);
	if (rc == PL_OK)
		rc = pl_entries_open_dir(s.dir, s.x, &ents, &d);
	if (rc == PL_OK) {
		size_t i;
		json_t *c;
		json_array_foreach(json_object_get(v, "cases"), i, c)(void)cli_case_open(&ents, &s.pol, (uint64_t)cli_jnum(c, "id"),
										      cli_jstr(c, "author"), &key, c);
	}
	pl_entries_close(&ents);
	cli_reader_release(&key);
	if (rc == PL_OK && cli_has(a, "json")) {
		cli_view_json(v);
	} else if (rc == PL_OK) {
		printf("%lld case%s\n", cli_jnum(v, "total"), cli_jnum(v, "total") == 1 ? "" : "s");
		size_t i;
		json_t *c;
		json_array_foreach(json_object_get(v, "cases"), i, c)
		printf("  case %-6lld %-6s %-16s %-14s by %-12s %s (%lld request%s)\n", cli_jnum(c, "id"), cli_jtxt(&tx, c, "state"),
		       cli_jtxt(&tx, c, "tlp"), cli_sealed_title(c) ? "(sealed)" : cli_jtxt(&tx, c, "class"), cli_jtxt(&tx, c, "author"),
		       cli_sealed_title(c) ? cli_sealed_title(c) : cli_jtxt(&tx, c, "title"), cli_jnum(c, "requests"),
		       cli_jnum(c, "requests") == 1 ? "" : "s");
		if (!json_is_null(json_object_get(v, "next")))
			printf("  ... more with --offset %lld\n", cli_jnum(v, "next"));
	}
	json_decref(v);
	cli_texts_release(&tx);
	return cli_source_finish("cases", rc, &d, &s);
}

/*
 * Verifies one statement of a thread, independently of the view that lists
 * it: its inclusion in a checkpoint that opens under the policy (log
 * signature and witness quorum), and its author's signature under the key
 * they held then. Sets the three marks.
 */
/* ---- members list ---- */

/* "k: v; k: v" of a contact object, in its display form. */
static const char *contact_text(cli_texts *tx, const json_t *c, char *out, size_t cap)
{
	size_t at = 0;
	const char *k;
	json_t *x;
	out[0] = '\0';
	json_object_foreach((json_t *)(uintptr_t)c, k, x)
	{
		if (!json_is_string(x) || at + 1 >= cap)
			continue;
		int n = snprintf(out + at, cap - at, "%s%s: %s", at ? "; " : "", k, cli_jtxt(tx, c, k));
		if (n > 0)
			at += (size_t)n < cap - at ? (size_t)n : cap - at - 1;
	}
	return out;
}

int cmd_members_list(const cli_call *call)
{
	static const char *const types[] = {"contact.update", NULL};
	const cli_args *a = &call->args;
	if (a->npos != 0)
		return cli_usage_call(call, "members list takes no arguments");
	pl_diag d = {0};
	cli_source s;
	json_t *v = NULL;
	cli_texts tx = {0};
	pl_entries ents;
	memset(&ents, 0, sizeof ents);
	int rc = cli_source_open(call, &s, &d);
	cli_reader key = {.a = a, .e = &ents, .x = s.x, .pol = &s.pol};
	if (rc == PL_OK)
		rc = pl_view_members(s.view, &v, &d);
	if (rc == PL_OK)
		rc = pl_entries_open_dir(s.dir, s.x, &ents, &d);
	size_t i;
	json_t *m;
	json_array_foreach(rc == PL_OK ? json_object_get(v, "members") : NULL, i, m)
	{
		/* sealed contact details: opened with the members' keys this member holds */
		json_t *c = json_object_get(m, "contact");
		json_t *at = json_object_get(c, "sealed");
		if (!json_is_integer(at))
			continue;
		json_t *o = json_object();
		if (o == NULL)
			break;
		int st = cli_entry_open(&ents, &s.pol, (uint64_t)json_integer_value(at), types, cli_jstr(m, "party"), &key, o);
		json_t *opened = json_object_get(o, "contact");
		json_t *nc = st == 0 && json_is_object(opened) ? json_deep_copy(opened) : json_object();
		if (nc != NULL) {
			json_t *state = json_object_get(o, "sealed");
			if (state != NULL)
				json_object_set(nc, "sealed", state);
			else /* the entry did not verify (said as any view says it) */
				json_object_set_new(nc, "sealed", json_pack("{s:s,s:s}", "state", "fault", "fault",
									    "the entry does not verify"));
			json_object_set_new(nc, "entry", json_integer(json_integer_value(at)));
			json_object_set_new(m, "contact", nc);
		}
		json_decref(o);
	}
	pl_entries_close(&ents);
	cli_reader_release(&key);
	if (rc == PL_OK && cli_has(a, "json")) {
		cli_view_json(v);
	} else if (rc == PL_OK) {
		json_array_foreach(json_object_get(v, "members"), i, m)
		{
			json_t *c = json_object_get(m, "contact");
			const char *state = json_string_value(json_object_get(json_object_get(c, "sealed"), "state"));
			char line[1200];
			const char *shown = json_is_null(c) || c == NULL ? "no contact details"
					    : state == NULL ? contact_text(&tx, c, line, sizeof line)
					    : strcmp(state, "opened") == 0 ? contact_text(&tx, c, line, sizeof line)
					    : strcmp(state, "not_reader") == 0 ? "contact sealed (you hold no members' key for it)"
					    : strcmp(state, "no_key") == 0 ? "contact sealed (give --key to open)"
									  : "contact sealed: FAULT";
			printf("%-24s %s since entry %lld%s  %s\n", cli_jtxt(&tx, m, "party"),
			       json_is_true(json_object_get(m, "active")) ? "member" : "revoked", cli_jnum(m, "since"),
			       json_is_true(json_object_get(m, "founder")) ? " (founder)" : "", shown);
			if (state != NULL && strcmp(state, "fault") == 0)
				printf("    FAULT: %s\n", cli_jtxt(&tx, json_object_get(c, "sealed"), "fault"));
		}
	}
	json_decref(v);
	cli_texts_release(&tx);
	return cli_source_finish("members list", rc, &d, &s);
}

/* ---- norms ---- */

/* norms list and norms show */
static int norms_view(const cli_call *call, bool show)
{
	const cli_args *a = &call->args;
	if (a->npos != (show ? 1 : 0))
		return cli_usage_call(call, "norms %s takes %s", show ? "show" : "list", show ? "a HASH" : "no arguments");
	const char *hash = show ? a->pos[0] : NULL;
	if (hash && !cli_is_norm_hash(hash))
		return cli_usage_call(call, "a norm set's HASH is 64 lower-case hex digits");
	pl_diag d = {0};
	cli_source s;
	json_t *v = NULL;
	cli_texts tx = {0};
	int rc = cli_source_open(call, &s, &d);
	if (rc == PL_OK)
		rc = pl_view_norms(s.view, hash, &v, &d);
	if (rc == PL_OK && cli_has(a, "json")) {
		cli_view_json(v);
	} else if (rc == PL_OK && !show) {
		size_t i;
		json_t *e;
		json_array_foreach(json_object_get(v, "sets"), i, e)
		printf("%s  %s (version %s): %lld norms, %lld subscriber%s, published at entry %lld by %s\n",
		       cli_jtxt(&tx, e, "hash"), cli_jtxt(&tx, e, "name"), cli_jtxt(&tx, e, "version"), cli_jnum(e, "norms"), cli_jnum(e, "subscribers"),
		       cli_jnum(e, "subscribers") == 1 ? "" : "s", cli_jnum(e, "idx"), cli_jtxt(&tx, e, "author"));
	} else if (rc == PL_OK) {
		printf("%s (version %s), published at entry %lld by %s\n", cli_jtxt(&tx, v, "name"), cli_jtxt(&tx, v, "version"),
		       cli_jnum(v, "idx"), cli_jtxt(&tx, v, "author"));
		size_t i;
		json_t *e;
		json_array_foreach(json_object_get(v, "norms"), i, e)
		printf("  %-8s %s: %s\n", cli_jtxt(&tx, e, "id"), cli_jtxt(&tx, e, "short"), cli_jtxt(&tx, e, "gist"));
		printf("subscribed by:");
		json_array_foreach(json_object_get(v, "subscribed"), i, e)
		printf(" %s", cli_jtxt(&tx, e, "party"));
		printf("%s\n", json_array_size(json_object_get(v, "subscribed")) ? "" : " nobody yet");
	}
	json_decref(v);
	cli_texts_release(&tx);
	return cli_source_finish("norms", rc, &d, &s);
}

int cmd_norms_list(const cli_call *call)
{
	return norms_view(call, false);
}

int cmd_norms_show(const cli_call *call)
{
	return norms_view(call, true);
}

/* ---- report ---- */

int cmd_report(const cli_call *call)
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
		rc = pl_view_report(s.view, cli_get(a, "party"), now, &v, &d);
	if (rc == PL_OK && cli_has(a, "json")) {
		cli_view_json(v);
	} else if (rc == PL_OK) {
		printf("report at %s (derived from the log; anyone holding it gets the same figures)\n", cli_jtxt(&tx, v, "now"));
		size_t i;
		json_t *p;
		json_array_foreach(json_object_get(v, "parties"), i, p)
		{
			json_t *c = json_object_get(p, "concerns"), *r = json_object_get(p, "requests"),
			       *ak = json_object_get(r, "acknowledged"), *an = json_object_get(r, "answered"),
			       *md = json_object_get(p, "median_seconds"), *pg2 = json_object_get(p, "pings");
			char ta[32] = "-", tn[32] = "-";
			if (json_is_integer(json_object_get(md, "to_acknowledge")))
				span(json_integer_value(json_object_get(md, "to_acknowledge")), ta, sizeof ta);
			if (json_is_integer(json_object_get(md, "to_answer")))
				span(json_integer_value(json_object_get(md, "to_answer")), tn, sizeof tn);
			printf("%s%s\n  norm sets: %zu; concerns raised %lld, received %lld; requests made %lld, "
			       "received %lld\n",
			       cli_jtxt(&tx, p, "party"), json_is_true(json_object_get(p, "active")) ? "" : " (key revoked)",
			       json_array_size(json_object_get(p, "norms")), cli_jnum(c, "raised"), cli_jnum(c, "received"),
			       cli_jnum(r, "made"), cli_jnum(r, "received"));
			printf("  acknowledged: %lld on time, %lld late, %lld never, %lld pending; median %s\n",
			       cli_jnum(ak, "on_time"), cli_jnum(ak, "late"), cli_jnum(ak, "never"), cli_jnum(ak, "pending"), ta);
			printf("  answered:     %lld on time, %lld late, %lld never, %lld pending; median %s\n",
			       cli_jnum(an, "on_time"), cli_jnum(an, "late"), cli_jnum(an, "never"), cli_jnum(an, "pending"), tn);
			printf("  pings: %lld received, %lld answered\n", cli_jnum(pg2, "received"), cli_jnum(pg2, "answered"));
		}
	}
	json_decref(v);
	cli_texts_release(&tx);
	return cli_source_finish("report", rc, &d, &s);
}

/* ---- reindex ---- */

int cmd_reindex(const cli_call *call)
{
	const cli_args *a = &call->args;
	if (a->npos != 1)
		return cli_usage_call(call, "reindex needs the log directory");
	pl_diag d = {0};
	int rc = PL_OK;
	uint64_t size = 0;
	if (!cli_has(a, "dump-only")) {
		double t0 = (double)pl_now();
		if ((rc = pl_index_rebuild(a->pos[0], cli_has(a, "verify"), &size, &d)) != PL_OK)
			return cli_fail("reindex", rc, &d);
		fprintf(stderr, "reindexed %llu entries in about %.0f s\n", (unsigned long long)size,
			(double)pl_now() - t0);
		pl_index *x = NULL;
		pl_verifier vk;
		if (pl_logdir_read_vkey(a->pos[0], &vk, NULL) == PL_OK &&
		    pl_index_open_dir_at(a->pos[0], vk.name, false, false, &x, NULL) == PL_OK)
			cli_note_refused(x, "reindex");
		pl_index_close(x);
	}
	if (cli_has(a, "dump") || cli_has(a, "dump-only")) {
		pl_index *x = NULL;
		pl_verifier vk;
		if ((rc = pl_logdir_read_vkey(a->pos[0], &vk, &d)) == PL_OK &&
		    (rc = pl_index_open_dir_at(a->pos[0], vk.name, false, false, &x, &d)) == PL_OK)
			rc = pl_index_dump(x, stdout, &d);
		pl_index_close(x);
	}
	return rc == PL_OK ? 0 : cli_fail("reindex", rc, &d);
}
