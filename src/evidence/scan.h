/*
 * scan.h - reading a tree of files once for everything evidence asks of them:
 * YARA rules (libyara, compiled once, one scanner per thread) and digests
 * (SHA-256, and MD5, SHA-1 or SHA-512 only when asked), on every core.
 *
 * Each file is mapped once; the digests and the YARA scan read the same
 * pages. Files are handed out to worker threads and their results delivered
 * to the caller in path order (the walk's order, walk.h), so a report is the
 * same whatever the number of threads. A file that cannot be read is
 * delivered with an error sentence, not dropped. YARA's own time-out per file
 * is 60 s (reported as an error for that file).
 */
#ifndef PARLEY_EVIDENCE_SCAN_H
#define PARLEY_EVIDENCE_SCAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/err.h"
#include "base/sizes.h"

enum { PL_DIGEST_MD5 = 1, PL_DIGEST_SHA1 = 2, PL_DIGEST_SHA256 = 4, PL_DIGEST_SHA512 = 8 };

#define PL_YARA_SOURCES_MAX 256

typedef struct pl_yara pl_yara;

/*
 * Compiles YARA sources (texts[i] under namespace names[i]; a rule is later
 * reported with its namespace). PL_EFORMAT with the compiler's first error
 * (namespace, line, message) in d. Free with pl_yara_free.
 */
int pl_yara_compile(const char *const *texts, const char *const *names, size_t n, pl_yara **out, pl_diag *d)
	__attribute__((warn_unused_result));
void pl_yara_free(pl_yara *y);

/* Rules compiled. */
size_t pl_yara_rules(const pl_yara *y);

/* The i-th compiled rule's namespace and identifier (i < pl_yara_rules), owned by y. */
void pl_yara_rule_at(const pl_yara *y, size_t i, const char **ns, const char **rule);

typedef struct pl_rule_hit {
	const char *ns;        /* the namespace it was compiled under */
	const char *rule;      /* the rule's identifier */
	int64_t offset;        /* lowest offset at which one of its strings matched; -1 if none did */
} pl_rule_hit;

typedef struct pl_scanned_file {
	const char *rel;       /* path relative to the root */
	uint64_t size;
	unsigned digests;      /* PL_DIGEST_* computed */
	uint8_t md5[PL_MD5_SIZE], sha1[PL_SHA1_SIZE], sha256[PL_SHA256_SIZE], sha512[PL_SHA512_SIZE];
	const pl_rule_hit *hits;
	size_t nhits;
	const char *error;     /* why the file could not be scanned, or NULL */
} pl_scanned_file;

/* How far a scan is, for a progress line (final: the last call, after every file). */
typedef struct pl_scan_progress {
	size_t files_done, files;
	uint64_t bytes_done, bytes;
	double seconds;
	bool final;
} pl_scan_progress;

/* Called from the calling thread about five times a second while files are scanned, and once at the end. */
typedef void (*pl_scan_progress_fn)(void *ctx, const pl_scan_progress *p);

typedef struct pl_scan_opts {
	unsigned digests;      /* PL_DIGEST_* to compute (0: none) */
	const pl_yara *yara;   /* NULL: no rules */
	unsigned threads;      /* 0: one per online CPU */
	pl_scan_progress_fn progress; /* NULL: none */
	void *progress_ctx;
} pl_scan_opts;

typedef struct pl_scan_stats {
	uint64_t files, bytes, errors, skipped; /* skipped: links and special files */
	double seconds;
} pl_scan_stats;

/* Called once per file, in path order, from the calling thread. Non-zero stops. */
typedef int (*pl_scanned_fn)(void *ctx, const pl_scanned_file *f);

int pl_scan_tree(const char *root, const pl_scan_opts *o, pl_scanned_fn fn, void *ctx, pl_scan_stats *st, pl_diag *d)
	__attribute__((warn_unused_result));

#endif
