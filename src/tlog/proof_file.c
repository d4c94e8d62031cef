/* proof_file.c - C2SP tlog-proof parse, write and verify. */
#include "tlog/proof_file.h"

#include "base/codec.h"
#include "base/cursor.h"
#include "base/err.h"

#include <stdlib.h>
#include <string.h>

static const char MAGIC[] = "c2sp.org/tlog-proof@v1";

int pl_proof_file_parse(const uint8_t *p, size_t n, pl_proof_file *out)
{
	memset(out, 0, sizeof *out);
	if (n > PL_PROOF_FILE_MAX)
		return PL_ETOOBIG;
	pl_span s = {p, n};
	pl_cursor c = pl_cursor_of(s);
	pl_span line, rest;
	int rc = PL_EFORMAT;
	if (pl_cursor_line(&c, &line) != PL_OK || !pl_span_eq(line, MAGIC))
		goto fail;
	if (pl_cursor_line(&c, &line) != PL_OK)
		goto fail;
	if (pl_span_cut_prefix(line, "extra ", &rest)) {
		if (rest.n == 0 || rest.n > pl_b64_len(PL_PROOF_EXTRA_MAX))
			goto fail;
		out->extra = malloc(rest.n / 4 * 3 + 1);
		if (out->extra == NULL) {
			rc = PL_ENOMEM;
			goto fail;
		}
		if (pl_b64_decode(rest.p, rest.n, out->extra, rest.n / 4 * 3, &out->extra_len) != PL_OK)
			goto fail;
		out->has_extra = true;
		if (pl_cursor_line(&c, &line) != PL_OK)
			goto fail;
	}
	if (!pl_span_cut_prefix(line, "index ", &rest))
		goto fail;
	if (pl_dec_parse(rest.p, rest.n, PL_TREE_MAX - 1, &out->index) != PL_OK)
		goto fail;
	for (;;) {
		if (pl_cursor_line(&c, &line) != PL_OK)
			goto fail;
		if (line.n == 0)
			break;
		if (out->proof_len == PL_PROOF_MAX)
			goto fail;
		if (pl_b64_decode_exact(line.p, line.n, out->proof[out->proof_len].b, PL_HASH_SIZE) != PL_OK)
			goto fail;
		out->proof_len++;
	}
	if (pl_cursor_done(&c))
		goto fail; /* no checkpoint */
	out->checkpoint.p = c.p;
	out->checkpoint.n = c.n;
	return PL_OK;
fail:
	pl_proof_file_release(out);
	return rc;
}

void pl_proof_file_release(pl_proof_file *pf)
{
	free(pf->extra);
	pf->extra = NULL;
	pf->extra_len = 0;
	pf->has_extra = false;
}

int pl_proof_file_write(uint64_t index, const pl_hash *proof, size_t len, const uint8_t *extra, size_t extra_len,
			const uint8_t *checkpoint, size_t checkpoint_len, pl_buf *out)
{
	if (len > PL_PROOF_MAX || (extra != NULL && (extra_len == 0 || extra_len > PL_PROOF_EXTRA_MAX)))
		return PL_EINVAL;
	size_t start = out->len;
	int rc = pl_buf_printf(out, "%s\n", MAGIC);
	if (rc == PL_OK && extra != NULL) {
		rc = pl_buf_puts(out, "extra ");
		if (rc == PL_OK)
			rc = pl_b64_append(out, extra, extra_len);
		if (rc == PL_OK)
			rc = pl_buf_putc(out, '\n');
	}
	if (rc == PL_OK)
		rc = pl_buf_printf(out, "index %llu\n", (unsigned long long)index);
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

int pl_proof_file_verify(const pl_proof_file *pf, const pl_policy *pol, const pl_hash *leaf, pl_checkpoint *cp)
{
	pl_checkpoint c;
	int rc = pl_checkpoint_open(pf->checkpoint.p, pf->checkpoint.n, pol, &c, NULL, NULL);
	if (rc != PL_OK)
		return rc;
	rc = pl_verify_inclusion(pf->index, c.size, leaf, pf->proof, pf->proof_len, &c.root);
	if (rc != PL_OK)
		return rc;
	if (cp)
		*cp = c;
	return PL_OK;
}

int pl_proof_file_check(const uint8_t *file, size_t n, const char *name, const pl_span *entry, const char *what,
			const pl_policy *pol, uint64_t *index, pl_checkpoint *cp, pl_diag *d)
{
	pl_proof_file pf;
	int rc = pl_proof_file_parse(file, n, &pf);
	if (rc != PL_OK)
		return pl_diag_set(d, rc, "%s is not a well-formed c2sp.org/tlog-proof@v1 file", name);
	/* (an extra is never empty: a given entry that is compares different without memcmp) */
	if (entry != NULL && pf.has_extra && (pf.extra_len != entry->n || memcmp(pf.extra, entry->p, entry->n) != 0)) {
		rc = pl_diag_set(d, PL_EVERIFY, "the proof carries an entry different from %s", what);
		goto out;
	}
	if (entry == NULL && !pf.has_extra) {
		rc = pl_diag_set(d, PL_EINVAL, "the proof carries no entry; give it with %s", what);
		goto out;
	}
	pl_hash leaf;
	if (entry != NULL)
		pl_leaf_hash(entry->p, entry->n, &leaf);
	else
		pl_leaf_hash(pf.extra, pf.extra_len, &leaf);
	pl_checkpoint c;
	rc = pl_proof_file_verify(&pf, pol, &leaf, &c);
	if (rc == PL_EVERIFY)
		pl_diag_set(d, rc, "the proof does not verify: entry %llu is not included with that content, or "
			    "the checkpoint signature is bad", (unsigned long long)pf.index);
	else if (rc == PL_ENOKEY)
		pl_diag_set(d, rc, "the checkpoint is not signed by %s", pol->log.name);
	else if (rc != PL_OK)
		pl_diag_set(d, rc, "the proof's checkpoint is malformed");
	if (rc == PL_OK && index != NULL)
		*index = pf.index;
	if (rc == PL_OK && cp != NULL)
		*cp = c;
out:
	pl_proof_file_release(&pf);
	return rc;
}
