/*
 * state_impl.h - what the files of the state engine share; private to
 * src/workflow/state*.c (callers use state.h, which this header does not
 * change).
 *
 * The engine is split along one-way dependencies (each file uses only the
 * ones below it):
 *   state_apply.c    recording an admitted statement (pl_wf_apply);
 *   state_check.c    the rules that depend on the log so far (pl_wf_check);
 *   state_groups.c   standing groups: their rules and their application
 *                    (pl_wf_check_group, pl_wf_apply_group);
 *   state_sessions.c consultation sessions, outcomes and endorsements
 *                    (pl_wf_check_session, pl_wf_apply_session);
 *   state_readers.c  the readers of sealed statements (pl_wf_readers_check);
 *   state.c          the state's storage: initialised, released, objects
 *                    looked up by the index of the entry that created them;
 *   state_parties.c  parties: names interned into numbers (pl_pid) through
 *                    an open-addressing index;
 * and state_save.c, the state as bytes and back (state.h alone).
 */
#ifndef PARLEY_WORKFLOW_STATE_IMPL_H
#define PARLEY_WORKFLOW_STATE_IMPL_H

#include "workflow/state.h"

#include "base/buf.h"

#include <stdlib.h>

/* The number of the party named name, -1 if the state has not seen it
 * (state_parties.c). */
int pl_wf_find_party(const pl_wf *w, const char *name);

/* The number of the party named name, added if new; -1 when out of memory
 * (state_parties.c). */
int pl_wf_intern(pl_wf *w, const char *name);

/* The addressee party of request r; NULL if r is not addressed to it
 * (state.c). */
const pl_wf_target *pl_wf_target_of(const pl_wf *w, const pl_wf_request *r, const char *party);

/* Whether the sealed request b (admitted: its readers checked) is narrowed to
 * its author and addressees; false in clear. PL_OK or PL_ENOMEM
 * (state_readers.c). */
int pl_wf_request_narrowed(const pl_wf *w, const pl_members *m, const pl_stmt *s, const pl_wf_body *b, bool *narrowed);

/* The rules of the group types for s (body b, checked by pl_wf_parse): PL_OK or PL_EREFUSED with v filled
 * (state_groups.c). */
int pl_wf_check_group(const pl_wf *w, const pl_members *m, const pl_stmt *s, const pl_wf_body *b, pl_refusal *v);

/* Records an admitted group statement at index by the party numbered me: PL_OK, PL_ENOMEM, PL_EINVAL for
 * one whose group is not there (a caller that skipped pl_wf_check) (state_groups.c). */
int pl_wf_apply_group(pl_wf *w, const pl_stmt *s, const pl_wf_body *b, uint64_t index, int me);

/* The statement naming group id (a concern raised in it, a session held in it) by author to parties[0..n):
 * the group exists (group_unknown), is not dissolved (group_dissolved), and the author and every party
 * are its members, its proposer or a party that accepted and has not left (not_group_member)
 * (state_groups.c). */
int pl_wf_in_group(const pl_wf *w, uint64_t id, const char *author, const char *const *parties, size_t n,
		   pl_refusal *v);

/* The rules of the session types, outcomes and endorsements included (state_sessions.c). */
int pl_wf_check_session(const pl_wf *w, const pl_members *m, const pl_stmt *s, const pl_wf_body *b, pl_refusal *v);

/* Records an admitted session statement; sets ef's session_id (and outcome_id) (state_sessions.c). */
int pl_wf_apply_session(pl_wf *w, const pl_stmt *s, const pl_wf_body *b, uint64_t index, int me, pl_wf_effect *ef);

#endif
