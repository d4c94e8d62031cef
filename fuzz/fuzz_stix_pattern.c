/*
 * fuzz_stix_pattern.c - STIX patterns and bundles (src/evidence/stix.h).
 *
 * The input is compiled as a pattern, parsed as a bundle, and wrapped (as a
 * JSON string) into the "pattern" of an indicator in a fixed bundle.
 * Properties checked:
 *   - the compiler returns only PL_OK, PL_EFORMAT or PL_ETOOBIG (PL_ETOOBIG
 *     past PL_STIX_PATTERN_MAX), leaves *out NULL on failure, and always
 *     says why in the diag;
 *   - a compiled pattern is supported with an empty reason and a non-empty
 *     scope, or unsupported with a reason, no scope, no digests, and it
 *     matches nothing; digests are asked for only by file patterns; a
 *     pattern never matches outside its scope; matching is deterministic;
 *   - compiling is deterministic and insensitive to trailing white space;
 *   - pl_stix_bundle_parse returns only its documented codes, and a parsed
 *     bundle's counts and indicator statuses are consistent;
 *   - the wrapped indicator's bundle parses exactly when the pattern
 *     compiles, and its status is EVALUABLE exactly when it is supported.
 */
#include "fuzz_common.h"

#include "base/json.h"
#include "evidence/stix.h"

#include <jansson.h>

/* one buffer for every digest property: as long as the longest */
static const uint8_t digest[PL_SHA512_SIZE] = {0xd4, 0x1d, 0x8c, 0xd9, 0x8f, 0x00, 0xb2, 0x04};

static const char *const protos[] = {"ipv4", "tcp", "http"};
static const char *const domains[] = {"www.example.org", "c2.example.net"};
static const char *const urls[] = {"http://www.example.org/payload.bin"};
static const pl_obs_addr addrs[] = {
	{.family = 4, .b = {10, 1, 2, 3}},
	{.family = 4, .b = {198, 51, 100, 20}},
	{.family = 6, .b = {0x20, 0x01, 0x0d, 0xb8, [15] = 1}},
};

static const pl_obs_file obs_files[] = {
	{.name = "invoice.pdf.exe", .size = 1024, .md5 = digest, .sha1 = digest, .sha256 = digest, .sha512 = digest},
	{.name = NULL, .size = 0},
	{.name = "", .size = UINT64_MAX, .sha256 = digest},
};

static const pl_obs_net obs_nets[] = {
	{.src = {.family = 4, .b = {10, 1, 2, 3}}, .dst = {.family = 4, .b = {198, 51, 100, 20}}, .src_port = 50000,
	 .dst_port = 80, .protocols = protos, .nprotocols = 3, .domains = domains, .ndomains = 2, .urls = urls,
	 .nurls = 1, .addrs = addrs, .naddrs = 3},
	{.src_port = -1, .dst_port = -1},
};

#define NF (sizeof obs_files / sizeof obs_files[0])
#define NN (sizeof obs_nets / sizeof obs_nets[0])

/* Compiles and checks; returns the pattern's support (or -1 if it did not compile) and its rc. */
static int fuzz_compile(const uint8_t *data, size_t size, int *rc_out)
{
	pl_stix_pattern *p = (pl_stix_pattern *)(uintptr_t)1;
	pl_diag d = {0};
	int rc = pl_stix_pattern_compile((const char *)data, size, &p, &d);
	*rc_out = rc;
	FZ_CHECK(rc == PL_OK || rc == PL_EFORMAT || rc == PL_ETOOBIG);
	if (size > PL_STIX_PATTERN_MAX)
		FZ_CHECK(rc == PL_ETOOBIG);
	if (rc != PL_OK) {
		FZ_CHECK(p == NULL);
		FZ_CHECK(d.msg[0] != '\0' && d.code == rc);
		return -1;
	}
	FZ_CHECK(p != NULL);
	const char *why = NULL;
	bool sup = pl_stix_pattern_supported(p, &why);
	FZ_CHECK(why != NULL);
	unsigned scope = pl_stix_pattern_scope(p), hashes = pl_stix_pattern_hashes(p);
	FZ_CHECK((scope & ~(PL_STIX_ON_FILES | PL_STIX_ON_NETWORK)) == 0);
	FZ_CHECK((hashes & ~(PL_HASH_MD5 | PL_HASH_SHA1 | PL_HASH_SHA256 | PL_HASH_SHA512)) == 0);
	if (sup) {
		FZ_CHECK(why[0] == '\0' && scope != 0);
		if (hashes)
			FZ_CHECK(scope & PL_STIX_ON_FILES);
	} else {
		FZ_CHECK(why[0] != '\0' && strlen(why) < 256);
		FZ_CHECK(scope == 0 && hashes == 0);
	}
	for (size_t i = 0; i < NF; i++) {
		bool m = pl_stix_match_file(p, &obs_files[i]);
		FZ_CHECK(m == pl_stix_match_file(p, &obs_files[i]));
		if (m)
			FZ_CHECK(sup && (scope & PL_STIX_ON_FILES));
	}
	for (size_t i = 0; i < NN; i++) {
		bool m = pl_stix_match_net(p, &obs_nets[i]);
		FZ_CHECK(m == pl_stix_match_net(p, &obs_nets[i]));
		if (m)
			FZ_CHECK(sup && (scope & PL_STIX_ON_NETWORK));
	}
	/* a packet with nothing in it matches nothing */
	FZ_CHECK(!pl_stix_match_net(p, &obs_nets[1]));

	/* the same text followed by white space compiles the same way */
	if (size < PL_STIX_PATTERN_MAX) {
		char *t = malloc(size + 1);
		FZ_CHECK(t != NULL);
		memcpy(t, data, size);
		t[size] = '\n';
		pl_stix_pattern *q = NULL;
		int rc2 = pl_stix_pattern_compile(t, size + 1, &q, NULL);
		/* "//" comment at the end runs to the newline either way */
		FZ_CHECK(rc2 == PL_OK);
		const char *why2 = NULL;
		FZ_CHECK(pl_stix_pattern_supported(q, &why2) == sup && strcmp(why, why2) == 0);
		FZ_CHECK(pl_stix_pattern_scope(q) == scope && pl_stix_pattern_hashes(q) == hashes);
		for (size_t i = 0; i < NF; i++)
			FZ_CHECK(pl_stix_match_file(p, &obs_files[i]) == pl_stix_match_file(q, &obs_files[i]));
		for (size_t i = 0; i < NN; i++)
			FZ_CHECK(pl_stix_match_net(p, &obs_nets[i]) == pl_stix_match_net(q, &obs_nets[i]));
		pl_stix_pattern_free(q);
		free(t);
	}
	pl_stix_pattern_free(p);
	return sup;
}

static void check_bundle(const pl_stix_bundle *b)
{
	FZ_CHECK(b->id != NULL && pl_stix_id_ok(b->id, strlen(b->id), "bundle"));
	FZ_CHECK(b->nindicators + b->nother == b->nobjects && b->nobjects <= PL_STIX_OBJECTS_MAX);
	for (size_t i = 0; i < b->nindicators; i++) {
		const pl_stix_indicator *in = &b->indicators[i];
		FZ_CHECK(in->id && pl_stix_id_ok(in->id, strlen(in->id), "indicator"));
		FZ_CHECK(in->pattern && in->pattern_type && in->valid_from && in->why);
		FZ_CHECK(pl_stix_timestamp_ok(in->valid_from, strlen(in->valid_from)));
		FZ_CHECK((in->compiled != NULL) == (strcmp(in->pattern_type, "stix") == 0));
		switch (in->status) {
		case PL_STIX_EVALUABLE:
			FZ_CHECK(in->compiled && pl_stix_pattern_supported(in->compiled, NULL) && in->why[0] == '\0');
			break;
		case PL_STIX_YARA:
			FZ_CHECK(strcmp(in->pattern_type, "yara") == 0 && in->why[0] == '\0');
			break;
		case PL_STIX_NOT_EVALUATED:
			FZ_CHECK(in->why[0] != '\0');
			if (in->compiled)
				FZ_CHECK(!pl_stix_pattern_supported(in->compiled, NULL));
			break;
		default:
			FZ_CHECK(false);
		}
	}
}

static void fuzz_bundle(const uint8_t *data, size_t size)
{
	pl_stix_bundle b;
	pl_diag d = {0};
	int rc = pl_stix_bundle_parse(data, size, &b, &d);
	FZ_CHECK(rc == PL_OK || rc == PL_EFORMAT || rc == PL_ETOOBIG);
	if (rc != PL_OK) {
		FZ_CHECK(b.nindicators == 0 && b.id == NULL && d.msg[0] != '\0');
		return;
	}
	check_bundle(&b);
	pl_stix_bundle_release(&b);
}

/* The input as the pattern of one indicator. */
static void fuzz_wrapped(const uint8_t *data, size_t size, int sup, int crc)
{
	json_t *pat = json_stringn((const char *)data, size); /* NULL unless valid UTF-8 */
	if (pat == NULL)
		return;
	json_t *ind = json_pack("{s:s, s:s, s:s, s:o, s:s, s:s}", "type", "indicator", "id",
				"indicator--33fe3b22-0201-47cf-85d0-97c02164528d", "pattern_type", "stix", "pattern", pat,
				"valid_from", "2026-01-01T00:00:00Z", "name", "fuzz");
	json_t *doc = json_pack("{s:s, s:s, s:[o]}", "type", "bundle", "id",
				"bundle--44af6c39-c09b-49c5-9de2-394224b04982", "objects", ind);
	FZ_CHECK(doc != NULL);
	char *text = json_dumps(doc, JSON_COMPACT);
	FZ_CHECK(text != NULL);
	json_decref(doc);
	pl_stix_bundle b;
	pl_diag d = {0};
	int rc = pl_stix_bundle_parse((const uint8_t *)text, strlen(text), &b, &d);
	free(text);
	bool has_nul = memchr(data, 0, size) != NULL;
	if (size == 0 || has_nul) {
		FZ_CHECK(rc == PL_EFORMAT); /* an empty pattern, or a NUL in it */
		return;
	}
	if (crc != PL_OK) {
		FZ_CHECK(rc == crc);
		return;
	}
	FZ_CHECK(rc == PL_OK);
	check_bundle(&b);
	FZ_CHECK(b.nindicators == 1 && b.nobjects == 1);
	FZ_CHECK((b.indicators[0].status == PL_STIX_EVALUABLE) == (sup == 1));
	FZ_CHECK(strlen(b.indicators[0].pattern) == size && memcmp(b.indicators[0].pattern, data, size) == 0);
	pl_stix_bundle_release(&b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int crc;
	int sup = fuzz_compile(data, size, &crc);
	fuzz_bundle(data, size);
	fuzz_wrapped(data, size, sup, crc);
	return 0;
}
