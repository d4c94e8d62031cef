/*
 * fuzz_statement.c - a submission through every admission check: the DSSE
 * envelope, the payload, the membership and workflow rules
 * (pl_submission_parse, pl_engine_check).
 *
 * The registry holds one chartered log, "fuzz.example/wg", whose founder
 * "fz.party" has the key derived from SHA-256("fuzz party seed"); the corpus
 * carries statements really signed by it. Properties: every outcome is PL_OK
 * or a refusal with a code and an HTTP status in 400..503; parsing never
 * reads past the input; a refused submission leaves the registry unchanged.
 */
#include "fuzz_common.h"

#include "base/timefmt.h"
#include "statement/members.h"
#include "statement/sign.h"
#include "workflow/engine.h"

#include <jansson.h>

static pl_engine *registry(void)
{
	static pl_engine m;
	static bool ready;
	if (ready)
		return &m;
	uint8_t seed[32], box[32];
	pl_sha256("fuzz party seed", 15, seed);
	pl_sha256("fuzz box seed", 13, box);
	pl_party_key *k = NULL;
	FZ_CHECK(pl_party_key_from_seeds("fz.party", seed, box, &k, NULL) == PL_OK);
	pl_buf id, env;
	pl_buf_init(&id, 4096);
	pl_buf_init(&env, 65535);
	FZ_CHECK(pl_identity_format(&k->id, &id) == PL_OK);
	json_error_t je;
	json_t *body = json_pack("{s:[o],s:{s:i},s:{s:i,s:i}}", "founders",
				 json_loadb((const char *)id.data, id.len, 0, &je), "admission", "sponsors", 1,
				 "deadlines", "ack", 3600, "response", 86400);
	FZ_CHECK(pl_statement_sign(k, "fuzz.example/wg", "charter", 1, 1767225600, body, NULL, 0, &env) == PL_OK);
	pl_engine_init(&m, "fuzz.example/wg");
	pl_admission a;
	memset(&a, 0, sizeof a);
	a.skew = -1;
	pl_submission s;
	pl_verdict v;
	FZ_CHECK(pl_submission_parse(env.data, env.len, m.members.origin, &a, &s, &v) == PL_OK);
	FZ_CHECK(pl_engine_check(&m, &a, &s, &v) == PL_OK);
	FZ_CHECK(pl_engine_apply(&m, &s, 0, NULL) == PL_OK);
	pl_submission_release(&s);
	json_decref(body);
	pl_buf_release(&id);
	pl_buf_release(&env);
	pl_party_key_free(k);
	ready = true;
	return &m;
}

/* Entry 0 exists with the all-zero leaf hash; nothing else does. */
static int leaf(void *ctx, uint64_t index, pl_hash *out)
{
	(void)ctx;
	if (index != 0)
		return PL_ERANGE;
	memset(out, 0, sizeof *out);
	return PL_OK;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	pl_engine *e = registry();
	pl_members *m = &e->members;
	uint64_t seq_before = m->m[0].seq;
	pl_admission a;
	memset(&a, 0, sizeof a);
	a.skew = -1;
	a.leaf = leaf;
	pl_submission s;
	pl_verdict v;
	memset(&v, 0, sizeof v);
	int rc = pl_submission_parse(data, size, m->origin, &a, &s, &v);
	if (rc == PL_OK) {
		pl_submission_preverify(m, &s);
		rc = pl_engine_check(e, &a, &s, &v);
	}
	if (rc != PL_OK) {
		FZ_CHECK(v.code != NULL && v.code[0] != '\0');
		FZ_CHECK(v.status >= 400 && v.status <= 503);
	}
	pl_submission_release(&s);
	/* admission never changes the state */
	FZ_CHECK(m->m[0].seq == seq_before && m->size == 1 && e->wf.ncases == 0 && e->wf.npings == 0);
	return 0;
}
