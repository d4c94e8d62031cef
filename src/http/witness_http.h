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

/* The HTTP status of an add-checkpoint answer (the spec's: 200, 400, 403, 404, 409,
 * 422, 429; 503 out of memory; 500 a failure of the witness itself). */
unsigned pl_witness_http_status(const pl_witness_answer *a);

int pl_whttp_start(pl_witness *w, const char *host, uint16_t port, pl_whttp **out, pl_diag *d)
	__attribute__((warn_unused_result));
uint16_t pl_whttp_port(const pl_whttp *h);
void pl_whttp_stop(pl_whttp *h);

#endif
