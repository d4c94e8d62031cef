/*
 * node_keys.c - the key table (node_impl.h): every active member's current
 * signing key, sorted by party, for the verifiers (and blob requests) to
 * read without the engine's lock. It is read-mostly: the sequencer rebuilds
 * it, off to the side, after a batch that admitted a membership statement
 * (or after the engine was rebuilt) and swaps it in under klock, held for
 * writing only for the swap. A verifier may so check a signature against a
 * key that has just changed; the admission notices (pl_engine_check checks
 * again against the key current at that point), so the table is never
 * needed to be exact, only fast.
 */
#include "server/node_impl.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int by_party(const void *a, const void *b)
{
	return strcmp(((const keyrec *)a)->party, ((const keyrec *)b)->party);
}

int pl_node_keys_refresh(pl_node *n)
{
	const pl_members *m = &n->eng.members; /* the sequencer's (or not yet shared): read without mlock */
	keyrec *t = malloc((m->n ? m->n : 1) * sizeof *t);
	if (t == NULL)
		return PL_ENOMEM;
	size_t k = 0;
	for (size_t i = 0; i < m->n; i++) {
		if (!m->m[i].active)
			continue;
		snprintf(t[k].party, sizeof t[k].party, "%s", m->m[i].id.party);
		memcpy(t[k].pk, m->m[i].id.sign_pk, PL_ED25519_PK_SIZE);
		k++;
	}
	qsort(t, k, sizeof *t, by_party);
	pthread_rwlock_wrlock(&n->klock);
	keyrec *old = n->keys;
	n->keys = t;
	n->nkeys = k;
	pthread_rwlock_unlock(&n->klock);
	free(old);
	return PL_OK;
}

bool pl_node_member_key(pl_node *n, const char *party, uint8_t pk[PL_ED25519_PK_SIZE])
{
	keyrec want;
	snprintf(want.party, sizeof want.party, "%s", party);
	if (strcmp(want.party, party) != 0)
		return false; /* longer than any party's name */
	pthread_rwlock_rdlock(&n->klock);
	const keyrec *r = n->keys != NULL ? bsearch(&want, n->keys, n->nkeys, sizeof *n->keys, by_party) : NULL;
	if (r != NULL)
		memcpy(pk, r->pk, PL_ED25519_PK_SIZE);
	pthread_rwlock_unlock(&n->klock);
	return r != NULL;
}
