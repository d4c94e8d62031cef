/*
 * index_db.h - what the files of the workflow index share (index.c: the
 * database; index_rows.c: the rows of one entry; index_follow.c: following
 * the log; index_dir.c: a log directory's index). Not part of index.h.
 */
#ifndef PARLEY_WORKFLOW_INDEX_DB_H
#define PARLEY_WORKFLOW_INDEX_DB_H

#include "tlog/checkpoint.h"
#include "workflow/index.h"

/* Statements of the writer, prepared once when the index is opened writable. */
enum {
	Q_ENTRY, Q_PARTY, Q_SET, Q_NORM, Q_SUB_DEL, Q_SUB, Q_CASE, Q_CASE_PARTY, Q_REQUEST, Q_TARGET, Q_PING,
	Q_PING_TARGET, Q_META, Q_KEY, Q_EVIDENCE, Q_FINDING, Q_GROUP, Q_GROUP_PARTY, Q_SESSION, Q_SESSION_PARTY,
	Q_OUTCOME, Q_POSITION, Q_SESSION_ENTRY, Q_GROUP_CASE, Q_REFUSED, Q_REPLAY, NQ
};

struct pl_index {
	sqlite3 *db;
	sqlite3_stmt *q[NQ];
	bool writable;
	uint64_t size;       /* entries recorded (meta.size) */
	pl_hash leaf;        /* of entry size-1 (zero when size is 0) */
	char origin[PL_ORIGIN_MAX + 1];
	/* the follower (a writable index): the engine replayed to `size`, made by the first pl_index_follow */
	pl_engine *eng;
	pl_engine_reader rd;
	bool trust;          /* the follower skips signature checks */
	bool in_tx;          /* a write transaction is open */
	uint64_t saved;      /* size of the replay state saved in the database (0: none) */
};

/* An SQLite failure as a library error (PL_ENOSPC, PL_ENOMEM, PL_ECORRUPT, PL_EDB), with a sentence. */
int pl_index_db_err(sqlite3 *db, pl_diag *d, const char *what);

/* Runs sql (no rows). */
int pl_index_exec(sqlite3 *db, const char *sql, pl_diag *d);

/* meta.key into out: PL_OK, PL_ENOTFOUND, PL_EDB (no answer: not a verdict on the file). */
int pl_index_meta_get(sqlite3 *db, const char *key, char *out, size_t cap);

/* Writes meta.key (writable index). */
int pl_index_meta_put(pl_index *x, const char *key, const char *value, pl_diag *d);

/* The rows entry index changed, from the engine's state after applying it (index_rows.c). */
int pl_index_record(pl_index *x, const pl_engine *e, const pl_stmt *s, uint64_t index, const pl_hash *leaf,
		    const pl_wf_effect *ef, pl_diag *d);

/* Drops the follower's engine (after an error: the next follow starts again from the saved state; index.c). */
void pl_index_follower_drop(pl_index *x);

#endif
