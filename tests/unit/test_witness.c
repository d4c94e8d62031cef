/* test_witness.c - the tlog-witness: the shared vectors byte for byte, every
 * status of the protocol, and racing requests (exactly one wins). */
#include "testutil.h"

#include "base/err.h"
#include "base/sha256.h"
#include "tlog/checkpoint.h"
#include "tlog/witness_req.h"
#include "witness/witness.h"
#include "http/status.h"
#include "http/witness_http.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char LOG_VKEY[] = "example.org/cert-log+6cc0bdd7+AdPgSH/KWo1eEN1qvW/iMdtrMFviaDgjoj/M3xYpcYNH";

typedef struct fixture {
	char dir[512];
	pl_witness *w;
	pl_signer *log;       /* the vector log key */
	pl_hash leaves[64];
	tu_ref *ref;
} fixture;

static pl_signer *seeded(const char *name, uint8_t type, const char *label)
{
	uint8_t seed[PL_ED25519_SEED_SIZE];
	pl_sha256(label, strlen(label), seed);
	pl_signer *s;
	assert_int_equal(pl_signer_new(name, type, seed, &s), PL_OK);
	return s;
}

static int setup(void **state)
{
	fixture *f = calloc(1, sizeof *f);
	snprintf(f->dir, sizeof f->dir, "%s/w", tu_tmpdir());
	uint8_t seed[PL_ED25519_SEED_SIZE];
	pl_sha256("witness seed", 12, seed);
	assert_int_equal(pl_witness_init_seeded(f->dir, "witness.example.org/w1", seed, NULL), PL_OK);
	assert_int_equal(pl_witness_open(f->dir, 0, &f->w, NULL), PL_OK);
	assert_int_equal(pl_witness_add_log(f->w, LOG_VKEY, NULL), PL_OK);
	f->log = seeded("example.org/cert-log", PL_SIGTYPE_ED25519, "log seed");
	/* the RFC 6962 vector tree's first 8 leaves, then more */
	static const char *hex8[] = {"", "00", "10", "2021", "3031", "40414243", "5051525354555657",
				     "606162636465666768696a6b6c6d6e6f"};
	for (int i = 0; i < 64; i++) {
		uint8_t e[32];
		size_t n = i < 8 ? tu_hex(hex8[i], e, sizeof e) : (size_t)snprintf((char *)e, sizeof e, "leaf %d", i);
		pl_leaf_hash(e, n, &f->leaves[i]);
	}
	f->ref = tu_ref_new(f->leaves, 64);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	fixture *f = *state;
	pl_witness_close(f->w);
	pl_signer_free(f->log);
	tu_ref_free(f->ref);
	char *slash = strrchr(f->dir, '/');
	*slash = '\0';
	tu_rmrf(f->dir);
	free(f);
	return 0;
}

/* A checkpoint of size n signed by s (root from the reference, or `root` if given). */
static void checkpoint(fixture *f, const pl_signer *s, uint64_t n, const pl_hash *root, pl_buf *out)
{
	pl_checkpoint c;
	snprintf(c.origin, sizeof c.origin, "%s", s->v.name);
	c.size = n;
	if (root)
		c.root = *root;
	else if (n == 0)
		pl_empty_root(&c.root);
	else
		tu_ref_mth(f->ref, 0, n, &c.root);
	pl_buf text;
	pl_buf_init(&text, 4096);
	assert_int_equal(pl_checkpoint_format(&c, &text), PL_OK);
	pl_buf_reset(out);
	assert_int_equal(pl_note_sign(s, text.data, text.len, out), PL_OK);
	pl_buf_release(&text);
}

/* An add-checkpoint request from old to the checkpoint cp of size n. */
static void request(fixture *f, uint64_t old, uint64_t n, const pl_buf *cp, pl_buf *out)
{
	pl_hash proof[PL_PROOF_MAX];
	size_t len = 0;
	pl_hash_reader hr = tu_ref_reader(f->ref);
	if (old <= n)
		assert_int_equal(pl_prove_consistency(&hr, old, n, proof, &len), PL_OK);
	pl_buf_reset(out);
	assert_int_equal(pl_witness_req_format(old, proof, len, cp->data, cp->len, out), PL_OK);
}

static int send(fixture *f, const pl_buf *req, uint64_t now, pl_witness_answer *a)
{
	pl_witness_answer_release(a);
	pl_witness_answer_init(a);
	assert_int_equal(pl_witness_add_checkpoint(f->w, req->data, req->len, now, a), PL_OK);
	return (int)pl_witness_http_status(a); /* through the adapters' one status table */
}

static void test_vectors(void **state)
{
	fixture *f = *state;
	size_t n6, n8, c6, c8, r68;
	uint8_t *cp6 = tu_read_file(tu_vector("checkpoint.6"), &n6), *cp8 = tu_read_file(tu_vector("checkpoint.8"), &n8);
	uint8_t *cos6 = tu_read_file(tu_vector("cosig.6"), &c6), *cos8 = tu_read_file(tu_vector("cosig.8"), &c8);
	uint8_t *req68 = tu_read_file(tu_vector("add-checkpoint.6-8"), &r68);
	pl_buf req;
	pl_buf_init(&req, PL_WITNESS_REQ_MAX);
	pl_witness_answer a;
	pl_witness_answer_init(&a);
	/* from nothing to size 6 (trust on first use: old 0, empty proof) */
	assert_int_equal(pl_witness_req_format(0, NULL, 0, cp6, n6, &req), PL_OK);
	assert_int_equal(send(f, &req, 1700000000, &a), 200);
	assert_int_equal(a.body.len, c6);
	assert_memory_equal(a.body.data, cos6, c6);
	/* the vector request from 6 to 8 */
	pl_buf vreq = {req68, r68, 0, r68};
	assert_int_equal(send(f, &vreq, 1700000000, &a), 200);
	assert_int_equal(a.body.len, c8);
	assert_memory_equal(a.body.data, cos8, c8);
	/* the witness remembers it, with its cosignature */
	pl_buf latest;
	pl_buf_init(&latest, 1 << 16);
	assert_int_equal(pl_witness_latest(f->w, "example.org/cert-log", &latest), PL_OK);
	assert_int_equal(latest.len, n8 + c8);
	assert_memory_equal(latest.data + n8, cos8, c8);
	pl_buf_release(&latest);
	pl_witness_answer_release(&a);
	pl_buf_release(&req);
	free(cp6);
	free(cp8);
	free(cos6);
	free(cos8);
	free(req68);
}

static void test_statuses(void **state)
{
	fixture *f = *state;
	pl_buf cp, req;
	pl_buf_init(&cp, 1 << 16);
	pl_buf_init(&req, PL_WITNESS_REQ_MAX);
	pl_witness_answer a;
	pl_witness_answer_init(&a);
	checkpoint(f, f->log, 10, NULL, &cp);
	request(f, 0, 10, &cp, &req);
	assert_int_equal(send(f, &req, 1, &a), 200);
	/* 409: a stale old size, with the stored size */
	checkpoint(f, f->log, 20, NULL, &cp);
	request(f, 5, 20, &cp, &req);
	assert_int_equal(send(f, &req, 2, &a), 409);
	assert_int_equal(a.refusal.code, PL_R_WITNESS_OLD_SIZE); /* served as text/x.tlog.size (e2e.witness_monitor) */
	assert_int_equal(a.size, 10);
	/* 200 from the right size */
	request(f, 10, 20, &cp, &req);
	assert_int_equal(send(f, &req, 3, &a), 200);
	/* 200 again for the same checkpoint (old 20 = new 20, same root) */
	request(f, 20, 20, &cp, &req);
	assert_int_equal(send(f, &req, 4, &a), 200);
	/* 422: the same size with another root */
	pl_hash other;
	memset(&other, 7, sizeof other);
	checkpoint(f, f->log, 20, &other, &cp);
	request(f, 20, 20, &cp, &req);
	assert_int_equal(send(f, &req, 5, &a), 422);
	/* 422: a consistency proof that does not verify (a forked history) */
	checkpoint(f, f->log, 30, &other, &cp);
	request(f, 20, 30, &cp, &req);
	assert_int_equal(send(f, &req, 6, &a), 422);
	/* 400: old size larger than the checkpoint; and malformed bodies */
	checkpoint(f, f->log, 30, NULL, &cp);
	pl_buf_reset(&req);
	assert_int_equal(pl_witness_req_format(40, NULL, 0, cp.data, cp.len, &req), PL_OK);
	assert_int_equal(send(f, &req, 7, &a), 400);
	uint8_t junkbytes[] = "old 1\n";
	pl_buf junk = {junkbytes, 6, 0, 6};
	assert_int_equal(send(f, &junk, 8, &a), 400);
	/* 404: a log the witness does not know */
	pl_signer *stranger = seeded("example.org/other-log", PL_SIGTYPE_ED25519, "stranger");
	checkpoint(f, stranger, 30, NULL, &cp);
	request(f, 20, 30, &cp, &req);
	assert_int_equal(send(f, &req, 9, &a), 404);
	/* 403: the right origin, the wrong key */
	pl_signer *impostor = seeded("example.org/cert-log", PL_SIGTYPE_ED25519, "impostor");
	checkpoint(f, impostor, 30, NULL, &cp);
	request(f, 20, 30, &cp, &req);
	assert_int_equal(send(f, &req, 10, &a), 403);
	/* the state is still size 20 */
	checkpoint(f, f->log, 30, NULL, &cp);
	request(f, 20, 30, &cp, &req);
	assert_int_equal(send(f, &req, 11, &a), 200);
	pl_signer_free(stranger);
	pl_signer_free(impostor);
	pl_witness_answer_release(&a);
	pl_buf_release(&cp);
	pl_buf_release(&req);
}

static void test_rate_limit(void **state)
{
	fixture *f = *state;
	pl_witness *limited;
	assert_int_equal(pl_witness_open(f->dir, 1, &limited, NULL), PL_OK);
	pl_buf cp, req;
	pl_buf_init(&cp, 1 << 16);
	pl_buf_init(&req, PL_WITNESS_REQ_MAX);
	checkpoint(f, f->log, 4, NULL, &cp);
	request(f, 0, 4, &cp, &req);
	int n429 = 0;
	for (int i = 0; i < 6; i++) {
		pl_witness_answer a;
		pl_witness_answer_init(&a);
		assert_int_equal(pl_witness_add_checkpoint(limited, req.data, req.len, 1, &a), PL_OK);
		if (pl_witness_http_status(&a) == 429) {
			n429++;
			assert_true(pl_refusal_retryable(a.refusal.code));
			assert_int_equal(pl_http_retry_after(429), 1);
		}
		pl_witness_answer_release(&a);
	}
	assert_true(n429 >= 3);
	pl_witness_close(limited);
	pl_buf_release(&cp);
	pl_buf_release(&req);
}

typedef struct racer {
	fixture *f;
	pl_buf req;
	int status;
	pthread_barrier_t *go;
} racer;

static void *race(void *arg)
{
	racer *r = arg;
	pl_witness_answer a;
	pl_witness_answer_init(&a);
	pthread_barrier_wait(r->go);
	(void)pl_witness_add_checkpoint(r->f->w, r->req.data, r->req.len, 100, &a);
	r->status = (int)pl_witness_http_status(&a);
	pl_witness_answer_release(&a);
	return NULL;
}

static void test_race_exactly_one_wins(void **state)
{
	fixture *f = *state;
	pl_buf cp, req;
	pl_buf_init(&cp, 1 << 16);
	pl_buf_init(&req, PL_WITNESS_REQ_MAX);
	checkpoint(f, f->log, 8, NULL, &cp);
	request(f, 0, 8, &cp, &req);
	pl_witness_answer a;
	pl_witness_answer_init(&a);
	assert_int_equal(send(f, &req, 1, &a), 200);
	pl_witness_answer_release(&a);
	/* 16 requests from the same old size 8, to sizes 9..24 */
	enum { N = 16 };
	racer r[N];
	pthread_t th[N];
	pthread_barrier_t go;
	pthread_barrier_init(&go, NULL, N);
	for (int i = 0; i < N; i++) {
		r[i].f = f;
		r[i].go = &go;
		pl_buf_init(&r[i].req, PL_WITNESS_REQ_MAX);
		checkpoint(f, f->log, (uint64_t)(9 + i), NULL, &cp);
		request(f, 8, (uint64_t)(9 + i), &cp, &r[i].req);
	}
	for (int i = 0; i < N; i++)
		pthread_create(&th[i], NULL, race, &r[i]);
	int wins = 0, conflicts = 0;
	for (int i = 0; i < N; i++) {
		pthread_join(th[i], NULL);
		wins += r[i].status == 200;
		conflicts += r[i].status == 409;
		pl_buf_release(&r[i].req);
	}
	assert_int_equal(wins, 1);
	assert_int_equal(conflicts, N - 1);
	pthread_barrier_destroy(&go);
	pl_buf_release(&cp);
	pl_buf_release(&req);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_vectors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_statuses, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rate_limit, setup, teardown),
		cmocka_unit_test_setup_teardown(test_race_exactly_one_wins, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
