/*
 * seal_share.c - share (sealing.h; docs/confidentiality.md, section 8): the
 * content keys of sealed statements a member can open, re-wrapped to a
 * member that lost the key they were sealed to; and, on the receiving side,
 * the keys shared with the member, each checked against its entry when it is
 * used (it must open it, to a body its commitment names).
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

#define SHARES_SCANNED 1024 /* the share statements a reader looks through */

typedef struct shared_key {
	uint64_t entry;
	uint8_t *key; /* sodium_malloc */
	char by[PL_PARTY_MAX + 1];
} shared_key;

struct cli_shares {
	shared_key *k;
	size_t n, cap;
};

void cli_shares_free(struct cli_shares *s)
{
	if (s == NULL)
		return;
	for (size_t i = 0; i < s->n; i++)
		sodium_free(s->k[i].key);
	free(s->k);
	free(s);
}

/* The keys of one share's opened fields into s. */
static void take_keys(struct cli_shares *s, const json_t *fields, const char *by)
{
	size_t i;
	const json_t *x;
	json_array_foreach(json_object_get(fields, "keys"), i, x)
	{
		const json_t *k = json_object_get(x, "key");
		json_int_t entry = json_integer_value(json_object_get(x, "entry"));
		if (!json_is_string(k) || entry < 0)
			continue;
		if (s->n == s->cap) {
			size_t cap = s->cap ? s->cap * 2 : 16;
			shared_key *p = realloc(s->k, cap * sizeof *p);
			if (p == NULL)
				return;
			s->k = p;
			s->cap = cap;
		}
		shared_key *e = &s->k[s->n];
		if ((e->key = sodium_malloc(PL_SEAL_KEY_SIZE)) == NULL)
			return;
		if (pl_b64_decode_exact((const uint8_t *)json_string_value(k), json_string_length(k), e->key,
					PL_SEAL_KEY_SIZE) != PL_OK) {
			sodium_free(e->key);
			continue;
		}
		e->entry = (uint64_t)entry;
		snprintf(e->by, sizeof e->by, "%s", by);
		s->n++;
	}
}

struct cli_shares *cli_shares_load(const pl_entries *e, pl_index *x, const pl_policy *pol, const pl_keyring *ring)
{
	static const char *const types[] = {"share", NULL};
	struct cli_shares *s = calloc(1, sizeof *s);
	uint64_t *idx = malloc(SHARES_SCANNED * sizeof *idx);
	size_t n = 0;
	if (s == NULL || idx == NULL || pl_view_entries_of(x, "share", idx, SHARES_SCANNED, &n, NULL) != PL_OK)
		n = 0;
	const char *me = ring->keys[0]->id.party;
	for (size_t i = 0; s != NULL && i < n; i++) {
		pl_envelope env;
		pl_stmt st;
		memset(&env, 0, sizeof env);
		memset(&st, 0, sizeof st);
		json_t *fields = NULL;
		pl_sealed_fault fault;
		if (pl_entries_statement(e, pol, idx[i], types, NULL, &env, &st, NULL, NULL) == PL_OK &&
		    json_is_string(json_object_get(st.body, "to")) &&
		    strcmp(json_string_value(json_object_get(st.body, "to")), me) == 0 &&
		    cli_open_body(&st, ring, NULL, &fields, &fault, NULL) == PL_OK)
			take_keys(s, fields, st.author);
		json_decref(fields);
		pl_stmt_release(&st);
		pl_envelope_release(&env);
	}
	free(idx);
	return s;
}

const uint8_t *cli_shares_get(const struct cli_shares *s, uint64_t entry, size_t nth, const char **by)
{
	for (size_t i = 0; s != NULL && i < s->n; i++)
		if (s->k[i].entry == entry && nth-- == 0) {
			*by = s->k[i].by;
			return s->k[i].key;
		}
	return NULL;
}

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
