/*
 * route.h - the URL routing of `parley serve` (docs/api.md) as a pure
 * function: no I/O, no allocation, no global state, so it can be fuzzed on
 * its own (fuzz/fuzz_route.c). The HTTP adapter (http.c) calls it on the
 * request's method and decoded path (the query string already split off).
 *
 * Contract of pl_route, for every input:
 *   - it returns 0 (serve the route in out->route) or the status to refuse
 *     with: 400 (a NUL byte inside the path), 404 (no such resource, or a
 *     path argument that is not canonical), 405 (a known resource, another
 *     method: out->allow lists the right ones) or 414 (path longer than
 *     PL_ROUTE_URL_MAX bytes);
 *   - out is always fully written: out->arg is NUL-terminated within its
 *     buffer (empty unless the route takes a path argument), out->allow is
 *     NULL or a static string;
 *   - a route with a path argument is only returned (0 or 405) for a
 *     canonical argument, copied to out->arg:
 *       tile      "tile/..." exactly as pl_tile_parse_path accepts it
 *       entry, case   a canonical decimal (no sign, no leading zero) < 2^62
 *       party, inbox  a valid party name (pl_party_name_valid)
 *       blob      64 lower-case hex digits (pl_blob_id_valid)
 *       norm set  64 lower-case hex digits
 *     so no argument holds '/', '\\', '%', a NUL or a byte outside ASCII,
 *     and none is a "." or ".." path segment;
 *   - methods are matched exactly (case-sensitive); HEAD is served as GET.
 */
#ifndef PARLEY_HTTP_ROUTE_H
#define PARLEY_HTTP_ROUTE_H

#include <stddef.h>

/* The longest path (without the query string) that is routed; longer: 414. */
#define PL_ROUTE_URL_MAX 200
/* Bytes of out->arg, its NUL included (the longest argument is a tile path). */
#define PL_ROUTE_ARG_MAX 80

typedef enum pl_route_id {
	PL_ROUTE_NONE, /* no route: the request was refused (404 or 414) */
	PL_ROUTE_CHECKPOINT,
	PL_ROUTE_TILE,
	PL_ROUTE_SUBMIT,
	PL_ROUTE_ENTRY,
	PL_ROUTE_INCLUSION,
	PL_ROUTE_CONSISTENCY,
	PL_ROUTE_PARTIES,
	PL_ROUTE_PARTY,
	PL_ROUTE_BLOB_PUT,
	PL_ROUTE_BLOB_GET,
	PL_ROUTE_HEALTH,
	PL_ROUTE_METRICS,
	PL_ROUTE_CASES,
	PL_ROUTE_CASE,
	PL_ROUTE_NORMS,
	PL_ROUTE_NORM_SET,
	PL_ROUTE_INBOX,
	PL_ROUTE_REPORT,
	PL_ROUTE_GROUPS,
	PL_ROUTE_GROUP,
	PL_ROUTE_SESSIONS,
	PL_ROUTE_SESSION,
	PL_ROUTE_COUNT
} pl_route_id;

typedef struct pl_route_match {
	pl_route_id route;           /* the resource (also set with 405; NONE with 400/404/414) */
	char arg[PL_ROUTE_ARG_MAX];  /* its path argument, or "" */
	const char *allow;           /* with 405: the Allow header value ("GET, HEAD", ...); else NULL */
} pl_route_match;

/*
 * Routes method + url[0..url_len) (url need not be NUL-terminated; it may
 * hold NUL bytes, which are refused). method is a NUL-terminated string.
 * Returns 0 or the refusal status, as described above.
 */
unsigned pl_route(const char *url, size_t url_len, const char *method, pl_route_match *out);

/* The route's name for metrics ("checkpoint", "tile", ...); "none" for anything out of range. */
const char *pl_route_name(pl_route_id r);

#endif
