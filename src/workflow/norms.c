/* norms.c - norm set bodies and their JCS hash. */
#include "workflow/norms.h"

#include "base/codec.h"
#include "base/json.h"
#include "base/sha256.h"

#include <stdlib.h>
#include <string.h>

static bool plain(const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		if (*p < 0x20 || *p == 0x7f)
			return false;
	return true;
}

/* A required (or optional) string field of 1..max bytes without control characters. */
static int text(const json_t *o, const char *key, size_t max, bool required, const char *what, pl_refusal *v)
{
	const char *s = NULL;
	pl_diag d = {0};
	if ((required ? pl_json_str(o, key, max, &s, &d) : pl_json_str_opt(o, key, max, &s, &d)) != PL_OK)
		return pl_refuse(v, PL_R_BODY_INVALID, "%s: %s", what, d.msg);
	if (s != NULL && !plain(s))
		return pl_refuse(v, PL_R_BODY_INVALID, "%s: \"%s\" holds a control character", what, key);
	return PL_OK;
}

int pl_norm_set_check(const json_t *body, char hash[PL_NORM_HASH_HEX + 1], pl_refusal *v)
{
	int rc;
	static const char *const allowed[] = {"name", "version", "source", "norms", NULL};
	static const char *const required[] = {"name", "version", "norms", NULL};
	static const char *const nallowed[] = {"id", "short", "gist", "source", NULL};
	static const char *const nrequired[] = {"id", "short", "gist", NULL};
	pl_diag d = {0};
	if (!json_is_object(body) || pl_json_keys(body, allowed, required, "the norm set", &d) != PL_OK)
		return pl_refuse(v, PL_R_BODY_INVALID, "%s", d.msg[0] ? d.msg : "the norm set must be an object");
	if ((rc = text(body, "name", 128, true, "the norm set", v)) != PL_OK ||
	    (rc = text(body, "version", 32, true, "the norm set", v)) != PL_OK ||
	    (rc = text(body, "source", 512, false, "the norm set", v)) != PL_OK)
		return rc;
	const json_t *norms = json_object_get(body, "norms");
	if (!json_is_array(norms) || json_array_size(norms) == 0 || json_array_size(norms) > PL_NORMS_MAX)
		return pl_refuse(v, PL_R_BODY_INVALID, "\"norms\" must list 1 to %d norms", PL_NORMS_MAX);
	for (size_t i = 0; i < json_array_size(norms); i++) {
		const json_t *n = json_array_get(norms, i);
		char what[48];
		snprintf(what, sizeof what, "norm %zu", i);
		if (!json_is_object(n) || pl_json_keys(n, nallowed, nrequired, what, &d) != PL_OK)
			return pl_refuse(v, PL_R_BODY_INVALID, "%s", d.msg[0] ? d.msg : "each norm must be an object");
		if ((rc = text(n, "id", PL_NORM_ID_MAX, true, what, v)) != PL_OK || (rc = text(n, "short", 128, true, what, v)) != PL_OK ||
		    (rc = text(n, "gist", 512, true, what, v)) != PL_OK || (rc = text(n, "source", 256, false, what, v)) != PL_OK)
			return rc;
		const char *id = json_string_value(json_object_get(n, "id"));
		for (size_t j = 0; j < i; j++)
			if (strcmp(id, json_string_value(json_object_get(json_array_get(norms, j), "id"))) == 0)
				return pl_refuse(v, PL_R_BODY_INVALID, "norm id \"%s\" appears twice", id);
	}
	/* JCS of a strings-only value: sorted keys, compact, raw UTF-8 (control
	 * characters were refused above, so '"' and '\' are the only escapes). */
	char *jcs = json_dumps(body, JSON_COMPACT | JSON_SORT_KEYS);
	if (jcs == NULL)
		return PL_ENOMEM;
	uint8_t h[PL_SHA256_SIZE];
	pl_sha256(jcs, strlen(jcs), h);
	free(jcs);
	pl_hex_encode(h, sizeof h, hash);
	hash[PL_NORM_HASH_HEX] = '\0';
	return PL_OK;
}

bool pl_norm_set_has(const json_t *body, const char *id)
{
	const json_t *norms = json_object_get(body, "norms");
	for (size_t i = 0; i < json_array_size(norms); i++)
		if (strcmp(json_string_value(json_object_get(json_array_get(norms, i), "id")), id) == 0)
			return true;
	return false;
}

int pl_norm_set_load(const char *text_, size_t n, json_t **out, char hash[PL_NORM_HASH_HEX + 1], pl_diag *d)
{
	json_t *j = NULL;
	int rc = pl_json_parse((const uint8_t *)text_, n, 65536, &j, d);
	if (rc != PL_OK)
		return rc;
	pl_refusal v = {0};
	if (pl_norm_set_check(j, hash, &v) != PL_OK) {
		json_decref(j);
		return pl_diag_set(d, PL_EFORMAT, "not a norm set: %s", v.msg);
	}
	*out = j;
	return PL_OK;
}
