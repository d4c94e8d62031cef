/* members_apply.c - an admitted membership statement recorded in the
 * registry (pl_members_apply): founders, enrolments completed by their
 * sponsors, rotations and revocations in the members' key histories, contact
 * details. */
#include "statement/members_impl.h"

#include "base/json.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Room for one more key in the member's history: PL_OK or PL_ENOMEM (nothing changed). */
static int reserve_key(pl_member *e)
{
	if (e->nkeys < e->capkeys)
		return PL_OK;
	size_t cap = e->capkeys ? e->capkeys * 2 : 2;
	if (cap > SIZE_MAX / sizeof *e->keys)
		return PL_ENOMEM;
	pl_member_key *p = realloc(e->keys, cap * sizeof *p);
	if (p == NULL)
		return PL_ENOMEM;
	e->keys = p;
	e->capkeys = cap;
	return PL_OK;
}

/* Starts the keys of id in the member's history at index, closing the current
 * one; reserve_key made room. */
static void push_key(pl_member *e, const pl_identity *id, uint64_t index)
{
	if (e->nkeys > 0 && e->keys[e->nkeys - 1].until == UINT64_MAX)
		e->keys[e->nkeys - 1].until = index;
	pl_member_key *k = &e->keys[e->nkeys++];
	memcpy(k->sign_pk, id->sign_pk, PL_ED25519_PK_SIZE);
	memcpy(k->box_pk, id->box_pk, PL_X25519_PK_SIZE);
	k->from = index;
	k->until = UINT64_MAX;
}

static pl_member *add_member(pl_members *m, const pl_identity *id, uint64_t index)
{
	pl_member *e = pl_members_find(m, id->party);
	if (e == NULL) {
		if (pl_array_grow((void **)&m->m, &m->cap, m->n, sizeof *m->m) != PL_OK)
			return NULL;
		e = &m->m[m->n];
		memset(e, 0, sizeof *e);
		if (reserve_key(e) != PL_OK)
			return NULL;
		e->id = *id; /* its name, for the index */
		m->n++;
		if (pl_members_index_add(m) != PL_OK) {
			m->n--;
			free(e->keys);
			return NULL;
		}
	} else if (reserve_key(e) != PL_OK) {
		return NULL;
	}
	e->id = *id;
	e->active = true;
	e->since = index;
	push_key(e, id, index);
	return e;
}

static void drop_candidates(pl_members *m, const char *party)
{
	size_t w = 0;
	for (size_t i = 0; i < m->nc; i++)
		if (strcmp(m->c[i].id.party, party) != 0)
			m->c[w++] = m->c[i];
	m->nc = w;
}

static int apply_enroll(pl_members *m, const pl_submission *s, uint64_t index)
{
	pl_identity id;
	int irc = pl_identity_from_json(json_object_get(s->st.body, "identity"), &id, NULL);
	if (irc != PL_OK)
		return irc == PL_ENOMEM ? PL_ENOMEM : PL_EINVAL;
	pl_candidate *c = (pl_candidate *)(uintptr_t)pl_members_find_candidate(m, &id);
	if (c == NULL) {
		if (pl_array_grow((void **)&m->c, &m->capc, m->nc, sizeof *m->c) != PL_OK)
			return PL_ENOMEM;
		c = &m->c[m->nc++];
		memset(c, 0, sizeof *c);
		c->id = id;
	}
	if (c->nsponsors < PL_SPONSORS_MAX)
		strcpy(c->sponsors[c->nsponsors++], s->st.author);
	if (c->nsponsors >= m->charter.sponsors) {
		if (add_member(m, &id, index) == NULL)
			return PL_ENOMEM;
		drop_candidates(m, id.party);
		m->trigger = index;
	}
	return PL_OK;
}

int pl_members_apply(pl_members *m, const pl_submission *s, uint64_t index)
{
	const char *type = s->st.type;
	if (strcmp(type, "charter") == 0) {
		pl_identity founders[PL_FOUNDERS_MAX];
		size_t nf = 0;
		pl_refusal v = {0};
		int prc = pl_members_parse_charter(s->st.body, &m->charter, founders, &nf, &v);
		if (prc != PL_OK)
			return prc == PL_ENOMEM ? PL_ENOMEM : PL_EINVAL;
		m->charter.time = s->st.time;
		for (size_t i = 0; i < nf; i++) {
			pl_member *e = add_member(m, &founders[i], index);
			if (e == NULL)
				return PL_ENOMEM;
			e->founder = true;
		}
		m->chartered = true;
		m->trigger = index;
	} else if (strcmp(type, "enroll") == 0) {
		int rc = apply_enroll(m, s, index);
		if (rc != PL_OK)
			return rc;
	} else if (strcmp(type, "key.rotate") == 0) {
		pl_member *e = pl_members_find(m, s->st.author);
		if (e == NULL)
			return PL_EINVAL;
		pl_identity id;
		int irc = pl_identity_from_json(json_object_get(s->st.body, "identity"), &id, NULL);
		if (irc != PL_OK)
			return irc == PL_ENOMEM ? PL_ENOMEM : PL_EINVAL;
		if (reserve_key(e) != PL_OK)
			return PL_ENOMEM;
		e->id = id;
		push_key(e, &id, index);
		m->trigger = index;
	} else if (strcmp(type, "key.revoke") == 0) {
		pl_member *e = pl_members_find(m, s->st.author);
		if (e != NULL) {
			e->active = false;
			if (e->nkeys > 0)
				e->keys[e->nkeys - 1].until = index;
		}
		m->trigger = index;
	} else if (strcmp(type, "members.rekey") == 0) {
		int rc = pl_members_apply_rekey(m, s, index);
		if (rc != PL_OK)
			return rc;
	} else if (strcmp(type, "contact.update") == 0 && json_object_get(s->st.body, "sealed") != NULL) {
		pl_member *e = pl_members_find(m, s->st.author);
		if (e != NULL) /* what it says is the members' to read: where it is */
			snprintf(e->contact, sizeof e->contact, "{\"sealed\":%llu}", (unsigned long long)index);
	} else if (strcmp(type, "contact.update") == 0) {
		pl_member *e = pl_members_find(m, s->st.author);
		pl_buf b;
		pl_buf_init(&b, PL_CONTACT_MAX - 1);
		if (e != NULL && pl_json_dump(json_object_get(s->st.body, "contact"), &b) == PL_OK)
			snprintf(e->contact, sizeof e->contact, "%s", pl_buf_cstr(&b));
		pl_buf_release(&b);
	}
	pl_member *author = pl_members_find(m, s->st.author);
	if (author != NULL && s->st.seq > author->seq)
		author->seq = s->st.seq;
	m->size = index + 1;
	return PL_OK;
}
