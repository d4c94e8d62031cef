/*
 * make_disclosure_corpus.c - seeds for fuzz_disclosure: disclosure and
 * proof files over a small log of example.org/fuzz (FZ_KEY_FUZZLOG, its
 * checkpoints cosigned by witness.example.org/w1): a charter naming fz.a
 * and fz.b, a concern by fz.a sealed honestly to both, a concern whose box
 * for fz.b holds another key and one whose commitment names another text
 * (tests/unit/sealhand.h). Written: a disclosure, a box proof, a key proof.
 * Run once, by hand: make_disclosure_corpus fuzz/corpus/disclosure
 */
#include "fuzz_common.h"

#include "base/codec.h"
#include "client/disclosure.h"
#include "statement/sign.h"

#include "sealhand.h"

#define ORIGIN "example.org/fuzz"
#define T0 1767225600

static pl_buf env[4];
static size_t nenv;
static pl_party_key *ka, *kb;

static json_t *id_json(const pl_identity *id)
{
	pl_buf b;
	pl_buf_init(&b, PL_IDENTITY_MAX);
	SH_CHECK(pl_identity_format(id, &b) == PL_OK);
	json_error_t je;
	json_t *v = json_loadb((const char *)b.data, b.len, 0, &je);
	pl_buf_release(&b);
	return v;
}

static void add(const char *type, uint64_t seq, json_t *body)
{
	pl_buf_init(&env[nenv], PL_DSSE_MAX);
	SH_CHECK(pl_statement_sign(ka, ORIGIN, type, seq, T0 + (int64_t)nenv, body, NULL, 0, &env[nenv]) == PL_OK);
	json_decref(body);
	nenv++;
}

static void add_concern(uint64_t seq, const uint8_t *obj, size_t n)
{
	char *b64 = malloc(pl_b64_len(n) + 1);
	SH_CHECK(b64 != NULL);
	pl_b64_encode(obj, n, b64);
	add("concern", seq, json_pack("{s:s,s:[s],s:s}", "tlp", "TLP:AMBER", "recipients", "fz.b", "sealed", b64));
	free(b64);
}

static void prove(size_t i, const pl_buf *note, pl_buf *out)
{
	pl_hash leaves[4], path[PL_PROOF_MAX];
	for (size_t j = 0; j < nenv; j++)
		pl_leaf_hash(env[j].data, env[j].len, &leaves[j]);
	/* four leaves: the sibling, then the other pair's node */
	pl_hash pair[2];
	pl_node_hash(&leaves[0], &leaves[1], &pair[0]);
	pl_node_hash(&leaves[2], &leaves[3], &pair[1]);
	path[0] = leaves[i ^ 1];
	path[1] = pair[(i >> 1) ^ 1];
	SH_CHECK(pl_proof_file_write(i, path, 2, env[i].data, env[i].len, note->data, note->len, out) == PL_OK);
}

static void write_file(const char *dir, const char *name, const pl_buf *b)
{
	char path[4096];
	snprintf(path, sizeof path, "%s/%s", dir, name);
	FILE *f = fopen(path, "wb");
	SH_CHECK(f != NULL && fwrite(b->data, 1, b->len, f) == b->len && fclose(f) == 0);
}

/* The file for entry i as fz.b: a disclosure, or the proof of what opening found. */
static void make(const char *dir, const char *name, size_t i, const pl_buf *note)
{
	pl_envelope e;
	pl_stmt st;
	memset(&e, 0, sizeof e);
	memset(&st, 0, sizeof st);
	SH_CHECK(pl_envelope_parse(env[i].data, env[i].len, &e, NULL) == PL_OK);
	SH_CHECK(pl_stmt_parse(e.payload, e.payload_len, &st, NULL) == PL_OK);
	pl_buf obj, block, sp, ap, rp, file;
	pl_buf_init(&obj, PL_SEALED_OBJECT_MAX);
	pl_buf_init(&block, PL_DISCLOSURE_MAX);
	pl_buf_init(&sp, PL_DFILE_PART_MAX);
	pl_buf_init(&ap, PL_DFILE_PART_MAX);
	pl_buf_init(&rp, PL_DFILE_PART_MAX);
	pl_buf_init(&file, PL_DFILE_MAX);
	SH_CHECK(pl_dfile_sealed_of(&st, &obj, NULL) == PL_OK);
	pl_seal_ctx ctx = {.origin = st.log, .type = st.type, .author = st.author, .seq = st.seq};
	pl_keyring ring = {.keys = {kb}, .n = 1};
	pl_sealed_plain p;
	int rc = pl_sealed_open(&ctx, obj.data, obj.len, &ring, NULL, &p, NULL);
	bool box = false;
	if (rc == PL_OK) {
		pl_disclosure x;
		SH_CHECK(pl_disclosure_make(&p, &x) == PL_OK && pl_disclosure_write(&x, &block) == PL_OK);
		pl_disclosure_release(&x);
	} else {
		pl_sealproof pr;
		SH_CHECK(rc == PL_EVERIFY && pl_sealproof_make(obj.data, obj.len, &p, &ring, &pr, NULL) == PL_OK);
		SH_CHECK(pl_sealproof_write(&pr, &block) == PL_OK);
		box = pr.kind == PL_SEALPROOF_BOX;
	}
	prove(i, note, &sp);
	prove(0, note, &ap);
	if (box)
		prove(0, note, &rp);
	pl_dfile f = {.statement = {sp.data, sp.len}, .author = {ap.data, ap.len}, .reader = {rp.data, rp.len},
		      .block = {block.data, block.len}};
	SH_CHECK(pl_dfile_write(&f, &file) == PL_OK);
	const fz_keys *k = fz_get_keys();
	pl_dfile_result r;
	SH_CHECK(pl_dfile_check(file.data, file.len, &k->fuzz_log, &r, NULL) == PL_OK);
	pl_dfile_result_release(&r);
	write_file(dir, name, &file);
	pl_sealed_plain_release(&p);
	pl_stmt_release(&st);
	pl_envelope_release(&e);
	pl_buf_release(&obj);
	pl_buf_release(&block);
	pl_buf_release(&sp);
	pl_buf_release(&ap);
	pl_buf_release(&rp);
	pl_buf_release(&file);
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: make_disclosure_corpus DIR\n");
		return 2;
	}
	uint8_t seed[32], box[32];
	pl_sha256("fz.a sign", 9, seed);
	pl_sha256("fz.a box", 8, box);
	SH_CHECK(pl_party_key_from_seeds("fz.a", seed, box, &ka, NULL) == PL_OK);
	pl_sha256("fz.b sign", 9, seed);
	pl_sha256("fz.b box", 8, box);
	SH_CHECK(pl_party_key_from_seeds("fz.b", seed, box, &kb, NULL) == PL_OK);
	add("charter", 1, json_pack("{s:s,s:[o,o]}", "name", "fuzz", "founders", id_json(&ka->id), id_json(&kb->id)));
	pl_party_key *rd[2] = {ka, kb};
	static const char BODY[] = "{\"lang\":\"en\",\"summary\":\"what is said\",\"title\":\"a concern\"}";
	for (uint64_t seq = 2; seq <= 4; seq++) {
		pl_seal_ctx ctx = {.origin = ORIGIN, .type = "concern", .author = "fz.a", .seq = seq};
		sh_hand h = {.body = BODY, .readers = rd, .n = 2};
		if (seq == 3)
			h.other_key[1] = true;
		if (seq == 4)
			h.committed = "{\"lang\":\"en\",\"title\":\"another\"}";
		size_t n;
		uint8_t *obj = sh_seal(&ctx, &h, &n, NULL);
		add_concern(seq, obj, n);
		free(obj);
	}
	/* the checkpoint of the four entries, signed by the fuzz log and cosigned by w1 */
	pl_hash leaves[4];
	for (size_t j = 0; j < nenv; j++)
		pl_leaf_hash(env[j].data, env[j].len, &leaves[j]);
	pl_checkpoint cp;
	memset(&cp, 0, sizeof cp);
	snprintf(cp.origin, sizeof cp.origin, "%s", ORIGIN);
	cp.size = nenv;
	pl_merkle_root_of(leaves, nenv, &cp.root);
	pl_buf text, note;
	pl_buf_init(&text, 4096);
	pl_buf_init(&note, PL_NOTE_MAX);
	SH_CHECK(pl_checkpoint_format(&cp, &text) == PL_OK);
	SH_CHECK(pl_buf_append(&note, text.data, text.len) == PL_OK && pl_buf_putc(&note, '\n') == PL_OK);
	pl_signer *log = NULL, *w = NULL;
	pl_sha256("fuzz log seed", 13, seed);
	SH_CHECK(pl_signer_new(ORIGIN, PL_SIGTYPE_ED25519, seed, &log) == PL_OK);
	pl_sha256("witness seed", 12, seed);
	SH_CHECK(pl_signer_new("witness.example.org/w1", PL_SIGTYPE_COSIG, seed, &w) == PL_OK);
	SH_CHECK(pl_note_sign_line(log, text.data, text.len, 0, &note) == PL_OK);
	SH_CHECK(pl_note_sign_line(w, text.data, text.len, T0 + 10, &note) == PL_OK);
	make(argv[1], "disclosure", 1, &note);
	make(argv[1], "box-proof", 2, &note);
	make(argv[1], "key-proof", 3, &note);
	pl_signer_free(log);
	pl_signer_free(w);
	pl_buf_release(&text);
	pl_buf_release(&note);
	for (size_t j = 0; j < nenv; j++)
		pl_buf_release(&env[j]);
	pl_party_key_free(ka);
	pl_party_key_free(kb);
	return 0;
}
