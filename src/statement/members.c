/* members.c - the membership registry (members.h): its members and
 * candidates looked up, the key a member held when an entry was admitted. */
#include "statement/members_impl.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void pl_members_init(pl_members *m, const char *origin)
{
	memset(m, 0, sizeof *m);
	snprintf(m->origin, sizeof m->origin, "%s", origin);
}

void pl_members_release(pl_members *m)
{
	for (size_t i = 0; i < m->n; i++)
		free(m->m[i].keys);
	free(m->m);
	free(m->c);
	free(m->byname);
	free(m->epochs);
	m->m = NULL;
	m->c = NULL;
	m->byname = NULL;
	m->epochs = NULL;
	m->n = m->nc = m->cap = m->capc = 0;
	m->nepochs = m->capepochs = 0;
	m->trigger = 0;
}

/* The first position in m->byname whose name is not below party; *found when it is party's. */
static size_t byname_at(const pl_members *m, const char *party, bool *found)
{
	size_t lo = 0, hi = m->n;
	*found = false;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(m->m[m->byname[mid]].id.party, party);
		if (c == 0) {
			*found = true;
			return mid;
		}
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

pl_member *pl_members_find(const pl_members *m, const char *party)
{
	bool found;
	size_t at = m->n ? byname_at(m, party, &found) : 0;
	return m->n && found ? &m->m[m->byname[at]] : NULL;
}

int pl_members_index_add(pl_members *m)
{
	if (m->n == 0)
		return PL_EINVAL;
	size_t *p = realloc(m->byname, m->cap * sizeof *p);
	if (p == NULL)
		return PL_ENOMEM;
	m->byname = p;
	bool found;
	size_t last = m->n - 1;
	m->n--; /* search among the others */
	size_t at = byname_at(m, m->m[last].id.party, &found);
	m->n++;
	if (found)
		return PL_EINVAL;
	memmove(&m->byname[at + 1], &m->byname[at], (last - at) * sizeof *m->byname);
	m->byname[at] = last;
	return PL_OK;
}

const pl_member *pl_members_get(const pl_members *m, const char *party)
{
	return pl_members_find(m, party);
}

int pl_members_key_at(const pl_members *m, const char *party, uint64_t index, uint8_t pk[PL_ED25519_PK_SIZE])
{
	const pl_member *e = pl_members_find(m, party);
	if (e == NULL)
		return PL_ENOTFOUND;
	/* A key established at `from` signs the entries after it, up to `until`
	 * included (a rotation is signed by the old key it ends); the charter is
	 * signed by the key it establishes. */
	for (int pass = 0; pass < 2; pass++) {
		for (size_t i = e->nkeys; i-- > 0;) {
			const pl_member_key *k = &e->keys[i];
			if ((pass == 0 ? k->from < index : k->from <= index) && index <= k->until) {
				memcpy(pk, k->sign_pk, PL_ED25519_PK_SIZE);
				return PL_OK;
			}
		}
	}
	return PL_ENOTFOUND;
}

bool pl_members_owns_type(const char *type)
{
	static const char *const own[] = {"charter", "enroll", "key.rotate", "key.revoke", "contact.update",
					  "members.rekey", "share", NULL};
	for (const char *const *t = own; *t; t++)
		if (strcmp(*t, type) == 0)
			return true;
	return false;
}

const pl_candidate *pl_members_find_candidate(const pl_members *m, const pl_identity *id)
{
	for (size_t i = 0; i < m->nc; i++)
		if (memcmp(&m->c[i].id, id, sizeof *id) == 0)
			return &m->c[i];
	return NULL;
}
