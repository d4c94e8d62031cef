/*
 * members_rekey.c - members.rekey (members.h): a new members' key for
 * TLP:GREEN answering the latest change of the members or their keys, its
 * readers checked against the registry, and the members' keys the log
 * established (docs/confidentiality.md, section 3).
 */
#include "statement/members_impl.h"

#include "base/codec.h"
#include "base/json.h"
#include "statement/rekey.h"
#include "statement/sealed.h"

#include <stdlib.h>
#include <string.h>

const pl_epoch_rec *pl_members_epoch(const pl_members *m)
{
	if (m->nepochs == 0 || m->epochs[m->nepochs - 1].after != m->trigger)
		return NULL;
	return &m->epochs[m->nepochs - 1];
}

int pl_members_rekey_fields(const json_t *body, uint64_t *after, uint8_t fp[PL_SEAL_FP_SIZE], uint8_t **obj,
			    size_t *n, pl_diag *d)
{
	static const char *const keys[] = {"after", "key", "sealed", NULL};
	*obj = NULL;
	*n = 0;
	int64_t t;
	if (pl_json_keys(body, keys, keys, "the body", d) != PL_OK || pl_json_int(body, "after", 0, INT64_MAX, &t, d) != PL_OK)
		return PL_EFORMAT;
	*after = (uint64_t)t;
	const json_t *k = json_object_get(body, "key"), *b = json_object_get(body, "sealed");
	if (!json_is_string(k) || pl_hex_decode((const uint8_t *)json_string_value(k), json_string_length(k), fp,
						PL_SEAL_FP_SIZE) != PL_OK)
		return pl_diag_set(d, PL_EFORMAT, "\"key\" is the members' key's fingerprint: %d lower-case hex digits",
				   2 * PL_SEAL_FP_SIZE);
	if (!json_is_string(b) || json_string_length(b) > pl_b64_len(PL_REKEY_OBJECT_MAX))
		return pl_diag_set(d, PL_EFORMAT, "\"sealed\" is the base64 of members' keys, at most %zu characters",
				   pl_b64_len(PL_REKEY_OBJECT_MAX));
	if ((*obj = malloc(PL_REKEY_OBJECT_MAX)) == NULL)
		return PL_ENOMEM;
	if (pl_b64_decode((const uint8_t *)json_string_value(b), json_string_length(b), *obj, PL_REKEY_OBJECT_MAX, n) !=
	    PL_OK) {
		free(*obj);
		*obj = NULL;
		return pl_diag_set(d, PL_EFORMAT, "\"sealed\" is not canonical base64 of members' keys");
	}
	return PL_OK;
}

/* The header's readers are exactly the active members, each with its current encryption key. */
static int readers_check(const pl_members *m, const pl_seal_head *h, pl_refusal *v)
{
	size_t active = 0;
	for (size_t i = 0; i < m->n; i++)
		active += m->m[i].active;
	for (size_t i = 0; i < h->n; i++) {
		const pl_member *e = pl_members_find(m, h->e[i].party);
		if (e == NULL || !e->active)
			return pl_refuse(v, PL_R_READERS_MISMATCH, "%s is not an active member: a members' key is wrapped "
					 "to the active members only", h->e[i].party);
		uint8_t fp[PL_SEAL_FP_SIZE];
		pl_seal_fingerprint(e->id.box_pk, fp);
		if (memcmp(fp, h->e[i].fp, sizeof fp) != 0)
			return pl_refuse(v, PL_R_READER_KEY_STALE,
					 "the members' key is wrapped to a key of %s it does not hold at this index: refresh "
					 "the copy and rekey again",
					 h->e[i].party);
	}
	if (h->n != active) /* the names are distinct (canonical order): each active member once */
		return pl_refuse(v, PL_R_READERS_MISMATCH,
				 "a members' key is wrapped to every one of the %zu active members; this one to %zu", active,
				 h->n);
	return PL_OK;
}

int pl_members_check_rekey(const pl_members *m, const pl_submission *s, pl_refusal *v)
{
	int rc;
	uint64_t after;
	uint8_t fp[PL_SEAL_FP_SIZE], *obj = NULL;
	size_t n;
	bool chained;
	pl_diag d = {0};
	pl_seal_head *h = NULL;
	if ((rc = pl_members_rekey_fields(s->st.body, &after, fp, &obj, &n, &d)) != PL_OK) {
		if (rc != PL_ENOMEM)
			rc = pl_refuse(v, PL_R_BODY_INVALID, "%s", d.msg);
		goto out;
	}
	if (after != m->trigger) {
		rc = pl_refuse(v, PL_R_REKEY_STALE,
			       "this rekey answers entry %llu, but the members or their keys changed since, at entry %llu: "
			       "rekey for that one",
			       (unsigned long long)after, (unsigned long long)m->trigger);
		goto out;
	}
	if (pl_members_epoch(m) != NULL) {
		rc = pl_refuse(v, PL_R_REKEY_DUPLICATE,
			       "entry %llu already gave the members a key after entry %llu: take that one",
			       (unsigned long long)pl_members_epoch(m)->epoch, (unsigned long long)after);
		goto out;
	}
	bool cited = false;
	for (size_t i = 0; i < s->st.nrefs; i++)
		cited |= s->st.refs[i].index == after;
	if (!cited) {
		rc = pl_refuse(v, PL_R_REF_MISSING, "a rekey lists the entry it answers (%llu) in refs",
			       (unsigned long long)after);
		goto out;
	}
	for (size_t i = 0; i < m->nepochs; i++)
		if (memcmp(m->epochs[i].fp, fp, sizeof fp) == 0) {
			rc = pl_refuse(v, PL_R_KEY_REUSED, "entry %llu gave the members this key already: a members' key "
				       "is used once", (unsigned long long)m->epochs[i].epoch);
			goto out;
		}
	if ((h = malloc(sizeof *h)) == NULL) {
		rc = PL_ENOMEM;
		goto out;
	}
	if (pl_rekey_parse(obj, n, h, &chained, &d) != PL_OK) {
		rc = pl_refuse(v, PL_R_SEALED_MALFORMED, "%s", d.msg);
		goto out;
	}
	if (chained != (m->nepochs > 0)) {
		rc = pl_refuse(v, PL_R_SEALED_MALFORMED,
			       chained ? "the log's first members' key has no previous one to chain to"
				       : "a members' key carries the previous one (entry %llu's), for the members who join "
					 "later: its chain is missing",
			       m->nepochs ? (unsigned long long)m->epochs[m->nepochs - 1].epoch : 0ULL);
		goto out;
	}
	rc = readers_check(m, h, v);
out:
	free(obj);
	free(h);
	return rc;
}

int pl_members_epoch_check(const pl_members *m, const pl_seal_head *h, const char *what, pl_refusal *v)
{
	const pl_epoch_rec *cur = pl_members_epoch(m);
	if (h->n != 1 || h->e[0].type != PL_SEAL_EPOCH)
		return pl_refuse(v, PL_R_READERS_MISMATCH, "%s sealed to the members' key alone, not to parties", what);
	if (cur == NULL)
		return pl_refuse(v, PL_R_READER_KEY_STALE,
				 "no members' key is current at this index: the members or their keys changed at entry %llu "
				 "and no rekey answered it yet (parley members rekey)",
				 (unsigned long long)m->trigger);
	if (h->e[0].epoch != cur->epoch || memcmp(h->e[0].fp, cur->fp, PL_SEAL_FP_SIZE) != 0)
		return pl_refuse(v, PL_R_READER_KEY_STALE,
				 "sealed to the members' key of entry %llu; the current one is entry %llu's: refresh the copy "
				 "and seal again",
				 (unsigned long long)h->e[0].epoch, (unsigned long long)cur->epoch);
	return PL_OK;
}

int pl_members_check_sealed_contact(const pl_members *m, const pl_submission *s, pl_refusal *v)
{
	static const char *const keys[] = {"sealed", NULL};
	pl_diag d = {0};
	if (pl_json_keys(s->st.body, keys, keys, "the body", &d) != PL_OK)
		return pl_refuse(v, PL_R_SEALING_REQUIRED, "sealed contact details are all in \"sealed\": %s", d.msg);
	const json_t *b = json_object_get(s->st.body, "sealed");
	if (!json_is_string(b))
		return pl_refuse(v, PL_R_SEALED_MALFORMED, "\"sealed\" is the base64 of a sealed body");
	pl_seal_head *h = malloc(sizeof *h);
	if (h == NULL)
		return PL_ENOMEM;
	int rc = pl_sealed_head_b64(json_string_value(b), json_string_length(b), h, v);
	if (rc != PL_OK)
		goto out;
	rc = pl_members_epoch_check(m, h, "contact details are", v);
out:
	free(h);
	return rc;
}

int pl_members_apply_rekey(pl_members *m, const pl_submission *s, uint64_t index)
{
	/* admitted: its fields were checked, the sealed object needs no second decoding */
	const json_t *after = json_object_get(s->st.body, "after"), *key = json_object_get(s->st.body, "key");
	uint8_t fp[PL_SEAL_FP_SIZE];
	if (!json_is_integer(after) || json_integer_value(after) < 0 || !json_is_string(key) ||
	    pl_hex_decode((const uint8_t *)json_string_value(key), json_string_length(key), fp, sizeof fp) != PL_OK)
		return PL_EINVAL;
	if (pl_array_grow((void **)&m->epochs, &m->capepochs, m->nepochs, sizeof *m->epochs) != PL_OK)
		return PL_ENOMEM;
	pl_epoch_rec *r = &m->epochs[m->nepochs++];
	r->epoch = index;
	r->after = (uint64_t)json_integer_value(after);
	memcpy(r->fp, fp, sizeof fp);
	return PL_OK;
}
