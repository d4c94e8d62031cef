/*
 * engine.h - membership and workflow together: everything a log's entries
 * must satisfy, checked and applied in order. The server admits through it,
 * the monitor and `parley reindex` replay through it, so all three hold the
 * same rules.
 */
#ifndef PARLEY_WORKFLOW_ENGINE_H
#define PARLEY_WORKFLOW_ENGINE_H

#include "statement/members.h"
#include "workflow/state.h"

typedef struct pl_engine {
	pl_members members;
	pl_wf wf;
} pl_engine;

void pl_engine_init(pl_engine *e, const char *origin);
void pl_engine_release(pl_engine *e);

/* The log's size the engine has applied. */
static inline uint64_t pl_engine_size(const pl_engine *e)
{
	return e->members.size;
}

/*
 * Every check a submission must pass given the log so far (a's own
 * other_types is ignored: the workflow's rules are used). PL_OK or -1 with v.
 */
int pl_engine_check(const pl_engine *e, const pl_admission *a, pl_submission *s, pl_refusal *v);

/* Records an admitted submission at index (== pl_engine_size). Fills *ef if
 * not NULL (type -1 for membership statements). PL_ENOMEM only. */
int pl_engine_apply(pl_engine *e, const pl_submission *s, uint64_t index, pl_wf_effect *ef)
	__attribute__((warn_unused_result));

/*
 * Parses, checks and applies one entry of an existing log (a->skew -1 for
 * old entries). PL_ECORRUPT with the refusal in d if the entry breaks a rule.
 */
int pl_engine_replay(pl_engine *e, const uint8_t *raw, size_t n, uint64_t index, const pl_admission *a,
		     pl_wf_effect *ef, pl_diag *d) __attribute__((warn_unused_result));

/* A pl_type_fn checking workflow types against the engine ctx (for callers
 * that run pl_admission_check themselves). */
int pl_engine_type_check(void *ctx, const pl_members *m, const pl_submission *s, pl_refusal *v);

#endif
