/* route.c - URL routing of `parley serve` as a pure function (see route.h). */
#include "http/route.h"

#include "base/codec.h"
#include "statement/party.h"
#include "store/blobs.h"
#include "tlog/merkle.h"
#include "tlog/tile.h"

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

static const char *const route_names[PL_ROUTE_COUNT] = {
	"none",   "checkpoint", "tile",   "submit",  "entry", "inclusion", "consistency",
	"parties", "party",     "blob_put", "blob_get", "health", "metrics", "cases",
	"case",   "norms",      "norm_set", "inbox",  "report", "groups", "group", "sessions", "session"};

static const char ALLOW_GET[] = "GET, HEAD";
static const char ALLOW_POST[] = "POST";
static const char ALLOW_BLOB[] = "GET, HEAD, PUT";

const char *pl_route_name(pl_route_id r)
{
	return (unsigned)r < PL_ROUTE_COUNT ? route_names[r] : "none";
}

/* True if url[0..n) is exactly the NUL-terminated literal s. */
static bool is(const char *url, size_t n, const char *s)
{
	return strlen(s) == n && memcmp(url, s, n) == 0;
}

/* True if url[0..n) starts with the literal prefix s (and holds more after it). */
static bool under(const char *url, size_t n, const char *s)
{
	size_t k = strlen(s);
	return n > k && memcmp(url, s, k) == 0;
}

/* Copies p[0..n) into out->arg; false if it does not fit. */
static bool set_arg(pl_route_match *out, const char *p, size_t n)
{
	if (n >= sizeof out->arg)
		return false;
	memcpy(out->arg, p, n);
	out->arg[n] = '\0';
	return true;
}

static bool canonical_index(const char *p, size_t n)
{
	uint64_t v;
	return pl_dec_parse((const uint8_t *)p, n, PL_TREE_MAX - 1, &v) == PL_OK;
}

/* Refuses a known resource's wrong method with 405 and its Allow list. */
static unsigned method_check(bool ok, const char *allow, pl_route_match *out)
{
	if (ok)
		return 0;
	out->allow = allow;
	return 405;
}

unsigned pl_route(const char *url, size_t n, const char *method, pl_route_match *out)
{
	memset(out, 0, sizeof *out);
	bool get = strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0;
	bool post = strcmp(method, "POST") == 0, put = strcmp(method, "PUT") == 0;
	if (n > PL_ROUTE_URL_MAX)
		return 414;
	if (memchr(url, '\0', n) != NULL)
		return 400;

	pl_route_id r = PL_ROUTE_NONE;
	if (is(url, n, "/checkpoint")) {
		r = PL_ROUTE_CHECKPOINT;
	} else if (under(url, n, "/tile/")) {
		pl_tile t;
		if (pl_tile_parse_path(url + 1, n - 1, &t) != PL_OK || !set_arg(out, url + 1, n - 1))
			goto not_found;
		r = PL_ROUTE_TILE;
	} else if (is(url, n, "/v1/statements")) {
		out->route = PL_ROUTE_SUBMIT;
		return method_check(post, ALLOW_POST, out);
	} else if (under(url, n, "/v1/entries/")) {
		if (!canonical_index(url + 12, n - 12) || !set_arg(out, url + 12, n - 12))
			goto not_found;
		r = PL_ROUTE_ENTRY;
	} else if (is(url, n, "/v1/proof/inclusion")) {
		r = PL_ROUTE_INCLUSION;
	} else if (is(url, n, "/v1/proof/consistency")) {
		r = PL_ROUTE_CONSISTENCY;
	} else if (is(url, n, "/v1/parties")) {
		r = PL_ROUTE_PARTIES;
	} else if (under(url, n, "/v1/parties/")) {
		if (!pl_party_name_valid(url + 12, n - 12) || !set_arg(out, url + 12, n - 12))
			goto not_found;
		r = PL_ROUTE_PARTY;
	} else if (under(url, n, "/v1/blobs/")) {
		if (n - 10 != PL_SHA256_HEX_LEN || !set_arg(out, url + 10, PL_SHA256_HEX_LEN) ||
		    !pl_blob_id_valid(out->arg))
			goto not_found;
		out->route = put ? PL_ROUTE_BLOB_PUT : PL_ROUTE_BLOB_GET;
		return method_check(put || get, ALLOW_BLOB, out);
	} else if (is(url, n, "/v1/cases")) {
		r = PL_ROUTE_CASES;
	} else if (under(url, n, "/v1/cases/")) {
		if (!canonical_index(url + 10, n - 10) || !set_arg(out, url + 10, n - 10))
			goto not_found;
		r = PL_ROUTE_CASE;
	} else if (is(url, n, "/v1/groups")) {
		r = PL_ROUTE_GROUPS;
	} else if (under(url, n, "/v1/groups/")) {
		if (!canonical_index(url + 11, n - 11) || !set_arg(out, url + 11, n - 11))
			goto not_found;
		r = PL_ROUTE_GROUP;
	} else if (is(url, n, "/v1/sessions")) {
		r = PL_ROUTE_SESSIONS;
	} else if (under(url, n, "/v1/sessions/")) {
		if (!canonical_index(url + 13, n - 13) || !set_arg(out, url + 13, n - 13))
			goto not_found;
		r = PL_ROUTE_SESSION;
	} else if (is(url, n, "/v1/norms")) {
		r = PL_ROUTE_NORMS;
	} else if (under(url, n, "/v1/norms/")) {
		uint8_t h[PL_SHA256_SIZE];
		if (n != 10 + PL_SHA256_HEX_LEN ||
		    pl_hex_decode((const uint8_t *)url + 10, PL_SHA256_HEX_LEN, h, PL_SHA256_SIZE) != PL_OK ||
		    !set_arg(out, url + 10, PL_SHA256_HEX_LEN))
			goto not_found;
		r = PL_ROUTE_NORM_SET;
	} else if (under(url, n, "/v1/inbox/")) {
		if (!pl_party_name_valid(url + 10, n - 10) || !set_arg(out, url + 10, n - 10))
			goto not_found;
		r = PL_ROUTE_INBOX;
	} else if (is(url, n, "/v1/report")) {
		r = PL_ROUTE_REPORT;
	} else if (is(url, n, "/healthz")) {
		r = PL_ROUTE_HEALTH;
	} else if (is(url, n, "/metrics")) {
		r = PL_ROUTE_METRICS;
	} else {
		goto not_found;
	}
	out->route = r;
	return method_check(get, ALLOW_GET, out);

not_found:
	memset(out, 0, sizeof *out);
	return 404;
}
