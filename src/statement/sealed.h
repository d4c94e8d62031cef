/*
 * sealed.h - sealed statement bodies: the part of a statement only its
 * readers can read, bound to the statement that carries it by a commitment
 * every reader recomputes (docs/confidentiality.md is the design).
 *
 * A sealed body is a sealed object (statement/seal_head.h) of kind
 * PL_SEAL_BODY:
 *
 *   header                the readers, their key fingerprints and wrapped keys, then
 *                         the commitment C (32 bytes)
 *   ciphertext            XChaCha20-Poly1305-IETF under the content key, nonce 24 zero
 *                         bytes (a content key seals one body only), additional data
 *                         pl_seal_ad(ctx, header): bucket + 16 bytes
 *
 * and what the ciphertext holds, exactly one bucket (PL_SEALED_BUCKETS) long:
 *
 *   salt                  PL_SEALED_SALT_SIZE random bytes
 *   length                4 bytes, big-endian: the compressed body's size
 *   compressed body       raw DEFLATE (base/deflate.h) of the canonical body
 *   padding               zero bytes up to the bucket, the smallest that holds the rest
 *
 * The canonical body is the JCS text (base/jcs.h) of a JSON object of the
 * sealed fields: at most PL_SEALED_JSON_MAX bytes, keys of a-z, 0-9 and '_'
 * (a letter first, at most 32 bytes) at every level, strings, integers,
 * booleans, arrays and objects only, and a "lang" field: the language of its
 * texts, a tag like "en", "fr" or "zh-Hant" (2-3 lower-case letters, then
 * "-" and 1-8 letters or digits, repeated; at most PL_SEALED_LANG_MAX bytes).
 *
 * The commitment, SHA-256 of
 *   "parley/seal/v2 commitment" 0x00 || u8 len || origin || u8 len || author ||
 *   u64be seq || u8 len || type || salt || canonical body
 * hides the body (the salt is 32 random bytes only readers see) and binds it
 * (the author cannot later show another body for it, nor show two readers two
 * bodies: each reader recomputes it on opening). A disclosure
 * (statement/sealproof.h) reveals salt and body of one statement.
 *
 * Who may read what, and which fields of each type are sealed, is the
 * workflow's (docs/confidentiality.md); this module only seals and opens.
 * Keys live in sodium_malloc memory and are wiped; the plaintext is in
 * ordinary memory (it is what the reader reads).
 */
#ifndef PARLEY_STATEMENT_SEALED_H
#define PARLEY_STATEMENT_SEALED_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"
#include "base/err.h"
#include "statement/seal_head.h"

#define PL_SEALED_SALT_SIZE 32
#define PL_SEALED_LEN_SIZE 4     /* the compressed body's length */
#define PL_SEALED_TAG_SIZE 16    /* the AEAD's tag */
#define PL_SEALED_JSON_MAX 16320 /* the canonical body; fits the largest bucket even incompressible */
#define PL_SEALED_LANG_MAX 35
#define PL_SEALED_KEY_MAX 32     /* a field name */
#define PL_SEALED_NBUCKETS 4
#define PL_SEALED_BUCKETS {512, 2048, 8192, 16384}
#define PL_SEALED_BUCKET_MAX 16384
/* The largest sealed body: the largest header and the largest bucket. */
#define PL_SEALED_OBJECT_MAX (PL_SEAL_HEAD_MAX + PL_SEALED_BUCKET_MAX + PL_SEALED_TAG_SIZE)

/* The padded sizes, smallest first. */
extern const size_t pl_sealed_buckets[PL_SEALED_NBUCKETS];

/* The smallest bucket that holds a compressed body of n bytes, or 0 if none does. */
size_t pl_sealed_bucket_for(size_t n);

/* The commitment to a canonical body canon[0..n) under salt, for the statement ctx. */
void pl_sealed_commit(const pl_seal_ctx *ctx, const uint8_t salt[PL_SEALED_SALT_SIZE], const uint8_t *canon,
		      size_t n, uint8_t out[PL_SEAL_COMMITMENT_SIZE]);

/*
 * Checks that canon[0..n) is a canonical body (the rules above) and parses it
 * into *out (the caller json_decref()s it; NULL on failure). PL_ETOOBIG over
 * PL_SEALED_JSON_MAX; PL_EFORMAT, saying what, for anything else: not JSON,
 * not an object, a key or value outside the rules, not in canonical form,
 * "lang" missing or malformed. PL_ENOMEM.
 */
int pl_sealed_body_parse(const uint8_t *canon, size_t n, json_t **out, pl_diag *d) __attribute__((warn_unused_result));

/*
 * Seals fields (a JSON object of the sealed fields, "lang" included) for the
 * statement ctx: its canonical text, a fresh salt, the commitment, a fresh
 * content key wrapped to readers[0..n) and, when epoch is not NULL, to that
 * members' key (1..PL_SEAL_READERS_MAX entries). Appends the sealed object to
 * out. PL_EINVAL for a bad context or reader list; PL_EFORMAT when fields is
 * not a valid body; PL_ETOOBIG when its canonical text is over
 * PL_SEALED_JSON_MAX, or past out's cap; PL_ECRYPTO, PL_ENOMEM. On failure
 * out holds what it held before.
 */
int pl_sealed_seal(const pl_seal_ctx *ctx, const json_t *fields, const pl_identity *readers, size_t n,
		   const pl_epoch_key *epoch, pl_buf *out, pl_diag *d) __attribute__((warn_unused_result));

/*
 * The public reading of a sealed body (what admission and every monitor can
 * check): its header into h, and the bucket its ciphertext pads to. PL_EFORMAT
 * for a header that is not canonical (seal_head.h), an object that is not a
 * body, or a ciphertext that is not exactly one bucket and a tag long.
 */
int pl_sealed_parse(const uint8_t *obj, size_t n, pl_seal_head *h, size_t *bucket, pl_diag *d)
	__attribute__((warn_unused_result));

/*
 * The same from the base64 text of a sealed body, b64[0..len), as a statement
 * carries it in "sealed": what admission reads of it. PL_OK; PL_ENOMEM; or
 * PL_EREFUSED with v set (sealed_malformed: longer than the largest body, not
 * canonical base64, not a sealed body, saying which).
 */
struct pl_refusal;
int pl_sealed_head_b64(const char *b64, size_t len, pl_seal_head *h, struct pl_refusal *v)
	__attribute__((warn_unused_result));

/* What opening found. On PL_EVERIFY, the misbehaviour: */
typedef enum pl_sealed_fault {
	PL_SEALED_FAULT_NONE = 0,
	PL_SEALED_FAULT_WRAP,       /* the key wrapped to the reader does not open (a box proof shows it) */
	PL_SEALED_FAULT_CIPHER,     /* the key it wraps does not open the ciphertext (a box proof) */
	PL_SEALED_FAULT_CONTENT,    /* it opens to something that is not a padded, compressed canonical
				     * body within the caps (a key proof shows it) */
	PL_SEALED_FAULT_COMMITMENT, /* it opens to a body the commitment does not name (a key proof) */
} pl_sealed_fault;

typedef struct pl_sealed_plain {
	json_t *fields;                       /* the sealed fields (owned) */
	pl_buf canon;                         /* their canonical text */
	uint8_t salt[PL_SEALED_SALT_SIZE];
	size_t entry;                         /* the reader entry that opened */
	size_t bucket;
	pl_sealed_fault fault;
	uint8_t *key;                         /* the content key (sodium_malloc) once unwrapped, else NULL */
} pl_sealed_plain;

/* Frees and wipes what p holds; a zeroed p is fine. */
void pl_sealed_plain_release(pl_sealed_plain *p);

/*
 * Opens the sealed body obj[0..n) of the statement ctx with the first key of
 * ring (or epochs) the header names (pl_seal_head_unwrap), fills out
 * (release it after any result). PL_OK: out->fields is the body its
 * commitment names. PL_EFORMAT: the public part is malformed (pl_sealed_parse;
 * admission refuses such a statement). PL_ENOKEY: not sealed to any key
 * given. PL_EVERIFY with out->fault set: the author's misbehaviour; for
 * PL_SEALED_FAULT_CONTENT and _COMMITMENT out->key holds the content key a key
 * proof reveals. PL_ENOMEM, PL_EINVAL for a bad context.
 */
int pl_sealed_open(const pl_seal_ctx *ctx, const uint8_t *obj, size_t n, const pl_keyring *ring,
		   const pl_epoch_ring *epochs, pl_sealed_plain *out, pl_diag *d) __attribute__((warn_unused_result));

/*
 * The same with the content key itself (what a key proof or a fellow reader's
 * share gives): out->key is a copy. PL_EVERIFY with out->fault
 * PL_SEALED_FAULT_CIPHER when key does not open the ciphertext, _CONTENT or
 * _COMMITMENT as above.
 */
int pl_sealed_open_key(const pl_seal_ctx *ctx, const uint8_t *obj, size_t n, const uint8_t key[PL_SEAL_KEY_SIZE],
		       pl_sealed_plain *out, pl_diag *d) __attribute__((warn_unused_result));

#endif
