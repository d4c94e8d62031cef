/*
 * node.h - a running Parley log: the durable log, the membership registry
 * replayed from it, and the sequencer that admits statements in batches.
 *
 * Submissions go through a pipeline:
 *   verifiers (one per core): parse the envelope and payload, check the
 *     origin and the clock, apply the per-party rate limit, and verify the
 *     Ed25519 signature against the author's current key;
 *   sequencer (one thread): collects what the verifiers passed for up to
 *     batch_ms (or batch_max statements), runs every admission check in
 *     order against the registry, stages the admitted ones in one durable
 *     transaction (each is answered now with its index, leaf hash, the
 *     batch's signed acceptance and its path in the batch: one signature
 *     per batch, acceptance.c);
 *   integrator (one thread): at most once per integrate_ms, and at once
 *     when it has been idle that long, integrates every staged batch (one
 *     write, one checkpoint) and answers those waiting for a receipt. The
 *     sequencer stages on meanwhile: they share the log only for the
 *     staging's transaction and the integration's copy and commit, never
 *     during the integration's fsyncs.
 * A refused statement is never staged: the log stays exactly as it was.
 *
 * With witnesses configured, a cosigning thread takes the newest checkpoint
 * at most once per witness_ms (and only when the size changed), asks every
 * witness for its cosignature (cosigners.h), and publishes the checkpoint
 * with the cosignatures it got (none if every witness is down: the log goes
 * on, clients that need a quorum wait or fail). Receipts wait for that
 * published checkpoint. Without witnesses each integration publishes at once.
 *
 * The HTTP server (http.h) is an adapter over this; so are the tests.
 */
#ifndef PARLEY_SERVER_NODE_H
#define PARLEY_SERVER_NODE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"
#include "base/err.h"
#include "base/refusal.h"
#include "client/cosign.h"
#include "workflow/index.h"
#include "statement/members.h"
#include "store/blobs.h"
#include "tlog/merkle.h"

typedef struct pl_node pl_node;

typedef struct pl_node_opts {
	int64_t skew;            /* allowed |statement time - clock| in seconds (default 300) */
	unsigned batch_ms;       /* longest wait to fill a batch (default 20 ms) */
	unsigned integrate_ms;   /* at most one integration (one checkpoint) per this many ms
				    (default 100; 0: one as soon as something is staged) */
	size_t batch_max;        /* statements per batch (default 4096) */
	size_t queue_max;        /* submissions queued, being checked or staged but unpublished,
				    before 429 (default 20000) */
	double rate;             /* statements per second per party; 0 = unlimited */
	double burst;            /* bucket size for the rate (default 2 * rate, at least 1) */
	unsigned verifiers;      /* verifier threads (default: online CPUs) */
	bool trust_log;          /* replay the log at start without Ed25519 checks */
	bool accept_clear;       /* admit new statements of TLP:RED, AMBER+STRICT and AMBER threads in clear
				    (default false: they must be sealed, sealing_required; for members whose
				    clients do not seal yet) */
	unsigned wait_ms;        /* longest a submission waits for its receipt (default 30000) */
	pl_cosigner witnesses[PL_WITNESS_MAX]; /* witnesses asked to cosign each new checkpoint */
	size_t nwitnesses;
	unsigned witness_ms;     /* at most one cosigning round per this many ms (default 1000) */
	const pl_blobs *blobs;   /* the blob store (not owned; may be NULL): evidence and findings are admitted
				    only when the blobs they name are in it, whole and sealed (workflow/blobs_check.h) */
	void (*log)(void *ctx, const char *msg); /* what the node has to say (storage failures, refused
						     entries in its log); NULL: nothing is said */
	void *log_ctx;
} pl_node_opts;

/* The longest integrate_ms taken (a checkpoint at least every 10 s under load). */
#define PL_INTEGRATE_MS_MAX 10000

/* Fills opts with the defaults above. */
void pl_node_opts_default(pl_node_opts *o);

typedef struct pl_node_result {
	int err;                 /* PL_OK accepted; PL_EREFUSED (refusal says why); PL_ENOMEM (no verdict on it) */
	pl_refusal refusal;      /* with PL_EREFUSED */
	char msg[256];           /* with PL_ENOMEM: a sentence */
	bool retry;              /* the same bytes may be submitted again later */
	uint64_t index;          /* assigned index */
	pl_hash leaf;            /* leaf hash of the entry */
	pl_buf acceptance;       /* signed batch acceptance note (see docs/api.md); empty if it could not be signed */
	pl_hash path[PL_PROOF_MAX]; /* the entry's inclusion path in its batch, leaf's sibling first */
	size_t path_len;
	pl_buf receipt;          /* tlog-proof, when waited for and reached */
} pl_node_result;

void pl_node_result_init(pl_node_result *r);
void pl_node_result_release(pl_node_result *r);

/*
 * Opens the log in dir (recovering it), replays it into the engine through
 * the one replay (resuming from the state the index saved, when it belongs
 * to this log) and starts the pipeline. An entry of the log that the rules
 * refuse (an operator can append anything) has no effect; it is said
 * through opts->log and counted (stats.refused_entries). Close with
 * pl_node_close.
 */
int pl_node_open(const char *dir, const pl_node_opts *o, pl_node **out, pl_diag *d) __attribute__((warn_unused_result));

/*
 * Stops the pipeline and closes the log. What the sequencer holds is staged
 * and answered, and what is staged is published; what is still queued is
 * refused (shutting_down), and so is every submission made while it runs;
 * those waiting for a receipt that did not come get their acceptance alone.
 * Every pending done is called (on this thread, for what it answers itself)
 * before it returns, and it returns once every submitter has left
 * pl_node_submit_async. No submission may start after it returned.
 */
void pl_node_close(pl_node *n);

/*
 * What a submitter is told when its submission is answered: ctx as given to
 * pl_node_submit_async, res the result it gave, now filled. Called exactly
 * once per submission, with no lock of the node held, from one of these
 * threads: the submitter's own, inside pl_node_submit_async, when the
 * submission is refused at once (shutting_down, queue_full); one of the
 * node's workers (the verifier threads) for every other answer; or the
 * thread running pl_node_close for what it answers. It must return quickly
 * and not block (the worker answers others after it; an HTTP server resumes
 * a suspended connection here), and must not call pl_node_close. From the
 * moment it is called the node no longer touches res or ctx.
 */
typedef void (*pl_node_done_fn)(void *ctx, pl_node_result *res);

/*
 * Submits an envelope (raw[0..len) is copied: it may be freed on return)
 * without waiting: done(ctx, res) is called once the verdict is known (a
 * refusal, or the acceptance with its index once the statement is durably
 * staged) or, with wait, once a published checkpoint includes it
 * (res->receipt) or wait_ms passed after its acceptance (the acceptance
 * alone). res (initialised with pl_node_result_init) and ctx must stay valid
 * until done is called. Every submission is answered: pl_node_close
 * answers what is still pending before it returns (queued: shutting_down;
 * accepted and waiting for a receipt: the acceptance alone). Thread-safe;
 * no submission may start after pl_node_close returned.
 */
void pl_node_submit_async(pl_node *n, const uint8_t *raw, size_t len, bool wait, pl_node_result *res,
			  pl_node_done_fn done, void *ctx);

/*
 * pl_node_submit_async that waits on the caller's own condition variable
 * until done is called (for tests and callers with a thread to spare).
 * Thread-safe. Always fills res.
 */
void pl_node_submit(pl_node *n, const uint8_t *raw, size_t len, bool wait, pl_node_result *res);

/* The log's origin and directory. */
const char *pl_node_origin(const pl_node *n);
const char *pl_node_dir(const pl_node *n);

/* Appends the current signed checkpoint; *size (may be NULL) gets its size. */
int pl_node_checkpoint(pl_node *n, pl_buf *out, uint64_t *size);

/* Appends a tlog-proof for entry index against the current checkpoint. PL_ERANGE past the end. */
int pl_node_prove(pl_node *n, uint64_t index, pl_buf *out, pl_diag *d) __attribute__((warn_unused_result));

/* A consistency proof between two published sizes (old <= new <= current). */
int pl_node_consistency(pl_node *n, uint64_t old, uint64_t new, pl_hash *proof, size_t *len, pl_diag *d)
	__attribute__((warn_unused_result));

/* Appends entry index (published) to out. */
int pl_node_entry(pl_node *n, uint64_t index, pl_buf *out, pl_diag *d) __attribute__((warn_unused_result));

/* Appends one party's registry record as JSON; PL_ENOTFOUND if no such member. */
int pl_node_party(pl_node *n, const char *party, pl_buf *out) __attribute__((warn_unused_result));

/* Appends every member's record as a JSON array. */
int pl_node_parties(pl_node *n, pl_buf *out) __attribute__((warn_unused_result));

/* Copies a member's current signing key if it is an active member, from the key table (current as
 * of the last admitted batch; read without waiting for the admission). */
bool pl_node_member_key(pl_node *n, const char *party, uint8_t pk[PL_ED25519_PK_SIZE]);

/* pl_blob_auth_check (statement/party.h) for this log's origin, with party's current key and the clock. */
int pl_node_blob_auth(pl_node *n, const char *method, const char *hex, const char *party, const char *time,
		      const char *sig64, pl_refusal *r) __attribute__((warn_unused_result));

typedef struct pl_node_stats {
	uint64_t cosignatures;   /* witness cosignatures obtained since start */
	uint64_t witnessed_size; /* size of the latest checkpoint published with cosignatures */
	uint64_t size;           /* published entries */
	uint64_t accepted;       /* statements accepted since start */
	uint64_t refused;        /* statements refused since start */
	uint64_t batches;        /* batches integrated */
	uint64_t queue;          /* submissions waiting now */
	double integrate_seconds;/* total time spent staging and integrating */
	uint64_t storage_errors; /* failed stages or integrations */
	uint64_t indexed;        /* entries the workflow index holds (index.h) */
	uint64_t refused_entries;/* entries of the log that the rules refuse (they have no effect) */
} pl_node_stats;

void pl_node_stats_get(pl_node *n, pl_node_stats *s);

/*
 * The workflow index (DIR/private/index.db) is kept current by a thread of
 * its own that follows the published log. pl_node_index_open waits (at most
 * wait_ms) until it covers the checkpoint published when called, then opens
 * a read-only connection for one request's queries (close with
 * pl_index_close). PL_ESTATE if the index is not ready in time.
 */
int pl_node_index_open(pl_node *n, unsigned wait_ms, pl_index **out, pl_diag *d) __attribute__((warn_unused_result));

/* Appends "code count" lines for every refusal code seen (for metrics). */
int pl_node_refusals(pl_node *n, pl_buf *out) __attribute__((warn_unused_result));

#endif
