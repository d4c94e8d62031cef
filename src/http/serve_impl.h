/*
 * serve_impl.h - what the files of `parley serve`'s HTTP interface share;
 * private to src/http/serve*.c (callers use serve.h, which this header does
 * not change).
 *
 * The interface is split along one-way dependencies (each file uses only the
 * ones below it):
 *   serve.c          the libmicrohttpd daemon: started and stopped; every
 *                    request taken in (route, limits, body) and handed to
 *                    its handler;
 *   serve_api.c      submissions, proofs and the views (JSON answers);
 *   serve_tiles.c    tiles and entry bundles from the log directory, bundles
 *                    gzipped on request (kept in a pl_gzcache);
 *   serve_blobs.c    blob requests: their signed headers, downloads;
 *   serve_metrics.c  /metrics, in the Prometheus text format;
 *   serve_respond.c  queuing responses and JSON errors, counted by class;
 *   serve_defer.c    requests answered off the pool: suspended, answered by
 *                    another thread, resumed;
 *   serve_hup.c      the half-close watch: clients that send part of a
 *                    request and shut their side down are closed at once, as
 *                    libmicrohttpd's epoll mode would not notice.
 *
 * Threads: libmicrohttpd runs in epoll mode with a pool of threads (each
 * with its own epoll set and its share of the connections); an idle
 * keep-alive connection costs memory, never a thread. Every handler runs on
 * the pool thread of its connection and must not block: what may wait is
 * deferred (serve_defer.c), its connection suspended (MHD_suspend_connection)
 * until the answer is made elsewhere, then resumed (MHD_resume_connection,
 * the one libmicrohttpd call made from another thread, and the last touch of
 * the request by that thread); the handler, called again on the pool thread,
 * queues the answer. Submissions wait for the node, which answers through its
 * done callback (server/node.h); views (the index wait and SQLite) and blob
 * commits (fsyncs) run on a small worker team of the HTTP interface. What the
 * handlers share in pl_http is read-only after pl_http_start, atomic, or
 * guarded by its mu.
 */
#ifndef PARLEY_HTTP_SERVE_IMPL_H
#define PARLEY_HTTP_SERVE_IMPL_H

#include "http/serve.h"

#include "base/codec.h"
#include "http/gzcache.h"
#include "http/route.h"

#include "base/thread.h"
#include "http/views_api.h"

#include <microhttpd.h>
#include <pthread.h>
#include <stdatomic.h>
#include <string.h>

/* Threads of the worker team answering deferred reads and blob commits. */
#define PL_HTTP_WORKERS 4

typedef struct req req;
typedef struct pl_hupwatch pl_hupwatch;

struct pl_http {
	struct MHD_Daemon *d;
	pl_gzcache *gz;
	pl_node *node;
	pl_blobs *blobs;
	uint16_t port;
	atomic_ulong requests[PL_ROUTE_COUNT];
	atomic_ulong errors4xx, errors5xx;
	bool metrics_token;                        /* /metrics needs the bearer token whose digest follows */
	uint8_t metrics_digest[PL_SHA256_SIZE];    /* SHA-256 of the token (http/access.h) */
	/* deferred requests (serve_defer.c), all under mu */
	pthread_mutex_t mu;
	pthread_cond_t idle_cv;  /* deferred dropped to 0 while stopping */
	pthread_cond_t work_cv;  /* work for the team, or stop */
	size_t deferred;         /* deferred requests not yet over (answered and sent, or abandoned) */
	bool stopping;           /* no more deferrals: answered 503 shutting_down */
	bool work_stop;          /* the team leaves */
	req *work_head, *work_tail;
	pl_team *team;
	pl_hupwatch *hup;        /* the half-close watch (serve_hup.c) */
};

/* Parameters a deferred view reads, copied off the connection before it is suspended. */
#define PL_HTTP_VIEW_PARAMS 5

enum { DEFER_NONE, DEFER_RUNNING, DEFER_READY };

struct req {
	pl_route_id route;
	char arg[PL_ROUTE_ARG_MAX]; /* path argument (tile path, index, party, blob id) */
	const char *allow;     /* the Allow header of a 405 (static) */
	pl_buf body;           /* statement submissions */
	pl_blob_upload *up;    /* blob uploads */
	bool failed;           /* an error response is decided; the body is drained */
	bool answered;         /* that response was queued early, before any body */
	int status;
	const char *code;
	char msg[256];
	/* deferred answers (serve_defer.c) */
	pl_http *h;
	struct MHD_Connection *conn;
	_Atomic int defer;     /* DEFER_*: READY once made (before the connection is resumed) */
	bool wait;             /* a submission with ?wait=1 */
	bool has_res;          /* res was initialised */
	pl_node_result res;    /* a submission's answer */
	bool has_view;         /* view was initialised */
	pl_view_answer view;   /* a view's answer */
	char *params[PL_HTTP_VIEW_PARAMS]; /* a view's query parameters (owned; NULL when absent) */
	bool counted;          /* counted in h->deferred until over (pl_http_defer_over) */
	int blob_rc;           /* a blob commit's result */
	char blob_msg[256];
	req *next;             /* the team's queue */
};

/* s parsed as a canonical decimal below PL_TREE_MAX; false for NULL or anything else. */
static inline bool pl_http_parse_u64(const char *s, uint64_t *out)
{
	return s != NULL && pl_dec_parse((const uint8_t *)s, strlen(s), PL_TREE_MAX - 1, out) == PL_OK;
}

/* ---- responses (serve_respond.c); each returns what MHD_queue_response did ---- */

/* Queues status with n bytes of data (copied) as type, with Cache-Control cache
 * (none when NULL); a 4xx or 5xx is counted. */
enum MHD_Result pl_http_send_buf(pl_http *h, struct MHD_Connection *c, unsigned status, const char *type,
				 const void *data, size_t n, const char *cache);

/* Writes s as a JSON string literal (escaped) into out. PL_OK or out's error. */
int pl_http_json_str(pl_buf *out, const char *s) __attribute__((warn_unused_result));

/* Queues the error {"error": {"code": code, "message": msg}} with status (counted by
 * class), a Retry-After of retry_after seconds unless 0, and for a 405 the Allow
 * header allow (NULL: every method). */
enum MHD_Result pl_http_send_error_allow(pl_http *h, struct MHD_Connection *c, unsigned status, const char *code,
					 const char *msg, unsigned retry_after, const char *allow);

/* A 401 error with its WWW-Authenticate header (www: the challenge, like "Bearer realm=..."). */
enum MHD_Result pl_http_send_error_auth(pl_http *h, struct MHD_Connection *c, const char *code, const char *msg,
					const char *www);

/* pl_http_send_error_allow without an Allow header of its own. */
enum MHD_Result pl_http_send_error(pl_http *h, struct MHD_Connection *c, unsigned status, const char *code,
				   const char *msg, unsigned retry_after);

/* ---- handlers, each answering the request r on c ---- */

/* GET /tile/... (r->arg: the path under the log directory) (serve_tiles.c). */
enum MHD_Result pl_http_tile(pl_http *h, struct MHD_Connection *c, req *r);

/* POST /v1/statements with r->body (serve_api.c). */
enum MHD_Result pl_http_submit(pl_http *h, struct MHD_Connection *c, req *r);

/* GET /v1/proof/inclusion?index=I (serve_api.c). */
enum MHD_Result pl_http_inclusion(pl_http *h, struct MHD_Connection *c);

/* GET /v1/proof/consistency?old=M&new=N (serve_api.c). */
enum MHD_Result pl_http_consistency(pl_http *h, struct MHD_Connection *c);

/* POST /v1/statements once the node answered (r->res) (serve_api.c). */
enum MHD_Result pl_http_submit_answer(pl_http *h, struct MHD_Connection *c, req *r);

/* The views: cases, a case, norms, a norm set, an inbox, the report, made into r->view by a worker
 * (pl_http_view_run) and sent by pl_http_view_answer (serve_api.c). */
void pl_http_view_run(pl_http *h, req *r);
enum MHD_Result pl_http_view_answer(pl_http *h, struct MHD_Connection *c, req *r);

/* The names of the view parameters, in the order of req.params (serve_api.c). */
extern const char *const pl_http_view_params[PL_HTTP_VIEW_PARAMS];

/* ---- deferred answers (serve_defer.c) ---- */

/* Starts and stops the worker team. pl_http_defer_drain stops deferring and waits until every
 * deferred request is over: resumed, answered and its answer sent (before MHD_stop_daemon). */
int pl_http_defer_start(pl_http *h) __attribute__((warn_unused_result));
void pl_http_defer_drain(pl_http *h);
void pl_http_defer_stop(pl_http *h);

/* Suspends c and hands r to the node (a submission) or to the team (a view, a blob commit); the
 * handler is called again once the answer is in r (r->defer DEFER_READY). Returns what the handler
 * returns; when stopping, answers 503 shutting_down at once instead. */
enum MHD_Result pl_http_defer_submit(pl_http *h, struct MHD_Connection *c, req *r);
enum MHD_Result pl_http_defer_work(pl_http *h, struct MHD_Connection *c, req *r);

/* The request r is over (the completed callback): uncounted if it was deferred. */
void pl_http_defer_over(pl_http *h, req *r);

/* Frees what a deferred answer holds (the completed callback). */
void pl_http_defer_release(req *r);

/* ---- the half-close watch (serve_hup.c) ---- */

/* Starts the watch and its thread (PL_ENOMEM, PL_EIO); stops and frees it (NULL is fine). */
int pl_hupwatch_start(pl_hupwatch **out) __attribute__((warn_unused_result));
void pl_hupwatch_stop(pl_hupwatch *w);

/* libmicrohttpd opened a connection on fd; it is about to close fd (called before it does). */
void pl_hupwatch_opened(pl_hupwatch *w, int fd);
void pl_hupwatch_closed(pl_hupwatch *w, int fd);

/* GET /metrics (serve_metrics.c). */
enum MHD_Result pl_http_metrics(pl_http *h, struct MHD_Connection *c);

/* Checks the signed headers of a blob request (method, blob hex) before its body
 * (serve_blobs.c). False with r's status, code and message set when they do not
 * check. */
bool pl_http_blob_auth(pl_http *h, struct MHD_Connection *c, const char *method, const char *hex, req *r);

/*
 * PUT /v1/blobs/<sha256> (r->arg), authenticated: starts the upload charged
 * to the signing party, with the declared length (0: none) charged at once
 * so an upload over its party's quota or the store's total is refused before
 * its body (serve_blobs.c). False with r's status, code and message set.
 */
bool pl_http_blob_begin(pl_http *h, struct MHD_Connection *c, uint64_t declared, req *r);

/* The next n bytes of an upload's body (serve_blobs.c). False with r's status, code and message set. */
bool pl_http_blob_data(req *r, const char *p, size_t n);

/* GET /v1/blobs/<sha256> (r->arg), already authenticated (serve_blobs.c). */
enum MHD_Result pl_http_blob_get(pl_http *h, struct MHD_Connection *c, req *r);

#endif
