/* serve.c - libmicrohttpd adapter: routing, limits, JSON errors, static tiles. */
#include "http/serve.h"

#include "base/codec.h"
#include "base/fsio.h"
#include "base/gzip.h"
#include "base/timefmt.h"
#include "http/gzcache.h"
#include "http/route.h"
#include "http/status.h"
#include "http/views_api.h"
#include "tlog/proof_file.h"
#include "tlog/tile.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <microhttpd.h>
#include <pthread.h>
#include <sodium.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Gzipped entry bundles, kept because bundles never change: bytes are the limit for full
 * bundles (a full bundle of signed statements, 95 KiB, gzips to about 20 KiB), slots for
 * partial ones. */
#define GZ_SLOTS 4096
#define GZ_BYTES_MAX ((size_t)32 << 20)

struct pl_http {
	struct MHD_Daemon *d;
	pl_gzcache *gz;
	pl_node *node;
	pl_blobs *blobs;
	uint16_t port;
	atomic_ulong requests[PL_ROUTE_COUNT];
	atomic_ulong errors4xx, errors5xx;
};

typedef struct req {
	pl_route_id route;
	char arg[PL_ROUTE_ARG_MAX]; /* path argument (tile path, index, party, blob id) */
	const char *allow;     /* the Allow header of a 405 (static) */
	pl_buf body;           /* statement submissions */
	pl_blob_upload *up;    /* blob uploads */
	bool failed;           /* an error response is decided; the body is drained */
	bool answered;         /* that response was queued early, before any body */
	int status;
	const char *code;
	char msg[256];
} req;

void pl_http_opts_default(pl_http_opts *o)
{
	memset(o, 0, sizeof *o);
	o->host = "127.0.0.1";
	o->conn_timeout = 30;
	o->conn_limit = 512;
	o->per_ip_limit = 256;
	o->header_max = 16 * 1024;
}

uint16_t pl_http_port(const pl_http *h)
{
	return h->port;
}

/* ---- responses ---- */

static enum MHD_Result send_buf(pl_http *h, struct MHD_Connection *c, unsigned status, const char *type,
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

/* Writes s as a JSON string literal (escaped) into out. */
static int json_str(pl_buf *out, const char *s)
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

/* An error response; allow is the Allow header of a 405 (NULL elsewhere). */
static enum MHD_Result send_error_allow(pl_http *h, struct MHD_Connection *c, unsigned status, const char *code,
					const char *msg, unsigned retry_after, const char *allow)
{
	pl_buf b;
	pl_buf_init(&b, 4096);
	int rc = pl_buf_puts(&b, "{\"error\":{\"code\":");
	if (rc == PL_OK)
		rc = json_str(&b, code);
	if (rc == PL_OK)
		rc = pl_buf_puts(&b, ",\"message\":");
	if (rc == PL_OK)
		rc = json_str(&b, msg);
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
	if (status >= 500)
		atomic_fetch_add(&h->errors5xx, 1);
	else
		atomic_fetch_add(&h->errors4xx, 1);
	enum MHD_Result res = MHD_queue_response(c, status, r);
	MHD_destroy_response(r);
	return res;
}

static enum MHD_Result send_error(pl_http *h, struct MHD_Connection *c, unsigned status, const char *code,
				  const char *msg, unsigned retry_after)
{
	return send_error_allow(h, c, status, code, msg, retry_after, NULL);
}

/* ---- routing ---- */

static bool parse_u64(const char *s, uint64_t *out)
{
	return s != NULL && pl_dec_parse((const uint8_t *)s, strlen(s), PL_TREE_MAX - 1, out) == PL_OK;
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

/* ---- handlers ---- */

/* True if Accept-Encoding lists gzip with a non-zero quality. */
static bool accepts_gzip(struct MHD_Connection *c)
{
	const char *ae = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Accept-Encoding");
	const char *g = ae ? strstr(ae, "gzip") : NULL;
	if (g == NULL)
		return false;
	const char *q = g + 4;
	while (*q == ' ')
		q++;
	if (*q != ';')
		return true;
	q++;
	while (*q == ' ')
		q++;
	if (strncmp(q, "q=", 2) != 0)
		return true;
	return strtod(q + 2, NULL) > 0;
}

/* The gzipped bytes of the bundle at rel (kept in h->gz); NULL if they cannot be made. */
static struct MHD_Response *gzip_response(pl_http *h, const char *rel, const char *path)
{
	uint8_t *kept = NULL;
	size_t n = 0;
	struct MHD_Response *resp = NULL;
	if (pl_gzcache_get(h->gz, rel, &kept, &n) == PL_OK) {
		resp = MHD_create_response_from_buffer_with_free_callback(n, kept, free);
		if (resp == NULL)
			free(kept);
		return resp;
	}
	pl_buf raw, gz;
	pl_buf_init(&raw, PL_BUNDLE_MAX);
	pl_buf_init(&gz, pl_gzip_bound(PL_BUNDLE_MAX));
	if (pl_fs_read(path, PL_BUNDLE_MAX, &raw, NULL) == PL_OK && pl_gzip(raw.data, raw.len, &gz) == PL_OK) {
		if (pl_gzcache_put(h->gz, rel, gz.data, gz.len) != PL_OK) {
			/* not kept (out of memory): compressed again next time */
		}
		resp = MHD_create_response_from_buffer_with_free_callback(gz.len, gz.data, free);
		if (resp != NULL)
			gz.data = NULL; /* the response frees it */
	}
	pl_buf_release(&raw);
	pl_buf_release(&gz);
	return resp;
}

/* Tiles up to this size are read and sent from memory (a full hash tile is 8 KiB). */
#define TILE_INLINE_MAX (64 * 1024)

static enum MHD_Result do_tile(pl_http *h, struct MHD_Connection *c, req *r)
{
	if (strncmp(r->arg, "tile/entries/", 13) == 0 && accepts_gzip(c)) {
		char gpath[PATH_MAX];
		if (snprintf(gpath, sizeof gpath, "%s/%s", pl_node_dir(h->node), r->arg) < (int)sizeof gpath &&
		    pl_fs_exists(gpath)) {
			struct MHD_Response *resp = gzip_response(h, r->arg, gpath);
			if (resp != NULL) {
				MHD_add_response_header(resp, "Content-Type", "application/octet-stream");
				MHD_add_response_header(resp, "Content-Encoding", "gzip");
				MHD_add_response_header(resp, "Vary", "Accept-Encoding");
				MHD_add_response_header(resp, "Cache-Control", "public, max-age=31536000, immutable");
				enum MHD_Result res = MHD_queue_response(c, MHD_HTTP_OK, resp);
				MHD_destroy_response(resp);
				return res;
			}
		}
	}
	char path[PATH_MAX];
	if (snprintf(path, sizeof path, "%s/%s", pl_node_dir(h->node), r->arg) >= (int)sizeof path)
		return send_error(h, c, 404, "not_found", "no such tile", 0);
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	struct stat st;
	if (fd < 0 || fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		if (fd >= 0)
			close(fd);
		return send_error(h, c, 404, "not_found", "no such tile", 0);
	}
	struct MHD_Response *resp = NULL;
	if (st.st_size <= TILE_INLINE_MAX) {
		/* small files go out from memory: MHD then sends the headers and the
		 * body in one write, where a file response costs a send and a sendfile */
		size_t size = (size_t)st.st_size, got = 0;
		uint8_t *data = malloc(size ? size : 1);
		while (data != NULL && got < size) {
			ssize_t k = read(fd, data + got, size - got);
			if (k <= 0 && !(k < 0 && errno == EINTR))
				break;
			if (k > 0)
				got += (size_t)k;
		}
		close(fd);
		if (data == NULL || got != size) {
			free(data);
			return send_error(h, c, 500, "internal", "cannot read the tile", 0);
		}
		resp = MHD_create_response_from_buffer(size, data, MHD_RESPMEM_MUST_FREE);
		if (resp == NULL) {
			free(data);
			return MHD_NO;
		}
	} else {
		resp = MHD_create_response_from_fd((uint64_t)st.st_size, fd);
		if (resp == NULL) {
			close(fd);
			return MHD_NO;
		}
	}
	MHD_add_response_header(resp, "Content-Type", "application/octet-stream");
	MHD_add_response_header(resp, "Cache-Control", "public, max-age=31536000, immutable");
	if (strncmp(r->arg, "tile/entries/", 13) == 0)
		MHD_add_response_header(resp, "Vary", "Accept-Encoding");
	enum MHD_Result res = MHD_queue_response(c, MHD_HTTP_OK, resp);
	MHD_destroy_response(resp);
	return res;
}

static enum MHD_Result do_submit(pl_http *h, struct MHD_Connection *c, req *r)
{
	const char *w = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "wait");
	bool wait = w != NULL && (strcmp(w, "1") == 0 || strcmp(w, "true") == 0);
	pl_node_result res;
	pl_node_result_init(&res);
	pl_node_submit(h->node, r->body.data ? r->body.data : (const uint8_t *)"", r->body.len, wait, &res);
	enum MHD_Result out;
	if (res.err != PL_OK) {
		unsigned status;
		const char *code;
		pl_http_answer_of(res.err, &res.refusal, &status, &code);
		out = send_error(h, c, status, code, res.err == PL_EREFUSED ? res.refusal.msg : res.msg,
				 res.retry ? pl_http_retry_after(status) : 0);
	} else {
		pl_buf b;
		pl_buf_init(&b, 1 << 20);
		char leaf[64];
		pl_b64_encode(res.leaf.b, 32, leaf);
		int rc = pl_buf_printf(&b, "{\"index\":%llu,\"leaf\":\"%s\",\"acceptance\":", (unsigned long long)res.index,
				       leaf);
		if (rc == PL_OK)
			rc = json_str(&b, pl_buf_cstr(&res.acceptance));
		if (rc == PL_OK && res.receipt.len > 0) {
			rc = pl_buf_puts(&b, ",\"receipt\":");
			if (rc == PL_OK)
				rc = json_str(&b, pl_buf_cstr(&res.receipt));
		}
		if (rc == PL_OK)
			rc = pl_buf_puts(&b, "}\n");
		unsigned status = res.receipt.len > 0 ? 200 : (wait ? 202 : 201);
		out = rc == PL_OK ? send_buf(h, c, status, "application/json", b.data, b.len, "no-store")
				  : send_error(h, c, 500, "internal", "response too large", 0);
		pl_buf_release(&b);
	}
	pl_node_result_release(&res);
	return out;
}

static enum MHD_Result do_inclusion(pl_http *h, struct MHD_Connection *c)
{
	uint64_t i;
	if (!parse_u64(MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "index"), &i))
		return send_error(h, c, 400, "bad_request", "give ?index=N (a canonical decimal)", 0);
	pl_buf b;
	pl_buf_init(&b, PL_PROOF_FILE_MAX);
	pl_diag d = {0};
	int rc = pl_node_prove(h->node, i, &b, &d);
	enum MHD_Result out;
	if (rc == PL_ERANGE)
		out = send_error(h, c, 404, "not_found", pl_diag_text(&d, rc), 0);
	else if (rc != PL_OK)
		out = send_error(h, c, 500, "internal", pl_diag_text(&d, rc), 0);
	else
		out = send_buf(h, c, 200, "text/plain; charset=utf-8", b.data, b.len, "no-cache");
	pl_buf_release(&b);
	return out;
}

static enum MHD_Result do_consistency(pl_http *h, struct MHD_Connection *c)
{
	uint64_t m, n;
	if (!parse_u64(MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "old"), &m) ||
	    !parse_u64(MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "new"), &n))
		return send_error(h, c, 400, "bad_request", "give ?old=M&new=N (canonical decimals)", 0);
	pl_hash proof[PL_PROOF_MAX];
	size_t len = 0;
	pl_diag d = {0};
	int rc = pl_node_consistency(h->node, m, n, proof, &len, &d);
	if (rc == PL_ERANGE)
		return send_error(h, c, 400, "bad_request", pl_diag_text(&d, rc), 0);
	if (rc != PL_OK)
		return send_error(h, c, 500, "internal", pl_diag_text(&d, rc), 0);
	pl_buf b;
	pl_buf_init(&b, 8192);
	rc = pl_buf_printf(&b, "{\"old\":%llu,\"new\":%llu,\"proof\":[", (unsigned long long)m, (unsigned long long)n);
	for (size_t i = 0; rc == PL_OK && i < len; i++) {
		char s[64];
		pl_b64_encode(proof[i].b, 32, s);
		rc = pl_buf_printf(&b, "%s\"%s\"", i ? "," : "", s);
	}
	if (rc == PL_OK)
		rc = pl_buf_puts(&b, "]}\n");
	enum MHD_Result out = send_buf(h, c, 200, "application/json", b.data, b.len, "no-cache");
	pl_buf_release(&b);
	return out;
}

static enum MHD_Result do_metrics(pl_http *h, struct MHD_Connection *c)
{
	pl_node_stats s;
	pl_node_stats_get(h->node, &s);
	pl_buf b, refusals;
	pl_buf_init(&b, 1 << 16);
	pl_buf_init(&refusals, 1 << 14);
	int rc = pl_buf_printf(
		&b,
		"# HELP parley_log_size Entries in the published log.\n# TYPE parley_log_size gauge\n"
		"parley_log_size %llu\n"
		"# HELP parley_statements_accepted_total Statements accepted since start.\n"
		"# TYPE parley_statements_accepted_total counter\nparley_statements_accepted_total %llu\n"
		"# HELP parley_batches_total Batches integrated (one checkpoint each).\n"
		"# TYPE parley_batches_total counter\nparley_batches_total %llu\n"
		"# HELP parley_queue_depth Submissions waiting to be checked or sequenced.\n"
		"# TYPE parley_queue_depth gauge\nparley_queue_depth %llu\n"
		"# HELP parley_integrate_seconds_total Time spent staging and integrating batches.\n"
		"# TYPE parley_integrate_seconds_total counter\nparley_integrate_seconds_total %.6f\n"
		"# HELP parley_storage_errors_total Batches that failed to stage or integrate.\n"
		"# TYPE parley_storage_errors_total counter\nparley_storage_errors_total %llu\n"
		"# HELP parley_witness_cosignatures_total Witness cosignatures obtained since start.\n"
		"# TYPE parley_witness_cosignatures_total counter\nparley_witness_cosignatures_total %llu\n"
		"# HELP parley_witnessed_size Size of the newest checkpoint published with cosignatures.\n"
		"# TYPE parley_witnessed_size gauge\nparley_witnessed_size %llu\n"
		"# HELP parley_index_entries Entries the workflow index holds.\n"
		"# TYPE parley_index_entries gauge\nparley_index_entries %llu\n"
		"# HELP parley_log_refused_entries Entries of the log that the rules refuse (they have no effect).\n"
		"# TYPE parley_log_refused_entries gauge\nparley_log_refused_entries %llu\n"
		"# HELP parley_http_errors_total Error responses, by class.\n# TYPE parley_http_errors_total counter\n"
		"parley_http_errors_total{class=\"4xx\"} %lu\nparley_http_errors_total{class=\"5xx\"} %lu\n"
		"# HELP parley_statements_refused_total Statements refused since start, by code.\n"
		"# TYPE parley_statements_refused_total counter\n",
		(unsigned long long)s.size, (unsigned long long)s.accepted, (unsigned long long)s.batches,
		(unsigned long long)s.queue, s.integrate_seconds, (unsigned long long)s.storage_errors,
		(unsigned long long)s.cosignatures, (unsigned long long)s.witnessed_size, (unsigned long long)s.indexed,
		(unsigned long long)s.refused_entries, atomic_load(&h->errors4xx), atomic_load(&h->errors5xx));
	if (rc == PL_OK)
		rc = pl_node_refusals(h->node, &refusals);
	const char *line = pl_buf_cstr(&refusals);
	while (rc == PL_OK && *line) {
		const char *sp = strchr(line, ' '), *nl = strchr(line, '\n');
		if (sp == NULL || nl == NULL)
			break;
		rc = pl_buf_printf(&b, "parley_statements_refused_total{code=\"%.*s\"} %.*s\n", (int)(sp - line), line,
				   (int)(nl - sp - 1), sp + 1);
		line = nl + 1;
	}
	if (rc == PL_OK)
		rc = pl_buf_puts(&b, "# HELP parley_http_requests_total Requests, by route.\n"
				     "# TYPE parley_http_requests_total counter\n");
	for (int i = 1; rc == PL_OK && i < PL_ROUTE_COUNT; i++)
		rc = pl_buf_printf(&b, "parley_http_requests_total{route=\"%s\"} %lu\n", pl_route_name((pl_route_id)i),
				   atomic_load(&h->requests[i]));
	enum MHD_Result out = send_buf(h, c, 200, "text/plain; version=0.0.4", b.data, b.len, "no-store");
	pl_buf_release(&b);
	pl_buf_release(&refusals);
	return out;
}

/* Checks the Parley-Party / Parley-Time / Parley-Signature headers of a blob request. */
static bool blob_auth(pl_http *h, struct MHD_Connection *c, const char *method, const char *hex, req *r)
{
	pl_refusal why = {0};
	int rc = pl_node_blob_auth(h->node, method, hex, MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Parley-Party"),
				   MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Parley-Time"),
				   MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Parley-Signature"), &why);
	if (rc == PL_OK)
		return true;
	unsigned status;
	pl_http_answer_of(rc, &why, &status, &r->code);
	r->status = (int)status;
	snprintf(r->msg, sizeof r->msg, "%s", rc == PL_EREFUSED ? why.msg : "the server is out of memory");
	return false;
}

static enum MHD_Result do_blob_get(pl_http *h, struct MHD_Connection *c, req *r)
{
	char path[PATH_MAX];
	if (h->blobs == NULL || pl_blobs_path(h->blobs, r->arg, path) != PL_OK)
		return send_error(h, c, 404, "not_found", "no such blob", 0);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat st;
	if (fd < 0 || fstat(fd, &st) != 0) {
		if (fd >= 0)
			close(fd);
		return send_error(h, c, 404, "not_found", "no such blob", 0);
	}
	struct MHD_Response *resp = MHD_create_response_from_fd((uint64_t)st.st_size, fd);
	if (resp == NULL) {
		close(fd);
		return MHD_NO;
	}
	MHD_add_response_header(resp, "Content-Type", "application/octet-stream");
	MHD_add_response_header(resp, "Cache-Control", "private, max-age=31536000, immutable");
	enum MHD_Result res = MHD_queue_response(c, MHD_HTTP_OK, resp);
	MHD_destroy_response(resp);
	return res;
}

static const char *query_param(void *ctx, const char *name)
{
	return MHD_lookup_connection_value(ctx, MHD_GET_ARGUMENT_KIND, name);
}

static enum MHD_Result do_view(pl_http *h, struct MHD_Connection *c, req *r)
{
	static const pl_view_kind kinds[PL_ROUTE_COUNT] = {[PL_ROUTE_CASES] = PL_VIEW_CASES, [PL_ROUTE_CASE] = PL_VIEW_CASE,
						    [PL_ROUTE_NORMS] = PL_VIEW_NORMS, [PL_ROUTE_NORM_SET] = PL_VIEW_NORM_SET,
						    [PL_ROUTE_INBOX] = PL_VIEW_INBOX, [PL_ROUTE_REPORT] = PL_VIEW_REPORT};
	pl_view_answer a;
	pl_buf_init(&a.body, (size_t)64 << 20);
	pl_views_answer(h->node, kinds[r->route], r->arg[0] ? r->arg : NULL, query_param, c, &a);
	enum MHD_Result res = a.status == 200
				      ? send_buf(h, c, 200, "application/json", a.body.data, a.body.len, "no-cache")
				      : send_error(h, c, a.status, a.code, a.msg, a.status == 503 ? 1 : 0);
	pl_buf_release(&a.body);
	return res;
}

/* True if the request announces a chunked body. */
static bool chunked(struct MHD_Connection *c)
{
	const char *te = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Transfer-Encoding");
	return te != NULL && te[0] != '\0';
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
	return send_error_allow(h, c, (unsigned)r->status, r->code, r->msg, 0, r->allow);
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
			if (!blob_auth(h, c, r->route == PL_ROUTE_BLOB_PUT ? "PUT" : "GET", r->arg, r)) {
				r->failed = true;
			} else if (r->route == PL_ROUTE_BLOB_PUT) {
				pl_diag d = {0};
				int rc = h->blobs ? pl_blobs_begin(h->blobs, r->arg, &r->up, &d) : PL_ESTATE;
				if (rc != PL_OK) {
					r->failed = true;
					r->status = rc == PL_EEXIST ? 409 : rc == PL_ESTATE ? 503 : 500;
					r->code = rc == PL_EEXIST ? "exists" : rc == PL_ESTATE ? "no_blob_store" : "internal";
					snprintf(r->msg, sizeof r->msg, "%s", pl_diag_text(&d, rc));
				}
			}
		} else if (r->route != PL_ROUTE_SUBMIT && (len > 0 || chunked(c))) {
			r->failed = true;
			r->status = 400;
			r->code = "bad_request";
			snprintf(r->msg, sizeof r->msg, "this request takes no body");
		}
		return r->failed ? answer_early(h, c, r) : MHD_YES;
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
				pl_diag d = {0};
				int rc = pl_blob_write(r->up, upload, *upload_size, &d);
				if (rc != PL_OK) {
					r->failed = true;
					r->status = rc == PL_ETOOBIG ? 413 : 500;
					r->code = rc == PL_ETOOBIG ? "too_large" : "storage_failed";
					snprintf(r->msg, sizeof r->msg, "%s", pl_diag_text(&d, rc));
				}
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
		return send_error_allow(h, c, (unsigned)r->status, r->code, r->msg, 0, r->allow);
	switch (r->route) {
	case PL_ROUTE_CHECKPOINT: {
		pl_buf b;
		pl_buf_init(&b, PL_NOTE_MAX);
		enum MHD_Result res = pl_node_checkpoint(h->node, &b, NULL) == PL_OK
					      ? send_buf(h, c, 200, "text/plain; charset=utf-8", b.data, b.len, "no-cache")
					      : send_error(h, c, 500, "internal", "checkpoint unavailable", 0);
		pl_buf_release(&b);
		return res;
	}
	case PL_ROUTE_TILE:
		return do_tile(h, c, r);
	case PL_ROUTE_SUBMIT:
		return do_submit(h, c, r);
	case PL_ROUTE_ENTRY: {
		uint64_t i = 0;
		(void)parse_u64(r->arg, &i);
		pl_buf b;
		pl_buf_init(&b, PL_DSSE_MAX);
		pl_diag d = {0};
		int rc = pl_node_entry(h->node, i, &b, &d);
		enum MHD_Result res =
			rc == PL_OK ? send_buf(h, c, 200, "application/json", b.data, b.len, "public, max-age=31536000, immutable")
			: rc == PL_ERANGE ? send_error(h, c, 404, "not_found", pl_diag_text(&d, rc), 0)
					  : send_error(h, c, 500, "internal", pl_diag_text(&d, rc), 0);
		pl_buf_release(&b);
		return res;
	}
	case PL_ROUTE_INCLUSION:
		return do_inclusion(h, c);
	case PL_ROUTE_CONSISTENCY:
		return do_consistency(h, c);
	case PL_ROUTE_PARTIES:
	case PL_ROUTE_PARTY: {
		pl_buf b;
		pl_buf_init(&b, 1 << 24);
		int rc = r->route == PL_ROUTE_PARTY ? pl_node_party(h->node, r->arg, &b) : pl_node_parties(h->node, &b);
		if (rc == PL_OK)
			rc = pl_buf_putc(&b, '\n');
		enum MHD_Result res = rc == PL_OK ? send_buf(h, c, 200, "application/json", b.data, b.len, "no-cache")
				      : rc == PL_ENOTFOUND ? send_error(h, c, 404, "not_found", "no such member", 0)
							   : send_error(h, c, 500, "internal", pl_strerror(rc), 0);
		pl_buf_release(&b);
		return res;
	}
	case PL_ROUTE_BLOB_PUT: {
		pl_diag d = {0};
		int rc = pl_blob_commit(r->up, &d);
		if (rc == PL_EVERIFY)
			return send_error(h, c, 422, "hash_mismatch", pl_diag_text(&d, rc), 0);
		if (rc != PL_OK)
			return send_error(h, c, 500, "storage_failed", pl_diag_text(&d, rc), 0);
		char body[128];
		int w = snprintf(body, sizeof body, "{\"blob\":\"%s\"}\n", r->arg);
		return send_buf(h, c, 201, "application/json", body, (size_t)w, "no-store");
	}
	case PL_ROUTE_BLOB_GET:
		return do_blob_get(h, c, r);
	case PL_ROUTE_HEALTH: {
		pl_node_stats s;
		pl_node_stats_get(h->node, &s);
		char body[256];
		int w = snprintf(body, sizeof body,
				 "{\"status\":\"ok\",\"origin\":\"%s\",\"size\":%llu,\"queue\":%llu,\"indexed\":%llu,"
				 "\"refused_entries\":%llu}\n",
				 pl_node_origin(h->node), (unsigned long long)s.size, (unsigned long long)s.queue,
				 (unsigned long long)s.indexed, (unsigned long long)s.refused_entries);
		return send_buf(h, c, 200, "application/json", body, (size_t)w, "no-store");
	}
	case PL_ROUTE_METRICS:
		return do_metrics(h, c);
	case PL_ROUTE_CASES:
	case PL_ROUTE_CASE:
	case PL_ROUTE_NORMS:
	case PL_ROUTE_NORM_SET:
	case PL_ROUTE_INBOX:
	case PL_ROUTE_REPORT:
		return do_view(h, c, r);
	default:
		return send_error(h, c, 404, "not_found", "no such resource", 0);
	}
}

static void completed(void *cls, struct MHD_Connection *c, void **con_cls, enum MHD_RequestTerminationCode toe)
{
	(void)cls;
	(void)c;
	(void)toe;
	req *r = *con_cls;
	if (r == NULL)
		return;
	pl_buf_release(&r->body);
	pl_blob_abort(r->up);
	free(r);
	*con_cls = NULL;
}

int pl_http_start(pl_node *node, pl_blobs *blobs, const pl_http_opts *o, pl_http **out, pl_diag *d)
{
	*out = NULL;
	pl_http *h = calloc(1, sizeof *h);
	if (h == NULL)
		return pl_diag_set(d, PL_ENOMEM, "out of memory");
	h->node = node;
	h->blobs = blobs;
	if (pl_gzcache_new(GZ_SLOTS, GZ_BYTES_MAX, &h->gz) != PL_OK) {
		free(h);
		return pl_diag_set(d, PL_ENOMEM, "out of memory");
	}
	struct sockaddr_in sa;
	memset(&sa, 0, sizeof sa);
	sa.sin_family = AF_INET;
	sa.sin_port = htons(o->port);
	if (inet_pton(AF_INET, o->host ? o->host : "127.0.0.1", &sa.sin_addr) != 1) {
		pl_gzcache_free(h->gz);
		free(h);
		return pl_diag_set(d, PL_EINVAL, "cannot listen on \"%s\": give an IPv4 address", o->host);
	}
	h->d = MHD_start_daemon(MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG,
				o->port, NULL, NULL, handler, h, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa,
				MHD_OPTION_NOTIFY_COMPLETED, completed, h, MHD_OPTION_CONNECTION_TIMEOUT,
				(unsigned int)o->conn_timeout, MHD_OPTION_CONNECTION_LIMIT, (unsigned int)o->conn_limit,
				MHD_OPTION_PER_IP_CONNECTION_LIMIT, (unsigned int)o->per_ip_limit,
				MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)o->header_max, MHD_OPTION_UNESCAPE_CALLBACK,
				unescape, NULL, MHD_OPTION_STRICT_FOR_CLIENT, 1, MHD_OPTION_END);
	if (h->d == NULL) {
		pl_gzcache_free(h->gz);
		free(h);
		return pl_diag_errno(d, PL_EIO, errno, "cannot listen on %s:%u", o->host, o->port);
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
	MHD_stop_daemon(h->d);
	pl_gzcache_free(h->gz);
	free(h);
}
