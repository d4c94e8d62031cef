/*
 * engine.h - membership and workflow together: everything a log's entries
 * must satisfy, checked and applied in order. The server admits new
 * statements through pl_engine_admit; every reader of a log (the server
 * opening it, the index, `parley reindex`, the monitor) replays it through
 * a pl_engine_reader, which runs the same function inside the one replay
 * (replay/replay.h). A rule checked in one place is checked the same way in
 * all.
 */
#ifndef PARLEY_WORKFLOW_ENGINE_H
#define PARLEY_WORKFLOW_ENGINE_H

#include "replay/replay.h"
#include "statement/members.h"
#include "workflow/state.h"

typedef struct pl_engine {
	pl_members members;
	pl_wf wf;
} pl_engine;

void pl_engine_init(pl_engine *e, const char *origin);
void pl_engine_release(pl_engine *e);

/* The log's size the engine has applied (entries applied or skipped). */
static inline uint64_t pl_engine_size(const pl_engine *e)
{
	return e->members.size;
}

/*
 * Every check a submission must pass given the log so far (a's own
 * other_types is ignored: the workflow's rules are used). PL_OK, PL_EREFUSED
 * with v filled, or PL_ENOMEM (no verdict on the statement).
 *
 * When a->skew >= 0 (the clock is checked: a new statement, not a log
 * replayed) the admission-only rules run too: the clock skew (in
 * pl_submission_parse), the public one-line fields (pl_wf_lines_check,
 * control_character) and, when a->blob is set, the blobs an evidence or a
 * finding names (pl_wf_blobs_check: blob_missing, ...), once every other
 * rule admitted the statement. A replay (a->skew < 0) applies every rule
 * but those, so a log means the same whenever it is read.
 */
int pl_engine_check(const pl_engine *e, const pl_admission *a, pl_submission *s, pl_refusal *v)
	__attribute__((warn_unused_result));

/* Records an admitted submission at index (== pl_engine_size). Fills *ef if
 * not NULL (type -1 for membership statements). PL_ENOMEM only (the state may
 * then be half applied: rebuild it). */
int pl_engine_apply(pl_engine *e, const pl_submission *s, uint64_t index, pl_wf_effect *ef)
	__attribute__((warn_unused_result));

/*
 * pl_engine_check then pl_engine_apply: the one admission of a statement at
 * index. PL_OK (applied), PL_EREFUSED (v filled, nothing applied), PL_ENOMEM
 * (nothing applied when the check ran out of memory; possibly half applied
 * when the application did: rebuild the state).
 */
int pl_engine_admit(pl_engine *e, const pl_admission *a, pl_submission *s, uint64_t index, pl_wf_effect *ef,
		    pl_refusal *v) __attribute__((warn_unused_result));

/* An entry at index (== pl_engine_size) that the rules refused: counted, no effect. */
void pl_engine_skip(pl_engine *e, uint64_t index);

/* A pl_type_fn checking workflow types against the engine ctx (for callers
 * that run pl_admission_check themselves). */
int pl_engine_type_check(void *ctx, const pl_members *m, const pl_submission *s, pl_refusal *v);

/*
 * The engine as bytes (appended to out) and back, for resumable replays.
 * pl_engine_load replaces e's content (e keeps its origin; the bytes must be
 * for it): PL_EFORMAT for bytes that are not an engine's, PL_ENOMEM; on
 * failure e is empty (size 0).
 */
int pl_engine_save(const pl_engine *e, pl_buf *out) __attribute__((warn_unused_result));
int pl_engine_load(pl_engine *e, const uint8_t *p, size_t n) __attribute__((warn_unused_result));

/*
 * A reader of a log: an engine replayed through the one replay with every
 * rule. Entries are old: no clock skew check; with trust_signatures the
 * Ed25519 checks are skipped (a log this process verified before);
 * otherwise signatures are checked on every core against the keys known at
 * each chunk's start and again, in order, when a key changed meanwhile.
 * References are looked up through the replay.
 */
typedef struct pl_engine_reader {
	pl_engine *e;          /* the state (not owned) */
	pl_admission a;        /* how entries are checked */
	pl_replay *replay;     /* owned */
} pl_engine_reader;

/* Opens a reader of e (size 0, or a state loaded with pl_replay_load afterwards). PL_ENOMEM. */
int pl_engine_reader_open(pl_engine_reader *rd, pl_engine *e, bool trust_signatures)
	__attribute__((warn_unused_result));
void pl_engine_reader_close(pl_engine_reader *rd);

#endif
