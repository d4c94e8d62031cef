/* source.c - reading a published log from a directory or over HTTP(S). */
#include "store/source.h"

#include "base/fsio.h"

#include <curl/curl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

struct pl_source {
	char dir[PATH_MAX]; /* directory, or "" for a URL */
	char url[2048];     /* prefix without trailing slash, or "" */
	CURL *curl;         /* reused for keep-alive */
	bool no_gzip;       /* ask for identity encoding only */
};

void pl_source_set_gzip(pl_source *s, bool yes)
{
	s->no_gzip = !yes;
}

int pl_source_open(const char *where, pl_source **out, pl_diag *d)
{
	*out = NULL;
	pl_source *s = calloc(1, sizeof *s);
	if (s == NULL)
		return pl_diag_set(d, PL_ENOMEM, "out of memory");
	size_t n = strlen(where);
	if (strncmp(where, "http://", 7) == 0 || strncmp(where, "https://", 8) == 0) {
		if (n >= sizeof s->url) {
			free(s);
			return pl_diag_set(d, PL_EINVAL, "URL too long");
		}
		strcpy(s->url, where);
		while (n > 0 && s->url[n - 1] == '/')
			s->url[--n] = '\0';
		s->curl = curl_easy_init();
		if (s->curl == NULL) {
			free(s);
			return pl_diag_set(d, PL_ENOMEM, "curl_easy_init failed");
		}
	} else {
		struct stat st;
		if (n >= sizeof s->dir || stat(where, &st) != 0 || !S_ISDIR(st.st_mode)) {
			free(s);
			return pl_diag_set(d, PL_ENOTFOUND, "%s: no such log directory", where);
		}
		strcpy(s->dir, where);
	}
	*out = s;
	return PL_OK;
}

void pl_source_free(pl_source *s)
{
	if (s == NULL)
		return;
	if (s->curl)
		curl_easy_cleanup(s->curl);
	free(s);
}

const char *pl_source_dir(const pl_source *s)
{
	return s->dir[0] ? s->dir : NULL;
}

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

static int http_get(pl_source *s, const char *relpath, size_t max, pl_buf *out, pl_diag *d)
{
	char url[4096];
	if (snprintf(url, sizeof url, "%s/%s", s->url, relpath) >= (int)sizeof url)
		return pl_diag_set(d, PL_EINVAL, "URL too long");
	sink k = {out, out->len, max, false};
	CURL *c = s->curl;
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &k);
	curl_easy_setopt(c, CURLOPT_ACCEPT_ENCODING, s->no_gzip ? "identity" : ""); /* "": gzip, deflate, identity */
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

int pl_source_get(pl_source *s, const char *relpath, size_t max, pl_buf *out, pl_diag *d)
{
	if (s->url[0])
		return http_get(s, relpath, max, out, d);
	char path[PATH_MAX];
	if (pl_path_join(path, sizeof path, s->dir, relpath) != PL_OK)
		return pl_diag_set(d, PL_EINVAL, "path too long");
	return pl_fs_read(path, max, out, d);
}

/* The first width entries' bytes of a bundle (0 if it has fewer). */
static size_t bundle_prefix(const uint8_t *p, size_t n, unsigned width)
{
	size_t off = 0;
	for (unsigned i = 0; i < width; i++) {
		if (n - off < 2 || n - off - 2 < ((size_t)p[off] << 8 | p[off + 1]))
			return 0;
		off += 2 + ((size_t)p[off] << 8 | p[off + 1]);
	}
	return off;
}

int pl_source_fetch_tile(void *ctx, const pl_tile *t, pl_buf *out)
{
	char rel[PL_TILE_PATH_MAX];
	int rc = pl_tile_path(t, rel, sizeof rel);
	if (rc != PL_OK)
		return rc;
	size_t max = t->level == PL_TILE_LEVEL_ENTRIES ? PL_BUNDLE_MAX : pl_tile_size(t);
	rc = pl_source_get(ctx, rel, max, out, NULL);
	if (rc != PL_ENOTFOUND || t->width >= PL_TILE_WIDTH)
		return rc;
	/* A partial tile is removed once the full tile is published (log.h, step
	 * 6), so a reader working from a checkpoint read just before may miss it:
	 * the full tile's prefix holds the same bytes (and is checked against the
	 * checkpoint like anything read here). */
	pl_tile full = *t;
	full.width = PL_TILE_WIDTH;
	if (pl_tile_path(&full, rel, sizeof rel) != PL_OK)
		return rc;
	size_t start = out->len;
	int frc = pl_source_get(ctx, rel, t->level == PL_TILE_LEVEL_ENTRIES ? PL_BUNDLE_MAX : pl_tile_size(&full),
				out, NULL);
	if (frc != PL_OK) {
		pl_buf_truncate(out, start);
		return rc;
	}
	size_t keep = t->level == PL_TILE_LEVEL_ENTRIES
			      ? bundle_prefix(out->data + start, out->len - start, t->width)
			      : (out->len - start >= pl_tile_size(t) ? pl_tile_size(t) : 0);
	pl_buf_truncate(out, start + keep);
	return keep > 0 ? PL_OK : PL_ECORRUPT;
}

int pl_source_leaf(pl_source *s, uint64_t size, uint64_t index, pl_hash *out)
{
	if (index >= size)
		return PL_ERANGE;
	pl_tile t;
	int rc = pl_tile_in_tree(size, 0, index / PL_TILE_WIDTH, &t);
	if (rc != PL_OK)
		return rc;
	pl_buf b;
	pl_buf_init(&b, PL_TILE_BYTES);
	rc = pl_source_fetch_tile(s, &t, &b);
	if (rc == PL_OK && b.len == pl_tile_size(&t))
		memcpy(out->b, b.data + (index % PL_TILE_WIDTH) * PL_HASH_SIZE, PL_HASH_SIZE);
	else if (rc == PL_OK)
		rc = PL_ECORRUPT;
	pl_buf_release(&b);
	return rc;
}
