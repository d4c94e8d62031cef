/*
 * ingest_sign.c - bench_ingest's load, signed before any clock starts, and the
 * verify-only bound over the same envelopes.
 *
 * The sized statements are concerns (docs/workflow.md): the one workflow type
 * with free text large enough that the server admits from any member at any
 * rate, whatever the log holds (no target, no deadline; its recipients need
 * only be active members). They stand for the sealed statements to come: the
 * ~2 KB one goes to 2 recipients, the ~17 KB one to 16, and their padding
 * (the summary, up to 4096 bytes, then evidence items whose names carry up to
 * 255 bytes each) is random base64 text, as incompressible as a ciphertext.
 * They are labelled TLP:CLEAR: the server refuses a TLP:AMBER concern in clear
 * (sealing_required), and the label costs admission nothing else; the cost of
 * sealing itself, on the member's side, is bench_sealed's.
 */
#include "ingest.h"

#include "base/buf.h"
#include "base/codec.h"
#include "base/timefmt.h"
#include "base/thread.h"
#include "statement/dsse.h"
#include "statement/sealed.h"
#include "statement/sign.h"

#include <jansson.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SUMMARY_MAX 4096 /* PL_WF_TEXT_MAX */
#define NAME_MAX_ 255    /* an evidence item's name */
#define ITEMS_MAX 64     /* PL_WF_EVIDENCE_MAX */

const char *const mix_names[MIX_N] = {"ping", "ping-all", "sized", "2k", "17k", "sealed"};

/* How a concern is padded: readers recipients, a summary of summary bytes, items evidence
 * items whose names are NAME_MAX_ bytes but the last's, last bytes. */
typedef struct shape {
	size_t readers, summary, items, last;
} shape;

static void random_text(char *out, size_t n)
{
	static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	uint8_t r[256];
	for (size_t i = 0; i < n; i += sizeof r) {
		size_t k = n - i < sizeof r ? n - i : sizeof r;
		randombytes_buf(r, k);
		for (size_t j = 0; j < k; j++)
			out[i + j] = b64[r[j] & 63];
	}
	out[n] = '\0';
}

static json_t *concern_body(const shape *s, const party *parties, size_t nparties, size_t author)
{
	char text[SUMMARY_MAX + 1], hex[PL_HEX_LEN(32) + 1];
	uint8_t h[32];
	json_t *to = json_array();
	for (size_t j = 1; j <= s->readers; j++)
		json_array_append_new(to, json_string(parties[(author + j) % nparties].key->id.party));
	random_text(text, s->summary);
	json_t *b = json_pack("{s:s, s:s, s:s, s:s, s:o}", "title", "bench concern", "class", "malicious-code", "tlp",
			      "TLP:CLEAR", "summary", text, "recipients", to);
	if (b == NULL)
		die("%s", "cannot build a concern body");
	if (s->items > 0) {
		json_t *ev = json_array();
		for (size_t i = 0; i < s->items; i++) {
			randombytes_buf(h, sizeof h);
			pl_hex_encode(h, sizeof h, hex);
			random_text(text, i + 1 == s->items ? s->last : NAME_MAX_);
			json_array_append_new(ev, json_pack("{s:s, s:s}", "sha256", hex, "name", text));
		}
		json_object_set_new(b, "evidence", ev);
	}
	return b;
}

static size_t envelope_len(const shape *s, const party *parties, size_t nparties)
{
	json_t *b = concern_body(s, parties, nparties, 0);
	pl_buf env;
	pl_buf_init(&env, PL_DSSE_MAX);
	int rc = pl_statement_sign(parties[0].key, ORIGIN, "concern", 1000000, pl_now(), b, NULL, 0, &env);
	json_decref(b);
	if (rc != PL_OK)
		die_rc("sign a concern", rc, NULL);
	size_t n = env.len;
	pl_buf_release(&env);
	return n;
}

/* The shape whose envelope comes closest to target bytes (base64: 4 envelope bytes per 3 of payload). */
static shape calibrate(size_t readers, size_t target, const party *parties, size_t nparties)
{
	shape s = {readers < nparties ? readers : nparties - 1, 1, 0, 0};
	long need = ((long)target - (long)envelope_len(&s, parties, nparties)) * 3 / 4;
	if (need <= 0)
		return s;
	size_t add = (size_t)need < SUMMARY_MAX - 1 ? (size_t)need : SUMMARY_MAX - 1;
	s.summary += add;
	need -= (long)add;
	if (need > 0) {
		/* an item: {"sha256":"<64>","name":"<L>"} and a comma; the array adds ,"evidence":[] once */
		need -= 14;
		s.items = ((size_t)need + 87 + NAME_MAX_) / (88 + NAME_MAX_);
		if (s.items > ITEMS_MAX)
			s.items = ITEMS_MAX;
		s.last = NAME_MAX_;
	}
	for (int round = 0; round < 4; round++) {
		long diff = ((long)target - (long)envelope_len(&s, parties, nparties)) * 3 / 4;
		size_t *knob = s.items > 0 ? &s.last : &s.summary;
		size_t cap = s.items > 0 ? NAME_MAX_ : SUMMARY_MAX;
		long v = (long)*knob + diff;
		*knob = v < 1 ? 1 : (size_t)v > cap ? cap : (size_t)v;
	}
	return s;
}

/* A TLP:AMBER concern by parties[author] with seq, its title and a 1,500-byte summary of random text
 * sealed to it and SMALL_READERS recipients with their keys: what admission reads of a sealed
 * statement (the public part, the header), at a 2,048-byte bucket. */
static json_t *sealed_body(const party *parties, size_t nparties, size_t author, uint64_t seq)
{
	char text[1501];
	pl_identity ids[SMALL_READERS + 1];
	size_t n = 0;
	json_t *to = json_array();
	ids[n++] = parties[author].key->id;
	for (size_t j = 1; j <= SMALL_READERS && j < nparties; j++) {
		ids[n++] = parties[(author + j) % nparties].key->id;
		json_array_append_new(to, json_string(parties[(author + j) % nparties].key->id.party));
	}
	random_text(text, sizeof text - 1);
	json_t *fields = json_pack("{s:s,s:s,s:s,s:s}", "lang", "en", "title", "bench concern", "class", "malicious-code",
				   "summary", text);
	pl_seal_ctx ctx = {.origin = ORIGIN, .type = "concern", .author = parties[author].key->id.party, .seq = seq};
	pl_buf obj;
	pl_buf_init(&obj, PL_SEALED_OBJECT_MAX);
	if (fields == NULL || to == NULL || pl_sealed_seal(&ctx, fields, ids, n, NULL, &obj, NULL) != PL_OK)
		die("%s", "cannot seal a concern");
	char *b64 = xcalloc(1, pl_b64_len(obj.len) + 1);
	pl_b64_encode(obj.data, obj.len, b64);
	json_t *b = json_pack("{s:s,s:o,s:s}", "tlp", "TLP:AMBER", "recipients", to, "sealed", b64);
	if (b == NULL)
		die("%s", "cannot build a sealed concern");
	free(b64);
	json_decref(fields);
	pl_buf_release(&obj);
	return b;
}

/* ---- signing in parallel ---- */

typedef struct sign_ctx {
	load *l;
	party *parties;
	size_t nparties;
	size_t per;
	mix m;
	bool wait;
	int64_t time;
	shape small, large;
} sign_ctx;

/* Whether statement k of connection c is a large concern (sized: they alternate, out of step across connections). */
static bool is_large(mix m, size_t c, size_t k)
{
	return m == MIX_17K || (m == MIX_SIZED && (k + c) % 2 == 1);
}

static void put_request(request *r, const pl_buf *env, bool wait, size_t who)
{
	char head[256];
	int hn = snprintf(head, sizeof head,
			  "POST /v1/statements%s HTTP/1.1\r\nHost: 127.0.0.1\r\n"
			  "Content-Type: application/json\r\nContent-Length: %zu\r\n\r\n",
			  wait ? "?wait=1" : "", env->len);
	r->head = (size_t)hn;
	r->len = (size_t)hn + env->len;
	r->data = xcalloc(1, r->len);
	r->party = who;
	memcpy(r->data, head, (size_t)hn);
	memcpy(r->data + hn, env->data, env->len);
}

static void sign_range(void *arg, size_t from, size_t to)
{
	sign_ctx *x = arg;
	pl_buf env;
	pl_buf_init(&env, PL_DSSE_MAX);
	for (size_t c = from; c < to; c++) {
		party *p = &x->parties[c];
		json_t *ping = x->m == MIX_PING_ALL ? json_object()
			       : json_pack("{s:[s]}", "to", x->parties[(c + 1) % x->nparties].key->id.party);
		for (size_t k = 0; k < x->per; k++) {
			json_t *body = MIX_IS_PING(x->m)	    ? ping
				       : x->m == MIX_SEALED ? sealed_body(x->parties, x->nparties, c, p->next_seq + k)
							    : concern_body(is_large(x->m, c, k) ? &x->large : &x->small,
									   x->parties, x->nparties, c);
			pl_buf_reset(&env);
			int rc = pl_statement_sign(p->key, ORIGIN, MIX_IS_PING(x->m) ? "ping" : "concern", p->next_seq + k,
						   x->time, body, NULL, 0, &env);
			if (body != ping)
				json_decref(body);
			if (rc != PL_OK)
				die_rc("sign", rc, NULL);
			put_request(&x->l->reqs[c * x->per + k], &env, x->wait, c);
		}
		json_decref(ping);
	}
	pl_buf_release(&env);
}

void load_sign(load *l, party *parties, size_t nparties, size_t nconn, size_t per, mix m, bool wait)
{
	double t0 = now();
	memset(l, 0, sizeof *l);
	l->nconn = nconn;
	l->total = nconn * per;
	l->reqs = xcalloc(l->total, sizeof *l->reqs);
	l->off = xcalloc(nconn + 1, sizeof *l->off);
	for (size_t c = 0; c <= nconn; c++)
		l->off[c] = c * per;
	sign_ctx x = {.l = l, .parties = parties, .nparties = nparties, .per = per, .m = m, .wait = wait, .time = pl_now()};
	if (!MIX_IS_PING(m) && m != MIX_SEALED) {
		x.small = calibrate(SMALL_READERS, SMALL_ENV, parties, nparties);
		x.large = calibrate(LARGE_READERS, LARGE_ENV, parties, nparties);
	}
	pl_parallel_for(nconn, 4, 0, sign_range, &x);
	for (size_t c = 0; c < nconn; c++)
		parties[c].next_seq += per;
	double bytes = 0, kind[2] = {0, 0};
	size_t nkind[2] = {0, 0};
	for (size_t i = 0; i < l->total; i++) {
		double b = (double)(l->reqs[i].len - l->reqs[i].head);
		bytes += b;
		if (!MIX_IS_PING(m)) {
			int large = is_large(m, i / per, i % per);
			kind[large] += b;
			nkind[large]++;
		}
	}
	l->env_bytes = l->total ? bytes / (double)l->total : 0;
	l->env_small = nkind[0] ? kind[0] / (double)nkind[0] : 0;
	l->env_large = nkind[1] ? kind[1] / (double)nkind[1] : 0;
	l->sign_seconds = now() - t0;
}

void load_enroll(load *l, party *parties, size_t nfounders, size_t nparties)
{
	double t0 = now();
	memset(l, 0, sizeof *l);
	l->nconn = nfounders;
	l->total = nparties - nfounders;
	l->reqs = xcalloc(l->total, sizeof *l->reqs);
	l->off = xcalloc(nfounders + 1, sizeof *l->off);
	pl_buf env, idj;
	pl_buf_init(&env, PL_DSSE_MAX);
	pl_buf_init(&idj, PL_IDENTITY_MAX);
	size_t n = 0;
	for (size_t f = 0; f < nfounders; f++) {
		l->off[f] = n;
		for (size_t i = nfounders + f; i < nparties; i += nfounders) {
			pl_buf_reset(&env);
			pl_buf_reset(&idj);
			json_error_t je;
			json_t *id = pl_identity_format(&parties[i].key->id, &idj) == PL_OK
					     ? json_loadb((const char *)idj.data, idj.len, 0, &je)
					     : NULL;
			json_t *body = id ? json_pack("{s:o}", "identity", id) : NULL;
			if (body == NULL)
				die("%s", "cannot build an enroll body");
			int rc = pl_statement_sign(parties[f].key, ORIGIN, "enroll", parties[f].next_seq++, pl_now(), body,
						   NULL, 0, &env);
			json_decref(body);
			if (rc != PL_OK)
				die_rc("sign enroll", rc, NULL);
			put_request(&l->reqs[n++], &env, false, f);
		}
	}
	l->off[nfounders] = n;
	pl_buf_release(&env);
	pl_buf_release(&idj);
	l->sign_seconds = now() - t0;
}

void load_free(load *l)
{
	for (size_t i = 0; i < l->total; i++)
		free(l->reqs[i].data);
	free(l->reqs);
	free(l->off);
	memset(l, 0, sizeof *l);
}

/* ---- the verify-only bound ---- */

typedef struct vitem {
	uint8_t *pae;
	size_t len;
	uint8_t sig[PL_ED25519_SIG_SIZE];
	const uint8_t *pk;
} vitem;

typedef struct vctx {
	const load *l;
	const party *parties;
	vitem *items;
	size_t n;
	atomic_size_t bad;
} vctx;

static void prepare_range(void *arg, size_t from, size_t to)
{
	vctx *x = arg;
	pl_buf pae;
	pl_buf_init(&pae, 2 * PL_DSSE_MAX);
	for (size_t i = from; i < to; i++) {
		const request *r = &x->l->reqs[i * x->l->total / x->n];
		pl_envelope e;
		pl_diag d = {0};
		int rc = pl_envelope_parse((const uint8_t *)r->data + r->head, r->len - r->head, &e, &d);
		pl_buf_reset(&pae);
		if (rc == PL_OK)
			rc = pl_dsse_pae(e.payload_type, e.payload, e.payload_len, &pae);
		if (rc != PL_OK)
			die_rc("parse a signed envelope", rc, d.msg);
		vitem *v = &x->items[i];
		v->len = pae.len;
		v->pae = xcalloc(1, pae.len);
		memcpy(v->pae, pae.data, pae.len);
		memcpy(v->sig, e.sigs[0].sig, sizeof v->sig);
		v->pk = x->parties[r->party].key->id.sign_pk;
		pl_envelope_release(&e);
	}
	pl_buf_release(&pae);
}

static void verify_range(void *arg, size_t from, size_t to)
{
	vctx *x = arg;
	size_t bad = 0;
	for (size_t i = from; i < to; i++)
		if (crypto_sign_verify_detached(x->items[i].sig, x->items[i].pae, x->items[i].len, x->items[i].pk) != 0)
			bad++;
	if (bad)
		atomic_fetch_add(&x->bad, bad);
}

void bound_measure(const load *l, const party *parties, size_t max_items, double min_seconds, bound *b)
{
	memset(b, 0, sizeof *b);
	if (l->total == 0)
		return;
	vctx x = {.l = l, .parties = parties, .n = l->total < max_items ? l->total : max_items};
	x.items = xcalloc(x.n, sizeof *x.items);
	atomic_init(&x.bad, 0);
	pl_parallel_for(x.n, 64, 0, prepare_range, &x);
	b->threads = pl_cpus();
	b->n = x.n;
	double t0 = now();
	do {
		pl_parallel_for(x.n, 64, 0, verify_range, &x);
		b->passes++;
	} while (now() - t0 < min_seconds);
	b->seconds = now() - t0;
	b->per_second = (double)(b->n * b->passes) / b->seconds;
	b->bad = atomic_load(&x.bad);
	for (size_t i = 0; i < x.n; i++)
		free(x.items[i].pae);
	free(x.items);
}
