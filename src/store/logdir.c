/* logdir.c - the layout of a log directory (logdir.h). */
#include "store/logdir.h"

#include "base/fsio.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

static const char *const REL[PL_LOGFILE_COUNT] = {
	[PL_LOGFILE_CHECKPOINT] = "checkpoint",
	[PL_LOGFILE_VKEY] = "log.vkey",
	[PL_LOGFILE_TILES] = "tile",
	[PL_LOGFILE_PRIVATE] = "private",
	[PL_LOGFILE_KEY] = "private/log.key",
	[PL_LOGFILE_MIRROR] = "private/mirror",
	[PL_LOGFILE_STATE] = "private/state.db",
	[PL_LOGFILE_STATE_NEW] = "private/state.db.new",
	[PL_LOGFILE_INDEX] = "private/index.db",
	[PL_LOGFILE_INDEX_NEW] = "private/index.db.new",
	[PL_LOGFILE_REPLAY_STATE] = "private/replay.state",
	[PL_LOGFILE_BLOBS] = "private/blobs",
	[PL_LOGFILE_REFUSED] = "private/refused",
	[PL_LOGFILE_TMP] = "private/tmp",
	[PL_LOGFILE_LOCK] = "private/lock",
	[PL_LOGFILE_FORKS] = "forks",
};

/* A public file's temporary: private/tmp/<name>.<pid>.tmp (one writer per process). */
#define TMP_SUFFIX_MAX 32

const char *pl_logdir_rel(pl_logfile f)
{
	return (unsigned)f < PL_LOGFILE_COUNT && REL[f] != NULL ? REL[f] : "";
}

int pl_logdir_path(const char *dir, pl_logfile f, char out[PATH_MAX], pl_diag *d)
{
	if ((unsigned)f >= PL_LOGFILE_COUNT)
		return pl_diag_set(d, PL_EINVAL, "no such file of a log directory");
	if (pl_path_join(out, PATH_MAX, dir, REL[f]) != PL_OK)
		return pl_diag_set(d, PL_ETOOBIG, "the path of %s/%s is too long", dir, REL[f]);
	return PL_OK;
}

int pl_logdir_tile_path(const char *dir, const pl_tile *t, bool partials, char out[PATH_MAX], pl_diag *d)
{
	char rel[PL_TILE_PATH_MAX + 2];
	int rc = pl_tile_path(t, rel, PL_TILE_PATH_MAX);
	if (rc != PL_OK)
		return pl_diag_set(d, rc, "not a tile of this layout");
	if (partials)
		strcat(rel, ".p");
	if (pl_path_join(out, PATH_MAX, dir, rel) != PL_OK)
		return pl_diag_set(d, PL_ETOOBIG, "the path of %s/%s is too long", dir, rel);
	return PL_OK;
}

bool pl_logdir_exists(const char *dir)
{
	char path[PATH_MAX];
	return pl_logdir_path(dir, PL_LOGFILE_STATE, path, NULL) == PL_OK && pl_fs_exists(path);
}

bool pl_logdir_is_mirror(const char *dir)
{
	char key[PATH_MAX], marker[PATH_MAX];
	return pl_logdir_path(dir, PL_LOGFILE_KEY, key, NULL) == PL_OK &&
	       pl_logdir_path(dir, PL_LOGFILE_MIRROR, marker, NULL) == PL_OK && !pl_fs_exists(key) &&
	       pl_fs_exists(marker);
}

int pl_logdir_lock(const char *dir, bool held_ok, int *fd, pl_diag *d)
{
	*fd = -1;
	char path[PATH_MAX];
	int rc = pl_logdir_path(dir, PL_LOGFILE_LOCK, path, d);
	if (rc != PL_OK)
		return rc;
	int f = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (f < 0)
		return pl_diag_errno(d, PL_EIO, errno, "open %s", path);
	if (flock(f, LOCK_EX | LOCK_NB) != 0) {
		int e = errno;
		close(f);
		if (e != EWOULDBLOCK)
			return pl_diag_errno(d, PL_EIO, e, "lock %s", path);
		if (held_ok)
			return PL_OK;
		return pl_diag_set(d, PL_ESTATE, "%s is open for writing by another process", dir);
	}
	*fd = f;
	return PL_OK;
}

void pl_logdir_unlock(int fd)
{
	if (fd >= 0)
		close(fd);
}

int pl_logdir_write_public(const char *dir, pl_logfile f, const void *data, size_t n, pl_diag *d)
{
	char path[PATH_MAX], tmpdir[PATH_MAX], tmp[PATH_MAX];
	int rc;
	if ((rc = pl_logdir_path(dir, f, path, d)) != PL_OK || (rc = pl_logdir_path(dir, PL_LOGFILE_TMP, tmpdir, d)) != PL_OK)
		return rc;
	const char *name = strrchr(REL[f], '/') != NULL ? strrchr(REL[f], '/') + 1 : REL[f];
	if (snprintf(tmp, sizeof tmp, "%s/%s.%ld.tmp", tmpdir, name, (long)getpid()) >= (int)sizeof tmp)
		return pl_diag_set(d, PL_ETOOBIG, "the path of %s is too long", tmpdir);
	return pl_fs_replace(path, tmp, data, n, 0644, d);
}

int pl_logdir_read_vkey(const char *dir, pl_verifier *v, pl_diag *d)
{
	char path[PATH_MAX];
	int rc = pl_logdir_path(dir, PL_LOGFILE_VKEY, path, d);
	if (rc != PL_OK)
		return rc;
	pl_buf b;
	pl_buf_init(&b, PL_VKEY_MAX + 2);
	if ((rc = pl_fs_read(path, PL_VKEY_MAX + 2, &b, d)) == PL_OK) {
		size_t n = b.len;
		while (n > 0 && (b.data[n - 1] == '\n' || b.data[n - 1] == '\r'))
			n--;
		if (pl_verifier_parse((const char *)b.data, n, v) != PL_OK || v->type != PL_SIGTYPE_ED25519)
			rc = pl_diag_set(d, PL_EFORMAT, "%s does not hold a log's verifier key", path);
	}
	pl_buf_release(&b);
	return rc;
}

int pl_logdir_checkpoint(const char *dir, pl_buf *note, pl_checkpoint *cp, pl_diag *d)
{
	char path[PATH_MAX];
	pl_verifier v;
	int rc;
	if ((rc = pl_logdir_read_vkey(dir, &v, d)) != PL_OK || (rc = pl_logdir_path(dir, PL_LOGFILE_CHECKPOINT, path, d)) != PL_OK)
		return rc;
	pl_buf b;
	pl_buf_init(&b, PL_NOTE_MAX);
	pl_policy pol;
	pl_policy_init(&pol, &v);
	if ((rc = pl_fs_read(path, PL_NOTE_MAX, &b, d)) == PL_OK &&
	    (rc = pl_checkpoint_open(b.data, b.len, &pol, cp, NULL, NULL)) != PL_OK)
		rc = pl_diag_set(d, rc, "%s is not signed by the log's key", path);
	if (rc == PL_OK && note != NULL)
		rc = pl_buf_append(note, b.data, b.len);
	pl_buf_release(&b);
	return rc;
}

static const char *const SIDE[] = {"", "-wal", "-shm", "-journal"};

static int remove_db_files(const char *path, size_t from, pl_diag *d)
{
	int rc = PL_OK;
	for (size_t i = from; rc == PL_OK && i < sizeof SIDE / sizeof SIDE[0]; i++) {
		char p[PATH_MAX];
		if (snprintf(p, sizeof p, "%s%s", path, SIDE[i]) >= (int)sizeof p)
			return pl_diag_set(d, PL_ETOOBIG, "the path %s is too long", path);
		rc = pl_fs_unlink(p, d);
	}
	return rc;
}

int pl_logdir_remove_db(const char *path, pl_diag *d)
{
	return remove_db_files(path, 0, d);
}

int pl_logdir_remove_db_sides(const char *path, pl_diag *d)
{
	return remove_db_files(path, 1, d);
}

bool pl_logdir_db_has_wal(const char *path)
{
	char p[PATH_MAX];
	return snprintf(p, sizeof p, "%s%s", path, SIDE[1]) < (int)sizeof p && pl_fs_exists(p);
}
