/* walk.c - regular files under a directory, in a fixed order (walk.h). */
#include "base/walk.h"

#include "base/sha256.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Visits dir (root + "/" + rel when rel is not empty). */
static int walk(const char *root, char *rel, size_t rlen, int depth, pl_walk_fn fn, void *ctx, uint64_t *skipped,
		pl_diag *d)
{
	if (depth > PL_WALK_DEPTH_MAX)
		return pl_diag_set(d, PL_ETOOBIG, "%s/%s is nested more than %d directories deep", root, rel,
				   PL_WALK_DEPTH_MAX);
	char path[PATH_MAX];
	if (snprintf(path, sizeof path, "%s%s%s", root, rlen ? "/" : "", rel) >= (int)sizeof path)
		return pl_diag_set(d, PL_ETOOBIG, "a path under %s is too long", root);
	DIR *dir = opendir(path);
	if (dir == NULL)
		return pl_diag_errno(d, errno == ENOENT ? PL_ENOTFOUND : PL_EIO, errno, "open directory %s", path);
	char **names = NULL;
	size_t n = 0, cap = 0;
	int rc = PL_OK;
	struct dirent *e;
	errno = 0;
	while ((e = readdir(dir)) != NULL) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		if (n == cap) {
			size_t c = cap ? cap * 2 : 64;
			char **p = realloc(names, c * sizeof *p);
			if (p == NULL) {
				rc = pl_diag_set(d, PL_ENOMEM, "out of memory");
				goto out;
			}
			names = p;
			cap = c;
		}
		if ((names[n] = strdup(e->d_name)) == NULL) {
			rc = pl_diag_set(d, PL_ENOMEM, "out of memory");
			goto out;
		}
		n++;
	}
	if (errno != 0) {
		rc = pl_diag_errno(d, PL_EIO, errno, "read directory %s", path);
		goto out;
	}
	qsort(names, n, sizeof *names, by_name);
	for (size_t i = 0; rc == PL_OK && i < n; i++) {
		size_t len = strlen(names[i]);
		if (rlen + 1 + len + 1 > PATH_MAX) {
			rc = pl_diag_set(d, PL_ETOOBIG, "a path under %s is too long", root);
			break;
		}
		size_t at = rlen;
		if (rlen)
			rel[at++] = '/';
		memcpy(rel + at, names[i], len + 1);
		char full[PATH_MAX];
		struct stat st;
		if (snprintf(full, sizeof full, "%s/%s", root, rel) >= (int)sizeof full) {
			rc = pl_diag_set(d, PL_ETOOBIG, "a path under %s is too long", root);
		} else if (lstat(full, &st) != 0) {
			rc = pl_diag_errno(d, PL_EIO, errno, "stat %s", full);
		} else if (S_ISDIR(st.st_mode)) {
			rc = walk(root, rel, at + len, depth + 1, fn, ctx, skipped, d);
		} else if (S_ISREG(st.st_mode)) {
			rc = fn(ctx, rel, &st);
		} else if (skipped != NULL) {
			(*skipped)++;
		}
		rel[rlen] = '\0';
	}
out:
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
	closedir(dir);
	return rc;
}

int pl_walk_files(const char *root, pl_walk_fn fn, void *ctx, uint64_t *skipped, pl_diag *d)
{
	char rel[PATH_MAX] = "";
	return walk(root, rel, 0, 0, fn, ctx, skipped, d);
}

int pl_sha256_path(const char *path, uint8_t out[PL_SHA256_SIZE], uint64_t *size, pl_diag *d)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return pl_diag_errno(d, errno == ENOENT ? PL_ENOTFOUND : PL_EIO, errno, "open %s", path);
	uint8_t *buf = malloc(1 << 20);
	if (buf == NULL) {
		close(fd);
		return pl_diag_set(d, PL_ENOMEM, "out of memory");
	}
	pl_sha256_ctx c;
	pl_sha256_init(&c);
	uint64_t total = 0;
	int rc = PL_OK;
	for (;;) {
		ssize_t r = read(fd, buf, 1 << 20);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			rc = pl_diag_errno(d, PL_EIO, errno, "read %s", path);
			break;
		}
		if (r == 0)
			break;
		pl_sha256_update(&c, buf, (size_t)r);
		total += (uint64_t)r;
	}
	free(buf);
	close(fd);
	if (rc == PL_OK) {
		pl_sha256_final(&c, out);
		if (size != NULL)
			*size = total;
	}
	return rc;
}
