/*
 * members_share.c - share (members.h): a reader of earlier sealed statements
 * re-wraps their content keys to a party that lost the key they were sealed
 * to (docs/confidentiality.md, section 8). Admission checks the form and the
 * readers of the share itself; that each key opens its entry, and that what
 * it opens matches the entry's commitment, is the receiver's to check (a
 * sharer cannot make it read anything but what the author said).
 */
#include "statement/members_impl.h"

#include "base/codec.h"
#include "base/json.h"
#include "statement/sealed.h"

#include <stdlib.h>
#include <string.h>

/* The sealed body's readers: to, and possibly the author, each with its current key. */
static int share_readers(const pl_members *m, const pl_submission *s, const char *to, const pl_seal_head *h,
			 pl_refusal *v)
{
	bool has_to = false;
	for (size_t i = 0; i < h->n; i++) {
		const pl_seal_entry *e = &h->e[i];
		if (e->type != PL_SEAL_PARTY || (strcmp(e->party, to) != 0 && strcmp(e->party, s->st.author) != 0))
			return pl_refuse(v, PL_R_READERS_MISMATCH, "a share is sealed to the party it is for (%s) and its "
					 "author only", to);
		has_to |= strcmp(e->party, to) == 0;
	}
	if (!has_to)
		return pl_refuse(v, PL_R_READERS_MISMATCH, "the share is not sealed to %s, the party it is for", to);
	for (size_t i = 0; i < h->n; i++) {
		const pl_seal_entry *e = &h->e[i];
		const pl_member *mem = pl_members_get(m, e->party);
		uint8_t fp[PL_SEAL_FP_SIZE];
		pl_seal_fingerprint(mem->id.box_pk, fp); /* to and the author: active members, checked before */
		if (memcmp(fp, e->fp, sizeof fp) != 0)
			return pl_refuse(v, PL_R_READER_KEY_STALE, "the share is sealed to a key of %s it does not hold at "
					 "this index: refresh the copy and seal again", e->party);
	}
	return PL_OK;
}

int pl_members_check_share(const pl_members *m, const pl_submission *s, pl_refusal *v)
{
	static const char *const keys[] = {"to", "entries", "sealed", NULL};
	pl_diag d = {0};
	const json_t *b = s->st.body;
	if (pl_json_keys(b, keys, keys, "the body", &d) != PL_OK)
		return pl_refuse(v, PL_R_BODY_INVALID, "%s", d.msg);
	const char *to = json_string_value(json_object_get(b, "to"));
	const pl_member *mem = to != NULL ? pl_members_get(m, to) : NULL;
	if (to == NULL || !pl_party_name_valid(to, strlen(to)))
		return pl_refuse(v, PL_R_BODY_INVALID, "\"to\" is the party the keys are shared with");
	if (mem == NULL || !mem->active)
		return pl_refuse(v, PL_R_BODY_INVALID, "%s is not an active member: keys are shared with members", to);
	if (strcmp(to, s->st.author) == 0)
		return pl_refuse(v, PL_R_BODY_INVALID, "a party does not share keys with itself");
	const json_t *en = json_object_get(b, "entries"), *x;
	size_t i;
	if (!json_is_array(en) || json_array_size(en) < 1 || json_array_size(en) > PL_SHARE_MAX)
		return pl_refuse(v, PL_R_BODY_INVALID, "\"entries\" lists 1 to %d entries", PL_SHARE_MAX);
	json_array_foreach(en, i, x)
	{
		if (!json_is_integer(x) || json_integer_value(x) < 0)
			return pl_refuse(v, PL_R_BODY_INVALID, "\"entries\" lists entry indexes");
		uint64_t idx = (uint64_t)json_integer_value(x);
		for (size_t j = 0; j < i; j++)
			if ((uint64_t)json_integer_value(json_array_get(en, j)) == idx)
				return pl_refuse(v, PL_R_BODY_INVALID, "entry %llu is listed twice", (unsigned long long)idx);
		bool cited = false;
		for (size_t k = 0; k < s->st.nrefs; k++)
			cited |= s->st.refs[k].index == idx;
		if (!cited)
			return pl_refuse(v, PL_R_REF_MISSING, "a share lists each entry it shares (%llu) in refs",
					 (unsigned long long)idx);
	}
	const json_t *sb = json_object_get(b, "sealed");
	if (!json_is_string(sb))
		return pl_refuse(v, PL_R_SEALED_MALFORMED, "\"sealed\" is the base64 of a sealed body");
	pl_seal_head *h = malloc(sizeof *h);
	if (h == NULL)
		return PL_ENOMEM;
	int rc = pl_sealed_head_b64(json_string_value(sb), json_string_length(sb), h, v);
	if (rc == PL_OK)
		rc = share_readers(m, s, to, h, v);
	free(h);
	return rc;
}
