/* http_source.c - a published log over HTTP(S), as a pl_source (http_source.h). */
#include "client/http_source.h"

#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct http_source {
	char url[2048]; /* prefix without trailing slash */
	CURL *curl;     /* reused for keep-alive */
	bool gzip;      /* ask for compressed bundles */
} http_source;

typedef struct sink {
	pl_buf *out;
	size_t start;
	size_t max;
	bool too_big;
} sink;

static size_t on_data(char *p, size_t size, size_t nmemb, void *ctx)
{
	sink *k = ctx;
	size_t n = size * nmemb;
	if (k->out->len - k->start + n > k->max || pl_buf_append(k->out, p, n) != PL_OK) {
		k->too_big = true;
		return 0; /* aborts the transfer */
	}
	return n;
}

static int http_get(void *impl, const char *relpath, size_t max, pl_buf *out, pl_diag *d)
{
	http_source *s = impl;
	char url[4096];
	if (snprintf(url, sizeof url, "%s/%s", s->url, relpath) >= (int)sizeof url)
		return pl_diag_set(d, PL_EINVAL, "URL too long");
	sink k = {out, out->len, max, false};
	CURL *c = s->curl;
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &k);
	curl_easy_setopt(c, CURLOPT_ACCEPT_ENCODING, s->gzip ? "" : "identity"); /* "": gzip, deflate, identity */
	curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 10L);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, 120L);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_USERAGENT, "parley/0.1");
	CURLcode cr = curl_easy_perform(c);
	if (k.too_big) {
		pl_buf_truncate(out, k.start);
		return pl_diag_set(d, PL_ETOOBIG, "%s: response larger than %zu bytes", url, max);
	}
	if (cr != CURLE_OK) {
		pl_buf_truncate(out, k.start);
		return pl_diag_set(d, PL_ENET, "GET %s: %s", url, curl_easy_strerror(cr));
	}
	long status = 0;
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
	if (status == 200)
		return PL_OK;
	pl_buf_truncate(out, k.start);
	if (status == 404)
		return pl_diag_set(d, PL_ENOTFOUND, "GET %s: 404 Not Found", url);
	return pl_diag_set(d, PL_ENET, "GET %s: HTTP status %ld", url, status);
}

static void http_free(void *impl)
{
	http_source *s = impl;
	if (s == NULL)
		return;
	if (s->curl)
		curl_easy_cleanup(s->curl);
	free(s);
}

static const pl_source_ops http_ops = {.get = http_get, .free = http_free};

bool pl_source_is_url(const char *where)
{
	return strncmp(where, "http://", 7) == 0 || strncmp(where, "https://", 8) == 0;
}

int pl_source_open_url(const char *url, bool gzip, pl_source **out, pl_diag *d)
{
	*out = NULL;
	size_t n = strlen(url);
	if (!pl_source_is_url(url))
		return pl_diag_set(d, PL_EINVAL, "%s is not an http:// or https:// URL", url);
	http_source *s = calloc(1, sizeof *s);
	if (s == NULL)
		return pl_diag_set(d, PL_ENOMEM, "out of memory");
	if (n >= sizeof s->url) {
		free(s);
		return pl_diag_set(d, PL_EINVAL, "URL too long");
	}
	memcpy(s->url, url, n + 1);
	while (n > 0 && s->url[n - 1] == '/')
		s->url[--n] = '\0';
	s->gzip = gzip;
	s->curl = curl_easy_init();
	if (s->curl == NULL) {
		free(s);
		return pl_diag_set(d, PL_ENOMEM, "curl_easy_init failed");
	}
	return pl_source_new(&http_ops, s, out, d);
}

int pl_source_open_any(const char *where, pl_source **out, pl_diag *d)
{
	if (pl_source_is_url(where))
		return pl_source_open_url(where, true, out, d);
	return pl_source_open_dir(where, out, d);
}
