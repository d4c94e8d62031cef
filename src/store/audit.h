/*
 * audit.h - recompute a whole published log and check it against its
 * checkpoint: every entry bundle against the level-0 tile it must hash to,
 * every full tile against the tile above, the root against the signed
 * checkpoint. For a directory source, every leftover partial tile and bundle
 * is also checked to be a prefix of the current one, so no byte of any
 * published file escapes the audit.
 */
#ifndef PARLEY_STORE_AUDIT_H
#define PARLEY_STORE_AUDIT_H

#include <stdint.h>

#include "base/err.h"
#include "store/source.h"
#include "tlog/checkpoint.h"

/* Called now and then with entries audited so far and the total. */
typedef void (*pl_progress_fn)(void *ctx, uint64_t done, uint64_t total);

typedef struct pl_audit_result {
	pl_checkpoint cp;          /* the checkpoint audited */
	uint64_t tiles;            /* hash tiles checked */
	uint64_t bundles;          /* entry bundles checked */
	uint64_t old_partials;     /* leftover partial tiles/bundles checked (directories only) */
} pl_audit_result;

/*
 * Audits the log at s under pol. PL_OK if everything is consistent;
 * PL_ECORRUPT (with the first bad file named in d) or PL_EVERIFY (root
 * mismatch) otherwise, or the checkpoint's verification errors. progress may
 * be NULL.
 */
int pl_audit(pl_source *s, const pl_policy *pol, pl_progress_fn progress, void *ctx, pl_audit_result *res,
	     pl_diag *d) __attribute__((warn_unused_result));

#endif
