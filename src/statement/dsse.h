/*
 * dsse.h - DSSE v1 envelopes (github.com/secure-systems-lab/dsse) signed
 * with Ed25519 over PAE.
 *
 *   PAE(type, body) = "DSSEv1" SP LEN(type) SP type SP LEN(body) SP body
 *   envelope = {"payloadType": T, "payload": B64(body),
 *               "signatures": [{"keyid": K, "sig": B64(Ed25519(PAE))}, ...]}
 *
 * Parley's envelopes carry one signature (two for a key rotation: the old key
 * and the new). keyid is a hint only: the first 8 bytes of SHA-256 of the
 * public key, in hex; verification never trusts it. An envelope is a log
 * entry exactly as submitted, so it is limited to 65535 bytes; the parser is
 * strict (no unknown fields, canonical base64, 1-2 signatures).
 */
#ifndef PARLEY_STATEMENT_DSSE_H
#define PARLEY_STATEMENT_DSSE_H

#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"
#include "base/err.h"

#define PL_DSSE_MAX 65535
#define PL_DSSE_SIGS_MAX 2
#define PL_DSSE_TYPE_MAX 128
#define PL_STATEMENT_TYPE "application/vnd.parley.statement.v1+json"

typedef struct pl_dsse_sig {
	char keyid[17];    /* hex hint, or "" */
	uint8_t sig[64];   /* Ed25519 signature over PAE */
} pl_dsse_sig;

typedef struct pl_envelope {
	char payload_type[PL_DSSE_TYPE_MAX + 1];
	uint8_t *payload;  /* decoded payload (heap; pl_envelope_release frees) */
	size_t payload_len;
	pl_dsse_sig sigs[PL_DSSE_SIGS_MAX];
	size_t nsigs;
} pl_envelope;

/* Appends PAE(type, body) to out. */
int pl_dsse_pae(const char *type, const uint8_t *body, size_t n, pl_buf *out) __attribute__((warn_unused_result));

/* The keyid hint of an Ed25519 public key. */
void pl_dsse_keyid(const uint8_t pk[32], char out[17]);

/*
 * Signs payload with each of the nkeys secret keys (libsodium Ed25519
 * secret keys, 64 bytes; their public keys in pks) and appends the envelope
 * JSON to out. PL_ETOOBIG if it would exceed PL_DSSE_MAX.
 */
int pl_dsse_sign(const char *type, const uint8_t *payload, size_t n, const uint8_t *const *sks,
		 const uint8_t (*pks)[32], size_t nkeys, pl_buf *out) __attribute__((warn_unused_result));

/* Parses an envelope. PL_ETOOBIG over PL_DSSE_MAX, PL_EFORMAT otherwise.
 * Release with pl_envelope_release (also after failure). */
int pl_envelope_parse(const uint8_t *p, size_t n, pl_envelope *out, pl_diag *d) __attribute__((warn_unused_result));

void pl_envelope_release(pl_envelope *e);

/* PL_OK if one of the envelope's signatures verifies under pk, else PL_EVERIFY.
 * *which (may be NULL) receives the index of that signature. */
int pl_envelope_verify(const pl_envelope *e, const uint8_t pk[32], size_t *which) __attribute__((warn_unused_result));

#endif
