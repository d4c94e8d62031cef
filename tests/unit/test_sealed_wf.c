/* test_sealed_wf.c - sealed workflow statements: the sealed form of each type
 * (types_sealed.c) and the readers checked at admission (state_readers.c),
 * every refusal with nothing applied. */
#include "testutil.h"

#include "base/codec.h"
#include "base/sha256.h"
#include "base/timefmt.h"
#include "statement/rekey.h"
#include "statement/sealed.h"
#include "statement/sign.h"
#include "store/log.h"
#include "workflow/engine.h"
#include "workflow/types.h"
#include "workflow/vocab.h"

#include <jansson.h>
#include <sodium.h>
#include <string.h>

#define ORIGIN "unit.example/sealed-wf"
#define T0 1767225600 /* 2026-01-01T00:00:00Z */
#define NP 4

/* A tiny log in memory, as in test_workflow.c. */
typedef struct fixture {
	pl_engine e;
	pl_party_key *k[NP];
	uint64_t seq[NP];
	pl_hash leaves[64];
	pl_buf envs[64];
	uint64_t n;
} fixture;

static fixture F;
static bool admitting; /* say() admits as the server does (new statements), else as a replay */
static pl_party_key *rotating; /* say() signs with the author's key and this one (a key.rotate), which it
				  then holds */

static int leaf_of(void *ctx, uint64_t index, pl_hash *out)
{
	(void)ctx;
	if (index >= F.n)
		return PL_ERANGE;
	*out = F.leaves[index];
	return PL_OK;
}

/* Signs and submits; returns the refusal code or NULL when admitted (and applied). On a refusal,
 * nothing changes: the log's size, the engine's size, its counts of cases, requests and groups, the latest
 * group's latest entry. */
static const char *say(int p, const char *type, json_t *body, int64_t when, const int64_t *refs, size_t nrefs)
{
	pl_ref r[4];
	for (size_t i = 0; i < nrefs; i++)
		r[i] = (pl_ref){.index = (uint64_t)refs[i], .leaf = F.leaves[refs[i]]};
	pl_buf *env = &F.envs[F.n];
	pl_buf_init(env, PL_DSSE_MAX);
	if (rotating != NULL)
		assert_int_equal(pl_statement_sign2(F.k[p], rotating, ORIGIN, type, F.seq[p] + 1, when, body, env), PL_OK);
	else
		assert_int_equal(pl_statement_sign(F.k[p], ORIGIN, type, F.seq[p] + 1, when, body, r, nrefs, env), PL_OK);
	json_decref(body);
	pl_admission a;
	memset(&a, 0, sizeof a);
	a.skew = admitting ? 0 : -1;
	a.now = admitting ? when : 0;
	a.leaf = leaf_of;
	pl_submission s;
	pl_refusal v = {0};
	const char *code = NULL;
	size_t ncases = F.e.wf.ncases, nrequests = F.e.wf.nrequests, ngroups = F.e.wf.ngroups,
	       nsessions = F.e.wf.nsessions, noutcomes = F.e.wf.noutcomes;
	uint64_t glast = ngroups ? F.e.wf.groups[ngroups - 1].last_idx : 0;
	uint64_t size = F.e.members.size;
	if (pl_submission_parse(env->data, env->len, ORIGIN, &a, &s, &v) != PL_OK || pl_engine_check(&F.e, &a, &s, &v) != PL_OK) {
		code = pl_refusal_name(v.code);
		pl_buf_release(env);
		assert_int_equal(F.e.wf.ncases, ncases);
		assert_int_equal(F.e.wf.nrequests, nrequests);
		assert_int_equal(F.e.wf.ngroups, ngroups);
		assert_int_equal(F.e.wf.nsessions, nsessions);
		assert_int_equal(F.e.wf.noutcomes, noutcomes);
		assert_int_equal(ngroups ? F.e.wf.groups[ngroups - 1].last_idx : 0, glast);
		assert_int_equal(F.e.members.size, size);
	} else {
		assert_int_equal(pl_engine_apply(&F.e, &s, F.n, NULL), PL_OK);
		pl_leaf_hash(env->data, env->len, &F.leaves[F.n]);
		F.n++;
		F.seq[p]++;
		if (rotating != NULL) {
			pl_party_key_free(F.k[p]);
			F.k[p] = rotating;
			rotating = NULL;
		}
	}
	pl_submission_release(&s);
	return code;
}

/* The base64 of a body sealed by party p for its next statement of type, to the identities ids[0..n). */
static char *seal_ids(int p, const char *type, const pl_identity *ids, size_t n)
{
	pl_seal_ctx ctx = {.origin = ORIGIN, .type = type, .author = F.k[p]->id.party, .seq = F.seq[p] + 1};
	json_t *fields = json_pack("{s:s,s:s}", "lang", "en", "text", "sealed words");
	pl_buf obj;
	pl_buf_init(&obj, PL_SEALED_OBJECT_MAX);
	assert_int_equal(pl_sealed_seal(&ctx, fields, ids, n, NULL, &obj, NULL), PL_OK);
	json_decref(fields);
	char *b64 = malloc(pl_b64_len(obj.len) + 1);
	assert_non_null(b64);
	pl_b64_encode(obj.data, obj.len, b64);
	pl_buf_release(&obj);
	return b64;
}

/* The same to parties given by number, as their current keys (readers: a list ended by -1). */
static char *seal_to(int p, const char *type, const int *readers)
{
	pl_identity ids[NP];
	size_t n = 0;
	for (; readers[n] >= 0; n++)
		ids[n] = F.k[readers[n]]->id;
	return seal_ids(p, type, ids, n);
}

/* body with "sealed" set to the sealed body (taken). */
static json_t *with_seal(json_t *body, char *b64)
{
	json_object_set_new(body, "sealed", json_string(b64));
	free(b64);
	return body;
}

static int setup(void **state)
{
	(void)state;
	memset(&F, 0, sizeof F);
	admitting = true;
	rotating = NULL;
	pl_engine_init(&F.e, ORIGIN);
	json_t *founders = json_array();
	for (int i = 0; i < NP; i++) {
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
	for (int i = 0; i < NP; i++)
		pl_party_key_free(F.k[i]);
	for (uint64_t i = 0; i < F.n; i++)
		pl_buf_release(&F.envs[i]);
	return 0;
}

static const int R01[] = {0, 1, -1}, R0[] = {0, -1}, R012_[] = {0, 1, 2, -1};

static json_t *amber_concern(void)
{
	return json_pack("{s:s,s:[s]}", "tlp", "TLP:AMBER", "recipients", "p1");
}

/* The sealed form: which types take it, sealed fields never in clear, the header read; old plaintext
 * statements parsed as always. */
static void test_sealed_form(void **state)
{
	(void)state;
	int64_t t = T0 + 10;
	/* a type never sealed */
	assert_string_equal(say(0, "ping", with_seal(json_pack("{s:[s]}", "to", "p1"), seal_to(0, "ping", R01)), t, NULL, 0),
			    "sealed_not_allowed");
	/* a sealed field in clear beside "sealed" */
	json_t *b = with_seal(amber_concern(), seal_to(0, "concern", R01));
	json_object_set_new(b, "title", json_string("in clear"));
	assert_string_equal(say(0, "concern", b, t, NULL, 0), "sealing_required");
	b = with_seal(amber_concern(), seal_to(0, "concern", R01));
	json_object_set_new(b, "norms", json_object());
	assert_string_equal(say(0, "concern", b, t, NULL, 0), "sealing_required");
	/* not base64, base64 of no sealed body, not a string */
	b = amber_concern();
	json_object_set_new(b, "sealed", json_string("not base64!"));
	assert_string_equal(say(0, "concern", b, t, NULL, 0), "sealed_malformed");
	b = amber_concern();
	json_object_set_new(b, "sealed", json_string("UExTRUFMMDI="));
	assert_string_equal(say(0, "concern", b, t, NULL, 0), "sealed_malformed");
	b = amber_concern();
	json_object_set_new(b, "sealed", json_integer(1));
	assert_string_equal(say(0, "concern", b, t, NULL, 0), "sealed_malformed");
	/* a TLP:CLEAR concern is in clear */
	b = with_seal(json_pack("{s:s,s:[s]}", "tlp", "TLP:CLEAR", "recipients", "p1"), seal_to(0, "concern", R01));
	assert_string_equal(say(0, "concern", b, t, NULL, 0), "sealed_not_allowed");
	/* the public part is still checked: an unknown field, a missing public field */
	b = with_seal(amber_concern(), seal_to(0, "concern", R01));
	json_object_set_new(b, "colour", json_string("red"));
	assert_string_equal(say(0, "concern", b, t, NULL, 0), "body_invalid");
	assert_string_equal(say(0, "concern", with_seal(json_pack("{s:s}", "tlp", "TLP:AMBER"), seal_to(0, "concern", R01)),
				t, NULL, 0),
			    "body_invalid");
	/* a sealed concern: public tlp and recipients, nothing else; admitted, its title unknown to the state */
	assert_null(say(0, "concern", with_seal(amber_concern(), seal_to(0, "concern", R01)), t, NULL, 0));
	uint64_t cid = F.n - 1;
	const pl_wf_case *c = pl_wf_case_get(&F.e.wf, cid);
	assert_non_null(c);
	assert_string_equal(c->tlp, "TLP:AMBER");
	assert_string_equal(c->title, "");
	assert_null(c->cls);
	assert_int_equal(c->nrecipients, 1);
	/* a sealed request: due public, due_reason sealed (its rule a content rule) */
	int64_t ref[1] = {(int64_t)cid};
	b = with_seal(json_pack("{s:I,s:s,s:[s],s:s}", "case", (json_int_t)cid, "kind", "information", "to", "p1",
				"due", "2026-03-01T00:00:00Z"),
		      seal_to(0, "request", R01));
	assert_null(say(0, "request", b, t + 1, ref, 1));
	uint64_t rid = F.n - 1;
	const pl_wf_request *r = pl_wf_request_get(&F.e.wf, rid);
	assert_non_null(r);
	assert_int_equal(r->due, 1772323200);
	/* evidence describes itself sealed: the index blob's name public, its digest and size sealed */
	char blob[65];
	memset(blob, 'a', 64);
	blob[64] = '\0';
	b = with_seal(json_pack("{s:I,s:s,s:[s],s:{s:s}}", "case", (json_int_t)cid, "tlp", "TLP:AMBER", "recipients", "p1",
				"index", "sealed", "00"),
		      seal_to(0, "evidence", R01));
	assert_string_equal(say(0, "evidence", b, t + 2, ref, 1), "body_invalid");
	b = with_seal(json_pack("{s:I,s:s,s:[s],s:{s:s,s:s,s:i}}", "case", (json_int_t)cid, "tlp", "TLP:AMBER", "recipients",
				"p1", "index", "sealed", blob, "sha256", blob, "size", 10),
		      seal_to(0, "evidence", R01));
	assert_string_equal(say(0, "evidence", b, t + 2, ref, 1), "sealing_required");
	b = with_seal(json_pack("{s:I,s:s,s:[s],s:{s:s},s:s}", "case", (json_int_t)cid, "tlp", "TLP:AMBER", "recipients",
				"p1", "index", "sealed", blob, "title", "in clear"),
		      seal_to(0, "evidence", R01));
	assert_string_equal(say(0, "evidence", b, t + 2, ref, 1), "sealing_required");
	b = with_seal(json_pack("{s:I,s:s,s:[s],s:{s:s}}", "case", (json_int_t)cid, "tlp", "TLP:AMBER", "recipients", "p1",
				"index", "sealed", blob),
		      seal_to(0, "evidence", R012_));
	assert_string_equal(say(0, "evidence", b, t + 2, ref, 1), "readers_mismatch");
	b = with_seal(json_pack("{s:I,s:s,s:[s],s:{s:s}}", "case", (json_int_t)cid, "tlp", "TLP:AMBER", "recipients", "p1",
				"index", "sealed", blob),
		      seal_to(0, "evidence", R01));
	assert_null(say(0, "evidence", b, t + 2, ref, 1));
	uint64_t evid = F.n - 1;
	const pl_wf_evidence *ev = pl_wf_evidence_get(&F.e.wf, evid);
	assert_non_null(ev);
	assert_string_equal(ev->title, "");
	assert_int_equal(ev->files, 0);
	/* a finding on it, its result sealed: the state knows one was made, not what it says */
	int64_t eref[1] = {(int64_t)evid};
	b = with_seal(json_pack("{s:I,s:s,s:[s],s:{s:s}}", "evidence", (json_int_t)evid, "tlp", "TLP:AMBER", "recipients",
				"p0", "report", "sealed", blob),
		      seal_to(1, "finding", R01));
	assert_null(say(1, "finding", b, t + 2, eref, 1));
	assert_int_equal(pl_wf_evidence_get(&F.e.wf, evid)->findings, 1);
	assert_int_equal(pl_wf_evidence_get(&F.e.wf, evid)->last_result, -1);
	/* a refused response without reasons in clear: reasons are sealed, so admitted */
	int64_t rref[1] = {(int64_t)rid};
	b = with_seal(json_pack("{s:I,s:s}", "request", (json_int_t)rid, "status", "refused"), seal_to(1, "response", R01));
	assert_null(say(1, "response", b, t + 3, rref, 1));
	assert_int_equal(pl_wf_request_get(&F.e.wf, rid)->state, PL_REQ_ANSWERED);
	/* in clear, as always: the same refusal is still the rule */
	assert_null(say(0, "concern",
			json_pack("{s:s,s:s,s:s,s:s,s:[s]}", "title", "old", "class", "fraud", "tlp", "TLP:CLEAR",
				  "summary", "s", "recipients", "p2"),
			t + 4, NULL, 0));
	uint64_t clear = F.n - 1;
	int64_t cref[1] = {(int64_t)clear};
	assert_null(say(0, "request",
			json_pack("{s:I,s:s,s:[s],s:s}", "case", (json_int_t)clear, "kind", "information", "to", "p2",
				  "text", "t"),
			t + 5, cref, 1));
	int64_t r2[1] = {(int64_t)(F.n - 1)};
	assert_string_equal(say(2, "response", json_pack("{s:I,s:s}", "request", (json_int_t)(F.n - 1), "status", "refused"),
				t + 6, r2, 1),
			    "reasons_missing");
	/* the lists: every type's sealed fields as the table says, none for the types never sealed */
	assert_true(pl_wf_field_sealed(PL_WF_REQUEST, "preservation"));
	assert_false(pl_wf_field_sealed(PL_WF_REQUEST, "due"));
	assert_false(pl_wf_field_sealed(PL_WF_RESPONSE, "preserved_until"));
	assert_true(pl_wf_field_sealed(PL_WF_FINDING, "result"));
	assert_false(pl_wf_field_sealed(PL_WF_CLOSE, "outcome"));
	assert_null(pl_wf_sealed_fields(PL_WF_PING));
	assert_null(pl_wf_sealed_fields(PL_WF_NORMS_PUBLISH));
}

/* Replays the admitted envelopes into a fresh engine (as a monitor or reindex does) and checks it reaches
 * the same state, bytes for bytes; the saved state loads back to the same bytes. */
static void replay_matches(void)
{
	pl_engine e;
	pl_engine_init(&e, ORIGIN);
	pl_admission a;
	memset(&a, 0, sizeof a);
	a.skew = -1;
	a.leaf = leaf_of;
	for (uint64_t i = 0; i < F.n; i++) {
		pl_submission s;
		pl_refusal v = {0};
		assert_int_equal(pl_submission_parse(F.envs[i].data, F.envs[i].len, ORIGIN, &a, &s, &v), PL_OK);
		assert_int_equal(pl_engine_check(&e, &a, &s, &v), PL_OK);
		assert_int_equal(pl_engine_apply(&e, &s, i, NULL), PL_OK);
		pl_submission_release(&s);
	}
	pl_buf x, y, z;
	pl_buf_init(&x, 1 << 24);
	pl_buf_init(&y, 1 << 24);
	pl_buf_init(&z, 1 << 24);
	assert_int_equal(pl_engine_save(&F.e, &x), PL_OK);
	assert_int_equal(pl_engine_save(&e, &y), PL_OK);
	assert_int_equal(x.len, y.len);
	assert_memory_equal(x.data, y.data, x.len);
	pl_engine_release(&e);
	pl_engine_init(&e, ORIGIN);
	assert_int_equal(pl_engine_load(&e, y.data, y.len), PL_OK);
	assert_int_equal(pl_engine_save(&e, &z), PL_OK);
	assert_int_equal(z.len, y.len);
	assert_memory_equal(z.data, y.data, y.len);
	pl_engine_release(&e);
	pl_buf_release(&x);
	pl_buf_release(&y);
	pl_buf_release(&z);
}

/* The readers of each thread statement, checked against the label and the thread at that index. */
static void test_readers(void **state)
{
	(void)state;
	int64_t t = T0 + 10;
	static const int R012[] = {0, 1, 2, -1}, R0123[] = {0, 1, 2, 3, -1}, R02[] = {0, 2, -1};
	json_t *concern = json_pack("{s:s,s:[s,s]}", "tlp", "TLP:AMBER", "recipients", "p1", "p2");
	/* a concern: its author and recipients, no fewer, no more */
	assert_string_equal(say(0, "concern", with_seal(json_deep_copy(concern), seal_to(0, "concern", R01)), t, NULL, 0),
			    "readers_mismatch");
	assert_string_equal(say(0, "concern", with_seal(json_deep_copy(concern), seal_to(0, "concern", R0123)), t, NULL, 0),
			    "readers_mismatch");
	/* p2 named with a key it does not hold (p3's): a stale copy */
	pl_identity ids[3] = {F.k[0]->id, F.k[1]->id, F.k[2]->id};
	memcpy(ids[2].box_pk, F.k[3]->id.box_pk, sizeof ids[2].box_pk);
	assert_string_equal(say(0, "concern", with_seal(json_deep_copy(concern), seal_ids(0, "concern", ids, 3)), t, NULL, 0),
			    "reader_key_stale");
	/* TLP:GREEN is sealed to the members' key, which no rekey has made yet */
	assert_string_equal(say(0, "concern",
				with_seal(json_pack("{s:s,s:[s,s]}", "tlp", "TLP:GREEN", "recipients", "p1", "p2"),
					  seal_to(0, "concern", R012)),
				t, NULL, 0),
			    "readers_mismatch");
	assert_null(say(0, "concern", with_seal(concern, seal_to(0, "concern", R012)), t, NULL, 0));
	uint64_t cid = F.n - 1;
	int64_t cref[1] = {(int64_t)cid};

	/* a request: the case's parties, or narrowed to its author and addressees; nothing else */
	json_t *req = json_pack("{s:I,s:s,s:[s]}", "case", (json_int_t)cid, "kind", "information", "to", "p1");
	assert_string_equal(say(0, "request", with_seal(json_deep_copy(req), seal_to(0, "request", R02)), t + 1, cref, 1),
			    "readers_mismatch");
	assert_string_equal(say(0, "request", with_seal(json_deep_copy(req), seal_to(0, "request", R0123)), t + 1, cref, 1),
			    "readers_mismatch");
	assert_null(say(0, "request", with_seal(json_deep_copy(req), seal_to(0, "request", R01)), t + 1, cref, 1));
	uint64_t narrow = F.n - 1;
	assert_true(pl_wf_request_get(&F.e.wf, narrow)->narrowed);
	assert_null(say(0, "request", with_seal(req, seal_to(0, "request", R012)), t + 1, cref, 1));
	uint64_t wide = F.n - 1;
	assert_false(pl_wf_request_get(&F.e.wf, wide)->narrowed);

	/* answers keep their request's readers: narrowed stays narrowed, the whole case stays the whole case */
	int64_t nref[1] = {(int64_t)narrow}, wref[1] = {(int64_t)wide};
	assert_string_equal(say(1, "ack", with_seal(json_pack("{s:I}", "request", (json_int_t)narrow), seal_to(1, "ack", R012)),
				t + 2, nref, 1),
			    "readers_mismatch");
	assert_null(say(1, "ack", with_seal(json_pack("{s:I}", "request", (json_int_t)narrow), seal_to(1, "ack", R01)), t + 2,
			nref, 1));
	assert_string_equal(say(1, "response",
				with_seal(json_pack("{s:I,s:s}", "request", (json_int_t)wide, "status", "granted"),
					  seal_to(1, "response", R01)),
				t + 3, wref, 1),
			    "readers_mismatch");
	assert_null(say(1, "response",
			with_seal(json_pack("{s:I,s:s}", "request", (json_int_t)wide, "status", "granted"),
				  seal_to(1, "response", R012)),
			t + 3, wref, 1));
	assert_null(say(0, "status",
			with_seal(json_pack("{s:I,s:s}", "request", (json_int_t)narrow, "kind", "query"),
				  seal_to(0, "status", R01)),
			t + 4, nref, 1));

	/* a party revoked since the concern reads nothing said after */
	assert_null(say(2, "key.revoke", json_pack("{s:s}", "reason", "lost"), t + 5, NULL, 0));
	assert_string_equal(say(0, "close",
				with_seal(json_pack("{s:I,s:s}", "case", (json_int_t)cid, "outcome", "resolved"),
					  seal_to(0, "close", R012)),
				t + 6, cref, 1),
			    "readers_mismatch");
	assert_string_equal(say(0, "withdraw", with_seal(json_pack("{s:I}", "request", (json_int_t)narrow), seal_to(0, "withdraw", R012)),
				t + 6, nref, 1),
			    "readers_mismatch");
	assert_null(say(0, "close",
			with_seal(json_pack("{s:I,s:s}", "case", (json_int_t)cid, "outcome", "resolved"),
				  seal_to(0, "close", R01)),
			t + 6, cref, 1));

	/* a TLP:CLEAR thread is in clear */
	assert_null(say(0, "concern",
			json_pack("{s:s,s:s,s:s,s:s,s:[s]}", "title", "open", "class", "fraud", "tlp", "TLP:CLEAR",
				  "summary", "s", "recipients", "p1"),
			t + 7, NULL, 0));
	int64_t clear[1] = {(int64_t)(F.n - 1)};
	assert_string_equal(say(0, "request",
				with_seal(json_pack("{s:I,s:s,s:[s]}", "case", (json_int_t)(F.n - 1), "kind", "information",
						    "to", "p1"),
					  seal_to(0, "request", R01)),
				t + 8, clear, 1),
			    "sealed_not_allowed");
	replay_matches();
}

/* sealing_required: new statements of a thread that is not TLP:CLEAR, when the engine asks for it; a
 * log replayed keeps its statements in clear. */
static void test_sealing_required(void **state)
{
	(void)state;
	int64_t t = T0 + 10;
	json_t *clear_amber = json_pack("{s:s,s:s,s:s,s:s,s:[s]}", "title", "old", "class", "fraud", "tlp", "TLP:AMBER",
					"summary", "s", "recipients", "p1");
	F.e.sealing = true;
	assert_string_equal(say(0, "concern", json_deep_copy(clear_amber), t, NULL, 0), "sealing_required");
	/* a replay takes it (an old log), and so does a server that does not ask for sealing yet */
	admitting = false;
	assert_null(say(0, "concern", json_deep_copy(clear_amber), t, NULL, 0));
	admitting = true;
	F.e.sealing = false;
	assert_null(say(0, "concern", clear_amber, t, NULL, 0));
	uint64_t old = F.n - 1;
	int64_t oref[1] = {(int64_t)old};
	F.e.sealing = true;
	json_t *req = json_pack("{s:I,s:s,s:[s],s:s}", "case", (json_int_t)old, "kind", "information", "to", "p1", "text",
				"in clear");
	assert_string_equal(say(0, "request", json_deep_copy(req), t + 1, oref, 1), "sealing_required");
	/* in the thread of an old concern in clear, a sealed statement has the thread's readers */
	json_t *sealed_req = json_pack("{s:I,s:s,s:[s]}", "case", (json_int_t)old, "kind", "information", "to", "p1");
	assert_null(say(0, "request", with_seal(sealed_req, seal_to(0, "request", R01)), t + 1, oref, 1));
	/* TLP:CLEAR stays plaintext */
	assert_null(say(0, "concern",
			json_pack("{s:s,s:s,s:s,s:s,s:[s]}", "title", "open", "class", "fraud", "tlp", "TLP:CLEAR",
				  "summary", "s", "recipients", "p1"),
			t + 2, NULL, 0));
	int64_t cref[1] = {(int64_t)(F.n - 1)};
	json_object_set_new(req, "case", json_integer((json_int_t)(F.n - 1)));
	assert_null(say(0, "request", req, t + 3, cref, 1));
	/* evidence that describes itself in clear beside its sealed blob (what clients before sealed descriptions
	 * wrote): refused as new, kept in a replay */
	json_t *ev = json_pack("{s:I,s:s,s:s,s:{s:s,s:s,s:i},s:i,s:i,s:[s]}", "case", (json_int_t)old, "title",
			       "pkg", "tlp", "TLP:AMBER", "index", "sha256",
			       "1111111111111111111111111111111111111111111111111111111111111111", "sealed",
			       "2222222222222222222222222222222222222222222222222222222222222222", "size", 10, "files",
			       1, "bytes", 1, "recipients", "p1");
	assert_string_equal(say(0, "evidence", json_deep_copy(ev), t + 4, oref, 1), "sealing_required");
	admitting = false;
	assert_null(say(0, "evidence", ev, t + 4, oref, 1));
	admitting = true;
	replay_matches();
}

/* A party that rotated its key is a reader with its new key: sealing to the old one is a stale copy. */
static void test_rotated_key(void **state)
{
	(void)state;
	int64_t t = T0 + 10;
	pl_identity old = F.k[1]->id;
	uint8_t seed[PL_ED25519_SEED_SIZE], box[PL_X25519_SK_SIZE];
	pl_sha256("s1'", 3, seed);
	pl_sha256("b1'", 3, box);
	pl_party_key *k2;
	assert_int_equal(pl_party_key_from_seeds("p1", seed, box, &k2, NULL), PL_OK);
	pl_buf id;
	pl_buf_init(&id, PL_IDENTITY_MAX);
	assert_int_equal(pl_identity_format(&k2->id, &id), PL_OK);
	json_error_t je;
	json_t *body = json_pack("{s:o}", "identity", json_loadb((const char *)id.data, id.len, 0, &je));
	pl_buf_release(&id);
	rotating = k2;
	assert_null(say(1, "key.rotate", body, t, NULL, 0));
	assert_null(rotating);
	pl_identity ids[2] = {F.k[0]->id, old};
	assert_string_equal(say(0, "concern", with_seal(amber_concern(), seal_ids(0, "concern", ids, 2)), t + 1, NULL, 0),
			    "reader_key_stale");
	assert_null(say(0, "concern", with_seal(amber_concern(), seal_to(0, "concern", R01)), t + 1, NULL, 0));
	replay_matches();
}


/* The base64 of a body sealed by party p for its next statement of type to the members' key k. */
static char *seal_epoch(int p, const char *type, const pl_epoch_key *k)
{
	pl_seal_ctx ctx = {.origin = ORIGIN, .type = type, .author = F.k[p]->id.party, .seq = F.seq[p] + 1};
	json_t *fields = json_pack("{s:s,s:s}", "lang", "en", "title", "green words");
	pl_buf obj;
	pl_buf_init(&obj, PL_SEALED_OBJECT_MAX);
	assert_int_equal(pl_sealed_seal(&ctx, fields, NULL, 0, k, &obj, NULL), PL_OK);
	json_decref(fields);
	char *b64 = malloc(pl_b64_len(obj.len) + 1);
	assert_non_null(b64);
	pl_b64_encode(obj.data, obj.len, b64);
	pl_buf_release(&obj);
	return b64;
}

/* A members.rekey body by party p answering entry after, wrapping a fresh key (into key) to readers
 * (their current keys; ended by -1), chained to prev (NULL: none). */
static json_t *rekey_body(int p, uint64_t after, const pl_epoch_key *prev, const int *readers, uint8_t *key)
{
	pl_identity ids[NP];
	size_t n = 0;
	for (; readers[n] >= 0; n++)
		ids[n] = F.k[readers[n]]->id;
	pl_seal_ctx ctx = {.origin = ORIGIN, .type = "members.rekey", .author = F.k[p]->id.party, .seq = F.seq[p] + 1};
	pl_buf obj;
	pl_buf_init(&obj, PL_REKEY_OBJECT_MAX);
	assert_int_equal(pl_rekey_seal(&ctx, ids, n, prev, key, &obj, NULL), PL_OK);
	uint8_t fp[PL_SEAL_FP_SIZE];
	char hex[2 * PL_SEAL_FP_SIZE + 1], *b64 = malloc(pl_b64_len(obj.len) + 1);
	assert_non_null(b64);
	pl_seal_epoch_fingerprint(key, fp);
	pl_hex_encode(fp, sizeof fp, hex);
	pl_b64_encode(obj.data, obj.len, b64);
	json_t *b = json_pack("{s:I,s:s,s:s}", "after", (json_int_t)after, "key", hex, "sealed", b64);
	free(b64);
	pl_buf_release(&obj);
	return b;
}

static json_t *green_concern(void)
{
	return json_pack("{s:s,s:[s]}", "tlp", "TLP:GREEN", "recipients", "p1");
}

/* members.rekey: a members' key answers the latest trigger, once, wrapped to exactly the active members
 * with their current keys, chained to the one before; a TLP:GREEN statement is sealed to the current one. */
static void test_green(void **state)
{
	(void)state;
	int64_t t = T0 + 10, r0[1] = {0};
	static const int ALL[] = {0, 1, 2, 3, -1}, R012[] = {0, 1, 2, -1};
	pl_epoch_key e1 = {.key = sodium_malloc(PL_SEAL_EPOCH_KEY_SIZE)}, e2 = {.key = sodium_malloc(PL_SEAL_EPOCH_KEY_SIZE)},
		     junk = {.epoch = 1, .key = sodium_malloc(PL_SEAL_EPOCH_KEY_SIZE)};
	assert_non_null(e1.key);
	assert_non_null(e2.key);
	assert_non_null(junk.key);
	randombytes_buf(junk.key, PL_SEAL_EPOCH_KEY_SIZE);
	assert_null(pl_members_epoch(&F.e.members));
	/* no members' key yet: a GREEN statement waits for a rekey */
	assert_string_equal(say(0, "concern", with_seal(green_concern(), seal_epoch(0, "concern", &junk)), t, NULL, 0),
			    "reader_key_stale");
	/* rekeys that do not answer the latest trigger (the charter), or do not cite it */
	assert_string_equal(say(0, "members.rekey", rekey_body(0, 1, NULL, ALL, e1.key), t, r0, 1), "rekey_stale");
	assert_string_equal(say(0, "members.rekey", rekey_body(0, 0, NULL, ALL, e1.key), t, NULL, 0), "ref_missing");
	/* readers: every active member, each with its current key */
	assert_string_equal(say(0, "members.rekey", rekey_body(0, 0, NULL, R012, e1.key), t, r0, 1), "readers_mismatch");
	pl_identity real = F.k[3]->id;
	memcpy(F.k[3]->id.box_pk, F.k[2]->id.box_pk, PL_X25519_PK_SIZE);
	json_t *stale = rekey_body(0, 0, NULL, ALL, e1.key);
	F.k[3]->id = real;
	assert_string_equal(say(0, "members.rekey", stale, t, r0, 1), "reader_key_stale");
	/* the log's first members' key chains to nothing */
	assert_string_equal(say(0, "members.rekey", rekey_body(0, 0, &junk, ALL, e1.key), t, r0, 1), "sealed_malformed");
	json_t *bad = rekey_body(0, 0, NULL, ALL, e1.key);
	json_object_set_new(bad, "key", json_string("not hex"));
	assert_string_equal(say(0, "members.rekey", bad, t, r0, 1), "body_invalid");
	assert_null(say(0, "members.rekey", rekey_body(0, 0, NULL, ALL, e1.key), t, r0, 1));
	e1.epoch = F.n - 1;
	const pl_epoch_rec *cur = pl_members_epoch(&F.e.members);
	assert_non_null(cur);
	assert_int_equal(cur->epoch, e1.epoch);
	assert_int_equal(cur->after, 0);
	/* two rekeys at once: the second is refused, its author takes the first */
	assert_string_equal(say(1, "members.rekey", rekey_body(1, 0, NULL, ALL, e2.key), t, r0, 1), "rekey_duplicate");

	/* TLP:GREEN: to the members' key alone, the current one */
	json_t *to_parties = with_seal(green_concern(), seal_to(0, "concern", R01));
	assert_string_equal(say(0, "concern", to_parties, t + 1, NULL, 0), "readers_mismatch");
	junk.epoch = e1.epoch; /* the right epoch, another key */
	assert_string_equal(say(0, "concern", with_seal(green_concern(), seal_epoch(0, "concern", &junk)), t + 1, NULL, 0),
			    "reader_key_stale");
	assert_null(say(0, "concern", with_seal(green_concern(), seal_epoch(0, "concern", &e1)), t + 1, NULL, 0));
	uint64_t cid = F.n - 1;
	int64_t cref[1] = {(int64_t)cid};
	/* an AMBER statement is never sealed to the members' key */
	assert_string_equal(say(0, "concern", with_seal(amber_concern(), seal_epoch(0, "concern", &e1)), t + 1, NULL, 0),
			    "readers_mismatch");

	/* a revocation is a trigger: the members' key is no longer current */
	assert_null(say(3, "key.revoke", json_pack("{s:s}", "reason", "left"), t + 2, NULL, 0));
	uint64_t revoked = F.n - 1;
	int64_t rref[1] = {(int64_t)revoked};
	assert_null(pl_members_epoch(&F.e.members));
	json_t *req = json_pack("{s:I,s:s,s:[s]}", "case", (json_int_t)cid, "kind", "information", "to", "p1");
	assert_string_equal(say(0, "request", with_seal(json_deep_copy(req), seal_epoch(0, "request", &e1)), t + 3, cref, 1),
			    "reader_key_stale");
	assert_string_equal(say(1, "members.rekey", rekey_body(1, revoked, &e1, ALL, e2.key), t + 3, rref, 1),
			    "readers_mismatch");
	assert_string_equal(say(1, "members.rekey", rekey_body(1, revoked, NULL, R012, e2.key), t + 3, rref, 1),
			    "sealed_malformed");
	/* a members' key is used once */
	json_t *again = rekey_body(1, revoked, &e1, R012, e2.key);
	uint8_t fp1[PL_SEAL_FP_SIZE];
	char hex[2 * PL_SEAL_FP_SIZE + 1];
	pl_seal_epoch_fingerprint(e1.key, fp1);
	pl_hex_encode(fp1, sizeof fp1, hex);
	json_object_set_new(again, "key", json_string(hex));
	assert_string_equal(say(1, "members.rekey", again, t + 3, rref, 1), "key_reused");
	assert_null(say(1, "members.rekey", rekey_body(1, revoked, &e1, R012, e2.key), t + 3, rref, 1));
	e2.epoch = F.n - 1;
	assert_int_equal(pl_members_epoch(&F.e.members)->epoch, e2.epoch);
	assert_null(say(0, "request", with_seal(req, seal_epoch(0, "request", &e2)), t + 4, cref, 1));

	/* contact details sealed to the current members' key; the registry says where they are */
	assert_string_equal(say(1, "contact.update", with_seal(json_object(), seal_epoch(1, "contact.update", &e1)), t + 5,
				NULL, 0),
			    "reader_key_stale");
	assert_string_equal(say(1, "contact.update", with_seal(json_object(), seal_to(1, "contact.update", R01)), t + 5,
				NULL, 0),
			    "readers_mismatch");
	json_t *both = with_seal(json_object(), seal_epoch(1, "contact.update", &e2));
	json_object_set_new(both, "contact", json_pack("{s:s}", "email", "in@clear"));
	assert_string_equal(say(1, "contact.update", both, t + 5, NULL, 0), "sealing_required");
	assert_null(say(1, "contact.update", with_seal(json_object(), seal_epoch(1, "contact.update", &e2)), t + 5, NULL, 0));
	char where[32];
	snprintf(where, sizeof where, "{\"sealed\":%llu}", (unsigned long long)(F.n - 1));
	assert_string_equal(pl_members_get(&F.e.members, "p1")->contact, where);

	/* the rekey opens for a member to the key it names, and its chain to the previous one; not for p3 */
	const pl_buf *env = &F.envs[e2.epoch];
	pl_envelope ev;
	pl_stmt st;
	memset(&ev, 0, sizeof ev);
	memset(&st, 0, sizeof st);
	assert_int_equal(pl_envelope_parse(env->data, env->len, &ev, NULL), PL_OK);
	assert_int_equal(pl_stmt_parse(ev.payload, ev.payload_len, &st, NULL), PL_OK);
	uint64_t after;
	uint8_t fp[PL_SEAL_FP_SIZE], *obj;
	size_t n;
	assert_int_equal(pl_members_rekey_fields(st.body, &after, fp, &obj, &n, NULL), PL_OK);
	pl_seal_ctx ctx = {.origin = ORIGIN, .type = st.type, .author = st.author, .seq = st.seq};
	uint8_t *got = sodium_malloc(PL_SEAL_EPOCH_KEY_SIZE);
	pl_epoch_key prev = {.key = sodium_malloc(PL_SEAL_EPOCH_KEY_SIZE)};
	bool chained = false;
	pl_keyring ring = {.keys = {F.k[2]}, .n = 1};
	assert_int_equal(pl_rekey_open(&ctx, obj, n, &ring, fp, got, &prev, &chained, NULL), PL_OK);
	assert_true(chained);
	assert_memory_equal(got, e2.key, PL_SEAL_EPOCH_KEY_SIZE);
	assert_int_equal(prev.epoch, e1.epoch);
	assert_memory_equal(prev.key, e1.key, PL_SEAL_EPOCH_KEY_SIZE);
	ring.keys[0] = F.k[3];
	assert_int_equal(pl_rekey_open(&ctx, obj, n, &ring, fp, got, &prev, &chained, NULL), PL_ENOKEY);
	/* another fingerprint than the key wrapped: the rekeyer's misbehaviour */
	ring.keys[0] = F.k[0];
	fp[0] ^= 1;
	assert_int_equal(pl_rekey_open(&ctx, obj, n, &ring, fp, got, &prev, &chained, NULL), PL_EVERIFY);
	fp[0] ^= 1;
	obj[n - 1] ^= 1; /* the chain's tag */
	assert_int_equal(pl_rekey_open(&ctx, obj, n, &ring, fp, got, &prev, &chained, NULL), PL_EVERIFY);
	free(obj);
	pl_stmt_release(&st);
	pl_envelope_release(&ev);
	sodium_free(got);
	sodium_free(prev.key);
	sodium_free(e1.key);
	sodium_free(e2.key);
	sodium_free(junk.key);
	replay_matches();
}

/* share: the content keys of earlier entries re-wrapped to an active member, sealed to it (and its author)
 * with their current keys, each entry in refs. */
static void test_share(void **state)
{
	(void)state;
	int64_t t = T0 + 10;
	static const int R10[] = {1, 0, -1}, R12[] = {1, 2, -1};
	assert_null(say(0, "concern", with_seal(amber_concern(), seal_to(0, "concern", R01)), t, NULL, 0));
	int64_t c[1] = {(int64_t)(F.n - 1)};
	json_t *ok = json_pack("{s:s,s:[I]}", "to", "p1", "entries", (json_int_t)c[0]);
	assert_string_equal(say(0, "share", with_seal(json_deep_copy(ok), seal_to(0, "share", R10)), t, NULL, 0),
			    "ref_missing");
	assert_string_equal(say(0, "share", with_seal(json_deep_copy(ok), seal_to(0, "share", R12)), t, c, 1),
			    "readers_mismatch");
	assert_string_equal(say(0, "share", with_seal(json_deep_copy(ok), seal_to(0, "share", R0)), t, c, 1),
			    "readers_mismatch");
	json_t *self = json_pack("{s:s,s:[I]}", "to", "p0", "entries", (json_int_t)c[0]);
	assert_string_equal(say(0, "share", with_seal(self, seal_to(0, "share", R10)), t, c, 1), "body_invalid");
	json_t *nobody = json_pack("{s:s,s:[I]}", "to", "p9", "entries", (json_int_t)c[0]);
	assert_string_equal(say(0, "share", with_seal(nobody, seal_to(0, "share", R10)), t, c, 1), "body_invalid");
	json_t *twice = json_pack("{s:s,s:[I,I]}", "to", "p1", "entries", (json_int_t)c[0], (json_int_t)c[0]);
	assert_string_equal(say(0, "share", with_seal(twice, seal_to(0, "share", R10)), t, c, 1), "body_invalid");
	pl_identity ids[2] = {F.k[0]->id, F.k[1]->id};
	memcpy(ids[1].box_pk, F.k[2]->id.box_pk, PL_X25519_PK_SIZE);
	assert_string_equal(say(0, "share", with_seal(json_deep_copy(ok), seal_ids(0, "share", ids, 2)), t, c, 1),
			    "reader_key_stale");
	assert_null(say(0, "share", with_seal(ok, seal_to(0, "share", R10)), t, c, 1));
	replay_matches();
}

/* The worst case of a members' rekey: 200 members with 64-byte names, chained: its statement fits an
 * entry (docs/confidentiality.md, section 6); a 201st member does not fit the header. */
static void test_rekey_worst_case(void **state)
{
	(void)state;
	pl_identity *ids = calloc(PL_SEAL_KEYS_READERS_MAX + 1, sizeof *ids);
	assert_non_null(ids);
	for (size_t i = 0; i <= PL_SEAL_KEYS_READERS_MAX; i++) {
		char name[PL_PARTY_MAX + 1];
		snprintf(name, sizeof name, "m%03zu.%s", i,
			 "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa");
		name[PL_PARTY_MAX] = '\0';
		snprintf(ids[i].party, sizeof ids[i].party, "%s", name);
		randombytes_buf(ids[i].box_pk, sizeof ids[i].box_pk);
		crypto_scalarmult_base(ids[i].box_pk, ids[i].box_pk); /* a valid X25519 public key */
	}
	uint8_t *key = sodium_malloc(PL_SEAL_EPOCH_KEY_SIZE), *prev = sodium_malloc(PL_SEAL_EPOCH_KEY_SIZE);
	assert_non_null(key);
	assert_non_null(prev);
	randombytes_buf(prev, PL_SEAL_EPOCH_KEY_SIZE);
	pl_epoch_key pk = {.epoch = 123456789, .key = prev};
	pl_seal_ctx ctx = {.origin = ORIGIN, .type = "members.rekey", .author = ids[0].party, .seq = 99999};
	pl_buf obj;
	pl_buf_init(&obj, PL_REKEY_OBJECT_MAX);
	assert_int_equal(pl_rekey_seal(&ctx, ids, PL_SEAL_KEYS_READERS_MAX + 1, &pk, key, &obj, NULL), PL_EINVAL);
	assert_int_equal(pl_rekey_seal(&ctx, ids, PL_SEAL_KEYS_READERS_MAX, &pk, key, &obj, NULL), PL_OK);
	assert_int_equal(obj.len, PL_REKEY_OBJECT_MAX);
	char *b64 = malloc(pl_b64_len(obj.len) + 1);
	assert_non_null(b64);
	pl_b64_encode(obj.data, obj.len, b64);
	json_t *body = json_pack("{s:I,s:s,s:s}", "after", (json_int_t)123456789012, "key", "00000000000000000000000000000000",
				 "sealed", b64);
	pl_ref ref = {.index = 123456789012};
	pl_buf env;
	pl_buf_init(&env, PL_DSSE_MAX);
	assert_int_equal(pl_statement_sign(F.k[0], ORIGIN, "members.rekey", 99999, T0, body, &ref, 1, &env), PL_OK);
	print_message("worst-case members.rekey: sealed object %zu B, envelope %zu B of %d\n", obj.len, env.len,
		      PL_DSSE_MAX);
	assert_true(env.len <= PL_DSSE_MAX);
	json_decref(body);
	free(b64);
	free(ids);
	pl_buf_release(&env);
	pl_buf_release(&obj);
	sodium_free(key);
	sodium_free(prev);
}

/* A group proposal body in clear: p0's, to the parties named, with the answers' deadline at due. */
static json_t *group_body(const char *tlp, const char *kind, int64_t due, const char *a, const char *b)
{
	char ts[PL_TIME_LEN + 1];
	pl_time_format(due, ts);
	json_t *inv = json_array();
	json_array_append_new(inv, json_string(a));
	if (b != NULL)
		json_array_append_new(inv, json_string(b));
	return json_pack("{s:s,s:s,s:o,s:s,s:s,s:s,s:s}", "tlp", tlp, "kind", kind, "invited", inv, "due", ts, "name",
			 "Working group on the energy sector", "mandate", "study every concern", "due_reason",
			 "before the ministers meet");
}

/* The public part of a sealed group proposal (its name, mandate and due_reason in the sealed body). */
static json_t *sealed_group_body(const char *kind, int64_t due, const char *a, const char *b)
{
	json_t *g = group_body("TLP:AMBER", kind, due, a, b);
	json_object_del(g, "name");
	json_object_del(g, "mandate");
	json_object_del(g, "due_reason");
	return g;
}

/* Standing groups (docs/groups.md): every rule refused with nothing applied, the states, the readers of a
 * sealed group's thread, and the replay to the same state. */
static void test_groups(void **state)
{
	(void)state;
	int64_t t = T0 + 1000, due = t + 14 * 86400;
	const pl_wf *w = &F.e.wf;
	/* the proposal's own rules */
	assert_string_equal(say(0, "group.propose", group_body("TLP:CLEAR", "bilateral", due, "p1", "p2"), t, NULL, 0),
			    "invited_count");
	assert_string_equal(say(0, "group.propose", group_body("TLP:CLEAR", "trilateral", due, "p1", NULL), t, NULL, 0),
			    "group_kind_unknown");
	assert_string_equal(say(0, "group.propose", group_body("TLP:CLEAR", "bilateral", t - 1, "p1", NULL), t, NULL, 0),
			    "date_past");
	json_t *g = group_body("TLP:CLEAR", "bilateral", due, "p1", NULL);
	json_object_del(g, "due_reason");
	assert_string_equal(say(0, "group.propose", g, t, NULL, 0), "due_reason_missing");
	g = group_body("TLP:CLEAR", "bilateral", due, "p1", NULL);
	json_object_del(g, "due");
	assert_string_equal(say(0, "group.propose", g, t, NULL, 0), "body_invalid");
	assert_string_equal(say(0, "group.propose", group_body("TLP:CLEAR", "bilateral", due, "p9", NULL), t, NULL, 0),
			    "unknown_party");
	assert_string_equal(say(0, "group.propose", group_body("TLP:CLEAR", "bilateral", due, "p0", NULL), t, NULL, 0),
			    "self_addressed");
	assert_int_equal(w->ngroups, 0);
	/* a bilateral group in clear, p0 to p1 */
	int64_t g1 = (int64_t)F.n, r1[1] = {g1};
	assert_null(say(0, "group.propose", group_body("TLP:CLEAR", "bilateral", due, "p1", NULL), t, NULL, 0));
	assert_int_equal(w->ngroups, 1);
	assert_int_equal(pl_wf_group_get(w, (uint64_t)g1)->state, PL_GROUP_PROPOSED);
	assert_string_equal(say(2, "group.answer", json_pack("{s:I,s:s}", "group", (json_int_t)g1, "answer", "accept"),
				t + 1, r1, 1),
			    "not_invited");
	assert_string_equal(say(1, "group.answer", json_pack("{s:I,s:s}", "group", (json_int_t)g1, "answer", "maybe"),
				t + 1, r1, 1),
			    "answer_unknown");
	assert_string_equal(say(1, "group.answer", json_pack("{s:I,s:s}", "group", (json_int_t)g1, "answer", "decline"),
				t + 1, r1, 1),
			    "reasons_missing");
	assert_string_equal(say(1, "group.answer", json_pack("{s:I,s:s}", "group", (json_int_t)g1, "answer", "accept"),
				t + 1, NULL, 0),
			    "ref_missing");
	assert_string_equal(say(1, "group.answer", json_pack("{s:I,s:s}", "group", (json_int_t)g1, "answer", "accept"),
				t - 1, r1, 1),
			    "dated_before_target");
	int64_t r0[1] = {0};
	assert_string_equal(say(1, "group.answer", json_pack("{s:I,s:s}", "group", 0, "answer", "accept"), t + 1, r0, 1),
			    "group_unknown");
	assert_null(say(1, "group.answer",
			json_pack("{s:I,s:s,s:[s]}", "group", (json_int_t)g1, "answer", "accept", "experts", "Dr. A. Expert"),
			t + 2, r1, 1));
	const pl_wf_group *gr = pl_wf_group_get(w, (uint64_t)g1);
	assert_int_equal(gr->state, PL_GROUP_ESTABLISHED);
	assert_int_equal(gr->established_idx, F.n - 1);
	assert_int_equal(pl_wf_invitee_of(w, gr, "p1")->answer, PL_ANSWER_ACCEPT);
	assert_string_equal(say(1, "group.answer",
				json_pack("{s:I,s:s,s:s}", "group", (json_int_t)g1, "answer", "decline", "reasons", "changed"),
				t + 3, r1, 1),
			    "already_answered");
	/* leaving and dissolving */
	assert_string_equal(say(1, "group.leave", json_pack("{s:I}", "group", (json_int_t)g1), t + 3, r1, 1),
			    "reasons_missing");
	assert_string_equal(say(2, "group.leave", json_pack("{s:I,s:s}", "group", (json_int_t)g1, "reasons", "r"), t + 3, r1, 1),
			    "not_group_member");
	assert_string_equal(say(0, "group.leave", json_pack("{s:I,s:s}", "group", (json_int_t)g1, "reasons", "r"), t + 3, r1, 1),
			    "not_group_member");
	assert_string_equal(say(1, "group.dissolve", json_pack("{s:I,s:s}", "group", (json_int_t)g1, "reasons", "r"), t + 3,
				r1, 1),
			    "not_convener");
	assert_null(say(1, "group.leave",
			json_pack("{s:I,s:s}", "group", (json_int_t)g1, "reasons", "the consultations were cancelled"), t + 4,
			r1, 1));
	gr = pl_wf_group_get(w, (uint64_t)g1);
	assert_int_equal(gr->state, PL_GROUP_DISSOLVED); /* bilateral: one leaving ends it */
	assert_int_equal(gr->ended_idx, F.n - 1);
	assert_string_equal(say(0, "group.dissolve", json_pack("{s:I,s:s}", "group", (json_int_t)g1, "reasons", "r"), t + 5,
				r1, 1),
			    "group_dissolved");

	/* a multilateral TLP:AMBER group, sealed to its proposer and the invited */
	int64_t g2 = (int64_t)F.n, r2[1] = {g2};
	assert_string_equal(say(0, "group.propose",
				with_seal(sealed_group_body("multilateral", due, "p1", "p2"), seal_to(0, "group.propose", R01)),
				t + 10, NULL, 0),
			    "readers_mismatch");
	json_t *in_clear = group_body("TLP:AMBER", "multilateral", due, "p1", "p2");
	json_object_set_new(in_clear, "sealed", json_string("AAAA"));
	assert_string_equal(say(0, "group.propose", in_clear, t + 10, NULL, 0), "sealing_required");
	F.e.sealing = true;
	assert_string_equal(say(0, "group.propose", group_body("TLP:AMBER", "multilateral", due, "p1", "p2"), t + 10, NULL, 0),
			    "sealing_required");
	assert_null(say(0, "group.propose",
			with_seal(sealed_group_body("multilateral", due, "p1", "p2"), seal_to(0, "group.propose", R012_)),
			t + 10, NULL, 0));
	/* its answers are sealed to the same readers; declining says why, under seal (a content rule) */
	assert_string_equal(say(1, "group.answer",
				json_pack("{s:I,s:s,s:s}", "group", (json_int_t)g2, "answer", "decline", "reasons", "in clear"),
				t + 11, r2, 1),
			    "sealing_required");
	assert_string_equal(say(1, "group.answer",
				with_seal(json_pack("{s:I,s:s}", "group", (json_int_t)g2, "answer", "decline"),
					  seal_to(1, "group.answer", R01)),
				t + 11, r2, 1),
			    "readers_mismatch");
	assert_null(say(1, "group.answer",
			with_seal(json_pack("{s:I,s:s}", "group", (json_int_t)g2, "answer", "decline"),
				  seal_to(1, "group.answer", R012_)),
			t + 11, r2, 1));
	assert_int_equal(pl_wf_group_get(w, (uint64_t)g2)->state, PL_GROUP_PROPOSED);
	assert_null(say(2, "group.answer",
			with_seal(json_pack("{s:I,s:s}", "group", (json_int_t)g2, "answer", "decline"),
				  seal_to(2, "group.answer", R012_)),
			t + 12, r2, 1));
	assert_int_equal(pl_wf_group_get(w, (uint64_t)g2)->state, PL_GROUP_DECLINED); /* every invited declined */
	/* p3, outside the thread, is no reader: a proposal sealed to it as well is refused */
	static const int R0123[] = {0, 1, 2, 3, -1};
	assert_string_equal(say(0, "group.propose",
				with_seal(sealed_group_body("multilateral", due, "p1", "p2"), seal_to(0, "group.propose", R0123)),
				t + 13, NULL, 0),
			    "readers_mismatch");
	/* a multilateral group stays when a member leaves; its proposer dissolves it */
	int64_t g3 = (int64_t)F.n, r3[1] = {g3};
	assert_null(say(0, "group.propose",
			with_seal(sealed_group_body("multilateral", due, "p1", "p2"), seal_to(0, "group.propose", R012_)),
			t + 20, NULL, 0));
	assert_null(say(2, "group.answer",
			with_seal(json_pack("{s:I,s:s}", "group", (json_int_t)g3, "answer", "accept"),
				  seal_to(2, "group.answer", R012_)),
			t + 21, r3, 1));
	assert_null(say(2, "group.leave", with_seal(json_pack("{s:I}", "group", (json_int_t)g3), seal_to(2, "group.leave", R012_)),
			t + 22, r3, 1));
	gr = pl_wf_group_get(w, (uint64_t)g3);
	assert_int_equal(gr->state, PL_GROUP_ESTABLISHED);
	assert_int_equal(pl_wf_invitee_of(w, gr, "p2")->left_idx, F.n - 1);
	assert_int_equal(pl_wf_invitee_of(w, gr, "p1")->answer_idx, PL_WF_NONE); /* silent so far */
	assert_string_equal(say(2, "group.leave",
				with_seal(json_pack("{s:I}", "group", (json_int_t)g3), seal_to(2, "group.leave", R012_)),
				t + 23, r3, 1),
			    "not_group_member");
	assert_null(say(0, "group.dissolve",
			with_seal(json_pack("{s:I}", "group", (json_int_t)g3), seal_to(0, "group.dissolve", R012_)), t + 24,
			r3, 1));
	assert_int_equal(pl_wf_group_get(w, (uint64_t)g3)->state, PL_GROUP_DISSOLVED);
	assert_string_equal(say(1, "group.answer",
				with_seal(json_pack("{s:I,s:s}", "group", (json_int_t)g3, "answer", "accept"),
					  seal_to(1, "group.answer", R012_)),
				t + 25, r3, 1),
			    "group_dissolved");
	assert_int_equal(w->ngroups, 3);
	replay_matches();
}

/* A session proposal in clear by p0 at t: to the participants named (a list ended by NULL), its window
 * [from, until), answers due at due. */
static json_t *session_body(const char *tlp, int64_t from, int64_t until, int64_t due, const char *const *who)
{
	char f[PL_TIME_LEN + 1], u[PL_TIME_LEN + 1], d[PL_TIME_LEN + 1];
	pl_time_format(from, f);
	pl_time_format(until, u);
	pl_time_format(due, d);
	json_t *ps = json_array();
	for (size_t i = 0; who[i] != NULL; i++)
		json_array_append_new(ps, json_string(who[i]));
	return json_pack("{s:s,s:o,s:{s:s,s:s},s:s,s:[s],s:s,s:s}", "tlp", tlp, "participants", ps, "window", "from", f,
			 "until", u, "due", d, "agenda", "the scans of the grid operator", "format", "virtual", "due_reason",
			 "before the window");
}

/* The public part of a sealed one. */
static json_t *sealed_session_body(int64_t from, int64_t until, int64_t due, const char *const *who)
{
	json_t *b = session_body("TLP:AMBER", from, until, due, who);
	json_object_del(b, "agenda");
	json_object_del(b, "format");
	json_object_del(b, "due_reason");
	return b;
}

static json_t *window_body(int64_t s, int64_t from, int64_t until, const char *reasons)
{
	char f[PL_TIME_LEN + 1], u[PL_TIME_LEN + 1];
	pl_time_format(from, f);
	pl_time_format(until, u);
	json_t *b = json_pack("{s:I,s:{s:s,s:s}}", "session", (json_int_t)s, "window", "from", f, "until", u);
	if (reasons != NULL)
		json_object_set_new(b, "reasons", json_string(reasons));
	return b;
}

static json_t *held_body(int64_t s, int64_t at)
{
	char a[PL_TIME_LEN + 1];
	pl_time_format(at, a);
	return json_pack("{s:I,s:s}", "session", (json_int_t)s, "held_at", a);
}

/* Consultation sessions, outcomes and endorsements (docs/groups.md): every rule refused with nothing
 * applied, the states, the readers of a sealed session, and the replay to the same state. */
static void test_sessions(void **state)
{
	(void)state;
	const pl_wf *w = &F.e.wf;
	int64_t t = T0 + 5000, day = 86400, from = t + day, until = t + 2 * day, due = t + day / 2;
	static const char *const P1[] = {"p1", NULL}, *const P12[] = {"p1", "p2", NULL}, *const P13[] = {"p1", "p3", NULL},
				  *const P9[] = {"p9", NULL};
	/* the proposal's own rules */
	assert_string_equal(say(0, "session.propose", session_body("TLP:CLEAR", until, from, due, P1), t, NULL, 0),
			    "window_invalid");
	assert_string_equal(say(0, "session.propose", session_body("TLP:CLEAR", from, from + 31 * day, due, P1), t, NULL, 0),
			    "window_invalid");
	assert_string_equal(say(0, "session.propose", session_body("TLP:CLEAR", t - 10, until, due, P1), t, NULL, 0),
			    "date_past");
	json_t *b = session_body("TLP:CLEAR", from, until, due, P1);
	json_object_set_new(b, "format", json_string("carrier pigeon"));
	assert_string_equal(say(0, "session.propose", b, t, NULL, 0), "format_unknown");
	b = session_body("TLP:CLEAR", from, until, due, P1);
	json_object_del(b, "agenda");
	assert_string_equal(say(0, "session.propose", b, t, NULL, 0), "body_invalid");
	assert_string_equal(say(0, "session.propose", session_body("TLP:CLEAR", from, until, due, P9), t, NULL, 0),
			    "unknown_party");
	int64_t r0[1] = {0};
	b = session_body("TLP:CLEAR", from, until, due, P1);
	json_object_set_new(b, "threads", json_pack("[i]", 0));
	assert_string_equal(say(0, "session.propose", b, t, r0, 1), "case_unknown");
	b = session_body("TLP:CLEAR", from, until, due, P1);
	json_object_set_new(b, "group", json_integer(0));
	assert_string_equal(say(0, "session.propose", b, t, r0, 1), "group_unknown");
	assert_int_equal(w->nsessions, 0);

	/* a session in clear, p0 with p1: answered, rescheduled, held, its minutes endorsed */
	int64_t s1 = (int64_t)F.n, r1[1] = {s1};
	assert_null(say(0, "session.propose", session_body("TLP:CLEAR", from, until, due, P1), t, NULL, 0));
	assert_string_equal(say(2, "session.answer", json_pack("{s:I,s:s}", "session", (json_int_t)s1, "answer", "accept"),
				t + 1, r1, 1),
			    "not_invited");
	assert_string_equal(say(1, "session.answer", json_pack("{s:I,s:s}", "session", 0, "answer", "accept"), t + 1, r0, 1),
			    "session_unknown");
	assert_string_equal(say(1, "session.answer", json_pack("{s:I,s:s}", "session", (json_int_t)s1, "answer", "decline"),
				t + 1, r1, 1),
			    "reasons_missing");
	assert_null(say(1, "session.answer", json_pack("{s:I,s:s}", "session", (json_int_t)s1, "answer", "accept"), t + 1,
			r1, 1));
	assert_int_equal(pl_wf_session_get(w, (uint64_t)s1)->state, PL_SESSION_ACCEPTED);
	assert_string_equal(say(1, "session.reschedule", window_body(s1, from + day, until + day, "later"), t + 2, r1, 1),
			    "not_convener");
	assert_string_equal(say(0, "session.reschedule", window_body(s1, from + day, until + day, NULL), t + 2, r1, 1),
			    "reasons_missing");
	assert_null(say(0, "session.reschedule", window_body(s1, from + day, until + day, "the minister is abroad"), t + 2,
			r1, 1));
	assert_int_equal(pl_wf_session_get(w, (uint64_t)s1)->from, from + day);
	assert_string_equal(say(1, "session.outcome",
				json_pack("{s:I,s:s,s:s}", "session", (json_int_t)s1, "kind", "minutes", "text", "m"), t + 3, r1, 1),
			    "session_not_held");
	assert_string_equal(say(0, "session.held", held_body(s1, from), from + day + 10, r1, 1), "held_outside_window");
	assert_string_equal(say(0, "session.held", held_body(s1, from + day + 20), from + day + 10, r1, 1),
			    "held_outside_window"); /* held after the statement saying so */
	assert_string_equal(say(1, "session.held", held_body(s1, from + day + 5), from + day + 10, r1, 1), "not_convener");
	assert_null(say(0, "session.held", held_body(s1, from + day + 5), from + day + 10, r1, 1));
	assert_int_equal(pl_wf_session_get(w, (uint64_t)s1)->state, PL_SESSION_HELD);
	assert_string_equal(say(1, "session.cancel", json_pack("{s:I,s:s}", "session", (json_int_t)s1, "reasons", "r"),
				from + day + 11, r1, 1),
			    "session_ended");
	int64_t tt = from + day + 100;
	assert_string_equal(say(2, "session.outcome",
				json_pack("{s:I,s:s,s:s}", "session", (json_int_t)s1, "kind", "minutes", "text", "m"), tt, r1, 1),
			    "not_session_participant");
	assert_string_equal(say(1, "session.outcome",
				json_pack("{s:I,s:s,s:s}", "session", (json_int_t)s1, "kind", "memo", "text", "m"), tt, r1, 1),
			    "kind_unknown");
	int64_t o1 = (int64_t)F.n, ro[1] = {o1};
	assert_null(say(1, "session.outcome",
			json_pack("{s:I,s:s,s:s}", "session", (json_int_t)s1, "kind", "joint_statement", "text",
				  "Both sides will exchange indicators monthly."),
			tt, r1, 1));
	assert_string_equal(say(2, "outcome.endorse", json_pack("{s:I,s:s}", "outcome", (json_int_t)o1, "position", "endorse"),
				tt + 1, ro, 1),
			    "not_session_participant");
	assert_string_equal(say(1, "outcome.endorse", json_pack("{s:I,s:s}", "outcome", (json_int_t)o1, "position", "dissent"),
				tt + 1, ro, 1),
			    "reasons_missing");
	assert_string_equal(say(1, "outcome.endorse", json_pack("{s:I,s:s}", "outcome", (json_int_t)o1, "position", "maybe"),
				tt + 1, ro, 1),
			    "position_unknown");
	assert_string_equal(say(1, "outcome.endorse", json_pack("{s:I,s:s}", "outcome", (json_int_t)s1, "position", "endorse"),
				tt + 1, r1, 1),
			    "session_outcome_unknown");
	assert_null(say(1, "outcome.endorse",
			json_pack("{s:I,s:s,s:s}", "outcome", (json_int_t)o1, "position", "dissent", "note", "monthly is too often"),
			tt + 1, ro, 1));
	assert_null(say(0, "outcome.endorse", json_pack("{s:I,s:s}", "outcome", (json_int_t)o1, "position", "endorse"),
			tt + 2, ro, 1));
	assert_int_equal(pl_wf_outcome_get(w, (uint64_t)o1)->agreed_idx, PL_WF_NONE); /* p1 dissents */
	assert_null(say(1, "outcome.endorse", json_pack("{s:I,s:s}", "outcome", (json_int_t)o1, "position", "endorse"),
			tt + 3, ro, 1));
	assert_int_equal(pl_wf_outcome_get(w, (uint64_t)o1)->agreed_idx, F.n - 1); /* every participant endorses */
	assert_string_equal(say(1, "outcome.endorse",
				json_pack("{s:I,s:s,s:s}", "outcome", (json_int_t)o1, "position", "dissent", "note", "no"),
				tt + 4, ro, 1),
			    "already_endorsed");

	/* a sealed session with a case on its agenda, cancelled by a participant citing it */
	int64_t cs = (int64_t)F.n, rc1[1] = {cs};
	assert_null(say(0, "concern",
			json_pack("{s:s,s:s,s:s,s:s,s:[s,s]}", "title", "scans", "class", "information-gathering", "tlp",
				  "TLP:CLEAR", "summary", "s", "recipients", "p1", "p2"),
			t + 10, NULL, 0));
	b = sealed_session_body(from, until, due, P13);
	json_object_set_new(b, "threads", json_pack("[I]", (json_int_t)cs));
	static const int R013[] = {0, 1, 3, -1};
	assert_string_equal(say(0, "session.propose", with_seal(b, seal_to(0, "session.propose", R013)), t + 11, rc1, 1),
			    "agenda_not_participant"); /* p3 is no party to the case */
	int64_t s2 = (int64_t)F.n, r2[2] = {s2, cs};
	b = sealed_session_body(from, until, due, P12);
	json_object_set_new(b, "threads", json_pack("[I]", (json_int_t)cs));
	assert_string_equal(say(0, "session.propose", with_seal(json_deep_copy(b), seal_to(0, "session.propose", R01)), t + 11,
				rc1, 1),
			    "readers_mismatch");
	assert_null(say(0, "session.propose", with_seal(b, seal_to(0, "session.propose", R012_)), t + 11, rc1, 1));
	assert_string_equal(say(2, "session.cancel",
				with_seal(json_pack("{s:I,s:I}", "session", (json_int_t)s2, "cites", (json_int_t)cs),
					  seal_to(2, "session.cancel", R01)),
				t + 12, r2, 2),
			    "readers_mismatch");
	assert_null(say(2, "session.cancel",
			with_seal(json_pack("{s:I,s:I}", "session", (json_int_t)s2, "cites", (json_int_t)cs),
				  seal_to(2, "session.cancel", R012_)),
			t + 12, r2, 2));
	const pl_wf_session *x = pl_wf_session_get(w, (uint64_t)s2);
	assert_int_equal(x->state, PL_SESSION_CANCELLED);
	assert_string_equal(pl_wf_party_name(w, x->cancelled_by), "p2");
	assert_int_equal(x->cites, (uint64_t)cs);
	assert_string_equal(say(0, "session.reschedule",
				with_seal(window_body(s2, from + day, until + day, NULL), seal_to(0, "session.reschedule", R012_)),
				t + 13, r2, 1),
			    "session_ended");

	/* a session in a group: its participants are the group's members */
	int64_t g = (int64_t)F.n, rg[1] = {g};
	assert_null(say(0, "group.propose", group_body("TLP:CLEAR", "multilateral", t + 30 * day, "p1", "p2"), t + 20, NULL, 0));
	assert_null(say(1, "group.answer", json_pack("{s:I,s:s}", "group", (json_int_t)g, "answer", "accept"), t + 21, rg, 1));
	b = session_body("TLP:CLEAR", from, until, due, P12);
	json_object_set_new(b, "group", json_integer((json_int_t)g));
	assert_string_equal(say(0, "session.propose", b, t + 22, rg, 1), "not_group_member"); /* p2 has not accepted */
	b = session_body("TLP:CLEAR", from, until, due, P1);
	json_object_set_new(b, "group", json_integer((json_int_t)g));
	assert_null(say(0, "session.propose", b, t + 22, rg, 1));
	assert_int_equal(w->sessions[w->nsessions - 1].group, (uint64_t)g);
	/* a concern raised in the group: its author and recipients are members */
	json_t *c = json_pack("{s:s,s:s,s:s,s:s,s:[s],s:I}", "title", "t", "class", "fraud", "tlp", "TLP:CLEAR", "summary",
			      "s", "recipients", "p2", "group", (json_int_t)g);
	assert_string_equal(say(0, "concern", c, t + 23, rg, 1), "not_group_member");
	c = json_pack("{s:s,s:s,s:s,s:s,s:[s],s:I}", "title", "t", "class", "fraud", "tlp", "TLP:CLEAR", "summary", "s",
		      "recipients", "p1", "group", (json_int_t)g);
	assert_string_equal(say(0, "concern", json_deep_copy(c), t + 23, NULL, 0), "ref_missing");
	assert_null(say(0, "concern", c, t + 23, rg, 1));
	assert_int_equal(w->nsessions, 3);
	assert_int_equal(w->noutcomes, 1);
	replay_matches();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_sealed_form, setup, teardown),
		cmocka_unit_test_setup_teardown(test_readers, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sealing_required, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rotated_key, setup, teardown),
		cmocka_unit_test_setup_teardown(test_green, setup, teardown),
		cmocka_unit_test_setup_teardown(test_share, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rekey_worst_case, setup, teardown),
		cmocka_unit_test_setup_teardown(test_groups, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sessions, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
