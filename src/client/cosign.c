/* cosign.c - add-checkpoint requests to witnesses, with resync and backoff. */
#include "client/cosign.h"

#include "tlog/tile.h"
#include "tlog/witness_req.h"

#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double mono(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

int pl_cosigner_parse(const char *spec, pl_cosigner *c)
{
	memset(c, 0, sizeof *c);
	const char *at = strrchr(spec, '@');
	if (at == NULL || (strncmp(at + 1, "http://", 7) != 0 && strncmp(at + 1, "https://", 8) != 0) ||
	    strlen(at + 1) >= sizeof c->url)
		return PL_EINVAL;
	if (pl_verifier_parse(spec, (size_t)(at - spec), &c->v) != PL_OK || c->v.type != PL_SIGTYPE_COSIG)
		return PL_EINVAL;
	snprintf(c->url, sizeof c->url, "%s", at + 1);
	size_t n = strlen(c->url);
	while (n > 0 && c->url[n - 1] == '/')
		c->url[--n] = '\0';
	return PL_OK;
}

typedef struct answer {
	pl_buf body;
	char type[64];
	unsigned retry_after;
} answer;

static size_t on_body(char *p, size_t size, size_t nmemb, void *ctx)
{
	answer *a = ctx;
	return pl_buf_append(&a->body, p, size * nmemb) == PL_OK ? size * nmemb : 0;
}

static size_t on_header(char *p, size_t size, size_t nmemb, void *ctx)
{
	answer *a = ctx;
	size_t n = size * nmemb;
	if (n > 13 && strncasecmp(p, "Content-Type:", 13) == 0) {
		const char *v = p + 13;
		while (*v == ' ')
			v++;
		size_t k = strcspn(v, ";\r\n");
		snprintf(a->type, sizeof a->type, "%.*s", (int)k, v);
	} else if (n > 12 && strncasecmp(p, "Retry-After:", 12) == 0) {
		a->retry_after = (unsigned)strtoul(p + 12, NULL, 10);
	}
	return n;
}

static void fail(pl_cosigner *c, const char *why, unsigned retry_after)
{
	c->failures++;
	double wait = retry_after ? retry_after : 1.0;
	for (unsigned i = 1; i < c->failures && wait < 60; i++)
		wait *= 2;
	if (wait > 60)
		wait = 60;
	c->backoff_until = mono() + wait;
	snprintf(c->last_error, sizeof c->last_error, "%s", why);
}

/* One request; returns the HTTP status (0 if none came). */
static long post(const pl_cosigner *c, const pl_buf *body, answer *a)
{
	char url[600];
	snprintf(url, sizeof url, "%s/add-checkpoint", c->url);
	CURL *h = curl_easy_init();
	if (h == NULL)
		return 0;
	struct curl_slist *hl = curl_slist_append(NULL, "Content-Type: text/plain");
	hl = curl_slist_append(hl, "Expect:");
	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, hl);
	curl_easy_setopt(h, CURLOPT_POSTFIELDS, (const char *)body->data);
	curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)body->len);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, a);
	curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(h, CURLOPT_HEADERDATA, a);
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, 2L);
	curl_easy_setopt(h, CURLOPT_TIMEOUT, 5L);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	long status = 0;
	if (curl_easy_perform(h) == CURLE_OK)
		curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
	curl_slist_free_all(hl);
	curl_easy_cleanup(h);
	return status;
}

/* Asks one cosigner; appends its valid cosignature lines. */
static size_t ask(pl_cosigner *c, const uint8_t *note, size_t notelen, const pl_checkpoint *cp, pl_hash_reader *hr,
		  pl_buf *out)
{
	for (int attempt = 0; attempt < 2; attempt++) {
		uint64_t old = c->size <= cp->size ? c->size : 0;
		pl_hash proof[PL_PROOF_MAX];
		size_t len = 0;
		if (pl_prove_consistency(hr, old, cp->size, proof, &len) != PL_OK) {
			fail(c, "cannot build the consistency proof from the log's tiles", 0);
			return 0;
		}
		pl_buf req;
		pl_buf_init(&req, PL_WITNESS_REQ_MAX);
		answer a;
		memset(&a, 0, sizeof a);
		pl_buf_init(&a.body, 1 << 16);
		long status = pl_witness_req_format(old, proof, len, note, notelen, &req) == PL_OK ? post(c, &req, &a) : 0;
		pl_buf_release(&req);
		size_t got = 0;
		bool retry = false;
		if (status == 200) {
			/* keep the lines that are cosignatures by this witness over this very checkpoint */
			pl_buf whole;
			pl_buf_init(&whole, PL_NOTE_MAX * 2);
			pl_note *nt = malloc(sizeof *nt);
			if (nt != NULL && pl_buf_append(&whole, note, notelen) == PL_OK &&
			    pl_buf_append(&whole, a.body.data, a.body.len) == PL_OK &&
			    pl_note_open(whole.data, whole.len, &c->v, 1, nt) == PL_OK && nt->nverified == 1) {
				const pl_span line = nt->verified[0].line;
				if (pl_buf_append(out, line.p, line.n) == PL_OK && pl_buf_putc(out, '\n') == PL_OK)
					got = 1;
			}
			free(nt);
			pl_buf_release(&whole);
			if (got) {
				c->size = cp->size;
				c->failures = 0;
				c->cosigned++;
				c->last_error[0] = '\0';
			} else {
				fail(c, "the witness answered without a valid cosignature", 0);
			}
		} else if (status == 409 && strcmp(a.type, "text/x.tlog.size") == 0) {
			/* resynchronise with the size the witness holds, then try again */
			char *end = NULL;
			const char *txt = pl_buf_cstr(&a.body);
			unsigned long long s = strtoull(txt, &end, 10);
			if (end != txt && s <= cp->size && s != c->size) {
				c->size = s;
				retry = true;
			} else {
				fail(c, "the witness holds a larger size than this log's checkpoint", 0);
			}
		} else if (status == 429) {
			fail(c, "rate limited by the witness", a.retry_after);
		} else {
			char why[128];
			snprintf(why, sizeof why, status ? "the witness answered HTTP %ld" : "the witness is unreachable",
				 status);
			fail(c, why, 0);
		}
		pl_buf_release(&a.body);
		if (!retry)
			return got;
	}
	return 0;
}

size_t pl_cosign_round(pl_cosigner *cs, size_t n, const uint8_t *note, size_t notelen, const pl_checkpoint *cp,
		       pl_source *src, pl_buf *out)
{
	pl_tile_reader *tr = malloc(sizeof *tr);
	if (tr == NULL)
		return 0;
	pl_tile_reader_init(tr, cp->size, pl_source_fetch_tile, src);
	pl_hash_reader hr = pl_tile_reader_as_hash_reader(tr);
	size_t got = 0;
	double now = mono();
	for (size_t i = 0; i < n; i++)
		if (cs[i].backoff_until <= now)
			got += ask(&cs[i], note, notelen, cp, &hr, out);
	free(tr);
	return got;
}
