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

/* Value of each base64 character, -1 for the others. */
static const int8_t B64_VAL[256] = {
	['A'] = 0,  ['B'] = 1,  ['C'] = 2,  ['D'] = 3,  ['E'] = 4,  ['F'] = 5,  ['G'] = 6,  ['H'] = 7,
	['I'] = 8,  ['J'] = 9,  ['K'] = 10, ['L'] = 11, ['M'] = 12, ['N'] = 13, ['O'] = 14, ['P'] = 15,
	['Q'] = 16, ['R'] = 17, ['S'] = 18, ['T'] = 19, ['U'] = 20, ['V'] = 21, ['W'] = 22, ['X'] = 23,
	['Y'] = 24, ['Z'] = 25, ['a'] = 26, ['b'] = 27, ['c'] = 28, ['d'] = 29, ['e'] = 30, ['f'] = 31,
	['g'] = 32, ['h'] = 33, ['i'] = 34, ['j'] = 35, ['k'] = 36, ['l'] = 37, ['m'] = 38, ['n'] = 39,
	['o'] = 40, ['p'] = 41, ['q'] = 42, ['r'] = 43, ['s'] = 44, ['t'] = 45, ['u'] = 46, ['v'] = 47,
	['w'] = 48, ['x'] = 49, ['y'] = 50, ['z'] = 51, ['0'] = 52, ['1'] = 53, ['2'] = 54, ['3'] = 55,
	['4'] = 56, ['5'] = 57, ['6'] = 58, ['7'] = 59, ['8'] = 60, ['9'] = 61, ['+'] = 62, ['/'] = 63,
};

/* 'A' maps to 0 in the table like every non-base64 byte: tell them apart. */
static int b64_val(uint8_t c)
{
	return B64_VAL[c] != 0 || c == 'A' ? B64_VAL[c] : -1;
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
	size_t o = 0, full = pad ? n - 4 : n;
	for (size_t i = 0; i < full; i += 4) {
		int a = b64_val(text[i]), b = b64_val(text[i + 1]), c = b64_val(text[i + 2]), e = b64_val(text[i + 3]);
		if ((a | b | c | e) < 0)
			return PL_EFORMAT;
		uint32_t w = (uint32_t)a << 18 | (uint32_t)b << 12 | (uint32_t)c << 6 | (uint32_t)e;
		out[o++] = (uint8_t)(w >> 16);
		out[o++] = (uint8_t)(w >> 8);
		out[o++] = (uint8_t)w;
	}
	if (pad) {
		const uint8_t *q = text + n - 4;
		int a = b64_val(q[0]), b = b64_val(q[1]), c = pad == 1 ? b64_val(q[2]) : 0;
		if ((a | b | c) < 0)
			return PL_EFORMAT;
		uint32_t w = (uint32_t)a << 18 | (uint32_t)b << 12 | (uint32_t)c << 6;
		if (pad == 1) {
			if (w & 0xff) /* non-zero padding bits: not canonical */
				return PL_EFORMAT;
			out[o++] = (uint8_t)(w >> 16);
			out[o++] = (uint8_t)(w >> 8);
		} else {
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
