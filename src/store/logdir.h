/*
 * logdir.h - the one module that knows how a log directory is laid out.
 *
 * Every path, lock and side file of a log directory (a log, or a member's
 * mirror of one) is spelled here and nowhere else:
 *
 *   DIR/checkpoint              the signed checkpoint (public)
 *   DIR/log.vkey                the log's verifier key, one line (public)
 *   DIR/tile/<L>/<N>[.p/<W>]    hash tiles, tile/entries/... bundles (public;
 *                               the relative paths are tlog/tile.h's)
 *   DIR/private/                mode 0700, never to be served:
 *     log.key                   the log's signer key (0600; absent in a mirror)
 *     mirror                    marks a mirror (no key of its own)
 *     state.db                  sequencer state (store/seqdb.h); created as
 *                               state.db.new and renamed (the commit point)
 *     index.db                  the derived workflow state (workflow/index.h);
 *                               rebuilt as index.db.new and renamed
 *     replay.state              the replay's resumable state (replay/replay.h)
 *     blobs/                    sealed evidence blobs (store/blobs.h)
 *     refused/                  entries in the log that the rules refuse, as a
 *                               reader keeps them (replay/replay.h)
 *     tmp/                      temporaries, emptied when the log is opened
 *     lock                      held with flock by the one writer
 *   DIR/forks/                  a monitor's mirror: fork proofs it found
 *                               (monitor/monitor.h)
 *
 * SQLite databases come with side files (-wal, -shm, -journal), removed
 * with their database by pl_logdir_remove_db.
 */
#ifndef PARLEY_STORE_LOGDIR_H
#define PARLEY_STORE_LOGDIR_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>

#include "base/buf.h"
#include "base/err.h"
#include "tlog/checkpoint.h"
#include "tlog/tile.h"

/* The files and directories of a log directory. */
typedef enum pl_logfile {
	PL_LOGFILE_CHECKPOINT,
	PL_LOGFILE_VKEY,
	PL_LOGFILE_TILES,
	PL_LOGFILE_PRIVATE,
	PL_LOGFILE_KEY,
	PL_LOGFILE_MIRROR,
	PL_LOGFILE_STATE,
	PL_LOGFILE_STATE_NEW,
	PL_LOGFILE_INDEX,
	PL_LOGFILE_INDEX_NEW,
	PL_LOGFILE_REPLAY_STATE,
	PL_LOGFILE_BLOBS,
	PL_LOGFILE_TMP,
	PL_LOGFILE_LOCK,
	PL_LOGFILE_REFUSED,
	PL_LOGFILE_FORKS,
	PL_LOGFILE_COUNT
} pl_logfile;

/* The path of f relative to the log directory ("private/state.db"); never NULL. */
const char *pl_logdir_rel(pl_logfile f);

/* Writes DIR/<f> into out (PATH_MAX bytes). PL_ETOOBIG if it does not fit. */
int pl_logdir_path(const char *dir, pl_logfile f, char out[PATH_MAX], pl_diag *d) __attribute__((warn_unused_result));

/* Writes DIR/<tile path of t> into out; with partials, the directory that
 * holds t's partial versions ("DIR/tile/0/000.p"). PL_ETOOBIG, PL_EINVAL. */
int pl_logdir_tile_path(const char *dir, const pl_tile *t, bool partials, char out[PATH_MAX], pl_diag *d)
	__attribute__((warn_unused_result));

/* True when dir holds a log or a mirror (its state database exists). */
bool pl_logdir_exists(const char *dir);

/* True when dir is a mirror (no key of its own). */
bool pl_logdir_is_mirror(const char *dir);

/*
 * Takes the writer lock of dir (flock on private/lock, created 0600).
 * *fd receives the descriptor to pass to pl_logdir_unlock. With wait false
 * and the lock held by another process: PL_ESTATE, or with
 * held_ok set PL_OK with *fd = -1 (the caller then knows someone else keeps
 * the directory current). PL_EIO otherwise.
 */
int pl_logdir_lock(const char *dir, bool held_ok, int *fd, pl_diag *d) __attribute__((warn_unused_result));

/* Releases a lock taken by pl_logdir_lock (fd -1 is fine). */
void pl_logdir_unlock(int fd);

/*
 * Durably replaces DIR/<f> (a public file: the checkpoint, log.vkey) with
 * data, through a temporary in private/tmp (pl_fs_replace's crash states).
 */
int pl_logdir_write_public(const char *dir, pl_logfile f, const void *data, size_t n, pl_diag *d)
	__attribute__((warn_unused_result));

/* Reads dir's log.vkey into v. PL_ENOTFOUND, PL_EFORMAT (naming the file). */
int pl_logdir_read_vkey(const char *dir, pl_verifier *v, pl_diag *d) __attribute__((warn_unused_result));

/*
 * Reads dir's checkpoint file and opens it under dir's own log.vkey (no
 * witness quorum): note gets the signed bytes (appended; may be NULL), cp
 * the body; pl_checkpoint_open's error if it is not signed by the log's key.
 */
int pl_logdir_checkpoint(const char *dir, pl_buf *note, pl_checkpoint *cp, pl_diag *d)
	__attribute__((warn_unused_result));

/* Removes the SQLite database at path and its side files (-wal, -shm,
 * -journal); missing ones are fine. */
int pl_logdir_remove_db(const char *path, pl_diag *d) __attribute__((warn_unused_result));

/* Removes only the side files of the database at path (before another
 * database is renamed onto it, so that they are never applied to it). */
int pl_logdir_remove_db_sides(const char *path, pl_diag *d) __attribute__((warn_unused_result));

/* True when the SQLite database at path has a write-ahead log file beside it. */
bool pl_logdir_db_has_wal(const char *path);

#endif
