/*
 * refusal.h - why a rule refuses something: a library value, never an HTTP
 * status.
 *
 * Every refusal of libparley (a statement admission or a replay refuses, the
 * log server's own limits, a witness refusing a checkpoint) is one code of
 * the table below: a stable machine-readable name (documented in
 * docs/statements.md, docs/workflow.md and docs/witnessing.md), the kind of
 * refusal, and a sentence saying when it applies. A refused call leaves its
 * state exactly as it was (nothing appended, nothing applied) and returns
 * PL_EREFUSED with a pl_refusal filled in.
 *
 * Out of memory is never a refusal: those calls return PL_ENOMEM and fill no
 * refusal, so a statement is never blamed for the machine's state.
 *
 * The adapters (src/http) turn a kind into their protocol's answer with one
 * shared table (http/status.h); nothing below them knows about HTTP.
 */
#ifndef PARLEY_BASE_REFUSAL_H
#define PARLEY_BASE_REFUSAL_H

#include <stdbool.h>

/* What kind of refusal a code is: what the submitter can do about it. */
typedef enum pl_refusal_kind {
	PL_REFUSAL_MALFORMED,   /* the bytes are not what the protocol takes: fix the encoding */
	PL_REFUSAL_UNAUTHENTICATED, /* a request that must be signed by a member is not */
	PL_REFUSAL_UNSUPPORTED, /* a media or payload type this log does not take */
	PL_REFUSAL_TOO_LARGE,   /* over a documented size cap */
	PL_REFUSAL_FORBIDDEN,   /* the author may not say this (membership, keys, roles) */
	PL_REFUSAL_NOT_FOUND,   /* what it names is not known here (a witness: the log) */
	PL_REFUSAL_CONFLICT,    /* contradicts what the log already holds (order, duplicates, closed) */
	PL_REFUSAL_INVALID,     /* well-formed, but breaks a rule of its type */
	PL_REFUSAL_LIMITED,     /* over a rate or queue limit: try again later */
	PL_REFUSAL_UNAVAILABLE, /* the service cannot take it now (storage, stopping): try again later */
	PL_REFUSAL_STORAGE_FULL, /* over a storage quota or cap: nothing more is stored until room is made */
	PL_REFUSAL_KINDS
} pl_refusal_kind;

/*
 * The codes: X(ENUM, "name", KIND, "when it applies"). Two codes may share a
 * name when the same rule is broken in two ways the protocol answers
 * differently (not_allowed).
 */
#define PL_REFUSAL_TABLE(X) \
	/* ---- envelope, payload, membership (docs/statements.md) ---- */ \
	X(TOO_LARGE, "too_large", TOO_LARGE, "the envelope is larger than a log entry may be") \
	X(ENVELOPE_MALFORMED, "envelope_malformed", MALFORMED, "not a valid DSSE envelope in its one form") \
	X(PAYLOAD_TYPE_UNKNOWN, "payload_type_unknown", UNSUPPORTED, "the payload type is not a Parley statement") \
	X(PAYLOAD_MALFORMED, "payload_malformed", MALFORMED, "the payload is not a valid statement") \
	X(WRONG_LOG, "wrong_log", INVALID, "the statement names another log") \
	X(CLOCK_SKEW, "clock_skew", INVALID, "the statement's time is too far from the server's clock") \
	X(TYPE_UNKNOWN, "type_unknown", MALFORMED, "no such statement type") \
	X(NO_CHARTER, "no_charter", CONFLICT, "the log is empty and this is not a charter") \
	X(UNKNOWN_AUTHOR, "unknown_author", FORBIDDEN, "the author is not a member") \
	X(KEY_REVOKED, "key_revoked", FORBIDDEN, "the author's key is revoked") \
	X(BAD_SIGNATURE, "bad_signature", FORBIDDEN, \
	  "the envelope does not carry exactly the signatures its type needs, each by its key") \
	X(SEQ_REPLAYED, "seq_replayed", CONFLICT, "seq is not above the author's last") \
	X(SEQ_SKIPPED, "seq_skipped", CONFLICT, "seq is more than one above the author's last") \
	X(REF_MISSING, "ref_missing", INVALID, "a referenced entry does not exist or is not listed in refs") \
	X(REF_MISMATCH, "ref_mismatch", INVALID, "a referenced entry has another leaf hash") \
	X(BODY_INVALID, "body_invalid", INVALID, "the body breaks its type's rules") \
	X(CONTROL_CHARACTER, "control_character", INVALID, \
	  "a public one-line field holds a control character, a bidirectional control or a line separator") \
	X(IDENTITY_PROOF_INVALID, "identity_proof_invalid", INVALID, "an identity's proof does not verify") \
	X(UNKNOWN_PARTY, "unknown_party", INVALID, "the body names someone who is not a member") \
	X(CHARTER_EXISTS, "not_allowed", CONFLICT, "the charter is entry 0 and the log already has one") \
	X(NOT_OWN_KEY, "not_allowed", FORBIDDEN, "a party rotates only its own key") \
	X(ALREADY_MEMBER, "already_member", CONFLICT, "enrolling a member") \
	X(DATED_BEFORE_CHARTER, "dated_before_charter", INVALID, "a statement dated before the log's charter") \
	X(ALREADY_SPONSORED, "already_sponsored", CONFLICT, "the same member enrolled the same identity before") \
	X(KEY_REUSED, "key_reused", CONFLICT, \
	  "an identity's key is held or was held by a party of the log (a revoked key never comes back)") \
	X(NAME_CONFUSABLE, "name_confusable", CONFLICT, "a party name confusable with a member's (same skeleton)") \
	/* ---- the workflow (docs/workflow.md) ---- */ \
	X(SELF_ADDRESSED, "self_addressed", INVALID, "the author addresses itself") \
	X(RSIT_UNKNOWN, "rsit_unknown", INVALID, "class or rsit_type is not an RSIT class or type") \
	X(TLP_UNKNOWN, "tlp_unknown", INVALID, "tlp is not a TLP 2.0 label") \
	X(KIND_UNKNOWN, "kind_unknown", INVALID, "a request or status kind not in the list") \
	X(STATUS_UNKNOWN, "status_unknown", INVALID, "a response status not in the list") \
	X(OUTCOME_UNKNOWN, "outcome_unknown", INVALID, "a close outcome not in the list") \
	X(RESULT_UNKNOWN, "result_unknown", INVALID, "a finding's result not in the list") \
	X(DATE_PAST, "date_past", INVALID, "due, until or preserved_until is not after the statement's time") \
	X(DUE_REASON_MISSING, "due_reason_missing", INVALID, "due without due_reason") \
	X(REASONS_MISSING, "reasons_missing", INVALID, "a postponed or refused response without reasons") \
	X(UNTIL_MISSING, "until_missing", INVALID, "a postponed response without until") \
	X(PRESERVATION_FIELDS, "preservation_fields", INVALID, "a preservation request without the art. 29(2) fields") \
	X(PRESERVATION_EXPIRY_MISSING, "preservation_expiry_missing", INVALID, \
	  "granting a preservation request without preserved_until") \
	X(PRESERVATION_TOO_SHORT, "preservation_too_short", INVALID, "preserved_until less than 60 days after the answer") \
	X(NORMS_UNKNOWN, "norms_unknown", INVALID, "the norm set was never published in this log") \
	X(NORM_UNKNOWN, "norm_unknown", INVALID, "a norm id is not in the set") \
	X(NORMS_DUPLICATE, "norms_duplicate", CONFLICT, "publishing a norm set already published") \
	X(ALREADY_SUBSCRIBED, "already_subscribed", CONFLICT, "subscribing twice to a norm set") \
	X(NOT_SUBSCRIBED, "not_subscribed", CONFLICT, "withdrawing a subscription one does not hold") \
	X(CASE_UNKNOWN, "case_unknown", INVALID, "case is not a concern") \
	X(REQUEST_UNKNOWN, "request_unknown", INVALID, "request is not a request") \
	X(NOT_A_PING, "not_a_ping", INVALID, "ping is not a ping") \
	X(EVIDENCE_UNKNOWN, "evidence_unknown", INVALID, "evidence is not an evidence entry") \
	X(CASE_CLOSED, "case_closed", CONFLICT, "anything about a closed case") \
	X(REQUEST_WITHDRAWN, "request_withdrawn", CONFLICT, "acknowledging, answering or asking about a withdrawn request") \
	X(NOT_PARTICIPANT, "not_participant", FORBIDDEN, "a statement in a case by someone who is not a party to it") \
	X(ADDRESSEE_NOT_PARTICIPANT, "addressee_not_participant", INVALID, \
	  "a request addressed to someone who is not a party to the case") \
	X(RECIPIENT_NOT_PARTICIPANT, "recipient_not_participant", INVALID, \
	  "evidence or a finding sealed to someone who is not a party to the case") \
	X(RECIPIENTS_MISSING, "recipients_missing", INVALID, "sealed content without its recipients") \
	X(ENCRYPTION_REQUIRED, "encryption_required", INVALID, "content whose TLP is not CLEAR must be sealed") \
	X(NOT_ADDRESSED, "not_addressed", FORBIDDEN, "answering something not addressed to the author") \
	X(NOT_REQUESTER, "not_requester", FORBIDDEN, "a status query or a withdrawal by someone else than the requester") \
	X(NOT_CASE_AUTHOR, "not_case_author", FORBIDDEN, "closing another party's concern") \
	X(ALREADY_ACKNOWLEDGED, "already_acknowledged", CONFLICT, "acknowledging twice") \
	X(ALREADY_ANSWERED, "already_answered", CONFLICT, "answering after a final answer") \
	X(DATED_BEFORE_TARGET, "dated_before_target", INVALID, "a statement dated before the entry it answers or adds to") \
	/* ---- standing groups (docs/groups.md, docs/workflow.md) ---- */ \
	X(GROUP_UNKNOWN, "group_unknown", INVALID, "group is not a group.propose entry") \
	X(GROUP_KIND_UNKNOWN, "group_kind_unknown", INVALID, "a group's kind is not bilateral or multilateral") \
	X(ANSWER_UNKNOWN, "answer_unknown", INVALID, "an answer is not accept or decline") \
	X(INVITED_COUNT, "invited_count", INVALID, "a bilateral group that does not invite exactly one party") \
	X(NOT_INVITED, "not_invited", FORBIDDEN, "answering a group one is not invited to") \
	X(NOT_GROUP_MEMBER, "not_group_member", FORBIDDEN, "leaving a group one is not a member of") \
	X(NOT_CONVENER, "not_convener", FORBIDDEN, "dissolving a group someone else proposed") \
	X(GROUP_DISSOLVED, "group_dissolved", CONFLICT, "anything in a dissolved group") \
	/* ---- consultation sessions and their outcomes (docs/groups.md, docs/workflow.md) ---- */ \
	X(SESSION_UNKNOWN, "session_unknown", INVALID, "session is not a session.propose entry") \
	X(SESSION_OUTCOME_UNKNOWN, "session_outcome_unknown", INVALID, "outcome is not a session.outcome entry") \
	X(FORMAT_UNKNOWN, "format_unknown", INVALID, "a session's format is not in_person, virtual or written") \
	X(POSITION_UNKNOWN, "position_unknown", INVALID, "an endorsement's position is not endorse or dissent") \
	X(WINDOW_INVALID, "window_invalid", INVALID, "a session's window does not end after it starts, or spans over 30 days") \
	X(HELD_OUTSIDE_WINDOW, "held_outside_window", INVALID, "a session held outside its window, or after the statement") \
	X(AGENDA_NOT_PARTICIPANT, "agenda_not_participant", INVALID, \
	  "an agenda item points at a thread the author or a participant is not a party of") \
	X(NOT_SESSION_PARTICIPANT, "not_session_participant", FORBIDDEN, \
	  "an answer, cancellation, outcome or endorsement by someone the session does not name") \
	X(SESSION_ENDED, "session_ended", CONFLICT, "answering, rescheduling, cancelling or holding a held or cancelled session") \
	X(SESSION_NOT_HELD, "session_not_held", CONFLICT, "an outcome of a session not held") \
	X(ALREADY_ENDORSED, "already_endorsed", CONFLICT, "endorsing an outcome one endorses already") \
	X(OWN_EVIDENCE, "own_evidence", FORBIDDEN, "a finding on evidence by the evidence's own author") \
	X(BLOB_MISSING, "blob_missing", INVALID, "evidence or a finding names a blob the server does not hold") \
	X(BLOB_SIZE_MISMATCH, "blob_size_mismatch", INVALID, \
	  "the blob an evidence or finding names has another size than the statement says") \
	X(BLOB_NOT_SEALED, "blob_not_sealed", INVALID, "sealed evidence or a sealed finding whose blob is not a sealed blob") \
	X(BLOB_RECIPIENTS_MISMATCH, "blob_recipients_mismatch", INVALID, \
	  "a sealed blob sealed to other parties than the statement's recipients and its author") \
	/* ---- sealed statements (docs/confidentiality.md, docs/workflow.md) ---- */ \
	X(SEALING_REQUIRED, "sealing_required", INVALID, \
	  "a statement of a thread that is not TLP:CLEAR without \"sealed\", or with a sealed field in clear") \
	X(SEALED_NOT_ALLOWED, "sealed_not_allowed", INVALID, "\"sealed\" in a TLP:CLEAR thread or in a type never sealed") \
	X(SEALED_MALFORMED, "sealed_malformed", INVALID, \
	  "\"sealed\" is not canonical base64 of a sealed body with a canonical header and one padded bucket") \
	X(READERS_MISMATCH, "readers_mismatch", INVALID, \
	  "the sealed body's readers are not exactly those of its label and thread at that index") \
	X(READER_KEY_STALE, "reader_key_stale", CONFLICT, \
	  "a reader's key fingerprint is not the key it holds at that index, or the members' key is not current") \
	X(REKEY_STALE, "rekey_stale", CONFLICT, "a members' rekey that does not answer the latest membership change") \
	X(REKEY_DUPLICATE, "rekey_duplicate", CONFLICT, "a second members' rekey for the same membership change") \
	/* ---- the log server's own limits (docs/api.md) ---- */ \
	X(RATE_LIMITED, "rate_limited", LIMITED, "the author is over its rate") \
	X(QUEUE_FULL, "queue_full", LIMITED, "too many statements are waiting") \
	X(OVERLOADED, "overloaded", UNAVAILABLE, "the statement waited too long to be checked") \
	X(STORAGE_FAILED, "storage_failed", UNAVAILABLE, "the log could not store the statement") \
	X(SHUTTING_DOWN, "shutting_down", UNAVAILABLE, "the server is stopping") \
	X(UNAUTHENTICATED, "unauthenticated", UNAUTHENTICATED, "a members-only request without a valid Parley-Time") \
	X(NOT_MEMBER, "not_member", FORBIDDEN, "a signed request by someone who is not an active member") \
	X(REQUEST_BAD_SIGNATURE, "bad_signature", FORBIDDEN, "the request's signature does not verify under the member's key") \
	X(QUOTA_EXCEEDED, "quota_exceeded", STORAGE_FULL, "a blob upload would take its party over its quota of stored bytes") \
	X(BLOB_STORE_FULL, "blob_store_full", STORAGE_FULL, "a blob upload would take the blob store over its total") \
	/* ---- a witness refusing a checkpoint (docs/witnessing.md) ---- */ \
	X(WITNESS_UNKNOWN_LOG, "unknown_log", NOT_FOUND, "the witness does not witness this origin") \
	X(WITNESS_NOT_SIGNED, "not_signed_by_log", FORBIDDEN, "the checkpoint has no valid signature by the log's key") \
	X(WITNESS_MALFORMED, "request_malformed", MALFORMED, "a malformed add-checkpoint body") \
	X(WITNESS_OLD_SIZE, "old_size_mismatch", CONFLICT, "the old size is not the one the witness holds") \
	X(WITNESS_INCONSISTENT, "inconsistent", INVALID, "the checkpoint is not consistent with the one the witness holds") \
	X(WITNESS_RATE_LIMITED, "witness_rate_limited", LIMITED, "the log is over its rate of requests")

typedef enum pl_refusal_code {
	PL_R_NONE = 0, /* not refused */
#define PL_REFUSAL_ENUM(e, name, kind, when) PL_R_##e,
	PL_REFUSAL_TABLE(PL_REFUSAL_ENUM)
#undef PL_REFUSAL_ENUM
	PL_R_COUNT
} pl_refusal_code;

#define PL_REFUSAL_MSG 256

/* A refusal: its code and one sentence about this very case. */
typedef struct pl_refusal {
	pl_refusal_code code; /* PL_R_NONE until something refuses */
	char msg[PL_REFUSAL_MSG];
} pl_refusal;

/*
 * Fills r (if not NULL) with code and a printf-style sentence, and returns
 * PL_EREFUSED, so checks can `return pl_refuse(r, PL_R_..., ...)`.
 */
int pl_refuse(pl_refusal *r, pl_refusal_code code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* The stable name of code ("bad_signature"); "" for PL_R_NONE or an unknown value. */
const char *pl_refusal_name(pl_refusal_code code);

/* The kind of code (PL_REFUSAL_INVALID for an unknown value). */
pl_refusal_kind pl_refusal_kind_of(pl_refusal_code code);

/* When code applies, one sentence without a final stop; "" for PL_R_NONE. */
const char *pl_refusal_when(pl_refusal_code code);

/* A code whose name is name, or PL_R_NONE (the first in table order when two share it). */
pl_refusal_code pl_refusal_by_name(const char *name);

/* True when a submitter may retry the same bytes later (LIMITED, UNAVAILABLE). */
bool pl_refusal_retryable(pl_refusal_code code);

#endif
