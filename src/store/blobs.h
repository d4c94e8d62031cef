/*
 * blobs.h - content-addressed blob storage (evidence files, reports).
 *
 * A blob is stored under DIR/<2 hex>/<64 hex>, named by the SHA-256 of its
 * bytes, written once and never changed: a temporary file (in DIR/tmp) is
 * filled while the bytes are hashed, fsynced, and renamed into place only if
 * the hash is the name it was uploaded under. Crash states: a temporary may
 * be left in DIR/tmp (removed by pl_blobs_open); a blob that exists is
 * always complete.
 */
#ifndef PARLEY_STORE_BLOBS_H
#define PARLEY_STORE_BLOBS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/err.h"
#include "base/sha256.h"

typedef struct pl_blobs pl_blobs;
typedef struct pl_blob_upload pl_blob_upload;

/* Opens (creating) a blob directory; max is the largest blob accepted. */
int pl_blobs_open(const char *dir, uint64_t max, pl_blobs **out, pl_diag *d) __attribute__((warn_unused_result));
void pl_blobs_close(pl_blobs *b);

/* True if hex (64 lower-case hex digits) names a well-formed blob id. */
bool pl_blob_id_valid(const char *hex);

/* Path of the stored blob (out has PATH_MAX bytes); PL_ENOTFOUND if absent. */
int pl_blobs_path(const pl_blobs *b, const char *hex, char *out) __attribute__((warn_unused_result));

/* Starts an upload of the blob named hex. PL_EEXIST if it is already stored. */
int pl_blobs_begin(pl_blobs *b, const char *hex, pl_blob_upload **out, pl_diag *d) __attribute__((warn_unused_result));

/* Adds bytes. PL_ETOOBIG past the size cap (the upload is then dead). */
int pl_blob_write(pl_blob_upload *u, const void *p, size_t n, pl_diag *d) __attribute__((warn_unused_result));

/* Finishes: PL_EVERIFY if the bytes do not hash to the name; else stores it durably. */
int pl_blob_commit(pl_blob_upload *u, pl_diag *d) __attribute__((warn_unused_result));

/* Abandons (or frees after commit) an upload; NULL is fine. */
void pl_blob_abort(pl_blob_upload *u);

#endif
