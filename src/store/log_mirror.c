/* log_mirror.c - the mirror mode: a log directory with no key of its own
 * (pl_log_init_mirror), grown only to checkpoints its log signed
 * (pl_log_append_mirrored). */
#include "store/log_impl.h"

#include "base/fsio.h"
#include "store/seqdb.h"
#include "tlog/checkpoint.h"

int pl_log_init_mirror(const char *dir, const pl_verifier *log, pl_diag *d)
{
	char priv[PATH_MAX], tmp[PATH_MAX], path[PATH_MAX];
	sqlite3 *db = NULL;
	pl_buf vkey;
	pl_buf_init(&vkey, PL_VKEY_MAX + 2);
	int rc;
	if (log->type != PL_SIGTYPE_ED25519)
		return pl_diag_set(d, PL_EINVAL, "a log's key is an Ed25519 key");
	if ((rc = pl_log_paths(dir, priv, tmp, d)) != PL_OK || (rc = pl_log_prepare_dir(dir, priv, tmp, "a log or a mirror", d)) != PL_OK)
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
	rc = pl_log_commit_state(dir, priv, log->name, &root, (const uint8_t *)"", 0, d);
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
