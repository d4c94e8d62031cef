/* log.c - the durable tiled log writer (crash states are described in log.h). */
#include "store/log.h"

#include "base/fsio.h"
#include "base/thread.h"
#include "base/utf8.h"
#include "store/frontier.h"
#include "store/logdir.h"
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
	pl_signer *signer;     /* the log key; NULL for a mirror */
	pl_verifier verifier;  /* the log's public key (the signer's, or the mirrored log's) */
	pl_span external_cp;   /* mirror: the checkpoint the next publish uses */
	bool cp_by_caller;     /* the checkpoint file is written by pl_log_write_checkpoint */
	sqlite3 *db;
	int lockfd;
	uint64_t size;         /* published size */
	uint64_t staged;       /* published + pending */
	pl_hash root;          /* published root */
	pl_buf checkpoint;     /* published signed checkpoint */
	pl_frontier fr;        /* frontier at `size` */
};

#define KEY_FILE_MAX 1024

static int check_batch(const pl_log *l, const pl_span *entries, size_t n, pl_diag *d);

static int paths(const char *dir, char *priv, char *tmp, pl_diag *d)
{
	int rc = pl_logdir_path(dir, PL_LOGFILE_PRIVATE, priv, d);
	return rc == PL_OK ? pl_logdir_path(dir, PL_LOGFILE_TMP, tmp, d) : rc;
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

/* Creates private/state.db through state.db.new and a rename (the commit point). */
static int commit_state(const char *dir, const char *priv, const char *origin, const pl_hash *root, const uint8_t *cp,
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

/* Prepares dir for a new log or mirror: refuses an existing one, clears an
 * interrupted creation, makes private/ and private/tmp. */
static int prepare_dir(const char *dir, const char *priv, const char *tmp, const char *what, pl_diag *d)
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
	if ((rc = paths(dir, priv, tmp, d)) != PL_OK || (rc = prepare_dir(dir, priv, tmp, "a log", d)) != PL_OK)
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
	if ((rc = sign_checkpoint(s, 0, &root, &cp)) != PL_OK)
		goto out;
	if ((rc = pl_verifier_format(&s->v, &vkey)) != PL_OK || (rc = pl_buf_putc(&vkey, '\n')) != PL_OK)
		goto out;
	if ((rc = pl_logdir_write_public(dir, PL_LOGFILE_VKEY, vkey.data, vkey.len, d)) != PL_OK ||
	    (rc = pl_logdir_write_public(dir, PL_LOGFILE_CHECKPOINT, cp.data, cp.len, d)) != PL_OK)
		goto out;
	rc = commit_state(dir, priv, origin, &root, cp.data, cp.len, d);
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
	if (pl_logdir_is_mirror(l->dir)) {
		/* a mirror: only the mirrored log's public key */
		int rc = pl_logdir_read_vkey(l->dir, &l->verifier, d);
		return rc == PL_EFORMAT ? PL_ECORRUPT : rc;
	}
	int rc = pl_logdir_path(l->dir, PL_LOGFILE_KEY, path, d);
	if (rc != PL_OK)
		return rc;
	uint8_t *key = NULL;
	size_t n = 0;
	rc = pl_fs_read_secret(path, KEY_FILE_MAX, &key, &n, d);
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
	else
		l->verifier = l->signer->v;
	sodium_memzero(key, n);
	sodium_free(key);
	return rc;
}


/* Makes the checkpoint file match the database (crash state: state
 * committed, file not yet replaced). */
static int sync_checkpoint_file(pl_log *l, pl_diag *d)
{
	if (l->checkpoint.len == 0)
		return PL_OK; /* an empty mirror: no checkpoint of its log yet */
	char path[PATH_MAX];
	int rc = pl_logdir_path(l->dir, PL_LOGFILE_CHECKPOINT, path, d);
	if (rc != PL_OK)
		return rc;
	pl_buf cur;
	pl_buf_init(&cur, PL_NOTE_MAX);
	rc = pl_fs_read(path, PL_NOTE_MAX, &cur, NULL);
	/* the same checkpoint, perhaps with cosignatures added: keep it */
	bool same = false;
	if (rc == PL_OK) {
		pl_note a, b;
		same = pl_note_open(cur.data, cur.len, &l->verifier, 1, &a) == PL_OK &&
		       pl_note_open(l->checkpoint.data, l->checkpoint.len, &l->verifier, 1, &b) == PL_OK &&
		       a.text.n == b.text.n && memcmp(a.text.p, b.text.p, a.text.n) == 0;
	}
	pl_buf_release(&cur);
	if (same)
		return PL_OK;
	return pl_logdir_write_public(l->dir, PL_LOGFILE_CHECKPOINT, l->checkpoint.data, l->checkpoint.len, d);
}

/* Removes the partial versions of tiles that became full between old and new
 * (best effort: leftovers are correct data, only clutter). */
static void drop_partials(pl_log *l, uint64_t old, uint64_t new)
{
	for (int level = PL_TILE_LEVEL_ENTRIES; level < PL_LEVELS_MAX; level++) {
		uint64_t a = pl_tile_level_count(old, level) / PL_TILE_WIDTH;
		uint64_t b = pl_tile_level_count(new, level) / PL_TILE_WIDTH;
		/* only the first tile completed can have partials: later ones were
		 * empty at `old` */
		if (a < b && pl_tile_level_count(old, level) % PL_TILE_WIDTH != 0) {
			pl_tile t = {level, a, PL_TILE_WIDTH};
			char dirp[PATH_MAX];
			if (pl_logdir_tile_path(l->dir, &t, true, dirp, NULL) != PL_OK)
				continue;
			if (pl_fs_clear_dir(dirp, NULL) == PL_OK)
				rmdir(dirp);
		}
	}
}

/*
 * Steps 4-6 of a publish, from its committed manifest. Normal publication
 * and recovery when the log is opened run this same function (as Sunlight
 * applies its staged uploads through its recovery code), so every batch
 * exercises the recovery path, not only the crash tests:
 *   4. every temporary of the manifest still present is renamed onto its
 *      target, a target already in place is checked, and the directories
 *      are fsynced (pl_writeset_replay);
 *   5. the checkpoint file is made to match the database (kept when it holds
 *      the same checkpoint, cosignatures and all), unless the caller
 *      publishes it (pl_log_checkpoint_by_caller);
 *   6. partial tiles made obsolete between old and the new size are removed
 *      (old == the size: none are known, as after a crash; leftovers are
 *      correct data, only clutter).
 * Idempotent: a crash anywhere in it is finished by running it again.
 */
static int complete_publish(pl_log *l, const uint8_t *manifest, size_t n, uint64_t old, pl_diag *d)
{
	int rc = n > 0 ? pl_writeset_replay(l->dir, manifest, n, d) : PL_OK;
	if (rc == PL_OK && !l->cp_by_caller)
		rc = sync_checkpoint_file(l, d);
	if (rc == PL_OK)
		drop_partials(l, old, l->size);
	return rc;
}

/* Loads published state and the frontier from disk. */
static int reload(pl_log *l, pl_diag *d)
{
	pl_seqdb_state st;
	pl_seqdb_state_init(&st);
	int rc = pl_seqdb_load(l->db, &st, d);
	if (rc != PL_OK)
		goto out;
	if (strcmp(pl_buf_cstr(&st.origin), l->verifier.name) != 0) {
		rc = pl_diag_set(d, PL_ECORRUPT, "the log key is named %s but the log's origin is %s",
				 l->verifier.name, pl_buf_cstr(&st.origin));
		goto out;
	}
	l->size = st.size;
	l->root = st.root;
	pl_buf_reset(&l->checkpoint);
	if ((rc = pl_buf_append(&l->checkpoint, st.checkpoint.data, st.checkpoint.len)) != PL_OK)
		goto out;
	/* Crash state: committed, renames or the checkpoint file unfinished: the
	 * publish is completed by the same function that publishes every batch. */
	if ((rc = complete_publish(l, st.manifest.data, st.manifest.len, l->size, d)) != PL_OK)
		goto out;
	if ((rc = pl_frontier_load(&l->fr, l->dir, l->size, d)) != PL_OK)
		goto out;
	pl_hash root;
	pl_frontier_root(&l->fr, &root);
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
	if ((rc = pl_logdir_path(dir, PL_LOGFILE_STATE, path, d)) != PL_OK)
		goto fail;
	if (!pl_fs_exists(path)) {
		rc = pl_diag_set(d, PL_ENOTFOUND, "%s is not a log directory (run: parley log init %s --origin ...)",
				 dir, dir);
		goto fail;
	}
	if ((rc = pl_logdir_lock(dir, false, &l->lockfd, d)) != PL_OK || (rc = load_key(l, d)) != PL_OK)
		goto fail;
	if ((rc = pl_seqdb_open(path, &l->db, d)) != PL_OK)
		goto fail;
	if ((rc = pl_fs_mkdirs(l->tmp, 0700, d)) != PL_OK)
		goto fail;
	if ((rc = reload(l, d)) != PL_OK)
		goto fail;
	/* Crash state: temporaries of a publish that never committed. */
	if ((rc = pl_fs_clear_dir(l->tmp, d)) != PL_OK)
		goto fail;
	count_ctx cc = {l->size, 0};
	if ((rc = pl_seqdb_each_pending(l->db, count_pending, &cc, d)) != PL_OK) {
		pl_diag_set(d, rc, "pending batches are not contiguous with the published tree");
		goto fail;
	}
	l->staged = cc.next;
	/* Crash state: staged batches not yet published. (A mirror's wait for a
	 * checkpoint of its log: pl_log_append_mirrored publishes them.) */
	if (l->signer != NULL && (rc = pl_log_integrate(l, d)) != PL_OK)
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
	pl_logdir_unlock(l->lockfd);
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
	return &l->verifier;
}

int pl_log_sign_note(const pl_log *l, const uint8_t *text, size_t n, pl_buf *out)
{
	if (l->signer == NULL)
		return PL_ESTATE; /* a mirror signs nothing */
	if (n >= strlen(l->signer->v.name) + 1 && memcmp(text, l->signer->v.name, strlen(l->signer->v.name)) == 0 &&
	    text[strlen(l->signer->v.name)] == '\n')
		return PL_EINVAL; /* would look like a checkpoint of this log */
	return pl_note_sign(l->signer, text, n, out);
}

pl_span pl_log_checkpoint(const pl_log *l)
{
	return pl_buf_span(&l->checkpoint);
}

int pl_log_stage(pl_log *l, const pl_span *entries, size_t n, uint64_t *first, pl_diag *d)
{
	int rc = check_batch(l, entries, n, d);
	if (rc != PL_OK)
		return rc;
	pl_buf blob;
	pl_buf_init(&blob, PL_BATCH_MAX_BYTES);
	for (size_t i = 0; i < n; i++) {
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

typedef struct hash_job {
	const pl_span *entries;
	pl_hash *out;
} hash_job;

static void hash_range(void *ctx, size_t from, size_t to)
{
	hash_job *j = ctx;
	for (size_t i = from; i < to; i++)
		pl_leaf_hash(j->entries[i].p, j->entries[i].n, &j->out[i]);
}

/* Leaf hashes of n entries, on up to 4 cores for large batches. */
static void hash_leaves(const pl_span *entries, size_t n, pl_hash *out)
{
	hash_job j = {entries, out};
	pl_parallel_for(n, 1024, 4, hash_range, &j);
}

/* Appends entries to the in-memory frontier, adding completed tiles to ws.
 * Works in chunks so the write set's workers write the tiles of one chunk
 * while the next is hashed. */
static int grow(pl_log *l, const pl_span *entries, size_t n, pl_writeset *ws, pl_diag *d)
{
	enum { CHUNK = 4096 };
	pl_hash *leaves = malloc((n < CHUNK ? (n ? n : 1) : CHUNK) * sizeof *leaves);
	if (leaves == NULL)
		return pl_diag_set(d, PL_ENOMEM, "out of memory");
	int rc = PL_OK;
	for (size_t at = 0; at < n && rc == PL_OK; at += CHUNK) {
		size_t m = n - at < CHUNK ? n - at : CHUNK;
		hash_leaves(entries + at, m, leaves);
		for (size_t i = 0; i < m; i++) {
			rc = pl_frontier_append(&l->fr, entries[at + i].p, entries[at + i].n, &leaves[i], ws);
			if (rc != PL_OK) {
				pl_diag_set(d, rc, "appending entry %llu", (unsigned long long)l->fr.size);
				break;
			}
		}
	}
	free(leaves);
	return rc;
}

/* Splits a staged bundle blob into spans (into *out, reallocated). */
static int split_batch(const uint8_t *data, size_t n, uint64_t count, pl_span **out, size_t *cap)
{
	if (count > *cap) {
		pl_span *p = realloc(*out, count * sizeof *p);
		if (p == NULL)
			return PL_ENOMEM;
		*out = p;
		*cap = count;
	}
	size_t off = 0;
	for (uint64_t i = 0; i < count; i++) {
		if (n - off < 2)
			return PL_ECORRUPT;
		size_t len = (size_t)data[off] << 8 | data[off + 1];
		if (n - off - 2 < len)
			return PL_ECORRUPT;
		(*out)[i].p = data + off + 2;
		(*out)[i].n = len;
		off += 2 + len;
	}
	return off == n ? PL_OK : PL_ECORRUPT;
}

typedef struct integ_ctx {
	pl_log *l;
	pl_writeset *ws;
	pl_diag *d;
	pl_span *spans;
	size_t cap;
} integ_ctx;

static int integrate_batch(void *ctx, uint64_t start, uint64_t count, const uint8_t *data, size_t n)
{
	integ_ctx *c = ctx;
	if (start != c->l->fr.size)
		return pl_diag_set(c->d, PL_ECORRUPT, "pending batch at %llu does not follow size %llu",
				   (unsigned long long)start, (unsigned long long)c->l->fr.size);
	int rc = split_batch(data, n, count, &c->spans, &c->cap);
	if (rc != PL_OK)
		return pl_diag_set(c->d, rc, "pending batch at %llu is malformed", (unsigned long long)start);
	return grow(c->l, c->spans, count, c->ws, c->d);
}

/* Publishes the frontier (already grown to its new size, with every
 * completed tile in ws): steps 2-6 of log.h. */
static int publish(pl_log *l, uint64_t old, pl_writeset *ws, pl_diag *d)
{
	pl_buf cp, manifest;
	pl_buf_init(&cp, PL_NOTE_MAX);
	pl_buf_init(&manifest, (size_t)1 << 24);
	pl_hash root;
	int rc = pl_frontier_flush(&l->fr, old, ws);
	if (rc != PL_OK)
		goto out;
	/* 2. temporaries durable */
	if ((rc = pl_writeset_prepare(ws, &manifest, d)) != PL_OK)
		goto out;
	/* 3. the new state and the manifest, in one transaction */
	pl_frontier_root(&l->fr, &root);
	if (l->signer != NULL) {
		rc = sign_checkpoint(l->signer, l->fr.size, &root, &cp);
	} else {
		/* a mirror publishes its log's checkpoint, which must sign this very tree */
		pl_policy pol;
		pl_checkpoint ext;
		pl_policy_init(&pol, &l->verifier);
		if (pl_checkpoint_open(l->external_cp.p, l->external_cp.n, &pol, &ext, NULL, NULL) != PL_OK ||
		    ext.size != l->fr.size || !pl_hash_eq(&ext.root, &root)) {
			rc = pl_diag_set(d, PL_EVERIFY, "the entries do not make the tree the checkpoint signs");
			goto out;
		}
		rc = pl_buf_append(&cp, l->external_cp.p, l->external_cp.n);
	}
	if (rc != PL_OK)
		goto out;
	/* even a commit that fails may have reached the disk: keep the temporaries it names */
	pl_writeset_keep(ws);
	if ((rc = pl_seqdb_publish(l->db, l->fr.size, &root, cp.data, cp.len, manifest.data, manifest.len, d)) !=
	    PL_OK)
		goto out;
	l->size = l->fr.size;
	l->root = root;
	pl_buf_reset(&l->checkpoint);
	if ((rc = pl_buf_append(&l->checkpoint, cp.data, cp.len)) != PL_OK)
		goto out;
	/* 4-6: renames, the checkpoint file, clutter: through the recovery code, so
	 * a crash from here on is finished by the open's recovery the same way */
	rc = complete_publish(l, manifest.data, manifest.len, old, d);
out:
	pl_buf_release(&cp);
	pl_buf_release(&manifest);
	return rc;
}

/* After a failure, puts memory back in line with the disk. */
static int recover_after(pl_log *l, int rc, pl_diag *d)
{
	pl_diag reload_diag = {0};
	if (reload(l, &reload_diag) != PL_OK)
		pl_diag_set(d, rc, "%s (and reloading the log state failed: %s)", pl_strerror(rc), reload_diag.msg);
	return rc;
}

static int new_writeset(pl_log *l, uint64_t new_size, pl_writeset **ws)
{
	char tag[32];
	snprintf(tag, sizeof tag, "b%llu", (unsigned long long)new_size);
	return pl_writeset_new(l->dir, l->tmp, tag, ws);
}

int pl_log_integrate(pl_log *l, pl_diag *d)
{
	if (l->staged == l->size)
		return PL_OK;
	if (l->signer == NULL && l->external_cp.p == NULL)
		return pl_diag_set(d, PL_ESTATE, "a mirror publishes only with a checkpoint of its log");
	uint64_t old = l->size;
	pl_writeset *ws = NULL;
	integ_ctx c = {l, NULL, d, NULL, 0};
	int rc = new_writeset(l, l->staged, &ws);
	if (rc != PL_OK)
		goto out;
	c.ws = ws;
	if ((rc = pl_seqdb_each_pending(l->db, integrate_batch, &c, d)) != PL_OK)
		goto out;
	if (l->fr.size != l->staged) {
		rc = pl_diag_set(d, PL_ECORRUPT, "pending batches end at %llu, expected %llu",
				 (unsigned long long)l->fr.size, (unsigned long long)l->staged);
		goto out;
	}
	rc = publish(l, old, ws, d);
out:
	pl_writeset_free(ws);
	free(c.spans);
	if (rc != PL_OK)
		return recover_after(l, rc, d);
	return PL_OK;
}

static int check_batch(const pl_log *l, const pl_span *entries, size_t n, pl_diag *d)
{
	if (n == 0 || n > PL_BATCH_MAX_ENTRIES)
		return pl_diag_set(d, PL_EINVAL, "a batch holds 1 to %d entries, not %zu", PL_BATCH_MAX_ENTRIES, n);
	if (l->staged + n >= PL_TREE_MAX)
		return pl_diag_set(d, PL_ERANGE, "the log is full");
	size_t total = 0;
	for (size_t i = 0; i < n; i++) {
		if (entries[i].n > PL_ENTRY_MAX)
			return pl_diag_set(d, PL_ETOOBIG, "entry %zu of the batch has %zu bytes; the limit is %d", i,
					   entries[i].n, PL_ENTRY_MAX);
		total += 2 + entries[i].n;
	}
	if (total > PL_BATCH_MAX_BYTES)
		return pl_diag_set(d, PL_ETOOBIG, "batch larger than %zu bytes", (size_t)PL_BATCH_MAX_BYTES);
	return PL_OK;
}

int pl_log_append(pl_log *l, const pl_span *entries, size_t n, uint64_t *first, pl_diag *d)
{
	if (l->signer == NULL)
		return pl_diag_set(d, PL_ESTATE, "a mirror only follows its log (pl_log_append_mirrored)");
	if (l->staged != l->size) {
		/* staged batches go first, in order */
		int rc = pl_log_stage(l, entries, n, first, d);
		return rc != PL_OK ? rc : pl_log_integrate(l, d);
	}
	int rc = check_batch(l, entries, n, d);
	if (rc != PL_OK)
		return rc;
	uint64_t old = l->size;
	pl_writeset *ws = NULL;
	if ((rc = new_writeset(l, old + n, &ws)) == PL_OK && (rc = grow(l, entries, n, ws, d)) == PL_OK)
		rc = publish(l, old, ws, d);
	pl_writeset_free(ws);
	if (rc != PL_OK) {
		rc = recover_after(l, rc, d);
		/* nothing was staged: a publish that reached the disk before failing
		 * moved the published size, and later batches must follow it */
		l->staged = l->size;
		return rc;
	}
	*first = old;
	l->staged = l->size;
	return PL_OK;
}

int pl_log_init_mirror(const char *dir, const pl_verifier *log, pl_diag *d)
{
	char priv[PATH_MAX], tmp[PATH_MAX], path[PATH_MAX];
	sqlite3 *db = NULL;
	pl_buf vkey;
	pl_buf_init(&vkey, PL_VKEY_MAX + 2);
	int rc;
	if (log->type != PL_SIGTYPE_ED25519)
		return pl_diag_set(d, PL_EINVAL, "a log's key is an Ed25519 key");
	if ((rc = paths(dir, priv, tmp, d)) != PL_OK || (rc = prepare_dir(dir, priv, tmp, "a log or a mirror", d)) != PL_OK)
		return rc;
	if ((rc = pl_logdir_path(dir, PL_LOGFILE_MIRROR, path, d)) != PL_OK)
		goto out;
	if ((rc = pl_fs_write_secret(path, "mirror\n", 7, d)) != PL_OK)
		goto out;
	if ((rc = pl_verifier_format(log, &vkey)) != PL_OK || (rc = pl_buf_putc(&vkey, '\n')) != PL_OK ||
	    (rc = pl_logdir_write_public(dir, PL_LOGFILE_VKEY, vkey.data, vkey.len, d)) != PL_OK)
		goto out;
	pl_hash root;
	pl_empty_root(&root);
	rc = commit_state(dir, priv, log->name, &root, (const uint8_t *)"", 0, d);
out:
	sqlite3_close(db);
	pl_buf_release(&vkey);
	return rc;
}

int pl_log_append_mirrored(pl_log *l, const pl_span *entries, size_t n, const uint8_t *note, size_t notelen,
			   pl_diag *d)
{
	if (l->signer != NULL)
		return pl_diag_set(d, PL_ESTATE, "not a mirror");
	pl_policy pol;
	pl_policy_init(&pol, &l->verifier);
	pl_checkpoint cp;
	if (pl_checkpoint_open(note, notelen, &pol, &cp, NULL, NULL) != PL_OK)
		return pl_diag_set(d, PL_EVERIFY, "the checkpoint is not validly signed by %s", l->verifier.name);
	if (cp.size != l->staged + n)
		return pl_diag_set(d, PL_EINVAL, "the checkpoint has %llu entries; the mirror has %llu and %zu more",
				   (unsigned long long)cp.size, (unsigned long long)l->staged, n);
	uint64_t first;
	int rc = n > 0 ? pl_log_stage(l, entries, n, &first, d) : PL_OK;
	if (rc != PL_OK)
		return rc;
	l->external_cp.p = note;
	l->external_cp.n = notelen;
	if (l->staged == l->size) {
		/* no new entries: a newer signature (or more cosignatures) on the same tree */
		pl_hash root;
		pl_frontier_root(&l->fr, &root);
		if (!pl_hash_eq(&root, &cp.root))
			rc = pl_diag_set(d, PL_EVERIFY, "the checkpoint signs another tree of the same size");
		else if ((rc = pl_seqdb_publish(l->db, l->size, &root, note, notelen, NULL, 0, d)) == PL_OK) {
			pl_buf_reset(&l->checkpoint);
			rc = pl_buf_append(&l->checkpoint, note, notelen);
			if (rc == PL_OK)
				rc = pl_logdir_write_public(l->dir, PL_LOGFILE_CHECKPOINT, note, notelen, d);
		}
	} else {
		rc = pl_log_integrate(l, d);
	}
	l->external_cp.p = NULL;
	l->external_cp.n = 0;
	return rc;
}

int pl_log_drop_staged(pl_log *l, pl_diag *d)
{
	if (l->staged == l->size)
		return PL_OK;
	int rc = pl_seqdb_drop_pending(l->db, d);
	if (rc == PL_OK)
		l->staged = l->size;
	return rc;
}

typedef struct each_ctx {
	pl_log_entry_fn fn;
	void *ctx;
	pl_span *spans;
	size_t cap;
} each_ctx;

static int each_batch(void *ctx, uint64_t start, uint64_t count, const uint8_t *data, size_t n)
{
	each_ctx *c = ctx;
	int rc = split_batch(data, n, count, &c->spans, &c->cap);
	if (rc != PL_OK)
		return PL_ECORRUPT;
	for (uint64_t i = 0; i < count; i++)
		if ((rc = c->fn(c->ctx, start + i, c->spans[i].p, c->spans[i].n)) != PL_OK)
			return rc;
	return PL_OK;
}

int pl_log_each_staged(pl_log *l, pl_log_entry_fn fn, void *ctx, pl_diag *d)
{
	each_ctx c = {fn, ctx, NULL, 0};
	int rc = pl_seqdb_each_pending(l->db, each_batch, &c, d);
	free(c.spans);
	return rc;
}

void pl_log_checkpoint_by_caller(pl_log *l, bool yes)
{
	l->cp_by_caller = yes;
}

int pl_log_write_checkpoint(pl_log *l, const uint8_t *note, size_t n, pl_diag *d)
{
	pl_policy pol;
	pl_policy_init(&pol, &l->verifier);
	pl_checkpoint cp, cur;
	if (pl_checkpoint_open(note, n, &pol, &cp, NULL, NULL) != PL_OK || cp.size > l->size)
		return pl_diag_set(d, PL_EINVAL, "not a checkpoint this log signed");
	char path[PATH_MAX];
	int rc = pl_logdir_path(l->dir, PL_LOGFILE_CHECKPOINT, path, d);
	if (rc != PL_OK)
		return rc;
	pl_buf b;
	pl_buf_init(&b, PL_NOTE_MAX);
	rc = pl_fs_read(path, PL_NOTE_MAX, &b, NULL);
	bool older = rc == PL_OK && pl_checkpoint_open(b.data, b.len, &pol, &cur, NULL, NULL) == PL_OK &&
		     cur.size > cp.size;
	pl_buf_release(&b);
	if (older)
		return pl_diag_set(d, PL_EINVAL, "the published checkpoint never goes backwards");
	return pl_logdir_write_public(l->dir, PL_LOGFILE_CHECKPOINT, note, n, d);
}
