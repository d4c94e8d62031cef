/*
 * cosigning.c - a node asking its witnesses to cosign (node_impl.h). One
 * thread takes the newest checkpoint at most once per witness_ms, and only
 * when the size changed or a witness has not cosigned it yet and is not
 * backing off; it asks every witness (client/cosign.h) outside every lock,
 * writes the checkpoint file with the cosignatures it got (none if every
 * witness is down: the log goes on, clients that need a quorum wait or fail)
 * and publishes it: receipts wait for that checkpoint.
 */
#include "server/node_impl.h"

#include "base/thread.h"
#include "client/cosign.h"

/* With nothing to do, the thread looks again this often (seconds). */
#define IDLE_S 0.25

void *pl_node_cosigner(void *arg)
{
	pl_node *n = arg;
	pl_buf note, out;
	pl_buf_init(&note, PL_NOTE_MAX);
	pl_buf_init(&out, PL_NOTE_MAX);
	double last = 0;
	pthread_mutex_lock(&n->mu);
	while (!n->stop) {
		/* work: an unpublished checkpoint, or a witness that has not cosigned
		 * the newest one and is not backing off */
		bool pending = n->size != n->latest_size;
		bool retry_due = false;
		double now = pl_mono();
		for (size_t i = 0; i < n->o.nwitnesses; i++)
			if (n->o.witnesses[i].size != n->latest_size && n->o.witnesses[i].backoff_until <= now)
				retry_due = true;
		double due = last + n->o.witness_ms / 1e3;
		if ((!pending && !retry_due) || now < due) {
			double until = pending || retry_due ? due + 0.001 : now + IDLE_S;
			(void)pl_cond_wait_until(&n->cosign_cv, &n->mu, until);
			continue;
		}
		/* a round on the newest checkpoint, outside the lock */
		pl_buf_reset(&note);
		pl_buf_reset(&out);
		if (pl_buf_append(&note, n->latest.data, n->latest.len) != PL_OK)
			continue;
		uint64_t size = n->latest_size;
		last = pl_mono();
		pthread_mutex_unlock(&n->mu);
		pl_checkpoint cp;
		pl_policy pol;
		pl_policy_init(&pol, pl_log_verifier(n->log));
		size_t got = 0;
		if (pl_checkpoint_open(note.data, note.len, &pol, &cp, NULL, NULL) == PL_OK)
			got = pl_cosign_round(n->o.witnesses, n->o.nwitnesses, note.data, note.len, &cp, n->src, &out);
		(void)!pl_buf_append(&note, out.data, out.len);
		pl_diag d = {0};
		pthread_mutex_lock(&n->logmu);
		int wrc = pl_log_write_checkpoint(n->log, note.data, note.len, &d);
		pthread_mutex_unlock(&n->logmu);
		if (wrc != PL_OK)
			pl_node_say(n, "publishing the checkpoint failed: %s", d.msg);
		pthread_mutex_lock(&n->mu);
		if (size >= n->size) {
			pl_node_publish_locked(n, note.data, note.len, size);
			n->stats.cosignatures += got;
			if (got > 0)
				n->stats.witnessed_size = size;
		}
	}
	pthread_mutex_unlock(&n->mu);
	pl_buf_release(&note);
	pl_buf_release(&out);
	return NULL;
}
