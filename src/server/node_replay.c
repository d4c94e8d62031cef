/*
 * node_replay.c - a running log's engine as its log has it (node_impl.h):
 * resumed from the state the workflow index saved when it belongs to this
 * log, then every published entry since and every staged one, through the
 * one replay (replay/replay.h). An entry the rules refuse is said and
 * counted, and has no effect. Also rebuilds the engine after a failed batch.
 */
#include "server/node_impl.h"

#include "workflow/index.h"

#include <stdlib.h>

static int on_refused(void *ctx, const pl_replay_refused *ref, pl_span entry)
{
	(void)entry;
	pl_node *n = ctx;
	pthread_mutex_lock(&n->mu);
	n->stats.refused_entries++;
	pthread_mutex_unlock(&n->mu);
	pl_node_say(n, "entry %llu of the log breaks the rules (%s: %s); it has no effect", (unsigned long long)ref->index,
		    pl_refusal_name(ref->why.code), ref->why.msg);
	return PL_OK;
}

typedef struct staged_ctx {
	pl_replay *r;
	const pl_replay_hooks *h;
	pl_diag *d;
} staged_ctx;

/* Each staged entry, as pl_log_each_staged hands it over (valid only during the call). */
static int replay_staged(void *ctx, uint64_t index, const uint8_t *entry, size_t n)
{
	(void)index;
	staged_ctx *c = ctx;
	pl_span e = {entry, n};
	return pl_replay_entries(c->r, &e, 1, c->h, c->d);
}

/*
 * The engine as the log has it: resumed from the index's saved state when
 * there is one that belongs to this log, then every published entry since
 * and every staged one through the one replay. An entry the rules refuse is
 * reported and has no effect (mlock held for writing, or not yet shared).
 */
int pl_node_replay_log(pl_node *n, pl_diag *d)
{
	pl_engine_reader rd;
	int rc = pl_engine_reader_open(&rd, &n->eng, n->o.trust_log);
	if (rc != PL_OK)
		return pl_diag_set(d, rc, "out of memory");
	uint64_t size = pl_log_size(n->log);
	pl_buf saved;
	pl_buf_init(&saved, PL_REPLAY_STATE_MAX);
	pl_diag sd = {0};
	if (pl_index_saved_state(n->dir, n->origin, &saved, &sd) == PL_OK &&
	    pl_replay_load(rd.replay, saved.data, saved.len, n->src, size, &sd) != PL_OK)
		pl_node_say(n, "replaying the log from its first entry (%s)", sd.msg);
	pl_buf_release(&saved);
	pthread_mutex_lock(&n->mu);
	n->stats.refused_entries = 0;
	pthread_mutex_unlock(&n->mu);
	size_t nref = 0;
	const pl_replay_refused *ref = pl_replay_refusals(rd.replay, &nref);
	for (size_t i = 0; i < nref; i++)
		(void)on_refused(n, &ref[i], (pl_span){NULL, 0});
	pl_replay_hooks h = {.refused = on_refused, .ctx = n, .threads = n->o.verifiers};
	if ((rc = pl_replay_follow(rd.replay, n->src, size, size, &h, d)) == PL_OK && pl_replay_size(rd.replay) != size)
		rc = pl_diag_set(d, PL_ECORRUPT, "the log's tiles end before its checkpoint (%llu of %llu entries)",
				 (unsigned long long)pl_replay_size(rd.replay), (unsigned long long)size);
	staged_ctx c = {rd.replay, &h, d};
	if (rc == PL_OK) {
		pthread_mutex_lock(&n->logmu);
		rc = pl_log_each_staged(n->log, replay_staged, &c, d);
		pthread_mutex_unlock(&n->logmu);
		if (rc != PL_OK)
			pl_diag_set(d, rc, "replaying the staged entries");
	}
	pl_engine_reader_close(&rd);
	return rc;
}

void pl_node_rebuild_engine(pl_node *n)
{
	pl_diag d = {0};
	/* the log must hold still: no integration moves entries from staged to tiles meanwhile */
	pl_node_hold_integration(n, true);
	pthread_rwlock_wrlock(&n->mlock);
	pl_engine_release(&n->eng);
	pl_engine_init(&n->eng, n->origin);
	n->eng.sealing = !n->o.accept_clear;
	int rc = pl_node_replay_log(n, &d);
	pthread_rwlock_unlock(&n->mlock);
	pl_node_hold_integration(n, false);
	if (rc == PL_OK && pl_node_keys_refresh(n) != PL_OK)
		rc = pl_diag_set(&d, PL_ENOMEM, "out of memory rebuilding the key table");
	if (rc == PL_OK)
		n->broken = false;
	else
		pl_node_say(n, "rebuilding the state from the log failed (%s); refusing statements until restarted",
			    pl_diag_text(&d, rc));
}
