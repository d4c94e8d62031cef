/*
 * dsse.h - DSSE v1 envelopes (github.com/secure-systems-lab/dsse) signed
 * with Ed25519 over PAE.
 *
 *   PAE(type, body) = "DSSEv1" SP LEN(type) SP type SP LEN(body) SP body
 *   envelope = {"payloadType": T, "payload": B64(body),
 *               "signatures": [{"keyid": K, "sig": B64(Ed25519(PAE))}, ...]}
 *
 * Parley's envelopes carry one signature (two for a key rotation: the old key
 * and the new, in this order). keyid is the first 8 bytes of SHA-256 of the
 * 32-byte Ed25519 public key, in 16 lowercase hex digits; a signature counts
 * only under the key its keyid names (pl_envelope_verify_sig), though a
 * verifier never picks the key by it.
 *
 * An envelope is a log entry exactly as submitted, so it is limited to 65535
 * bytes, and it has one form, the one pl_dsse_sign writes:
 *
 *   {"payloadType":"T","payload":"B64","signatures":[{"keyid":"K","sig":"B64"}]}
 *
 * compact JSON without whitespace or escapes, the fields in this order and
 * no others, canonical base64, 1-2 signatures, T of printable ASCII without
 * quotes or backslashes. pl_envelope_parse takes nothing else, so the bytes of
 * a log entry are a function of what was signed and the signatures alone:
 * nobody relaying an envelope can pad or reshape it.
 */
#ifndef PARLEY_STATEMENT_DSSE_H
#define PARLEY_STATEMENT_DSSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"
#include "base/err.h"
#include "base/sizes.h"

#define PL_DSSE_MAX 65535
#define PL_DSSE_SIGS_MAX 2
#define PL_DSSE_TYPE_MAX 128
#define PL_DSSE_KEYID_SIZE 8 /* bytes of SHA-256(pk) a keyid holds */
#define PL_DSSE_KEYID_LEN PL_HEX_LEN(PL_DSSE_KEYID_SIZE) /* 16: its hex */
#define PL_STATEMENT_TYPE "application/vnd.parley.statement.v1+json"

typedef struct pl_dsse_sig {
	char keyid[PL_DSSE_KEYID_LEN + 1]; /* 16 lowercase hex digits */
	uint8_t sig[PL_ED25519_SIG_SIZE];  /* Ed25519 signature over PAE */
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

/* The keyid of an Ed25519 public key: hex of the first 8 bytes of SHA-256(pk). */
void pl_dsse_keyid(const uint8_t pk[PL_ED25519_PK_SIZE], char out[PL_DSSE_KEYID_LEN + 1]);

/*
 * Signs payload with each of the nkeys secret keys (libsodium Ed25519
 * secret keys, PL_ED25519_SK_SIZE bytes; their public keys in pks) and appends the envelope
 * JSON to out, in the one form above (signatures in the order of the keys).
 * PL_EINVAL for 0 or more than 2 keys or a payload type the form cannot
 * hold, PL_ETOOBIG if it would exceed PL_DSSE_MAX.
 */
int pl_dsse_sign(const char *type, const uint8_t *payload, size_t n, const uint8_t *const *sks,
		 const uint8_t (*pks)[PL_ED25519_PK_SIZE], size_t nkeys, pl_buf *out)
	__attribute__((warn_unused_result));

/* Parses an envelope in the one form above. PL_ETOOBIG over PL_DSSE_MAX,
 * PL_ENOMEM, PL_EFORMAT for anything else (d says what).
 * Release with pl_envelope_release (also after failure). */
int pl_envelope_parse(const uint8_t *p, size_t n, pl_envelope *out, pl_diag *d) __attribute__((warn_unused_result));

void pl_envelope_release(pl_envelope *e);

/* True if the envelope has a signature i and its keyid is pk's. */
bool pl_envelope_keyid_is(const pl_envelope *e, size_t i, const uint8_t pk[PL_ED25519_PK_SIZE]);

/* PL_OK if signature i exists, names pk's keyid and verifies under pk;
 * PL_EVERIFY if not; PL_ENOMEM. */
int pl_envelope_verify_sig(const pl_envelope *e, size_t i, const uint8_t pk[PL_ED25519_PK_SIZE])
	__attribute__((warn_unused_result));

/*
 * The author's signature, which comes first: pl_envelope_verify_sig(e, 0, pk).
 * *which (may be NULL) receives 0 when it verifies. (A signature elsewhere in
 * the envelope never stands for the author's: admission also checks that the
 * envelope carries exactly the signatures its type needs, members.h.)
 */
int pl_envelope_verify(const pl_envelope *e, const uint8_t pk[PL_ED25519_PK_SIZE], size_t *which)
	__attribute__((warn_unused_result));

#endif
