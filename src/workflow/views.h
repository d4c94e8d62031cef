/*
 * views.h - what people ask of the derived state (index.h), as JSON values
 * the CLI prints and the HTTP read API serves (docs/workflow.md, "Views").
 * Every function reads only the index, so any member holding a copy of the
 * log gets the same answers. Deadlines are judged at `now` (seconds since
 * the epoch), which callers may set to any instant (tests inject it).
 *
 * Lists page with limit (1..PL_VIEW_LIMIT_MAX) and offset; the answer holds
 * "total" and "next" (the offset of the next page, or null).
 * Each returns PL_OK with *out owned by the caller, PL_ENOTFOUND for an
 * unknown case or norm set, PL_EDB on SQLite errors.
 */
#ifndef PARLEY_WORKFLOW_VIEWS_H
#define PARLEY_WORKFLOW_VIEWS_H

#include <jansson.h>
#include <stdint.h>

#include "base/err.h"
#include "base/sizes.h"
#include "workflow/index.h"

#define PL_VIEW_LIMIT_MAX 1000

typedef struct pl_page {
	uint64_t limit;   /* 0: 100 */
	uint64_t offset;
} pl_page;

/* Cases, newest activity first; party (may be NULL) limits to the cases it
 * is a party to, state ("open"/"closed", may be NULL) to that state. */
int pl_view_cases(pl_index *x, const char *party, const char *state, pl_page pg, json_t **out, pl_diag *d)
	__attribute__((warn_unused_result));

/* One case: its fields, parties, requests with each addressee's progress,
 * and the thread (every entry about it, in log order). */
int pl_view_case(pl_index *x, uint64_t id, int64_t now, json_t **out, pl_diag *d) __attribute__((warn_unused_result));

/* Standing groups, newest activity first; party (may be NULL) limits to the groups it proposed or is
 * invited to, state ("proposed", "established", "declined", "dissolved"; may be NULL) to that state. */
int pl_view_groups(pl_index *x, const char *party, const char *state, pl_page pg, json_t **out, pl_diag *d)
	__attribute__((warn_unused_result));

/* One group: its public fields, "lapsed" (still proposed past its deadline at now), every party with
 * its answer, whether it was late, whether it is silent (invited, unanswered past the deadline at now),
 * when it left, the cases raised in it, and the thread (every entry about it, in log order). PL_ENOTFOUND
 * for no group. */
int pl_view_group(pl_index *x, uint64_t id, int64_t now, json_t **out, pl_diag *d) __attribute__((warn_unused_result));

/* Consultation sessions, newest activity first; party (may be NULL) limits to those it proposed or takes
 * part in, state ("proposed", "accepted", "held", "cancelled"; may be NULL) to that state. */
int pl_view_sessions(pl_index *x, const char *party, const char *state, pl_page pg, json_t **out, pl_diag *d)
	__attribute__((warn_unused_result));

/* One session: its public fields (the window as last rescheduled, who cancelled citing what, when it
 * was held), every party's answer (late, or silent at now while the session is open), its outcomes with
 * each party's latest position and whether they are agreed, and the thread (every entry, in log order).
 * PL_ENOTFOUND for no session. */
int pl_view_session(pl_index *x, uint64_t id, int64_t now, json_t **out, pl_diag *d) __attribute__((warn_unused_result));

/* The endorsements (position endorse) of outcome, in log order: their entries in idx and authors in
 * parties, at most cap. */
int pl_view_endorsements(pl_index *x, uint64_t outcome, uint64_t *idx, char (*parties)[PL_PARTY_MAX + 1], size_t cap,
			 size_t *n, pl_diag *d) __attribute__((warn_unused_result));

/* Norm sets published (hash NULL), or one set with its norms and subscribers. */
int pl_view_norms(pl_index *x, const char *hash, json_t **out, pl_diag *d) __attribute__((warn_unused_result));

/* What awaits party's answer: open requests addressed to it and unanswered
 * pings, the nearest deadline first (overdue ones lead), with time left. */
int pl_view_inbox(pl_index *x, const char *party, int64_t now, pl_page pg, json_t **out, pl_diag *d)
	__attribute__((warn_unused_result));

/*
 * Per party: norm sets subscribed, concerns raised and received, requests
 * made and received, acknowledged and answered on time / late / never /
 * pending, median seconds to acknowledge and to answer, pings received and
 * answered. party may be NULL (all parties).
 */
int pl_view_report(pl_index *x, const char *party, int64_t now, json_t **out, pl_diag *d)
	__attribute__((warn_unused_result));

/*
 * The signing key party held when entry index was admitted, from the index's
 * key history (what the server's registry says, recomputed from the log): a
 * key established before index and not ended before it, else the one index
 * itself established (an enrolment or a rotation is signed with the key it
 * establishes). PL_ENOTFOUND when the index names none, PL_EDB on SQLite errors.
 */
int pl_view_key_at(pl_index *x, const char *party, uint64_t index, uint8_t pk[PL_ED25519_PK_SIZE], pl_diag *d)
	__attribute__((warn_unused_result));

/* Like pl_view_key_at, also naming the entry that established that key (*since). */
int pl_view_key_since_at(pl_index *x, const char *party, uint64_t index, uint8_t pk[PL_ED25519_PK_SIZE],
			 uint64_t *since, pl_diag *d) __attribute__((warn_unused_result));

/* Helpers shared by the views: t as RFC 3339 (an integer outside 1970..9999);
 * the current row of st as an object (column names as keys, NULL as null,
 * columns named *time, *due and preserved_until as RFC 3339). */
json_t *pl_view_time(int64_t t);
json_t *pl_view_row(sqlite3_stmt *st);

/*
 * party's current signing key, the entry that established it (since) and
 * whether the party is active, from the index's registry. PL_ENOTFOUND if
 * the log never had such a party.
 */
int pl_view_party_key(pl_index *x, const char *party, uint8_t pk[PL_ED25519_PK_SIZE], uint64_t *since, bool *active,
		      pl_diag *d)
	__attribute__((warn_unused_result));

/*
 * The members' keys of the log in x (docs/confidentiality.md, section 3): the
 * latest trigger (the last entry that made a member or ended or started a
 * key: charter, enrolment, key.rotate, key.revoke) into *trigger, and the
 * members.rekey entries newest first, up to cap of them, into idx[0..*n).
 * The current members' key is idx[0]'s when *n > 0 and idx[0] > *trigger.
 */
int pl_view_rekeys(pl_index *x, uint64_t *trigger, uint64_t *idx, size_t cap, size_t *n, pl_diag *d)
	__attribute__((warn_unused_result));

/* The members as the log makes them: {"members": [{"party", "since" (the entry that made it a member),
 * "founder", "active", "key_since", "contact" (the contact details in clear as an object, {"sealed":
 * INDEX} when they are sealed to the members' key in entry INDEX, or null)}]}, by name. */
int pl_view_members(pl_index *x, json_t **out, pl_diag *d) __attribute__((warn_unused_result));

/* The entries of type (like "share"), oldest first, up to cap of them, into idx[0..*n). */
int pl_view_entries_of(pl_index *x, const char *type, uint64_t *idx, size_t cap, size_t *n, pl_diag *d)
	__attribute__((warn_unused_result));

/* The active members' names in order, up to cap of them (each PL_PARTY_MAX + 1 bytes) into names, how
 * many there are in all into *n (more than cap: only cap written). */
int pl_view_active(pl_index *x, char (*names)[PL_PARTY_MAX + 1], size_t cap, size_t *n, pl_diag *d)
	__attribute__((warn_unused_result));

#endif
