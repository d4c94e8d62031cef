/* types.c - workflow statement types: body checks. */
#include "workflow/types.h"

#include "base/json.h"

#include <string.h>

static int keys(const json_t *body, const char *const *allowed, const char *const *required, pl_verdict *v)
{
	pl_diag d = {0};
	if (pl_json_keys(body, allowed, required, "the body", &d) != PL_OK)
		return pl_refuse(v, 422, "body_invalid", "%s", d.msg);
	return PL_OK;
}

static int check_ping(const pl_members *m, const json_t *body, pl_verdict *v)
{
	static const char *const allowed[] = {"to", "note", NULL};
	if (keys(body, allowed, NULL, v) != PL_OK)
		return -1;
	pl_diag d = {0};
	const char *note;
	if (pl_json_str_opt(body, "note", 512, &note, &d) != PL_OK)
		return pl_refuse(v, 422, "body_invalid", "%s", d.msg);
	json_t *to = json_object_get(body, "to");
	if (to != NULL) {
		if (!json_is_array(to) || json_array_size(to) == 0 || json_array_size(to) > 64)
			return pl_refuse(v, 422, "body_invalid", "\"to\" must list 1 to 64 parties");
		size_t i;
		json_t *p;
		json_array_foreach(to, i, p)
		{
			if (!json_is_string(p) || pl_members_get(m, json_string_value(p)) == NULL)
				return pl_refuse(v, 422, "unknown_party", "\"to\" names someone who is not a member");
		}
	}
	return PL_OK;
}

static int check_pong(const pl_submission *s, pl_verdict *v)
{
	static const char *const allowed[] = {"ping", NULL};
	if (keys(s->st.body, allowed, allowed, v) != PL_OK)
		return -1;
	int64_t idx;
	pl_diag d = {0};
	if (pl_json_int(s->st.body, "ping", 0, (int64_t)(PL_TREE_MAX - 1), &idx, &d) != PL_OK)
		return pl_refuse(v, 422, "body_invalid", "%s", d.msg);
	if (!pl_stmt_has_ref(&s->st, (uint64_t)idx, NULL))
		return pl_refuse(v, 422, "ref_missing", "the ping answered (entry %lld) must be listed in refs",
				 (long long)idx);
	return PL_OK;
}

int pl_workflow_check(void *ctx, const pl_members *m, const pl_submission *s, pl_verdict *v)
{
	(void)ctx;
	const char *t = s->st.type;
	if (strcmp(t, "ping") == 0)
		return check_ping(m, s->st.body, v);
	if (strcmp(t, "pong") == 0)
		return check_pong(s, v);
	return pl_refuse(v, 400, "type_unknown", "unknown statement type \"%s\"", t);
}
