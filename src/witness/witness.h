/*
 * witness.h - a C2SP tlog-witness: cosigns the checkpoints of the logs it is
 * configured for, after checking each is consistent with the last one it
 * cosigned for that log.
 *
 * A witness directory holds:
 *   witness.key   the cosigning key (Ed25519, cosignature/v1, type 0x04), 0600
 *   witness.vkey  its verifier key, one line
 *   witness.db    SQLite (WAL, synchronous=FULL): per log its verifier key and
 *                 the latest cosigned size, root, checkpoint and cosignature;
 *                 and the evidence of refused requests that were validly signed
 *                 by a log (possible misbehaviour)
 *
 * add-checkpoint (pl_witness_add_checkpoint) answers with the statuses of the
 * spec: 404 unknown origin; 403 no valid signature by the log's key; 400 a
 * malformed body or an old size larger than the checkpoint; 409 with
 * Content-Type text/x.tlog.size and the stored size when the old size is not
 * the stored one; 422 when the consistency proof does not verify or the same
 * size comes with another root; 429 over the per-log rate; 200 with the
 * cosignature line. Checking the old size and storing the new checkpoint is
 * one SQLite transaction (BEGIN IMMEDIATE), so concurrent requests racing for
 * the same old size cannot both win, in this process or across processes.
 */
#ifndef PARLEY_WITNESS_WITNESS_H
#define PARLEY_WITNESS_WITNESS_H

#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"
#include "base/err.h"
#include "tlog/note.h"

typedef struct pl_witness pl_witness;

/* Creates a witness directory with a fresh cosigning key named name. */
int pl_witness_init(const char *dir, const char *name, pl_diag *d) __attribute__((warn_unused_result));

/* Like pl_witness_init with a key from a 32-byte seed (known-answer tests). */
int pl_witness_init_seeded(const char *dir, const char *name, const uint8_t seed[32], pl_diag *d)
	__attribute__((warn_unused_result));

/* Opens a witness directory. rate is add-checkpoint requests per second per
 * log (0: unlimited). */
int pl_witness_open(const char *dir, double rate, pl_witness **out, pl_diag *d) __attribute__((warn_unused_result));

void pl_witness_close(pl_witness *w);

/* The witness's verifier (type 0x04). */
const pl_verifier *pl_witness_verifier(const pl_witness *w);

/* Starts witnessing the log whose verifier key string is vkey (its name is the
 * origin). PL_EEXIST if the origin is already configured with another key. */
int pl_witness_add_log(pl_witness *w, const char *vkey, pl_diag *d) __attribute__((warn_unused_result));

typedef struct pl_witness_answer {
	int status;               /* HTTP status */
	const char *content_type; /* of body */
	pl_buf body;              /* response body */
	unsigned retry_after;     /* for 429 */
} pl_witness_answer;

void pl_witness_answer_init(pl_witness_answer *a);
void pl_witness_answer_release(pl_witness_answer *a);

/* Handles an add-checkpoint request body; now is the cosignature time
 * (POSIX seconds). Always fills a; returns PL_OK unless storage failed. */
int pl_witness_add_checkpoint(pl_witness *w, const uint8_t *body, size_t n, uint64_t now, pl_witness_answer *a);

/* Appends the latest checkpoint the witness cosigned for origin, with its
 * cosignature (PL_ENOTFOUND if none). */
int pl_witness_latest(pl_witness *w, const char *origin, pl_buf *out) __attribute__((warn_unused_result));

#endif
