/* binenc.c - compact binary state encoding (binenc.h). */
#include "base/binenc.h"

#include <stdlib.h>
#include <string.h>

pl_enc pl_enc_of(pl_buf *out)
{
	return (pl_enc){out, PL_OK};
}

void pl_enc_raw(pl_enc *e, const void *p, size_t n)
{
	if (e->rc == PL_OK && n > 0)
		e->rc = pl_buf_append(e->out, p, n);
}

void pl_enc_u64(pl_enc *e, uint64_t v)
{
	uint8_t b[10];
	size_t n = 0;
	do {
		uint8_t byte = (uint8_t)(v & 0x7f);
		v >>= 7;
		b[n++] = (uint8_t)(byte | (v ? 0x80 : 0));
	} while (v);
	pl_enc_raw(e, b, n);
}

void pl_enc_i64(pl_enc *e, int64_t v)
{
	uint64_t u = (uint64_t)v;
	pl_enc_u64(e, (u << 1) ^ (v < 0 ? UINT64_MAX : 0));
}

void pl_enc_bool(pl_enc *e, bool v)
{
	pl_enc_u64(e, v ? 1 : 0);
}

void pl_enc_bytes(pl_enc *e, const void *p, size_t n)
{
	pl_enc_u64(e, n);
	pl_enc_raw(e, p, n);
}

void pl_enc_str(pl_enc *e, const char *s)
{
	pl_enc_bytes(e, s, s ? strlen(s) : 0);
}

pl_dec pl_dec_of(const uint8_t *p, size_t n)
{
	return (pl_dec){p, n, PL_OK};
}

void pl_dec_fail(pl_dec *d, int rc)
{
	if (d->rc == PL_OK)
		d->rc = rc;
	d->n = 0;
}

uint64_t pl_dec_u64(pl_dec *d, uint64_t max)
{
	if (d->rc != PL_OK)
		return 0;
	uint64_t v = 0;
	for (unsigned shift = 0;; shift += 7) {
		if (d->n == 0 || shift > 63) {
			pl_dec_fail(d, PL_EFORMAT);
			return 0;
		}
		uint8_t b = *d->p++;
		d->n--;
		uint64_t part = b & 0x7f;
		if (shift == 63 && part > 1) {
			pl_dec_fail(d, PL_EFORMAT); /* past 64 bits */
			return 0;
		}
		v |= part << shift;
		if ((b & 0x80) == 0) {
			if (b == 0 && shift > 0) {
				pl_dec_fail(d, PL_EFORMAT); /* not the shortest form */
				return 0;
			}
			break;
		}
	}
	if (v > max) {
		pl_dec_fail(d, PL_EFORMAT);
		return 0;
	}
	return v;
}

int64_t pl_dec_i64(pl_dec *d, int64_t min, int64_t max)
{
	uint64_t u = pl_dec_u64(d, UINT64_MAX);
	int64_t v = (int64_t)(u >> 1) ^ -(int64_t)(u & 1);
	if (d->rc != PL_OK)
		return 0;
	if (v < min || v > max) {
		pl_dec_fail(d, PL_EFORMAT);
		return 0;
	}
	return v;
}

bool pl_dec_bool(pl_dec *d)
{
	return pl_dec_u64(d, 1) == 1;
}

void pl_dec_raw(pl_dec *d, void *out, size_t n)
{
	if (d->rc == PL_OK && d->n < n)
		pl_dec_fail(d, PL_EFORMAT);
	if (d->rc != PL_OK) {
		memset(out, 0, n);
		return;
	}
	memcpy(out, d->p, n);
	d->p += n;
	d->n -= n;
}

/* The length and bytes of a string of at most max bytes without NUL; NULL after a failure. */
static const uint8_t *str_span(pl_dec *d, size_t max, size_t *len)
{
	uint64_t n = pl_dec_u64(d, max);
	if (d->rc == PL_OK && d->n < n)
		pl_dec_fail(d, PL_EFORMAT);
	if (d->rc != PL_OK)
		return NULL;
	const uint8_t *p = d->p;
	if (memchr(p, 0, (size_t)n) != NULL) {
		pl_dec_fail(d, PL_EFORMAT);
		return NULL;
	}
	d->p += n;
	d->n -= (size_t)n;
	*len = (size_t)n;
	return p;
}

void pl_dec_str(pl_dec *d, char *out, size_t cap)
{
	size_t n = 0;
	const uint8_t *p = cap > 0 ? str_span(d, cap - 1, &n) : NULL;
	if (p == NULL) {
		if (cap > 0)
			out[0] = '\0';
		return;
	}
	memcpy(out, p, n);
	out[n] = '\0';
}

char *pl_dec_str_dup(pl_dec *d, size_t max)
{
	size_t n = 0;
	const uint8_t *p = str_span(d, max, &n);
	if (p == NULL)
		return NULL;
	char *s = malloc(n + 1);
	if (s == NULL) {
		pl_dec_fail(d, PL_ENOMEM);
		return NULL;
	}
	memcpy(s, p, n);
	s[n] = '\0';
	return s;
}

size_t pl_dec_count(pl_dec *d, size_t max, size_t min_bytes)
{
	uint64_t n = pl_dec_u64(d, max);
	if (d->rc == PL_OK && min_bytes > 0 && n > d->n / min_bytes)
		pl_dec_fail(d, PL_EFORMAT);
	return d->rc == PL_OK ? (size_t)n : 0;
}

int pl_dec_end(const pl_dec *d)
{
	if (d->rc != PL_OK)
		return d->rc;
	return d->n == 0 ? PL_OK : PL_EFORMAT;
}
