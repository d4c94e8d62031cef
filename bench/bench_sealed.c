/*
 * bench_sealed.c - sealed statement bodies: how fast, and how big.
 *
 *   bench_sealed [STATEMENTS]      (default 1000)
 *
 * 1. Sealing and opening, one core: a thread of STATEMENTS statements (seq
 *    1..N, texts of 300 to 3,000 bytes of prose) sealed for 2, 16 and 65
 *    readers, then opened by one of them; statements per second of this
 *    thread's CPU time (the per-core rate, whatever else runs) and of wall
 *    time, and the bytes each sealed body takes (its base64 in the body).
 * 2. Entry sizes at the worst case: for each statement type that carries a
 *    sealed body, the whole DSSE envelope (the log entry) with the longest
 *    origin, author and refs, the largest public fields, 65 readers with
 *    64-byte names and a sealed part at its cap that does not compress,
 *    against the 65,535-byte entry limit; and the same statement as today,
 *    in clear, at today's caps (docs/confidentiality.md, "Size").
 *
 * Prints figures; asserts nothing (timing is not a test). The worst-case
 * envelopes are signed for real when they fit (pl_dsse_sign refuses an
 * envelope over the limit; its size is then computed from the payload's).
 */
#include "base/codec.h"
#include "base/sha256.h"
#include "statement/dsse.h"
#include "statement/party.h"
#include "statement/sealed.h"
#include "statement/statement.h"

#include <jansson.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double clock_of(clockid_t id)
{
	struct timespec t;
	clock_gettime(id, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* Wall time, and this thread's CPU time (the per-core figure on a shared machine). */
static double now(void)
{
	return clock_of(CLOCK_MONOTONIC);
}

static double cpu(void)
{
	return clock_of(CLOCK_THREAD_CPUTIME_ID);
}

static void die(const char *what, int rc, const pl_diag *d)
{
	fprintf(stderr, "bench_sealed: %s: %s\n", what, pl_diag_text(d, rc));
	exit(1);
}

static pl_party_key *party(const char *name)
{
	pl_party_key *k = NULL;
	pl_diag d = {0};
	int rc = pl_party_key_generate(name, &k, &d);
	if (rc != PL_OK)
		die("keygen", rc, &d);
	return k;
}

/* Prose-like text of n bytes (compresses about as natural language does). */
static char *prose(size_t n, unsigned seed)
{
	static const char *const words[] = {"the", "logs", "of", "host", "192.0.2.7", "between", "1", "and", "14",
					    "November", "show", "connections", "to", "a", "server", "in", "AS64500",
					    "we", "ask", "you", "preserve", "traffic", "data", "for", "investigation",
					    "of", "unauthorised", "access", "under", "article", "2"};
	char *s = malloc(n + 1);
	size_t at = 0;
	while (at < n) {
		seed = seed * 1103515245u + 12345u;
		const char *w = words[(seed >> 16) % (sizeof words / sizeof words[0])];
		for (size_t i = 0; w[i] && at < n; i++)
			s[at++] = w[i];
		if (at < n)
			s[at++] = (seed >> 8) % 11 == 0 ? '.' : ' ';
	}
	s[n] = '\0';
	return s;
}

static void speed(size_t nreaders, size_t nstatements)
{
	pl_party_key **k = calloc(nreaders, sizeof *k);
	pl_identity *ids = calloc(nreaders, sizeof *ids);
	for (size_t i = 0; i < nreaders; i++) {
		char name[40];
		snprintf(name, sizeof name, "cert.member-%02zu", i);
		k[i] = party(name);
		ids[i] = k[i]->id;
	}
	pl_buf *objs = calloc(nstatements, sizeof *objs);
	json_t **fields = calloc(nstatements, sizeof *fields);
	size_t bytes = 0;
	for (size_t s = 0; s < nstatements; s++) {
		char *t = prose(300 + (s * 977) % 2700, (unsigned)s);
		fields[s] = json_pack("{s:s,s:s}", "lang", "en", "text", t);
		free(t);
		pl_buf_init(&objs[s], PL_SEALED_OBJECT_MAX);
	}
	double t0 = now(), c0 = cpu();
	for (size_t s = 0; s < nstatements; s++) {
		pl_seal_ctx ctx = {.origin = "example.org/wg", .type = "request", .author = k[0]->id.party, .seq = s + 1};
		pl_diag d = {0};
		int rc = pl_sealed_seal(&ctx, fields[s], ids, nreaders, NULL, &objs[s], &d);
		if (rc != PL_OK)
			die("seal", rc, &d);
		bytes += pl_b64_len(objs[s].len);
	}
	double t1 = now(), c1 = cpu();
	pl_keyring ring = {.keys = {k[nreaders - 1]}, .n = 1};
	for (size_t s = 0; s < nstatements; s++) {
		pl_seal_ctx ctx = {.origin = "example.org/wg", .type = "request", .author = k[0]->id.party, .seq = s + 1};
		pl_sealed_plain p;
		pl_diag d = {0};
		int rc = pl_sealed_open(&ctx, objs[s].data, objs[s].len, &ring, NULL, &p, &d);
		if (rc != PL_OK)
			die("open", rc, &d);
		pl_sealed_plain_release(&p);
	}
	double t2 = now(), c2 = cpu();
	printf("| %2zu | %5zu | %8.0f | %8.0f | %8.0f | %8.0f | %6zu |\n", nreaders, nstatements,
	       (double)nstatements / (c1 - c0), (double)nstatements / (c2 - c1), (double)nstatements / (t1 - t0),
	       (double)nstatements / (t2 - t1), bytes / nstatements);
	for (size_t s = 0; s < nstatements; s++) {
		pl_buf_release(&objs[s]);
		json_decref(fields[s]);
	}
	for (size_t i = 0; i < nreaders; i++)
		pl_party_key_free(k[i]);
	free(objs);
	free(fields);
	free(k);
	free(ids);
}

/* ---- worst-case sizes ---- */

static char *fill(char c, size_t n)
{
	char *s = malloc(n + 1);
	memset(s, c, n);
	s[n] = '\0';
	return s;
}

/* A party name of 64 bytes, distinct for each i. */
static void long_name(char out[PL_PARTY_MAX + 1], size_t i)
{
	memset(out, 'a', PL_PARTY_MAX);
	snprintf(out + PL_PARTY_MAX - 6, 7, "x%05zu", i);
}

/* Random letters and digits: JSON without escapes that deflate cannot shrink much. */
static char *noise(size_t n)
{
	static const char set[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+/";
	char *s = malloc(n + 1);
	for (size_t i = 0; i < n; i++)
		s[i] = set[randombytes_uniform(sizeof set - 1)];
	s[n] = '\0';
	return s;
}

/* The envelope's size for a payload of n bytes and one signature (dsse.h's one form). */
static size_t envelope_size(size_t n)
{
	return strlen("{\"payloadType\":\"" PL_STATEMENT_TYPE "\",\"payload\":\"") + pl_b64_len(n) +
	       strlen("\",\"signatures\":[{\"keyid\":\"") + PL_DSSE_KEYID_LEN + strlen("\",\"sig\":\"") +
	       PL_ED25519_SIG_B64_LEN + strlen("\"}]}");
}

typedef struct worst {
	pl_party_key *author;
	pl_identity readers[PL_SEAL_READERS_MAX];
	size_t nreaders;
	char origin[256];
	pl_ref refs[PL_REFS_MAX];
	uint8_t *epoch_key;
} worst;

/* Builds, signs (when it fits) and measures one statement; body gets "sealed" unless clear. */
static void measure(worst *w, const char *label, const char *type, json_t *body, bool sealed, bool members)
{
	pl_buf obj, payload, env;
	pl_buf_init(&obj, PL_SEALED_OBJECT_MAX);
	pl_buf_init(&payload, 1 << 20);
	pl_buf_init(&env, PL_DSSE_MAX);
	pl_diag d = {0};
	int rc;
	size_t bucket = 0;
	if (sealed) {
		pl_seal_ctx ctx = {.origin = w->origin, .type = type, .author = w->author->id.party, .seq = PL_SEQ_MAX};
		/* the sealed part at its cap: {"lang":"en","text":"..."} of PL_SEALED_JSON_MAX bytes */
		char *t = noise(PL_SEALED_JSON_MAX - 23);
		json_t *f = json_pack("{s:s,s:s}", "lang", "en", "text", t);
		free(t);
		pl_epoch_key ek = {.epoch = 1u << 30, .key = w->epoch_key};
		if ((rc = pl_sealed_seal(&ctx, f, members ? NULL : w->readers, members ? 0 : w->nreaders,
					 members ? &ek : NULL, &obj, &d)) != PL_OK)
			die("seal", rc, &d);
		bucket = obj.len;
		char *b64 = malloc(pl_b64_len(obj.len) + 1);
		pl_b64_encode(obj.data, obj.len, b64);
		json_object_set_new(body, "sealed", json_string(b64));
		free(b64);
		json_decref(f);
	}
	if ((rc = pl_stmt_build(w->origin, type, w->author->id.party, (uint64_t)PL_SEQ_MAX, 253402300799, body, w->refs,
				PL_REFS_MAX, &payload)) != PL_OK)
		die("payload", rc, NULL);
	size_t want = envelope_size(payload.len);
	const uint8_t *sks[1] = {w->author->secret};
	uint8_t pks[1][PL_ED25519_PK_SIZE];
	memcpy(pks[0], w->author->id.sign_pk, PL_ED25519_PK_SIZE);
	rc = pl_dsse_sign(PL_STATEMENT_TYPE, payload.data, payload.len, sks, (const uint8_t(*)[PL_ED25519_PK_SIZE])pks, 1,
			  &env);
	if (rc == PL_OK && env.len != want) {
		fprintf(stderr, "bench_sealed: envelope of %zu bytes, computed %zu\n", env.len, want);
		exit(1);
	}
	if (rc != PL_OK && rc != PL_ETOOBIG)
		die("sign", rc, NULL);
	printf("| %-44s | %6zu | %6zu | %6zu | %7ld | %s |\n", label, sealed ? bucket : (size_t)0, payload.len, want,
	       (long)PL_DSSE_MAX - (long)want, want <= PL_DSSE_MAX ? "fits" : "**over**");
	json_decref(body);
	pl_buf_release(&obj);
	pl_buf_release(&payload);
	pl_buf_release(&env);
}

static json_t *names(const worst *w, size_t from, size_t n)
{
	json_t *a = json_array();
	for (size_t i = 0; i < n; i++)
		json_array_append_new(a, json_string(w->readers[from + i].party));
	return a;
}

static void sizes(void)
{
	worst w;
	memset(&w, 0, sizeof w);
	memset(w.origin, 'o', 255);
	char name[PL_PARTY_MAX + 1];
	long_name(name, 99999);
	w.author = party(name);
	w.readers[0] = w.author->id;
	w.nreaders = PL_SEAL_READERS_MAX;
	for (size_t i = 1; i < PL_SEAL_READERS_MAX; i++) {
		long_name(name, i);
		pl_party_key *k = party(name);
		w.readers[i] = k->id;
		pl_party_key_free(k);
	}
	for (size_t i = 0; i < PL_REFS_MAX; i++) {
		w.refs[i].index = (uint64_t)9e15 + i;
		pl_sha256(&i, sizeof i, w.refs[i].leaf.b);
	}
	w.epoch_key = sodium_malloc(PL_SEAL_EPOCH_KEY_SIZE);
	randombytes_buf(w.epoch_key, PL_SEAL_EPOCH_KEY_SIZE);
	char *hex = fill('f', PL_SHA256_HEX_LEN);
	const int64_t big = (int64_t)9e15;
	printf("| statement (worst case) | sealed object | payload | entry | margin | |\n|---|---|---|---|---|---|\n");
	measure(&w, "concern, 64 recipients", "concern",
		json_pack("{s:o,s:s}", "recipients", names(&w, 1, 64), "tlp", "TLP:AMBER+STRICT"), true, false);
	measure(&w, "request (preservation), 16 addressees", "request",
		json_pack("{s:I,s:s,s:o,s:s}", "case", (json_int_t)big, "kind", "preservation", "to", names(&w, 1, 16),
			  "due", "9999-12-31T23:59:59Z"),
		true, false);
	measure(&w, "response (partly_granted, preserved_until)", "response",
		json_pack("{s:I,s:s,s:s}", "request", (json_int_t)big, "status", "partly_granted", "preserved_until",
			  "9999-12-31T23:59:59Z"),
		true, false);
	measure(&w, "status, ack, withdraw", "status",
		json_pack("{s:I,s:s}", "request", (json_int_t)big, "kind", "update"), true, false);
	measure(&w, "close", "close", json_pack("{s:I,s:s}", "case", (json_int_t)big, "outcome", "no_longer_required"),
		true, false);
	measure(&w, "evidence", "evidence",
		json_pack("{s:I,s:s,s:{s:s}}", "case", (json_int_t)big, "tlp", "TLP:AMBER+STRICT", "index", "sealed", hex),
		true, false);
	measure(&w, "finding", "finding",
		json_pack("{s:I,s:s,s:{s:s}}", "evidence", (json_int_t)big, "tlp", "TLP:AMBER+STRICT", "report", "sealed",
			  hex),
		true, false);
	measure(&w, "contact.update (GREEN: the members' key)", "contact.update", json_object(), true, true);
	/* today, in clear, at today's caps */
	char *t4096 = fill('t', 4096), *t1024 = fill('r', 1024);
	json_t *p = json_object();
	const char *pf[] = {"authority", "offence", "facts", "data", "relationship", "custodian", "necessity"};
	for (size_t i = 0; i < 7; i++)
		json_object_set_new(p, pf[i], json_string(t4096));
	json_object_set_new(p, "mla_intent", json_true());
	measure(&w, "today: request (preservation) in clear", "request",
		json_pack("{s:I,s:s,s:o,s:s,s:s,s:s,s:O}", "case", (json_int_t)big, "kind", "preservation", "to",
			  names(&w, 1, 16), "text", t4096, "due", "9999-12-31T23:59:59Z", "due_reason", t1024,
			  "preservation", p),
		false, false);
	/* the same fields sealed as they are: no compression, no lower cap (what the issue feared) */
	json_t *today = json_pack("{s:s,s:s,s:s,s:O}", "lang", "en", "text", t4096, "due_reason", t1024, "preservation", p);
	char *canon = json_dumps(today, JSON_COMPACT | JSON_SORT_KEYS);
	size_t head = PL_SEAL_HEAD_MAX, object = head + PL_SEALED_SALT_SIZE + PL_SEALED_LEN_SIZE + strlen(canon) +
						   PL_SEALED_TAG_SIZE;
	json_t *pub = json_pack("{s:I,s:s,s:o,s:s,s:s}", "case", (json_int_t)big, "kind", "preservation", "to",
				names(&w, 1, 16), "due", "9999-12-31T23:59:59Z", "sealed", "");
	pl_buf payload;
	pl_buf_init(&payload, 1 << 20);
	if (pl_stmt_build(w.origin, "request", w.author->id.party, (uint64_t)PL_SEQ_MAX, 253402300799, pub, w.refs,
			  PL_REFS_MAX, &payload) != PL_OK)
		die("payload", PL_ENOMEM, NULL);
	size_t env = envelope_size(payload.len + pl_b64_len(object));
	printf("| %-44s | %6zu | %6zu | %6zu | %7ld | %s |\n", "today's fields sealed uncompressed, no cap", object,
	       payload.len + pl_b64_len(object), env, (long)PL_DSSE_MAX - (long)env, env <= PL_DSSE_MAX ? "fits" : "**over**");
	pl_buf_release(&payload);
	json_decref(pub);
	json_decref(p);
	json_decref(today);
	free(canon);
	free(t4096);
	free(t1024);
	free(hex);
	sodium_free(w.epoch_key);
	pl_party_key_free(w.author);
}

int main(int argc, char **argv)
{
	size_t n = argc > 1 ? strtoul(argv[1], NULL, 10) : 1000;
	if (n == 0 || sodium_init() < 0)
		return 2;
	printf("## Sealing and opening, one core, %zu statements of 300-3,000 bytes\n\n", n);
	printf("| readers | statements | sealed/s (CPU) | opened/s (CPU) | sealed/s (wall) | opened/s (wall) | base64 bytes "
	       "each |\n|---|---|---|---|---|---|---|\n");
	speed(2, n);
	speed(16, n);
	speed(65, n);
	printf("\n## Entry sizes at the worst case (limit %d bytes)\n\n", PL_DSSE_MAX);
	sizes();
	return 0;
}
