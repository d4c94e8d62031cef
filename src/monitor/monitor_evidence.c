/* monitor_evidence.c - checkpoints compared, and forks proved (monitor_impl.h). */
#include "monitor/monitor_impl.h"

#include "client/http_source.h"
#include "tlog/fork.h"
#include "tlog/tile.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int root_and_proof(pl_source *s, uint64_t tree, uint64_t at, pl_hash *root, pl_hash *proof, size_t *len)
{
	pl_tile_reader *tr = malloc(sizeof *tr);
	if (tr == NULL)
		return PL_ENOMEM;
	pl_tile_reader_init(tr, tree, pl_source_fetch_tile, s);
	pl_hash_reader hr = pl_tile_reader_as_hash_reader(tr);
	int rc = pl_tree_root(&hr, at, root);
	if (rc == PL_OK)
		rc = pl_prove_consistency(&hr, at, tree, proof, len);
	free(tr);
	return rc;
}

/* The mirror's checkpoint A (size a) against a smaller signed checkpoint B. */
void pl_monitor_compare_smaller(pl_monitor *m, const pl_checkpoint *b, const pl_span bnote, const char *who,
			    pl_monitor_result *r)
{
	pl_span anote = pl_log_checkpoint(m->mirror);
	uint64_t asize = pl_log_size(m->mirror);
	pl_hash root, proof[PL_PROOF_MAX];
	size_t len = 0;
	if (root_and_proof(m->local, asize, b->size, &root, proof, &len) != PL_OK) {
		pl_monitor_finding(r, PL_FINDING_PROBLEM, "cannot read the mirror's own tiles.");
		return;
	}
	if (pl_hash_eq(&root, &b->root)) {
		if (strcmp(who, "the log") == 0)
			pl_monitor_finding(r, PL_FINDING_PROBLEM, "the log showed an older checkpoint (size %llu) than one it signed "
				"before (size %llu).", (unsigned long long)b->size, (unsigned long long)asize);
		return;
	}
	pl_buf_reset(&r->fork_proof);
	if (pl_fork_write_prefix(&m->o.policy.log, anote.p, anote.n, bnote.p, bnote.n, &root, proof, len,
				 &r->fork_proof) == PL_OK)
		pl_monitor_finding(r, PL_FINDING_FORK, "FORK: %s holds a checkpoint of size %llu that is not a prefix of the "
			"log's checkpoint of size %llu.", who, (unsigned long long)b->size, (unsigned long long)asize);
}

void pl_monitor_same_size(pl_monitor *m, const pl_span bnote, const char *who, pl_monitor_result *r)
{
	pl_span anote = pl_log_checkpoint(m->mirror);
	pl_buf_reset(&r->fork_proof);
	if (pl_fork_write_same_size(&m->o.policy.log, anote.p, anote.n, bnote.p, bnote.n, &r->fork_proof) == PL_OK)
		pl_monitor_finding(r, PL_FINDING_FORK, "FORK: %s holds a checkpoint of size %llu with another root than the "
			"log's.", who, (unsigned long long)pl_log_size(m->mirror));
}

/* Checks that a larger checkpoint extends the mirror's, with a consistency
 * proof built from the log's own tiles; records a fork or a problem and
 * returns false if it does not. */
bool pl_monitor_extends(pl_monitor *m, const pl_checkpoint *cp, pl_span note, pl_monitor_result *r)
{
	uint64_t t = pl_log_size(m->mirror);
	if (t == 0)
		return true;
	pl_hash root, proof[PL_PROOF_MAX];
	size_t len = 0;
	if (root_and_proof(m->remote, cp->size, t, &root, proof, &len) != PL_OK ||
	    pl_verify_consistency(t, cp->size, &root, &cp->root, proof, len) != PL_OK) {
		pl_monitor_finding(r, PL_FINDING_PROBLEM, "the log's tiles do not make the tree its checkpoint of size %llu signs.",
			(unsigned long long)cp->size);
		return false;
	}
	pl_checkpoint mine;
	pl_span mnote = pl_log_checkpoint(m->mirror);
	pl_policy pol;
	pl_policy_init(&pol, &m->o.policy.log);
	if (pl_checkpoint_open(mnote.p, mnote.n, &pol, &mine, NULL, NULL) != PL_OK)
		return false;
	if (pl_hash_eq(&root, &mine.root))
		return true;
	pl_buf_reset(&r->fork_proof);
	if (pl_fork_write_prefix(&m->o.policy.log, note.p, note.n, mnote.p, mnote.n, &root, proof, len, &r->fork_proof) ==
	    PL_OK)
		pl_monitor_finding(r, PL_FINDING_FORK, "FORK: the log's checkpoint of size %llu does not extend the one of size %llu "
			"it signed before.", (unsigned long long)cp->size, (unsigned long long)t);
	return false;
}

/* The new checkpoint did not match the entries: find out who is wrong. */
void pl_monitor_analyse_mismatch(pl_monitor *m, const pl_checkpoint *cp, pl_span note, pl_monitor_result *r)
{
	uint64_t t = pl_log_size(m->mirror);
	pl_hash root, proof[PL_PROOF_MAX];
	size_t len = 0;
	if (t == 0 || root_and_proof(m->remote, cp->size, t, &root, proof, &len) != PL_OK ||
	    pl_verify_consistency(t, cp->size, &root, &cp->root, proof, len) != PL_OK) {
		pl_monitor_finding(r, PL_FINDING_PROBLEM, "the log's tiles do not make the tree its checkpoint of size %llu signs.",
			(unsigned long long)cp->size);
		return;
	}
	pl_checkpoint mine;
	pl_span mnote = pl_log_checkpoint(m->mirror);
	pl_policy pol;
	pl_policy_init(&pol, &m->o.policy.log);
	if (pl_checkpoint_open(mnote.p, mnote.n, &pol, &mine, NULL, NULL) != PL_OK)
		return;
	if (pl_hash_eq(&root, &mine.root)) {
		pl_monitor_finding(r, PL_FINDING_PROBLEM, "the log served entry bundles that its own tiles do not hash to.");
		return;
	}
	pl_buf_reset(&r->fork_proof);
	if (pl_fork_write_prefix(&m->o.policy.log, note.p, note.n, mnote.p, mnote.n, &root, proof, len, &r->fork_proof) ==
	    PL_OK)
		pl_monitor_finding(r, PL_FINDING_FORK, "FORK: the log's checkpoint of size %llu does not extend the one of size %llu "
			"it signed before.", (unsigned long long)cp->size, (unsigned long long)t);
}

void pl_monitor_ask_witnesses(pl_monitor *m, pl_monitor_result *r)
{
	for (size_t i = 0; i < m->o.nwitnesses; i++) {
		pl_monitor_witness *w = &m->o.witnesses[i];
		pl_source *s = NULL;
		pl_buf note;
		pl_buf_init(&note, PL_NOTE_MAX);
		char path[512];
		snprintf(path, sizeof path, "checkpoint?origin=%s", m->o.policy.log.name);
		pl_diag wd = {0};
		int grc = pl_source_open_any(w->url, &s, &wd);
		if (grc == PL_OK)
			grc = pl_source_get(s, path, PL_NOTE_MAX, &note, &wd);
		if (grc == PL_ENOTFOUND) {
			pl_monitor_finding(r, PL_FINDING_PROBLEM,
				"the witness %s answered but holds no checkpoint of this log: the log does not (yet) "
				"ask it to cosign (is it among the server's --witness?).", w->v.name);
			goto next;
		}
		if (grc != PL_OK) {
			pl_monitor_finding(r, PL_FINDING_PROBLEM, "the witness %s could not be asked: %s.", w->v.name,
				pl_diag_text(&wd, grc));
			goto next;
		}
		pl_policy pol;
		pl_policy_init(&pol, &m->o.policy.log);
		pl_checkpoint wc;
		if (pl_checkpoint_open(note.data, note.len, &pol, &wc, NULL, NULL) != PL_OK) {
			pl_monitor_finding(r, PL_FINDING_PROBLEM, "the witness %s holds a checkpoint not signed by the log.", w->v.name);
			goto next;
		}
		uint64_t size = pl_log_size(m->mirror);
		pl_span wn = pl_buf_span(&note);
		char who[PL_KEYNAME_MAX + 16];
		snprintf(who, sizeof who, "the witness %s", w->v.name);
		if (wc.size == size) {
			pl_checkpoint mine;
			pl_span mn = pl_log_checkpoint(m->mirror);
			if (mn.n > 0 && pl_checkpoint_open(mn.p, mn.n, &pol, &mine, NULL, NULL) == PL_OK &&
			    !pl_hash_eq(&mine.root, &wc.root))
				pl_monitor_same_size(m, wn, who, r);
		} else if (wc.size < size) {
			pl_monitor_compare_smaller(m, &wc, wn, who, r);
		} else {
			pl_monitor_finding(r, PL_FINDING_PROBLEM, "the witness %s cosigned a checkpoint of size %llu; the log showed "
				"this monitor only %llu (a split view?).", w->v.name, (unsigned long long)wc.size,
				(unsigned long long)size);
		}
	next:
		pl_source_free(s);
		pl_buf_release(&note);
	}
}

void pl_monitor_contradiction(pl_monitor *m, const pl_checkpoint *cp, pl_span note, const char *who, pl_monitor_result *r)
{
	uint64_t size = pl_log_size(m->mirror);
	if (size == 0)
		return;
	if (cp->size < size) {
		pl_monitor_compare_smaller(m, cp, note, who, r);
	} else if (cp->size == size) {
		pl_checkpoint mine;
		pl_span mn = pl_log_checkpoint(m->mirror);
		pl_policy pol;
		pl_policy_init(&pol, &m->o.policy.log);
		if (pl_checkpoint_open(mn.p, mn.n, &pol, &mine, NULL, NULL) == PL_OK && !pl_hash_eq(&mine.root, &cp->root))
			pl_monitor_same_size(m, note, who, r);
	} else {
		(void)pl_monitor_extends(m, cp, note, r);
	}
}
