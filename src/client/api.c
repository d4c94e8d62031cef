/* api.c - HTTP client of a Parley server, with every answer verified. */
#include "client/api.h"

#include "base/codec.h"
#include "base/json.h"
#include "base/sha256.h"
#include "base/timefmt.h"
#include "statement/dsse.h"
#include "tlog/proof_file.h"

#include <curl/curl.h>
#include <errno.h>
#include <sys/stat.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct pl_api {
	char url[1024];
	CURL *curl;
};

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

typedef struct sink {
	pl_buf *out;
	size_t start;
	bool too_big;
} sink;

static size_t on_data(char *p, size_t size, size_t nmemb, void *ctx)
{
	sink *k = ctx;
	if (pl_buf_append(k->out, p, size * nmemb) != PL_OK) {
		k->too_big = true;
		return 0;
	}
	return size * nmemb;
}

/* The server's {"error": {"code", "message"}} as "code: message". */
static void error_text(const pl_buf *body, long status, pl_diag *d)
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
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
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
		error_text(&tmp, *status, d);
	}
	return PL_OK;
}

static int get_json(pl_api *a, const char *path, json_t **out, pl_diag *d)
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

int pl_api_next_seq(pl_api *a, const char *party, uint64_t *seq, pl_diag *d)
{
	char path[128];
	snprintf(path, sizeof path, "/v1/parties/%s", party);
	json_t *v = NULL;
	int rc = get_json(a, path, &v, d);
	if (rc == PL_ENOTFOUND)
		return pl_diag_set(d, rc, "%s is not a member of this log", party);
	if (rc != PL_OK)
		return rc;
	json_t *s = json_object_get(v, "seq");
	if (!json_is_integer(s) || json_integer_value(s) < 0)
		rc = pl_diag_set(d, PL_EFORMAT, "the server's record of %s has no seq", party);
	else
		*seq = (uint64_t)json_integer_value(s) + 1;
	json_decref(v);
	return rc;
}

void pl_api_accept_init(pl_api_accept *r)
{
	memset(r, 0, sizeof *r);
	pl_buf_init(&r->receipt, PL_PROOF_FILE_MAX);
	pl_buf_init(&r->acceptance, PL_NOTE_MAX);
}

void pl_api_accept_release(pl_api_accept *r)
{
	pl_buf_release(&r->receipt);
	pl_buf_release(&r->acceptance);
}

/* Checks the acceptance note: the log key signed "index, leaf" for this entry. */
static int check_acceptance(const pl_policy *pol, const pl_api_accept *r, pl_diag *d)
{
	pl_note note;
	int nrc = pl_note_open(r->acceptance.data, r->acceptance.len, &pol->log, 1, &note);
	if (nrc == PL_ENOMEM)
		return pl_diag_set(d, PL_ENOMEM, "out of memory checking the acceptance");
	if (nrc != PL_OK)
		return pl_diag_set(d, PL_EVERIFY, "the acceptance is not signed by the log key");
	char leaf[64], want[512];
	pl_b64_encode(r->leaf.b, 32, leaf);
	int w = snprintf(want, sizeof want, "parley.acceptance/v1\n%s\n%llu\n%s\n", pol->log.name,
			 (unsigned long long)r->index, leaf);
	if (w < 0 || note.text.n != (size_t)w + PL_TIME_LEN + 1 || memcmp(note.text.p, want, (size_t)w) != 0)
		return pl_diag_set(d, PL_EVERIFY, "the acceptance does not name this entry");
	return PL_OK;
}

int pl_api_submit(pl_api *a, const pl_policy *pol, const uint8_t *env, size_t n, bool wait, pl_api_accept *r,
		  long *status, pl_diag *d)
{
	pl_buf b;
	pl_buf_init(&b, 1 << 20);
	static const char *const hdr[] = {"Content-Type: application/json", NULL};
	int rc = pl_api_request(a, "POST", wait ? "/v1/statements?wait=1" : "/v1/statements", env, n, hdr, &b, status,
				d);
	json_t *v = NULL;
	if (rc != PL_OK)
		goto out;
	if (*status >= 400) {
		rc = PL_EREFUSED; /* d holds the server's code and sentence */
		goto out;
	}
	if ((rc = pl_json_parse(b.data, b.len, b.max, &v, d)) != PL_OK)
		goto out;
	int64_t index;
	const char *acc, *rec;
	if ((rc = pl_json_int(v, "index", 0, (int64_t)(PL_TREE_MAX - 1), &index, d)) != PL_OK ||
	    (rc = pl_json_b64(v, "leaf", r->leaf.b, 32, d)) != PL_OK ||
	    (rc = pl_json_str(v, "acceptance", PL_NOTE_MAX, &acc, d)) != PL_OK ||
	    (rc = pl_json_str_opt(v, "receipt", PL_PROOF_FILE_MAX, &rec, d)) != PL_OK)
		goto out;
	r->index = (uint64_t)index;
	pl_hash mine;
	pl_leaf_hash(env, n, &mine);
	if (!pl_hash_eq(&mine, &r->leaf)) {
		rc = pl_diag_set(d, PL_EVERIFY, "the server's leaf hash is not the hash of what was sent");
		goto out;
	}
	if ((rc = pl_buf_puts(&r->acceptance, acc)) != PL_OK || (rc = check_acceptance(pol, r, d)) != PL_OK)
		goto out;
	if (rec != NULL) {
		if ((rc = pl_buf_puts(&r->receipt, rec)) != PL_OK)
			goto out;
		pl_proof_file pf;
		if (pl_proof_file_parse(r->receipt.data, r->receipt.len, &pf) != PL_OK) {
			rc = pl_diag_set(d, PL_EVERIFY, "the receipt is not a tlog-proof");
			goto out;
		}
		rc = pf.index == r->index && pf.has_extra && pf.extra_len == n && memcmp(pf.extra, env, n) == 0
			     ? pl_proof_file_verify(&pf, pol, &mine, NULL)
			     : PL_EVERIFY;
		pl_proof_file_release(&pf);
		if (rc != PL_OK) {
			pl_diag_set(d, rc, "the receipt does not prove this statement");
			goto out;
		}
		r->has_receipt = true;
	}
out:
	json_decref(v);
	pl_buf_release(&b);
	return rc;
}

int pl_api_fetch_proven(pl_api *a, const pl_policy *pol, uint64_t index, pl_buf *proof, pl_buf *entry, pl_diag *d)
{
	char path[96];
	snprintf(path, sizeof path, "/v1/proof/inclusion?index=%llu", (unsigned long long)index);
	long status = 0;
	size_t start = proof->len;
	int rc = pl_api_request(a, "GET", path, NULL, 0, NULL, proof, &status, d);
	if (rc != PL_OK)
		return rc;
	if (status == 404)
		return pl_diag_set(d, PL_ERANGE, "entry %llu does not exist (yet)", (unsigned long long)index);
	if (status != 200)
		return PL_ENET;
	pl_proof_file pf;
	if (pl_proof_file_parse(proof->data + start, proof->len - start, &pf) != PL_OK)
		return pl_diag_set(d, PL_EVERIFY, "the server's proof is malformed");
	pl_hash leaf;
	rc = PL_EVERIFY;
	if (pf.index == index && pf.has_extra) {
		pl_leaf_hash(pf.extra, pf.extra_len, &leaf);
		rc = pl_proof_file_verify(&pf, pol, &leaf, NULL);
	}
	if (rc == PL_OK)
		rc = pl_buf_append(entry, pf.extra, pf.extra_len);
	else if (rc == PL_ENOKEY)
		pl_diag_set(d, rc, "the log's checkpoint lacks the log's signature or has fewer than %zu witness "
			    "cosignatures (are the witnesses down? try again later)", pol->quorum);
	else
		pl_diag_set(d, rc, "the server's proof of entry %llu does not verify", (unsigned long long)index);
	pl_proof_file_release(&pf);
	return rc;
}

int pl_api_key_at(pl_api *a, const char *party, uint64_t index, uint8_t pk[32], pl_diag *d)
{
	char path[128];
	snprintf(path, sizeof path, "/v1/parties/%s", party);
	json_t *v = NULL;
	int rc = get_json(a, path, &v, d);
	if (rc != PL_OK)
		return pl_diag_set(d, rc, "cannot read %s's record from the server", party);
	json_t *keys = json_object_get(v, "keys");
	size_t i;
	json_t *k;
	rc = pl_diag_set(d, PL_ENOTFOUND, "the registry names no key of %s at entry %llu", party,
			 (unsigned long long)index);
	for (int pass = 0; pass < 2 && rc != PL_OK; pass++) {
		json_array_foreach(keys, i, k)
		{
			json_t *from = json_object_get(k, "from"), *until = json_object_get(k, "until");
			if (!json_is_integer(from))
				continue;
			uint64_t f = (uint64_t)json_integer_value(from);
			uint64_t u = json_is_integer(until) ? (uint64_t)json_integer_value(until) : UINT64_MAX;
			if ((pass == 0 ? f < index : f <= index) && index <= u &&
			    pl_json_b64(k, "sign", pk, 32, NULL) == PL_OK) {
				if (d)
					d->msg[0] = '\0';
				rc = PL_OK;
			}
		}
	}
	json_decref(v);
	return rc;
}

int pl_statement_proof_verify(const uint8_t *file, size_t n, const pl_policy *pol, const pl_identity *signer,
			      uint64_t *index, pl_stmt *st, pl_diag *d)
{
	pl_proof_file pf;
	pl_envelope env;
	pl_stmt s;
	memset(&env, 0, sizeof env);
	memset(&s, 0, sizeof s);
	if (pl_proof_file_parse(file, n, &pf) != PL_OK)
		return pl_diag_set(d, PL_EFORMAT, "not a c2sp.org/tlog-proof@v1 file");
	pl_checkpoint cp;
	pl_hash leaf;
	int rc;
	if (!pf.has_extra) {
		rc = pl_diag_set(d, PL_EFORMAT, "the proof carries no statement");
		goto out;
	}
	pl_leaf_hash(pf.extra, pf.extra_len, &leaf);
	rc = pl_proof_file_verify(&pf, pol, &leaf, &cp);
	if (rc != PL_OK) {
		pl_diag_set(d, rc == PL_ENOKEY ? rc : PL_EVERIFY, "%s",
			    rc == PL_ENOKEY ? "the checkpoint lacks the log's signature or the witness quorum"
					    : "the inclusion proof or the checkpoint signature does not verify");
		rc = rc == PL_ENOKEY ? rc : PL_EVERIFY;
		goto out;
	}
	if ((rc = pl_envelope_parse(pf.extra, pf.extra_len, &env, d)) != PL_OK ||
	    (rc = pl_stmt_parse(env.payload, env.payload_len, &s, d)) != PL_OK)
		goto out;
	if (strcmp(s.log, cp.origin) != 0) {
		rc = pl_diag_set(d, PL_EVERIFY, "the statement is for %s but sits in %s", s.log, cp.origin);
		goto out;
	}
	if (signer != NULL) {
		if (strcmp(signer->party, s.author) != 0) {
			rc = pl_diag_set(d, PL_EVERIFY, "the statement's author is %s, not %s", s.author, signer->party);
			goto out;
		}
		if (pl_envelope_verify(&env, signer->sign_pk, NULL) != PL_OK) {
			rc = pl_diag_set(d, PL_EVERIFY, "the envelope is not signed by %s's key", s.author);
			goto out;
		}
	}
	if (index)
		*index = pf.index;
	if (st) {
		*st = s;
		s.root = NULL;
	}
out:
	pl_stmt_release(&s);
	pl_envelope_release(&env);
	pl_proof_file_release(&pf);
	return rc;
}

int pl_blob_sign_headers(const pl_party_key *k, const char *method, const char *hex, char headers[3][256])
{
	char t[PL_TIME_LEN + 1];
	pl_time_format(pl_now(), t);
	pl_buf m;
	pl_buf_init(&m, 512);
	int rc = pl_blob_auth_message(method, hex, t, &m);
	uint8_t sig[64];
	if (rc == PL_OK)
		rc = pl_party_sign(k, m.data, m.len, sig);
	pl_buf_release(&m);
	if (rc != PL_OK)
		return rc;
	char s64[128];
	pl_b64_encode(sig, 64, s64);
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

int pl_api_blob_get(pl_api *a, const pl_party_key *k, const char *hex, FILE *out, uint64_t *size, pl_diag *d)
{
	char url[2048], hdr[3][256];
	if (snprintf(url, sizeof url, "%s/v1/blobs/%s", a->url, hex) >= (int)sizeof url)
		return pl_diag_set(d, PL_EINVAL, "URL too long");
	int rc = pl_blob_sign_headers(k, "GET", hex, hdr);
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
		error_text(&s.err, status, d);
		rc = status == 404 ? PL_ENOTFOUND : PL_EREFUSED;
	} else {
		uint8_t h[32];
		char got[65];
		pl_sha256_final(&s.h, h);
		pl_hex_encode(h, 32, got);
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

int pl_api_blob_put(pl_api *a, const pl_party_key *k, const char *hex, const char *path, pl_diag *d)
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
	int rc = pl_blob_sign_headers(k, "PUT", hex, hdr);
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
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
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
		error_text(&body, status, d);
		rc = PL_EREFUSED;
	}
	pl_buf_release(&body);
	return rc;
}

/* The identity naming party in a statement that establishes keys (charter, enroll, key.rotate). */
static int identity_in(const pl_stmt *st, const char *party, pl_identity *out)
{
	const json_t *body = st->body;
	if (strcmp(st->type, "charter") == 0) {
		size_t i;
		json_t *f;
		json_array_foreach(json_object_get(body, "founders"), i, f)
		{
			if (pl_identity_from_json(f, out, NULL) == PL_OK && strcmp(out->party, party) == 0)
				return PL_OK;
		}
		return PL_ENOTFOUND;
	}
	if (strcmp(st->type, "enroll") != 0 && strcmp(st->type, "key.rotate") != 0)
		return PL_ENOTFOUND;
	if (pl_identity_from_json(json_object_get(body, "identity"), out, NULL) != PL_OK || strcmp(out->party, party) != 0)
		return PL_ENOTFOUND;
	return PL_OK;
}

int pl_api_identity(pl_api *a, const pl_policy *pol, const char *party, pl_identity *out, pl_diag *d)
{
	char path[128];
	snprintf(path, sizeof path, "/v1/parties/%s", party);
	json_t *v = NULL;
	int rc = get_json(a, path, &v, d);
	if (rc != PL_OK)
		return pl_diag_set(d, rc, "%s is not a member of this log", party);
	json_t *keys = json_object_get(v, "keys");
	json_t *cur = json_array_get(keys, json_array_size(keys) - 1);
	uint64_t from = 0;
	if (!json_is_true(json_object_get(v, "active")) || cur == NULL || !json_is_null(json_object_get(cur, "until")) ||
	    !json_is_integer(json_object_get(cur, "from"))) {
		json_decref(v);
		return pl_diag_set(d, PL_ENOKEY, "%s has no active key", party);
	}
	from = (uint64_t)json_integer_value(json_object_get(cur, "from"));
	json_decref(v);
	/* the entry that established the key, proven, says which keys they are */
	pl_buf proof, entry;
	pl_buf_init(&proof, PL_PROOF_FILE_MAX);
	pl_buf_init(&entry, PL_DSSE_MAX);
	pl_envelope env;
	pl_stmt st;
	memset(&env, 0, sizeof env);
	memset(&st, 0, sizeof st);
	if ((rc = pl_api_fetch_proven(a, pol, from, &proof, &entry, d)) == PL_OK &&
	    ((rc = pl_envelope_parse(entry.data, entry.len, &env, d)) != PL_OK ||
	     (rc = pl_stmt_parse(env.payload, env.payload_len, &st, d)) != PL_OK ||
	     identity_in(&st, party, out) != PL_OK))
		rc = pl_diag_set(d, PL_EVERIFY, "entry %llu, which the registry says gave %s its key, does not name it",
				 (unsigned long long)from, party);
	pl_stmt_release(&st);
	pl_envelope_release(&env);
	pl_buf_release(&proof);
	pl_buf_release(&entry);
	return rc;
}

/* ---- blobs, in memory ---- */

/* The error of a blob request the server did not answer with a success. */
static int blob_refused(const pl_diag *d)
{
	return d != NULL && d->code == PL_EREFUSED ? PL_EREFUSED : PL_ENET;
}

int pl_api_blob_put_mem(pl_api *a, const pl_party_key *k, const uint8_t *data, size_t n, char hex[65], pl_diag *d)
{
	uint8_t h[32];
	char path[128], hdr[3][256];
	pl_sha256(data, n, h);
	pl_hex_encode(h, 32, hex);
	snprintf(path, sizeof path, "/v1/blobs/%s", hex);
	int rc = pl_blob_sign_headers(k, "PUT", hex, hdr);
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

int pl_api_blob_get_mem(pl_api *a, const pl_party_key *k, const char *hex, pl_buf *out, pl_diag *d)
{
	char path[128], hdr[3][256];
	if (snprintf(path, sizeof path, "/v1/blobs/%s", hex) >= (int)sizeof path)
		return pl_diag_set(d, PL_EINVAL, "a blob's name is 64 hex digits");
	int rc = pl_blob_sign_headers(k, "GET", hex, hdr);
	if (rc != PL_OK)
		return rc;
	const char *headers[] = {hdr[0], hdr[1], hdr[2], NULL};
	size_t start = out->len;
	long status = 0;
	rc = pl_api_request(a, "GET", path, NULL, 0, headers, out, &status, d);
	if (rc == PL_OK && status != 200)
		rc = blob_refused(d);
	uint8_t h[32];
	char got[65];
	if (rc == PL_OK) {
		pl_sha256(out->data != NULL ? out->data + start : NULL, out->len - start, h);
		pl_hex_encode(h, 32, got);
		if (strcmp(got, hex) != 0)
			rc = pl_diag_set(d, PL_EVERIFY, "the server sent bytes that hash to %s", got);
	}
	if (rc != PL_OK)
		pl_buf_truncate(out, start);
	return rc;
}
