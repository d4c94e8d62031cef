/*
 * fuzz_checkpoint.c - checkpoint bodies and signed checkpoints.
 *
 * The input is parsed as a checkpoint body (pl_checkpoint_parse) and opened
 * as a signed checkpoint (pl_checkpoint_open) under a fixed policy: log key
 * example.org/cert-log, witness witness.example.org/w1, quorum 1 (the keys of
 * tests/vectors). Properties checked:
 *   - a body that parses is canonical: pl_checkpoint_format reproduces the
 *     input byte for byte;
 *   - both calls return only their documented codes;
 *   - a checkpoint that opens has the log's origin, met the quorum, and its
 *     note text is exactly the formatted checkpoint.
 */
#include "fuzz_common.h"

#include "tlog/merkle.h"

static void fuzz_parse(const uint8_t *data, size_t size)
{
	pl_checkpoint cp;
	int rc = pl_checkpoint_parse(data, size, &cp);
	FZ_CHECK(rc == PL_OK || rc == PL_EFORMAT || rc == PL_ERANGE);
	if (rc != PL_OK)
		return;
	FZ_CHECK(cp.size < PL_TREE_MAX);
	FZ_CHECK(cp.origin[0] != '\0' && strlen(cp.origin) <= PL_ORIGIN_MAX);
	pl_buf b;
	pl_buf_init(&b, 1024);
	FZ_CHECK(pl_checkpoint_format(&cp, &b) == PL_OK);
	FZ_CHECK(fz_same(&b, data, size)); /* canonical round trip */
	pl_buf_release(&b);
}

static void fuzz_open(const uint8_t *data, size_t size)
{
	const fz_keys *k = fz_get_keys();
	const pl_policy *pol = &k->cert_log;
	pl_checkpoint cp;
	pl_note note;
	size_t nwit = 99;
	int rc = pl_checkpoint_open(data, size, pol, &cp, &note, &nwit);
	/* pl_note_open's codes, plus PL_EFORMAT (bad body) and PL_EVERIFY (origin) */
	FZ_CHECK(rc == PL_OK || rc == PL_ETOOBIG || rc == PL_EFORMAT || rc == PL_EVERIFY || rc == PL_ENOKEY);
	FZ_CHECK(nwit <= pol->nwitnesses);
	if (rc != PL_OK)
		return;
	FZ_CHECK(nwit >= pol->quorum);
	FZ_CHECK(strcmp(cp.origin, pol->log.name) == 0);
	FZ_CHECK(pl_note_signed_by(&note, 0));
	FZ_CHECK(note.text.p == data && note.text.n < size);
	pl_buf b;
	pl_buf_init(&b, PL_NOTE_MAX);
	FZ_CHECK(pl_checkpoint_format(&cp, &b) == PL_OK);
	FZ_CHECK(fz_same(&b, note.text.p, note.text.n));
	pl_buf_release(&b);
	/* the same input also opens under a quorum-0 policy, with the same result */
	pl_checkpoint cp0;
	FZ_CHECK(pl_checkpoint_open(data, size, &k->cert_log0, &cp0, NULL, NULL) == PL_OK);
	FZ_CHECK(cp0.size == cp.size && pl_hash_eq(&cp0.root, &cp.root) && strcmp(cp0.origin, cp.origin) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_parse(data, size);
	fuzz_open(data, size);
	return 0;
}
