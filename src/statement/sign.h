/*
 * sign.h - signing statements with a party's key: the canonical payload
 * (statement.h) wrapped in a DSSE envelope (dsse.h).
 */
#ifndef PARLEY_STATEMENT_SIGN_H
#define PARLEY_STATEMENT_SIGN_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"
#include "statement/party.h"
#include "statement/statement.h"

/* Builds and signs a statement envelope with k for the log named origin. */
int pl_statement_sign(const pl_party_key *k, const char *origin, const char *type, uint64_t seq, int64_t time,
		      const json_t *body, const pl_ref *refs, size_t nrefs, pl_buf *envelope)
	__attribute__((warn_unused_result));

/* Like pl_statement_sign with a second signature by k2 (key rotation). */
int pl_statement_sign2(const pl_party_key *k, const pl_party_key *k2, const char *origin, const char *type,
		       uint64_t seq, int64_t time, const json_t *body, pl_buf *envelope) __attribute__((warn_unused_result));

#endif
