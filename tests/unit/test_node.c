/*
 * test_node.c - the log server's core without HTTP (server/node.h): what
 * intake refuses and its limits (rate, queue, shutdown), the sequencer under
 * concurrent submitters (order, references, batches mixing good and bad
 * statements), receipts and acceptances, reopening (the engine replayed, the
 * workflow index rebuilt) and entries of the log that the rules refuse.
 *
 * Every test builds its own log (a charter by p0 naming p0..p8) in a
 * temporary directory and opens a node on it. Nothing waits a fixed time:
 * polls end as soon as their condition holds, with a deadline (WAIT_S) far
 * beyond what a loaded machine needs. A few tests pause the pipeline
 * deterministically by holding one of the node's own locks (node_impl.h):
 * holding logmu stops the sequencer before it stages its batch, so every
 * submission stays counted in the queue until it is released.
 */
#include "testutil.h"

#include "base/codec.h"
#include "base/sha256.h"
#include "base/thread.h"
#include "base/timefmt.h"
#include "server/node.h"
#include "server/node_impl.h"
#include "statement/sign.h"
#include "store/log.h"
#include "store/logdir.h"
#include "tlog/acceptance.h"
#include "tlog/checkpoint.h"
#include "tlog/note.h"
#include "tlog/proof_file.h"
#include "workflow/genesis.h"
#include "workflow/index.h"

#include <jansson.h>
#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define ORIGIN "unit.example/node"
#define NPARTIES 9     /* p0 (who signs the charter) .. p8 */
#define WAIT_S 120.0   /* the longest a poll waits before the test fails */
#define SAID_MAX 64

typedef struct fixture {
	char root[PATH_MAX];         /* the temporary directory */
	char dir[PATH_MAX];          /* the log in it */
	pl_party_key *k[NPARTIES];
	pl_node *n;
	pthread_mutex_t said_mu;     /* guards said, nsaid (the node says things from its threads) */
	char said[SAID_MAX][1024];
	size_t nsaid;
} fixture;

static fixture F;

/* ---- helpers ---- */

static void say_cb(void *ctx, const char *msg)
{
	(void)ctx;
	pthread_mutex_lock(&F.said_mu);
	if (F.nsaid < SAID_MAX)
		snprintf(F.said[F.nsaid++], sizeof F.said[0], "%s", msg);
	pthread_mutex_unlock(&F.said_mu);
}

/* How many things the node said that contain needle. */
static size_t said_count(const char *needle)
{
	size_t c = 0;
	pthread_mutex_lock(&F.said_mu);
	for (size_t i = 0; i < F.nsaid; i++)
		if (strstr(F.said[i], needle) != NULL)
			c++;
	pthread_mutex_unlock(&F.said_mu);
	return c;
}

static void said_reset(void)
{
	pthread_mutex_lock(&F.said_mu);
	F.nsaid = 0;
	pthread_mutex_unlock(&F.said_mu);
}

static void pause_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
	nanosleep(&ts, NULL);
}

/* A party key from fixed seeds (name and tag pick them): deterministic and fast. */
static pl_party_key *make_key(const char *name, const char *tag)
{
	uint8_t seed[PL_ED25519_SEED_SIZE], box[PL_X25519_SK_SIZE];
	char s[64];
	snprintf(s, sizeof s, "sign %s %s", name, tag);
	pl_sha256(s, strlen(s), seed);
	snprintf(s, sizeof s, "box %s %s", name, tag);
	pl_sha256(s, strlen(s), box);
	pl_party_key *k = NULL;
	assert_int_equal(pl_party_key_from_seeds(name, seed, box, &k, NULL), PL_OK);
	return k;
}

static void opts(pl_node_opts *o)
{
	pl_node_opts_default(o);
	o->batch_ms = 5;
	o->verifiers = 2;
	o->wait_ms = 120000; /* a receipt never times out in these tests */
	o->log = say_cb;
}

static void node_open_with(const pl_node_opts *o)
{
	pl_diag d = {0};
	int rc = pl_node_open(F.dir, o, &F.n, &d);
	if (rc != PL_OK)
		fail_msg("pl_node_open: %s", pl_diag_text(&d, rc));
}

static void node_open(void)
{
	pl_node_opts o;
	opts(&o);
	node_open_with(&o);
}

static void node_close(void)
{
	pl_node_close(F.n);
	F.n = NULL;
}

static int setup(void **state)
{
	(void)state;
	memset(&F, 0, sizeof F);
	pthread_mutex_init(&F.said_mu, NULL);
	snprintf(F.root, sizeof F.root, "%s", tu_tmpdir());
	snprintf(F.dir, sizeof F.dir, "%s/log", F.root);
	pl_identity others[NPARTIES - 1];
	for (int i = 0; i < NPARTIES; i++) {
		char name[8];
		snprintf(name, sizeof name, "p%d", i);
		F.k[i] = make_key(name, "");
		if (i > 0)
			others[i - 1] = F.k[i]->id;
	}
	pl_charter ch;
	memset(&ch, 0, sizeof ch);
	snprintf(ch.name, sizeof ch.name, "node tests");
	ch.sponsors = 1;
	ch.ack_seconds = 86400;
	ch.response_seconds = 86400;
	pl_diag d = {0};
	int rc = pl_setup_log(F.dir, ORIGIN, F.k[0], others, NPARTIES - 1, &ch, NULL, &d);
	if (rc != PL_OK)
		fail_msg("pl_setup_log: %s", pl_diag_text(&d, rc));
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	node_close();
	for (int i = 0; i < NPARTIES; i++)
		pl_party_key_free(F.k[i]);
	pthread_mutex_destroy(&F.said_mu);
	tu_rmrf(F.root);
	return 0;
}

/* Signs a statement by k (body is consumed; NULL for {}) into env (initialised here). */
static void sign_full(const pl_party_key *k, const char *origin, const char *type, uint64_t seq, int64_t t,
		      json_t *body, const pl_ref *refs, size_t nrefs, pl_buf *env)
{
	pl_buf_init(env, PL_DSSE_MAX);
	if (body == NULL)
		body = json_object();
	assert_non_null(body);
	assert_int_equal(pl_statement_sign(k, origin, type, seq, t, body, refs, nrefs, env), PL_OK);
	json_decref(body);
}

/* A ping by party p with seq (now, this log). */
static void ping(int p, uint64_t seq, pl_buf *env)
{
	sign_full(F.k[p], ORIGIN, "ping", seq, pl_now(), NULL, NULL, 0, env);
}

static void submit(const pl_buf *env, bool wait, pl_node_result *r)
{
	pl_node_result_init(r);
	pl_node_submit(F.n, env->data, env->len, wait, r);
}

static void expect_accepted(const pl_node_result *r)
{
	if (r->err != PL_OK)
		fail_msg("expected acceptance, got err %d %s: %s %s", r->err, pl_refusal_name(r->refusal.code),
			 r->refusal.msg, r->msg);
}

static void expect_refused(const pl_node_result *r, pl_refusal_code code)
{
	if (r->err != PL_EREFUSED || r->refusal.code != code)
		fail_msg("expected refusal %s, got err %d %s: %s", pl_refusal_name(code), r->err,
			 pl_refusal_name(r->refusal.code), r->refusal.msg);
}

/* Submits env, expects a refusal with code (and whether it may be retried); releases everything. */
static void refused(pl_buf *env, pl_refusal_code code, bool retry)
{
	pl_node_result r;
	submit(env, false, &r);
	expect_refused(&r, code);
	assert_true(r.retry == retry);
	assert_int_equal(r.acceptance.len, 0);
	pl_node_result_release(&r);
	pl_buf_release(env);
}

/* Submits env, expects acceptance; returns its index (and leaf); releases everything. */
static uint64_t accepted(pl_buf *env, bool wait, pl_hash *leaf)
{
	pl_node_result r;
	submit(env, wait, &r);
	expect_accepted(&r);
	pl_hash h;
	pl_leaf_hash(env->data, env->len, &h);
	assert_true(pl_hash_eq(&h, &r.leaf));
	assert_true(r.acceptance.len > 0);
	assert_true(wait == (r.receipt.len > 0));
	if (leaf != NULL)
		*leaf = r.leaf;
	uint64_t index = r.index;
	pl_node_result_release(&r);
	pl_buf_release(env);
	return index;
}

static uint64_t published_size(void)
{
	pl_buf cp;
	pl_buf_init(&cp, PL_NOTE_MAX);
	uint64_t size = 0;
	assert_int_equal(pl_node_checkpoint(F.n, &cp, &size), PL_OK);
	assert_true(cp.len > 0);
	pl_buf_release(&cp);
	return size;
}

/* Waits until the published checkpoint covers size entries. */
static void wait_published(uint64_t size)
{
	double until = pl_mono() + WAIT_S;
	while (published_size() < size) {
		if (pl_mono() > until)
			fail_msg("the checkpoint did not reach size %llu in %.0f s", (unsigned long long)size, WAIT_S);
		pause_ms(1);
	}
}

/* Waits until the workflow index holds every published entry. */
static void wait_indexed(void)
{
	double until = pl_mono() + WAIT_S;
	for (;;) {
		pl_node_stats s;
		pl_node_stats_get(F.n, &s);
		if (s.indexed == s.size)
			return;
		if (pl_mono() > until)
			fail_msg("the index holds %llu of %llu entries after %.0f s", (unsigned long long)s.indexed,
				 (unsigned long long)s.size, WAIT_S);
		pause_ms(2);
	}
}

static pl_node_stats stats(void)
{
	pl_node_stats s;
	pl_node_stats_get(F.n, &s);
	return s;
}

/* The log's verifier key, read from its directory (not from the node). */
static void log_policy(pl_policy *pol, pl_verifier *v)
{
	pl_diag d = {0};
	int rc = pl_logdir_read_vkey(F.dir, v, &d);
	if (rc != PL_OK)
		fail_msg("log.vkey: %s", pl_diag_text(&d, rc));
	pl_policy_init(pol, v);
}

/* Parses a published entry: author, seq, type (released by the caller with pl_submission_release). */
static void parse_entry(const pl_buf *e, pl_submission *s)
{
	pl_admission a;
	memset(&a, 0, sizeof a);
	a.skew = -1;
	pl_refusal v = {0};
	if (pl_submission_parse(e->data, e->len, ORIGIN, &a, s, &v) != PL_OK)
		fail_msg("an entry of the log does not parse: %s", v.msg);
}

/* A submission on a thread of its own. */
typedef struct async_submit {
	pthread_t t;
	pl_buf env;
	bool wait;
	pl_node_result r;
} async_submit;

static void *async_run(void *arg)
{
	async_submit *a = arg;
	pl_node_submit(F.n, a->env.data, a->env.len, a->wait, &a->r);
	return NULL;
}

static void async_start(async_submit *a, bool wait)
{
	pl_node_result_init(&a->r);
	a->wait = wait;
	assert_int_equal(pthread_create(&a->t, NULL, async_run, a), 0);
}

static void async_join(async_submit *a)
{
	assert_int_equal(pthread_join(a->t, NULL), 0);
}

static void async_release(async_submit *a)
{
	pl_node_result_release(&a->r);
	pl_buf_release(&a->env);
}

/* The node's queues, read under its mu: submitted, verified, taken by the sequencer and unpublished. */
typedef struct queues {
	size_t in, verified, unpublished;
} queues;

static queues queues_now(void)
{
	pthread_mutex_lock(&F.n->mu);
	queues q = {F.n->in.n, F.n->verified.n, F.n->unpublished};
	pthread_mutex_unlock(&F.n->mu);
	return q;
}

/* Waits until the node's queues hold exactly want (a state that holds still while logmu is held). */
static void wait_queues(queues want)
{
	double until = pl_mono() + WAIT_S;
	for (;;) {
		queues q = queues_now();
		if (q.in == want.in && q.verified == want.verified && q.unpublished == want.unpublished)
			return;
		if (pl_mono() > until)
			fail_msg("the queues hold %zu, %zu, %zu, not %zu, %zu, %zu", q.in, q.verified, q.unpublished,
				 want.in, want.verified, want.unpublished);
		pause_ms(1);
	}
}

/* Waits until k submissions passed the verifiers (verified, or taken by the sequencer), none left before them. */
static void wait_through(size_t k)
{
	double until = pl_mono() + WAIT_S;
	for (;;) {
		queues q = queues_now();
		if (q.in == 0 && q.verified + q.unpublished == k)
			return;
		if (pl_mono() > until)
			fail_msg("the queues hold %zu, %zu, %zu, not 0 and %zu verified", q.in, q.verified, q.unpublished, k);
		pause_ms(1);
	}
}

/* ---- intake ---- */

/* Everything the verifiers and the first admission checks refuse; the log does not move. */
static void test_intake_refusals(void **state)
{
	(void)state;
	node_open();
	pl_buf env;

	/* not an envelope at all */
	pl_buf_init(&env, 64);
	assert_int_equal(pl_buf_puts(&env, "this is not an envelope"), PL_OK);
	refused(&env, PL_R_ENVELOPE_MALFORMED, false);
	/* a statement for another log */
	sign_full(F.k[1], "other.example/log", "ping", 1, pl_now(), NULL, NULL, 0, &env);
	refused(&env, PL_R_WRONG_LOG, false);
	/* an hour away from the clock (skew 300 s), either way */
	sign_full(F.k[1], ORIGIN, "ping", 1, pl_now() - 3600, NULL, NULL, 0, &env);
	refused(&env, PL_R_CLOCK_SKEW, false);
	sign_full(F.k[1], ORIGIN, "ping", 1, pl_now() + 3600, NULL, NULL, 0, &env);
	refused(&env, PL_R_CLOCK_SKEW, false);
	/* p1 by name, signed by another key */
	pl_party_key *impostor = make_key("p1", "impostor");
	sign_full(impostor, ORIGIN, "ping", 1, pl_now(), NULL, NULL, 0, &env);
	pl_party_key_free(impostor);
	refused(&env, PL_R_BAD_SIGNATURE, false);
	/* someone who is not a member */
	pl_party_key *stranger = make_key("stranger", "");
	sign_full(stranger, ORIGIN, "ping", 1, pl_now(), NULL, NULL, 0, &env);
	pl_party_key_free(stranger);
	refused(&env, PL_R_UNKNOWN_AUTHOR, false);
	/* p0 signed the charter with seq 1 */
	ping(0, 1, &env);
	refused(&env, PL_R_SEQ_REPLAYED, false);
	/* p1's first seq is 1 */
	ping(1, 2, &env);
	refused(&env, PL_R_SEQ_SKIPPED, false);
	/* no such type */
	sign_full(F.k[1], ORIGIN, "no.such.type", 1, pl_now(), NULL, NULL, 0, &env);
	refused(&env, PL_R_TYPE_UNKNOWN, false);

	pl_node_stats s = stats();
	assert_int_equal(s.size, 1);
	assert_int_equal(published_size(), 1);
	assert_int_equal(s.accepted, 0);
	assert_int_equal(s.refused, 9);
	assert_int_equal(s.queue, 0);
	pl_buf ref;
	pl_buf_init(&ref, 4096);
	assert_int_equal(pl_node_refusals(F.n, &ref), PL_OK);
	assert_int_equal(pl_buf_putc(&ref, '\0'), PL_OK);
	const char *text = (const char *)ref.data;
	assert_non_null(strstr(text, "envelope_malformed 1\n"));
	assert_non_null(strstr(text, "wrong_log 1\n"));
	assert_non_null(strstr(text, "clock_skew 2\n"));
	assert_non_null(strstr(text, "bad_signature 1\n"));
	assert_non_null(strstr(text, "unknown_author 1\n"));
	assert_non_null(strstr(text, "seq_replayed 1\n"));
	assert_non_null(strstr(text, "seq_skipped 1\n"));
	assert_non_null(strstr(text, "type_unknown 1\n"));
	pl_buf_release(&ref);

	/* nothing refused took an index: p1's first statement is entry 1 */
	ping(1, 1, &env);
	assert_int_equal(accepted(&env, true, NULL), 1);
	assert_int_equal(published_size(), 2);
	assert_int_equal(stats().accepted, 1);
}

/* The token bucket itself, at chosen instants. */
static void test_rate_take(void **state)
{
	(void)state;
	pl_node *n = calloc(1, sizeof *n);
	assert_non_null(n);
	/* rate 0: unlimited, and no bucket is kept */
	for (int i = 0; i < 100; i++)
		assert_true(pl_node_rate_take(n, "a", 1.0));
	assert_int_equal(n->nbuckets, 0);
	/* rate 2/s, burst by default 2 * rate = 4 */
	n->o.rate = 2;
	for (int i = 0; i < 4; i++)
		assert_true(pl_node_rate_take(n, "a", 100.0));
	assert_false(pl_node_rate_take(n, "a", 100.0));
	assert_false(pl_node_rate_take(n, "a", 100.25)); /* half a token */
	assert_true(pl_node_rate_take(n, "a", 100.5));   /* the second half */
	assert_false(pl_node_rate_take(n, "a", 100.5));
	/* another party has a bucket of its own */
	assert_true(pl_node_rate_take(n, "b", 100.5));
	/* a long pause refills up to the burst, no more */
	for (int i = 0; i < 4; i++)
		assert_true(pl_node_rate_take(n, "a", 10000.0));
	assert_false(pl_node_rate_take(n, "a", 10000.0));
	/* an explicit burst */
	n->o.burst = 1;
	assert_true(pl_node_rate_take(n, "c", 0.0));
	assert_false(pl_node_rate_take(n, "c", 0.0));
	assert_false(pl_node_rate_take(n, "c", 0.4));
	assert_true(pl_node_rate_take(n, "c", 0.5));
	/* a slow rate still lets one statement through (burst at least 1) */
	n->o.burst = 0;
	n->o.rate = 0.1;
	assert_true(pl_node_rate_take(n, "d", 0.0));
	assert_false(pl_node_rate_take(n, "d", 9.0));
	assert_true(pl_node_rate_take(n, "d", 10.0));
	/* many parties: the buckets grow */
	for (int i = 0; i < 40; i++) {
		char p[16];
		snprintf(p, sizeof p, "many%d", i);
		assert_true(pl_node_rate_take(n, p, 0.0));
		assert_false(pl_node_rate_take(n, p, 0.0));
	}
	assert_int_equal(n->nbuckets, 4 + 40);
	free(n->buckets);
	free(n);
}

/* Forged signatures spend no rate: an impostor signing as p1 cannot drain p1's bucket, and
 * statements from names that are no member's do not grow the bucket table. */
static void test_rate_forged(void **state)
{
	(void)state;
	pl_node_opts o;
	opts(&o);
	o.rate = 0.001; /* nothing refills during the test */
	o.burst = 2;
	node_open_with(&o);
	pl_buf env;
	pl_party_key *impostor = make_key("p1", "impostor");
	for (uint64_t i = 1; i <= 5; i++) {
		sign_full(impostor, ORIGIN, "ping", 1, pl_now(), NULL, NULL, 0, &env);
		refused(&env, PL_R_BAD_SIGNATURE, false);
	}
	pl_party_key_free(impostor);
	char name[32];
	for (int i = 0; i < 20; i++) {
		snprintf(name, sizeof name, "stranger%d", i);
		pl_party_key *k = make_key(name, "");
		sign_full(k, ORIGIN, "ping", 1, pl_now(), NULL, NULL, 0, &env);
		pl_party_key_free(k);
		refused(&env, PL_R_UNKNOWN_AUTHOR, false);
	}
	assert_int_equal(F.n->nbuckets, 0);
	/* p1's own burst is whole */
	ping(1, 1, &env);
	assert_int_equal(accepted(&env, false, NULL), 1);
	ping(1, 2, &env);
	assert_int_equal(accepted(&env, false, NULL), 2);
	ping(1, 3, &env);
	refused(&env, PL_R_RATE_LIMITED, true);
}

/* The per-party rate through the node: a party over it is refused, retryably; others are not. */
static void test_rate_limited(void **state)
{
	(void)state;
	pl_node_opts o;
	opts(&o);
	o.rate = 0.001; /* one token per 1000 s: nothing refills during the test */
	o.burst = 2;
	node_open_with(&o);
	pl_buf env;
	ping(1, 1, &env);
	assert_int_equal(accepted(&env, false, NULL), 1);
	ping(1, 2, &env);
	assert_int_equal(accepted(&env, false, NULL), 2);
	ping(1, 3, &env);
	pl_node_result r;
	submit(&env, false, &r);
	expect_refused(&r, PL_R_RATE_LIMITED);
	assert_true(r.retry);
	pl_node_result_release(&r);
	/* the same bytes again: still over the rate */
	refused(&env, PL_R_RATE_LIMITED, true);
	/* p2 has its own bucket */
	ping(2, 1, &env);
	assert_int_equal(accepted(&env, true, NULL), 3);
	pl_node_stats s = stats();
	assert_int_equal(s.accepted, 3);
	assert_int_equal(s.refused, 2);
	assert_int_equal(s.size, 4);
}

/* queue_max counts what is queued, checked and staged but unpublished; past it, queue_full. */
static void test_queue_full(void **state)
{
	(void)state;
	pl_node_opts o;
	opts(&o);
	o.queue_max = 3;
	node_open_with(&o);
	async_submit a[3];
	/* the sequencer cannot stage while logmu is held: all three stay in the queue */
	pthread_mutex_lock(&F.n->logmu);
	for (int i = 0; i < 3; i++) {
		ping(i + 1, 1, &a[i].env);
		async_start(&a[i], false);
	}
	wait_through(3);
	assert_int_equal(stats().queue, 3);
	pl_buf env;
	ping(4, 1, &env);
	pl_node_result r;
	submit(&env, false, &r);
	expect_refused(&r, PL_R_QUEUE_FULL);
	assert_true(r.retry);
	pl_node_result_release(&r);
	assert_int_equal(stats().queue, 3);
	assert_int_equal(published_size(), 1);
	pthread_mutex_unlock(&F.n->logmu);

	bool seen[4] = {false, false, false, false};
	for (int i = 0; i < 3; i++) {
		async_join(&a[i]);
		expect_accepted(&a[i].r);
		assert_true(a[i].r.index >= 1 && a[i].r.index <= 3);
		assert_false(seen[a[i].r.index]);
		seen[a[i].r.index] = true;
		async_release(&a[i]);
	}
	/* the refused bytes, retried once there is room (the three are published) */
	wait_published(4);
	assert_int_equal(stats().queue, 0);
	assert_int_equal(accepted(&env, true, NULL), 4);
	assert_int_equal(stats().refused, 1);
}

/* A submission a verifier is checking counts toward queue_max too. */
static void test_queue_counts_checking(void **state)
{
	(void)state;
	pl_node_opts o;
	opts(&o);
	o.queue_max = 2;
	node_open_with(&o);
	/* with the key table locked for writing, each verifier stops after parsing, holding its job */
	pthread_rwlock_wrlock(&F.n->klock);
	async_submit a[2];
	for (int i = 0; i < 2; i++) {
		ping(i + 1, 1, &a[i].env);
		async_start(&a[i], false);
	}
	/* both submitted and both taken by a verifier */
	double until = pl_mono() + WAIT_S;
	for (;;) {
		pthread_mutex_lock(&F.n->mu);
		bool held = F.n->checking == 2 && F.n->in.n == 0;
		pthread_mutex_unlock(&F.n->mu);
		if (held || pl_mono() > until)
			break;
		pause_ms(1);
	}
	queues q = queues_now();
	pl_node_stats s = stats();
	pl_node_result r;
	pl_node_result_init(&r);
	pl_buf env;
	ping(3, 1, &env);
	if (q.in == 0 && s.queue == 2) /* else the submission would wait for the lock held here */
		pl_node_submit(F.n, env.data, env.len, false, &r);
	pthread_rwlock_unlock(&F.n->klock);
	assert_int_equal(q.in, 0);
	assert_int_equal(q.verified + q.unpublished, 0);
	assert_int_equal(s.queue, 2);
	expect_refused(&r, PL_R_QUEUE_FULL);
	pl_node_result_release(&r);
	for (int i = 0; i < 2; i++) {
		async_join(&a[i]);
		expect_accepted(&a[i].r);
		async_release(&a[i]);
	}
	wait_published(3);
	assert_int_equal(accepted(&env, false, NULL), 3);
}

static void *closer_run(void *arg)
{
	pl_node_close(arg);
	return NULL;
}

/* Once pl_node_close has begun, a submission is refused with shutting_down; what the sequencer
 * already holds is staged, answered and published before close returns; what is still queued is
 * answered shutting_down; close returns once its submitters have left. */
static void test_shutting_down(void **state)
{
	(void)state;
	node_open();
	async_submit a;
	ping(1, 1, &a.env);
	/* the sequencer takes a's batch and waits for logmu to stage it */
	pthread_mutex_lock(&F.n->logmu);
	async_start(&a, false);
	wait_queues((queues){0, 0, 1});
	/* b is checked and queued behind it */
	async_submit b;
	ping(3, 1, &b.env);
	async_start(&b, true);
	wait_queues((queues){0, 1, 1});
	/* close starts: it stops the threads and waits for the sequencer */
	pl_node *n = F.n;
	pthread_t closer;
	assert_int_equal(pthread_create(&closer, NULL, closer_run, n), 0);
	double until = pl_mono() + WAIT_S;
	for (;;) {
		pthread_mutex_lock(&n->mu);
		bool stopping = n->stop;
		pthread_mutex_unlock(&n->mu);
		if (stopping)
			break;
		if (pl_mono() > until)
			fail_msg("pl_node_close did not start stopping");
		pause_ms(1);
	}
	pl_buf env;
	ping(2, 1, &env);
	refused(&env, PL_R_SHUTTING_DOWN, true);
	pthread_mutex_unlock(&n->logmu);
	assert_int_equal(pthread_join(closer, NULL), 0);
	F.n = NULL;
	async_join(&a);
	expect_accepted(&a.r);
	assert_int_equal(a.r.index, 1);
	assert_true(a.r.acceptance.len > 0);
	async_release(&a);
	/* close answered what was still queued */
	async_join(&b);
	expect_refused(&b.r, PL_R_SHUTTING_DOWN);
	assert_true(b.r.retry);
	async_release(&b);
	/* the stopping sequencer published it */
	node_open();
	assert_int_equal(published_size(), 2);
	ping(1, 2, &env);
	assert_int_equal(accepted(&env, false, NULL), 2);
	ping(2, 1, &env);
	assert_int_equal(accepted(&env, false, NULL), 3);
	ping(3, 1, &env);
	assert_int_equal(accepted(&env, false, NULL), 4);
}

/* The acceptance: the batch's note (origin, first, count, root, time) signed by the log, and the
 * entry's path in the batch from its leaf to that root. Returns the note as opened. */
static pl_acceptance check_acceptance(const pl_node_result *r, const pl_verifier *v)
{
	pl_acceptance a;
	assert_int_equal(pl_acceptance_open(r->acceptance.data, r->acceptance.len, v, &a), PL_OK);
	assert_int_equal(a.form, PL_ACCEPT_BATCH);
	assert_string_equal(a.origin, ORIGIN);
	assert_true(a.first <= r->index && r->index < a.first + a.count);
	assert_int_equal(pl_acceptance_check(&a, r->index, &r->leaf, r->path, r->path_len), PL_OK);
	int64_t t;
	assert_int_equal(pl_time_parse(a.time, strlen(a.time), &t), PL_OK);
	assert_true(t >= pl_now() - 600 && t <= pl_now() + 600);
	/* not for another leaf, nor at another index */
	pl_hash other = r->leaf;
	other.b[0] ^= 1;
	assert_int_equal(pl_acceptance_check(&a, r->index, &other, r->path, r->path_len), PL_EVERIFY);
	assert_int_equal(pl_acceptance_check(&a, r->index + a.count, &r->leaf, r->path, r->path_len), PL_EVERIFY);
	/* a flipped byte of the signed text breaks it */
	uint8_t *copy = malloc(r->acceptance.len);
	assert_non_null(copy);
	memcpy(copy, r->acceptance.data, r->acceptance.len);
	copy[22] ^= 1;
	assert_int_not_equal(pl_acceptance_open(copy, r->acceptance.len, v, &a), PL_OK);
	free(copy);
	assert_int_equal(pl_acceptance_open(r->acceptance.data, r->acceptance.len, v, &a), PL_OK);
	return a;
}

/* One pl_node_submit_async: its result and what its callback saw. */
typedef struct cb_sub {
	pl_buf env;
	pl_node_result r;
	atomic_int calls;       /* how many times done was called */
	pthread_t by;           /* the thread that called it */
	bool acc_at_call;       /* the acceptance was there when done was called */
	bool receipt_at_call;
} cb_sub;

static void cb_done(void *ctx, pl_node_result *res)
{
	cb_sub *c = ctx;
	assert_ptr_equal(res, &c->r);
	c->by = pthread_self();
	c->acc_at_call = res->acceptance.len > 0;
	c->receipt_at_call = res->receipt.len > 0;
	atomic_fetch_add(&c->calls, 1);
}

static void cb_wait(cb_sub *c, int calls)
{
	double until = pl_mono() + WAIT_S;
	while (atomic_load(&c->calls) < calls) {
		if (pl_mono() > until)
			fail_msg("done was called %d times, not %d", atomic_load(&c->calls), calls);
		pause_ms(1);
	}
}

static void cb_start(cb_sub *c, bool wait)
{
	pl_node_result_init(&c->r);
	atomic_init(&c->calls, 0);
	pl_node_submit_async(F.n, c->env.data, c->env.len, wait, &c->r, cb_done, c);
}

/* pl_node_submit_async: the envelope is copied; done is called exactly once, by a worker (never
 * the submitter) once the answer is complete (acceptance signed, receipt built); a refusal at once
 * (queue_full) is answered inside the call, on the submitter's thread; pl_node_close answers what
 * waits for a receipt with the acceptance alone, on its own thread. */
static void test_submit_async(void **state)
{
	(void)state;
	pl_node_opts o;
	opts(&o);
	o.queue_max = 4;
	node_open_with(&o);
	enum { N = 4 };
	cb_sub c[N];
	for (int i = 0; i < N; i++) {
		ping(i + 1, 1, &c[i].env);
		cb_start(&c[i], i % 2 == 1);
		/* the node has its own copy: the caller's bytes can change at once */
		memset(c[i].env.data, 'x', c[i].env.len);
	}
	for (int i = 0; i < N; i++) {
		cb_wait(&c[i], 1);
		expect_accepted(&c[i].r);
		assert_true(c[i].acc_at_call);
		assert_true(c[i].receipt_at_call == (i % 2 == 1));
		assert_false(pthread_equal(c[i].by, pthread_self()));
	}
	wait_published(1 + N);
	pause_ms(20);
	for (int i = 0; i < N; i++) {
		assert_int_equal(atomic_load(&c[i].calls), 1); /* still once */
		pl_node_result_release(&c[i].r);
		pl_buf_release(&c[i].env);
	}

	/* the sequencer held back (logmu): the queue fills, the next one is refused inside the call */
	pthread_mutex_lock(&F.n->logmu);
	cb_sub q[N + 1];
	for (int i = 0; i < N; i++) {
		ping(i + 1, 2, &q[i].env);
		cb_start(&q[i], true);
	}
	wait_through(N);
	ping(5, 1, &q[N].env);
	cb_start(&q[N], false);
	assert_int_equal(atomic_load(&q[N].calls), 1); /* answered before it returned */
	assert_true(pthread_equal(q[N].by, pthread_self()));
	expect_refused(&q[N].r, PL_R_QUEUE_FULL);
	for (int i = 0; i < N; i++)
		assert_int_equal(atomic_load(&q[i].calls), 0);
	/* close: the sequencer stages and answers what it holds; the receipts do not come */
	pl_node *n = F.n;
	pthread_t closer;
	assert_int_equal(pthread_create(&closer, NULL, closer_run, n), 0);
	double until = pl_mono() + WAIT_S;
	for (;;) {
		pthread_mutex_lock(&n->mu);
		bool stopping = n->stop;
		pthread_mutex_unlock(&n->mu);
		if (stopping)
			break;
		if (pl_mono() > until)
			fail_msg("pl_node_close did not start stopping");
		pause_ms(1);
	}
	pthread_mutex_unlock(&n->logmu);
	assert_int_equal(pthread_join(closer, NULL), 0);
	F.n = NULL;
	for (int i = 0; i <= N; i++) {
		assert_int_equal(atomic_load(&q[i].calls), 1);
		if (i < N) {
			/* staged by the stopping sequencer and answered by close, or still queued and refused */
			if (q[i].r.err == PL_OK)
				assert_true(q[i].acc_at_call);
			else
				expect_refused(&q[i].r, PL_R_SHUTTING_DOWN);
		}
		pl_node_result_release(&q[i].r);
		pl_buf_release(&q[i].env);
	}
}

/* The key table the verifiers read: every active member's current key, refreshed once a batch
 * changes the membership (here p8 revokes its own key); never a key that is not the member's. */
static void test_key_table(void **state)
{
	(void)state;
	node_open();
	uint8_t pk[PL_ED25519_PK_SIZE];
	for (int i = 0; i < NPARTIES; i++) {
		char name[8];
		snprintf(name, sizeof name, "p%d", i);
		assert_true(pl_node_member_key(F.n, name, pk));
		assert_memory_equal(pk, F.k[i]->id.sign_pk, PL_ED25519_PK_SIZE);
	}
	assert_false(pl_node_member_key(F.n, "stranger", pk));
	assert_false(pl_node_member_key(F.n, "", pk));
	pl_buf env;
	sign_full(F.k[8], ORIGIN, "key.revoke", 1, pl_now(), json_pack("{s:s}", "reason", "lost"), NULL, 0, &env);
	assert_int_equal(accepted(&env, false, NULL), 1);
	assert_false(pl_node_member_key(F.n, "p8", pk)); /* refreshed by the batch that revoked it */
	assert_true(pl_node_member_key(F.n, "p7", pk));
	assert_memory_equal(pk, F.k[7]->id.sign_pk, PL_ED25519_PK_SIZE);
	ping(8, 2, &env);
	pl_node_result r;
	submit(&env, false, &r);
	assert_int_equal(r.err, PL_EREFUSED); /* the admission, not only the table, says so */
	pl_node_result_release(&r);
	pl_buf_release(&env);
	/* reopened: the table is built from the replayed log */
	node_close();
	node_open();
	assert_false(pl_node_member_key(F.n, "p8", pk));
	assert_true(pl_node_member_key(F.n, "p0", pk));
}

/* ---- sequencer ---- */

#define WRITERS 8
#define PER_WRITER 200

typedef struct writer {
	pthread_t t;
	int party;
	pl_buf env[PER_WRITER];
	uint64_t index[PER_WRITER];
	int err[PER_WRITER];
	pl_node_result res[PER_WRITER]; /* kept, to check the batch acceptances once every writer is done */
} writer;

static void *writer_run(void *arg)
{
	writer *w = arg;
	for (size_t i = 0; i < PER_WRITER; i++) {
		pl_node_result *r = &w->res[i];
		pl_node_result_init(r);
		pl_node_submit(F.n, w->env[i].data, w->env[i].len, false, r);
		w->err[i] = r->err;
		w->index[i] = r->index;
	}
	return NULL;
}

/* Eight parties at once, each its statements in seq order: all accepted, contiguous, in order. */
static void test_concurrent_writers(void **state)
{
	(void)state;
	node_open();
	writer *w = calloc(WRITERS, sizeof *w);
	assert_non_null(w);
	for (int p = 0; p < WRITERS; p++) {
		w[p].party = p + 1;
		for (size_t i = 0; i < PER_WRITER; i++)
			ping(w[p].party, i + 1, &w[p].env[i]);
	}
	for (int p = 0; p < WRITERS; p++)
		assert_int_equal(pthread_create(&w[p].t, NULL, writer_run, &w[p]), 0);
	for (int p = 0; p < WRITERS; p++)
		assert_int_equal(pthread_join(w[p].t, NULL), 0);

	const uint64_t total = WRITERS * PER_WRITER;
	/* which statement holds each index; every index 1..total exactly once */
	const pl_buf **at = calloc(total + 1, sizeof *at);
	assert_non_null(at);
	for (int p = 0; p < WRITERS; p++) {
		for (size_t i = 0; i < PER_WRITER; i++) {
			if (w[p].err[i] != PL_OK)
				fail_msg("p%d's seq %zu was not accepted (err %d)", w[p].party, i + 1, w[p].err[i]);
			uint64_t x = w[p].index[i];
			assert_true(x >= 1 && x <= total);
			assert_null(at[x]);
			at[x] = &w[p].env[i];
			if (i > 0)
				assert_true(x > w[p].index[i - 1]);
		}
	}
	pl_node_stats s = stats();
	assert_int_equal(s.accepted, total);
	assert_int_equal(s.refused, 0);
	/* the log holds exactly these entries: read back, each party in seq order */
	wait_published(total + 1);
	uint64_t last[NPARTIES] = {0};
	last[0] = 1; /* the charter */
	pl_buf e;
	pl_buf_init(&e, PL_DSSE_MAX);
	for (uint64_t x = 1; x <= total; x++) {
		pl_buf_reset(&e);
		pl_diag d = {0};
		int rc = pl_node_entry(F.n, x, &e, &d);
		if (rc != PL_OK)
			fail_msg("entry %llu: %s", (unsigned long long)x, pl_diag_text(&d, rc));
		assert_int_equal(e.len, at[x]->len);
		assert_memory_equal(e.data, at[x]->data, e.len);
		pl_submission sub;
		parse_entry(&e, &sub);
		assert_true(sub.st.author[0] == 'p');
		int p = atoi(sub.st.author + 1);
		assert_true(p >= 1 && p <= WRITERS);
		assert_int_equal(sub.st.seq, last[p] + 1);
		last[p] = sub.st.seq;
		pl_submission_release(&sub);
	}
	for (int p = 1; p <= WRITERS; p++)
		assert_int_equal(last[p], PER_WRITER);
	pl_buf_reset(&e);
	pl_diag d = {0};
	assert_int_equal(pl_node_entry(F.n, total + 1, &e, &d), PL_ERANGE);

	/* every answer's batch acceptance binds its entry; the batches tile 1..total, and each signed
	 * root is the root of exactly the leaves the log holds there */
	pl_verifier v;
	pl_policy pol;
	log_policy(&pol, &v);
	uint64_t *batch_of = calloc(total + 1, sizeof *batch_of); /* index -> 1 + its batch's first */
	pl_hash *leaves = calloc(total + 1, sizeof *leaves);
	assert_non_null(batch_of);
	assert_non_null(leaves);
	for (uint64_t x = 1; x <= total; x++)
		pl_leaf_hash(at[x]->data, at[x]->len, &leaves[x]);
	size_t nbatches = 0;
	for (int p = 0; p < WRITERS; p++) {
		for (size_t i = 0; i < PER_WRITER; i++) {
			pl_acceptance a = check_acceptance(&w[p].res[i], &v);
			assert_true(a.first >= 1 && a.first + a.count <= total + 1);
			if (batch_of[a.first] == 0) {
				nbatches++;
				pl_hash root;
				pl_merkle_root_of(&leaves[a.first], (size_t)a.count, &root);
				assert_true(pl_hash_eq(&root, &a.hash));
				for (uint64_t x = a.first; x < a.first + a.count; x++) {
					assert_int_equal(batch_of[x], 0);
					batch_of[x] = 1 + a.first;
				}
			}
			assert_int_equal(batch_of[w[p].index[i]], 1 + a.first);
			pl_node_result_release(&w[p].res[i]);
		}
	}
	for (uint64_t x = 1; x <= total; x++)
		assert_int_not_equal(batch_of[x], 0);
	assert_true(nbatches >= 1 && nbatches <= total);
	free(batch_of);
	free(leaves);
	pl_buf_release(&e);
	free(at);
	for (int p = 0; p < WRITERS; p++)
		for (size_t i = 0; i < PER_WRITER; i++)
			pl_buf_release(&w[p].env[i]);
	free(w);
}

/* A pong referring to a ping by index and leaf: the right leaf is admitted, another is not. */
static void test_references(void **state)
{
	(void)state;
	node_open();
	pl_buf env;
	pl_hash leaf, wrong;
	sign_full(F.k[0], ORIGIN, "ping", 2, pl_now(), json_pack("{s:[s,s]}", "to", "p1", "p2"), NULL, 0, &env);
	uint64_t pi = accepted(&env, true, &leaf);
	assert_int_equal(pi, 1);
	wrong = leaf;
	wrong.b[0] ^= 1;

	pl_ref bad = {.index = pi, .leaf = wrong}, good = {.index = pi, .leaf = leaf}, none = {.index = 77, .leaf = leaf};
	sign_full(F.k[1], ORIGIN, "pong", 1, pl_now(), json_pack("{s:I}", "ping", (json_int_t)pi), &bad, 1, &env);
	refused(&env, PL_R_REF_MISMATCH, false);
	sign_full(F.k[1], ORIGIN, "pong", 1, pl_now(), json_pack("{s:I}", "ping", (json_int_t)pi), &none, 1, &env);
	refused(&env, PL_R_REF_MISSING, false);
	/* the refusals used no seq: the right pong takes seq 1 */
	sign_full(F.k[1], ORIGIN, "pong", 1, pl_now(), json_pack("{s:I}", "ping", (json_int_t)pi), &good, 1, &env);
	assert_int_equal(accepted(&env, false, NULL), 2);
	/* answering twice is a rule of the workflow, checked in the same pass */
	sign_full(F.k[1], ORIGIN, "pong", 2, pl_now(), json_pack("{s:I}", "ping", (json_int_t)pi), &good, 1, &env);
	refused(&env, PL_R_ALREADY_ANSWERED, false);

	/* a reference to an entry staged but perhaps not yet published */
	pl_hash leaf2;
	ping(2, 1, &env);
	uint64_t pj = accepted(&env, false, &leaf2);
	assert_int_equal(pj, 3);
	pl_ref r2 = {.index = pj, .leaf = leaf2};
	sign_full(F.k[0], ORIGIN, "ping", 3, pl_now(), NULL, &r2, 1, &env);
	assert_int_equal(accepted(&env, true, NULL), 4);
	pl_node_stats s = stats();
	assert_int_equal(s.accepted, 4);
	assert_int_equal(s.refused, 3);
	assert_int_equal(s.size, 5);
}

/* One batch with good and bad statements: the bad are refused, only the good are staged. */
static void test_mixed_batch(void **state)
{
	(void)state;
	node_open();
	/* x's batch waits for logmu; what comes next gathers in the verified queue */
	pthread_mutex_lock(&F.n->logmu);
	async_submit x;
	ping(1, 1, &x.env);
	async_start(&x, false);
	wait_queues((queues){0, 0, 1});
	enum { NB = 6 };
	async_submit b[NB];
	ping(2, 1, &b[0].env);                                  /* good */
	ping(3, 5, &b[1].env);                                  /* seq skipped */
	ping(4, 1, &b[2].env);                                  /* good */
	ping(0, 1, &b[3].env);                                  /* seq replayed (the charter) */
	sign_full(F.k[5], ORIGIN, "ping", 1, pl_now(), json_pack("{s:[s]}", "to", "nobody"), NULL, 0,
		  &b[4].env);                                   /* unknown party */
	ping(2, 2, &b[5].env);                                  /* good: after b[0] in the same batch */
	for (int i = 0; i < NB; i++)
		async_start(&b[i], false);
	wait_queues((queues){0, NB, 1});
	pthread_mutex_unlock(&F.n->logmu);
	async_join(&x);
	expect_accepted(&x.r);
	assert_int_equal(x.r.index, 1);
	for (int i = 0; i < NB; i++)
		async_join(&b[i]);
	expect_refused(&b[1].r, PL_R_SEQ_SKIPPED);
	expect_refused(&b[3].r, PL_R_SEQ_REPLAYED);
	expect_refused(&b[4].r, PL_R_UNKNOWN_PARTY);
	expect_accepted(&b[0].r);
	expect_accepted(&b[2].r);
	expect_accepted(&b[5].r);
	/* staged in author order, contiguous after x */
	assert_int_equal(b[0].r.index, 2);
	assert_int_equal(b[5].r.index, 3);
	assert_int_equal(b[2].r.index, 4);
	wait_published(5);
	pl_buf e;
	pl_buf_init(&e, PL_DSSE_MAX);
	const async_submit *want[5] = {NULL, &x, &b[0], &b[5], &b[2]};
	for (uint64_t i = 1; i < 5; i++) {
		pl_buf_reset(&e);
		assert_int_equal(pl_node_entry(F.n, i, &e, NULL), PL_OK);
		assert_int_equal(e.len, want[i]->env.len);
		assert_memory_equal(e.data, want[i]->env.data, e.len);
	}
	pl_buf_release(&e);
	pl_node_stats s = stats();
	assert_int_equal(s.size, 5);
	assert_int_equal(s.accepted, 4);
	assert_int_equal(s.refused, 3);
	async_release(&x);
	for (int i = 0; i < NB; i++)
		async_release(&b[i]);
	/* the refused statements had no effect: p3's seq 1 and p5's seq 1 are next */
	pl_buf env;
	ping(3, 1, &env);
	assert_int_equal(accepted(&env, false, NULL), 5);
	ping(5, 1, &env);
	assert_int_equal(accepted(&env, false, NULL), 6);
}

/* ---- integration ---- */

/* Staging does not wait for integration: with the integrator held, statements are accepted (and
 * one may refer to another still staged) while the published log does not move; released, one
 * integration publishes them. Closed while held, close publishes what is staged. */
static void test_integration_apart(void **state)
{
	(void)state;
	node_open();
	pl_node_hold_integration(F.n, true);
	pl_buf env;
	pl_hash leaf;
	sign_full(F.k[0], ORIGIN, "ping", 2, pl_now(), json_pack("{s:[s]}", "to", "p1"), NULL, 0, &env);
	assert_int_equal(accepted(&env, false, &leaf), 1);
	pl_ref ref = {.index = 1, .leaf = leaf};
	sign_full(F.k[1], ORIGIN, "pong", 1, pl_now(), json_pack("{s:I}", "ping", (json_int_t)1), &ref, 1, &env);
	assert_int_equal(accepted(&env, false, NULL), 2);
	ref.leaf.b[0] ^= 1;
	sign_full(F.k[2], ORIGIN, "ping", 1, pl_now(), NULL, &ref, 1, &env);
	refused(&env, PL_R_REF_MISMATCH, false);
	assert_int_equal(published_size(), 1);
	assert_int_equal(stats().queue, 2); /* staged, not yet published */
	uint64_t batches = stats().batches;
	pl_node_hold_integration(F.n, false);
	wait_published(3);
	assert_int_equal(stats().queue, 0);
	assert_true(stats().batches == batches + 1); /* one integration for both */
	/* held again, then closed: close publishes what is staged */
	pl_node_hold_integration(F.n, true);
	ping(3, 1, &env);
	assert_int_equal(accepted(&env, false, NULL), 3);
	assert_int_equal(published_size(), 3);
	node_close();
	node_open();
	assert_int_equal(published_size(), 4);
}

/* A receipt: a tlog-proof carrying the entry, included in a checkpoint signed by the log. */
static void check_receipt(const uint8_t *file, size_t len, const pl_policy *pol, const pl_buf *env, uint64_t index)
{
	pl_proof_file pf;
	assert_int_equal(pl_proof_file_parse(file, len, &pf), PL_OK);
	assert_int_equal(pf.index, index);
	assert_true(pf.has_extra);
	assert_int_equal(pf.extra_len, env->len);
	assert_memory_equal(pf.extra, env->data, env->len);
	pl_hash leaf;
	pl_leaf_hash(env->data, env->len, &leaf);
	pl_checkpoint cp;
	assert_int_equal(pl_proof_file_verify(&pf, pol, &leaf, &cp), PL_OK);
	assert_string_equal(cp.origin, ORIGIN);
	assert_true(cp.size > index);
	/* not for another leaf */
	leaf.b[5] ^= 1;
	assert_int_equal(pl_proof_file_verify(&pf, pol, &leaf, NULL), PL_EVERIFY);
	pl_proof_file_release(&pf);
	pl_span e = {env->data, env->len};
	uint64_t at = 0;
	assert_int_equal(pl_proof_file_check(file, len, "receipt", &e, "the entry", pol, &at, NULL, NULL), PL_OK);
	assert_int_equal(at, index);
}

static void test_receipts(void **state)
{
	(void)state;
	node_open();
	pl_policy pol;
	pl_verifier v;
	log_policy(&pol, &v);
	assert_string_equal(pl_node_origin(F.n), ORIGIN);

	/* with wait: answered with a receipt */
	pl_buf env;
	ping(1, 1, &env);
	pl_node_result r;
	submit(&env, true, &r);
	expect_accepted(&r);
	assert_int_equal(r.index, 1);
	assert_true(r.receipt.len > 0);
	check_receipt(r.receipt.data, r.receipt.len, &pol, &env, r.index);
	(void)check_acceptance(&r, &v);
	pl_node_result_release(&r);
	pl_buf_release(&env);

	/* without: the acceptance at once, the entry in the published checkpoint soon after */
	ping(2, 1, &env);
	submit(&env, false, &r);
	expect_accepted(&r);
	assert_int_equal(r.index, 2);
	assert_int_equal(r.receipt.len, 0);
	(void)check_acceptance(&r, &v);
	wait_published(3);
	pl_buf cpn;
	pl_buf_init(&cpn, PL_NOTE_MAX);
	uint64_t size = 0;
	assert_int_equal(pl_node_checkpoint(F.n, &cpn, &size), PL_OK);
	pl_checkpoint cp;
	assert_int_equal(pl_checkpoint_open(cpn.data, cpn.len, &pol, &cp, NULL, NULL), PL_OK);
	assert_int_equal(cp.size, size);
	pl_buf_release(&cpn);
	pl_buf proof;
	pl_buf_init(&proof, PL_PROOF_FILE_MAX);
	pl_diag d = {0};
	int rc = pl_node_prove(F.n, r.index, &proof, &d);
	if (rc != PL_OK)
		fail_msg("pl_node_prove: %s", pl_diag_text(&d, rc));
	check_receipt(proof.data, proof.len, &pol, &env, r.index);
	pl_buf_reset(&proof);
	assert_int_equal(pl_node_prove(F.n, 3, &proof, NULL), PL_ERANGE);
	pl_buf_release(&proof);
	pl_node_result_release(&r);
	pl_buf_release(&env);

	/* many waiters at once: each its own receipt */
	enum { NW = 6 };
	async_submit a[NW];
	for (int i = 0; i < NW; i++) {
		ping(i + 3, 1, &a[i].env);
		async_start(&a[i], true);
	}
	for (int i = 0; i < NW; i++) {
		async_join(&a[i]);
		expect_accepted(&a[i].r);
		assert_true(a[i].r.receipt.len > 0);
		check_receipt(a[i].r.receipt.data, a[i].r.receipt.len, &pol, &a[i].env, a[i].r.index);
		async_release(&a[i]);
	}
	assert_int_equal(stats().size, 3 + NW);
}

/* ---- reopening ---- */

static void test_reopen(void **state)
{
	(void)state;
	node_open();
	pl_buf env;
	for (uint64_t s = 1; s <= 3; s++) {
		ping(1, s, &env);
		assert_int_equal(accepted(&env, false, NULL), s);
	}
	ping(2, 1, &env);
	assert_int_equal(accepted(&env, true, NULL), 4);
	ping(2, 1, &env);
	refused(&env, PL_R_SEQ_REPLAYED, false);
	wait_indexed(); /* the next open resumes from the index's saved state */
	node_close();

	said_reset();
	node_open();
	assert_int_equal(said_count("replaying the log from its first entry"), 0); /* the saved state was taken */
	pl_node_stats s = stats();
	assert_int_equal(s.size, 5);
	assert_int_equal(s.accepted, 0);
	assert_int_equal(s.refused, 0);
	assert_int_equal(s.batches, 0);
	assert_int_equal(s.refused_entries, 0);
	pl_buf ref;
	pl_buf_init(&ref, 4096);
	assert_int_equal(pl_node_refusals(F.n, &ref), PL_OK);
	assert_int_equal(ref.len, 0);
	pl_buf_release(&ref);
	/* the engine knows every party's last seq */
	ping(1, 3, &env);
	refused(&env, PL_R_SEQ_REPLAYED, false);
	ping(1, 5, &env);
	refused(&env, PL_R_SEQ_SKIPPED, false);
	ping(1, 4, &env);
	assert_int_equal(accepted(&env, false, NULL), 5);
	ping(2, 2, &env);
	assert_int_equal(accepted(&env, true, NULL), 6);
	node_close();

	/* without the workflow index: rebuilt from the log, and the engine replayed from entry 0 */
	char path[PATH_MAX];
	assert_int_equal(pl_logdir_path(F.dir, PL_LOGFILE_INDEX, path, NULL), PL_OK);
	assert_int_equal(access(path, F_OK), 0);
	assert_int_equal(pl_logdir_remove_db(path, NULL), PL_OK);
	assert_int_not_equal(access(path, F_OK), 0);
	node_open();
	assert_int_equal(stats().size, 7);
	ping(1, 4, &env);
	refused(&env, PL_R_SEQ_REPLAYED, false);
	ping(2, 2, &env);
	refused(&env, PL_R_SEQ_REPLAYED, false);
	ping(1, 5, &env);
	assert_int_equal(accepted(&env, true, NULL), 7);
	wait_indexed();
	assert_int_equal(access(path, F_OK), 0);
	pl_index *x = NULL;
	pl_diag d = {0};
	int rc = pl_node_index_open(F.n, 60000, &x, &d);
	if (rc != PL_OK)
		fail_msg("pl_node_index_open: %s", pl_diag_text(&d, rc));
	assert_int_equal(pl_index_size(x), 8);
	pl_index_close(x);
	assert_int_equal(stats().refused_entries, 0);
}

/* The index's content (pl_index_dump) of the log in F.dir, into out (a NUL-terminated string). */
static void index_dump(pl_buf *out)
{
	pl_index *x = NULL;
	pl_diag d = {0};
	int rc = pl_index_open_dir_at(F.dir, ORIGIN, false, false, &x, &d);
	if (rc != PL_OK)
		fail_msg("pl_index_open_dir_at: %s", pl_diag_text(&d, rc));
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	assert_non_null(f);
	assert_int_equal(pl_index_dump(x, f, &d), PL_OK);
	assert_int_equal(fclose(f), 0);
	pl_index_close(x);
	pl_buf_init(out, (size_t)1 << 30);
	assert_int_equal(pl_buf_append(out, text, len), PL_OK);
	assert_int_equal(pl_buf_putc(out, '\0'), PL_OK);
	free(text);
}

/* Parse once: the index applies the sequencer's own parses (the feed), and holds exactly what an
 * index rebuilt from the log's bundles holds. */
static void test_index_fed(void **state)
{
	(void)state;
	node_open();
	pl_buf env;
	pl_hash leaf;
	sign_full(F.k[0], ORIGIN, "ping", 2, pl_now(), json_pack("{s:[s,s]}", "to", "p1", "p2"), NULL, 0, &env);
	uint64_t pi = accepted(&env, false, &leaf);
	pl_ref ref = {.index = pi, .leaf = leaf};
	sign_full(F.k[1], ORIGIN, "pong", 1, pl_now(), json_pack("{s:I}", "ping", (json_int_t)pi), &ref, 1, &env);
	(void)accepted(&env, false, NULL);
	for (uint64_t s = 1; s <= 20; s++) {
		ping(3, s, &env);
		(void)accepted(&env, s % 5 == 0, NULL);
	}
	sign_full(F.k[8], ORIGIN, "key.revoke", 1, pl_now(), json_pack("{s:s}", "reason", "lost"), NULL, 0, &env);
	(void)accepted(&env, true, NULL);
	wait_published(1 + 23);
	wait_indexed();
	pthread_mutex_lock(&F.n->mu);
	uint64_t fed = F.n->fed;
	pthread_mutex_unlock(&F.n->mu);
	assert_true(fed > 0);
	assert_true(fed <= 23);
	node_close();
	pl_buf live, rebuilt;
	index_dump(&live);
	uint64_t size = 0;
	pl_diag d = {0};
	int rc = pl_index_rebuild(F.dir, true, &size, &d);
	if (rc != PL_OK)
		fail_msg("pl_index_rebuild: %s", pl_diag_text(&d, rc));
	assert_int_equal(size, 24);
	index_dump(&rebuilt);
	assert_string_equal((const char *)live.data, (const char *)rebuilt.data);
	pl_buf_release(&live);
	pl_buf_release(&rebuilt);
}

/* An entry the rules refuse, appended to the log behind the node's back: said, counted, no effect. */
static void test_refused_entry(void **state)
{
	(void)state;
	node_open();
	pl_buf env;
	ping(1, 1, &env);
	assert_int_equal(accepted(&env, true, NULL), 1);
	wait_indexed(); /* the index saves a state before entry 2 */
	node_close();

	/* a second charter, validly signed by p0 with its next seq, appended as entry 2 */
	pl_log *l = NULL;
	pl_diag d = {0};
	int rc = pl_log_open(F.dir, &l, &d);
	if (rc != PL_OK)
		fail_msg("pl_log_open: %s", pl_diag_text(&d, rc));
	assert_int_equal(pl_log_size(l), 2);
	json_t *body = json_pack("{s:s,s:[],s:{s:i},s:{s:i,s:i}}", "name", "a second charter", "founders", "admission",
				 "sponsors", 1, "deadlines", "ack", 60, "response", 60);
	pl_buf ch2;
	sign_full(F.k[0], ORIGIN, "charter", 2, pl_now(), body, NULL, 0, &ch2);
	pl_span sp = {ch2.data, ch2.len};
	uint64_t first = 0;
	rc = pl_log_append(l, &sp, 1, &first, &d);
	if (rc != PL_OK)
		fail_msg("pl_log_append: %s", pl_diag_text(&d, rc));
	assert_int_equal(first, 2);
	pl_log_close(l);

	/* twice: once resuming from the index's state (which predates entry 2), once from the state
	 * the index saved after it (which carries the refusal) */
	for (int round = 0; round < 2; round++) {
		said_reset();
		node_open();
		pl_node_stats s = stats();
		assert_int_equal(s.size, 3 + 2 * (uint64_t)round);
		assert_int_equal(s.refused_entries, 1);
		assert_int_equal(said_count("entry 2 of the log"), 1);
		assert_int_equal(said_count("not_allowed"), 1);
		/* it stays in the log, as it was */
		pl_buf e;
		pl_buf_init(&e, PL_DSSE_MAX);
		assert_int_equal(pl_node_entry(F.n, 2, &e, NULL), PL_OK);
		assert_int_equal(e.len, ch2.len);
		assert_memory_equal(e.data, ch2.data, e.len);
		pl_buf_release(&e);
		/* the refused charter used no seq of p0's */
		ping(0, (uint64_t)(2 + round), &env);
		assert_int_equal(accepted(&env, true, NULL), 3 + 2 * (uint64_t)round);
		ping(1, (uint64_t)(2 + round), &env);
		assert_int_equal(accepted(&env, false, NULL), 4 + 2 * (uint64_t)round);
		wait_published(5 + 2 * (uint64_t)round);
		wait_indexed();
		node_close();
	}
	pl_buf_release(&ch2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rate_take),
		cmocka_unit_test_setup_teardown(test_intake_refusals, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rate_limited, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rate_forged, setup, teardown),
		cmocka_unit_test_setup_teardown(test_queue_full, setup, teardown),
		cmocka_unit_test_setup_teardown(test_queue_counts_checking, setup, teardown),
		cmocka_unit_test_setup_teardown(test_shutting_down, setup, teardown),
		cmocka_unit_test_setup_teardown(test_submit_async, setup, teardown),
		cmocka_unit_test_setup_teardown(test_key_table, setup, teardown),
		cmocka_unit_test_setup_teardown(test_concurrent_writers, setup, teardown),
		cmocka_unit_test_setup_teardown(test_references, setup, teardown),
		cmocka_unit_test_setup_teardown(test_mixed_batch, setup, teardown),
		cmocka_unit_test_setup_teardown(test_integration_apart, setup, teardown),
		cmocka_unit_test_setup_teardown(test_receipts, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reopen, setup, teardown),
		cmocka_unit_test_setup_teardown(test_index_fed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refused_entry, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
