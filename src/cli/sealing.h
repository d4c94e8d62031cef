/*
 * sealing.h - the client side of sealed statements (docs/confidentiality.md):
 * a statement's sealed fields sealed to its readers once its seq is known,
 * with the readers' keys from the member's verified copy (never from the
 * server's registry); and a sealed body opened with the member's key.
 */
#ifndef PARLEY_CLI_SEALING_H
#define PARLEY_CLI_SEALING_H

#include <jansson.h>
#include <stddef.h>

#include "cli/session.h"
#include "statement/party.h"
#include "statement/sealed.h"
#include "statement/statement.h"
#include "workflow/types.h"

#define CLI_SEAL_READERS_MAX PL_SEAL_READERS_MAX

/* What cli_session_submit seals (session.h, cli_session.seal): borrowed. */
typedef struct cli_sealer {
	const cli_call *call;
	const char *type;                            /* the statement's type */
	const json_t *fields;                        /* the sealed fields, "lang" included */
	const char *readers[CLI_SEAL_READERS_MAX];   /* besides the author (who is always one) */
	size_t n;
	bool skip_revoked; /* a reader no longer an active member is left out (a thread's parties, from the
			    * log); otherwise it is an error */
	bool green;        /* TLP:GREEN: sealed to the current members' key, readers unused (cli_green_seal) */
} cli_sealer;

/*
 * A cli_seal_fn (session.h): seals sealer->fields for the statement (s's
 * origin, sealer->type, s's party, seq) to the author and sealer->readers,
 * each with its current identity in the member's verified copy, and sets
 * body["sealed"] to the base64 of the sealed object. PL_EINVAL for too many
 * readers; the copy's errors (a reader not a member: PL_ENOTFOUND, its
 * sentence in d); pl_sealed_seal's.
 */
int cli_seal_body(void *sealer, cli_session *s, uint64_t seq, json_t *body, pl_diag *d);

/* A cli_prepare_fn (session.h) for a cli_sealer: for TLP:GREEN, a members' key current first
 * (cli_green_ready). */
int cli_seal_prepare(void *sealer, cli_session *s, pl_diag *d);

/*
 * TLP:GREEN (seal_green.c; docs/confidentiality.md, section 3).
 * cli_members_keys: the members' keys s's party holds (client/epochs.h), from the member's verified
 * copy; release with pl_epochs_release.
 * cli_members_rekey: unless the latest members' key is current, a members.rekey wrapping a fresh
 * members' key to every active member (their keys from the copy) and chained to the latest one,
 * signed and submitted with a's flags (--wait, --json; quiet: nothing printed); *index its entry.
 * PL_EEXIST, *index the current one's, when there was nothing to do. PL_ESTATE when the party does not hold the latest
 * members' key (it joined after it: another member rekeys); PL_EREFUSED / PL_EIO when the server did
 * not accept it (said on stderr).
 * cli_green_ready: a members' key current for a GREEN statement: rekeys (waiting for its checkpoint,
 * said on stderr) when the members changed since the last one, and brings the copy up to date.
 * cli_green_seal: z's fields sealed to the current members' key into body["sealed"]; PL_ESTATE when
 * none is current or the party does not hold it.
 */
struct pl_epochs;
int cli_members_keys(const cli_call *call, cli_session *s, struct pl_epochs *ep, pl_diag *d);
int cli_members_rekey(const cli_call *call, cli_session *s, const cli_args *a, bool quiet, uint64_t *index,
		      pl_diag *d);
int cli_green_ready(const cli_call *call, cli_session *s, pl_diag *d);
int cli_green_seal(const cli_sealer *z, cli_session *s, uint64_t seq, json_t *body, pl_diag *d);

/* The bytes of st's sealed part (body["sealed"], base64-decoded) into *obj (free it). PL_ENOTFOUND: st is
 * not sealed; PL_EFORMAT: not base64; PL_ENOMEM. */
int cli_sealed_bytes(const pl_stmt *st, uint8_t **obj, size_t *n, pl_diag *d);

/*
 * Opens the sealed body of st (body["sealed"]) with one of ring's keys (one party's, current and past),
 * or when it is sealed to the members' key (TLP:GREEN) with one of epochs (may be NULL). PL_OK with *fields
 * the opened fields (json_decref them). PL_ENOTFOUND: st is not sealed.
 * PL_ENOKEY: not sealed to key (key's party is not a reader, or was sealed
 * to another of its keys). PL_EVERIFY: the author's misbehaviour, *fault
 * says which (the key does not open, or the commitment does not name the
 * text). PL_EFORMAT: the sealed part is malformed. d says what.
 */
int cli_open_body(const pl_stmt *st, const pl_keyring *ring, const pl_epoch_ring *epochs, json_t **fields,
		  pl_sealed_fault *fault, pl_diag *d);

/*
 * For a concern whose label is RED, AMBER+STRICT, AMBER or GREEN: checks the body in clear as admission would
 * (fields, sizes, vocabularies: pl_wf_parse) and the sealed caps, then moves its sealed fields
 * (workflow/types.h: pl_wf_sealed_fields) and "lang" (--lang, default "en") into *fields and fills z to
 * seal them to the author and the recipients (TLP:GREEN: z->green, to the members' key). *fields stays
 * NULL for a concern in clear (TLP:CLEAR). PL_EINVAL once a usage error is said; PL_ENOMEM.
 */
int cli_concern_seal_prepare(const cli_call *call, json_t *body, cli_sealer *z, json_t **fields);

/*
 * For evidence (t PL_WF_EVIDENCE, target its case) or a finding (PL_WF_FINDING, target its evidence)
 * by author not in clear: checks the body in clear as admission would (cli_clear_rules), then moves
 * its description (title, reproduce, files, bytes; result, summary) and its blob's "sha256" and
 * "size" (into "index" / "report" of the sealed fields; the blob's name stays public) into *fields
 * with "lang", and fills z to seal them to the author and the recipients, as the blob is.
 * PL_EINVAL (the sentence in d) for a body the rules refuse; PL_ENOMEM.
 */
int cli_describe_seal_prepare(const cli_call *call, pl_wf_type t, const char *author, uint64_t target, json_t *body,
			      cli_sealer *z, json_t **fields, pl_diag *d);

/* The content rules on a statement of type by author, its body in clear, as admission would apply
 * them (pl_wf_parse), with entry ref in its refs (UINT64_MAX: none): what a client checks before it
 * seals what the server can no longer see. pl_wf_parse's result; PL_EREFUSED with v set. */
struct pl_refusal;
int cli_clear_rules(const char *type, const char *author, uint64_t ref, json_t *body, struct pl_refusal *v);
/* The same with refs[0..nrefs) listed. */
int cli_clear_rules_refs(const char *type, const char *author, const uint64_t *refs, size_t nrefs, json_t *body,
			 struct pl_refusal *v);

/* The opened fields merged into body, a statement's public part: each field set, but "lang" and
 * "sealed"; a blob's "sha256" and "size" joining its public name ("index", "report" objects merged).
 * PL_ENOMEM. */
int cli_merge_opened(json_t *body, const json_t *fields);

/* What stands for a sealed concern's title in a view v that cli_case_open did not open (NULL when it
 * opened, or v is in clear). */
const char *cli_sealed_title(const json_t *v);

/* The member's key for opening, loaded (--key or PARLEY_KEY, cli_load_party_key) at the first sealed
 * body met, so a command that meets none never asks for a passphrase, with the party's earlier keys
 * (--old-key FILE, repeatable: up to PL_KEYRING_MAX keys in all, of the same party) for what was
 * sealed to them; and the members' keys they open (TLP:GREEN), derived from the copy e, x, pol name
 * (client/epochs.h) at the first body sealed to one. Zero it; release it. */
struct pl_index;
typedef struct cli_reader {
	const cli_args *a;
	const struct pl_entries *e;  /* the copy's entries, its index, the policy: for the members' keys */
	struct pl_index *x;          /* (NULL: GREEN stays sealed) */
	const struct pl_policy *pol;
	pl_party_key *key; /* NULL until loaded, or when none is named or it did not load */
	pl_party_key *old[PL_KEYRING_MAX - 1];
	pl_keyring ring;   /* key, then the old keys */
	bool tried;
	struct pl_epochs *epochs;
	bool epochs_tried;
	struct cli_shares *shares; /* the content keys other members shared with this one (seal_share.c) */
	bool shares_tried;
} cli_reader;
void cli_reader_release(cli_reader *r);

/* The content key of st's sealed body, opened with r's keys (or the members' keys they open) into key
 * (sodium_malloc memory, PL_SEAL_KEY_SIZE bytes), checked against the body's commitment: what a
 * share re-wraps. PL_ENOKEY when none of r's keys is a reader's; PL_EVERIFY for the author's
 * misbehaviour; PL_ENOTFOUND when st is not sealed. */
int cli_reader_content_key(cli_reader *r, const pl_stmt *st, uint8_t *key, pl_diag *d);

/*
 * The keys shared with ring's party (seal_share.c): every share statement of the copy (e, x, pol)
 * addressed to it, opened with ring. cli_shares_get: the nth key shared for entry (NULL: no more), *by
 * the sharer. Never fails: what does not verify or open is left out.
 */
struct cli_shares;
struct cli_shares *cli_shares_load(const struct pl_entries *e, struct pl_index *x, const struct pl_policy *pol,
				   const pl_keyring *ring);
const uint8_t *cli_shares_get(const struct cli_shares *s, uint64_t entry, size_t nth, const char **by);
void cli_shares_free(struct cli_shares *s);

/*
 * The concern of case id (entry id by author, verified: client/entries.h), opened for a view v of it (a
 * case or a row of the case list): when it is sealed, v["sealed"] is {"state": "opened"} with the
 * opened fields merged into v, {"state": "not_reader"} (the key is not a reader's; "no_key" when no key
 * is named, or it did not load: said on stderr), or {"state": "fault", "fault": SENTENCE} (the author's
 * misbehaviour: the fields are left out). Returns 0 for a concern in clear or opened, 1 for one sealed
 * and not opened, 2 for a fault.
 */
struct pl_entries;
struct pl_policy;
int cli_case_open(const struct pl_entries *e, const struct pl_policy *pol, uint64_t id, const char *author,
		  cli_reader *r, json_t *v);

/* The same for entry id of one of types (NULL-terminated; NULL: any) by author, opened into v (a view of
 * that statement: a request's row in a case, say). */
int cli_entry_open(const struct pl_entries *e, const struct pl_policy *pol, uint64_t id, const char *const *types,
		   const char *author, cli_reader *r, json_t *v);

/*
 * The same for a statement st already verified (pl_entries_statement), entry index of the log. When
 * none of the member's keys opens it, a key another reader shared for that entry (a share statement)
 * is tried: opened so, v["sealed"] is {"state": "opened", "shared_by": PARTY}. Once opened, the content rules
 * the server could not see (reasons, due reasons, preservation fields, sizes: pl_wf_parse on the public
 * body with the opened fields in place) are checked: a body that breaks one is a fault ("it breaks a
 * content rule the server cannot see: CODE: ..."), its fields left out, and changes no state.
 */
int cli_stmt_open(const pl_stmt *st, uint64_t index, cli_reader *r, json_t *v);

/*
 * What entry id (one of types, by author; NULL for anyone) says beyond the index, merged into v: a
 * sealed statement opened with r's keys (cli_stmt_open: 0 opened, 1 not opened, 2 a fault), the sealed
 * fields of a statement in clear as its body holds them (0). -1 when the entry does not verify in the
 * member's copy.
 */
int cli_entry_said(const struct pl_entries *e, const struct pl_policy *pol, uint64_t id, const char *const *types,
		   const char *author, cli_reader *r, json_t *v);

/*
 * A thread's view v opened from the member's copy (its directory dir, index x, policy pol) with the
 * keys a names: what entry id says merged into v (its cli_entry_said in *head), then for each
 * {LIST, KEY} of lists (ended by {NULL, NULL}) every object of v[LIST], the entry its v[LIST][i][KEY]
 * names; *bad counts those that do not verify. types: the types any of them may have. The copy's
 * errors when its entries do not open.
 */
struct pl_index;
int cli_view_said(const cli_args *a, const char *dir, struct pl_index *x, const struct pl_policy *pol, json_t *v,
		  uint64_t id, const char *const *types, const char *const (*lists)[2], int *head, size_t *bad,
		  pl_diag *d);

/*
 * A cli_seal_fn for a statement of a thread (ctx: a cli_thread_sealer): a request or a close (target: the
 * case), an ack, response, status or withdraw (target: the request). Reads the thread from the member's
 * verified copy: when the concern's label is RED, AMBER+STRICT or AMBER, checks the body in clear as
 * admission would (cli_clear_rules) and the sealed caps (cli_sealed_caps), moves the type's sealed
 * fields and "lang" into a sealed body and sets body["sealed"]. The readers: for a request and a close,
 * the case's parties (the concern's author and recipients), or with narrow, the request's author and
 * addressees ("to"); for an answer, the request's readers as its sealed header lists them (the case's
 * parties for a request an old log holds in clear). Parties revoked since are left out, as admission
 * leaves them out. A thread in clear (TLP:CLEAR) leaves body as it is; a TLP:GREEN thread is sealed to the members' key (cli_green_seal); narrow in either is
 * PL_EINVAL. PL_EINVAL for a body the rules refuse (the sentence in d); the
 * copy's and pl_sealed_seal's errors.
 */
typedef struct cli_thread_sealer {
	const cli_call *call;
	pl_wf_type type;
	uint64_t target;
	bool narrow;
} cli_thread_sealer;
int cli_seal_thread_body(void *ctx, cli_session *s, uint64_t seq, json_t *body, pl_diag *d);

/* A cli_prepare_fn for a cli_thread_sealer: a members' key current first when the thread is TLP:GREEN. */
int cli_thread_prepare(void *ctx, cli_session *s, pl_diag *d);

/*
 * A cli_seal_fn for a statement of a standing group (ctx: a cli_group_sealer): a group.propose (its own
 * body is the proposal), a group.answer, .leave or .dissolve (target: the group, its proposal read from
 * the member's verified copy). Under a label that is not TLP:CLEAR, checks the body in clear as
 * admission would (cli_clear_rules), moves the type's sealed fields and "lang" into a sealed body sealed
 * to the proposer and every invited party with their keys from the copy (parties revoked since left
 * out, as admission leaves them out), or for TLP:GREEN to the members' key; in clear leaves body as it
 * is. PL_EINVAL for a body the rules refuse (the sentence in d); the copy's and pl_sealed_seal's errors.
 */
typedef struct cli_group_sealer {
	const cli_call *call;
	pl_wf_type type;
	uint64_t target;     /* the group, session or outcome (not for a proposal) */
	const json_t *body;  /* the body to sign (for prepare: a proposal's label) */
	const uint64_t *refs; /* every entry the statement lists in refs */
	size_t nrefs;
} cli_group_sealer;
int cli_seal_group_body(void *ctx, cli_session *s, uint64_t seq, json_t *body, pl_diag *d);

/* A cli_prepare_fn for a cli_group_sealer: a members' key current first when the group is TLP:GREEN. */
int cli_group_prepare(void *ctx, cli_session *s, pl_diag *d);

/* Signs body (taken) as a statement of type t of a group's or a session's thread about target (UINT64_MAX
 * for a proposal), listing refs[0..nrefs) in refs, sealed by cli_seal_group_body; the exit status
 * (cli_session_sign_send_refs). */
int cli_group_send(const cli_call *call, pl_wf_type t, json_t *body, uint64_t target, const uint64_t *refs,
		   size_t nrefs, const char *cmd);

/* Moves the sealed fields of type t (pl_wf_sealed_fields) out of body into a new object *fields (json_decref
 * it), with "lang" (--lang, default "en"). PL_ENOMEM. */
int cli_seal_take(const cli_call *call, pl_wf_type t, json_t *body, json_t **fields);

/* The sealed caps (workflow/types.h: PL_WF_SEALED_*) on the fields of a body of type t in clear:
 * PL_EINVAL with the sentence in d for a field over its cap. */
int cli_sealed_caps(pl_wf_type t, const json_t *body, pl_diag *d);

/* A plain sentence for a fault of opening. */
const char *cli_seal_fault_text(pl_sealed_fault f);

#endif
