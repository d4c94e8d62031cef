/* serve_blobs.c - blob requests: the signed headers every one carries
 * (members only), and downloads. Uploads are taken in with the request body
 * (serve.c). */
#include "http/serve_impl.h"

#include "http/status.h"

#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

bool pl_http_blob_auth(pl_http *h, struct MHD_Connection *c, const char *method, const char *hex, req *r)
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

/* Sets r's answer for an upload that failed with rc (why: a refusal's reason, d: the sentence). */
static bool upload_failed(req *r, int rc, const pl_refusal *why, const pl_diag *d)
{
	unsigned status = 500;
	if (rc == PL_EREFUSED) {
		pl_http_answer_of(rc, why, &status, &r->code);
	} else {
		status = rc == PL_EEXIST ? 409 : rc == PL_ESTATE ? 503 : rc == PL_ETOOBIG ? 413 : 500;
		r->code = rc == PL_EEXIST    ? "exists"
			  : rc == PL_ESTATE  ? "no_blob_store"
			  : rc == PL_ETOOBIG ? "too_large"
			  : rc == PL_EINVAL  ? "internal"
					     : "storage_failed";
	}
	r->status = (int)status;
	snprintf(r->msg, sizeof r->msg, "%s", rc == PL_EREFUSED ? why->msg : pl_diag_text(d, rc));
	return false;
}

bool pl_http_blob_begin(pl_http *h, struct MHD_Connection *c, uint64_t declared, req *r)
{
	pl_diag d = {0};
	pl_refusal why = {0};
	if (h->blobs == NULL)
		return upload_failed(r, PL_ESTATE, NULL, &d);
	const char *party = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Parley-Party"); /* authenticated */
	int rc = pl_blobs_begin(h->blobs, r->arg, party, &r->up, &d);
	if (rc == PL_OK && declared > 0)
		rc = pl_blob_reserve(r->up, declared, &why, &d);
	return rc == PL_OK ? true : upload_failed(r, rc, &why, &d);
}

bool pl_http_blob_data(req *r, const char *p, size_t n)
{
	pl_diag d = {0};
	pl_refusal why = {0};
	int rc = pl_blob_write(r->up, p, n, &why, &d);
	return rc == PL_OK ? true : upload_failed(r, rc, &why, &d);
}

enum MHD_Result pl_http_blob_get(pl_http *h, struct MHD_Connection *c, req *r)
{
	char path[PATH_MAX];
	if (h->blobs == NULL || pl_blobs_path(h->blobs, r->arg, path) != PL_OK)
		return pl_http_send_error(h, c, 404, "not_found", "no such blob", 0);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat st;
	if (fd < 0 || fstat(fd, &st) != 0) {
		if (fd >= 0)
			close(fd);
		return pl_http_send_error(h, c, 404, "not_found", "no such blob", 0);
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
