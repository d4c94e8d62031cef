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
 *   serve_respond.c  queuing responses and JSON errors, counted by class.
 * Every handler runs on the connection's thread (one thread per connection);
 * what they share in pl_http is either read-only after pl_http_start or
 * atomic.
 */
#ifndef PARLEY_HTTP_SERVE_IMPL_H
#define PARLEY_HTTP_SERVE_IMPL_H

#include "http/serve.h"

#include "base/codec.h"
#include "http/gzcache.h"
#include "http/route.h"

#include <microhttpd.h>
#include <stdatomic.h>
#include <string.h>

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
};

typedef struct req {
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
} req;

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

/* The views: cases, a case, norms, a norm set, an inbox, the report (serve_api.c). */
enum MHD_Result pl_http_view(pl_http *h, struct MHD_Connection *c, req *r);

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
