/* fsio.c - file-system calls with retries, mapped errors and durable replacement. */
#include "base/fsio.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int pl_fs_read_fd(int fd, pl_buf *out, pl_diag *d)
{
	size_t start = out->len;
	for (;;) {
		if (out->len == out->max) {
			/* at the cap: only EOF is acceptable now */
			uint8_t probe;
			ssize_t r = read(fd, &probe, 1);
			if (r == 0)
				return PL_OK;
			if (r < 0 && errno == EINTR)
				continue;
			int e = errno;
			pl_buf_truncate(out, start);
			if (r < 0)
				return pl_diag_errno(d, PL_EIO, e, "read");
			return pl_diag_set(d, PL_ETOOBIG, "input is larger than %zu bytes", out->max - start);
		}
		size_t want = out->max - out->len;
		if (want > 65536)
			want = 65536;
		int rc = pl_buf_reserve(out, want);
		if (rc != PL_OK) {
			pl_buf_truncate(out, start);
			return pl_diag_set(d, rc, "out of memory reading input");
		}
		ssize_t r = read(fd, out->data + out->len, want);
		if (r == 0)
			return PL_OK;
		if (r < 0) {
			if (errno == EINTR)
				continue;
			int e = errno;
			pl_buf_truncate(out, start);
			return pl_diag_errno(d, PL_EIO, e, "read");
		}
		out->len += (size_t)r;
	}
}

int pl_fs_read(const char *path, size_t max, pl_buf *out, pl_diag *d)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		if (errno == ENOENT || errno == ENOTDIR)
			return pl_diag_set(d, PL_ENOTFOUND, "%s: no such file", path);
		return pl_diag_errno(d, PL_EIO, errno, "open %s", path);
	}
	size_t saved = out->max;
	if (max < out->max - out->len)
		out->max = out->len + max;
	int rc = pl_fs_read_fd(fd, out, NULL);
	out->max = saved;
	close(fd);
	if (rc == PL_ETOOBIG)
		return pl_diag_set(d, rc, "%s: larger than %zu bytes", path, max);
	if (rc != PL_OK)
		return pl_diag_set(d, rc, "%s: read failed", path);
	return PL_OK;
}

int pl_fs_write_all(int fd, const void *p, size_t n, pl_diag *d)
{
	const uint8_t *q = p;
	while (n > 0) {
		ssize_t w = write(fd, q, n);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return pl_diag_errno(d, PL_EIO, errno, "write");
		}
		if (w == 0)
			return pl_diag_set(d, PL_EIO, "write returned 0");
		q += w;
		n -= (size_t)w;
	}
	return PL_OK;
}

int pl_fs_fsync(int fd, const char *what, pl_diag *d)
{
	while (fsync(fd) != 0) {
		if (errno == EINTR)
			continue;
		return pl_diag_errno(d, PL_EIO, errno, "fsync %s", what);
	}
	return PL_OK;
}

int pl_fs_fsync_dir(const char *path, pl_diag *d)
{
	int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return pl_diag_errno(d, PL_EIO, errno, "open directory %s", path);
	int rc = pl_fs_fsync(fd, path, d);
	close(fd);
	return rc;
}

int pl_fs_mkdirs(const char *path, mode_t mode, pl_diag *d)
{
	char tmp[PATH_MAX];
	size_t n = strlen(path);
	if (n == 0 || n >= sizeof tmp)
		return pl_diag_set(d, PL_EINVAL, "bad directory path");
	memcpy(tmp, path, n + 1);
	for (size_t i = 1; i <= n; i++) {
		if (tmp[i] != '/' && tmp[i] != '\0')
			continue;
		char c = tmp[i];
		tmp[i] = '\0';
		if (mkdir(tmp, mode) != 0 && errno != EEXIST)
			return pl_diag_errno(d, PL_EIO, errno, "mkdir %s", tmp);
		tmp[i] = c;
	}
	struct stat st;
	if (stat(path, &st) != 0 || !S_ISDIR(st.st_mode))
		return pl_diag_set(d, PL_EIO, "%s is not a directory", path);
	return PL_OK;
}

static int dir_of(const char *path, char *out, size_t cap)
{
	const char *slash = strrchr(path, '/');
	if (slash == NULL) {
		if (cap < 2)
			return PL_ETOOBIG;
		strcpy(out, ".");
		return PL_OK;
	}
	size_t n = (size_t)(slash - path);
	if (n == 0)
		n = 1; /* "/file" */
	if (n >= cap)
		return PL_ETOOBIG;
	memcpy(out, path, n);
	out[n] = '\0';
	return PL_OK;
}

int pl_fs_replace(const char *path, const char *tmp_path, const void *data, size_t n, mode_t mode,
		  pl_diag *d)
{
	char dir[PATH_MAX];
	if (dir_of(path, dir, sizeof dir) != PL_OK)
		return pl_diag_set(d, PL_EINVAL, "path too long");
	int fd = open(tmp_path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, mode);
	if (fd < 0 && errno == EEXIST && unlink(tmp_path) == 0) /* left by a crash: stale */
		fd = open(tmp_path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, mode);
	if (fd < 0)
		return pl_diag_errno(d, PL_EIO, errno, "create %s", tmp_path);
	int rc = pl_fs_write_all(fd, data, n, d);
	if (rc == PL_OK)
		rc = pl_fs_fsync(fd, tmp_path, d);
	if (close(fd) != 0 && rc == PL_OK)
		rc = pl_diag_errno(d, PL_EIO, errno, "close %s", tmp_path);
	if (rc != PL_OK) {
		unlink(tmp_path);
		return rc;
	}
	if (rename(tmp_path, path) != 0) {
		int e = errno;
		unlink(tmp_path);
		return pl_diag_errno(d, PL_EIO, e, "rename to %s", path);
	}
	return pl_fs_fsync_dir(dir, d);
}

bool pl_fs_exists(const char *path)
{
	struct stat st;
	return lstat(path, &st) == 0;
}

int pl_fs_unlink(const char *path, pl_diag *d)
{
	if (unlink(path) != 0 && errno != ENOENT)
		return pl_diag_errno(d, PL_EIO, errno, "unlink %s", path);
	return PL_OK;
}

int pl_fs_clear_dir(const char *dir, pl_diag *d)
{
	DIR *dp = opendir(dir);
	if (dp == NULL) {
		if (errno == ENOENT)
			return PL_OK;
		return pl_diag_errno(d, PL_EIO, errno, "opendir %s", dir);
	}
	int rc = PL_OK;
	struct dirent *e;
	while ((e = readdir(dp)) != NULL) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		char p[PATH_MAX];
		if (pl_path_join(p, sizeof p, dir, e->d_name) != PL_OK)
			continue;
		if (unlinkat(dirfd(dp), e->d_name, 0) != 0 && errno != ENOENT) {
			rc = pl_diag_errno(d, PL_EIO, errno, "unlink %s", p);
			break;
		}
	}
	closedir(dp);
	return rc;
}

int pl_fs_write_secret(const char *path, const void *data, size_t n, pl_diag *d)
{
	char dir[PATH_MAX];
	if (dir_of(path, dir, sizeof dir) != PL_OK)
		return pl_diag_set(d, PL_EINVAL, "path too long");
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0) {
		if (errno == EEXIST)
			return pl_diag_set(d, PL_EEXIST, "%s already exists; refusing to overwrite a key", path);
		return pl_diag_errno(d, PL_EIO, errno, "create %s", path);
	}
	/* the umask cannot widen 0600, but an inherited ACL default could: force it */
	int rc = fchmod(fd, 0600) == 0 ? PL_OK : pl_diag_errno(d, PL_EIO, errno, "chmod %s", path);
	if (rc == PL_OK)
		rc = pl_fs_write_all(fd, data, n, d);
	if (rc == PL_OK)
		rc = pl_fs_fsync(fd, path, d);
	if (close(fd) != 0 && rc == PL_OK)
		rc = pl_diag_errno(d, PL_EIO, errno, "close %s", path);
	if (rc != PL_OK) {
		unlink(path);
		return rc;
	}
	return pl_fs_fsync_dir(dir, d);
}

int pl_fs_read_secret(const char *path, size_t max, uint8_t **out, size_t *outlen, pl_diag *d)
{
	*out = NULL;
	*outlen = 0;
	int rc = PL_OK;
	uint8_t *mem = NULL;
	if (sodium_init() < 0)
		return pl_diag_set(d, PL_ECRYPTO, "libsodium failed to initialise");
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0) {
		if (errno == ENOENT)
			return pl_diag_set(d, PL_ENOTFOUND, "%s: no such key file", path);
		if (errno == ELOOP)
			return pl_diag_set(d, PL_EPERM, "%s is a symbolic link; refusing to read a key through it", path);
		return pl_diag_errno(d, PL_EIO, errno, "open %s", path);
	}
	struct stat st;
	if (fstat(fd, &st) != 0) {
		rc = pl_diag_errno(d, PL_EIO, errno, "stat %s", path);
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		rc = pl_diag_set(d, PL_EPERM, "%s is not a regular file", path);
		goto out;
	}
	if ((st.st_mode & 077) != 0) {
		rc = pl_diag_set(d, PL_EPERM, "%s is accessible by group or others (mode %04o); run chmod 600 %s",
				 path, (unsigned)(st.st_mode & 07777), path);
		goto out;
	}
	if (st.st_uid != geteuid()) {
		rc = pl_diag_set(d, PL_EPERM, "%s is owned by uid %u, not by the user running parley (%u)", path,
				 (unsigned)st.st_uid, (unsigned)geteuid());
		goto out;
	}
	if (st.st_size < 0 || (uint64_t)st.st_size > max) {
		rc = pl_diag_set(d, PL_ETOOBIG, "%s: key file larger than %zu bytes", path, max);
		goto out;
	}
	size_t want = (size_t)st.st_size;
	mem = sodium_malloc(want + 1);
	if (mem == NULL) {
		rc = pl_diag_set(d, PL_ENOMEM, "out of secure memory");
		goto out;
	}
	size_t got = 0;
	while (got < want) {
		ssize_t r = read(fd, mem + got, want - got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			rc = pl_diag_set(d, PL_EIO, "%s: short read", path);
			goto out;
		}
		got += (size_t)r;
	}
	mem[want] = 0;
	*out = mem;
	*outlen = want;
	mem = NULL;
out:
	if (mem != NULL) {
		sodium_memzero(mem, (size_t)st.st_size + 1);
		sodium_free(mem);
	}
	close(fd);
	return rc;
}

int pl_path_join(char *out, size_t cap, const char *dir, const char *rel)
{
	int n = snprintf(out, cap, "%s/%s", dir, rel);
	if (n < 0 || (size_t)n >= cap)
		return PL_ETOOBIG;
	return PL_OK;
}

FILE *pl_fs_fopen_private(const char *path, const char *mode)
{
	bool rw = strcmp(mode, "w+b") == 0;
	if (!rw && strcmp(mode, "wb") != 0) {
		errno = EINVAL;
		return NULL;
	}
	int fd = open(path, (rw ? O_RDWR : O_WRONLY) | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		return NULL;
	FILE *f = fdopen(fd, mode);
	if (f == NULL) {
		int e = errno;
		close(fd);
		errno = e;
	}
	return f;
}
