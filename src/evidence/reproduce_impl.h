/*
 * reproduce_impl.h - what the two files of a reproduction share; private to
 * src/evidence/reproduce*.c (callers use reproduce.h, which this header does
 * not change):
 *   reproduce.c         the package loaded (bundles parsed, rules compiled)
 *                       and run on files and captures, collecting hits;
 *   reproduce_report.c  the report of what was collected: the verdict, the
 *                       check of the package's own claim, STIX sightings.
 * Neither calls the other: they share the state below.
 */
#ifndef PARLEY_EVIDENCE_REPRODUCE_IMPL_H
#define PARLEY_EVIDENCE_REPRODUCE_IMPL_H

#include "evidence/reproduce.h"

typedef struct ind {
	const pl_stix_indicator *i;
	unsigned scope;        /* PL_STIX_ON_FILES / _NETWORK (yara indicators: files) */
	uint64_t hits;
} ind;

typedef struct rule_stat {
	const char *file, *rule;
	uint64_t hits;
} rule_stat;

struct pl_repro {
	const pl_manifest *m;
	pl_stix_bundle *bundles;
	size_t nbundles;
	ind *ind;
	size_t nind;
	pl_yara *yara;
	rule_stat *rules;      /* rules of the YARA files */
	size_t nrules;
	unsigned digests;      /* what file indicators need */
	json_t *hits, *datasets;
	bool files_given, pcap_given, errors;
};

#endif
