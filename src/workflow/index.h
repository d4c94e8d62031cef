/*
 * index.h - the derived state of a log in SQLite (DIR/private/index.db): what
 * the read API, `parley inbox`, `cases` and `report` query. It holds nothing
 * the log does not: every row is a function of the engine's state after
 * applying entries 0..size-1, so `parley reindex` rebuilds it with identical
 * content (pl_index_dump prints that content canonically).
 *
 * Crash states: rows for a run of entries are written in one transaction
 * together with meta.size and meta.leaf (the leaf hash of the last entry
 * applied), and, from time to time, the replay's state at that size (table
 * replay), so what the database says and the state it resumes from always
 * agree. WAL with synchronous=NORMAL: a crash loses at most the latest
 * transactions, never consistency; the follower resumes from meta.size. An
 * index whose leaf does not match the log, whose schema is older, or that
 * SQLite finds corrupt is rebuilt from scratch (pl_index_follow says so with
 * PL_ECORRUPT; the caller deletes and recreates it).
 *
 * One writer at a time (the server's indexer thread, or `parley reindex`
 * while the server is stopped); readers may open it read-only concurrently.
 */
#ifndef PARLEY_WORKFLOW_INDEX_H
#define PARLEY_WORKFLOW_INDEX_H

#include <sqlite3.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "base/err.h"
#include "store/source.h"
#include "workflow/engine.h"

#define PL_INDEX_SCHEMA 6 /* 4: groups; 5: sessions and outcomes; 6: cases raised in groups */

typedef struct pl_index pl_index;

/*
 * Opens the index at path, creating it (for origin) when create is set and it
 * does not exist. Read-only when writable is false. PL_ECORRUPT if it is for
 * another origin or an unknown schema version.
 */
int pl_index_open(const char *path, const char *origin, bool writable, bool create, pl_index **out, pl_diag *d)
	__attribute__((warn_unused_result));
void pl_index_close(pl_index *x);

/* pl_index_open on the index of log directory dir (store/logdir.h). */
int pl_index_open_dir_at(const char *dir, const char *origin, bool writable, bool create, pl_index **out, pl_diag *d)
	__attribute__((warn_unused_result));

/* Entries applied (meta.size). */
uint64_t pl_index_size(const pl_index *x);

/* The SQLite handle, for the read queries in views.h. */
sqlite3 *pl_index_db(pl_index *x);

/*
 * Brings the index up to the first upto entries of the log read from src
 * (tlog-tiles; upto must be a size whose bundles src serves), replaying them
 * through the one replay with every rule (workflow/engine.h): the index's own
 * engine is resumed from the state saved in the database (or replayed from
 * zero) up to the index's size without writing, its leaf checked against
 * meta.leaf; then every further entry is applied and its rows recorded,
 * committing every few thousand entries. An entry the rules refuse is kept
 * in the refused table (and has no effect), and the index goes on.
 * Signatures are not checked again when trust_signatures is set (the log was
 * verified when written). Stops early without error when a partial bundle
 * is gone (the log grew: call again with the new size). PL_ECORRUPT if the
 * index does not belong to this log; I/O and SQLite errors otherwise (the
 * uncommitted rows are rolled back; call again, or close x).
 */
int pl_index_follow(pl_index *x, pl_source *src, uint64_t upto, bool trust_signatures, pl_diag *d)
	__attribute__((warn_unused_result));

/* pl_index_follow up to upto entries of a tree of size tree_size that src serves (upto <= tree_size). */
int pl_index_follow_to(pl_index *x, pl_source *src, uint64_t tree_size, uint64_t upto, bool trust_signatures,
		       pl_diag *d) __attribute__((warn_unused_result));

/*
 * pl_index_follow for n entries already parsed, the first at
 * pl_index_size(x), of a tree of size tree_size that src serves: the
 * server's index, handed what its sequencer parsed and admitted, so that
 * an entry is parsed once (from the log's bundles only when the index
 * catches up or is rebuilt). Each must be exactly what
 * pl_submission_parse makes of the entry (subs[i]->raw its bytes,
 * subs[i]->leaf its leaf); they stay the caller's. The first and the last
 * are checked against the log's leaves at their index (PL_ECORRUPT: not
 * the log's; the index is then rebuilt like any that does not match). They
 * are applied through the same replay, with the same rules, rows and
 * refusals as entries read from bundles. Nothing is done (PL_OK, the size
 * unchanged) when the follower is not at pl_index_size(x) yet: follow from
 * the bundles first. Errors as pl_index_follow (uncommitted rows rolled
 * back).
 */
int pl_index_follow_parsed(pl_index *x, pl_source *src, uint64_t tree_size, pl_submission *const *subs, size_t n,
			   bool trust_signatures, pl_diag *d) __attribute__((warn_unused_result));

/*
 * The replay state saved in the index of log directory dir (appended to
 * out), for another reader of the same log to resume from (the server when
 * it opens its log): load it with pl_replay_load, which checks it belongs to
 * the log. PL_ENOTFOUND when there is none (no index, or none saved yet).
 */
int pl_index_saved_state(const char *dir, const char *origin, pl_buf *out, pl_diag *d)
	__attribute__((warn_unused_result));

/*
 * The log as it stood at time t: a fresh index, in memory, of the log's
 * prefix up to the last entry whose own time is at most t (entries are
 * replayed from the first, through the one replay, from src serving a tree of
 * size tree_size; signatures trusted when trust_signatures). Views on it
 * with now = t say what a reader would have seen then, nothing made later.
 * *upto receives the prefix's size (0 when no entry is that old). Costs a
 * replay of the prefix (about what reindexing it costs). Close with
 * pl_index_close. x is the index of the whole log (for the entries' times).
 */
int pl_index_as_of(pl_index *x, pl_source *src, uint64_t tree_size, int64_t t, bool trust_signatures, pl_index **out,
		   uint64_t *upto, pl_diag *d) __attribute__((warn_unused_result));

/*
 * The entries of the log that the rules refuse, as the index recorded them,
 * in index order: at most max into out (out may be NULL to count); *n gets
 * how many there are.
 */
int pl_index_refusals(pl_index *x, pl_replay_refused *out, size_t max, size_t *n, pl_diag *d)
	__attribute__((warn_unused_result));

/*
 * Writes the canonical content of every table to f: one line per row,
 * tables in a fixed order, rows by primary key, values tab-separated; NULL
 * is "-", integers decimal, text quoted in its display form (base/safetext.h:
 * no control character, no bidirectional control, one line, reversible). Two
 * indexes of the same log print the same bytes. PL_ENOMEM, PL_EDB, PL_EIO.
 */
int pl_index_dump(pl_index *x, FILE *f, pl_diag *d) __attribute__((warn_unused_result));

/*
 * Rebuilds the index of the log directory dir from scratch into
 * dir/private/index.db (via a temporary, renamed in place). Refuses with
 * PL_ESTATE while another process holds the log (a running server). *size
 * gets the entries indexed.
 */
int pl_index_rebuild(const char *dir, bool verify_signatures, uint64_t *size, pl_diag *d)
	__attribute__((warn_unused_result));

/*
 * Opens dir's index for reading, first bringing it up to the log's current
 * checkpoint (creating or rebuilding it if needed) when no other process
 * holds the log. The checkpoint is read from dir and checked under the
 * key in dir/log.vkey.
 */
int pl_index_open_dir(const char *dir, pl_index **out, pl_diag *d) __attribute__((warn_unused_result));

#endif
