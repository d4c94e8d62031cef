/*
 * fsio.h - the file-system calls of libparley, in one place.
 *
 * Every durable write in Parley goes through here: short writes and EINTR are
 * retried, failures become PL_EIO / PL_ENOSPC with a sentence in the diag, and
 * "durable" always means written, fsynced, renamed into place and the
 * directory fsynced. Secret files are created 0600 and refused on read when
 * group/other can access them or when another user owns them.
 */
#ifndef PARLEY_BASE_FSIO_H
#define PARLEY_BASE_FSIO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <sys/types.h>

#include "base/buf.h"
#include "base/err.h"

/*
 * Appends the whole file at path to out, refusing files larger than max bytes.
 * PL_ENOTFOUND if it does not exist, PL_ETOOBIG past max, PL_EIO otherwise.
 * On failure out keeps its previous length.
 */
int pl_fs_read(const char *path, size_t max, pl_buf *out, pl_diag *d)
	__attribute__((warn_unused_result));

/* Reads from an open descriptor until EOF, appending to out (cap: out->max). */
int pl_fs_read_fd(int fd, pl_buf *out, pl_diag *d) __attribute__((warn_unused_result));

/* Writes all n bytes to fd, retrying short writes and EINTR. */
int pl_fs_write_all(int fd, const void *p, size_t n, pl_diag *d) __attribute__((warn_unused_result));

/* fsync(fd) with errors mapped. */
int pl_fs_fsync(int fd, const char *what, pl_diag *d) __attribute__((warn_unused_result));

/* Opens the directory path and fsyncs it, so renames and creations in it are durable. */
int pl_fs_fsync_dir(const char *path, pl_diag *d) __attribute__((warn_unused_result));

/* Creates path and any missing parents with the given mode (like mkdir -p).
 * Existing directories are fine. */
int pl_fs_mkdirs(const char *path, mode_t mode, pl_diag *d) __attribute__((warn_unused_result));

/*
 * Durably replaces path with data: writes tmp_path (on the same file system;
 * one left behind by an earlier crash is removed first, so two processes must
 * not share a tmp_path), fsyncs it, renames it over path and fsyncs path's
 * directory. Crash states: before the rename, path is untouched and tmp_path
 * may be left behind (the next replacement removes it); after the rename,
 * path holds the complete new data.
 */
int pl_fs_replace(const char *path, const char *tmp_path, const void *data, size_t n, mode_t mode,
		  pl_diag *d) __attribute__((warn_unused_result));

/* True if path exists (any type). */
bool pl_fs_exists(const char *path);

/* Removes path if it exists (ENOENT is success). */
int pl_fs_unlink(const char *path, pl_diag *d) __attribute__((warn_unused_result));

/* Removes every regular file directly inside dir (not recursive); dir may be missing. */
int pl_fs_clear_dir(const char *dir, pl_diag *d) __attribute__((warn_unused_result));

/*
 * Creates a secret file: O_EXCL (never overwrites), mode 0600, data written,
 * fsynced, directory fsynced. PL_EEXIST if it exists.
 */
int pl_fs_write_secret(const char *path, const void *data, size_t n, pl_diag *d)
	__attribute__((warn_unused_result));

/*
 * Opens path for writing (mode "wb") or writing and reading ("w+b"),
 * created with mode 0600 or truncated: for opened evidence and reports,
 * which must not become readable by others on the machine. NULL with errno
 * set on failure.
 */
FILE *pl_fs_fopen_private(const char *path, const char *mode);

/*
 * Reads a secret file into memory from sodium_malloc (freed by the caller with
 * sodium_free after sodium_memzero). Refuses symlinks, non-regular files,
 * files over max bytes, files whose mode grants any access to group or other
 * (PL_EPERM) and files not owned by the effective user (PL_EPERM).
 */
int pl_fs_read_secret(const char *path, size_t max, uint8_t **out, size_t *outlen, pl_diag *d)
	__attribute__((warn_unused_result));

/* Joins a directory and a relative path into out (PATH_MAX). PL_ETOOBIG if too long. */
int pl_path_join(char *out, size_t cap, const char *dir, const char *rel) __attribute__((warn_unused_result));

#endif
