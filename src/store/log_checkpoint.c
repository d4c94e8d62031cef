/* log_checkpoint.c - what a log signs: its checkpoints and the notes it makes
 * about itself; and the checkpoint file when its caller publishes it
 * (pl_log_checkpoint_by_caller). */
#include "store/log_impl.h"

#include "base/fsio.h"
#include "tlog/checkpoint.h"

#include <stdio.h>
#include <string.h>

int pl_log_sign_checkpoint(const pl_signer *s, uint64_t size, const pl_hash *root, pl_buf *out)
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

int pl_log_sign_note(const pl_log *l, const uint8_t *text, size_t n, pl_buf *out)
{
	if (l->signer == NULL)
		return PL_ESTATE; /* a mirror signs nothing */
	if (n >= strlen(l->signer->v.name) + 1 && memcmp(text, l->signer->v.name, strlen(l->signer->v.name)) == 0 &&
	    text[strlen(l->signer->v.name)] == '\n')
		return PL_EINVAL; /* would look like a checkpoint of this log */
	return pl_note_sign(l->signer, text, n, out);
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
