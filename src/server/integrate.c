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
#include "tlog/proof_file.h"
#include "tlog/tile.h"

#include <stdlib.h>

/* Receipts for every waiting job now covered by the checkpoint (mu held). */
static void answer_waiters(pl_node *n)
{
	if (n->waiting == NULL)
		return;
	pl_tile_reader *tr = malloc(sizeof *tr);
	if (tr == NULL)
		return;
	pl_tile_reader_init(tr, n->size, pl_source_fetch_tile, n->src);
	pl_hash_reader hr = pl_tile_reader_as_hash_reader(tr);
	job **pp = &n->waiting;
	while (*pp) {
		job *j = *pp;
		if (j->res->index >= n->size) {
			pp = &j->next;
			continue;
		}
		pl_hash proof[PL_PROOF_MAX];
		size_t len = 0;
		if (pl_prove_inclusion(&hr, n->size, j->res->index, proof, &len) == PL_OK)
			(void)!pl_proof_file_write(j->res->index, proof, len, j->raw, j->len, n->checkpoint.data,
						   n->checkpoint.len, &j->res->receipt);
		j->state = JOB_DONE;
		*pp = j->next;
	}
	free(tr);
	pthread_cond_broadcast(&n->done_cv);
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
