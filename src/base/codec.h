/*
 * codec.h - canonical text encodings: base64 (RFC 4648 section 4, padded),
 * lowercase hex, and ASCII decimal numbers.
 *
 * Every decoder here is strict: it accepts exactly the one encoding that the
 * matching encoder would produce for the decoded value, and rejects anything
 * else with PL_EFORMAT (wrong alphabet, missing or surplus padding, non-zero
 * padding bits, upper-case hex, leading zeros, '+' signs, overflow). Signed
 * and hashed formats depend on this: two different texts must never decode
 * to the same value.
 */
#ifndef PARLEY_BASE_CODEC_H
#define PARLEY_BASE_CODEC_H

#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"

/* Length of the base64 encoding of n bytes. */
size_t pl_b64_len(size_t n);

/* Writes the padded base64 encoding of src[0..n) to out (which must have room
 * for pl_b64_len(n) + 1 bytes) and NUL-terminates it. */
void pl_b64_encode(const uint8_t *src, size_t n, char *out);

/* Appends the base64 encoding of src[0..n) to b. Errors as pl_buf_append. */
int pl_b64_append(pl_buf *b, const uint8_t *src, size_t n) __attribute__((warn_unused_result));

/*
 * Decodes canonical base64 text[0..n) into out (capacity cap). On success
 * stores the decoded length in *outlen. PL_EFORMAT for non-canonical or
 * invalid text, PL_ETOOBIG if the result would not fit in cap.
 */
int pl_b64_decode(const uint8_t *text, size_t n, uint8_t *out, size_t cap, size_t *outlen)
	__attribute__((warn_unused_result));

/* Decodes canonical base64 that must decode to exactly want bytes. */
int pl_b64_decode_exact(const uint8_t *text, size_t n, uint8_t *out, size_t want)
	__attribute__((warn_unused_result));

/* Writes lowercase hex of src[0..n) into out (room for 2n+1), NUL-terminated. */
void pl_hex_encode(const uint8_t *src, size_t n, char *out);

/* Decodes lowercase hex text of exactly 2*want characters into out. */
int pl_hex_decode(const uint8_t *text, size_t n, uint8_t *out, size_t want)
	__attribute__((warn_unused_result));

/*
 * Parses a canonical ASCII decimal: one or more digits, no sign, no leading
 * zero unless the number is exactly "0", value <= max. PL_EFORMAT otherwise
 * (PL_ERANGE if well-formed but above max).
 */
int pl_dec_parse(const uint8_t *text, size_t n, uint64_t max, uint64_t *out)
	__attribute__((warn_unused_result));

#endif
