/*
 * writeset.h - publish a set of immutable files durably, in one fsync round,
 * with an intent manifest so a crash never leaves them half-published.
 *
 * A log batch produces many files (full tiles, bundles, the new partial
 * tiles). A write set collects them in memory and publishes them in two
 * halves around a commit the caller makes durable in between:
 *
 *   prepare  1. a target that already exists must hold exactly the new bytes
 *               (then it is skipped); other bytes -> PL_ECORRUPT, nothing is
 *               touched: a file that exists is never rewritten;
 *            2. every file is written to a temporary in tmp_dir (same file
 *               system), and all of them are fsynced in parallel (one round);
 *            3. the manifest (temporary -> target, one per line) is returned
 *               for the caller to commit durably with its new state;
 *   replay   4. each temporary is renamed onto its target; 5. every directory
 *               that gained an entry (and the parent of every new directory)
 *               is fsynced. The owner runs it on the manifest it committed,
 *               on every publish and again after a crash: one code path.
 *
 * Crash states: before the caller's commit, only temporaries exist and the
 * owner deletes them on start-up (the batch never happened); after it, the
 * owner replays the committed manifest with pl_writeset_replay, which renames
 * what is left and checks what was already renamed. Nothing is ever copied
 * twice: the temporary becomes the published file.
 */
#ifndef PARLEY_STORE_WRITESET_H
#define PARLEY_STORE_WRITESET_H

#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"
#include "base/err.h"

typedef struct pl_writeset pl_writeset;

/* Creates an empty write set publishing under root (paths are relative to
 * it), staging temporaries in tmp_dir with names starting with tag. */
int pl_writeset_new(const char *root, const char *tmp_dir, const char *tag, pl_writeset **out)
	__attribute__((warn_unused_result));

/* Adds a file: relpath (copied) with a copy of data[0..n). */
int pl_writeset_add(pl_writeset *ws, const char *relpath, const void *data, size_t n)
	__attribute__((warn_unused_result));

/* Number of files added. */
size_t pl_writeset_count(const pl_writeset *ws);

/* Steps 1-3. On success the manifest is appended to manifest. On failure the
 * temporaries are removed and nothing was published. */
int pl_writeset_prepare(pl_writeset *ws, pl_buf *manifest, pl_diag *d) __attribute__((warn_unused_result));

/*
 * Called just before the caller tries to commit the manifest: from then on
 * the set never removes its temporaries (pl_writeset_free leaves them),
 * because a commit that reported an error may still have reached the disk
 * and the manifest would then name files that are gone. pl_writeset_replay
 * of the committed manifest renames them (right after the commit, and again
 * at the next open if the process died); the clearing of the temporaries
 * directory on open removes those of a commit that never happened.
 */
void pl_writeset_keep(pl_writeset *ws);

/* Frees the set and its copies, removing temporaries not yet renamed; NULL is fine. */
void pl_writeset_free(pl_writeset *ws);

/*
 * Completes a committed manifest, right after the commit and again after a
 * crash (the same call): for every line, a temporary
 * still present is renamed onto its target (if the target already exists it
 * must hold the same bytes, and the temporary is dropped); a temporary that
 * is gone must have its target in place (else PL_ECORRUPT). Idempotent.
 */
int pl_writeset_replay(const char *root, const uint8_t *manifest, size_t n, pl_diag *d)
	__attribute__((warn_unused_result));

#endif
