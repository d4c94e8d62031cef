/*
 * rekey.h - the sealed object of a members' rekey (docs/confidentiality.md,
 * section 3): a fresh members' key E for TLP:GREEN, wrapped to every active
 * member, and the chain to the members' key before it, so a party that joins
 * later reads the whole GREEN history from the first rekey it is a reader of.
 *
 *   header            a sealed header of kind PL_SEAL_KEYS (statement/seal_head.h):
 *                     E itself is the content key wrapped to each member, party
 *                     entries only, 1..PL_SEAL_KEYS_READERS_MAX of them
 *   chain             nothing for the log's first rekey; otherwise PL_REKEY_CHAIN_SIZE
 *                     bytes: a 24-byte random nonce, then XChaCha20-Poly1305-IETF under E,
 *                     additional data pl_seal_ad(ctx, header), of
 *                     u64be epoch of the previous members' key || that key (32)
 *
 * The statement carrying it names E in public by its fingerprint
 * (pl_seal_epoch_fingerprint); admission checks the header's readers and
 * whether a chain is there, never its content: a reader that opens E and
 * finds another fingerprint, or a chain that does not decrypt or names a key
 * of another fingerprint than the previous rekey's, holds the rekeyer's
 * misbehaviour (PL_EVERIFY). Pure functions; keys in sodium_malloc memory the
 * caller gives, wiped on failure.
 */
#ifndef PARLEY_STATEMENT_REKEY_H
#define PARLEY_STATEMENT_REKEY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"
#include "base/err.h"
#include "statement/party.h"
#include "statement/seal_head.h"

#define PL_REKEY_CHAIN_SIZE (24 + 8 + PL_SEAL_EPOCH_KEY_SIZE + 16) /* nonce, epoch, key, tag */
#define PL_REKEY_OBJECT_MAX (PL_SEAL_KEYS_HEAD_MAX + PL_REKEY_CHAIN_SIZE)

/*
 * A fresh members' key into key (PL_SEAL_EPOCH_KEY_SIZE bytes of sodium_malloc
 * memory), wrapped to members[0..n) (1..PL_SEAL_KEYS_READERS_MAX, names and
 * current X25519 keys), chained to prev (NULL for the log's first rekey), bound
 * to the statement ctx names: the sealed object appended to out. PL_EINVAL for
 * a bad ctx or reader list (pl_seal_head_wrap's), PL_ETOOBIG / PL_ENOMEM from
 * out, PL_ECRYPTO.
 */
int pl_rekey_seal(const pl_seal_ctx *ctx, const pl_identity *members, size_t n, const pl_epoch_key *prev,
		  uint8_t key[PL_SEAL_EPOCH_KEY_SIZE], pl_buf *out, pl_diag *d) __attribute__((warn_unused_result));

/* The header of the rekey object p[0..n) into h (allocated by the caller), and whether a chain follows it.
 * PL_EFORMAT, saying what, for a header of another kind or not canonical, or anything after it but
 * nothing or exactly a chain. */
int pl_rekey_parse(const uint8_t *p, size_t n, pl_seal_head *h, bool *chained, pl_diag *d)
	__attribute__((warn_unused_result));

/*
 * Opens the rekey object p[0..n) of the statement ctx names with ring (one
 * party's keys, current and past): the members' key into key, checked against
 * fp (the statement's public fingerprint of it); when a chain follows, the
 * previous members' key into prev->key (sodium_malloc memory) and its epoch
 * into prev->epoch, *chained true. PL_ENOKEY: ring's party is not a reader
 * with one of its keys; PL_EVERIFY: the rekeyer's misbehaviour (the wrapped
 * key does not open, opens to a key of another fingerprint, or the chain does
 * not decrypt); PL_EFORMAT. Keys are wiped on failure.
 */
int pl_rekey_open(const pl_seal_ctx *ctx, const uint8_t *p, size_t n, const pl_keyring *ring,
		  const uint8_t fp[PL_SEAL_FP_SIZE], uint8_t key[PL_SEAL_EPOCH_KEY_SIZE], pl_epoch_key *prev, bool *chained,
		  pl_diag *d) __attribute__((warn_unused_result));

/* The chain of the rekey object p[0..n) when its members' key is known already (reached through a
 * later rekey's chain): parses it into h (allocated by the caller) and decrypts the previous key as
 * pl_rekey_open does. The caller checks key against the rekey's fingerprint first. PL_EVERIFY: the
 * chain does not decrypt; PL_EFORMAT. */
int pl_rekey_chain(const pl_seal_ctx *ctx, const uint8_t *p, size_t n, pl_seal_head *h,
		   const uint8_t key[PL_SEAL_EPOCH_KEY_SIZE], pl_epoch_key *prev, bool *chained, pl_diag *d)
	__attribute__((warn_unused_result));

#endif
