/* serve.c - the libmicrohttpd daemon of `parley serve`: started and stopped;
 * every request taken in (its route, the limits on its headers and body, the
 * body itself) and handed to its handler. */
#include "http/serve_impl.h"

#include "base/sha256.h"
#include "http/access.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

/* Gzipped entry bundles, kept because bundles never change: bytes are the limit for full
 * bundles (a full bundle of signed statements, 95 KiB, gzips to about 20 KiB), slots for
 * partial ones. */
#define GZ_SLOTS 4096
#define GZ_BYTES_MAX ((size_t)32 << 20)

void pl_http_opts_default(pl_http_opts *o)
{
	memset(o, 0, sizeof *o);
	o->host = "127.0.0.1";
	o->conn_timeout = 30;
	o->conn_limit = 512;
	o->per_ip_limit = 256;
	o->header_max = 8 * 1024;
	o->threads = 0;
}

uint16_t pl_http_port(const pl_http *h)
{
	return h->port;
}

/* ---- percent-decoding ---- */

static int hex_digit(char ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	if (ch >= 'A' && ch <= 'F')
		return ch - 'A' + 10;
	return -1;
}

/*
 * Decodes %HH escapes in place in the path and in every query key and value
 * (libmicrohttpd's unescape callback); returns the new length. Malformed
 * escapes stay as they are, and so does "%00": a decoded NUL would end the
 * C string early, and "/checkpoint%00junk" would be served as /checkpoint
 * (or "?index=1%00junk" read as index=1). Kept literally, the '%' never
 * matches a route or a canonical parameter, so such requests are refused.
 */
static size_t unescape(void *cls, struct MHD_Connection *c, char *s)
{
	(void)cls;
	(void)c;
	char *w = s;
	for (const char *p = s; *p != '\0'; p++) {
		int hi = p[0] == '%' ? hex_digit(p[1]) : -1;
		int lo = hi >= 0 ? hex_digit(p[2]) : -1;
		if (lo >= 0 && (hi | lo) != 0) {
			*w++ = (char)(hi << 4 | lo);
			p += 2;
		} else {
			*w++ = *p;
		}
	}
	*w = '\0';
	return (size_t)(w - s);
}

/* True if the request announces a chunked body. */
static bool chunked(struct MHD_Connection *c)
{
	const char *te = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Transfer-Encoding");
	return te != NULL && te[0] != '\0';
}

/* Every connection opened and closed by libmicrohttpd, for the half-close watch (serve_hup.c). */
static void conn_notify(void *cls, struct MHD_Connection *c, void **socket_context,
			enum MHD_ConnectionNotificationCode toe)
{
	(void)socket_context;
	pl_http *h = cls;
	const union MHD_ConnectionInfo *ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CONNECTION_FD);
	if (ci == NULL)
		return;
	if (toe == MHD_CONNECTION_NOTIFY_STARTED)
		pl_hupwatch_opened(h->hup, ci->connect_fd);
	else
		pl_hupwatch_closed(h->hup, ci->connect_fd);
}

/*
 * Sends the refusal decided from the request line and headers at once,
 * without waiting for a body that may never come (a declared length of
 * 10^12 bytes, a blob upload by a non-member): libmicrohttpd then reads no
 * body and closes the connection after the answer.
 */
static enum MHD_Result answer_early(pl_http *h, struct MHD_Connection *c, req *r)
{
	r->answered = true;
	return pl_http_send_error_allow(h, c, (unsigned)r->status, r->code, r->msg, 0, r->allow);
}

/* A deferred request's answer, made off the pool thread (serve_defer.c). */
static enum MHD_Result answer_deferred(pl_http *h, struct MHD_Connection *c, req *r)
{
	if (r->route == PL_ROUTE_SUBMIT)
		return pl_http_submit_answer(h, c, r);
	if (r->route != PL_ROUTE_BLOB_PUT)
		return pl_http_view_answer(h, c, r);
	if (r->blob_rc == PL_EVERIFY)
		return pl_http_send_error(h, c, 422, "hash_mismatch", r->blob_msg, 0);
	if (r->blob_rc != PL_OK)
		return pl_http_send_error(h, c, 500, "storage_failed", r->blob_msg, 0);
	char body[128];
	int w = snprintf(body, sizeof body, "{\"blob\":\"%s\"}\n", r->arg);
	return pl_http_send_buf(h, c, 201, "application/json", body, (size_t)w, "no-store");
}

static enum MHD_Result handler(void *cls, struct MHD_Connection *c, const char *url, const char *method,
			       const char *version, const char *upload, size_t *upload_size, void **con_cls)
{
	(void)version;
	pl_http *h = cls;
	req *r = *con_cls;
	if (r == NULL) {
		/* first call: headers only */
		r = calloc(1, sizeof *r);
		if (r == NULL)
			return MHD_NO;
		*con_cls = r;
		pl_buf_init(&r->body, PL_DSSE_MAX);
		pl_route_match m;
		unsigned refuse = pl_route(url, strlen(url), method, &m);
		r->route = m.route;
		memcpy(r->arg, m.arg, sizeof r->arg);
		r->allow = m.allow;
		atomic_fetch_add(&h->requests[r->route], 1);
		if (refuse != 0) {
			r->failed = true;
			r->status = (int)refuse;
			r->code = refuse == 404 ? "not_found" : refuse == 405 ? "method_not_allowed" :
				  refuse == 414 ? "uri_too_long" : "bad_request";
			snprintf(r->msg, sizeof r->msg, "%s", refuse == 404 ? "no such resource" :
							      refuse == 405 ? "this method is not allowed here" :
							      refuse == 414 ? "the request URI is too long" :
									      "the request URI is malformed");
			return answer_early(h, c, r);
		}
		const char *cl = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Content-Length");
		uint64_t len = 0;
		if (cl != NULL && pl_dec_parse((const uint8_t *)cl, strlen(cl), UINT64_MAX, &len) != PL_OK)
			len = UINT64_MAX;
		if (r->route == PL_ROUTE_SUBMIT && len > PL_DSSE_MAX) {
			r->failed = true;
			r->status = 413;
			r->code = "too_large";
			snprintf(r->msg, sizeof r->msg, "a statement envelope holds at most %d bytes", PL_DSSE_MAX);
		} else if (r->route == PL_ROUTE_BLOB_PUT || r->route == PL_ROUTE_BLOB_GET) {
			if (!pl_http_blob_auth(h, c, r->route == PL_ROUTE_BLOB_PUT ? "PUT" : "GET", r->arg, r)) {
				r->failed = true;
			} else if (r->route == PL_ROUTE_BLOB_PUT) {
				r->failed = !pl_http_blob_begin(h, c, cl != NULL ? len : 0, r);
			}
		} else if (r->route != PL_ROUTE_SUBMIT && (len > 0 || chunked(c))) {
			r->failed = true;
			r->status = 400;
			r->code = "bad_request";
			snprintf(r->msg, sizeof r->msg, "this request takes no body");
		}
		if (r->failed)
			return answer_early(h, c, r);
		return MHD_YES;
	}
	if (r->answered) { /* refused before its body: anything that still comes is dropped */
		*upload_size = 0;
		return MHD_YES;
	}
	if (*upload_size > 0) {
		if (!r->failed) {
			if (r->route == PL_ROUTE_SUBMIT) {
				if (pl_buf_append(&r->body, upload, *upload_size) != PL_OK) {
					r->failed = true;
					r->status = 413;
					r->code = "too_large";
					snprintf(r->msg, sizeof r->msg, "a statement envelope holds at most %d bytes",
						 PL_DSSE_MAX);
				}
			} else if (r->route == PL_ROUTE_BLOB_PUT) {
				r->failed = !pl_http_blob_data(r, upload, *upload_size);
			} else {
				r->failed = true;
				r->status = 400;
				r->code = "bad_request";
				snprintf(r->msg, sizeof r->msg, "this request takes no body");
			}
		}
		*upload_size = 0; /* consumed (or drained after a failure) */
		return MHD_YES;
	}
	if (r->failed)
		return pl_http_send_error_allow(h, c, (unsigned)r->status, r->code, r->msg, 0, r->allow);
	if (atomic_load_explicit(&r->defer, memory_order_acquire) == DEFER_READY)
		return answer_deferred(h, c, r); /* called again after the resume */
	switch (r->route) {
	case PL_ROUTE_CHECKPOINT: {
		pl_buf b;
		pl_buf_init(&b, PL_NOTE_MAX);
		enum MHD_Result res = pl_node_checkpoint(h->node, &b, NULL) == PL_OK
					      ? pl_http_send_buf(h, c, 200, "text/plain; charset=utf-8", b.data, b.len, "no-cache")
					      : pl_http_send_error(h, c, 500, "internal", "checkpoint unavailable", 0);
		pl_buf_release(&b);
		return res;
	}
	case PL_ROUTE_TILE:
		return pl_http_tile(h, c, r);
	case PL_ROUTE_SUBMIT:
		return pl_http_defer_submit(h, c, r); /* the node answers */
	case PL_ROUTE_ENTRY: {
		uint64_t i = 0;
		(void)pl_http_parse_u64(r->arg, &i);
		pl_buf b;
		pl_buf_init(&b, PL_DSSE_MAX);
		pl_diag d = {0};
		int rc = pl_node_entry(h->node, i, &b, &d);
		enum MHD_Result res =
			rc == PL_OK ? pl_http_send_buf(h, c, 200, "application/json", b.data, b.len, "public, max-age=31536000, immutable")
			: rc == PL_ERANGE ? pl_http_send_error(h, c, 404, "not_found", pl_diag_text(&d, rc), 0)
					  : pl_http_send_error(h, c, 500, "internal", pl_diag_text(&d, rc), 0);
		pl_buf_release(&b);
		return res;
	}
	case PL_ROUTE_INCLUSION:
		return pl_http_inclusion(h, c);
	case PL_ROUTE_CONSISTENCY:
		return pl_http_consistency(h, c);
	case PL_ROUTE_PARTIES:
	case PL_ROUTE_PARTY: {
		pl_buf b;
		pl_buf_init(&b, 1 << 24);
		int rc = r->route == PL_ROUTE_PARTY ? pl_node_party(h->node, r->arg, &b) : pl_node_parties(h->node, &b);
		if (rc == PL_OK)
			rc = pl_buf_putc(&b, '\n');
		enum MHD_Result res = rc == PL_OK ? pl_http_send_buf(h, c, 200, "application/json", b.data, b.len, "no-cache")
				      : rc == PL_ENOTFOUND ? pl_http_send_error(h, c, 404, "not_found", "no such member", 0)
							   : pl_http_send_error(h, c, 500, "internal", pl_strerror(rc), 0);
		pl_buf_release(&b);
		return res;
	}
	case PL_ROUTE_BLOB_PUT:
		return pl_http_defer_work(h, c, r); /* the commit fsyncs: a worker does it */
	case PL_ROUTE_BLOB_GET:
		return pl_http_blob_get(h, c, r);
	case PL_ROUTE_HEALTH: {
		pl_node_stats s;
		pl_node_stats_get(h->node, &s);
		char body[256];
		int w = snprintf(body, sizeof body,
				 "{\"status\":\"ok\",\"origin\":\"%s\",\"size\":%llu,\"queue\":%llu,\"indexed\":%llu,"
				 "\"refused_entries\":%llu}\n",
				 pl_node_origin(h->node), (unsigned long long)s.size, (unsigned long long)s.queue,
				 (unsigned long long)s.indexed, (unsigned long long)s.refused_entries);
		return pl_http_send_buf(h, c, 200, "application/json", body, (size_t)w, "no-store");
	}
	case PL_ROUTE_METRICS:
		return pl_http_metrics(h, c);
	case PL_ROUTE_CASES:
	case PL_ROUTE_CASE:
	case PL_ROUTE_NORMS:
	case PL_ROUTE_NORM_SET:
	case PL_ROUTE_INBOX:
	case PL_ROUTE_REPORT:
	case PL_ROUTE_GROUPS:
	case PL_ROUTE_GROUP:
	case PL_ROUTE_SESSIONS:
	case PL_ROUTE_SESSION:
		return pl_http_defer_work(h, c, r); /* the index wait and the queries: a worker does them */
	default:
		return pl_http_send_error(h, c, 404, "not_found", "no such resource", 0);
	}
}

static void completed(void *cls, struct MHD_Connection *c, void **con_cls, enum MHD_RequestTerminationCode toe)
{
	(void)c;
	(void)toe;
	req *r = *con_cls;
	if (r == NULL)
		return;
	pl_http_defer_over(cls, r);
	pl_buf_release(&r->body);
	pl_blob_abort(r->up);
	pl_http_defer_release(r);
	free(r);
	*con_cls = NULL;
}

static void free_http(pl_http *h)
{
	pl_gzcache_free(h->gz);
	pthread_mutex_destroy(&h->mu);
	pthread_cond_destroy(&h->idle_cv);
	pthread_cond_destroy(&h->work_cv);
	free(h);
}

int pl_http_start(pl_node *node, pl_blobs *blobs, const pl_http_opts *o, pl_http **out, pl_diag *d)
{
	*out = NULL;
	pl_http *h = calloc(1, sizeof *h);
	if (h == NULL)
		return pl_diag_set(d, PL_ENOMEM, "out of memory");
	h->node = node;
	h->blobs = blobs;
	if (o->metrics_token != NULL) {
		if (!pl_http_metrics_token_valid(o->metrics_token, o->metrics_token_len)) {
			free(h);
			return pl_diag_set(d, PL_EINVAL, "a metrics token is %d to %d printable characters, without spaces",
					   PL_METRICS_TOKEN_MIN, PL_METRICS_TOKEN_MAX);
		}
		h->metrics_token = true;
		pl_sha256(o->metrics_token, o->metrics_token_len, h->metrics_digest);
	}
	pthread_mutex_init(&h->mu, NULL);
	pthread_cond_init(&h->idle_cv, NULL);
	pthread_cond_init(&h->work_cv, NULL);
	if (pl_gzcache_new(GZ_SLOTS, GZ_BYTES_MAX, &h->gz) != PL_OK) {
		free_http(h);
		return pl_diag_set(d, PL_ENOMEM, "out of memory");
	}
	struct sockaddr_in sa;
	memset(&sa, 0, sizeof sa);
	sa.sin_family = AF_INET;
	sa.sin_port = htons(o->port);
	if (inet_pton(AF_INET, o->host ? o->host : "127.0.0.1", &sa.sin_addr) != 1) {
		free_http(h);
		return pl_diag_set(d, PL_EINVAL, "cannot listen on \"%s\": give an IPv4 address", o->host);
	}
	if (pl_http_defer_start(h) != PL_OK) {
		free_http(h);
		return pl_diag_set(d, PL_ENOMEM, "cannot start the HTTP worker threads");
	}
	if (pl_hupwatch_start(&h->hup) != PL_OK) {
		pl_http_defer_stop(h);
		free_http(h);
		return pl_diag_set(d, PL_ENOMEM, "cannot start the HTTP half-close watch");
	}
	/* epoll, a pool of threads (libmicrohttpd takes a pool of at least 2; 1 is its one internal
	 * thread), suspended connections for what waits */
	unsigned pool = o->threads ? o->threads : pl_cpus();
	if (pool > PL_HTTP_THREADS_MAX)
		pool = PL_HTTP_THREADS_MAX;
	if (pool > o->conn_limit)
		pool = o->conn_limit; /* each pool thread takes its share of the connection limit */
	h->d = MHD_start_daemon(MHD_USE_EPOLL_INTERNAL_THREAD | MHD_ALLOW_SUSPEND_RESUME | MHD_USE_ERROR_LOG, o->port,
				NULL, NULL, handler, h, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa,
				MHD_OPTION_NOTIFY_COMPLETED, completed, h, MHD_OPTION_NOTIFY_CONNECTION, conn_notify, h,
				MHD_OPTION_CONNECTION_TIMEOUT,
				(unsigned int)o->conn_timeout, MHD_OPTION_CONNECTION_LIMIT, (unsigned int)o->conn_limit,
				MHD_OPTION_PER_IP_CONNECTION_LIMIT, (unsigned int)o->per_ip_limit,
				MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)o->header_max, MHD_OPTION_UNESCAPE_CALLBACK,
				unescape, NULL, MHD_OPTION_STRICT_FOR_CLIENT, 1, MHD_OPTION_THREAD_POOL_SIZE,
				(unsigned int)(pool >= 2 ? pool : 0), MHD_OPTION_END);
	if (h->d == NULL) {
		int e = errno;
		pl_hupwatch_stop(h->hup);
		pl_http_defer_stop(h);
		free_http(h);
		return pl_diag_errno(d, PL_EIO, e, "cannot listen on %s:%u", o->host, o->port);
	}
	const union MHD_DaemonInfo *info = MHD_get_daemon_info(h->d, MHD_DAEMON_INFO_BIND_PORT);
	h->port = info ? info->port : o->port;
	*out = h;
	return PL_OK;
}

void pl_http_stop(pl_http *h)
{
	if (h == NULL)
		return;
	/* no new connections; every deferred request answered and its answer sent (the node still
	 * runs, so each gets its answer in bounded time); only then the daemon stops, and the team */
	MHD_socket lfd = MHD_quiesce_daemon(h->d);
	if (lfd != MHD_INVALID_SOCKET)
		close(lfd);
	pl_http_defer_drain(h);
	MHD_stop_daemon(h->d);
	pl_hupwatch_stop(h->hup);
	pl_http_defer_stop(h);
	free_http(h);
}
