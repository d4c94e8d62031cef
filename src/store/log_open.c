/* log_open.c - opening a log for writing, recovering it from any crash (the
 * crash states of log.h), closing it, and what an open log tells. */
#include "store/log_impl.h"

#include "base/fsio.h"
#include "store/seqdb.h"

#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#define KEY_FILE_MAX 1024

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
	if ((rc = pl_log_paths(dir, l->priv, l->tmp, d)) != PL_OK)
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
	if ((rc = pl_log_reload(l, d)) != PL_OK)
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

pl_span pl_log_checkpoint(const pl_log *l)
{
	return pl_buf_span(&l->checkpoint);
}
