/* types_fields.c - reading the fields of workflow bodies (types_impl.h): keys, strings, vocabulary words,
 * references bound by refs, deadlines, party lists; each failure refused with its code. */
#include "workflow/types_impl.h"

#include "base/json.h"
#include "base/timefmt.h"
#include "workflow/vocab.h"

#include <string.h>

static bool listed(const char *const *list, const char *key)
{
	for (size_t i = 0; list != NULL && list[i] != NULL; i++)
		if (strcmp(list[i], key) == 0)
			return true;
	return false;
}

int pl_wf_keys(const pl_wf_body *b, const json_t *body, const char *const *allowed, const char *const *required,
		pl_refusal *v)
{
	pl_diag d = {0};
	if (b->seal == NULL) {
		if (pl_json_keys(body, allowed, required, "the body", &d) != PL_OK)
			return pl_refuse(v, PL_R_BODY_INVALID, "%s", d.msg);
		return PL_OK;
	}
	const char *k;
	const json_t *x;
	json_object_foreach((json_t *)(uintptr_t)body, k, x)
	{
		if (strcmp(k, "sealed") != 0 && !listed(allowed, k))
			return pl_refuse(v, PL_R_BODY_INVALID, "the body has an unknown field \"%s\"", k);
	}
	for (size_t i = 0; required != NULL && required[i] != NULL; i++)
		if (!pl_wf_field_sealed(b->type, required[i]) && json_object_get(body, required[i]) == NULL)
			return pl_refuse(v, PL_R_BODY_INVALID, "the body lacks \"%s\"", required[i]);
	return PL_OK;
}


int pl_wf_str(const json_t *o, const char *key, size_t max, bool required, const char **out, pl_refusal *v)
{
	pl_diag d = {0};
	*out = NULL;
	if ((required ? pl_json_str(o, key, max, out, &d) : pl_json_str_opt(o, key, max, out, &d)) != PL_OK)
		return pl_refuse(v, PL_R_BODY_INVALID, "%s", d.msg);
	return PL_OK;
}

int pl_wf_word(const json_t *o, const char *key, const char *const *list, pl_refusal_code code, int *out, pl_refusal *v)
{
	int rc;
	const char *s;
	if ((rc = pl_wf_str(o, key, 64, true, &s, v)) != PL_OK)
		return rc;
	int k = pl_vocab_find(list, s);
	if (k < 0) {
		/* PL_EREFUSED spelled out (pl_refuse's result is opaque here): so the compiler sees *out set on PL_OK */
		(void)pl_refuse(v, code, "\"%s\" is not a known %s", s, key);
		return PL_EREFUSED;
	}
	*out = k;
	return PL_OK;
}

int pl_wf_ref_field(const pl_stmt *s, const char *key, uint64_t *out, pl_refusal *v)
{
	int64_t idx;
	pl_diag d = {0};
	if (pl_json_int(s->body, key, 0, (int64_t)(PL_TREE_MAX - 1), &idx, &d) != PL_OK)
		return pl_refuse(v, PL_R_BODY_INVALID, "%s", d.msg);
	if (!pl_stmt_has_ref(s, (uint64_t)idx, NULL))
		return pl_refuse(v, PL_R_REF_MISSING, "the %s (entry %lld) must also be listed in refs", key,
				 (long long)idx);
	*out = (uint64_t)idx;
	return PL_OK;
}

int pl_wf_later(const pl_stmt *s, const char *key, int64_t *out, pl_refusal *v)
{
	int rc;
	const char *t;
	*out = 0;
	if ((rc = pl_wf_str(s->body, key, PL_TIME_LEN, false, &t, v)) != PL_OK)
		return rc;
	if (t == NULL)
		return PL_OK;
	if (pl_time_parse(t, strlen(t), out) != PL_OK)
		return pl_refuse(v, PL_R_BODY_INVALID, "\"%s\" must be a time like 2026-01-31T12:00:00Z", key);
	if (*out <= s->time)
		return pl_refuse(v, PL_R_DATE_PAST, "\"%s\" (%s) must be after the statement's time", key, t);
	return PL_OK;
}

int pl_wf_party_list(const pl_stmt *s, const char *key, size_t max, pl_wf_body *b, pl_refusal *v)
{
	const json_t *a = json_object_get(s->body, key);
	if (!json_is_array(a) || json_array_size(a) == 0 || json_array_size(a) > max)
		return pl_refuse(v, PL_R_BODY_INVALID, "\"%s\" must list 1 to %zu parties", key, max);
	for (size_t i = 0; i < json_array_size(a); i++) {
		const char *p = json_string_value(json_array_get(a, i));
		if (p == NULL || strlen(p) > PL_PARTY_MAX)
			return pl_refuse(v, PL_R_BODY_INVALID, "\"%s\" must list party names", key);
		if (strcmp(p, s->author) == 0)
			return pl_refuse(v, PL_R_SELF_ADDRESSED, "\"%s\" names the author itself", key);
		for (size_t j = 0; j < i; j++)
			if (strcmp(p, b->parties[j]) == 0)
				return pl_refuse(v, PL_R_BODY_INVALID, "\"%s\" names %s twice", key, p);
		b->parties[b->nparties++] = p;
	}
	return PL_OK;
}

