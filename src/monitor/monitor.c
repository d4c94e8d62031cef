/*
 * monitor.c - following a log and holding it to account (monitor.h,
 * monitor_impl.h): the verified mirror, the engine replayed through the one
 * replay and resumed from its saved state, a round.
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
#include "base/thread.h"
#include "client/http_source.h"
#include "store/logdir.h"
#include "store/published.h"
#include "tlog/fork.h"
#include "tlog/proof_file.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* The replay state is saved no more often than every SAVE_MIN entries. */
#define SAVE_MIN 4096

void pl_monitor_result_init(pl_monitor_result *r)
{
	memset(r, 0, sizeof *r);
	pl_buf_init(&r->fork_proof, PL_FORK_PROOF_MAX);
}

void pl_monitor_result_release(pl_monitor_result *r)
{
	pl_buf_release(&r->fork_proof);
}

void pl_monitor_finding(pl_monitor_result *r, int kind, const char *fmt, ...)
{
	if (kind > r->finding)
		r->finding = kind;
	size_t n = strlen(r->message);
	if (n > 0 && n + 2 < sizeof r->message) {
		r->message[n++] = ' ';
		r->message[n] = '\0';
	}
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(r->message + n, sizeof r->message - n, fmt, ap);
	va_end(ap);
}

/* ---- the engine and its saved state ---- */

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
static int load_engine(pl_monitor *m, pl_diag *d)
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
	return load_engine(m, d);
}

int pl_monitor_verify_and_stage(pl_monitor *m, const pl_span *entries, size_t n, pl_monitor_result *r, pl_diag *d)
{
	(void)r;
	pl_replay_hooks h = {.threads = m->o.threads};
	pl_replay_set_source(m->rd.replay, m->local, pl_log_size(m->mirror));
	int rc = pl_replay_entries(m->rd.replay, entries, n, &h, d);
	uint64_t at;
	if (rc == PL_OK)
		rc = pl_log_stage(m->mirror, entries, n, &at, d);
	if (rc != PL_OK) {
		/* the engine may be ahead of the mirror: as the mirror has it again */
		pl_diag rd = {0};
		if (load_engine(m, &rd) != PL_OK)
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
	}
	save_state(m);
}

int pl_monitor_keep_fork(pl_monitor *m, const pl_monitor_result *r, char path[PATH_MAX], pl_diag *d)
{
	char dir[PATH_MAX], tmp[PATH_MAX];
	path[0] = '\0';
	if (r->finding != PL_FINDING_FORK || r->fork_proof.len == 0)
		return pl_diag_set(d, PL_EINVAL, "no fork proof to keep");
	int rc = pl_logdir_path(m->dir, PL_LOGFILE_FORKS, dir, d);
	if (rc == PL_OK && (rc = pl_fs_mkdirs(dir, 0755, d)) == PL_OK) {
		if (snprintf(path, PATH_MAX, "%s/fork-%lld.proof", dir, (long long)time(NULL)) >= PATH_MAX ||
		    snprintf(tmp, sizeof tmp, "%s.tmp", path) >= (int)sizeof tmp)
			rc = pl_diag_set(d, PL_ETOOBIG, "the path of %s is too long", dir);
		else
			rc = pl_fs_replace(path, tmp, r->fork_proof.data, r->fork_proof.len, 0644, d);
	}
	if (rc != PL_OK)
		path[0] = '\0';
	return rc;
}

/* ---- opening ---- */

int pl_monitor_open(const pl_monitor_opts *o, pl_monitor **out, pl_diag *d)
{
	*out = NULL;
	pl_monitor *m = calloc(1, sizeof *m);
	if (m == NULL)
		return pl_diag_set(d, PL_ENOMEM, "out of memory");
	m->o = *o;
	if (m->o.threads == 0)
		m->o.threads = pl_cpus();
	if (m->o.chunk == 0)
		m->o.chunk = 16384;
	snprintf(m->dir, sizeof m->dir, "%s", o->dir);
	m->o.dir = m->dir;
	pl_engine_init(&m->eng, o->policy.log.name);
	int rc = PL_OK;
	if (!pl_logdir_exists(o->dir) && (rc = pl_log_init_mirror(o->dir, &o->policy.log, d)) != PL_OK)
		goto fail;
	if ((rc = pl_log_open(o->dir, &m->mirror, d)) != PL_OK)
		goto fail;
	const pl_verifier *v = pl_log_verifier(m->mirror);
	if (strcmp(v->name, o->policy.log.name) != 0 || memcmp(v->pk, o->policy.log.pk, 32) != 0) {
		rc = pl_diag_set(d, PL_EINVAL, "%s mirrors %s, not the log given", o->dir, v->name);
		goto fail;
	}
	if ((rc = pl_source_open_dir(o->dir, &m->local, d)) != PL_OK ||
	    (rc = pl_source_is_url(o->source) ? pl_source_open_url(o->source, !o->no_gzip, &m->remote, d)
					      : pl_source_open_dir(o->source, &m->remote, d)) != PL_OK)
		goto fail;
	if ((rc = load_engine(m, d)) != PL_OK)
		goto fail;
	*out = m;
	return PL_OK;
fail:
	pl_monitor_close(m);
	return rc;
}

void pl_monitor_close(pl_monitor *m)
{
	if (m == NULL)
		return;
	if (m->have_rd)
		pl_engine_reader_close(&m->rd);
	pl_log_close(m->mirror);
	pl_source_free(m->local);
	pl_source_free(m->remote);
	pl_engine_release(&m->eng);
	free(m);
}

/* ---- one round ---- */

int pl_monitor_step(pl_monitor *m, pl_monitor_result *r, pl_diag *d)
{
	pl_buf note;
	pl_buf_init(&note, PL_NOTE_MAX);
	pl_checkpoint cp;
	pl_diag cd = {0};
	int rc = pl_published_checkpoint(m->remote, &m->o.policy, &note, &cp, &cd);
	if (rc == PL_ENOKEY || rc == PL_EVERIFY || rc == PL_EFORMAT) {
		pl_monitor_finding(r, PL_FINDING_PROBLEM, "%s.", cd.msg);
		rc = PL_OK;
		goto witnesses;
	}
	if (rc != PL_OK) {
		pl_diag_set(d, rc, "%s", cd.msg);
		goto out;
	}
	uint64_t size = pl_log_size(m->mirror);
	pl_span ns = pl_buf_span(&note);
	if (cp.size < pl_log_staged(m->mirror) && cp.size >= size)
		(void)!pl_log_drop_staged(m->mirror, NULL); /* the log now shows less than it did */
	if (cp.size < size) {
		pl_monitor_compare_smaller(m, &cp, ns, "the log", r);
	} else if (cp.size == size && size > 0) {
		pl_checkpoint mine;
		pl_span mn = pl_log_checkpoint(m->mirror);
		pl_policy pol;
		pl_policy_init(&pol, &m->o.policy.log);
		if (pl_checkpoint_open(mn.p, mn.n, &pol, &mine, NULL, NULL) == PL_OK && !pl_hash_eq(&mine.root, &cp.root))
			pl_monitor_same_size(m, ns, "the log", r);
		else if (mn.n != ns.n || memcmp(mn.p, ns.p, ns.n) != 0)
			(void)!pl_log_append_mirrored(m->mirror, NULL, 0, ns.p, ns.n, NULL); /* newer cosignatures */
	} else if (pl_monitor_extends(m, &cp, ns, r) && (rc = pl_monitor_follow(m, &cp, ns, r, d)) != PL_OK) {
		goto out;
	}
witnesses:
	pl_monitor_ask_witnesses(m, r);
out:
	r->size = pl_log_size(m->mirror);
	pl_buf_release(&note);
	return rc;
}
