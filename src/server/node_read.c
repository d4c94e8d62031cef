/*
 * node_read.c - what a running log serves (node.h): its checkpoint, proofs,
 * entries, the membership registry, statistics.
 */
#include "server/node_impl.h"

#include "base/codec.h"
#include "base/timefmt.h"
#include "store/published.h"
#include "tlog/tile.h"

#include <stdlib.h>
#include <string.h>

const char *pl_node_origin(const pl_node *n)
{
	return n->origin;
}

const char *pl_node_dir(const pl_node *n)
{
	return n->dir;
}

int pl_node_checkpoint(pl_node *n, pl_buf *out, uint64_t *size)
{
	pthread_mutex_lock(&n->mu);
	int rc = pl_buf_append(out, n->checkpoint.data, n->checkpoint.len);
	if (size)
		*size = n->size;
	pthread_mutex_unlock(&n->mu);
	return rc;
}

int pl_node_prove(pl_node *n, uint64_t index, pl_buf *out, pl_diag *d)
{
	pl_policy pol;
	pl_policy_init(&pol, pl_log_verifier(n->log));
	return pl_published_prove(n->src, &pol, index, out, d);
}

int pl_node_consistency(pl_node *n, uint64_t old, uint64_t new, pl_hash *proof, size_t *len, pl_diag *d)
{
	uint64_t size;
	pthread_mutex_lock(&n->mu);
	size = n->size;
	pthread_mutex_unlock(&n->mu);
	if (old > new || new > size)
		return pl_diag_set(d, PL_ERANGE, "sizes must satisfy old <= new <= %llu", (unsigned long long)size);
	pl_tile_reader *tr = malloc(sizeof *tr);
	if (tr == NULL)
		return pl_diag_set(d, PL_ENOMEM, "out of memory");
	pl_tile_reader_init(tr, size, pl_source_fetch_tile, n->src);
	pl_hash_reader hr = pl_tile_reader_as_hash_reader(tr);
	int rc = pl_prove_consistency(&hr, old, new, proof, len);
	free(tr);
	if (rc != PL_OK)
		return pl_diag_set(d, rc, "cannot build the consistency proof");
	return PL_OK;
}

int pl_node_entry(pl_node *n, uint64_t index, pl_buf *out, pl_diag *d)
{
	uint64_t size;
	pthread_mutex_lock(&n->mu);
	size = n->size;
	pthread_mutex_unlock(&n->mu);
	return pl_published_entry(n->src, size, index, out, d);
}

static int member_json(const pl_member *m, pl_buf *out)
{
	char s[PL_ED25519_PK_B64_LEN + 1], b[PL_X25519_PK_B64_LEN + 1], p[PL_ED25519_SIG_B64_LEN + 1];
	pl_b64_encode(m->id.sign_pk, PL_ED25519_PK_SIZE, s);
	pl_b64_encode(m->id.box_pk, PL_X25519_PK_SIZE, b);
	pl_b64_encode(m->id.proof, PL_ED25519_SIG_SIZE, p);
	int rc = pl_buf_printf(out,
			       "{\"party\":\"%s\",\"sign\":\"%s\",\"box\":\"%s\",\"proof\":\"%s\",\"active\":%s,"
			       "\"founder\":%s,\"seq\":%llu,\"since\":%llu,\"contact\":%s,\"keys\":[",
			       m->id.party, s, b, p, m->active ? "true" : "false", m->founder ? "true" : "false",
			       (unsigned long long)m->seq, (unsigned long long)m->since,
			       m->contact[0] ? m->contact : "null");
	for (size_t i = 0; rc == PL_OK && i < m->nkeys; i++) {
		pl_b64_encode(m->keys[i].sign_pk, PL_ED25519_PK_SIZE, s);
		if (m->keys[i].until == UINT64_MAX)
			rc = pl_buf_printf(out, "%s{\"sign\":\"%s\",\"from\":%llu,\"until\":null}", i ? "," : "", s,
					   (unsigned long long)m->keys[i].from);
		else
			rc = pl_buf_printf(out, "%s{\"sign\":\"%s\",\"from\":%llu,\"until\":%llu}", i ? "," : "", s,
					   (unsigned long long)m->keys[i].from, (unsigned long long)m->keys[i].until);
	}
	if (rc == PL_OK)
		rc = pl_buf_puts(out, "]}");
	return rc;
}

int pl_node_party(pl_node *n, const char *party, pl_buf *out)
{
	pthread_rwlock_rdlock(&n->mlock);
	const pl_member *m = pl_members_get(&n->eng.members, party);
	int rc = m ? member_json(m, out) : PL_ENOTFOUND;
	pthread_rwlock_unlock(&n->mlock);
	return rc;
}

int pl_node_parties(pl_node *n, pl_buf *out)
{
	pthread_rwlock_rdlock(&n->mlock);
	int rc = pl_buf_putc(out, '[');
	for (size_t i = 0; rc == PL_OK && i < n->eng.members.n; i++) {
		if (i)
			rc = pl_buf_putc(out, ',');
		if (rc == PL_OK)
			rc = member_json(&n->eng.members.m[i], out);
	}
	if (rc == PL_OK)
		rc = pl_buf_putc(out, ']');
	pthread_rwlock_unlock(&n->mlock);
	return rc;
}

int pl_node_blob_auth(pl_node *n, const char *method, const char *hex, const char *party, const char *time,
		      const char *sig64, pl_refusal *r)
{
	uint8_t pk[PL_ED25519_PK_SIZE];
	bool member = party != NULL && pl_node_member_key(n, party, pk);
	return pl_blob_auth_check(pl_node_origin(n), method, hex, party, time, sig64, member ? pk : NULL, pl_now(), r);
}

void pl_node_stats_get(pl_node *n, pl_node_stats *s)
{
	pthread_mutex_lock(&n->mu);
	*s = n->stats;
	s->size = n->size;
	s->queue = pl_node_queue_depth(n);
	s->indexed = n->indexed;
	pthread_mutex_unlock(&n->mu);
}

int pl_node_refusals(pl_node *n, pl_buf *out)
{
	pthread_mutex_lock(&n->mu);
	int rc = PL_OK;
	for (size_t i = 0; rc == PL_OK && i < n->nrefusals; i++)
		rc = pl_buf_printf(out, "%s %llu\n", n->refusals[i].code, (unsigned long long)n->refusals[i].count);
	pthread_mutex_unlock(&n->mu);
	return rc;
}
