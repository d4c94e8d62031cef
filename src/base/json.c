/* json.c - strict JSON parsing and typed getters. */
#include "base/json.h"

#include "base/codec.h"

#include <stdlib.h>
#include <string.h>

/*
 * jansson 2.14 does not report every allocation failure: its lexer drops a
 * character when it cannot grow a string buffer (lex_save ignores the error)
 * and parses on, so a statement could be read as a different text than the
 * bytes its signature covers. Parley therefore gives jansson an allocator
 * that records any failure in a thread-local flag; pl_json_parse clears the
 * flag before parsing and reports PL_ENOMEM when it was set, whatever jansson
 * returned. jansson's allocator is process-wide and must not change while
 * threads use it, so it is installed once, before main(), by a constructor.
 * (The flag is the library's only mutable global besides configuration:
 * jansson offers no per-call allocator to carry it.)
 */
static _Thread_local bool json_alloc_failed;

static void *json_alloc(size_t n)
{
	void *p = malloc(n);
	if (p == NULL)
		json_alloc_failed = true;
	return p;
}

static void json_release(void *p)
{
	free(p);
}

__attribute__((constructor)) static void json_alloc_install(void)
{
	json_set_alloc_funcs(json_alloc, json_release);
}

static size_t depth(const json_t *v)
{
	size_t best = 0;
	if (json_is_object(v)) {
		const char *k;
		json_t *c;
		json_object_foreach((json_t *)(uintptr_t)v, k, c)
		{
			size_t dd = depth(c);
			if (dd > best)
				best = dd;
			if (best > PL_JSON_DEPTH_MAX)
				break;
		}
		return best + 1;
	}
	if (json_is_array(v)) {
		size_t i;
		json_t *c;
		json_array_foreach(v, i, c)
		{
			size_t dd = depth(c);
			if (dd > best)
				best = dd;
			if (best > PL_JSON_DEPTH_MAX)
				break;
		}
		return best + 1;
	}
	return 0;
}

/* A cheap pre-scan: deeper nesting than this is refused before jansson recurses. */
static bool nesting_ok(const uint8_t *p, size_t n)
{
	size_t level = 0;
	bool in_str = false, esc = false;
	for (size_t i = 0; i < n; i++) {
		uint8_t c = p[i];
		if (in_str) {
			if (esc)
				esc = false;
			else if (c == '\\')
				esc = true;
			else if (c == '"')
				in_str = false;
			continue;
		}
		if (c == '"')
			in_str = true;
		else if (c == '{' || c == '[') {
			if (++level > PL_JSON_DEPTH_MAX)
				return false;
		} else if ((c == '}' || c == ']') && level > 0)
			level--;
	}
	return true;
}

int pl_json_parse(const uint8_t *p, size_t n, size_t max, json_t **out, pl_diag *d)
{
	*out = NULL;
	if (n > max)
		return pl_diag_set(d, PL_ETOOBIG, "JSON document of %zu bytes is over the %zu-byte limit", n, max);
	if (!nesting_ok(p, n))
		return pl_diag_set(d, PL_ETOOBIG, "JSON nested deeper than %d levels", PL_JSON_DEPTH_MAX);
	json_error_t err;
	json_alloc_failed = false;
	json_t *v = json_loadb((const char *)p, n, JSON_REJECT_DUPLICATES, &err);
	/* jansson 2.14 returns NULL with no position when it cannot allocate its
	 * lexer, and may return a document with characters missing (above) */
	if (json_alloc_failed || (v == NULL && (json_error_code(&err) == json_error_out_of_memory ||
						(err.line == -1 && err.text[0] == '\0')))) {
		json_decref(v);
		return pl_diag_set(d, PL_ENOMEM, "out of memory parsing JSON");
	}
	if (v == NULL)
		return pl_diag_set(d, PL_EFORMAT, "invalid JSON at line %d column %d: %s", err.line, err.column, err.text);
	if (depth(v) > PL_JSON_DEPTH_MAX) {
		json_decref(v);
		return pl_diag_set(d, PL_ETOOBIG, "JSON nested deeper than %d levels", PL_JSON_DEPTH_MAX);
	}
	*out = v;
	return PL_OK;
}

static bool listed(const char *const *list, const char *k)
{
	for (; list && *list; list++)
		if (strcmp(*list, k) == 0)
			return true;
	return false;
}

int pl_json_keys(const json_t *obj, const char *const *allowed, const char *const *required, const char *what,
		 pl_diag *d)
{
	if (!json_is_object(obj))
		return pl_diag_set(d, PL_EFORMAT, "%s must be a JSON object", what);
	const char *k;
	json_t *v;
	json_object_foreach((json_t *)(uintptr_t)obj, k, v)
	{
		if (!listed(allowed, k))
			return pl_diag_set(d, PL_EFORMAT, "%s has an unknown field \"%.64s\"", what, k);
	}
	for (; required && *required; required++)
		if (json_object_get(obj, *required) == NULL)
			return pl_diag_set(d, PL_EFORMAT, "%s lacks the field \"%s\"", what, *required);
	return PL_OK;
}

int pl_json_str_opt(const json_t *obj, const char *key, size_t max, const char **out, pl_diag *d)
{
	*out = NULL;
	json_t *v = json_object_get(obj, key);
	if (v == NULL)
		return PL_OK;
	if (!json_is_string(v))
		return pl_diag_set(d, PL_EFORMAT, "\"%s\" must be a string", key);
	size_t n = json_string_length(v);
	if (n == 0 || n > max)
		return pl_diag_set(d, PL_EFORMAT, "\"%s\" must hold 1 to %zu bytes", key, max);
	*out = json_string_value(v);
	return PL_OK;
}

int pl_json_str(const json_t *obj, const char *key, size_t max, const char **out, pl_diag *d)
{
	int rc = pl_json_str_opt(obj, key, max, out, d);
	if (rc == PL_OK && *out == NULL)
		return pl_diag_set(d, PL_EFORMAT, "the field \"%s\" is missing", key);
	return rc;
}

int pl_json_int(const json_t *obj, const char *key, int64_t min, int64_t max, int64_t *out, pl_diag *d)
{
	json_t *v = json_object_get(obj, key);
	if (v == NULL)
		return pl_diag_set(d, PL_EFORMAT, "the field \"%s\" is missing", key);
	if (!json_is_integer(v))
		return pl_diag_set(d, PL_EFORMAT, "\"%s\" must be an integer", key);
	json_int_t x = json_integer_value(v);
	if (x < min || x > max)
		return pl_diag_set(d, PL_EFORMAT, "\"%s\" must be between %lld and %lld", key, (long long)min,
				   (long long)max);
	*out = (int64_t)x;
	return PL_OK;
}

int pl_json_b64(const json_t *obj, const char *key, uint8_t *out, size_t want, pl_diag *d)
{
	const char *s;
	int rc = pl_json_str(obj, key, pl_b64_len(want), &s, d);
	if (rc != PL_OK)
		return rc;
	if (pl_b64_decode_exact((const uint8_t *)s, strlen(s), out, want) != PL_OK)
		return pl_diag_set(d, PL_EFORMAT, "\"%s\" must be canonical base64 of %zu bytes", key, want);
	return PL_OK;
}

static int dump_cb(const char *buffer, size_t size, void *data)
{
	return pl_buf_append(data, buffer, size) == PL_OK ? 0 : -1;
}

int pl_json_dump(const json_t *v, pl_buf *out)
{
	size_t start = out->len;
	if (json_dump_callback(v, dump_cb, out, JSON_COMPACT | JSON_PRESERVE_ORDER) != 0) {
		pl_buf_truncate(out, start);
		return PL_ETOOBIG;
	}
	return PL_OK;
}
