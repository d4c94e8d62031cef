/*
 * types.h - the workflow statement types and their bodies, checked on their
 * own (no log state); docs/workflow.md is the reference. The rules that
 * depend on the log so far (does the case exist, is the author addressed,
 * was it acknowledged already...) are in state.h.
 *
 *   ping            {"to": [PARTY]?, "note": S?}
 *   pong            {"ping": I}
 *   norms.publish   a norm set (norms.h)
 *   norms.subscribe {"set": HASH}
 *   norms.withdraw  {"set": HASH, "reason": S?}
 *   concern         {"title": S, "class": RSIT, "rsit_type": RSIT?, "tlp": TLP, "summary": S,
 *                    "recipients": [PARTY], "norms": {"set": HASH, "ids": [ID]}?,
 *                    "evidence": [{"sha256": HEX, "name": S?, "media_type": S?}]?}
 *   request         {"case": I, "kind": K, "to": [PARTY], "text": S, "due": TIME?, "due_reason": S?,
 *                    "preservation": {...}?}
 *   ack             {"request": I, "note": S?}
 *   response        {"request": I, "status": ST, "reasons": S?, "text": S?, "until": TIME?,
 *                    "preserved_until": TIME?, "availability_warning": S?}
 *   status          {"request": I, "kind": "query"|"update", "text": S?}
 *   withdraw        {"request": I, "reason": S?}
 *   close           {"case": I, "outcome": O, "text": S?}
 *   evidence        {"case": I, "title": S, "tlp": TLP, "recipients": [PARTY]?, "index": BLOB,
 *                    "files": N, "bytes": N, "reproduce": S?}
 *   finding         {"evidence": I, "result": R, "summary": S, "tlp": TLP, "recipients": [PARTY]?,
 *                    "report": BLOB}
 *                   BLOB = {"sha256": HEX, "sealed": HEX?, "size": N}: the plaintext's SHA-256,
 *                   the sealed blob's name (absent for TLP:CLEAR plaintext), the plaintext size
 *   group.propose   {"tlp": TLP, "kind": "bilateral"|"multilateral", "invited": [PARTY], "due": TIME,
 *                    "name": S, "mandate": S, "cadence": S?, "experts": [S]?, "due_reason": S}
 *   group.answer    {"group": I, "answer": "accept"|"decline", "reasons": S?, "experts": [S]?}
 *   group.leave     {"group": I, "reasons": S}
 *   group.dissolve  {"group": I, "reasons": S}            (docs/groups.md)
 *   session.propose {"tlp": TLP, "participants": [PARTY], "window": {"from": TIME, "until": TIME},
 *                    "due": TIME, "group": I?, "threads": [I]?, "agenda": [S], "format": F,
 *                    "place": S?, "due_reason": S}
 *   session.answer  {"session": I, "answer": "accept"|"decline", "reasons": S?}
 *   session.reschedule {"session": I, "window": {...}, "reasons": S}
 *   session.cancel  {"session": I, "cites": I?, "reasons": S}
 *   session.held    {"session": I, "held_at": TIME, "note": S?}
 *   session.outcome {"session": I, "kind": "minutes"|"joint_statement", "text": S}
 *   outcome.endorse {"outcome": I, "position": "endorse"|"dissent", "note": S?}
 *
 * Every I (an earlier entry's index) must also be listed in the statement's
 * refs, which bind it to that entry's leaf hash.
 *
 * The public one-line fields (a concern's and an evidence's "title", an
 * evidence item's "name" and "media_type") hold no control character, no
 * bidirectional control and no line separator (base/safetext.h;
 * control_character). Free texts (summaries, notes, reasons, texts) may hold
 * anything valid UTF-8: whoever shows them escapes them.
 */
#ifndef PARLEY_WORKFLOW_TYPES_H
#define PARLEY_WORKFLOW_TYPES_H

#include <stdbool.h>
#include <stdint.h>

#include "statement/members.h"
#include "statement/seal_head.h"
#include "workflow/norms.h"

#define PL_WF_PARTIES_MAX 64     /* recipients of a concern, addressees of a ping */
#define PL_WF_TO_MAX 16          /* addressees of a request */
#define PL_WF_TEXT_MAX 4096      /* summaries and free text */
#define PL_WF_TITLE_MAX 200
#define PL_WF_EVIDENCE_MAX 64
#define PL_WF_THREADS_MAX 8      /* the cases and requests a session's agenda points at (with its group, within PL_REFS_MAX) */
#define PL_WF_WINDOW_MAX (30 * 86400) /* the longest session window */
#define PL_PRESERVE_MIN_SECONDS (60 * 86400) /* Budapest Convention art. 29(7) */

/*
 * The caps of the sealed fields (docs/confidentiality.md, section 6), lower
 * than the plaintext caps so that a sealed body with every field at its cap,
 * in plain prose, fits PL_SEALED_JSON_MAX (statement/sealed.h): a request
 * with the art. 29(2) fields at these caps is 15,104 bytes of text and about
 * 200 of JSON. The total remains the rule (escapes can lengthen a text up to
 * six times). Checked by the author's client before sealing and by every
 * reader on opening (content rules); the server cannot see them.
 */
#define PL_WF_SEALED_TEXT_MAX 4096         /* summaries, texts, notes, reasons */
#define PL_WF_SEALED_DUE_REASON_MAX 512
#define PL_WF_SEALED_AUTHORITY_MAX 256     /* art. 29(2)(a) */
#define PL_WF_SEALED_OFFENCE_MAX 1024      /* (b) */
#define PL_WF_SEALED_FACTS_MAX 4096        /* (b) */
#define PL_WF_SEALED_DATA_MAX 2048         /* (c) */
#define PL_WF_SEALED_RELATIONSHIP_MAX 1024 /* (c) */
#define PL_WF_SEALED_CUSTODIAN_MAX 1024    /* (d) */
#define PL_WF_SEALED_NECESSITY_MAX 1024    /* (e) */

typedef enum pl_wf_type {
	PL_WF_PING,
	PL_WF_PONG,
	PL_WF_NORMS_PUBLISH,
	PL_WF_NORMS_SUBSCRIBE,
	PL_WF_NORMS_WITHDRAW,
	PL_WF_CONCERN,
	PL_WF_REQUEST,
	PL_WF_ACK,
	PL_WF_RESPONSE,
	PL_WF_STATUS,
	PL_WF_WITHDRAW,
	PL_WF_CLOSE,
	PL_WF_EVIDENCE,
	PL_WF_FINDING,
	PL_WF_GROUP_PROPOSE,
	PL_WF_GROUP_ANSWER,
	PL_WF_GROUP_LEAVE,
	PL_WF_GROUP_DISSOLVE,
	PL_WF_SESSION_PROPOSE,
	PL_WF_SESSION_ANSWER,
	PL_WF_SESSION_RESCHEDULE,
	PL_WF_SESSION_CANCEL,
	PL_WF_SESSION_HELD,
	PL_WF_SESSION_OUTCOME,
	PL_WF_OUTCOME_ENDORSE,
	PL_WF_NTYPES
} pl_wf_type;

/* A checked body. Strings are borrowed from the statement's JSON. */
typedef struct pl_wf_body {
	pl_wf_type type;
	uint64_t target;                 /* pong: the ping; request, close, evidence: the case;
					    ack, response, status, withdraw: the request; finding: the evidence;
					    group.answer, .leave, .dissolve: the group */
	const char *parties[PL_WF_PARTIES_MAX]; /* ping "to", concern "recipients", request "to",
						   group.propose "invited" */
	size_t nparties;
	char set[PL_NORM_HASH_HEX + 1];  /* subscribe/withdraw/concern norms: the set; publish: its hash */
	const char *norm_ids[PL_NORMS_MAX]; /* concern: the norms invoked */
	size_t nnorms;
	const char *title;               /* concern */
	const char *cls, *rsit_type, *tlp; /* tlp: concern, evidence, finding, group.propose */
	int kind;                        /* request kind, response status, status kind, close outcome,
					    finding result, group kind, group answer */
	bool sealed;                     /* evidence, finding: the blob is sealed to the recipients */
	int64_t due;                     /* request: the answer's deadline (0: the charter's default);
					    group.propose: the answers' deadline */
	int64_t until;                   /* response postponed: the new date */
	int64_t preserved_until;         /* response to a preservation request: data kept until */
	int64_t win_from, win_until;     /* session.propose, .reschedule: the window; session.held: held_at in win_from */
	uint64_t threads[PL_WF_THREADS_MAX]; /* session.propose: the agenda's cases and requests;
					    session.cancel: the entry it cites (at most one) */
	size_t nthreads;
	bool has_group;                  /* session.propose: held in group `group` */
	uint64_t group;
	const char *seal;                /* the sealed form: "sealed" (base64 of a sealed body), else NULL;
					    its sealed fields are then NULL, 0 or absent here */
	size_t seal_len;
} pl_wf_body;

/*
 * The sealed form (docs/confidentiality.md, section 1). A statement of a
 * thread whose label is not TLP:CLEAR carries its human content sealed, as
 * "sealed": base64 of a sealed body (statement/sealed.h), next to its public
 * fields; the fields below are then in the sealed body, never in clear. A
 * statement without "sealed" is parsed in clear as always (old logs keep
 * their meaning; whether a new one must be sealed depends on its thread:
 * pl_wf_sealing_check, state.h).
 *
 *   concern   title, summary, class, rsit_type, norms, evidence  (public: tlp, recipients)
 *   request   text, due_reason, preservation           (public: case, kind, to, due)
 *   ack       note                                      (public: request)
 *   response  reasons, text, availability_warning      (public: request, status, until, preserved_until)
 *   status    text                                      (public: request, kind)
 *   withdraw  reason                                    (public: request)
 *   close     text                                      (public: case, outcome)
 *   evidence  title, reproduce, files, bytes, index.sha256, index.size   (public: case, tlp,
 *   finding   result, summary, report.sha256, report.size                  recipients, the blob's name)
 *   group.propose   name, mandate, cadence, experts, due_reason  (public: tlp, kind, invited, due)
 *   group.answer    reasons, experts                             (public: group, answer)
 *   group.leave, group.dissolve   reasons                        (public: group)
 *   session.propose agenda, format, place, due_reason   (public: tlp, participants, window, due, group, threads)
 *   session.answer, .reschedule, .cancel   reasons   (public: session, answer, window, cites)
 *   session.held    note                                (public: session, held_at)
 *   session.outcome text                                (public: session, kind)
 *   outcome.endorse note                                (public: outcome, position)
 *
 * The rules on sealed fields alone (due_reason with due, reasons of refused
 * and postponed, the art. 29(2) fields, an update's text, RSIT and norms, the
 * sealed caps) become content rules: the author's client and every reader
 * check them, admission cannot.
 */

/* The sealed fields of t (NULL-terminated), or NULL for a type never sealed (ping, pong, norms.*). */
const char *const *pl_wf_sealed_fields(pl_wf_type t);

/* True if key is a top-level sealed field of t. */
bool pl_wf_field_sealed(pl_wf_type t, const char *key);

/*
 * The public reading of b's sealed body (b->seal): decoded and parsed into h
 * (pl_sealed_parse; the caller allocates h, about 11 KiB). PL_OK;
 * PL_EREFUSED with v filled (sealed_malformed): not canonical base64, too
 * long, a header that is not canonical, a ciphertext that is not one bucket
 * and a tag; PL_ENOMEM.
 */
int pl_wf_sealed_head(const pl_wf_body *b, pl_seal_head *h, pl_refusal *v);

/*
 * The form check pl_wf_parse runs first (b->type set): when s's body has
 * "sealed", that its type may be sealed (sealed_not_allowed), that none of
 * its sealed fields is in clear (sealing_required), and that the sealed body
 * reads (sealed_malformed); sets b->seal. PL_OK when there is no "sealed".
 */
int pl_wf_sealed_form(const pl_stmt *s, pl_wf_body *b, pl_refusal *v);

/* The fields a concern's body must have (NULL-terminated): title, class, tlp, summary, recipients. */
extern const char *const pl_wf_concern_required[];

/* The type of name, or -1 if it is not a workflow type. */
int pl_wf_type_of(const char *name);
const char *pl_wf_type_name(pl_wf_type t);

/*
 * The admission rule on public one-line fields, for a statement of any type
 * (membership types included): a concern's and an evidence's "title", an
 * evidence item's "name" and "media_type", every string of a norm set, every
 * contact field, the charter's "name" hold no control character (C0, TAB
 * and LF included; DEL; C1), no bidirectional control and no line separator
 * (base/safetext.h). PL_OK, or PL_EREFUSED with v filled (control_character).
 * Values of another type are left to the type's own rules. An admission rule
 * like the clock skew: pl_engine_check runs it on new statements only, never
 * on a log replayed (a log holds what it holds; whoever shows it escapes it).
 */
int pl_wf_lines_check(const pl_stmt *s, pl_refusal *v);

/*
 * Checks the body of a workflow statement s on its own: fields, sizes,
 * vocabularies, that references are in refs, that dates are after the
 * statement's time, that reasons are given where mandatory, the preservation
 * fields; in the sealed form, the public part and the sealed body's header
 * (pl_wf_sealed_form), the rules on sealed fields left to readers. Returns
 * PL_OK with b filled, PL_EREFUSED with v filled, or PL_ENOMEM.
 */
int pl_wf_parse(const pl_stmt *s, pl_wf_body *b, pl_refusal *v);

#endif
