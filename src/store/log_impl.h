/*
 * log_impl.h - what the files of the log writer share; private to
 * src/store/log*.c (callers use log.h, which this header does not change).
 *
 * The writer is split along one-way dependencies (each file uses only the
 * ones below it):
 *   log_mirror.c      the mirror mode: creating a mirror, growing it to
 *                     checkpoints its log signed;
 *   log_open.c        opening a log (and recovering it), closing it, what an
 *                     open log tells;
 *   log_publish.c     staging batches and publishing them: steps 1-3 of
 *                     log.h, then log.c;
 *   log_create.c      creating a log directory, a log's or a mirror's, with
 *                     the state database as the commit point;
 *   log.c             steps 4-6 of a publish from its committed manifest,
 *                     the one code both publication and recovery run, and
 *                     loading the published state;
 *   log_checkpoint.c  what the log signs (its checkpoints, notes about
 *                     itself) and the checkpoint file its caller publishes.
 * A pl_log is not thread-safe: its caller serialises every call.
 */
#ifndef PARLEY_STORE_LOG_IMPL_H
#define PARLEY_STORE_LOG_IMPL_H

#include "store/log.h"

#include "store/frontier.h"
#include "store/logdir.h"

#include <limits.h>
#include <sqlite3.h>

struct pl_log {
	char dir[PATH_MAX];
	char priv[PATH_MAX];   /* dir/private */
	char tmp[PATH_MAX];    /* dir/private/tmp */
	pl_signer *signer;     /* the log key; NULL for a mirror */
	pl_verifier verifier;  /* the log's public key (the signer's, or the mirrored log's) */
	pl_span external_cp;   /* mirror: the checkpoint the next publish uses */
	bool cp_by_caller;     /* the checkpoint file is written by pl_log_write_checkpoint */
	sqlite3 *db;
	int lockfd;
	uint64_t size;         /* published size */
	uint64_t staged;       /* published + pending */
	pl_hash root;          /* published root */
	pl_buf checkpoint;     /* published signed checkpoint */
	pl_frontier fr;        /* frontier at `size` */
};

/* The paths of dir/private and dir/private/tmp, into priv and tmp (PATH_MAX bytes each). */
static inline int pl_log_paths(const char *dir, char *priv, char *tmp, pl_diag *d)
{
	int rc = pl_logdir_path(dir, PL_LOGFILE_PRIVATE, priv, d);
	return rc == PL_OK ? pl_logdir_path(dir, PL_LOGFILE_TMP, tmp, d) : rc;
}

/* Signs the checkpoint for (size, root) with s into out, replacing what out held
 * (log_checkpoint.c). PL_ENOMEM, or the checkpoint's formatting error. */
int pl_log_sign_checkpoint(const pl_signer *s, uint64_t size, const pl_hash *root, pl_buf *out)
	__attribute__((warn_unused_result));

/* Prepares dir for a new log or mirror (log_create.c): refuses an existing one
 * (PL_EEXIST, "dir already holds what"), clears an interrupted creation, makes
 * private/ and private/tmp. */
int pl_log_prepare_dir(const char *dir, const char *priv, const char *tmp, const char *what, pl_diag *d)
	__attribute__((warn_unused_result));

/* Creates private/state.db, holding origin, the tree (size 0, root) and its
 * checkpoint cp[0..cplen), through state.db.new and a rename: the commit point
 * of a creation (log_create.c). */
int pl_log_commit_state(const char *dir, const char *priv, const char *origin, const pl_hash *root,
			const uint8_t *cp, size_t cplen, pl_diag *d) __attribute__((warn_unused_result));

/* Steps 4-6 of a publish from its committed manifest (manifest[0..n), n may
 * be 0), after the database moved from size old to l->size (log.c; see its
 * comment). Idempotent. */
int pl_log_complete_publish(pl_log *l, const uint8_t *manifest, size_t n, uint64_t old, pl_diag *d)
	__attribute__((warn_unused_result));

/* Loads the published state from the database, completes a publish a crash
 * interrupted, and loads the frontier from the tiles (log.c). PL_ECORRUPT when
 * the database and the tiles disagree. */
int pl_log_reload(pl_log *l, pl_diag *d) __attribute__((warn_unused_result));

#endif
