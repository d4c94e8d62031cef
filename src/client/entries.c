/* entries.c - statements of a log, proven and checked against their authors' keys (entries.h). */
#include "client/entries.h"

#include "store/published.h"
#include "store/source.h"
#include "tlog/proof_file.h"
#include "workflow/views.h"

#include <stdio.h>
#include <stdlib.h>
#include <sodium.h>
#include <string.h>

/* ---- a server ---- */

static int api_fetch(void *ctx, const pl_policy *pol, uint64_t index, pl_buf *entry, pl_diag *d)
{
	pl_buf proof;
	pl_buf_init(&proof, PL_PROOF_FILE_MAX);
	int rc = pl_api_fetch_proven(ctx, pol, index, &proof, entry, d);
	pl_buf_release(&proof);
	return rc;
}

static int api_key_at(void *ctx, const char *party, uint64_t index, uint8_t pk[PL_ED25519_PK_SIZE], pl_diag *d)
{
	return pl_api_key_at(ctx, party, index, pk, d);
}

void pl_entries_api(pl_api *a, pl_entries *out)
{
	*out = (pl_entries){.fetch = api_fetch, .key_at = api_key_at, .close = NULL, .ctx = a};
}

/* ---- a local copy ---- */

typedef struct local {
	pl_source *src;
	pl_index *x;
} local;

static int local_fetch(void *ctx, const pl_policy *pol, uint64_t index, pl_buf *entry, pl_diag *d)
{
	local *l = ctx;
	pl_buf proof;
	pl_buf_init(&proof, PL_PROOF_FILE_MAX);
	pl_proof_file pf;
	int rc = pl_published_prove(l->src, pol, index, &proof, d); /* verified before it is written */
	if (rc == PL_OK && (rc = pl_proof_file_parse(proof.data, proof.len, &pf)) == PL_OK) {
		rc = pl_buf_append(entry, pf.extra, pf.extra_len);
		pl_proof_file_release(&pf);
	}
	pl_buf_release(&proof);
	return rc;
}

static int local_key_at(void *ctx, const char *party, uint64_t index, uint8_t pk[PL_ED25519_PK_SIZE], pl_diag *d)
{
	local *l = ctx;
	return pl_view_key_at(l->x, party, index, pk, d);
}

static void local_close(void *ctx)
{
	local *l = ctx;
	pl_source_free(l->src);
	free(l);
}

int pl_entries_open_dir(const char *dir, pl_index *x, pl_entries *out, pl_diag *d)
{
	memset(out, 0, sizeof *out);
	local *l = calloc(1, sizeof *l);
	if (l == NULL)
		return pl_diag_set(d, PL_ENOMEM, "out of memory");
	l->x = x;
	int rc = pl_source_open_dir(dir, &l->src, d);
	if (rc != PL_OK) {
		free(l);
		return rc;
	}
	*out = (pl_entries){.fetch = local_fetch, .key_at = local_key_at, .close = local_close, .ctx = l};
	return PL_OK;
}

void pl_entries_close(pl_entries *e)
{
	if (e->close != NULL)
		e->close(e->ctx);
	memset(e, 0, sizeof *e);
}

/* ---- a statement ---- */

static bool type_in(const char *type, const char *const *types)
{
	for (const char *const *t = types; *t != NULL; t++)
		if (strcmp(type, *t) == 0)
			return true;
	return false;
}

static int wrong_type(uint64_t index, const char *type, const char *const *types, pl_diag *d)
{
	char want[256] = "";
	for (const char *const *t = types; *t != NULL; t++) {
		size_t n = strlen(want);
		snprintf(want + n, sizeof want - n, "%s%s", t == types ? "" : " or ", *t);
	}
	return pl_diag_set(d, PL_EINVAL, "entry %llu is a %s, not %s", (unsigned long long)index, type, want);
}

int pl_entries_statement(const pl_entries *e, const pl_policy *pol, uint64_t index, const char *const *types,
			 const char *author, pl_envelope *env, pl_stmt *st, pl_entry_checks *checks, pl_diag *d)
{
	pl_entry_checks got = {false, false};
	pl_buf entry;
	pl_buf_init(&entry, PL_DSSE_MAX);
	uint8_t pk[PL_ED25519_PK_SIZE];
	int rc = e->fetch(e->ctx, pol, index, &entry, d);
	if (rc != PL_OK)
		goto out;
	got.proven = true;
	if ((rc = pl_envelope_parse(entry.data, entry.len, env, d)) != PL_OK ||
	    (rc = pl_stmt_parse(env->payload, env->payload_len, st, d)) != PL_OK)
		goto out;
	if (types != NULL && !type_in(st->type, types)) {
		rc = wrong_type(index, st->type, types, d);
		goto out;
	}
	if (author != NULL && strcmp(st->author, author) != 0) {
		rc = pl_diag_set(d, PL_EVERIFY, "entry %llu is by %s, not %s", (unsigned long long)index, st->author, author);
		goto out;
	}
	if ((rc = e->key_at(e->ctx, st->author, index, pk, d)) != PL_OK)
		goto out;
	if (pl_envelope_verify(env, pk, NULL) != PL_OK) {
		rc = pl_diag_set(d, PL_EVERIFY, "entry %llu is not signed by the key %s held then", (unsigned long long)index,
				 st->author);
		goto out;
	}
	got.signature = true;
out:
	pl_buf_release(&entry);
	if (checks != NULL)
		*checks = got;
	return rc;
}

int pl_entries_identity(const pl_entries *e, pl_index *x, const pl_policy *pol, const char *party, pl_identity *out,
			pl_diag *d)
{
	uint8_t pk[PL_ED25519_PK_SIZE];
	uint64_t since = 0;
	bool active = false;
	int rc = pl_view_party_key(x, party, pk, &since, &active, d);
	if (rc != PL_OK)
		return rc;
	if (!active)
		return pl_diag_set(d, PL_ENOTFOUND, "%s is not an active member of this log (its key is revoked)", party);
	pl_envelope env;
	pl_stmt st;
	memset(&env, 0, sizeof env);
	memset(&st, 0, sizeof st);
	static const char *const types[] = {"charter", "enroll", "key.rotate", NULL};
	if ((rc = pl_entries_statement(e, pol, since, types, NULL, &env, &st, NULL, d)) != PL_OK)
		goto out;
	const json_t *id = NULL;
	if (strcmp(st.type, "charter") == 0) {
		size_t i;
		json_t *f;
		json_array_foreach(json_object_get(st.body, "founders"), i, f)
		if (json_is_string(json_object_get(f, "party")) &&
		    strcmp(json_string_value(json_object_get(f, "party")), party) == 0)
			id = f;
	} else {
		id = json_object_get(st.body, "identity");
	}
	pl_diag id_d = {0};
	if (id == NULL || (rc = pl_identity_from_json(id, out, &id_d)) != PL_OK || strcmp(out->party, party) != 0 ||
	    sodium_memcmp(out->sign_pk, pk, PL_ED25519_PK_SIZE) != 0)
		rc = pl_diag_set(d, rc == PL_ENOMEM ? PL_ENOMEM : PL_EVERIFY,
				 "entry %llu does not carry the identity of %s that the log's registry names",
				 (unsigned long long)since, party);
out:
	pl_stmt_release(&st);
	pl_envelope_release(&env);
	return rc;
}
