/* package.c - evidence packages sealed into blobs, and back (package.h). */
#include "evidence/package.h"

#include "base/codec.h"
#include "base/fsio.h"
#include "base/json.h"
#include "base/walk.h"
#include "evidence/seal.h"

#include <errno.h>
#include <ftw.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define INDEX_MAX ((size_t)32 << 20)

void pl_packed_release(pl_packed *p)
{
	free(p->blobs);
	memset(p, 0, sizeof *p);
}

static int add_blob(pl_packed *p, const char *name, uint64_t size, size_t *cap, pl_diag *d)
{
	for (size_t i = 0; i < p->nblobs; i++)
		if (strcmp(p->blobs[i].name, name) == 0)
			return PL_OK; /* the same bytes twice (unsealed copies) */
	if (p->nblobs == *cap) {
		size_t c = *cap ? *cap * 2 : 64;
		pl_staged *b = realloc(p->blobs, c * sizeof *b);
		if (b == NULL)
			return pl_diag_set(d, PL_ENOMEM, "out of memory");
		p->blobs = b;
		*cap = c;
	}
	snprintf(p->blobs[p->nblobs].name, sizeof p->blobs[0].name, "%s", name);
	p->blobs[p->nblobs++].size = size;
	return PL_OK;
}

static int copy_file(FILE *in, FILE *out, pl_diag *d)
{
	char buf[1 << 16];
	size_t n;
	while ((n = fread(buf, 1, sizeof buf, in)) > 0)
		if (fwrite(buf, 1, n, out) != n)
			return pl_diag_errno(d, PL_EIO, errno, "writing a staged blob");
	if (ferror(in))
		return pl_diag_errno(d, PL_EIO, errno, "reading a package file");
	return fflush(out) == 0 ? PL_OK : pl_diag_errno(d, PL_EIO, errno, "writing a staged blob");
}

/*
 * Stages one file: sealed for the recipients, or copied as it is. Fills the
 * plaintext digest and size, and the staged blob's name and size.
 */
static int stage(const char *src, const char *staging, const pl_identity *r, size_t n, uint8_t plain[PL_SHA256_SIZE],
		 uint64_t *plain_size, char name[PL_SHA256_HEX_LEN + 1], uint64_t *size, pl_diag *d)
{
	char tmp[PATH_MAX], dst[PATH_MAX];
	if (snprintf(tmp, sizeof tmp, "%s/.staging.tmp", staging) >= (int)sizeof tmp)
		return pl_diag_set(d, PL_ETOOBIG, "path too long");
	FILE *in = fopen(src, "rb"), *out = in ? fopen(tmp, "wb") : NULL;
	int rc = PL_OK;
	if (in == NULL || out == NULL) {
		rc = pl_diag_errno(d, PL_EIO, errno, "open %s", in ? tmp : src);
		goto out;
	}
	if (n > 0) {
		pl_seal_digest dg;
		if ((rc = pl_seal(in, out, r, n, &dg, d)) != PL_OK)
			goto out;
		memcpy(plain, dg.plain, PL_SHA256_SIZE);
		*plain_size = dg.plain_size;
		pl_hex_encode(dg.sealed, PL_SHA256_SIZE, name);
		*size = dg.sealed_size;
	} else {
		if ((rc = copy_file(in, out, d)) != PL_OK || (rc = pl_sha256_path(src, plain, plain_size, d)) != PL_OK)
			goto out;
		pl_hex_encode(plain, PL_SHA256_SIZE, name);
		*size = *plain_size;
	}
	if (fclose(out) != 0) {
		out = NULL;
		rc = pl_diag_errno(d, PL_EIO, errno, "write %s", tmp);
		goto out;
	}
	out = NULL;
	if (snprintf(dst, sizeof dst, "%s/%s", staging, name) >= (int)sizeof dst)
		rc = pl_diag_set(d, PL_ETOOBIG, "path too long");
	else if (rename(tmp, dst) != 0)
		rc = pl_diag_errno(d, PL_EIO, errno, "rename %s", tmp);
out:
	if (in != NULL)
		fclose(in);
	if (out != NULL)
		fclose(out);
	if (rc != PL_OK)
		(void)unlink(tmp);
	return rc;
}

static json_t *entry_json(const uint8_t plain[PL_SHA256_SIZE], const char *name, bool sealed, uint64_t size)
{
	char hex[PL_SHA256_HEX_LEN + 1];
	pl_hex_encode(plain, PL_SHA256_SIZE, hex);
	json_t *e = json_pack("{s:s,s:I}", "sha256", hex, "size", (json_int_t)size);
	if (e != NULL && sealed && json_object_set_new(e, "sealed", json_string(name)) != 0) {
		json_decref(e);
		return NULL;
	}
	return e;
}

int pl_package_pack(const char *dir, const pl_identity *recipients, size_t n, const char *staging, pl_packed *out,
		    pl_diag *d)
{
	memset(out, 0, sizeof *out);
	pl_manifest m;
	size_t cap = 0;
	json_t *files = json_object(), *index = NULL;
	char *text = NULL;
	int rc = pl_package_load(dir, &m, d);
	if (rc == PL_OK)
		rc = pl_fs_mkdirs(staging, 0700, d);
	if (rc == PL_OK && files == NULL)
		rc = pl_diag_set(d, PL_ENOMEM, "out of memory");
	out->sealed = n > 0;
	for (size_t i = 0; rc == PL_OK && i <= m.nfiles; i++) {
		const char *rel = i == 0 ? "manifest.json" : m.files[i - 1].path;
		char src[PATH_MAX], name[PL_SHA256_HEX_LEN + 1];
		uint8_t plain[PL_SHA256_SIZE];
		uint64_t psize = 0, size = 0;
		if (snprintf(src, sizeof src, "%s/%s", dir, rel) >= (int)sizeof src) {
			rc = pl_diag_set(d, PL_ETOOBIG, "path too long");
			break;
		}
		if ((rc = stage(src, staging, recipients, n, plain, &psize, name, &size, d)) != PL_OK)
			break;
		if (i > 0 && memcmp(plain, m.files[i - 1].sha256, PL_SHA256_SIZE) != 0) {
			rc = pl_diag_set(d, PL_EVERIFY, "%s changed while it was packed", rel);
			break;
		}
		json_t *e = entry_json(plain, name, n > 0, psize);
		if (e == NULL || json_object_set_new(files, rel, e) != 0) {
			rc = pl_diag_set(d, PL_ENOMEM, "out of memory");
			break;
		}
		out->files++;
		out->bytes += psize;
		rc = add_blob(out, name, size, &cap, d);
	}
	if (rc == PL_OK) {
		index = json_pack("{s:s,s:O}", "parley", "evidence-index/v1", "files", files);
		text = index ? json_dumps(index, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
		if (text == NULL)
			rc = pl_diag_set(d, PL_ENOMEM, "out of memory");
	}
	if (rc == PL_OK) {
		char path[PATH_MAX], tmp[PATH_MAX + 8];
		uint64_t size = 0;
		if (snprintf(path, sizeof path, "%s/index.json", staging) >= (int)sizeof path)
			rc = pl_diag_set(d, PL_ETOOBIG, "path too long");
		snprintf(tmp, sizeof tmp, "%s.tmp", path);
		if (rc == PL_OK && (rc = pl_fs_replace(path, tmp, text, strlen(text), 0600, d)) == PL_OK &&
		    (rc = stage(path, staging, recipients, n, out->index_sha256, &out->index_size, out->index_name, &size,
				d)) == PL_OK)
			rc = add_blob(out, out->index_name, size, &cap, d);
		(void)unlink(path);
	}
	free(text);
	json_decref(index);
	json_decref(files);
	pl_manifest_release(&m);
	if (rc != PL_OK)
		pl_packed_release(out);
	return rc;
}

/* ---- unpacking ---- */

/* Fetches blob name and (for sealed blobs) opens it with k into path; checks the plaintext's SHA-256. */
static int fetch_one(pl_blob_fetch_fn fetch, void *ctx, const char *name, bool sealed,
		     const uint8_t want[PL_SHA256_SIZE], const pl_keyring *k, const char *tmpdir, const char *path,
		     pl_diag *d)
{
	char tmp[PATH_MAX];
	if (snprintf(tmp, sizeof tmp, "%s/blob", tmpdir) >= (int)sizeof tmp)
		return pl_diag_set(d, PL_ETOOBIG, "path too long");
	FILE *f = pl_fs_fopen_private(sealed ? tmp : path, "w+b");
	if (f == NULL)
		return pl_diag_errno(d, PL_EIO, errno, "create %s", sealed ? tmp : path);
	int rc = fetch(ctx, name, f, d);
	if (rc == PL_OK && sealed) {
		FILE *out = pl_fs_fopen_private(path, "wb");
		if (out == NULL) {
			rc = pl_diag_errno(d, PL_EIO, errno, "create %s", path);
		} else {
			rewind(f);
			if (k == NULL)
				rc = pl_diag_set(d, PL_ENOKEY, "the package is sealed: a recipient's key is needed");
			else
				rc = pl_unseal_ring(f, out, k, want, NULL, d);
			if (fclose(out) != 0 && rc == PL_OK)
				rc = pl_diag_errno(d, PL_EIO, errno, "write %s", path);
		}
	}
	fclose(f);
	if (sealed)
		(void)unlink(tmp);
	if (rc == PL_OK && !sealed) {
		uint8_t h[PL_SHA256_SIZE];
		if ((rc = pl_sha256_path(path, h, NULL, d)) == PL_OK && memcmp(h, want, PL_SHA256_SIZE) != 0)
			rc = pl_diag_set(d, PL_EVERIFY, "blob %s does not have the SHA-256 the index records", name);
	}
	return rc;
}

/* Creates the parent directories of outdir/rel. */
static int parents(const char *outdir, const char *rel, pl_diag *d)
{
	char path[PATH_MAX];
	if (snprintf(path, sizeof path, "%s/%s", outdir, rel) >= (int)sizeof path)
		return pl_diag_set(d, PL_ETOOBIG, "path too long");
	char *slash = strrchr(path, '/');
	*slash = '\0';
	return pl_fs_mkdirs(path, 0700, d); /* opened evidence is for its recipient only */
}

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path) == 0 ? 0 : -1;
}

/* Removes a directory tree this process created. */
static void remove_tree(const char *dir)
{
	(void)nftw(dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

static int unpack(pl_blob_fetch_fn fetch, void *ctx, const char *index_name,
		  const uint8_t index_sha256[PL_SHA256_SIZE], const pl_keyring *k, const char *outdir,
		  const char *tmpdir, pl_manifest *m, pl_diag *d);

int pl_package_unpack(pl_blob_fetch_fn fetch, void *ctx, const char *index_name,
		      const uint8_t index_sha256[PL_SHA256_SIZE], const pl_keyring *k, const char *outdir,
		      pl_manifest *m, pl_diag *d)
{
	memset(m, 0, sizeof *m);
	char tmpdir[PATH_MAX], work[PATH_MAX];
	if (pl_fs_exists(outdir))
		return pl_diag_set(d, PL_EEXIST, "%s already exists", outdir);
	if (snprintf(tmpdir, sizeof tmpdir, "%s.parley-tmp", outdir) >= (int)sizeof tmpdir ||
	    snprintf(work, sizeof work, "%s/package", tmpdir) >= (int)sizeof work)
		return pl_diag_set(d, PL_ETOOBIG, "path too long");
	if (pl_fs_exists(tmpdir))
		return pl_diag_set(d, PL_EEXIST, "%s already exists (an earlier run's leftovers?)", tmpdir);
	/* everything lands in a temporary directory, moved into place once checked */
	int rc = unpack(fetch, ctx, index_name, index_sha256, k, work, tmpdir, m, d);
	if (rc == PL_OK && rename(work, outdir) != 0)
		rc = pl_diag_errno(d, PL_EIO, errno, "rename %s", work);
	if (rc != PL_OK)
		pl_manifest_release(m);
	remove_tree(tmpdir);
	return rc;
}

static int unpack(pl_blob_fetch_fn fetch, void *ctx, const char *index_name,
		  const uint8_t index_sha256[PL_SHA256_SIZE], const pl_keyring *k, const char *outdir,
		  const char *tmpdir, pl_manifest *m, pl_diag *d)
{
	char want_name[PL_SHA256_HEX_LEN + 1], path[PATH_MAX];
	pl_hex_encode(index_sha256, PL_SHA256_SIZE, want_name);
	bool sealed = strcmp(want_name, index_name) != 0;
	pl_buf b;
	pl_buf_init(&b, INDEX_MAX);
	json_t *index = NULL;
	int rc = pl_fs_mkdirs(tmpdir, 0700, d);
	if (rc == PL_OK)
		rc = pl_fs_mkdirs(outdir, 0700, d);
	if (rc == PL_OK && snprintf(path, sizeof path, "%s/index.json", tmpdir) >= (int)sizeof path)
		rc = pl_diag_set(d, PL_ETOOBIG, "path too long");
	if (rc == PL_OK)
		rc = fetch_one(fetch, ctx, index_name, sealed, index_sha256, k, tmpdir, path, d);
	if (rc == PL_OK && (rc = pl_fs_read(path, INDEX_MAX, &b, d)) == PL_OK)
		rc = pl_json_parse(b.data, b.len, INDEX_MAX, &index, d);
	(void)unlink(path);
	const json_t *files = json_object_get(index, "files");
	const char *ver = json_string_value(json_object_get(index, "parley"));
	if (rc == PL_OK && (!json_is_object(files) || ver == NULL || strcmp(ver, "evidence-index/v1") != 0 ||
			    json_object_get(files, "manifest.json") == NULL))
		rc = pl_diag_set(d, PL_EFORMAT, "the evidence index is malformed");
	const char *rel;
	json_t *e;
	json_object_foreach((json_t *)(uintptr_t)files, rel, e)
	{
		if (rc != PL_OK)
			break;
		const char *hex = json_string_value(json_object_get(e, "sha256"));
		const char *sname = json_string_value(json_object_get(e, "sealed"));
		uint8_t want[PL_SHA256_SIZE];
		if (!pl_package_path_ok(rel) || hex == NULL || strlen(hex) != PL_SHA256_HEX_LEN ||
		    pl_hex_decode((const uint8_t *)hex, PL_SHA256_HEX_LEN, want, PL_SHA256_SIZE) != PL_OK ||
		    (sealed && sname == NULL) ||
		    (sname != NULL &&
		     (strlen(sname) != PL_SHA256_HEX_LEN || strspn(sname, "0123456789abcdef") != PL_SHA256_HEX_LEN))) {
			rc = pl_diag_set(d, PL_EFORMAT, "the evidence index has a malformed entry (%.100s)", rel);
			break;
		}
		if ((rc = parents(outdir, rel, d)) != PL_OK)
			break;
		if (snprintf(path, sizeof path, "%s/%s", outdir, rel) >= (int)sizeof path) {
			rc = pl_diag_set(d, PL_ETOOBIG, "path too long");
			break;
		}
		rc = fetch_one(fetch, ctx, sname ? sname : hex, sname != NULL, want, k, tmpdir, path, d);
	}
	json_decref(index);
	pl_buf_release(&b);
	if (rc == PL_OK)
		rc = pl_package_load(outdir, m, d);
	return rc;
}

int pl_report_seal(const char *path, const pl_identity *recipients, size_t n, const char *staged, pl_seal_digest *dg,
		   char name[PL_SHA256_HEX_LEN + 1], pl_diag *d)
{
	memset(dg, 0, sizeof *dg);
	int rc = PL_OK;
	if (n == 0) {
		if ((rc = pl_sha256_path(path, dg->plain, &dg->plain_size, d)) == PL_OK)
			pl_hex_encode(dg->plain, PL_SHA256_SIZE, name);
		return rc;
	}
	FILE *in = fopen(path, "rb"), *out = in ? pl_fs_fopen_private(staged, "wb") : NULL;
	if (in == NULL || out == NULL)
		rc = pl_diag_errno(d, PL_EIO, errno, "open %s", in ? staged : path);
	else
		rc = pl_seal(in, out, recipients, n, dg, d);
	if (in)
		fclose(in);
	if (out && fclose(out) != 0 && rc == PL_OK)
		rc = pl_diag_errno(d, PL_EIO, errno, "write %s", staged);
	if (rc == PL_OK)
		pl_hex_encode(dg->sealed, PL_SHA256_SIZE, name);
	return rc;
}

int pl_report_unpack(pl_blob_fetch_fn fetch, void *ctx, const char *name, const uint8_t sha256[PL_SHA256_SIZE],
		     const pl_keyring *ring, const char *outdir, pl_diag *d)
{
	if (pl_fs_exists(outdir))
		return pl_diag_set(d, PL_EEXIST, "%s already exists", outdir);
	char blob[PATH_MAX], plain[PATH_MAX], path[PATH_MAX];
	if (snprintf(blob, sizeof blob, "%s.parley-blob-%d", outdir, (int)getpid()) >= (int)sizeof blob ||
	    snprintf(plain, sizeof plain, "%s.parley-report-%d", outdir, (int)getpid()) >= (int)sizeof plain ||
	    snprintf(path, sizeof path, "%s/report.json", outdir) >= (int)sizeof path)
		return pl_diag_set(d, PL_ETOOBIG, "path too long");
	bool sealed = ring != NULL;
	FILE *f = pl_fs_fopen_private(sealed ? blob : plain, "w+b");
	if (f == NULL)
		return pl_diag_errno(d, PL_EIO, errno, "create %s", sealed ? blob : plain);
	int rc = fetch(ctx, name, f, d);
	if (rc == PL_OK && sealed) {
		FILE *out = pl_fs_fopen_private(plain, "wb");
		if (out == NULL) {
			rc = pl_diag_errno(d, PL_EIO, errno, "create %s", plain);
		} else {
			rewind(f);
			rc = pl_unseal_ring(f, out, ring, sha256, NULL, d);
			if (fclose(out) != 0 && rc == PL_OK)
				rc = pl_diag_errno(d, PL_EIO, errno, "write %s", plain);
		}
	}
	if (fclose(f) != 0 && rc == PL_OK)
		rc = pl_diag_errno(d, PL_EIO, errno, "write %s", sealed ? blob : plain);
	uint8_t h[PL_SHA256_SIZE];
	if (rc == PL_OK && !sealed && (rc = pl_sha256_path(plain, h, NULL, d)) == PL_OK &&
	    memcmp(h, sha256, PL_SHA256_SIZE) != 0)
		rc = pl_diag_set(d, PL_EVERIFY, "the report does not have the SHA-256 the finding records");
	if (rc == PL_OK && mkdir(outdir, 0700) != 0)
		rc = pl_diag_errno(d, PL_EIO, errno, "mkdir %s", outdir);
	if (rc == PL_OK && rename(plain, path) != 0) {
		rc = pl_diag_errno(d, PL_EIO, errno, "rename %s", plain);
		(void)rmdir(outdir);
	}
	(void)unlink(blob);
	(void)unlink(plain);
	return rc;
}
