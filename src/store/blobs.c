/* blobs.c - content-addressed, write-once blob storage, each blob charged to its uploader (blobs.h). */
#include "store/blobs.h"

#include "base/codec.h"
#include "base/fsio.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* One uploader and the bytes its blobs hold (with its uploads under way). */
typedef struct owner {
	char name[PL_BLOB_OWNER_MAX + 1];
	uint64_t used;
} owner;

struct pl_blobs {
	char dir[PATH_MAX];
	char tmp[PATH_MAX];
	pl_blobs_limits lim;
	atomic_ulong seq;     /* names temporaries */
	int ledger;           /* DIR/owners, open for appending */
	pthread_mutex_t mu;   /* guards what follows */
	uint64_t used;        /* bytes of every blob stored and of every upload under way */
	owner *own;
	size_t nown, capown;
};

struct pl_blob_upload {
	pl_blobs *b;
	char hex[PL_SHA256_HEX_LEN + 1];
	char tmp[PATH_MAX];
	size_t who;           /* index in b->own */
	int fd;
	uint64_t n;
	uint64_t held;        /* bytes charged for this upload so far */
	pl_sha256_ctx h;
	bool dead;
	bool stored;          /* linked into place by this upload: what it held stays charged */
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

static bool owner_valid(const char *s)
{
	size_t n = strlen(s);
	if (n == 0 || n > PL_BLOB_OWNER_MAX)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '.' || s[i] == '-'))
			return false;
	return true;
}

/* The slot of owner name, added when new (b->mu held, or during open). SIZE_MAX when out of memory. */
static size_t owner_slot(pl_blobs *b, const char *name)
{
	for (size_t i = 0; i < b->nown; i++)
		if (strcmp(b->own[i].name, name) == 0)
			return i;
	if (b->nown == b->capown) {
		size_t cap = b->capown ? b->capown * 2 : 16;
		owner *p = realloc(b->own, cap * sizeof *p);
		if (p == NULL)
			return SIZE_MAX;
		b->own = p;
		b->capown = cap;
	}
	memset(&b->own[b->nown], 0, sizeof b->own[b->nown]);
	snprintf(b->own[b->nown].name, sizeof b->own[b->nown].name, "%s", name);
	return b->nown++;
}

static int blob_path(const pl_blobs *b, const char *hex, char *out)
{
	if (snprintf(out, PATH_MAX, "%s/%.2s/%s", b->dir, hex, hex) >= PATH_MAX)
		return PL_EINVAL;
	return PL_OK;
}

/* ---- counting what the directory holds (at open) ---- */

/* One owners line: the blob and who stored it; line is its place in the file (the last one wins). */
typedef struct claim {
	char hex[PL_SHA256_HEX_LEN + 1];
	char name[PL_BLOB_OWNER_MAX + 1];
	size_t line;
} claim;

static int by_hex_line(const void *x, const void *y)
{
	const claim *a = x, *b = y;
	int c = strcmp(a->hex, b->hex);
	return c != 0 ? c : (a->line > b->line) - (a->line < b->line);
}

static int by_hex(const void *key, const void *x)
{
	return strcmp(key, ((const claim *)x)->hex);
}

/* Reads DIR/owners into *out (sorted by blob, one claim per blob: the last line naming it). */
static int read_claims(const char *path, claim **out, size_t *n, pl_diag *d)
{
	*out = NULL;
	*n = 0;
	FILE *f = fopen(path, "r");
	if (f == NULL)
		return errno == ENOENT ? PL_OK : pl_diag_errno(d, PL_EIO, errno, "open %s", path);
	claim *c = NULL;
	size_t cap = 0, k = 0, line = 0;
	char buf[PL_SHA256_HEX_LEN + PL_BLOB_OWNER_MAX + 8];
	int rc = PL_OK;
	while (fgets(buf, sizeof buf, f) != NULL) {
		size_t len = strlen(buf);
		line++;
		if (len == 0 || buf[len - 1] != '\n') { /* too long, or the torn last line of a crash */
			int ch;
			while (len > 0 && buf[len - 1] != '\n' && (ch = fgetc(f)) != EOF && ch != '\n')
				;
			continue;
		}
		buf[len - 1] = '\0';
		if (len < PL_SHA256_HEX_LEN + 2 || buf[PL_SHA256_HEX_LEN] != ' ')
			continue;
		buf[PL_SHA256_HEX_LEN] = '\0';
		if (!pl_blob_id_valid(buf) || !owner_valid(buf + PL_SHA256_HEX_LEN + 1))
			continue;
		if (k == cap) {
			size_t nc = cap ? cap * 2 : 256;
			claim *p = realloc(c, nc * sizeof *p);
			if (p == NULL) {
				rc = pl_diag_set(d, PL_ENOMEM, "out of memory");
				break;
			}
			c = p;
			cap = nc;
		}
		memcpy(c[k].hex, buf, sizeof c[k].hex);
		memcpy(c[k].name, buf + PL_SHA256_HEX_LEN + 1, strlen(buf + PL_SHA256_HEX_LEN + 1) + 1); /* valid: fits */
		c[k].line = line;
		k++;
	}
	if (rc == PL_OK && ferror(f))
		rc = pl_diag_errno(d, PL_EIO, errno, "read %s", path);
	fclose(f);
	if (rc != PL_OK) {
		free(c);
		return rc;
	}
	if (k > 1)
		qsort(c, k, sizeof *c, by_hex_line);
	size_t w = 0;
	for (size_t i = 0; i < k; i++) { /* keep the last claim of each blob */
		if (w > 0 && strcmp(c[w - 1].hex, c[i].hex) == 0)
			c[w - 1] = c[i];
		else
			c[w++] = c[i];
	}
	*out = c;
	*n = w;
	return PL_OK;
}

/* Counts every blob stored (DIR/<2 hex>/<64 hex>) into b->used, each charged to its claim's owner. */
static int count_blobs(pl_blobs *b, const claim *c, size_t nc, pl_diag *d)
{
	DIR *top = opendir(b->dir);
	if (top == NULL)
		return pl_diag_errno(d, PL_EIO, errno, "open %s", b->dir);
	int rc = PL_OK;
	struct dirent *e;
	while (rc == PL_OK && (e = readdir(top)) != NULL) {
		const char *s = e->d_name;
		bool hex2 = strlen(s) == 2 && ((s[0] >= '0' && s[0] <= '9') || (s[0] >= 'a' && s[0] <= 'f')) &&
			    ((s[1] >= '0' && s[1] <= '9') || (s[1] >= 'a' && s[1] <= 'f'));
		if (!hex2)
			continue;
		char sub[PATH_MAX];
		if (pl_path_join(sub, sizeof sub, b->dir, s) != PL_OK)
			continue;
		DIR *dd = opendir(sub);
		if (dd == NULL)
			continue; /* not a directory */
		struct dirent *f;
		while ((f = readdir(dd)) != NULL) {
			struct stat st;
			if (!pl_blob_id_valid(f->d_name) || strncmp(f->d_name, s, 2) != 0 ||
			    fstatat(dirfd(dd), f->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0 || !S_ISREG(st.st_mode))
				continue;
			uint64_t size = (uint64_t)st.st_size;
			b->used += size;
			const claim *who = nc > 0 ? bsearch(f->d_name, c, nc, sizeof *c, by_hex) : NULL;
			if (who == NULL)
				continue; /* stored just before a crash: counts toward the total only */
			size_t i = owner_slot(b, who->name);
			if (i == SIZE_MAX) {
				rc = pl_diag_set(d, PL_ENOMEM, "out of memory");
				break;
			}
			b->own[i].used += size;
		}
		closedir(dd);
	}
	closedir(top);
	return rc;
}

int pl_blobs_open(const char *dir, const pl_blobs_limits *lim, pl_blobs **out, pl_diag *d)
{
	*out = NULL;
	pl_blobs *b = calloc(1, sizeof *b);
	if (b == NULL)
		return pl_diag_set(d, PL_ENOMEM, "out of memory");
	b->lim = *lim;
	b->ledger = -1;
	pthread_mutex_init(&b->mu, NULL);
	claim *c = NULL;
	size_t nc = 0;
	char owners[PATH_MAX];
	int rc = PL_OK;
	if (snprintf(b->dir, sizeof b->dir, "%s", dir) >= (int)sizeof b->dir ||
	    pl_path_join(b->tmp, sizeof b->tmp, dir, "tmp") != PL_OK ||
	    pl_path_join(owners, sizeof owners, dir, "owners") != PL_OK) {
		rc = pl_diag_set(d, PL_EINVAL, "blob directory path too long");
		goto fail;
	}
	if ((rc = pl_fs_mkdirs(b->tmp, 0700, d)) != PL_OK || (rc = pl_fs_clear_dir(b->tmp, d)) != PL_OK ||
	    (rc = read_claims(owners, &c, &nc, d)) != PL_OK || (rc = count_blobs(b, c, nc, d)) != PL_OK)
		goto fail;
	b->ledger = open(owners, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
	if (b->ledger < 0) {
		rc = pl_diag_errno(d, PL_EIO, errno, "open %s", owners);
		goto fail;
	}
	free(c);
	*out = b;
	return PL_OK;
fail:
	free(c);
	pl_blobs_close(b);
	return rc;
}

void pl_blobs_close(pl_blobs *b)
{
	if (b == NULL)
		return;
	if (b->ledger >= 0)
		close(b->ledger);
	pthread_mutex_destroy(&b->mu);
	free(b->own);
	free(b);
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

int pl_blobs_peek(const pl_blobs *b, const char *hex, uint64_t *size, uint8_t *head, size_t cap, size_t *n)
{
	char path[PATH_MAX];
	if (!pl_blob_id_valid(hex) || blob_path(b, hex, path) != PL_OK)
		return PL_ENOTFOUND;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return errno == ENOENT ? PL_ENOTFOUND : PL_EIO;
	struct stat st;
	int rc = fstat(fd, &st) == 0 && S_ISREG(st.st_mode) ? PL_OK : PL_EIO;
	*n = 0;
	while (rc == PL_OK && *n < cap) {
		ssize_t got = pread(fd, head + *n, cap - *n, (off_t)*n);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0)
			rc = PL_EIO;
		else if (got == 0)
			break;
		else
			*n += (size_t)got;
	}
	if (rc == PL_OK)
		*size = (uint64_t)st.st_size;
	close(fd);
	return rc;
}

uint64_t pl_blobs_used(pl_blobs *b, const char *who)
{
	pthread_mutex_lock(&b->mu);
	uint64_t v = 0;
	if (who == NULL) {
		v = b->used;
	} else {
		for (size_t i = 0; i < b->nown; i++)
			if (strcmp(b->own[i].name, who) == 0)
				v = b->own[i].used;
	}
	pthread_mutex_unlock(&b->mu);
	return v;
}

int pl_blobs_begin(pl_blobs *b, const char *hex, const char *who, pl_blob_upload **out, pl_diag *d)
{
	*out = NULL;
	if (!pl_blob_id_valid(hex))
		return pl_diag_set(d, PL_EINVAL, "a blob is named by 64 lower-case hex digits of its SHA-256");
	if (who == NULL || !owner_valid(who))
		return pl_diag_set(d, PL_EINVAL, "a blob's uploader is a party name");
	char path[PATH_MAX];
	if (blob_path(b, hex, path) != PL_OK)
		return pl_diag_set(d, PL_EINVAL, "path too long");
	if (pl_fs_exists(path))
		return pl_diag_set(d, PL_EEXIST, "blob %s is already stored", hex);
	pl_blob_upload *u = calloc(1, sizeof *u);
	if (u == NULL)
		return pl_diag_set(d, PL_ENOMEM, "out of memory");
	u->b = b;
	u->fd = -1;
	memcpy(u->hex, hex, sizeof u->hex);
	pthread_mutex_lock(&b->mu);
	u->who = owner_slot(b, who);
	pthread_mutex_unlock(&b->mu);
	if (u->who == SIZE_MAX) {
		free(u);
		return pl_diag_set(d, PL_ENOMEM, "out of memory");
	}
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

/* Charges the upload for `upto` bytes in all (nothing when it holds that much already), within the limits. */
static int charge(pl_blob_upload *u, uint64_t upto, pl_refusal *r)
{
	if (upto <= u->held)
		return PL_OK;
	uint64_t n = upto - u->held;
	pl_blobs *b = u->b;
	int rc = PL_OK;
	pthread_mutex_lock(&b->mu);
	owner *o = &b->own[u->who];
	if (n > b->lim.party_quota || o->used > b->lim.party_quota - n)
		rc = pl_refuse(r, PL_R_QUOTA_EXCEEDED,
			       "%s's blobs would hold more than its quota of %llu bytes (it holds %llu)", o->name,
			       (unsigned long long)b->lim.party_quota, (unsigned long long)o->used);
	else if (n > b->lim.total || b->used > b->lim.total - n)
		rc = pl_refuse(r, PL_R_BLOB_STORE_FULL, "the blob store holds its limit of %llu bytes",
			       (unsigned long long)b->lim.total);
	if (rc == PL_OK) {
		o->used += n;
		b->used += n;
		u->held += n;
	}
	pthread_mutex_unlock(&b->mu);
	return rc;
}

int pl_blob_reserve(pl_blob_upload *u, uint64_t n, pl_refusal *r, pl_diag *d)
{
	if (u->dead)
		return pl_diag_set(d, PL_ESTATE, "upload already failed");
	if (n > u->b->lim.max) {
		u->dead = true;
		return pl_diag_set(d, PL_ETOOBIG, "a blob holds at most %llu bytes", (unsigned long long)u->b->lim.max);
	}
	int rc = charge(u, n, r);
	if (rc != PL_OK)
		u->dead = true;
	return rc;
}

int pl_blob_write(pl_blob_upload *u, const void *p, size_t n, pl_refusal *r, pl_diag *d)
{
	if (u->dead)
		return pl_diag_set(d, PL_ESTATE, "upload already failed");
	if (n > u->b->lim.max || u->n > u->b->lim.max - n) {
		u->dead = true;
		return pl_diag_set(d, PL_ETOOBIG, "a blob holds at most %llu bytes", (unsigned long long)u->b->lim.max);
	}
	int rc = charge(u, u->n + n, r);
	if (rc != PL_OK) {
		u->dead = true;
		return rc;
	}
	if ((rc = pl_fs_write_all(u->fd, p, n, d)) != PL_OK) {
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
	if (u->held > u->n) { /* it declared more than it brought: give back the difference */
		pthread_mutex_lock(&u->b->mu);
		u->b->own[u->who].used -= u->held - u->n;
		u->b->used -= u->held - u->n;
		u->held = u->n;
		pthread_mutex_unlock(&u->b->mu);
	}
	/* link(2) never replaces: a concurrent upload of the same blob wins once, and only it is charged */
	if (link(u->tmp, path) != 0)
		return errno == EEXIST ? PL_OK : pl_diag_errno(d, PL_EIO, errno, "store blob %s", u->hex);
	u->stored = true;
	if ((rc = pl_fs_fsync_dir(sub, d)) != PL_OK)
		return rc;
	/* its owner, once it is in place (a crash before this line leaves it charged to nobody) */
	char line[PL_SHA256_HEX_LEN + PL_BLOB_OWNER_MAX + 4];
	pthread_mutex_lock(&u->b->mu);
	int w = snprintf(line, sizeof line, "%s %s\n", u->hex, u->b->own[u->who].name);
	pthread_mutex_unlock(&u->b->mu);
	if ((rc = pl_fs_write_all(u->b->ledger, line, (size_t)w, d)) == PL_OK)
		rc = pl_fs_fsync(u->b->ledger, "the blob owners file", d);
	return rc;
}

void pl_blob_abort(pl_blob_upload *u)
{
	if (u == NULL)
		return;
	if (u->fd >= 0)
		close(u->fd);
	unlink(u->tmp);
	if (!u->stored && u->held > 0) {
		pl_blobs *b = u->b;
		pthread_mutex_lock(&b->mu);
		b->own[u->who].used -= u->held;
		b->used -= u->held;
		pthread_mutex_unlock(&b->mu);
	}
	free(u);
}
