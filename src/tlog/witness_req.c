/* witness_req.c - tlog-witness add-checkpoint request bodies. */
#include "tlog/witness_req.h"

#include "base/codec.h"
#include "base/cursor.h"
#include "base/err.h"

#include <string.h>

int pl_witness_req_parse(const uint8_t *p, size_t n, pl_witness_req *out)
{
	memset(out, 0, sizeof *out);
	if (n > PL_WITNESS_REQ_MAX)
		return PL_ETOOBIG;
	pl_span s = {p, n};
	pl_cursor c = pl_cursor_of(s);
	pl_span line, rest;
	if (pl_cursor_line(&c, &line) != PL_OK || !pl_span_cut_prefix(line, "old ", &rest))
		return PL_EFORMAT;
	if (pl_dec_parse(rest.p, rest.n, PL_TREE_MAX - 1, &out->old_size) != PL_OK)
		return PL_EFORMAT;
	for (;;) {
		if (pl_cursor_line(&c, &line) != PL_OK)
			return PL_EFORMAT;
		if (line.n == 0)
			break;
		if (out->proof_len == PL_PROOF_MAX)
			return PL_EFORMAT;
		if (pl_b64_decode_exact(line.p, line.n, out->proof[out->proof_len].b, PL_HASH_SIZE) != PL_OK)
			return PL_EFORMAT;
		out->proof_len++;
	}
	if (pl_cursor_done(&c))
		return PL_EFORMAT;
	out->checkpoint.p = c.p;
	out->checkpoint.n = c.n;
	return PL_OK;
}

int pl_witness_req_format(uint64_t old_size, const pl_hash *proof, size_t len, const uint8_t *checkpoint,
			  size_t checkpoint_len, pl_buf *out)
{
	if (len > PL_PROOF_MAX)
		return PL_EINVAL;
	size_t start = out->len;
	int rc = pl_buf_printf(out, "old %llu\n", (unsigned long long)old_size);
	for (size_t i = 0; rc == PL_OK && i < len; i++) {
		rc = pl_b64_append(out, proof[i].b, PL_HASH_SIZE);
		if (rc == PL_OK)
			rc = pl_buf_putc(out, '\n');
	}
	if (rc == PL_OK)
		rc = pl_buf_putc(out, '\n');
	if (rc == PL_OK)
		rc = pl_buf_append(out, checkpoint, checkpoint_len);
	if (rc != PL_OK)
		pl_buf_truncate(out, start);
	return rc;
}
