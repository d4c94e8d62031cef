/*
 * views_api.h - the read API over the workflow index (docs/api.md, "Workflow
 * views"): the HTTP adapter routes a GET here and sends what it gets back.
 *
 *   GET /v1/cases?party=&state=open|closed&limit=&offset=
 *   GET /v1/cases/<id>?now=
 *   GET /v1/norms                GET /v1/norms/<hash>
 *   GET /v1/inbox/<party>?now=&limit=&offset=
 *   GET /v1/report?party=&now=
 *
 * now is an RFC 3339 time (default: the server's clock); limit 1..1000
 * (default 100). Bad parameters are 400 bad_request; an unknown case, norm
 * set or party 404 not_found; an index still catching up 503 index_behind.
 */
#ifndef PARLEY_HTTP_VIEWS_API_H
#define PARLEY_HTTP_VIEWS_API_H

#include "base/buf.h"
#include "server/node.h"

typedef enum pl_view_kind {
	PL_VIEW_CASES,
	PL_VIEW_CASE,
	PL_VIEW_NORMS,
	PL_VIEW_NORM_SET,
	PL_VIEW_INBOX,
	PL_VIEW_REPORT,
	PL_VIEW_GROUPS,
	PL_VIEW_GROUP,
	PL_VIEW_SESSIONS,
	PL_VIEW_SESSION
} pl_view_kind;

/* Looks up a query parameter (NULL when absent). */
typedef const char *(*pl_param_fn)(void *ctx, const char *name);

typedef struct pl_view_answer {
	unsigned status;     /* 200 or an error status */
	const char *code;    /* error code when status != 200 */
	char msg[256];       /* error sentence */
	pl_buf body;         /* JSON when 200 (the caller initialises and releases it) */
} pl_view_answer;

/* Answers one view request; arg is the path argument (case id, set hash, party) or NULL. */
void pl_views_answer(pl_node *n, pl_view_kind kind, const char *arg, pl_param_fn param, void *ctx, pl_view_answer *a);

#endif
