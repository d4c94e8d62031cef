/* log.c - completing a publish (steps 4-6 of log.h) from its committed
 * manifest: the one code that normal publication (log_publish.c) and recovery
 * when the log is opened (log_open.c) both run; and loading the published
 * state from the database. Crash states are described in log.h. */
#include "store/log_impl.h"

#include "base/fsio.h"
#include "store/seqdb.h"
#include "store/writeset.h"

#include <string.h>
#include <unistd.h>

/* Makes the checkpoint file match the database (crash state: state
 * committed, file not yet replaced). */
static int sync_checkpoint_file(pl_log *l, pl_diag *d)
{
	if (l->checkpoint.len == 0)
		return PL_OK; /* an empty mirror: no checkpoint of its log yet */
	char path[PATH_MAX];
	int rc = pl_logdir_path(l->dir, PL_LOGFILE_CHECKPOINT, path, d);
	if (rc != PL_OK)
		return rc;
	pl_buf cur;
	pl_buf_init(&cur, PL_NOTE_MAX);
	rc = pl_fs_read(path, PL_NOTE_MAX, &cur, NULL);
	/* the same checkpoint, perhaps with cosignatures added: keep it */
	bool same = false;
	if (rc == PL_OK) {
		pl_note a, b;
		same = pl_note_open(cur.data, cur.len, &l->verifier, 1, &a) == PL_OK &&
		       pl_note_open(l->checkpoint.data, l->checkpoint.len, &l->verifier, 1, &b) == PL_OK &&
		       a.text.n == b.text.n && memcmp(a.text.p, b.text.p, a.text.n) == 0;
	}
	pl_buf_release(&cur);
	if (same)
		return PL_OK;
	return pl_logdir_write_public(l->dir, PL_LOGFILE_CHECKPOINT, l->checkpoint.data, l->checkpoint.len, d);
}

/* Removes the partial versions of tiles that became full between old and new
 * (best effort: leftovers are correct data, only clutter). */
static void drop_partials(pl_log *l, uint64_t old, uint64_t new)
{
	for (int level = PL_TILE_LEVEL_ENTRIES; level < PL_LEVELS_MAX; level++) {
		uint64_t a = pl_tile_level_count(old, level) / PL_TILE_WIDTH;
		uint64_t b = pl_tile_level_count(new, level) / PL_TILE_WIDTH;
		/* only the first tile completed can have partials: later ones were
		 * empty at `old` */
		if (a < b && pl_tile_level_count(old, level) % PL_TILE_WIDTH != 0) {
			pl_tile t = {level, a, PL_TILE_WIDTH};
			char dirp[PATH_MAX];
			if (pl_logdir_tile_path(l->dir, &t, true, dirp, NULL) != PL_OK)
				continue;
			if (pl_fs_clear_dir(dirp, NULL) == PL_OK)
				rmdir(dirp);
		}
	}
}

/*
 * Steps 4-6 of a publish, from its committed manifest. Normal publication
 * and recovery when the log is opened run this same function (as Sunlight
 * applies its staged uploads through its recovery code), so every batch
 * exercises the recovery path, not only the crash tests:
 *   4. every temporary of the manifest still present is renamed onto its
 *      target, a target already in place is checked, and the directories
 *      are fsynced (pl_writeset_replay);
 *   5. the checkpoint file is made to match the database (kept when it holds
 *      the same checkpoint, cosignatures and all), unless the caller
 *      publishes it (pl_log_checkpoint_by_caller);
 *   6. partial tiles made obsolete between old and the new size are removed
 *      (old == the size: none are known, as after a crash; leftovers are
 *      correct data, only clutter).
 * Idempotent: a crash anywhere in it is finished by running it again.
 */
int pl_log_complete_publish(pl_log *l, const uint8_t *manifest, size_t n, uint64_t old, pl_diag *d)
{
	int rc = n > 0 ? pl_writeset_replay(l->dir, manifest, n, d) : PL_OK;
	if (rc == PL_OK && !l->cp_by_caller)
		rc = sync_checkpoint_file(l, d);
	if (rc == PL_OK)
		drop_partials(l, old, l->size);
	return rc;
}

/* Loads published state and the frontier from disk. */
int pl_log_reload(pl_log *l, pl_diag *d)
{
	pl_seqdb_state st;
	pl_seqdb_state_init(&st);
	int rc = pl_seqdb_load(l->db, &st, d);
	if (rc != PL_OK)
		goto out;
	if (strcmp(pl_buf_cstr(&st.origin), l->verifier.name) != 0) {
		rc = pl_diag_set(d, PL_ECORRUPT, "the log key is named %s but the log's origin is %s",
				 l->verifier.name, pl_buf_cstr(&st.origin));
		goto out;
	}
	l->size = st.size;
	l->root = st.root;
	pl_buf_reset(&l->checkpoint);
	if ((rc = pl_buf_append(&l->checkpoint, st.checkpoint.data, st.checkpoint.len)) != PL_OK)
		goto out;
	/* Crash state: committed, renames or the checkpoint file unfinished: the
	 * publish is completed by the same function that publishes every batch. */
	if ((rc = pl_log_complete_publish(l, st.manifest.data, st.manifest.len, l->size, d)) != PL_OK)
		goto out;
	if ((rc = pl_frontier_load(&l->fr, l->dir, l->size, d)) != PL_OK)
		goto out;
	pl_hash root;
	pl_frontier_root(&l->fr, &root);
	if (!pl_hash_eq(&root, &l->root))
		rc = pl_diag_set(d, PL_ECORRUPT, "the partial tiles on disk do not hash to the published root");
out:
	pl_seqdb_state_release(&st);
	return rc;
}
