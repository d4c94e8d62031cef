/*
 * walk.h - the regular files under a directory, in a fixed order.
 *
 * pl_walk_files visits every regular file below root, depth first, entries
 * of each directory in byte order of their names, calling fn with the path
 * relative to root ('/'-separated) and its stat. Symbolic links and special
 * files are not followed nor visited (counted in *skipped when not NULL);
 * directories deeper than PL_WALK_DEPTH_MAX or paths longer than PATH_MAX
 * are refused (PL_ETOOBIG). fn returning non-zero stops the walk and is
 * returned.
 */
#ifndef PARLEY_BASE_WALK_H
#define PARLEY_BASE_WALK_H

#include <stdint.h>
#include <sys/stat.h>

#include "base/err.h"
#include "base/sizes.h"

#define PL_WALK_DEPTH_MAX 64

typedef int (*pl_walk_fn)(void *ctx, const char *rel, const struct stat *st);

int pl_walk_files(const char *root, pl_walk_fn fn, void *ctx, uint64_t *skipped, pl_diag *d)
	__attribute__((warn_unused_result));

/* SHA-256 of the file at path (streamed); *size gets its length when not NULL. */
int pl_sha256_path(const char *path, uint8_t out[PL_SHA256_SIZE], uint64_t *size, pl_diag *d)
	__attribute__((warn_unused_result));

#endif
