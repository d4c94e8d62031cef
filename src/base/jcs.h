/*
 * jcs.h - the canonical JSON text of a value (RFC 8785, JCS), for the subset
 * of JSON that Parley hashes and seals: objects with ASCII keys, arrays,
 * strings, integers in [-2^53, 2^53], true and false.
 *
 *   - objects: members sorted by key (byte order; for ASCII keys this is the
 *     UTF-16 order RFC 8785 asks for), "key":value separated by commas, no
 *     whitespace anywhere;
 *   - strings: UTF-8 as is, except '"' and '\' (escaped with a backslash),
 *     U+0008 \b, U+0009 \t, U+000A \n, U+000C \f, U+000D \r, and every other
 *     code point below U+0020 as \u00xx with lower-case hex digits (DEL,
 *     U+2028 and U+2029 are not escaped);
 *   - integers: shortest decimal, '-' for negatives, no '+', no leading zero.
 *
 * Python writes the same bytes for such values:
 * json.dumps(v, sort_keys=True, separators=(",", ":"), ensure_ascii=False).
 * (jansson's own JSON_SORT_KEYS dump differs: it escapes with upper-case hex.)
 */
#ifndef PARLEY_BASE_JCS_H
#define PARLEY_BASE_JCS_H

#include <jansson.h>

#include "base/buf.h"

/* The largest integer magnitude the subset holds (a double's exact range). */
#define PL_JCS_INT_MAX ((json_int_t)1 << 53)

/*
 * Appends the canonical text of v to out. PL_EFORMAT for a value outside the
 * subset (null, a real, an integer beyond PL_JCS_INT_MAX, a key that is not
 * printable ASCII, nesting deeper than PL_JSON_DEPTH_MAX), PL_ETOOBIG past
 * out's cap, PL_ENOMEM. On failure out holds exactly what it held before.
 */
int pl_jcs(const json_t *v, pl_buf *out) __attribute__((warn_unused_result));

#endif
