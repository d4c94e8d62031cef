/* test_workflow.c - the workflow's vocabularies, norm set hash, body checks and state engine. */
#include "testutil.h"

#include "base/sha256.h"
#include "base/codec.h"
#include "base/timefmt.h"
#include "evidence/seal.h"
#include "statement/sign.h"
#include "store/log.h"
#include "store/source.h"
#include "workflow/engine.h"
#include "workflow/norms.h"
#include "workflow/types.h"
#include "workflow/vocab.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <sodium.h>
#include <string.h>

#define ORIGIN "unit.example/wf"
#define T0 1767225600 /* 2026-01-01T00:00:00Z */

/* A tiny log in memory: the engine, the envelopes and their leaf hashes. */
typedef struct fixture {
	pl_engine e;
	pl_party_key *k[3];
	uint64_t seq[3];
	pl_hash leaves[64];
	pl_buf envs[64];
	uint64_t n;
} fixture;

static fixture F;
/* say() admits as the server does (the clock checked at the statement's time: the admission rules),
 * not as a replay */
static bool admitting;

static int leaf_of(void *ctx, uint64_t index, pl_hash *out)
{
	(void)ctx;
	if (index >= F.n)
		return PL_ERANGE;
	*out = F.leaves[index];
	return PL_OK;
}

/* A blob store for the admission rule on blobs: blobs[i] named names[i]; on when blobs_on. */
#define BLOBS_MAX 8
static struct {
	bool on;
	size_t n;
	char names[BLOBS_MAX][PL_SHA256_HEX_LEN + 1];
	uint8_t *data[BLOBS_MAX];
	size_t len[BLOBS_MAX];
} B;

static int blob_of(void *ctx, const char *hex, uint64_t *size, uint8_t *head, size_t cap, size_t *n)
{
	(void)ctx;
	for (size_t i = 0; i < B.n; i++)
		if (strcmp(B.names[i], hex) == 0) {
			*size = B.len[i];
			*n = B.len[i] < cap ? B.len[i] : cap;
			memcpy(head, B.data[i], *n);
			return PL_OK;
		}
	return PL_ENOTFOUND;
}

/* Stores data[0..n) in B (copied); hex gets its name. */
static void blob_put(const uint8_t *data, size_t n, char hex[PL_SHA256_HEX_LEN + 1])
{
	assert_true(B.n < BLOBS_MAX);
	uint8_t h[PL_SHA256_SIZE];
	pl_sha256(data, n, h);
	pl_hex_encode(h, PL_SHA256_SIZE, hex);
	memcpy(B.names[B.n], hex, PL_SHA256_HEX_LEN + 1);
	B.data[B.n] = malloc(n ? n : 1);
	memcpy(B.data[B.n], data, n);
	B.len[B.n++] = n;
}

/* Signs and submits; returns the refusal code or NULL when admitted (and applied). */
static const char *say(int p, const char *type, json_t *body, int64_t when, const int64_t *refs, size_t nrefs)
{
	pl_ref r[4];
	for (size_t i = 0; i < nrefs; i++)
		r[i] = (pl_ref){.index = (uint64_t)refs[i], .leaf = F.leaves[refs[i]]};
	pl_buf *env = &F.envs[F.n];
	pl_buf_init(env, PL_DSSE_MAX);
	assert_int_equal(pl_statement_sign(F.k[p], ORIGIN, type, F.seq[p] + 1, when, body, r, nrefs, env), PL_OK);
	json_decref(body);
	pl_admission a;
	memset(&a, 0, sizeof a);
	a.skew = admitting ? 0 : -1;
	a.now = admitting ? when : 0;
	a.leaf = leaf_of;
	if (B.on) /* set for replays too: they must ignore it */
		a.blob = blob_of;
	pl_submission s;
	pl_refusal v = {0};
	const char *code = NULL;
	if (pl_submission_parse(env->data, env->len, ORIGIN, &a, &s, &v) != PL_OK || pl_engine_check(&F.e, &a, &s, &v) != PL_OK) {
		code = pl_refusal_name(v.code);
		pl_buf_release(env);
	} else {
		assert_int_equal(pl_engine_apply(&F.e, &s, F.n, NULL), PL_OK);
		pl_leaf_hash(env->data, env->len, &F.leaves[F.n]);
		F.n++;
		F.seq[p]++;
	}
	pl_submission_release(&s);
	return code;
}

static int setup(void **state)
{
	(void)state;
	memset(&F, 0, sizeof F);
	pl_engine_init(&F.e, ORIGIN);
	json_t *founders = json_array();
	for (int i = 0; i < 3; i++) {
		uint8_t seed[PL_ED25519_SEED_SIZE], box[PL_X25519_SK_SIZE];
		char s[16];
		snprintf(s, sizeof s, "s%d", i);
		pl_sha256(s, strlen(s), seed);
		snprintf(s, sizeof s, "b%d", i);
		pl_sha256(s, strlen(s), box);
		char name[8];
		snprintf(name, sizeof name, "p%d", i);
		assert_int_equal(pl_party_key_from_seeds(name, seed, box, &F.k[i], NULL), PL_OK);
		pl_buf id;
		pl_buf_init(&id, PL_IDENTITY_MAX);
		assert_int_equal(pl_identity_format(&F.k[i]->id, &id), PL_OK);
		json_error_t je;
		json_array_append_new(founders, json_loadb((const char *)id.data, id.len, 0, &je));
		pl_buf_release(&id);
	}
	assert_null(say(0, "charter",
			json_pack("{s:s,s:o,s:{s:i},s:{s:i,s:i}}", "name", "unit", "founders", founders, "admission",
				  "sponsors", 1, "deadlines", "ack", 3600, "response", 86400),
			T0, NULL, 0));
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	pl_engine_release(&F.e);
	for (int i = 0; i < 3; i++)
		pl_party_key_free(F.k[i]);
	for (uint64_t i = 0; i < F.n; i++)
		pl_buf_release(&F.envs[i]);
	for (size_t i = 0; i < B.n; i++)
		free(B.data[i]);
	return 0;
}

static void test_vocab(void **state)
{
	(void)state;
	assert_string_equal(pl_rsit_class("intrusions"), "intrusions");
	assert_null(pl_rsit_class("Intrusions"));
	assert_non_null(pl_rsit_type("availability", "ddos"));
	assert_null(pl_rsit_type("availability", "phishing"));
	assert_non_null(pl_rsit_type("other", "undetermined"));
	assert_int_equal(pl_vocab_find(pl_tlp_labels, "TLP:AMBER+STRICT"), PL_TLP_AMBER_STRICT);
	assert_int_equal(pl_vocab_find(pl_tlp_labels, "TLP:WHITE"), -1);
	assert_int_equal(pl_vocab_find(pl_request_kinds, "preservation"), PL_KIND_PRESERVATION);
	/* everything but TLP:CLEAR is sealed to named recipients */
	for (int i = 0; pl_tlp_labels[i] != NULL; i++)
		assert_true(pl_tlp_sealed(pl_tlp_labels[i]) == (i != PL_TLP_CLEAR));
	assert_false(pl_tlp_sealed("TLP:CLEAR"));
	assert_true(pl_tlp_sealed("TLP:AMBER+STRICT"));
}

static void test_norm_hash(void **state)
{
	(void)state;
	json_t *set = NULL;
	char hash[PL_NORM_HASH_HEX + 1];
	assert_int_equal(pl_norm_set_load(pl_norms_un_gge_2015, pl_norms_un_gge_2015_len, &set, hash, NULL), PL_OK);
	/* the JCS hash Python computes of data/norms/un-gge-2015.json (see docs/workflow.md) */
	assert_string_equal(hash, "2b4fe1b4ed780ddd87195d479a9b6350b18dabf38d89c988ed3322cdd49afdaf");
	assert_int_equal(json_array_size(json_object_get(set, "norms")), 11);
	assert_true(pl_norm_set_has(set, "13(k)"));
	/* the hash ignores key order and whitespace, not content */
	const char *a = "{\"version\":\"1\",\"name\":\"n\",\"norms\":[{\"gist\":\"g\",\"id\":\"a\",\"short\":\"s\"}]}";
	const char *b = "{ \"name\": \"n\", \"norms\": [ {\"id\": \"a\", \"short\": \"s\", \"gist\": \"g\"} ], \"version\": \"1\" }";
	const char *c = "{\"name\":\"n\",\"norms\":[{\"id\":\"a\",\"short\":\"s\",\"gist\":\"G\"}],\"version\":\"1\"}";
	char ha[PL_NORM_HASH_HEX + 1], hb[PL_NORM_HASH_HEX + 1], hc[PL_NORM_HASH_HEX + 1];
	json_t *ja, *jb, *jc;
	assert_int_equal(pl_norm_set_load(a, strlen(a), &ja, ha, NULL), PL_OK);
	assert_int_equal(pl_norm_set_load(b, strlen(b), &jb, hb, NULL), PL_OK);
	assert_int_equal(pl_norm_set_load(c, strlen(c), &jc, hc, NULL), PL_OK);
	assert_string_equal(ha, hb);
	assert_string_not_equal(ha, hc);
	const char *bad = "{\"name\":\"n\",\"version\":\"1\",\"norms\":[{\"id\":\"a\",\"short\":\"s\",\"gist\":\"tab\\there\"}]}";
	json_t *jbad = NULL;
	assert_int_equal(pl_norm_set_load(bad, strlen(bad), &jbad, hc, NULL), PL_EFORMAT);
	json_decref(set);
	json_decref(ja);
	json_decref(jb);
	json_decref(jc);
}

static void test_deadlines_and_states(void **state)
{
	(void)state;
	int64_t t = T0 + 100;
	int64_t cs = (int64_t)F.n;
	assert_null(say(0, "concern",
			json_pack("{s:s,s:s,s:s,s:s,s:[s,s]}", "title", "t", "class", "intrusions", "tlp", "TLP:RED",
				  "summary", "s", "recipients", "p1", "p2"),
			t, NULL, 0));
	const pl_wf_case *c = pl_wf_case_get(&F.e.wf, (uint64_t)cs);
	assert_non_null(c);
	assert_int_equal(c->nrecipients, 2);
	/* without due: the charter's response deadline; the ack deadline from the charter */
	int64_t r1 = (int64_t)F.n;
	assert_null(say(0, "request",
			json_pack("{s:I,s:s,s:[s],s:s}", "case", (json_int_t)cs, "kind", "information", "to", "p1", "text",
				  "?"),
			t + 10, &cs, 1));
	const pl_wf_request *r = pl_wf_request_get(&F.e.wf, (uint64_t)r1);
	assert_int_equal(r->due, t + 10 + 86400);
	assert_true(r->due_default);
	assert_int_equal(r->ack_due, t + 10 + 3600);
	/* a due earlier than the ack deadline pulls the ack deadline in */
	int64_t r2 = (int64_t)F.n;
	char due[PL_TIME_LEN + 1], until[PL_TIME_LEN + 1];
	pl_time_format(t + 600, due);
	assert_null(say(1, "request",
			json_pack("{s:I,s:s,s:[s],s:s,s:s,s:s}", "case", (json_int_t)cs, "kind", "assistance", "to", "p0",
				  "text", "?", "due", due, "due_reason", "r"),
			t + 20, &cs, 1));
	r = pl_wf_request_get(&F.e.wf, (uint64_t)r2);
	assert_int_equal(r->ack_due, t + 600);
	/* a timely postponement moves the addressee's deadline; a late one does not */
	pl_time_format(t + 5000, until);
	assert_null(say(0, "response",
			json_pack("{s:I,s:s,s:s,s:s}", "request", (json_int_t)r2, "status", "postponed", "reasons", "x",
				  "until", until),
			t + 30, &r2, 1));
	r = pl_wf_request_get(&F.e.wf, (uint64_t)r2);
	assert_int_equal(r->t[0].due, t + 5000);
	assert_int_equal(r->t[0].ack_idx, F.n - 1); /* the response acknowledged too */
	pl_time_format(t + 99999, until);
	assert_null(say(1, "response",
			json_pack("{s:I,s:s,s:s,s:s}", "request", (json_int_t)r1, "status", "postponed", "reasons", "x",
				  "until", until),
			t + 90000, &r1, 1));
	r = pl_wf_request_get(&F.e.wf, (uint64_t)r1);
	assert_int_equal(r->t[0].due, t + 10 + 86400);
	/* a final answer ends the addressee's part; then the request is answered */
	assert_null(say(1, "response", json_pack("{s:I,s:s}", "request", (json_int_t)r1, "status", "granted"), t + 90010,
			&r1, 1));
	r = pl_wf_request_get(&F.e.wf, (uint64_t)r1);
	assert_int_equal(r->state, PL_REQ_ANSWERED);
	assert_string_equal(say(1, "ack", json_pack("{s:I}", "request", (json_int_t)r1), t + 90020, &r1, 1),
			    "already_answered");
	/* closing ends what is still awaited */
	assert_null(say(0, "close", json_pack("{s:I,s:s}", "case", (json_int_t)cs, "outcome", "unresolved"), t + 90030,
			&cs, 1));
	assert_int_equal(pl_wf_request_get(&F.e.wf, (uint64_t)r2)->state, PL_REQ_CLOSED);
	assert_int_equal(pl_wf_request_get(&F.e.wf, (uint64_t)r1)->state, PL_REQ_ANSWERED);
	assert_string_equal(say(0, "close", json_pack("{s:I,s:s}", "case", (json_int_t)cs, "outcome", "resolved"), t + 90040,
				&cs, 1),
			    "case_closed");
}

static void test_body_rules(void **state)
{
	(void)state;
	int64_t t = T0 + 200000, cs = (int64_t)F.n;
	assert_null(say(1, "concern",
			json_pack("{s:s,s:s,s:s,s:s,s:[s]}", "title", "t", "class", "fraud", "tlp", "TLP:CLEAR", "summary",
				  "s", "recipients", "p2"),
			t, NULL, 0));
	/* each field of pl_wf_concern_required (what `parley concern raise` asks for) is one admission requires */
	size_t nreq = 0;
	for (const char *const *f = pl_wf_concern_required; *f != NULL; f++, nreq++) {
		json_t *body = json_pack("{s:s,s:s,s:s,s:s,s:[s]}", "title", "t", "class", "fraud", "tlp", "TLP:CLEAR",
					 "summary", "s", "recipients", "p2");
		assert_int_equal(json_object_del(body, *f), 0);
		const char *code = say(1, "concern", body, t, NULL, 0);
		if (code == NULL)
			fail_msg("a concern without \"%s\" was admitted", *f);
	}
	assert_true(nreq > 0);
	static const struct {
		const char *code;
		const char *json;
	} bad[] = {
		{"body_invalid", "\"kind\":\"information\",\"to\":[\"p2\"],\"text\":\"?\",\"due_reason\":\"r\"}"},
		{"body_invalid", "\"kind\":\"information\",\"to\":[\"p2\",\"p2\"],\"text\":\"?\"}"},
		{"body_invalid", "\"kind\":\"information\",\"to\":[],\"text\":\"?\"}"},
		{"body_invalid", "\"kind\":\"information\",\"to\":[\"p2\"],\"text\":\"?\",\"extra\":1}"},
		{"self_addressed", "\"kind\":\"information\",\"to\":[\"p1\"],\"text\":\"?\"}"},
		{"preservation_fields", "\"kind\":\"preservation\",\"to\":[\"p2\"],\"text\":\"?\"}"},
		{"body_invalid", "\"kind\":\"information\",\"to\":[\"p2\"],\"text\":\"?\",\"preservation\":{}}"},
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		char text[512];
		snprintf(text, sizeof text, "{\"case\":%lld,%s", (long long)cs, bad[i].json);
		json_error_t je;
		json_t *body = json_loads(text, 0, &je);
		assert_non_null(body);
		const char *code = say(1, "request", body, t + 1, &cs, 1);
		assert_non_null(code);
		assert_string_equal(code, bad[i].code);
	}
	/* p0 is no party to this case */
	assert_string_equal(say(0, "request",
				json_pack("{s:I,s:s,s:[s],s:s}", "case", (json_int_t)cs, "kind", "information", "to", "p2",
					  "text", "?"),
				t + 2, &cs, 1),
			    "not_participant");
}

/* The fixture's entries as spans, [from, to). */
static void spans_of(uint64_t from, uint64_t to, pl_span *out)
{
	for (uint64_t i = from; i < to; i++)
		out[i - from] = pl_buf_span(&F.envs[i]);
}

static void engine_bytes(const pl_engine *e, pl_buf *b)
{
	pl_buf_init(b, (size_t)1 << 24);
	assert_int_equal(pl_engine_save(e, b), PL_OK);
}

/* Replaying the same entries through the one replay into a fresh engine gives the same state,
 * byte for byte, as admitting them one by one did. */
static void test_replay_is_deterministic(void **state)
{
	(void)state;
	pl_engine e;
	pl_engine_init(&e, ORIGIN);
	pl_engine_reader rd;
	assert_int_equal(pl_engine_reader_open(&rd, &e, false), PL_OK);
	pl_span s[64];
	spans_of(0, F.n, s);
	pl_diag d = {0};
	assert_int_equal(pl_replay_entries(rd.replay, s, F.n, NULL, &d), PL_OK);
	assert_int_equal(pl_replay_size(rd.replay), F.n);
	assert_int_equal(e.wf.ncases, F.e.wf.ncases);
	assert_int_equal(e.wf.nrequests, F.e.wf.nrequests);
	for (size_t i = 0; i < e.wf.nrequests; i++) {
		const pl_wf_request *x = &e.wf.requests[i], *y = &F.e.wf.requests[i];
		assert_int_equal(x->id, y->id);
		assert_int_equal(x->state, y->state);
		assert_int_equal(x->due, y->due);
		assert_int_equal(x->ack_due, y->ack_due);
		for (size_t k = 0; k < x->nt; k++) {
			assert_int_equal(x->t[k].due, y->t[k].due);
			assert_int_equal(x->t[k].answer_idx, y->t[k].answer_idx);
			assert_int_equal(x->t[k].ack_idx, y->t[k].ack_idx);
		}
	}
	pl_buf a, b;
	engine_bytes(&e, &a);
	engine_bytes(&F.e, &b);
	assert_int_equal(a.len, b.len);
	assert_memory_equal(a.data, b.data, a.len);
	/* and the bytes load back into the same state */
	pl_engine e2;
	pl_engine_init(&e2, ORIGIN);
	assert_int_equal(pl_engine_load(&e2, a.data, a.len), PL_OK);
	pl_buf c;
	engine_bytes(&e2, &c);
	assert_int_equal(c.len, a.len);
	assert_memory_equal(c.data, a.data, a.len);
	/* another log's state, truncated or damaged bytes do not load, and leave the engine empty */
	pl_engine other;
	pl_engine_init(&other, "unit.example/other");
	assert_int_equal(pl_engine_load(&other, a.data, a.len), PL_EFORMAT);
	assert_int_equal(pl_engine_size(&other), 0);
	for (size_t cut = 0; cut < a.len; cut += 1 + a.len / 97) {
		assert_int_not_equal(pl_engine_load(&e2, a.data, cut), PL_OK);
		assert_int_equal(pl_engine_size(&e2), 0);
		assert_int_equal(e2.wf.ncases, 0);
	}
	pl_buf_release(&a);
	pl_buf_release(&b);
	pl_buf_release(&c);
	pl_engine_release(&e2);
	pl_engine_release(&other);
	pl_engine_reader_close(&rd);
	pl_engine_release(&e);
}

typedef struct seen {
	uint64_t applied, refused, last_refused;
	pl_refusal_code code;
} seen;

static int saw_applied(void *ctx, uint64_t index, pl_span entry, const pl_hash *leaf, const void *item, const void *effect)
{
	(void)index;
	(void)entry;
	(void)leaf;
	(void)item;
	(void)effect;
	((seen *)ctx)->applied++;
	return PL_OK;
}

static int saw_refused(void *ctx, const pl_replay_refused *ref, pl_span entry)
{
	(void)entry;
	seen *s = ctx;
	s->refused++;
	s->last_refused = ref->index;
	s->code = ref->why.code;
	return PL_OK;
}

/* A log whose entries are the fixture's, then one the rules refuse, then a good one again. */
static char *write_log(pl_buf *bad, pl_buf *good)
{
	char *dir = tu_tmpdir();
	pl_diag d = {0};
	pl_log *l = NULL;
	assert_int_equal(pl_log_init(dir, ORIGIN, &d), PL_OK);
	assert_int_equal(pl_log_open(dir, &l, &d), PL_OK);
	pl_span s[64];
	spans_of(0, F.n, s);
	uint64_t first;
	assert_int_equal(pl_log_append(l, s, F.n, &first, &d), PL_OK);
	pl_span x[2] = {pl_buf_span(bad), pl_buf_span(good)};
	assert_int_equal(pl_log_append(l, x, 2, &first, &d), PL_OK);
	pl_log_close(l);
	return dir;
}

/*
 * The policy for an entry the rules refuse that is in the log anyway: no
 * effect, kept and reported, and the replay goes on; and a replay resumes
 * from its saved state (checked against the log) instead of starting again.
 */
static void test_replay_refuses_and_resumes(void **state)
{
	(void)state;
	/* p1 acknowledges entry 1 again and again is refused (a charter entry is no request);
	 * then p1's next statement, with the seq the refused one used, is admitted */
	int64_t when = T0 + 5000;
	pl_buf bad, good;
	pl_buf_init(&bad, PL_DSSE_MAX);
	pl_buf_init(&good, PL_DSSE_MAX);
	pl_ref r = {.index = 0, .leaf = F.leaves[0]};
	json_t *ack = json_pack("{s:I}", "request", 0), *ping = json_object();
	assert_int_equal(pl_statement_sign(F.k[1], ORIGIN, "ack", F.seq[1] + 1, when, ack, &r, 1, &bad), PL_OK);
	assert_int_equal(pl_statement_sign(F.k[1], ORIGIN, "ping", F.seq[1] + 1, when, ping, NULL, 0, &good), PL_OK);
	json_decref(ack); /* the signer does not take the bodies */
	json_decref(ping);
	char dir[4096];
	snprintf(dir, sizeof dir, "%s", write_log(&bad, &good));
	pl_source *src = NULL;
	pl_diag d = {0};
	assert_int_equal(pl_source_open_dir(dir, &src, &d), PL_OK);
	uint64_t size = F.n + 2;

	/* from zero */
	pl_engine e;
	pl_engine_init(&e, ORIGIN);
	pl_engine_reader rd;
	assert_int_equal(pl_engine_reader_open(&rd, &e, false), PL_OK);
	seen sn = {0};
	pl_replay_hooks h = {.applied = saw_applied, .refused = saw_refused, .ctx = &sn, .threads = 2};
	assert_int_equal(pl_replay_follow(rd.replay, src, size, size, &h, &d), PL_OK);
	assert_int_equal(pl_replay_size(rd.replay), size);
	assert_int_equal(pl_engine_size(&e), size);
	assert_int_equal(sn.applied, F.n + 1);
	assert_int_equal(sn.refused, 1);
	assert_int_equal(sn.last_refused, F.n);
	assert_string_equal(pl_refusal_name(sn.code), "request_unknown");
	size_t nref;
	const pl_replay_refused *ref = pl_replay_refusals(rd.replay, &nref);
	assert_int_equal(nref, 1);
	assert_int_equal(ref[0].index, F.n);
	/* the refused entry had no effect: p1's seq moved by the good one only (the same seq) */
	assert_int_equal(pl_members_get(&e.members, F.k[1]->id.party)->seq, F.seq[1] + 1);
	assert_int_equal(e.wf.npings, F.e.wf.npings + 1);
	assert_int_equal(e.wf.nrequests, F.e.wf.nrequests);

	/* resumed halfway, from saved bytes: the same state at the end */
	pl_engine e2;
	pl_engine_init(&e2, ORIGIN);
	pl_engine_reader rd2;
	assert_int_equal(pl_engine_reader_open(&rd2, &e2, false), PL_OK);
	assert_int_equal(pl_replay_follow(rd2.replay, src, size, F.n + 1, NULL, &d), PL_OK);
	pl_buf saved;
	pl_buf_init(&saved, PL_REPLAY_STATE_MAX);
	assert_int_equal(pl_replay_save(rd2.replay, &saved), PL_OK);
	pl_engine_reader_close(&rd2);
	pl_engine_release(&e2);
	pl_engine_init(&e2, ORIGIN);
	assert_int_equal(pl_engine_reader_open(&rd2, &e2, false), PL_OK);
	assert_int_equal(pl_replay_load(rd2.replay, saved.data, saved.len, src, size, &d), PL_OK);
	assert_int_equal(pl_replay_size(rd2.replay), F.n + 1);
	ref = pl_replay_refusals(rd2.replay, &nref);
	assert_int_equal(nref, 1); /* the refusal travels with the state */
	seen sn2 = {0};
	pl_replay_hooks h2 = {.applied = saw_applied, .refused = saw_refused, .ctx = &sn2};
	assert_int_equal(pl_replay_follow(rd2.replay, src, size, size, &h2, &d), PL_OK);
	assert_int_equal(sn2.applied, 1); /* only the entry after the saved state */
	pl_buf a, b;
	engine_bytes(&e, &a);
	engine_bytes(&e2, &b);
	assert_int_equal(a.len, b.len);
	assert_memory_equal(a.data, b.data, a.len);

	/* a saved state is bound to its log: another history, damaged bytes, or a state past the end
	 * are refused, and nothing changed */
	pl_engine e3;
	pl_engine_init(&e3, ORIGIN);
	pl_engine_reader rd3;
	assert_int_equal(pl_engine_reader_open(&rd3, &e3, false), PL_OK);
	saved.data[1 + 1] ^= 1; /* the saved leaf (after the version and a one-byte size) */
	assert_int_equal(pl_replay_load(rd3.replay, saved.data, saved.len, src, size, &d), PL_ECORRUPT);
	saved.data[1 + 1] ^= 1;
	assert_int_equal(pl_replay_size(rd3.replay), 0);
	assert_int_equal(pl_replay_load(rd3.replay, saved.data, saved.len / 2, src, size, &d) == PL_OK, 0);
	assert_int_equal(pl_replay_load(rd3.replay, saved.data, saved.len, src, F.n, &d), PL_ERANGE);
	assert_int_equal(pl_replay_size(rd3.replay), 0);
	assert_int_equal(pl_engine_size(&e3), 0);
	assert_int_equal(pl_replay_load(rd3.replay, saved.data, saved.len, src, size, &d), PL_OK);

	pl_buf_release(&a);
	pl_buf_release(&b);
	pl_buf_release(&saved);
	pl_buf_release(&bad);
	pl_buf_release(&good);
	pl_engine_reader_close(&rd3);
	pl_engine_release(&e3);
	pl_engine_reader_close(&rd2);
	pl_engine_release(&e2);
	pl_engine_reader_close(&rd);
	pl_engine_release(&e);
	pl_source_free(src);
	tu_rmrf(dir);
}

/* Public one-line fields refuse control characters, bidirectional controls and line separators
 * (control_character) at admission; free texts and valid non-ASCII titles are admitted; a replay
 * admits what the log holds. */
static void test_one_line_fields(void **state)
{
	(void)state;
	int64_t t = T0 + 300000;
	admitting = true;
	static const char *const hostile[] = {
		"two\nlines",      "tab\there",         "\x1b[31mred",     "\x1b]8;;https://x.example/\x1b\\link",
		"del\x7f",         "csi \xc2\x9b" "2A", "ok \xe2\x80\xae" "evil", "iso \xe2\x81\xa6" "x",
		"lrm \xe2\x80\x8e", "alm \xd8\x9c",      "ls \xe2\x80\xa8" "x", "cr\r[ok] fake",
	};
	for (size_t i = 0; i < sizeof hostile / sizeof hostile[0]; i++) {
		const char *code = say(1, "concern",
				       json_pack("{s:s,s:s,s:s,s:s,s:[s]}", "title", hostile[i], "class", "fraud", "tlp",
						 "TLP:CLEAR", "summary", "s", "recipients", "p2"),
				       t, NULL, 0);
		if (code == NULL || strcmp(code, "control_character") != 0)
			fail_msg("concern title %zu: %s, not control_character", i, code ? code : "admitted");
		code = say(1, "contact.update", json_pack("{s:{s:s}}", "contact", i % 2 ? "name" : "hours", hostile[i]), t,
			   NULL, 0);
		if (code == NULL || strcmp(code, "control_character") != 0)
			fail_msg("contact field %zu: %s, not control_character", i, code ? code : "admitted");
		code = say(1, "concern",
			   json_pack("{s:s,s:s,s:s,s:s,s:[s],s:[{s:s,s:s}]}", "title", "t", "class", "fraud", "tlp", "TLP:CLEAR",
				     "summary", "s", "recipients", "p2", "evidence", "sha256",
				     "0000000000000000000000000000000000000000000000000000000000000000", i % 2 ? "name" : "media_type",
				     hostile[i]),
			   t, NULL, 0);
		if (code == NULL || strcmp(code, "control_character") != 0)
			fail_msg("evidence item %zu: %s, not control_character", i, code ? code : "admitted");
		char set[512];
		snprintf(set, sizeof set, "{\"name\":\"n%zu\",\"version\":\"1\",\"norms\":[{\"id\":\"a\",\"short\":\"s\",\"gist\":\"g\"}]}", i);
		json_error_t je;
		json_t *ns = json_loads(set, 0, &je);
		assert_non_null(ns);
		json_object_set_new(json_array_get(json_object_get(ns, "norms"), 0), i % 2 ? "gist" : "short",
				    json_string(hostile[i]));
		code = say(1, "norms.publish", ns, t, NULL, 0);
		if (code == NULL || strcmp(code, "control_character") != 0)
			fail_msg("norm set %zu: %s, not control_character", i, code ? code : "admitted");
	}
	/* valid text of any script passes, the backslash included; free texts may hold anything */
	int64_t cs = (int64_t)F.n;
	assert_null(say(1, "concern",
			json_pack("{s:s,s:s,s:s,s:s,s:[s]}", "title",
				  "Caf\xc3\xa9 \xe6\x97\xa5\xe6\x9c\xac \xd9\x85\xd8\xb1\xd8\xad\xd8\xa8\xd8\xa7 "
				  "\xf0\x9f\x91\xa8\xe2\x80\x8d\xf0\x9f\x91\xa9 C:\\path",
				  "class", "fraud", "tlp", "TLP:CLEAR", "summary", "line one\n\x1b[31m[ok] line two\xe2\x80\xae",
				  "recipients", "p2"),
			t, NULL, 0));
	assert_string_equal(say(1, "evidence",
				json_pack("{s:I,s:s,s:s,s:{s:s,s:i},s:i,s:i}", "case", (json_int_t)cs, "title",
					  "pkg\n[ok] fake", "tlp", "TLP:CLEAR", "index", "sha256",
					  "0000000000000000000000000000000000000000000000000000000000000000", "size", 1,
					  "files", 1, "bytes", 1),
				t + 1, &cs, 1),
			    "control_character");
	assert_null(say(1, "contact.update", json_pack("{s:{s:s}}", "contact", "name", "Ma\xc3\xaftre \xe6\x9d\x8e"), t + 2,
			NULL, 0));
	/* an admission rule, not a rule of the log: replayed, a log holding such a title means what it says */
	admitting = false;
	assert_null(say(1, "concern",
			json_pack("{s:s,s:s,s:s,s:s,s:[s]}", "title", "\x1b[2A[ok] \xe2\x80\xae", "class", "fraud", "tlp",
				  "TLP:CLEAR", "summary", "s", "recipients", "p2"),
			t + 3, NULL, 0));
	assert_string_equal(pl_wf_case_get(&F.e.wf, F.n - 1)->title, "\x1b[2A[ok] \xe2\x80\xae");
}

/* Nothing is dated before the charter, nor before what it answers; a finding is another party's. */
static void test_ordering_rules(void **state)
{
	(void)state;
	int64_t t = T0 + 400000, cs = (int64_t)F.n;
	admitting = false; /* the rules below are rules of the log, not of the clock */
	assert_string_equal(say(1, "contact.update", json_pack("{s:{s:s}}", "contact", "name", "early"), T0 - 1, NULL, 0),
			    "dated_before_charter");
	assert_null(say(1, "concern",
			json_pack("{s:s,s:s,s:s,s:s,s:[s]}", "title", "t", "class", "fraud", "tlp", "TLP:CLEAR", "summary",
				  "s", "recipients", "p2"),
			t, NULL, 0));
	json_t *req = json_pack("{s:I,s:s,s:[s],s:s}", "case", (json_int_t)cs, "kind", "information", "to", "p2", "text", "?");
	assert_string_equal(say(1, "request", json_deep_copy(req), t - 1, &cs, 1), "dated_before_target");
	int64_t r = (int64_t)F.n;
	assert_null(say(1, "request", req, t, &cs, 1)); /* the same second is not before */
	assert_string_equal(say(2, "ack", json_pack("{s:I}", "request", (json_int_t)r), t - 5, &r, 1), "dated_before_target");
	assert_null(say(2, "ack", json_pack("{s:I}", "request", (json_int_t)r), t + 5, &r, 1));
	int64_t ev = (int64_t)F.n;
	assert_null(say(1, "evidence",
			json_pack("{s:I,s:s,s:s,s:{s:s,s:i},s:i,s:i}", "case", (json_int_t)cs, "title", "pkg", "tlp",
				  "TLP:CLEAR", "index", "sha256",
				  "0000000000000000000000000000000000000000000000000000000000000000", "size", 1, "files", 1,
				  "bytes", 1),
			t + 10, &cs, 1));
	json_t *finding = json_pack("{s:I,s:s,s:s,s:s,s:{s:s,s:i}}", "evidence", (json_int_t)ev, "result", "reproduced",
				    "summary", "s", "tlp", "TLP:CLEAR", "report", "sha256",
				    "1111111111111111111111111111111111111111111111111111111111111111", "size", 1);
	assert_string_equal(say(1, "finding", json_deep_copy(finding), t + 20, &ev, 1), "own_evidence");
	assert_string_equal(say(2, "finding", json_deep_copy(finding), t + 9, &ev, 1), "dated_before_target");
	assert_null(say(2, "finding", finding, t + 20, &ev, 1));
}

/* plain[0..n) sealed to the parties who[0..k) (indexes of F.k), stored in B; sealed gets its name. */
static size_t seal_put(const char *plain, size_t n, const int *who, size_t k, char sealed[PL_SHA256_HEX_LEN + 1])
{
	pl_identity ids[3];
	for (size_t i = 0; i < k; i++)
		ids[i] = F.k[who[i]]->id;
	FILE *in = fmemopen((void *)(uintptr_t)plain, n, "rb");
	char *buf = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&buf, &len);
	assert_non_null(in);
	assert_non_null(out);
	pl_seal_digest dg;
	assert_int_equal(pl_seal(in, out, ids, k, &dg, NULL), PL_OK);
	fclose(in);
	fclose(out);
	assert_int_equal(dg.sealed_size, len);
	blob_put((const uint8_t *)buf, len, sealed);
	free(buf);
	return len;
}

static json_t *evidence_body(int64_t cs, const char *tlp, const char *sha, const char *sealed, json_int_t size)
{
	json_t *ix = json_pack("{s:s,s:I}", "sha256", sha, "size", size);
	if (sealed != NULL)
		json_object_set_new(ix, "sealed", json_string(sealed));
	json_t *b = json_pack("{s:I,s:s,s:s,s:o,s:i,s:i}", "case", (json_int_t)cs, "title", "pkg", "tlp", tlp, "index", ix,
			      "files", 1, "bytes", 1);
	if (sealed != NULL)
		json_object_set_new(b, "recipients", json_pack("[s]", "p2"));
	return b;
}

/* Evidence and findings name blobs the server holds, of the size they say, sealed to their recipients
 * when they say so: an admission rule (a replay cannot see blobs). */
static void test_blobs_at_admission(void **state)
{
	(void)state;
	int64_t t = T0 + 500000, cs = (int64_t)F.n;
	admitting = true;
	B.on = true;
	assert_null(say(1, "concern",
			json_pack("{s:s,s:s,s:s,s:s,s:[s]}", "title", "t", "class", "fraud", "tlp", "TLP:AMBER", "summary",
				  "s", "recipients", "p2"),
			t, NULL, 0));
	static const char clear[] = "a plain package index";
	char sha[PL_SHA256_HEX_LEN + 1], sealed[PL_SHA256_HEX_LEN + 1], other[PL_SHA256_HEX_LEN + 1];
	uint8_t h[PL_SHA256_SIZE];
	pl_sha256(clear, sizeof clear - 1, h);
	pl_hex_encode(h, PL_SHA256_SIZE, sha);
	/* TLP:CLEAR material uploaded as it is: there, and of its size */
	assert_string_equal(say(1, "evidence", evidence_body(cs, "TLP:CLEAR", sha, NULL, sizeof clear - 1), t + 1, &cs, 1),
			    "blob_missing");
	blob_put((const uint8_t *)clear, sizeof clear - 1, sha);
	assert_string_equal(say(1, "evidence", evidence_body(cs, "TLP:CLEAR", sha, NULL, sizeof clear), t + 1, &cs, 1),
			    "blob_size_mismatch");
	assert_null(say(1, "evidence", evidence_body(cs, "TLP:CLEAR", sha, NULL, sizeof clear - 1), t + 1, &cs, 1));
	/* sealed: the blob must be a sealed blob, to the recipients (and the author), of the sealed size */
	assert_string_equal(say(1, "evidence", evidence_body(cs, "TLP:AMBER", sha, sha, sizeof clear - 1), t + 2, &cs, 1),
			    "blob_not_sealed");
	seal_put(clear, sizeof clear - 1, (const int[]){1, 2, 0}, 3, other); /* p0 is not a recipient */
	assert_string_equal(say(1, "evidence", evidence_body(cs, "TLP:AMBER", sha, other, sizeof clear - 1), t + 2, &cs, 1),
			    "blob_recipients_mismatch");
	seal_put(clear, sizeof clear - 1, (const int[]){1}, 1, other); /* p2 left out */
	assert_string_equal(say(1, "evidence", evidence_body(cs, "TLP:AMBER", sha, other, sizeof clear - 1), t + 2, &cs, 1),
			    "blob_recipients_mismatch");
	/* checked by key: p2 named with a key it does not hold (a stale copy) */
	{
		pl_identity ids[2] = {F.k[1]->id, F.k[2]->id};
		uint8_t sk[crypto_box_SECRETKEYBYTES];
		crypto_box_keypair(ids[1].box_pk, sk);
		FILE *in = fmemopen((void *)(uintptr_t)clear, sizeof clear - 1, "rb");
		char *buf = NULL;
		size_t len = 0;
		FILE *out = open_memstream(&buf, &len);
		pl_seal_digest dg;
		assert_int_equal(pl_seal(in, out, ids, 2, &dg, NULL), PL_OK);
		fclose(in);
		fclose(out);
		blob_put((const uint8_t *)buf, len, other);
		free(buf);
		assert_string_equal(
			say(1, "evidence", evidence_body(cs, "TLP:AMBER", sha, other, sizeof clear - 1), t + 2, &cs, 1),
			"reader_key_stale");
		/* a version 1 header (readers without keys) is not taken for new statements */
		uint8_t v1[8 + 1 + 2 * (1 + 2 + 80) + 24 + 17 + sizeof clear - 1];
		size_t at = 0;
		memcpy(v1, "PLSEAL01", 8);
		at = 8;
		v1[at++] = 2;
		for (int i = 1; i <= 2; i++) {
			v1[at++] = 2;
			memcpy(v1 + at, F.k[i]->id.party, 2);
			at += 2;
			randombytes_buf(v1 + at, 80);
			at += 80;
		}
		randombytes_buf(v1 + at, sizeof v1 - at);
		blob_put(v1, sizeof v1, other);
		assert_string_equal(
			say(1, "evidence", evidence_body(cs, "TLP:AMBER", sha, other, sizeof clear - 1), t + 2, &cs, 1),
			"blob_not_sealed");
	}
	seal_put(clear, sizeof clear - 1, (const int[]){2, 1}, 2, sealed);
	assert_string_equal(say(1, "evidence", evidence_body(cs, "TLP:AMBER", sha, sealed, sizeof clear), t + 2, &cs, 1),
			    "blob_size_mismatch");
	int64_t ev = (int64_t)F.n;
	assert_null(say(1, "evidence", evidence_body(cs, "TLP:AMBER", sha, sealed, sizeof clear - 1), t + 2, &cs, 1));
	/* the recipients alone, without the author, are fine too */
	seal_put("x", 1, (const int[]){2}, 1, other);
	pl_sha256("x", 1, h);
	pl_hex_encode(h, PL_SHA256_SIZE, sha);
	assert_null(say(1, "evidence", evidence_body(cs, "TLP:RED", sha, other, 1), t + 3, &cs, 1));
	/* a finding's report, the same way */
	json_t *finding = json_pack("{s:I,s:s,s:s,s:s,s:{s:s,s:s,s:i},s:[s]}", "evidence", (json_int_t)ev, "result",
				    "reproduced", "summary", "s", "tlp", "TLP:AMBER", "report", "sha256", sha, "sealed",
				    "2222222222222222222222222222222222222222222222222222222222222222", "size", 1,
				    "recipients", "p1");
	assert_string_equal(say(2, "finding", json_deep_copy(finding), t + 4, &ev, 1), "blob_missing");
	seal_put("x", 1, (const int[]){1, 2}, 2, other);
	json_object_set_new(json_object_get(finding, "report"), "sealed", json_string(other));
	assert_null(say(2, "finding", finding, t + 4, &ev, 1));
	/* replayed, a log naming blobs nobody uploaded means what it says */
	admitting = false;
	assert_null(say(1, "evidence",
			evidence_body(cs, "TLP:CLEAR", "3333333333333333333333333333333333333333333333333333333333333333", NULL, 7),
			t + 5, &cs, 1));
	B.on = false;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vocab),
		cmocka_unit_test(test_norm_hash),
		cmocka_unit_test(test_deadlines_and_states),
		cmocka_unit_test(test_body_rules),
		cmocka_unit_test(test_replay_is_deterministic),
		cmocka_unit_test(test_replay_refuses_and_resumes),
		cmocka_unit_test(test_one_line_fields),
		cmocka_unit_test(test_ordering_rules),
		cmocka_unit_test(test_blobs_at_admission),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
