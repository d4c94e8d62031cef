/* blobs.c - content-addressed, write-once blob storage. */
#include "store/blobs.h"

#include "base/codec.h"
#include "base/fsio.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct pl_blobs {
	char dir[PATH_MAX];
	char tmp[PATH_MAX];
	uint64_t max;
	atomic_ulong seq; /* names temporaries */
};

struct pl_blob_upload {
	pl_blobs *b;
	char hex[PL_SHA256_HEX_LEN + 1];
	char tmp[PATH_MAX];
	int fd;
	uint64_t n;
	pl_sha256_ctx h;
	bool dead;
};

bool pl_blob_id_valid(const char *hex)
{
	if (strlen(hex) != PL_SHA256_HEX_LEN)
		return false;
	for (int i = 0; i < PL_SHA256_HEX_LEN; i++)
		if (!((hex[i] >= '0' && hex[i] <= '9') || (hex[i] >= 'a' && hex[i] <= 'f')))
			return false;
	return true;
}

int pl_blobs_open(const char *dir, uint64_t max, pl_blobs **out, pl_diag *d)
{
	*out = NULL;
	pl_blobs *b = calloc(1, sizeof *b);
	if (b == NULL)
		return pl_diag_set(d, PL_ENOMEM, "out of memory");
	b->max = max;
	int rc = PL_OK;
	if (snprintf(b->dir, sizeof b->dir, "%s", dir) >= (int)sizeof b->dir ||
	    pl_path_join(b->tmp, sizeof b->tmp, dir, "tmp") != PL_OK) {
		rc = pl_diag_set(d, PL_EINVAL, "blob directory path too long");
		goto fail;
	}
	if ((rc = pl_fs_mkdirs(b->tmp, 0700, d)) != PL_OK || (rc = pl_fs_clear_dir(b->tmp, d)) != PL_OK)
		goto fail;
	*out = b;
	return PL_OK;
fail:
	free(b);
	return rc;
}

void pl_blobs_close(pl_blobs *b)
{
	free(b);
}

static int blob_path(const pl_blobs *b, const char *hex, char *out)
{
	if (snprintf(out, PATH_MAX, "%s/%.2s/%s", b->dir, hex, hex) >= PATH_MAX)
		return PL_EINVAL;
	return PL_OK;
}

int pl_blobs_path(const pl_blobs *b, const char *hex, char *out)
{
	if (!pl_blob_id_valid(hex))
		return PL_EINVAL;
	int rc = blob_path(b, hex, out);
	if (rc == PL_OK && !pl_fs_exists(out))
		rc = PL_ENOTFOUND;
	return rc;
}

int pl_blobs_begin(pl_blobs *b, const char *hex, pl_blob_upload **out, pl_diag *d)
{
	*out = NULL;
	if (!pl_blob_id_valid(hex))
		return pl_diag_set(d, PL_EINVAL, "a blob is named by 64 lower-case hex digits of its SHA-256");
	char path[PATH_MAX];
	if (blob_path(b, hex, path) != PL_OK)
		return pl_diag_set(d, PL_EINVAL, "path too long");
	if (pl_fs_exists(path))
		return pl_diag_set(d, PL_EEXIST, "blob %s is already stored", hex);
	pl_blob_upload *u = calloc(1, sizeof *u);
	if (u == NULL)
		return pl_diag_set(d, PL_ENOMEM, "out of memory");
	u->b = b;
	memcpy(u->hex, hex, sizeof u->hex);
	unsigned long k = atomic_fetch_add(&b->seq, 1);
	if (snprintf(u->tmp, sizeof u->tmp, "%s/%s.%ld.%lu", b->tmp, hex, (long)getpid(), k) >= (int)sizeof u->tmp) {
		free(u);
		return pl_diag_set(d, PL_EINVAL, "path too long");
	}
	u->fd = open(u->tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (u->fd < 0) {
		int rc = pl_diag_errno(d, PL_EIO, errno, "create %s", u->tmp);
		free(u);
		return rc;
	}
	pl_sha256_init(&u->h);
	*out = u;
	return PL_OK;
}

int pl_blob_write(pl_blob_upload *u, const void *p, size_t n, pl_diag *d)
{
	if (u->dead)
		return pl_diag_set(d, PL_ESTATE, "upload already failed");
	if (n > u->b->max || u->n > u->b->max - n) {
		u->dead = true;
		return pl_diag_set(d, PL_ETOOBIG, "a blob holds at most %llu bytes", (unsigned long long)u->b->max);
	}
	int rc = pl_fs_write_all(u->fd, p, n, d);
	if (rc != PL_OK) {
		u->dead = true;
		return rc;
	}
	pl_sha256_update(&u->h, p, n);
	u->n += n;
	return PL_OK;
}

int pl_blob_commit(pl_blob_upload *u, pl_diag *d)
{
	if (u->dead)
		return pl_diag_set(d, PL_ESTATE, "upload already failed");
	u->dead = true;
	uint8_t h[PL_SHA256_SIZE];
	char hex[PL_SHA256_HEX_LEN + 1];
	pl_sha256_final(&u->h, h);
	pl_hex_encode(h, PL_SHA256_SIZE, hex);
	if (strcmp(hex, u->hex) != 0)
		return pl_diag_set(d, PL_EVERIFY, "the bytes hash to %s, not to the name %s", hex, u->hex);
	int rc = pl_fs_fsync(u->fd, u->tmp, d);
	if (rc != PL_OK)
		return rc;
	char path[PATH_MAX], sub[PATH_MAX];
	if (blob_path(u->b, u->hex, path) != PL_OK ||
	    snprintf(sub, sizeof sub, "%s/%.2s", u->b->dir, u->hex) >= (int)sizeof sub)
		return pl_diag_set(d, PL_EINVAL, "path too long");
	if ((rc = pl_fs_mkdirs(sub, 0700, d)) != PL_OK)
		return rc;
	/* link(2) never replaces: a concurrent upload of the same blob wins once */
	if (link(u->tmp, path) != 0 && errno != EEXIST)
		return pl_diag_errno(d, PL_EIO, errno, "store blob %s", u->hex);
	return pl_fs_fsync_dir(sub, d);
}

void pl_blob_abort(pl_blob_upload *u)
{
	if (u == NULL)
		return;
	if (u->fd >= 0)
		close(u->fd);
	unlink(u->tmp);
	free(u);
}
