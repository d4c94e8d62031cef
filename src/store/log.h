/*
 * log.h - the durable log writer: a log directory laid out exactly as the
 * C2SP tlog-tiles URLs, sequenced in batches, recovered after any crash.
 *
 * Directory layout (DIR):
 *   checkpoint               the signed checkpoint (public)
 *   tile/<L>/<N>[.p/<W>]     hash tiles (public)
 *   tile/entries/<N>[.p/<W>] entry bundles (public)
 *   log.vkey                 the log's verifier key, one line (public)
 *   private/                 mode 0700, never to be served:
 *     log.key                the log's signer key (mode 0600)
 *     state.db               sequencer state (SQLite, WAL, synchronous=FULL)
 *     tmp/                   temporaries, emptied on every open
 *     lock                   held (flock) by the one writer
 *
 * Publishing a batch (pl_log_append, or pl_log_integrate of staged batches);
 * steps 4-6 are the recovery code itself, run on every publish and again by
 * pl_log_open after a crash (log.c: pl_log_complete_publish):
 *   1. every entry is hashed and the new tiles, bundles and partial tiles are
 *      computed in memory;
 *   2. they are written to temporaries in private/tmp and fsynced together
 *      (one fsync round; see writeset.h);
 *   3. one SQLite transaction commits the new size, root, signed checkpoint
 *      and the manifest of renames still to do (and drops staged batches now
 *      published);
 *   4. the temporaries are renamed onto their tile paths and the directories
 *      fsynced; 5. the checkpoint file is replaced; 6. partial tiles made
 *      obsolete by full ones are removed.
 * Staging (pl_log_stage) is for callers that must acknowledge entries before
 * they are published (the server): the batch is committed to the pending
 * table in one transaction, its indexes are fixed from then on, and the next
 * integrate publishes it.
 *
 * Crash states, and what pl_log_open does about them:
 *   - during 1-2: only temporaries exist; they are deleted; the batch never
 *     happened (it was never acknowledged). Staged batches stay staged and are
 *     published by the open;
 *   - after 3: the committed manifest is replayed: temporaries still present
 *     are renamed, files already renamed are checked; the state is then
 *     exactly as if the publish had finished;
 *   - after 4: the checkpoint file is rewritten from the database, which is
 *     the authority and only ever moves forward, so the published checkpoint
 *     never goes backwards;
 *   - during 6: obsolete partial tiles may remain; they are correct data.
 * A file under tile/ is never rewritten with other bytes: a target that
 * exists must already hold the new bytes, or the publish stops with
 * PL_ECORRUPT before touching anything. The published checkpoint only ever
 * covers files that are already durable.
 */
#ifndef PARLEY_STORE_LOG_H
#define PARLEY_STORE_LOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"
#include "base/err.h"
#include "tlog/note.h"

/* Cap on one batch: entries and their bundle encoding. */
#define PL_BATCH_MAX_ENTRIES 1000000
#define PL_BATCH_MAX_BYTES ((size_t)256 << 20)

typedef struct pl_log pl_log;

/*
 * Creates a new, empty log in dir (created if missing; it must not already
 * hold a log): a fresh Ed25519 key named origin, the state database, the
 * size-0 checkpoint and log.vkey. origin must be a valid key name (no spaces,
 * no '+'). PL_EEXIST if dir already holds a log.
 */
int pl_log_init(const char *dir, const char *origin, pl_diag *d) __attribute__((warn_unused_result));

/*
 * Opens the log in dir for writing, recovering from any crash (see above).
 * Only one process may have a log open: PL_ESTATE if another holds it.
 * PL_EPERM if the key file is readable by others. The caller closes the log
 * with pl_log_close.
 */
int pl_log_open(const char *dir, pl_log **out, pl_diag *d) __attribute__((warn_unused_result));

/*
 * Creates an empty mirror of another log in dir: the same layout and crash
 * guarantees, no key of its own. It grows only with pl_log_append_mirrored,
 * each time to a checkpoint signed by log, which it then publishes as is
 * (cosignatures included), so the directory can be served as a mirror.
 */
int pl_log_init_mirror(const char *dir, const pl_verifier *log, pl_diag *d) __attribute__((warn_unused_result));

/*
 * Mirror: stages n more entries (n may be 0) after those already staged
 * (pl_log_stage works on a mirror too: a follower can make its progress
 * durable before it has a checkpoint covering it) and publishes the signed
 * checkpoint note, which must be signed by the mirrored log and sign exactly
 * the tree the mirror then holds: PL_EVERIFY otherwise, and nothing is
 * published (the staged entries stay staged; see pl_log_drop_staged).
 */
int pl_log_append_mirrored(pl_log *l, const pl_span *entries, size_t n, const uint8_t *note, size_t notelen,
			   pl_diag *d) __attribute__((warn_unused_result));

/* Calls fn for every staged, unpublished entry, in index order; stops at the
 * first non-OK return and passes it back. */
typedef int (*pl_log_entry_fn)(void *ctx, uint64_t index, const uint8_t *entry, size_t n);
int pl_log_each_staged(pl_log *l, pl_log_entry_fn fn, void *ctx, pl_diag *d) __attribute__((warn_unused_result));

/* Forgets every staged, unpublished entry (a mirror whose log served entries
 * that its checkpoint does not sign). */
int pl_log_drop_staged(pl_log *l, pl_diag *d) __attribute__((warn_unused_result));

/* Closes the log and wipes its key; NULL is fine. */
void pl_log_close(pl_log *l);

/* Size of the published (checkpointed) tree. */
uint64_t pl_log_size(const pl_log *l);

/* Published size plus every staged entry. */
uint64_t pl_log_staged(const pl_log *l);

/* The log's verifier (its name is the origin); a mirror's is the mirrored log's. */
const pl_verifier *pl_log_verifier(const pl_log *l);

/*
 * Signs note text (ending in a newline) with the log key and appends the
 * signed note to out. Used for statements the log makes about itself, such
 * as acceptances; their first line must not be a valid origin line of this log
 * so they can never be read as checkpoints.
 */
int pl_log_sign_note(const pl_log *l, const uint8_t *text, size_t n, pl_buf *out) __attribute__((warn_unused_result));

/*
 * From now on integration does not write the checkpoint file: the caller
 * publishes checkpoints itself with pl_log_write_checkpoint (a server adding
 * its witnesses' cosignatures). On open the file is kept if it holds the
 * latest checkpoint (cosigned or not), else rewritten from the database.
 */
void pl_log_checkpoint_by_caller(pl_log *l, bool yes);

/* Replaces the checkpoint file with note: a checkpoint this log signed (extra
 * cosignature lines welcome), never smaller than the one the file holds. */
int pl_log_write_checkpoint(pl_log *l, const uint8_t *note, size_t n, pl_diag *d) __attribute__((warn_unused_result));

/* The current signed checkpoint (valid until the next integrate). */
pl_span pl_log_checkpoint(const pl_log *l);

/*
 * Stages n entries (1..PL_BATCH_MAX_ENTRIES, each <= 65535 bytes) as one
 * batch; *first receives the index of the first. Durable on return. On error
 * nothing is staged.
 */
int pl_log_stage(pl_log *l, const pl_span *entries, size_t n, uint64_t *first, pl_diag *d)
	__attribute__((warn_unused_result));

/*
 * Integrates every staged entry and publishes one new checkpoint (no-op if
 * nothing is staged). On error the published state is unchanged and the
 * staged entries stay staged; the in-memory state is reloaded from disk.
 */
int pl_log_integrate(pl_log *l, pl_diag *d) __attribute__((warn_unused_result));

/*
 * pl_log_integrate in steps, for a caller that keeps staging while it
 * integrates (the server): only begin, commit and end need the caller's
 * lock; while it does not hold it during write (hashing, tiles, bundles and
 * the checkpoint as durable temporaries: steps 1-2, the fsyncs) and finish
 * (renames, directory fsyncs, the checkpoint file, clutter: steps 4-6), the
 * caller may call pl_log_stage, pl_log_staged, pl_log_sign_note and
 * pl_log_verifier, and pl_log_write_checkpoint when the checkpoint file is
 * the caller's (pl_log_checkpoint_by_caller), under its lock; nothing else.
 * One integration at a time. The crash states are those of log.h: a batch
 * staged meanwhile is a pending row after the ones integrated, untouched by
 * this publish's transaction. pl_log_size and pl_log_checkpoint change at
 * commit; the tiles of the new size are in place once finish returned.
 *
 *   begin    copies the staged batches (*out NULL when nothing is staged);
 *   write    steps 1-2;
 *   commit   step 3, one transaction (its fsync);
 *   finish   steps 4-6;
 *   end      frees g; with rc not PL_OK (the first failure of the steps,
 *            which the caller then stops calling) it reloads the state from
 *            disk, as pl_log_integrate does on error, and returns rc.
 */
typedef struct pl_log_integration pl_log_integration;

/* The most bytes of staged batches one integration copies. */
#define PL_INTEGRATION_MAX_BYTES ((size_t)1 << 32)

int pl_log_integrate_begin(pl_log *l, pl_log_integration **out, pl_diag *d) __attribute__((warn_unused_result));
int pl_log_integrate_write(pl_log_integration *g, pl_diag *d) __attribute__((warn_unused_result));
int pl_log_integrate_commit(pl_log_integration *g, pl_diag *d) __attribute__((warn_unused_result));
int pl_log_integrate_finish(pl_log_integration *g, pl_diag *d) __attribute__((warn_unused_result));
int pl_log_integrate_end(pl_log_integration *g, int rc, pl_diag *d);

/* pl_log_stage then pl_log_integrate. */
int pl_log_append(pl_log *l, const pl_span *entries, size_t n, uint64_t *first, pl_diag *d)
	__attribute__((warn_unused_result));

#endif
