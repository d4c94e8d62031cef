/* test_statement.c - the statement layer: the DSSE known-answer vector, party
 * keys and identity files, payload parsing, membership rules. */
#include "testutil.h"

#include "base/binenc.h"
#include "base/codec.h"
#include "base/err.h"
#include "base/sha256.h"
#include "base/timefmt.h"
#include "statement/dsse.h"
#include "statement/members.h"
#include "statement/party.h"
#include "statement/sign.h"
#include "statement/statement.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static const char VECTOR_PAYLOAD[] = "{\"log\":\"example.org/cert-log\",\"type\":\"ping\",\"author\":\"cert.example-a\","
				     "\"seq\":1,\"time\":\"2026-01-01T00:00:00Z\",\"body\":{}}";

static void test_dsse_vector(void **state)
{
	(void)state;
	size_t n;
	char *text = (char *)tu_read_file(tu_vector("dsse.txt"), &n);
	char *pae_hex = strstr(text, "PAE (hex): ") + 11, *sig_b64 = strstr(text, "signature (base64): ") + 20;
	*strchr(pae_hex, '\n') = '\0';
	*strchr(sig_b64, '\n') = '\0';
	/* PAE of the vector's payload */
	pl_buf pae;
	pl_buf_init(&pae, 4096);
	assert_int_equal(pl_dsse_pae(PL_STATEMENT_TYPE, (const uint8_t *)VECTOR_PAYLOAD, strlen(VECTOR_PAYLOAD), &pae),
			 PL_OK);
	uint8_t want[1024];
	size_t wn = tu_hex(pae_hex, want, sizeof want);
	assert_int_equal(pae.len, wn);
	assert_memory_equal(pae.data, want, wn);
	/* our canonical payload builder writes exactly the vector's payload */
	int64_t t;
	assert_int_equal(pl_time_parse("2026-01-01T00:00:00Z", 20, &t), PL_OK);
	pl_buf payload;
	pl_buf_init(&payload, 4096);
	assert_int_equal(pl_stmt_build("example.org/cert-log", "ping", "cert.example-a", 1, t, NULL, NULL, 0, &payload),
			 PL_OK);
	assert_string_equal(pl_buf_cstr(&payload), VECTOR_PAYLOAD);
	/* the signature, from the seed, byte for byte */
	uint8_t seed[PL_ED25519_SEED_SIZE], zero[PL_X25519_SK_SIZE] = {0};
	pl_sha256("party seed", 10, seed);
	pl_party_key *k;
	assert_int_equal(pl_party_key_from_seeds("cert.example-a", seed, zero, &k, NULL), PL_OK);
	char pkhex[PL_ED25519_PK_HEX_LEN + 1];
	pl_hex_encode(k->id.sign_pk, PL_ED25519_PK_SIZE, pkhex);
	assert_string_equal(pkhex, "ca62909e9d1d1dab619f4a05d59e0518f8b1716be6c2223f1fdb9246a02afff6");
	pl_buf env;
	pl_buf_init(&env, 65535);
	assert_int_equal(pl_statement_sign(k, "example.org/cert-log", "ping", 1, t, NULL, NULL, 0, &env), PL_OK);
	pl_envelope e;
	assert_int_equal(pl_envelope_parse(env.data, env.len, &e, NULL), PL_OK);
	char got[PL_ED25519_SIG_B64_LEN + 1];
	pl_b64_encode(e.sigs[0].sig, PL_ED25519_SIG_SIZE, got);
	assert_string_equal(got, sig_b64);
	assert_int_equal(pl_envelope_verify(&e, k->id.sign_pk, NULL), PL_OK);
	e.payload[5] ^= 1;
	assert_int_equal(pl_envelope_verify(&e, k->id.sign_pk, NULL), PL_EVERIFY);
	pl_envelope_release(&e);
	pl_party_key_free(k);
	pl_buf_release(&env);
	pl_buf_release(&payload);
	pl_buf_release(&pae);
	free(text);
}

static void test_envelope_rejects(void **state)
{
	(void)state;
	const char *bad[] = {
		"", "[]", "{}", "null", "{\"payloadType\":\"t\",\"payload\":\"e30=\"}",
		"{\"payloadType\":\"t\",\"payload\":\"e30=\",\"signatures\":[]}",
		/* bad b64 */ "{\"payloadType\":\"t\",\"payload\":\"e30\",\"signatures\":[{\"sig\":\"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA==\"}]}",
		"{\"payloadType\":\"t\",\"payload\":\"e30=\",\"signatures\":[{\"sig\":\"AAAA\"}]}",
		"{\"payloadType\":\"t\",\"payload\":\"e30=\",\"signatures\":[{\"sig\":\"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA==\"}],\"x\":1}",
		"{\"payloadType\":\"t\",\"payloadType\":\"u\",\"payload\":\"e30=\",\"signatures\":[{\"sig\":\"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA==\"}]}",
		"{\"payloadType\":\"t\",\"payload\":\"e30=\",\"signatures\":[{\"sig\":\"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA==\",\"other\":1}]}",
	};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		pl_envelope e;
		if (pl_envelope_parse((const uint8_t *)bad[i], strlen(bad[i]), &e, NULL) == PL_OK) {
			pl_envelope_release(&e);
			fail_msg("accepted bad envelope #%zu", i);
		}
		pl_envelope_release(&e);
	}
}

static void test_keys_and_identities(void **state)
{
	(void)state;
	char *dir = tu_tmpdir(), path[512], idp[512];
	pl_party_key *k, *back;
	pl_diag d = {0};
	assert_int_equal(pl_party_key_generate("cert.test", &k, &d), PL_OK);
	assert_int_equal(pl_party_key_generate("Bad Name", &back, &d), PL_EINVAL);
	/* plain file */
	snprintf(path, sizeof path, "%s/plain.key", dir);
	assert_int_equal(pl_party_key_save(k, path, NULL, NULL), PL_OK);
	struct stat st;
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_false(pl_party_key_is_sealed(path));
	assert_int_equal(pl_party_key_load(path, NULL, &back, NULL), PL_OK);
	assert_memory_equal(&back->id, &k->id, sizeof k->id);
	pl_party_key_free(back);
	assert_int_equal(pl_party_key_save(k, path, NULL, NULL), PL_EEXIST); /* never overwrites */
	chmod(path, 0640);
	memset(&d, 0, sizeof d);
	assert_int_equal(pl_party_key_load(path, NULL, &back, &d), PL_EPERM);
	assert_non_null(strstr(d.msg, "chmod 600"));
	/* sealed file */
	snprintf(path, sizeof path, "%s/sealed.key", dir);
	assert_int_equal(pl_party_key_save(k, path, "correct horse", NULL), PL_OK);
	assert_true(pl_party_key_is_sealed(path));
	assert_int_equal(pl_party_key_load(path, NULL, &back, NULL), PL_ENOKEY);
	assert_int_equal(pl_party_key_load(path, "wrong", &back, NULL), PL_ENOKEY);
	assert_int_equal(pl_party_key_load(path, "correct horse", &back, NULL), PL_OK);
	assert_memory_equal(&back->id, &k->id, sizeof k->id);
	pl_party_key_free(back);
	/* identity documents: self-signed, checked */
	pl_buf b;
	pl_buf_init(&b, 4096);
	assert_int_equal(pl_identity_format(&k->id, &b), PL_OK);
	pl_identity id;
	assert_int_equal(pl_identity_parse(b.data, b.len, &id, NULL), PL_OK);
	assert_memory_equal(&id, &k->id, sizeof id);
	/* another party's name on the same keys is refused */
	pl_identity forged = k->id;
	strcpy(forged.party, "cert.other");
	assert_int_equal(pl_identity_check(&forged), PL_EVERIFY);
	snprintf(idp, sizeof idp, "%s/x", dir);
	pl_party_key_free(k);
	pl_buf_release(&b);
	tu_rmrf(dir);
}

static void test_payload_rules(void **state)
{
	(void)state;
	pl_stmt s;
	const char *good = "{\"log\":\"x.org/l\",\"type\":\"key.rotate\",\"author\":\"a-1.b\",\"seq\":9007199254740992,"
			   "\"time\":\"2024-02-29T23:59:59Z\",\"body\":{\"k\":[1,2]},"
			   "\"refs\":[{\"index\":3,\"leaf\":\"duZ9rbzfHhDht03cYIq9L5jfsW+851J3tSMqEn8gh+8=\"}]}";
	assert_int_equal(pl_stmt_parse((const uint8_t *)good, strlen(good), &s, NULL), PL_OK);
	assert_int_equal(s.nrefs, 1);
	assert_true(s.seq == 9007199254740992ull);
	pl_stmt_release(&s);
	const char *bad[] = {
		"{\"log\":\"x\",\"type\":\"ping\",\"author\":\"a\",\"seq\":1,\"time\":\"2024-02-30T00:00:00Z\",\"body\":{}}",
		"{\"log\":\"x\",\"type\":\"ping\",\"author\":\"a\",\"seq\":1,\"time\":\"2023-02-29T00:00:00Z\",\"body\":{}}",
		"{\"log\":\"x\",\"type\":\"ping\",\"author\":\"a\",\"seq\":1,\"time\":\"2024-01-01t00:00:00Z\",\"body\":{}}",
		"{\"log\":\"x\",\"type\":\"ping\",\"author\":\"a\",\"seq\":1,\"time\":\"2024-01-01T00:00:00.5Z\",\"body\":{}}",
		"{\"log\":\"x\",\"type\":\"ping\",\"author\":\"a\",\"seq\":1,\"time\":\"2024-01-01T00:00:00+00:00\",\"body\":{}}",
		"{\"log\":\"x\",\"type\":\"ping\",\"author\":\"a\",\"seq\":0,\"time\":\"2024-01-01T00:00:00Z\",\"body\":{}}",
		"{\"log\":\"x\",\"type\":\"ping\",\"author\":\"a\",\"seq\":1.0,\"time\":\"2024-01-01T00:00:00Z\",\"body\":{}}",
		"{\"log\":\"x\",\"type\":\"ping\",\"author\":\"a\",\"seq\":9007199254740993,\"time\":\"2024-01-01T00:00:00Z\",\"body\":{}}",
		"{\"log\":\"x\",\"type\":\"ping\",\"author\":\"A\",\"seq\":1,\"time\":\"2024-01-01T00:00:00Z\",\"body\":{}}",
		"{\"log\":\"x\",\"type\":\"Ping\",\"author\":\"a\",\"seq\":1,\"time\":\"2024-01-01T00:00:00Z\",\"body\":{}}",
		"{\"log\":\"x\",\"type\":\"ping\",\"author\":\"a\",\"seq\":1,\"time\":\"2024-01-01T00:00:00Z\",\"body\":[]}",
		"{\"log\":\"x\",\"type\":\"ping\",\"author\":\"a\",\"seq\":1,\"time\":\"2024-01-01T00:00:00Z\"}",
		"{\"log\":\"x\",\"type\":\"ping\",\"author\":\"a\",\"seq\":1,\"time\":\"2024-01-01T00:00:00Z\",\"body\":{},\"x\":1}",
		"{\"log\":\"x\",\"type\":\"ping\",\"author\":\"a\",\"seq\":1,\"time\":\"2024-01-01T00:00:00Z\",\"body\":{},\"refs\":[]}",
		"{\"log\":\"x\",\"type\":\"ping\",\"author\":\"a\",\"seq\":1,\"time\":\"2024-01-01T00:00:00Z\",\"body\":{},"
		"\"refs\":[{\"index\":1,\"leaf\":\"duZ9rbzfHhDht03cYIq9L5jfsW+851J3tSMqEn8gh+8=\"},"
		"{\"index\":1,\"leaf\":\"duZ9rbzfHhDht03cYIq9L5jfsW+851J3tSMqEn8gh+8=\"}]}",
		"{\"log\":\"\",\"type\":\"ping\",\"author\":\"a\",\"seq\":1,\"time\":\"2024-01-01T00:00:00Z\",\"body\":{}}",
	};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		if (pl_stmt_parse((const uint8_t *)bad[i], strlen(bad[i]), &s, NULL) == PL_OK)
			fail_msg("accepted bad payload #%zu", i);
		pl_stmt_release(&s);
	}
}

/* A registry driven through the membership rules, in memory. */
typedef struct world {
	pl_members m;
	pl_party_key *a, *b, *c;
	uint64_t seq_a, seq_b, seq_c;
	int64_t now;
} world;

/* Submits raw envelope bytes: parsed, checked, applied when admitted. */
static int admit_raw(world *w, const uint8_t *raw, size_t n, pl_refusal *v)
{
	pl_admission a;
	memset(&a, 0, sizeof a);
	a.now = w->now;
	a.skew = 300;
	pl_submission s;
	memset(v, 0, sizeof *v);
	int rc = pl_submission_parse(raw, n, "example.org/wg", &a, &s, v);
	if (rc == PL_OK)
		rc = pl_admission_check(&w->m, &a, &s, v);
	if (rc == PL_OK)
		assert_int_equal(pl_members_apply(&w->m, &s, w->m.size), PL_OK);
	pl_submission_release(&s);
	return rc;
}

/* Signs a statement by k (and k2, for a rotation) into env. */
static void sign_into(world *w, const pl_party_key *k, const pl_party_key *k2, const char *type, json_t *body,
		      uint64_t seq, pl_buf *env)
{
	int rc = k2 ? pl_statement_sign2(k, k2, "example.org/wg", type, seq, w->now, body, env)
		    : pl_statement_sign(k, "example.org/wg", type, seq, w->now, body, NULL, 0, env);
	assert_int_equal(rc, PL_OK);
	json_decref(body);
}

static int admit(world *w, pl_party_key *k, const pl_party_key *k2, const char *type, json_t *body, uint64_t seq,
		 pl_refusal *v)
{
	pl_buf env;
	pl_buf_init(&env, 65535);
	sign_into(w, k, k2, type, body, seq, &env);
	int rc = admit_raw(w, env.data, env.len, v);
	pl_buf_release(&env);
	return rc;
}

/* A statement every member may make (membership types only: no workflow layer here). */
static json_t *note(void)
{
	return json_pack("{s:{s:s}}", "contact", "note", "on duty");
}

static json_t *identity_json(const pl_identity *id)
{
	pl_buf b;
	pl_buf_init(&b, 4096);
	assert_int_equal(pl_identity_format(id, &b), PL_OK);
	json_error_t je;
	json_t *v = json_loadb((const char *)b.data, b.len, 0, &je);
	assert_non_null(v);
	pl_buf_release(&b);
	return v;
}

static json_t *identity_body(const pl_identity *id)
{
	return json_pack("{s:o}", "identity", identity_json(id));
}

static void test_membership_rules(void **state)
{
	(void)state;
	world w;
	memset(&w, 0, sizeof w);
	w.now = pl_now();
	pl_members_init(&w.m, "example.org/wg");
	assert_int_equal(pl_party_key_generate("cert.a", &w.a, NULL), PL_OK);
	assert_int_equal(pl_party_key_generate("cert.b", &w.b, NULL), PL_OK);
	assert_int_equal(pl_party_key_generate("cert.c", &w.c, NULL), PL_OK);
	pl_refusal v;
	/* nothing before the charter */
	assert_int_not_equal(admit(&w, w.a, NULL, "contact.update", note(), 1, &v), PL_OK);
	assert_string_equal(pl_refusal_name(v.code), "no_charter");
	/* a charter with founders a and b, two sponsors needed */
	pl_buf fb;
	pl_buf_init(&fb, 4096);
	json_error_t je;
	assert_int_equal(pl_identity_format(&w.a->id, &fb), PL_OK);
	json_t *fa = json_loadb((const char *)fb.data, fb.len, 0, &je);
	pl_buf_reset(&fb);
	assert_int_equal(pl_identity_format(&w.b->id, &fb), PL_OK);
	json_t *fbj = json_loadb((const char *)fb.data, fb.len, 0, &je);
	pl_buf_release(&fb);
	json_t *charter = json_pack("{s:s,s:[o,o],s:{s:i},s:{s:i,s:i}}", "name", "wg", "founders", fa, fbj,
				    "admission", "sponsors", 2, "deadlines", "ack", 3600, "response", 86400);
	assert_int_equal(admit(&w, w.c, NULL, "charter", json_incref(charter), 1, &v), PL_EREFUSED);
	assert_string_equal(pl_refusal_name(v.code), "unknown_author");
	assert_int_equal(admit(&w, w.a, NULL, "charter", json_incref(charter), 2, &v), PL_EREFUSED);
	assert_string_equal(pl_refusal_name(v.code), "seq_skipped");
	assert_int_equal(admit(&w, w.a, NULL, "charter", json_incref(charter), 1, &v), PL_OK);
	assert_int_equal(admit(&w, w.a, NULL, "charter", charter, 2, &v), PL_EREFUSED);
	assert_string_equal(pl_refusal_name(v.code), "not_allowed");
	/* founders can speak; seq rules */
	assert_int_equal(admit(&w, w.b, NULL, "contact.update", note(), 1, &v), PL_OK);
	assert_int_equal(admit(&w, w.b, NULL, "contact.update", note(), 1, &v), PL_EREFUSED);
	assert_string_equal(pl_refusal_name(v.code), "seq_replayed");
	assert_int_equal(admit(&w, w.b, NULL, "contact.update", note(), 3, &v), PL_EREFUSED);
	assert_string_equal(pl_refusal_name(v.code), "seq_skipped");
	/* c needs two sponsors */
	assert_int_equal(admit(&w, w.c, NULL, "contact.update", note(), 1, &v), PL_EREFUSED);
	assert_string_equal(pl_refusal_name(v.code), "unknown_author");
	assert_int_equal(admit(&w, w.a, NULL, "enroll", identity_body(&w.c->id), 2, &v), PL_OK);
	assert_int_equal(admit(&w, w.a, NULL, "enroll", identity_body(&w.c->id), 3, &v), PL_EREFUSED);
	assert_string_equal(pl_refusal_name(v.code), "already_sponsored");
	assert_null(pl_members_get(&w.m, "cert.c"));
	assert_int_equal(admit(&w, w.b, NULL, "enroll", identity_body(&w.c->id), 2, &v), PL_OK);
	assert_non_null(pl_members_get(&w.m, "cert.c"));
	assert_int_equal(admit(&w, w.c, NULL, "contact.update", note(), 1, &v), PL_OK);
	assert_int_equal(admit(&w, w.a, NULL, "enroll", identity_body(&w.c->id), 3, &v), PL_EREFUSED);
	assert_string_equal(pl_refusal_name(v.code), "already_member");
	/* rotation: old and new key must both sign */
	pl_party_key *c2;
	pl_diag d = {0};
	assert_int_equal(pl_party_key_generate("cert.c", &c2, &d), PL_OK);
	assert_int_equal(admit(&w, w.c, NULL, "key.rotate", identity_body(&c2->id), 2, &v), PL_EREFUSED);
	assert_string_equal(pl_refusal_name(v.code), "bad_signature");
	assert_int_equal(admit(&w, w.a, w.c, "key.rotate", identity_body(&c2->id), 3, &v), PL_EREFUSED);
	assert_string_equal(pl_refusal_name(v.code), "not_allowed");
	assert_int_equal(admit(&w, w.c, c2, "key.rotate", identity_body(&c2->id), 2, &v), PL_OK);
	uint64_t rotated_at = w.m.size - 1;
	assert_int_equal(admit(&w, w.c, NULL, "contact.update", note(), 3, &v), PL_EREFUSED); /* old key now */
	assert_string_equal(pl_refusal_name(v.code), "bad_signature");
	assert_int_equal(admit(&w, c2, NULL, "contact.update", note(), 3, &v), PL_OK);
	uint8_t pk[PL_ED25519_PK_SIZE];
	assert_int_equal(pl_members_key_at(&w.m, "cert.c", rotated_at, pk), PL_OK);
	assert_memory_equal(pk, w.c->id.sign_pk, PL_ED25519_PK_SIZE); /* the rotation is the old key's last word */
	assert_int_equal(pl_members_key_at(&w.m, "cert.c", rotated_at + 1, pk), PL_OK);
	assert_memory_equal(pk, c2->id.sign_pk, PL_ED25519_PK_SIZE);
	/* contact, then revocation */
	assert_int_equal(admit(&w, c2, NULL, "contact.update", json_pack("{s:{s:s}}", "contact", "email", "x@y"), 4, &v),
			 PL_OK);
	assert_string_equal(pl_members_get(&w.m, "cert.c")->contact, "{\"email\":\"x@y\"}");
	assert_int_equal(admit(&w, c2, NULL, "contact.update", json_pack("{s:{s:s}}", "contact", "fax", "1"), 5, &v),
			 PL_EREFUSED);
	assert_string_equal(pl_refusal_name(v.code), "body_invalid");
	assert_int_equal(admit(&w, c2, NULL, "key.revoke", json_object(), 5, &v), PL_OK);
	assert_int_equal(admit(&w, c2, NULL, "contact.update", note(), 6, &v), PL_EREFUSED);
	assert_string_equal(pl_refusal_name(v.code), "key_revoked");
	/* unknown types are refused without an upper layer */
	assert_int_equal(admit(&w, w.a, NULL, "concern", json_object(), 3, &v), PL_EREFUSED);
	assert_string_equal(pl_refusal_name(v.code), "type_unknown");
	pl_party_key_free(c2);
	pl_party_key_free(w.a);
	pl_party_key_free(w.b);
	pl_party_key_free(w.c);
	pl_members_release(&w.m);
}

/* A charter whose founders are the n keys ks, K sponsors. */
static json_t *charter_of(pl_party_key *const *ks, size_t n, int sponsors)
{
	json_t *founders = json_array();
	for (size_t i = 0; i < n; i++)
		json_array_append_new(founders, identity_json(&ks[i]->id));
	return json_pack("{s:s,s:o,s:{s:i},s:{s:i,s:i}}", "name", "wg", "founders", founders, "admission", "sponsors",
			 sponsors, "deadlines", "ack", 3600, "response", 86400);
}

/* An envelope written here, independently of dsse.c: the statement payload
 * type and payload, then n signatures (keyid, signature), compact. */
static void env_text(pl_buf *out, const char *payload, size_t plen, const char *const *keyids,
		     uint8_t (*sigs)[PL_ED25519_SIG_SIZE], size_t n)
{
	pl_buf_reset(out);
	char *b64 = malloc(pl_b64_len(plen) + 1);
	assert_non_null(b64);
	pl_b64_encode((const uint8_t *)payload, plen, b64);
	assert_int_equal(pl_buf_printf(out, "{\"payloadType\":\"%s\",\"payload\":\"%s\",\"signatures\":[",
				       PL_STATEMENT_TYPE, b64),
			 PL_OK);
	for (size_t i = 0; i < n; i++) {
		char sig[PL_ED25519_SIG_B64_LEN + 1];
		pl_b64_encode(sigs[i], PL_ED25519_SIG_SIZE, sig);
		assert_int_equal(pl_buf_printf(out, "%s{\"keyid\":\"%s\",\"sig\":\"%s\"}", i ? "," : "", keyids[i], sig),
				 PL_OK);
	}
	assert_int_equal(pl_buf_puts(out, "]}"), PL_OK);
	free(b64);
}

/* The PAE signature of payload by k. */
static void sign_pae(const pl_party_key *k, const char *payload, size_t plen, uint8_t sig[PL_ED25519_SIG_SIZE])
{
	pl_buf pae;
	pl_buf_init(&pae, 1 << 17);
	assert_int_equal(pl_dsse_pae(PL_STATEMENT_TYPE, (const uint8_t *)payload, plen, &pae), PL_OK);
	assert_int_equal(pl_party_sign(k, pae.data, pae.len, sig), PL_OK);
	pl_buf_release(&pae);
}

/* Refused with code, and the registry is as it was. */
static void refused(world *w, const pl_buf *env, const char *code)
{
	uint64_t size = w->m.size, seq = pl_members_get(&w->m, "cert.a")->seq;
	pl_refusal v;
	int rc = admit_raw(w, env->data, env->len, &v);
	if (rc != PL_EREFUSED || strcmp(pl_refusal_name(v.code), code) != 0)
		fail_msg("%.*s: got %d %s (%s), want %s", (int)(env->len > 200 ? 200 : env->len), (const char *)env->data,
			 rc, pl_refusal_name(v.code), v.msg, code);
	assert_int_equal(w->m.size, size);
	assert_int_equal(pl_members_get(&w->m, "cert.a")->seq, seq);
}

/* The envelope is exactly what its type needs, in its one form: each
 * signature verifies, keyids are the keys', nothing unsigned rides along. */
static void test_envelope_strict(void **state)
{
	(void)state;
	world w;
	memset(&w, 0, sizeof w);
	w.now = pl_now();
	pl_members_init(&w.m, "example.org/wg");
	assert_int_equal(pl_party_key_generate("cert.a", &w.a, NULL), PL_OK);
	assert_int_equal(pl_party_key_generate("cert.b", &w.b, NULL), PL_OK);
	pl_party_key *founders[2] = {w.a, w.b};
	pl_refusal v;
	assert_int_equal(admit(&w, w.a, NULL, "charter", charter_of(founders, 2, 1), 1, &v), PL_OK);
	pl_buf payload, env;
	pl_buf_init(&payload, 65535);
	pl_buf_init(&env, 1 << 17);
	json_t *body = note();
	assert_int_equal(pl_stmt_build("example.org/wg", "contact.update", "cert.a", 2, w.now, body, NULL, 0, &payload),
			 PL_OK);
	json_decref(body);
	const char *p = (const char *)payload.data;
	size_t pn = payload.len;
	char ka[PL_DSSE_KEYID_LEN + 1], kb[PL_DSSE_KEYID_LEN + 1];
	pl_dsse_keyid(w.a->id.sign_pk, ka);
	pl_dsse_keyid(w.b->id.sign_pk, kb);
	uint8_t sigs[2][PL_ED25519_SIG_SIZE];
	sign_pae(w.a, p, pn, sigs[0]);
	const char *ids[2] = {ka, kb};
	/* the independent writer and pl_dsse_sign agree byte for byte */
	env_text(&env, p, pn, ids, sigs, 1);
	pl_buf mine;
	pl_buf_init(&mine, 65535);
	const uint8_t *sks[1] = {w.a->secret};
	assert_int_equal(pl_dsse_sign(PL_STATEMENT_TYPE, payload.data, payload.len, sks,
				      (const uint8_t(*)[PL_ED25519_PK_SIZE])w.a->id.sign_pk, 1, &mine),
			 PL_OK);
	assert_int_equal(mine.len, env.len);
	assert_memory_equal(mine.data, env.data, env.len);
	pl_buf_release(&mine);

	/* (a) a second signature: random bytes, another member's real one, the author's twice */
	randombytes_buf(sigs[1], PL_ED25519_SIG_SIZE);
	env_text(&env, p, pn, ids, sigs, 2);
	refused(&w, &env, "bad_signature");
	sign_pae(w.b, p, pn, sigs[1]);
	env_text(&env, p, pn, ids, sigs, 2);
	refused(&w, &env, "bad_signature");
	memcpy(sigs[1], sigs[0], PL_ED25519_SIG_SIZE);
	ids[1] = ka;
	env_text(&env, p, pn, ids, sigs, 2);
	refused(&w, &env, "bad_signature");
	/* the author's signature second, another's first */
	sign_pae(w.b, p, pn, sigs[0]);
	sign_pae(w.a, p, pn, sigs[1]);
	ids[0] = kb;
	env_text(&env, p, pn, ids, sigs, 2);
	refused(&w, &env, "bad_signature");
	/* (b) keyids: not hex, upper case, short, long, empty; a well-formed one naming another key */
	sign_pae(w.a, p, pn, sigs[0]);
	static const char *const bad_ids[] = {"zzzzzzzzzzzzzzzz", "", "0123456789abcde", "0123456789abcdef0"};
	for (size_t i = 0; i < sizeof bad_ids / sizeof *bad_ids; i++) {
		ids[0] = bad_ids[i];
		env_text(&env, p, pn, ids, sigs, 1);
		refused(&w, &env, "envelope_malformed");
	}
	char upper[PL_DSSE_KEYID_LEN + 1];
	for (size_t i = 0; i < sizeof upper; i++)
		upper[i] = (char)(ka[i] >= 'a' && ka[i] <= 'f' ? ka[i] - 'a' + 'A' : ka[i]);
	ids[0] = upper;
	env_text(&env, p, pn, ids, sigs, 1);
	if (strcmp(upper, ka) != 0) /* a keyid of digits only has no upper case */
		refused(&w, &env, "envelope_malformed");
	ids[0] = kb;
	env_text(&env, p, pn, ids, sigs, 1);
	refused(&w, &env, "bad_signature");
	/* (c) one form: no whitespace, padding, reordering, escapes, missing keyid */
	ids[0] = ka;
	env_text(&env, p, pn, ids, sigs, 1);
	pl_buf good;
	pl_buf_init(&good, 1 << 17);
	assert_int_equal(pl_buf_append(&good, env.data, env.len), PL_OK);
	const char *text = pl_buf_cstr(&good);
	char *sigpos = strstr(text, "{\"keyid\"");
	assert_non_null(sigpos);
	size_t at_sig = (size_t)(sigpos - text);
	struct { const char *what; size_t at; size_t cut; const char *insert; const char *why; } edits[] = {
		{"a space after the first colon", 15, 0, " ", "canonical form"},
		{"a final newline", good.len, 0, "\n", "canonical form"},
		{"a leading space", 0, 0, " ", "canonical form"},
		{"30 KB of spaces", good.len - 1, 0, NULL, "canonical form"},
		{"an unknown field", good.len - 1, 0, ",\"x\":1", "unknown field"},
		{"an escaped slash", 0, 0, NULL, "canonical form"},
		{"a keyless signature", at_sig + 1, 27, "", "\"keyid\""},
	};
	for (size_t i = 0; i < sizeof edits / sizeof *edits; i++) {
		pl_buf_reset(&env);
		if (i == 3) {
			assert_int_equal(pl_buf_append(&env, good.data, good.len - 1), PL_OK);
			for (int k = 0; k < 30000; k++)
				assert_int_equal(pl_buf_putc(&env, ' '), PL_OK);
			assert_int_equal(pl_buf_putc(&env, '}'), PL_OK);
		} else if (i == 5) {
			/* "application\/vnd..." is the same JSON string, written otherwise */
			const char *slash = strchr(text, '/');
			assert_int_equal(pl_buf_append(&env, text, (size_t)(slash - text)), PL_OK);
			assert_int_equal(pl_buf_puts(&env, "\\"), PL_OK);
			assert_int_equal(pl_buf_puts(&env, slash), PL_OK);
		} else {
			assert_int_equal(pl_buf_append(&env, text, edits[i].at), PL_OK);
			assert_int_equal(pl_buf_puts(&env, edits[i].insert), PL_OK);
			assert_int_equal(pl_buf_puts(&env, text + edits[i].at + edits[i].cut), PL_OK);
		}
		pl_envelope e;
		pl_diag d = {0};
		if (pl_envelope_parse(env.data, env.len, &e, &d) == PL_OK)
			fail_msg("%s: accepted", edits[i].what);
		if (strstr(d.msg, edits[i].why) == NULL)
			fail_msg("%s: refused for another reason: %s", edits[i].what, d.msg);
		pl_envelope_release(&e);
		refused(&w, &env, "envelope_malformed");
	}
	/* fields in another order: the same JSON object, not the same bytes */
	pl_buf_reset(&env);
	json_error_t je;
	json_t *o = json_loadb((const char *)good.data, good.len, 0, &je);
	char *sorted = json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS);
	assert_int_equal(pl_buf_puts(&env, sorted), PL_OK);
	assert_true(env.len == good.len && memcmp(env.data, good.data, good.len) != 0);
	refused(&w, &env, "envelope_malformed");
	free(sorted);
	json_decref(o);
	/* and the one form is admitted */
	assert_int_equal(admit_raw(&w, good.data, good.len, &v), PL_OK);

	/* a rotation: exactly the old key's then the new key's signature */
	pl_party_key *a2;
	assert_int_equal(pl_party_key_generate("cert.a", &a2, NULL), PL_OK);
	pl_buf_reset(&payload);
	body = identity_body(&a2->id);
	assert_int_equal(pl_stmt_build("example.org/wg", "key.rotate", "cert.a", 3, w.now, body, NULL, 0, &payload),
			 PL_OK);
	json_decref(body);
	p = (const char *)payload.data;
	pn = payload.len;
	char ka2[PL_DSSE_KEYID_LEN + 1];
	pl_dsse_keyid(a2->id.sign_pk, ka2);
	sign_pae(w.a, p, pn, sigs[0]);
	sign_pae(a2, p, pn, sigs[1]);
	const char *rot_ids[2] = {ka2, ka};
	uint8_t swapped[2][PL_ED25519_SIG_SIZE];
	memcpy(swapped[0], sigs[1], PL_ED25519_SIG_SIZE);
	memcpy(swapped[1], sigs[0], PL_ED25519_SIG_SIZE);
	env_text(&env, p, pn, rot_ids, swapped, 2); /* new key first */
	refused(&w, &env, "bad_signature");
	rot_ids[0] = ka;
	rot_ids[1] = ka2;
	uint8_t junk[2][PL_ED25519_SIG_SIZE];
	memcpy(junk[0], sigs[0], PL_ED25519_SIG_SIZE);
	randombytes_buf(junk[1], PL_ED25519_SIG_SIZE);
	env_text(&env, p, pn, rot_ids, junk, 2); /* the new key's is noise */
	refused(&w, &env, "bad_signature");
	env_text(&env, p, pn, rot_ids, sigs, 1); /* the old key's alone */
	refused(&w, &env, "bad_signature");
	env_text(&env, p, pn, rot_ids, sigs, 2);
	assert_int_equal(admit_raw(&w, env.data, env.len, &v), PL_OK);
	assert_memory_equal(pl_members_get(&w.m, "cert.a")->id.sign_pk, a2->id.sign_pk, PL_ED25519_PK_SIZE);

	pl_buf_release(&good);
	pl_buf_release(&env);
	pl_buf_release(&payload);
	pl_party_key_free(a2);
	pl_party_key_free(w.a);
	pl_party_key_free(w.b);
	pl_members_release(&w.m);
}

/* An identity of party on the keys sign (its secret in signer) and box, its
 * proof made by signer: whoever holds a key can name any party with it. */
static pl_identity identity_on(const char *party, const pl_party_key *signer, const uint8_t box[PL_X25519_PK_SIZE])
{
	pl_identity id;
	memset(&id, 0, sizeof id);
	snprintf(id.party, sizeof id.party, "%s", party);
	memcpy(id.sign_pk, signer->id.sign_pk, PL_ED25519_PK_SIZE);
	memcpy(id.box_pk, box, PL_X25519_PK_SIZE);
	char sb[PL_ED25519_PK_B64_LEN + 1], bb[PL_X25519_PK_B64_LEN + 1], msg[512];
	pl_b64_encode(id.sign_pk, PL_ED25519_PK_SIZE, sb);
	pl_b64_encode(id.box_pk, PL_X25519_PK_SIZE, bb);
	int n = snprintf(msg, sizeof msg, "parley identity v1\n%s\n%s\n%s\n", party, sb, bb);
	assert_int_equal(pl_party_sign(signer, (const uint8_t *)msg, (size_t)n, id.proof), PL_OK);
	assert_int_equal(pl_identity_check(&id), PL_OK);
	return id;
}

/* Like admit, also checking that a refusal left the registry as it was. */
static void admit_refused(world *w, pl_party_key *k, const pl_party_key *k2, const char *type, json_t *body,
			  uint64_t seq, const char *code)
{
	pl_buf before;
	pl_buf_init(&before, 1 << 20);
	assert_int_equal(pl_members_save(&w->m, &before), PL_OK);
	pl_refusal v;
	assert_int_equal(admit(w, k, k2, type, body, seq, &v), PL_EREFUSED);
	if (strcmp(pl_refusal_name(v.code), code) != 0)
		fail_msg("%s: got %s (%s), want %s", type, pl_refusal_name(v.code), v.msg, code);
	pl_buf after;
	pl_buf_init(&after, 1 << 20);
	assert_int_equal(pl_members_save(&w->m, &after), PL_OK);
	assert_int_equal(after.len, before.len);
	assert_memory_equal(after.data, before.data, before.len);
	pl_buf_release(&before);
	pl_buf_release(&after);
}

/* A revoked key never signs again, under any name; a revoked party comes
 * back only with keys nobody held, sponsored like a new party. */
static void test_revoked_key_never_returns(void **state)
{
	(void)state;
	world w;
	memset(&w, 0, sizeof w);
	w.now = pl_now();
	pl_members_init(&w.m, "example.org/wg");
	assert_int_equal(pl_party_key_generate("cert.a", &w.a, NULL), PL_OK);
	assert_int_equal(pl_party_key_generate("cert.b", &w.b, NULL), PL_OK);
	assert_int_equal(pl_party_key_generate("cert.c", &w.c, NULL), PL_OK);
	pl_party_key *founders[3] = {w.a, w.b, w.c};
	pl_refusal v;
	assert_int_equal(admit(&w, w.a, NULL, "charter", charter_of(founders, 3, 2), 1, &v), PL_OK);
	uint64_t sa = 1, sb = 0;
	assert_int_equal(admit(&w, w.c, NULL, "key.revoke", json_pack("{s:s}", "reason", "stolen"), 1, &v), PL_OK);
	uint64_t revoked_at = w.m.size - 1;
	/* its identity as it was, sponsored by two members: each enroll is refused */
	admit_refused(&w, w.a, NULL, "enroll", identity_body(&w.c->id), sa + 1, "key_reused");
	admit_refused(&w, w.b, NULL, "enroll", identity_body(&w.c->id), sb + 1, "key_reused");
	assert_false(pl_members_get(&w.m, "cert.c")->active);
	/* the revoked key under another name; a new signing key beside the revoked encryption key */
	pl_identity renamed = identity_on("cert.d", w.c, w.c->id.box_pk);
	admit_refused(&w, w.a, NULL, "enroll", identity_body(&renamed), sa + 1, "key_reused");
	pl_party_key *fresh;
	assert_int_equal(pl_party_key_generate("cert.c", &fresh, NULL), PL_OK);
	pl_identity half = identity_on("cert.c", fresh, w.c->id.box_pk);
	admit_refused(&w, w.a, NULL, "enroll", identity_body(&half), sa + 1, "key_reused");
	/* an active member's key is its own: no other party takes it */
	pl_identity twin = identity_on("cert.e", w.b, fresh->id.box_pk);
	admit_refused(&w, w.a, NULL, "enroll", identity_body(&twin), sa + 1, "key_reused");
	/* back with new keys, and the charter's two sponsors */
	assert_int_equal(admit(&w, w.a, NULL, "enroll", identity_body(&fresh->id), ++sa, &v), PL_OK);
	assert_false(pl_members_get(&w.m, "cert.c")->active);
	assert_int_equal(admit(&w, w.b, NULL, "enroll", identity_body(&fresh->id), ++sb, &v), PL_OK);
	const pl_member *c = pl_members_get(&w.m, "cert.c");
	assert_true(c->active);
	assert_int_equal(c->nkeys, 2);
	assert_int_equal(c->keys[0].until, revoked_at);
	/* the old key stays refused; the new one signs */
	admit_refused(&w, w.c, NULL, "contact.update", note(), 2, "bad_signature");
	assert_int_equal(admit(&w, fresh, NULL, "contact.update", note(), 2, &v), PL_OK);
	uint8_t pk[PL_ED25519_PK_SIZE];
	assert_int_equal(pl_members_key_at(&w.m, "cert.c", revoked_at, pk), PL_OK);
	assert_memory_equal(pk, w.c->id.sign_pk, PL_ED25519_PK_SIZE); /* what it signed then still verifies */
	/* a rotation back to the revoked keys, or to another member's encryption key, is refused */
	pl_identity back = identity_on("cert.c", w.c, w.c->id.box_pk);
	admit_refused(&w, fresh, w.c, "key.rotate", identity_body(&back), 3, "key_reused");
	pl_party_key *c3, *c4;
	assert_int_equal(pl_party_key_generate("cert.c", &c3, NULL), PL_OK);
	assert_int_equal(pl_party_key_generate("cert.c", &c4, NULL), PL_OK);
	pl_identity stolen_box = identity_on("cert.c", c3, w.a->id.box_pk);
	admit_refused(&w, fresh, c3, "key.rotate", identity_body(&stolen_box), 3, "key_reused");
	/* keeping its own current encryption key across rotations is fine */
	pl_identity keep3 = identity_on("cert.c", c3, fresh->id.box_pk);
	assert_int_equal(admit(&w, fresh, c3, "key.rotate", identity_body(&keep3), 3, &v), PL_OK);
	pl_identity keep4 = identity_on("cert.c", c4, fresh->id.box_pk);
	assert_int_equal(admit(&w, c3, c4, "key.rotate", identity_body(&keep4), 4, &v), PL_OK);
	/* but a signing key it rotated away from does not come back */
	pl_identity again = identity_on("cert.c", c3, fresh->id.box_pk);
	admit_refused(&w, c4, c3, "key.rotate", identity_body(&again), 5, "key_reused");
	/* founders share no key */
	pl_members_release(&w.m);
	pl_members_init(&w.m, "example.org/wg");
	pl_party_key *dup;
	assert_int_equal(pl_party_key_generate("cert.b", &dup, NULL), PL_OK);
	pl_identity b_on_a = identity_on("cert.b", dup, w.a->id.box_pk);
	json_t *fs = json_pack("[o,o]", identity_json(&w.a->id), identity_json(&b_on_a));
	json_t *charter = json_pack("{s:o,s:{s:i},s:{s:i,s:i}}", "founders", fs, "admission", "sponsors", 1, "deadlines",
				    "ack", 3600, "response", 86400);
	assert_int_equal(admit(&w, w.a, NULL, "charter", charter, 1, &v), PL_EREFUSED);
	assert_string_equal(pl_refusal_name(v.code), "key_reused");
	assert_false(w.m.chartered);
	pl_party_key_free(dup);
	pl_party_key_free(c3);
	pl_party_key_free(c4);
	pl_party_key_free(fresh);
	pl_party_key_free(w.a);
	pl_party_key_free(w.b);
	pl_party_key_free(w.c);
	pl_members_release(&w.m);
}

/* Look-alike party names: one skeleton, and an enrolment rule on it. */
static void test_confusable_names(void **state)
{
	(void)state;
	static const char *const same[][2] = {
		{"cert-a", "cert.a"}, {"cert.a", "certa"}, {"cert.a", "CERT.A"}, {"cert_a", "cert.a"},
		{"cert.b1", "cert.bl"}, {"cert.bi", "cert.b1"}, {"c0rp", "corp"}, {"s5", "ss"}, {"z2", "zz"},
		{"corn", "com"}, {"vvest", "west"}, {"r-n", "m"}, {"cert.o0", "cert.oo"},
	};
	for (size_t i = 0; i < sizeof same / sizeof *same; i++)
		if (!pl_party_confusable(same[i][0], same[i][1]) || !pl_party_confusable(same[i][1], same[i][0]))
			fail_msg("%s and %s should be confusable", same[i][0], same[i][1]);
	static const char *const apart[][2] = {
		{"cert.a", "cert.b"}, {"cert.a", "cert.a"}, {"cert.ab", "cert.ba"}, {"cert.a", "cert.aa"},
		{"cert.u", "cert.v"}, {"rm", "m"}, {"cert.8", "cert.b"},
	};
	for (size_t i = 0; i < sizeof apart / sizeof *apart; i++)
		if (pl_party_confusable(apart[i][0], apart[i][1]))
			fail_msg("%s and %s should not be confusable", apart[i][0], apart[i][1]);
	char sk[PL_PARTY_MAX + 1];
	pl_party_skeleton("Cert.Example-1i0rn", sk);
	assert_string_equal(sk, "certexamplellom");
	/* case variants and Unicode homoglyphs are not party names in the first place */
	assert_false(pl_party_name_valid("Cert.a", 6));
	assert_false(pl_party_name_valid("cert.\xd0\xb0", 7)); /* Cyrillic a */
	assert_false(pl_party_name_valid("cert_a", 6));

	/* the rule: one sponsor (the default) cannot enrol a look-alike of a member */
	world w;
	memset(&w, 0, sizeof w);
	w.now = pl_now();
	pl_members_init(&w.m, "example.org/wg");
	assert_int_equal(pl_party_key_generate("cert.a", &w.a, NULL), PL_OK);
	assert_int_equal(pl_party_key_generate("cert.b1", &w.b, NULL), PL_OK);
	pl_party_key *founders[2] = {w.a, w.b};
	pl_refusal v;
	assert_int_equal(admit(&w, w.a, NULL, "charter", charter_of(founders, 2, 1), 1, &v), PL_OK);
	uint64_t seq = 1;
	static const char *const looks[] = {"cert-a", "certa", "cert.bl", "cert.bi", "cert-b1"};
	for (size_t i = 0; i < sizeof looks / sizeof *looks; i++) {
		pl_party_key *k;
		assert_int_equal(pl_party_key_generate(looks[i], &k, NULL), PL_OK);
		admit_refused(&w, w.a, NULL, "enroll", identity_body(&k->id), seq + 1, "name_confusable");
		pl_party_key_free(k);
	}
	/* a name of its own is enrolled; its look-alikes then are refused too, revoked or not */
	assert_int_equal(pl_party_key_generate("cert.c", &w.c, NULL), PL_OK);
	assert_int_equal(admit(&w, w.a, NULL, "enroll", identity_body(&w.c->id), ++seq, &v), PL_OK);
	assert_int_equal(admit(&w, w.c, NULL, "key.revoke", json_object(), 1, &v), PL_OK);
	pl_party_key *look, *again;
	assert_int_equal(pl_party_key_generate("cert-c", &look, NULL), PL_OK);
	admit_refused(&w, w.a, NULL, "enroll", identity_body(&look->id), seq + 1, "name_confusable");
	/* the same name is the same party: a revoked one comes back under it */
	assert_int_equal(pl_party_key_generate("cert.c", &again, NULL), PL_OK);
	assert_int_equal(admit(&w, w.a, NULL, "enroll", identity_body(&again->id), ++seq, &v), PL_OK);
	assert_true(pl_members_get(&w.m, "cert.c")->active);
	/* founders with confusable names */
	pl_members_release(&w.m);
	pl_members_init(&w.m, "example.org/wg");
	pl_party_key *dash;
	assert_int_equal(pl_party_key_generate("cert-a", &dash, NULL), PL_OK);
	pl_party_key *lookalikes[2] = {w.a, dash};
	assert_int_equal(admit(&w, w.a, NULL, "charter", charter_of(lookalikes, 2, 1), 1, &v), PL_EREFUSED);
	assert_string_equal(pl_refusal_name(v.code), "name_confusable");
	assert_false(w.m.chartered);
	pl_party_key_free(dash);
	pl_party_key_free(look);
	pl_party_key_free(again);
	pl_party_key_free(w.a);
	pl_party_key_free(w.b);
	pl_party_key_free(w.c);
	pl_members_release(&w.m);
}

/* 40 rotations: the registry keeps every key, and every statement still
 * verifies under the key its author held when it was admitted, also after the
 * registry went through its saved state. */
static void test_key_history(void **state)
{
	(void)state;
	enum { ROTATIONS = 40 };
	world w;
	memset(&w, 0, sizeof w);
	w.now = pl_now();
	pl_members_init(&w.m, "example.org/wg");
	pl_party_key *keys[ROTATIONS + 1];
	assert_int_equal(pl_party_key_generate("cert.a", &keys[0], NULL), PL_OK);
	pl_buf entries[2 * ROTATIONS + 1];
	size_t signer[2 * ROTATIONS + 1]; /* which of keys signed (first) each entry */
	pl_refusal v;
	pl_buf_init(&entries[0], 65535);
	sign_into(&w, keys[0], NULL, "charter", charter_of(keys, 1, 1), 1, &entries[0]);
	signer[0] = 0;
	assert_int_equal(admit_raw(&w, entries[0].data, entries[0].len, &v), PL_OK);
	uint64_t seq = 1;
	for (size_t r = 1; r <= ROTATIONS; r++) {
		assert_int_equal(pl_party_key_generate("cert.a", &keys[r], NULL), PL_OK);
		size_t i = 2 * r - 1;
		pl_buf_init(&entries[i], 65535);
		sign_into(&w, keys[r - 1], keys[r], "key.rotate", identity_body(&keys[r]->id), ++seq, &entries[i]);
		signer[i] = r - 1;
		assert_int_equal(admit_raw(&w, entries[i].data, entries[i].len, &v), PL_OK);
		pl_buf_init(&entries[i + 1], 65535);
		sign_into(&w, keys[r], NULL, "contact.update", note(), ++seq, &entries[i + 1]);
		signer[i + 1] = r;
		assert_int_equal(admit_raw(&w, entries[i + 1].data, entries[i + 1].len, &v), PL_OK);
	}
	const pl_member *a = pl_members_get(&w.m, "cert.a");
	assert_int_equal(a->nkeys, ROTATIONS + 1);
	for (size_t r = 0; r <= ROTATIONS; r++) {
		assert_memory_equal(a->keys[r].sign_pk, keys[r]->id.sign_pk, PL_ED25519_PK_SIZE);
		assert_memory_equal(a->keys[r].box_pk, keys[r]->id.box_pk, PL_X25519_PK_SIZE);
	}
	/* through the saved state and back */
	pl_buf saved;
	pl_buf_init(&saved, 1 << 20);
	assert_int_equal(pl_members_save(&w.m, &saved), PL_OK);
	pl_members back;
	pl_members_init(&back, "example.org/wg");
	pl_dec d = pl_dec_of(saved.data, saved.len);
	assert_int_equal(pl_members_load(&back, &d), PL_OK);
	assert_int_equal(pl_dec_end(&d), PL_OK);
	assert_int_equal(pl_members_get(&back, "cert.a")->nkeys, ROTATIONS + 1);
	const pl_members *regs[2] = {&w.m, &back};
	for (size_t g = 0; g < 2; g++) {
		for (size_t i = 0; i < 2 * ROTATIONS + 1; i++) {
			uint8_t pk[PL_ED25519_PK_SIZE];
			assert_int_equal(pl_members_key_at(regs[g], "cert.a", i, pk), PL_OK);
			assert_memory_equal(pk, keys[signer[i]]->id.sign_pk, PL_ED25519_PK_SIZE);
			pl_envelope e;
			assert_int_equal(pl_envelope_parse(entries[i].data, entries[i].len, &e, NULL), PL_OK);
			assert_int_equal(pl_envelope_verify(&e, pk, NULL), PL_OK);
			/* and under no other key of the party */
			size_t other = signer[i] == 0 ? ROTATIONS : signer[i] - 1;
			assert_int_equal(pl_envelope_verify(&e, keys[other]->id.sign_pk, NULL), PL_EVERIFY);
			pl_envelope_release(&e);
		}
	}
	/* a history that members.c cannot have built is refused by the loader */
	pl_member *x = (pl_member *)(uintptr_t)pl_members_get(&back, "cert.a");
	x->keys[5].until = UINT64_MAX; /* a key in the middle still valid */
	pl_buf_reset(&saved);
	assert_int_equal(pl_members_save(&back, &saved), PL_OK);
	pl_members bad;
	pl_members_init(&bad, "example.org/wg");
	d = pl_dec_of(saved.data, saved.len);
	assert_int_equal(pl_members_load(&bad, &d), PL_EFORMAT);
	assert_int_equal(bad.n, 0);
	x->keys[5].until = x->keys[6].from;
	x->keys[7].from = x->keys[40].from + 10 * ROTATIONS; /* established after the registry's last entry */
	pl_buf_reset(&saved);
	assert_int_equal(pl_members_save(&back, &saved), PL_OK);
	d = pl_dec_of(saved.data, saved.len);
	assert_int_equal(pl_members_load(&bad, &d), PL_EFORMAT);
	/* every truncation of a good state is refused */
	x->keys[7].from = x->keys[6].until;
	pl_buf_reset(&saved);
	assert_int_equal(pl_members_save(&back, &saved), PL_OK);
	for (size_t cut = 0; cut < saved.len; cut += 7) {
		d = pl_dec_of(saved.data, cut);
		int rc = pl_members_load(&bad, &d);
		assert_true(rc != PL_OK || pl_dec_end(&d) != PL_OK);
	}
	d = pl_dec_of(saved.data, saved.len);
	assert_int_equal(pl_members_load(&bad, &d), PL_OK);
	pl_members_release(&bad);
	pl_members_release(&back);
	pl_buf_release(&saved);
	for (size_t i = 0; i < 2 * ROTATIONS + 1; i++)
		pl_buf_release(&entries[i]);
	for (size_t r = 0; r <= ROTATIONS; r++)
		pl_party_key_free(keys[r]);
	pl_members_release(&w.m);
}

/* Members are found by name whatever their number and order of enrolment (the registry's sorted
 * index), after a saved state too; a saved state naming a party twice is refused. */
static void test_members_by_name(void **state)
{
	(void)state;
	enum { N = 64 };
	world w;
	memset(&w, 0, sizeof w);
	w.now = pl_now();
	pl_members_init(&w.m, "example.org/wg");
	pl_party_key *keys[N];
	char name[32];
	for (size_t i = 0; i < N; i++) {
		/* enrolment order unlike name order: z-63, a-62, z-61, ... and names sharing prefixes */
		snprintf(name, sizeof name, "%s-%02zu.cert", i % 2 ? "a" : "z", N - 1 - i);
		assert_int_equal(pl_party_key_generate(name, &keys[i], NULL), PL_OK);
	}
	pl_refusal v;
	assert_int_equal(admit(&w, keys[0], NULL, "charter", charter_of(keys, N, 1), 1, &v), PL_OK);
	assert_int_equal(w.m.n, N);
	pl_buf saved;
	pl_buf_init(&saved, 1 << 20);
	assert_int_equal(pl_members_save(&w.m, &saved), PL_OK);
	pl_members back;
	pl_members_init(&back, "example.org/wg");
	pl_dec d = pl_dec_of(saved.data, saved.len);
	assert_int_equal(pl_members_load(&back, &d), PL_OK);
	const pl_members *regs[2] = {&w.m, &back};
	for (size_t g = 0; g < 2; g++) {
		for (size_t i = 0; i < N; i++) {
			const pl_member *m = pl_members_get(regs[g], keys[i]->id.party);
			assert_non_null(m);
			assert_string_equal(m->id.party, keys[i]->id.party);
			assert_memory_equal(m->id.sign_pk, keys[i]->id.sign_pk, PL_ED25519_PK_SIZE);
		}
		/* names around and between the members' are nobody's */
		const char *none[] = {"", "a", "a-00", "a-00.cer", "a-00.certx", "m-31.cert", "zz", "z-64.cert"};
		for (size_t k = 0; k < sizeof none / sizeof *none; k++)
			assert_null(pl_members_get(regs[g], none[k]));
		/* enrolment order is kept */
		for (size_t i = 0; i < N; i++)
			assert_string_equal(regs[g]->m[i].id.party, keys[i]->id.party);
	}
	/* a state holding one name twice is another program's: refused, the registry left empty */
	memcpy(back.m[7].id.party, back.m[40].id.party, sizeof back.m[7].id.party);
	pl_buf_reset(&saved);
	assert_int_equal(pl_members_save(&back, &saved), PL_OK);
	pl_members bad;
	pl_members_init(&bad, "example.org/wg");
	d = pl_dec_of(saved.data, saved.len);
	assert_int_equal(pl_members_load(&bad, &d), PL_EFORMAT);
	assert_int_equal(bad.n, 0);
	assert_null(pl_members_get(&bad, back.m[40].id.party));
	pl_members_release(&bad);
	pl_members_release(&back);
	pl_members_release(&w.m);
	pl_buf_release(&saved);
	for (size_t i = 0; i < N; i++)
		pl_party_key_free(keys[i]);
}

/* Signed blob requests (parley.blob/v2): the exact message, bound to the log's origin, the method, the
 * blob and the time; version 1 (no origin) and another log's requests do not verify. */
static void test_blob_requests(void **state)
{
	(void)state;
	static const char O[] = "example.org/wg", HEX[] =
		"9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";
	pl_party_key *k;
	assert_int_equal(pl_party_key_generate("cert.a", &k, NULL), PL_OK);
	pl_buf m;
	pl_buf_init(&m, 1024);
	assert_int_equal(pl_blob_auth_message(O, "PUT", HEX, "2026-01-01T00:00:00Z", &m), PL_OK);
	static const char want[] = "parley.blob/v2\nexample.org/wg\nPUT\n"
				   "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08\n"
				   "2026-01-01T00:00:00Z\n";
	assert_int_equal(m.len, sizeof want - 1);
	assert_memory_equal(m.data, want, sizeof want - 1);
	int64_t now;
	assert_int_equal(pl_time_parse("2026-01-01T00:00:00Z", 20, &now), PL_OK);

	/* sig64 of msg by k */
	char sig64[PL_ED25519_SIG_B64_LEN + 1];
	uint8_t sig[PL_ED25519_SIG_SIZE];
#define SIGN(msg, len)                                                 \
	do {                                                           \
		assert_int_equal(pl_party_sign(k, (const uint8_t *)(msg), (len), sig), PL_OK); \
		pl_b64_encode(sig, PL_ED25519_SIG_SIZE, sig64);        \
	} while (0)
	pl_refusal r;
	SIGN(m.data, m.len);
	memset(&r, 0, sizeof r);
	assert_int_equal(pl_blob_auth_check(O, "PUT", HEX, "cert.a", "2026-01-01T00:00:00Z", sig64, k->id.sign_pk, now, &r),
			 PL_OK);
	/* the same signature on another log, method or blob, or at another time: bad_signature */
	assert_int_equal(pl_blob_auth_check("example.org/other", "PUT", HEX, "cert.a", "2026-01-01T00:00:00Z", sig64,
					    k->id.sign_pk, now, &r), PL_EREFUSED);
	assert_int_equal(r.code, PL_R_REQUEST_BAD_SIGNATURE);
	assert_non_null(strstr(r.msg, "example.org/other"));
	assert_int_equal(pl_blob_auth_check(O, "GET", HEX, "cert.a", "2026-01-01T00:00:00Z", sig64, k->id.sign_pk, now, &r),
			 PL_EREFUSED);
	assert_int_equal(pl_blob_auth_check(O, "PUT", "00", "cert.a", "2026-01-01T00:00:00Z", sig64, k->id.sign_pk, now, &r),
			 PL_EREFUSED);
	assert_int_equal(pl_blob_auth_check(O, "PUT", HEX, "cert.a", "2026-01-01T00:00:01Z", sig64, k->id.sign_pk, now, &r),
			 PL_EREFUSED);
	assert_int_equal(r.code, PL_R_REQUEST_BAD_SIGNATURE);
	/* a version 1 request (no origin) is no longer accepted */
	static const char v1[] = "parley.blob/v1\nPUT\n9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08\n"
				 "2026-01-01T00:00:00Z\n";
	SIGN(v1, sizeof v1 - 1);
	memset(&r, 0, sizeof r);
	assert_int_equal(pl_blob_auth_check(O, "PUT", HEX, "cert.a", "2026-01-01T00:00:00Z", sig64, k->id.sign_pk, now, &r),
			 PL_EREFUSED);
	assert_int_equal(r.code, PL_R_REQUEST_BAD_SIGNATURE);
	/* missing headers, a time too far away, a party that is not an active member */
	assert_int_equal(pl_blob_auth_check(O, "PUT", HEX, "cert.a", NULL, sig64, k->id.sign_pk, now, &r), PL_EREFUSED);
	assert_int_equal(r.code, PL_R_UNAUTHENTICATED);
	SIGN(m.data, m.len);
	assert_int_equal(pl_blob_auth_check(O, "PUT", HEX, "cert.a", "2026-01-01T00:00:00Z", sig64, k->id.sign_pk,
					    now + PL_BLOB_AUTH_SKEW + 1, &r), PL_EREFUSED);
	assert_int_equal(r.code, PL_R_UNAUTHENTICATED);
	assert_int_equal(pl_blob_auth_check(O, "PUT", HEX, "cert.a", "2026-01-01T00:00:00Z", sig64, NULL, now, &r),
			 PL_EREFUSED);
	assert_int_equal(r.code, PL_R_NOT_MEMBER);
#undef SIGN
	pl_buf_release(&m);
	pl_party_key_free(k);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dsse_vector),       cmocka_unit_test(test_envelope_rejects),
		cmocka_unit_test(test_keys_and_identities), cmocka_unit_test(test_payload_rules),
		cmocka_unit_test(test_membership_rules),   cmocka_unit_test(test_key_history),
		cmocka_unit_test(test_envelope_strict),    cmocka_unit_test(test_revoked_key_never_returns),
		cmocka_unit_test(test_confusable_names),   cmocka_unit_test(test_blob_requests),
		cmocka_unit_test(test_members_by_name),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
