/*
 * shares.c - the content keys other members shared with this one (sealing.h:
 * cli_shares_*; docs/confidentiality.md, section 8): every share statement of
 * the member's copy addressed to it, opened with its keys. Each key is checked
 * against its entry only when it is used (sealing.c: it must open the entry to
 * a body the entry's commitment names). Library calls only, so the views'
 * opening (sealing.c) can use it.
 */
#include "cli/sealing.h"

#include "base/buf.h"
#include "base/codec.h"
#include "statement/sealed.h"
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

/* Does the share's public list name entry? */
static bool listed(const json_t *entries, json_int_t entry)
{
	size_t i;
	const json_t *x;
	json_array_foreach(entries, i, x)
	{
		if (json_integer_value(x) == entry)
			return true;
	}
	return false;
}

/* The keys of one share's opened fields into s: those of the entries its public part names (what the
 * log shows of a share is what it gives). */
static void take_keys(struct cli_shares *s, const json_t *fields, const json_t *entries, const char *by)
{
	size_t i;
	const json_t *x;
	json_array_foreach(json_object_get(fields, "keys"), i, x)
	{
		const json_t *k = json_object_get(x, "key");
		json_int_t entry = json_integer_value(json_object_get(x, "entry"));
		if (!json_is_string(k) || entry < 0 || !listed(entries, entry))
			continue;
		if (pl_array_grow((void **)&s->k, &s->cap, s->n, sizeof *s->k) != PL_OK)
			return;
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

/* A share addressed to ring's party opened with it. */
static int open_share(const pl_stmt *st, const pl_keyring *ring, pl_sealed_plain *p)
{
	const json_t *b = json_object_get(st->body, "sealed");
	size_t tn = json_string_length(b), n = 0;
	if (!json_is_string(b) || tn > pl_b64_len(PL_SEALED_OBJECT_MAX))
		return PL_EFORMAT;
	uint8_t *obj = malloc(PL_SEALED_OBJECT_MAX);
	if (obj == NULL)
		return PL_ENOMEM;
	int rc = pl_b64_decode((const uint8_t *)json_string_value(b), tn, obj, PL_SEALED_OBJECT_MAX, &n);
	pl_seal_ctx sc = {.origin = st->log, .type = st->type, .author = st->author, .seq = st->seq};
	if (rc == PL_OK)
		rc = pl_sealed_open(&sc, obj, n, ring, NULL, p, NULL);
	free(obj);
	return rc;
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
		pl_sealed_plain p;
		memset(&p, 0, sizeof p);
		if (pl_entries_statement(e, pol, idx[i], types, NULL, &env, &st, NULL, NULL) == PL_OK &&
		    json_is_string(json_object_get(st.body, "to")) &&
		    strcmp(json_string_value(json_object_get(st.body, "to")), me) == 0 && open_share(&st, ring, &p) == PL_OK)
			take_keys(s, p.fields, json_object_get(st.body, "entries"), st.author);
		pl_sealed_plain_release(&p);
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

