/*
 * json.h - strict JSON through jansson, for everything Parley reads from
 * others (statement payloads, envelopes, API bodies).
 *
 * pl_json_parse caps the input size and nesting depth, rejects duplicate
 * object keys, invalid UTF-8, NUL characters, and integers that do not fit
 * 64 bits. The getters below check type and range and say which field is
 * wrong in the diag, so a rejected input always gets a clear sentence.
 */
#ifndef PARLEY_BASE_JSON_H
#define PARLEY_BASE_JSON_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"
#include "base/err.h"

#define PL_JSON_DEPTH_MAX 16

/* Parses p[0..n) (n <= max) into *out (the caller json_decref()s it).
 * PL_ETOOBIG past max bytes or PL_JSON_DEPTH_MAX levels; PL_EFORMAT otherwise. */
int pl_json_parse(const uint8_t *p, size_t n, size_t max, json_t **out, pl_diag *d)
	__attribute__((warn_unused_result));

/* Checks that obj is an object whose keys are all in allowed (NULL-terminated)
 * and that every key in required is present. */
int pl_json_keys(const json_t *obj, const char *const *allowed, const char *const *required, const char *what,
		 pl_diag *d) __attribute__((warn_unused_result));

/* obj[key] as a string of 1..max bytes (the pointer lives as long as obj). */
int pl_json_str(const json_t *obj, const char *key, size_t max, const char **out, pl_diag *d)
	__attribute__((warn_unused_result));

/* obj[key] as an optional string: *out = NULL when absent. */
int pl_json_str_opt(const json_t *obj, const char *key, size_t max, const char **out, pl_diag *d)
	__attribute__((warn_unused_result));

/* obj[key] as an integer in [min, max]. */
int pl_json_int(const json_t *obj, const char *key, int64_t min, int64_t max, int64_t *out, pl_diag *d)
	__attribute__((warn_unused_result));

/* obj[key] as canonical base64 decoding to exactly want bytes. */
int pl_json_b64(const json_t *obj, const char *key, uint8_t *out, size_t want, pl_diag *d)
	__attribute__((warn_unused_result));

/* Appends the compact serialisation of v (keys in insertion order) to out. */
int pl_json_dump(const json_t *v, pl_buf *out) __attribute__((warn_unused_result));

#endif
