/* node.c - a running log: registry replay, verifier threads, batching sequencer. */
#include "server/node.h"

#include "base/codec.h"
#include "base/fsio.h"
#include "base/json.h"
#include "base/timefmt.h"
#include "store/published.h"
#include "store/log.h"
#include "store/logdir.h"
#include "store/source.h"
#include "tlog/proof_file.h"
#include "tlog/tile.h"
#include "workflow/engine.h"

#include <limits.h>
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

enum { JOB_QUEUED, JOB_VERIFIED, JOB_ACCEPTED, JOB_DONE };

typedef struct job {
	const uint8_t *raw;
	size_t len;
	bool wait;
	pl_submission sub;
	bool parsed;
	int state;               /* JOB_* */
	pl_node_result *res;     /* where the answer goes (owned by the submitter) */
	struct job *next;
} job;

typedef struct queue {
	job *head, *tail;
	size_t n;
} queue;

typedef struct bucket {
	char party[PL_PARTY_MAX + 1];
	double tokens;
	double at;               /* last refill, monotonic seconds */
} bucket;

typedef struct refusal {
	const char *code;        /* static string from a verdict */
	uint64_t count;
} refusal;

struct pl_node {
	char dir[PATH_MAX];
	pl_node_opts o;
	pl_log *log;
	pl_source *src;          /* the log directory, for tiles and bundles */
	char origin[PL_ORIGIN_LEN_MAX + 1];

	pthread_rwlock_t mlock;  /* guards eng */
	pl_engine eng;           /* membership and workflow state of every staged entry */

	pthread_mutex_t logmu;   /* serialises the sequencer's integrations and the cosigner's
				    checkpoint writes: pl_log is not thread-safe */
	pthread_mutex_t mu;      /* guards everything below */
	pthread_cond_t in_cv;    /* work for verifiers */
	pthread_cond_t seq_cv;   /* work for the sequencer */
	pthread_cond_t done_cv;  /* a job changed state */
	queue in, verified;
	size_t unpublished;      /* taken by the sequencer, not yet published or refused */
	job *waiting;            /* accepted, waiting for a checkpoint */
	bool stop;
	bool broken;             /* eng may not match the log (sequencer thread only) */
	pl_buf checkpoint;       /* published signed checkpoint (with cosignatures) */
	uint64_t size;           /* its size */
	pl_buf latest;           /* the newest checkpoint the log signed (may be unpublished) */
	uint64_t latest_size;
	pthread_cond_t cosign_cv; /* a new checkpoint for the cosigning thread */
	pthread_t cosign_thread;
	bool cosigning;          /* the cosigning thread runs */
	pl_hash *staged_leaves;  /* leaves of entries staged but not yet published */
	size_t nstaged, capstaged;
	bucket *buckets;
	size_t nbuckets, capbuckets;
	refusal refusals[64];
	size_t nrefusals;
	pl_node_stats stats;

	pthread_t index_thread;
	bool indexing;           /* the index thread runs */
	pthread_cond_t index_cv; /* the indexer: a new checkpoint, or stop; readers: progress */
	uint64_t indexed;        /* entries the index holds */

	pthread_t seq_thread;
	bool sequencing;         /* the sequencer runs */
	pthread_t ver_threads[16];
	size_t nver;
};

/* Statements accepted for checking and not yet published; callers hold n->mu. The
 * sequencer is the only writer of the log, so it refreshes n->unpublished itself. */
static size_t queue_depth(const pl_node *n)
{
	return n->in.n + n->verified.n + n->unpublished;
}

static double mono(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

void pl_node_opts_default(pl_node_opts *o)
{
	memset(o, 0, sizeof *o);
	o->skew = 300;
	o->batch_ms = 20;
	o->batch_max = 4096;
	o->queue_max = 20000;
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	o->verifiers = cpus < 1 ? 1 : (unsigned)(cpus > 16 ? 16 : cpus);
	o->wait_ms = 30000;
}

void pl_node_result_init(pl_node_result *r)
{
	memset(r, 0, sizeof *r);
	pl_buf_init(&r->acceptance, PL_NOTE_MAX);
	pl_buf_init(&r->receipt, PL_PROOF_FILE_MAX);
}

void pl_node_result_release(pl_node_result *r)
{
	pl_buf_release(&r->acceptance);
	pl_buf_release(&r->receipt);
}

static void push(queue *q, job *j)
{
	j->next = NULL;
	if (q->tail)
		q->tail->next = j;
	else
		q->head = j;
	q->tail = j;
	q->n++;
}

static job *pop(queue *q)
{
	job *j = q->head;
	if (j) {
		q->head = j->next;
		if (!q->head)
			q->tail = NULL;
		q->n--;
		j->next = NULL;
	}
	return j;
}

/* Records a refusal (err PL_EREFUSED with v) or an out-of-memory failure
 * (PL_ENOMEM, v's message) in the job's result (node->mu held). */
static void fail_locked(pl_node *n, job *j, int err, const pl_refusal *v)
{
	j->res->err = err;
	if (err == PL_EREFUSED)
		j->res->refusal = *v;
	else
		snprintf(j->res->msg, sizeof j->res->msg, "%s", v->msg[0] ? v->msg : "the server is out of memory");
	j->res->retry = err != PL_EREFUSED || pl_refusal_retryable(v->code);
	j->state = JOB_DONE;
	n->stats.refused++;
	const char *code = err == PL_EREFUSED ? pl_refusal_name(v->code) : "no_memory";
	size_t i = 0;
	for (; i < n->nrefusals; i++)
		if (strcmp(n->refusals[i].code, code) == 0)
			break;
	if (i == n->nrefusals && n->nrefusals < 64)
		n->refusals[n->nrefusals++].code = code;
	if (i < 64)
		n->refusals[i].count++;
}

static void refuse_locked(pl_node *n, job *j, const pl_refusal *v)
{
	fail_locked(n, j, PL_EREFUSED, v);
}

static void oom_locked(pl_node *n, job *j)
{
	pl_refusal v = {.code = PL_R_NONE, .msg = "the server is out of memory"};
	fail_locked(n, j, PL_ENOMEM, &v);
}

/* ---- leaves of existing entries, for references ---- */

static int leaf_of(void *ctx, uint64_t index, pl_hash *out)
{
	pl_node *n = ctx; /* called by the sequencer: the log's size and staged leaves are stable */
	uint64_t size = pl_log_size(n->log);
	if (index >= size) {
		if (index - size < n->nstaged) {
			*out = n->staged_leaves[index - size];
			return PL_OK;
		}
		return PL_ERANGE;
	}
	return pl_source_leaf(n->src, size, index, out);
}

static void admission_for(pl_node *n, pl_admission *a)
{
	memset(a, 0, sizeof *a);
	a->now = pl_now();
	a->skew = n->o.skew;
	a->leaf = leaf_of;
	a->leaf_ctx = n;
	a->other_types = pl_engine_type_check;
	a->type_ctx = &n->eng;
}

/* ---- per-party rate limit (node->mu held) ---- */

static bool rate_ok(pl_node *n, const char *party)
{
	if (n->o.rate <= 0)
		return true;
	double now = mono(), burst = n->o.burst > 0 ? n->o.burst : (n->o.rate * 2 < 1 ? 1 : n->o.rate * 2);
	bucket *b = NULL;
	for (size_t i = 0; i < n->nbuckets; i++)
		if (strcmp(n->buckets[i].party, party) == 0)
			b = &n->buckets[i];
	if (b == NULL) {
		if (n->nbuckets == n->capbuckets) {
			size_t cap = n->capbuckets ? n->capbuckets * 2 : 16;
			bucket *p = realloc(n->buckets, cap * sizeof *p);
			if (p == NULL)
				return true; /* out of memory: do not punish the party */
			n->buckets = p;
			n->capbuckets = cap;
		}
		b = &n->buckets[n->nbuckets++];
		snprintf(b->party, sizeof b->party, "%s", party);
		b->tokens = burst;
		b->at = now;
	}
	b->tokens += (now - b->at) * n->o.rate;
	if (b->tokens > burst)
		b->tokens = burst;
	b->at = now;
	if (b->tokens < 1)
		return false;
	b->tokens -= 1;
	return true;
}

/* ---- verifier threads ---- */

static void *verifier(void *arg)
{
	pl_node *n = arg;
	pthread_mutex_lock(&n->mu);
	for (;;) {
		while (!n->stop && n->in.n == 0)
			pthread_cond_wait(&n->in_cv, &n->mu);
		if (n->stop)
			break;
		job *j = pop(&n->in);
		pthread_mutex_unlock(&n->mu);

		pl_admission a;
		admission_for(n, &a);
		pl_refusal v = {0};
		int prc = pl_submission_parse(j->raw, j->len, n->origin, &a, &j->sub, &v);
		bool ok = prc == PL_OK;
		j->parsed = true;
		if (ok) {
			/* signature against the author's current key, outside every lock */
			pthread_rwlock_rdlock(&n->mlock);
			const pl_member *mem = pl_members_get(&n->eng.members, j->sub.st.author);
			bool active = mem != NULL && mem->active;
			if (active)
				memcpy(j->sub.key, mem->id.sign_pk, 32);
			pthread_rwlock_unlock(&n->mlock);
			if (active) {
				j->sub.sig_ok = pl_envelope_verify(&j->sub.env, j->sub.key, NULL) == PL_OK;
				j->sub.preverified = true;
			}
		}
		pthread_mutex_lock(&n->mu);
		if (ok && !rate_ok(n, j->sub.st.author)) {
			pl_refuse(&v, PL_R_RATE_LIMITED, "%s is over its rate of %.0f statements per second",
				  j->sub.st.author, n->o.rate);
			ok = false;
		}
		if (!ok) {
			if (prc == PL_ENOMEM)
				oom_locked(n, j);
			else
				refuse_locked(n, j, &v);
			pthread_cond_broadcast(&n->done_cv);
			if (n->in.n == 0 && n->verified.n > 0)
				pthread_cond_signal(&n->seq_cv);
			continue;
		}
		j->state = JOB_VERIFIED;
		push(&n->verified, j);
		/* the sequencer acts on a first arrival (it starts its batch clock),
		 * on a drained input and on a full batch; not on every job */
		if (n->verified.n == 1 || n->in.n == 0 || n->verified.n >= n->o.batch_max)
			pthread_cond_signal(&n->seq_cv);
	}
	pthread_mutex_unlock(&n->mu);
	return NULL;
}

/* ---- the sequencer ---- */

static int by_author_seq(const void *a, const void *b)
{
	const job *x = *(job *const *)a, *y = *(job *const *)b;
	int c = strcmp(x->sub.st.author, y->sub.st.author);
	if (c != 0)
		return c;
	return x->sub.st.seq < y->sub.st.seq ? -1 : x->sub.st.seq > y->sub.st.seq;
}

static void acceptance(pl_node *n, uint64_t index, const pl_hash *leaf, pl_buf *out)
{
	char ts[PL_TIME_LEN + 1], lb[64];
	pl_time_format(pl_now(), ts);
	pl_b64_encode(leaf->b, 32, lb);
	char text[512];
	int w = snprintf(text, sizeof text, "parley.acceptance/v1\n%s\n%llu\n%s\n%s\n", n->origin,
			 (unsigned long long)index, lb, ts);
	pl_buf_reset(out);
	if (w > 0 && (size_t)w < sizeof text && pl_log_sign_note(n->log, (const uint8_t *)text, (size_t)w, out) != PL_OK)
		pl_buf_reset(out);
}

/* Receipts for every waiting job now covered by the checkpoint (mu held). */
static void answer_waiters(pl_node *n)
{
	if (n->waiting == NULL)
		return;
	pl_tile_reader *tr = malloc(sizeof *tr);
	if (tr == NULL)
		return;
	pl_tile_reader_init(tr, n->size, pl_source_fetch_tile, n->src);
	pl_hash_reader hr = pl_tile_reader_as_hash_reader(tr);
	job **pp = &n->waiting;
	while (*pp) {
		job *j = *pp;
		if (j->res->index >= n->size) {
			pp = &j->next;
			continue;
		}
		pl_hash proof[PL_PROOF_MAX];
		size_t len = 0;
		if (pl_prove_inclusion(&hr, n->size, j->res->index, proof, &len) == PL_OK)
			(void)!pl_proof_file_write(j->res->index, proof, len, j->raw, j->len, n->checkpoint.data,
						   n->checkpoint.len, &j->res->receipt);
		j->state = JOB_DONE;
		*pp = j->next;
	}
	free(tr);
	pthread_cond_broadcast(&n->done_cv);
}

/* Publishes note (size): served, and waiters answered (mu held). */
static void publish_locked(pl_node *n, const uint8_t *note, size_t len, uint64_t size)
{
	pl_buf_reset(&n->checkpoint);
	if (pl_buf_append(&n->checkpoint, note, len) != PL_OK)
		pl_buf_reset(&n->checkpoint);
	n->size = size;
	answer_waiters(n);
	pthread_cond_broadcast(&n->index_cv);
}

/* Takes the log's newest checkpoint; publishes it at once without witnesses (mu held). */
static void refresh_checkpoint_locked(pl_node *n)
{
	pl_span cp = pl_log_checkpoint(n->log);
	pl_buf_reset(&n->latest);
	if (pl_buf_append(&n->latest, cp.p, cp.n) != PL_OK)
		pl_buf_reset(&n->latest);
	n->latest_size = pl_log_size(n->log);
	if (n->o.nwitnesses == 0)
		publish_locked(n, cp.p, cp.n, n->latest_size);
	else
		pthread_cond_signal(&n->cosign_cv);
}

/* The cosigning thread: one round per witness_ms at most, when the size changed. */
static void *cosigner(void *arg)
{
	pl_node *n = arg;
	pl_buf note, out;
	pl_buf_init(&note, PL_NOTE_MAX);
	pl_buf_init(&out, PL_NOTE_MAX);
	double last = 0;
	pthread_mutex_lock(&n->mu);
	while (!n->stop) {
		/* work: an unpublished checkpoint, or a witness that has not cosigned
		 * the newest one and is not backing off */
		bool pending = n->size != n->latest_size;
		bool retry_due = false;
		for (size_t i = 0; i < n->o.nwitnesses; i++)
			if (n->o.witnesses[i].size != n->latest_size && n->o.witnesses[i].backoff_until <= mono())
				retry_due = true;
		double due = last + n->o.witness_ms / 1e3;
		if ((!pending && !retry_due) || mono() < due) {
			struct timespec until;
			clock_gettime(CLOCK_REALTIME, &until);
			long ms = pending || retry_due ? (long)((due - mono()) * 1e3) + 1 : 250;
			if (ms < 1)
				ms = 1;
			until.tv_sec += ms / 1000;
			until.tv_nsec += (ms % 1000) * 1000000L;
			if (until.tv_nsec >= 1000000000L) {
				until.tv_sec++;
				until.tv_nsec -= 1000000000L;
			}
			pthread_cond_timedwait(&n->cosign_cv, &n->mu, &until);
			continue;
		}
		/* a round on the newest checkpoint, outside the lock */
		pl_buf_reset(&note);
		pl_buf_reset(&out);
		if (pl_buf_append(&note, n->latest.data, n->latest.len) != PL_OK)
			continue;
		uint64_t size = n->latest_size;
		last = mono();
		pthread_mutex_unlock(&n->mu);
		pl_checkpoint cp;
		pl_policy pol;
		pl_policy_init(&pol, pl_log_verifier(n->log));
		size_t got = 0;
		if (pl_checkpoint_open(note.data, note.len, &pol, &cp, NULL, NULL) == PL_OK)
			got = pl_cosign_round(n->o.witnesses, n->o.nwitnesses, note.data, note.len, &cp, n->src, &out);
		(void)!pl_buf_append(&note, out.data, out.len);
		pl_diag d = {0};
		pthread_mutex_lock(&n->logmu);
		int wrc = pl_log_write_checkpoint(n->log, note.data, note.len, &d);
		pthread_mutex_unlock(&n->logmu);
		if (wrc != PL_OK)
			fprintf(stderr, "parley serve: publishing the checkpoint failed: %s\n", d.msg);
		pthread_mutex_lock(&n->mu);
		if (size >= n->size) {
			publish_locked(n, note.data, note.len, size);
			n->stats.cosignatures += got;
			if (got > 0)
				n->stats.witnessed_size = size;
		}
	}
	pthread_mutex_unlock(&n->mu);
	pl_buf_release(&note);
	pl_buf_release(&out);
	return NULL;
}

typedef struct replay_ctx {
	pl_node *n;
	pl_admission a;
} replay_ctx;

static void rebuild_engine(pl_node *n);

static void run_batch(pl_node *n, job **batch, size_t count)
{
	qsort(batch, count, sizeof *batch, by_author_seq);
	pl_admission a;
	admission_for(n, &a);
	job **ok = malloc(count * sizeof *ok);
	pl_span *spans = malloc(count * sizeof *spans);
	size_t k = 0;
	pl_refusal v = {0};
	if (ok == NULL || spans == NULL) {
		pthread_mutex_lock(&n->mu);
		for (size_t i = 0; i < count; i++)
			oom_locked(n, batch[i]);
		pthread_cond_broadcast(&n->done_cv);
		pthread_mutex_unlock(&n->mu);
		free(ok);
		free(spans);
		return;
	}
	double t0 = mono();
	uint64_t first_index = pl_log_staged(n->log);
	pthread_rwlock_wrlock(&n->mlock);
	pthread_mutex_lock(&n->mu);
	for (size_t i = 0; i < count; i++) {
		job *j = batch[i];
		memset(&v, 0, sizeof v);
		if (n->broken) {
			pl_refuse(&v, PL_R_STORAGE_FAILED, "the server lost track of its state; it must be restarted");
			refuse_locked(n, j, &v);
			continue;
		}
		int crc = pl_engine_check(&n->eng, &a, &j->sub, &v);
		if (crc == PL_ENOMEM) {
			oom_locked(n, j);
			continue;
		}
		if (crc != PL_OK) {
			refuse_locked(n, j, &v);
			continue;
		}
		if (pl_engine_apply(&n->eng, &j->sub, first_index + k, NULL) != PL_OK) {
			/* half applied: the state is rebuilt from the log below */
			n->broken = true;
			oom_locked(n, j);
			continue;
		}
		ok[k] = j;
		spans[k] = j->sub.raw;
		k++;
	}
	if (k < count)
		pthread_cond_broadcast(&n->done_cv); /* refusals are answered at once */
	pthread_mutex_unlock(&n->mu);
	pthread_rwlock_unlock(&n->mlock);

	if (k > 0) {
		uint64_t first = 0;
		pl_diag d = {0};
		int rc = pl_log_stage(n->log, spans, k, &first, &d);
		if (rc != PL_OK || first != first_index) {
			/* nothing was staged: the state is rebuilt from the log (below)
			 * and the batch refused */
			n->broken = true;
			pthread_mutex_lock(&n->mu);
			n->stats.storage_errors++;
			for (size_t i = 0; i < k; i++) {
				pl_refuse(&v, PL_R_STORAGE_FAILED, "the log could not store the statement: %s",
					  pl_diag_text(&d, rc));
				refuse_locked(n, ok[i], &v);
			}
			pthread_cond_broadcast(&n->done_cv);
			pthread_mutex_unlock(&n->mu);
			fprintf(stderr, "parley serve: staging a batch failed: %s\n", pl_diag_text(&d, rc));
			k = 0;
		} else {
			/* durable: answer with index and leaf (the submitter's own thread
			 * signs the acceptance, off this thread and in parallel) */
			pthread_mutex_lock(&n->mu);
			for (size_t i = 0; i < k; i++) {
				job *j = ok[i];
				if (n->nstaged == n->capstaged) {
					size_t cap = n->capstaged ? n->capstaged * 2 : 1024;
					pl_hash *p = realloc(n->staged_leaves, cap * sizeof *p);
					if (p != NULL) {
						n->staged_leaves = p;
						n->capstaged = cap;
					}
				}
				if (n->nstaged < n->capstaged)
					n->staged_leaves[n->nstaged++] = j->sub.leaf;
				j->res->index = first + i;
				j->res->leaf = j->sub.leaf;
				j->res->err = PL_OK;
				n->stats.accepted++;
			}
			for (size_t i = 0; i < k; i++) {
				job *j = ok[i];
				if (j->wait) {
					j->state = JOB_ACCEPTED;
					j->next = n->waiting;
					n->waiting = j;
				} else {
					j->state = JOB_DONE;
				}
			}
			pthread_cond_broadcast(&n->done_cv);
			pthread_mutex_unlock(&n->mu);
		}
	}
	free(ok);
	free(spans);
	if (n->broken)
		rebuild_engine(n);
	pthread_mutex_lock(&n->mu);
	n->stats.integrate_seconds += mono() - t0;
	pthread_mutex_unlock(&n->mu);
}

/* Publishes every staged entry: one write, one checkpoint. False if it failed. */
static bool integrate(pl_node *n)
{
	double t0 = mono();
	pl_diag d = {0};
	pthread_mutex_lock(&n->logmu);
	int rc = pl_log_integrate(n->log, &d);
	pthread_mutex_unlock(&n->logmu);
	pthread_mutex_lock(&n->mu);
	if (rc != PL_OK) {
		n->stats.storage_errors++;
		fprintf(stderr, "parley serve: integrating a batch failed (will retry): %s\n", pl_diag_text(&d, rc));
	} else {
		n->nstaged = 0;
		n->stats.batches++;
		refresh_checkpoint_locked(n);
	}
	n->stats.integrate_seconds += mono() - t0;
	pthread_mutex_unlock(&n->mu);
	return rc == PL_OK;
}

/* Waits on the sequencer's condition until the monotonic time t (mu held). */
static void seq_wait_until(pl_node *n, double t)
{
	double left = t - mono();
	if (left <= 0)
		return;
	struct timespec until;
	clock_gettime(CLOCK_REALTIME, &until);
	long ns = until.tv_nsec + (long)(left * 1e9);
	until.tv_sec += ns / 1000000000L;
	until.tv_nsec = ns % 1000000000L;
	pthread_cond_timedwait(&n->seq_cv, &n->mu, &until);
}

/*
 * Integrating (publishing) costs several fsyncs whatever the batch size, so
 * under load staged batches wait for their checkpoint while more statements
 * keep arriving, and one integrate covers them all: staged entries are
 * published as soon as no new statement is ready within SEQ_GRACE_MS, and
 * at most batch_ms after the first of them was staged. With batch_ms 0 every
 * batch is published at once.
 */
#define SEQ_GRACE_MS 2.0

static void *sequencer(void *arg)
{
	pl_node *n = arg;
	job **batch = malloc(n->o.batch_max * sizeof *batch);
	double since = 0; /* when the oldest staged, unpublished entry was staged; 0: none */
	pthread_mutex_lock(&n->mu);
	while (batch != NULL) {
		while (!n->stop && n->verified.n == 0 && pl_log_staged(n->log) == pl_log_size(n->log))
			pthread_cond_wait(&n->seq_cv, &n->mu);
		if (n->stop)
			break;
		if (n->verified.n > 0) {
			/* let the batch fill for up to batch_ms after the first arrival */
			double fill = mono() + n->o.batch_ms / 1e3;
			while (!n->stop && n->o.batch_ms > 0 && n->verified.n < n->o.batch_max && n->in.n > 0 &&
			       mono() < fill)
				seq_wait_until(n, fill);
			size_t count = 0;
			while (count < n->o.batch_max && n->verified.n > 0)
				batch[count++] = pop(&n->verified);
			n->unpublished += count;
			n->stats.queue = queue_depth(n);
			pthread_mutex_unlock(&n->mu);
			double staged_at = mono();
			run_batch(n, batch, count);
			pthread_mutex_lock(&n->mu);
			n->unpublished = (size_t)(pl_log_staged(n->log) - pl_log_size(n->log));
			if (since == 0)
				since = staged_at;
		}
		if (pl_log_staged(n->log) == pl_log_size(n->log)) {
			since = 0; /* everything was refused */
			continue;
		}
		if (since == 0)
			since = mono(); /* staged before this thread started */
		if (!n->stop && n->o.batch_ms > 0) {
			double due = since + n->o.batch_ms / 1e3, grace = mono() + SEQ_GRACE_MS / 1e3;
			if (grace > due)
				grace = due;
			while (!n->stop && n->verified.n == 0 && mono() < grace)
				seq_wait_until(n, grace);
			if (!n->stop && n->verified.n > 0 && mono() < due)
				continue; /* stage these first; one integrate publishes both */
		}
		pthread_mutex_unlock(&n->mu);
		bool published = integrate(n);
		pthread_mutex_lock(&n->mu);
		n->unpublished = (size_t)(pl_log_staged(n->log) - pl_log_size(n->log));
		if (published) {
			since = 0;
		} else {
			/* retry after a pause; what arrives meanwhile is staged first */
			double pause = mono() + (n->o.batch_ms > 10 ? n->o.batch_ms : 10) / 1e3;
			while (!n->stop && mono() < pause)
				seq_wait_until(n, pause);
		}
	}
	pthread_mutex_unlock(&n->mu);
	/* stopping: publish what is staged (best effort: the next open would) */
	if (batch != NULL && pl_log_staged(n->log) != pl_log_size(n->log))
		(void)integrate(n);
	free(batch);
	return NULL;
}

/* ---- the workflow index ---- */

/* Waits on index_cv for at most ms (mu held). */
static void index_wait(pl_node *n, long ms)
{
	struct timespec until;
	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += ms / 1000;
	until.tv_nsec += (ms % 1000) * 1000000L;
	if (until.tv_nsec >= 1000000000L) {
		until.tv_sec++;
		until.tv_nsec -= 1000000000L;
	}
	pthread_cond_timedwait(&n->index_cv, &n->mu, &until);
}

/* Follows the published log into DIR/private/index.db (its own engine and source). */
static void *indexer(void *arg)
{
	pl_node *n = arg;
	char path[PATH_MAX];
	pl_index *x = NULL;
	pl_source *src = NULL;
	pl_engine e;
	pl_engine_init(&e, n->origin);
	bool have_path = pl_logdir_path(n->dir, PL_LOGFILE_INDEX, path, NULL) == PL_OK;
	pthread_mutex_lock(&n->mu);
	while (!n->stop) {
		uint64_t target = n->size;
		if (x != NULL && n->indexed >= target) {
			index_wait(n, 1000);
			continue;
		}
		pthread_mutex_unlock(&n->mu);
		pl_diag d = {0};
		int rc = src != NULL ? PL_OK : pl_source_open_dir(n->dir, &src, &d);
		if (rc == PL_OK && x == NULL)
			rc = pl_index_open_dir_at(n->dir, n->origin, true, true, &x, &d);
		uint64_t before = x != NULL ? pl_index_size(x) : 0;
		if (rc == PL_OK)
			rc = pl_index_follow(x, &e, src, target, true, &d);
		if (rc != PL_OK) {
			fprintf(stderr, "parley serve: the workflow index %s (%s)\n",
				rc == PL_ECORRUPT ? "does not match the log: rebuilding it" : "failed", pl_diag_text(&d, rc));
			pl_index_close(x);
			x = NULL;
			pl_engine_release(&e);
			pl_engine_init(&e, n->origin);
			if (rc == PL_ECORRUPT)
				(void)!(have_path && pl_logdir_remove_db(path, NULL) == PL_OK);
		}
		pthread_mutex_lock(&n->mu);
		n->indexed = x != NULL ? pl_index_size(x) : 0;
		pthread_cond_broadcast(&n->index_cv);
		if (rc != PL_OK)
			index_wait(n, 1000); /* try again (or rebuild) in a second */
		else if (x != NULL && pl_index_size(x) == before && !n->stop)
			index_wait(n, 20); /* a partial bundle was replaced: read the new size */
	}
	pthread_mutex_unlock(&n->mu);
	pl_index_close(x);
	pl_source_free(src);
	pl_engine_release(&e);
	return NULL;
}

int pl_node_index_open(pl_node *n, unsigned wait_ms, pl_index **out, pl_diag *d)
{
	double until = mono() + wait_ms / 1e3;
	pthread_mutex_lock(&n->mu);
	uint64_t want = n->size;
	while (n->indexed < want && !n->stop && mono() < until)
		index_wait(n, 50);
	uint64_t have = n->indexed;
	pthread_mutex_unlock(&n->mu);
	if (have < want)
		return pl_diag_set(d, PL_ESTATE, "the workflow index holds %llu of %llu entries; try again shortly",
				   (unsigned long long)have, (unsigned long long)want);
	return pl_index_open_dir_at(n->dir, n->origin, false, false, out, d);
}

/* ---- lifecycle ---- */

static int replay_staged(void *ctx, uint64_t index, const uint8_t *entry, size_t len)
{
	replay_ctx *r = ctx;
	return pl_engine_replay(&r->n->eng, entry, len, index, &r->a, NULL, NULL);
}

/* Rebuilds the engine from every integrated and staged entry (mlock held for writing, or not yet shared). */
static int replay_log(pl_node *n, pl_diag *d)
{
	replay_ctx r = {.n = n};
	admission_for(n, &r.a);
	r.a.skew = -1;
	r.a.trust_signatures = n->o.trust_log;
	uint64_t size = pl_log_size(n->log);
	pl_buf b;
	pl_buf_init(&b, PL_BUNDLE_MAX);
	int rc = PL_OK;
	for (uint64_t t = 0; rc == PL_OK && t * PL_TILE_WIDTH < size; t++) {
		pl_tile tile;
		if ((rc = pl_tile_in_tree(size, PL_TILE_LEVEL_ENTRIES, t, &tile)) != PL_OK)
			break;
		pl_buf_reset(&b);
		if ((rc = pl_source_fetch_tile(n->src, &tile, &b)) != PL_OK) {
			pl_diag_set(d, rc, "reading entry bundle %llu", (unsigned long long)t);
			break;
		}
		pl_span e[PL_TILE_WIDTH];
		if (pl_bundle_parse(b.data, b.len, tile.width, e) != PL_OK) {
			rc = pl_diag_set(d, PL_ECORRUPT, "entry bundle %llu is malformed", (unsigned long long)t);
			break;
		}
		for (unsigned i = 0; rc == PL_OK && i < tile.width; i++)
			rc = pl_engine_replay(&n->eng, e[i].p, e[i].n, t * PL_TILE_WIDTH + i, &r.a, NULL, d);
	}
	pl_buf_release(&b);
	if (rc == PL_OK && (rc = pl_log_each_staged(n->log, replay_staged, &r, d)) != PL_OK)
		pl_diag_set(d, rc, "replaying the staged entries");
	return rc;
}

/* After a failed batch: the state again as the log has it (sequencer thread). */
static void rebuild_engine(pl_node *n)
{
	pl_diag d = {0};
	pthread_rwlock_wrlock(&n->mlock);
	pl_engine_release(&n->eng);
	pl_engine_init(&n->eng, n->origin);
	int rc = replay_log(n, &d);
	pthread_rwlock_unlock(&n->mlock);
	if (rc == PL_OK)
		n->broken = false;
	else
		fprintf(stderr, "parley serve: rebuilding the state from the log failed (%s); refusing statements until "
			"restarted\n", pl_diag_text(&d, rc));
}

/* Stops and joins every thread that was started. */
static void stop_threads(pl_node *n)
{
	pthread_mutex_lock(&n->mu);
	n->stop = true;
	pthread_cond_broadcast(&n->in_cv);
	pthread_cond_broadcast(&n->seq_cv);
	pthread_cond_broadcast(&n->cosign_cv);
	pthread_cond_broadcast(&n->index_cv);
	pthread_mutex_unlock(&n->mu);
	for (size_t i = 0; i < n->nver; i++)
		pthread_join(n->ver_threads[i], NULL);
	n->nver = 0;
	if (n->sequencing)
		pthread_join(n->seq_thread, NULL);
	if (n->cosigning)
		pthread_join(n->cosign_thread, NULL);
	if (n->indexing)
		pthread_join(n->index_thread, NULL);
	n->sequencing = n->cosigning = n->indexing = false;
}

int pl_node_open(const char *dir, const pl_node_opts *o, pl_node **out, pl_diag *d)
{
	*out = NULL;
	pl_node *n = calloc(1, sizeof *n);
	if (n == NULL)
		return pl_diag_set(d, PL_ENOMEM, "out of memory");
	n->o = *o;
	if (n->o.batch_max == 0)
		n->o.batch_max = 1;
	if (n->o.verifiers == 0)
		n->o.verifiers = 1;
	if (n->o.verifiers > 16)
		n->o.verifiers = 16;
	snprintf(n->dir, sizeof n->dir, "%s", dir);
	pthread_rwlock_init(&n->mlock, NULL);
	pthread_mutex_init(&n->mu, NULL);
	pthread_mutex_init(&n->logmu, NULL);
	pthread_cond_init(&n->in_cv, NULL);
	pthread_cond_init(&n->seq_cv, NULL);
	pthread_cond_init(&n->done_cv, NULL);
	pthread_cond_init(&n->cosign_cv, NULL);
	pthread_cond_init(&n->index_cv, NULL);
	pl_buf_init(&n->checkpoint, PL_NOTE_MAX);
	pl_buf_init(&n->latest, PL_NOTE_MAX);
	if (n->o.witness_ms == 0)
		n->o.witness_ms = 1000;
	int rc = pl_log_open(dir, &n->log, d);
	if (rc != PL_OK)
		goto fail;
	if ((rc = pl_source_open_dir(dir, &n->src, d)) != PL_OK)
		goto fail;
	snprintf(n->origin, sizeof n->origin, "%s", pl_log_verifier(n->log)->name);
	pl_engine_init(&n->eng, n->origin);
	{
		/* until the first cosigning round, serve what the file holds (cosigned, perhaps) */
		pl_span cp = pl_log_checkpoint(n->log);
		n->latest_size = pl_log_size(n->log);
		(void)!pl_buf_append(&n->latest, cp.p, cp.n);
		pl_buf file;
		pl_buf_init(&file, PL_NOTE_MAX);
		char path[PATH_MAX];
		bool have = n->o.nwitnesses > 0 && pl_logdir_path(dir, PL_LOGFILE_CHECKPOINT, path, NULL) == PL_OK &&
			    pl_fs_read(path, PL_NOTE_MAX, &file, NULL) == PL_OK;
		publish_locked(n, have ? file.data : cp.p, have ? file.len : cp.n, n->latest_size);
		pl_buf_release(&file);
	}
	if (n->o.nwitnesses > 0)
		pl_log_checkpoint_by_caller(n->log, true);
	if ((rc = replay_log(n, d)) != PL_OK)
		goto fail;
	if (n->o.nwitnesses > 0) {
		if (pthread_create(&n->cosign_thread, NULL, cosigner, n) != 0) {
			rc = pl_diag_set(d, PL_ENOMEM, "cannot start the cosigning thread");
			goto fail;
		}
		n->cosigning = true;
	}
	if (pthread_create(&n->index_thread, NULL, indexer, n) != 0) {
		rc = pl_diag_set(d, PL_ENOMEM, "cannot start the index thread");
		goto stop;
	}
	n->indexing = true;
	if (pthread_create(&n->seq_thread, NULL, sequencer, n) != 0) {
		rc = pl_diag_set(d, PL_ENOMEM, "cannot start the sequencer thread");
		goto stop;
	}
	n->sequencing = true;
	for (; n->nver < n->o.verifiers; n->nver++)
		if (pthread_create(&n->ver_threads[n->nver], NULL, verifier, n) != 0)
			break;
	if (n->nver == 0) {
		rc = pl_diag_set(d, PL_ENOMEM, "cannot start verifier threads");
		goto stop;
	}
	*out = n;
	return PL_OK;
stop:
	stop_threads(n);
fail:
	pl_buf_release(&n->latest);
	pl_engine_release(&n->eng);
	pl_source_free(n->src);
	pl_log_close(n->log);
	pl_buf_release(&n->checkpoint);
	free(n);
	return rc;
}

void pl_node_close(pl_node *n)
{
	if (n == NULL)
		return;
	stop_threads(n);
	/* whatever is still queued is answered 503; waiters keep their acceptance */
	pthread_mutex_lock(&n->mu);
	pl_refusal v;
	job *j;
	pl_refuse(&v, PL_R_SHUTTING_DOWN, "the server is shutting down");
	while ((j = pop(&n->in)) != NULL)
		refuse_locked(n, j, &v);
	while ((j = pop(&n->verified)) != NULL)
		refuse_locked(n, j, &v);
	for (j = n->waiting; j != NULL; j = j->next) {
		/* signed here, while the log is open, not by the submitter */
		acceptance(n, j->res->index, &j->res->leaf, &j->res->acceptance);
		j->state = JOB_DONE;
	}
	n->waiting = NULL;
	pthread_cond_broadcast(&n->done_cv);
	pthread_mutex_unlock(&n->mu);
	pl_engine_release(&n->eng);
	pl_source_free(n->src);
	pl_log_close(n->log);
	pl_buf_release(&n->checkpoint);
	pl_buf_release(&n->latest);
	pthread_cond_destroy(&n->cosign_cv);
	pthread_cond_destroy(&n->index_cv);
	free(n->staged_leaves);
	free(n->buckets);
	/* submitters still inside pl_node_submit must be gone before this;
	 * the HTTP layer stops its daemon first */
	pthread_rwlock_destroy(&n->mlock);
	pthread_mutex_destroy(&n->mu);
	pthread_mutex_destroy(&n->logmu);
	pthread_cond_destroy(&n->in_cv);
	pthread_cond_destroy(&n->seq_cv);
	pthread_cond_destroy(&n->done_cv);
	free(n);
}

void pl_node_submit(pl_node *n, const uint8_t *raw, size_t len, bool wait, pl_node_result *res)
{
	job j;
	memset(&j, 0, sizeof j);
	j.raw = raw;
	j.len = len;
	j.wait = wait;
	j.res = res;
	res->err = PL_OK;
	pthread_mutex_lock(&n->mu);
	if (n->stop) {
		pl_refusal v;
		pl_refuse(&v, PL_R_SHUTTING_DOWN, "the server is shutting down");
		refuse_locked(n, &j, &v);
	} else if (queue_depth(n) >= n->o.queue_max) {
		pl_refusal v;
		pl_refuse(&v, PL_R_QUEUE_FULL, "%zu statements are waiting; try again shortly", queue_depth(n));
		refuse_locked(n, &j, &v);
	} else {
		push(&n->in, &j);
		pthread_cond_signal(&n->in_cv);
		double queued_until = mono() + 60, receipt_until = 0;
		while (j.state != JOB_DONE) {
			struct timespec tick;
			clock_gettime(CLOCK_REALTIME, &tick);
			tick.tv_nsec += 200000000L; /* re-check deadlines five times a second */
			if (tick.tv_nsec >= 1000000000L) {
				tick.tv_sec++;
				tick.tv_nsec -= 1000000000L;
			}
			pthread_cond_timedwait(&n->done_cv, &n->mu, &tick);
			double now = mono();
			if (j.state == JOB_QUEUED && now > queued_until) {
				/* still not checked after a minute: withdraw it */
				job **pp = &n->in.head, *prev = NULL;
				while (*pp && *pp != &j) {
					prev = *pp;
					pp = &(*pp)->next;
				}
				if (*pp) {
					*pp = j.next;
					if (n->in.tail == &j)
						n->in.tail = prev;
					n->in.n--;
					pl_refusal v;
					pl_refuse(&v, PL_R_OVERLOADED, "the statement waited too long to be checked");
					refuse_locked(n, &j, &v);
				}
			} else if (j.state == JOB_ACCEPTED) {
				if (receipt_until == 0)
					receipt_until = now + n->o.wait_ms / 1000.0;
				if (now > receipt_until) {
					/* no checkpoint in time: the acceptance alone answers */
					job **pp = &n->waiting;
					while (*pp && *pp != &j)
						pp = &(*pp)->next;
					if (*pp)
						*pp = j.next;
					j.state = JOB_DONE;
				}
			}
		}
	}
	pthread_mutex_unlock(&n->mu);
	if (res->err == PL_OK && res->acceptance.len == 0)
		acceptance(n, res->index, &res->leaf, &res->acceptance);
	if (j.parsed)
		pl_submission_release(&j.sub);
}

const char *pl_node_origin(const pl_node *n)
{
	return n->origin;
}

const char *pl_node_dir(const pl_node *n)
{
	return n->dir;
}

int pl_node_checkpoint(pl_node *n, pl_buf *out, uint64_t *size)
{
	pthread_mutex_lock(&n->mu);
	int rc = pl_buf_append(out, n->checkpoint.data, n->checkpoint.len);
	if (size)
		*size = n->size;
	pthread_mutex_unlock(&n->mu);
	return rc;
}

int pl_node_prove(pl_node *n, uint64_t index, pl_buf *out, pl_diag *d)
{
	pl_policy pol;
	pl_policy_init(&pol, pl_log_verifier(n->log));
	return pl_published_prove(n->src, &pol, index, out, d);
}

int pl_node_consistency(pl_node *n, uint64_t old, uint64_t new, pl_hash *proof, size_t *len, pl_diag *d)
{
	uint64_t size;
	pthread_mutex_lock(&n->mu);
	size = n->size;
	pthread_mutex_unlock(&n->mu);
	if (old > new || new > size)
		return pl_diag_set(d, PL_ERANGE, "sizes must satisfy old <= new <= %llu", (unsigned long long)size);
	pl_tile_reader *tr = malloc(sizeof *tr);
	if (tr == NULL)
		return pl_diag_set(d, PL_ENOMEM, "out of memory");
	pl_tile_reader_init(tr, size, pl_source_fetch_tile, n->src);
	pl_hash_reader hr = pl_tile_reader_as_hash_reader(tr);
	int rc = pl_prove_consistency(&hr, old, new, proof, len);
	free(tr);
	if (rc != PL_OK)
		return pl_diag_set(d, rc, "cannot build the consistency proof");
	return PL_OK;
}

int pl_node_entry(pl_node *n, uint64_t index, pl_buf *out, pl_diag *d)
{
	uint64_t size;
	pthread_mutex_lock(&n->mu);
	size = n->size;
	pthread_mutex_unlock(&n->mu);
	return pl_published_entry(n->src, size, index, out, d);
}

static int member_json(const pl_member *m, pl_buf *out)
{
	char s[64], b[64], p[128];
	pl_b64_encode(m->id.sign_pk, 32, s);
	pl_b64_encode(m->id.box_pk, 32, b);
	pl_b64_encode(m->id.proof, 64, p);
	int rc = pl_buf_printf(out,
			       "{\"party\":\"%s\",\"sign\":\"%s\",\"box\":\"%s\",\"proof\":\"%s\",\"active\":%s,"
			       "\"founder\":%s,\"seq\":%llu,\"since\":%llu,\"contact\":%s,\"keys\":[",
			       m->id.party, s, b, p, m->active ? "true" : "false", m->founder ? "true" : "false",
			       (unsigned long long)m->seq, (unsigned long long)m->since,
			       m->contact[0] ? m->contact : "null");
	for (size_t i = 0; rc == PL_OK && i < m->nkeys; i++) {
		pl_b64_encode(m->keys[i].sign_pk, 32, s);
		if (m->keys[i].until == UINT64_MAX)
			rc = pl_buf_printf(out, "%s{\"sign\":\"%s\",\"from\":%llu,\"until\":null}", i ? "," : "", s,
					   (unsigned long long)m->keys[i].from);
		else
			rc = pl_buf_printf(out, "%s{\"sign\":\"%s\",\"from\":%llu,\"until\":%llu}", i ? "," : "", s,
					   (unsigned long long)m->keys[i].from, (unsigned long long)m->keys[i].until);
	}
	if (rc == PL_OK)
		rc = pl_buf_puts(out, "]}");
	return rc;
}

int pl_node_party(pl_node *n, const char *party, pl_buf *out)
{
	pthread_rwlock_rdlock(&n->mlock);
	const pl_member *m = pl_members_get(&n->eng.members, party);
	int rc = m ? member_json(m, out) : PL_ENOTFOUND;
	pthread_rwlock_unlock(&n->mlock);
	return rc;
}

int pl_node_parties(pl_node *n, pl_buf *out)
{
	pthread_rwlock_rdlock(&n->mlock);
	int rc = pl_buf_putc(out, '[');
	for (size_t i = 0; rc == PL_OK && i < n->eng.members.n; i++) {
		if (i)
			rc = pl_buf_putc(out, ',');
		if (rc == PL_OK)
			rc = member_json(&n->eng.members.m[i], out);
	}
	if (rc == PL_OK)
		rc = pl_buf_putc(out, ']');
	pthread_rwlock_unlock(&n->mlock);
	return rc;
}

int pl_node_blob_auth(pl_node *n, const char *method, const char *hex, const char *party, const char *time,
		      const char *sig64, pl_refusal *r)
{
	uint8_t pk[32];
	bool member = party != NULL && pl_node_member_key(n, party, pk);
	return pl_blob_auth_check(method, hex, party, time, sig64, member ? pk : NULL, pl_now(), r);
}

bool pl_node_member_key(pl_node *n, const char *party, uint8_t pk[32])
{
	pthread_rwlock_rdlock(&n->mlock);
	const pl_member *m = pl_members_get(&n->eng.members, party);
	bool ok = m != NULL && m->active;
	if (ok)
		memcpy(pk, m->id.sign_pk, 32);
	pthread_rwlock_unlock(&n->mlock);
	return ok;
}

void pl_node_stats_get(pl_node *n, pl_node_stats *s)
{
	pthread_mutex_lock(&n->mu);
	*s = n->stats;
	s->size = n->size;
	s->queue = queue_depth(n);
	s->indexed = n->indexed;
	pthread_mutex_unlock(&n->mu);
}

int pl_node_refusals(pl_node *n, pl_buf *out)
{
	pthread_mutex_lock(&n->mu);
	int rc = PL_OK;
	for (size_t i = 0; rc == PL_OK && i < n->nrefusals; i++)
		rc = pl_buf_printf(out, "%s %llu\n", n->refusals[i].code, (unsigned long long)n->refusals[i].count);
	pthread_mutex_unlock(&n->mu);
	return rc;
}
