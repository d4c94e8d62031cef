/*
 * source.h - a read-only view of a published log: anything that serves its
 * files by their tlog-tiles paths ("checkpoint", "tile/0/000",
 * "tile/entries/001.p/7"). The store layer provides the log directory on disk
 * (pl_source_open_dir); the client layer provides one over HTTP(S)
 * (client/http_source.h) through the same interface. Nothing read through a
 * source is trusted: callers check everything against a checkpoint signed by
 * the log.
 */
#ifndef PARLEY_STORE_SOURCE_H
#define PARLEY_STORE_SOURCE_H

#include <stdbool.h>
#include <stddef.h>

#include "base/buf.h"
#include "base/err.h"
#include "tlog/tile.h"

typedef struct pl_source pl_source;

/* How a kind of source reads one resource and frees its own state. */
typedef struct pl_source_ops {
	/* Appends the resource at relpath to out, at most max bytes: PL_ENOTFOUND
	 * when it does not exist, PL_ETOOBIG past max (out unchanged on failure). */
	int (*get)(void *impl, const char *relpath, size_t max, pl_buf *out, pl_diag *d);
	void (*free)(void *impl);
} pl_source_ops;

/*
 * A source reading through ops with impl as its state; on success the source
 * owns impl (ops->free releases it with the source). PL_ENOMEM (impl is then
 * released too).
 */
int pl_source_new(const pl_source_ops *ops, void *impl, pl_source **out, pl_diag *d)
	__attribute__((warn_unused_result));

/* A source reading the log directory dir. PL_ENOTFOUND if it is not a directory. */
int pl_source_open_dir(const char *dir, pl_source **out, pl_diag *d) __attribute__((warn_unused_result));

/* Frees s and its state; NULL is fine. */
void pl_source_free(pl_source *s);

/* The directory of a source made by pl_source_open_dir, else NULL. */
const char *pl_source_dir(const pl_source *s);

/*
 * Appends the resource at relpath to out, refusing more than max bytes.
 * PL_ENOTFOUND for a missing file (or an HTTP 404), PL_ETOOBIG past max,
 * PL_EIO / PL_ENET otherwise; out is unchanged on failure.
 */
int pl_source_get(pl_source *s, const char *relpath, size_t max, pl_buf *out, pl_diag *d)
	__attribute__((warn_unused_result));

/*
 * Fetches a tile or bundle (a pl_tile_fetch_fn; ctx is the pl_source). A
 * partial tile that is gone (replaced by its full tile) is read as the full
 * tile's prefix.
 */
int pl_source_fetch_tile(void *ctx, const pl_tile *t, pl_buf *out);

/*
 * The leaf hash of entry index (< size) of a tree of size size, read from its
 * level-0 tile as the source serves it (unauthenticated: the caller trusts
 * the source, e.g. its own log). PL_ECORRUPT for a tile of the wrong length.
 */
int pl_source_leaf(pl_source *s, uint64_t size, uint64_t index, pl_hash *out) __attribute__((warn_unused_result));

#endif
