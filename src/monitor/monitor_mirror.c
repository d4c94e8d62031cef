/*
 * monitor_mirror.c - a monitor's engine and what it keeps in its mirror
 * (monitor_impl.h): the engine replayed through the one replay and resumed
 * from its saved state, new entries verified and staged, refused entries
 * reported with a proof file.
 *
 * The replay's state is saved in the mirror (private/replay.state, replaced
 * atomically) whenever the mirror has published a checkpoint and grown by a
 * quarter since the last save, so a restarted monitor resumes from there
 * instead of replaying its whole mirror. Crash states: the file holds the
 * old state or the new one, both for a size the mirror has published; a
 * state that does not load (or is for another history) is ignored and the
 * mirror replayed from its first entry.
 *
 * An entry the rules refuse is staged and mirrored like any other (it is in
 * the log), has no effect on the state, and is reported once, with a proof
 * file of the entry (DIR/private/refused/INDEX.tlog-proof) against the
 * checkpoint that first included it.
 */
#include "monitor/monitor_impl.h"

#include "base/fsio.h"
#include "store/logdir.h"
#include "store/published.h"
#include "tlog/proof_file.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The replay state is saved no more often than every SAVE_MIN entries. */
#define SAVE_MIN 256

static void save_state(pl_monitor *m)
{
	uint64_t size = pl_replay_size(m->rd.replay), step = m->saved / 4;
	if (size != pl_log_size(m->mirror) || size - m->saved < (step > SAVE_MIN ? step : SAVE_MIN))
		return;
	pl_buf b;
	pl_buf_init(&b, PL_REPLAY_STATE_MAX);
	char path[PATH_MAX], tmp[PATH_MAX + 32];
	if (pl_replay_save(m->rd.replay, &b) == PL_OK &&
	    pl_logdir_path(m->dir, PL_LOGFILE_REPLAY_STATE, path, NULL) == PL_OK &&
	    snprintf(tmp, sizeof tmp, "%s.%ld.tmp", path, (long)getpid()) < (int)sizeof tmp &&
	    pl_fs_replace(path, tmp, b.data, b.len, 0600, NULL) == PL_OK)
		m->saved = size;
	pl_buf_release(&b);
}

/* Each staged entry of the mirror, as pl_log_each_staged hands it over. */
typedef struct staged_ctx {
	pl_monitor *m;
	pl_diag *d;
} staged_ctx;

static int replay_staged(void *ctx, uint64_t index, const uint8_t *e, size_t n)
{
	(void)index;
	staged_ctx *c = ctx;
	pl_span s = {e, n};
	return pl_replay_entries(c->m->rd.replay, &s, 1, NULL, c->d);
}

/*
 * A fresh engine as the mirror has it: resumed from the saved state when it
 * loads, then the mirror's published and staged entries since, without
 * checking signatures again (the mirror holds only what was verified).
 */
int pl_monitor_load_engine(pl_monitor *m, pl_diag *d)
{
	if (m->have_rd) {
		pl_engine_reader_close(&m->rd);
		m->have_rd = false;
	}
	pl_engine_release(&m->eng);
	pl_engine_init(&m->eng, m->o.policy.log.name);
	int rc = pl_engine_reader_open(&m->rd, &m->eng, true);
	if (rc != PL_OK)
		return pl_diag_set(d, rc, "out of memory");
	m->have_rd = true;
	m->saved = 0;
	uint64_t size = pl_log_size(m->mirror);
	char path[PATH_MAX];
	pl_buf b;
	pl_buf_init(&b, PL_REPLAY_STATE_MAX);
	if (pl_logdir_path(m->dir, PL_LOGFILE_REPLAY_STATE, path, NULL) == PL_OK &&
	    pl_fs_read(path, PL_REPLAY_STATE_MAX, &b, NULL) == PL_OK &&
	    pl_replay_load(m->rd.replay, b.data, b.len, m->local, size, NULL) == PL_OK)
		m->saved = pl_replay_size(m->rd.replay);
	pl_buf_release(&b);
	if ((rc = pl_replay_follow(m->rd.replay, m->local, size, size, NULL, d)) == PL_OK &&
	    pl_replay_size(m->rd.replay) != size)
		rc = pl_diag_set(d, PL_ECORRUPT, "the mirror's bundles end before its checkpoint");
	staged_ctx c = {m, d};
	if (rc == PL_OK && (rc = pl_log_each_staged(m->mirror, replay_staged, &c, d)) != PL_OK)
		pl_diag_set(d, rc, "replaying the mirror's staged entries");
	size_t n;
	(void)pl_replay_refusals(m->rd.replay, &n);
	m->reported = n; /* reported when they were first seen */
	m->rd.a.trust_signatures = false; /* what comes from the log from now on is checked */
	return rc;
}

int pl_monitor_reset(pl_monitor *m, pl_diag *d)
{
	(void)!pl_log_drop_staged(m->mirror, NULL);
	return m->have_rd ? pl_monitor_load_engine(m, d) : PL_OK; /* not loaded: loaded as the mirror is when needed */
}

int pl_monitor_verify_and_stage(pl_monitor *m, const pl_span *entries, size_t n, pl_monitor_result *r, pl_diag *d)
{
	(void)r;
	int rc;
	if (!m->have_rd && (rc = pl_monitor_load_engine(m, d)) != PL_OK)
		return rc;
	pl_replay_hooks h = {.threads = m->o.threads};
	pl_replay_set_source(m->rd.replay, m->local, pl_log_size(m->mirror));
	rc = pl_replay_entries(m->rd.replay, entries, n, &h, d);
	uint64_t at;
	if (rc == PL_OK)
		rc = pl_log_stage(m->mirror, entries, n, &at, d);
	if (rc != PL_OK) {
		/* the engine may be ahead of the mirror: as the mirror has it again */
		pl_diag rd = {0};
		if (pl_monitor_load_engine(m, &rd) != PL_OK)
			pl_diag_set(d, rc, "%s (and rebuilding the engine failed: %s)", pl_strerror(rc), rd.msg);
	}
	return rc;
}

/* A proof file of entry index against the mirror's checkpoint, kept in private/refused/. */
static int keep_refused(pl_monitor *m, uint64_t index, char path[PATH_MAX])
{
	char dir[PATH_MAX], tmp[PATH_MAX];
	pl_buf b;
	pl_buf_init(&b, PL_PROOF_FILE_MAX);
	int rc = pl_published_prove(m->local, &m->o.policy, index, &b, NULL);
	if (rc == PL_OK && (rc = pl_logdir_path(m->dir, PL_LOGFILE_REFUSED, dir, NULL)) == PL_OK &&
	    (rc = pl_fs_mkdirs(dir, 0700, NULL)) == PL_OK) {
		if (snprintf(path, PATH_MAX, "%s/%llu.tlog-proof", dir, (unsigned long long)index) >= PATH_MAX ||
		    snprintf(tmp, sizeof tmp, "%s/.%llu.tmp", dir, (unsigned long long)index) >= (int)sizeof tmp)
			rc = PL_ETOOBIG;
		else
			rc = pl_fs_replace(path, tmp, b.data, b.len, 0644, NULL);
	}
	pl_buf_release(&b);
	return rc;
}

void pl_monitor_published(pl_monitor *m, pl_monitor_result *r)
{
	if (!m->have_rd)
		return; /* nothing new was verified: nothing to report or save */
	size_t n;
	const pl_replay_refused *ref = pl_replay_refusals(m->rd.replay, &n);
	for (; m->reported < n; m->reported++) {
		const pl_replay_refused *e = &ref[m->reported];
		char path[PATH_MAX];
		bool kept = keep_refused(m, e->index, path) == PL_OK;
		pl_monitor_finding(r, PL_FINDING_PROBLEM,
				   "entry %llu is one the rules refuse (%s: %s); it has no effect%s%s.",
				   (unsigned long long)e->index, pl_refusal_name(e->why.code), e->why.msg,
				   kept ? "; proof: " : "", kept ? path : "");
		r->refused++;
	}
	save_state(m);
}
