/* index_dir.c - the index of a log directory: rebuilt, or brought up to date and opened (index.h). */
#include "workflow/index_db.h"

#include "base/fsio.h"
#include "store/logdir.h"

#include <errno.h>
#include <string.h>
#include <limits.h>
#include <stdio.h>
#include <unistd.h>

/* ---- a log directory's index ---- */


/* Builds path afresh from the log (the caller holds the lock). */
static int build(const char *path, pl_source *src, const pl_checkpoint *cp, bool verify, pl_diag *d)
{
	pl_index *x = NULL;
	int rc = pl_logdir_remove_db(path, d);
	if (rc == PL_OK)
		rc = pl_index_open(path, cp->origin, true, true, &x, d);
	if (rc == PL_OK)
		rc = pl_index_follow(x, src, cp->size, !verify, d);
	if (rc == PL_OK && pl_index_size(x) != cp->size)
		rc = pl_diag_set(d, PL_EIO, "the log changed while it was indexed; run again");
	if (rc == PL_OK)
		rc = pl_index_exec(x->db, "PRAGMA wal_checkpoint(TRUNCATE)", d);
	pl_index_close(x);
	return rc;
}

int pl_index_rebuild(const char *dir, bool verify_signatures, uint64_t *size, pl_diag *d)
{
	pl_source *src = NULL;
	int fd = -1, rc;
	char path[PATH_MAX], tmp[PATH_MAX], priv[PATH_MAX];
	if ((rc = pl_logdir_path(dir, PL_LOGFILE_INDEX, path, d)) != PL_OK ||
	    (rc = pl_logdir_path(dir, PL_LOGFILE_INDEX_NEW, tmp, d)) != PL_OK ||
	    (rc = pl_logdir_path(dir, PL_LOGFILE_PRIVATE, priv, d)) != PL_OK)
		return rc;
	if ((rc = pl_source_open_dir(dir, &src, d)) != PL_OK || (rc = pl_logdir_lock(dir, true, &fd, d)) != PL_OK)
		goto out;
	if (fd < 0) {
		rc = pl_diag_set(d, PL_ESTATE,
				 "%s is held by another process (a running server or monitor keeps its own index "
				 "current; stop it to rebuild)", dir);
		goto out;
	}
	pl_checkpoint cp;
	if ((rc = pl_logdir_checkpoint(dir, NULL, &cp, d)) != PL_OK ||
	    (rc = build(tmp, src, &cp, verify_signatures, d)) != PL_OK)
		goto out;
	/* the old database's side files go first: a -wal left beside the new one would be replayed into it */
	if ((rc = pl_logdir_remove_db_sides(path, d)) != PL_OK)
		goto out;
	if (rename(tmp, path) != 0) {
		rc = pl_diag_errno(d, PL_EIO, errno, "rename %s", tmp);
		goto out;
	}
	if ((rc = pl_fs_fsync_dir(priv, d)) == PL_OK && size != NULL)
		*size = cp.size;
out:
	pl_logdir_unlock(fd);
	pl_source_free(src);
	return rc;
}

int pl_index_open_dir(const char *dir, pl_index **out, pl_diag *d)
{
	*out = NULL;
	pl_source *src = NULL;
	int fd = -1, rc;
	char path[PATH_MAX];
	if ((rc = pl_logdir_path(dir, PL_LOGFILE_INDEX, path, d)) != PL_OK)
		return rc;
	if ((rc = pl_source_open_dir(dir, &src, d)) != PL_OK || (rc = pl_logdir_lock(dir, true, &fd, d)) != PL_OK)
		goto out;
	pl_checkpoint cp;
	if ((rc = pl_logdir_checkpoint(dir, NULL, &cp, d)) != PL_OK)
		goto out;
	if (fd >= 0) {
		/* nobody keeps it current: catch up (or build) now */
		pl_index *x = NULL;
		pl_diag d2 = {0};
		rc = pl_index_open(path, cp.origin, true, true, &x, &d2);
		if (rc == PL_OK)
			rc = pl_index_follow(x, src, cp.size, true, &d2);
		pl_index_close(x);
		if (rc == PL_ECORRUPT)
			rc = build(path, src, &cp, false, d);
		else if (rc != PL_OK)
			pl_diag_set(d, rc, "%s", d2.msg);
		if (rc != PL_OK)
			goto out;
	}
	rc = pl_index_open(path, cp.origin, false, false, out, d);
out:
	pl_logdir_unlock(fd);
	pl_source_free(src);
	return rc;
}

int pl_index_as_of(pl_index *x, pl_source *src, uint64_t tree_size, int64_t t, bool trust_signatures, pl_index **out,
		   uint64_t *upto, pl_diag *d)
{
	*out = NULL;
	*upto = 0;
	sqlite3_stmt *st = NULL;
	if (sqlite3_prepare_v2(x->db, "SELECT MAX(idx) FROM entries WHERE time <= ?", -1, &st, NULL) != SQLITE_OK)
		return pl_index_db_err(x->db, d, "find the entries of that time");
	sqlite3_bind_int64(st, 1, t);
	int r = sqlite3_step(st);
	bool some = r == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL;
	uint64_t last = some ? (uint64_t)sqlite3_column_int64(st, 0) : 0;
	sqlite3_finalize(st);
	if (r != SQLITE_ROW)
		return pl_index_db_err(x->db, d, "find the entries of that time");
	uint64_t n = some ? last + 1 : 0;
	if (n > tree_size || n > x->size)
		return pl_diag_set(d, PL_ECORRUPT, "the index names entry %llu, past the log", (unsigned long long)last);
	pl_index *y = NULL;
	int rc = pl_index_open(":memory:", x->origin, true, true, &y, d);
	if (rc == PL_OK && n > 0)
		rc = pl_index_follow_to(y, src, tree_size, n, trust_signatures, d);
	if (rc == PL_OK && pl_index_size(y) != n)
		rc = pl_diag_set(d, PL_EIO, "the log's bundles for the first %llu entries could not all be read",
				 (unsigned long long)n);
	if (rc != PL_OK) {
		pl_index_close(y);
		return rc;
	}
	*out = y;
	*upto = n;
	return PL_OK;
}
