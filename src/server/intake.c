/*
 * intake.c - submissions entering a node (node_impl.h): queued, parsed and
 * signature-checked by the verifier threads outside every lock, limited per
 * party, and waited for by their submitter until answered.
 */
#include "server/node_impl.h"

#include "base/thread.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A submission still not checked after this long is withdrawn (503 overloaded). */
#define QUEUED_MAX_S 60.0
/* How often a waiting submitter re-checks its deadlines, seconds. */
#define TICK_S 0.2

/* Removes j from q if it is there. */
static bool queue_remove(queue *q, job *j)
{
	job **pp = &q->head, *prev = NULL;
	while (*pp && *pp != j) {
		prev = *pp;
		pp = &(*pp)->next;
	}
	if (*pp == NULL)
		return false;
	*pp = j->next;
	if (q->tail == j)
		q->tail = prev;
	q->n--;
	return true;
}

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

void *pl_node_verifier(void *arg)
{
	pl_node *n = arg;
	pthread_mutex_lock(&n->mu);
	for (;;) {
		while (!n->stop && n->in.n == 0)
			pthread_cond_wait(&n->in_cv, &n->mu);
		if (n->stop)
			break;
		job *j = pl_node_queue_pop(&n->in);
		n->checking++;
		pthread_mutex_unlock(&n->mu);

		pl_admission a;
		pl_node_admission(n, &a);
		pl_refusal v = {0};
		int prc = pl_submission_parse(j->raw, j->len, n->origin, &a, &j->sub, &v);
		j->parsed = true;
		if (prc == PL_OK) {
			/* the signature against the author's current key, outside every lock */
			pthread_rwlock_rdlock(&n->mlock);
			const pl_member *mem = pl_members_get(&n->eng.members, j->sub.st.author);
			bool active = mem != NULL && mem->active;
			if (active)
				memcpy(j->sub.key, mem->id.sign_pk, PL_ED25519_PK_SIZE);
			pthread_rwlock_unlock(&n->mlock);
			if (active) {
				j->sub.sig_ok = pl_envelope_verify(&j->sub.env, j->sub.key, NULL) == PL_OK;
				j->sub.preverified = true;
			}
		}
		pthread_mutex_lock(&n->mu);
		n->checking--;
		if (prc == PL_OK && !pl_node_rate_take(n, j->sub.st.author, pl_mono()))
			prc = pl_refuse(&v, PL_R_RATE_LIMITED, "%s is over its rate of %.0f statements per second",
					j->sub.st.author, n->o.rate);
		if (prc != PL_OK) {
			pl_node_fail_locked(n, j, prc, &v);
			pthread_cond_broadcast(&n->done_cv);
			if (n->in.n == 0 && n->verified.n > 0)
				pthread_cond_signal(&n->seq_cv);
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

void pl_node_submit(pl_node *n, const uint8_t *raw, size_t len, bool wait, pl_node_result *res)
{
	job j;
	memset(&j, 0, sizeof j);
	j.raw = raw;
	j.len = len;
	j.wait = wait;
	j.res = res;
	res->err = PL_OK;
	pthread_mutex_lock(&n->mu);
	n->submitters++;
	if (n->stop) {
		pl_refusal v;
		pl_node_fail_locked(n, &j, pl_refuse(&v, PL_R_SHUTTING_DOWN, "the server is shutting down"), &v);
	} else if (pl_node_queue_depth(n) >= n->o.queue_max) {
		pl_refusal v;
		pl_node_fail_locked(n, &j,
				    pl_refuse(&v, PL_R_QUEUE_FULL, "%zu statements are waiting; try again shortly",
					      pl_node_queue_depth(n)),
				    &v);
	} else {
		pl_node_queue_push(&n->in, &j);
		pthread_cond_signal(&n->in_cv);
		double queued_until = pl_mono() + QUEUED_MAX_S, receipt_until = 0;
		while (j.state != JOB_DONE) {
			(void)pl_cond_wait_until(&n->done_cv, &n->mu, pl_mono() + TICK_S);
			double now = pl_mono();
			if (j.state == JOB_QUEUED && now > queued_until) {
				/* still not checked after a minute: withdraw it */
				if (queue_remove(&n->in, &j)) {
					pl_refusal v;
					pl_node_fail_locked(
						n, &j, pl_refuse(&v, PL_R_OVERLOADED, "the statement waited too long to be checked"),
						&v);
				}
			} else if (j.state == JOB_ACCEPTED) {
				if (receipt_until == 0)
					receipt_until = now + n->o.wait_ms / 1000.0;
				if (now > receipt_until) {
					/* no checkpoint in time: the acceptance alone answers */
					job **pp = &n->waiting;
					while (*pp && *pp != &j)
						pp = &(*pp)->next;
					if (*pp)
						*pp = j.next;
					j.state = JOB_DONE;
				}
			}
		}
	}
	pthread_mutex_unlock(&n->mu);
	if (j.parsed)
		pl_submission_release(&j.sub);
	/* the last touch of n: pl_node_close may free it once no submitter is left */
	pthread_mutex_lock(&n->mu);
	if (--n->submitters == 0 && n->stop)
		pthread_cond_broadcast(&n->done_cv);
	pthread_mutex_unlock(&n->mu);
}
