/*
 * seal_share.c - parley share (sealing.h; docs/confidentiality.md, section 8):
 * the content keys of sealed statements a member can open, re-wrapped to a
 * member that lost the key they were sealed to. The receiving side is
 * shares.c.
 */
#include "cli/sealing.h"
#include "cli/cmds.h"

#include "base/codec.h"
#include "client/epochs.h"
#include "monitor/copy.h"
#include "statement/members.h"
#include "workflow/views.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int cmd_share(const cli_call *call)
{
	const cli_args *a = &call->args;
	const char *to = cli_get(a, "to");
	if (to == NULL || a->npos < 1 || a->npos > PL_SHARE_MAX)
		return cli_usage_call(call, "share needs --to PARTY and 1 to %d entry indexes", PL_SHARE_MAX);
	uint64_t idx[PL_SHARE_MAX];
	for (int i = 0; i < a->npos; i++)
		if (!cli_u64(a->pos[i], &idx[i]))
			return cli_usage_call(call, "%s is not an entry index", a->pos[i]);
	pl_diag d = {0};
	cli_session c;
	int rc = cli_session_open(call, true, &c, &d);
	if (rc != PL_OK)
		return cli_fail("share", rc, &d);
	pl_entries e;
	memset(&e, 0, sizeof e);
	json_t *keys = json_array(), *entries = json_array(), *fields = NULL, *body = NULL;
	pl_ref refs[PL_SHARE_MAX];
	rc = keys != NULL && entries != NULL ? cli_session_entries(call, &c, &e, &d) : PL_ENOMEM;
	cli_reader r = {.a = a, .e = &e, .x = c.copy != NULL ? pl_copy_index(c.copy) : NULL, .pol = &c.pol};
	uint8_t *key = sodium_malloc(PL_SEAL_KEY_SIZE);
	if (key == NULL && rc == PL_OK)
		rc = PL_ENOMEM;
	for (int i = 0; rc == PL_OK && i < a->npos; i++) {
		pl_envelope env;
		pl_stmt st;
		memset(&env, 0, sizeof env);
		memset(&st, 0, sizeof st);
		if ((rc = pl_entries_statement(&e, &c.pol, idx[i], NULL, NULL, &env, &st, NULL, &d)) == PL_OK &&
		    (rc = cli_reader_content_key(&r, &st, key, &d)) == PL_OK) {
			char b64[PL_SEAL_KEY_SIZE * 2];
			pl_b64_encode(key, PL_SEAL_KEY_SIZE, b64);
			if (json_array_append_new(keys, json_pack("{s:I,s:s}", "entry", (json_int_t)idx[i], "key", b64)) != 0 ||
			    json_array_append_new(entries, json_integer((json_int_t)idx[i])) != 0)
				rc = PL_ENOMEM;
		} else if (rc != PL_ENOMEM) {
			pl_diag why = d;
			d = (pl_diag){0};
			rc = pl_diag_set(&d, rc == PL_ENOKEY ? PL_ESTATE : rc, "entry %llu: %s", (unsigned long long)idx[i],
					 why.msg);
		}
		pl_stmt_release(&st);
		pl_envelope_release(&env);
		if (rc == PL_OK)
			rc = cli_session_ref(call, &c, idx[i], &refs[i], &d);
	}
	if (key != NULL)
		sodium_free(key);
	cli_reader_release(&r);
	pl_entries_close(&e);
	int status;
	if (rc != PL_OK) {
		status = cli_fail("share", rc, &d);
	} else {
		const char *lang = cli_get(a, "lang");
		fields = json_pack("{s:s,s:O}", "lang", lang != NULL ? lang : "en", "keys", keys);
		body = json_pack("{s:s,s:O}", "to", to, "entries", entries);
		cli_sealer z = {.call = call, .type = "share", .fields = fields, .readers = {to}, .n = 1};
		c.seal = cli_seal_body;
		c.seal_ctx = &z;
		status = fields != NULL && body != NULL
				 ? cli_session_submit(&c, a, "share", body, refs, (size_t)a->npos, NULL, "share", NULL)
				 : cli_fail("share", PL_ENOMEM, NULL);
	}
	json_decref(fields);
	json_decref(body);
	json_decref(keys);
	json_decref(entries);
	cli_session_close(&c);
	return status;
}
