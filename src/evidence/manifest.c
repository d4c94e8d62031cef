/* manifest.c - the evidence manifest and packages on disk (manifest.h). */
#include "evidence/manifest.h"

#include "base/codec.h"
#include "base/json.h"
#include "base/fsio.h"
#include "base/walk.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FILES_MAX 100000
#define DATASETS_MAX 64
#define RULEFILES_MAX 64
#define EXPECTED_MAX 1000000

bool pl_package_path_ok(const char *p)
{
	size_t n = strlen(p);
	if (n == 0 || n > PL_PACKAGE_PATH_MAX || p[0] == '/' || p[n - 1] == '/')
		return false;
	for (const char *c = p; *c;) {
		size_t len = strcspn(c, "/");
		if (len == 0 || (len == 1 && c[0] == '.') || (len == 2 && c[0] == '.' && c[1] == '.'))
			return false;
		for (size_t i = 0; i < len; i++)
			if ((unsigned char)c[i] < 0x20 || c[i] == '\\' || c[i] == 0x7f)
				return false;
		c += len;
		if (*c == '/')
			c++;
	}
	return true;
}

void pl_manifest_release(pl_manifest *m)
{
	json_decref(m->root);
	free(m->stix);
	free(m->yara);
	free(m->files);
	free(m->datasets);
	free(m->expected);
	memset(m, 0, sizeof *m);
}

const pl_manifest_file *pl_manifest_find(const pl_manifest *m, const char *path)
{
	size_t lo = 0, hi = m->nfiles;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(m->files[mid].path, path);
		if (c == 0)
			return &m->files[mid];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

const pl_manifest_dataset *pl_manifest_dataset_get(const pl_manifest *m, const char *name)
{
	for (size_t i = 0; i < m->ndatasets; i++)
		if (strcmp(m->datasets[i].name, name) == 0)
			return &m->datasets[i];
	return NULL;
}

static int by_path(const void *a, const void *b)
{
	return strcmp(((const pl_manifest_file *)a)->path, ((const pl_manifest_file *)b)->path);
}

/* A list of listed paths (stix, yara). */
static int path_list(const pl_manifest *m, const char *key, const char ***out, size_t *n, pl_diag *d)
{
	const json_t *a = json_object_get(m->root, key);
	if (a == NULL)
		return PL_OK;
	if (!json_is_array(a) || json_array_size(a) > RULEFILES_MAX)
		return pl_diag_set(d, PL_EFORMAT, "\"%s\" must list at most %d paths", key, RULEFILES_MAX);
	*out = calloc(json_array_size(a) + 1, sizeof **out);
	if (*out == NULL)
		return pl_diag_set(d, PL_ENOMEM, "out of memory");
	for (size_t i = 0; i < json_array_size(a); i++) {
		const char *p = json_string_value(json_array_get(a, i));
		if (p == NULL || pl_manifest_find(m, p) == NULL)
			return pl_diag_set(d, PL_EFORMAT, "\"%s\"[%zu] must be a file listed in \"files\"", key, i);
		(*out)[(*n)++] = p;
	}
	return PL_OK;
}

static int parse_files(pl_manifest *m, pl_diag *d)
{
	const json_t *f = json_object_get(m->root, "files");
	if (!json_is_object(f) || json_object_size(f) == 0 || json_object_size(f) > FILES_MAX)
		return pl_diag_set(d, PL_EFORMAT, "\"files\" must map 1 to %d paths to SHA-256 digests", FILES_MAX);
	m->files = calloc(json_object_size(f), sizeof *m->files);
	if (m->files == NULL)
		return pl_diag_set(d, PL_ENOMEM, "out of memory");
	const char *path;
	json_t *v;
	json_object_foreach((json_t *)(uintptr_t)f, path, v)
	{
		const char *hex = json_string_value(v);
		if (!pl_package_path_ok(path) || strcmp(path, "manifest.json") == 0)
			return pl_diag_set(d, PL_EFORMAT, "\"files\" lists an unsafe path \"%.100s\"", path);
		uint8_t *sha256 = m->files[m->nfiles].sha256;
		if (hex == NULL || strlen(hex) != PL_SHA256_HEX_LEN ||
		    pl_hex_decode((const uint8_t *)hex, PL_SHA256_HEX_LEN, sha256, PL_SHA256_SIZE) != PL_OK)
			return pl_diag_set(d, PL_EFORMAT, "the digest of %.100s must be 64 lower-case hex digits", path);
		m->files[m->nfiles++].path = path;
	}
	qsort(m->files, m->nfiles, sizeof *m->files, by_path);
	return PL_OK;
}

static int parse_datasets(pl_manifest *m, pl_diag *d)
{
	static const char *const fkeys[] = {"name", "kind", "root", NULL};
	static const char *const pkeys[] = {"name", "kind", "path", NULL};
	const json_t *a = json_object_get(m->root, "datasets");
	if (a == NULL)
		return PL_OK;
	if (!json_is_array(a) || json_array_size(a) > DATASETS_MAX)
		return pl_diag_set(d, PL_EFORMAT, "\"datasets\" must list at most %d datasets", DATASETS_MAX);
	m->datasets = calloc(json_array_size(a) + 1, sizeof *m->datasets);
	if (m->datasets == NULL)
		return pl_diag_set(d, PL_ENOMEM, "out of memory");
	for (size_t i = 0; i < json_array_size(a); i++) {
		const json_t *o = json_array_get(a, i);
		pl_manifest_dataset *ds = &m->datasets[m->ndatasets];
		const char *kind = json_string_value(json_object_get(o, "kind"));
		bool files = kind && strcmp(kind, "files") == 0, pcap = kind && strcmp(kind, "pcap") == 0;
		char what[32];
		snprintf(what, sizeof what, "dataset %zu", i);
		if (!json_is_object(o) || !(files || pcap))
			return pl_diag_set(d, PL_EFORMAT, "%s must have \"kind\" files or pcap", what);
		if (pl_json_keys(o, files ? fkeys : pkeys, files ? fkeys : pkeys, what, d) != PL_OK ||
		    pl_json_str(o, "name", 64, &ds->name, d) != PL_OK ||
		    pl_json_str(o, files ? "root" : "path", PL_PACKAGE_PATH_MAX, &ds->where, d) != PL_OK)
			return PL_EFORMAT;
		ds->kind = files ? PL_DATASET_FILES : PL_DATASET_PCAP;
		if (pl_manifest_dataset_get(m, ds->name) != NULL)
			return pl_diag_set(d, PL_EFORMAT, "two datasets are named %s", ds->name);
		if (!pl_package_path_ok(ds->where))
			return pl_diag_set(d, PL_EFORMAT, "dataset %s has an unsafe path", ds->name);
		if (pcap && pl_manifest_find(m, ds->where) == NULL)
			return pl_diag_set(d, PL_EFORMAT, "dataset %s: %s is not listed in \"files\"", ds->name, ds->where);
		if (files) {
			size_t len = strlen(ds->where), k = 0;
			while (k < m->nfiles && !(strncmp(m->files[k].path, ds->where, len) == 0 && m->files[k].path[len] == '/'))
				k++;
			if (k == m->nfiles)
				return pl_diag_set(d, PL_EFORMAT, "dataset %s: no listed file is under %s", ds->name, ds->where);
		}
		m->ndatasets++;
	}
	return PL_OK;
}

static int parse_expected(pl_manifest *m, pl_diag *d)
{
	static const char *const keys[] = {"dataset", "rule", "indicator", "path", "offset", "packet", NULL};
	static const char *const req[] = {"dataset", NULL};
	const json_t *a = json_object_get(m->root, "expected");
	if (a == NULL)
		return PL_OK;
	if (!json_is_array(a) || json_array_size(a) > EXPECTED_MAX)
		return pl_diag_set(d, PL_EFORMAT, "\"expected\" must list at most %d hits", EXPECTED_MAX);
	m->expected = calloc(json_array_size(a) + 1, sizeof *m->expected);
	if (m->expected == NULL)
		return pl_diag_set(d, PL_ENOMEM, "out of memory");
	for (size_t i = 0; i < json_array_size(a); i++) {
		const json_t *o = json_array_get(a, i);
		pl_expected *e = &m->expected[m->nexpected];
		char what[48];
		snprintf(what, sizeof what, "expected hit %zu", i);
		int64_t v;
		if (!json_is_object(o) || pl_json_keys(o, keys, req, what, d) != PL_OK ||
		    pl_json_str(o, "dataset", 64, &e->dataset, d) != PL_OK ||
		    pl_json_str_opt(o, "rule", 128, &e->rule, d) != PL_OK ||
		    pl_json_str_opt(o, "indicator", 128, &e->indicator, d) != PL_OK ||
		    pl_json_str_opt(o, "path", PL_PACKAGE_PATH_MAX, &e->path, d) != PL_OK)
			return pl_diag_set(d, PL_EFORMAT, "%s is malformed", what);
		if ((e->rule == NULL) == (e->indicator == NULL))
			return pl_diag_set(d, PL_EFORMAT, "%s names exactly one of \"rule\" and \"indicator\"", what);
		const pl_manifest_dataset *ds = pl_manifest_dataset_get(m, e->dataset);
		if (ds == NULL)
			return pl_diag_set(d, PL_EFORMAT, "%s names no dataset of the manifest", what);
		e->offset = -1;
		if (ds->kind == PL_DATASET_FILES) {
			if (e->path == NULL || !pl_package_path_ok(e->path) || json_object_get(o, "packet") != NULL)
				return pl_diag_set(d, PL_EFORMAT, "%s on a files dataset needs a safe \"path\" and no packet", what);
			char full[2 * PL_PACKAGE_PATH_MAX + 2];
			if (pl_path_join(full, sizeof full, ds->where, e->path) != PL_OK || pl_manifest_find(m, full) == NULL)
				return pl_diag_set(d, PL_EFORMAT, "%s: %s is not a listed file of dataset %s", what, e->path,
						   ds->name);
			if (json_object_get(o, "offset") != NULL) {
				if (pl_json_int(o, "offset", 0, INT64_MAX, &v, d) != PL_OK)
					return PL_EFORMAT;
				e->offset = v;
			}
		} else {
			if (e->path != NULL || json_object_get(o, "offset") != NULL || e->rule != NULL ||
			    pl_json_int(o, "packet", 1, INT64_MAX, &v, d) != PL_OK)
				return pl_diag_set(d, PL_EFORMAT, "%s on a capture names an indicator and a packet only", what);
			e->packet = (uint64_t)v;
		}
		m->nexpected++;
	}
	return PL_OK;
}

int pl_manifest_parse(const uint8_t *p, size_t n, pl_manifest *m, pl_diag *d)
{
	static const char *const keys[] = {"parley", "title", "reproduce", "stix", "yara", "files", "datasets",
					   "expected", NULL};
	static const char *const req[] = {"parley", "title", "files", NULL};
	memset(m, 0, sizeof *m);
	int rc = pl_json_parse(p, n, PL_MANIFEST_MAX, &m->root, d);
	if (rc != PL_OK)
		return rc;
	const char *ver;
	if (!json_is_object(m->root) || pl_json_keys(m->root, keys, req, "the manifest", d) != PL_OK ||
	    pl_json_str(m->root, "parley", 32, &ver, d) != PL_OK)
		return pl_diag_set(d, PL_EFORMAT, "not an evidence manifest");
	if (strcmp(ver, "evidence/v1") != 0)
		return pl_diag_set(d, PL_EFORMAT, "\"parley\" must be \"evidence/v1\", not \"%.40s\"", ver);
	if (pl_json_str(m->root, "title", 200, &m->title, d) != PL_OK ||
	    pl_json_str_opt(m->root, "reproduce", 16384, &m->reproduce, d) != PL_OK)
		return PL_EFORMAT;
	if ((rc = parse_files(m, d)) != PL_OK || (rc = path_list(m, "stix", &m->stix, &m->nstix, d)) != PL_OK ||
	    (rc = path_list(m, "yara", &m->yara, &m->nyara, d)) != PL_OK || (rc = parse_datasets(m, d)) != PL_OK ||
	    (rc = parse_expected(m, d)) != PL_OK)
		return rc;
	return PL_OK;
}

typedef struct unlisted {
	const pl_manifest *m;
	char first[PL_PACKAGE_PATH_MAX + 1];
	size_t count;
} unlisted;

static int note_unlisted(void *ctx, const char *rel, const struct stat *st)
{
	(void)st;
	unlisted *u = ctx;
	if (strcmp(rel, "manifest.json") != 0 && pl_manifest_find(u->m, rel) == NULL && u->count++ == 0)
		snprintf(u->first, sizeof u->first, "%s", rel);
	return 0;
}

int pl_package_load(const char *dir, pl_manifest *m, pl_diag *d)
{
	char path[PATH_MAX];
	pl_buf b;
	pl_buf_init(&b, PL_MANIFEST_MAX);
	memset(m, 0, sizeof *m);
	int rc = pl_path_join(path, sizeof path, dir, "manifest.json");
	if (rc == PL_OK)
		rc = pl_fs_read(path, PL_MANIFEST_MAX, &b, d);
	if (rc == PL_OK)
		rc = pl_manifest_parse(b.data, b.len, m, d);
	pl_buf_release(&b);
	if (rc != PL_OK)
		return rc == PL_EINVAL ? pl_diag_set(d, rc, "path too long") : rc;
	for (size_t i = 0; i < m->nfiles; i++) {
		uint8_t h[PL_SHA256_SIZE];
		if (snprintf(path, sizeof path, "%s/%s", dir, m->files[i].path) >= (int)sizeof path)
			return pl_diag_set(d, PL_ETOOBIG, "path too long");
		if ((rc = pl_sha256_path(path, h, NULL, d)) != PL_OK)
			return rc;
		if (memcmp(h, m->files[i].sha256, PL_SHA256_SIZE) != 0)
			return pl_diag_set(d, PL_EVERIFY, "%s does not have the SHA-256 the manifest lists", m->files[i].path);
	}
	unlisted u = {.m = m};
	if ((rc = pl_walk_files(dir, note_unlisted, &u, NULL, d)) != PL_OK)
		return rc;
	if (u.count > 0)
		return pl_diag_set(d, PL_EFORMAT, "%zu file%s of the package %s not listed in the manifest (%s)", u.count,
				   u.count == 1 ? "" : "s", u.count == 1 ? "is" : "are", u.first);
	return PL_OK;
}
