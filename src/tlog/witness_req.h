/*
 * witness_req.h - the body of a C2SP tlog-witness add-checkpoint request:
 *
 *   old <size>\n
 *   <base64 consistency proof hash>\n   (0..63 lines; none when old is 0)
 *   \n
 *   <signed checkpoint>
 *
 * Parsing is canonical (decimal without leading zeros, canonical base64
 * hashes, at most PL_PROOF_MAX lines) and capped at PL_WITNESS_REQ_MAX bytes.
 */
#ifndef PARLEY_TLOG_WITNESS_REQ_H
#define PARLEY_TLOG_WITNESS_REQ_H

#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"
#include "tlog/merkle.h"
#include "tlog/note.h"

#define PL_WITNESS_REQ_MAX (PL_NOTE_MAX + 64 * 48 + 32)

typedef struct pl_witness_req {
	uint64_t old_size;            /* size the client believes the witness has */
	pl_hash proof[PL_PROOF_MAX];  /* consistency proof from old_size */
	size_t proof_len;
	pl_span checkpoint;           /* the signed checkpoint, pointing into the input */
} pl_witness_req;

/* Parses a request body. PL_ETOOBIG past the cap, PL_EFORMAT otherwise. */
int pl_witness_req_parse(const uint8_t *p, size_t n, pl_witness_req *out) __attribute__((warn_unused_result));

/* Appends a request body. PL_EINVAL if len > PL_PROOF_MAX. */
int pl_witness_req_format(uint64_t old_size, const pl_hash *proof, size_t len, const uint8_t *checkpoint,
			  size_t checkpoint_len, pl_buf *out) __attribute__((warn_unused_result));

#endif
