/*
 * seal.h - evidence encrypted to its recipients before it leaves the author's
 * machine (docs/evidence.md, "Sealed blobs"). The server stores and serves
 * the sealed bytes; it never sees a key or a plaintext byte.
 *
 * A sealed blob (version 1):
 *
 *   "PLSEAL01"                                   8 bytes
 *   count                                        1 byte, 1..PL_SEAL_RECIPIENTS_MAX
 *   count times: name length (1 byte), party name, crypto_box_seal(key) (80 bytes)
 *   secretstream header                          24 bytes
 *   chunks: XChaCha20-Poly1305 secretstream messages of PL_SEAL_CHUNK plaintext
 *           bytes (+17), the last one shorter (possibly empty) and tagged FINAL
 *
 * The key is 32 random bytes per blob, sealed to each recipient's X25519 key.
 * Every chunk is authenticated with the SHA-256 of everything before the
 * secretstream header as additional data, so the recipient list cannot be
 * edited either. A stream that ends before its FINAL chunk, or goes on after
 * it, is refused. Keys and stream states live in sodium_malloc memory and are
 * wiped after use.
 */
#ifndef PARLEY_EVIDENCE_SEAL_H
#define PARLEY_EVIDENCE_SEAL_H

#include <stdint.h>
#include <stdio.h>

#include "base/err.h"
#include "statement/party.h"

#define PL_SEAL_RECIPIENTS_MAX 64
#define PL_SEAL_CHUNK 65536

typedef struct pl_seal_digest {
	uint8_t plain[PL_SHA256_SIZE];  /* SHA-256 of the plaintext */
	uint8_t sealed[PL_SHA256_SIZE]; /* SHA-256 of the sealed bytes (the blob's name on the server) */
	uint64_t plain_size;
	uint64_t sealed_size;
} pl_seal_digest;

/*
 * Seals everything read from in to out for recipients[0..n) (1..64 distinct
 * parties). Fills dg. PL_EINVAL for a bad recipient list, PL_EIO on I/O
 * errors, PL_ECRYPTO if libsodium fails.
 */
int pl_seal(FILE *in, FILE *out, const pl_identity *recipients, size_t n, pl_seal_digest *dg, pl_diag *d)
	__attribute__((warn_unused_result));

/* pl_keyring (the keys a party opens sealed material with) is in statement/party.h. */

/*
 * Opens a sealed blob with k (its party must be a recipient), writing the
 * plaintext to out. When want_plain is not NULL the plaintext must hash to
 * it. PL_ENOKEY if k's party is not a recipient or its sealed key does not
 * open; PL_EVERIFY if any chunk fails authentication, the stream is truncated
 * or extended, or the plaintext hash differs; PL_EFORMAT for a malformed
 * header. On failure out holds a prefix that must be discarded.
 */
int pl_unseal(FILE *in, FILE *out, const pl_party_key *k, const uint8_t want_plain[PL_SHA256_SIZE], pl_seal_digest *dg,
	      pl_diag *d) __attribute__((warn_unused_result));

/*
 * pl_unseal with the first key of ring (1..PL_KEYRING_MAX keys of one party)
 * that opens the key sealed to the party. PL_ENOKEY, saying so, when none
 * does; PL_EINVAL for an empty ring or keys of different parties.
 */
int pl_unseal_ring(FILE *in, FILE *out, const pl_keyring *ring, const uint8_t want_plain[PL_SHA256_SIZE],
		   pl_seal_digest *dg, pl_diag *d) __attribute__((warn_unused_result));

/* The largest header a sealed blob can have: magic, count, and 64 recipients with 64-byte names. */
#define PL_SEAL_HEADER_MAX (8 + 1 + PL_SEAL_RECIPIENTS_MAX * (1 + PL_PARTY_MAX + 80))

/*
 * A sealed blob's header read from its first bytes p[0..n) (at most
 * PL_SEAL_HEADER_MAX are looked at): the recipients' names (names has room
 * for 64, may be NULL) and their count, and the header's length in bytes.
 * PL_EFORMAT when p does not start with a well-formed header (a plaintext,
 * a truncated header, a bad name).
 */
int pl_seal_header(const uint8_t *p, size_t n, char names[][PL_PARTY_MAX + 1], size_t *count, size_t *len,
		   pl_diag *d) __attribute__((warn_unused_result));

/* The size of the blob pl_seal makes of plain_size bytes after a header of header_len bytes. */
uint64_t pl_seal_sealed_size(size_t header_len, uint64_t plain_size);

/* The recipients named in a sealed blob's header (names has room for 64). */
int pl_seal_recipients(FILE *in, char names[][PL_PARTY_MAX + 1], size_t *n, pl_diag *d)
	__attribute__((warn_unused_result));

#endif
