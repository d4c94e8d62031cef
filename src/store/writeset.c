/* writeset.c - durable publication of a batch of immutable files (see writeset.h). */
#include "store/writeset.h"

#include "base/fsio.h"
#include "base/thread.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

typedef struct ws_item {
	char *rel;      /* path relative to root */
	uint8_t *data;  /* owned copy; freed once the temporary is durable */
	size_t n;
	size_t seq;     /* position in the set (names the temporary) */
	bool skip;      /* already present with identical bytes */
	bool pending;   /* temporary exists, not yet renamed */
	char tmp[PATH_MAX];
} ws_item;

#define WS_WORKERS 8

/*
 * Files are written by worker threads as soon as they are added, so the
 * caller's hashing overlaps the I/O: each worker checks the target, writes
 * the temporary and fsyncs it. prepare() waits for all of them.
 */
struct pl_writeset {
	char root[PATH_MAX];
	char tmp_dir[PATH_MAX];
	char tag[64];
	ws_item **items;       /* in the order added */
	size_t n, cap;
	pthread_mutex_t mu;
	pthread_cond_t cv;     /* signals work to the workers */
	size_t next;           /* next item for a worker */
	bool closing;          /* no more items will come */
	int err;               /* first error (PL_*), or PL_OK */
	pl_diag diag;          /* its sentence */
	pthread_t th[WS_WORKERS];
	size_t nthreads;
	size_t idle;           /* workers waiting for work */
	bool keep;             /* a manifest naming the temporaries may be committed */
};

int pl_writeset_new(const char *root, const char *tmp_dir, const char *tag, pl_writeset **out)
{
	*out = NULL;
	pl_writeset *ws = calloc(1, sizeof *ws);
	if (ws == NULL)
		return PL_ENOMEM;
	if (strlen(root) >= sizeof ws->root || strlen(tmp_dir) >= sizeof ws->tmp_dir ||
	    strlen(tag) >= sizeof ws->tag || strchr(tag, '/') != NULL) {
		free(ws);
		return PL_EINVAL;
	}
	strcpy(ws->root, root);
	strcpy(ws->tmp_dir, tmp_dir);
	strcpy(ws->tag, tag);
	pthread_mutex_init(&ws->mu, NULL);
	pthread_cond_init(&ws->cv, NULL);
	*out = ws;
	return PL_OK;
}

static int same_file(const char *path, const uint8_t *data, size_t n, pl_diag *d);

/* Checks the target, then writes and fsyncs the temporary (worker side). */
static int write_one(pl_writeset *ws, ws_item *it, pl_diag *d)
{
	char path[PATH_MAX];
	if (pl_path_join(path, sizeof path, ws->root, it->rel) != PL_OK)
		return pl_diag_set(d, PL_EINVAL, "path too long");
	int rc = same_file(path, it->data, it->n, d);
	if (rc == PL_OK) {
		it->skip = true;
		return PL_OK;
	}
	if (rc != PL_ENOTFOUND)
		return rc;
	if (snprintf(it->tmp, sizeof it->tmp, "%s/%s.%zu", ws->tmp_dir, ws->tag, it->seq) >= (int)sizeof it->tmp)
		return pl_diag_set(d, PL_EINVAL, "temporary path too long");
	int fd = open(it->tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (fd < 0 && errno == EEXIST) {
		/* a leftover of an abandoned attempt with the same tag */
		unlink(it->tmp);
		fd = open(it->tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	}
	if (fd < 0)
		return pl_diag_errno(d, PL_EIO, errno, "create %s", it->tmp);
	it->pending = true;
	rc = pl_fs_write_all(fd, it->data, it->n, d);
	if (rc == PL_OK)
		rc = pl_fs_fsync(fd, it->tmp, d);
	if (close(fd) != 0 && rc == PL_OK)
		rc = pl_diag_errno(d, PL_EIO, errno, "close %s", it->tmp);
	return rc;
}

static void *worker(void *arg)
{
	pl_writeset *ws = arg;
	pthread_mutex_lock(&ws->mu);
	for (;;) {
		while (ws->next == ws->n && !ws->closing) {
			ws->idle++;
			pthread_cond_wait(&ws->cv, &ws->mu);
			ws->idle--;
		}
		if (ws->next == ws->n)
			break; /* closing and drained */
		ws_item *it = ws->items[ws->next++];
		bool failed = ws->err != PL_OK;
		pthread_mutex_unlock(&ws->mu);
		pl_diag d = {0};
		int rc = failed ? PL_OK : write_one(ws, it, &d);
		pthread_mutex_lock(&ws->mu);
		if (rc != PL_OK && ws->err == PL_OK) {
			ws->err = rc;
			ws->diag = d;
		}
	}
	pthread_mutex_unlock(&ws->mu);
	return NULL;
}

int pl_writeset_add(pl_writeset *ws, const char *relpath, const void *data, size_t n)
{
	if (strchr(relpath, '\t') != NULL || strchr(relpath, '\n') != NULL)
		return PL_EINVAL;
	ws_item *it = calloc(1, sizeof *it);
	if (it == NULL)
		return PL_ENOMEM;
	it->rel = strdup(relpath);
	it->data = malloc(n ? n : 1);
	if (it->rel == NULL || it->data == NULL) {
		free(it->rel);
		free(it->data);
		free(it);
		return PL_ENOMEM;
	}
	if (n)
		memcpy(it->data, data, n);
	it->n = n;
	int rc = PL_OK;
	pthread_mutex_lock(&ws->mu);
	if (ws->closing) {
		rc = PL_ESTATE;
	} else if (ws->n == ws->cap) {
		size_t cap = ws->cap ? ws->cap * 2 : 16;
		ws_item **p = realloc(ws->items, cap * sizeof *p);
		if (p == NULL)
			rc = PL_ENOMEM;
		else {
			ws->items = p;
			ws->cap = cap;
		}
	}
	if (rc == PL_OK) {
		it->seq = ws->n;
		ws->items[ws->n++] = it;
		/* another worker when the queue is longer than the idle ones can take */
		if (ws->idle == 0 && ws->nthreads < WS_WORKERS &&
		    pl_thread_start(&ws->th[ws->nthreads], worker, ws) == PL_OK)
			ws->nthreads++;
		pthread_cond_signal(&ws->cv);
	}
	pthread_mutex_unlock(&ws->mu);
	if (rc != PL_OK) {
		free(it->rel);
		free(it->data);
		free(it);
	}
	return rc;
}

/* Stops accepting items and waits for the workers; idempotent. Items no
 * worker took (there are none unless thread creation failed) are written
 * here. */
static void drain(pl_writeset *ws)
{
	pthread_mutex_lock(&ws->mu);
	ws->closing = true;
	pthread_cond_broadcast(&ws->cv);
	pthread_mutex_unlock(&ws->mu);
	for (size_t i = 0; i < ws->nthreads; i++)
		pl_thread_join(ws->th[i]);
	ws->nthreads = 0;
	worker(ws); /* whatever is left, on this thread */
}

size_t pl_writeset_count(const pl_writeset *ws)
{
	return ws->n;
}

static void drop_temporaries(pl_writeset *ws)
{
	if (ws->keep)
		return;
	for (size_t i = 0; i < ws->n; i++) {
		ws_item *it = ws->items[i];
		if (it->pending) {
			unlink(it->tmp);
			it->pending = false;
		}
	}
}

void pl_writeset_free(pl_writeset *ws)
{
	if (ws == NULL)
		return;
	drain(ws);
	drop_temporaries(ws);
	for (size_t i = 0; i < ws->n; i++) {
		free(ws->items[i]->rel);
		free(ws->items[i]->data);
		free(ws->items[i]);
	}
	free(ws->items);
	pthread_mutex_destroy(&ws->mu);
	pthread_cond_destroy(&ws->cv);
	free(ws);
}

/* Compares an existing file with data: PL_OK if identical, PL_ECORRUPT if
 * not, PL_ENOTFOUND if absent. */
static int same_file(const char *path, const uint8_t *data, size_t n, pl_diag *d)
{
	struct stat st;
	if (lstat(path, &st) != 0) {
		if (errno == ENOENT)
			return PL_ENOTFOUND;
		return pl_diag_errno(d, PL_EIO, errno, "stat %s", path);
	}
	if (!S_ISREG(st.st_mode) || (size_t)st.st_size != n)
		return pl_diag_set(d, PL_ECORRUPT, "%s exists with other contents; refusing to rewrite it", path);
	pl_buf b;
	pl_buf_init(&b, n);
	int rc = pl_fs_read(path, n, &b, d);
	if (rc == PL_OK && (b.len != n || (n > 0 && memcmp(b.data, data, n) != 0)))
		rc = pl_diag_set(d, PL_ECORRUPT, "%s exists with other contents; refusing to rewrite it", path);
	pl_buf_release(&b);
	return rc;
}

int pl_writeset_prepare(pl_writeset *ws, pl_buf *manifest, pl_diag *d)
{
	drain(ws);
	size_t mstart = manifest->len;
	int rc = ws->err;
	if (rc != PL_OK) {
		pl_diag_set(d, rc, "%s", ws->diag.msg);
		goto fail;
	}
	for (size_t i = 0; i < ws->n; i++) {
		ws_item *it = ws->items[i];
		if (it->skip)
			continue;
		if ((rc = pl_buf_printf(manifest, "%s\t%s\n", it->tmp, it->rel)) != PL_OK) {
			pl_diag_set(d, rc, "publish manifest too large");
			goto fail;
		}
	}
	return PL_OK;
fail:
	drop_temporaries(ws);
	pl_buf_truncate(manifest, mstart);
	return rc;
}

/* A list of directories to fsync, deduplicated. */
typedef struct dirlist {
	char **v;
	size_t n, cap;
} dirlist;

static int dirs_add(dirlist *dl, const char *dir)
{
	for (size_t i = 0; i < dl->n; i++)
		if (strcmp(dl->v[i], dir) == 0)
			return PL_OK;
	if (dl->n == dl->cap) {
		size_t c = dl->cap ? dl->cap * 2 : 16;
		char **p = realloc(dl->v, c * sizeof *p);
		if (p == NULL)
			return PL_ENOMEM;
		dl->v = p;
		dl->cap = c;
	}
	if ((dl->v[dl->n] = strdup(dir)) == NULL)
		return PL_ENOMEM;
	dl->n++;
	return PL_OK;
}

static void dirs_free(dirlist *dl)
{
	for (size_t i = 0; i < dl->n; i++)
		free(dl->v[i]);
	free(dl->v);
}

/* mkdir -p of dir, recording the parent of every directory it creates. */
static int make_dirs(const char *dir, dirlist *dl, pl_diag *d)
{
	struct stat st;
	if (stat(dir, &st) == 0)
		return S_ISDIR(st.st_mode) ? PL_OK : pl_diag_set(d, PL_EIO, "%s is not a directory", dir);
	char parent[PATH_MAX];
	snprintf(parent, sizeof parent, "%s", dir);
	char *slash = strrchr(parent, '/');
	if (slash == NULL || slash == parent)
		return pl_diag_set(d, PL_EIO, "cannot create %s", dir);
	*slash = '\0';
	int rc = make_dirs(parent, dl, d);
	if (rc != PL_OK)
		return rc;
	if (mkdir(dir, 0755) != 0 && errno != EEXIST)
		return pl_diag_errno(d, PL_EIO, errno, "mkdir %s", dir);
	return dirs_add(dl, parent);
}

/* Renames tmp onto root/rel, creating directories; records directories to fsync. */
static int place(const char *root, const char *tmp, const char *rel, dirlist *dl, pl_diag *d)
{
	char path[PATH_MAX];
	if (pl_path_join(path, sizeof path, root, rel) != PL_OK)
		return pl_diag_set(d, PL_EINVAL, "path too long");
	char *slash = strrchr(path, '/');
	*slash = '\0';
	int rc = make_dirs(path, dl, d);
	if (rc == PL_OK)
		rc = dirs_add(dl, path);
	*slash = '/';
	if (rc != PL_OK)
		return rc;
	if (rename(tmp, path) != 0)
		return pl_diag_errno(d, PL_EIO, errno, "rename to %s", path);
	return PL_OK;
}

typedef struct dir_job {
	dirlist *dl;
	pthread_mutex_t mu;
	int err;       /* first failure */
	pl_diag diag;
} dir_job;

static void dir_range(void *ctx, size_t from, size_t to)
{
	dir_job *j = ctx;
	for (size_t i = from; i < to; i++) {
		pthread_mutex_lock(&j->mu);
		bool stop = j->err != PL_OK;
		pthread_mutex_unlock(&j->mu);
		if (stop)
			return;
		pl_diag d = {0};
		int rc = pl_fs_fsync_dir(j->dl->v[i], &d);
		if (rc != PL_OK) {
			pthread_mutex_lock(&j->mu);
			if (j->err == PL_OK) {
				j->err = rc;
				j->diag = d;
			}
			pthread_mutex_unlock(&j->mu);
		}
	}
}

/* fsyncs every listed directory, a few at a time. A new directory's parent
 * is in the list too, so after this call every rename is durable. */
static int sync_dirs(dirlist *dl, pl_diag *d)
{
	dir_job j = {dl, PTHREAD_MUTEX_INITIALIZER, PL_OK, {0}};
	pl_parallel_for(dl->n, 1, 4, dir_range, &j);
	pthread_mutex_destroy(&j.mu);
	if (j.err != PL_OK)
		return pl_diag_set(d, j.err, "%s", j.diag.msg);
	return PL_OK;
}

void pl_writeset_keep(pl_writeset *ws)
{
	ws->keep = true;
}

int pl_writeset_replay(const char *root, const uint8_t *manifest, size_t n, pl_diag *d)
{
	dirlist dl = {0};
	int rc = PL_OK;
	size_t off = 0;
	while (off < n && rc == PL_OK) {
		const uint8_t *nl = memchr(manifest + off, '\n', n - off);
		const uint8_t *tab = memchr(manifest + off, '\t', n - off);
		if (nl == NULL || tab == NULL || tab > nl) {
			rc = pl_diag_set(d, PL_ECORRUPT, "the publish manifest is malformed");
			break;
		}
		char tmp[PATH_MAX], rel[PATH_MAX], path[PATH_MAX];
		size_t tn = (size_t)(tab - (manifest + off)), rn = (size_t)(nl - tab - 1);
		if (tn >= sizeof tmp || rn >= sizeof rel) {
			rc = pl_diag_set(d, PL_ECORRUPT, "the publish manifest is malformed");
			break;
		}
		memcpy(tmp, manifest + off, tn);
		tmp[tn] = '\0';
		memcpy(rel, tab + 1, rn);
		rel[rn] = '\0';
		off = (size_t)(nl - manifest) + 1;
		if (pl_path_join(path, sizeof path, root, rel) != PL_OK) {
			rc = pl_diag_set(d, PL_EINVAL, "path too long");
			break;
		}
		bool have_tmp = pl_fs_exists(tmp), have_target = pl_fs_exists(path);
		if (have_tmp && have_target) {
			/* renamed before and re-created since? the bytes must agree */
			pl_buf b;
			pl_buf_init(&b, (size_t)1 << 30);
			rc = pl_fs_read(tmp, (size_t)1 << 30, &b, d);
			if (rc == PL_OK)
				rc = same_file(path, b.data, b.len, d);
			pl_buf_release(&b);
			if (rc == PL_OK)
				unlink(tmp);
		} else if (have_tmp) {
			rc = place(root, tmp, rel, &dl, d);
		} else if (!have_target) {
			rc = pl_diag_set(d, PL_ECORRUPT,
					 "%s is missing and so is the temporary it was to be published from", path);
		}
	}
	if (rc == PL_OK)
		rc = sync_dirs(&dl, d);
	dirs_free(&dl);
	return rc;
}
