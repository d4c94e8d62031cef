/* serve_tiles.c - tiles and entry bundles served from the log directory
 * (immutable), small ones from memory; entry bundles gzipped when the client
 * accepts it, the compressed bytes kept. */
#include "http/serve_impl.h"

#include "base/fsio.h"
#include "base/gzip.h"
#include "tlog/tile.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

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

enum MHD_Result pl_http_tile(pl_http *h, struct MHD_Connection *c, req *r)
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
		return pl_http_send_error(h, c, 404, "not_found", "no such tile", 0);
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	struct stat st;
	if (fd < 0 || fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		if (fd >= 0)
			close(fd);
		return pl_http_send_error(h, c, 404, "not_found", "no such tile", 0);
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
			return pl_http_send_error(h, c, 500, "internal", "cannot read the tile", 0);
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
