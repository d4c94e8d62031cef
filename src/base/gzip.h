/*
 * gzip.h - gzip compression (RFC 1952) through zlib.
 *
 * The HTTP server sends log entry bundles gzip-compressed to clients that
 * accept it; this is the one call it needs. It only compresses (curl inflates
 * what a client receives; the tests check the output with zlib's inflate and
 * with an independent decoder); sealed bodies use raw DEFLATE both ways
 * (base/deflate.h).
 *
 * zlib's deflate runs at its default level (6) with a 32 KiB window and
 * memLevel 8, wrapped in a gzip member by zlib itself (deflateInit2 with
 * windowBits 16 + 15). zlib's working memory, about 260 KiB per call, is
 * allocated with calloc and freed with free from this module (zalloc/zfree
 * hooks), so it fails and is counted like every other allocation of the
 * library (tests/fault/alloc_fault.c fails it); it is freed before the call
 * returns.
 *
 * The output is deterministic: the same input always gives the same bytes,
 * with the header 1f 8b 08 00 00 00 00 00 00 ff (no flags, MTIME 0, XFL 0,
 * OS 255 "unknown", no name or comment) whatever the platform. No global
 * mutable state (zlib keeps none for deflate): calls are thread-safe.
 */
#ifndef PARLEY_BASE_GZIP_H
#define PARLEY_BASE_GZIP_H

#include "base/buf.h"

#include <stddef.h>
#include <stdint.h>

/*
 * The most bytes pl_gzip can append for n input bytes, saturating at SIZE_MAX:
 * n + n/4096 + n/16384 + n/2^25 + 25, zlib's deflateBound for these
 * parameters with the 18 bytes of the gzip header and trailer (incompressible
 * input is stored, costing 5 bytes per stored block). Use it to size out's
 * cap when the result must never be PL_ETOOBIG.
 */
size_t pl_gzip_bound(size_t n);

/*
 * Appends one complete gzip member holding the n bytes at in to out: the
 * 10-byte header above, the DEFLATE stream (final block marked), then CRC-32
 * and ISIZE (n mod 2^32), both little-endian. in may be NULL when n == 0; an
 * empty input gives a valid 20-byte member. Any n works (the input is fed to
 * zlib in pieces of at most 1 GiB). Time is linear in n: about 45 MB/s on log
 * bundles (a 95 KiB bundle of signed statements in 2 ms, to 21% of its size).
 * out's storage grows with the output (first by n/8 + 64 bytes, at most
 * 1 MiB, then by doubling), not to pl_gzip_bound(n) up front.
 *
 * Returns PL_OK; PL_EINVAL if out is NULL or in is NULL with n > 0;
 * PL_ETOOBIG if the member does not fit under out's cap (compression stops as
 * soon as the cap is reached); PL_ENOMEM if an allocation (out's storage or
 * zlib's state) fails; PL_ESTATE if zlib refuses the stream (a zlib at run
 * time whose version does not match the one built against; not otherwise
 * seen). On any failure out holds exactly the bytes it held before (its
 * storage may have grown).
 */
int pl_gzip(const uint8_t *in, size_t n, pl_buf *out) __attribute__((warn_unused_result));

#endif
