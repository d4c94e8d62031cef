/*
 * merkle.h - RFC 6962 / RFC 9162 Merkle trees: hashing, proofs, right edge.
 *
 * Pure functions, no I/O. Like Go's sumdb/tlog, the proof generators read the
 * hashes they need through a small interface (pl_hash_reader), so the same code
 * serves a log's own storage, a client reading tiles, and tests.
 *
 * A "subtree" (level, index) is the complete subtree of 2^level leaves
 * covering leaves [index * 2^level, (index + 1) * 2^level). Its hash is the
 * RFC 6962 Merkle Tree Hash of those leaves; at level 0 it is a leaf hash.
 *
 * Limits: tree sizes are < 2^62 (PL_TREE_MAX), so every proof fits in
 * PL_PROOF_MAX (63) hashes.
 */
#ifndef PARLEY_TLOG_MERKLE_H
#define PARLEY_TLOG_MERKLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/sizes.h"

#define PL_HASH_SIZE PL_SHA256_SIZE /* RFC 6962 hashes with SHA-256 */
#define PL_HASH_B64_LEN PL_B64_LEN(PL_HASH_SIZE) /* 44 */
#define PL_PROOF_MAX 63
#define PL_TREE_MAX ((uint64_t)1 << 62)

typedef struct pl_hash {
	uint8_t b[PL_HASH_SIZE];
} pl_hash;

typedef struct pl_subtree {
	uint8_t level;  /* height: the subtree has 2^level leaves */
	uint64_t index; /* position among subtrees of this level */
} pl_subtree;

/*
 * Reads the hashes of n complete subtrees ids[0..n) into out[0..n).
 * Returns PL_OK or an error code that is passed through to the caller
 * (PL_ENOTFOUND if a subtree is not stored, I/O errors, ...).
 */
typedef int (*pl_hash_read_fn)(void *ctx, const pl_subtree *ids, size_t n, pl_hash *out);

typedef struct pl_hash_reader {
	pl_hash_read_fn read;
	void *ctx;
} pl_hash_reader;

/* RFC 6962 leaf hash: SHA-256(0x00 || entry). */
void pl_leaf_hash(const uint8_t *entry, size_t n, pl_hash *out);

/* RFC 6962 interior node hash: SHA-256(0x01 || left || right). out may alias l or r. */
void pl_node_hash(const pl_hash *l, const pl_hash *r, pl_hash *out);

/* Root of the empty tree: SHA-256(""). */
void pl_empty_root(pl_hash *out);

/* Equality of two hashes (not constant time: hashes are public). */
bool pl_hash_eq(const pl_hash *a, const pl_hash *b);

/*
 * Merkle Tree Hash of count consecutive hashes taken as the leaves of a tree
 * (count >= 1; RFC 6962 split at the largest power of two below count). Used
 * for a tile's hashes: the root of a full tile is the hash of the level-8
 * subtree it spans.
 */
void pl_merkle_root_of(const pl_hash *hashes, size_t count, pl_hash *out);

/* Root hash of the tree of size n (n == 0 gives the empty root). */
int pl_tree_root(const pl_hash_reader *r, uint64_t n, pl_hash *out) __attribute__((warn_unused_result));

/*
 * Inclusion proof of leaf i in the tree of size n (i < n): writes the hashes,
 * from the leaf's sibling up to the root's child, into proof[0..*len).
 * proof must have room for PL_PROOF_MAX hashes. PL_ERANGE if i >= n or
 * n >= PL_TREE_MAX.
 */
int pl_prove_inclusion(const pl_hash_reader *r, uint64_t n, uint64_t i, pl_hash *proof, size_t *len)
	__attribute__((warn_unused_result));

/*
 * Consistency proof from the tree of size m to the tree of size n
 * (0 <= m <= n). Empty when m == 0 or m == n. Same buffer rules as above.
 */
int pl_prove_consistency(const pl_hash_reader *r, uint64_t m, uint64_t n, pl_hash *proof, size_t *len)
	__attribute__((warn_unused_result));

/*
 * RFC 9162 section 2.1.3.2: checks that leaf (a leaf hash) is at index i of
 * the tree of size n with the given root. PL_OK or PL_EVERIFY.
 */
int pl_verify_inclusion(uint64_t i, uint64_t n, const pl_hash *leaf, const pl_hash *proof, size_t len,
			const pl_hash *root) __attribute__((warn_unused_result));

/*
 * RFC 9162 section 2.1.4.2: checks that the tree of size m with root root_m
 * is a prefix of the tree of size n with root root_n. m == n requires an
 * empty proof and equal roots; m == 0 requires an empty proof. PL_OK or
 * PL_EVERIFY (PL_EINVAL if m > n).
 */
int pl_verify_consistency(uint64_t m, uint64_t n, const pl_hash *root_m, const pl_hash *root_n,
			  const pl_hash *proof, size_t len) __attribute__((warn_unused_result));

/*
 * The right edge of a tree: the hashes of the maximal complete subtrees, one
 * per set bit of size, largest (leftmost) first. Appending a leaf and taking
 * the root are O(log n) with no storage access.
 */
typedef struct pl_edge {
	uint64_t size;           /* leaves appended so far */
	size_t n;                /* number of hashes in h (popcount of size) */
	pl_hash h[64];           /* subtree hashes, left to right */
} pl_edge;

void pl_edge_init(pl_edge *e);
/* Appends one leaf hash. PL_ERANGE once size reaches PL_TREE_MAX. */
int pl_edge_append(pl_edge *e, const pl_hash *leaf) __attribute__((warn_unused_result));
/* Root of the tree the edge describes. */
void pl_edge_root(const pl_edge *e, pl_hash *out);
/* Builds the edge of the tree of size n from stored hashes. */
int pl_edge_load(const pl_hash_reader *r, uint64_t n, pl_edge *e) __attribute__((warn_unused_result));

/*
 * Decomposes the leaf range [start, end) into maximal aligned complete
 * subtrees, left to right, into ids (room for 64). Returns the count.
 * Precondition: start < end and start is a multiple of 2^ceil(log2(end-start))
 * or of the size of every subtree produced (true for every range a proof uses).
 */
size_t pl_range_subtrees(uint64_t start, uint64_t end, pl_subtree *ids);

#endif
