/* testutil.c - test helpers and the naive RFC 6962 reference. */
#include "testutil.h"

#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

uint8_t *tu_read_file(const char *path, size_t *n)
{
	FILE *f = fopen(path, "rb");
	if (f == NULL)
		fail_msg("cannot open %s", path);
	fseek(f, 0, SEEK_END);
	long len = ftell(f);
	fseek(f, 0, SEEK_SET);
	uint8_t *p = malloc((size_t)len + 1);
	assert_non_null(p);
	assert_int_equal(fread(p, 1, (size_t)len, f), (size_t)len);
	p[len] = 0;
	fclose(f);
	*n = (size_t)len;
	return p;
}

const char *tu_vector(const char *name)
{
	static char path[4096];
	snprintf(path, sizeof path, "%s/%s", PARLEY_VECTORS, name);
	return path;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

size_t tu_hex(const char *hex, uint8_t *out, size_t cap)
{
	size_t n = strlen(hex);
	if (n % 2 != 0 || n / 2 > cap)
		fail_msg("bad hex %s", hex);
	for (size_t i = 0; i < n / 2; i++) {
		int hi = hexval(hex[2 * i]), lo = hexval(hex[2 * i + 1]);
		if (hi < 0 || lo < 0)
			fail_msg("bad hex %s", hex);
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	return n / 2;
}

char *tu_tmpdir(void)
{
	static char path[256];
	const char *base = getenv("TMPDIR");
	snprintf(path, sizeof path, "%s/parley-test-XXXXXX", base ? base : "/tmp");
	if (mkdtemp(path) == NULL)
		fail_msg("mkdtemp failed");
	return path;
}

void tu_rmrf(const char *path)
{
	char cmd[4096];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", path);
	if (system(cmd) != 0)
		fail_msg("rm -rf %s failed", path);
}

static void sha256_two(uint8_t prefix, const void *a, size_t an, const void *b, size_t bn, pl_hash *out)
{
	EVP_MD_CTX *c = EVP_MD_CTX_new();
	unsigned int len = 0;
	EVP_DigestInit_ex(c, EVP_sha256(), NULL);
	EVP_DigestUpdate(c, &prefix, 1);
	EVP_DigestUpdate(c, a, an);
	if (bn)
		EVP_DigestUpdate(c, b, bn);
	EVP_DigestFinal_ex(c, out->b, &len);
	EVP_MD_CTX_free(c);
}

void tu_leaf(const void *data, size_t n, pl_hash *out)
{
	sha256_two(0x00, data, n, NULL, 0, out);
}

struct tu_ref {
	const pl_hash *leaves;
	size_t n;
	/* memo: open addressing on (a, b) */
	uint64_t *keys;
	pl_hash *vals;
	size_t cap;
};

tu_ref *tu_ref_new(const pl_hash *leaves, size_t n)
{
	tu_ref *r = calloc(1, sizeof *r);
	assert_non_null(r);
	r->leaves = leaves;
	r->n = n;
	r->cap = 1u << 20;
	r->keys = calloc(r->cap, sizeof *r->keys);
	r->vals = malloc(r->cap * sizeof *r->vals);
	assert_non_null(r->keys);
	assert_non_null(r->vals);
	return r;
}

void tu_ref_free(tu_ref *r)
{
	free(r->keys);
	free(r->vals);
	free(r);
}

void tu_ref_mth(tu_ref *r, uint64_t a, uint64_t b, pl_hash *out)
{
	assert_true(a < b && b <= r->n);
	if (b - a == 1) {
		*out = r->leaves[a];
		return;
	}
	uint64_t key = (a << 32 | b) + 1; /* 0 marks an empty slot */
	size_t slot = (size_t)((key * 0x9E3779B97F4A7C15ull) >> 44) & (r->cap - 1);
	for (size_t probes = 0; probes < r->cap; probes++) {
		if (r->keys[slot] == key) {
			*out = r->vals[slot];
			return;
		}
		if (r->keys[slot] == 0)
			break;
		slot = (slot + 1) & (r->cap - 1);
	}
	uint64_t k = 1;
	while (k * 2 < b - a)
		k *= 2;
	pl_hash l, rr;
	tu_ref_mth(r, a, a + k, &l);
	tu_ref_mth(r, a + k, b, &rr);
	sha256_two(0x01, l.b, PL_HASH_SIZE, rr.b, PL_HASH_SIZE, out);
	if (r->keys[slot] == 0) {
		r->keys[slot] = key;
		r->vals[slot] = *out;
	}
}

/* PATH(m, D[a:b]) appended at out[*k]. */
static void path(tu_ref *r, uint64_t m, uint64_t a, uint64_t b, pl_hash *out, size_t *k)
{
	if (b - a == 1)
		return;
	uint64_t split = 1;
	while (split * 2 < b - a)
		split *= 2;
	if (m < split) {
		path(r, m, a, a + split, out, k);
		tu_ref_mth(r, a + split, b, &out[(*k)++]);
	} else {
		path(r, m - split, a + split, b, out, k);
		tu_ref_mth(r, a, a + split, &out[(*k)++]);
	}
}

size_t tu_ref_path(tu_ref *r, uint64_t m, uint64_t n, pl_hash *out)
{
	size_t k = 0;
	path(r, m, 0, n, out, &k);
	return k;
}

/* SUBPROOF(m, D[a:b], flag). */
static void subproof(tu_ref *r, uint64_t m, uint64_t a, uint64_t b, bool flag, pl_hash *out, size_t *k)
{
	if (m == b - a) {
		if (!flag)
			tu_ref_mth(r, a, b, &out[(*k)++]);
		return;
	}
	uint64_t split = 1;
	while (split * 2 < b - a)
		split *= 2;
	if (m <= split) {
		subproof(r, m, a, a + split, flag, out, k);
		tu_ref_mth(r, a + split, b, &out[(*k)++]);
	} else {
		subproof(r, m - split, a + split, b, false, out, k);
		tu_ref_mth(r, a, a + split, &out[(*k)++]);
	}
}

size_t tu_ref_proof(tu_ref *r, uint64_t m, uint64_t n, pl_hash *out)
{
	size_t k = 0;
	if (m == 0 || m == n)
		return 0;
	subproof(r, m, 0, n, true, out, &k);
	return k;
}

static int ref_read(void *ctx, const pl_subtree *ids, size_t n, pl_hash *out)
{
	tu_ref *r = ctx;
	for (size_t i = 0; i < n; i++) {
		uint64_t a = ids[i].index << ids[i].level, b = (ids[i].index + 1) << ids[i].level;
		if (b > r->n)
			return -7;
		tu_ref_mth(r, a, b, &out[i]);
	}
	return 0;
}

pl_hash_reader tu_ref_reader(tu_ref *r)
{
	pl_hash_reader h = {ref_read, r};
	return h;
}
