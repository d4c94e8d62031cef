/*
 * serve.h - `parley serve`'s HTTP interface (libmicrohttpd), an adapter over
 * pl_node: the C2SP tlog-tiles read API, statement submission, proofs,
 * blobs, health and metrics. docs/api.md is the reference; in short:
 *
 *   GET  /checkpoint                         signed checkpoint (no-cache)
 *   GET  /tile/<L>/<N>[.p/<W>]               hash tiles (immutable)
 *   GET  /tile/entries/<N>[.p/<W>]           entry bundles (immutable, gzip on request)
 *   POST /v1/statements[?wait=1]             submit a DSSE envelope
 *   GET  /v1/entries/<i>                     one entry (the envelope as submitted)
 *   GET  /v1/proof/inclusion?index=I         tlog-proof against the current checkpoint
 *   GET  /v1/proof/consistency?old=M&new=N   consistency proof (JSON)
 *   GET  /v1/parties[/<name>]                the membership registry
 *   PUT  /v1/blobs/<sha256>, GET /v1/blobs/<sha256>   members only, signed requests
 *   GET  /healthz, GET /metrics
 * Every error is JSON {"error": {"code": C, "message": M}} with its status.
 */
#ifndef PARLEY_HTTP_SERVE_H
#define PARLEY_HTTP_SERVE_H

#include <stdint.h>

#include "base/err.h"
#include "server/node.h"
#include "store/blobs.h"


typedef struct pl_http_opts {
	const char *host;        /* address to listen on (default 127.0.0.1) */
	uint16_t port;           /* 0 picks a free port */
	unsigned conn_timeout;   /* idle seconds before a connection is closed (default 30) */
	unsigned conn_limit;     /* simultaneous connections (default 512) */
	unsigned per_ip_limit;   /* simultaneous connections per address (default 256) */
	size_t header_max;       /* bytes of request line and headers (default 8 KiB, as Apache's
				    and nginx's per-line limits): also the memory libmicrohttpd
				    keeps per connection, so an idle connection costs about 8.5 KiB */
	unsigned threads;        /* libmicrohttpd's pool threads, each serving its share of the
				    connections in epoll mode (default 0: online CPUs; at most
				    PL_HTTP_THREADS_MAX) */
	const uint8_t *metrics_token; /* NULL: /metrics for loopback clients only; else the bearer token every
					 client must present (http/access.h; only its digest is kept) */
	size_t metrics_token_len;
} pl_http_opts;

#define PL_HTTP_THREADS_MAX 64
/* The most connections --conn-limit takes. */
#define PL_HTTP_CONN_LIMIT_MAX 1000000

void pl_http_opts_default(pl_http_opts *o);

typedef struct pl_http pl_http;

/* Starts serving node (and blobs, which may be NULL). PL_EINVAL for a metrics token access.h does not take. */
int pl_http_start(pl_node *node, pl_blobs *blobs, const pl_http_opts *o, pl_http **out, pl_diag *d)
	__attribute__((warn_unused_result));

/* The port actually bound. */
uint16_t pl_http_port(const pl_http *h);

/* Stops accepting new connections, answers every request in flight (suspended ones included:
 * node must still be open), closes the rest, frees. NULL is fine. */
void pl_http_stop(pl_http *h);

#endif
