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
