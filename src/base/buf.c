/* buf.c - growable capped byte buffers. */
#include "base/buf.h"

#include "base/err.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void pl_buf_init(pl_buf *b, size_t max)
{
	b->data = NULL;
	b->len = 0;
	b->cap = 0;
	b->max = max;
}

void pl_buf_release(pl_buf *b)
{
	free(b->data);
	b->data = NULL;
	b->len = 0;
	b->cap = 0;
}

void pl_buf_wipe(pl_buf *b)
{
	if (b->data != NULL) {
		/* volatile-style wipe the compiler cannot drop */
		explicit_bzero(b->data, b->cap);
	}
	pl_buf_release(b);
}

void pl_buf_reset(pl_buf *b)
{
	b->len = 0;
}

int pl_buf_reserve(pl_buf *b, size_t extra)
{
	if (extra > b->max || b->len > b->max - extra)
		return PL_ETOOBIG;
	size_t need = b->len + extra + 1; /* +1: room for pl_buf_cstr's NUL */
	if (need <= b->cap)
		return PL_OK;
	size_t cap = b->cap ? b->cap : 64;
	while (cap < need)
		cap = cap > SIZE_MAX / 2 ? need : cap * 2;
	uint8_t *p = realloc(b->data, cap);
	if (p == NULL)
		return PL_ENOMEM;
	b->data = p;
	b->cap = cap;
	return PL_OK;
}

int pl_buf_append(pl_buf *b, const void *p, size_t n)
{
	int rc = pl_buf_reserve(b, n);
	if (rc != PL_OK)
		return rc;
	if (n > 0)
		memcpy(b->data + b->len, p, n);
	b->len += n;
	return PL_OK;
}

int pl_buf_puts(pl_buf *b, const char *s)
{
	return pl_buf_append(b, s, strlen(s));
}

int pl_buf_putc(pl_buf *b, uint8_t c)
{
	return pl_buf_append(b, &c, 1);
}

int pl_buf_printf(pl_buf *b, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return PL_EINVAL;
	int rc = pl_buf_reserve(b, (size_t)n);
	if (rc != PL_OK)
		return rc;
	va_start(ap, fmt);
	vsnprintf((char *)b->data + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
	return PL_OK;
}

void pl_buf_truncate(pl_buf *b, size_t len)
{
	if (len < b->len)
		b->len = len;
}

const char *pl_buf_cstr(pl_buf *b)
{
	if (b->data == NULL)
		return "";
	b->data[b->len] = '\0'; /* cap > len is an invariant once allocated */
	return (const char *)b->data;
}

pl_span pl_buf_span(const pl_buf *b)
{
	pl_span s = {b->data, b->len};
	return s;
}

pl_span pl_span_str(const char *s)
{
	pl_span r = {(const uint8_t *)s, strlen(s)};
	return r;
}

bool pl_span_eq(pl_span a, const char *s)
{
	size_t n = strlen(s);
	return a.n == n && (n == 0 || memcmp(a.p, s, n) == 0);
}

bool pl_span_same(pl_span a, pl_span b)
{
	return a.n == b.n && (a.n == 0 || memcmp(a.p, b.p, a.n) == 0);
}

bool pl_span_starts(pl_span a, const char *s)
{
	size_t n = strlen(s);
	return a.n >= n && (n == 0 || memcmp(a.p, s, n) == 0);
}

int pl_array_grow(void **p, size_t *cap, size_t n, size_t sz)
{
	if (n < *cap)
		return PL_OK;
	size_t c = *cap ? *cap * 2 : 16;
	if (sz == 0 || c < *cap || c > SIZE_MAX / sz)
		return PL_ENOMEM;
	void *q = realloc(*p, c * sz);
	if (q == NULL)
		return PL_ENOMEM;
	*p = q;
	*cap = c;
	return PL_OK;
}
