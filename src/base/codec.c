/* codec.c - strict base64, hex and decimal codecs. */
#include "base/codec.h"

#include "base/err.h"

#include <string.h>

static const char B64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

size_t pl_b64_len(size_t n)
{
	return (n + 2) / 3 * 4;
}

void pl_b64_encode(const uint8_t *src, size_t n, char *out)
{
	size_t i = 0, o = 0;
	for (; i + 3 <= n; i += 3) {
		uint32_t v = (uint32_t)src[i] << 16 | (uint32_t)src[i + 1] << 8 | src[i + 2];
		out[o++] = B64[v >> 18];
		out[o++] = B64[(v >> 12) & 63];
		out[o++] = B64[(v >> 6) & 63];
		out[o++] = B64[v & 63];
	}
	if (n - i == 1) {
		uint32_t v = (uint32_t)src[i] << 16;
		out[o++] = B64[v >> 18];
		out[o++] = B64[(v >> 12) & 63];
		out[o++] = '=';
		out[o++] = '=';
	} else if (n - i == 2) {
		uint32_t v = (uint32_t)src[i] << 16 | (uint32_t)src[i + 1] << 8;
		out[o++] = B64[v >> 18];
		out[o++] = B64[(v >> 12) & 63];
		out[o++] = B64[(v >> 6) & 63];
		out[o++] = '=';
	}
	out[o] = '\0';
}

int pl_b64_append(pl_buf *b, const uint8_t *src, size_t n)
{
	size_t m = pl_b64_len(n);
	int rc = pl_buf_reserve(b, m); /* reserve keeps one spare byte for the NUL */
	if (rc != PL_OK)
		return rc;
	pl_b64_encode(src, n, (char *)b->data + b->len);
	b->len += m;
	return PL_OK;
}

static int b64_val(uint8_t c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

int pl_b64_decode(const uint8_t *text, size_t n, uint8_t *out, size_t cap, size_t *outlen)
{
	if (n % 4 != 0)
		return PL_EFORMAT;
	size_t pad = 0;
	if (n >= 4 && text[n - 1] == '=')
		pad = text[n - 2] == '=' ? 2 : 1;
	size_t len = n / 4 * 3 - pad;
	if (len > cap)
		return PL_ETOOBIG;
	size_t o = 0;
	for (size_t i = 0; i < n; i += 4) {
		int v[4];
		size_t real = (i + 4 == n) ? 4 - pad : 4;
		for (size_t j = 0; j < 4; j++) {
			if (j < real) {
				v[j] = b64_val(text[i + j]);
				if (v[j] < 0)
					return PL_EFORMAT;
			} else {
				v[j] = 0; /* '=' checked by the pad count above */
			}
		}
		uint32_t w = (uint32_t)v[0] << 18 | (uint32_t)v[1] << 12 | (uint32_t)v[2] << 6 | (uint32_t)v[3];
		if (real == 4) {
			out[o++] = (uint8_t)(w >> 16);
			out[o++] = (uint8_t)(w >> 8);
			out[o++] = (uint8_t)w;
		} else if (real == 3) {
			if (w & 0xff) /* non-zero padding bits: not canonical */
				return PL_EFORMAT;
			out[o++] = (uint8_t)(w >> 16);
			out[o++] = (uint8_t)(w >> 8);
		} else { /* real == 2 */
			if (w & 0xffff)
				return PL_EFORMAT;
			out[o++] = (uint8_t)(w >> 16);
		}
	}
	*outlen = o;
	return PL_OK;
}

int pl_b64_decode_exact(const uint8_t *text, size_t n, uint8_t *out, size_t want)
{
	if (n != pl_b64_len(want))
		return PL_EFORMAT;
	size_t got = 0;
	int rc = pl_b64_decode(text, n, out, want, &got);
	if (rc == PL_ETOOBIG || (rc == PL_OK && got != want))
		return PL_EFORMAT;
	return rc;
}

void pl_hex_encode(const uint8_t *src, size_t n, char *out)
{
	static const char H[] = "0123456789abcdef";
	for (size_t i = 0; i < n; i++) {
		out[2 * i] = H[src[i] >> 4];
		out[2 * i + 1] = H[src[i] & 15];
	}
	out[2 * n] = '\0';
}

static int hex_val(uint8_t c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

int pl_hex_decode(const uint8_t *text, size_t n, uint8_t *out, size_t want)
{
	if (n != 2 * want)
		return PL_EFORMAT;
	for (size_t i = 0; i < want; i++) {
		int hi = hex_val(text[2 * i]), lo = hex_val(text[2 * i + 1]);
		if (hi < 0 || lo < 0)
			return PL_EFORMAT;
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	return PL_OK;
}

int pl_dec_parse(const uint8_t *text, size_t n, uint64_t max, uint64_t *out)
{
	if (n == 0 || n > 20)
		return PL_EFORMAT;
	if (text[0] == '0' && n > 1)
		return PL_EFORMAT;
	uint64_t v = 0;
	for (size_t i = 0; i < n; i++) {
		if (text[i] < '0' || text[i] > '9')
			return PL_EFORMAT;
		unsigned d = (unsigned)(text[i] - '0');
		if (v > (UINT64_MAX - d) / 10)
			return PL_ERANGE;
		v = v * 10 + d;
	}
	if (v > max)
		return PL_ERANGE;
	*out = v;
	return PL_OK;
}
