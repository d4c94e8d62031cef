/*
 * seqdb.h - the sequencer's state in SQLite (private/state.db).
 *
 * Two tables hold everything the log writer must not lose:
 *   state   (one row): the published tree size, its root and the signed
 *           checkpoint text; the origin; the manifest of the renames that
 *           put the tiles of that size in place (replayed after a crash);
 *   pending (one row per staged batch): entries sequenced (their indexes are
 *           fixed) but not yet integrated into tiles, as a bundle blob.
 * The database runs in WAL mode with synchronous=FULL: a COMMIT that returns
 * is durable. Every change here is one transaction.
 */
#ifndef PARLEY_STORE_SEQDB_H
#define PARLEY_STORE_SEQDB_H

#include <sqlite3.h>
#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"
#include "base/err.h"
#include "tlog/merkle.h"

#define PL_SEQDB_VERSION 2

typedef struct pl_seqdb_state {
	uint64_t size;     /* published tree size */
	pl_hash root;      /* its root */
	pl_buf checkpoint; /* signed checkpoint note for that size (owned) */
	pl_buf origin;     /* log origin (owned) */
	pl_buf manifest;   /* renames of the last publish (see writeset.h; owned) */
} pl_seqdb_state;

/* Creates a new database at path with the initial state. PL_EEXIST if it exists. */
int pl_seqdb_create(const char *path, const char *origin, const pl_hash *root, const uint8_t *cp, size_t cplen,
		    sqlite3 **out, pl_diag *d) __attribute__((warn_unused_result));

/* Opens an existing database (PL_ENOTFOUND if missing), checking its version. */
int pl_seqdb_open(const char *path, sqlite3 **out, pl_diag *d) __attribute__((warn_unused_result));

/* Reads the state row. The caller initialises st's buffers (pl_seqdb_state_init)
 * and releases them (pl_seqdb_state_release). */
void pl_seqdb_state_init(pl_seqdb_state *st);
void pl_seqdb_state_release(pl_seqdb_state *st);
int pl_seqdb_load(sqlite3 *db, pl_seqdb_state *st, pl_diag *d) __attribute__((warn_unused_result));

/* Appends a pending batch starting at index start. Durable on return. */
int pl_seqdb_stage(sqlite3 *db, uint64_t start, uint64_t count, const uint8_t *data, size_t n, pl_diag *d)
	__attribute__((warn_unused_result));

/* Calls fn for every pending batch in index order; stops at the first non-OK
 * return and passes it back. */
typedef int (*pl_seqdb_batch_fn)(void *ctx, uint64_t start, uint64_t count, const uint8_t *data, size_t n);
int pl_seqdb_each_pending(sqlite3 *db, pl_seqdb_batch_fn fn, void *ctx, pl_diag *d)
	__attribute__((warn_unused_result));

/* Deletes every pending batch. */
int pl_seqdb_drop_pending(sqlite3 *db, pl_diag *d) __attribute__((warn_unused_result));

/* Publishes a new state in one transaction: size, root, checkpoint and the
 * manifest of the renames still to do, and drops every pending batch now
 * below size. Durable on return. */
int pl_seqdb_publish(sqlite3 *db, uint64_t size, const pl_hash *root, const uint8_t *cp, size_t cplen,
		     const uint8_t *manifest, size_t mlen, pl_diag *d) __attribute__((warn_unused_result));

#endif
