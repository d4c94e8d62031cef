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
	o->integrate_ms = 100;
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
	pthread_cond_broadcast(&n->timer_cv);
	pthread_cond_broadcast(&n->integ_cv);
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
	if (n->timing)
		pl_thread_join(n->timer_thread);
	if (n->integrating_thread)
		pl_thread_join(n->integ_thread);
	n->sequencing = n->cosigning = n->indexing = n->timing = n->integrating_thread = false;
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
	pthread_rwlock_destroy(&n->klock);
	free(n->keys);
	pthread_mutex_destroy(&n->mu);
	pthread_mutex_destroy(&n->logmu);
	pthread_cond_destroy(&n->in_cv);
	pthread_cond_destroy(&n->seq_cv);
	pthread_cond_destroy(&n->left_cv);
	pthread_cond_destroy(&n->timer_cv);
	pthread_cond_destroy(&n->integ_cv);
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
	pthread_rwlock_init(&n->klock, NULL);
	pthread_mutex_init(&n->mu, NULL);
	pthread_mutex_init(&n->logmu, NULL);
	pl_cond_init_mono(&n->in_cv);
	pl_cond_init_mono(&n->seq_cv);
	pl_cond_init_mono(&n->left_cv);
	pl_cond_init_mono(&n->timer_cv);
	pl_cond_init_mono(&n->integ_cv);
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
	n->staged = pl_log_staged(n->log);
	n->integrated = pl_log_size(n->log);
	pl_engine_init(&n->eng, n->origin);
	n->eng.sealing = !n->o.accept_clear;
	publish_first(n);
	if (n->o.nwitnesses > 0)
		pl_log_checkpoint_by_caller(n->log, true);
	if ((rc = pl_node_replay_log(n, d)) != PL_OK)
		goto fail;
	if ((rc = pl_node_keys_refresh(n)) != PL_OK) {
		pl_diag_set(d, rc, "out of memory");
		goto fail;
	}
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
	if ((rc = pl_thread_start(&n->timer_thread, pl_node_timer, n)) != PL_OK) {
		pl_diag_set(d, rc, "cannot start the timer thread");
		goto stop;
	}
	n->timing = true;
	if ((rc = pl_thread_start(&n->integ_thread, pl_node_integrator, n)) != PL_OK) {
		pl_diag_set(d, rc, "cannot start the integrator thread");
		goto stop;
	}
	n->integrating_thread = true;
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

/* Answers every job in q on this thread (mu held; released meanwhile). */
static void finish_all(pl_node *n, queue *q)
{
	job *j;
	while ((j = pl_node_queue_pop(q)) != NULL) {
		j->state = JOB_DONE;
		pthread_mutex_unlock(&n->mu);
		pl_node_finish(n, j);
		pthread_mutex_lock(&n->mu);
	}
}

void pl_node_close(pl_node *n)
{
	if (n == NULL)
		return;
	stop_threads(n);
	/* every thread is gone: what the sequencer staged is published (best effort: the next open
	 * would), then this thread answers what is left. What is still queued
	 * is answered 503; those waiting for a receipt keep the batch acceptance the
	 * sequencer gave them */
	if (n->staged != n->integrated)
		(void)pl_node_integrate(n);
	pthread_mutex_lock(&n->mu);
	pl_refusal v;
	(void)pl_refuse(&v, PL_R_SHUTTING_DOWN, "the server is shutting down");
	job *j;
	while ((j = pl_node_queue_pop(&n->in)) != NULL || (j = pl_node_queue_pop(&n->verified)) != NULL) {
		pl_node_fail_locked(n, j, PL_EREFUSED, &v);
		pl_node_queue_push(&n->finished, j);
	}
	finish_all(n, &n->finished);
	finish_all(n, &n->waiting);
	/* wait for the submitters still inside pl_node_submit_async (each refused at once) to leave */
	while (n->submitters > 0)
		pthread_cond_wait(&n->left_cv, &n->mu);
	pthread_mutex_unlock(&n->mu);
	pl_node_feed_drop(n);
	free_node(n);
}
