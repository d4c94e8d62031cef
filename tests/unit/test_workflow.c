/* test_workflow.c - the workflow's vocabularies, norm set hash, body checks and state engine. */
#include "testutil.h"

#include "base/sha256.h"
#include "base/timefmt.h"
#include "statement/sign.h"
#include "workflow/engine.h"
#include "workflow/norms.h"
#include "workflow/types.h"
#include "workflow/vocab.h"

#include <jansson.h>
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

static int leaf_of(void *ctx, uint64_t index, pl_hash *out)
{
	(void)ctx;
	if (index >= F.n)
		return PL_ERANGE;
	*out = F.leaves[index];
	return PL_OK;
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
	a.skew = -1;
	a.leaf = leaf_of;
	pl_submission s;
	pl_verdict v = {0};
	const char *code = NULL;
	if (pl_submission_parse(env->data, env->len, ORIGIN, &a, &s, &v) != PL_OK || pl_engine_check(&F.e, &a, &s, &v) != PL_OK) {
		code = v.code;
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
		uint8_t seed[32], box[32];
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
	char ha[65], hb[65], hc[65];
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

/* Replaying the same entries into a fresh engine gives the same state. */
static void test_replay_is_deterministic(void **state)
{
	(void)state;
	pl_engine e;
	pl_engine_init(&e, ORIGIN);
	pl_admission a;
	memset(&a, 0, sizeof a);
	a.skew = -1;
	a.leaf = leaf_of;
	for (uint64_t i = 0; i < F.n; i++)
		assert_int_equal(pl_engine_replay(&e, F.envs[i].data, F.envs[i].len, i, &a, NULL, NULL), PL_OK);
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
	pl_engine_release(&e);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vocab),
		cmocka_unit_test(test_norm_hash),
		cmocka_unit_test(test_deadlines_and_states),
		cmocka_unit_test(test_body_rules),
		cmocka_unit_test(test_replay_is_deterministic),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
