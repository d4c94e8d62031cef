/*
 * members_impl.h - what the files of the membership registry share; private
 * to src/statement/members*.c (callers use members.h, which this header does
 * not change).
 *
 * The registry is split along one-way dependencies (each file uses only the
 * ones below it):
 *   members_apply.c  recording an admitted statement (pl_members_apply),
 *                    the members' key histories grown;
 *   members_check.c  admission: a submission parsed, its signature, seq and
 *                    references checked, the membership statements' rules
 *                    (pl_admission_check);
 *   members.c        the registry itself: members and candidates looked up,
 *                    the key a member held at an entry;
 * and members_state.c, the registry as bytes and back (members.h alone).
 */
#ifndef PARLEY_STATEMENT_MEMBERS_IMPL_H
#define PARLEY_STATEMENT_MEMBERS_IMPL_H

#include "statement/members.h"

/* The member named party, NULL if none (members.c). */
pl_member *pl_members_find(const pl_members *m, const char *party);

/* Files the member just appended (m->m[m->n - 1]) in m->byname, growing it to m->cap entries:
 * PL_OK, PL_ENOMEM (the index unchanged: the caller takes the member back) or PL_EINVAL when
 * its name is already a member's (a corrupt saved state). Every path that appends to m->m
 * calls it. */
int pl_members_index_add(pl_members *m);

/* The candidate enrolled with exactly the identity id, NULL if none (members.c). */
const pl_candidate *pl_members_find_candidate(const pl_members *m, const pl_identity *id);

/* Parses a charter's body into c and the founders' identities (*nf of them,
 * at most PL_FOUNDERS_MAX) (members_check.c). PL_OK, PL_ENOMEM, or
 * PL_EREFUSED with v filled (PL_R_BODY_INVALID, PL_R_KEY_REUSED,
 * PL_R_NAME_CONFUSABLE). */
int pl_members_parse_charter(const json_t *body, pl_charter *c, pl_identity *founders, size_t *nf, pl_refusal *v);

/* A members.rekey checked against the registry (members_rekey.c): PL_OK, PL_ENOMEM, or PL_EREFUSED
 * with v filled. */
int pl_members_check_rekey(const pl_members *m, const pl_submission *s, pl_refusal *v);

/* A contact.update sealed to the members' key ({"sealed": B64}), checked against the current one
 * (members_rekey.c). PL_OK, PL_ENOMEM, or PL_EREFUSED with v filled. */
int pl_members_check_sealed_contact(const pl_members *m, const pl_submission *s, pl_refusal *v);

/* A share checked against the registry (members_share.c): PL_OK, PL_ENOMEM, or PL_EREFUSED with v. */
int pl_members_check_share(const pl_members *m, const pl_submission *s, pl_refusal *v);

/* An admitted members.rekey at index recorded: PL_OK, PL_ENOMEM, PL_EINVAL (not a valid body). */
int pl_members_apply_rekey(pl_members *m, const pl_submission *s, uint64_t index);

#endif
