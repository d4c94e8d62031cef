/*
 * disclosure.h - disclosure files and proofs of an author's misbehaviour
 * (docs/confidentiality.md, section 7): what a reader of a sealed statement
 * hands a third party (a court, a mediator, the press), who checks it
 * offline against one cosigned checkpoint with nothing but the log's key and
 * the witnesses' keys.
 *
 * The file is a sequence of length-framed parts:
 *
 *   parley-disclosure-file/v1\n
 *   statement <n>\n  <n bytes>   the statement's c2sp.org/tlog-proof@v1 file, its entry (the
 *                                DSSE envelope) in "extra", as `parley proof` writes it
 *   author <n>\n     <n bytes>   the tlog-proof of the entry that established the key the
 *                                author held at the statement's index (charter, enroll or
 *                                key.rotate), its entry in "extra"
 *   reader <n>\n     <n bytes>   only with a box proof: the same for the reader whose box
 *                                does not open, for the key its header entry names
 *   thread <n>\n     <n bytes>   0 to 2 times: the tlog-proof of the entry the statement (then
 *                                the previous thread part) names as its thread, up to the
 *                                concern: a request's or close's or evidence's "case", an
 *                                ack's, response's, status's or withdrawal's "request", a
 *                                finding's "evidence"; their public parts show the thread's
 *                                TLP (files made before these parts have none)
 *   endorsement <n>\n <n bytes>  0 to PL_DFILE_ENDORSE_MAX times, only for a session's outcome,
 *   endorser <n>\n    <n bytes>   each pair: the tlog-proof of an outcome.endorse of that outcome
 *                                with position endorse, then that of the entry establishing
 *                                its author's key: a jointly endorsed outcome, checked offline
 *                                (docs/groups.md, section 6)
 *   block <n>\n      <n bytes>   a disclosure block or a proof block (statement/sealproof.h)
 *
 * n is canonical decimal (no sign, no leading zero, 1..the part's cap);
 * nothing precedes, separates or follows the parts. Every tlog-proof must
 * carry the same checkpoint, byte for byte (one checkpoint: one tree the
 * whole file is proven in). Caps: a part PL_PROOF_FILE_MAX (a block
 * PL_DISCLOSURE_MAX), the file PL_DFILE_MAX. A reader part comes with a box
 * proof and only with it.
 *
 * What the file never holds: a content key shared with other statements
 * (there is none), any reader's secret key. A disclosure reveals the one
 * statement's body and salt; a key proof that statement's content key; a box
 * proof one box's shared secret.
 */
#ifndef PARLEY_CLIENT_DISCLOSURE_H
#define PARLEY_CLIENT_DISCLOSURE_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"
#include "base/err.h"
#include "statement/party.h"
#include "statement/seal_head.h"
#include "statement/sealed.h"
#include "statement/sealproof.h"
#include "statement/statement.h"
#include "store/source.h"
#include "tlog/checkpoint.h"
#include "tlog/proof_file.h"
#include "workflow/index.h"

#define PL_DFILE_MAGIC "parley-disclosure-file/v1"
#define PL_DFILE_PART_MAX PL_PROOF_FILE_MAX
#define PL_DFILE_THREAD_MAX 2 /* an ack's request, then its concern */
#define PL_DFILE_ENDORSE_MAX PL_SEAL_READERS_MAX /* a session's proposer and its 64 participants */
/* The tlog-proofs, a block and the framing lines. */
#define PL_DFILE_MAX \
	((3 + PL_DFILE_THREAD_MAX + 2 * PL_DFILE_ENDORSE_MAX) * (size_t)PL_DFILE_PART_MAX + PL_DISCLOSURE_MAX + 4096)

/* The parts of a file, borrowed (spans into the parsed input, or the caller's for writing). */
typedef struct pl_dfile {
	pl_span statement;
	pl_span author;
	pl_span reader; /* len 0: none */
	pl_span thread[PL_DFILE_THREAD_MAX]; /* len 0: none (a thread part only after the ones before it) */
	pl_span endorsement[PL_DFILE_ENDORSE_MAX], endorser[PL_DFILE_ENDORSE_MAX];
	size_t nendorse;
	pl_span block;
} pl_dfile;

/*
 * Parses the framing of p[0..n) into f (spans into p). PL_ETOOBIG past
 * PL_DFILE_MAX or a part's cap; PL_EFORMAT, saying what, for anything but
 * the form above (parts missing, out of order, repeated, a length that is
 * not canonical or runs past the input, bytes after the block). The parts'
 * contents are not looked at (pl_dfile_check does).
 */
int pl_dfile_parse(const uint8_t *p, size_t n, pl_dfile *f, pl_diag *d) __attribute__((warn_unused_result));

/* Appends the file made of f's parts to out (f->reader.len 0: no reader part). PL_EINVAL for an
 * empty or oversized part; PL_ETOOBIG past out's cap, PL_ENOMEM. */
int pl_dfile_write(const pl_dfile *f, pl_buf *out) __attribute__((warn_unused_result));

typedef enum pl_dfile_kind { PL_DFILE_DISCLOSURE = 1, PL_DFILE_PROOF = 2 } pl_dfile_kind;

/* What a checked file shows. */
typedef struct pl_dfile_result {
	pl_dfile_kind kind;
	uint64_t index;             /* the statement's */
	uint64_t tree_size;         /* of the checkpoint */
	pl_stmt st;                 /* the statement (owned; pl_dfile_result_release) */
	uint64_t author_key;        /* the index of the entry that established the author's key */
	char author_key_type[PL_TYPE_MAX + 1]; /* its type: charter, enroll or key.rotate */
	pl_seal_head *head;         /* the sealed body's public header: readers and fingerprints (owned) */
	size_t bucket;              /* its padded size */
	json_t *fields;             /* a disclosure: the sealed fields (owned) */
	pl_sealed_fault fault;      /* a proof: the misbehaviour proven */
	pl_sealproof_kind proof;    /* a proof: a key proof or a box proof */
	char reader[PL_PARTY_MAX + 1]; /* a box proof: whose box */
	uint64_t reader_key;        /* a box proof: the entry that established that reader's key */
	size_t nthread;             /* thread parts: 0 (none in the file) to PL_DFILE_THREAD_MAX */
	uint64_t thread[PL_DFILE_THREAD_MAX]; /* their entries, the statement's thread first */
	char thread_type[PL_DFILE_THREAD_MAX][PL_TYPE_MAX + 1]; /* and their types (the last: concern) */
	char tlp[32];               /* the label: the statement's own "tlp", else the concern's its
				       thread parts lead to; "" when neither says (no thread parts) */
	/* an outcome's endorsements: the session's parties (its proposer and participants, from the
	 * thread part), which of them endorsed, with the entry of each endorsement */
	size_t nparties;
	char parties[PL_DFILE_ENDORSE_MAX][PL_PARTY_MAX + 1];
	uint64_t endorsed_at[PL_DFILE_ENDORSE_MAX]; /* per party: its endorsement's entry, UINT64_MAX for none */
	size_t nendorsed;
} pl_dfile_result;

/* The field of a statement of type that names its thread's previous entry ("case", "request",
 * "evidence"), and the type that entry must have; NULL for a concern or a statement outside threads. */
const char *pl_dfile_thread_link(const char *type, const char **target_type);

void pl_dfile_result_release(pl_dfile_result *r);

/*
 * Checks a disclosure or proof file offline under pol (the log's key, the
 * witness keys and the quorum): the framing; each tlog-proof's checkpoint
 * opens under pol, all three the same checkpoint, each entry included at
 * its index; the statement is a Parley statement of that log carrying a
 * well-formed sealed body; the author part is an entry before the statement
 * that names the author's identity, and the statement's envelope is signed
 * by that identity's key; then the block: a disclosure's salt and body are
 * the ones the commitment names (pl_disclosure_check), a proof proves the
 * misbehaviour (pl_sealproof_check; for a box proof the reader part names
 * that reader's identity before the statement, whose X25519 key is the one
 * the header's entry fingerprints); thread parts, when there are any, are
 * the entries each link names (pl_dfile_thread_link), of the type it
 * expects, before the statement, up to a concern. On PL_OK r says what was shown (release
 * it after any result). PL_EFORMAT: not such a file (or a part malformed);
 * PL_ENOKEY: a checkpoint lacks the log's signature or the quorum;
 * PL_EVERIFY: something does not check (d says what: the inclusion, another
 * checkpoint, the author's key, the signature, the commitment, a proof that
 * proves nothing); PL_ENOMEM.
 *
 * What it cannot check offline (the whole log is needed: `parley log
 * audit`): that the author's key was not rotated or revoked between its
 * establishment and the statement, that an enrolment had its sponsors, that
 * the readers are the right ones for the thread.
 */
int pl_dfile_check(const uint8_t *p, size_t n, const pl_policy *pol, pl_dfile_result *r, pl_diag *d)
	__attribute__((warn_unused_result));

/*
 * Makes a file for entry index of the log src holds (a member's verified
 * copy: its checkpoint opens under pol), with x that log's index (which entry
 * established which key) and key the reader's key (with epochs, may be NULL,
 * the members' keys it opens, for a TLP:GREEN statement). prove false: a disclosure,
 * once the body opened with key as it should (PL_EVERIFY, saying to use a
 * proof, when it does not); prove true: the proof of the misbehaviour opening
 * finds (PL_EVERIFY, "nothing to prove", when the body opens as it should).
 * The thread parts lead to the statement's concern. Appends the file to
 * out. PL_ENOTFOUND: the entry carries no sealed body;
 * PL_ENOKEY: key's party is not a reader (or it was sealed to another of its
 * keys); PL_ERANGE past the log; the copy's and the index's errors; PL_ENOMEM.
 * The file is checked with pl_dfile_check before it is appended.
 */
int pl_dfile_make(pl_source *src, pl_index *x, const pl_policy *pol, uint64_t index, const pl_party_key *key,
		  const pl_epoch_ring *epochs, bool prove, pl_buf *out, pl_diag *d) __attribute__((warn_unused_result));

/*
 * A jointly endorsed outcome's file: the disclosure of the session.outcome at index (pl_dfile_make, its
 * session as thread part) and every endorsement of it the copy holds (x's outcome_positions), each
 * with its author's key entry, all in the copy's checkpoint; checked (pl_dfile_check) before it is
 * appended to out. PL_EINVAL when index is not a session's outcome; pl_dfile_make's errors.
 */
int pl_dfile_make_outcome(pl_source *src, pl_index *x, const pl_policy *pol, uint64_t index, const pl_party_key *key,
			  const pl_epoch_ring *epochs, pl_buf *out, pl_diag *d) __attribute__((warn_unused_result));

/* The sealed object carried by st (body "sealed", base64) into out (its cap PL_SEALED_OBJECT_MAX).
 * PL_ENOTFOUND when st carries none; PL_EFORMAT when it is not canonical base64. */
int pl_dfile_sealed_of(const pl_stmt *st, pl_buf *out, pl_diag *d) __attribute__((warn_unused_result));

/* The identity of party in a statement that establishes keys (charter founders; enroll's and
 * key.rotate's identity). PL_ENOTFOUND when st names none for party; PL_ENOMEM. */
int pl_dfile_identity_in(const pl_stmt *st, const char *party, pl_identity *out) __attribute__((warn_unused_result));

#endif
