/* writeset.c - durable publication of a batch of immutable files. */
#include "store/writeset.h"

#include "base/fsio.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

typedef struct ws_item {
	char *rel;      /* path relative to root */
	uint8_t *data;  /* owned copy */
	size_t n;
	bool skip;      /* already present with identical bytes */
	int fd;         /* temporary file descriptor while publishing, or -1 */
	char tmp[PATH_MAX];
} ws_item;

struct pl_writeset {
	char root[PATH_MAX];
	char tmp_dir[PATH_MAX];
	ws_item *items;
	size_t n, cap;
};

int pl_writeset_new(const char *root, const char *tmp_dir, pl_writeset **out)
{
	*out = NULL;
	pl_writeset *ws = calloc(1, sizeof *ws);
	if (ws == NULL)
		return PL_ENOMEM;
	if (strlen(root) >= sizeof ws->root || strlen(tmp_dir) >= sizeof ws->tmp_dir) {
		free(ws);
		return PL_EINVAL;
	}
	strcpy(ws->root, root);
	strcpy(ws->tmp_dir, tmp_dir);
	*out = ws;
	return PL_OK;
}

int pl_writeset_add(pl_writeset *ws, const char *relpath, const void *data, size_t n)
{
	if (ws->n == ws->cap) {
		size_t cap = ws->cap ? ws->cap * 2 : 16;
		ws_item *p = realloc(ws->items, cap * sizeof *p);
		if (p == NULL)
			return PL_ENOMEM;
		ws->items = p;
		ws->cap = cap;
	}
	ws_item *it = &ws->items[ws->n];
	memset(it, 0, sizeof *it);
	it->fd = -1;
	it->rel = strdup(relpath);
	it->data = malloc(n ? n : 1);
	if (it->rel == NULL || it->data == NULL) {
		free(it->rel);
		free(it->data);
		return PL_ENOMEM;
	}
	if (n)
		memcpy(it->data, data, n);
	it->n = n;
	ws->n++;
	return PL_OK;
}

size_t pl_writeset_count(const pl_writeset *ws)
{
	return ws->n;
}

void pl_writeset_free(pl_writeset *ws)
{
	if (ws == NULL)
		return;
	for (size_t i = 0; i < ws->n; i++) {
		if (ws->items[i].fd >= 0)
			close(ws->items[i].fd);
		free(ws->items[i].rel);
		free(ws->items[i].data);
	}
	free(ws->items);
	free(ws);
}

/* Step 1: compare with what exists. */
static int check_existing(pl_writeset *ws, ws_item *it, const char *path, pl_diag *d)
{
	struct stat st;
	if (lstat(path, &st) != 0) {
		if (errno == ENOENT)
			return PL_OK;
		return pl_diag_errno(d, PL_EIO, errno, "stat %s", path);
	}
	(void)ws;
	if (!S_ISREG(st.st_mode) || (size_t)st.st_size != it->n)
		return pl_diag_set(d, PL_ECORRUPT, "%s exists with other contents; refusing to rewrite it", path);
	pl_buf b;
	pl_buf_init(&b, it->n);
	int rc = pl_fs_read(path, it->n, &b, d);
	if (rc == PL_OK && (b.len != it->n || memcmp(b.data, it->data, it->n) != 0))
		rc = pl_diag_set(d, PL_ECORRUPT, "%s exists with other contents; refusing to rewrite it", path);
	pl_buf_release(&b);
	if (rc == PL_OK)
		it->skip = true;
	return rc;
}

typedef struct sync_job {
	ws_item *items;
	size_t n;
	atomic_size_t next;
	atomic_int err;     /* first errno seen, 0 if none */
} sync_job;

static void *sync_worker(void *arg)
{
	sync_job *j = arg;
	for (;;) {
		size_t i = atomic_fetch_add(&j->next, 1);
		if (i >= j->n)
			break;
		if (j->items[i].fd < 0)
			continue;
		while (fsync(j->items[i].fd) != 0) {
			if (errno == EINTR)
				continue;
			int zero = 0;
			atomic_compare_exchange_strong(&j->err, &zero, errno);
			break;
		}
	}
	return NULL;
}

/* Step 3: fsync every temporary, using a few threads so the file system can
 * group the journal commits. */
static int sync_all(pl_writeset *ws, pl_diag *d)
{
	sync_job j;
	j.items = ws->items;
	j.n = ws->n;
	atomic_init(&j.next, 0);
	atomic_init(&j.err, 0);
	size_t want = ws->n < 8 ? ws->n : 8;
	pthread_t th[8];
	size_t started = 0;
	for (; started + 1 < want; started++)
		if (pthread_create(&th[started], NULL, sync_worker, &j) != 0)
			break;
	sync_worker(&j); /* this thread works too; enough on its own if threads failed */
	for (size_t i = 0; i < started; i++)
		pthread_join(th[i], NULL);
	int e = atomic_load(&j.err);
	if (e != 0)
		return pl_diag_errno(d, PL_EIO, e, "fsync of a new tile");
	return PL_OK;
}

/* Adds dir to the list of directories to fsync (deduplicated). */
static int note_dir(char ***dirs, size_t *n, size_t *cap, const char *dir)
{
	for (size_t i = 0; i < *n; i++)
		if (strcmp((*dirs)[i], dir) == 0)
			return PL_OK;
	if (*n == *cap) {
		size_t c = *cap ? *cap * 2 : 16;
		char **p = realloc(*dirs, c * sizeof *p);
		if (p == NULL)
			return PL_ENOMEM;
		*dirs = p;
		*cap = c;
	}
	(*dirs)[*n] = strdup(dir);
	if ((*dirs)[*n] == NULL)
		return PL_ENOMEM;
	(*n)++;
	return PL_OK;
}

/* mkdir -p of dir, recording every parent that gained a new directory. */
static int make_dirs(const char *dir, char ***dirs, size_t *n, size_t *cap, pl_diag *d)
{
	struct stat st;
	if (stat(dir, &st) == 0)
		return S_ISDIR(st.st_mode) ? PL_OK : pl_diag_set(d, PL_EIO, "%s is not a directory", dir);
	char parent[PATH_MAX];
	strcpy(parent, dir);
	char *slash = strrchr(parent, '/');
	if (slash == NULL || slash == parent)
		return pl_diag_set(d, PL_EIO, "cannot create %s", dir);
	*slash = '\0';
	int rc = make_dirs(parent, dirs, n, cap, d);
	if (rc != PL_OK)
		return rc;
	if (mkdir(dir, 0755) != 0 && errno != EEXIST)
		return pl_diag_errno(d, PL_EIO, errno, "mkdir %s", dir);
	return note_dir(dirs, n, cap, parent);
}

int pl_writeset_commit(pl_writeset *ws, pl_diag *d)
{
	int rc = PL_OK;
	char **dirs = NULL;
	size_t ndirs = 0, capdirs = 0;
	char path[PATH_MAX];

	for (size_t i = 0; i < ws->n; i++) {
		ws_item *it = &ws->items[i];
		it->skip = false;
		if ((rc = pl_path_join(path, sizeof path, ws->root, it->rel)) != PL_OK)
			goto out;
		if ((rc = check_existing(ws, it, path, d)) != PL_OK)
			goto out;
	}
	/* Step 2: temporaries. */
	for (size_t i = 0; i < ws->n; i++) {
		ws_item *it = &ws->items[i];
		if (it->skip)
			continue;
		if (snprintf(it->tmp, sizeof it->tmp, "%s/ws.%ld.%zu", ws->tmp_dir, (long)getpid(), i) >=
		    (int)sizeof it->tmp) {
			it->tmp[0] = '\0';
			rc = pl_diag_set(d, PL_EINVAL, "temporary path too long");
			goto out;
		}
		unlink(it->tmp); /* a leftover from a crashed run of the same pid */
		it->fd = open(it->tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
		if (it->fd < 0) {
			rc = pl_diag_errno(d, PL_EIO, errno, "create %s", it->tmp);
			goto out;
		}
		if ((rc = pl_fs_write_all(it->fd, it->data, it->n, d)) != PL_OK)
			goto out;
	}
	/* Step 3: one fsync round. */
	if ((rc = sync_all(ws, d)) != PL_OK)
		goto out;
	/* Step 4: rename into place. */
	for (size_t i = 0; i < ws->n; i++) {
		ws_item *it = &ws->items[i];
		if (it->skip)
			continue;
		close(it->fd);
		it->fd = -1;
		if ((rc = pl_path_join(path, sizeof path, ws->root, it->rel)) != PL_OK)
			goto out;
		char *slash = strrchr(path, '/');
		*slash = '\0';
		if ((rc = make_dirs(path, &dirs, &ndirs, &capdirs, d)) != PL_OK)
			goto out;
		if ((rc = note_dir(&dirs, &ndirs, &capdirs, path)) != PL_OK)
			goto out;
		*slash = '/';
		if (rename(it->tmp, path) != 0) {
			rc = pl_diag_errno(d, PL_EIO, errno, "rename to %s", path);
			goto out;
		}
		it->tmp[0] = '\0';
	}
	/* Step 5: directories, deepest first so new directories are durable
	 * before the entries naming them. */
	for (size_t i = ndirs; i-- > 0;)
		if ((rc = pl_fs_fsync_dir(dirs[i], d)) != PL_OK)
			goto out;
out:
	for (size_t i = 0; i < ws->n; i++) {
		ws_item *it = &ws->items[i];
		if (it->fd >= 0) {
			close(it->fd);
			it->fd = -1;
		}
		if (it->tmp[0] != '\0') {
			unlink(it->tmp);
			it->tmp[0] = '\0';
		}
	}
	for (size_t i = 0; i < ndirs; i++)
		free(dirs[i]);
	free(dirs);
	return rc;
}
