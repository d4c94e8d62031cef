/*
 * norms.h - norm sets: the body of a norms.publish statement, its hash, and
 * the norm sets that ship with Parley (data/norms/).
 *
 *   {"name": S, "version": S, "source": S?,
 *    "norms": [{"id": S, "short": S, "gist": S, "source": S?}, ...]}
 *
 * Every value is a string without control characters (name <= 128 bytes,
 * version <= 32, source <= 512, id <= 32, short <= 128, gist <= 512); 1 to
 * PL_NORMS_MAX norms with distinct ids. The set's hash is the SHA-256 of its
 * RFC 8785 (JCS) serialisation: for a body of strings only, the compact JSON
 * with keys sorted, UTF-8 as is and only '"' and '\' escaped. Parties
 * subscribe by that hash (64 lower-case hex digits).
 */
#ifndef PARLEY_WORKFLOW_NORMS_H
#define PARLEY_WORKFLOW_NORMS_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "base/err.h"
#include "base/refusal.h"
#include "base/sizes.h"

#define PL_NORMS_MAX 64
#define PL_NORM_ID_MAX 32
#define PL_NORM_HASH_HEX PL_SHA256_HEX_LEN /* a norm set's hash: hex of its SHA-256 */

/* Checks a norm set body; on success writes its hash (hex, NUL-terminated).
 * Returns PL_OK or -1 with v filled ("body_invalid"). */
int pl_norm_set_check(const json_t *body, char hash[PL_NORM_HASH_HEX + 1], pl_refusal *v);

/* True if id is one of the set's norm ids (body already checked). */
bool pl_norm_set_has(const json_t *body, const char *id);

/* The built-in UN GGE 2015 set (A/70/174 para. 13 (a)-(k)), JSON text. */
extern const char pl_norms_un_gge_2015[];
extern const size_t pl_norms_un_gge_2015_len;

/* Parses and checks a norm set file's text into *out (caller json_decref()s). */
int pl_norm_set_load(const char *text, size_t n, json_t **out, char hash[PL_NORM_HASH_HEX + 1], pl_diag *d)
	__attribute__((warn_unused_result));

#endif
