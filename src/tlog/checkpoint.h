/*
 * checkpoint.h - C2SP tlog-checkpoint bodies and their verification policy.
 *
 * A Parley checkpoint is exactly three lines: origin, tree size (canonical
 * decimal), root hash (canonical base64 of 32 bytes). Extension lines are
 * rejected. A checkpoint is trusted only through a pl_policy: the log's own
 * Ed25519 signature (its key name is the origin) plus at least `quorum`
 * valid cosignatures from the listed witnesses.
 */
#ifndef PARLEY_TLOG_CHECKPOINT_H
#define PARLEY_TLOG_CHECKPOINT_H

#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"
#include "tlog/merkle.h"
#include "tlog/note.h"

#define PL_ORIGIN_MAX PL_KEYNAME_MAX
#define PL_WITNESS_MAX 32

typedef struct pl_checkpoint {
	char origin[PL_ORIGIN_MAX + 1]; /* NUL-terminated origin line */
	uint64_t size;                  /* tree size, < PL_TREE_MAX */
	pl_hash root;                   /* RFC 6962 root of the tree of that size */
} pl_checkpoint;

typedef struct pl_policy {
	pl_verifier log;                        /* the log's Ed25519 key; name == origin */
	pl_verifier witnesses[PL_WITNESS_MAX];  /* trusted witness cosigning keys (type 0x04) */
	size_t nwitnesses;
	size_t quorum;                          /* cosignatures required, <= nwitnesses */
} pl_policy;

/* Parses checkpoint note text (with its final newline). PL_EFORMAT if not
 * exactly three canonical lines; PL_ERANGE for a size >= PL_TREE_MAX. */
int pl_checkpoint_parse(const uint8_t *text, size_t n, pl_checkpoint *out) __attribute__((warn_unused_result));

/* Appends the checkpoint's note text to out. */
int pl_checkpoint_format(const pl_checkpoint *c, pl_buf *out) __attribute__((warn_unused_result));

/* Initialises a policy that trusts only the log key, with quorum 0. */
void pl_policy_init(pl_policy *p, const pl_verifier *log);

/* Adds a witness key (must be type 0x04). PL_ETOOBIG past PL_WITNESS_MAX. */
int pl_policy_add_witness(pl_policy *p, const pl_verifier *w) __attribute__((warn_unused_result));

/*
 * Opens a signed checkpoint under the policy. PL_OK only if the note is well
 * formed, the log's signature verifies, the origin equals the log key's name,
 * no known signature is bad, and at least p->quorum witness cosignatures
 * verify. Errors: as pl_note_open; PL_ENOKEY when the log signature is missing
 * or the quorum is not met (*nwit says how many verified); PL_EFORMAT for a
 * bad body; PL_EVERIFY for an origin mismatch. cp and note may be NULL.
 */
int pl_checkpoint_open(const uint8_t *msg, size_t n, const pl_policy *p, pl_checkpoint *cp, pl_note *note,
		       size_t *nwit) __attribute__((warn_unused_result));

#endif
