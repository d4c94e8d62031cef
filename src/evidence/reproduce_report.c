/* reproduce_report.c - the report of a reproduction (pl_repro_report): the
 * indicators' and rules' results and the verdict, the package's claimed hits
 * compared with those found, a STIX 2.1 bundle of sightings. */
#include "evidence/reproduce_impl.h"

#include "base/codec.h"
#include "base/timefmt.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A hit's identity, for comparing with a claim: "dataset\trule:R|indicator:I\tpath\toffset\tpacket". */
static void hit_key(const char *dataset, const char *rule, const char *indicator, const char *path, int64_t offset,
		    uint64_t packet, char *out, size_t cap)
{
	snprintf(out, cap, "%s\t%s:%s\t%s\t%lld\t%llu", dataset, rule ? "rule" : "indicator", rule ? rule : indicator,
		 path ? path : "", (long long)offset, (unsigned long long)packet);
}

static const char *jstr(const json_t *o, const char *k)
{
	return json_string_value(json_object_get(o, k));
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static char **keys_of_hits(const json_t *hits, size_t *n)
{
	*n = json_array_size(hits);
	char **k = calloc(*n + 1, sizeof *k);
	for (size_t i = 0; k != NULL && i < *n; i++) {
		const json_t *h = json_array_get(hits, i);
		char buf[2600];
		json_t *off = json_object_get(h, "offset"), *pk = json_object_get(h, "packet");
		hit_key(jstr(h, "dataset"), jstr(h, "rule"), jstr(h, "indicator"), jstr(h, "path"),
			off ? json_integer_value(off) : -1, pk ? (uint64_t)json_integer_value(pk) : 0, buf, sizeof buf);
		if ((k[i] = strdup(buf)) == NULL)
			return NULL;
	}
	if (k != NULL)
		qsort(k, *n, sizeof *k, cmp_str);
	return k;
}

static json_t *key_json(const char *key)
{
	char ds[256] = "", what[300] = "", path[PL_PACKAGE_PATH_MAX + 1] = "";
	long long off = -1;
	unsigned long long pk = 0;
	const char *p = key;
	size_t n = strcspn(p, "\t");
	snprintf(ds, sizeof ds, "%.*s", (int)n, p);
	p += n + 1;
	n = strcspn(p, "\t");
	snprintf(what, sizeof what, "%.*s", (int)n, p);
	p += n + 1;
	n = strcspn(p, "\t");
	snprintf(path, sizeof path, "%.*s", (int)n, p);
	p += n + 1;
	sscanf(p, "%lld\t%llu", &off, &pk);
	char *colon = strchr(what, ':');
	*colon = '\0';
	json_t *o = json_pack("{s:s,s:s}", "dataset", ds, what, colon + 1);
	if (o != NULL && path[0])
		json_object_set_new(o, "path", json_string(path));
	if (o != NULL && off >= 0)
		json_object_set_new(o, "offset", json_integer(off));
	if (o != NULL && pk > 0)
		json_object_set_new(o, "packet", json_integer((json_int_t)pk));
	return o;
}

static json_t *check_claim(const pl_repro *r, const pl_manifest *m)
{
	size_t nf = 0, ne = m->nexpected;
	char **found = keys_of_hits(r->hits, &nf), **exp = calloc(ne + 1, sizeof *exp);
	json_t *missing = json_array(), *unexpected = json_array(), *out = NULL;
	if (found == NULL || exp == NULL || missing == NULL || unexpected == NULL)
		goto done;
	for (size_t i = 0; i < ne; i++) {
		const pl_expected *e = &m->expected[i];
		char buf[2600];
		hit_key(e->dataset, e->rule, e->indicator, e->path, e->offset, e->packet, buf, sizeof buf);
		if ((exp[i] = strdup(buf)) == NULL)
			goto done;
	}
	qsort(exp, ne, sizeof *exp, cmp_str);
	size_t i = 0, j = 0;
	while (i < ne || j < nf) {
		int c = i == ne ? 1 : j == nf ? -1 : strcmp(exp[i], found[j]);
		if (c == 0) {
			i++, j++;
		} else if (c < 0) {
			json_array_append_new(missing, key_json(exp[i++]));
		} else {
			json_array_append_new(unexpected, key_json(found[j++]));
		}
	}
	out = json_pack("{s:b,s:I,s:I,s:O,s:O}", "exact", json_array_size(missing) == 0 && json_array_size(unexpected) == 0,
			"expected", (json_int_t)ne, "found", (json_int_t)nf, "missing", missing, "unexpected", unexpected);
done:
	for (size_t k = 0; found && k < nf; k++)
		free(found[k]);
	for (size_t k = 0; exp && k < ne; k++)
		free(exp[k]);
	free(found);
	free(exp);
	json_decref(missing);
	json_decref(unexpected);
	return out;
}

static void uuid4(const char *type, char *out, size_t cap)
{
	uint8_t u[16];
	randombytes_buf(u, sizeof u);
	u[6] = (uint8_t)((u[6] & 0x0f) | 0x40);
	u[8] = (uint8_t)((u[8] & 0x3f) | 0x80);
	char h[33];
	pl_hex_encode(u, 16, h);
	snprintf(out, cap, "%s--%.8s-%.4s-%.4s-%.4s-%.12s", type, h, h + 8, h + 12, h + 16, h + 20);
}

/* A STIX 2.1 bundle: the sighter's identity and one sighting per matched indicator. */
static json_t *sightings(const pl_repro *r, const char *sighter)
{
	char ts[PL_TIME_LEN + 1], stamp[32], id[80], bid[80];
	pl_time_format(pl_now(), ts);
	snprintf(stamp, sizeof stamp, "%.19s.000Z", ts);
	json_t *objects = json_array();
	uuid4("identity", id, sizeof id);
	if (objects != NULL && sighter != NULL)
		json_array_append_new(objects, json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:s}", "type", "identity", "spec_version",
							 "2.1", "id", id, "created", stamp, "modified", stamp, "name",
							 sighter, "identity_class", "organization"));
	for (size_t i = 0; objects != NULL && i < r->nind; i++) {
		if (r->ind[i].hits == 0)
			continue;
		char sid[80];
		uuid4("sighting", sid, sizeof sid);
		json_t *s = json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:I}", "type", "sighting", "spec_version", "2.1", "id", sid,
				      "created", stamp, "modified", stamp, "sighting_of_ref", r->ind[i].i->id, "count",
				      (json_int_t)(r->ind[i].hits > 999999999 ? 999999999 : r->ind[i].hits));
		if (s != NULL && sighter != NULL)
			json_object_set_new(s, "where_sighted_refs", json_pack("[s]", id));
		json_array_append_new(objects, s);
	}
	uuid4("bundle", bid, sizeof bid);
	return objects ? json_pack("{s:s,s:s,s:o}", "type", "bundle", "id", bid, "objects", objects) : NULL;
}

int pl_repro_report(pl_repro *r, const pl_manifest *claim, const char *sighter, json_t **out, pl_diag *d)
{
	json_t *inds = json_array(), *rules = json_array();
	size_t evaluated = 0, matched = 0, not_evaluated = 0, rules_matched = 0, files = 0, packets = 0;
	for (size_t i = 0; inds != NULL && i < r->nind; i++) {
		const ind *e = &r->ind[i];
		const char *status, *why = NULL;
		if (e->i->status == PL_STIX_NOT_EVALUATED) {
			status = "not_evaluated";
			why = e->i->why;
		} else if (!((e->scope & PL_STIX_ON_FILES) && r->files_given) &&
			   !((e->scope & PL_STIX_ON_NETWORK) && r->pcap_given)) {
			status = "not_evaluated";
			why = e->scope & PL_STIX_ON_FILES ? "no files were given" : "no capture was given";
		} else {
			status = e->hits ? "matched" : "not_matched";
		}
		if (strcmp(status, "not_evaluated") == 0)
			not_evaluated++;
		else
			evaluated++;
		matched += e->hits > 0;
		json_t *o = json_pack("{s:s,s:s?,s:s,s:s,s:I}", "id", e->i->id, "name", e->i->name, "pattern_type",
				      e->i->pattern_type, "status", status, "hits", (json_int_t)e->hits);
		if (o != NULL && why != NULL)
			json_object_set_new(o, "why", json_string(why));
		json_array_append_new(inds, o);
	}
	for (size_t i = 0; rules != NULL && i < r->nrules; i++) {
		rules_matched += r->rules[i].hits > 0;
		json_array_append_new(rules, json_pack("{s:s,s:s,s:I}", "file", r->rules[i].file, "rule", r->rules[i].rule,
						       "hits", (json_int_t)r->rules[i].hits));
	}
	size_t i;
	json_t *h;
	json_array_foreach(r->hits, i, h)
	{
		if (json_object_get(h, "packet"))
			packets++;
		else
			files++;
	}
	if (r->files_given)
		evaluated += r->nrules;
	const char *result = matched + rules_matched > 0 ? "reproduced"
			     : (evaluated == 0 || r->errors) ? "inconclusive"
							      : "not_reproduced";
	char summary[512];
	snprintf(summary, sizeof summary,
		 "%s: %zu of %zu indicators and %zu of %zu YARA rules matched (%zu file hits, %zu packet hits); "
		 "%zu indicators not evaluated%s",
		 result, matched, r->nind, rules_matched, r->nrules, files, packets, not_evaluated,
		 r->errors ? "; some data could not be read" : "");
	json_t *rep = json_pack("{s:s,s:{s:s},s:s,s:s,s:O,s:o,s:o,s:O}", "parley", "reproduction/v1", "package", "title",
				r->m->title, "result", result, "summary", summary, "datasets", r->datasets, "indicators", inds,
				"rules", rules, "hits", r->hits);
	if (rep != NULL && claim != NULL) {
		json_t *cc = check_claim(r, claim);
		if (cc == NULL || json_object_set_new(rep, "check_claim", cc) != 0) {
			json_decref(rep);
			rep = NULL;
		}
	}
	if (rep != NULL) {
		json_t *st = sightings(r, sighter);
		if (st == NULL || json_object_set_new(rep, "stix", st) != 0) {
			json_decref(rep);
			rep = NULL;
		}
	}
	if (rep == NULL)
		return pl_diag_set(d, PL_ENOMEM, "out of memory building the report");
	*out = rep;
	return PL_OK;
}
