/* serve_respond.c - queuing the HTTP interface's responses: plain ones, and
 * JSON errors {"error": {"code", "message"}}; each 4xx and 5xx counted for
 * /metrics. */
#include "http/serve_impl.h"

#include <stdio.h>

enum MHD_Result pl_http_send_buf(pl_http *h, struct MHD_Connection *c, unsigned status, const char *type,
				 const void *data, size_t n, const char *cache)
{
	struct MHD_Response *r = MHD_create_response_from_buffer(n, (void *)(uintptr_t)data, MHD_RESPMEM_MUST_COPY);
	if (r == NULL)
		return MHD_NO;
	MHD_add_response_header(r, "Content-Type", type);
	if (cache)
		MHD_add_response_header(r, "Cache-Control", cache);
	MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
	if (status >= 400 && status < 500)
		atomic_fetch_add(&h->errors4xx, 1);
	else if (status >= 500)
		atomic_fetch_add(&h->errors5xx, 1);
	enum MHD_Result res = MHD_queue_response(c, status, r);
	MHD_destroy_response(r);
	return res;
}

int pl_http_json_str(pl_buf *out, const char *s)
{
	int rc = pl_buf_putc(out, '"');
	for (; rc == PL_OK && *s; s++) {
		unsigned char ch = (unsigned char)*s;
		if (ch == '"' || ch == '\\')
			rc = pl_buf_printf(out, "\\%c", ch);
		else if (ch < 0x20)
			rc = pl_buf_printf(out, "\\u%04x", ch);
		else
			rc = pl_buf_putc(out, ch);
	}
	if (rc == PL_OK)
		rc = pl_buf_putc(out, '"');
	return rc;
}

/* Queues the JSON error with status, its Retry-After, its Allow (a 405) and its WWW-Authenticate (www, when not NULL). */
static enum MHD_Result send_error(pl_http *h, struct MHD_Connection *c, unsigned status, const char *code,
				  const char *msg, unsigned retry_after, const char *allow, const char *www)
{
	pl_buf b;
	pl_buf_init(&b, 4096);
	int rc = pl_buf_puts(&b, "{\"error\":{\"code\":");
	if (rc == PL_OK)
		rc = pl_http_json_str(&b, code);
	if (rc == PL_OK)
		rc = pl_buf_puts(&b, ",\"message\":");
	if (rc == PL_OK)
		rc = pl_http_json_str(&b, msg);
	if (rc == PL_OK)
		rc = pl_buf_puts(&b, "}}\n");
	struct MHD_Response *r =
		MHD_create_response_from_buffer(b.len, rc == PL_OK ? b.data : (void *)(uintptr_t) "{}", MHD_RESPMEM_MUST_COPY);
	pl_buf_release(&b);
	if (r == NULL)
		return MHD_NO;
	MHD_add_response_header(r, "Content-Type", "application/json");
	MHD_add_response_header(r, "Cache-Control", "no-store");
	if (retry_after) {
		char ra[16];
		snprintf(ra, sizeof ra, "%u", retry_after);
		MHD_add_response_header(r, "Retry-After", ra);
	}
	if (status == 405)
		MHD_add_response_header(r, "Allow", allow != NULL ? allow : "GET, HEAD, POST, PUT");
	if (www != NULL)
		MHD_add_response_header(r, "WWW-Authenticate", www);
	if (status >= 500)
		atomic_fetch_add(&h->errors5xx, 1);
	else
		atomic_fetch_add(&h->errors4xx, 1);
	enum MHD_Result res = MHD_queue_response(c, status, r);
	MHD_destroy_response(r);
	return res;
}

enum MHD_Result pl_http_send_error_allow(pl_http *h, struct MHD_Connection *c, unsigned status, const char *code,
					 const char *msg, unsigned retry_after, const char *allow)
{
	return send_error(h, c, status, code, msg, retry_after, allow, NULL);
}

enum MHD_Result pl_http_send_error_auth(pl_http *h, struct MHD_Connection *c, const char *code, const char *msg,
					const char *www)
{
	return send_error(h, c, 401, code, msg, 0, NULL, www);
}

enum MHD_Result pl_http_send_error(pl_http *h, struct MHD_Connection *c, unsigned status, const char *code,
				   const char *msg, unsigned retry_after)
{
	return pl_http_send_error_allow(h, c, status, code, msg, retry_after, NULL);
}
