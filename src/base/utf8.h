/*
 * utf8.h - UTF-8 validation for signed text (notes, key names, origins).
 */
#ifndef PARLEY_BASE_UTF8_H
#define PARLEY_BASE_UTF8_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * Decodes one code point from p[0..n) (n >= 1). Returns its length (1..4) and
 * stores it in *cp, or returns 0 for an invalid, overlong or surrogate
 * sequence.
 */
size_t pl_utf8_decode(const uint8_t *p, size_t n, uint32_t *cp);

/* True if p[0..n) is valid UTF-8 (no overlongs, no surrogates, <= U+10FFFF). */
bool pl_utf8_valid(const uint8_t *p, size_t n);

/* True for the code points Unicode calls white space (Go's unicode.IsSpace). */
bool pl_unicode_is_space(uint32_t cp);

/*
 * True if p[0..n) is a valid signed-note key name: non-empty valid UTF-8,
 * no control characters, no Unicode spaces, no '+'.
 */
bool pl_keyname_valid(const uint8_t *p, size_t n);

#endif
