/*
 * state.h - the state engine: the workflow state of a log is a pure function
 * of its entries, built by applying them in order (docs/workflow.md).
 *
 * pl_wf_check runs every rule that depends on the log so far and refuses a
 * statement that breaks one, each with its own code; pl_wf_apply records an
 * admitted statement. Both run only after the membership checks passed (the
 * author is an active member, signature and seq are right, refs resolve);
 * engine.h strings the two layers together. All times are the statements'
 * own "time" fields (which the server admits only within its clock skew),
 * so anyone replaying the log derives the same state.
 *
 * Objects are named by the index of the entry that created them: a case by
 * its concern, a request by its request, a ping by its ping. Lookups are
 * binary searches (entries are applied in index order).
 */
#ifndef PARLEY_WORKFLOW_STATE_H
#define PARLEY_WORKFLOW_STATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "statement/members.h"
#include "workflow/types.h"

#define PL_WF_NONE UINT64_MAX   /* "no entry" for index fields */

typedef uint32_t pl_pid;        /* a party's number in pl_wf.parties */

typedef struct pl_wf_sub {
	uint32_t set;               /* position in pl_wf.sets */
	uint64_t since, until;      /* subscribing / withdrawing entry (until PL_WF_NONE: current) */
} pl_wf_sub;

typedef struct pl_wf_party {
	char name[PL_PARTY_MAX + 1];
	pl_wf_sub *subs;            /* subscription history, in log order */
	size_t nsubs, capsubs;
} pl_wf_party;

typedef struct pl_wf_set {
	char hash[PL_NORM_HASH_HEX + 1];
	uint64_t idx;               /* the norms.publish entry */
	pl_pid author;
	int64_t time;
	char name[129], version[33];
	char (*ids)[PL_NORM_ID_MAX + 1];
	size_t nids;
} pl_wf_set;

/* answered: every addressee gave a final answer; withdrawn by its author; closed: its case was
 * closed while an answer was still awaited */
enum { PL_REQ_OPEN, PL_REQ_WITHDRAWN, PL_REQ_CLOSED, PL_REQ_ANSWERED };

typedef struct pl_wf_target {   /* one addressee of a request */
	pl_pid party;
	uint64_t ack_idx;           /* first ack (or response): PL_WF_NONE until then */
	int64_t ack_time;
	uint64_t answer_idx;        /* final response (granted, partly granted, refused) */
	int64_t answer_time;
	int status;                 /* the latest response's status, -1 before any */
	int64_t due;                /* deadline for the final answer (a timely postponement moves it) */
	int64_t preserved_until;    /* preservation confirmed until (0: not confirmed) */
	uint32_t responses;         /* responses given, postponements included */
} pl_wf_target;

typedef struct pl_wf_request {
	uint64_t id, case_id;
	pl_pid author;
	int kind;
	int64_t time, due, ack_due; /* due: as asked (or the charter's default); ack_due: time + the
				       charter's ack deadline, never after due */
	bool due_default;           /* due came from the charter */
	pl_wf_target *t;
	size_t nt;
	int state;                  /* PL_REQ_* */
	uint64_t ended_idx;         /* the withdraw or close entry */
	int64_t ended_time;
	uint32_t queries, updates;  /* status statements */
	uint64_t last_idx;          /* the latest entry about it */
	bool narrowed;              /* sealed to its author and addressees only, not the case's parties:
				       so are its answers (docs/confidentiality.md, section 2) */
} pl_wf_request;

typedef struct pl_wf_case {
	uint64_t id;
	pl_pid author;
	int64_t time;
	char *title;                /* owned */
	const char *cls, *rsit_type, *tlp; /* static vocabulary strings (rsit_type may be NULL) */
	pl_pid *recipients;
	size_t nrecipients;
	int set;                    /* norm set invoked (position), -1 for none */
	char (*norms)[PL_NORM_ID_MAX + 1];
	size_t nnorms;
	bool closed;
	uint64_t closed_idx;
	int64_t closed_time;
	int outcome;
	uint32_t *requests;         /* positions in pl_wf.requests */
	size_t nrequests, caprequests;
	uint64_t last_idx;
	int64_t last_time;
} pl_wf_case;

typedef struct pl_wf_pong {
	pl_pid party;
	uint64_t pong_idx;          /* PL_WF_NONE until answered */
	int64_t pong_time;
} pl_wf_pong;

typedef struct pl_wf_ping {
	uint64_t id;
	pl_pid author;
	int64_t time;
	bool to_all;                /* no "to": every other active member */
	pl_wf_pong *t;
	size_t nt;
} pl_wf_ping;

typedef struct pl_wf_evidence {
	uint64_t id, case_id;
	pl_pid author;
	int64_t time;
	char *title;                /* owned */
	const char *tlp;            /* static vocabulary string */
	pl_pid *recipients;
	size_t nrecipients;
	bool sealed;
	int64_t files, bytes;
	uint32_t findings;
	int last_result;            /* the latest finding's result, -1 before any */
} pl_wf_evidence;

typedef struct pl_wf_finding {
	uint64_t id, evidence_id;
	pl_pid author;
	int64_t time;
	int result;
	const char *tlp;
} pl_wf_finding;

/* A standing group (docs/groups.md): proposed, established by the first acceptance, declined when
 * every invited party declined, dissolved by its proposer (a bilateral one also when either leaves). */
enum { PL_GROUP_PROPOSED, PL_GROUP_ESTABLISHED, PL_GROUP_DECLINED, PL_GROUP_DISSOLVED };

typedef struct pl_wf_invitee {  /* one invited party of a group */
	pl_pid party;
	int answer;                 /* -1 before any, PL_ANSWER_ACCEPT or PL_ANSWER_DECLINE (vocab.h) */
	uint64_t answer_idx;        /* PL_WF_NONE until answered */
	int64_t answer_time;
	uint64_t left_idx;          /* PL_WF_NONE: has not left */
	int64_t left_time;
} pl_wf_invitee;

typedef struct pl_wf_group {
	uint64_t id;                /* the group.propose entry */
	pl_pid author;              /* the proposer (convener) */
	int64_t time, due;          /* due: the answers' deadline */
	const char *tlp;            /* static vocabulary string */
	int kind;                   /* PL_GROUP_BILATERAL or PL_GROUP_MULTILATERAL */
	pl_wf_invitee *inv;
	size_t ninv;
	int state;                  /* PL_GROUP_* */
	uint64_t established_idx;   /* the first acceptance, PL_WF_NONE before */
	uint64_t ended_idx;         /* the dissolution (or a bilateral group's leave), PL_WF_NONE before */
	int64_t ended_time;
	uint64_t last_idx;          /* the latest entry about it */
} pl_wf_group;

/* A consultation session (docs/groups.md): proposed, accepted once every participant accepted, held by
 * its proposer, or cancelled (by whom, when, citing what) at any time before it was held. */
enum { PL_SESSION_PROPOSED, PL_SESSION_ACCEPTED, PL_SESSION_HELD, PL_SESSION_CANCELLED };

typedef struct pl_wf_participant {
	pl_pid party;
	int answer;                 /* -1 before any, PL_ANSWER_ACCEPT or PL_ANSWER_DECLINE */
	uint64_t answer_idx;        /* PL_WF_NONE until answered */
	int64_t answer_time;
} pl_wf_participant;

typedef struct pl_wf_session {
	uint64_t id;                /* the session.propose entry */
	pl_pid author;              /* the proposer (convener) */
	int64_t time, due;
	int64_t from, until;        /* the window, as last rescheduled */
	const char *tlp;
	uint64_t group;             /* the group it is held in, PL_WF_NONE for none */
	pl_wf_participant *p;
	size_t np;
	int state;                  /* PL_SESSION_* */
	uint32_t reschedules;
	uint64_t ended_idx;         /* the session.held or session.cancel entry, PL_WF_NONE before */
	int64_t ended_time;
	pl_pid cancelled_by;        /* for a cancelled session */
	uint64_t cites;             /* the entry a cancellation cites, PL_WF_NONE for none */
	int64_t held_at;
	uint32_t outcomes;
	uint64_t last_idx;
} pl_wf_session;

typedef struct pl_wf_position {  /* one party's latest position on an outcome */
	pl_pid party;
	int position;               /* -1 before any, PL_POSITION_ENDORSE or PL_POSITION_DISSENT */
	uint64_t idx;               /* its latest outcome.endorse, PL_WF_NONE before */
	int64_t time;
} pl_wf_position;

typedef struct pl_wf_outcome {
	uint64_t id, session_id;
	pl_pid author;
	int64_t time;
	int kind;                   /* minutes or joint_statement */
	pl_wf_position *pos;        /* the session's proposer and participants */
	size_t npos;
	uint64_t agreed_idx;        /* the endorsement that made every position endorse, PL_WF_NONE before */
	int64_t agreed_time;
} pl_wf_outcome;

typedef struct pl_wf {
	pl_wf_party *parties;
	size_t nparties, capparties;
	uint32_t *slots;            /* open-addressing index of parties by name */
	size_t nslots;
	pl_wf_set *sets;
	size_t nsets, capsets;
	pl_wf_case *cases;
	size_t ncases, capcases;
	pl_wf_request *requests;
	size_t nrequests, caprequests;
	pl_wf_ping *pings;
	size_t npings, cappings;
	pl_wf_evidence *evidence;
	size_t nevidence, capevidence;
	pl_wf_finding *findings;
	size_t nfindings, capfindings;
	pl_wf_group *groups;
	size_t ngroups, capgroups;
	pl_wf_session *sessions;
	size_t nsessions, capsessions;
	pl_wf_outcome *outcomes;
	size_t noutcomes, capoutcomes;
} pl_wf;

/* What an applied entry touched, for the index (engine.h). */
typedef struct pl_wf_effect {
	int type;                   /* pl_wf_type, or -1 for a membership statement */
	uint64_t case_id, request_id, ping_id; /* PL_WF_NONE when not about one */
	uint64_t evidence_id, finding_id;
	uint64_t group_id, session_id, outcome_id;
	int set;                    /* norms.*: position of the set, else -1 */
	int party;                  /* norms.subscribe/withdraw: the author's pid, else -1 */
} pl_wf_effect;

void pl_wf_init(pl_wf *w);
void pl_wf_release(pl_wf *w);

/*
 * The rules that depend on the log so far, for a statement whose body b was
 * checked by pl_wf_parse and which passed the membership checks in m.
 * Returns PL_OK or -1 with v filled.
 */
int pl_wf_check(const pl_wf *w, const pl_members *m, const pl_stmt *s, const pl_wf_body *b, pl_refusal *v);

/*
 * The readers of a sealed statement (b->seal set; PL_OK for one in clear),
 * part of pl_wf_check, so a replay checks them too (docs/confidentiality.md,
 * section 2). Its thread's label and readers at this index: a concern's
 * author and recipients; a request's case parties or, narrowed, its author
 * and addressees; an ack's, response's, status's or withdrawal's, those of
 * its request (narrowed or not); a close's, the case's parties; each an
 * active member (a party revoked since drops out). Refuses sealed_not_allowed
 * in a TLP:CLEAR thread, sealed_malformed, readers_mismatch when the header's
 * readers are not exactly those (or hold a members' key entry outside
 * TLP:GREEN), reader_key_stale when an entry's fingerprint is not that of
 * the X25519 key its party holds at this index. TLP:GREEN is sealed to the
 * current members' key; there is none before members' rekeys are taken, so
 * a sealed TLP:GREEN statement is refused (reader_key_stale, or
 * readers_mismatch without a members' key entry). An evidence's or a
 * finding's readers are its author and recipients under its own label (a
 * TLP:GREEN one too: it names recipients, as its blobs). PL_ENOMEM.
 */
int pl_wf_readers_check(const pl_wf *w, const pl_members *m, const pl_stmt *s, const pl_wf_body *b, pl_refusal *v);

/*
 * The admission rule on new statements only (like the clock skew: a log
 * replayed keeps its TLP:AMBER statements in clear): a concern, request,
 * ack, response, status, withdrawal or close of a thread that is not
 * TLP:CLEAR, and an evidence or finding whose own label is not TLP:CLEAR,
 * carries "sealed" (sealing_required): their descriptions are sealed to
 * the readers of their blobs (and the blobs themselves must be:
 * encryption_required). Run after pl_wf_check passed.
 */
int pl_wf_sealing_check(const pl_wf *w, const pl_members *m, const pl_stmt *s, const pl_wf_body *b, pl_refusal *v);

/* Records an admitted statement at index. Fills *e if not NULL. PL_ENOMEM, or
 * PL_EINVAL for a statement pl_wf_check would have refused (nothing changed). */
int pl_wf_apply(pl_wf *w, const pl_members *m, const pl_stmt *s, const pl_wf_body *b, uint64_t index,
		pl_wf_effect *e) __attribute__((warn_unused_result));

/*
 * The state as bytes (appended to out) and back, for a replay that resumes
 * from saved state (replay/replay.h). pl_wf_load replaces w's content reading
 * from d and checks every cross-reference; on failure (PL_EFORMAT for bytes
 * that are not such a state, PL_ENOMEM) w is left empty. PL_ENOMEM or
 * PL_ETOOBIG for save.
 */
struct pl_dec;
int pl_wf_save(const pl_wf *w, pl_buf *out) __attribute__((warn_unused_result));
int pl_wf_load(pl_wf *w, struct pl_dec *d) __attribute__((warn_unused_result));

/* Rebuilds the index of parties by name (after pl_wf_load). PL_ENOMEM, PL_EFORMAT when a name is there twice. */
int pl_wf_index_parties(pl_wf *w) __attribute__((warn_unused_result));

/* Lookups (NULL if absent). */
const pl_wf_case *pl_wf_case_get(const pl_wf *w, uint64_t id);
const pl_wf_request *pl_wf_request_get(const pl_wf *w, uint64_t id);
const pl_wf_ping *pl_wf_ping_get(const pl_wf *w, uint64_t id);
const pl_wf_evidence *pl_wf_evidence_get(const pl_wf *w, uint64_t id);
const pl_wf_finding *pl_wf_finding_get(const pl_wf *w, uint64_t id);
const pl_wf_group *pl_wf_group_get(const pl_wf *w, uint64_t id);
const pl_wf_session *pl_wf_session_get(const pl_wf *w, uint64_t id);
const pl_wf_outcome *pl_wf_outcome_get(const pl_wf *w, uint64_t id);
/* The participant named party of session s (its proposer is not one), NULL if it is not one. */
const pl_wf_participant *pl_wf_participant_of(const pl_wf *w, const pl_wf_session *s, const char *party);
/* The invitation of the party named party to group g, NULL if it is not invited. */
const pl_wf_invitee *pl_wf_invitee_of(const pl_wf *w, const pl_wf_group *g, const char *party);
int pl_wf_set_find(const pl_wf *w, const char *hash); /* position or -1 */
const char *pl_wf_party_name(const pl_wf *w, pl_pid p);

#endif
