/* log.c - the durable tiled log writer (crash states are described in log.h). */
#include "store/log.h"

#include "base/fsio.h"
#include "base/utf8.h"
#include "store/frontier.h"
#include "store/seqdb.h"
#include "store/writeset.h"
#include "tlog/checkpoint.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

struct pl_log {
	char dir[PATH_MAX];
	char priv[PATH_MAX];   /* dir/private */
	char tmp[PATH_MAX];    /* dir/private/tmp */
	pl_signer *signer;     /* the log key */
	sqlite3 *db;
	int lockfd;
	uint64_t size;         /* published size */
	uint64_t staged;       /* published + pending */
	pl_hash root;          /* published root */
	pl_buf checkpoint;     /* published signed checkpoint */
	pl_frontier fr;        /* frontier at `size` */
};

#define KEY_FILE_MAX 1024

static int paths(const char *dir, char *priv, char *tmp, pl_diag *d)
{
	if (pl_path_join(priv, PATH_MAX, dir, "private") != PL_OK ||
	    pl_path_join(tmp, PATH_MAX, priv, "tmp") != PL_OK)
		return pl_diag_set(d, PL_EINVAL, "log directory path too long");
	return PL_OK;
}

/* Signs the checkpoint for (size, root) into out. */
static int sign_checkpoint(const pl_signer *s, uint64_t size, const pl_hash *root, pl_buf *out)
{
	pl_checkpoint c;
	snprintf(c.origin, sizeof c.origin, "%s", s->v.name);
	c.size = size;
	c.root = *root;
	pl_buf text;
	pl_buf_init(&text, PL_NOTE_MAX);
	int rc = pl_checkpoint_format(&c, &text);
	if (rc == PL_OK) {
		pl_buf_reset(out);
		rc = pl_note_sign(s, text.data, text.len, out);
	}
	pl_buf_release(&text);
	return rc;
}

static int write_public(const char *dir, const char *tmpdir, const char *name, const void *data, size_t n,
			pl_diag *d)
{
	char path[PATH_MAX], tmp[PATH_MAX];
	if (pl_path_join(path, sizeof path, dir, name) != PL_OK ||
	    snprintf(tmp, sizeof tmp, "%s/%s.%ld.tmp", tmpdir, name, (long)getpid()) >= (int)sizeof tmp)
		return pl_diag_set(d, PL_EINVAL, "path too long");
	unlink(tmp);
	return pl_fs_replace(path, tmp, data, n, 0644, d);
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
	if ((rc = paths(dir, priv, tmp, d)) != PL_OK)
		return rc;
	if ((rc = pl_fs_mkdirs(dir, 0755, d)) != PL_OK)
		return rc;
	if (pl_path_join(path, sizeof path, dir, "checkpoint") != PL_OK)
		return pl_diag_set(d, PL_EINVAL, "path too long");
	if (pl_fs_exists(priv) || pl_fs_exists(path))
		return pl_diag_set(d, PL_EEXIST, "%s already holds a log", dir);
	if (mkdir(priv, 0700) != 0)
		return pl_diag_errno(d, PL_EIO, errno, "mkdir %s", priv);
	if (chmod(priv, 0700) != 0 || mkdir(tmp, 0700) != 0) {
		rc = pl_diag_errno(d, PL_EIO, errno, "create %s", tmp);
		goto out;
	}
	if ((rc = pl_signer_new(origin, PL_SIGTYPE_ED25519, NULL, &s)) != PL_OK) {
		pl_diag_set(d, rc, "key generation failed");
		goto out;
	}
	if ((rc = pl_signer_encode(s, &skey, &skeylen)) != PL_OK)
		goto out;
	skey[skeylen] = '\n'; /* the encoding buffer has room for a newline in place of its NUL */
	if (pl_path_join(path, sizeof path, priv, "log.key") != PL_OK) {
		rc = pl_diag_set(d, PL_EINVAL, "path too long");
		goto out;
	}
	if ((rc = pl_fs_write_secret(path, skey, skeylen + 1, d)) != PL_OK)
		goto out;
	pl_hash root;
	pl_empty_root(&root);
	if ((rc = sign_checkpoint(s, 0, &root, &cp)) != PL_OK)
		goto out;
	if (pl_path_join(path, sizeof path, priv, "state.db") != PL_OK) {
		rc = pl_diag_set(d, PL_EINVAL, "path too long");
		goto out;
	}
	if ((rc = pl_seqdb_create(path, origin, &root, cp.data, cp.len, &db, d)) != PL_OK)
		goto out;
	if ((rc = pl_verifier_format(&s->v, &vkey)) != PL_OK || (rc = pl_buf_putc(&vkey, '\n')) != PL_OK)
		goto out;
	if ((rc = write_public(dir, tmp, "log.vkey", vkey.data, vkey.len, d)) != PL_OK)
		goto out;
	rc = write_public(dir, tmp, "checkpoint", cp.data, cp.len, d);
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

static int load_key(pl_log *l, pl_diag *d)
{
	char path[PATH_MAX];
	if (pl_path_join(path, sizeof path, l->priv, "log.key") != PL_OK)
		return pl_diag_set(d, PL_EINVAL, "path too long");
	uint8_t *key = NULL;
	size_t n = 0;
	int rc = pl_fs_read_secret(path, KEY_FILE_MAX, &key, &n, d);
	if (rc != PL_OK)
		return rc;
	size_t k = n;
	if (k > 0 && key[k - 1] == '\n')
		k--;
	rc = pl_signer_parse(key, k, &l->signer);
	if (rc != PL_OK)
		pl_diag_set(d, rc, "%s: not a valid log key", path);
	else if (l->signer->v.type != PL_SIGTYPE_ED25519)
		rc = pl_diag_set(d, PL_EFORMAT, "%s: the log key must be an Ed25519 (type 1) key", path);
	sodium_memzero(key, n);
	sodium_free(key);
	return rc;
}

static int lock_log(pl_log *l, pl_diag *d)
{
	char path[PATH_MAX];
	if (pl_path_join(path, sizeof path, l->priv, "lock") != PL_OK)
		return pl_diag_set(d, PL_EINVAL, "path too long");
	l->lockfd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (l->lockfd < 0)
		return pl_diag_errno(d, PL_EIO, errno, "open %s", path);
	if (flock(l->lockfd, LOCK_EX | LOCK_NB) != 0) {
		if (errno == EWOULDBLOCK)
			return pl_diag_set(d, PL_ESTATE, "%s is open for writing by another process", l->dir);
		return pl_diag_errno(d, PL_EIO, errno, "lock %s", path);
	}
	return PL_OK;
}

/* Makes the checkpoint file match the database (crash state: state
 * committed, file not yet replaced). */
static int sync_checkpoint_file(pl_log *l, pl_diag *d)
{
	char path[PATH_MAX];
	if (pl_path_join(path, sizeof path, l->dir, "checkpoint") != PL_OK)
		return pl_diag_set(d, PL_EINVAL, "path too long");
	pl_buf cur;
	pl_buf_init(&cur, PL_NOTE_MAX);
	int rc = pl_fs_read(path, PL_NOTE_MAX, &cur, NULL);
	bool same = rc == PL_OK && cur.len == l->checkpoint.len &&
		    memcmp(cur.data, l->checkpoint.data, cur.len) == 0;
	pl_buf_release(&cur);
	if (same)
		return PL_OK;
	return write_public(l->dir, l->tmp, "checkpoint", l->checkpoint.data, l->checkpoint.len, d);
}

/* Loads published state and the frontier from disk. */
static int reload(pl_log *l, pl_diag *d)
{
	pl_seqdb_state st;
	pl_seqdb_state_init(&st);
	int rc = pl_seqdb_load(l->db, &st, d);
	if (rc != PL_OK)
		goto out;
	if (strcmp(pl_buf_cstr(&st.origin), l->signer->v.name) != 0) {
		rc = pl_diag_set(d, PL_ECORRUPT, "the log key is named %s but the log's origin is %s",
				 l->signer->v.name, pl_buf_cstr(&st.origin));
		goto out;
	}
	l->size = st.size;
	l->root = st.root;
	pl_buf_reset(&l->checkpoint);
	if ((rc = pl_buf_append(&l->checkpoint, st.checkpoint.data, st.checkpoint.len)) != PL_OK)
		goto out;
	if ((rc = pl_frontier_load(&l->fr, l->dir, l->size, d)) != PL_OK)
		goto out;
	pl_hash root;
	pl_edge_root(&l->fr.edge, &root);
	if (!pl_hash_eq(&root, &l->root))
		rc = pl_diag_set(d, PL_ECORRUPT, "the partial tiles on disk do not hash to the published root");
out:
	pl_seqdb_state_release(&st);
	return rc;
}

typedef struct count_ctx {
	uint64_t next; /* expected start of the next pending batch */
	int bad;
} count_ctx;

static int count_pending(void *ctx, uint64_t start, uint64_t count, const uint8_t *data, size_t n)
{
	(void)data;
	(void)n;
	count_ctx *c = ctx;
	if (start != c->next)
		return PL_ECORRUPT;
	c->next = start + count;
	return PL_OK;
}

int pl_log_open(const char *dir, pl_log **out, pl_diag *d)
{
	*out = NULL;
	if (sodium_init() < 0)
		return pl_diag_set(d, PL_ECRYPTO, "libsodium failed to initialise");
	pl_log *l = calloc(1, sizeof *l);
	if (l == NULL)
		return pl_diag_set(d, PL_ENOMEM, "out of memory");
	l->lockfd = -1;
	pl_buf_init(&l->checkpoint, PL_NOTE_MAX);
	pl_frontier_init(&l->fr);
	int rc;
	if (strlen(dir) >= sizeof l->dir) {
		rc = pl_diag_set(d, PL_EINVAL, "path too long");
		goto fail;
	}
	strcpy(l->dir, dir);
	if ((rc = paths(dir, l->priv, l->tmp, d)) != PL_OK)
		goto fail;
	char path[PATH_MAX];
	if (pl_path_join(path, sizeof path, l->priv, "state.db") != PL_OK) {
		rc = pl_diag_set(d, PL_EINVAL, "path too long");
		goto fail;
	}
	if (!pl_fs_exists(path)) {
		rc = pl_diag_set(d, PL_ENOTFOUND, "%s is not a log directory (run: parley log init %s --origin ...)",
				 dir, dir);
		goto fail;
	}
	if ((rc = lock_log(l, d)) != PL_OK || (rc = load_key(l, d)) != PL_OK)
		goto fail;
	if ((rc = pl_seqdb_open(path, &l->db, d)) != PL_OK)
		goto fail;
	/* Crash state: temporaries of an interrupted publish. */
	if ((rc = pl_fs_mkdirs(l->tmp, 0700, d)) != PL_OK || (rc = pl_fs_clear_dir(l->tmp, d)) != PL_OK)
		goto fail;
	if ((rc = reload(l, d)) != PL_OK || (rc = sync_checkpoint_file(l, d)) != PL_OK)
		goto fail;
	count_ctx cc = {l->size, 0};
	if ((rc = pl_seqdb_each_pending(l->db, count_pending, &cc, d)) != PL_OK) {
		pl_diag_set(d, rc, "pending batches are not contiguous with the published tree");
		goto fail;
	}
	l->staged = cc.next;
	/* Crash state: staged batches not yet published. */
	if ((rc = pl_log_integrate(l, d)) != PL_OK)
		goto fail;
	*out = l;
	return PL_OK;
fail:
	pl_log_close(l);
	return rc;
}

void pl_log_close(pl_log *l)
{
	if (l == NULL)
		return;
	pl_signer_free(l->signer);
	sqlite3_close(l->db);
	if (l->lockfd >= 0)
		close(l->lockfd);
	pl_buf_release(&l->checkpoint);
	pl_frontier_release(&l->fr);
	free(l);
}

uint64_t pl_log_size(const pl_log *l)
{
	return l->size;
}

uint64_t pl_log_staged(const pl_log *l)
{
	return l->staged;
}

const pl_verifier *pl_log_verifier(const pl_log *l)
{
	return &l->signer->v;
}

pl_span pl_log_checkpoint(const pl_log *l)
{
	return pl_buf_span(&l->checkpoint);
}

int pl_log_stage(pl_log *l, const pl_span *entries, size_t n, uint64_t *first, pl_diag *d)
{
	if (n == 0 || n > PL_BATCH_MAX_ENTRIES)
		return pl_diag_set(d, PL_EINVAL, "a batch holds 1 to %d entries, not %zu", PL_BATCH_MAX_ENTRIES, n);
	if (l->staged + n >= PL_TREE_MAX)
		return pl_diag_set(d, PL_ERANGE, "the log is full");
	pl_buf blob;
	pl_buf_init(&blob, PL_BATCH_MAX_BYTES);
	int rc = PL_OK;
	for (size_t i = 0; i < n; i++) {
		if (entries[i].n > PL_ENTRY_MAX) {
			rc = pl_diag_set(d, PL_ETOOBIG, "entry %zu of the batch has %zu bytes; the limit is %d", i,
					 entries[i].n, PL_ENTRY_MAX);
			goto out;
		}
		if ((rc = pl_bundle_append(&blob, entries[i].p, entries[i].n)) != PL_OK) {
			pl_diag_set(d, rc, "batch larger than %zu bytes", (size_t)PL_BATCH_MAX_BYTES);
			goto out;
		}
	}
	if ((rc = pl_seqdb_stage(l->db, l->staged, n, blob.data, blob.len, d)) != PL_OK)
		goto out;
	*first = l->staged;
	l->staged += n;
out:
	pl_buf_release(&blob);
	return rc;
}

typedef struct integ_ctx {
	pl_log *l;
	pl_writeset *ws;
	pl_diag *d;
	pl_hash *leaves; /* scratch for one batch's leaf hashes */
	size_t cap;
} integ_ctx;

static int integrate_batch(void *ctx, uint64_t start, uint64_t count, const uint8_t *data, size_t n)
{
	integ_ctx *c = ctx;
	pl_frontier *f = &c->l->fr;
	if (start != f->size)
		return pl_diag_set(c->d, PL_ECORRUPT, "pending batch at %llu does not follow size %llu",
				   (unsigned long long)start, (unsigned long long)f->size);
	if (count > c->cap) {
		pl_hash *p = realloc(c->leaves, count * sizeof *p);
		if (p == NULL)
			return pl_diag_set(c->d, PL_ENOMEM, "out of memory");
		c->leaves = p;
		c->cap = count;
	}
	/* Decode the staged bundle and hash every entry before appending. */
	size_t off = 0;
	for (uint64_t i = 0; i < count; i++) {
		if (n - off < 2)
			return pl_diag_set(c->d, PL_ECORRUPT, "pending batch at %llu is truncated",
					   (unsigned long long)start);
		size_t len = (size_t)data[off] << 8 | data[off + 1];
		if (n - off - 2 < len)
			return pl_diag_set(c->d, PL_ECORRUPT, "pending batch at %llu is truncated",
					   (unsigned long long)start);
		pl_leaf_hash(data + off + 2, len, &c->leaves[i]);
		off += 2 + len;
	}
	if (off != n)
		return pl_diag_set(c->d, PL_ECORRUPT, "pending batch at %llu has trailing bytes",
				   (unsigned long long)start);
	off = 0;
	for (uint64_t i = 0; i < count; i++) {
		size_t len = (size_t)data[off] << 8 | data[off + 1];
		int rc = pl_frontier_append(f, data + off + 2, len, &c->leaves[i], c->ws);
		if (rc != PL_OK)
			return pl_diag_set(c->d, rc, "appending entry %llu", (unsigned long long)f->size);
		off += 2 + len;
	}
	return PL_OK;
}

/* Removes the partial versions of tiles that became full between old and new
 * (best effort: leftovers are correct data, only clutter). */
static void drop_partials(pl_log *l, uint64_t old, uint64_t new)
{
	for (int level = PL_TILE_LEVEL_ENTRIES; level < PL_LEVELS_MAX; level++) {
		uint64_t a = pl_tile_level_count(old, level) / PL_TILE_WIDTH;
		uint64_t b = pl_tile_level_count(new, level) / PL_TILE_WIDTH;
		for (uint64_t idx = a; idx < b; idx++) {
			pl_tile t = {level, idx, PL_TILE_WIDTH};
			char rel[PL_TILE_PATH_MAX], dirp[PATH_MAX];
			if (pl_tile_path(&t, rel, sizeof rel) != PL_OK ||
			    snprintf(dirp, sizeof dirp, "%s/%s.p", l->dir, rel) >= (int)sizeof dirp)
				continue;
			if (pl_fs_clear_dir(dirp, NULL) == PL_OK)
				rmdir(dirp);
		}
	}
}

int pl_log_integrate(pl_log *l, pl_diag *d)
{
	if (l->staged == l->size)
		return PL_OK;
	uint64_t old = l->size;
	pl_writeset *ws = NULL;
	pl_buf cp;
	pl_buf_init(&cp, PL_NOTE_MAX);
	integ_ctx c = {l, NULL, d, NULL, 0};
	int rc = pl_writeset_new(l->dir, l->tmp, &ws);
	if (rc != PL_OK)
		goto fail;
	c.ws = ws;
	if ((rc = pl_seqdb_each_pending(l->db, integrate_batch, &c, d)) != PL_OK)
		goto fail;
	if (l->fr.size != l->staged) {
		rc = pl_diag_set(d, PL_ECORRUPT, "pending batches end at %llu, expected %llu",
				 (unsigned long long)l->fr.size, (unsigned long long)l->staged);
		goto fail;
	}
	if ((rc = pl_frontier_flush(&l->fr, old, ws)) != PL_OK)
		goto fail;
	/* 1. tiles and bundles durable */
	if ((rc = pl_writeset_commit(ws, d)) != PL_OK)
		goto fail;
	/* 2. sign and commit the new state */
	pl_hash root;
	pl_edge_root(&l->fr.edge, &root);
	if ((rc = sign_checkpoint(l->signer, l->fr.size, &root, &cp)) != PL_OK)
		goto fail;
	if ((rc = pl_seqdb_publish(l->db, l->fr.size, &root, cp.data, cp.len, d)) != PL_OK)
		goto fail;
	l->size = l->fr.size;
	l->root = root;
	pl_buf_reset(&l->checkpoint);
	if ((rc = pl_buf_append(&l->checkpoint, cp.data, cp.len)) != PL_OK)
		goto fail;
	/* 3. the checkpoint file; a crash before this is repaired on open */
	if ((rc = write_public(l->dir, l->tmp, "checkpoint", cp.data, cp.len, d)) != PL_OK)
		goto fail;
	drop_partials(l, old, l->size);
	pl_writeset_free(ws);
	pl_buf_release(&cp);
	free(c.leaves);
	return PL_OK;
fail:
	pl_writeset_free(ws);
	pl_buf_release(&cp);
	free(c.leaves);
	/* Put memory back in line with the disk; the staged batches stay staged. */
	pl_diag reload_diag = {0};
	if (reload(l, &reload_diag) != PL_OK)
		pl_diag_set(d, rc, "%s (and reloading the log state failed: %s)", pl_diag_text(d, rc),
			    reload_diag.msg);
	return rc;
}

int pl_log_append(pl_log *l, const pl_span *entries, size_t n, uint64_t *first, pl_diag *d)
{
	int rc = pl_log_stage(l, entries, n, first, d);
	if (rc != PL_OK)
		return rc;
	return pl_log_integrate(l, d);
}
