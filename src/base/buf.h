/*
 * buf.h - length-carrying byte buffers and read-only spans.
 *
 * A pl_buf is a growable byte buffer with a hard cap: the cap is the size
 * limit of whatever is being built or read (a request, a note, a file), so an
 * append that would pass it fails with PL_ETOOBIG and leaves the buffer as it
 * was. The buffer always keeps one spare byte so pl_buf_cstr() can terminate it
 * without allocating. Lifecycle: pl_buf_init / use / pl_buf_release.
 *
 * A pl_span is a borrowed (pointer, length) view; it owns nothing.
 */
#ifndef PARLEY_BASE_BUF_H
#define PARLEY_BASE_BUF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct pl_span {
	const uint8_t *p; /* first byte; may be NULL when n == 0 */
	size_t n;         /* number of bytes */
} pl_span;

typedef struct pl_buf {
	uint8_t *data; /* heap storage, NULL until the first append */
	size_t len;    /* bytes in use */
	size_t cap;    /* bytes allocated (always > len once allocated) */
	size_t max;    /* hard cap on len */
} pl_buf;

/* Initialises an empty buffer whose length may never exceed max bytes. */
void pl_buf_init(pl_buf *b, size_t max);

/* Frees the storage and leaves b empty with the same cap; safe on a zeroed buf. */
void pl_buf_release(pl_buf *b);

/* Like pl_buf_release, but first overwrites the storage with zeros (secrets). */
void pl_buf_wipe(pl_buf *b);

/* Sets the length to 0, keeping the storage. */
void pl_buf_reset(pl_buf *b);

/* Makes room for extra more bytes. PL_ETOOBIG past the cap, PL_ENOMEM. On
 * failure the buffer is unchanged. Storage grows by doubling (from 64 bytes),
 * so it may pass the cap, and appending n bytes one at a time costs O(n). */
int pl_buf_reserve(pl_buf *b, size_t extra) __attribute__((warn_unused_result));

/* Appends n bytes. Errors as pl_buf_reserve; on failure nothing is appended. */
int pl_buf_append(pl_buf *b, const void *p, size_t n) __attribute__((warn_unused_result));

/* Appends a NUL-terminated string (without the NUL). */
int pl_buf_puts(pl_buf *b, const char *s) __attribute__((warn_unused_result));

/* Appends one byte. */
int pl_buf_putc(pl_buf *b, uint8_t c) __attribute__((warn_unused_result));

/* Appends printf-formatted text. On failure nothing is appended. */
int pl_buf_printf(pl_buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3), warn_unused_result));

/* Shortens the buffer to len bytes (len <= b->len). */
void pl_buf_truncate(pl_buf *b, size_t len);

/* Returns the contents as a NUL-terminated string (the NUL is not counted in
 * len). Returns "" for a buffer never appended to. The pointer is valid until
 * the next change to b. */
const char *pl_buf_cstr(pl_buf *b);

/* A span over the buffer's current contents. */
pl_span pl_buf_span(const pl_buf *b);

/* A span over a NUL-terminated string. */
pl_span pl_span_str(const char *s);

/* True if the span's bytes equal the NUL-terminated string s. */
bool pl_span_eq(pl_span a, const char *s);

/* True if the two spans hold the same bytes (not constant time). */
bool pl_span_same(pl_span a, pl_span b);

/* True if a starts with the bytes of s. */
bool pl_span_starts(pl_span a, const char *s);

/* Grows the array *p of n elements of size sz (capacity *cap) to hold one
 * more: doubles it, 16 at first. PL_OK, or PL_ENOMEM with *p and *cap
 * unchanged (also when the size would overflow). */
int pl_array_grow(void **p, size_t *cap, size_t n, size_t sz) __attribute__((warn_unused_result));

#endif
