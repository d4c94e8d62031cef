/*
 * fuzz_route.c - the URL router of `parley serve` (pl_route, http/route.h).
 *
 * The input is "METHOD URL": the bytes before the first space are the method
 * (a C string, so it ends at a NUL if there is one), the rest is the URL,
 * passed with its length in a heap block of exactly its size (not
 * NUL-terminated, so reading past it is caught by ASan). Without a space the
 * whole input is the URL and the method is GET. Properties checked:
 *   - the status is 0 or one of 400, 404, 405, 414; 414 exactly when the URL
 *     is longer than PL_ROUTE_URL_MAX, else 400 exactly when it holds a NUL;
 *   - the match is well formed: the argument is NUL-terminated inside its
 *     buffer; allow is set exactly with 405; the route is NONE exactly when
 *     refused with 400/404/414; the same input routes the same way twice;
 *   - a served route (0) matches the method: GET/HEAD for reads, POST for
 *     submissions, PUT (BLOB_PUT) or GET/HEAD (BLOB_GET) for blobs;
 *   - a routed URL (0 or 405) is exactly the route's prefix followed by its
 *     argument, and the argument is canonical: tile paths accepted by
 *     pl_tile_parse_path, canonical decimals, valid party names, 64
 *     lower-case hex digits for blobs and norm sets;
 *   - a routed URL never holds "//", "\", "%", a byte outside printable
 *     ASCII, or a "." or ".." path segment; ".." appears only inside a party
 *     name ("a..b" is a valid party name) and never next to a '/';
 *   - conversely (an independent oracle), a URL within the cap that is one of
 *     the fixed paths, or "/tile/" + a path pl_tile_parse_path accepts, is
 *     routed (0 or 405) to that route.
 */
#include "fuzz_common.h"

#include "base/codec.h"
#include "http/route.h"
#include "statement/party.h"
#include "store/blobs.h"
#include "tlog/merkle.h"
#include "tlog/tile.h"

#define METHOD_MAX 32

typedef struct fixed_route {
	const char *path;
	pl_route_id route;
} fixed_route;

static const fixed_route FIXED[] = {
	{"/checkpoint", PL_ROUTE_CHECKPOINT},
	{"/v1/statements", PL_ROUTE_SUBMIT},
	{"/v1/proof/inclusion", PL_ROUTE_INCLUSION},
	{"/v1/proof/consistency", PL_ROUTE_CONSISTENCY},
	{"/v1/parties", PL_ROUTE_PARTIES},
	{"/v1/cases", PL_ROUTE_CASES},
	{"/v1/groups", PL_ROUTE_GROUPS},
	{"/v1/sessions", PL_ROUTE_SESSIONS},
	{"/v1/norms", PL_ROUTE_NORMS},
	{"/v1/report", PL_ROUTE_REPORT},
	{"/healthz", PL_ROUTE_HEALTH},
	{"/metrics", PL_ROUTE_METRICS},
};

static bool lower_hex64(const char *s)
{
	if (strlen(s) != PL_SHA256_HEX_LEN)
		return false;
	for (size_t i = 0; i < PL_SHA256_HEX_LEN; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return false;
	return true;
}

static bool starts(const char *url, size_t n, const char *prefix)
{
	size_t k = strlen(prefix);
	return n >= k && memcmp(url, prefix, k) == 0;
}

/* The URL is prefix + arg, byte for byte. */
static bool is_prefix_arg(const char *url, size_t n, const char *prefix, const char *arg)
{
	size_t k = strlen(prefix), a = strlen(arg);
	return n == k + a && memcmp(url, prefix, k) == 0 && memcmp(url + k, arg, a) == 0;
}

static void check_routed_url(const char *url, size_t n, const pl_route_match *m)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)url[i];
		FZ_CHECK(ch > 0x20 && ch < 0x7f && ch != '\\' && ch != '%');
		if (i + 1 < n)
			FZ_CHECK(!(url[i] == '/' && url[i + 1] == '/'));
		if (url[i] == '/') { /* no "." or ".." segment */
			size_t j = i + 1;
			while (j < n && url[j] == '.')
				j++;
			FZ_CHECK(!(j > i + 1 && j - i - 1 <= 2 && (j == n || url[j] == '/')));
		}
		if (i + 1 < n && url[i] == '.' && url[i + 1] == '.') {
			FZ_CHECK(m->route == PL_ROUTE_PARTY || m->route == PL_ROUTE_INBOX);
			FZ_CHECK(i > 0 && url[i - 1] != '/' && i + 2 < n && url[i + 2] != '/');
		}
	}
}

static void check_arg(const char *url, size_t n, const pl_route_match *m)
{
	const char *a = m->arg;
	uint64_t v;
	pl_tile t;
	switch (m->route) {
	case PL_ROUTE_TILE:
		FZ_CHECK(is_prefix_arg(url, n, "/", a));
		FZ_CHECK(pl_tile_parse_path(a, strlen(a), &t) == PL_OK);
		break;
	case PL_ROUTE_ENTRY:
		FZ_CHECK(is_prefix_arg(url, n, "/v1/entries/", a));
		FZ_CHECK(pl_dec_parse((const uint8_t *)a, strlen(a), PL_TREE_MAX - 1, &v) == PL_OK);
		break;
	case PL_ROUTE_CASE:
		FZ_CHECK(is_prefix_arg(url, n, "/v1/cases/", a));
		FZ_CHECK(pl_dec_parse((const uint8_t *)a, strlen(a), PL_TREE_MAX - 1, &v) == PL_OK);
		break;
	case PL_ROUTE_SESSION:
		FZ_CHECK(is_prefix_arg(url, n, "/v1/sessions/", a));
		FZ_CHECK(pl_dec_parse((const uint8_t *)a, strlen(a), PL_TREE_MAX - 1, &v) == PL_OK);
		break;
	case PL_ROUTE_GROUP:
		FZ_CHECK(is_prefix_arg(url, n, "/v1/groups/", a));
		FZ_CHECK(pl_dec_parse((const uint8_t *)a, strlen(a), PL_TREE_MAX - 1, &v) == PL_OK);
		break;
	case PL_ROUTE_PARTY:
		FZ_CHECK(is_prefix_arg(url, n, "/v1/parties/", a));
		FZ_CHECK(pl_party_name_valid(a, strlen(a)));
		break;
	case PL_ROUTE_INBOX:
		FZ_CHECK(is_prefix_arg(url, n, "/v1/inbox/", a));
		FZ_CHECK(pl_party_name_valid(a, strlen(a)));
		break;
	case PL_ROUTE_BLOB_PUT:
	case PL_ROUTE_BLOB_GET:
		FZ_CHECK(is_prefix_arg(url, n, "/v1/blobs/", a));
		FZ_CHECK(lower_hex64(a) && pl_blob_id_valid(a));
		break;
	case PL_ROUTE_NORM_SET:
		FZ_CHECK(is_prefix_arg(url, n, "/v1/norms/", a));
		FZ_CHECK(lower_hex64(a));
		break;
	default: { /* a fixed path, no argument */
		FZ_CHECK(a[0] == '\0');
		bool found = false;
		for (size_t i = 0; i < sizeof FIXED / sizeof FIXED[0]; i++)
			if (FIXED[i].route == m->route) {
				FZ_CHECK(strlen(FIXED[i].path) == n && memcmp(FIXED[i].path, url, n) == 0);
				found = true;
			}
		FZ_CHECK(found);
	}
	}
	/* only a tile path has slashes; no argument has anything outside [a-z0-9./x-] */
	for (const char *p = a; *p; p++) {
		FZ_CHECK((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '.' || *p == '-' || *p == '/');
		if (*p == '/')
			FZ_CHECK(m->route == PL_ROUTE_TILE);
	}
}

static void check_method(const char *method, unsigned st, const pl_route_match *m)
{
	bool get = strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0;
	bool post = strcmp(method, "POST") == 0, put = strcmp(method, "PUT") == 0;
	bool ok;
	switch (m->route) {
	case PL_ROUTE_SUBMIT:
		ok = post;
		break;
	case PL_ROUTE_BLOB_PUT:
		ok = put;
		FZ_CHECK(put); /* BLOB_PUT only ever for PUT */
		break;
	case PL_ROUTE_BLOB_GET:
		ok = get;
		FZ_CHECK(!put);
		break;
	default:
		ok = get;
	}
	FZ_CHECK((st == 0) == ok);
	if (st == 405) {
		FZ_CHECK(m->allow != NULL);
		const char *want = m->route == PL_ROUTE_SUBMIT ? "POST" :
				   (m->route == PL_ROUTE_BLOB_GET || m->route == PL_ROUTE_BLOB_PUT) ? "GET, HEAD, PUT" :
												     "GET, HEAD";
		FZ_CHECK(strcmp(m->allow, want) == 0);
	}
}

/* The converse: URLs that must be routed are. */
static void check_oracle(const char *url, size_t n, unsigned st, const pl_route_match *m)
{
	if (n > PL_ROUTE_URL_MAX || memchr(url, '\0', n) != NULL)
		return;
	for (size_t i = 0; i < sizeof FIXED / sizeof FIXED[0]; i++)
		if (strlen(FIXED[i].path) == n && memcmp(FIXED[i].path, url, n) == 0)
			FZ_CHECK((st == 0 || st == 405) && m->route == FIXED[i].route);
	pl_tile t;
	if (starts(url, n, "/tile/") && pl_tile_parse_path(url + 1, n - 1, &t) == PL_OK)
		FZ_CHECK((st == 0 || st == 405) && m->route == PL_ROUTE_TILE);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char method[METHOD_MAX + 1] = "GET";
	const uint8_t *sp = memchr(data, ' ', size < METHOD_MAX ? size : METHOD_MAX);
	size_t skip = 0;
	if (sp != NULL) {
		size_t k = (size_t)(sp - data);
		memcpy(method, data, k);
		method[k] = '\0';
		skip = k + 1;
	}
	size_t n = size - skip;
	char *url = malloc(n ? n : 1);
	FZ_CHECK(url != NULL);
	if (n)
		memcpy(url, data + skip, n);

	pl_route_match m, again;
	memset(&m, 0xa5, sizeof m); /* garbage in: pl_route must write it all */
	unsigned st = pl_route(url, n, method, &m);
	FZ_CHECK(st == 0 || st == 400 || st == 404 || st == 405 || st == 414);
	FZ_CHECK((st == 414) == (n > PL_ROUTE_URL_MAX));
	if (n <= PL_ROUTE_URL_MAX)
		FZ_CHECK((st == 400) == (memchr(url, '\0', n) != NULL));
	FZ_CHECK(memchr(m.arg, '\0', sizeof m.arg) != NULL);
	FZ_CHECK((m.allow != NULL) == (st == 405));
	FZ_CHECK((unsigned)m.route < PL_ROUTE_COUNT);
	FZ_CHECK((m.route == PL_ROUTE_NONE) == (st == 400 || st == 404 || st == 414));
	FZ_CHECK(pl_route_name(m.route) != NULL);
	FZ_CHECK((strcmp(pl_route_name(m.route), "none") == 0) == (m.route == PL_ROUTE_NONE));
	if (m.route == PL_ROUTE_NONE)
		FZ_CHECK(m.arg[0] == '\0');

	memset(&again, 0, sizeof again);
	FZ_CHECK(pl_route(url, n, method, &again) == st);
	FZ_CHECK(again.route == m.route && strcmp(again.arg, m.arg) == 0 && again.allow == m.allow);

	if (st == 0 || st == 405) {
		check_routed_url(url, n, &m);
		check_arg(url, n, &m);
		check_method(method, st, &m);
	}
	check_oracle(url, n, st, &m);
	free(url);
	return 0;
}
