/*
 * deflate.h - gzip compression (RFC 1952 around RFC 1951 DEFLATE) and CRC-32.
 *
 * The HTTP server sends log entry bundles gzip-compressed to clients that
 * accept it. zlib is not a dependency, so this module is a small, complete
 * encoder of its own. It only compresses; nothing in libparley decompresses
 * (the tests check the output with an independent decoder, Python's zlib).
 *
 * Method: LZ77 over the 32 KiB window with hash chains and one-step lazy
 * matching (bounded chain walks, roughly zlib level 6), then each block of up
 * to 16384 symbols is written as whichever of stored (BTYPE=00), fixed Huffman
 * (01) or dynamic Huffman (10) is smallest. Dynamic codes are optimal
 * length-limited codes (package-merge), so every code is complete.
 *
 * The output is deterministic: the same input always gives the same bytes
 * (header with FLG 0, MTIME 0, XFL 0, OS 255, no name or comment). No global
 * mutable state: calls are thread-safe.
 */
#ifndef PARLEY_BASE_DEFLATE_H
#define PARLEY_BASE_DEFLATE_H

#include "base/buf.h"

#include <stddef.h>
#include <stdint.h>

/*
 * CRC-32 of n bytes as used by gzip, zip and PNG (IEEE 802.3 polynomial,
 * reflected, 0xEDB88320, initial and final XOR 0xFFFFFFFF): "123456789" gives
 * 0xCBF43926 and the empty string 0. p may be NULL when n == 0.
 */
uint32_t pl_crc32(const uint8_t *p, size_t n);

/*
 * The most bytes pl_gzip can append for n input bytes (incompressible input
 * is stored, costing a few bytes per block): n + n/1000 + 32, saturating at
 * SIZE_MAX. Use it to size out's cap when the result must never be
 * PL_ETOOBIG.
 */
size_t pl_gzip_bound(size_t n);

/*
 * Appends one complete gzip member holding the n bytes at in to out: the
 * 10-byte header, the DEFLATE stream (final block marked), then CRC-32 and
 * ISIZE (n mod 2^32), both little-endian. in may be NULL when n == 0; an
 * empty input gives a valid 20-byte member. Any n works (tested to 16 MiB;
 * past 1 GiB, matching restarts every GiB). Time is linear in n with a
 * bounded cost per byte (each search stops after 128 candidates): about
 * 30 MB/s on log bundles (zlib -6 speed), 5 MB/s on inputs built to make
 * every search walk the whole chain (random text over 2-3 letters).
 * About 400 KiB of working memory is allocated and freed per call.
 *
 * Returns PL_OK; PL_EINVAL if out is NULL or in is NULL with n > 0;
 * PL_ETOOBIG if the member does not fit under out's cap; PL_ENOMEM. On any
 * failure out holds exactly the bytes it held before (its storage may have
 * grown). Compression stops as soon as the cap is hit.
 */
int pl_gzip(const uint8_t *in, size_t n, pl_buf *out) __attribute__((warn_unused_result));

#endif
