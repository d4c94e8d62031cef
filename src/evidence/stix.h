/*
 * stix.h - STIX 2.1 bundles, indicators and the patterning language.
 *
 * Three layers:
 *   - pl_stix_bundle_parse reads a bundle, keeps its indicator objects and
 *     classifies each: EVALUABLE (a STIX pattern inside Parley's subset),
 *     YARA (rule source to hand to the YARA engine), or NOT_EVALUATED (with a
 *     sentence saying why);
 *   - pl_stix_pattern_compile parses the whole STIX 2.1 patterning grammar
 *     into an opaque compiled pattern and decides whether Parley can evaluate
 *     it (pl_stix_pattern_supported);
 *   - pl_stix_match_file / pl_stix_match_net evaluate a supported pattern
 *     against one file or one packet record. They are pure, allocate nothing
 *     and are safe to call from many threads on one shared pattern.
 *
 * The supported subset and the matching rules are in docs/stix.md. In short:
 * one observation expression, or several joined only by OR, no qualifiers;
 * inside an observation AND/OR/NOT/parentheses over file name, size and
 * hashes, ipv4-addr/ipv6-addr/domain-name/url values, and network-traffic
 * src_ref.value, dst_ref.value, src_port, dst_port and protocols. Every
 * comparison inside one observation expression refers to one object: one
 * file, one address, one domain name, one URL, or one packet record.
 */
#ifndef PARLEY_EVIDENCE_STIX_H
#define PARLEY_EVIDENCE_STIX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/err.h"

/* Caps. Inputs over them are refused with PL_ETOOBIG. */
#define PL_STIX_BUNDLE_MAX (16u << 20)  /* bytes of one bundle document */
#define PL_STIX_OBJECTS_MAX 10000       /* objects in one bundle */
#define PL_STIX_PATTERN_MAX 65536       /* bytes of one pattern */
#define PL_STIX_NAME_MAX 4096           /* bytes of an indicator's name */
#define PL_STIX_DEPTH_MAX 64            /* nested brackets and parentheses in a pattern */
#define PL_STIX_PATH_MAX 32             /* components of one object path */

/* ------------------------------------------------------------------ */
/* Patterns                                                            */

/* A compiled STIX pattern (opaque; immutable after compilation). */
typedef struct pl_stix_pattern pl_stix_pattern;

/*
 * Compiles the STIX 2.1 pattern text[0..n) (UTF-8, not necessarily
 * NUL-terminated; a NUL byte anywhere is refused). On success *out owns a new
 * pattern (free it with pl_stix_pattern_free), whether or not Parley can
 * evaluate it. Errors (*out is NULL):
 *   PL_EFORMAT  the text is not a STIX pattern: the sentence gives the byte
 *               offset and what was expected; also a literal that cannot be
 *               a value of a property Parley evaluates (an address or CIDR
 *               block of the wrong form or with host bits set, a digest of
 *               the wrong length or not hex, a string where an integer is
 *               due and the like);
 *   PL_ETOOBIG  n > PL_STIX_PATTERN_MAX, nesting deeper than
 *               PL_STIX_DEPTH_MAX, a path longer than PL_STIX_PATH_MAX;
 *   PL_ENOMEM, PL_EINVAL (text NULL with n > 0, or out NULL).
 */
int pl_stix_pattern_compile(const char *text, size_t n, pl_stix_pattern **out, pl_diag *d)
	__attribute__((warn_unused_result));

/* Frees a pattern; NULL is a no-op. */
void pl_stix_pattern_free(pl_stix_pattern *p);

/*
 * True if Parley evaluates p. When it does not and why is not NULL, *why is
 * set to one sentence naming the first construct outside the subset (e.g.
 * "the qualifier WITHIN is not evaluated"); when it does, *why is set to "".
 * The sentence lives as long as p.
 */
bool pl_stix_pattern_supported(const pl_stix_pattern *p, const char **why);

/* What a supported pattern needs to see (0 for an unsupported one). */
#define PL_STIX_ON_FILES 1u   /* some observation is about a file */
#define PL_STIX_ON_NETWORK 2u /* some observation is about addresses, names, URLs or traffic */
unsigned pl_stix_pattern_scope(const pl_stix_pattern *p);

/* Which digests file matching reads (0 for an unsupported pattern), so the
 * caller computes only those. */
#define PL_HASH_MD5 1u
#define PL_HASH_SHA1 2u
#define PL_HASH_SHA256 4u
#define PL_HASH_SHA512 8u
unsigned pl_stix_pattern_hashes(const pl_stix_pattern *p);

/* One file. Digests are raw bytes (16, 20, 32, 64), NULL when not computed. */
typedef struct pl_obs_file {
	const char *name; /* base name; NULL when unknown */
	uint64_t size;
	const uint8_t *md5, *sha1, *sha256, *sha512;
} pl_obs_file;

/* An IP address: family 4 (b[0..3]) or 6 (b[0..15]); family 0: none. */
typedef struct pl_obs_addr {
	int family;
	uint8_t b[16];
} pl_obs_addr;

/* What one packet (or flow record) shows. */
typedef struct pl_obs_net {
	pl_obs_addr src, dst;                          /* family 0: no IP layer */
	int src_port, dst_port;                        /* -1: none */
	const char *const *protocols; size_t nprotocols; /* lower case, outermost first: "ipv4","tcp","http" */
	const char *const *domains; size_t ndomains;   /* DNS query names, HTTP Host, TLS SNI: lower case, no trailing dot */
	const char *const *urls; size_t nurls;         /* "http://host/path" of HTTP requests */
	const pl_obs_addr *addrs; size_t naddrs;       /* every address seen: src, dst and DNS answers */
} pl_obs_net;

/*
 * True if some file observation expression of p matches f. False for an
 * unsupported pattern and for a pattern with no file observation. A
 * comparison on a property f lacks (a NULL name or digest) is false, also
 * under != and NOT. No allocation; p and f are only read.
 */
bool pl_stix_match_file(const pl_stix_pattern *p, const pl_obs_file *f);

/*
 * True if some network observation expression of p matches the packet o:
 * ipv4-addr/ipv6-addr values range over o->addrs (of that family),
 * domain-name values over o->domains, url values over o->urls, and
 * network-traffic properties read o's src, dst, ports and protocols. An
 * observation matches when one such object (one address, one name, one URL,
 * or the packet itself) satisfies its whole comparison expression. False for
 * an unsupported pattern. No allocation; p and o are only read.
 */
bool pl_stix_match_net(const pl_stix_pattern *p, const pl_obs_net *o);

/* ------------------------------------------------------------------ */
/* Bundles                                                             */

typedef enum pl_stix_status {
	PL_STIX_EVALUABLE,     /* pattern_type "stix", inside the supported subset */
	PL_STIX_YARA,          /* pattern_type "yara": pattern is YARA rule source */
	PL_STIX_NOT_EVALUATED, /* anything else: see why */
} pl_stix_status;

/* One indicator object. Every string is owned by the bundle. */
typedef struct pl_stix_indicator {
	char *id;                  /* "indicator--<uuid>" */
	char *name;                /* NULL when absent */
	char *pattern;             /* the pattern text, NUL-terminated */
	char *pattern_type;        /* e.g. "stix", "yara", "snort" */
	char *valid_from;          /* a STIX timestamp */
	pl_stix_status status;
	pl_stix_pattern *compiled; /* pattern_type "stix": the compiled pattern (also when
				    * NOT_EVALUATED); NULL otherwise */
	const char *why;           /* NOT_EVALUATED: the reason; "" otherwise */
	char *why_buf;             /* storage behind why when it is not the pattern's own */
} pl_stix_indicator;

typedef struct pl_stix_bundle {
	char *id;                        /* "bundle--<uuid>" */
	pl_stix_indicator *indicators;   /* in the bundle's order */
	size_t nindicators;
	size_t nobjects;                 /* all objects, indicators included */
	size_t nother;                   /* objects of other types (counted, not kept) */
} pl_stix_bundle;

/*
 * Parses the STIX 2.1 bundle p[0..n) into *out (release it with
 * pl_stix_bundle_release; on failure *out is left empty and needs no release,
 * though releasing it is harmless). The bundle must be a JSON object with
 * exactly "type": "bundle", "id": "bundle--<uuid>" and, optionally,
 * "objects": an array of objects each with a "type" and an "id" of the form
 * "<type>--<uuid>". Indicators must carry "pattern" (at most
 * PL_STIX_PATTERN_MAX bytes), "pattern_type" and "valid_from" (a STIX
 * timestamp); "name" is optional. A "stix" pattern must compile. Errors:
 *   PL_EFORMAT  malformed JSON (duplicate keys included) or bundle; the
 *               sentence names the object (index and id) and the field;
 *   PL_ETOOBIG  n > PL_STIX_BUNDLE_MAX, more than PL_STIX_OBJECTS_MAX
 *               objects, a pattern over PL_STIX_PATTERN_MAX or nested too
 *               deep, JSON nested deeper than PL_JSON_DEPTH_MAX;
 *   PL_ENOMEM, PL_EINVAL (p NULL with n > 0, or out NULL).
 */
int pl_stix_bundle_parse(const uint8_t *p, size_t n, pl_stix_bundle *out, pl_diag *d)
	__attribute__((warn_unused_result));

/* Frees everything the bundle owns and leaves it empty; safe on a zeroed or
 * already released bundle. */
void pl_stix_bundle_release(pl_stix_bundle *b);

/* The indicator's status as a word: "evaluable", "yara", "not-evaluated". */
const char *pl_stix_status_name(pl_stix_status s);

/* True if s[0..n) is a STIX timestamp: YYYY-MM-DDTHH:MM:SS[.fraction]Z with a
 * real calendar date (seconds may be 60). */
bool pl_stix_timestamp_ok(const char *s, size_t n);

/* True if s[0..n) is an identifier "<type>--<uuid>" for the given type (any
 * well-formed type when type is NULL), the UUID per RFC 4122 (version 1-5). */
bool pl_stix_id_ok(const char *s, size_t n, const char *type);

#endif
