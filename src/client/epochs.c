/* epochs.c - the members' keys a member holds, from the rekeys of its verified copy (epochs.h). */
#include "client/epochs.h"

#include "statement/members.h"
#include "statement/rekey.h"
#include "workflow/views.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void pl_epochs_release(pl_epochs *s)
{
	for (size_t i = 0; i < s->n; i++)
		sodium_free(s->k[i].key);
	s->n = 0;
	s->ring.n = 0;
}

const pl_epoch_key *pl_epochs_get(const pl_epochs *s, uint64_t epoch)
{
	for (size_t i = 0; i < s->n; i++)
		if (s->k[i].epoch == epoch)
			return &s->k[i];
	return NULL;
}

/* One rekey, verified: its context, fingerprint and sealed object (*obj: free it). */
static int rekey_at(const pl_entries *e, const pl_policy *pol, uint64_t idx, pl_stmt *st, uint8_t fp[PL_SEAL_FP_SIZE],
		    uint8_t **obj, size_t *n, pl_diag *d)
{
	static const char *const types[] = {"members.rekey", NULL};
	pl_envelope env;
	memset(&env, 0, sizeof env);
	uint64_t after;
	int rc = pl_entries_statement(e, pol, idx, types, NULL, &env, st, NULL, d);
	pl_envelope_release(&env);
	if (rc == PL_OK && (rc = pl_members_rekey_fields(st->body, &after, fp, obj, n, d)) != PL_OK && rc != PL_ENOMEM)
		rc = pl_diag_set(d, PL_EVERIFY, "entry %llu is not a members' rekey the log could have admitted",
				 (unsigned long long)idx);
	return rc;
}

/* The chain of a rekey whose key is known (reached through a later rekey's chain). */
static int chain_known(const pl_seal_ctx *ctx, const uint8_t *p, size_t n, const uint8_t *key, pl_epoch_key *prev,
		       bool *chained, pl_diag *d)
{
	pl_seal_head *h = malloc(sizeof *h);
	if (h == NULL)
		return PL_ENOMEM;
	int rc = pl_rekey_chain(ctx, p, n, h, key, prev, chained, d);
	free(h);
	return rc;
}

int pl_epochs_open(const pl_entries *e, pl_index *x, const pl_policy *pol, const pl_keyring *ring, pl_epochs *out,
		   pl_diag *d)
{
	memset(out, 0, sizeof *out);
	out->last = UINT64_MAX;
	uint64_t idx[PL_EPOCH_RING_MAX];
	size_t n = 0;
	int rc = pl_view_rekeys(x, &out->trigger, idx, PL_EPOCH_RING_MAX, &n, d);
	if (rc != PL_OK)
		return rc;
	if (n > 0) {
		out->last = idx[0];
		out->current = idx[0] > out->trigger;
	}
	uint8_t *next = NULL;   /* the key of idx[i], reached through idx[i-1]'s chain */
	uint64_t next_epoch = UINT64_MAX;
	for (size_t i = 0; i < n && rc == PL_OK && ring != NULL; i++) {
		pl_stmt st;
		memset(&st, 0, sizeof st);
		uint8_t fp[PL_SEAL_FP_SIZE], *obj = NULL;
		size_t len = 0;
		bool chained = false;
		if ((rc = rekey_at(e, pol, idx[i], &st, fp, &obj, &len, d)) != PL_OK) {
			pl_stmt_release(&st);
			break;
		}
		pl_seal_ctx ctx = {.origin = st.log, .type = st.type, .author = st.author, .seq = st.seq};
		pl_epoch_key *k = &out->k[out->n], prev = {0};
		k->epoch = idx[i];
		k->key = sodium_malloc(PL_SEAL_EPOCH_KEY_SIZE);
		prev.key = sodium_malloc(PL_SEAL_EPOCH_KEY_SIZE);
		pl_diag od = {0};
		int orc;
		if (k->key == NULL || prev.key == NULL) {
			orc = rc = PL_ENOMEM;
		} else if (next != NULL && next_epoch == idx[i]) {
			uint8_t got[PL_SEAL_FP_SIZE];
			memcpy(k->key, next, PL_SEAL_EPOCH_KEY_SIZE);
			pl_seal_epoch_fingerprint(k->key, got);
			orc = memcmp(got, fp, sizeof got) == 0
				      ? chain_known(&ctx, obj, len, k->key, &prev, &chained, &od)
				      : pl_diag_set(&od, PL_EVERIFY, "the chain of a later rekey names another key than entry "
								     "%llu's: the later rekeyer's misbehaviour",
						    (unsigned long long)idx[i]);
		} else {
			orc = pl_rekey_open(&ctx, obj, len, ring, fp, k->key, &prev, &chained, &od);
		}
		if (next != NULL) {
			sodium_free(next);
			next = NULL;
		}
		if (orc == PL_OK && chained && (i + 1 == n || prev.epoch != idx[i + 1])) {
			/* a chain names the rekey just before; the log's first rekey has none */
			if (i + 1 < n && out->fault[0] == '\0')
				snprintf(out->fault, sizeof out->fault,
					 "the members' rekey at entry %llu chains to entry %llu, not to the rekey before it (%llu): "
					 "the rekeyer's misbehaviour",
					 (unsigned long long)idx[i], (unsigned long long)prev.epoch, (unsigned long long)idx[i + 1]);
			chained = false; /* what it says of earlier keys is not taken */
		}
		if (orc == PL_OK) {
			out->n++;
			if (chained) {
				next = prev.key;
				next_epoch = prev.epoch;
				prev.key = NULL;
			}
		} else {
			if (k->key != NULL)
				sodium_free(k->key);
			k->key = NULL;
			if (orc == PL_EVERIFY && out->fault[0] == '\0')
				snprintf(out->fault, sizeof out->fault, "the members' rekey at entry %llu: %s",
					 (unsigned long long)idx[i], od.msg);
			else if (orc != PL_ENOKEY && orc != PL_EVERIFY && rc == PL_OK)
				rc = pl_diag_set(d, orc, "%s", od.msg);
		}
		if (prev.key != NULL)
			sodium_free(prev.key);
		free(obj);
		pl_stmt_release(&st);
	}
	if (next != NULL)
		sodium_free(next);
	for (size_t i = 0; i < out->n; i++)
		out->ring.keys[out->ring.n++] = &out->k[i];
	if (rc != PL_OK)
		pl_epochs_release(out);
	return rc;
}
