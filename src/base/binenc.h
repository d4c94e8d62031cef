/*
 * binenc.h - a compact binary encoding for Parley's own state files (the
 * replay's resumable state): unsigned LEB128 integers, zigzag signed ones,
 * and length-prefixed byte strings.
 *
 * Both sides are sticky: the first failure is kept in ->rc and every later
 * call does nothing, so a writer or reader runs through a whole structure
 * and checks once at the end. The reader is canonical and capped: an integer
 * must be in its shortest form and within the caller's bounds, a string
 * within its cap and free of NUL bytes; nothing is read past the span.
 */
#ifndef PARLEY_BASE_BINENC_H
#define PARLEY_BASE_BINENC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"
#include "base/err.h"

typedef struct pl_enc {
	pl_buf *out; /* appended to */
	int rc;      /* PL_OK, or the first failure (PL_ENOMEM, PL_ETOOBIG past out's cap) */
} pl_enc;

/* A writer appending to out. */
pl_enc pl_enc_of(pl_buf *out);

void pl_enc_u64(pl_enc *e, uint64_t v);
void pl_enc_i64(pl_enc *e, int64_t v);
void pl_enc_bool(pl_enc *e, bool v);
/* Exactly n bytes, no length (fixed-size fields: keys, hashes). */
void pl_enc_raw(pl_enc *e, const void *p, size_t n);
/* A length, then the bytes. */
void pl_enc_bytes(pl_enc *e, const void *p, size_t n);
/* A NUL-terminated string (NULL is written as the empty string). */
void pl_enc_str(pl_enc *e, const char *s);

typedef struct pl_dec {
	const uint8_t *p; /* next unread byte */
	size_t n;         /* bytes left */
	int rc;           /* PL_OK, or the first failure (PL_EFORMAT, PL_ETOOBIG, PL_ENOMEM) */
} pl_dec;

/* A reader over n bytes at p. */
pl_dec pl_dec_of(const uint8_t *p, size_t n);

/* An integer in [0, max]; 0 after a failure. */
uint64_t pl_dec_u64(pl_dec *d, uint64_t max);
/* An integer in [min, max]; 0 after a failure. */
int64_t pl_dec_i64(pl_dec *d, int64_t min, int64_t max);
bool pl_dec_bool(pl_dec *d);
/* Exactly n bytes into out (zeroed after a failure). */
void pl_dec_raw(pl_dec *d, void *out, size_t n);
/* A string of at most cap - 1 bytes into out (NUL-terminated; "" after a failure). */
void pl_dec_str(pl_dec *d, char *out, size_t cap);
/* A string of at most max bytes in a new allocation (NULL after a failure; free it). */
char *pl_dec_str_dup(pl_dec *d, size_t max);
/* A count of at most max items, each of which needs at least min_bytes more
 * bytes (so a count cannot ask for more memory than the input could fill). */
size_t pl_dec_count(pl_dec *d, size_t max, size_t min_bytes);
/* Fails the reader with rc (PL_EFORMAT for a value that is out of place). */
void pl_dec_fail(pl_dec *d, int rc);
/* PL_OK when everything was read without failure and nothing is left. */
int pl_dec_end(const pl_dec *d);

#endif
