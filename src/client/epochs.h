/*
 * epochs.h - the members' keys a member holds (docs/confidentiality.md,
 * section 3), derived from the log alone: every members.rekey of the
 * member's verified copy, newest first, opened with the member's keys or
 * reached through the chain of a later one, each checked against the public
 * fingerprint its rekey names. A member that joined late reads the whole
 * GREEN history from the first rekey it is a reader of; one revoked reads
 * nothing sealed to the rekeys after its revocation.
 */
#ifndef PARLEY_CLIENT_EPOCHS_H
#define PARLEY_CLIENT_EPOCHS_H

#include <stdbool.h>
#include <stdint.h>

#include "base/err.h"
#include "client/entries.h"
#include "statement/seal_head.h"

typedef struct pl_epochs {
	pl_epoch_key k[PL_EPOCH_RING_MAX]; /* key: sodium_malloc memory, owned */
	size_t n;
	pl_epoch_ring ring;                /* k as a ring, for pl_seal_head_unwrap */
	uint64_t trigger;                  /* the latest trigger of the copy */
	uint64_t last;                     /* the latest rekey's index; UINT64_MAX: none */
	bool current;                      /* the latest rekey answers the latest trigger */
	char fault[640];                   /* a rekey found misbehaving ("" when none): its keys are not taken */
} pl_epochs;

/*
 * Fills out (zeroed by the call) with the members' keys ring opens (one
 * party's keys, current and past; NULL: none, only the state is read), from
 * the rekeys of x (the index of the copy e reads), each rekey fetched and
 * verified (pl_entries_statement). At most PL_EPOCH_RING_MAX keys, the newest.
 * A rekey whose key or chain does not check is the rekeyer's misbehaviour:
 * out->fault says which, and the keys reached only through it are not taken.
 * Errors: the copy's (a rekey that does not verify), PL_ENOMEM.
 */
int pl_epochs_open(const pl_entries *e, pl_index *x, const pl_policy *pol, const pl_keyring *ring, pl_epochs *out,
		   pl_diag *d) __attribute__((warn_unused_result));

/* The members' key of epoch held in s, or NULL. */
const pl_epoch_key *pl_epochs_get(const pl_epochs *s, uint64_t epoch);

/* Wipes and frees the keys. */
void pl_epochs_release(pl_epochs *s);

#endif
