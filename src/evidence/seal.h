/*
 * seal.h - evidence encrypted to its recipients before it leaves the author's
 * machine (docs/evidence.md, "Sealed blobs"). The server stores and serves
 * the sealed bytes; it never sees a key or a plaintext byte.
 *
 * A sealed blob is written in version 2, the one header of every sealed
 * object (statement/seal_head.h, kind PL_SEAL_BLOB):
 *
 *   "PLSEAL02" | 2 (blob) | count (1..65)
 *   count reader entries in canonical order: 1 | name length | name |
 *       fingerprint of the reader's X25519 key (16) | crypto_box_seal(key) (80)
 *   secretstream header                          24 bytes
 *   chunks: XChaCha20-Poly1305 secretstream messages of PL_SEAL_CHUNK plaintext
 *           bytes (+17), the last one shorter (possibly empty) and tagged FINAL
 *
 * Every chunk is authenticated with pl_seal_ad(NULL, header) as additional
 * data, so no byte of the header (a reader, a fingerprint) can change. The
 * fingerprints let a server check the readers by key at admission
 * (workflow/blobs_check.h) and a reader pick the right one of its past keys.
 *
 * Version 1 blobs (older logs) are still read:
 *
 *   "PLSEAL01" | count (1..64) | count times: name length, name,
 *   crypto_box_seal(key) (80) | secretstream header | chunks as above,
 *   authenticated with the SHA-256 of the bytes before the secretstream header.
 *
 * The key is 32 random bytes per blob. A stream that ends before its FINAL
 * chunk, or goes on after it, is refused. Keys and stream states live in
 * sodium_malloc memory and are wiped after use.
 */
#ifndef PARLEY_EVIDENCE_SEAL_H
#define PARLEY_EVIDENCE_SEAL_H

#include <stdint.h>
#include <stdio.h>

#include "base/err.h"
#include "statement/party.h"
#include "statement/seal_head.h"

#define PL_SEAL_RECIPIENTS_MAX PL_SEAL_READERS_MAX /* an author and 64 recipients */
#define PL_SEAL_V1_RECIPIENTS_MAX 64               /* what version 1 held */
#define PL_SEAL_CHUNK 65536

typedef struct pl_seal_digest {
	uint8_t plain[PL_SHA256_SIZE];  /* SHA-256 of the plaintext */
	uint8_t sealed[PL_SHA256_SIZE]; /* SHA-256 of the sealed bytes (the blob's name on the server) */
	uint64_t plain_size;
	uint64_t sealed_size;
} pl_seal_digest;

/*
 * Seals everything read from in to out for recipients[0..n) (1..65 distinct
 * parties), in version 2. Fills dg. PL_EINVAL for a bad recipient list, PL_EIO on I/O
 * errors, PL_ECRYPTO if libsodium fails.
 */
int pl_seal(FILE *in, FILE *out, const pl_identity *recipients, size_t n, pl_seal_digest *dg, pl_diag *d)
	__attribute__((warn_unused_result));

/* pl_keyring (the keys a party opens sealed material with) is in statement/party.h. */

/*
 * Opens a sealed blob of either version with k (its party must be a
 * recipient; in version 2, with the key's fingerprint), writing the
 * plaintext to out. When want_plain is not NULL the plaintext must hash to
 * it. PL_ENOKEY if k's party is not a recipient or its sealed key does not
 * open; PL_EVERIFY if any chunk fails authentication, the stream is truncated
 * or extended, or the plaintext hash differs; PL_EFORMAT for a malformed
 * header. In version 2, PL_EVERIFY too when the key wrapped to k's
 * fingerprint does not open with k (the author's misbehaviour). On failure
 * out holds a prefix that must be discarded.
 */
int pl_unseal(FILE *in, FILE *out, const pl_party_key *k, const uint8_t want_plain[PL_SHA256_SIZE], pl_seal_digest *dg,
	      pl_diag *d) __attribute__((warn_unused_result));

/*
 * pl_unseal with the key of ring (1..PL_KEYRING_MAX keys of one party) the
 * blob names by fingerprint (version 2), or the first that opens the key
 * sealed to the party (version 1). PL_ENOKEY, saying so, when none
 * does; PL_EINVAL for an empty ring or keys of different parties.
 */
int pl_unseal_ring(FILE *in, FILE *out, const pl_keyring *ring, const uint8_t want_plain[PL_SHA256_SIZE],
		   pl_seal_digest *dg, pl_diag *d) __attribute__((warn_unused_result));

/* The largest header a sealed blob of either version can have (version 2: 65 readers with 64-byte names). */
#define PL_SEAL_HEADER_MAX (PL_SEAL_HEAD_MAX - PL_SEAL_COMMITMENT_SIZE)

/*
 * A sealed blob's header read from its first bytes p[0..n) (at most
 * PL_SEAL_HEADER_MAX are looked at): its version (1 or 2) in *version, its
 * readers in h (party entries; version 2 with their key fingerprints,
 * version 1 with zero ones) and h->len, the header's length in bytes. h is
 * about 36 KiB: the caller allocates it. PL_EFORMAT when p does not start
 * with a well-formed header: a plaintext, a truncated header, a bad name,
 * a version 2 header that is not canonical or not of a blob.
 */
int pl_seal_header(const uint8_t *p, size_t n, pl_seal_head *h, int *version, pl_diag *d)
	__attribute__((warn_unused_result));

/* The size of the blob pl_seal makes of plain_size bytes after a header of header_len bytes. */
uint64_t pl_seal_sealed_size(size_t header_len, uint64_t plain_size);

#endif
