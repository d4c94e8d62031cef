/*
 * acceptance.c - the log's signed word that it took a batch (docs/api.md,
 * "Acceptances"): once per staged batch, on the sequencer's thread, one note
 *   parley.batch-acceptance/v1 \n ORIGIN \n FIRST \n COUNT \n base64(ROOT) \n TIME \n
 * signed with the log's key over the RFC 6962 root of the batch's leaves
 * (tlog/acceptance.h), and for each statement its inclusion path in that
 * tree. One Ed25519 signature per batch instead of one per statement; the
 * note binds the log to every leaf of the batch at its index exactly as a
 * per-statement acceptance did.
 */
#include "server/node_impl.h"

#include "base/timefmt.h"
#include "tlog/acceptance.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void pl_node_accept_batch(pl_node *n, job *const *jobs, size_t k, uint64_t first)
{
	pl_batch_tree t;
	memset(&t, 0, sizeof t);
	pl_buf note, text;
	pl_buf_init(&note, PL_NOTE_MAX);
	pl_buf_init(&text, PL_ACCEPT_TEXT_MAX);
	pl_hash *leaves = malloc(k * sizeof *leaves);
	bool ok = false;
	if (leaves == NULL)
		goto out;
	for (size_t i = 0; i < k; i++)
		leaves[i] = jobs[i]->sub.leaf;
	if (pl_batch_tree_build(&t, leaves, k) != PL_OK)
		goto out;
	pl_acceptance a;
	memset(&a, 0, sizeof a);
	a.form = PL_ACCEPT_BATCH;
	snprintf(a.origin, sizeof a.origin, "%s", n->origin);
	a.first = first;
	a.count = k;
	pl_batch_tree_root(&t, &a.hash);
	pl_time_format(pl_now(), a.time);
	if (pl_acceptance_format(&a, &text) != PL_OK || pl_log_sign_note(n->log, text.data, text.len, &note) != PL_OK)
		goto out;
	ok = true;
out:
	for (size_t i = 0; i < k; i++) {
		pl_node_result *r = jobs[i]->res;
		pl_buf_reset(&r->acceptance);
		r->path_len = 0;
		if (!ok)
			continue;
		/* a result left without its note or path is answered with an empty acceptance (docs/api.md) */
		if (pl_buf_append(&r->acceptance, note.data, note.len) != PL_OK ||
		    pl_batch_tree_path(&t, i, r->path, &r->path_len) != PL_OK) {
			pl_buf_reset(&r->acceptance);
			r->path_len = 0;
		}
	}
	pl_batch_tree_release(&t);
	free(leaves);
	pl_buf_release(&text);
	pl_buf_release(&note);
}
