/*
 * sequencer.c - the one thread that orders a node's log (node_impl.h).
 *
 * It takes what the verifiers passed, up to batch_max statements or batch_ms
 * after the first arrives, admits them in order against the engine
 * (pl_engine_check and pl_engine_apply, the two halves of the
 * pl_engine_admit every reader's replay runs: kept apart here because an
 * application that runs out of memory leaves the engine to rebuild), stages the
 * admitted ones in one durable transaction and answers them with their
 * index and the batch's acceptance (one signature per batch, acceptance.c).
 * A refused statement is never staged: the log stays exactly as it was.
 *
 * It never publishes: the integrator (integrate.c) does, on its own thread,
 * so staging goes on during the fsyncs of an integration (pl_log_integrate
 * in steps, store/log.h); they share logmu only for the staging's own
 * transaction and for the integration's copy and commit.
 */
#include "server/node_impl.h"

#include "base/thread.h"

#include <stdlib.h>
#include <string.h>

static int by_author_seq(const void *a, const void *b)
{
	const job *x = *(job *const *)a, *y = *(job *const *)b;
	int c = strcmp(x->sub.st.author, y->sub.st.author);
	if (c != 0)
		return c;
	return x->sub.st.seq < y->sub.st.seq ? -1 : x->sub.st.seq > y->sub.st.seq;
}

/* Remembers the leaf of a staged entry, for references before it is integrated (mu held). Out of
 * memory, the window has a gap: staged entries are not found until it is integrated. */
static void remember_staged(pl_node *n, const pl_hash *leaf)
{
	if (n->staged_gap)
		return;
	if (n->nstaged == n->capstaged) {
		size_t cap = n->capstaged ? n->capstaged * 2 : 1024;
		pl_hash *p = realloc(n->staged_leaves, cap * sizeof *p);
		if (p == NULL) {
			n->staged_gap = true;
			return;
		}
		n->staged_leaves = p;
		n->capstaged = cap;
	}
	n->staged_leaves[n->nstaged++] = *leaf;
}

/* Admits count jobs in order (sorted by author and seq so a party's burst lands in order) and
 * stages those admitted. Every job is answered: refused, or accepted with its index. */
static void run_batch(pl_node *n, job **batch, size_t count)
{
	qsort(batch, count, sizeof *batch, by_author_seq);
	pl_admission a;
	pl_node_admission(n, &a);
	job **ok = malloc(count * sizeof *ok);
	pl_span *spans = malloc(count * sizeof *spans);
	size_t k = 0;
	pl_refusal v = {0};
	if (ok == NULL || spans == NULL) {
		pthread_mutex_lock(&n->mu);
		for (size_t i = 0; i < count; i++) {
			pl_node_fail_locked(n, batch[i], PL_ENOMEM, &v);
			pl_node_finished_locked(n, batch[i]);
		}
		n->unpublished -= count;
		pthread_mutex_unlock(&n->mu);
		free(ok);
		free(spans);
		return;
	}
	double t0 = pl_mono();
	uint64_t first_index = n->staged; /* this thread is the only one to stage */
	/* admission, outside every lock: this thread is the engine's only writer, so its checks read
	 * it as it is; each application excludes the engine's readers (registry views) for its own
	 * short time only; verifiers read keys from the key table and never wait here */
	size_t nref = 0; /* the refused, gathered at the front of batch */
	bool members_changed = false;
	for (size_t i = 0; i < count; i++) {
		job *j = batch[i];
		memset(&v, 0, sizeof v);
		if (n->broken) {
			pl_node_fail(j, pl_refuse(&v, PL_R_STORAGE_FAILED, "the server lost track of its state; it must be restarted"),
				     &v);
			batch[nref++] = j;
			continue;
		}
		pl_refusal why = {0};
		int crc = pl_engine_check(&n->eng, &a, &j->sub, &why);
		if (crc == PL_OK) {
			pthread_rwlock_wrlock(&n->mlock);
			int arc = pl_engine_apply(&n->eng, &j->sub, first_index + k, NULL);
			pthread_rwlock_unlock(&n->mlock);
			if (arc != PL_OK) {
				/* half applied: the state is rebuilt from the log below */
				n->broken = true;
				crc = PL_ENOMEM;
			}
		}
		if (crc != PL_OK) {
			pl_node_fail(j, crc, &why);
			batch[nref++] = j;
			continue;
		}
		members_changed = members_changed || pl_members_owns_type(j->sub.st.type);
		ok[k] = j;
		spans[k] = j->sub.raw;
		k++;
	}
	if (members_changed && !n->broken && pl_node_keys_refresh(n) != PL_OK)
		pl_node_say(n, "out of memory refreshing the key table (the admission still checks every key)");
	if (nref > 0) {
		/* refusals are answered at once */
		pthread_mutex_lock(&n->mu);
		for (size_t i = 0; i < nref; i++) {
			pl_node_count_locked(n, batch[i]);
			pl_node_finished_locked(n, batch[i]);
		}
		n->unpublished -= nref; /* the refused are no longer waiting */
		if (nref > 1)
			pthread_cond_broadcast(&n->in_cv);
		pthread_mutex_unlock(&n->mu);
	}

	if (k > 0) {
		uint64_t first = 0;
		pl_diag d = {0};
		pthread_mutex_lock(&n->logmu);
		int rc = pl_log_stage(n->log, spans, k, &first, &d);
		pthread_mutex_unlock(&n->logmu);
		if (rc != PL_OK || first != first_index) {
			/* nothing was staged: the state is rebuilt from the log (below) and the batch refused */
			n->broken = true;
			pthread_mutex_lock(&n->mu);
			n->stats.storage_errors++;
			n->unpublished -= k;
			for (size_t i = 0; i < k; i++) {
				pl_node_fail_locked(n, ok[i],
						    pl_refuse(&v, PL_R_STORAGE_FAILED, "the log could not store the statement: %s",
							      pl_diag_text(&d, rc)),
						    &v);
				pl_node_finished_locked(n, ok[i]);
			}
			pthread_mutex_unlock(&n->mu);
			pl_node_say(n, "staging a batch failed: %s", pl_diag_text(&d, rc));
		} else {
			/* durable: answered with index, leaf and the batch's acceptance */
			pl_node_accept_batch(n, ok, k, first);
			double receipt_until = pl_mono() + n->o.wait_ms / 1e3;
			pthread_mutex_lock(&n->mu);
			n->staged = first + k;
			pthread_cond_signal(&n->integ_cv); /* work for the integrator */
			for (size_t i = 0; i < k; i++) {
				job *j = ok[i];
				remember_staged(n, &j->sub.leaf);
				j->index = first + i;
				pl_node_feed_locked(n, j); /* its parse serves the index too */
				j->res->index = first + i;
				j->res->leaf = j->sub.leaf;
				j->res->err = PL_OK;
				n->stats.accepted++;
				if (j->wait) {
					/* in index order: the waiting queue is sorted by index and by deadline */
					j->state = JOB_ACCEPTED;
					j->deadline = receipt_until;
					pl_node_queue_push(&n->waiting, j);
				} else {
					pl_node_finished_locked(n, j);
				}
			}
			if (k > 1)
				pthread_cond_broadcast(&n->in_cv); /* answers for every worker (not for every submitter) */
			pthread_mutex_unlock(&n->mu);
		}
	}
	free(ok);
	free(spans);
	if (n->broken)
		pl_node_rebuild_engine(n);
	pthread_mutex_lock(&n->mu);
	n->stats.integrate_seconds += pl_mono() - t0;
	pthread_mutex_unlock(&n->mu);
}

void *pl_node_sequencer(void *arg)
{
	pl_node *n = arg;
	job **batch = malloc(n->o.batch_max * sizeof *batch);
	pthread_mutex_lock(&n->mu);
	while (batch != NULL) {
		while (!n->stop && n->verified.n == 0)
			pthread_cond_wait(&n->seq_cv, &n->mu);
		if (n->stop)
			break;
		/* let the batch fill for up to batch_ms after the first arrival */
		double fill = pl_mono() + n->o.batch_ms / 1e3;
		while (!n->stop && n->o.batch_ms > 0 && n->verified.n < n->o.batch_max && n->in.n > 0 && pl_mono() < fill)
			(void)pl_cond_wait_until(&n->seq_cv, &n->mu, fill);
		size_t count = 0;
		while (count < n->o.batch_max && n->verified.n > 0)
			batch[count++] = pl_node_queue_pop(&n->verified);
		n->unpublished += count;
		n->stats.queue = pl_node_queue_depth(n);
		pthread_mutex_unlock(&n->mu);
		run_batch(n, batch, count); /* staged: the integrator publishes it (integrate.c) */
		pthread_mutex_lock(&n->mu);
	}
	pthread_mutex_unlock(&n->mu);
	free(batch);
	return NULL;
}
