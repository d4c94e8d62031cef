/*
 * monitor_impl.h - what the parts of a monitor share (not part of monitor.h):
 *   monitor.c           opening the mirror, a round, fork proofs kept;
 *   monitor_mirror.c    the engine (resumed from its saved replay state),
 *                       new entries verified through the one replay and
 *                       staged, refused entries kept with a proof file;
 *   monitor_result.c    the sentences a round reports;
 *   monitor_follow.c    fetching the log's new entry bundles ahead and
 *                       staging them chunk by chunk;
 *   monitor_evidence.c  comparing checkpoints (the log's, the mirror's, the
 *                       witnesses') and turning two that cannot both be true
 *                       into a fork proof.
 */
#ifndef PARLEY_MONITOR_MONITOR_IMPL_H
#define PARLEY_MONITOR_MONITOR_IMPL_H

#include "monitor/monitor.h"

#include "store/log.h"
#include "store/source.h"
#include "workflow/engine.h"

#include <limits.h>

struct pl_monitor {
	pl_monitor_opts o;
	char dir[PATH_MAX];
	pl_log *mirror;
	pl_source *local;      /* the mirror directory, for its tiles */
	pl_source *remote;     /* the log */
	pl_engine eng;         /* membership and workflow state replayed so far (published + staged) */
	pl_engine_reader rd;   /* the replay of eng */
	bool have_rd;
	uint64_t saved;        /* size of the replay state saved in the mirror (0: none) */
	size_t reported;       /* refusals already reported (pl_replay_refusals order) */
};

/* Adds a sentence to r and raises r->finding to kind if it is worse. */
void pl_monitor_finding(pl_monitor_result *r, int kind, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* A fresh engine as the mirror has it (monitor_mirror.c): resumed from the saved state, then the
 * mirror's entries since. */
int pl_monitor_load_engine(pl_monitor *m, pl_diag *d) __attribute__((warn_unused_result));

/* Verifies n new entries (the first at the mirror's staged size) through the replay and stages them
 * all, refused ones included (they are in the log). On failure the engine is rebuilt. */
int pl_monitor_verify_and_stage(pl_monitor *m, const pl_span *entries, size_t n, pl_monitor_result *r, pl_diag *d)
	__attribute__((warn_unused_result));

/* After the mirror published a checkpoint: reports the refusals found meanwhile (with a proof file
 * each) and saves the replay state when due. */
void pl_monitor_published(pl_monitor *m, pl_monitor_result *r);

/* Forgets what is staged and rebuilds the engine from the mirror (after a mismatch or a failure). */
int pl_monitor_reset(pl_monitor *m, pl_diag *d) __attribute__((warn_unused_result));

/* Downloads, verifies and stages every entry up to the checkpoint cp (note: its signed bytes), and
 * publishes it in the mirror if the entries make its tree (monitor_follow.c). */
int pl_monitor_follow(pl_monitor *m, const pl_checkpoint *cp, pl_span note, pl_monitor_result *r, pl_diag *d)
	__attribute__((warn_unused_result));

/* monitor_evidence.c: the mirror's checkpoint against a smaller, an equal or a larger one. */
void pl_monitor_compare_smaller(pl_monitor *m, const pl_checkpoint *b, pl_span bnote, const char *who,
				pl_monitor_result *r);
void pl_monitor_same_size(pl_monitor *m, pl_span bnote, const char *who, pl_monitor_result *r);
bool pl_monitor_extends(pl_monitor *m, const pl_checkpoint *cp, pl_span note, pl_monitor_result *r);
void pl_monitor_analyse_mismatch(pl_monitor *m, const pl_checkpoint *cp, pl_span note, pl_monitor_result *r);
void pl_monitor_ask_witnesses(pl_monitor *m, pl_monitor_result *r);

/* A checkpoint signed by the log (whatever its cosignatures) against the mirror: a fork proof when
 * the two cannot both be true, nothing otherwise. */
void pl_monitor_contradiction(pl_monitor *m, const pl_checkpoint *cp, pl_span note, const char *who,
			      pl_monitor_result *r);

#endif
