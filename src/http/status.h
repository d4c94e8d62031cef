/*
 * status.h - the one table that turns the library's refusals and errors into
 * HTTP answers, shared by every HTTP adapter (serve, witness; later the desk
 * and TAXII). Nothing below src/http knows an HTTP status.
 */
#ifndef PARLEY_HTTP_STATUS_H
#define PARLEY_HTTP_STATUS_H

#include "base/refusal.h"

/* The HTTP status of a kind of refusal (400, 401, 403, 404, 409, 413, 415, 422, 429, 503). */
unsigned pl_http_status_of_kind(pl_refusal_kind kind);

/* The HTTP status of a refusal code. */
unsigned pl_http_status_of(pl_refusal_code code);

/*
 * The answer to a library call that failed with err (PL_EREFUSED with the
 * refusal r, or any other error code): its status and stable code. Out of
 * memory is 503 "no_memory" (never blamed on the request); other errors that
 * are not refusals are 500 "internal".
 */
void pl_http_answer_of(int err, const pl_refusal *r, unsigned *status, const char **code);

/* Seconds a client should wait before retrying an answer of this status (0: do not say). */
unsigned pl_http_retry_after(unsigned status);

#endif
