/*
 * reproduce.h - running an evidence package's indicators and rules on data:
 * the accused side's own files and captures, or (to check the claim) the
 * package's own datasets (docs/evidence.md, "Reproducing").
 *
 * The package's STIX bundles are parsed (stix.h) and its YARA rules compiled
 * once, together with the indicators whose pattern_type is "yara" (each
 * under its indicator id as namespace). Files datasets are scanned once
 * (scan.h: YARA and only the digests some indicator needs, on every core);
 * captures are read once (capture.h) and every network indicator evaluated
 * on every packet.
 *
 * A hit is one of:
 *   {"dataset", "rule", "path", "offset"}          a rule of a YARA file matched a file
 *   {"dataset", "indicator", "path", "offset"?}    an indicator matched a file (offset: yara indicators)
 *   {"dataset", "indicator", "packet", "time", "src", "dst", "sport", "dport", "proto"}
 * and hits are the same set whatever the threads, in a fixed order.
 */
#ifndef PARLEY_EVIDENCE_REPRODUCE_H
#define PARLEY_EVIDENCE_REPRODUCE_H

#include <jansson.h>
#include <stdbool.h>

#include "base/err.h"
#include "evidence/manifest.h"
#include "evidence/scan.h"
#include "evidence/stix.h"

typedef struct pl_repro pl_repro;

/*
 * Loads the package in dir (already checked: pl_package_load into m): parses
 * its bundles, compiles its rules. PL_EFORMAT names the bundle or rule file
 * that is malformed. Free with pl_repro_free.
 */
int pl_repro_open(const char *dir, const pl_manifest *m, pl_repro **out, pl_diag *d) __attribute__((warn_unused_result));
void pl_repro_free(pl_repro *r);

typedef struct pl_repro_opts {
	unsigned threads;      /* 0: every online CPU */
	pl_scan_progress_fn progress; /* NULL: none (scan.h) */
	void *progress_ctx;
} pl_repro_opts;

/* Runs the package on a tree of files named dataset; appends hits. */
int pl_repro_files(pl_repro *r, const char *dataset, const char *root, const pl_repro_opts *o, pl_diag *d)
	__attribute__((warn_unused_result));

/* Runs the package on a capture named dataset; appends hits. */
int pl_repro_pcap(pl_repro *r, const char *dataset, const char *path, const pl_repro_opts *o, pl_diag *d)
	__attribute__((warn_unused_result));

/*
 * The report so far (caller owns it):
 *   {"parley": "reproduction/v1", "package": {"title"}, "result": R, "summary": S,
 *    "datasets": [...], "indicators": [{"id", "name", "pattern_type", "status", "why"?, "hits"}],
 *    "rules": [{"file", "rule", "hits"}], "hits": [...],
 *    "check_claim": {"exact", "expected", "found", "missing": [...], "unexpected": [...]}?,
 *    "stix": a STIX 2.1 bundle of sighting objects, one per matched indicator, with the
 *            identity of sighter (when not NULL) as where_sighted_refs}
 * R: "reproduced" (some indicator or rule matched), "not_reproduced" (something could be
 * evaluated on the data given and nothing matched), "inconclusive" (nothing could be evaluated,
 * or a file or capture could not be read). With expected (the manifest's claim) the hits are
 * compared with it exactly: check_claim.exact.
 */
int pl_repro_report(pl_repro *r, const pl_manifest *claim, const char *sighter, json_t **out, pl_diag *d)
	__attribute__((warn_unused_result));

#endif
