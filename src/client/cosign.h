/*
 * cosign.h - a log asking its witnesses (C2SP tlog-witness) to cosign.
 *
 * For each witness the log remembers the size it last cosigned (learnt from
 * a 409 with text/x.tlog.size when unknown), sends add-checkpoint with the
 * consistency proof from that size, keeps every cosignature that verifies
 * under the witness's key, and backs off (1 s doubling to 60 s, or the
 * server's Retry-After) after a 429 or a failure.
 */
#ifndef PARLEY_CLIENT_COSIGN_H
#define PARLEY_CLIENT_COSIGN_H

#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"
#include "store/source.h"
#include "tlog/checkpoint.h"

typedef struct pl_cosigner {
	char url[512];          /* the witness's base URL (add-checkpoint is under it) */
	pl_verifier v;          /* its cosigning key */
	uint64_t size;          /* the size it last cosigned, as far as the log knows */
	double backoff_until;   /* monotonic seconds; no request before */
	unsigned failures;      /* consecutive failures */
	uint64_t cosigned;      /* cosignatures obtained since start */
	char last_error[256];   /* the latest failure, or "" */
} pl_cosigner;

/* Parses "VKEY@URL" into c (zeroing its state). */
int pl_cosigner_parse(const char *spec, pl_cosigner *c) __attribute__((warn_unused_result));

/*
 * One round: asks every cosigner not backing off to cosign the checkpoint
 * note (its parsed body cp; the log's tiles readable through src) and
 * appends each valid cosignature line to out. Returns how many were added.
 */
size_t pl_cosign_round(pl_cosigner *cs, size_t n, const uint8_t *note, size_t notelen, const pl_checkpoint *cp,
		       pl_source *src, pl_buf *out);

#endif
