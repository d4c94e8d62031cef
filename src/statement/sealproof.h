/*
 * sealproof.h - what a reader can show others about one sealed body: a
 * disclosure (what the statement said) and the two proofs of the author's
 * misbehaviour (docs/confidentiality.md). Pure functions: the blocks below
 * are the sealed-body part of the disclosure and proof files, which add the
 * entry itself, its tlog-proof to a cosigned checkpoint and the author's
 * membership entries (built by the client layer).
 *
 * A disclosure block: the salt and the canonical body, which anyone checks
 * against the commitment the author signed.
 *
 *   parley-disclosure/v1
 *   salt <base64 of 32 bytes>
 *   body <base64 of the canonical body>
 *
 * A proof block, one of:
 *
 *   parley-sealed-proof/v1           the content key: it opens the ciphertext (so the
 *   key <base64 of 32 bytes>         author made it), and what it opens to is not a
 *                                    body within the rules, or not the committed one
 *
 *   parley-sealed-proof/v1           one reader's box: its shared secret and the proof
 *   box <party>                      that it is (statement/boxproof.h); the box then does
 *   secret <base64 of 32 bytes>      not open, or opens to a key that does not open the
 *   dleq <base64 of 64 bytes>        ciphertext (or to one a key proof would condemn)
 *
 * Every line ends with '\n'; the lines come in this order, nothing else, in
 * canonical base64. A box proof for a box whose ephemeral key no sealed box
 * can hold (pl_boxproof_epk_bad) carries zero bytes in secret and dleq:
 * the box is bad for anyone to see.
 *
 * What each reveals: a disclosure, the one statement's body; a key proof,
 * the one statement's content key (the body it opens to, which is the
 * point); a box proof, one box's shared secret (that box's content key, not
 * the reader's secret key).
 */
#ifndef PARLEY_STATEMENT_SEALPROOF_H
#define PARLEY_STATEMENT_SEALPROOF_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"
#include "base/err.h"
#include "statement/boxproof.h"
#include "statement/sealed.h"

#define PL_DISCLOSURE_MAGIC "parley-disclosure/v1"
#define PL_SEALPROOF_MAGIC "parley-sealed-proof/v1"
/* The longest block: a disclosure of the largest body. */
#define PL_DISCLOSURE_MAX (64 + PL_B64_LEN(PL_SEALED_SALT_SIZE) + PL_B64_LEN(PL_SEALED_JSON_MAX))
#define PL_SEALPROOF_MAX 512

typedef struct pl_disclosure {
	uint8_t salt[PL_SEALED_SALT_SIZE];
	pl_buf body; /* the canonical body (pl_disclosure_release frees it) */
} pl_disclosure;

typedef enum pl_sealproof_kind { PL_SEALPROOF_KEY = 1, PL_SEALPROOF_BOX = 2 } pl_sealproof_kind;

typedef struct pl_sealproof {
	pl_sealproof_kind kind;
	uint8_t key[PL_SEAL_KEY_SIZE];               /* KEY: the content key */
	char party[PL_PARTY_MAX + 1];                /* BOX: whose box */
	uint8_t secret[PL_BOXPROOF_SECRET_SIZE];     /* BOX: its shared secret */
	uint8_t dleq[PL_BOXPROOF_SIZE];              /* BOX: the proof of it */
} pl_sealproof;

void pl_disclosure_release(pl_disclosure *x);

/* A disclosure of what opening gave (opened: a PL_OK pl_sealed_open). PL_ENOMEM. */
int pl_disclosure_make(const pl_sealed_plain *opened, pl_disclosure *x) __attribute__((warn_unused_result));

/* Appends the block. PL_ENOMEM, PL_ETOOBIG past out's cap. */
int pl_disclosure_write(const pl_disclosure *x, pl_buf *out) __attribute__((warn_unused_result));

/* Parses a block that is exactly p[0..n) into x (release it after any result). PL_ETOOBIG past
 * PL_DISCLOSURE_MAX, PL_EFORMAT for anything but the form above, PL_ENOMEM. */
int pl_disclosure_parse(const uint8_t *p, size_t n, pl_disclosure *x, pl_diag *d) __attribute__((warn_unused_result));

/*
 * Checks a disclosure against the sealed body obj[0..n) of the statement
 * ctx: the body is canonical and within the rules, and the commitment the
 * author signed names it under that salt. PL_OK with *fields (may be NULL;
 * the caller json_decref()s it) the body's fields; PL_EVERIFY when it is not
 * the committed body; PL_EFORMAT when obj is not a sealed body; PL_ENOMEM.
 */
int pl_disclosure_check(const pl_seal_ctx *ctx, const uint8_t *obj, size_t n, const pl_disclosure *x, json_t **fields,
			pl_diag *d) __attribute__((warn_unused_result));

/*
 * The proof of what pl_sealed_open found (opened: its PL_EVERIFY result):
 * a key proof for PL_SEALED_FAULT_CONTENT and _COMMITMENT, a box proof (with
 * the key of ring the box was sealed to) for _WRAP and _CIPHER. PL_EINVAL
 * when opened records no fault or ring lacks the key; PL_ECRYPTO, PL_ENOMEM.
 */
int pl_sealproof_make(const uint8_t *obj, size_t n, const pl_sealed_plain *opened, const pl_keyring *ring,
		      pl_sealproof *out, pl_diag *d) __attribute__((warn_unused_result));

/* Appends the block. PL_ENOMEM, PL_ETOOBIG past out's cap. */
int pl_sealproof_write(const pl_sealproof *p, pl_buf *out) __attribute__((warn_unused_result));

/* Parses a block that is exactly p[0..n). PL_ETOOBIG past PL_SEALPROOF_MAX, PL_EFORMAT otherwise. */
int pl_sealproof_parse(const uint8_t *p, size_t n, pl_sealproof *out, pl_diag *d) __attribute__((warn_unused_result));

/*
 * Checks a proof against the sealed body obj[0..n) of the statement ctx.
 * pk is the X25519 key of the box's reader (for a box proof; NULL for a key
 * proof), which the verifier takes from the log at the statement's index: it
 * must be the key the entry's fingerprint names. PL_OK: the author's
 * misbehaviour is proven, *fault says which (PL_SEALED_FAULT_WRAP, _CIPHER,
 * _CONTENT or _COMMITMENT). PL_EVERIFY: the proof proves nothing (d says
 * why: the body opens and is the committed one, the secret is not proven,
 * another statement...). PL_EFORMAT when obj is not a sealed body; PL_ENOMEM.
 */
int pl_sealproof_check(const pl_seal_ctx *ctx, const uint8_t *obj, size_t n, const pl_sealproof *p,
		       const uint8_t pk[PL_X25519_PK_SIZE], pl_sealed_fault *fault, pl_diag *d)
	__attribute__((warn_unused_result));

#endif
