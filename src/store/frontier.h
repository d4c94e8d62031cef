/*
 * frontier.h - the growing right edge of a tiled log, in memory.
 *
 * The frontier of a tree of size s is everything a writer needs to append:
 * at every tile level, the hashes of the current partial tile, plus the
 * entries of the current partial bundle. The root is derived from the partial
 * tiles when asked (pl_frontier_root), so an append hashes each interior node
 * once, for its tile. Appending an entry updates them and hands every tile or bundle that
 * becomes full to a write set; flushing adds the partial tiles and bundle of
 * the new size. All of it can be rebuilt from the partial tiles on disk
 * (pl_frontier_load), which also checks them against each other.
 */
#ifndef PARLEY_STORE_FRONTIER_H
#define PARLEY_STORE_FRONTIER_H

#include <stdint.h>

#include "base/buf.h"
#include "base/err.h"
#include "store/writeset.h"
#include "tlog/merkle.h"
#include "tlog/tile.h"

#define PL_LEVELS_MAX 8 /* 8 levels of height 8 cover any tree < 2^62 */

typedef struct pl_frontier {
	uint64_t size;                                   /* leaves appended */
	pl_hash tiles[PL_LEVELS_MAX][PL_TILE_WIDTH];     /* partial tile hashes, per level */
	pl_buf bundle;                                   /* partial entry bundle */
} pl_frontier;

/* An empty frontier (size 0). Release with pl_frontier_release. */
void pl_frontier_init(pl_frontier *f);
void pl_frontier_release(pl_frontier *f);

/*
 * Appends one entry whose leaf hash is leaf (the caller hashed it, possibly on
 * another thread). Every tile and bundle that becomes full is added to ws.
 * PL_ETOOBIG for an entry over PL_ENTRY_MAX bytes.
 */
int pl_frontier_append(pl_frontier *f, const uint8_t *e, size_t n, const pl_hash *leaf, pl_writeset *ws)
	__attribute__((warn_unused_result));

/* The RFC 6962 root of the tree of the frontier's size. */
void pl_frontier_root(const pl_frontier *f, pl_hash *out);

/* Adds the partial tiles and partial bundle of the current size to ws,
 * skipping levels whose partial tile is the same as at tree size `since`
 * (already published). Pass since = 0 to add them all. */
int pl_frontier_flush(pl_frontier *f, uint64_t since, pl_writeset *ws) __attribute__((warn_unused_result));

/*
 * Rebuilds the frontier of a tree of size from the partial tiles and bundle
 * under dir (a log directory). Checks the partial bundle's leaf hashes against
 * the level-0 partial tile. PL_ECORRUPT (with the path in d) if a file is
 * missing, of the wrong size, or inconsistent.
 */
int pl_frontier_load(pl_frontier *f, const char *dir, uint64_t size, pl_diag *d) __attribute__((warn_unused_result));

#endif
