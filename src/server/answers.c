/*
 * answers.c - how a node answers its submitters (node_impl.h): each job is
 * answered once, by the thread that decided its answer handing it to a
 * worker (pl_node_finished_locked), which builds its receipt, signs its
 * acceptance and calls its done, with no lock held. Nobody polls and
 * nothing is broadcast to the submitters: each one is told, by its own
 * callback, about its own job. The timer answers what the clock decides:
 * a submission left unchecked too long, a receipt that did not come in time.
 */
#include "server/node_impl.h"

#include "base/thread.h"
#include "tlog/proof_file.h"
#include "tlog/tile.h"

#include <stdlib.h>
#include <string.h>

/* A submission still not checked after this long is withdrawn (503 overloaded). */
#define QUEUED_MAX_S 60.0
/* The timer's shortest sleep, seconds (a deadline is met at most this late). */
#define TIMER_MIN_S 0.01

pubcp *pl_node_pubcp_new(const uint8_t *note, size_t len, uint64_t size)
{
	pubcp *cp = malloc(sizeof *cp + (len ? len : 1));
	if (cp == NULL)
		return NULL;
	atomic_init(&cp->refs, 1);
	cp->size = size;
	cp->len = len;
	memcpy(cp->note, note, len);
	return cp;
}

void pl_node_pubcp_unref(pubcp *cp)
{
	if (cp != NULL && atomic_fetch_sub(&cp->refs, 1) == 1)
		free(cp);
}

void pl_node_finished_locked(pl_node *n, job *j)
{
	j->state = JOB_DONE;
	pl_node_queue_push(&n->finished, j);
	pthread_cond_signal(&n->in_cv);
}

/* j's receipt: the proof of its index against cp, with its envelope as the extra. */
static void build_receipt(pl_node *n, job *j, const pubcp *cp)
{
	pl_tile_reader *tr = malloc(sizeof *tr);
	if (tr == NULL)
		return; /* no receipt: answered 202 with the acceptance, as when none came in time */
	pl_tile_reader_init(tr, cp->size, pl_source_fetch_tile, n->src);
	pl_hash_reader hr = pl_tile_reader_as_hash_reader(tr);
	pl_hash proof[PL_PROOF_MAX];
	size_t len = 0;
	if (pl_prove_inclusion(&hr, cp->size, j->res->index, proof, &len) == PL_OK &&
	    pl_proof_file_write(j->res->index, proof, len, j->raw, j->len, cp->note, cp->len, &j->res->receipt) != PL_OK)
		pl_buf_reset(&j->res->receipt);
	free(tr);
}

void pl_node_finish(pl_node *n, job *j)
{
	pl_node_result *res = j->res;
	if (j->cp != NULL) {
		build_receipt(n, j, j->cp);
		pl_node_pubcp_unref(j->cp);
		j->cp = NULL;
	}
	pl_node_done_fn done = j->done;
	void *ctx = j->ctx;
	pl_node_job_unref(j); /* the index feed may keep it (its parse), never its answer */
	done(ctx, res);      /* the last touch of res and ctx */
}

void pl_node_job_unref(job *j)
{
	if (atomic_fetch_sub(&j->refs, 1) != 1)
		return;
	if (j->parsed)
		pl_submission_release(&j->sub);
	free(j);
}

void *pl_node_timer(void *arg)
{
	pl_node *n = arg;
	double wait_s = n->o.wait_ms / 1e3;
	/* a job queued now is due no sooner than this: sleeping that long when nothing is due
	 * never misses a deadline, and nobody needs to wake the timer for new jobs */
	double shortest = wait_s < QUEUED_MAX_S ? wait_s : QUEUED_MAX_S;
	if (shortest < TIMER_MIN_S)
		shortest = TIMER_MIN_S;
	pthread_mutex_lock(&n->mu);
	while (!n->stop) {
		double now = pl_mono();
		while (n->in.head != NULL && n->in.head->deadline <= now) {
			/* still not checked after QUEUED_MAX_S: withdrawn */
			job *j = pl_node_queue_pop(&n->in);
			pl_refusal v;
			pl_node_fail_locked(n, j, pl_refuse(&v, PL_R_OVERLOADED, "the statement waited too long to be checked"),
					    &v);
			pl_node_finished_locked(n, j);
		}
		while (n->waiting.head != NULL && n->waiting.head->deadline <= now) {
			/* no checkpoint in time: the acceptance alone answers */
			pl_node_finished_locked(n, pl_node_queue_pop(&n->waiting));
		}
		double until = now + shortest;
		if (n->in.head != NULL && n->in.head->deadline < until)
			until = n->in.head->deadline;
		if (n->waiting.head != NULL && n->waiting.head->deadline < until)
			until = n->waiting.head->deadline;
		if (until < now + TIMER_MIN_S)
			until = now + TIMER_MIN_S;
		(void)pl_cond_wait_until(&n->timer_cv, &n->mu, until);
	}
	pthread_mutex_unlock(&n->mu);
	return NULL;
}

/* ---- submitting ---- */

void pl_node_submit_async(pl_node *n, const uint8_t *raw, size_t len, bool wait, pl_node_result *res,
			  pl_node_done_fn done, void *ctx)
{
	res->err = PL_OK;
	job *j = malloc(sizeof *j + (len ? len : 1));
	if (j != NULL) {
		memset(j, 0, sizeof *j);
		atomic_init(&j->refs, 1);
		memcpy((uint8_t *)(j + 1), raw, len);
		j->raw = (const uint8_t *)(j + 1);
		j->len = len;
		j->wait = wait;
	}
	pthread_mutex_lock(&n->mu);
	n->submitters++;
	pl_refusal v = {0};
	job copy_failed; /* answers a submission the node could not even copy */
	if (j == NULL) {
		memset(&copy_failed, 0, sizeof copy_failed);
		copy_failed.res = res;
		pl_node_fail_locked(n, &copy_failed, PL_ENOMEM, &v);
	} else {
		j->res = res;
		j->done = done;
		j->ctx = ctx;
		if (n->stop) {
			pl_node_fail_locked(n, j, pl_refuse(&v, PL_R_SHUTTING_DOWN, "the server is shutting down"), &v);
		} else if (pl_node_queue_depth(n) >= n->o.queue_max) {
			pl_node_fail_locked(n, j,
					    pl_refuse(&v, PL_R_QUEUE_FULL, "%zu statements are waiting; try again shortly",
						      pl_node_queue_depth(n)),
					    &v);
		} else {
			j->deadline = pl_mono() + QUEUED_MAX_S;
			pl_node_queue_push(&n->in, j);
			pthread_cond_signal(&n->in_cv);
		}
	}
	bool now = j == NULL || j->state == JOB_DONE; /* refused at once: answered on this thread */
	pthread_mutex_unlock(&n->mu);
	if (j == NULL)
		done(ctx, res);
	else if (now)
		pl_node_finish(n, j);
	/* the last touch of n: pl_node_close may free it once no submitter is left */
	pthread_mutex_lock(&n->mu);
	if (--n->submitters == 0 && n->stop)
		pthread_cond_broadcast(&n->left_cv);
	pthread_mutex_unlock(&n->mu);
}

typedef struct sync_wait {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	bool done;
} sync_wait;

static void sync_done(void *ctx, pl_node_result *res)
{
	(void)res;
	sync_wait *w = ctx;
	pthread_mutex_lock(&w->mu);
	w->done = true;
	pthread_cond_signal(&w->cv);
	pthread_mutex_unlock(&w->mu);
}

void pl_node_submit(pl_node *n, const uint8_t *raw, size_t len, bool wait, pl_node_result *res)
{
	sync_wait w;
	pthread_mutex_init(&w.mu, NULL);
	pthread_cond_init(&w.cv, NULL);
	w.done = false;
	pl_node_submit_async(n, raw, len, wait, res, sync_done, &w);
	pthread_mutex_lock(&w.mu);
	while (!w.done) /* the node answers every submission (pl_node_close included): no timeout needed */
		pthread_cond_wait(&w.cv, &w.mu);
	pthread_mutex_unlock(&w.mu);
	pthread_cond_destroy(&w.cv);
	pthread_mutex_destroy(&w.mu);
}
