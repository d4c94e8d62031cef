/* cmd_workflow.c - the statements people make in a consultation: ping, pong,
 * concern raise, request, ack, respond, status, withdraw, close, and the
 * norms commands that sign (subscribe, withdraw, publish). docs/workflow.md
 * defines every body; the server refuses what breaks a rule. */
#include "cli/cli.h"
#include "cli/cmds.h"
#include "cli/sealing.h"
#include "cli/session.h"

#include "base/json.h"
#include "base/timefmt.h"
#include "statement/dsse.h"
#include "workflow/norms.h"
#include "workflow/types.h"
#include "workflow/vocab.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Reads a line from the terminal after a prompt (stdin must be a terminal). */
static bool ask(const char *prompt, char *out, size_t cap)
{
	if (isatty(STDIN_FILENO) != 1)
		return false;
	fprintf(stderr, "%s", prompt);
	if (fgets(out, (int)cap, stdin) == NULL)
		return false;
	out[strcspn(out, "\r\n")] = '\0';
	return out[0] != '\0';
}

static int sign_and_send(const cli_call *call, const char *type, json_t *body, uint64_t target, const char *cmd,
			 uint64_t *index)
{
	return cli_session_sign_send(call, type, body, target, cmd, index, NULL, NULL, NULL);
}

/* The same for a statement of a thread (t: its type; target: its case or request), sealed to the thread's
 * readers when the case is sealed (cli_seal_thread_body). */
static int sign_and_send_thread(const cli_call *call, pl_wf_type t, json_t *body, uint64_t target, const char *cmd)
{
	cli_thread_sealer ts = {.call = call, .type = t, .target = target};
	return cli_session_sign_send(call, pl_wf_type_name(t), body, target, cmd, NULL, cli_seal_thread_body,
				  cli_thread_prepare, &ts);
}

/* The one positional argument, an entry index. */
static bool target_arg(const cli_args *a, uint64_t *out)
{
	return a->npos == 1 && cli_u64(a->pos[0], out);
}

/* ---- ping, pong ---- */

int cmd_ping(const cli_call *call)
{
	const cli_args *a = &call->args;
	if (a->npos != 0)
		return cli_usage_call(call, "ping takes no arguments");
	json_t *body = json_object(), *to = json_array();
	if (body == NULL || to == NULL || cli_add_list(a, "to", to) != PL_OK || cli_set_flag(body, a, "note", "note") != PL_OK) {
		json_decref(body);
		json_decref(to);
		return cli_fail("ping", PL_ENOMEM, NULL);
	}
	if (json_array_size(to) > 0)
		json_object_set(body, "to", to);
	json_decref(to);
	return sign_and_send(call, "ping", body, UINT64_MAX, "ping", NULL);
}

int cmd_pong(const cli_call *call)
{
	const cli_args *a = &call->args;
	uint64_t ping;
	if (!target_arg(a, &ping))
		return cli_usage_call(call, "pong needs the PING's entry index");
	return sign_and_send(call, "pong", json_pack("{s:I}", "ping", (json_int_t)ping), ping, "pong", NULL);
}

/* ---- concern raise ---- */

static int concern_fields(json_t *body, const cli_args *a)
{
	int rc = PL_OK;
	if (rc == PL_OK)
		rc = cli_set_flag(body, a, "title", "title");
	if (rc == PL_OK)
		rc = cli_set_flag(body, a, "class", "class");
	if (rc == PL_OK)
		rc = cli_set_flag(body, a, "rsit-type", "rsit_type");
	if (rc == PL_OK)
		rc = cli_set_flag(body, a, "tlp", "tlp");
	if (rc == PL_OK)
		rc = cli_set_flag(body, a, "summary", "summary");
	json_t *to = json_array(), *norms = json_array(), *ev = json_array();
	if (to == NULL || norms == NULL || ev == NULL)
		rc = PL_ENOMEM;
	if (rc == PL_OK && (rc = cli_add_list(a, "to", to)) == PL_OK && json_array_size(to) > 0)
		rc = json_object_set(body, "recipients", to) == 0 ? PL_OK : PL_ENOMEM;
	if (rc == PL_OK && (rc = cli_add_list(a, "norm", norms)) == PL_OK && json_array_size(norms) > 0) {
		const char *set = cli_get(a, "norm-set");
		json_t *n = set ? json_pack("{s:s,s:O}", "set", set, "ids", norms) : NULL;
		if (set == NULL)
			rc = PL_EINVAL;
		else if (n == NULL || json_object_set_new(body, "norms", n) != 0)
			rc = PL_ENOMEM;
	}
	for (int i = 0; rc == PL_OK && i < a->nflags; i++) {
		if (strcmp(a->flag[i], "evidence") != 0)
			continue;
		const char *v = a->val[i], *colon = strchr(v, ':');
		json_t *e = colon ? json_pack("{s:s%,s:s}", "sha256", v, (size_t)(colon - v), "name", colon + 1)
				  : json_pack("{s:s}", "sha256", v);
		if (e == NULL || json_array_append_new(ev, e) != 0)
			rc = PL_ENOMEM;
	}
	if (rc == PL_OK && json_array_size(ev) > 0)
		rc = json_object_set(body, "evidence", ev) == 0 ? PL_OK : PL_ENOMEM;
	json_decref(to);
	json_decref(norms);
	json_decref(ev);
	return rc;
}

/* Asks on the terminal for the fields a concern requires (workflow/types.h) that body still lacks;
 * false, with their names in missing, if some are still missing (no terminal, or no answer). */
static bool concern_complete(json_t *body, char *missing, size_t cap)
{
	static const char *const prompts[][2] = {
		{"title", "Title (one line): "},
		{"class", "Incident class (RSIT: abusive-content, malicious-code, information-gathering,\n"
			  "  intrusion-attempts, intrusions, availability, information-content-security, fraud,\n"
			  "  vulnerable, other, test): "},
		{"tlp", "TLP label (TLP:RED, TLP:AMBER+STRICT, TLP:AMBER, TLP:GREEN, TLP:CLEAR): "},
		{"summary", "Summary (one paragraph): "},
		{"recipients", "Addressed to (party names, comma-separated): "},
	};
	missing[0] = '\0';
	for (const char *const *field = pl_wf_concern_required; *field != NULL; field++) {
		if (json_object_get(body, *field) != NULL)
			continue;
		const char *prompt = NULL;
		for (size_t i = 0; i < sizeof prompts / sizeof prompts[0]; i++)
			if (strcmp(prompts[i][0], *field) == 0)
				prompt = prompts[i][1];
		char line[4096];
		if (prompt == NULL || !ask(prompt, line, sizeof line)) {
			size_t n = strlen(missing);
			snprintf(missing + n, cap - n, "%s%s", n ? ", " : "", *field);
			continue;
		}
		if (strcmp(*field, "recipients") == 0) {
			json_t *arr = json_array();
			for (char *tok = strtok(line, ", "); tok && arr; tok = strtok(NULL, ", "))
				json_array_append_new(arr, json_string(tok));
			json_object_set_new(body, "recipients", arr);
		} else {
			json_object_set_new(body, *field, json_string(line));
		}
	}
	return missing[0] == '\0';
}

int cmd_concern_raise(const cli_call *call)
{
	const cli_args *a = &call->args;
	if (a->npos != 0)
		return cli_usage_call(call, "concern raise takes no arguments");
	pl_diag d = {0};
	json_t *body = NULL;
	int rc = PL_OK;
	if (cli_get(a, "file") != NULL) {
		pl_buf b;
		pl_buf_init(&b, PL_DSSE_MAX);
		rc = cli_read_input(cli_get(a, "file"), PL_DSSE_MAX, &b, &d);
		if (rc == PL_OK)
			rc = pl_json_parse(b.data, b.len, PL_DSSE_MAX, &body, &d);
		pl_buf_release(&b);
		if (rc == PL_OK && !json_is_object(body))
			rc = pl_diag_set(&d, PL_EFORMAT, "%s must hold a JSON object", cli_get(a, "file"));
		if (rc != PL_OK) {
			json_decref(body);
			return cli_fail("concern raise", rc, &d);
		}
	} else if ((body = json_object()) == NULL) {
		return cli_fail("concern raise", PL_ENOMEM, NULL);
	}
	if (cli_get(a, "summary-file") != NULL) {
		pl_buf b;
		pl_buf_init(&b, PL_WF_TEXT_MAX);
		if ((rc = cli_read_input(cli_get(a, "summary-file"), PL_WF_TEXT_MAX, &b, &d)) == PL_OK) {
			while (b.len > 0 && (b.data[b.len - 1] == '\n' || b.data[b.len - 1] == '\r'))
				b.len--;
			json_object_set_new(body, "summary", json_stringn((const char *)b.data, b.len));
		}
		pl_buf_release(&b);
		if (rc != PL_OK) {
			json_decref(body);
			return cli_fail("concern raise", rc, &d);
		}
	}
	if ((rc = concern_fields(body, a)) != PL_OK) {
		json_decref(body);
		if (rc == PL_EINVAL)
			return cli_usage_call(call, "--norm needs --norm-set HASH (see `parley norms list`)");
		return cli_fail("concern raise", rc, NULL);
	}
	uint64_t group = UINT64_MAX;
	if (cli_get(a, "group") != NULL &&
	    (!cli_u64(cli_get(a, "group"), &group) || json_object_set_new(body, "group", json_integer((json_int_t)group)) != 0)) {
		json_decref(body);
		return cli_usage_call(call, "--group takes a group's entry index");
	}
	json_int_t g = json_integer_value(json_object_get(body, "group")); /* from --file too */
	if (json_is_integer(json_object_get(body, "group")) && g >= 0)
		group = (uint64_t)g;
	char missing[256];
	if (!concern_complete(body, missing, sizeof missing)) {
		json_decref(body);
		return cli_usage_call(call, "a concern needs %s", missing);
	}
	cli_sealer z;
	json_t *fields = NULL;
	if ((rc = cli_concern_seal_prepare(call, body, &z, &fields)) != PL_OK) {
		json_decref(body);
		return rc == PL_EINVAL ? EXIT_USAGE : cli_fail("concern raise", rc, NULL);
	}
	uint64_t index = 0;
	int status = cli_session_sign_send(call, "concern", body, group, "concern raise", &index,
					fields != NULL ? cli_seal_body : NULL, fields != NULL ? cli_seal_prepare : NULL,
					fields != NULL ? &z : NULL);
	json_decref(fields);
	if (status == 0 && !cli_has(a, "json"))
		printf("case %llu raised\n", (unsigned long long)index);
	return status;
}

/* ---- requests and answers ---- */

int cmd_request(const cli_call *call)
{
	const cli_args *a = &call->args;
	static const char *const pres[] = {"authority", "offence", "facts", "data", "relationship", "custodian",
					   "necessity", NULL};
	uint64_t cs;
	if (!target_arg(a, &cs) || cli_get(a, "kind") == NULL || cli_get(a, "to") == NULL ||
	    cli_get(a, "text") == NULL)
		return cli_usage_call(call, "request needs CASE, --kind, --to and --text");
	json_t *body = json_pack("{s:I,s:s,s:[],s:s}", "case", (json_int_t)cs, "kind", cli_get(a, "kind"), "to",
				 "text", cli_get(a, "text"));
	pl_diag d = {0};
	int rc = body ? cli_add_list(a, "to", json_object_get(body, "to")) : PL_ENOMEM;
	if (rc == PL_OK)
		rc = cli_set_flag(body, a, "due", "due");
	if (rc == PL_OK)
		rc = cli_set_flag(body, a, "due-reason", "due_reason");
	json_t *p = NULL;
	if (rc == PL_OK && cli_get(a, "preservation") != NULL) {
		pl_buf b;
		pl_buf_init(&b, PL_DSSE_MAX);
		if ((rc = cli_read_input(cli_get(a, "preservation"), PL_DSSE_MAX, &b, &d)) == PL_OK)
			rc = pl_json_parse(b.data, b.len, PL_DSSE_MAX, &p, &d);
		pl_buf_release(&b);
	} else if (rc == PL_OK && cli_get(a, "authority") != NULL) {
		p = json_object();
		for (size_t i = 0; p && pres[i]; i++)
			if (cli_get(a, pres[i]))
				json_object_set_new(p, pres[i], json_string(cli_get(a, pres[i])));
		if (p && cli_has(a, "mla-intent"))
			json_object_set_new(p, "mla_intent", json_true());
	}
	if (rc == PL_OK && p != NULL)
		json_object_set_new(body, "preservation", p);
	if (rc != PL_OK) {
		json_decref(body);
		return cli_fail("request", rc, &d);
	}
	uint64_t index = 0;
	cli_thread_sealer ts = {.call = call, .type = PL_WF_REQUEST, .target = cs, .narrow = cli_has(a, "narrow")};
	int status = cli_session_sign_send(call, "request", body, cs, "request", &index, cli_seal_thread_body,
					cli_thread_prepare, &ts);
	if (status == 0 && !cli_has(a, "json"))
		printf("request %llu made in case %llu\n", (unsigned long long)index, (unsigned long long)cs);
	return status;
}

int cmd_ack(const cli_call *call)
{
	const cli_args *a = &call->args;
	uint64_t req;
	if (!target_arg(a, &req))
		return cli_usage_call(call, "ack needs the REQUEST's entry index");
	json_t *body = json_pack("{s:I}", "request", (json_int_t)req);
	if (body == NULL || cli_set_flag(body, a, "note", "note") != PL_OK) {
		json_decref(body);
		return cli_fail("ack", PL_ENOMEM, NULL);
	}
	return sign_and_send_thread(call, PL_WF_ACK, body, req, "ack");
}

int cmd_respond(const cli_call *call)
{
	const cli_args *a = &call->args;
	uint64_t req;
	if (!target_arg(a, &req) || cli_get(a, "status") == NULL)
		return cli_usage_call(call, "respond needs REQUEST and --status");
	json_t *body = json_pack("{s:I,s:s}", "request", (json_int_t)req, "status", cli_get(a, "status"));
	int rc = body ? PL_OK : PL_ENOMEM;
	static const char *const fl[][2] = {{"reasons", "reasons"},
					    {"text", "text"},
					    {"until", "until"},
					    {"preserved-until", "preserved_until"},
					    {"availability-warning", "availability_warning"}};
	for (size_t i = 0; rc == PL_OK && i < sizeof fl / sizeof fl[0]; i++)
		rc = cli_set_flag(body, a, fl[i][0], fl[i][1]);
	if (rc != PL_OK) {
		json_decref(body);
		return cli_fail("respond", rc, NULL);
	}
	return sign_and_send_thread(call, PL_WF_RESPONSE, body, req, "respond");
}

int cmd_status(const cli_call *call)
{
	const cli_args *a = &call->args;
	uint64_t req;
	bool query = cli_has(a, "query");
	const char *update = cli_get(a, "update");
	if (!target_arg(a, &req) || query == (update != NULL))
		return cli_usage_call(call, "status needs REQUEST and one of --query or --update TEXT");
	json_t *body = json_pack("{s:I,s:s}", "request", (json_int_t)req, "kind", query ? "query" : "update");
	const char *text = query ? cli_get(a, "text") : update;
	if (body == NULL || (text && json_object_set_new(body, "text", json_string(text)) != 0)) {
		json_decref(body);
		return cli_fail("status", PL_ENOMEM, NULL);
	}
	return sign_and_send_thread(call, PL_WF_STATUS, body, req, "status");
}

int cmd_withdraw(const cli_call *call)
{
	const cli_args *a = &call->args;
	uint64_t req;
	if (!target_arg(a, &req))
		return cli_usage_call(call, "withdraw needs the REQUEST's entry index");
	json_t *body = json_pack("{s:I}", "request", (json_int_t)req);
	if (body == NULL || cli_set_flag(body, a, "reason", "reason") != PL_OK) {
		json_decref(body);
		return cli_fail("withdraw", PL_ENOMEM, NULL);
	}
	return sign_and_send_thread(call, PL_WF_WITHDRAW, body, req, "withdraw");
}

int cmd_close(const cli_call *call)
{
	const cli_args *a = &call->args;
	uint64_t cs;
	if (!target_arg(a, &cs) || cli_get(a, "outcome") == NULL)
		return cli_usage_call(call, "close needs CASE and --outcome");
	json_t *body = json_pack("{s:I,s:s}", "case", (json_int_t)cs, "outcome", cli_get(a, "outcome"));
	if (body == NULL || cli_set_flag(body, a, "text", "text") != PL_OK) {
		json_decref(body);
		return cli_fail("close", PL_ENOMEM, NULL);
	}
	return sign_and_send_thread(call, PL_WF_CLOSE, body, cs, "close");
}

/* ---- norms: the signed part (views are in cmd_views.c) ---- */

/* norms subscribe and norms withdraw */
static int norms_sign(const cli_call *call, bool subscribe)
{
	const cli_args *a = &call->args;
	if (a->npos != 1)
		return cli_usage_call(call, "norms %s needs a set's HASH", subscribe ? "subscribe" : "withdraw");
	json_t *body = json_pack("{s:s}", "set", a->pos[0]);
	if (body != NULL && !subscribe && cli_get(a, "reason"))
		json_object_set_new(body, "reason", json_string(cli_get(a, "reason")));
	if (body != NULL && subscribe && cli_get(a, "reason")) {
		json_decref(body);
		return cli_usage_call(call, "--reason goes with withdraw");
	}
	return sign_and_send(call, subscribe ? "norms.subscribe" : "norms.withdraw", body, UINT64_MAX,
			     subscribe ? "norms subscribe" : "norms withdraw", NULL);
}

int cmd_norms_subscribe(const cli_call *call)
{
	return norms_sign(call, true);
}

int cmd_norms_withdraw(const cli_call *call)
{
	return norms_sign(call, false);
}

int cmd_norms_publish(const cli_call *call)
{
	const cli_args *a = &call->args;
	if (a->npos != 1)
		return cli_usage_call(call, "norms publish needs a FILE");
	pl_diag d = {0};
	pl_buf b;
	pl_buf_init(&b, 65536);
	json_t *set = NULL;
	char hash[PL_NORM_HASH_HEX + 1];
	int rc = cli_read_input(a->pos[0], 65536, &b, &d);
	if (rc == PL_OK)
		rc = pl_norm_set_load((const char *)b.data, b.len, &set, hash, &d);
	pl_buf_release(&b);
	if (rc != PL_OK)
		return cli_fail("norms publish", rc, &d);
	int status = sign_and_send(call, "norms.publish", set, UINT64_MAX, "norms publish", NULL);
	if (status == 0 && !cli_has(a, "json"))
		printf("norm set %s published\n", hash);
	return status;
}
