/* statement.c - statement payloads: strict parsing and canonical building. */
#include "statement/statement.h"

#include "base/codec.h"
#include "base/json.h"
#include "base/timefmt.h"
#include "statement/dsse.h"

#include <string.h>

static bool type_name_valid(const char *t)
{
	size_t n = strlen(t);
	if (n == 0 || n > PL_TYPE_MAX)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((t[i] >= 'a' && t[i] <= 'z') || (t[i] == '.' && i > 0 && i < n - 1)))
			return false;
	return true;
}

void pl_stmt_release(pl_stmt *s)
{
	json_decref(s->root);
	s->root = NULL;
	s->body = NULL;
}

int pl_stmt_parse(const uint8_t *p, size_t n, pl_stmt *out, pl_diag *d)
{
	memset(out, 0, sizeof *out);
	int rc = pl_json_parse(p, n, PL_DSSE_MAX, &out->root, d);
	if (rc != PL_OK)
		return rc;
	static const char *const keys[] = {"log", "type", "author", "seq", "time", "body", "refs", NULL};
	static const char *const req[] = {"log", "type", "author", "seq", "time", "body", NULL};
	const char *log, *type, *author, *time;
	int64_t seq;
	json_t *v = out->root;
	if ((rc = pl_json_keys(v, keys, req, "the statement", d)) != PL_OK ||
	    (rc = pl_json_str(v, "log", PL_ORIGIN_LEN_MAX, &log, d)) != PL_OK ||
	    (rc = pl_json_str(v, "type", PL_TYPE_MAX, &type, d)) != PL_OK ||
	    (rc = pl_json_str(v, "author", PL_PARTY_MAX, &author, d)) != PL_OK ||
	    (rc = pl_json_int(v, "seq", 1, PL_SEQ_MAX, &seq, d)) != PL_OK ||
	    (rc = pl_json_str(v, "time", 32, &time, d)) != PL_OK)
		goto fail;
	if (!type_name_valid(type)) {
		rc = pl_diag_set(d, PL_EFORMAT, "\"type\" must be lower-case letters and dots");
		goto fail;
	}
	if (!pl_party_name_valid(author, strlen(author))) {
		rc = pl_diag_set(d, PL_EFORMAT, "\"author\" is not a valid party name");
		goto fail;
	}
	if (pl_time_parse(time, strlen(time), &out->time) != PL_OK) {
		rc = pl_diag_set(d, PL_EFORMAT, "\"time\" must be UTC to the second, like 2026-01-01T00:00:00Z");
		goto fail;
	}
	out->body = json_object_get(v, "body");
	if (!json_is_object(out->body)) {
		rc = pl_diag_set(d, PL_EFORMAT, "\"body\" must be an object");
		goto fail;
	}
	json_t *refs = json_object_get(v, "refs");
	if (refs != NULL) {
		if (!json_is_array(refs) || json_array_size(refs) == 0 || json_array_size(refs) > PL_REFS_MAX) {
			rc = pl_diag_set(d, PL_EFORMAT, "\"refs\" must be an array of 1 to %d references", PL_REFS_MAX);
			goto fail;
		}
		static const char *const rkeys[] = {"index", "leaf", NULL};
		size_t i;
		json_t *r;
		json_array_foreach(refs, i, r)
		{
			int64_t idx;
			if ((rc = pl_json_keys(r, rkeys, rkeys, "a reference", d)) != PL_OK ||
			    (rc = pl_json_int(r, "index", 0, (int64_t)(PL_TREE_MAX - 1), &idx, d)) != PL_OK ||
			    (rc = pl_json_b64(r, "leaf", out->refs[i].leaf.b, PL_HASH_SIZE, d)) != PL_OK)
				goto fail;
			out->refs[i].index = (uint64_t)idx;
			for (size_t j = 0; j < i; j++)
				if (out->refs[j].index == out->refs[i].index) {
					rc = pl_diag_set(d, PL_EFORMAT, "entry %lld is referenced twice", (long long)idx);
					goto fail;
				}
		}
		out->nrefs = json_array_size(refs);
	}
	strcpy(out->log, log);
	strcpy(out->type, type);
	strcpy(out->author, author);
	out->seq = (uint64_t)seq;
	return PL_OK;
fail:
	pl_stmt_release(out);
	return rc;
}

bool pl_stmt_has_ref(const pl_stmt *s, uint64_t index, const pl_ref **ref)
{
	for (size_t i = 0; i < s->nrefs; i++)
		if (s->refs[i].index == index) {
			if (ref)
				*ref = &s->refs[i];
			return true;
		}
	return false;
}

int pl_stmt_build(const char *log, const char *type, const char *author, uint64_t seq, int64_t time,
		  const json_t *body, const pl_ref *refs, size_t nrefs, pl_buf *out)
{
	if (nrefs > PL_REFS_MAX || seq < 1 || seq > (uint64_t)PL_SEQ_MAX)
		return PL_EINVAL;
	char ts[PL_TIME_LEN + 1];
	pl_time_format(time, ts);
	json_t *o = json_object();
	int rc = PL_ENOMEM;
	if (o == NULL)
		return rc;
	if (json_object_set_new(o, "log", json_string(log)) || json_object_set_new(o, "type", json_string(type)) ||
	    json_object_set_new(o, "author", json_string(author)) ||
	    json_object_set_new(o, "seq", json_integer((json_int_t)seq)) ||
	    json_object_set_new(o, "time", json_string(ts)) ||
	    json_object_set_new(o, "body", body ? json_incref((json_t *)(uintptr_t)body) : json_object()))
		goto out;
	if (nrefs > 0) {
		json_t *a = json_array();
		if (a == NULL || json_object_set_new(o, "refs", a))
			goto out;
		for (size_t i = 0; i < nrefs; i++) {
			char b64[PL_HASH_B64_LEN + 1];
			pl_b64_encode(refs[i].leaf.b, PL_HASH_SIZE, b64);
			json_t *r = json_pack("{s:I,s:s}", "index", (json_int_t)refs[i].index, "leaf", b64);
			if (r == NULL || json_array_append_new(a, r))
				goto out;
		}
	}
	rc = pl_json_dump(o, out);
out:
	json_decref(o);
	return rc;
}
