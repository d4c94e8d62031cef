/*
 * intake.c - submissions entering a node (node_impl.h): parsed and
 * signature-checked by the verifier threads outside every lock and limited
 * per party. The verifier threads are the node's workers: they give the
 * answers that are ready (answers.c) before they take a new submission.
 */
#include "server/node_impl.h"

#include "base/thread.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Answers a worker gives in one go before it looks at new submissions again. */
#define FINISH_GRAIN 64

bool pl_node_rate_take(pl_node *n, const char *party, double now)
{
	if (n->o.rate <= 0)
		return true;
	double burst = n->o.burst > 0 ? n->o.burst : (n->o.rate * 2 < 1 ? 1 : n->o.rate * 2);
	bucket *b = NULL;
	for (size_t i = 0; i < n->nbuckets; i++)
		if (strcmp(n->buckets[i].party, party) == 0)
			b = &n->buckets[i];
	if (b == NULL) {
		if (n->nbuckets == n->capbuckets) {
			size_t cap = n->capbuckets ? n->capbuckets * 2 : 16;
			bucket *p = realloc(n->buckets, cap * sizeof *p);
			if (p == NULL)
				return true; /* out of memory: do not punish the party */
			n->buckets = p;
			n->capbuckets = cap;
		}
		b = &n->buckets[n->nbuckets++];
		snprintf(b->party, sizeof b->party, "%s", party);
		b->tokens = burst;
		b->at = now;
	}
	b->tokens += (now - b->at) * n->o.rate;
	if (b->tokens > burst)
		b->tokens = burst;
	b->at = now;
	if (b->tokens < 1)
		return false;
	b->tokens -= 1;
	return true;
}

/* Takes up to FINISH_GRAIN answers off the finished queue (mu held); they are answered outside it. */
static job *take_finished(pl_node *n)
{
	job *first = n->finished.head, *last = first;
	size_t k = 1;
	while (k < FINISH_GRAIN && last->next != NULL) {
		last = last->next;
		k++;
	}
	n->finished.head = last->next;
	if (n->finished.head == NULL)
		n->finished.tail = NULL;
	n->finished.n -= k;
	last->next = NULL;
	if (n->finished.n > 0 || n->in.n > 0)
		pthread_cond_signal(&n->in_cv); /* more for another worker */
	return first;
}

void *pl_node_verifier(void *arg)
{
	pl_node *n = arg;
	pthread_mutex_lock(&n->mu);
	for (;;) {
		while (!n->stop && n->in.n == 0 && n->finished.n == 0)
			pthread_cond_wait(&n->in_cv, &n->mu);
		if (n->stop)
			break;
		if (n->finished.n > 0) {
			job *j = take_finished(n);
			pthread_mutex_unlock(&n->mu);
			while (j != NULL) {
				job *next = j->next;
				pl_node_finish(n, j);
				j = next;
			}
			pthread_mutex_lock(&n->mu);
			continue;
		}
		job *j = pl_node_queue_pop(&n->in);
		n->checking++;
		pthread_mutex_unlock(&n->mu);

		pl_admission a;
		pl_node_admission(n, &a);
		pl_refusal v = {0};
		int prc = pl_submission_parse(j->raw, j->len, n->origin, &a, &j->sub, &v);
		j->parsed = true;
		if (prc == PL_OK) {
			/* the signature against the author's current key (the key table: no engine
			 * lock), outside every lock */
			if (pl_node_member_key(n, j->sub.st.author, j->sub.key)) {
				j->sub.sig_ok = pl_envelope_verify(&j->sub.env, j->sub.key, NULL) == PL_OK;
				j->sub.preverified = true;
			}
		}
		pthread_mutex_lock(&n->mu);
		n->checking--;
		/* Only a statement whose signature verified under the author's current key
		 * spends (or creates) that author's bucket: a forged signature claiming a
		 * member's name must not drain the member's rate, and a name that is no
		 * member's must not grow the table. Both are refused further on
		 * (bad_signature, unknown author). A member enrolled since the key table
		 * was last built is checked by the sequencer and, until the table has it,
		 * is not rate-limited: one batch at most. */
		if (prc == PL_OK && j->sub.preverified && j->sub.sig_ok &&
		    !pl_node_rate_take(n, j->sub.st.author, pl_mono()))
			prc = pl_refuse(&v, PL_R_RATE_LIMITED, "%s is over its rate of %.0f statements per second",
					j->sub.st.author, n->o.rate);
		if (prc != PL_OK) {
			pl_node_fail_locked(n, j, prc, &v);
			if (n->in.n == 0 && n->verified.n > 0)
				pthread_cond_signal(&n->seq_cv);
			pthread_mutex_unlock(&n->mu);
			pl_node_finish(n, j); /* answered here, on this worker */
			pthread_mutex_lock(&n->mu);
			continue;
		}
		j->state = JOB_VERIFIED;
		pl_node_queue_push(&n->verified, j);
		/* the sequencer acts on a first arrival (it starts its batch clock),
		 * on a drained input and on a full batch; not on every job */
		if (n->verified.n == 1 || n->in.n == 0 || n->verified.n >= n->o.batch_max)
			pthread_cond_signal(&n->seq_cv);
	}
	pthread_mutex_unlock(&n->mu);
	return NULL;
}
