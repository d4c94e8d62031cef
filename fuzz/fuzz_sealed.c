/*
 * fuzz_sealed.c - sealed blobs opened by a recipient (pl_unseal,
 * pl_seal_header) from arbitrary bytes.
 *
 * The recipient is a fixed party ("fz.party", keys from fixed seeds). The
 * corpus carries blobs really sealed to it (make_corpus.py) and near-misses.
 * Properties: the outcome is PL_OK or one of PL_EFORMAT, PL_ENOKEY,
 * PL_EVERIFY; on PL_OK the plaintext written has the digest and size
 * reported, and the sealed digest is the input's; nothing is read past the
 * input.
 */
#include "fuzz_common.h"

#include "evidence/seal.h"

#include <stdlib.h>

static pl_party_key *recipient(void)
{
	static pl_party_key *k;
	if (k == NULL) {
		uint8_t seed[PL_ED25519_SEED_SIZE], box[PL_X25519_SK_SIZE];
		pl_sha256("fuzz party seed", 15, seed);
		pl_sha256("fuzz box seed", 13, box);
		FZ_CHECK(pl_party_key_from_seeds("fz.party", seed, box, &k, NULL) == PL_OK);
	}
	return k;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size == 0)
		return 0;
	FILE *in = fmemopen((void *)(uintptr_t)data, size, "rb");
	char *plain = NULL;
	size_t pn = 0;
	FILE *out = open_memstream(&plain, &pn);
	FZ_CHECK(in != NULL && out != NULL);
	pl_seal_digest dg;
	int rc = pl_unseal(in, out, recipient(), NULL, &dg, NULL);
	fclose(out);
	FZ_CHECK(rc == PL_OK || rc == PL_EFORMAT || rc == PL_ENOKEY || rc == PL_EVERIFY);
	if (rc == PL_OK) {
		uint8_t h[PL_SHA256_SIZE];
		pl_sha256(plain, pn, h);
		FZ_CHECK(memcmp(h, dg.plain, PL_SHA256_SIZE) == 0 && dg.plain_size == pn);
		pl_sha256(data, size, h);
		FZ_CHECK(memcmp(h, dg.sealed, PL_SHA256_SIZE) == 0 && dg.sealed_size == size);
	}
	free(plain);
	fclose(in);
	static pl_seal_head h;
	int version = 0;
	rc = pl_seal_header(data, size, &h, &version, NULL);
	FZ_CHECK(rc == PL_OK || rc == PL_EFORMAT);
	if (rc == PL_OK) {
		FZ_CHECK((version == 1 || version == 2) && h.n >= 1 && h.n <= PL_SEAL_RECIPIENTS_MAX && h.len <= size);
		for (size_t i = 0; i < h.n; i++)
			FZ_CHECK(h.e[i].type != PL_SEAL_PARTY || pl_party_name_valid(h.e[i].party, strlen(h.e[i].party)));
	}
	return 0;
}
