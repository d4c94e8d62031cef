/*
 * members_impl.h - what the files of the membership registry share; private
 * to src/statement/members*.c (callers use members.h, which this header does
 * not change).
 *
 * The registry is split along one-way dependencies (each file uses only the
 * ones below it):
 *   members_apply.c  recording an admitted statement (pl_members_apply);
 *   members_check.c  admission: a submission parsed, its signature, seq and
 *                    references checked, the membership statements' rules
 *                    (pl_admission_check);
 *   members.c        the registry itself: members and candidates looked up,
 *                    the key history;
 * and members_state.c, the registry as bytes and back (members.h alone).
 */
#ifndef PARLEY_STATEMENT_MEMBERS_IMPL_H
#define PARLEY_STATEMENT_MEMBERS_IMPL_H

#include "statement/members.h"

/* The member named party, NULL if none (members.c). */
pl_member *pl_members_find(const pl_members *m, const char *party);

/* The candidate enrolled with exactly the identity id, NULL if none (members.c). */
const pl_candidate *pl_members_find_candidate(const pl_members *m, const pl_identity *id);

/* Starts a new key in the member's history at index (closing the current
 * one); the oldest is dropped beyond PL_KEYS_MAX (members.c). */
void pl_members_push_key(pl_member *e, const uint8_t pk[32], uint64_t index);

/* Parses a charter's body into c and the founders' identities (*nf of them,
 * at most PL_FOUNDERS_MAX) (members_check.c). PL_OK, PL_ENOMEM, or
 * PL_EREFUSED with v filled (PL_R_BODY_INVALID). */
int pl_members_parse_charter(const json_t *body, pl_charter *c, pl_identity *founders, size_t *nf, pl_refusal *v);

#endif
