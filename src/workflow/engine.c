/* engine.c - membership and workflow rules in one pass (engine.h). */
#include "workflow/engine.h"

#include <string.h>

void pl_engine_init(pl_engine *e, const char *origin)
{
	pl_members_init(&e->members, origin);
	pl_wf_init(&e->wf);
}

void pl_engine_release(pl_engine *e)
{
	pl_members_release(&e->members);
	pl_wf_release(&e->wf);
}

int pl_engine_type_check(void *ctx, const pl_members *m, const pl_submission *s, pl_refusal *v)
{
	int rc;
	const pl_engine *e = ctx;
	pl_wf_body b;
	if ((rc = pl_wf_parse(&s->st, &b, v)) != PL_OK)
		return rc;
	return pl_wf_check(&e->wf, m, &s->st, &b, v);
}

int pl_engine_check(const pl_engine *e, const pl_admission *a, pl_submission *s, pl_refusal *v)
{
	pl_admission x = *a;
	x.other_types = pl_engine_type_check;
	x.type_ctx = (void *)(uintptr_t)e;
	return pl_admission_check(&e->members, &x, s, v);
}

int pl_engine_apply(pl_engine *e, const pl_submission *s, uint64_t index, pl_wf_effect *ef)
{
	if (ef != NULL)
		*ef = (pl_wf_effect){.type = -1, .case_id = PL_WF_NONE, .request_id = PL_WF_NONE,
				     .ping_id = PL_WF_NONE, .evidence_id = PL_WF_NONE, .finding_id = PL_WF_NONE,
				     .set = -1, .party = -1};
	if (!pl_members_owns_type(s->st.type)) {
		pl_wf_body b;
		pl_refusal v = {0};
		int prc = pl_wf_parse(&s->st, &b, &v);
		if (prc != PL_OK) /* not admitted: a caller's bug, or no memory */
			return prc == PL_ENOMEM ? PL_ENOMEM : PL_EINVAL;
		int rc = pl_wf_apply(&e->wf, &e->members, &s->st, &b, index, ef);
		if (rc != PL_OK)
			return rc;
	}
	return pl_members_apply(&e->members, s, index);
}

int pl_engine_replay(pl_engine *e, const uint8_t *raw, size_t n, uint64_t index, const pl_admission *a,
		     pl_wf_effect *ef, pl_diag *d)
{
	pl_submission s;
	pl_refusal v = {0};
	int rc = PL_OK;
	if (index != pl_engine_size(e))
		return pl_diag_set(d, PL_EINVAL, "entry %llu replayed out of order", (unsigned long long)index);
	if ((rc = pl_submission_parse(raw, n, e->members.origin, a, &s, &v)) != PL_OK ||
	    (rc = pl_engine_check(e, a, &s, &v)) != PL_OK) {
		/* out of memory is no verdict on the entry */
		if (rc == PL_ENOMEM)
			rc = pl_diag_set(d, PL_ENOMEM, "out of memory replaying entry %llu", (unsigned long long)index);
		else
			rc = pl_diag_set(d, PL_ECORRUPT, "entry %llu would not be admitted (%s): %s",
					 (unsigned long long)index, pl_refusal_name(v.code), v.msg);
		goto out;
	}
	if ((rc = pl_engine_apply(e, &s, index, ef)) != PL_OK)
		pl_diag_set(d, rc, "applying entry %llu", (unsigned long long)index);
out:
	pl_submission_release(&s);
	return rc;
}
