/*
 * integrate.c - publishing what a node staged (node_impl.h): one write of
 * every new tile and bundle, one checkpoint (store/log.h describes the crash
 * states), then the checkpoint served and those waiting for a receipt
 * answered. Without witnesses a checkpoint is published as soon as it is
 * signed; with them, the cosigning thread publishes it with their
 * cosignatures (cosigning.c).
 */
#include "server/node_impl.h"

#include "base/thread.h"

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
static void refresh_checkpoint_locked(pl_node *n)
{
	pl_span cp = pl_log_checkpoint(n->log);
	pl_buf_reset(&n->latest);
	if (pl_buf_append(&n->latest, cp.p, cp.n) != PL_OK)
		pl_buf_reset(&n->latest);
	n->latest_size = pl_log_size(n->log);
	if (n->o.nwitnesses == 0)
		pl_node_publish_locked(n, cp.p, cp.n, n->latest_size);
	else
		pthread_cond_signal(&n->cosign_cv);
}

bool pl_node_integrate(pl_node *n)
{
	double t0 = pl_mono();
	pl_diag d = {0};
	pthread_mutex_lock(&n->logmu);
	int rc = pl_log_integrate(n->log, &d);
	pthread_mutex_unlock(&n->logmu);
	if (rc != PL_OK)
		pl_node_say(n, "integrating a batch failed (will retry): %s", pl_diag_text(&d, rc));
	pthread_mutex_lock(&n->mu);
	if (rc != PL_OK) {
		n->stats.storage_errors++;
	} else {
		n->nstaged = 0;
		n->unpublished = 0; /* published now, in the same step (only the sequencer stages) */
		n->stats.batches++;
		refresh_checkpoint_locked(n);
	}
	n->stats.integrate_seconds += pl_mono() - t0;
	pthread_mutex_unlock(&n->mu);
	return rc == PL_OK;
}
