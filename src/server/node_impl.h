/*
 * node_impl.h - what the parts of a running log share (not part of node.h).
 *
 * A node is six subsystems, one file each, around one state:
 *   intake.c      submissions: the per-party rate, the verifier threads
 *                 (parse and signature check outside every lock), which are
 *                 also the node's workers for answers;
 *   answers.c     pl_node_submit_async and its blocking wrapper; each job
 *                 answered once through its own callback by a worker
 *                 (receipt built, acceptance signed), never by a broadcast;
 *                 the timer thread (jobs queued too long, receipts not
 *                 come in time, each at its own deadline);
 *   sequencer.c   batches of verified statements admitted in order against
 *                 the engine and staged durably; answered with their index;
 *   integrate.c   the integrator thread: publishing what is staged (one
 *                 write, one checkpoint) at most once per integrate_ms while
 *                 the sequencer stages on, and handing those waiting for a
 *                 receipt to the workers;
 *   cosigning.c   asking the witnesses to cosign each new checkpoint;
 *   indexer.c     keeping the workflow index current, from the sequencer's
 *                 parses (the feed) when it can, from the bundles otherwise;
 * plus acceptance.c (the signed acceptance of a staged batch), node_replay.c
 * (the engine replayed from the log), node_keys.c (the key table the
 * verifiers read), node_state.c (what they all share),
 * node_read.c (what a node serves) and node.c (opening and closing).
 *
 * A job's life: pl_node_submit_async copies the envelope into a job (the
 * node's from then on) and queues it (in); a verifier parses and checks it
 * (verified, or answered with its refusal on that worker); the sequencer
 * admits and stages it and moves it to finished (answer now) or, with wait,
 * to waiting (index order, so deadline order too); a published checkpoint
 * or the timer moves it from waiting to finished; a worker takes it from
 * finished, builds its receipt, signs its acceptance, calls its done and
 * drops its reference. A staged job is also handed to the index feed (a
 * second reference), so that the indexer applies its parse instead of
 * parsing the entry again (indexer.c); the last reference frees it.
 * pl_node_close answers everything left on its own thread.
 *
 * Locks. mu (queues, jobs, published state, stats) is the node's one
 * global lock and is only ever held for a few list operations: nobody
 * checks, signs, proves or writes under it. mlock guards the engine against
 * its readers (the registry views): only the sequencer writes the engine,
 * so it checks statements without any lock and holds mlock for writing
 * only while one statement is applied. klock guards the key table
 * (node_keys.c), read by the verifiers and blob requests, swapped by the
 * sequencer after a batch that changed the membership. logmu serialises
 * the pl_log's users (the sequencer's staging, the integrator's copy and
 * commit, the cosigner's checkpoint writes; the integration's fsyncs and
 * renames run without it, store/log.h). Order when nested: mlock, logmu,
 * mu (nobody takes logmu with mu held); klock is never held with another. Every condition variable measures time on the
 * monotonic clock (base/thread.h).
 */
#ifndef PARLEY_SERVER_NODE_IMPL_H
#define PARLEY_SERVER_NODE_IMPL_H

#include "server/node.h"

#include "base/thread.h"

#include "store/log.h"
#include "store/source.h"
#include "workflow/engine.h"

#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>

enum { JOB_QUEUED, JOB_VERIFIED, JOB_ACCEPTED, JOB_DONE };

/* A published checkpoint shared by the receipts it answers (refs counts them; freed at 0). */
typedef struct pubcp {
	atomic_int refs;
	uint64_t size;
	size_t len;
	uint8_t note[];
} pubcp;

/*
 * One submission, owned by the node from pl_node_submit_async until its
 * answer was given (pl_node_finish frees it). Its envelope bytes are the
 * node's own copy, right after the struct; sub borrows them.
 */
typedef struct job {
	const uint8_t *raw;
	size_t len;
	bool wait;               /* answered only once a checkpoint includes it (or wait_ms passed) */
	pl_submission sub;
	bool parsed;             /* sub must be released */
	int state;               /* JOB_* */
	double deadline;         /* JOB_QUEUED: withdrawn after it; JOB_ACCEPTED: answered without receipt after it */
	pubcp *cp;               /* JOB_DONE: the checkpoint its receipt is proven against (a reference), or NULL */
	atomic_int refs;         /* its answer, and the index feed once staged (pl_node_job_unref) */
	uint64_t index;          /* staged: its index */
	struct job *feed_next;   /* the index feed */
	pl_node_result *res;     /* where the answer goes (the submitter's) */
	pl_node_done_fn done;    /* called once, by pl_node_finish */
	void *ctx;
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

/* An active member's current signing key (node_keys.c). */
typedef struct keyrec {
	char party[PL_PARTY_MAX + 1];
	uint8_t pk[PL_ED25519_PK_SIZE];
} keyrec;

#define NODE_REFUSAL_CODES 64

typedef struct refusal_count {
	const char *code;        /* static string: a refusal's name, or "no_memory" */
	uint64_t count;
} refusal_count;

struct pl_node {
	char dir[PATH_MAX];
	pl_node_opts o;
	pl_log *log;
	pl_source *src;          /* the log directory, for tiles and bundles */
	char origin[PL_ORIGIN_LEN_MAX + 1];

	pthread_rwlock_t mlock;  /* guards eng against its readers; only the sequencer writes it */
	pl_engine eng;           /* membership and workflow state of every staged entry */
	pthread_rwlock_t klock;  /* guards keys (read-mostly: swapped by the sequencer) */
	keyrec *keys;            /* active members' current keys, by party (node_keys.c) */
	size_t nkeys;

	pthread_mutex_t logmu;   /* serialises the pl_log's users */
	pthread_mutex_t mu;      /* guards everything below */
	pthread_cond_t in_cv;    /* work for the workers: submissions to verify, answers to give */
	pthread_cond_t seq_cv;   /* work for the sequencer */
	pthread_cond_t left_cv;  /* pl_node_close: the last submitter left pl_node_submit_async */
	pthread_cond_t timer_cv; /* the timer: stop */
	pthread_cond_t integ_cv; /* the integrator: something staged, or stop; holders: it finished */
	queue in, verified;
	queue finished;          /* answered (JOB_DONE), waiting for a worker to call their done */
	queue waiting;           /* accepted, waiting for a checkpoint: in index order, so also by deadline */
	size_t checking;         /* taken by a verifier, not yet verified or refused */
	size_t unpublished;      /* taken by the sequencer, not yet integrated or refused */
	size_t submitters;       /* threads inside pl_node_submit_async (pl_node_close waits for them) */
	bool stop;
	bool broken;             /* eng may not match the log (sequencer thread only) */
	pl_buf checkpoint;       /* published signed checkpoint (with cosignatures) */
	uint64_t size;           /* its size */
	pl_buf latest;           /* the newest checkpoint the log signed (may be unpublished) */
	uint64_t latest_size;
	pthread_cond_t cosign_cv; /* a new checkpoint for the cosigning thread */
	pthread_t cosign_thread;
	bool cosigning;          /* the cosigning thread runs */
	uint64_t staged;         /* entries staged (the sequencer's, under mu) */
	uint64_t integrated;     /* entries whose tiles are in place */
	bool integrating;        /* an integration runs */
	bool hold_integration;   /* none may start (pl_node_hold_integration) */
	pl_hash *staged_leaves;  /* leaves of the entries [integrated, staged), for references */
	size_t nstaged, capstaged;
	bool staged_gap;         /* out of memory: the window misses some; staged ones are not found */
	job *feed_head, *feed_tail; /* staged jobs for the indexer, parsed, in index order (indexer.c) */
	size_t nfeed, feed_bytes;
	bool feed_stalled;       /* the feed was full: nothing is added until the indexer empties it */
	bucket *buckets;
	size_t nbuckets, capbuckets;
	refusal_count refusals[NODE_REFUSAL_CODES];
	size_t nrefusals;
	pl_node_stats stats;

	pthread_t index_thread;
	bool indexing;           /* the index thread runs */
	pthread_cond_t index_cv; /* the indexer: a new checkpoint, or stop; readers: progress */
	uint64_t indexed;        /* entries the index holds */
	uint64_t fed;            /* of them, indexed from the feed (the sequencer's parses) since start */

	pthread_t seq_thread;
	bool sequencing;         /* the sequencer runs */
	pthread_t timer_thread;
	bool timing;             /* the timer runs */
	pthread_t integ_thread;
	bool integrating_thread; /* the integrator runs */
	pthread_t ver_threads[PL_THREADS_MAX];
	size_t nver;
};

/* ---- node_state.c ---- */

/* Says msg through the node's log function, if it has one (never from under mu). */
void pl_node_say(const pl_node *n, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Statements accepted for checking and not yet published (mu held). */
size_t pl_node_queue_depth(const pl_node *n);

/* The admission rules as they apply to new statements now: the clock, its skew, references (leaf_of). */
void pl_node_admission(pl_node *n, pl_admission *a);

/* The leaf of entry index, integrated (from the tiles) or staged (a pl_leaf_fn; the sequencer's). */
int pl_node_leaf_of(void *ctx, uint64_t index, pl_hash *out);

/* Answers job with a refusal (err PL_EREFUSED, v says why) or as out of memory (PL_ENOMEM) (mu held);
 * the caller then hands it to pl_node_finished_locked or pl_node_finish. pl_node_fail_locked is
 * pl_node_fail (the answer, no lock needed: the job is the caller's) then pl_node_count_locked
 * (the statistics). */
void pl_node_fail_locked(pl_node *n, job *j, int err, const pl_refusal *v);
void pl_node_fail(job *j, int err, const pl_refusal *v);
void pl_node_count_locked(pl_node *n, const job *j);

void pl_node_queue_push(queue *q, job *j);
job *pl_node_queue_pop(queue *q);

/* ---- intake.c ---- */

/* Whether party may submit one more statement now under the rate, taking a token (mu held). */
bool pl_node_rate_take(pl_node *n, const char *party, double now);

/* The workers (one per verifier thread): answers to give first, then submissions to verify (parse,
 * signature against the author's current key, rate). */
void *pl_node_verifier(void *arg);

/* ---- answers.c ---- */

/* Queues j (JOB_DONE, its result filled) for a worker to answer; wakes one (mu held). */
void pl_node_finished_locked(pl_node *n, job *j);

/* Gives j's answer: its receipt (j->cp) built, its acceptance signed when it was accepted, its done
 * called, its reference dropped. No lock held; a worker's thread, or pl_node_close's. */
void pl_node_finish(pl_node *n, job *j);

/* Drops a reference to j: the last one releases its parse and frees it. */
void pl_node_job_unref(job *j);

/* Takes a reference to a copy of the checkpoint note (size) for receipts; NULL if out of memory. */
pubcp *pl_node_pubcp_new(const uint8_t *note, size_t len, uint64_t size);
void pl_node_pubcp_unref(pubcp *cp);

/* The timer: withdraws submissions queued too long (overloaded) and answers those whose receipt did
 * not come within wait_ms with their acceptance alone, each at its deadline. */
void *pl_node_timer(void *arg);

/* ---- node_keys.c ---- */

/* Rebuilds the key table from the engine (the sequencer's thread, or before the node is shared).
 * PL_ENOMEM (the old table stays). */
int pl_node_keys_refresh(pl_node *n) __attribute__((warn_unused_result));

/* ---- sequencer.c ---- */

void *pl_node_sequencer(void *arg);

/* ---- integrate.c ---- */

/* Publishes every staged entry: one write, one checkpoint. False if it failed (logged; retried).
 * The integrator's thread, or pl_node_close's once the threads are gone. */
bool pl_node_integrate(pl_node *n);

/* The integrator: pl_node_integrate at most once per integrate_ms while something is staged. */
void *pl_node_integrator(void *arg);

/* With hold, waits until no integration runs and starts none until called again without it (the
 * sequencer rebuilding the engine from the log, which must not change meanwhile). */
void pl_node_hold_integration(pl_node *n, bool hold);

/* Publishes note (a checkpoint of size size): served, receipts answered, the indexer woken (mu held). */
void pl_node_publish_locked(pl_node *n, const uint8_t *note, size_t len, uint64_t size);

/* ---- acceptance.c ---- */

/*
 * Signs the batch acceptance of the k jobs just staged durably at indices
 * first.. (in that order) and gives each job's result the note and its path
 * (docs/api.md); if that cannot be done (out of memory, the key failing) the
 * results get an empty acceptance. Sequencer thread, no lock held: the
 * submitters read their results only once the job is answered under mu.
 */
void pl_node_accept_batch(pl_node *n, job *const *jobs, size_t k, uint64_t first);

/* ---- cosigning.c ---- */

void *pl_node_cosigner(void *arg);

/* ---- indexer.c ---- */

/* The indexer thread: the workflow index follows the published log, from the feed when it can. */
void *pl_node_indexer(void *arg);

/* Hands the staged job j (its index set) to the indexer: its parse is used again (mu held; the
 * sequencer, in index order). Skipped when the feed is full (the indexer reads the bundles). */
void pl_node_feed_locked(pl_node *n, job *j);

/* Drops every job of the feed (pl_node_close, once the indexer is gone). */
void pl_node_feed_drop(pl_node *n);

/* ---- node_replay.c ---- */

/* The engine as the log has it (mlock held for writing, or not yet shared). */
int pl_node_replay_log(pl_node *n, pl_diag *d) __attribute__((warn_unused_result));

/* After a failed batch: the engine again as the log has it (sequencer thread). */
void pl_node_rebuild_engine(pl_node *n);

#endif
