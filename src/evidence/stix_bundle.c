/*
 * stix_bundle.c - STIX 2.1 bundles (stix.h): reading the bundle document,
 * checking every object's type and identifier, keeping the indicator objects
 * and classifying each (a compiled "stix" pattern, evaluable or not; "yara"
 * rule source; any other pattern_type not evaluated); what a STIX identifier
 * is (pl_stix_id_ok) and the status names.
 */
#include "evidence/stix_internal.h"

#include "base/json.h"

#include <stdio.h>
#include <stdlib.h>

bool pl_stix_id_ok(const char *s, size_t n, const char *type)
{
	if (s == NULL)
		return false;
	const char *sep = NULL;
	for (size_t i = 0; i + 1 < n; i++)
		if (s[i] == '-' && s[i + 1] == '-') {
			sep = s + i;
			break;
		}
	if (sep == NULL)
		return false;
	size_t tn = (size_t)(sep - s);
	if (type != NULL) {
		if (!stix_seq(s, tn, type))
			return false;
	} else {
		/* a type: [a-z][a-z0-9-]+[a-z0-9], 3..250 characters */
		if (tn < 3 || tn > 250 || !(s[0] >= 'a' && s[0] <= 'z'))
			return false;
		for (size_t i = 1; i < tn; i++)
			if (!((s[i] >= 'a' && s[i] <= 'z') || stix_is_digit(s[i]) || (s[i] == '-' && i + 1 < tn)))
				return false;
	}
	const char *u = sep + 2;
	size_t un = n - tn - 2;
	if (un != 36)
		return false;
	for (size_t i = 0; i < 36; i++) {
		if (i == 8 || i == 13 || i == 18 || i == 23) {
			if (u[i] != '-')
				return false;
		} else if (!stix_is_hex((unsigned char)u[i]))
			return false;
	}
	return u[14] >= '1' && u[14] <= '5' && strchr("89abAB", u[19]) != NULL;
}

const char *pl_stix_status_name(pl_stix_status s)
{
	switch (s) {
	case PL_STIX_EVALUABLE: return "evaluable";
	case PL_STIX_YARA: return "yara";
	default: return "not-evaluated";
	}
}

static char *dup_str(const char *s)
{
	if (s == NULL)
		return NULL;
	size_t n = strlen(s) + 1;
	char *r = malloc(n);
	if (r)
		memcpy(r, s, n);
	return r;
}

static void indicator_release(pl_stix_indicator *in)
{
	free(in->id);
	free(in->name);
	free(in->pattern);
	free(in->pattern_type);
	free(in->valid_from);
	free(in->why_buf);
	pl_stix_pattern_free(in->compiled);
	memset(in, 0, sizeof *in);
}

void pl_stix_bundle_release(pl_stix_bundle *b)
{
	if (b == NULL)
		return;
	for (size_t i = 0; i < b->nindicators; i++)
		indicator_release(&b->indicators[i]);
	free(b->indicators);
	free(b->id);
	memset(b, 0, sizeof *b);
}

/* A string field of object i, with a sentence naming the object. */
static int obj_str(const json_t *o, const char *key, size_t max, bool required, size_t i, const char *id,
		   const char **out, pl_diag *d)
{
	*out = NULL;
	json_t *v = json_object_get(o, key);
	if (v == NULL) {
		if (!required)
			return PL_OK;
		return pl_diag_set(d, PL_EFORMAT, "STIX bundle: object %zu (%.80s) lacks \"%s\"", i, id, key);
	}
	if (!json_is_string(v))
		return pl_diag_set(d, PL_EFORMAT, "STIX bundle: object %zu (%.80s): \"%s\" must be a string", i, id, key);
	size_t n = json_string_length(v);
	if (n == 0)
		return pl_diag_set(d, PL_EFORMAT, "STIX bundle: object %zu (%.80s): \"%s\" is empty", i, id, key);
	if (n > max)
		return pl_diag_set(d, PL_ETOOBIG, "STIX bundle: object %zu (%.80s): \"%s\" is over %zu bytes", i, id, key,
				   max);
	if (strlen(json_string_value(v)) != n)
		return pl_diag_set(d, PL_EFORMAT, "STIX bundle: object %zu (%.80s): \"%s\" holds a NUL byte", i, id, key);
	*out = json_string_value(v);
	return PL_OK;
}

static int parse_indicator(const json_t *o, size_t i, const char *id, pl_stix_indicator *in, pl_diag *d)
{
	const char *name, *pattern, *ptype, *vf;
	int rc;
	if ((rc = obj_str(o, "name", PL_STIX_NAME_MAX, false, i, id, &name, d)) != PL_OK ||
	    (rc = obj_str(o, "pattern", PL_STIX_PATTERN_MAX, true, i, id, &pattern, d)) != PL_OK ||
	    (rc = obj_str(o, "pattern_type", 64, true, i, id, &ptype, d)) != PL_OK ||
	    (rc = obj_str(o, "valid_from", 64, true, i, id, &vf, d)) != PL_OK)
		return rc;
	if (!pl_stix_timestamp_ok(vf, strlen(vf)))
		return pl_diag_set(d, PL_EFORMAT,
				   "STIX bundle: indicator %.80s: \"valid_from\" must be a timestamp like "
				   "2026-01-31T12:00:00.000Z",
				   id);
	in->id = dup_str(id);
	in->name = dup_str(name);
	in->pattern = dup_str(pattern);
	in->pattern_type = dup_str(ptype);
	in->valid_from = dup_str(vf);
	if (in->id == NULL || (name && in->name == NULL) || in->pattern == NULL || in->pattern_type == NULL ||
	    in->valid_from == NULL)
		return pl_diag_set(d, PL_ENOMEM, "out of memory reading a STIX bundle");
	if (strcmp(ptype, "stix") == 0) {
		pl_diag pd = {0};
		rc = pl_stix_pattern_compile(pattern, strlen(pattern), &in->compiled, &pd);
		if (rc != PL_OK)
			return pl_diag_set(d, rc, "STIX bundle: indicator %.80s: %s", id, pl_diag_text(&pd, rc));
		const char *why;
		in->status = pl_stix_pattern_supported(in->compiled, &why) ? PL_STIX_EVALUABLE : PL_STIX_NOT_EVALUATED;
		in->why = why;
		return PL_OK;
	}
	if (strcmp(ptype, "yara") == 0) {
		in->status = PL_STIX_YARA;
		in->why = "";
		return PL_OK;
	}
	in->status = PL_STIX_NOT_EVALUATED;
	size_t wn = strlen(ptype) + 64;
	in->why_buf = malloc(wn);
	if (in->why_buf == NULL)
		return pl_diag_set(d, PL_ENOMEM, "out of memory reading a STIX bundle");
	snprintf(in->why_buf, wn, "the pattern_type \"%s\" is not evaluated by Parley", ptype);
	in->why = in->why_buf;
	return PL_OK;
}

int pl_stix_bundle_parse(const uint8_t *p, size_t n, pl_stix_bundle *out, pl_diag *d)
{
	if (out != NULL)
		memset(out, 0, sizeof *out);
	if (out == NULL || (p == NULL && n > 0))
		return pl_diag_set(d, PL_EINVAL, "pl_stix_bundle_parse: no input or no output");
	json_t *root = NULL;
	pl_stix_bundle b = {0};
	pl_diag jd = {0};
	int rc = pl_json_parse(p ? p : (const uint8_t *)"", n, PL_STIX_BUNDLE_MAX, &root, &jd);
	if (rc != PL_OK) {
		rc = pl_diag_set(d, rc, "STIX bundle: %s", pl_diag_text(&jd, rc));
		goto out;
	}
	static const char *const allowed[] = {"type", "id", "objects", NULL};
	static const char *const required[] = {"type", "id", NULL};
	const char *type = json_string_value(json_object_get(root, "type"));
	if (json_is_object(root) && (type == NULL || strcmp(type, "bundle") != 0)) {
		rc = pl_diag_set(d, PL_EFORMAT, "STIX bundle: not a bundle (\"type\" must be \"bundle\")");
		goto out;
	}
	if ((rc = pl_json_keys(root, allowed, required, "the STIX bundle", &jd)) != PL_OK) {
		rc = pl_diag_set(d, rc, "%s", pl_diag_text(&jd, rc));
		goto out;
	}
	const json_t *jid = json_object_get(root, "id");
	const char *bid = json_string_value(jid);
	if (bid == NULL || !pl_stix_id_ok(bid, json_string_length(jid), "bundle")) {
		rc = pl_diag_set(d, PL_EFORMAT, "STIX bundle: \"id\" must be bundle--<uuid>");
		goto out;
	}
	const json_t *objs = json_object_get(root, "objects");
	if (objs != NULL && !json_is_array(objs)) {
		rc = pl_diag_set(d, PL_EFORMAT, "STIX bundle: \"objects\" must be an array");
		goto out;
	}
	size_t nobj = objs ? json_array_size(objs) : 0;
	if (nobj > PL_STIX_OBJECTS_MAX) {
		rc = pl_diag_set(d, PL_ETOOBIG, "STIX bundle: %zu objects is over the limit of %d", nobj,
				 PL_STIX_OBJECTS_MAX);
		goto out;
	}
	size_t nind = 0;
	for (size_t i = 0; i < nobj; i++) {
		const json_t *o = json_array_get(objs, i);
		const char *t = json_string_value(json_object_get(o, "type"));
		if (t && strcmp(t, "indicator") == 0)
			nind++;
	}
	if (nind) {
		b.indicators = calloc(nind, sizeof *b.indicators);
		if (b.indicators == NULL) {
			rc = pl_diag_set(d, PL_ENOMEM, "out of memory reading a STIX bundle");
			goto out;
		}
	}
	b.id = dup_str(bid);
	if (b.id == NULL) {
		rc = pl_diag_set(d, PL_ENOMEM, "out of memory reading a STIX bundle");
		goto out;
	}
	for (size_t i = 0; i < nobj; i++) {
		const json_t *o = json_array_get(objs, i);
		if (!json_is_object(o)) {
			rc = pl_diag_set(d, PL_EFORMAT, "STIX bundle: object %zu is not a JSON object", i);
			goto out;
		}
		const json_t *jt = json_object_get(o, "type"), *ji = json_object_get(o, "id");
		const char *t = json_string_value(jt), *id = json_string_value(ji);
		if (t == NULL || json_string_length(jt) == 0) {
			rc = pl_diag_set(d, PL_EFORMAT, "STIX bundle: object %zu lacks a string \"type\"", i);
			goto out;
		}
		/* the id's type part is checked for form, and must be the object's type */
		if (id == NULL || strlen(t) != json_string_length(jt) || !pl_stix_id_ok(id, json_string_length(ji), NULL) ||
		    !pl_stix_id_ok(id, json_string_length(ji), t)) {
			rc = pl_diag_set(d, PL_EFORMAT, "STIX bundle: object %zu (type %.64s) needs an \"id\" %.64s--<uuid>",
					 i, t, t);
			goto out;
		}
		if (strcmp(t, "indicator") != 0) {
			b.nother++;
			continue;
		}
		if ((rc = parse_indicator(o, i, id, &b.indicators[b.nindicators++], d)) != PL_OK)
			goto out;
	}
	b.nobjects = nobj;
	*out = b;
	memset(&b, 0, sizeof b);
	rc = PL_OK;
out:
	pl_stix_bundle_release(&b);
	json_decref(root);
	return rc;
}
