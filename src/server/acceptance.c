/*
 * acceptance.c - the log's signed word that it took a statement (docs/api.md):
 *   parley.acceptance/v1 \n ORIGIN \n INDEX \n base64(LEAF) \n TIME \n
 * signed with the log's key. Its first line can never be a checkpoint's, so
 * it is never mistaken for one; an accepted statement that never appears at
 * its index is provable misbehaviour.
 */
#include "server/node_impl.h"

#include "base/codec.h"
#include "base/timefmt.h"

#include <stdio.h>

void pl_node_acceptance(pl_node *n, uint64_t index, const pl_hash *leaf, pl_buf *out)
{
	char ts[PL_TIME_LEN + 1], lb[PL_HASH_B64_LEN + 1];
	pl_time_format(pl_now(), ts);
	pl_b64_encode(leaf->b, PL_HASH_SIZE, lb);
	char text[512];
	int w = snprintf(text, sizeof text, "parley.acceptance/v1\n%s\n%llu\n%s\n%s\n", n->origin,
			 (unsigned long long)index, lb, ts);
	pl_buf_reset(out);
	if (w > 0 && (size_t)w < sizeof text && pl_log_sign_note(n->log, (const uint8_t *)text, (size_t)w, out) != PL_OK)
		pl_buf_reset(out);
}
