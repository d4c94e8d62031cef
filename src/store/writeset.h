/*
 * writeset.h - publish a set of immutable files durably, in one fsync round.
 *
 * A log batch produces many files (full tiles, bundles, the new partial
 * tiles). A write set collects them in memory and then publishes them all:
 *
 *   1. each target that already exists is compared with the new bytes:
 *      identical -> skipped (recovery re-publishing the same batch),
 *      different -> PL_ECORRUPT, nothing published (a tile that exists is
 *      never rewritten with other bytes);
 *   2. every file is written to a temporary name in tmp_dir (same file system);
 *   3. all temporaries are fsynced, in parallel (one fsync round);
 *   4. each is renamed into place; 5. every directory that gained an entry
 *      (and the parent of every directory created) is fsynced.
 *
 * Crash states: during 2-3 only temporaries exist (the owner clears tmp_dir
 * on start-up); during 4-5 some targets exist with their final, complete
 * contents, and publishing the same set again is idempotent.
 */
#ifndef PARLEY_STORE_WRITESET_H
#define PARLEY_STORE_WRITESET_H

#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"
#include "base/err.h"

typedef struct pl_writeset pl_writeset;

/* Creates an empty write set publishing under root (paths are relative to
 * it), staging temporaries in tmp_dir. */
int pl_writeset_new(const char *root, const char *tmp_dir, pl_writeset **out) __attribute__((warn_unused_result));

/* Adds a file: relpath (copied) with a copy of data[0..n). */
int pl_writeset_add(pl_writeset *ws, const char *relpath, const void *data, size_t n)
	__attribute__((warn_unused_result));

/* Number of files added. */
size_t pl_writeset_count(const pl_writeset *ws);

/* Publishes every file as described above. On error some files may have been
 * published (see the crash states); the set can be committed again. */
int pl_writeset_commit(pl_writeset *ws, pl_diag *d) __attribute__((warn_unused_result));

/* Frees the set and its copies; NULL is fine. */
void pl_writeset_free(pl_writeset *ws);

#endif
