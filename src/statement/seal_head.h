/*
 * seal_head.h - the public header of a sealed object, version 2: who may
 * read it, with which key, and the content key wrapped to each of them. One
 * format for sealed statement bodies (statement/sealed.h) and evidence blobs
 * (evidence/seal.h); docs/confidentiality.md argues it.
 *
 *   "PLSEAL02"                        8 bytes
 *   kind                              1 byte: PL_SEAL_BODY (1), PL_SEAL_BLOB (2) or PL_SEAL_KEYS (3)
 *   count                             1 byte: 1..PL_SEAL_READERS_MAX reader entries; for
 *                                     PL_SEAL_KEYS 2 bytes, big-endian: 1..PL_SEAL_KEYS_READERS_MAX
 *                                     party entries (a members' rekey wraps its key to every member)
 *   count entries, in canonical order (an epoch entry first, at most one;
 *   then party entries by name, strictly increasing: no party twice):
 *     PL_SEAL_PARTY (1)               1 byte
 *       name length, name             1 + 1..64 bytes, a valid party name
 *       fingerprint                   PL_SEAL_FP_SIZE bytes: pl_seal_fingerprint of the
 *                                     reader's X25519 public key
 *       wrapped key                   PL_SEAL_WRAP_SIZE bytes: crypto_box_seal of the
 *                                     content key to that X25519 key
 *     PL_SEAL_EPOCH (2)               1 byte (for TLP:GREEN and contacts: the members)
 *       epoch                         8 bytes, big-endian: the log index that
 *                                     established the members' key
 *       fingerprint                   PL_SEAL_FP_SIZE bytes: pl_seal_epoch_fingerprint
 *       wrapped key                   PL_SEAL_EPOCH_WRAP_SIZE bytes: a 24-byte nonce, then
 *                                     XChaCha20-Poly1305-IETF of the content key under
 *                                     the members' key with that nonce (no additional data)
 *   commitment                        32 bytes, bodies only (statement/sealed.h)
 *
 * What follows the header is the kind's own: a body's ciphertext, a blob's
 * secretstream, a members' rekey's chain (statement/rekey.h). Both are authenticated with pl_seal_ad of the header as
 * additional data, so no byte of the header can change without the
 * ciphertext failing for every reader.
 *
 * The content key is 32 random bytes used for one object only. Every call
 * here is pure (no I/O); pl_seal_head_unwrap puts the key in memory the
 * caller allocated with sodium_malloc.
 */
#ifndef PARLEY_STATEMENT_SEAL_HEAD_H
#define PARLEY_STATEMENT_SEAL_HEAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"
#include "base/err.h"
#include "statement/party.h"

#define PL_SEAL_MAGIC "PLSEAL02"
#define PL_SEAL_MAGIC_SIZE 8
#define PL_SEAL_READERS_MAX 65           /* a concern's author and its 64 recipients */
#define PL_SEAL_KEYS_READERS_MAX 200     /* a members' rekey: every active member (statement/rekey.h) */
#define PL_SEAL_FP_SIZE 16               /* a key's fingerprint */
#define PL_SEAL_KEY_SIZE 32              /* a content key */
#define PL_SEAL_WRAP_SIZE 80             /* crypto_box_SEALBYTES + PL_SEAL_KEY_SIZE */
#define PL_SEAL_EPOCH_KEY_SIZE 32        /* a members' key */
#define PL_SEAL_EPOCH_WRAP_SIZE 72       /* nonce 24 + PL_SEAL_KEY_SIZE + tag 16 */
#define PL_SEAL_COMMITMENT_SIZE 32
/* The largest header: 65 party entries with 64-byte names, and a commitment. */
#define PL_SEAL_PARTY_ENTRY_MAX (1 + 1 + PL_PARTY_MAX + PL_SEAL_FP_SIZE + PL_SEAL_WRAP_SIZE)
#define PL_SEAL_HEAD_MAX \
	(PL_SEAL_MAGIC_SIZE + 2 + PL_SEAL_READERS_MAX * PL_SEAL_PARTY_ENTRY_MAX + PL_SEAL_COMMITMENT_SIZE)
/* The largest header of members' keys: 200 party entries with 64-byte names. */
#define PL_SEAL_KEYS_HEAD_MAX (PL_SEAL_MAGIC_SIZE + 3 + PL_SEAL_KEYS_READERS_MAX * PL_SEAL_PARTY_ENTRY_MAX)

typedef enum pl_seal_kind { PL_SEAL_BODY = 1, PL_SEAL_BLOB = 2, PL_SEAL_KEYS = 3 } pl_seal_kind;
typedef enum pl_seal_entry_type { PL_SEAL_PARTY = 1, PL_SEAL_EPOCH = 2 } pl_seal_entry_type;

/* One reader entry. */
typedef struct pl_seal_entry {
	uint8_t type;                      /* pl_seal_entry_type */
	char party[PL_PARTY_MAX + 1];      /* PL_SEAL_PARTY: the reader's name; "" for an epoch */
	uint64_t epoch;                    /* PL_SEAL_EPOCH: the index that established the key */
	uint8_t fp[PL_SEAL_FP_SIZE];       /* the fingerprint of the key wrapped to */
	uint8_t wrap[PL_SEAL_WRAP_SIZE];   /* the wrapped content key (an epoch's uses the first 72 bytes) */
} pl_seal_entry;

/* A parsed (or built) header; about 36 KiB, so callers allocate it. */
typedef struct pl_seal_head {
	uint8_t kind;                      /* pl_seal_kind */
	size_t n;                          /* entries */
	pl_seal_entry e[PL_SEAL_KEYS_READERS_MAX]; /* at most PL_SEAL_READERS_MAX but for PL_SEAL_KEYS */
	uint8_t commitment[PL_SEAL_COMMITMENT_SIZE]; /* PL_SEAL_BODY only */
	size_t len;                        /* bytes the header takes (pl_seal_head_parse, _write) */
} pl_seal_head;

/* What a sealed body is bound to: the statement that carries it. Borrowed strings. */
typedef struct pl_seal_ctx {
	const char *origin; /* the log's origin (1..255 bytes) */
	const char *type;   /* the statement's type (1..32) */
	const char *author; /* its author (a party name) */
	uint64_t seq;       /* the author's sequence number */
} pl_seal_ctx;

/* A members' key (TLP:GREEN, contacts): the epoch that established it and the key. */
typedef struct pl_epoch_key {
	uint64_t epoch;
	uint8_t *key; /* PL_SEAL_EPOCH_KEY_SIZE bytes in sodium_malloc memory (owned by whoever made it) */
} pl_epoch_key;

#define PL_EPOCH_RING_MAX 64
typedef struct pl_epoch_ring {
	const pl_epoch_key *keys[PL_EPOCH_RING_MAX];
	size_t n;
} pl_epoch_ring;

/* The first PL_SEAL_FP_SIZE bytes of SHA-256 of an X25519 public key. */
void pl_seal_fingerprint(const uint8_t pk[PL_X25519_PK_SIZE], uint8_t fp[PL_SEAL_FP_SIZE]);

/* The first PL_SEAL_FP_SIZE bytes of SHA-256("parley/epoch-key/v1" 0x00 || key): a
 * members' key named in public without revealing it. */
void pl_seal_epoch_fingerprint(const uint8_t key[PL_SEAL_EPOCH_KEY_SIZE], uint8_t fp[PL_SEAL_FP_SIZE]);

/* True if ctx holds valid values (origin 1..255 bytes, type 1..32, author a party name). */
bool pl_seal_ctx_valid(const pl_seal_ctx *ctx);

/*
 * Starts h as a header of kind with the content key wrapped to readers[0..n)
 * (their names and X25519 keys) and, when epoch is not NULL, to that members'
 * key; 1..PL_SEAL_READERS_MAX entries in all (PL_SEAL_KEYS: 1..PL_SEAL_KEYS_READERS_MAX
 * parties, no members' key). Entries come out in canonical
 * order whatever the order given. The commitment is left zero. PL_EINVAL for
 * a bad kind, no reader or too many, a party named twice or an invalid name;
 * PL_ECRYPTO if libsodium fails.
 */
int pl_seal_head_wrap(pl_seal_head *h, pl_seal_kind kind, const uint8_t key[PL_SEAL_KEY_SIZE],
		      const pl_identity *readers, size_t n, const pl_epoch_key *epoch, pl_diag *d)
	__attribute__((warn_unused_result));

/* Appends h's bytes to out and sets h->len. PL_ETOOBIG past out's cap, PL_ENOMEM; PL_EINVAL for a
 * header that is not canonical (pl_seal_head_wrap's always is). */
int pl_seal_head_write(pl_seal_head *h, pl_buf *out) __attribute__((warn_unused_result));

/*
 * Parses the header at the start of p[0..n) into h (h->len: its size; the
 * rest of p is the kind's). PL_EFORMAT, saying what, for anything but a
 * canonical header: bad magic or kind, a count of 0 or over the kind's maximum,
 * an unknown entry type, an invalid name, entries out of order or repeated,
 * two epoch entries (any, for PL_SEAL_KEYS), a truncated entry.
 */
int pl_seal_head_parse(const uint8_t *p, size_t n, pl_seal_head *h, pl_diag *d) __attribute__((warn_unused_result));

/*
 * The additional data of everything sealed under header[0..n) (the bytes
 * pl_seal_head_write wrote or pl_seal_head_parse read): SHA-256 of
 *   "parley/seal/v2 body" 0x00 || u8 len || origin || u8 len || type ||
 *   u8 len || author || u64be seq || header        (a body: ctx given)
 *   "parley/seal/v2 blob" 0x00 || header            (a blob: ctx NULL)
 */
void pl_seal_ad(const pl_seal_ctx *ctx, const uint8_t *header, size_t n, uint8_t ad[PL_SHA256_SIZE]);

/*
 * The content key, unwrapped into key (PL_SEAL_KEY_SIZE bytes the caller
 * allocated with sodium_malloc) with the first of the keys given that the
 * header names: the party entry of ring's party whose fingerprint is one of
 * ring's keys (ring may be NULL), else the epoch entry whose epoch and
 * fingerprint are one of epochs' (may be NULL). *entry (may be NULL) is the
 * entry used. PL_ENOKEY when no entry names one of the keys (saying whether
 * the party is a reader at all, and which key it was sealed to); PL_EVERIFY
 * when the entry names the key but its wrapped key does not open with it:
 * the author's misbehaviour (statement/sealproof.h proves it); PL_EINVAL for
 * a ring of keys of several parties. key is wiped on failure.
 */
int pl_seal_head_unwrap(const pl_seal_head *h, const pl_keyring *ring, const pl_epoch_ring *epochs,
			uint8_t key[PL_SEAL_KEY_SIZE], size_t *entry, pl_diag *d) __attribute__((warn_unused_result));

#endif
