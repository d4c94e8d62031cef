/* api.c - the connection of the HTTP client of a Parley server (libcurl): one
 * request and its answer, the server's error sentence, JSON views. */
#include "client/api_impl.h"

#include "base/json.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int pl_api_open(const char *url, pl_api **out, pl_diag *d)
{
	*out = NULL;
	if (strncmp(url, "http://", 7) != 0 && strncmp(url, "https://", 8) != 0)
		return pl_diag_set(d, PL_EINVAL, "the server URL must start with http:// or https://");
	pl_api *a = calloc(1, sizeof *a);
	if (a == NULL)
		return pl_diag_set(d, PL_ENOMEM, "out of memory");
	snprintf(a->url, sizeof a->url, "%s", url);
	size_t n = strlen(a->url);
	while (n > 0 && a->url[n - 1] == '/')
		a->url[--n] = '\0';
	a->curl = curl_easy_init();
	if (a->curl == NULL) {
		free(a);
		return pl_diag_set(d, PL_ENOMEM, "curl_easy_init failed");
	}
	*out = a;
	return PL_OK;
}

void pl_api_close(pl_api *a)
{
	if (a == NULL)
		return;
	curl_easy_cleanup(a->curl);
	free(a);
}

size_t pl_api_on_data(char *p, size_t size, size_t nmemb, void *ctx)
{
	sink *k = ctx;
	if (pl_buf_append(k->out, p, size * nmemb) != PL_OK) {
		k->too_big = true;
		return 0;
	}
	return size * nmemb;
}

void pl_api_error_text(const pl_buf *body, long status, pl_diag *d)
{
	json_t *v = NULL;
	const char *code = NULL, *msg = NULL;
	if (pl_json_parse(body->data ? body->data : (const uint8_t *)"", body->len, 1 << 16, &v, NULL) == PL_OK) {
		json_t *e = json_object_get(v, "error");
		code = json_string_value(json_object_get(e, "code"));
		msg = json_string_value(json_object_get(e, "message"));
	}
	if (code && msg)
		pl_diag_set(d, PL_EREFUSED, "refused (%ld %s): %s", status, code, msg);
	else
		pl_diag_set(d, status < 500 ? PL_EREFUSED : PL_ENET, "the server answered HTTP %ld", status);
	json_decref(v);
}

int pl_api_request(pl_api *a, const char *method, const char *path, const uint8_t *body, size_t n,
		   const char *const *headers, pl_buf *out, long *status, pl_diag *d)
{
	char url[2048];
	if (snprintf(url, sizeof url, "%s%s", a->url, path) >= (int)sizeof url)
		return pl_diag_set(d, PL_EINVAL, "URL too long");
	CURL *c = a->curl;
	curl_easy_reset(c);
	sink k = {out, out->len, false};
	struct curl_slist *hl = NULL;
	for (const char *const *h = headers; h && *h; h++)
		hl = curl_slist_append(hl, *h);
	hl = curl_slist_append(hl, "Expect:");
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, hl);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, pl_api_on_data);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &k);
	curl_easy_setopt(c, CURLOPT_ACCEPT_ENCODING, "");
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 10L);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, 120L);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_USERAGENT, "parley/0.1");
	if (strcmp(method, "POST") == 0) {
		curl_easy_setopt(c, CURLOPT_POST, 1L);
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, body ? (const char *)body : "");
		curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)n);
	} else if (strcmp(method, "PUT") == 0) {
		curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, "PUT");
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, body ? (const char *)body : "");
		curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)n);
	}
	CURLcode cr = curl_easy_perform(c);
	curl_slist_free_all(hl);
	if (k.too_big) {
		pl_buf_truncate(out, k.start);
		return pl_diag_set(d, PL_ETOOBIG, "%s: the answer is larger than %zu bytes", url, out->max);
	}
	if (cr != CURLE_OK) {
		pl_buf_truncate(out, k.start);
		return pl_diag_set(d, PL_ENET, "%s %s: %s", method, url, curl_easy_strerror(cr));
	}
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, status);
	if (*status >= 400) {
		pl_buf tmp = {out->data + k.start, out->len - k.start, 0, 0};
		pl_api_error_text(&tmp, *status, d);
	}
	return PL_OK;
}

int pl_api_get_json(pl_api *a, const char *path, json_t **out, pl_diag *d)
{
	pl_buf b;
	pl_buf_init(&b, 1 << 24);
	long status = 0;
	int rc = pl_api_request(a, "GET", path, NULL, 0, NULL, &b, &status, d);
	if (rc == PL_OK && status != 200)
		rc = status == 404 ? PL_ENOTFOUND : PL_ENET;
	if (rc == PL_OK)
		rc = pl_json_parse(b.data, b.len, b.max, out, d);
	pl_buf_release(&b);
	return rc;
}

/* Appends "?name=value" or "&name=value" to q (len *n, capacity cap), the value percent-encoded. */
static bool query_add(char *q, size_t *n, size_t cap, const char *name, const char *value)
{
	int w = snprintf(q + *n, cap - *n, "%s%s=", strchr(q, '?') ? "&" : "?", name);
	if (w < 0 || (size_t)w >= cap - *n)
		return false;
	*n += (size_t)w;
	for (const char *p = value; *p; p++) {
		unsigned char ch = (unsigned char)*p;
		bool plain = (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') ||
			     strchr("-._~", ch) != NULL;
		if (*n + 4 > cap)
			return false;
		if (plain)
			q[(*n)++] = (char)ch;
		else
			*n += (size_t)snprintf(q + *n, cap - *n, "%%%02X", ch);
	}
	q[*n] = '\0';
	return true;
}

int pl_api_view(pl_api *a, const char *path, const pl_api_param *params, size_t n, json_t **out, pl_diag *d)
{
	*out = NULL;
	char url[2048];
	size_t len = (size_t)snprintf(url, sizeof url, "%s", path);
	if (len >= sizeof url)
		return pl_diag_set(d, PL_EINVAL, "URL too long");
	for (size_t i = 0; i < n; i++)
		if (params[i].value != NULL && !query_add(url, &len, sizeof url, params[i].name, params[i].value))
			return pl_diag_set(d, PL_EINVAL, "URL too long");
	pl_buf b;
	pl_buf_init(&b, (size_t)64 << 20);
	long status = 0;
	int rc = pl_api_request(a, "GET", url, NULL, 0, NULL, &b, &status, d);
	if (rc == PL_OK && status == 404)
		rc = pl_diag_set(d, PL_ENOTFOUND, "not found: %s", d ? d->msg : "");
	else if (rc == PL_OK && status != 200)
		rc = pl_diag_set(d, PL_ENET, "the server answered %ld: %s", status, d ? d->msg : "");
	if (rc == PL_OK)
		rc = pl_json_parse(b.data, b.len, b.max, out, d);
	pl_buf_release(&b);
	return rc;
}
