/*
 * fuzz_statement.c - a submission through every admission check: the DSSE
 * envelope, the payload, the membership and workflow rules
 * (pl_submission_parse, pl_engine_check).
 *
 * The fuzz log "fuzz.example/wg" (registry() below) holds a charter, a norm
 * set, a case, a request and a ping; its founders "fz.party" and "fz.other"
 * have keys derived from fixed seeds, and the corpus carries statements
 * really signed by them, answering what the log holds. Properties: every outcome is PL_OK
 * or a refusal with a code and an HTTP status in 400..503; parsing never
 * reads past the input; a refused submission leaves the registry unchanged.
 */
#include "fuzz_common.h"

#include "base/timefmt.h"
#include "statement/members.h"
#include "statement/sign.h"
#include "workflow/engine.h"
#include "workflow/norms.h"

#include <jansson.h>

#define ORIGIN "fuzz.example/wg"
#define REGISTRY 5 /* entries in the fuzz log */

/* Entries 0..REGISTRY-1 exist, each with the all-zero leaf hash; nothing else does. */
static int leaf(void *ctx, uint64_t index, pl_hash *out)
{
	(void)ctx;
	if (index >= REGISTRY)
		return PL_ERANGE;
	memset(out, 0, sizeof *out);
	return PL_OK;
}

static pl_party_key *key(const char *name, const char *seed_text, const char *box_text)
{
	uint8_t seed[PL_ED25519_SEED_SIZE], box[PL_X25519_SK_SIZE];
	pl_sha256(seed_text, strlen(seed_text), seed);
	pl_sha256(box_text, strlen(box_text), box);
	pl_party_key *k = NULL;
	FZ_CHECK(pl_party_key_from_seeds(name, seed, box, &k, NULL) == PL_OK);
	return k;
}

static json_t *identity(const pl_party_key *k)
{
	pl_buf id;
	pl_buf_init(&id, 4096);
	FZ_CHECK(pl_identity_format(&k->id, &id) == PL_OK);
	json_error_t je;
	json_t *v = json_loadb((const char *)id.data, id.len, 0, &je);
	pl_buf_release(&id);
	return v;
}

/* Admits one statement into m at index (refs carry the zero leaf). */
static void admit(pl_engine *m, const pl_party_key *k, const char *type, uint64_t seq, json_t *body, int64_t ref,
		  uint64_t index)
{
	pl_buf env;
	pl_buf_init(&env, 65535);
	pl_ref r = {.index = (uint64_t)ref};
	FZ_CHECK(pl_statement_sign(k, ORIGIN, type, seq, 1767225600, body, &r, ref >= 0, &env) == PL_OK);
	json_decref(body);
	pl_admission a;
	memset(&a, 0, sizeof a);
	a.skew = -1;
	a.leaf = leaf;
	pl_submission s;
	pl_refusal v;
	FZ_CHECK(pl_submission_parse(env.data, env.len, ORIGIN, &a, &s, &v) == PL_OK);
	FZ_CHECK(pl_engine_check(m, &a, &s, &v) == PL_OK);
	FZ_CHECK(pl_engine_apply(m, &s, index, NULL) == PL_OK);
	pl_submission_release(&s);
	pl_buf_release(&env);
}

/*
 * The fuzz log: 0 charter (founders fz.party and fz.other), 1 the UN GGE
 * norm set, 2 a concern from fz.party to fz.other invoking 13(c), 3 a request
 * in it to fz.other, 4 a ping to fz.other; all by fz.party (seq 1..5).
 */
static pl_engine *registry(void)
{
	static pl_engine m;
	static bool ready;
	if (ready)
		return &m;
	pl_party_key *k = key("fz.party", "fuzz party seed", "fuzz box seed");
	pl_party_key *o = key("fz.other", "fuzz other seed", "fuzz other box");
	pl_engine_init(&m, ORIGIN);
	admit(&m, k, "charter",
	      1, json_pack("{s:[o,o],s:{s:i},s:{s:i,s:i}}", "founders", identity(k), identity(o), "admission", "sponsors", 1,
			   "deadlines", "ack", 3600, "response", 86400),
	      -1, 0);
	json_t *norms = NULL;
	char hash[PL_NORM_HASH_HEX + 1];
	FZ_CHECK(pl_norm_set_load(pl_norms_un_gge_2015, pl_norms_un_gge_2015_len, &norms, hash, NULL) == PL_OK);
	admit(&m, k, "norms.publish", 2, norms, -1, 1);
	admit(&m, k, "concern", 3,
	      json_pack("{s:s,s:s,s:s,s:s,s:[s],s:{s:s,s:[s]}}", "title", "t", "class", "intrusions", "tlp", "TLP:AMBER",
			"summary", "s", "recipients", "fz.other", "norms", "set", hash, "ids", "13(c)"),
	      -1, 2);
	admit(&m, k, "request", 4,
	      json_pack("{s:i,s:s,s:[s],s:s}", "case", 2, "kind", "information", "to", "fz.other", "text", "?"), 2, 3);
	admit(&m, k, "ping", 5, json_pack("{s:[s]}", "to", "fz.other"), -1, 4);
	pl_party_key_free(k);
	pl_party_key_free(o);
	ready = true;
	return &m;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	pl_engine *e = registry();
	pl_members *m = &e->members;
	uint64_t seq_before = m->m[0].seq, other_before = m->m[1].seq;
	pl_admission a;
	memset(&a, 0, sizeof a);
	a.skew = -1;
	a.leaf = leaf;
	pl_submission s;
	pl_refusal v;
	memset(&v, 0, sizeof v);
	int rc = pl_submission_parse(data, size, m->origin, &a, &s, &v);
	if (rc == PL_OK) {
		pl_submission_preverify(m, &s);
		rc = pl_engine_check(e, &a, &s, &v);
	}
	if (rc != PL_OK) {
		/* a refusal names a code of the table; nothing else but out of memory */
		FZ_CHECK(rc == PL_EREFUSED || rc == PL_ENOMEM);
		if (rc == PL_EREFUSED)
			FZ_CHECK(v.code > PL_R_NONE && v.code < PL_R_COUNT && pl_refusal_name(v.code)[0] != '\0');
	}
	pl_submission_release(&s);
	/* admission never changes the state */
	FZ_CHECK(m->m[0].seq == seq_before && m->m[1].seq == other_before && m->size == REGISTRY &&
		 e->wf.ncases == 1 && e->wf.nrequests == 1 && e->wf.npings == 1 && e->wf.nsets == 1 &&
		 e->wf.requests[0].t[0].ack_idx == PL_WF_NONE && e->wf.pings[0].t[0].pong_idx == PL_WF_NONE);
	return 0;
}
