/* deflate.c - raw DEFLATE both ways with hard caps, through zlib (deflate.h). */
#include "base/deflate.h"

#include "base/err.h"

#include <stdlib.h>
#include <string.h>

#define ZLIB_CONST /* next_in points to const bytes */
#include <zlib.h>

#define WINDOW_BITS 15 /* negated: a raw stream, no zlib header or trailer */
#define MEM_LEVEL 8

static voidpf z_alloc(voidpf opaque, uInt items, uInt size)
{
	(void)opaque;
	return calloc(items, size);
}

static void z_free(voidpf opaque, voidpf p)
{
	(void)opaque;
	free(p);
}

size_t pl_deflate_raw_bound(size_t n)
{
	size_t extra = (n >> 12) + (n >> 14) + (n >> 25) + 7;
	return n > SIZE_MAX - extra ? SIZE_MAX : n + extra;
}

/* Room under out's cap and in its storage, at least want bytes when the cap allows. */
static int room(pl_buf *out, size_t want, size_t *give)
{
	size_t under = out->max > out->len ? out->max - out->len : 0;
	if (under == 0)
		return PL_ETOOBIG;
	if (want > under)
		want = under;
	int rc = pl_buf_reserve(out, want);
	if (rc != PL_OK)
		return rc;
	size_t have = out->cap - out->len - 1; /* pl_buf keeps one spare byte */
	*give = have < under ? have : under;
	if (*give > UINT_MAX)
		*give = UINT_MAX;
	return PL_OK;
}

int pl_deflate_raw(const uint8_t *in, size_t n, pl_buf *out)
{
	if (out == NULL || (in == NULL && n > 0))
		return PL_EINVAL;
	if (n > PL_DEFLATE_IN_MAX)
		return PL_ETOOBIG;
	const size_t start = out->len;
	z_stream z;
	memset(&z, 0, sizeof z);
	z.zalloc = z_alloc;
	z.zfree = z_free;
	int zr = deflateInit2(&z, Z_BEST_COMPRESSION, Z_DEFLATED, -WINDOW_BITS, MEM_LEVEL, Z_DEFAULT_STRATEGY);
	if (zr != Z_OK)
		return zr == Z_MEM_ERROR ? PL_ENOMEM : PL_ESTATE;
	z.next_in = in;
	z.avail_in = (uInt)n;
	int rc = PL_OK;
	for (;;) {
		size_t give, bound = pl_deflate_raw_bound(n), made = out->len - start;
		if ((rc = room(out, made < bound ? bound - made : 64, &give)) != PL_OK)
			break;
		z.next_out = out->data + out->len;
		z.avail_out = (uInt)give;
		zr = deflate(&z, Z_FINISH);
		out->len += give - z.avail_out;
		if (zr == Z_STREAM_END)
			break;
		if (zr != Z_OK && zr != Z_BUF_ERROR) {
			rc = zr == Z_MEM_ERROR ? PL_ENOMEM : PL_ESTATE;
			break;
		}
	}
	deflateEnd(&z);
	if (rc != PL_OK)
		out->len = start;
	return rc;
}

int pl_inflate_raw(const uint8_t *in, size_t n, size_t max, pl_buf *out)
{
	if (out == NULL || (in == NULL && n > 0))
		return PL_EINVAL;
	if (n > PL_DEFLATE_IN_MAX)
		return PL_ETOOBIG;
	const size_t start = out->len;
	z_stream z;
	memset(&z, 0, sizeof z);
	z.zalloc = z_alloc;
	z.zfree = z_free;
	int zr = inflateInit2(&z, -WINDOW_BITS);
	if (zr != Z_OK)
		return zr == Z_MEM_ERROR ? PL_ENOMEM : PL_ESTATE;
	z.next_in = in;
	z.avail_in = (uInt)n;
	int rc = PL_OK;
	for (;;) {
		size_t made = out->len - start, give;
		/* one byte past max, so a stream holding more is caught without inflating it all */
		if ((rc = room(out, max - made + 1, &give)) != PL_OK)
			break;
		if (give > max - made + 1)
			give = max - made + 1;
		z.next_out = out->data + out->len;
		z.avail_out = (uInt)give;
		zr = inflate(&z, Z_NO_FLUSH);
		out->len += give - z.avail_out;
		if (out->len - start > max) {
			rc = PL_ETOOBIG;
			break;
		}
		if (zr == Z_STREAM_END) {
			if (z.avail_in != 0)
				rc = PL_EFORMAT; /* bytes after the final block */
			break;
		}
		if (zr == Z_BUF_ERROR && z.avail_in == 0) {
			rc = PL_EFORMAT; /* the input ends before the final block */
			break;
		}
		if (zr == Z_MEM_ERROR) {
			rc = PL_ENOMEM;
			break;
		}
		if (zr != Z_OK && zr != Z_BUF_ERROR) {
			rc = PL_EFORMAT; /* Z_DATA_ERROR; Z_NEED_DICT cannot happen in a raw stream */
			break;
		}
	}
	inflateEnd(&z);
	if (rc != PL_OK)
		out->len = start;
	return rc;
}
