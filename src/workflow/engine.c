/* engine.c - membership and workflow rules in one pass (engine.h). */
#include "workflow/engine.h"

#include "base/binenc.h"
#include "workflow/blobs_check.h"

#include <string.h>

void pl_engine_init(pl_engine *e, const char *origin)
{
	pl_members_init(&e->members, origin);
	pl_wf_init(&e->wf);
	e->sealing = false;
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
	int rc;
	if (a->skew >= 0 && (rc = pl_wf_lines_check(&s->st, v)) != PL_OK) /* a new statement: the admission rules */
		return rc;
	pl_admission x = *a;
	x.other_types = pl_engine_type_check;
	x.type_ctx = (void *)(uintptr_t)e;
	if ((rc = pl_admission_check(&e->members, &x, s, v)) != PL_OK || a->skew < 0)
		return rc;
	/* a new statement the rules admit: its blobs are on the server */
	if ((rc = pl_wf_blobs_check(&s->st, &e->members, a, v)) != PL_OK || !e->sealing || pl_members_owns_type(s->st.type))
		return rc;
	pl_wf_body b;
	if ((rc = pl_wf_parse(&s->st, &b, v)) != PL_OK) /* admitted above: only PL_ENOMEM */
		return rc;
	return pl_wf_sealing_check(&e->wf, &e->members, &s->st, &b, v);
}

int pl_engine_apply(pl_engine *e, const pl_submission *s, uint64_t index, pl_wf_effect *ef)
{
	if (ef != NULL)
		*ef = (pl_wf_effect){.type = -1, .case_id = PL_WF_NONE, .request_id = PL_WF_NONE,
				     .ping_id = PL_WF_NONE, .evidence_id = PL_WF_NONE, .finding_id = PL_WF_NONE, .group_id = PL_WF_NONE, .session_id = PL_WF_NONE, .outcome_id = PL_WF_NONE,
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

int pl_engine_admit(pl_engine *e, const pl_admission *a, pl_submission *s, uint64_t index, pl_wf_effect *ef,
		    pl_refusal *v)
{
	int rc = pl_engine_check(e, a, s, v);
	if (rc != PL_OK)
		return rc;
	rc = pl_engine_apply(e, s, index, ef);
	return rc == PL_OK || rc == PL_ENOMEM ? rc : PL_ENOMEM; /* a check that passed never fails to apply */
}

void pl_engine_skip(pl_engine *e, uint64_t index)
{
	e->members.size = index + 1;
}

int pl_engine_save(const pl_engine *e, pl_buf *out)
{
	size_t at = out->len;
	int rc = pl_members_save(&e->members, out);
	if (rc == PL_OK)
		rc = pl_wf_save(&e->wf, out);
	if (rc != PL_OK)
		pl_buf_truncate(out, at);
	return rc;
}

int pl_engine_load(pl_engine *e, const uint8_t *p, size_t n)
{
	pl_dec d = pl_dec_of(p, n);
	int rc = pl_members_load(&e->members, &d);
	if (rc == PL_OK)
		rc = pl_wf_load(&e->wf, &d);
	if (rc == PL_OK)
		rc = pl_dec_end(&d);
	if (rc != PL_OK) {
		char origin[sizeof e->members.origin];
		memcpy(origin, e->members.origin, sizeof origin);
		bool sealing = e->sealing;
		pl_engine_release(e);
		pl_engine_init(e, origin);
		e->sealing = sealing;
	}
	return rc;
}

/* ---- the engine as the state of a replay ---- */

static int reader_parse(void *state, const uint8_t *entry, size_t n, uint64_t index, void *item, pl_refusal *r)
{
	(void)index;
	pl_engine_reader *rd = state;
	pl_submission *s = item;
	int rc = pl_submission_parse(entry, n, rd->e->members.origin, &rd->a, s, r);
	if (rc == PL_OK && !rd->a.trust_signatures)
		pl_submission_preverify(&rd->e->members, s); /* the registry is read-only while chunks parse */
	return rc;
}

static int reader_apply(void *state, uint64_t index, void *item, void *effect, pl_refusal *r)
{
	pl_engine_reader *rd = state;
	return pl_engine_admit(rd->e, &rd->a, item, index, effect, r);
}

static void reader_skip(void *state, uint64_t index)
{
	pl_engine_reader *rd = state;
	pl_engine_skip(rd->e, index);
}

static void reader_release(void *item)
{
	pl_submission_release(item);
}

static uint64_t reader_size(const void *state)
{
	const pl_engine_reader *rd = state;
	return pl_engine_size(rd->e);
}

static int reader_save(const void *state, pl_buf *out)
{
	const pl_engine_reader *rd = state;
	return pl_engine_save(rd->e, out);
}

static int reader_load(void *state, const uint8_t *p, size_t n)
{
	pl_engine_reader *rd = state;
	return pl_engine_load(rd->e, p, n);
}

static const pl_replay_ops READER_OPS = {
	.item_size = sizeof(pl_submission),
	.effect_size = sizeof(pl_wf_effect),
	.parse = reader_parse,
	.apply = reader_apply,
	.skip = reader_skip,
	.release = reader_release,
	.size = reader_size,
	.save = reader_save,
	.load = reader_load,
};

int pl_engine_reader_open(pl_engine_reader *rd, pl_engine *e, bool trust_signatures)
{
	memset(rd, 0, sizeof *rd);
	rd->e = e;
	rd->a.skew = -1;
	rd->a.trust_signatures = trust_signatures;
	int rc = pl_replay_new(&READER_OPS, rd, &rd->replay);
	if (rc != PL_OK)
		return rc;
	rd->a.leaf = pl_replay_leaf;
	rd->a.leaf_ctx = rd->replay;
	return PL_OK;
}

void pl_engine_reader_close(pl_engine_reader *rd)
{
	pl_replay_free(rd->replay);
	rd->replay = NULL;
}
