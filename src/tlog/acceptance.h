/*
 * acceptance.h - the log's signed word that it took a statement (docs/api.md,
 * "Acceptances"), in the two forms a member may hold:
 *
 *   single: one note per statement (what logs signed before the batch form)
 *     parley.acceptance/v1 \n ORIGIN \n INDEX \n base64(LEAF) \n TIME \n
 *
 *   batch: one note per staged batch, and for each statement its path
 *     parley.batch-acceptance/v1 \n ORIGIN \n FIRST \n COUNT \n base64(ROOT) \n TIME \n
 *     ROOT is the RFC 6962 Merkle tree hash of the COUNT leaf hashes of
 *     entries FIRST .. FIRST+COUNT-1, taken as a tree of their own; the
 *     statement at INDEX carries its RFC 6962 inclusion path in that tree, at
 *     position INDEX-FIRST among COUNT leaves.
 *
 * Either way the log binds itself to one leaf at one index: the signature
 * fixes ORIGIN, FIRST and COUNT, and RFC 6962's domain-separated hashing
 * (0x00 leaves, 0x01 nodes) and position-checked verification let no second
 * leaf reach the same ROOT at the same position without a SHA-256 collision.
 * A single acceptance is checked as a batch of one whose root is the leaf.
 * Neither text is ever a checkpoint (those are exactly three lines) and
 * neither parses as the other (their first lines and line counts differ).
 *
 * Parsing is canonical (decimals without leading zeros, canonical base64,
 * the one time format, nothing after the last line); the times are as
 * signed and mean nothing to the checks. Pure: no I/O. The batch tree below
 * is what a log uses to sign a batch and give each statement its path.
 */
#ifndef PARLEY_TLOG_ACCEPTANCE_H
#define PARLEY_TLOG_ACCEPTANCE_H

#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"
#include "base/timefmt.h"
#include "tlog/checkpoint.h"
#include "tlog/merkle.h"
#include "tlog/note.h"

#define PL_ACCEPT_SINGLE_HEADER "parley.acceptance/v1"
#define PL_ACCEPT_BATCH_HEADER "parley.batch-acceptance/v1"
/* Bytes in the text of either form (header, origin, two decimals, a hash, a time: 392 at most). */
#define PL_ACCEPT_TEXT_MAX 512
/* Statements one batch acceptance may cover (a path then has at most 32 hashes). */
#define PL_ACCEPT_BATCH_MAX ((uint64_t)1 << 32)

typedef enum pl_accept_form {
	PL_ACCEPT_SINGLE = 1,    /* parley.acceptance/v1 */
	PL_ACCEPT_BATCH = 2,     /* parley.batch-acceptance/v1 */
} pl_accept_form;

typedef struct pl_acceptance {
	pl_accept_form form;
	char origin[PL_ORIGIN_MAX + 1];        /* NUL-terminated; the log key's name */
	uint64_t first;                        /* single: the index; batch: the batch's first index */
	uint64_t count;                        /* single: 1; batch: statements in the batch, 1..PL_ACCEPT_BATCH_MAX */
	pl_hash hash;                          /* single: the leaf hash; batch: the batch's root */
	char time[PL_TIME_LEN + 1];     /* when the log signed it, UTC to the second */
} pl_acceptance;

/*
 * Appends the note text of a (either form, ending in a newline) to out.
 * PL_EINVAL if a does not describe a valid acceptance (an empty or
 * over-long origin or one with control characters, a time not in the one
 * format, a single form with count != 1, count 0 or over
 * PL_ACCEPT_BATCH_MAX, first + count past PL_TREE_MAX); errors of pl_buf.
 * out is unchanged on failure.
 */
int pl_acceptance_format(const pl_acceptance *a, pl_buf *out) __attribute__((warn_unused_result));

/*
 * Parses note text text[0..n) (with its final newline) of either form.
 * PL_EFORMAT if it is neither form exactly, canonically; PL_ERANGE for an
 * index, a count or a range past the limits above.
 */
int pl_acceptance_parse(const uint8_t *text, size_t n, pl_acceptance *out) __attribute__((warn_unused_result));

/*
 * Opens the signed acceptance msg[0..n) with the log's key log: the note's
 * signature by that key verifies, the text parses, and its origin is the
 * key's name. Errors: as pl_note_open (PL_ETOOBIG, PL_EFORMAT, PL_EVERIFY,
 * PL_ENOKEY, PL_ENOMEM); PL_EFORMAT or PL_ERANGE for the text;
 * PL_EVERIFY when the origin is another log's.
 */
int pl_acceptance_open(const uint8_t *msg, size_t n, const pl_verifier *log, pl_acceptance *out)
	__attribute__((warn_unused_result));

/*
 * Whether a binds the log to leaf at index, given the statement's path
 * path[0..len) (leaf's sibling first; none for a single acceptance or a
 * batch of one). PL_OK or PL_EVERIFY (another index, another leaf, a path
 * that does not reach the root at position index - first among count).
 */
int pl_acceptance_check(const pl_acceptance *a, uint64_t index, const pl_hash *leaf, const pl_hash *path,
			size_t len) __attribute__((warn_unused_result));

/*
 * The RFC 6962 tree of one batch's leaves, every complete subtree hashed
 * once (fewer than 2 * count hashes), so that its root and every
 * statement's path cost no more hashing.
 */
typedef struct pl_batch_tree {
	size_t count;            /* leaves */
	size_t levels;           /* levels with a complete subtree: 1 + floor(log2(count)) */
	size_t off[64];          /* level l's hashes start at nodes[off[l]]; it has count >> l */
	pl_hash *nodes;          /* every complete subtree, level by level, left to right */
} pl_batch_tree;

/*
 * Builds the tree of leaves[0..count) into t (count 1..PL_ACCEPT_BATCH_MAX;
 * leaves are not kept). PL_EINVAL for a count out of range; PL_ENOMEM (t is
 * then empty). Release with pl_batch_tree_release.
 */
int pl_batch_tree_build(pl_batch_tree *t, const pl_hash *leaves, size_t count) __attribute__((warn_unused_result));

/* The root of the tree (the batch acceptance's ROOT). t is only read (non-const: a pl_hash_reader's context). */
void pl_batch_tree_root(pl_batch_tree *t, pl_hash *out);

/*
 * The inclusion path of leaf i (i < count) into path (room for PL_PROOF_MAX
 * hashes), leaf's sibling first; *len its length. PL_ERANGE if i >= count.
 */
int pl_batch_tree_path(pl_batch_tree *t, size_t i, pl_hash *path, size_t *len)
	__attribute__((warn_unused_result));

/* Frees the tree's hashes; t may be released twice or never built (zeroed). */
void pl_batch_tree_release(pl_batch_tree *t);

#endif
