/*
 * fuzz_proof_file.c - c2sp.org/tlog-proof@v1 files.
 *
 * The input is parsed with pl_proof_file_parse; a file that parses is
 * written back with pl_proof_file_write and verified with
 * pl_proof_file_verify (leaf: the entry in the extra line, or the empty entry
 * when there is none) under fixed policies: log example.org/fuzz (the
 * corpus's CLI-made proofs) and, when that log did not sign it, log
 * example.org/cert-log (tests/vectors); witness witness.example.org/w1 with
 * quorum 0 in both. Properties checked:
 *   - parsing is canonical: writing the parsed file gives the input back
 *     byte for byte;
 *   - the parsed fields are in range and the checkpoint is the input's tail;
 *   - both calls return only their documented codes;
 *   - a proof that verifies is for an index inside the checkpoint's tree.
 */
#include "fuzz_common.h"

#include "tlog/merkle.h"
#include "tlog/proof_file.h"

static void verify(const pl_proof_file *pf)
{
	const fz_keys *k = fz_get_keys();
	pl_hash leaf;
	if (pf->has_extra)
		pl_leaf_hash(pf->extra, pf->extra_len, &leaf);
	else
		pl_leaf_hash((const uint8_t *)"", 0, &leaf); /* the empty entry */
	pl_checkpoint cp;
	const pl_policy *pol = &k->fuzz_log;
	int rc = pl_proof_file_verify(pf, pol, &leaf, &cp);
	if (rc == PL_ENOKEY) {
		pol = &k->cert_log0;
		rc = pl_proof_file_verify(pf, pol, &leaf, &cp);
	}
	/* PL_EVERIFY for the proof, or pl_checkpoint_open's codes */
	FZ_CHECK(rc == PL_OK || rc == PL_ETOOBIG || rc == PL_EFORMAT || rc == PL_EVERIFY || rc == PL_ENOKEY);
	if (rc != PL_OK)
		return;
	FZ_CHECK(strcmp(cp.origin, pol->log.name) == 0);
	FZ_CHECK(pf->index < cp.size);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	pl_proof_file pf;
	int rc = pl_proof_file_parse(data, size, &pf);
	FZ_CHECK(rc == PL_OK || rc == PL_EFORMAT || rc == PL_ETOOBIG);
	if (size > PL_PROOF_FILE_MAX)
		FZ_CHECK(rc == PL_ETOOBIG);
	if (rc != PL_OK) {
		FZ_CHECK(pf.extra == NULL); /* nothing to release after a failure */
		return 0;
	}
	FZ_CHECK(pf.index < PL_TREE_MAX);
	FZ_CHECK(pf.proof_len <= PL_PROOF_MAX);
	FZ_CHECK(pf.has_extra == (pf.extra != NULL));
	if (pf.has_extra)
		FZ_CHECK(pf.extra_len >= 1 && pf.extra_len <= PL_PROOF_EXTRA_MAX);
	FZ_CHECK(pf.checkpoint.n > 0 && pf.checkpoint.p + pf.checkpoint.n == data + size);

	pl_buf b;
	pl_buf_init(&b, PL_PROOF_FILE_MAX);
	FZ_CHECK(pl_proof_file_write(pf.index, pf.proof, pf.proof_len, pf.has_extra ? pf.extra : NULL, pf.extra_len,
				     pf.checkpoint.p, pf.checkpoint.n, &b) == PL_OK);
	FZ_CHECK(fz_same(&b, data, size)); /* canonical round trip */
	pl_buf_release(&b);

	verify(&pf);
	pl_proof_file_release(&pf);
	return 0;
}
