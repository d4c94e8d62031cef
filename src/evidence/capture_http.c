/* capture_http.c - HTTP/1.x requests in a capture: the request line and the
 * Host header of a segment that starts one. */
#include "evidence/capture_impl.h"

#include <string.h>

static const struct {
	const char *s;
	size_t n;
} http_methods[] = {
	{"GET", 3},     {"POST", 4},    {"HEAD", 4},  {"PUT", 3},   {"DELETE", 6},
	{"OPTIONS", 7}, {"CONNECT", 7}, {"PATCH", 5}, {"TRACE", 5},
};

static bool ci_prefix(const uint8_t *p, size_t n, const char *s)
{
	size_t k = strlen(s);
	if (n < k)
		return false;
	for (size_t i = 0; i < k; i++)
		if (cap_lower(p[i]) != s[i])
			return false;
	return true;
}

/* Copies a Host value (already trimmed) without its port, lower case. A value
 * with spaces or control bytes is not a host: flagged malformed, not kept. */
static void http_set_host(pl_packet *pk, const uint8_t *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (v[i] < 0x21 || v[i] == 0x7f) {
			pk->malformed = true;
			return;
		}
	}
	if (n > 0 && v[0] == '[') {
		const uint8_t *rb = memchr(v, ']', n);
		if (rb != NULL)
			n = (size_t)(rb - v) + 1;
	} else {
		const uint8_t *c = memchr(v, ':', n);
		if (c != NULL && memchr(c + 1, ':', n - (size_t)(c - v) - 1) == NULL)
			n = (size_t)(c - v);
	}
	cap_copy_str(pk->http_host, sizeof pk->http_host, v, n, true, pk);
}

bool pl_capture_http(const uint8_t *p, size_t n, pl_packet *pk)
{
	if (n < 14 || p[0] < 'A' || p[0] > 'Z')
		return false;
	size_t mi = 0, ml = 0;
	for (; mi < sizeof http_methods / sizeof *http_methods; mi++) {
		ml = http_methods[mi].n;
		if (n > ml && memcmp(p, http_methods[mi].s, ml) == 0 && p[ml] == ' ')
			break;
	}
	if (mi == sizeof http_methods / sizeof *http_methods)
		return false;
	const uint8_t *nl = memchr(p, '\n', n);
	if (nl == NULL)
		return false; /* request line not complete in this segment */
	size_t le = (size_t)(nl - p);
	if (le > 0 && p[le - 1] == '\r')
		le--;
	/* METHOD SP target SP HTTP/1.x */
	size_t ts = ml + 1;
	const uint8_t *sp = ts < le ? memchr(p + ts, ' ', le - ts) : NULL;
	if (sp == NULL || sp == p + ts)
		return false;
	size_t te = (size_t)(sp - p);
	if (le - te != 9 || memcmp(p + te, " HTTP/1.", 8) != 0 || p[le - 1] < '0' || p[le - 1] > '9')
		return false;
	for (size_t i = ts; i < te; i++)
		if (p[i] < 0x21 || p[i] == 0x7f)
			return false; /* a request-target has no controls (nor NUL) */
	memcpy(pk->http_method, http_methods[mi].s, ml + 1);
	cap_copy_str(pk->http_path, sizeof pk->http_path, p + ts, te - ts, false, pk);
	/* header lines, up to the blank line; only complete lines count */
	size_t pos = (size_t)(nl - p) + 1;
	while (pos < n) {
		const uint8_t *e = memchr(p + pos, '\n', n - pos);
		if (e == NULL)
			break;
		size_t ll = (size_t)(e - p) - pos;
		if (ll > 0 && p[pos + ll - 1] == '\r')
			ll--;
		if (ll == 0)
			break;
		if (ci_prefix(p + pos, ll, "host:")) {
			const uint8_t *v = p + pos + 5;
			size_t vn = ll - 5;
			while (vn > 0 && (v[0] == ' ' || v[0] == '\t')) {
				v++;
				vn--;
			}
			while (vn > 0 && (v[vn - 1] == ' ' || v[vn - 1] == '\t'))
				vn--;
			http_set_host(pk, v, vn);
			break;
		}
		pos = (size_t)(e - p) + 1;
	}
	return true;
}
