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
	m->m = NULL;
	m->c = NULL;
	m->n = m->nc = m->cap = m->capc = 0;
}

pl_member *pl_members_find(const pl_members *m, const char *party)
{
	for (size_t i = 0; i < m->n; i++)
		if (strcmp(m->m[i].id.party, party) == 0)
			return &m->m[i];
	return NULL;
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
	static const char *const own[] = {"charter", "enroll", "key.rotate", "key.revoke", "contact.update", NULL};
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
