/*
 * source.h - a read-only view of a published log: its directory on disk or
 * its tlog-tiles HTTP(S) prefix. Nothing read through a source is trusted:
 * callers check everything against a checkpoint signed by the log.
 */
#ifndef PARLEY_STORE_SOURCE_H
#define PARLEY_STORE_SOURCE_H

#include <stdbool.h>
#include <stddef.h>

#include "base/buf.h"
#include "base/err.h"
#include "tlog/tile.h"

typedef struct pl_source pl_source;

/*
 * Opens a source: a URL when where starts with http:// or https://, a
 * directory otherwise. PL_ENOTFOUND if the directory does not exist.
 */
int pl_source_open(const char *where, pl_source **out, pl_diag *d) __attribute__((warn_unused_result));

void pl_source_free(pl_source *s);

/* Whether to ask an HTTP server for gzip-compressed bundles (default yes;
 * worth turning off on loopback, where compressing costs more than it saves). */
void pl_source_set_gzip(pl_source *s, bool yes);

/* The directory, or NULL for a URL source. */
const char *pl_source_dir(const pl_source *s);

/*
 * Appends the resource at relpath ("checkpoint", "tile/0/000", ...) to out,
 * refusing more than max bytes. PL_ENOTFOUND for a missing file or an HTTP
 * 404, PL_ETOOBIG past max, PL_EIO / PL_ENET otherwise.
 */
int pl_source_get(pl_source *s, const char *relpath, size_t max, pl_buf *out, pl_diag *d)
	__attribute__((warn_unused_result));

/* Fetches a tile or bundle (a pl_tile_fetch_fn; ctx is the pl_source). */
int pl_source_fetch_tile(void *ctx, const pl_tile *t, pl_buf *out);

/*
 * The leaf hash of entry index (< size) of a tree of size size, read from its
 * level-0 tile as the source serves it (unauthenticated: the caller trusts
 * the source, e.g. its own log). PL_ECORRUPT for a tile of the wrong length.
 */
int pl_source_leaf(pl_source *s, uint64_t size, uint64_t index, pl_hash *out) __attribute__((warn_unused_result));

#endif
