/* witness_http.c - HTTP adapter for the witness. */
#include "http/witness_http.h"

#include "base/codec.h"
#include "http/status.h"
#include "tlog/witness_req.h"

#include <arpa/inet.h>
#include <errno.h>
#include <microhttpd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct pl_whttp {
	struct MHD_Daemon *d;
	pl_witness *w;
	uint16_t port;
};

typedef struct wreq {
	pl_buf body;
	bool too_big;
	bool answered; /* refused from the request line alone, before any body */
} wreq;

static enum MHD_Result reply_allow(struct MHD_Connection *c, unsigned status, const char *type, const void *p,
				   size_t n, unsigned retry_after, const char *allow)
{
	struct MHD_Response *r = MHD_create_response_from_buffer(n, (void *)(uintptr_t)p, MHD_RESPMEM_MUST_COPY);
	if (r == NULL)
		return MHD_NO;
	MHD_add_response_header(r, "Content-Type", type);
	MHD_add_response_header(r, "Cache-Control", "no-store");
	if (allow != NULL)
		MHD_add_response_header(r, "Allow", allow);
	if (retry_after) {
		char ra[16];
		snprintf(ra, sizeof ra, "%u", retry_after);
		MHD_add_response_header(r, "Retry-After", ra);
	}
	enum MHD_Result res = MHD_queue_response(c, status, r);
	MHD_destroy_response(r);
	return res;
}

static enum MHD_Result reply(struct MHD_Connection *c, unsigned status, const char *type, const void *p, size_t n,
			     unsigned retry_after)
{
	return reply_allow(c, status, type, p, n, retry_after, NULL);
}

static enum MHD_Result text(struct MHD_Connection *c, unsigned status, const char *msg)
{
	return reply(c, status, "text/plain; charset=utf-8", msg, strlen(msg), 0);
}

/* The witness's routes and the methods each allows (HEAD goes with GET). */
static const struct {
	const char *path;
	const char *allow;
} routes[] = {
	{"/add-checkpoint", "POST"},
	{"/checkpoint", "GET, HEAD"},
	{"/healthz", "GET, HEAD"},
};

static bool allowed(const char *allow, const char *method)
{
	if (strcmp(allow, "POST") == 0)
		return strcmp(method, "POST") == 0;
	return strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0;
}

/*
 * Decides from the request line alone: an unknown path (404), a method the
 * path does not allow (405 with Allow), or a body where none is taken (400)
 * are answered at once, before any body is read; libmicrohttpd then reads no
 * body and closes the connection after the answer.
 */
static enum MHD_Result first_call(struct MHD_Connection *c, const char *url, const char *method, wreq *r)
{
	for (size_t i = 0; i < sizeof routes / sizeof *routes; i++) {
		if (strcmp(url, routes[i].path) != 0)
			continue;
		if (!allowed(routes[i].allow, method)) {
			r->answered = true;
			static const char msg[] = "this method is not allowed here\n";
			return reply_allow(c, 405, "text/plain; charset=utf-8", msg, sizeof msg - 1, 0, routes[i].allow);
		}
		const char *cl = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Content-Length");
		const char *te = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Transfer-Encoding");
		bool body = (cl != NULL && strcmp(cl, "0") != 0) || te != NULL;
		if (strcmp(routes[i].allow, "POST") != 0 && body) {
			r->answered = true;
			return text(c, 400, "this request takes no body\n");
		}
		uint64_t len = 0;
		if (cl != NULL && (pl_dec_parse((const uint8_t *)cl, strlen(cl), UINT64_MAX, &len) != PL_OK ||
				   len > PL_WITNESS_REQ_MAX)) {
			r->answered = true;
			return text(c, 413, "request too large\n");
		}
		return MHD_YES;
	}
	r->answered = true;
	return text(c, 404, "not found\n");
}

unsigned pl_witness_http_status(const pl_witness_answer *a)
{
	unsigned status;
	const char *code;
	if (a->err == PL_OK)
		return 200;
	pl_http_answer_of(a->err, &a->refusal, &status, &code);
	return status;
}

static enum MHD_Result handler(void *cls, struct MHD_Connection *c, const char *url, const char *method,
			       const char *version, const char *upload, size_t *upload_size, void **con_cls)
{
	(void)version;
	pl_whttp *h = cls;
	wreq *r = *con_cls;
	if (r == NULL) {
		r = calloc(1, sizeof *r);
		if (r == NULL)
			return MHD_NO;
		pl_buf_init(&r->body, PL_WITNESS_REQ_MAX);
		*con_cls = r;
		return first_call(c, url, method, r);
	}
	if (r->answered) { /* refused before its body: anything that still comes is dropped */
		*upload_size = 0;
		return MHD_YES;
	}
	if (*upload_size > 0) {
		if (pl_buf_append(&r->body, upload, *upload_size) != PL_OK)
			r->too_big = true;
		*upload_size = 0;
		return MHD_YES;
	}
	if (strcmp(url, "/add-checkpoint") == 0) {
		if (r->too_big)
			return text(c, 413, "request too large\n");
		pl_witness_answer a;
		pl_witness_answer_init(&a);
		pl_witness_add_checkpoint(h->w, r->body.data ? r->body.data : (const uint8_t *)"", r->body.len,
					  (uint64_t)time(NULL), &a);
		unsigned status = pl_witness_http_status(&a);
		enum MHD_Result res;
		if (a.err == PL_OK) {
			res = reply(c, status, "text/plain; charset=utf-8", a.body.data ? a.body.data : (const uint8_t *)"",
				    a.body.len, 0);
		} else if (a.err == PL_EREFUSED && a.refusal.code == PL_R_WITNESS_OLD_SIZE) {
			char sz[32];
			int w = snprintf(sz, sizeof sz, "%llu\n", (unsigned long long)a.size);
			res = reply(c, status, "text/x.tlog.size", sz, (size_t)w, 0);
		} else {
			char msg[PL_REFUSAL_MSG + 2];
			int w = snprintf(msg, sizeof msg, "%s\n", a.err == PL_EREFUSED ? a.refusal.msg : a.msg);
			res = reply(c, status, "text/plain; charset=utf-8", msg, (size_t)w, pl_http_retry_after(status));
		}
		pl_witness_answer_release(&a);
		return res;
	}
	if (strcmp(url, "/checkpoint") == 0) {
		const char *origin = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "origin");
		if (origin == NULL)
			return text(c, 400, "give ?origin=ORIGIN\n");
		pl_buf b;
		pl_buf_init(&b, 1 << 17);
		enum MHD_Result res = pl_witness_latest(h->w, origin, &b) == PL_OK
					      ? reply(c, 200, "text/plain; charset=utf-8", b.data, b.len, 0)
					      : text(c, 404, "no checkpoint witnessed for that log\n");
		pl_buf_release(&b);
		return res;
	}
	return text(c, 200, "ok\n"); /* /healthz: first_call let nothing else through */
}

static void completed(void *cls, struct MHD_Connection *c, void **con_cls, enum MHD_RequestTerminationCode toe)
{
	(void)cls;
	(void)c;
	(void)toe;
	wreq *r = *con_cls;
	if (r) {
		pl_buf_release(&r->body);
		free(r);
	}
	*con_cls = NULL;
}

int pl_whttp_start(pl_witness *w, const char *host, uint16_t port, pl_whttp **out, pl_diag *d)
{
	*out = NULL;
	pl_whttp *h = calloc(1, sizeof *h);
	if (h == NULL)
		return pl_diag_set(d, PL_ENOMEM, "out of memory");
	h->w = w;
	struct sockaddr_in sa;
	memset(&sa, 0, sizeof sa);
	sa.sin_family = AF_INET;
	sa.sin_port = htons(port);
	if (inet_pton(AF_INET, host, &sa.sin_addr) != 1) {
		free(h);
		return pl_diag_set(d, PL_EINVAL, "cannot listen on \"%s\": give an IPv4 address", host);
	}
	/* The server's model (serve.c): epoll and a small pool, so an idle or slow connection holds a
	 * socket and 16 KiB, never a thread. A request is short (a checkpoint in, a cosignature out);
	 * its one blocking step, the witness state's fsync, is serialised by the witness anyway. */
	h->d = MHD_start_daemon(MHD_USE_EPOLL_INTERNAL_THREAD | MHD_USE_ERROR_LOG, port, NULL, NULL, handler, h,
				MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa, MHD_OPTION_NOTIFY_COMPLETED, completed, h,
				MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)PL_WHTTP_TIMEOUT_S,
				MHD_OPTION_CONNECTION_LIMIT, (unsigned int)PL_WHTTP_CONN_MAX,
				MHD_OPTION_PER_IP_CONNECTION_LIMIT, (unsigned int)PL_WHTTP_PER_IP_MAX,
				MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)16384, MHD_OPTION_THREAD_POOL_SIZE,
				(unsigned int)PL_WHTTP_THREADS, MHD_OPTION_END);
	if (h->d == NULL) {
		free(h);
		return pl_diag_errno(d, PL_EIO, errno, "cannot listen on %s:%u", host, port);
	}
	const union MHD_DaemonInfo *info = MHD_get_daemon_info(h->d, MHD_DAEMON_INFO_BIND_PORT);
	h->port = info ? info->port : port;
	*out = h;
	return PL_OK;
}

uint16_t pl_whttp_port(const pl_whttp *h)
{
	return h->port;
}

void pl_whttp_stop(pl_whttp *h)
{
	if (h == NULL)
		return;
	MHD_stop_daemon(h->d);
	free(h);
}
