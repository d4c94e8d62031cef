/* test_store.c - the durable log: layout, batches, recovery from every crash
 * state, refusal to rewrite tiles, permissions, and detection of any changed
 * byte by the audit. */
#include "testutil.h"

#include "base/err.h"
#include "base/codec.h"
#include "base/fsio.h"
#include "base/sha256.h"
#include "store/audit.h"
#include "store/blobs.h"
#include "store/published.h"
#include "store/log.h"
#include "store/source.h"
#include "tlog/proof_file.h"

#include <dirent.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char dir[PATH_MAX];

static int setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof dir, "%s/log", tu_tmpdir());
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	char *slash = strrchr(dir, '/');
	*slash = '\0';
	tu_rmrf(dir);
	return 0;
}

static void path(char *out, const char *rel)
{
	snprintf(out, PATH_MAX, "%s/%s", dir, rel);
}

static void policy(pl_policy *pol)
{
	char p[PATH_MAX];
	pl_verifier v;
	path(p, "log.vkey");
	assert_int_equal(pl_read_vkey_file(p, &v, NULL), PL_OK);
	pl_policy_init(pol, &v);
}

static int audit(pl_diag *d)
{
	pl_policy pol;
	policy(&pol);
	pl_source *s;
	assert_int_equal(pl_source_open_dir(dir, &s, NULL), PL_OK);
	pl_audit_result res;
	int rc = pl_audit(s, &pol, NULL, NULL, &res, d);
	pl_source_free(s);
	return rc;
}

/* Appends entries "tag-i" for i in [from, to) as one batch. */
static void append(pl_log *l, const char *tag, unsigned from, unsigned to)
{
	size_t n = to - from;
	pl_span *e = calloc(n, sizeof *e);
	char **bufs = calloc(n, sizeof *bufs);
	for (size_t i = 0; i < n; i++) {
		bufs[i] = malloc(64);
		int w = snprintf(bufs[i], 64, "%s-%zu", tag, from + i);
		e[i].p = (const uint8_t *)bufs[i];
		e[i].n = (size_t)w;
	}
	uint64_t first;
	pl_diag d = {0};
	int rc = pl_log_append(l, e, n, &first, &d);
	if (rc != PL_OK)
		fail_msg("append: %s", pl_diag_text(&d, rc));
	for (size_t i = 0; i < n; i++)
		free(bufs[i]);
	free(bufs);
	free(e);
}

static pl_log *open_log(void)
{
	pl_log *l = NULL;
	pl_diag d = {0};
	int rc = pl_log_open(dir, &l, &d);
	if (rc != PL_OK)
		fail_msg("open: %s", pl_diag_text(&d, rc));
	return l;
}

static void test_init_layout(void **state)
{
	(void)state;
	pl_diag d = {0};
	assert_int_equal(pl_log_init(dir, "example.org/store-test", &d), PL_OK);
	char p[PATH_MAX];
	struct stat st;
	path(p, "private");
	assert_int_equal(stat(p, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0700);
	path(p, "private/log.key");
	assert_int_equal(stat(p, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	path(p, "checkpoint");
	assert_int_equal(stat(p, &st), 0);
	assert_int_equal(audit(NULL), PL_OK);
	/* a second init refuses */
	memset(&d, 0, sizeof d);
	assert_int_equal(pl_log_init(dir, "example.org/store-test", &d), PL_EEXIST);
	/* bad origins */
	char other[PATH_MAX];
	snprintf(other, sizeof other, "%s2", dir);
	assert_int_equal(pl_log_init(other, "has space", NULL), PL_EINVAL);
	assert_int_equal(pl_log_init(other, "a+b", NULL), PL_EINVAL);
	assert_int_equal(pl_log_init(other, "", NULL), PL_EINVAL);
	/* opening something that is not a log */
	pl_log *l = NULL;
	assert_int_equal(pl_log_open(other, &l, NULL), PL_ENOTFOUND);
	assert_null(l);
}

/* A creation killed before its commit point (private/state.db) can be run again. */
static void test_init_interrupted(void **state)
{
	(void)state;
	pl_diag d = {0};
	assert_int_equal(pl_log_init(dir, "example.org/store-test", &d), PL_OK);
	char p[PATH_MAX], q[PATH_MAX];
	/* what a kill just before the rename leaves: every file but state.db */
	path(p, "private/state.db");
	path(q, "private/state.db.new");
	assert_int_equal(rename(p, q), 0);
	memset(&d, 0, sizeof d);
	int rc = pl_log_init(dir, "example.org/store-test", &d);
	if (rc != PL_OK)
		fail_msg("init again: %s", pl_diag_text(&d, rc));
	assert_false(pl_fs_exists(q));
	assert_true(pl_fs_exists(p));
	assert_int_equal(audit(NULL), PL_OK);
	/* a directory with tiles but no state is not cleared */
	assert_int_equal(unlink(p), 0);
	path(p, "tile");
	assert_int_equal(mkdir(p, 0755), 0);
	assert_int_equal(pl_log_init(dir, "example.org/store-test", NULL), PL_ECORRUPT);
}

static void test_batches_and_tiles(void **state)
{
	(void)state;
	assert_int_equal(pl_log_init(dir, "example.org/store-test", NULL), PL_OK);
	pl_log *l = open_log();
	append(l, "x", 0, 70000); /* the spec's example size, in one batch */
	assert_int_equal(pl_log_size(l), 70000);
	char p[PATH_MAX];
	const char *must[] = {"tile/0/272", "tile/0/273.p/112", "tile/1/000", "tile/1/001.p/17", "tile/2/000.p/1",
			      "tile/entries/272", "tile/entries/273.p/112"};
	for (size_t i = 0; i < sizeof must / sizeof *must; i++) {
		path(p, must[i]);
		if (!pl_fs_exists(p))
			fail_msg("%s missing", must[i]);
	}
	const char *mustnot[] = {"tile/0/273", "tile/1/001", "tile/2/000", "tile/3"};
	for (size_t i = 0; i < sizeof mustnot / sizeof *mustnot; i++) {
		path(p, mustnot[i]);
		if (pl_fs_exists(p))
			fail_msg("%s should not exist", mustnot[i]);
	}
	assert_int_equal(audit(NULL), PL_OK);
	/* more batches of awkward sizes; partials of tiles that fill are removed */
	unsigned sizes[] = {1, 255, 1, 300, 67, 3};
	unsigned at = 70000;
	for (size_t i = 0; i < sizeof sizes / sizeof *sizes; i++) {
		append(l, "y", at, at + sizes[i]);
		at += sizes[i];
		assert_int_equal(pl_log_size(l), at);
		pl_diag d = {0};
		int rc = audit(&d);
		if (rc != PL_OK)
			fail_msg("audit at %u: %s", at, pl_diag_text(&d, rc));
	}
	path(p, "tile/0/273.p");
	assert_false(pl_fs_exists(p)); /* tile 273 is full now */
	/* every entry can be proved from the directory */
	pl_policy pol;
	policy(&pol);
	pl_source *s;
	assert_int_equal(pl_source_open_dir(dir, &s, NULL), PL_OK);
	for (uint64_t i = 0; i < at; i += 997) {
		pl_buf pf;
		pl_buf_init(&pf, PL_PROOF_FILE_MAX);
		assert_int_equal(pl_published_prove(s, &pol, i, &pf, NULL), PL_OK);
		pl_proof_file parsed;
		assert_int_equal(pl_proof_file_parse(pf.data, pf.len, &parsed), PL_OK);
		pl_hash leaf;
		pl_leaf_hash(parsed.extra, parsed.extra_len, &leaf);
		assert_int_equal(pl_proof_file_verify(&parsed, &pol, &leaf, NULL), PL_OK);
		pl_proof_file_release(&parsed);
		pl_buf_release(&pf);
	}
	pl_buf pf;
	pl_buf_init(&pf, PL_PROOF_FILE_MAX);
	assert_int_equal(pl_published_prove(s, &pol, at, &pf, NULL), PL_ERANGE);
	pl_buf_release(&pf);
	pl_source_free(s);
	/* limits: an oversize entry and an empty batch stage nothing */
	uint8_t *big = calloc(1, 65536);
	pl_span e = {big, 65536};
	uint64_t first;
	assert_int_equal(pl_log_append(l, &e, 1, &first, NULL), PL_ETOOBIG);
	e.n = 65535;
	assert_int_equal(pl_log_append(l, &e, 1, &first, NULL), PL_OK);
	assert_int_equal(first, at);
	assert_int_equal(pl_log_append(l, &e, 0, &first, NULL), PL_EINVAL);
	assert_int_equal(pl_log_staged(l), at + 1);
	free(big);
	pl_log_close(l);
}

/* The checkpoint's root, from the file (signature checked). */
static void checkpoint_root(pl_checkpoint *cp)
{
	pl_policy pol;
	policy(&pol);
	pl_buf b;
	pl_buf_init(&b, 65536);
	char p[PATH_MAX];
	path(p, "checkpoint");
	assert_int_equal(pl_fs_read(p, 65536, &b, NULL), PL_OK);
	size_t nwit = 0;
	assert_int_equal(pl_checkpoint_open(b.data, b.len, &pol, cp, NULL, &nwit), PL_OK);
	pl_buf_release(&b);
}

/* Found by the crash soak (tests/e2e/soak_test.py): the server answered 500 to
 * GET /v1/entries/<i> when a batch completed tile i/256 between its reading
 * the tree size and its reading the partial bundle, which publishing removes
 * (log.h, step 6). A reader still working from an older size must get the
 * same bytes from the full tile, as tlog-tiles lets clients do. */
static void test_reader_behind_a_dropped_partial(void **state)
{
	(void)state;
	assert_int_equal(pl_log_init(dir, "example.org/store-test", NULL), PL_OK);
	pl_log *l = open_log();
	pl_checkpoint at150, at200;
	append(l, "a", 0, 150);
	checkpoint_root(&at150);
	append(l, "a", 150, 200);
	checkpoint_root(&at200);
	append(l, "a", 200, 300); /* tile 0 is full: its partials are removed */
	char p[PATH_MAX];
	path(p, "tile/entries/000.p");
	assert_false(pl_fs_exists(p));
	path(p, "tile/0/000.p");
	assert_false(pl_fs_exists(p));
	pl_source *s;
	assert_int_equal(pl_source_open_dir(dir, &s, NULL), PL_OK);
	for (uint64_t i = 0; i < 200; i++) {
		pl_buf b;
		pl_buf_init(&b, PL_ENTRY_MAX);
		char want[32];
		int w = snprintf(want, sizeof want, "a-%llu", (unsigned long long)i);
		pl_diag d = {0};
		int rc = pl_published_entry(s, 200, i, &b, &d);
		if (rc != PL_OK)
			fail_msg("entry %llu of the tree of size 200: %s", (unsigned long long)i, pl_diag_text(&d, rc));
		assert_int_equal(b.len, (size_t)w);
		assert_memory_equal(b.data, want, (size_t)w);
		pl_buf_release(&b);
	}
	/* proofs for the tree of size 200 come from the full hash tile's prefix */
	pl_tile_reader *tr = malloc(sizeof *tr);
	pl_tile_reader_init(tr, 200, pl_source_fetch_tile, s);
	pl_hash_reader hr = pl_tile_reader_as_hash_reader(tr);
	pl_hash proof[PL_PROOF_MAX], leaf;
	size_t len = 0;
	assert_int_equal(pl_prove_consistency(&hr, 150, 200, proof, &len), PL_OK);
	assert_int_equal(pl_verify_consistency(150, 200, &at150.root, &at200.root, proof, len), PL_OK);
	assert_int_equal(pl_prove_inclusion(&hr, 200, 199, proof, &len), PL_OK);
	pl_leaf_hash((const uint8_t *)"a-199", 5, &leaf);
	assert_int_equal(pl_verify_inclusion(199, 200, &leaf, proof, len, &at200.root), PL_OK);
	free(tr);
	/* a partial tile with no full tile behind it is still missing */
	pl_tile t = {0, 1, 43}; /* tile/0/001.p/44 is the current one */
	pl_buf b;
	pl_buf_init(&b, PL_TILE_BYTES);
	assert_int_equal(pl_source_fetch_tile(s, &t, &b), PL_ENOTFOUND);
	assert_int_equal(b.len, 0);
	pl_buf_release(&b);
	pl_source_free(s);
	pl_log_close(l);
}

static void copy_file(const char *from, const char *to)
{
	pl_buf b;
	pl_buf_init(&b, 1 << 26);
	if (pl_fs_read(from, 1 << 26, &b, NULL) != PL_OK) {
		unlink(to);
		pl_buf_release(&b);
		return;
	}
	FILE *f = fopen(to, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(b.data, 1, b.len, f), b.len);
	fclose(f);
	pl_buf_release(&b);
}

static void save_db(const char *suffix, bool restore)
{
	const char *names[] = {"private/state.db", "private/state.db-wal", "private/state.db-shm"};
	for (int i = 0; i < 3; i++) {
		char a[PATH_MAX], b[PATH_MAX];
		path(a, names[i]);
		snprintf(b, sizeof b, "%s.%s", a, suffix);
		if (restore)
			copy_file(b, a);
		else
			copy_file(a, b);
	}
}

static void read_checkpoint(pl_buf *out)
{
	char p[PATH_MAX];
	path(p, "checkpoint");
	pl_buf_reset(out);
	assert_int_equal(pl_fs_read(p, 65536, out, NULL), PL_OK);
}

static void test_recovery(void **state)
{
	(void)state;
	assert_int_equal(pl_log_init(dir, "example.org/store-test", NULL), PL_OK);
	pl_log *l = open_log();
	append(l, "a", 0, 300);
	/* Crash state: staged, nothing integrated. */
	pl_span e[3] = {{(const uint8_t *)"s0", 2}, {(const uint8_t *)"s1", 2}, {(const uint8_t *)"s2", 2}};
	uint64_t first;
	assert_int_equal(pl_log_stage(l, e, 3, &first, NULL), PL_OK);
	assert_int_equal(first, 300);
	assert_int_equal(pl_log_size(l), 300);
	pl_log_close(l);
	save_db("staged", false); /* the database as it was at the crash */
	l = open_log();           /* recovery integrates */
	assert_int_equal(pl_log_size(l), 303);
	pl_log_close(l);
	pl_buf cp1, cp2;
	pl_buf_init(&cp1, 65536);
	pl_buf_init(&cp2, 65536);
	read_checkpoint(&cp1);
	assert_int_equal(audit(NULL), PL_OK);

	/* Crash state: tiles written, state not committed. Put the old database
	 * back under the new tiles: recovery rewrites identical bytes. */
	save_db("staged", true);
	l = open_log();
	assert_int_equal(pl_log_size(l), 303);
	pl_log_close(l);
	read_checkpoint(&cp2);
	assert_int_equal(cp1.len, cp2.len);
	assert_memory_equal(cp1.data, cp2.data, cp1.len); /* deterministic, same signature */

	/* Crash state: state committed, checkpoint file old. */
	l = open_log();
	pl_buf old;
	pl_buf_init(&old, 65536);
	read_checkpoint(&old);
	append(l, "b", 303, 310);
	pl_log_close(l);
	char p[PATH_MAX];
	path(p, "checkpoint");
	FILE *f = fopen(p, "wb");
	fwrite(old.data, 1, old.len, f);
	fclose(f);
	l = open_log();
	pl_log_close(l);
	read_checkpoint(&cp2);
	assert_true(strstr(pl_buf_cstr(&cp2), "\n310\n") != NULL);

	/* Leftover temporaries are removed. */
	path(p, "private/tmp/ws.1.1");
	f = fopen(p, "wb");
	fclose(f);
	l = open_log();
	assert_false(pl_fs_exists(p));
	pl_log_close(l);
	pl_buf_release(&old);
	pl_buf_release(&cp1);
	pl_buf_release(&cp2);
	assert_int_equal(audit(NULL), PL_OK);
}

static void test_never_rewrites_a_tile(void **state)
{
	(void)state;
	assert_int_equal(pl_log_init(dir, "example.org/store-test", NULL), PL_OK);
	pl_log *l = open_log();
	append(l, "a", 0, 200);
	/* Someone put other bytes where the next full tile goes. */
	char p[PATH_MAX];
	path(p, "tile/0/000");
	FILE *f = fopen(p, "wb");
	fputs("not the tile", f);
	fclose(f);
	pl_buf before, after;
	pl_buf_init(&before, 65536);
	pl_buf_init(&after, 65536);
	read_checkpoint(&before);
	pl_span e = {(const uint8_t *)"z", 1};
	uint64_t first;
	for (int i = 0; i < 56; i++)
		assert_int_equal(pl_log_stage(l, &e, 1, &first, NULL), PL_OK);
	pl_diag d = {0};
	assert_int_equal(pl_log_integrate(l, &d), PL_ECORRUPT);
	assert_non_null(strstr(d.msg, "tile/0/000"));
	assert_int_equal(pl_log_size(l), 200); /* nothing published */
	assert_int_equal(pl_log_staged(l), 256);
	read_checkpoint(&after);
	assert_int_equal(before.len, after.len);
	assert_memory_equal(before.data, after.data, before.len);
	f = fopen(p, "rb");
	char got[32] = {0};
	assert_non_null(fgets(got, sizeof got, f));
	fclose(f);
	assert_string_equal(got, "not the tile");
	pl_log_close(l);
	/* once the intruder is gone, the staged entries are published */
	unlink(p);
	l = open_log();
	assert_int_equal(pl_log_size(l), 256);
	pl_log_close(l);
	assert_int_equal(audit(NULL), PL_OK);
	pl_buf_release(&before);
	pl_buf_release(&after);
}

static void test_open_refusals(void **state)
{
	(void)state;
	assert_int_equal(pl_log_init(dir, "example.org/store-test", NULL), PL_OK);
	pl_log *l = open_log();
	append(l, "a", 0, 10);
	/* a second writer */
	pl_log *l2 = NULL;
	pl_diag d = {0};
	assert_int_equal(pl_log_open(dir, &l2, &d), PL_ESTATE);
	assert_null(l2);
	pl_log_close(l);
	/* a key readable by others */
	char p[PATH_MAX];
	path(p, "private/log.key");
	chmod(p, 0644);
	memset(&d, 0, sizeof d);
	assert_int_equal(pl_log_open(dir, &l2, &d), PL_EPERM);
	assert_non_null(strstr(d.msg, "chmod 600"));
	chmod(p, 0600);
	/* a partial tile that no longer matches */
	path(p, "tile/0/000.p/10");
	FILE *f = fopen(p, "r+b");
	fputc('X', f);
	fclose(f);
	memset(&d, 0, sizeof d);
	assert_int_equal(pl_log_open(dir, &l2, &d), PL_ECORRUPT);
	/* a missing partial tile */
	unlink(p);
	memset(&d, 0, sizeof d);
	assert_int_equal(pl_log_open(dir, &l2, &d), PL_ECORRUPT);
	assert_non_null(strstr(d.msg, "missing"));
}

static void collect(const char *root, const char *rel, char ***out, size_t *n)
{
	char p[PATH_MAX];
	snprintf(p, sizeof p, "%s/%s", root, rel);
	DIR *dp = opendir(p);
	if (dp == NULL) {
		*out = realloc(*out, (*n + 1) * sizeof **out);
		(*out)[(*n)++] = strdup(rel);
		return;
	}
	struct dirent *e;
	while ((e = readdir(dp)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		char sub[PATH_MAX];
		snprintf(sub, sizeof sub, "%s/%s", rel, e->d_name);
		collect(root, sub, out, n);
	}
	closedir(dp);
}

static void test_audit_catches_every_byte(void **state)
{
	(void)state;
	assert_int_equal(pl_log_init(dir, "example.org/store-test", NULL), PL_OK);
	pl_log *l = open_log();
	for (unsigned at = 0; at < 300; at += 50)
		append(l, "t", at, at + 50);
	append(l, "t", 300, 310); /* tile 1 now has partials of width 44 and 54 */
	pl_log_close(l);
	char p[PATH_MAX];
	path(p, "tile/0/001.p/44");
	assert_true(pl_fs_exists(p));
	char **files = NULL;
	size_t nfiles = 0;
	collect(dir, "tile", &files, &nfiles);
	files = realloc(files, (nfiles + 1) * sizeof *files);
	files[nfiles++] = strdup("checkpoint");
	assert_int_equal(nfiles, 8); /* 0/000, 0/001.p/44, 0/001.p/54, 1/000.p/1, three bundles, checkpoint */
	size_t flips = 0;
	for (size_t i = 0; i < nfiles; i++) {
		path(p, files[i]);
		pl_buf b;
		pl_buf_init(&b, 1 << 20);
		assert_int_equal(pl_fs_read(p, 1 << 20, &b, NULL), PL_OK);
		for (size_t k = 0; k < b.len; k++) {
			FILE *f = fopen(p, "r+b");
			fseek(f, (long)k, SEEK_SET);
			fputc(b.data[k] ^ 0x20, f);
			fclose(f);
			if (audit(NULL) == PL_OK)
				fail_msg("changing byte %zu of %s went unnoticed", k, files[i]);
			f = fopen(p, "r+b");
			fseek(f, (long)k, SEEK_SET);
			fputc(b.data[k], f);
			fclose(f);
			flips++;
		}
		/* a truncated file is caught too */
		assert_int_equal(truncate(p, (off_t)b.len - 1), 0);
		assert_int_not_equal(audit(NULL), PL_OK);
		FILE *f = fopen(p, "wb");
		fwrite(b.data, 1, b.len, f);
		fclose(f);
		pl_buf_release(&b);
		free(files[i]);
	}
	free(files);
	assert_true(flips > 10000);
	assert_int_equal(audit(NULL), PL_OK);
}

/* Stores data as a blob uploaded by who: the result of the first call that fails (r: its refusal). */
static int put_blob(pl_blobs *b, const char *who, const char *data, size_t n, bool declare, pl_refusal *r,
		    char hex[PL_SHA256_HEX_LEN + 1])
{
	uint8_t h[PL_SHA256_SIZE];
	pl_sha256(data, n, h);
	pl_hex_encode(h, PL_SHA256_SIZE, hex);
	pl_blob_upload *u = NULL;
	memset(r, 0, sizeof *r);
	int rc = pl_blobs_begin(b, hex, who, &u, NULL);
	if (rc == PL_OK && declare)
		rc = pl_blob_reserve(u, n, r, NULL);
	for (size_t at = 0; rc == PL_OK && at < n; at += 3) /* in small writes, like a body arriving */
		rc = pl_blob_write(u, data + at, n - at < 3 ? n - at : 3, r, NULL);
	if (rc == PL_OK)
		rc = pl_blob_commit(u, NULL);
	pl_blob_abort(u);
	return rc;
}

/* Blob quotas: a party's stored bytes and the store's total, uploads under way counted, refused with
 * quota_exceeded / blob_store_full; what a refused or abandoned upload held is given back; reopening
 * the store recounts the same figures from the blobs and their owners file. */
static void test_blob_quotas(void **state)
{
	(void)state;
	char bdir[PATH_MAX], hex[PL_SHA256_HEX_LEN + 1], other[PL_SHA256_HEX_LEN + 1];
	path(bdir, "blobs");
	pl_blobs_limits lim = {.max = 40, .party_quota = 30, .total = 50};
	pl_blobs *b = NULL;
	pl_refusal r;
	assert_int_equal(pl_blobs_open(bdir, &lim, &b, NULL), PL_OK);
	assert_int_equal(put_blob(b, "cert.a", "twenty bytes of data", 20, false, &r, hex), PL_OK);
	assert_int_equal(pl_blobs_used(b, "cert.a"), 20);
	assert_int_equal(pl_blobs_used(b, NULL), 20);
	/* eleven more bytes by cert.a: over its quota of 30 (refused on the way, or at once when declared) */
	assert_int_equal(put_blob(b, "cert.a", "eleven byte", 11, false, &r, other), PL_EREFUSED);
	assert_int_equal(r.code, PL_R_QUOTA_EXCEEDED);
	assert_string_equal(pl_refusal_name(r.code), "quota_exceeded");
	assert_int_equal(put_blob(b, "cert.a", "eleven byte", 11, true, &r, other), PL_EREFUSED);
	assert_int_equal(r.code, PL_R_QUOTA_EXCEEDED);
	char p[PATH_MAX];
	assert_int_equal(pl_blobs_path(b, other, p), PL_ENOTFOUND); /* nothing stored */
	assert_int_equal(pl_blobs_used(b, "cert.a"), 20);            /* nothing held any more */
	assert_int_equal(put_blob(b, "cert.a", "ten bytes!", 10, true, &r, other), PL_OK); /* exactly the quota */
	assert_int_equal(pl_blobs_used(b, "cert.a"), 30);
	/* the same blob again, by another party: already stored, charged to nobody again */
	assert_int_equal(put_blob(b, "cert.b", "ten bytes!", 10, false, &r, other), PL_EEXIST);
	assert_int_equal(pl_blobs_used(b, "cert.b"), 0);
	/* cert.b has room of its own, but the store's total (50) is 30 + 20 */
	assert_int_equal(put_blob(b, "cert.b", "twenty-one bytes long", 21, false, &r, other), PL_EREFUSED);
	assert_int_equal(r.code, PL_R_BLOB_STORE_FULL);
	assert_int_equal(put_blob(b, "cert.b", "exactly twenty bytes", 20, false, &r, other), PL_OK);
	assert_int_equal(pl_blobs_used(b, NULL), 50);
	/* an upload under way counts: a second one cannot slip in beside it */
	assert_int_equal(put_blob(b, "cert.c", "x", 1, false, &r, other), PL_EREFUSED);
	assert_int_equal(r.code, PL_R_BLOB_STORE_FULL);
	/* past the size cap of one blob */
	pl_blobs_close(b);
	lim.total = 1000;
	assert_int_equal(pl_blobs_open(bdir, &lim, &b, NULL), PL_OK);
	assert_int_equal(put_blob(b, "cert.c", "forty-one bytes, one more than a blob may", 41, true, &r, other),
			 PL_ETOOBIG);
	/* reopened: the same figures, recounted from the blobs and the owners file */
	assert_int_equal(pl_blobs_used(b, "cert.a"), 30);
	assert_int_equal(pl_blobs_used(b, "cert.b"), 20);
	assert_int_equal(pl_blobs_used(b, NULL), 50);
	pl_blobs_close(b);
	/* a torn last owners line (a crash while appending) is ignored; a blob nobody claims counts toward the
	 * total only; a claim on a blob that is gone counts nothing */
	char owners[PATH_MAX];
	path(owners, "blobs/owners");
	FILE *f = fopen(owners, "a");
	assert_non_null(f);
	fprintf(f, "%s cert.z\n%.20s", "0000000000000000000000000000000000000000000000000000000000000000", hex);
	fclose(f);
	assert_int_equal(pl_blobs_open(bdir, &lim, &b, NULL), PL_OK);
	assert_int_equal(pl_blobs_used(b, "cert.a"), 30);
	assert_int_equal(pl_blobs_used(b, "cert.z"), 0);
	assert_int_equal(pl_blobs_used(b, NULL), 50);
	uint8_t head[8];
	size_t n = 0;
	uint64_t size = 0;
	assert_int_equal(pl_blobs_peek(b, hex, &size, head, sizeof head, &n), PL_OK);
	assert_int_equal(size, 20);
	assert_int_equal(n, 8);
	assert_memory_equal(head, "twenty b", 8);
	assert_int_equal(pl_blobs_peek(b, "0000000000000000000000000000000000000000000000000000000000000000", &size, head,
				       sizeof head, &n), PL_ENOTFOUND);
	pl_blobs_close(b);
	assert_int_equal(truncate(owners, 0), 0);
	assert_int_equal(pl_blobs_open(bdir, &lim, &b, NULL), PL_OK);
	assert_int_equal(pl_blobs_used(b, "cert.a"), 0);
	assert_int_equal(pl_blobs_used(b, NULL), 50);
	pl_blobs_close(b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_init_layout, setup, teardown),
		cmocka_unit_test_setup_teardown(test_init_interrupted, setup, teardown),
		cmocka_unit_test_setup_teardown(test_batches_and_tiles, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reader_behind_a_dropped_partial, setup, teardown),
		cmocka_unit_test_setup_teardown(test_recovery, setup, teardown),
		cmocka_unit_test_setup_teardown(test_never_rewrites_a_tile, setup, teardown),
		cmocka_unit_test_setup_teardown(test_open_refusals, setup, teardown),
		cmocka_unit_test_setup_teardown(test_audit_catches_every_byte, setup, teardown),
		cmocka_unit_test_setup_teardown(test_blob_quotas, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
