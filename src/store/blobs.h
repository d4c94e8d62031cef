/*
 * blobs.h - content-addressed blob storage (evidence files, reports), with
 * quotas.
 *
 * A blob is stored under DIR/<2 hex>/<64 hex>, named by the SHA-256 of its
 * bytes, written once and never changed: a temporary file (in DIR/tmp) is
 * filled while the bytes are hashed, fsynced, and linked into place only if
 * the hash is the name it was uploaded under.
 *
 * Every blob is charged to the party that uploaded it: DIR/owners holds one
 * line "HEX PARTY\n" per blob stored, appended (and fsynced) right after the
 * blob was linked into place. Two limits hold at every moment, counting the
 * bytes of uploads still under way: the bytes one party's blobs hold in all
 * (party_quota) and the bytes all blobs hold (total). A blob another party
 * stored first is not stored again (PL_EEXIST) and charges nobody twice.
 *
 * Crash states: a temporary may be left in DIR/tmp (removed by
 * pl_blobs_open); a blob that exists is always complete; a blob linked just
 * before a crash may lack its owners line, and then counts toward the total
 * but toward no party's quota; a torn last owners line is ignored. Opening
 * recomputes every figure from the blobs that exist, so a line whose blob
 * is gone counts nothing.
 */
#ifndef PARLEY_STORE_BLOBS_H
#define PARLEY_STORE_BLOBS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/err.h"
#include "base/refusal.h"
#include "base/sha256.h"

typedef struct pl_blobs pl_blobs;
typedef struct pl_blob_upload pl_blob_upload;

/* The longest uploader name the store keeps (a party name). */
#define PL_BLOB_OWNER_MAX 64

typedef struct pl_blobs_limits {
	uint64_t max;         /* the largest blob accepted */
	uint64_t party_quota; /* the bytes one party's blobs may hold in all */
	uint64_t total;       /* the bytes all blobs may hold */
} pl_blobs_limits;

/* The defaults of `parley serve`: 256 MiB per blob, 4 GiB per party, 64 GiB in all. */
#define PL_BLOB_MAX_DEFAULT ((uint64_t)256 << 20)
#define PL_BLOB_PARTY_QUOTA_DEFAULT ((uint64_t)4 << 30)
#define PL_BLOB_TOTAL_DEFAULT ((uint64_t)64 << 30)

/*
 * Opens (creating) a blob directory under lim, counting what it holds (every
 * blob's size, each charged to its owner). PL_ENOMEM, PL_EIO.
 */
int pl_blobs_open(const char *dir, const pl_blobs_limits *lim, pl_blobs **out, pl_diag *d)
	__attribute__((warn_unused_result));
void pl_blobs_close(pl_blobs *b);

/* True if hex (64 lower-case hex digits) names a well-formed blob id. */
bool pl_blob_id_valid(const char *hex);

/* Path of the stored blob (out has PATH_MAX bytes); PL_ENOTFOUND if absent. */
int pl_blobs_path(const pl_blobs *b, const char *hex, char *out) __attribute__((warn_unused_result));

/*
 * Blob hex's size and its first bytes: *size gets its size, head[0..*n) up
 * to cap of its first bytes. PL_ENOTFOUND if it is not stored, PL_EIO.
 */
int pl_blobs_peek(const pl_blobs *b, const char *hex, uint64_t *size, uint8_t *head, size_t cap, size_t *n)
	__attribute__((warn_unused_result));

/* Bytes stored in all, and by owner (NULL: nobody's), including uploads under way. */
uint64_t pl_blobs_used(pl_blobs *b, const char *owner);

/*
 * Starts an upload of the blob named hex by owner (1..PL_BLOB_OWNER_MAX
 * bytes of a-z 0-9 . -: a party name). PL_EEXIST if it is already stored.
 */
int pl_blobs_begin(pl_blobs *b, const char *hex, const char *owner, pl_blob_upload **out, pl_diag *d)
	__attribute__((warn_unused_result));

/*
 * Charges the n bytes an upload says it will bring (a declared length)
 * before any arrives, so an upload over a limit is refused before its body:
 * PL_ETOOBIG past the size cap, PL_EREFUSED like pl_blob_write. Writes then
 * charge only what goes beyond n.
 */
int pl_blob_reserve(pl_blob_upload *u, uint64_t n, pl_refusal *r, pl_diag *d) __attribute__((warn_unused_result));

/*
 * Adds bytes. PL_ETOOBIG past the size cap; PL_EREFUSED with r filled when
 * they would take the owner over its quota (quota_exceeded) or the store
 * over its total (blob_store_full); the upload is then dead, and what it
 * held is given back when it is aborted.
 */
int pl_blob_write(pl_blob_upload *u, const void *p, size_t n, pl_refusal *r, pl_diag *d)
	__attribute__((warn_unused_result));

/* Finishes: PL_EVERIFY if the bytes do not hash to the name; else stores it durably and charges its owner. */
int pl_blob_commit(pl_blob_upload *u, pl_diag *d) __attribute__((warn_unused_result));

/* Abandons (or frees after commit) an upload, giving back what it held unless it was stored; NULL is fine. */
void pl_blob_abort(pl_blob_upload *u);

#endif
