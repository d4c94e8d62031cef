/*
 * fuzz_identity.c - identity documents (pl_identity_parse).
 *
 * Properties: PL_OK, PL_EFORMAT, PL_ETOOBIG or PL_EVERIFY only; an accepted
 * identity has a valid party name and a proof that checks, and formats back
 * to a document that parses to the same identity.
 */
#include "fuzz_common.h"

#include "statement/party.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	pl_identity id;
	int rc = pl_identity_parse(data, size, &id, NULL);
	FZ_CHECK(rc == PL_OK || rc == PL_EFORMAT || rc == PL_ETOOBIG || rc == PL_EVERIFY);
	if (rc != PL_OK)
		return 0;
	FZ_CHECK(pl_party_name_valid(id.party, strlen(id.party)));
	FZ_CHECK(pl_identity_check(&id) == PL_OK);
	pl_buf b;
	pl_buf_init(&b, PL_IDENTITY_MAX);
	FZ_CHECK(pl_identity_format(&id, &b) == PL_OK);
	pl_identity back;
	FZ_CHECK(pl_identity_parse(b.data, b.len, &back, NULL) == PL_OK);
	FZ_CHECK(memcmp(&back, &id, sizeof id) == 0);
	pl_buf_release(&b);
	return 0;
}
