/*
 * api_impl.h - what the files of the API client share; private to
 * src/client/api*.c (callers use api.h, which this header does not change).
 *
 * The client is split along one-way dependencies (each file uses only
 * api.c and this header):
 *   api.c         the connection: one request, its answer (and the server's
 *                 error sentence), JSON views;
 *   api_submit.c  submitting a statement, its acceptance (accepted.h) and
 *                 receipt checked;
 *   api_proofs.c  entries fetched with inclusion proofs, the keys parties
 *                 held, proof files checked offline;
 *   api_blobs.c   blobs, streamed or in memory, with signed requests.
 */
#ifndef PARLEY_CLIENT_API_IMPL_H
#define PARLEY_CLIENT_API_IMPL_H

#include "client/api.h"

#include <curl/curl.h>

struct pl_api {
	char url[1024];
	CURL *curl;
};

/* Where pl_api_on_data appends an answer: out from start on; too_big once
 * out's cap was reached (the answer is then cut). */
typedef struct sink {
	pl_buf *out;
	size_t start;
	bool too_big;
} sink;

/* libcurl's write callback for a sink (ctx): appends, or stops the transfer
 * once the sink is full. */
size_t pl_api_on_data(char *p, size_t size, size_t nmemb, void *ctx);

/* Sets d from an error answer (status, body): PL_EREFUSED "refused (STATUS
 * CODE): MESSAGE" from the server's {"error": {"code", "message"}}, else "the
 * server answered HTTP STATUS" (PL_EREFUSED below 500, PL_ENET from 500 on). */
void pl_api_error_text(const pl_buf *body, long status, pl_diag *d);

/* GET path as JSON (at most 16 MiB; *out owned by the caller). PL_ENOTFOUND
 * for a 404, PL_ENET for another answer than 200. */
int pl_api_get_json(pl_api *a, const char *path, json_t **out, pl_diag *d) __attribute__((warn_unused_result));

#endif
