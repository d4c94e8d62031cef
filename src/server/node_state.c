/*
 * node_state.c - the helpers every part of a running log shares (node_impl.h):
 * what it says, the queues, answering a job that failed, the admission rules
 * as they apply to new statements now.
 */
#include "server/node_impl.h"

#include "base/timefmt.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

void pl_node_queue_push(queue *q, job *j)
{
	j->next = NULL;
	if (q->tail)
		q->tail->next = j;
	else
		q->head = j;
	q->tail = j;
	q->n++;
}

job *pl_node_queue_pop(queue *q)
{
	job *j = q->head;
	if (j) {
		q->head = j->next;
		if (!q->head)
			q->tail = NULL;
		q->n--;
		j->next = NULL;
	}
	return j;
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
	return n->in.n + n->checking + n->verified.n + n->unpublished;
}

void pl_node_fail(job *j, int err, const pl_refusal *v)
{
	j->res->err = err == PL_EREFUSED ? PL_EREFUSED : PL_ENOMEM;
	if (j->res->err == PL_EREFUSED)
		j->res->refusal = *v;
	else
		snprintf(j->res->msg, sizeof j->res->msg, "%s", v->msg[0] ? v->msg : "the server is out of memory");
	j->res->retry = j->res->err != PL_EREFUSED || pl_refusal_retryable(v->code);
	j->state = JOB_DONE;
}

void pl_node_count_locked(pl_node *n, const job *j)
{
	n->stats.refused++;
	const char *code = j->res->err == PL_EREFUSED ? pl_refusal_name(j->res->refusal.code) : "no_memory";
	size_t i = 0;
	for (; i < n->nrefusals; i++)
		if (strcmp(n->refusals[i].code, code) == 0)
			break;
	if (i == n->nrefusals && n->nrefusals < NODE_REFUSAL_CODES)
		n->refusals[n->nrefusals++].code = code;
	if (i < NODE_REFUSAL_CODES)
		n->refusals[i].count++;
}

void pl_node_fail_locked(pl_node *n, job *j, int err, const pl_refusal *v)
{
	pl_node_fail(j, err, v);
	pl_node_count_locked(n, j);
}

int pl_node_leaf_of(void *ctx, uint64_t index, pl_hash *out)
{
	pl_node *n = ctx;
	pthread_mutex_lock(&n->mu);
	uint64_t integrated = n->integrated; /* its tiles are in place */
	int rc = PL_ERANGE;
	if (index >= integrated && !n->staged_gap && index - integrated < n->nstaged) {
		*out = n->staged_leaves[index - integrated];
		rc = PL_OK;
	}
	pthread_mutex_unlock(&n->mu);
	if (index < integrated)
		return pl_source_leaf(n->src, integrated, index, out);
	return rc;
}

/* The node's blob store as admission sees it (pl_blob_fn). */
static int blob_of(void *ctx, const char *hex, uint64_t *size, uint8_t *head, size_t cap, size_t *n)
{
	return pl_blobs_peek(ctx, hex, size, head, cap, n);
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
	if (n->o.blobs != NULL) {
		a->blob = blob_of;
		a->blob_ctx = (void *)(uintptr_t)n->o.blobs;
	}
}
