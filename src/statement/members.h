/*
 * members.h - who may sign what, as a function of the log alone.
 *
 * The membership registry is rebuilt by applying the log's statements in
 * order. Entry 0 is the charter; enroll, key.rotate, key.revoke and
 * contact.update change the registry; every other statement only advances
 * its author's sequence number. Admission (pl_admission_check) runs every
 * check a statement must pass before it may be appended, and says which one
 * failed in a pl_refusal; pl_members_apply then records an admitted one.
 *
 * Types and bodies (docs/statements.md defines them for other implementations):
 *   charter        {"name": S, "founders": [IDENTITY...], "admission": {"sponsors": K},
 *                   "deadlines": {"ack": SECONDS, "response": SECONDS}}
 *                  only at index 0, authored by one of the founders
 *   enroll         {"identity": IDENTITY}  by an active member; the party becomes a
 *                  member once K distinct members enrolled the same identity (a
 *                  revoked party comes back this way, with new keys)
 *   key.rotate     {"identity": IDENTITY}  by the party itself; the identity names the
 *                  party and its new keys; signed by the old key and by the new key
 *   key.revoke     {"reason": S?}          by the party itself: its key signs nothing more
 *
 * A key belongs to one party and a key that ended never comes back: an
 * identity whose signing or encryption key a party of the log holds or held
 * is refused (key_reused), except a rotation keeping the party's current
 * encryption key. A party name confusable with a member's (pl_party_skeleton)
 * is refused too (name_confusable).
 *   contact.update {"contact": {"name"|"email"|"phone"|"url"|"hours"|"note": S}}, or sealed to
 *                  the members' key: {"sealed": B64}, a sealed body (statement/sealed.h) whose
 *                  one reader entry is the current members' key and whose fields are
 *                  {"lang": L, "contact": {...}} (checked by the client and by every reader
 *                  with pl_members_contact_check); the registry then holds {"sealed": INDEX}
 *   members.rekey  {"after": T, "key": FP, "sealed": B64}  by an active member: a new
 *                  members' key for TLP:GREEN (docs/confidentiality.md, section 3). T
 *                  is the latest trigger (the charter, an enrolment that made a member,
 *                  a key.rotate, a key.revoke) and is in refs; FP (32 hex digits) the
 *                  key's public fingerprint, never used before; B64 a sealed object of
 *                  members' keys (statement/rekey.h) whose readers are exactly the
 *                  active members with their current encryption keys, chained to the
 *                  previous members' key when there is one. Refused rekey_stale when a
 *                  trigger came after T, rekey_duplicate when a rekey answers T already.
 *   share          {"to": P, "entries": [I...], "sealed": B64}  by a member: the content keys of
 *                  1..PL_SHARE_MAX earlier sealed entries (each in refs) re-wrapped to P, an
 *                  active member that lost the key they were sealed to: B64 a sealed body to P
 *                  (and possibly the author) with their current keys, whose fields are
 *                  {"lang": L, "keys": [{"entry": I, "key": B64 (32 bytes)}...]}. The receiver
 *                  checks each key against its entry (it opens it, its commitment matches).
 */
#ifndef PARLEY_STATEMENT_MEMBERS_H
#define PARLEY_STATEMENT_MEMBERS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"
#include "base/err.h"
#include "base/refusal.h"
#include "statement/dsse.h"
#include "statement/party.h"
#include "statement/seal_head.h"
#include "statement/statement.h"

#define PL_SPONSORS_MAX 16
#define PL_CONTACT_MAX 2048
#define PL_FOUNDERS_MAX 64
#define PL_SHARE_MAX 16 /* entries one share re-wraps */

typedef struct pl_charter {
	char name[129];             /* the group's name */
	size_t sponsors;            /* distinct members needed to enroll a party (>= 1) */
	int64_t ack_seconds;        /* default deadline to acknowledge a request */
	int64_t response_seconds;   /* default deadline to answer a request */
	int64_t time;               /* the charter's own time: nothing in the log is dated before it */
} pl_charter;

typedef struct pl_member_key {
	uint8_t sign_pk[PL_ED25519_PK_SIZE]; /* a signing key the party held */
	uint8_t box_pk[PL_X25519_PK_SIZE];   /* the encryption key it held with it */
	uint64_t from;                       /* index of the entry that established it */
	uint64_t until;                      /* index of the entry that ended it (UINT64_MAX: still valid) */
} pl_member_key;

typedef struct pl_member {
	pl_identity id;             /* current keys */
	pl_member_key *keys;        /* the whole key history, oldest first (heap; at least one key;
				     * pl_members_release frees it) */
	size_t nkeys, capkeys;
	bool active;                /* false once its key is revoked */
	uint64_t seq;               /* last sequence number used */
	uint64_t since;             /* index of the entry that admitted it */
	bool founder;
	char contact[PL_CONTACT_MAX]; /* compact JSON of its contact details, or "" */
} pl_member;

typedef struct pl_candidate {
	pl_identity id;
	char sponsors[PL_SPONSORS_MAX][PL_PARTY_MAX + 1];
	size_t nsponsors;
} pl_candidate;

/* A members' key the log established: the rekey's index (its epoch), the trigger it answers, its
 * public fingerprint. */
typedef struct pl_epoch_rec {
	uint64_t epoch;
	uint64_t after;
	uint8_t fp[PL_SEAL_FP_SIZE];
} pl_epoch_rec;

typedef struct pl_members {
	char origin[PL_ORIGIN_LEN_MAX + 1];
	uint64_t size;              /* entries applied so far */
	bool chartered;             /* entry 0 applied */
	pl_charter charter;
	pl_member *m;               /* in order of enrolment */
	size_t n, cap;
	size_t *byname;             /* indexes of m sorted by party name (n of them, cap room):
				     * lookups by name in O(log n) (pl_members_index) */
	pl_candidate *c;            /* parties enrolled by fewer than K sponsors yet */
	size_t nc, capc;
	uint64_t trigger;           /* the latest entry that changed the members or their keys */
	pl_epoch_rec *epochs;       /* the members' rekeys, in log order (heap) */
	size_t nepochs, capepochs;
} pl_members;

/* A submission being admitted: the exact bytes, the envelope, the payload. */
typedef struct pl_submission {
	pl_span raw;          /* envelope bytes (the log entry); borrowed */
	pl_envelope env;
	pl_stmt st;
	pl_hash leaf;         /* RFC 6962 leaf hash of raw */
	/* filled by a parallel pre-verification (pl_submission_preverify) */
	bool preverified;     /* the signature check below was done */
	bool sig_ok;          /* the author's signature (the first) verified under key */
	uint8_t key[PL_ED25519_PK_SIZE]; /* the key it was checked against */
} pl_submission;

/* Looks up the leaf hash of entry index, PL_ERANGE if it does not exist (yet). */
typedef int (*pl_leaf_fn)(void *ctx, uint64_t index, pl_hash *out);

/* Checks for statement types the membership layer does not own: returns
 * PL_OK if type is known and its body valid (given the registry), filling v
 * otherwise with code "type_unknown" or a body error. NULL accepts nothing. */
typedef int (*pl_type_fn)(void *ctx, const pl_members *m, const pl_submission *s, pl_refusal *v);

/* Looks up a blob a statement names (hex: 64 lower-case hex digits): its size, and up to cap of its
 * first bytes in head[0..*n). PL_ENOTFOUND when it is not stored; another error when it cannot say. */
typedef int (*pl_blob_fn)(void *ctx, const char *hex, uint64_t *size, uint8_t *head, size_t cap, size_t *n);

typedef struct pl_admission {
	int64_t now;            /* the server's clock */
	int64_t skew;           /* allowed |time - now|, seconds; < 0 disables the check */
	pl_leaf_fn leaf;        /* how to find referenced entries */
	void *leaf_ctx;
	pl_type_fn other_types; /* checker for the types of upper layers */
	void *type_ctx;
	bool trust_signatures;  /* replaying a log already verified: skip Ed25519 */
	pl_blob_fn blob;        /* the server's blob store, for the admission rule on blobs (workflow/blobs_check.h);
				   NULL: blobs are not checked (no store here, or a log replayed) */
	void *blob_ctx;
} pl_admission;

void pl_members_init(pl_members *m, const char *origin);
void pl_members_release(pl_members *m);

/* The member named party, or NULL. */
const pl_member *pl_members_get(const pl_members *m, const char *party);

/* The signing key party held when the entry at index was admitted (its key
 * at index - 1). PL_ENOTFOUND if none. */
int pl_members_key_at(const pl_members *m, const char *party, uint64_t index, uint8_t pk[PL_ED25519_PK_SIZE]);

/* The members' key current after the entries applied so far: the last rekey when it answers the
 * latest trigger, else NULL (a TLP:GREEN statement waits for a rekey). */
const pl_epoch_rec *pl_members_epoch(const pl_members *m);

/* A header of something sealed to the members (a TLP:GREEN statement, contact details; what: "a
 * TLP:GREEN statement is", for the sentence): exactly one entry, the current members' key. PL_OK, or
 * PL_EREFUSED with v: readers_mismatch (parties named), reader_key_stale (no key current, or
 * another). */
int pl_members_epoch_check(const pl_members *m, const pl_seal_head *h, const char *what, pl_refusal *v);

/*
 * The fields of a members.rekey body: its trigger, the key's fingerprint, and
 * the sealed object decoded into *obj (malloc'ed, *n bytes; free it). PL_EFORMAT
 * with the sentence in d for a body that is not one; PL_ENOMEM.
 */
int pl_members_rekey_fields(const json_t *body, uint64_t *after, uint8_t fp[PL_SEAL_FP_SIZE], uint8_t **obj,
			    size_t *n, pl_diag *d) __attribute__((warn_unused_result));

/* The rules of a contact.update body in clear ({"contact": {...}}: the fields, their sizes), for a
 * client before it seals one and a reader that opened one. PL_OK or PL_EREFUSED with v filled. */
int pl_members_contact_check(const json_t *body, pl_refusal *v);

/* True for the types this module owns. */
bool pl_members_owns_type(const char *type);

/*
 * Stateless checks (parallel-safe): size, envelope, payload type, payload,
 * origin, clock skew. Fills s (release with pl_submission_release).
 * Returns PL_OK or -1 with v filled.
 */
int pl_submission_parse(const uint8_t *raw, size_t n, const char *origin, const pl_admission *a, pl_submission *s,
			pl_refusal *v);

void pl_submission_release(pl_submission *s);

/* Verifies the author's signature (pl_envelope_verify) against the author's
 * current key in m (read-only; safe to run on several submissions at once
 * while m does not change). */
void pl_submission_preverify(const pl_members *m, pl_submission *s);

/*
 * Every check that depends on the log so far: author, key, signatures
 * (exactly those the type needs: one, by the author's current key, reusing the
 * pre-verification when done with that key; a key.rotate's second by its new
 * key), sequence number, references, the type's rules. Returns PL_OK,
 * PL_EREFUSED with v filled, or PL_ENOMEM.
 */
int pl_admission_check(const pl_members *m, const pl_admission *a, pl_submission *s, pl_refusal *v);

/* Records an admitted submission appended at index (== m->size). PL_ENOMEM only. */
int pl_members_apply(pl_members *m, const pl_submission *s, uint64_t index) __attribute__((warn_unused_result));

/*
 * The registry as bytes (appended to out) and back, for a replay that resumes
 * from saved state (replay/replay.h). pl_members_load replaces m's content
 * (m keeps its origin, and the saved state must be for that origin) reading
 * from d; on failure (PL_EFORMAT for bytes that are not such a state,
 * PL_ENOMEM) m is left empty. PL_ENOMEM or PL_ETOOBIG for save.
 */
struct pl_dec;
int pl_members_save(const pl_members *m, pl_buf *out) __attribute__((warn_unused_result));
int pl_members_load(pl_members *m, struct pl_dec *d) __attribute__((warn_unused_result));


#endif
