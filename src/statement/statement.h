/*
 * statement.h - the payload of a Parley statement
 * (application/vnd.parley.statement.v1+json), as defined in docs/statements.md:
 *
 *   {"log": ORIGIN, "type": TYPE, "author": PARTY, "seq": N, "time": RFC3339,
 *    "body": {...}, "refs": [{"index": I, "leaf": B64(leaf hash)}, ...]}
 *
 * "refs" is optional (at most PL_REFS_MAX); every other field is required and
 * no other top-level field is allowed. seq is the author's own counter
 * (1, 2, 3, ...); time is UTC to the second. This module checks the common
 * fields only; the meaning of each type's body is checked by the layer that
 * owns the type (membership: members.h; workflow types above).
 */
#ifndef PARLEY_STATEMENT_STATEMENT_H
#define PARLEY_STATEMENT_STATEMENT_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"
#include "base/err.h"
#include "statement/party.h"
#include "tlog/merkle.h"

#define PL_REFS_MAX 16
#define PL_TYPE_MAX 32
#define PL_ORIGIN_LEN_MAX 255
#define PL_SEQ_MAX ((int64_t)1 << 53)

typedef struct pl_ref {
	uint64_t index; /* log index of the entry referred to */
	pl_hash leaf;   /* its RFC 6962 leaf hash */
} pl_ref;

typedef struct pl_stmt {
	json_t *root;                     /* the parsed payload (owned) */
	char log[PL_ORIGIN_LEN_MAX + 1];
	char type[PL_TYPE_MAX + 1];
	char author[PL_PARTY_MAX + 1];
	uint64_t seq;
	int64_t time;                     /* seconds since the epoch */
	json_t *body;                     /* borrowed from root */
	pl_ref refs[PL_REFS_MAX];
	size_t nrefs;
} pl_stmt;

/* Parses a payload. PL_EFORMAT (with the field named in d) if anything is off.
 * Release with pl_stmt_release (also after failure). */
int pl_stmt_parse(const uint8_t *p, size_t n, pl_stmt *out, pl_diag *d) __attribute__((warn_unused_result));

void pl_stmt_release(pl_stmt *s);

/* True if the statement lists a reference to index (and sets *ref). */
bool pl_stmt_has_ref(const pl_stmt *s, uint64_t index, const pl_ref **ref);

/*
 * Builds a payload in the canonical field order (log, type, author, seq,
 * time, body, refs), compact JSON, appending it to out. body is borrowed
 * (NULL means {}); refs may be NULL when nrefs is 0.
 */
int pl_stmt_build(const char *log, const char *type, const char *author, uint64_t seq, int64_t time,
		  const json_t *body, const pl_ref *refs, size_t nrefs, pl_buf *out) __attribute__((warn_unused_result));

#endif
