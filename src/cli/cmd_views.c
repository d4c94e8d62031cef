/* cmd_views.c - reading the consultation: inbox, cases, case show, norms
 * list/show, report, reindex. Views come from the server's read API or, with
 * --log DIR, from the index of a local copy of the log (a server's directory
 * or a monitor's mirror), so any member can recompute them. */
#include "cli/cli.h"
#include "cli/cmds.h"
#include "cli/sealing.h"
#include "cli/session.h"
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


/*
 * Where a view comes from: always an index of a copy of the log on this
 * machine. With --log DIR, the index of that directory (a server's directory
 * or a monitor's mirror); otherwise the member's verified copy of the
 * server's log (cli/session.h: cli_session_copy), brought up to date and
 * verified first. Never the server's views. With --now, a fresh index of the
 * log as it stood then (workflow/index.h: pl_index_as_of).
 */
typedef struct source {
	cli_session c;     /* server mode */
	bool session;      /* c is open */
	pl_index *own;     /* --log mode: the directory's index (owned) */
	pl_index *x;       /* the whole log's index (own, or the copy's) */
	pl_index *as_of;   /* with --now: the log as it stood then (owned) */
	pl_index *view;    /* what views are computed from: as_of, else x */
	const char *dir;   /* the copy's directory */
	pl_policy pol;     /* what the log's checkpoints must satisfy */
} source;

/* Says on stderr that the log holds entries the rules refuse (they have no effect on any view). */
static void note_refused(pl_index *x, const char *cmd)
{
	pl_replay_refused first;
	size_t n = 0;
	if (pl_index_refusals(x, &first, 1, &n, NULL) != PL_OK || n == 0)
		return;
	cli_texts tx = {0};
	fprintf(stderr,
		"parley %s: note: %zu entr%s of this log break%s the rules and %s no effect (entry %llu: %s: %s)\n", cmd,
		n, n == 1 ? "y" : "ies", n == 1 ? "s" : "", n == 1 ? "has" : "have", (unsigned long long)first.index,
		pl_refusal_name(first.why.code), cli_text(&tx, first.why.msg));
	cli_texts_release(&tx);
}

static int source_open(const cli_call *call, source *s, pl_diag *d)
{
	const cli_args *a = &call->args;
	memset(s, 0, sizeof *s);
	int rc;
	const char *dir = cli_get(a, "log");
	if (dir != NULL) {
		s->dir = dir;
		pl_verifier vk;
		if ((rc = pl_index_open_dir(dir, &s->own, d)) != PL_OK || (rc = pl_logdir_read_vkey(dir, &vk, d)) != PL_OK)
			return rc;
		pl_policy_init(&s->pol, &vk);
		if ((rc = cli_policy_member(a, &s->pol, d)) != PL_OK)
			return rc;
		s->x = s->own;
	} else {
		pl_copy *copy = NULL;
		if ((rc = cli_session_open(call, false, &s->c, d)) != PL_OK)
			return rc;
		s->session = true;
		if ((rc = cli_session_copy(call, &s->c, &copy, d)) != PL_OK)
			return rc;
		s->x = pl_copy_index(copy);
		s->dir = pl_copy_dir(copy);
		s->pol = s->c.pol;
	}
	note_refused(s->x, call->cmd->name);
	s->view = s->x;
	const char *now = cli_get(a, "now");
	int64_t t;
	if (now != NULL && pl_time_parse(now, strlen(now), &t) == PL_OK) {
		/* as the log stood then: only what was said up to that time */
		pl_source *src = NULL;
		uint64_t upto;
		if ((rc = pl_source_open_dir(s->dir, &src, d)) == PL_OK)
			rc = pl_index_as_of(s->x, src, pl_index_size(s->x), t, true, &s->as_of, &upto, d);
		pl_source_free(src);
		if (rc != PL_OK)
			return rc;
		s->view = s->as_of;
	}
	return PL_OK;
}

static void source_close(source *s)
{
	pl_index_close(s->as_of);
	pl_index_close(s->own);
	if (s->session)
		cli_session_close(&s->c);
}

/* The flags' values as a view's query parameters (a flag not given is left out). */


static bool page_flags(const cli_args *a, pl_page *pg, int64_t *now)
{
	memset(pg, 0, sizeof *pg);
	*now = pl_now();
	const char *v;
	if ((v = cli_get(a, "limit")) && (!cli_u64(v, &pg->limit) || pg->limit == 0 || pg->limit > PL_VIEW_LIMIT_MAX))
		return false;
	if ((v = cli_get(a, "offset")) && !cli_u64(v, &pg->offset))
		return false;
	if ((v = cli_get(a, "now")) && pl_time_parse(v, strlen(v), now) != PL_OK)
		return false;
	return true;
}

static void print_json(const json_t *v)
{
	cli_print_json(v, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
}

static const char *str(const json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));
	return s ? s : "-";
}

/* o[key] in its display form, for printing (base/safetext.h). */
static const char *txt(cli_texts *t, const json_t *o, const char *key)
{
	return cli_text(t, str(o, key));
}

/* True if h is a norm set's hash (64 lower-case hex digits). */
static bool is_hash(const char *h)
{
	uint8_t raw[PL_SHA256_SIZE];
	return strlen(h) == PL_NORM_HASH_HEX &&
	       pl_hex_decode((const uint8_t *)h, PL_NORM_HASH_HEX, raw, PL_SHA256_SIZE) == PL_OK;
}

static long long num(const json_t *o, const char *key)
{
	return (long long)json_integer_value(json_object_get(o, key));
}

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

static int finish(const char *cmd, int rc, pl_diag *d, source *s)
{
	source_close(s);
	return rc == PL_OK ? 0 : cli_fail(cmd, rc, d);
}

/* ---- inbox ---- */

int cmd_inbox(const cli_call *call)
{
	const cli_args *a = &call->args;
	pl_page pg;
	int64_t now;
	if (a->npos != 0 || !page_flags(a, &pg, &now))
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
	source s;
	json_t *v = NULL;
	cli_texts tx = {0};
	int rc = source_open(call, &s, &d);
	if (rc == PL_OK)
		rc = pl_view_inbox(s.view, party, now, pg, &v, &d);
	if (rc == PL_OK && cli_has(a, "json")) {
		print_json(v);
	} else if (rc == PL_OK) {
		json_t *items = json_object_get(v, "items");
		printf("inbox of %s: %lld item%s awaiting an answer\n", party, num(v, "total"),
		       num(v, "total") == 1 ? "" : "s");
		size_t i;
		json_t *it;
		json_array_foreach(items, i, it)
		{
			char left[32];
			span((int64_t)num(it, "seconds_left"), left, sizeof left);
			if (strcmp(str(it, "item"), "ping") == 0)
				printf("  %s ping %lld from %s: answer with `parley pong %lld` (%s %s)\n",
				       json_is_true(json_object_get(it, "overdue")) ? "OVERDUE" : "       ", num(it, "id"),
				       txt(&tx, it, "author"), num(it, "id"),
				       json_is_true(json_object_get(it, "overdue")) ? "late by" : "due in", left);
			else
				printf("  %s request %lld (%s) in case %lld \"%s\" from %s: %s due %s (%s %s)\n",
				       json_is_true(json_object_get(it, "overdue")) ? "OVERDUE" : "       ", num(it, "id"),
				       txt(&tx, it, "kind"), num(it, "case_id"), txt(&tx, it, "title"), txt(&tx, it, "author"),
				       strcmp(str(it, "awaiting"), "ack") == 0 ? "acknowledgement" : "answer",
				       txt(&tx, it, "next_due"), json_is_true(json_object_get(it, "overdue")) ? "late by" : "in",
				       left + (left[0] == '-'));
		}
		if (!json_is_null(json_object_get(v, "next")))
			printf("  ... more with --offset %lld\n", num(v, "next"));
	}
	json_decref(v);
	cli_texts_release(&tx);
	return finish("inbox", rc, &d, &s);
}

/* ---- cases ---- */

int cmd_cases(const cli_call *call)
{
	const cli_args *a = &call->args;
	pl_page pg;
	int64_t now;
	const char *state = cli_get(a, "state");
	if (a->npos != 0 || !page_flags(a, &pg, &now) ||
	    (state && strcmp(state, "open") != 0 && strcmp(state, "closed") != 0))
		return cli_usage_call(call, "bad arguments");
	pl_diag d = {0};
	source s;
	json_t *v = NULL;
	cli_texts tx = {0};
	cli_reader key = {.a = a};
	pl_entries ents;
	memset(&ents, 0, sizeof ents);
	int rc = source_open(call, &s, &d);
	if (rc == PL_OK)
		rc = pl_view_cases(s.view, cli_get(a, "party"), state, pg, &v, &d);
	if (rc == PL_OK)
		rc = pl_entries_open_dir(s.dir, s.x, &ents, &d);
	if (rc == PL_OK) {
		size_t i;
		json_t *c;
		json_array_foreach(json_object_get(v, "cases"), i, c)(void)cli_case_open(&ents, &s.pol, (uint64_t)num(c, "id"),
										      str(c, "author"), &key, c);
	}
	pl_entries_close(&ents);
	cli_reader_release(&key);
	if (rc == PL_OK && cli_has(a, "json")) {
		print_json(v);
	} else if (rc == PL_OK) {
		printf("%lld case%s\n", num(v, "total"), num(v, "total") == 1 ? "" : "s");
		size_t i;
		json_t *c;
		json_array_foreach(json_object_get(v, "cases"), i, c)
		printf("  case %-6lld %-6s %-16s %-14s by %-12s %s (%lld request%s)\n", num(c, "id"), txt(&tx, c, "state"),
		       txt(&tx, c, "tlp"), cli_sealed_title(c) ? "(sealed)" : txt(&tx, c, "class"), txt(&tx, c, "author"),
		       cli_sealed_title(c) ? cli_sealed_title(c) : txt(&tx, c, "title"), num(c, "requests"),
		       num(c, "requests") == 1 ? "" : "s");
		if (!json_is_null(json_object_get(v, "next")))
			printf("  ... more with --offset %lld\n", num(v, "next"));
	}
	json_decref(v);
	cli_texts_release(&tx);
	return finish("cases", rc, &d, &s);
}

/*
 * Verifies one statement of a thread, independently of the view that lists
 * it: its inclusion in a checkpoint that opens under the policy (log
 * signature and witness quorum), and its author's signature under the key
 * they held then. Sets the three marks.
 */
static void verify_entry(const pl_entries *e, const pl_policy *pol, uint64_t idx, const char *author, bool marks[3])
{
	pl_envelope env;
	pl_stmt st;
	memset(&env, 0, sizeof env);
	memset(&st, 0, sizeof st);
	pl_entry_checks ok;
	(void)!pl_entries_statement(e, pol, idx, NULL, author, &env, &st, &ok, NULL);
	marks[0] = ok.signature;
	marks[1] = marks[2] = ok.proven; /* the checkpoint opened under the policy and the proof verified */
	pl_stmt_release(&st);
	pl_envelope_release(&env);
}

int cmd_case_show(const cli_call *call)
{
	const cli_args *a = &call->args;
	uint64_t id;
	pl_page pg;
	int64_t now;
	if (a->npos != 1 || !cli_u64(a->pos[0], &id) || !page_flags(a, &pg, &now))
		return cli_usage_call(call, "case show needs a case ID");
	pl_diag d = {0};
	source s;
	json_t *v = NULL;
	cli_texts tx = {0};
	int rc = source_open(call, &s, &d);
	pl_policy pol = s.pol;
	if (rc == PL_OK)
		rc = pl_view_case(s.view, id, now, &v, &d);
	size_t bad = 0;
	pl_entries ents;
	memset(&ents, 0, sizeof ents);
	if (rc == PL_OK)
		rc = pl_entries_open_dir(s.dir, s.x, &ents, &d);
	if (rc == PL_OK) {
		/* every statement of the thread, verified independently of the view */
		size_t i;
		json_t *e;
		json_array_foreach(json_object_get(v, "thread"), i, e)
		{
			bool m[3];
			verify_entry(&ents, &pol, (uint64_t)num(e, "idx"), str(e, "author"), m);
			json_object_set_new(e, "verified",
					    json_pack("{s:b,s:b,s:b}", "signature", m[0], "inclusion", m[1], "quorum", m[2]));
			bad += !(m[0] && m[1] && m[2]);
		}
	}
	cli_reader key = {.a = a};
	int sealed = 0; /* cli_case_open's */
	size_t req_faults = 0; /* requests whose sealed body does not open as it should */
	if (rc == PL_OK) {
		sealed = cli_case_open(&ents, &pol, id, str(v, "author"), &key, v);
		static const char *const req_types[] = {"request", NULL};
		size_t k;
		json_t *q;
		json_array_foreach(json_object_get(v, "requests"), k, q)
		req_faults += cli_entry_open(&ents, &pol, (uint64_t)num(q, "id"), req_types, str(q, "author"), &key, q) == 2;
	}
	cli_reader_release(&key);
	pl_entries_close(&ents);
	if (rc == PL_OK && cli_has(a, "json")) {
		print_json(v);
	} else if (rc == PL_OK) {
		if (cli_sealed_title(v) != NULL) {
			json_object_set_new(v, "title", json_string(cli_sealed_title(v)));
			json_object_set_new(v, "class", json_string("class sealed"));
		}
		printf("case %lld: %s\n  raised by %s at %s; %s, %s%s%s; state %s%s%s\n", num(v, "id"), txt(&tx, v, "title"),
		       txt(&tx, v, "author"), txt(&tx, v, "time"), txt(&tx, v, "tlp"), txt(&tx, v, "class"),
		       json_is_string(json_object_get(v, "rsit_type")) ? "/" : "",
		       json_is_string(json_object_get(v, "rsit_type")) ? txt(&tx, v, "rsit_type") : "", txt(&tx, v, "state"),
		       json_is_string(json_object_get(v, "outcome")) ? ", outcome " : "",
		       json_is_string(json_object_get(v, "outcome")) ? txt(&tx, v, "outcome") : "");
		if (json_is_string(json_object_get(v, "norms")))
			printf("  norms invoked: %s (set %s%s)\n", txt(&tx, v, "norms"),
			       is_hash(str(v, "norm_set")) ? cli_textn(&tx, str(v, "norm_set"), 16) : txt(&tx, v, "norm_set"),
			       is_hash(str(v, "norm_set")) ? "..." : "");
		if (json_is_string(json_object_get(v, "summary")))
			printf("  summary: %s\n", txt(&tx, v, "summary"));
		json_t *sm = json_object_get(v, "sealed");
		if (sealed == 0 && sm != NULL)
			printf("  sealed to its author and recipients: opened with your key, its commitment checked\n");
		else if (sealed == 2)
			printf("  FAULT in the sealed concern (the author's misbehaviour): %s\n",
			       txt(&tx, sm, "fault"));
		size_t i, j;
		json_t *r, *t;
		json_array_foreach(json_object_get(v, "requests"), i, r)
		{
			printf("  request %lld (%s) by %s, due %s: %s\n", num(r, "id"), txt(&tx, r, "kind"), txt(&tx, r, "author"),
			       txt(&tx, r, "due"), txt(&tx, r, "state"));
			const char *rs = cli_sealed_title(r);
			if (rs != NULL && json_is_string(json_object_get(json_object_get(r, "sealed"), "fault")))
				printf("    FAULT in the sealed request (the author's misbehaviour): %s\n",
				       txt(&tx, json_object_get(r, "sealed"), "fault"));
			else if (rs != NULL)
				printf("    %s\n", rs);
			else if (json_is_string(json_object_get(r, "text")))
				printf("    text: %s\n", txt(&tx, r, "text"));
			if (rs == NULL && json_is_string(json_object_get(r, "due_reason")))
				printf("    due reason: %s\n", txt(&tx, r, "due_reason"));
			if (rs == NULL && json_is_object(json_object_get(r, "preservation"))) {
				const char *pk;
				json_t *pv;
				json_object_foreach(json_object_get(r, "preservation"), pk, pv)
				if (json_is_string(pv))
					printf("    preservation %s: %s\n", cli_text(&tx, pk), cli_text(&tx, json_string_value(pv)));
			}
			json_array_foreach(json_object_get(r, "addressees"), j, t)
			printf("    %-12s %-12s%s%s%s\n", txt(&tx, t, "party"), txt(&tx, t, "progress"),
			       json_is_string(json_object_get(t, "status")) ? " " : "",
			       json_is_string(json_object_get(t, "status")) ? txt(&tx, t, "status") : "",
			       json_is_true(json_object_get(t, "overdue")) ? "  OVERDUE" : "");
		}
		printf("  thread (signature, inclusion, witness quorum checked for each):\n");
		json_array_foreach(json_object_get(v, "thread"), i, t)
		{
			json_t *m = json_object_get(t, "verified");
			bool ok = json_is_true(json_object_get(m, "signature")) && json_is_true(json_object_get(m, "inclusion")) &&
				  json_is_true(json_object_get(m, "quorum"));
			printf("    [%s] entry %-6lld %-10s by %-12s at %s%s\n", ok ? "ok" : "FAILED", num(t, "idx"),
			       txt(&tx, t, "type"), txt(&tx, t, "author"), txt(&tx, t, "time"),
			       ok ? "" : (json_is_true(json_object_get(m, "signature")) ? " (inclusion)" : " (signature)"));
		}
	}
	json_decref(v);
	cli_texts_release(&tx);
	int status = finish("case show", rc, &d, &s);
	if (status == 0 && bad > 0) {
		fprintf(stderr, "parley case show: %zu statement%s did not verify\n", bad, bad == 1 ? "" : "s");
		return EXIT_VERIFY;
	}
	if (status == 0 && sealed == 2) {
		fprintf(stderr, "parley case show: the sealed concern does not open as it should: the author's misbehaviour\n");
		return EXIT_VERIFY;
	}
	if (status == 0 && req_faults > 0) {
		fprintf(stderr, "parley case show: %zu sealed request%s not open as it should: the author's misbehaviour\n",
			req_faults, req_faults == 1 ? " does" : "s do");
		return EXIT_VERIFY;
	}
	return status;
}

/* ---- norms ---- */

/* norms list and norms show */
static int norms_view(const cli_call *call, bool show)
{
	const cli_args *a = &call->args;
	if (a->npos != (show ? 1 : 0))
		return cli_usage_call(call, "norms %s takes %s", show ? "show" : "list", show ? "a HASH" : "no arguments");
	const char *hash = show ? a->pos[0] : NULL;
	uint8_t raw[PL_SHA256_SIZE];
	if (hash && (strlen(hash) != PL_NORM_HASH_HEX ||
		     pl_hex_decode((const uint8_t *)hash, PL_NORM_HASH_HEX, raw, PL_SHA256_SIZE) != PL_OK))
		return cli_usage_call(call, "a norm set's HASH is 64 lower-case hex digits");
	pl_diag d = {0};
	source s;
	json_t *v = NULL;
	cli_texts tx = {0};
	int rc = source_open(call, &s, &d);
	if (rc == PL_OK)
		rc = pl_view_norms(s.view, hash, &v, &d);
	if (rc == PL_OK && cli_has(a, "json")) {
		print_json(v);
	} else if (rc == PL_OK && !show) {
		size_t i;
		json_t *e;
		json_array_foreach(json_object_get(v, "sets"), i, e)
		printf("%s  %s (version %s): %lld norms, %lld subscriber%s, published at entry %lld by %s\n",
		       txt(&tx, e, "hash"), txt(&tx, e, "name"), txt(&tx, e, "version"), num(e, "norms"), num(e, "subscribers"),
		       num(e, "subscribers") == 1 ? "" : "s", num(e, "idx"), txt(&tx, e, "author"));
	} else if (rc == PL_OK) {
		printf("%s (version %s), published at entry %lld by %s\n", txt(&tx, v, "name"), txt(&tx, v, "version"),
		       num(v, "idx"), txt(&tx, v, "author"));
		size_t i;
		json_t *e;
		json_array_foreach(json_object_get(v, "norms"), i, e)
		printf("  %-8s %s: %s\n", txt(&tx, e, "id"), txt(&tx, e, "short"), txt(&tx, e, "gist"));
		printf("subscribed by:");
		json_array_foreach(json_object_get(v, "subscribed"), i, e)
		printf(" %s", txt(&tx, e, "party"));
		printf("%s\n", json_array_size(json_object_get(v, "subscribed")) ? "" : " nobody yet");
	}
	json_decref(v);
	cli_texts_release(&tx);
	return finish("norms", rc, &d, &s);
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
	if (a->npos != 0 || !page_flags(a, &pg, &now))
		return cli_usage_call(call, "bad arguments");
	pl_diag d = {0};
	source s;
	json_t *v = NULL;
	cli_texts tx = {0};
	int rc = source_open(call, &s, &d);
	if (rc == PL_OK)
		rc = pl_view_report(s.view, cli_get(a, "party"), now, &v, &d);
	if (rc == PL_OK && cli_has(a, "json")) {
		print_json(v);
	} else if (rc == PL_OK) {
		printf("report at %s (derived from the log; anyone holding it gets the same figures)\n", txt(&tx, v, "now"));
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
			       txt(&tx, p, "party"), json_is_true(json_object_get(p, "active")) ? "" : " (key revoked)",
			       json_array_size(json_object_get(p, "norms")), num(c, "raised"), num(c, "received"),
			       num(r, "made"), num(r, "received"));
			printf("  acknowledged: %lld on time, %lld late, %lld never, %lld pending; median %s\n",
			       num(ak, "on_time"), num(ak, "late"), num(ak, "never"), num(ak, "pending"), ta);
			printf("  answered:     %lld on time, %lld late, %lld never, %lld pending; median %s\n",
			       num(an, "on_time"), num(an, "late"), num(an, "never"), num(an, "pending"), tn);
			printf("  pings: %lld received, %lld answered\n", num(pg2, "received"), num(pg2, "answered"));
		}
	}
	json_decref(v);
	cli_texts_release(&tx);
	return finish("report", rc, &d, &s);
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
			note_refused(x, "reindex");
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
