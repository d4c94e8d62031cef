/*
 * package.h - an evidence package on its way into the log and back out.
 *
 * Packing: every file of the package (manifest.json and each file it lists)
 * is sealed to the recipients (seal.h) into a staging directory, named by
 * the sealed bytes' SHA-256; with no recipients (TLP:CLEAR) the files are
 * staged as they are, named by their own SHA-256. An *index* lists them:
 *
 *   {"parley": "evidence-index/v1",
 *    "files": {PATH: {"sha256": HEX, "sealed": HEX?, "size": N}, ...}}
 *
 * and is staged (sealed or not) the same way. The evidence statement records
 * the index's plaintext SHA-256, its sealed name, the TLP label and the
 * recipients; the index commits to every file's plaintext and sealed hash.
 *
 * Unpacking fetches the index, opens it, checks its SHA-256 against the
 * statement, then fetches, opens and checks every file, writes it under the
 * output directory (paths checked safe), and finally loads the package
 * (manifest.h) so every file is also the one the manifest lists.
 */
#ifndef PARLEY_EVIDENCE_PACKAGE_H
#define PARLEY_EVIDENCE_PACKAGE_H

#include <stdint.h>
#include <stdio.h>

#include "base/err.h"
#include "evidence/manifest.h"
#include "evidence/seal.h"
#include "statement/party.h"

/* A blob ready to upload: staging/<name>. */
typedef struct pl_staged {
	char name[PL_SHA256_HEX_LEN + 1]; /* the blob's name: SHA-256 of what is stored */
	uint64_t size;                    /* bytes stored */
} pl_staged;

typedef struct pl_packed {
	pl_staged *blobs;     /* every blob to upload, the index last */
	size_t nblobs;
	uint8_t index_sha256[PL_SHA256_SIZE];   /* the index's plaintext */
	char index_name[PL_SHA256_HEX_LEN + 1]; /* the index blob's name */
	uint64_t index_size;  /* the index's plaintext size */
	uint64_t files, bytes;/* package files (manifest included) and their plaintext bytes */
	bool sealed;
} pl_packed;

void pl_packed_release(pl_packed *p);

/*
 * Packs the package in dir (checked with pl_package_load first) into staging
 * (created if needed) for recipients[0..n) (n == 0: not sealed). *out is
 * released with pl_packed_release.
 */
int pl_package_pack(const char *dir, const pl_identity *recipients, size_t n, const char *staging, pl_packed *out,
		    pl_diag *d) __attribute__((warn_unused_result));

/* Fetches blob name into out (the caller's transport: HTTP, a directory...). */
typedef int (*pl_blob_fetch_fn)(void *ctx, const char *name, FILE *out, pl_diag *d);

/*
 * Unpacks into outdir (must not exist; created) the package whose index is
 * blob index_name with plaintext SHA-256 index_sha256; sealed blobs are
 * opened with a key of ring (NULL for TLP:CLEAR packages; seal.h). PL_ENOKEY
 * if the ring's party is not a recipient or none of its keys opens; PL_EVERIFY for any hash or authentication failure; the
 * manifest is loaded into m on success (release with pl_manifest_release).
 */
int pl_package_unpack(pl_blob_fetch_fn fetch, void *ctx, const char *index_name,
		      const uint8_t index_sha256[PL_SHA256_SIZE], const pl_keyring *ring, const char *outdir,
		      pl_manifest *m, pl_diag *d)
	__attribute__((warn_unused_result));

/*
 * A finding's report, the file at path, made ready to upload: sealed to
 * recipients[0..n) into the file staged (created 0600; the caller removes
 * it), or with n == 0 (TLP:CLEAR) left as it is and staged not written.
 * name receives the blob's name, the SHA-256 of the bytes to upload (the
 * sealed ones, or the report's), and dg the digests (dg->plain always,
 * dg->sealed when sealed). PL_EIO when a file cannot be read or written.
 */
int pl_report_seal(const char *path, const pl_identity *recipients, size_t n, const char *staged, pl_seal_digest *dg,
		   char name[PL_SHA256_HEX_LEN + 1], pl_diag *d) __attribute__((warn_unused_result));

/*
 * A finding's report into outdir/report.json: blob name fetched and, when
 * ring is not NULL, opened with one of its keys (ring NULL: the blob is the
 * report itself, TLP:CLEAR); the report must have the plaintext SHA-256
 * sha256 (PL_EVERIFY otherwise). outdir must not exist (PL_EEXIST); it is
 * created (mode 0700) holding only report.json (0600), and nothing is left
 * behind on failure. PL_ENOKEY as for pl_package_unpack.
 */
int pl_report_unpack(pl_blob_fetch_fn fetch, void *ctx, const char *name, const uint8_t sha256[PL_SHA256_SIZE],
		     const pl_keyring *ring, const char *outdir, pl_diag *d) __attribute__((warn_unused_result));

#endif
