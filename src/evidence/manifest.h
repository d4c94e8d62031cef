/*
 * manifest.h - the evidence manifest (docs/evidence.md): what an evidence
 * package holds and what reproducing it must find.
 *
 *   {"parley": "evidence/v1", "title": S, "reproduce": S?,
 *    "stix": [PATH...], "yara": [PATH...],
 *    "files": {PATH: SHA256HEX, ...},
 *    "datasets": [{"name": N, "kind": "files", "root": PATH} | {"name": N, "kind": "pcap", "path": PATH}],
 *    "expected": [{"dataset": N, "rule": R | "indicator": I, "path": PATH, "offset": K?} |
 *                 {"dataset": N, "indicator": I, "packet": K}]}
 *
 * Paths are relative, '/'-separated, without "." or ".." components, empty
 * components or a leading '/', at most 1024 bytes; every file of the package
 * but manifest.json itself is listed in "files". stix and yara paths, pcap
 * dataset paths, and at least one file under each files dataset's root must
 * be listed. Expected hits name a dataset of the manifest; a hit on a files
 * dataset has a path (relative to the dataset's root) and an optional offset
 * (rules: the lowest offset at which one of the rule's strings matched); a
 * hit on a pcap dataset has a packet number (1-based).
 *
 * Caps: the manifest 16 MiB, 100,000 files, 64 datasets, 64 STIX and YARA
 * files each, 1,000,000 expected hits.
 */
#ifndef PARLEY_EVIDENCE_MANIFEST_H
#define PARLEY_EVIDENCE_MANIFEST_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "base/err.h"
#include "base/sizes.h"

#define PL_MANIFEST_MAX ((size_t)16 << 20)
#define PL_PACKAGE_PATH_MAX 1024

enum { PL_DATASET_FILES, PL_DATASET_PCAP };

typedef struct pl_manifest_file {
	const char *path;      /* borrowed from the manifest's JSON */
	uint8_t sha256[PL_SHA256_SIZE];
} pl_manifest_file;

typedef struct pl_manifest_dataset {
	const char *name;
	int kind;              /* PL_DATASET_* */
	const char *where;     /* files: the root directory; pcap: the capture's path */
} pl_manifest_dataset;

typedef struct pl_expected {
	const char *dataset;
	const char *rule;      /* a YARA rule's name, or NULL */
	const char *indicator; /* a STIX indicator id, or NULL */
	const char *path;      /* files datasets: relative to the root; else NULL */
	int64_t offset;        /* -1: none */
	uint64_t packet;       /* pcap datasets: 1-based; else 0 */
} pl_expected;

typedef struct pl_manifest {
	json_t *root;          /* owns every string below */
	const char *title, *reproduce;
	const char **stix, **yara;
	size_t nstix, nyara;
	pl_manifest_file *files;
	size_t nfiles;
	pl_manifest_dataset *datasets;
	size_t ndatasets;
	pl_expected *expected;
	size_t nexpected;
} pl_manifest;

/* True if p is a safe package path (see above). */
bool pl_package_path_ok(const char *p);

/* Parses and checks a manifest. PL_EFORMAT (with the field in d) or PL_ETOOBIG.
 * Release with pl_manifest_release (also after failure). */
int pl_manifest_parse(const uint8_t *p, size_t n, pl_manifest *m, pl_diag *d) __attribute__((warn_unused_result));
void pl_manifest_release(pl_manifest *m);

/* The listed file at path, or NULL. */
const pl_manifest_file *pl_manifest_find(const pl_manifest *m, const char *path);

/* The dataset named name, or NULL. */
const pl_manifest_dataset *pl_manifest_dataset_get(const pl_manifest *m, const char *name);

/*
 * Loads dir/manifest.json and checks that every listed file exists in dir
 * with its SHA-256 and that dir holds no file the manifest does not list.
 * PL_EVERIFY names the first file that differs; PL_ENOTFOUND a missing one.
 */
int pl_package_load(const char *dir, pl_manifest *m, pl_diag *d) __attribute__((warn_unused_result));

#endif
