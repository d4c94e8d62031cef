/* gzip.c - one gzip member into a capped buffer, through zlib's deflate. */
#include "base/gzip.h"

#include "base/err.h"

#include <stdlib.h>
#include <string.h>

#define ZLIB_CONST /* next_in points to const bytes */
#include <zlib.h>

/* Input and output are handed to zlib in pieces that fit its 32-bit counts. */
#define PIECE ((size_t)1 << 30)

/* zlib's allocations go through the library's own calloc/free. */
static voidpf gz_alloc(voidpf opaque, uInt items, uInt size)
{
	(void)opaque;
	return calloc(items, size);
}

static void gz_free(voidpf opaque, voidpf p)
{
	(void)opaque;
	free(p);
}

size_t pl_gzip_bound(size_t n)
{
	size_t extra = (n >> 12) + (n >> 14) + (n >> 25) + 25;
	return n > SIZE_MAX - extra ? SIZE_MAX : n + extra;
}

int pl_gzip(const uint8_t *in, size_t n, pl_buf *out)
{
	if (out == NULL || (in == NULL && n > 0))
		return PL_EINVAL;
	const size_t start = out->len;
	z_stream z;
	memset(&z, 0, sizeof z);
	z.zalloc = gz_alloc;
	z.zfree = gz_free;
	z.opaque = Z_NULL;
	int zr = deflateInit2(&z, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 16 + 15, 8, Z_DEFAULT_STRATEGY);
	if (zr != Z_OK)
		return zr == Z_MEM_ERROR ? PL_ENOMEM : PL_ESTATE;

	int rc = PL_OK;
	/* no name, no comment, MTIME 0; OS 255 instead of the build platform's code */
	gz_header h;
	memset(&h, 0, sizeof h);
	h.os = 255;
	if (deflateSetHeader(&z, &h) != Z_OK) {
		rc = PL_ESTATE;
		goto out;
	}

	const uint8_t *next = in;
	size_t left = n;                /* input not yet handed to zlib */
	/* the first room (bundles shrink to about a fifth), then doubling */
	const size_t first = n < ((size_t)8 << 20) ? n / 8 + 64 : (size_t)1 << 20;
	for (;;) {
		if (z.avail_in == 0 && left > 0) {
			size_t k = left < PIECE ? left : PIECE;
			z.next_in = next;
			z.avail_in = (uInt)k;
			next += k;
			left -= k;
		}
		size_t room = out->max > out->len ? out->max - out->len : 0; /* under the cap */
		if (room == 0) {
			rc = PL_ETOOBIG;
			goto out;
		}
		size_t have = out->cap > out->len + 1 ? out->cap - out->len - 1 : 0; /* allocated */
		if (have == 0) {
			/* then one byte more each time: pl_buf_reserve doubles the storage */
			size_t extra = out->len == start ? first : 1;
			if ((rc = pl_buf_reserve(out, extra < room ? extra : room)) != PL_OK)
				goto out;
			have = out->cap - out->len - 1;
		}
		size_t give = have < room ? have : room;
		if (give > PIECE)
			give = PIECE;
		z.next_out = out->data + out->len;
		z.avail_out = (uInt)give;
		zr = deflate(&z, left == 0 ? Z_FINISH : Z_NO_FLUSH);
		out->len += give - z.avail_out;
		if (zr == Z_STREAM_END)
			break;
		if (zr != Z_OK && zr != Z_BUF_ERROR) {
			rc = zr == Z_MEM_ERROR ? PL_ENOMEM : PL_ESTATE;
			goto out;
		}
	}
out:
	deflateEnd(&z);
	if (rc != PL_OK)
		out->len = start;
	return rc;
}
