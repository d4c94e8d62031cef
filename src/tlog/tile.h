/*
 * tile.h - C2SP tlog-tiles: tile coordinates and paths, which tiles a tree
 * size has, entry bundles, and a pl_hash_reader over tiles.
 *
 * Tiles have height 8: a tile at level L holds up to 256 hashes of level-8L
 * subtrees (level 0: leaf hashes). Entry bundles ("level -1" here) hold the
 * entries of the matching level-0 tile as uint16_be length || bytes.
 * No I/O: tile bytes come from a caller-supplied fetch function.
 */
#ifndef PARLEY_TLOG_TILE_H
#define PARLEY_TLOG_TILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"
#include "tlog/merkle.h"

#define PL_TILE_HEIGHT 8
#define PL_TILE_WIDTH 256
#define PL_TILE_BYTES (PL_TILE_WIDTH * PL_HASH_SIZE)
#define PL_TILE_LEVEL_ENTRIES (-1)
#define PL_ENTRY_MAX 65535
/* A full bundle of maximal entries. */
#define PL_BUNDLE_MAX ((size_t)PL_TILE_WIDTH * (2 + PL_ENTRY_MAX))
/* Longest tile path: "tile/entries/" + 7 groups of "x000/" + ".p/255" + NUL. */
#define PL_TILE_PATH_MAX 64

typedef struct pl_tile {
	int level;      /* 0..63, or PL_TILE_LEVEL_ENTRIES for an entry bundle */
	uint64_t index; /* tile index within the level */
	unsigned width; /* 1..256 hashes (or entries); 256 is a full tile */
} pl_tile;

/* Writes the tile's path ("tile/0/x001/234.p/17", "tile/entries/005") into out. */
int pl_tile_path(const pl_tile *t, char *out, size_t cap) __attribute__((warn_unused_result));

/* Parses a tile path canonically (no leading zeros, x-prefixed groups, width
 * 1..255 only with .p). PL_EFORMAT otherwise. */
int pl_tile_parse_path(const char *path, size_t n, pl_tile *out) __attribute__((warn_unused_result));

/* Number of hashes at tile level L (0..63) in a tree of size: floor(size / 256^L). */
uint64_t pl_tile_level_count(uint64_t size, int level);

/* Number of levels that have at least one hash (full or partial) in a tree of size. */
int pl_tile_levels(uint64_t size);

/*
 * The tile at (level, index) as it exists in a tree of size: its width is 256
 * for a full tile or the partial width. PL_ERANGE if that tile is empty in
 * the tree. Level PL_TILE_LEVEL_ENTRIES gives the bundle (same widths as 0).
 */
int pl_tile_in_tree(uint64_t size, int level, uint64_t index, pl_tile *out) __attribute__((warn_unused_result));

/* Bytes a tile of this width holds (hash tiles only). */
size_t pl_tile_size(const pl_tile *t);

/*
 * Splits a bundle into exactly `count` entries (spans into p). PL_EFORMAT if
 * the bytes do not hold exactly count length-prefixed entries.
 */
int pl_bundle_parse(const uint8_t *p, size_t n, unsigned count, pl_span *entries)
	__attribute__((warn_unused_result));

/* Appends one entry (<= PL_ENTRY_MAX bytes) to a bundle under construction. */
int pl_bundle_append(pl_buf *b, const uint8_t *e, size_t n) __attribute__((warn_unused_result));

/*
 * Fetches one tile's bytes, appending them to out. The fetcher is trusted for
 * nothing: every hash read through it ends up checked against a signed root by
 * the caller (proof verification or a full audit).
 */
typedef int (*pl_tile_fetch_fn)(void *ctx, const pl_tile *t, pl_buf *out);

/*
 * A pl_hash_reader that answers subtree reads from the tiles of a tree of a
 * fixed size, fetching each tile at most once per read call (and keeping the
 * most recent tiles in a small cache). Initialise with pl_tile_reader_init,
 * release with pl_tile_reader_release.
 */
#define PL_TILE_CACHE 8
typedef struct pl_tile_reader {
	uint64_t size;             /* tree size the tiles belong to */
	pl_tile_fetch_fn fetch;    /* where tile bytes come from */
	void *fetch_ctx;
	struct {
		pl_tile tile;      /* which tile the slot holds */
		bool used;
		uint64_t stamp;    /* for least-recently-used eviction */
		pl_hash hashes[PL_TILE_WIDTH];
	} cache[PL_TILE_CACHE];
	uint64_t clock;
} pl_tile_reader;

void pl_tile_reader_init(pl_tile_reader *tr, uint64_t size, pl_tile_fetch_fn fetch, void *ctx);
/* The reader as a pl_hash_reader (tr must outlive it). */
pl_hash_reader pl_tile_reader_as_hash_reader(pl_tile_reader *tr);

#endif
