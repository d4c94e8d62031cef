/*
 * published.h - what a log's users do with its public files: fetch and verify
 * the checkpoint, read an entry, build an offline proof file.
 * Everything is checked against a checkpoint that opens under the policy.
 */
#ifndef PARLEY_STORE_PUBLISHED_H
#define PARLEY_STORE_PUBLISHED_H

#include <stdint.h>

#include "base/buf.h"
#include "base/err.h"
#include "store/source.h"
#include "tlog/checkpoint.h"

/* Fetches "checkpoint" and opens it under pol. note receives the signed
 * checkpoint bytes (appended), cp the parsed body. */
int pl_published_checkpoint(pl_source *s, const pl_policy *pol, pl_buf *note, pl_checkpoint *cp, pl_diag *d)
	__attribute__((warn_unused_result));

/* Appends entry i of the tree of the given size to out (unverified: callers
 * check its leaf hash with a proof). PL_ERANGE if i >= size. */
int pl_published_entry(pl_source *s, uint64_t size, uint64_t i, pl_buf *out, pl_diag *d)
	__attribute__((warn_unused_result));

/*
 * Appends to out a C2SP tlog-proof for entry i against the source's current
 * checkpoint, carrying the entry itself as the proof's extra data. The proof
 * is verified before it is written. PL_ERANGE if i is past the tree.
 */
int pl_published_prove(pl_source *s, const pl_policy *pol, uint64_t i, pl_buf *out, pl_diag *d)
	__attribute__((warn_unused_result));

/* Reads a verifier key file (one line) into v. */
int pl_read_vkey_file(const char *path, pl_verifier *v, pl_diag *d) __attribute__((warn_unused_result));

#endif
