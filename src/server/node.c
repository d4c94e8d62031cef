/*
 * node.c - a running log's life (node.h, node_impl.h): opening the log and
 * replaying it into the engine (resuming from the index's saved state when
 * there is one), starting the threads, stopping them and closing; and the
 * few helpers every part of the node shares.
 */
#include "server/node_impl.h"

#include "base/fsio.h"
#include "base/thread.h"
#include "base/timefmt.h"
#include "store/logdir.h"
#include "tlog/proof_file.h"
#include "workflow/index.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void pl_node_opts_default(pl_node_opts *o)
{
	memset(o, 0, sizeof *o);
	o->skew = 300;
	o->batch_ms = 20;
	o->batch_max = 4096;
	o->queue_max = 20000;
	o->verifiers = pl_cpus();
	o->wait_ms = 30000;
}

void pl_node_result_init(pl_node_result *r)
{
	memset(r, 0, sizeof *r);
	pl_buf_init(&r->acceptance, PL_NOTE_MAX);
	pl_buf_init(&r->receipt, PL_PROOF_FILE_MAX);
}

void pl_node_result_release(pl_node_result *r)
{
	pl_buf_release(&r->acceptance);
	pl_buf_release(&r->receipt);
}

void pl_node_say(const pl_node *n, const char *fmt, ...)
{
	if (n->o.log == NULL)
		return;
	char msg[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	n->o.log(n->o.log_ctx, msg);
}

size_t pl_node_queue_depth(const pl_node *n)
{
	/* the sequencer is the only writer of the log, so it refreshes n->unpublished itself */
	return n->in.n + n->verified.n + n->unpublished;
}

void pl_node_fail_locked(pl_node *n, job *j, int err, const pl_refusal *v)
{
	j->res->err = err == PL_EREFUSED ? PL_EREFUSED : PL_ENOMEM;
	if (j->res->err == PL_EREFUSED)
		j->res->refusal = *v;
	else
		snprintf(j->res->msg, sizeof j->res->msg, "%s", v->msg[0] ? v->msg : "the server is out of memory");
	j->res->retry = j->res->err != PL_EREFUSED || pl_refusal_retryable(v->code);
	j->state = JOB_DONE;
	n->stats.refused++;
	const char *code = j->res->err == PL_EREFUSED ? pl_refusal_name(v->code) : "no_memory";
	size_t i = 0;
	for (; i < n->nrefusals; i++)
		if (strcmp(n->refusals[i].code, code) == 0)
			break;
	if (i == n->nrefusals && n->nrefusals < NODE_REFUSAL_CODES)
		n->refusals[n->nrefusals++].code = code;
	if (i < NODE_REFUSAL_CODES)
		n->refusals[i].count++;
}

int pl_node_leaf_of(void *ctx, uint64_t index, pl_hash *out)
{
	pl_node *n = ctx; /* called by the sequencer: the log's size and staged leaves are stable */
	uint64_t size = pl_log_size(n->log);
	if (index >= size) {
		if (index - size < n->nstaged) {
			*out = n->staged_leaves[index - size];
			return PL_OK;
		}
		return PL_ERANGE;
	}
	return pl_source_leaf(n->src, size, index, out);
}

void pl_node_admission(pl_node *n, pl_admission *a)
{
	memset(a, 0, sizeof *a);
	a->now = pl_now();
	a->skew = n->o.skew;
	a->leaf = pl_node_leaf_of;
	a->leaf_ctx = n;
	a->other_types = pl_engine_type_check;
	a->type_ctx = &n->eng;
}

/* ---- the engine, replayed from the log ---- */

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
static int replay_log(pl_node *n, pl_diag *d)
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
	if (rc == PL_OK && (rc = pl_log_each_staged(n->log, replay_staged, &c, d)) != PL_OK)
		pl_diag_set(d, rc, "replaying the staged entries");
	pl_engine_reader_close(&rd);
	return rc;
}

void pl_node_rebuild_engine(pl_node *n)
{
	pl_diag d = {0};
	pthread_rwlock_wrlock(&n->mlock);
	pl_engine_release(&n->eng);
	pl_engine_init(&n->eng, n->origin);
	int rc = replay_log(n, &d);
	pthread_rwlock_unlock(&n->mlock);
	if (rc == PL_OK)
		n->broken = false;
	else
		pl_node_say(n, "rebuilding the state from the log failed (%s); refusing statements until restarted",
			    pl_diag_text(&d, rc));
}

/* ---- lifecycle ---- */

/* Stops and joins every thread that was started. */
static void stop_threads(pl_node *n)
{
	pthread_mutex_lock(&n->mu);
	n->stop = true;
	pthread_cond_broadcast(&n->in_cv);
	pthread_cond_broadcast(&n->seq_cv);
	pthread_cond_broadcast(&n->cosign_cv);
	pthread_cond_broadcast(&n->index_cv);
	pthread_mutex_unlock(&n->mu);
	for (size_t i = 0; i < n->nver; i++)
		pl_thread_join(n->ver_threads[i]);
	n->nver = 0;
	if (n->sequencing)
		pl_thread_join(n->seq_thread);
	if (n->cosigning)
		pl_thread_join(n->cosign_thread);
	if (n->indexing)
		pl_thread_join(n->index_thread);
	n->sequencing = n->cosigning = n->indexing = false;
}

static void free_node(pl_node *n)
{
	pl_engine_release(&n->eng);
	pl_source_free(n->src);
	pl_log_close(n->log);
	pl_buf_release(&n->checkpoint);
	pl_buf_release(&n->latest);
	free(n->staged_leaves);
	free(n->buckets);
	pthread_rwlock_destroy(&n->mlock);
	pthread_mutex_destroy(&n->mu);
	pthread_mutex_destroy(&n->logmu);
	pthread_cond_destroy(&n->in_cv);
	pthread_cond_destroy(&n->seq_cv);
	pthread_cond_destroy(&n->done_cv);
	pthread_cond_destroy(&n->cosign_cv);
	pthread_cond_destroy(&n->index_cv);
	free(n);
}

/* Until the first cosigning round, serves what the checkpoint file holds (cosigned, perhaps). */
static void publish_first(pl_node *n)
{
	pl_span cp = pl_log_checkpoint(n->log);
	n->latest_size = pl_log_size(n->log);
	(void)!pl_buf_append(&n->latest, cp.p, cp.n);
	pl_buf file;
	pl_buf_init(&file, PL_NOTE_MAX);
	char path[PATH_MAX];
	bool have = n->o.nwitnesses > 0 && pl_logdir_path(n->dir, PL_LOGFILE_CHECKPOINT, path, NULL) == PL_OK &&
		    pl_fs_read(path, PL_NOTE_MAX, &file, NULL) == PL_OK;
	pl_node_publish_locked(n, have ? file.data : cp.p, have ? file.len : cp.n, n->latest_size);
	pl_buf_release(&file);
}

int pl_node_open(const char *dir, const pl_node_opts *o, pl_node **out, pl_diag *d)
{
	*out = NULL;
	pl_node *n = calloc(1, sizeof *n);
	if (n == NULL)
		return pl_diag_set(d, PL_ENOMEM, "out of memory");
	n->o = *o;
	if (n->o.batch_max == 0)
		n->o.batch_max = 1;
	if (n->o.verifiers == 0)
		n->o.verifiers = 1;
	if (n->o.verifiers > PL_THREADS_MAX)
		n->o.verifiers = PL_THREADS_MAX;
	if (n->o.witness_ms == 0)
		n->o.witness_ms = 1000;
	snprintf(n->dir, sizeof n->dir, "%s", dir);
	pthread_rwlock_init(&n->mlock, NULL);
	pthread_mutex_init(&n->mu, NULL);
	pthread_mutex_init(&n->logmu, NULL);
	pl_cond_init_mono(&n->in_cv);
	pl_cond_init_mono(&n->seq_cv);
	pl_cond_init_mono(&n->done_cv);
	pl_cond_init_mono(&n->cosign_cv);
	pl_cond_init_mono(&n->index_cv);
	pl_buf_init(&n->checkpoint, PL_NOTE_MAX);
	pl_buf_init(&n->latest, PL_NOTE_MAX);
	int rc = pl_log_open(dir, &n->log, d);
	if (rc == PL_OK)
		rc = pl_source_open_dir(dir, &n->src, d);
	if (rc != PL_OK)
		goto fail;
	snprintf(n->origin, sizeof n->origin, "%s", pl_log_verifier(n->log)->name);
	pl_engine_init(&n->eng, n->origin);
	publish_first(n);
	if (n->o.nwitnesses > 0)
		pl_log_checkpoint_by_caller(n->log, true);
	if ((rc = replay_log(n, d)) != PL_OK)
		goto fail;
	if (n->o.nwitnesses > 0) {
		if ((rc = pl_thread_start(&n->cosign_thread, pl_node_cosigner, n)) != PL_OK) {
			pl_diag_set(d, rc, "cannot start the cosigning thread");
			goto stop;
		}
		n->cosigning = true;
	}
	if ((rc = pl_thread_start(&n->index_thread, pl_node_indexer, n)) != PL_OK) {
		pl_diag_set(d, rc, "cannot start the index thread");
		goto stop;
	}
	n->indexing = true;
	if ((rc = pl_thread_start(&n->seq_thread, pl_node_sequencer, n)) != PL_OK) {
		pl_diag_set(d, rc, "cannot start the sequencer thread");
		goto stop;
	}
	n->sequencing = true;
	for (; n->nver < n->o.verifiers; n->nver++)
		if (pl_thread_start(&n->ver_threads[n->nver], pl_node_verifier, n) != PL_OK)
			break;
	if (n->nver == 0) {
		rc = pl_diag_set(d, PL_ENOMEM, "cannot start verifier threads");
		goto stop;
	}
	*out = n;
	return PL_OK;
stop:
	stop_threads(n);
fail:
	free_node(n);
	return rc;
}

void pl_node_close(pl_node *n)
{
	if (n == NULL)
		return;
	stop_threads(n);
	/* whatever is still queued is answered 503; waiters keep their acceptance */
	pthread_mutex_lock(&n->mu);
	pl_refusal v;
	(void)pl_refuse(&v, PL_R_SHUTTING_DOWN, "the server is shutting down");
	job *j;
	while ((j = pl_node_queue_pop(&n->in)) != NULL)
		pl_node_fail_locked(n, j, PL_EREFUSED, &v);
	while ((j = pl_node_queue_pop(&n->verified)) != NULL)
		pl_node_fail_locked(n, j, PL_EREFUSED, &v);
	for (j = n->waiting; j != NULL; j = j->next) {
		/* signed here, while the log is open, not by the submitter */
		pl_node_acceptance(n, j->res->index, &j->res->leaf, &j->res->acceptance);
		j->state = JOB_DONE;
	}
	n->waiting = NULL;
	pthread_cond_broadcast(&n->done_cv);
	pthread_mutex_unlock(&n->mu);
	/* submitters still inside pl_node_submit must be gone before this;
	 * the HTTP layer stops its daemon first */
	free_node(n);
}
