/*
 * test_disclosure.c - disclosure and proof files (client/disclosure.h),
 * made by hand over a small log built here: a charter naming p0, p1, p2,
 * a concern by p0 sealed to p0 and p1, a concern whose key wrapped to p1
 * opens another key (sealhand.h), and a key.rotate of p2. Each tree is
 * signed by the log and cosigned by two witnesses. Checked: the round trip
 * (the body and readers come back), the framing's canonical parse and
 * caps, every part's tamper refused (the statement, the author part, the
 * reader part, the block, the checkpoint), parts from another checkpoint,
 * a quorum not met, another log key, the wrong author key (an entry that
 * names another party, a key entry after the statement, a statement signed
 * by another key), and a box proof for the misbehaving concern.
 */
#include "sealtest.h"

#include "base/codec.h"
#include "base/sha256.h"
#include "client/disclosure.h"
#include "statement/dsse.h"
#include "statement/sign.h"
#include "tlog/proof_file.h"

#define ORIGIN "example.org/disclose"
#define NE 6
#define T0 1767225600

static struct {
	pl_party_key *k[3];
	pl_party_key *rot; /* p2's new key */
	pl_signer *log, *w1, *w2;
	pl_policy pol; /* log, w1, w2, quorum 2 */
	pl_buf env[NE];
	size_t n;
	pl_buf note; /* the checkpoint of all n entries, signed and cosigned */
	pl_buf note_short; /* the checkpoint of the first n - 1 */
} F;

static json_t *identity_json(const pl_identity *id)
{
	pl_buf b;
	pl_buf_init(&b, PL_IDENTITY_MAX);
	assert_int_equal(pl_identity_format(id, &b), PL_OK);
	json_error_t je;
	json_t *v = json_loadb((const char *)b.data, b.len, 0, &je);
	assert_non_null(v);
	pl_buf_release(&b);
	return v;
}

/* Appends a statement by k (signed by signer, usually k) to the log. */
static void add(const pl_party_key *k, const pl_party_key *signer, const char *type, uint64_t seq, json_t *body)
{
	assert_true(F.n < NE);
	pl_buf_init(&F.env[F.n], PL_DSSE_MAX);
	if (signer == k) {
		assert_int_equal(pl_statement_sign(k, ORIGIN, type, seq, T0 + (int64_t)F.n, body, NULL, 0, &F.env[F.n]), PL_OK);
	} else {
		/* a statement claiming k's name, signed by another key */
		pl_party_key fake = *signer;
		fake.id = signer->id;
		snprintf(fake.id.party, sizeof fake.id.party, "%s", k->id.party);
		assert_int_equal(pl_statement_sign(&fake, ORIGIN, type, seq, T0 + (int64_t)F.n, body, NULL, 0, &F.env[F.n]),
				 PL_OK);
	}
	json_decref(body);
	F.n++;
}

static char *seal_b64(const pl_seal_ctx *ctx, const uint8_t *obj, size_t n)
{
	(void)ctx;
	char *b64 = malloc(pl_b64_len(n) + 1);
	assert_non_null(b64);
	pl_b64_encode(obj, n, b64);
	return b64;
}

static json_t *concern(const char *b64)
{
	json_t *v = json_pack("{s:s,s:[s],s:s}", "tlp", "TLP:AMBER", "recipients", "p1", "sealed", b64);
	assert_non_null(v);
	return v;
}

/* The signed checkpoint of the first size entries. */
static void sign_tree(size_t size, pl_buf *note)
{
	pl_hash leaves[NE];
	for (size_t i = 0; i < size; i++)
		pl_leaf_hash(F.env[i].data, F.env[i].len, &leaves[i]);
	pl_checkpoint cp;
	memset(&cp, 0, sizeof cp);
	snprintf(cp.origin, sizeof cp.origin, "%s", ORIGIN);
	cp.size = size;
	pl_merkle_root_of(leaves, size, &cp.root);
	pl_buf text;
	pl_buf_init(&text, 4096);
	assert_int_equal(pl_checkpoint_format(&cp, &text), PL_OK);
	pl_buf_init(note, PL_NOTE_MAX);
	assert_int_equal(pl_buf_append(note, text.data, text.len), PL_OK);
	assert_int_equal(pl_buf_putc(note, '\n'), PL_OK);
	assert_int_equal(pl_note_sign_line(F.log, text.data, text.len, 0, note), PL_OK);
	assert_int_equal(pl_note_sign_line(F.w1, text.data, text.len, T0 + 100, note), PL_OK);
	assert_int_equal(pl_note_sign_line(F.w2, text.data, text.len, T0 + 100, note), PL_OK);
	pl_buf_release(&text);
}

/* The tlog-proof of entry i in the tree of size (note: its checkpoint), appended to out. */
static void prove(size_t i, size_t size, const pl_buf *note, pl_buf *out)
{
	pl_hash leaves[NE], path[PL_PROOF_MAX];
	for (size_t j = 0; j < size; j++)
		pl_leaf_hash(F.env[j].data, F.env[j].len, &leaves[j]);
	tu_ref *r = tu_ref_new(leaves, size);
	size_t len = tu_ref_path(r, i, size, path);
	tu_ref_free(r);
	assert_int_equal(pl_proof_file_write(i, path, len, F.env[i].data, F.env[i].len, note->data, note->len, out),
			 PL_OK);
}

static int setup(void **state)
{
	(void)state;
	memset(&F, 0, sizeof F);
	for (int i = 0; i < 3; i++) {
		uint8_t seed[32], box[32];
		char s[16], name[8];
		snprintf(s, sizeof s, "ds%d", i);
		pl_sha256(s, strlen(s), seed);
		snprintf(s, sizeof s, "db%d", i);
		pl_sha256(s, strlen(s), box);
		snprintf(name, sizeof name, "p%d", i);
		assert_int_equal(pl_party_key_from_seeds(name, seed, box, &F.k[i], NULL), PL_OK);
	}
	assert_int_equal(pl_party_key_generate("p2", &F.rot, NULL), PL_OK);
	assert_int_equal(pl_signer_new(ORIGIN, PL_SIGTYPE_ED25519, NULL, &F.log), PL_OK);
	assert_int_equal(pl_signer_new("witness.example/w1", PL_SIGTYPE_COSIG, NULL, &F.w1), PL_OK);
	assert_int_equal(pl_signer_new("witness.example/w2", PL_SIGTYPE_COSIG, NULL, &F.w2), PL_OK);
	pl_policy_init(&F.pol, &F.log->v);
	assert_int_equal(pl_policy_add_witness(&F.pol, &F.w1->v), PL_OK);
	assert_int_equal(pl_policy_add_witness(&F.pol, &F.w2->v), PL_OK);
	F.pol.quorum = 2;
	/* 0: the charter */
	add(F.k[0], F.k[0], "charter",
	    1, json_pack("{s:s,s:[o,o,o]}", "name", "unit", "founders", identity_json(&F.k[0]->id),
			 identity_json(&F.k[1]->id), identity_json(&F.k[2]->id)));
	/* 1: p0's concern, sealed honestly to p0 and p1 */
	pl_seal_ctx ctx = {.origin = ORIGIN, .type = "concern", .author = "p0", .seq = 2};
	pl_identity ids[2] = {F.k[0]->id, F.k[1]->id};
	json_t *fields = json_pack("{s:s,s:s,s:s}", "lang", "en", "title", "the disclosed title", "summary", "CANARY");
	pl_buf obj;
	pl_buf_init(&obj, PL_SEALED_OBJECT_MAX);
	assert_int_equal(pl_sealed_seal(&ctx, fields, ids, 2, NULL, &obj, NULL), PL_OK);
	json_decref(fields);
	char *b64 = seal_b64(&ctx, obj.data, obj.len);
	add(F.k[0], F.k[0], "concern", 2, concern(b64));
	free(b64);
	pl_buf_release(&obj);
	/* 2: p0's concern whose box for p1 holds another key */
	ctx.seq = 3;
	pl_party_key *rd[2] = {F.k[0], F.k[1]};
	sh_hand h = {.body = "{\"lang\":\"en\",\"title\":\"shown\"}", .readers = rd, .n = 2};
	h.other_key[1] = true;
	size_t n;
	uint8_t *bad = sh_seal(&ctx, &h, &n, NULL);
	b64 = seal_b64(&ctx, bad, n);
	free(bad);
	add(F.k[0], F.k[0], "concern", 3, concern(b64));
	free(b64);
	/* 3: p2 rotates its key; 4: a "concern by p0" signed by p2's key */
	add(F.k[2], F.k[2], "key.rotate", 1, json_pack("{s:o}", "identity", identity_json(&F.rot->id)));
	ctx.seq = 4;
	pl_buf_init(&obj, PL_SEALED_OBJECT_MAX);
	fields = json_pack("{s:s,s:s}", "lang", "en", "title", "forged");
	assert_int_equal(pl_sealed_seal(&ctx, fields, ids, 2, NULL, &obj, NULL), PL_OK);
	json_decref(fields);
	b64 = seal_b64(&ctx, obj.data, obj.len);
	add(F.k[0], F.k[2], "concern", 4, concern(b64));
	free(b64);
	pl_buf_release(&obj);
	sign_tree(F.n, &F.note);
	sign_tree(F.n - 1, &F.note_short);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	for (int i = 0; i < 3; i++)
		pl_party_key_free(F.k[i]);
	pl_party_key_free(F.rot);
	pl_signer_free(F.log);
	pl_signer_free(F.w1);
	pl_signer_free(F.w2);
	for (size_t i = 0; i < F.n; i++)
		pl_buf_release(&F.env[i]);
	pl_buf_release(&F.note);
	pl_buf_release(&F.note_short);
	return 0;
}

/* The opened body of entry i as reader k (PL_OK or PL_EVERIFY), for making blocks. */
static int open_entry(size_t i, const pl_party_key *k, pl_sealed_plain *p, pl_buf *obj, pl_seal_ctx *ctx,
		      pl_stmt *st)
{
	pl_envelope env;
	memset(&env, 0, sizeof env);
	memset(st, 0, sizeof *st);
	assert_int_equal(pl_envelope_parse(F.env[i].data, F.env[i].len, &env, NULL), PL_OK);
	assert_int_equal(pl_stmt_parse(env.payload, env.payload_len, st, NULL), PL_OK);
	pl_envelope_release(&env);
	assert_int_equal(pl_dfile_sealed_of(st, obj, NULL), PL_OK);
	*ctx = (pl_seal_ctx){.origin = st->log, .type = st->type, .author = st->author, .seq = st->seq};
	pl_keyring ring = {.keys = {k}, .n = 1};
	memset(p, 0, sizeof *p);
	return pl_sealed_open(ctx, obj->data, obj->len, &ring, NULL, p, NULL);
}

/* A disclosure of entry i as p1, with the author part from entry a, in the tree of note. */
static void disclosure(size_t i, size_t a, const pl_buf *note, size_t size, pl_buf *out)
{
	pl_sealed_plain p;
	pl_buf obj;
	pl_buf_init(&obj, PL_SEALED_OBJECT_MAX);
	pl_seal_ctx ctx;
	pl_stmt st;
	assert_int_equal(open_entry(i, F.k[1], &p, &obj, &ctx, &st), PL_OK);
	pl_disclosure x;
	assert_int_equal(pl_disclosure_make(&p, &x), PL_OK);
	pl_buf sp, ap, block;
	pl_buf_init(&sp, PL_DFILE_PART_MAX);
	pl_buf_init(&ap, PL_DFILE_PART_MAX);
	pl_buf_init(&block, PL_DISCLOSURE_MAX);
	assert_int_equal(pl_disclosure_write(&x, &block), PL_OK);
	prove(i, size, note, &sp);
	prove(a, size, note, &ap);
	pl_dfile f = {.statement = {sp.data, sp.len}, .author = {ap.data, ap.len}, .block = {block.data, block.len}};
	assert_int_equal(pl_dfile_write(&f, out), PL_OK);
	pl_disclosure_release(&x);
	pl_sealed_plain_release(&p);
	pl_stmt_release(&st);
	pl_buf_release(&obj);
	pl_buf_release(&sp);
	pl_buf_release(&ap);
	pl_buf_release(&block);
}

static int check(const pl_buf *file, const pl_policy *pol, pl_dfile_result *r)
{
	pl_diag d = {0};
	int rc = pl_dfile_check(file->data, file->len, pol, r, &d);
	if (rc != PL_OK)
		print_message("  refused: %s\n", d.msg);
	return rc;
}

static void round_trip(void **state)
{
	(void)state;
	pl_buf file;
	pl_buf_init(&file, PL_DFILE_MAX);
	disclosure(1, 0, &F.note, F.n, &file);
	pl_dfile_result r;
	assert_int_equal(check(&file, &F.pol, &r), PL_OK);
	assert_int_equal(r.kind, PL_DFILE_DISCLOSURE);
	assert_int_equal(r.index, 1);
	assert_int_equal(r.tree_size, F.n);
	assert_string_equal(r.st.author, "p0");
	assert_string_equal(r.st.type, "concern");
	assert_int_equal(r.author_key, 0);
	assert_string_equal(r.author_key_type, "charter");
	assert_string_equal(json_string_value(json_object_get(r.fields, "summary")), "CANARY");
	assert_int_equal(r.head->n, 2);
	assert_string_equal(r.head->e[0].party, "p0");
	assert_string_equal(r.head->e[1].party, "p1");
	assert_int_equal(r.nthread, 0); /* a concern: no thread parts, its own label */
	assert_string_equal(r.tlp, "TLP:AMBER");
	pl_dfile_result_release(&r);
	/* the framing parses back to its parts and writes back to its bytes */
	pl_dfile f;
	assert_int_equal(pl_dfile_parse(file.data, file.len, &f, NULL), PL_OK);
	assert_int_equal(f.reader.n, 0);
	pl_buf again;
	pl_buf_init(&again, PL_DFILE_MAX);
	assert_int_equal(pl_dfile_write(&f, &again), PL_OK);
	assert_int_equal(again.len, file.len);
	assert_memory_equal(again.data, file.data, file.len);
	/* thread parts: a concern names no thread (refused), a second one never without a first (not written), a
	 * third one is not a part (refused) */
	pl_dfile g = f;
	g.thread[0] = f.author;
	pl_buf_reset(&again);
	assert_int_equal(pl_dfile_write(&g, &again), PL_OK);
	assert_int_equal(pl_dfile_check(again.data, again.len, &F.pol, &r, NULL), PL_EFORMAT);
	pl_dfile_result_release(&r);
	g.thread[1] = f.author;
	pl_buf_reset(&again);
	assert_int_equal(pl_dfile_write(&g, &again), PL_OK);
	pl_dfile h;
	assert_int_equal(pl_dfile_parse(again.data, again.len, &h, NULL), PL_OK);
	assert_int_equal(h.thread[1].n, f.author.n);
	g.thread[0] = (pl_span){NULL, 0};
	assert_int_equal(pl_dfile_write(&g, &again), PL_EINVAL);
	/* a third "thread N" part before the block */
	g.thread[0] = f.author;
	pl_buf_reset(&again);
	assert_int_equal(pl_dfile_write(&g, &again), PL_OK);
	char line[64];
	int ln = snprintf(line, sizeof line, "block %zu\n", f.block.n);
	size_t cut = again.len - f.block.n - (size_t)ln;
	pl_buf three;
	pl_buf_init(&three, PL_DFILE_MAX);
	char tl[64];
	int tn = snprintf(tl, sizeof tl, "thread %zu\n", f.author.n);
	assert_int_equal(pl_buf_append(&three, again.data, cut), PL_OK);
	assert_int_equal(pl_buf_append(&three, tl, (size_t)tn), PL_OK);
	assert_int_equal(pl_buf_append(&three, f.author.p, f.author.n), PL_OK);
	assert_int_equal(pl_buf_append(&three, again.data + cut, again.len - cut), PL_OK);
	assert_int_equal(pl_dfile_parse(three.data, three.len, &h, NULL), PL_EFORMAT);
	pl_buf_release(&three);
	pl_buf_release(&again);
	/* every truncation is refused */
	for (size_t i = 0; i < file.len; i += 7) {
		assert_int_not_equal(pl_dfile_check(file.data, i, &F.pol, &r, NULL), PL_OK);
		pl_dfile_result_release(&r);
	}
	pl_buf_release(&file);
}

/* Every byte flipped, one at a time (every 5th byte), is refused; so is any byte added. */
static void every_tamper_refused(void **state)
{
	(void)state;
	pl_buf file;
	pl_buf_init(&file, PL_DFILE_MAX + 1);
	disclosure(1, 0, &F.note, F.n, &file);
	pl_dfile_result r;
	size_t accepted = 0;
	for (size_t i = 0; i < file.len; i += 5) {
		file.data[i] ^= 0x01;
		if (pl_dfile_check(file.data, file.len, &F.pol, &r, NULL) == PL_OK) {
			accepted++;
			print_message("  accepted with byte %zu flipped\n", i);
		}
		pl_dfile_result_release(&r);
		file.data[i] ^= 0x01;
	}
	assert_int_equal(accepted, 0);
	assert_int_equal(pl_buf_putc(&file, '\n'), PL_OK);
	assert_int_equal(pl_dfile_check(file.data, file.len, &F.pol, &r, NULL), PL_EFORMAT);
	pl_dfile_result_release(&r);
	pl_buf_release(&file);
}

static void wrong_checkpoint_quorum_and_log(void **state)
{
	(void)state;
	pl_buf file;
	pl_buf_init(&file, PL_DFILE_MAX);
	disclosure(1, 0, &F.note, F.n, &file);
	pl_dfile_result r;
	/* a quorum of 2 with a witness that did not cosign */
	pl_signer *w3 = NULL;
	assert_int_equal(pl_signer_new("witness.example/w3", PL_SIGTYPE_COSIG, NULL, &w3), PL_OK);
	pl_policy pol;
	pl_policy_init(&pol, &F.log->v);
	assert_int_equal(pl_policy_add_witness(&pol, &F.w1->v), PL_OK);
	assert_int_equal(pl_policy_add_witness(&pol, &w3->v), PL_OK);
	pol.quorum = 2;
	assert_int_equal(check(&file, &pol, &r), PL_ENOKEY);
	pl_dfile_result_release(&r);
	pol.quorum = 1;
	assert_int_equal(check(&file, &pol, &r), PL_OK);
	pl_dfile_result_release(&r);
	/* another log's key */
	pl_signer *other = NULL;
	assert_int_equal(pl_signer_new(ORIGIN, PL_SIGTYPE_ED25519, NULL, &other), PL_OK);
	pl_policy_init(&pol, &other->v);
	assert_int_not_equal(check(&file, &pol, &r), PL_OK);
	pl_dfile_result_release(&r);
	pl_signer_free(other);
	pl_signer_free(w3);
	/* the author part proven in another checkpoint than the statement */
	pl_buf sp, ap, block, mixed;
	pl_buf_init(&sp, PL_DFILE_PART_MAX);
	pl_buf_init(&ap, PL_DFILE_PART_MAX);
	pl_buf_init(&mixed, PL_DFILE_MAX);
	pl_dfile f;
	assert_int_equal(pl_dfile_parse(file.data, file.len, &f, NULL), PL_OK);
	prove(1, F.n, &F.note, &sp);
	prove(0, F.n - 1, &F.note_short, &ap);
	pl_dfile g = {.statement = {sp.data, sp.len}, .author = {ap.data, ap.len}, .block = f.block};
	assert_int_equal(pl_dfile_write(&g, &mixed), PL_OK);
	pl_diag d = {0};
	assert_int_equal(pl_dfile_check(mixed.data, mixed.len, &F.pol, &r, &d), PL_EVERIFY);
	assert_non_null(strstr(d.msg, "another checkpoint"));
	pl_dfile_result_release(&r);
	/* the statement at another index than the disclosure's (entry 2's block for entry 1): not committed */
	(void)block;
	pl_buf_release(&sp);
	pl_buf_release(&ap);
	pl_buf_release(&mixed);
	pl_buf_release(&file);
}

static void wrong_author_key(void **state)
{
	(void)state;
	pl_dfile_result r;
	pl_diag d = {0};
	/* the author part is p2's key.rotate at 3 (names p2, not p0), for the statement at 4 */
	pl_buf file;
	pl_buf_init(&file, PL_DFILE_MAX);
	disclosure(4, 3, &F.note, F.n, &file);
	assert_int_equal(pl_dfile_check(file.data, file.len, &F.pol, &r, &d), PL_EVERIFY);
	assert_non_null(strstr(d.msg, "does not establish a key of p0"));
	pl_dfile_result_release(&r);
	/* the statement at 4 claims p0 but is signed by p2's key */
	pl_buf_reset(&file);
	disclosure(4, 0, &F.note, F.n, &file);
	memset(&d, 0, sizeof d);
	assert_int_equal(pl_dfile_check(file.data, file.len, &F.pol, &r, &d), PL_EVERIFY);
	assert_non_null(strstr(d.msg, "not signed"));
	pl_dfile_result_release(&r);
	/* a key entry that does not come before the statement: p2's rotation at 3, for a statement at 1 */
	pl_buf sp, ap, block;
	pl_buf_init(&sp, PL_DFILE_PART_MAX);
	pl_buf_init(&ap, PL_DFILE_PART_MAX);
	pl_buf_init(&block, PL_DISCLOSURE_MAX);
	pl_buf_reset(&file);
	disclosure(1, 0, &F.note, F.n, &file);
	pl_dfile f;
	assert_int_equal(pl_dfile_parse(file.data, file.len, &f, NULL), PL_OK);
	prove(1, F.n, &F.note, &sp);
	prove(4, F.n, &F.note, &ap);
	pl_dfile g = {.statement = {sp.data, sp.len}, .author = {ap.data, ap.len}, .block = f.block};
	pl_buf late;
	pl_buf_init(&late, PL_DFILE_MAX);
	assert_int_equal(pl_dfile_write(&g, &late), PL_OK);
	memset(&d, 0, sizeof d);
	assert_int_equal(pl_dfile_check(late.data, late.len, &F.pol, &r, &d), PL_EVERIFY);
	assert_non_null(strstr(d.msg, "does not come before"));
	pl_dfile_result_release(&r);
	pl_buf_release(&late);
	pl_buf_release(&sp);
	pl_buf_release(&ap);
	pl_buf_release(&block);
	pl_buf_release(&file);
}

/* A disclosure block moved to another statement (entry 2's body with entry 1's block) names no commitment. */
static void block_of_another_statement(void **state)
{
	(void)state;
	pl_buf one, sp, ap, moved;
	pl_buf_init(&one, PL_DFILE_MAX);
	pl_buf_init(&sp, PL_DFILE_PART_MAX);
	pl_buf_init(&ap, PL_DFILE_PART_MAX);
	pl_buf_init(&moved, PL_DFILE_MAX);
	disclosure(1, 0, &F.note, F.n, &one);
	pl_dfile f;
	assert_int_equal(pl_dfile_parse(one.data, one.len, &f, NULL), PL_OK);
	prove(2, F.n, &F.note, &sp);
	prove(0, F.n, &F.note, &ap);
	pl_dfile g = {.statement = {sp.data, sp.len}, .author = {ap.data, ap.len}, .block = f.block};
	assert_int_equal(pl_dfile_write(&g, &moved), PL_OK);
	pl_dfile_result r;
	assert_int_equal(check(&moved, &F.pol, &r), PL_EVERIFY);
	pl_dfile_result_release(&r);
	pl_buf_release(&one);
	pl_buf_release(&sp);
	pl_buf_release(&ap);
	pl_buf_release(&moved);
}

static void box_proof(void **state)
{
	(void)state;
	pl_sealed_plain p;
	pl_buf obj;
	pl_buf_init(&obj, PL_SEALED_OBJECT_MAX);
	pl_seal_ctx ctx;
	pl_stmt st;
	assert_int_equal(open_entry(2, F.k[1], &p, &obj, &ctx, &st), PL_EVERIFY);
	assert_int_equal(p.fault, PL_SEALED_FAULT_CIPHER);
	pl_keyring ring = {.keys = {F.k[1]}, .n = 1};
	pl_sealproof pr;
	assert_int_equal(pl_sealproof_make(obj.data, obj.len, &p, &ring, &pr, NULL), PL_OK);
	pl_buf sp, ap, rp, block, file;
	pl_buf_init(&sp, PL_DFILE_PART_MAX);
	pl_buf_init(&ap, PL_DFILE_PART_MAX);
	pl_buf_init(&rp, PL_DFILE_PART_MAX);
	pl_buf_init(&block, PL_SEALPROOF_MAX);
	pl_buf_init(&file, PL_DFILE_MAX);
	assert_int_equal(pl_sealproof_write(&pr, &block), PL_OK);
	prove(2, F.n, &F.note, &sp);
	prove(0, F.n, &F.note, &ap);
	prove(0, F.n, &F.note, &rp);
	pl_dfile f = {.statement = {sp.data, sp.len}, .author = {ap.data, ap.len}, .reader = {rp.data, rp.len},
		      .block = {block.data, block.len}};
	assert_int_equal(pl_dfile_write(&f, &file), PL_OK);
	pl_dfile_result r;
	assert_int_equal(check(&file, &F.pol, &r), PL_OK);
	assert_int_equal(r.kind, PL_DFILE_PROOF);
	assert_int_equal(r.fault, PL_SEALED_FAULT_CIPHER);
	assert_int_equal(r.proof, PL_SEALPROOF_BOX);
	assert_string_equal(r.reader, "p1");
	pl_dfile_result_release(&r);
	/* without the reader part: refused; with p2's rotation (after the statement) as the reader part: refused */
	f.reader.n = 0;
	pl_buf_reset(&file);
	assert_int_equal(pl_dfile_write(&f, &file), PL_OK);
	assert_int_equal(check(&file, &F.pol, &r), PL_EFORMAT);
	pl_dfile_result_release(&r);
	pl_buf_reset(&rp);
	prove(3, F.n, &F.note, &rp);
	f.reader = (pl_span){rp.data, rp.len};
	pl_buf_reset(&file);
	assert_int_equal(pl_dfile_write(&f, &file), PL_OK);
	assert_int_equal(check(&file, &F.pol, &r), PL_EVERIFY);
	pl_dfile_result_release(&r);
	/* the same proof against the honest concern proves nothing */
	pl_buf_reset(&sp);
	pl_buf_reset(&rp);
	prove(1, F.n, &F.note, &sp);
	prove(0, F.n, &F.note, &rp);
	f.statement = (pl_span){sp.data, sp.len};
	f.reader = (pl_span){rp.data, rp.len};
	pl_buf_reset(&file);
	assert_int_equal(pl_dfile_write(&f, &file), PL_OK);
	assert_int_equal(check(&file, &F.pol, &r), PL_EVERIFY);
	pl_dfile_result_release(&r);
	pl_sealed_plain_release(&p);
	pl_stmt_release(&st);
	pl_buf_release(&obj);
	pl_buf_release(&sp);
	pl_buf_release(&ap);
	pl_buf_release(&rp);
	pl_buf_release(&block);
	pl_buf_release(&file);
}

/* The framing: canonical lengths, order, caps. */
static void framing(void **state)
{
	(void)state;
	pl_dfile f;
	static const char *const bad[] = {
		"",
		"parley-disclosure-file/v2\n",
		"parley-disclosure-file/v1\nstatement 01\nxauthor 1\nyblock 1\nz",
		"parley-disclosure-file/v1\nstatement 0\nauthor 1\nyblock 1\nz",
		"parley-disclosure-file/v1\nstatement 1\nxblock 1\nz",
		"parley-disclosure-file/v1\nauthor 1\nystatement 1\nxblock 1\nz",
		"parley-disclosure-file/v1\nstatement 1\nxauthor 1\nyblock 2\nz",
		"parley-disclosure-file/v1\nstatement 1\nxauthor 1\nyblock 1\nzz",
		"parley-disclosure-file/v1\nstatement 1\nxauthor 1\nyblock 1\nzreader 1\nr",
		"parley-disclosure-file/v1\nstatement +1\nxauthor 1\nyblock 1\nz",
		"parley-disclosure-file/v1\r\nstatement 1\nxauthor 1\nyblock 1\nz",
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		assert_int_equal(pl_dfile_parse((const uint8_t *)bad[i], strlen(bad[i]), &f, NULL), PL_EFORMAT);
	const char *good = "parley-disclosure-file/v1\nstatement 1\nxauthor 1\nyreader 2\nrrblock 1\nz";
	assert_int_equal(pl_dfile_parse((const uint8_t *)good, strlen(good), &f, NULL), PL_OK);
	assert_int_equal(f.reader.n, 2);
	assert_memory_equal(f.block.p, "z", 1);
	/* caps: a part over its cap, a file over PL_DFILE_MAX */
	char big[128];
	snprintf(big, sizeof big, "parley-disclosure-file/v1\nstatement %zu\n", (size_t)PL_DFILE_PART_MAX + 1);
	assert_int_equal(pl_dfile_parse((const uint8_t *)big, strlen(big), &f, NULL), PL_ETOOBIG);
	snprintf(big, sizeof big, "parley-disclosure-file/v1\nstatement 1\nxauthor 1\nyblock %zu\n",
		 (size_t)PL_DISCLOSURE_MAX + 1);
	assert_int_equal(pl_dfile_parse((const uint8_t *)big, strlen(big), &f, NULL), PL_ETOOBIG);
	assert_int_equal(pl_dfile_parse((const uint8_t *)good, PL_DFILE_MAX + 1, &f, NULL), PL_ETOOBIG);
	/* writing refuses an empty or oversized part */
	pl_buf out;
	pl_buf_init(&out, PL_DFILE_MAX);
	pl_dfile e = {.statement = {(const uint8_t *)"x", 1}, .author = {(const uint8_t *)"y", 1}};
	assert_int_equal(pl_dfile_write(&e, &out), PL_EINVAL);
	assert_int_equal(out.len, 0);
	pl_buf_release(&out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(round_trip),
		cmocka_unit_test(every_tamper_refused),
		cmocka_unit_test(wrong_checkpoint_quorum_and_log),
		cmocka_unit_test(wrong_author_key),
		cmocka_unit_test(block_of_another_statement),
		cmocka_unit_test(box_proof),
		cmocka_unit_test(framing),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
