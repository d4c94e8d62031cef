/* sign.c - statement envelopes signed with a party key. */
#include "statement/sign.h"

#include "statement/dsse.h"

#include <string.h>

int pl_statement_sign(const pl_party_key *k, const char *origin, const char *type, uint64_t seq, int64_t time,
		      const json_t *body, const pl_ref *refs, size_t nrefs, pl_buf *envelope)
{
	pl_buf payload;
	pl_buf_init(&payload, PL_DSSE_MAX);
	int rc = pl_stmt_build(origin, type, k->id.party, seq, time, body, refs, nrefs, &payload);
	if (rc == PL_OK) {
		const uint8_t *sks[1] = {k->secret};
		const uint8_t(*pks)[PL_ED25519_PK_SIZE] = &k->id.sign_pk;
		rc = pl_dsse_sign(PL_STATEMENT_TYPE, payload.data, payload.len, sks, pks, 1, envelope);
	}
	pl_buf_release(&payload);
	return rc;
}

int pl_statement_sign2(const pl_party_key *k, const pl_party_key *k2, const char *origin, const char *type,
		       uint64_t seq, int64_t time, const json_t *body, pl_buf *envelope)
{
	pl_buf payload;
	pl_buf_init(&payload, PL_DSSE_MAX);
	int rc = pl_stmt_build(origin, type, k->id.party, seq, time, body, NULL, 0, &payload);
	if (rc == PL_OK) {
		const uint8_t *sks[2] = {k->secret, k2->secret};
		uint8_t pks[2][PL_ED25519_PK_SIZE];
		memcpy(pks[0], k->id.sign_pk, PL_ED25519_PK_SIZE);
		memcpy(pks[1], k2->id.sign_pk, PL_ED25519_PK_SIZE);
		rc = pl_dsse_sign(PL_STATEMENT_TYPE, payload.data, payload.len, sks,
				  (const uint8_t(*)[PL_ED25519_PK_SIZE])pks, 2, envelope);
	}
	pl_buf_release(&payload);
	return rc;
}

