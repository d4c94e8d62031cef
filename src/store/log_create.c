/* log_create.c - creating a log directory: a log's (pl_log_init) and, for
 * log_mirror.c, the steps a mirror's creation shares with it. */
#include "store/log_impl.h"

#include "base/fsio.h"
#include "base/utf8.h"
#include "store/seqdb.h"

#include <errno.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

/*
 * Creating a log or a mirror: the state database appearing under its final
 * name is the commit point. Everything else (key, public files) is written
 * first; the database is created as state.db.new and renamed into place
 * (directory fsynced). A process killed before that leaves a directory with
 * no state.db, which clear_partial() recognises and clears so that the
 * creation can simply be run again.
 */
static int clear_partial(const char *dir, const char *tmp, pl_diag *d)
{
	static const pl_logfile files[] = {PL_LOGFILE_KEY, PL_LOGFILE_MIRROR, PL_LOGFILE_LOCK, PL_LOGFILE_CHECKPOINT,
					   PL_LOGFILE_VKEY};
	char path[PATH_MAX];
	int rc = pl_logdir_path(dir, PL_LOGFILE_TILES, path, d);
	if (rc != PL_OK)
		return rc;
	if (pl_fs_exists(path))
		return pl_diag_set(d, PL_ECORRUPT, "%s holds tiles but no log state: not touching it", dir);
	if ((rc = pl_fs_clear_dir(tmp, d)) == PL_OK && (rc = pl_logdir_path(dir, PL_LOGFILE_STATE_NEW, path, d)) == PL_OK)
		rc = pl_logdir_remove_db(path, d);
	for (size_t i = 0; rc == PL_OK && i < sizeof files / sizeof files[0]; i++)
		if ((rc = pl_logdir_path(dir, files[i], path, d)) == PL_OK)
			rc = pl_fs_unlink(path, d);
	return rc;
}

int pl_log_commit_state(const char *dir, const char *priv, const char *origin, const pl_hash *root, const uint8_t *cp,
			size_t cplen, pl_diag *d)
{
	char fresh[PATH_MAX], path[PATH_MAX];
	int rc;
	if ((rc = pl_logdir_path(dir, PL_LOGFILE_STATE_NEW, fresh, d)) != PL_OK ||
	    (rc = pl_logdir_path(dir, PL_LOGFILE_STATE, path, d)) != PL_OK)
		return rc;
	sqlite3 *db = NULL;
	rc = pl_seqdb_create(fresh, origin, root, cp, cplen, &db, d);
	if (db != NULL && sqlite3_close(db) != SQLITE_OK && rc == PL_OK)
		rc = pl_diag_set(d, PL_EDB, "closing %s failed", fresh);
	/* sqlite3_close ignores a failed final checkpoint (out of memory, I/O):
	 * the committed rows would stay in the WAL, which the rename leaves
	 * behind under the old name. A clean close removes the WAL. */
	if (rc == PL_OK && pl_logdir_db_has_wal(fresh))
		rc = pl_diag_set(d, PL_EDB, "%s was not completely written (its write-ahead log remains)", fresh);
	if (rc == PL_OK && rename(fresh, path) != 0)
		rc = pl_diag_errno(d, PL_EIO, errno, "rename %s", fresh);
	if (rc == PL_OK)
		rc = pl_fs_fsync_dir(priv, d);
	return rc;
}

int pl_log_prepare_dir(const char *dir, const char *priv, const char *tmp, const char *what, pl_diag *d)
{
	int rc = pl_fs_mkdirs(dir, 0755, d);
	if (rc != PL_OK)
		return rc;
	if (pl_logdir_exists(dir))
		return pl_diag_set(d, PL_EEXIST, "%s already holds %s", dir, what);
	if (pl_fs_exists(priv)) {
		if ((rc = clear_partial(dir, tmp, d)) != PL_OK)
			return rc;
	} else if (mkdir(priv, 0700) != 0) {
		return pl_diag_errno(d, PL_EIO, errno, "mkdir %s", priv);
	}
	if (chmod(priv, 0700) != 0 || (!pl_fs_exists(tmp) && mkdir(tmp, 0700) != 0))
		return pl_diag_errno(d, PL_EIO, errno, "create %s", tmp);
	return PL_OK;
}

int pl_log_init(const char *dir, const char *origin, pl_diag *d)
{
	char priv[PATH_MAX], tmp[PATH_MAX], path[PATH_MAX];
	pl_signer *s = NULL;
	uint8_t *skey = NULL;
	size_t skeylen = 0;
	sqlite3 *db = NULL;
	pl_buf cp, vkey;
	pl_buf_init(&cp, PL_NOTE_MAX);
	pl_buf_init(&vkey, PL_VKEY_MAX + 2);
	int rc;

	size_t on = strlen(origin);
	if (on == 0 || on > PL_KEYNAME_MAX || !pl_keyname_valid((const uint8_t *)origin, on))
		return pl_diag_set(d, PL_EINVAL,
				   "origin \"%s\" is not valid: it must be 1-%d bytes of UTF-8 without spaces, "
				   "control characters or '+' (for example example.org/log)",
				   origin, PL_KEYNAME_MAX);
	if ((rc = pl_log_paths(dir, priv, tmp, d)) != PL_OK || (rc = pl_log_prepare_dir(dir, priv, tmp, "a log", d)) != PL_OK)
		return rc;
	if ((rc = pl_signer_new(origin, PL_SIGTYPE_ED25519, NULL, &s)) != PL_OK) {
		pl_diag_set(d, rc, "key generation failed");
		goto out;
	}
	if ((rc = pl_signer_encode(s, &skey, &skeylen)) != PL_OK)
		goto out;
	skey[skeylen] = '\n'; /* the encoding buffer has room for a newline in place of its NUL */
	if ((rc = pl_logdir_path(dir, PL_LOGFILE_KEY, path, d)) != PL_OK)
		goto out;
	if ((rc = pl_fs_write_secret(path, skey, skeylen + 1, d)) != PL_OK)
		goto out;
	pl_hash root;
	pl_empty_root(&root);
	if ((rc = pl_log_sign_checkpoint(s, 0, &root, &cp)) != PL_OK)
		goto out;
	if ((rc = pl_verifier_format(&s->v, &vkey)) != PL_OK || (rc = pl_buf_putc(&vkey, '\n')) != PL_OK)
		goto out;
	if ((rc = pl_logdir_write_public(dir, PL_LOGFILE_VKEY, vkey.data, vkey.len, d)) != PL_OK ||
	    (rc = pl_logdir_write_public(dir, PL_LOGFILE_CHECKPOINT, cp.data, cp.len, d)) != PL_OK)
		goto out;
	rc = pl_log_commit_state(dir, priv, origin, &root, cp.data, cp.len, d);
out:
	if (skey != NULL) {
		sodium_memzero(skey, skeylen + 1);
		sodium_free(skey);
	}
	pl_signer_free(s);
	sqlite3_close(db);
	pl_buf_release(&cp);
	pl_buf_release(&vkey);
	return rc;
}
