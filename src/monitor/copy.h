/*
 * copy.h - a member's verified copy of a log: what member-side commands
 * read instead of the server's word.
 *
 * A copy is a monitor's mirror (monitor.h) with a workflow index over it
 * (workflow/index.h), in a directory of the member's own. pl_copy_sync
 * brings it up to the log's current checkpoint the way a monitor's round
 * does: the checkpoint opened under the member's policy (the log's key and
 * the witness quorum), checked consistent with the last one the copy
 * trusted from the log's own tiles, every new entry replayed through the one
 * replay (signatures on every core, every rule, keys and membership derived
 * from the log itself), staged, and published only once the entries make
 * exactly the checkpoint's tree; then the index follows. Everything a member
 * is shown — statements and the keys their authors held, cases, requests,
 * inbox, report, norm sets, the keys to seal to — is computed from the copy,
 * never from the server's views, which remain a convenience for outsiders.
 *
 * Only one process uses a copy at a time (the mirror's writer lock);
 * pl_copy_open waits a while for another to finish. A first
 * synchronisation downloads and verifies the whole log; later ones only
 * what is new (the replay resumes from its saved state).
 */
#ifndef PARLEY_MONITOR_COPY_H
#define PARLEY_MONITOR_COPY_H

#include <stdbool.h>
#include <stdint.h>

#include "base/err.h"
#include "monitor/monitor.h"
#include "store/source.h"
#include "workflow/index.h"

typedef struct pl_copy_opts {
	const char *dir;         /* the copy's directory (created with the copy) */
	const char *source;      /* the log: its URL, or a directory */
	pl_policy policy;        /* the log's key, the witness keys, the quorum */
	bool no_gzip;            /* do not ask for compressed bundles */
	unsigned wait_ms;        /* how long to wait for another process using the copy (0: 30000) */
	pl_progress_fn progress; /* entries verified so far, of how many (NULL: none) */
	void *progress_ctx;
} pl_copy_opts;

typedef struct pl_copy pl_copy;

/*
 * Opens (creating) the copy in o->dir. PL_ESTATE when another process still
 * holds it after o->wait_ms; PL_EINVAL when the directory holds a copy of
 * another log (another key).
 */
int pl_copy_open(const pl_copy_opts *o, pl_copy **out, pl_diag *d) __attribute__((warn_unused_result));
void pl_copy_close(pl_copy *c);

/*
 * Brings the copy up to the log's current checkpoint, then its index.
 * PL_OK; PL_ENOKEY when the log's checkpoint is not signed by its key or
 * lacks the quorum (the copy stays as it was: the sentence in d says why);
 * PL_EVERIFY when the log shows something the copy cannot accept (a fork, a
 * checkpoint going backwards, tiles that do not make the checkpoint's tree:
 * d says what, and a fork proof is kept in DIR/forks/); I/O and network
 * errors otherwise. Entries the rules refuse do not fail a sync: they have
 * no effect and the index keeps them (pl_index_refusals).
 */
int pl_copy_sync(pl_copy *c, pl_diag *d) __attribute__((warn_unused_result));

/* The index over the copy, current as of the last sync (owned by the copy). */
pl_index *pl_copy_index(pl_copy *c);

/* The copy's directory (a log directory in mirror mode: its tiles can be read with pl_source_open_dir). */
const char *pl_copy_dir(const pl_copy *c);

/* Entries the copy holds (verified, published in the copy). */
uint64_t pl_copy_size(const pl_copy *c);

/* The checkpoint the copy last verified, as the log signed it (with its cosignatures). */
pl_span pl_copy_checkpoint(const pl_copy *c);

/* Statements verified by the last sync. */
uint64_t pl_copy_verified(const pl_copy *c);

#endif
