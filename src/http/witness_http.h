/*
 * witness_http.h - the witness's HTTP interface (libmicrohttpd):
 *   POST /add-checkpoint              C2SP tlog-witness
 *   GET  /checkpoint?origin=ORIGIN    the latest checkpoint cosigned for that log, with the cosignature
 *   GET  /healthz
 */
#ifndef PARLEY_HTTP_WITNESS_HTTP_H
#define PARLEY_HTTP_WITNESS_HTTP_H

#include <stdint.h>

#include "base/err.h"
#include "witness/witness.h"

typedef struct pl_whttp pl_whttp;

/* Limits of the witness's listener: connections in all and per client address, the idle
 * timeout, and the threads serving them (epoll: a connection holds no thread). */
#define PL_WHTTP_CONN_MAX 1024
#define PL_WHTTP_PER_IP_MAX 64
#define PL_WHTTP_TIMEOUT_S 30
#define PL_WHTTP_THREADS 2

/* The HTTP status of an add-checkpoint answer (the spec's: 200, 400, 403, 404, 409,
 * 422, 429; 503 out of memory; 500 a failure of the witness itself). */
unsigned pl_witness_http_status(const pl_witness_answer *a);

/* Listens on host (IPv4) and port (0: any free port, see pl_whttp_port) for w, which must
 * outlive the listener. Errors: PL_EINVAL (host not an IPv4 address), PL_EIO (cannot listen),
 * PL_ENOMEM. pl_whttp_stop closes every connection and returns when no handler runs. */
int pl_whttp_start(pl_witness *w, const char *host, uint16_t port, pl_whttp **out, pl_diag *d)
	__attribute__((warn_unused_result));
uint16_t pl_whttp_port(const pl_whttp *h);
void pl_whttp_stop(pl_whttp *h);

#endif
