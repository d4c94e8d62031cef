/*
 * members_state.c - the membership registry as bytes and back (members.h:
 * pl_members_save, pl_members_load), for a replay that resumes where it
 * stopped instead of starting from entry 0 again.
 */
#include "statement/members_impl.h"

#include "base/binenc.h"
#include "tlog/merkle.h"

#include <stdlib.h>
#include <string.h>

#define STATE_VERSION 4 /* 2: the whole key history, with encryption keys; 3: the charter's time; 4: members' keys */

static void save_identity(pl_enc *e, const pl_identity *id)
{
	pl_enc_str(e, id->party);
	pl_enc_raw(e, id->sign_pk, sizeof id->sign_pk);
	pl_enc_raw(e, id->box_pk, sizeof id->box_pk);
	pl_enc_raw(e, id->proof, sizeof id->proof);
}

static void load_identity(pl_dec *d, pl_identity *id)
{
	pl_dec_str(d, id->party, sizeof id->party);
	pl_dec_raw(d, id->sign_pk, sizeof id->sign_pk);
	pl_dec_raw(d, id->box_pk, sizeof id->box_pk);
	pl_dec_raw(d, id->proof, sizeof id->proof);
	if (d->rc == PL_OK && id->party[0] == '\0')
		pl_dec_fail(d, PL_EFORMAT);
}

int pl_members_save(const pl_members *m, pl_buf *out)
{
	pl_enc e = pl_enc_of(out);
	pl_enc_u64(&e, STATE_VERSION);
	pl_enc_str(&e, m->origin);
	pl_enc_u64(&e, m->size);
	pl_enc_bool(&e, m->chartered);
	pl_enc_str(&e, m->charter.name);
	pl_enc_u64(&e, m->charter.sponsors);
	pl_enc_i64(&e, m->charter.ack_seconds);
	pl_enc_i64(&e, m->charter.response_seconds);
	pl_enc_i64(&e, m->charter.time);
	pl_enc_u64(&e, m->n);
	for (size_t i = 0; i < m->n; i++) {
		const pl_member *x = &m->m[i];
		save_identity(&e, &x->id);
		pl_enc_u64(&e, x->nkeys);
		for (size_t k = 0; k < x->nkeys; k++) {
			pl_enc_raw(&e, x->keys[k].sign_pk, sizeof x->keys[k].sign_pk);
			pl_enc_raw(&e, x->keys[k].box_pk, sizeof x->keys[k].box_pk);
			pl_enc_u64(&e, x->keys[k].from);
			pl_enc_u64(&e, x->keys[k].until);
		}
		pl_enc_bool(&e, x->active);
		pl_enc_u64(&e, x->seq);
		pl_enc_u64(&e, x->since);
		pl_enc_bool(&e, x->founder);
		pl_enc_str(&e, x->contact);
	}
	pl_enc_u64(&e, m->nc);
	for (size_t i = 0; i < m->nc; i++) {
		save_identity(&e, &m->c[i].id);
		pl_enc_u64(&e, m->c[i].nsponsors);
		for (size_t k = 0; k < m->c[i].nsponsors; k++)
			pl_enc_str(&e, m->c[i].sponsors[k]);
	}
	pl_enc_u64(&e, m->trigger);
	pl_enc_u64(&e, m->nepochs);
	for (size_t i = 0; i < m->nepochs; i++) {
		pl_enc_u64(&e, m->epochs[i].epoch);
		pl_enc_u64(&e, m->epochs[i].after);
		pl_enc_raw(&e, m->epochs[i].fp, sizeof m->epochs[i].fp);
	}
	return e.rc;
}

/* The smallest encoding of a key, of a member and of a candidate, to bound counts by the input. */
#define KEY_MIN (PL_ED25519_PK_SIZE + PL_X25519_PK_SIZE + 2)
#define IDENTITY_MIN (1 + PL_ED25519_PK_SIZE + PL_X25519_PK_SIZE + PL_ED25519_SIG_SIZE)
#define MEMBER_MIN (IDENTITY_MIN + 1 + KEY_MIN + 5)
#define CANDIDATE_MIN (IDENTITY_MIN + 1)

/*
 * A member's key history as members.c builds it: at least one key, each
 * established by an entry of the log after the previous one ended, every key
 * but the last ended, the last still valid exactly when the member is active,
 * and the last the member's current signing key.
 */
static bool history_ok(const pl_member *x, uint64_t size)
{
	if (x->nkeys == 0 || memcmp(x->keys[x->nkeys - 1].sign_pk, x->id.sign_pk, PL_ED25519_PK_SIZE) != 0)
		return false;
	for (size_t k = 0; k < x->nkeys; k++) {
		const pl_member_key *y = &x->keys[k];
		bool last = k + 1 == x->nkeys;
		if (y->from >= size || (k > 0 && y->from < x->keys[k - 1].until))
			return false;
		if (y->until == UINT64_MAX ? !last || !x->active : y->until < y->from || y->until >= size)
			return false;
		if (last && y->until != UINT64_MAX && x->active)
			return false;
	}
	return true;
}

int pl_members_load(pl_members *m, pl_dec *d)
{
	pl_members_release(m);
	char origin[sizeof m->origin];
	if (pl_dec_u64(d, UINT64_MAX) != STATE_VERSION)
		pl_dec_fail(d, PL_EFORMAT);
	pl_dec_str(d, origin, sizeof origin);
	if (d->rc == PL_OK && strcmp(origin, m->origin) != 0)
		pl_dec_fail(d, PL_EFORMAT); /* another log's state */
	m->size = pl_dec_u64(d, PL_TREE_MAX);
	m->chartered = pl_dec_bool(d);
	pl_dec_str(d, m->charter.name, sizeof m->charter.name);
	m->charter.sponsors = (size_t)pl_dec_u64(d, PL_SPONSORS_MAX);
	m->charter.ack_seconds = pl_dec_i64(d, 0, INT64_MAX);
	m->charter.response_seconds = pl_dec_i64(d, 0, INT64_MAX);
	m->charter.time = pl_dec_i64(d, INT64_MIN, INT64_MAX);
	size_t n = pl_dec_count(d, SIZE_MAX / sizeof(pl_member), MEMBER_MIN);
	if (n > 0 && d->rc == PL_OK) {
		if ((m->m = calloc(n, sizeof *m->m)) == NULL)
			pl_dec_fail(d, PL_ENOMEM);
		else
			m->cap = n;
	}
	for (size_t i = 0; i < n && d->rc == PL_OK; i++) {
		pl_member *x = &m->m[i];
		load_identity(d, &x->id);
		/* every key is established by an entry: at most size of them */
		size_t nkeys = pl_dec_count(d, m->size < SIZE_MAX / sizeof *x->keys ? (size_t)m->size : 0, KEY_MIN);
		if (nkeys > 0 && d->rc == PL_OK) {
			if ((x->keys = calloc(nkeys, sizeof *x->keys)) == NULL)
				pl_dec_fail(d, PL_ENOMEM);
			else
				x->nkeys = x->capkeys = nkeys;
		}
		for (size_t k = 0; k < x->nkeys && d->rc == PL_OK; k++) {
			pl_dec_raw(d, x->keys[k].sign_pk, sizeof x->keys[k].sign_pk);
			pl_dec_raw(d, x->keys[k].box_pk, sizeof x->keys[k].box_pk);
			x->keys[k].from = pl_dec_u64(d, UINT64_MAX);
			x->keys[k].until = pl_dec_u64(d, UINT64_MAX);
		}
		x->active = pl_dec_bool(d);
		x->seq = pl_dec_u64(d, UINT64_MAX);
		x->since = pl_dec_u64(d, UINT64_MAX);
		x->founder = pl_dec_bool(d);
		pl_dec_str(d, x->contact, sizeof x->contact);
		m->n = i + 1; /* released with m from here on */
		int irc = pl_members_index_add(m); /* a name held twice: another program's state */
		if (irc != PL_OK)
			pl_dec_fail(d, irc == PL_ENOMEM ? PL_ENOMEM : PL_EFORMAT);
		if (d->rc == PL_OK && !history_ok(x, m->size))
			pl_dec_fail(d, PL_EFORMAT);
	}
	size_t nc = pl_dec_count(d, SIZE_MAX / sizeof(pl_candidate), CANDIDATE_MIN);
	if (nc > 0 && d->rc == PL_OK) {
		if ((m->c = calloc(nc, sizeof *m->c)) == NULL)
			pl_dec_fail(d, PL_ENOMEM);
		else
			m->capc = nc;
	}
	for (size_t i = 0; i < nc && d->rc == PL_OK; i++) {
		load_identity(d, &m->c[i].id);
		m->c[i].nsponsors = pl_dec_count(d, PL_SPONSORS_MAX, 2);
		for (size_t k = 0; k < m->c[i].nsponsors; k++)
			pl_dec_str(d, m->c[i].sponsors[k], sizeof m->c[i].sponsors[k]);
		m->nc = i + 1;
	}
	m->trigger = pl_dec_u64(d, m->size ? m->size - 1 : 0);
	/* each members' key is established by an entry after the trigger it answers, in log order */
	size_t ne = pl_dec_count(d, m->size < SIZE_MAX / sizeof *m->epochs ? (size_t)m->size : 0, 2 + PL_SEAL_FP_SIZE);
	if (ne > 0 && d->rc == PL_OK) {
		if ((m->epochs = calloc(ne, sizeof *m->epochs)) == NULL)
			pl_dec_fail(d, PL_ENOMEM);
		else
			m->capepochs = ne;
	}
	for (size_t i = 0; i < ne && d->rc == PL_OK; i++) {
		pl_epoch_rec *r = &m->epochs[i];
		r->epoch = pl_dec_u64(d, m->size ? m->size - 1 : 0);
		r->after = pl_dec_u64(d, UINT64_MAX);
		pl_dec_raw(d, r->fp, sizeof r->fp);
		m->nepochs = i + 1;
		if (d->rc == PL_OK && (r->after >= r->epoch || (i > 0 && r->after <= m->epochs[i - 1].after)))
			pl_dec_fail(d, PL_EFORMAT);
	}
	if (d->rc == PL_OK && m->chartered && m->charter.sponsors == 0)
		pl_dec_fail(d, PL_EFORMAT);
	if (d->rc != PL_OK) {
		pl_members_release(m);
		m->size = 0;
		m->chartered = false;
		memset(&m->charter, 0, sizeof m->charter);
	}
	return d->rc;
}
