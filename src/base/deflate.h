/*
 * deflate.h - raw DEFLATE (RFC 1951, no zlib or gzip framing) of small
 * bodies through zlib, both ways, with hard caps: what a sealed statement
 * body is compressed with before it is padded and encrypted
 * (statement/sealed.h).
 *
 * Compression runs at level 9 with a 32 KiB window and memLevel 8; its output
 * is not canonical (another zlib may write other bytes for the same input)
 * and nothing depends on it being so: readers check what the stream inflates
 * to. Decompression is strict: exactly one stream, ending with its final
 * block exactly at the end of the input, inflating to at most a given number
 * of bytes (a stream that would inflate further is stopped there, so a
 * compression bomb costs nothing). zlib's working memory (about 260 KiB to
 * compress, 44 KiB to inflate) is allocated with calloc and freed with free
 * from this module, so allocation faults reach it like every other
 * allocation of the library, and it is freed before each call returns.
 * Thread-safe (zlib keeps no global state).
 */
#ifndef PARLEY_BASE_DEFLATE_H
#define PARLEY_BASE_DEFLATE_H

#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"

/* The most bytes pl_deflate_raw can write for n input bytes: zlib's
 * deflateBound for raw streams, n + n/4096 + n/16384 + n/2^25 + 7. */
size_t pl_deflate_raw_bound(size_t n);

/* The largest input either call takes (zlib counts in 32 bits). */
#define PL_DEFLATE_IN_MAX ((size_t)1 << 30)

/*
 * Appends the raw DEFLATE stream of in[0..n) (final block marked) to out.
 * in may be NULL when n == 0. PL_EINVAL for NULL arguments, PL_ETOOBIG if n
 * is over PL_DEFLATE_IN_MAX or the stream does not fit under out's cap,
 * PL_ENOMEM, PL_ESTATE if zlib refuses (a zlib whose version does not match
 * the headers). On failure out holds exactly what it held before.
 */
int pl_deflate_raw(const uint8_t *in, size_t n, pl_buf *out) __attribute__((warn_unused_result));

/*
 * Inflates the raw DEFLATE stream that is exactly in[0..n) and appends what
 * it holds, at most max bytes, to out. PL_EFORMAT when in is not one valid
 * stream (bad data, ends before its final block, bytes after it);
 * PL_ETOOBIG when it holds more than max bytes or would pass out's cap, or n
 * is over PL_DEFLATE_IN_MAX; PL_ENOMEM; PL_EINVAL for NULL arguments. On
 * failure out holds exactly what it held before (its storage may have grown).
 */
int pl_inflate_raw(const uint8_t *in, size_t n, size_t max, pl_buf *out) __attribute__((warn_unused_result));

#endif
