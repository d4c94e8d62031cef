/*
 * fork.h - proofs that a log signed two checkpoints that cannot both be true.
 *
 * A fork proof is self-contained and verifiable offline by anyone who knows
 * the log's verifier key:
 *
 *   parley.fork-proof/v1
 *   vkey <the log's verifier key>
 *   a <base64 of signed checkpoint A>
 *   b <base64 of signed checkpoint B>
 *   prefix <base64 root R>          (only when A is larger than B)
 *   proof <base64 hash>             (0..63 lines, only with prefix)
 *
 * Two kinds:
 *   same size: A and B have the same size and different roots;
 *   prefix:    A is larger than B, `proof` is a valid RFC 6962 consistency
 *              proof from (B.size, R) to (A.size, A.root), and R differs from
 *              B.root: A says the first B.size entries hash to R, B says they
 *              hash to something else.
 * Both checkpoints must carry valid signatures by the log key. Two
 * consistent checkpoints can never make a proof that verifies.
 */
#ifndef PARLEY_TLOG_FORK_H
#define PARLEY_TLOG_FORK_H

#include <stddef.h>

#include "base/buf.h"
#include "base/err.h"
#include "tlog/checkpoint.h"

#define PL_FORK_PROOF_MAX (4 * PL_NOTE_MAX)

typedef struct pl_fork {
	pl_verifier log;       /* the log's key */
	pl_checkpoint a, b;    /* the two checkpoints, parsed */
	bool prefix;           /* kind: prefix (else same size) */
} pl_fork;

/* Writes a same-size fork proof (A and B: signed checkpoints). */
int pl_fork_write_same_size(const pl_verifier *log, const uint8_t *a, size_t an, const uint8_t *b, size_t bn,
			    pl_buf *out) __attribute__((warn_unused_result));

/* Writes a prefix fork proof: A larger than B; R the root of A's first
 * B.size entries with its consistency proof to A. */
int pl_fork_write_prefix(const pl_verifier *log, const uint8_t *a, size_t an, const uint8_t *b, size_t bn,
			 const pl_hash *r, const pl_hash *proof, size_t len, pl_buf *out) __attribute__((warn_unused_result));

/*
 * Verifies a fork proof. With log non-NULL the proof's key must be that key.
 * PL_OK only if it proves a fork (fork filled); PL_EVERIFY if it does not
 * (consistent checkpoints, a bad signature, a proof that does not verify);
 * PL_EFORMAT if malformed.
 */
int pl_fork_verify(const uint8_t *p, size_t n, const pl_verifier *log, pl_fork *fork, pl_diag *d)
	__attribute__((warn_unused_result));

#endif
