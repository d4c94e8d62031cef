/* jcs.c - canonical JSON text (RFC 8785) of the subset Parley seals (jcs.h). */
#include "base/jcs.h"

#include "base/err.h"
#include "base/json.h"

#include <stdlib.h>
#include <string.h>

static int put_string(pl_buf *out, const char *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	int rc = pl_buf_putc(out, '"');
	size_t run = 0; /* bytes copied as they are, written in one append */
	for (size_t i = 0; rc == PL_OK && i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		const char *esc = NULL;
		char u[7];
		switch (c) {
		case '"': esc = "\\\""; break;
		case '\\': esc = "\\\\"; break;
		case '\b': esc = "\\b"; break;
		case '\t': esc = "\\t"; break;
		case '\n': esc = "\\n"; break;
		case '\f': esc = "\\f"; break;
		case '\r': esc = "\\r"; break;
		default:
			if (c < 0x20) {
				memcpy(u, "\\u00", 4);
				u[4] = hex[c >> 4];
				u[5] = hex[c & 15];
				u[6] = '\0';
				esc = u;
			}
		}
		if (esc == NULL) {
			run++;
			continue;
		}
		if (run > 0)
			rc = pl_buf_append(out, s + i - run, run);
		run = 0;
		if (rc == PL_OK)
			rc = pl_buf_puts(out, esc);
	}
	if (rc == PL_OK && run > 0)
		rc = pl_buf_append(out, s + n - run, run);
	return rc == PL_OK ? pl_buf_putc(out, '"') : rc;
}

static int cmp_keys(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static bool ascii_key(const char *k)
{
	for (; *k; k++)
		if ((unsigned char)*k < 0x20 || (unsigned char)*k > 0x7e)
			return false;
	return true;
}

static int put_value(const json_t *v, pl_buf *out, size_t depth);

static int put_object(const json_t *v, pl_buf *out, size_t depth)
{
	size_t n = json_object_size(v), i = 0;
	const char **keys = n ? malloc(n * sizeof *keys) : NULL;
	if (n && keys == NULL)
		return PL_ENOMEM;
	const char *k;
	json_t *x;
	int rc = PL_OK;
	json_object_foreach((json_t *)(uintptr_t)v, k, x)
	{
		if (!ascii_key(k))
			rc = PL_EFORMAT;
		keys[i++] = k;
	}
	if (rc == PL_OK) {
		qsort(keys, n, sizeof *keys, cmp_keys);
		rc = pl_buf_putc(out, '{');
	}
	for (i = 0; rc == PL_OK && i < n; i++) {
		if (i > 0)
			rc = pl_buf_putc(out, ',');
		if (rc == PL_OK)
			rc = put_string(out, keys[i], strlen(keys[i]));
		if (rc == PL_OK)
			rc = pl_buf_putc(out, ':');
		if (rc == PL_OK)
			rc = put_value(json_object_get(v, keys[i]), out, depth + 1);
	}
	free(keys);
	return rc == PL_OK ? pl_buf_putc(out, '}') : rc;
}

static int put_value(const json_t *v, pl_buf *out, size_t depth)
{
	if (depth > PL_JSON_DEPTH_MAX)
		return PL_EFORMAT;
	switch (json_typeof(v)) {
	case JSON_OBJECT:
		return put_object(v, out, depth);
	case JSON_ARRAY: {
		int rc = pl_buf_putc(out, '[');
		for (size_t i = 0; rc == PL_OK && i < json_array_size(v); i++) {
			if (i > 0)
				rc = pl_buf_putc(out, ',');
			if (rc == PL_OK)
				rc = put_value(json_array_get(v, i), out, depth + 1);
		}
		return rc == PL_OK ? pl_buf_putc(out, ']') : rc;
	}
	case JSON_STRING:
		return put_string(out, json_string_value(v), json_string_length(v));
	case JSON_INTEGER: {
		json_int_t x = json_integer_value(v);
		if (x > PL_JCS_INT_MAX || x < -PL_JCS_INT_MAX)
			return PL_EFORMAT;
		return pl_buf_printf(out, "%" JSON_INTEGER_FORMAT, x);
	}
	case JSON_TRUE:
		return pl_buf_puts(out, "true");
	case JSON_FALSE:
		return pl_buf_puts(out, "false");
	case JSON_REAL:
	case JSON_NULL:
		break;
	}
	return PL_EFORMAT;
}

int pl_jcs(const json_t *v, pl_buf *out)
{
	if (v == NULL || out == NULL)
		return PL_EINVAL;
	size_t start = out->len;
	int rc = put_value(v, out, 1);
	if (rc != PL_OK)
		pl_buf_truncate(out, start);
	return rc;
}
