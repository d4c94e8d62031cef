/*
 * serve_defer.c - requests answered off libmicrohttpd's pool threads
 * (serve_impl.h): the connection is suspended, the answer made by another
 * thread into the request, the connection resumed, and the handler, called
 * again on its pool thread, queues the answer.
 *
 * libmicrohttpd's rules, as 0.9.75 has them: MHD_suspend_connection only
 * from the handler (it takes effect at once: the connection leaves the
 * epoll set before the handler returns, so an answer made at once, even
 * inside pl_node_submit_async, may resume it right away); MHD_resume_connection
 * from any thread, on a suspended connection only; the response queued by
 * the handler after the resume, on the pool thread; and no MHD_stop_daemon
 * while a connection is suspended. So: every deferral counts one request
 * under h->mu before it suspends; the thread that made the answer marks the
 * request ready and resumes the connection (its last touch of the request:
 * the pool thread may free it from then on); the request is uncounted only
 * once libmicrohttpd says it is over (the completed callback: its answer
 * sent, or the client gone), since a resumed connection is answered by its
 * pool thread some time later and a daemon stopped meanwhile would close
 * it unanswered. pl_http_defer_drain stops new deferrals (503
 * shutting_down) and waits for the count to reach 0 before the daemon is
 * stopped. Every
 * deferred answer comes in bounded time: the node answers every submission
 * (a batch, a receipt within its wait_ms, or a refusal), a view waits at
 * most 2 s for the index, a blob commit is a few fsyncs.
 */
#include "http/serve_impl.h"

#include <stdio.h>
#include <stdlib.h>

/* Counts r as one more deferred request unless stopping (then false). */
static bool count_in(pl_http *h, req *r)
{
	pthread_mutex_lock(&h->mu);
	bool ok = !h->stopping;
	if (ok)
		h->deferred++;
	pthread_mutex_unlock(&h->mu);
	r->counted = ok;
	return ok;
}

void pl_http_defer_over(pl_http *h, req *r)
{
	if (!r->counted)
		return;
	pthread_mutex_lock(&h->mu);
	if (--h->deferred == 0 && h->stopping)
		pthread_cond_broadcast(&h->idle_cv);
	pthread_mutex_unlock(&h->mu);
}

/* r's answer is ready: resumes its connection (the last touch of r). */
static void resume(pl_http *h, req *r)
{
	(void)h;
	struct MHD_Connection *c = r->conn;
	atomic_store_explicit(&r->defer, DEFER_READY, memory_order_release);
	MHD_resume_connection(c);
}

static enum MHD_Result shutting_down(pl_http *h, struct MHD_Connection *c)
{
	return pl_http_send_error(h, c, 503, "shutting_down", "the server is shutting down", 1);
}

/* ---- submissions: the node answers ---- */

/* The node's done callback (server/node.h): on a worker of the node, or on this pool thread when the
 * submission was refused at once. */
static void submitted(void *ctx, pl_node_result *res)
{
	(void)res;
	req *r = ctx;
	resume(r->h, r);
}

enum MHD_Result pl_http_defer_submit(pl_http *h, struct MHD_Connection *c, req *r)
{
	if (!count_in(h, r))
		return shutting_down(h, c);
	const char *w = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "wait");
	r->wait = w != NULL && (strcmp(w, "1") == 0 || strcmp(w, "true") == 0);
	pl_node_result_init(&r->res);
	r->has_res = true;
	r->h = h;
	r->conn = c;
	r->defer = DEFER_RUNNING;
	MHD_suspend_connection(c);
	pl_node_submit_async(h->node, r->body.data ? r->body.data : (const uint8_t *)"", r->body.len, r->wait, &r->res,
			     submitted, r);
	return MHD_YES;
}

/* ---- the worker team: views and blob commits ---- */

enum MHD_Result pl_http_defer_work(pl_http *h, struct MHD_Connection *c, req *r)
{
	if (r->route != PL_ROUTE_BLOB_PUT) {
		/* a view reads its parameters here: the connection is not to be read off its thread */
		for (int i = 0; i < PL_HTTP_VIEW_PARAMS; i++) {
			const char *v = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, pl_http_view_params[i]);
			if (v != NULL && (r->params[i] = strdup(v)) == NULL)
				return pl_http_send_error(h, c, 500, "internal", "out of memory", 0);
		}
	}
	if (!count_in(h, r))
		return shutting_down(h, c);
	r->h = h;
	r->conn = c;
	r->defer = DEFER_RUNNING;
	r->next = NULL;
	MHD_suspend_connection(c);
	pthread_mutex_lock(&h->mu);
	if (h->work_tail != NULL)
		h->work_tail->next = r;
	else
		h->work_head = r;
	h->work_tail = r;
	pthread_cond_signal(&h->work_cv);
	pthread_mutex_unlock(&h->mu);
	return MHD_YES;
}

/* Makes r's answer (on a worker). */
static void work(pl_http *h, req *r)
{
	if (r->route == PL_ROUTE_BLOB_PUT) {
		pl_diag d = {0};
		r->blob_rc = pl_blob_commit(r->up, &d);
		snprintf(r->blob_msg, sizeof r->blob_msg, "%s", pl_diag_text(&d, r->blob_rc));
	} else {
		pl_http_view_run(h, r);
	}
}

static void worker(void *ctx)
{
	pl_http *h = ctx;
	pthread_mutex_lock(&h->mu);
	for (;;) {
		while (!h->work_stop && h->work_head == NULL)
			pthread_cond_wait(&h->work_cv, &h->mu);
		req *r = h->work_head;
		if (r == NULL)
			break; /* stopping, and nothing left */
		h->work_head = r->next;
		if (h->work_head == NULL)
			h->work_tail = NULL;
		pthread_mutex_unlock(&h->mu);
		work(h, r);
		resume(h, r);
		pthread_mutex_lock(&h->mu);
	}
	pthread_mutex_unlock(&h->mu);
}

int pl_http_defer_start(pl_http *h)
{
	return pl_team_start(PL_HTTP_WORKERS, worker, h, &h->team);
}

void pl_http_defer_drain(pl_http *h)
{
	pthread_mutex_lock(&h->mu);
	h->stopping = true;
	while (h->deferred > 0)
		pthread_cond_wait(&h->idle_cv, &h->mu);
	pthread_mutex_unlock(&h->mu);
}

void pl_http_defer_stop(pl_http *h)
{
	pthread_mutex_lock(&h->mu);
	h->work_stop = true;
	pthread_cond_broadcast(&h->work_cv);
	pthread_mutex_unlock(&h->mu);
	pl_team_wait(h->team);
	h->team = NULL;
}

void pl_http_defer_release(req *r)
{
	if (r->has_res)
		pl_node_result_release(&r->res);
	if (r->has_view)
		pl_buf_release(&r->view.body);
	for (int i = 0; i < PL_HTTP_VIEW_PARAMS; i++)
		free(r->params[i]);
}
