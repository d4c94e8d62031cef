/* test_client.c - the reader's side, against a real server run in this
 * process: statements proven and checked against their authors' keys
 * (client/entries.h) from the API and from a local copy of the log, the
 * index's key history (pl_view_key_at), blobs held in memory
 * (pl_api_blob_put_mem, pl_api_blob_get_mem) and the read API's views
 * (pl_api_view). */
#include "testutil.h"

#include "base/codec.h"
#include "base/fsio.h"
#include "base/sha256.h"
#include "base/timefmt.h"
#include "client/accepted.h"
#include "client/api.h"
#include "client/entries.h"
#include "http/serve.h"
#include "server/node.h"
#include "statement/dsse.h"
#include "statement/sign.h"
#include "store/blobs.h"
#include "store/published.h"
#include "tlog/acceptance.h"
#include "tlog/proof_file.h"
#include "workflow/genesis.h"
#include "workflow/views.h"

#include <jansson.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct fixture {
	char dir[512];
	pl_party_key *a;  /* the founder, a member */
	pl_party_key *b;  /* not a member */
	pl_node *node;
	pl_blobs *blobs;
	pl_http *http;
	pl_api *api;
	pl_policy pol;
	uint64_t second;  /* the index of a's contact.update */
	pl_api_accept acc; /* the server's acceptance of it */
} fixture;

static int setup(void **state)
{
	fixture *f = calloc(1, sizeof *f);
	pl_diag d = {0};
	snprintf(f->dir, sizeof f->dir, "%s/log", tu_tmpdir());
	assert_int_equal(pl_party_key_generate("cert.a", &f->a, &d), PL_OK);
	assert_int_equal(pl_party_key_generate("cert.b", &f->b, &d), PL_OK);
	pl_charter c = {.name = "", .sponsors = 1, .ack_seconds = 86400, .response_seconds = 604800};
	assert_int_equal(pl_setup_log(f->dir, "example.org/client", f->a, NULL, 0, &c, NULL, &d), PL_OK);
	pl_node_opts no;
	pl_node_opts_default(&no);
	no.verifiers = 1;
	assert_int_equal(pl_node_open(f->dir, &no, &f->node, &d), PL_OK);
	char path[600];
	snprintf(path, sizeof path, "%s/private/blobs", f->dir);
	pl_blobs_limits bl = {.max = 1 << 20, .party_quota = 1 << 20, .total = 1 << 21};
	assert_int_equal(pl_blobs_open(path, &bl, &f->blobs, &d), PL_OK);
	pl_http_opts ho;
	pl_http_opts_default(&ho);
	ho.port = 0;
	assert_int_equal(pl_http_start(f->node, f->blobs, &ho, &f->http, &d), PL_OK);
	char url[64];
	snprintf(url, sizeof url, "http://127.0.0.1:%u", (unsigned)pl_http_port(f->http));
	assert_int_equal(pl_api_open(url, &f->api, &d), PL_OK);
	pl_verifier v;
	snprintf(path, sizeof path, "%s/log.vkey", f->dir);
	assert_int_equal(pl_read_vkey_file(path, &v, &d), PL_OK);
	pl_policy_init(&f->pol, &v);

	/* a second statement, by a, waited for */
	uint64_t seq;
	assert_int_equal(pl_api_next_seq(f->api, "cert.a", &seq, &d), PL_OK);
	json_t *body = json_pack("{s:{s:s}}", "contact", "email", "cert@a.example");
	pl_buf env;
	pl_buf_init(&env, PL_DSSE_MAX);
	assert_int_equal(pl_statement_sign(f->a, f->pol.log.name, "contact.update", seq, pl_now(), body, NULL, 0, &env),
			 PL_OK);
	pl_api_accept *r = &f->acc;
	pl_api_accept_init(r);
	long status = 0;
	assert_int_equal(pl_api_submit(f->api, &f->pol, env.data, env.len, true, r, &status, &d), PL_OK);
	assert_true(r->has_receipt);
	f->second = r->index;
	assert_true(f->second >= 1);
	pl_buf_release(&env);
	json_decref(body);
	*state = f;
	return 0;
}

static void stop_server(fixture *f)
{
	pl_api_close(f->api);
	pl_http_stop(f->http);
	pl_node_close(f->node);
	pl_blobs_close(f->blobs);
	f->api = NULL;
	f->http = NULL;
	f->node = NULL;
	f->blobs = NULL;
}

static int teardown(void **state)
{
	fixture *f = *state;
	stop_server(f);
	pl_party_key_free(f->a);
	pl_party_key_free(f->b);
	pl_api_accept_release(&f->acc);
	free(f);
	return 0;
}

/* One call of pl_entries_statement; fills checks and d, releases what it parsed, returns its code. */
static int statement(const pl_entries *e, const pl_policy *pol, uint64_t index, const char *const *types,
		     const char *author, pl_stmt *keep, pl_entry_checks *checks, pl_diag *d)
{
	pl_envelope env;
	pl_stmt st;
	memset(&env, 0, sizeof env);
	memset(&st, 0, sizeof st);
	memset(d, 0, sizeof *d);
	int rc = pl_entries_statement(e, pol, index, types, author, &env, &st, checks, d);
	if (keep != NULL) {
		*keep = st;
		memset(&st, 0, sizeof st);
	}
	pl_stmt_release(&st);
	pl_envelope_release(&env);
	return rc;
}

static void test_api_statements(void **state)
{
	fixture *f = *state;
	pl_entries e;
	pl_entries_api(f->api, &e);
	pl_entry_checks ok;
	pl_diag d;
	pl_stmt st;

	static const char *const charter[] = {"charter", NULL};
	assert_int_equal(statement(&e, &f->pol, 0, charter, "cert.a", &st, &ok, &d), PL_OK);
	assert_string_equal(st.type, "charter");
	assert_string_equal(st.author, "cert.a");
	assert_true(ok.proven && ok.signature);
	pl_stmt_release(&st);

	assert_int_equal(statement(&e, &f->pol, f->second, NULL, NULL, &st, &ok, &d), PL_OK);
	assert_string_equal(st.type, "contact.update");
	assert_true(ok.proven && ok.signature);
	pl_stmt_release(&st);

	/* another type than asked: refused before any key is looked up */
	static const char *const ev[] = {"evidence", "finding", NULL};
	assert_int_equal(statement(&e, &f->pol, 0, ev, NULL, NULL, &ok, &d), PL_EINVAL);
	assert_string_equal(d.msg, "entry 0 is a charter, not evidence or finding");
	assert_true(ok.proven);
	assert_false(ok.signature);

	/* another author than the view said */
	assert_int_equal(statement(&e, &f->pol, f->second, NULL, "cert.b", NULL, &ok, &d), PL_EVERIFY);
	assert_non_null(strstr(d.msg, "is by cert.a, not cert.b"));
	assert_false(ok.signature);

	/* past the log: nothing proven */
	assert_int_equal(statement(&e, &f->pol, f->second + 100, NULL, NULL, NULL, &ok, &d), PL_ERANGE);
	assert_false(ok.proven || ok.signature);

	/* a quorum the log's checkpoints do not meet: nothing proven */
	pl_signer *w = NULL;
	assert_int_equal(pl_signer_new("witness.example/w", PL_SIGTYPE_COSIG, NULL, &w), PL_OK);
	pl_policy strict = f->pol;
	assert_int_equal(pl_policy_add_witness(&strict, &w->v), PL_OK);
	strict.quorum = 1;
	assert_int_equal(statement(&e, &strict, 0, NULL, NULL, NULL, &ok, &d), PL_ENOKEY);
	assert_false(ok.proven || ok.signature);
	pl_signer_free(w);
	pl_entries_close(&e); /* nothing to free for the API: harmless */
}

/* The API's entries with the key history replaced: a wrong key, or none. */
typedef struct liar {
	pl_entries real;
	const uint8_t *pk; /* NULL: no key */
} liar;

static int liar_fetch(void *ctx, const pl_policy *pol, uint64_t index, pl_buf *entry, pl_diag *d)
{
	liar *l = ctx;
	return l->real.fetch(l->real.ctx, pol, index, entry, d);
}

static int liar_key_at(void *ctx, const char *party, uint64_t index, uint8_t pk[PL_ED25519_PK_SIZE], pl_diag *d)
{
	liar *l = ctx;
	(void)party;
	(void)index;
	if (l->pk == NULL)
		return pl_diag_set(d, PL_ENOTFOUND, "no key");
	memcpy(pk, l->pk, PL_ED25519_PK_SIZE);
	return PL_OK;
}

static void test_signature_checked(void **state)
{
	fixture *f = *state;
	liar l;
	pl_entries_api(f->api, &l.real);
	pl_entries e = {.fetch = liar_fetch, .key_at = liar_key_at, .close = NULL, .ctx = &l};
	pl_entry_checks ok;
	pl_diag d;

	l.pk = f->b->id.sign_pk; /* another party's key */
	assert_int_equal(statement(&e, &f->pol, 0, NULL, NULL, NULL, &ok, &d), PL_EVERIFY);
	assert_string_equal(d.msg, "entry 0 is not signed by the key cert.a held then");
	assert_true(ok.proven);
	assert_false(ok.signature);

	l.pk = NULL; /* no key named: key_at's error as it is */
	assert_int_equal(statement(&e, &f->pol, 0, NULL, NULL, NULL, &ok, &d), PL_ENOTFOUND);
	assert_string_equal(d.msg, "no key");
	assert_false(ok.signature);

	l.pk = f->a->id.sign_pk; /* the right one */
	assert_int_equal(statement(&e, &f->pol, 0, NULL, NULL, NULL, &ok, &d), PL_OK);
	assert_true(ok.proven && ok.signature);
}

static void test_blobs_in_memory(void **state)
{
	fixture *f = *state;
	const char *O = f->pol.log.name; /* requests are signed for this log */
	pl_diag d = {0};
	static const char data[] = "indicators of compromise";
	char hex[PL_SHA256_HEX_LEN + 1], want[PL_SHA256_HEX_LEN + 1];
	uint8_t h[PL_SHA256_SIZE];
	pl_sha256(data, sizeof data - 1, h);
	pl_hex_encode(h, PL_SHA256_SIZE, want);
	assert_int_equal(pl_api_blob_put_mem(f->api, f->a, O, (const uint8_t *)data, sizeof data - 1, hex, &d), PL_OK);
	assert_string_equal(hex, want);
	/* again: the server holds it already, which is fine */
	assert_int_equal(pl_api_blob_put_mem(f->api, f->a, O, (const uint8_t *)data, sizeof data - 1, hex, &d), PL_OK);

	pl_buf out;
	pl_buf_init(&out, 1 << 20);
	assert_int_equal(pl_buf_append(&out, "x", 1), PL_OK);
	assert_int_equal(pl_api_blob_get_mem(f->api, f->a, O, hex, &out, &d), PL_OK);
	assert_int_equal(out.len, 1 + sizeof data - 1);
	assert_memory_equal(out.data + 1, data, sizeof data - 1);

	/* an unknown blob, a non-member: refused, out untouched */
	char other[PL_SHA256_HEX_LEN + 1];
	pl_sha256("nothing", 7, h);
	pl_hex_encode(h, PL_SHA256_SIZE, other);
	memset(&d, 0, sizeof d);
	assert_int_equal(pl_api_blob_get_mem(f->api, f->a, O, other, &out, &d), PL_EREFUSED);
	assert_int_equal(out.len, 1 + sizeof data - 1);
	memset(&d, 0, sizeof d);
	assert_int_equal(pl_api_blob_get_mem(f->api, f->b, O, hex, &out, &d), PL_EREFUSED);
	memset(&d, 0, sizeof d);
	assert_int_equal(pl_api_blob_put_mem(f->api, f->b, O, (const uint8_t *)"b's", 3, hex, &d), PL_EREFUSED);
	assert_int_equal(out.len, 1 + sizeof data - 1);

	/* a member's request signed for another log (parley.blob/v2 names the origin) does not verify here */
	memset(&d, 0, sizeof d);
	assert_int_equal(pl_api_blob_get_mem(f->api, f->a, "example.org/other", hex, &out, &d), PL_EREFUSED);
	assert_non_null(strstr(d.msg, "does not verify"));
	memset(&d, 0, sizeof d);
	assert_int_equal(pl_api_blob_put_mem(f->api, f->a, "example.org/other", (const uint8_t *)"a's", 3, hex, &d),
			 PL_EREFUSED);
	assert_int_equal(out.len, 1 + sizeof data - 1);

	/* the stored bytes changed behind the server's back: the client notices */
	char path[PATH_MAX];
	assert_int_equal(pl_blobs_path(f->blobs, want, path), PL_OK);
	FILE *w = fopen(path, "wb");
	assert_non_null(w);
	fputs("indicators of compromisf", w);
	fclose(w);
	pl_buf_reset(&out);
	memset(&d, 0, sizeof d);
	assert_int_equal(pl_api_blob_get_mem(f->api, f->a, O, want, &out, &d), PL_EVERIFY);
	assert_non_null(strstr(d.msg, "hash to"));
	assert_int_equal(out.len, 0);
	pl_buf_release(&out);
}

static void test_views(void **state)
{
	fixture *f = *state;
	pl_diag d = {0};
	json_t *v = NULL;
	/* parameters percent-encoded on the way and decoded by the server: the report is at that time */
	const pl_api_param q[] = {{"party", "cert.a"}, {"now", "2030-01-02T03:04:05Z"}, {"limit", NULL}};
	assert_int_equal(pl_api_view(f->api, "/v1/report", q, 3, &v, &d), PL_OK);
	assert_string_equal(json_string_value(json_object_get(v, "now")), "2030-01-02T03:04:05Z");
	json_t *parties = json_object_get(v, "parties");
	assert_int_equal(json_array_size(parties), 1);
	assert_string_equal(json_string_value(json_object_get(json_array_get(parties, 0), "party")), "cert.a");
	json_decref(v);
	v = NULL;
	assert_int_equal(pl_api_view(f->api, "/v1/cases", NULL, 0, &v, &d), PL_OK);
	assert_int_equal(json_integer_value(json_object_get(v, "total")), 0);
	json_decref(v);
	v = NULL;
	/* a case that does not exist; a parameter the server refuses */
	memset(&d, 0, sizeof d);
	assert_int_equal(pl_api_view(f->api, "/v1/cases/12345", NULL, 0, &v, &d), PL_ENOTFOUND);
	assert_null(v);
	const pl_api_param bad[] = {{"party", "not a party & more"}};
	memset(&d, 0, sizeof d);
	assert_int_equal(pl_api_view(f->api, "/v1/cases", bad, 1, &v, &d), PL_ENET);
	assert_non_null(strstr(d.msg, "party"));
	assert_null(v);
	/* too long for a URL */
	char big[3000];
	memset(big, 'a', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	const pl_api_param huge[] = {{"party", big}};
	assert_int_equal(pl_api_view(f->api, "/v1/cases", huge, 1, &v, &d), PL_EINVAL);
}

/* A copy of r (its note, path and fields), initialised here. */
static void accept_copy(const pl_api_accept *r, pl_api_accept *out)
{
	pl_api_accept_init(out);
	out->index = r->index;
	out->leaf = r->leaf;
	out->path_len = r->path_len;
	memcpy(out->path, r->path, sizeof out->path);
	assert_int_equal(pl_buf_append(&out->acceptance, r->acceptance.data, r->acceptance.len), PL_OK);
}

/* pl_accepted_read of JSON text; its code, d filled. */
static int read_text(const char *json, const pl_verifier *v, pl_api_accept *out, pl_diag *d)
{
	pl_api_accept_init(out);
	memset(d, 0, sizeof *d);
	return pl_accepted_read((const uint8_t *)json, strlen(json), v, out, d);
}

/* What a member keeps: the server's batch acceptance as a file, read back and checked, held
 * against the log; an old single acceptance checked the same way; what does not bind is refused. */
static void test_kept_acceptances(void **state)
{
	fixture *f = *state;
	pl_diag d = {0};
	pl_api_accept *r = &f->acc;
	assert_int_equal(r->acc.form, PL_ACCEPT_BATCH); /* checked by pl_api_submit */
	assert_true(r->acc.first <= r->index && r->index < r->acc.first + r->acc.count);

	/* the file round trip */
	pl_buf file;
	pl_buf_init(&file, PL_ACCEPTED_FILE_MAX);
	assert_int_equal(pl_accepted_format(r, &file), PL_OK);
	pl_api_accept back;
	pl_api_accept_init(&back);
	assert_int_equal(pl_accepted_read(file.data, file.len, &f->pol.log, &back, &d), PL_OK);
	assert_int_equal(back.index, r->index);
	assert_memory_equal(back.leaf.b, r->leaf.b, PL_HASH_SIZE);
	assert_int_equal(back.path_len, r->path_len);
	assert_int_equal(back.acceptance.len, r->acceptance.len);
	assert_memory_equal(back.acceptance.data, r->acceptance.data, r->acceptance.len);
	pl_api_accept_release(&back);

	/* kept in a directory: INDEX.json; again for the same leaf, the same file; another leaf at the
	 * same index (the log's word given twice) is kept beside it and said */
	char dir[600], path[PATH_MAX], want[PATH_MAX + 32];
	snprintf(dir, sizeof dir, "%s/kept/sub", tu_tmpdir());
	bool conflict = true;
	assert_int_equal(pl_accepted_keep(dir, r, path, &conflict, &d), PL_OK);
	snprintf(want, sizeof want, "%s/%llu.json", dir, (unsigned long long)r->index);
	assert_string_equal(path, want);
	assert_false(conflict);
	assert_int_equal(pl_accepted_keep(dir, r, path, &conflict, &d), PL_OK);
	assert_string_equal(path, want);
	assert_false(conflict);
	pl_buf got;
	pl_buf_init(&got, PL_ACCEPTED_FILE_MAX);
	assert_int_equal(pl_fs_read(path, PL_ACCEPTED_FILE_MAX, &got, &d), PL_OK);
	assert_int_equal(got.len, file.len);
	assert_memory_equal(got.data, file.data, file.len);
	pl_api_accept other;
	accept_copy(r, &other);
	other.leaf.b[0] ^= 1;
	assert_int_equal(pl_accepted_keep(dir, &other, path, &conflict, &d), PL_OK);
	assert_true(conflict);
	assert_string_not_equal(path, want);
	assert_non_null(strstr(path, "-"));

	/* held against the log: the entry at the index has the leaf; another leaf there is broken;
	 * past the checkpoint, pending */
	pl_source *src = NULL;
	assert_int_equal(pl_source_open_dir(f->dir, &src, &d), PL_OK);
	pl_accepted_verdict verdict = 0;
	pl_checkpoint cp;
	pl_hash found;
	pl_buf proof;
	pl_buf_init(&proof, PL_PROOF_FILE_MAX);
	assert_int_equal(pl_accepted_against(src, &f->pol, r, &verdict, &cp, &found, &proof, &d), PL_OK);
	assert_int_equal(verdict, PL_ACCEPTED_HELD);
	assert_true(pl_hash_eq(&found, &r->leaf));
	assert_int_equal(proof.len, 0);
	assert_int_equal(pl_accepted_against(src, &f->pol, &other, &verdict, &cp, &found, &proof, &d), PL_OK);
	assert_int_equal(verdict, PL_ACCEPTED_BROKEN);
	assert_true(pl_hash_eq(&found, &r->leaf));
	assert_true(proof.len > 0); /* the log's own proof of what it holds there */
	other.index = cp.size;
	assert_int_equal(pl_accepted_against(src, &f->pol, &other, &verdict, &cp, &found, NULL, &d), PL_OK);
	assert_int_equal(verdict, PL_ACCEPTED_PENDING);
	pl_source_free(src);
	pl_buf_release(&proof);
	pl_api_accept_release(&other);

	/* a path that does not lead to the signed root, at the right index or another */
	if (r->path_len > 0) {
		accept_copy(r, &other);
		other.path[0].b[1] ^= 1;
		assert_int_equal(pl_accepted_check(&f->pol.log, &other, &d), PL_EVERIFY);
		pl_api_accept_release(&other);
	}
	accept_copy(r, &other);
	other.leaf.b[0] ^= 1;
	memset(&d, 0, sizeof d);
	assert_int_equal(pl_accepted_check(&f->pol.log, &other, &d), PL_EVERIFY);
	assert_non_null(strstr(d.msg, "path"));
	other.leaf = r->leaf;
	other.index = r->acc.first + r->acc.count;
	memset(&d, 0, sizeof d);
	assert_int_equal(pl_accepted_check(&f->pol.log, &other, &d), PL_EVERIFY);
	assert_non_null(strstr(d.msg, "covers"));
	pl_api_accept_release(&other);

	/* an old, single acceptance by another log key: checked with that key, bound to its index and
	 * leaf only, with no path; refused under this log's key */
	uint8_t seed[PL_ED25519_SEED_SIZE];
	pl_sha256("old log", 7, seed);
	pl_signer *old = NULL;
	assert_int_equal(pl_signer_new("old.example/log", PL_SIGTYPE_ED25519, seed, &old), PL_OK);
	pl_acceptance a = {.form = PL_ACCEPT_SINGLE, .first = 41, .count = 1, .hash = r->leaf};
	snprintf(a.origin, sizeof a.origin, "old.example/log");
	pl_time_format(pl_now(), a.time);
	pl_buf text, note;
	pl_buf_init(&text, PL_ACCEPT_TEXT_MAX);
	pl_buf_init(&note, PL_NOTE_MAX);
	assert_int_equal(pl_acceptance_format(&a, &text), PL_OK);
	assert_int_equal(pl_note_sign(old, text.data, text.len, &note), PL_OK);
	char leaf[PL_HASH_B64_LEN + 1];
	pl_b64_encode(r->leaf.b, PL_HASH_SIZE, leaf);
	json_t *j = json_pack("{s:I,s:s,s:s%}", "index", (json_int_t)41, "leaf", leaf, "acceptance",
			      (const char *)note.data, note.len);
	char *js = json_dumps(j, JSON_COMPACT);
	assert_int_equal(read_text(js, &old->v, &back, &d), PL_OK);
	assert_int_equal(back.acc.form, PL_ACCEPT_SINGLE);
	assert_int_equal(back.index, 41);
	pl_api_accept_release(&back);
	assert_int_equal(read_text(js, &f->pol.log, &back, &d), PL_EVERIFY);
	assert_non_null(strstr(d.msg, "not signed by the log key"));
	pl_api_accept_release(&back);
	free(js);
	json_object_set_new(j, "index", json_integer(42));
	js = json_dumps(j, JSON_COMPACT);
	assert_int_equal(read_text(js, &old->v, &back, &d), PL_EVERIFY);
	assert_non_null(strstr(d.msg, "does not name this entry"));
	pl_api_accept_release(&back);
	free(js);
	json_object_set_new(j, "index", json_integer(41));
	char h[PL_HASH_B64_LEN + 1];
	pl_b64_encode(r->leaf.b, PL_HASH_SIZE, h);
	json_object_set_new(j, "acceptance_path", json_pack("[s]", h));
	js = json_dumps(j, JSON_COMPACT);
	assert_int_equal(read_text(js, &old->v, &back, &d), PL_EVERIFY);
	pl_api_accept_release(&back);
	free(js);
	/* and not JSON, or a field missing */
	assert_int_equal(read_text("c2sp.org/tlog-proof@v1\n", &old->v, &back, &d), PL_EFORMAT);
	pl_api_accept_release(&back);
	assert_int_equal(read_text("{\"index\":41}", &old->v, &back, &d), PL_EFORMAT);
	pl_api_accept_release(&back);
	json_decref(j);
	pl_buf_release(&text);
	pl_buf_release(&note);
	pl_signer_free(old);
	pl_buf_release(&got);
	pl_buf_release(&file);
}

/* Last: stops the server and reads its directory as a local copy. */
static void test_local_copy(void **state)
{
	fixture *f = *state;
	stop_server(f);
	pl_diag d = {0};
	pl_index *x = NULL;
	assert_int_equal(pl_index_open_dir(f->dir, &x, &d), PL_OK);

	uint8_t pk[PL_ED25519_PK_SIZE];
	assert_int_equal(pl_view_key_at(x, "cert.a", 0, pk, &d), PL_OK); /* the charter established it */
	assert_memory_equal(pk, f->a->id.sign_pk, PL_ED25519_PK_SIZE);
	assert_int_equal(pl_view_key_at(x, "cert.a", f->second, pk, &d), PL_OK);
	assert_memory_equal(pk, f->a->id.sign_pk, PL_ED25519_PK_SIZE);
	assert_int_equal(pl_view_key_at(x, "cert.b", f->second, pk, &d), PL_ENOTFOUND);

	pl_entries e;
	assert_int_equal(pl_entries_open_dir(f->dir, x, &e, &d), PL_OK);
	pl_entry_checks ok;
	pl_stmt st;
	assert_int_equal(statement(&e, &f->pol, f->second, NULL, "cert.a", &st, &ok, &d), PL_OK);
	assert_string_equal(st.type, "contact.update");
	assert_true(ok.proven && ok.signature);
	pl_stmt_release(&st);
	static const char *const charter[] = {"charter", NULL};
	assert_int_equal(statement(&e, &f->pol, f->second, charter, NULL, NULL, &ok, &d), PL_EINVAL);
	assert_int_equal(statement(&e, &f->pol, f->second + 1, NULL, NULL, NULL, &ok, &d), PL_ERANGE);
	assert_false(ok.proven);
	pl_entries_close(&e);
	assert_null(e.ctx);
	pl_index_close(x);

	/* a directory that holds no log */
	char empty[600];
	snprintf(empty, sizeof empty, "%s/none", f->dir);
	assert_int_not_equal(pl_entries_open_dir(empty, NULL, &e, &d), PL_OK);
	assert_null(e.fetch);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_api_statements),
		cmocka_unit_test(test_signature_checked),
		cmocka_unit_test(test_blobs_in_memory),
		cmocka_unit_test(test_views),
		cmocka_unit_test(test_kept_acceptances),
		cmocka_unit_test(test_local_copy),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
