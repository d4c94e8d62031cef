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
 * add-checkpoint (pl_witness_add_checkpoint) refuses (base/refusal.h) what the
 * spec refuses: unknown_log (an origin it does not witness), not_signed_by_log
 * (no valid signature by the log's key), request_malformed (a malformed body
 * or an old size larger than the checkpoint), old_size_mismatch (the old size
 * is not the stored one; the answer carries the stored size), inconsistent
 * (the consistency proof does not verify, or the same size comes with another
 * root), witness_rate_limited (over the per-log rate); otherwise it answers
 * with the cosignature line. The HTTP adapter (http/witness_http.h) turns
 * these into the spec's statuses. Checking the old size and storing the new checkpoint is
 * one SQLite transaction (BEGIN IMMEDIATE), so concurrent requests racing for
 * the same old size cannot both win, in this process or across processes.
 */
#ifndef PARLEY_WITNESS_WITNESS_H
#define PARLEY_WITNESS_WITNESS_H

#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"
#include "base/err.h"
#include "base/refusal.h"
#include "tlog/note.h"

typedef struct pl_witness pl_witness;

/* Creates a witness directory with a fresh cosigning key named name. */
int pl_witness_init(const char *dir, const char *name, pl_diag *d) __attribute__((warn_unused_result));

/* Like pl_witness_init with a key from an Ed25519 seed (known-answer tests). */
int pl_witness_init_seeded(const char *dir, const char *name, const uint8_t seed[PL_ED25519_SEED_SIZE], pl_diag *d)
	__attribute__((warn_unused_result));

/* Opens a witness directory. rate is add-checkpoint requests per second per
 * log (0: unlimited). */
int pl_witness_open(const char *dir, double rate, pl_witness **out, pl_diag *d) __attribute__((warn_unused_result));

void pl_witness_close(pl_witness *w);

/* Appends the verifier key line of the witness directory dir (witness.vkey) to out. */
int pl_witness_read_vkey(const char *dir, pl_buf *out, pl_diag *d) __attribute__((warn_unused_result));

/* The witness's verifier (type 0x04). */
const pl_verifier *pl_witness_verifier(const pl_witness *w);

/* Starts witnessing the log whose verifier key string is vkey (its name is the
 * origin). PL_EEXIST if the origin is already configured with another key. */
int pl_witness_add_log(pl_witness *w, const char *vkey, pl_diag *d) __attribute__((warn_unused_result));

typedef struct pl_witness_answer {
	int err;                  /* PL_OK: body holds the cosignature line; PL_EREFUSED: refusal says why;
				     PL_ENOMEM, PL_EDB, PL_ECRYPTO, PL_ECORRUPT: msg says what failed */
	pl_refusal refusal;       /* with PL_EREFUSED */
	uint64_t size;            /* with PL_R_WITNESS_OLD_SIZE: the size the witness holds for the log */
	char msg[256];            /* with another error */
	pl_buf body;              /* the cosignature line */
} pl_witness_answer;

void pl_witness_answer_init(pl_witness_answer *a);
void pl_witness_answer_release(pl_witness_answer *a);

/* Handles an add-checkpoint request body; now is the cosignature time
 * (POSIX seconds). Always fills a (a->err is the outcome); returns PL_OK
 * unless storage failed (PL_EDB, also in a->err). */
int pl_witness_add_checkpoint(pl_witness *w, const uint8_t *body, size_t n, uint64_t now, pl_witness_answer *a);

/* Appends the latest checkpoint the witness cosigned for origin, with its
 * cosignature (PL_ENOTFOUND if none). */
int pl_witness_latest(pl_witness *w, const char *origin, pl_buf *out) __attribute__((warn_unused_result));

#endif
