/*
 * integrate.c - publishing what a node staged (node_impl.h): the
 * integrator thread, at most once per integrate_ms (at once when it has
 * been idle that long), makes one write of every new tile and bundle and
 * one checkpoint (store/log.h describes the crash states), then the
 * checkpoint is served and those waiting for a receipt are handed to the
 * workers. It holds logmu only to copy what is staged and to commit (one
 * transaction); the sequencer stages meanwhile, during the fsyncs of the
 * tiles and the renames. Without witnesses a checkpoint is published as
 * soon as it is signed; with them, the cosigning thread publishes it with
 * their cosignatures (cosigning.c).
 */
#include "server/node_impl.h"

#include "base/thread.h"

#include <string.h>

/* Every waiting job the checkpoint now covers is answered: a worker builds its receipt (mu held). */
static void answer_waiters(pl_node *n)
{
	if (n->waiting.head == NULL || n->waiting.head->res->index >= n->size)
		return;
	/* one copy of the checkpoint for all of them; without it they get the acceptance alone */
	pubcp *cp = pl_node_pubcp_new(n->checkpoint.data, n->checkpoint.len, n->size);
	size_t k = 0;
	while (n->waiting.head != NULL && n->waiting.head->res->index < n->size) {
		job *j = pl_node_queue_pop(&n->waiting);
		if (cp != NULL) {
			atomic_fetch_add(&cp->refs, 1);
			j->cp = cp;
		}
		pl_node_finished_locked(n, j);
		k++;
	}
	pl_node_pubcp_unref(cp);
	if (k > 1)
		pthread_cond_broadcast(&n->in_cv); /* work for every worker */
}

void pl_node_publish_locked(pl_node *n, const uint8_t *note, size_t len, uint64_t size)
{
	pl_buf_reset(&n->checkpoint);
	if (pl_buf_append(&n->checkpoint, note, len) != PL_OK)
		pl_buf_reset(&n->checkpoint);
	n->size = size;
	answer_waiters(n);
	pthread_cond_broadcast(&n->index_cv);
}

/* Takes the log's newest checkpoint; publishes it at once without witnesses (mu held). */
static void refresh_checkpoint_locked(pl_node *n, const pl_buf *cp, uint64_t size)
{
	pl_buf_reset(&n->latest);
	if (pl_buf_append(&n->latest, cp->data, cp->len) != PL_OK)
		pl_buf_reset(&n->latest);
	n->latest_size = size;
	if (n->o.nwitnesses == 0)
		pl_node_publish_locked(n, cp->data, cp->len, size);
	else
		pthread_cond_signal(&n->cosign_cv);
}

/* The entries below size are in tiles now: their leaves leave the staged window (mu held). */
static void integrated_locked(pl_node *n, uint64_t size)
{
	uint64_t done = size - n->integrated;
	if (n->staged_gap || done >= n->nstaged) {
		n->nstaged = 0;
		if (size == n->staged)
			n->staged_gap = false; /* nothing staged is missing any more */
	} else {
		memmove(n->staged_leaves, n->staged_leaves + done, (n->nstaged - (size_t)done) * sizeof *n->staged_leaves);
		n->nstaged -= (size_t)done;
	}
	n->unpublished -= (size_t)done < n->unpublished ? (size_t)done : n->unpublished;
	n->integrated = size;
}

bool pl_node_integrate(pl_node *n)
{
	double t0 = pl_mono();
	pl_diag d = {0};
	pl_log_integration *g = NULL;
	pthread_mutex_lock(&n->logmu);
	int rc = pl_log_integrate_begin(n->log, &g, &d);
	pthread_mutex_unlock(&n->logmu);
	if (rc == PL_OK && g != NULL)
		rc = pl_log_integrate_write(g, &d); /* hashing, tiles, their fsyncs: the sequencer stages meanwhile */
	if (rc == PL_OK && g != NULL) {
		pthread_mutex_lock(&n->logmu);
		rc = pl_log_integrate_commit(g, &d);
		pthread_mutex_unlock(&n->logmu);
	}
	if (rc == PL_OK && g != NULL)
		rc = pl_log_integrate_finish(g, &d); /* renames, directory fsyncs */
	pl_buf cp;
	pl_buf_init(&cp, PL_NOTE_MAX);
	pthread_mutex_lock(&n->logmu);
	rc = pl_log_integrate_end(g, rc, &d);
	uint64_t size = pl_log_size(n->log);
	pl_span c = pl_log_checkpoint(n->log);
	if (rc == PL_OK && pl_buf_append(&cp, c.p, c.n) != PL_OK)
		pl_buf_reset(&cp);
	pthread_mutex_unlock(&n->logmu);
	if (rc != PL_OK)
		pl_node_say(n, "integrating a batch failed (will retry): %s", pl_diag_text(&d, rc));
	pthread_mutex_lock(&n->mu);
	if (rc != PL_OK) {
		n->stats.storage_errors++;
	} else if (size > n->integrated) {
		/* published now (or, after a failure past its commit, finished by the recovery then) */
		integrated_locked(n, size);
		n->stats.batches++;
		refresh_checkpoint_locked(n, &cp, size);
	}
	n->stats.integrate_seconds += pl_mono() - t0;
	pthread_mutex_unlock(&n->mu);
	pl_buf_release(&cp);
	return rc == PL_OK;
}

void *pl_node_integrator(void *arg)
{
	pl_node *n = arg;
	double interval = n->o.integrate_ms / 1e3, last = -1e9; /* when the last integration started */
	pthread_mutex_lock(&n->mu);
	while (!n->stop) {
		if (n->staged == n->integrated || n->hold_integration) {
			pthread_cond_wait(&n->integ_cv, &n->mu);
			continue;
		}
		double due = last + interval;
		if (pl_mono() < due) {
			(void)pl_cond_wait_until(&n->integ_cv, &n->mu, due);
			continue;
		}
		n->integrating = true;
		pthread_mutex_unlock(&n->mu);
		last = pl_mono();
		(void)pl_node_integrate(n); /* a failure is retried one interval later */
		pthread_mutex_lock(&n->mu);
		n->integrating = false;
		pthread_cond_broadcast(&n->integ_cv); /* for pl_node_hold_integration */
	}
	pthread_mutex_unlock(&n->mu);
	return NULL;
}

void pl_node_hold_integration(pl_node *n, bool hold)
{
	pthread_mutex_lock(&n->mu);
	n->hold_integration = hold;
	while (hold && n->integrating)
		pthread_cond_wait(&n->integ_cv, &n->mu);
	if (!hold)
		pthread_cond_broadcast(&n->integ_cv);
	pthread_mutex_unlock(&n->mu);
}
