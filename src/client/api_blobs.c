/* api_blobs.c - blobs through the API, members only: requests signed with the
 * party's key, blobs streamed from and to files or held in memory, every
 * download checked against its SHA-256. */
#include "client/api_impl.h"

#include "base/codec.h"
#include "base/sha256.h"
#include "base/timefmt.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

int pl_blob_sign_headers(const pl_party_key *k, const char *origin, const char *method, const char *hex,
			 char headers[3][256])
{
	char t[PL_TIME_LEN + 1];
	pl_time_format(pl_now(), t);
	pl_buf m;
	pl_buf_init(&m, 512);
	int rc = pl_blob_auth_message(origin, method, hex, t, &m);
	uint8_t sig[PL_ED25519_SIG_SIZE];
	if (rc == PL_OK)
		rc = pl_party_sign(k, m.data, m.len, sig);
	pl_buf_release(&m);
	if (rc != PL_OK)
		return rc;
	char s64[PL_ED25519_SIG_B64_LEN + 1];
	pl_b64_encode(sig, PL_ED25519_SIG_SIZE, s64);
	snprintf(headers[0], 256, "Parley-Party: %s", k->id.party);
	snprintf(headers[1], 256, "Parley-Time: %s", t);
	snprintf(headers[2], 256, "Parley-Signature: %s", s64);
	return PL_OK;
}

/* ---- blobs, streamed ---- */

typedef struct file_sink {
	CURL *curl;
	FILE *out;
	pl_sha256_ctx h;
	pl_buf err;       /* the body of an error answer */
	long status;
	bool failed;
	uint64_t bytes;
} file_sink;

static size_t on_file_data(char *p, size_t size, size_t nmemb, void *ctx)
{
	file_sink *k = ctx;
	size_t n = size * nmemb;
	if (k->status == 0)
		curl_easy_getinfo(k->curl, CURLINFO_RESPONSE_CODE, &k->status);
	if (k->status >= 400 || k->status == 0) {
		(void)!pl_buf_append(&k->err, p, n); /* an error's body, capped: best effort */
		return n;
	}
	if (fwrite(p, 1, n, k->out) != n) {
		k->failed = true;
		return 0;
	}
	pl_sha256_update(&k->h, p, n);
	k->bytes += n;
	return n;
}

int pl_api_blob_get(pl_api *a, const pl_party_key *k, const char *origin, const char *hex, FILE *out,
		    uint64_t *size, pl_diag *d)
{
	char url[2048], hdr[3][256];
	if (snprintf(url, sizeof url, "%s/v1/blobs/%s", a->url, hex) >= (int)sizeof url)
		return pl_diag_set(d, PL_EINVAL, "URL too long");
	int rc = pl_blob_sign_headers(k, origin, "GET", hex, hdr);
	if (rc != PL_OK)
		return pl_diag_set(d, rc, "cannot sign the blob request");
	CURL *c = a->curl;
	curl_easy_reset(c);
	struct curl_slist *hl = NULL;
	for (int i = 0; i < 3; i++)
		hl = curl_slist_append(hl, hdr[i]);
	file_sink s = {.curl = c, .out = out};
	pl_sha256_init(&s.h);
	pl_buf_init(&s.err, 1 << 16);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, hl);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_file_data);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &s);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 10L);
	curl_easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, 1024L); /* give up below 1 KB/s for a minute */
	curl_easy_setopt(c, CURLOPT_LOW_SPEED_TIME, 60L);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_USERAGENT, "parley/0.1");
	CURLcode cr = curl_easy_perform(c);
	curl_slist_free_all(hl);
	long status = 0;
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
	if (cr != CURLE_OK && !s.failed)
		rc = pl_diag_set(d, PL_ENET, "GET %s: %s", url, curl_easy_strerror(cr));
	else if (s.failed)
		rc = pl_diag_set(d, PL_EIO, "writing blob %s failed", hex);
	else if (status != 200) {
		pl_api_error_text(&s.err, status, d);
		rc = status == 404 ? PL_ENOTFOUND : PL_EREFUSED;
	} else {
		uint8_t h[PL_SHA256_SIZE];
		char got[PL_SHA256_HEX_LEN + 1];
		pl_sha256_final(&s.h, h);
		pl_hex_encode(h, PL_SHA256_SIZE, got);
		if (strcmp(got, hex) != 0)
			rc = pl_diag_set(d, PL_EVERIFY, "the server sent bytes that hash to %s, not %s", got, hex);
		else if (fflush(out) != 0)
			rc = pl_diag_set(d, PL_EIO, "writing blob %s failed", hex);
		else if (size != NULL)
			*size = s.bytes;
	}
	pl_buf_release(&s.err);
	return rc;
}

static size_t on_file_read(char *p, size_t size, size_t nmemb, void *ctx)
{
	return fread(p, size, nmemb, (FILE *)ctx);
}

int pl_api_blob_put(pl_api *a, const pl_party_key *k, const char *origin, const char *hex, const char *path,
		    pl_diag *d)
{
	char url[2048], hdr[3][256];
	if (snprintf(url, sizeof url, "%s/v1/blobs/%s", a->url, hex) >= (int)sizeof url)
		return pl_diag_set(d, PL_EINVAL, "URL too long");
	FILE *f = fopen(path, "rb");
	if (f == NULL)
		return pl_diag_errno(d, PL_EIO, errno, "open %s", path);
	struct stat st;
	if (fstat(fileno(f), &st) != 0) {
		fclose(f);
		return pl_diag_errno(d, PL_EIO, errno, "stat %s", path);
	}
	int rc = pl_blob_sign_headers(k, origin, "PUT", hex, hdr);
	if (rc != PL_OK) {
		fclose(f);
		return pl_diag_set(d, rc, "cannot sign the blob request");
	}
	CURL *c = a->curl;
	curl_easy_reset(c);
	struct curl_slist *hl = NULL;
	for (int i = 0; i < 3; i++)
		hl = curl_slist_append(hl, hdr[i]);
	hl = curl_slist_append(hl, "Content-Type: application/octet-stream");
	hl = curl_slist_append(hl, "Expect:");
	pl_buf body;
	pl_buf_init(&body, 1 << 16);
	sink k2 = {&body, 0, false};
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, hl);
	curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
	curl_easy_setopt(c, CURLOPT_READFUNCTION, on_file_read);
	curl_easy_setopt(c, CURLOPT_READDATA, f);
	curl_easy_setopt(c, CURLOPT_INFILESIZE_LARGE, (curl_off_t)st.st_size);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, pl_api_on_data);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &k2);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 10L);
	curl_easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, 1024L);
	curl_easy_setopt(c, CURLOPT_LOW_SPEED_TIME, 60L);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_USERAGENT, "parley/0.1");
	CURLcode cr = curl_easy_perform(c);
	curl_slist_free_all(hl);
	fclose(f);
	long status = 0;
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
	if (cr != CURLE_OK)
		rc = pl_diag_set(d, PL_ENET, "PUT %s: %s", url, curl_easy_strerror(cr));
	else if (status != 201 && status != 409) { /* 409: already stored, same bytes (content-addressed) */
		pl_api_error_text(&body, status, d);
		rc = PL_EREFUSED;
	}
	pl_buf_release(&body);
	return rc;
}

/* ---- blobs, in memory ---- */

/* The error of a blob request the server did not answer with a success. */
static int blob_refused(const pl_diag *d)
{
	return d != NULL && d->code == PL_EREFUSED ? PL_EREFUSED : PL_ENET;
}

int pl_api_blob_put_mem(pl_api *a, const pl_party_key *k, const char *origin, const uint8_t *data, size_t n,
			char hex[PL_SHA256_HEX_LEN + 1], pl_diag *d)
{
	uint8_t h[PL_SHA256_SIZE];
	char path[128], hdr[3][256];
	pl_sha256(data, n, h);
	pl_hex_encode(h, PL_SHA256_SIZE, hex);
	snprintf(path, sizeof path, "/v1/blobs/%s", hex);
	int rc = pl_blob_sign_headers(k, origin, "PUT", hex, hdr);
	if (rc != PL_OK)
		return rc;
	const char *headers[] = {hdr[0], hdr[1], hdr[2], "Content-Type: application/octet-stream", NULL};
	pl_buf resp;
	pl_buf_init(&resp, 1 << 16);
	long status = 0;
	rc = pl_api_request(a, "PUT", path, data, n, headers, &resp, &status, d);
	if (rc == PL_OK && status != 201 && status != 409) /* 409: already stored, same bytes (content-addressed) */
		rc = blob_refused(d);
	pl_buf_release(&resp);
	return rc;
}

int pl_api_blob_get_mem(pl_api *a, const pl_party_key *k, const char *origin, const char *hex, pl_buf *out,
			pl_diag *d)
{
	char path[128], hdr[3][256];
	if (snprintf(path, sizeof path, "/v1/blobs/%s", hex) >= (int)sizeof path)
		return pl_diag_set(d, PL_EINVAL, "a blob's name is 64 hex digits");
	int rc = pl_blob_sign_headers(k, origin, "GET", hex, hdr);
	if (rc != PL_OK)
		return rc;
	const char *headers[] = {hdr[0], hdr[1], hdr[2], NULL};
	size_t start = out->len;
	long status = 0;
	rc = pl_api_request(a, "GET", path, NULL, 0, headers, out, &status, d);
	if (rc == PL_OK && status != 200)
		rc = blob_refused(d);
	uint8_t h[PL_SHA256_SIZE];
	char got[PL_SHA256_HEX_LEN + 1];
	if (rc == PL_OK) {
		pl_sha256(out->data != NULL ? out->data + start : NULL, out->len - start, h);
		pl_hex_encode(h, PL_SHA256_SIZE, got);
		if (strcmp(got, hex) != 0)
			rc = pl_diag_set(d, PL_EVERIFY, "the server sent bytes that hash to %s", got);
	}
	if (rc != PL_OK)
		pl_buf_truncate(out, start);
	return rc;
}
