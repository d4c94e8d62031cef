/*
 * fuzz_disclosure.c - disclosure and proof files (client/disclosure.h) from
 * arbitrary bytes, checked under the policy of example.org/fuzz (quorum 0,
 * witness w1). The corpus (make_disclosure_corpus.c) holds a disclosure, a
 * box proof and a key proof that check, over a log signed with the fixed
 * key. Properties:
 *   - pl_dfile_parse returns PL_OK, PL_EFORMAT or PL_ETOOBIG (always
 *     PL_ETOOBIG past PL_DFILE_MAX); on PL_OK the parts are non-empty
 *     spans of the input within their caps, and writing them gives the
 *     input back byte for byte;
 *   - pl_dfile_check returns only its documented codes, PL_EFORMAT or
 *     PL_ETOOBIG whenever the framing did not parse; on PL_OK the result
 *     is a disclosure with fields or a proof with a fault, for an index
 *     inside the checkpoint's tree, its author key entry before it.
 */
#include "fuzz_common.h"

#include "client/disclosure.h"

static bool inside(pl_span s, const uint8_t *data, size_t size)
{
	return s.n == 0 || (s.p >= data && s.p + s.n <= data + size);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	pl_dfile f;
	int parsed = pl_dfile_parse(data, size, &f, NULL);
	FZ_CHECK(parsed == PL_OK || parsed == PL_EFORMAT || parsed == PL_ETOOBIG);
	if (size > PL_DFILE_MAX)
		FZ_CHECK(parsed == PL_ETOOBIG);
	if (parsed == PL_OK) {
		FZ_CHECK(f.statement.n > 0 && f.author.n > 0 && f.block.n > 0);
		FZ_CHECK(f.statement.n <= PL_DFILE_PART_MAX && f.author.n <= PL_DFILE_PART_MAX &&
			 f.reader.n <= PL_DFILE_PART_MAX && f.block.n <= PL_DISCLOSURE_MAX);
		FZ_CHECK(inside(f.statement, data, size) && inside(f.author, data, size) && inside(f.reader, data, size) &&
			 inside(f.block, data, size));
		pl_buf again;
		pl_buf_init(&again, PL_DFILE_MAX);
		FZ_CHECK(pl_dfile_write(&f, &again) == PL_OK && fz_same(&again, data, size));
		pl_buf_release(&again);
	}
	const fz_keys *k = fz_get_keys();
	pl_dfile_result r;
	int rc = pl_dfile_check(data, size, &k->fuzz_log, &r, NULL);
	FZ_CHECK(rc == PL_OK || rc == PL_EFORMAT || rc == PL_ETOOBIG || rc == PL_ENOKEY || rc == PL_EVERIFY);
	if (parsed != PL_OK)
		FZ_CHECK(rc == parsed);
	if (rc == PL_OK) {
		FZ_CHECK(r.index < r.tree_size && r.author_key < r.index && r.head != NULL);
		if (r.kind == PL_DFILE_DISCLOSURE)
			FZ_CHECK(r.fields != NULL && r.fault == PL_SEALED_FAULT_NONE);
		else
			FZ_CHECK(r.kind == PL_DFILE_PROOF && r.fault != PL_SEALED_FAULT_NONE && r.fields == NULL);
	}
	pl_dfile_result_release(&r);
	return 0;
}
