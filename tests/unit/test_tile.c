/* test_tile.c - tlog-tiles paths, the tiles of a tree, bundles, and proofs
 * read through tiles. */
#include "testutil.h"

#include "base/err.h"
#include "tlog/tile.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void path_is(int level, uint64_t index, unsigned width, const char *want)
{
	pl_tile t = {level, index, width}, back;
	char p[PL_TILE_PATH_MAX];
	assert_int_equal(pl_tile_path(&t, p, sizeof p), PL_OK);
	assert_string_equal(p, want);
	assert_int_equal(pl_tile_parse_path(p, strlen(p), &back), PL_OK);
	assert_int_equal(back.level, level);
	assert_true(back.index == index);
	assert_int_equal(back.width, width);
}

static void test_paths(void **state)
{
	(void)state;
	path_is(0, 1234067, 256, "tile/0/x001/x234/067");
	path_is(0, 0, 256, "tile/0/000");
	path_is(0, 273, 112, "tile/0/273.p/112");
	path_is(1, 1, 17, "tile/1/001.p/17");
	path_is(2, 0, 1, "tile/2/000.p/1");
	path_is(63, 999, 255, "tile/63/999.p/255");
	path_is(0, 1000, 256, "tile/0/x001/000");
	path_is(PL_TILE_LEVEL_ENTRIES, 5, 256, "tile/entries/005");
	path_is(PL_TILE_LEVEL_ENTRIES, 1000000, 3, "tile/entries/x001/x000/000.p/3");
	path_is(3, 999999999999999999ull, 256, "tile/3/x999/x999/x999/x999/x999/999");
	/* every index up to 10^6 in steps round-trips */
	for (uint64_t i = 0; i < 1000000; i += 997) {
		pl_tile t = {0, i, 256}, back;
		char p[PL_TILE_PATH_MAX];
		assert_int_equal(pl_tile_path(&t, p, sizeof p), PL_OK);
		assert_int_equal(pl_tile_parse_path(p, strlen(p), &back), PL_OK);
		assert_true(back.index == i);
	}
}

static void test_paths_rejected(void **state)
{
	(void)state;
	const char *bad[] = {
		"tile/0/1234", "tile/0/12", "tile/0/x000/123", "tile/00/000", "tile/01/000", "tile/64/000",
		"tile/-1/000", "tile/0/000.p/0", "tile/0/000.p/256", "tile/0/000.p/007", "tile/0/000.p/", "tile/0/000/",
		"tile/0/x001", "tile/0/x001/", "tile/0/000.p/1/", "tile//000", "tile/0/", "tiles/0/000", "tile/0/abc",
		"tile/0/00a", "tile/0/X001/000", "tile/0/x1/000", "tile/entry/000", "tile/0/000.q/1", "/tile/0/000",
		"tile/0/x001/x002/x003/x004/x005/x006/007", "tile/0/../000", "tile/0/000.p/+1", "tile/0/000 ",
	};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		pl_tile t;
		if (pl_tile_parse_path(bad[i], strlen(bad[i]), &t) == PL_OK)
			fail_msg("accepted non-canonical tile path \"%s\"", bad[i]);
	}
}

static void test_tiles_of_70000(void **state)
{
	(void)state;
	/* The spec's example: 273 full level-0 tiles, 0/273.p/112, 1/000, 1/001.p/17, 2/000.p/1. */
	uint64_t size = 70000;
	assert_int_equal(pl_tile_levels(size), 3);
	char got[4096] = "";
	unsigned full0 = 0;
	for (int level = 0; level < pl_tile_levels(size); level++) {
		for (uint64_t i = 0;; i++) {
			pl_tile t;
			if (pl_tile_in_tree(size, level, i, &t) != PL_OK)
				break;
			if (level == 0 && t.width == 256) {
				full0++;
				continue;
			}
			char p[PL_TILE_PATH_MAX];
			assert_int_equal(pl_tile_path(&t, p, sizeof p), PL_OK);
			strcat(got, p);
			strcat(got, " ");
		}
	}
	assert_int_equal(full0, 273);
	assert_string_equal(got, "tile/0/273.p/112 tile/1/000 tile/1/001.p/17 tile/2/000.p/1 ");
	/* a tree of size 256: one full level-0 tile and a level-1 partial of width 1 */
	pl_tile t;
	assert_int_equal(pl_tile_in_tree(256, 0, 0, &t), PL_OK);
	assert_int_equal(t.width, 256);
	assert_int_equal(pl_tile_in_tree(256, 0, 1, &t), PL_ERANGE);
	assert_int_equal(pl_tile_in_tree(256, 1, 0, &t), PL_OK);
	assert_int_equal(t.width, 1);
	assert_int_equal(pl_tile_in_tree(0, 0, 0, &t), PL_ERANGE);
}

static void test_bundles(void **state)
{
	(void)state;
	pl_buf b;
	pl_buf_init(&b, PL_BUNDLE_MAX);
	assert_int_equal(pl_bundle_append(&b, (const uint8_t *)"", 0), PL_OK);
	assert_int_equal(pl_bundle_append(&b, (const uint8_t *)"hello", 5), PL_OK);
	uint8_t *big = calloc(1, 65536);
	assert_int_equal(pl_bundle_append(&b, big, 65535), PL_OK);
	assert_int_equal(pl_bundle_append(&b, big, 65536), PL_ETOOBIG);
	pl_span e[3];
	assert_int_equal(pl_bundle_parse(b.data, b.len, 3, e), PL_OK);
	assert_int_equal(e[0].n, 0);
	assert_true(pl_span_eq(e[1], "hello"));
	assert_int_equal(e[2].n, 65535);
	assert_int_equal(pl_bundle_parse(b.data, b.len, 2, e), PL_EFORMAT);     /* trailing bytes */
	assert_int_equal(pl_bundle_parse(b.data, b.len - 1, 3, e), PL_EFORMAT); /* truncated */
	assert_int_equal(pl_bundle_parse(b.data, 1, 1, e), PL_EFORMAT);         /* half a length */
	free(big);
	pl_buf_release(&b);
}

/* An in-memory tile store built from the reference tree. */
typedef struct mem_tiles {
	tu_ref *ref;
	uint64_t size;
	unsigned fetches;
} mem_tiles;

static int mem_fetch(void *ctx, const pl_tile *t, pl_buf *out)
{
	mem_tiles *m = ctx;
	m->fetches++;
	pl_tile want;
	if (pl_tile_in_tree(m->size, t->level, t->index, &want) != PL_OK || want.width != t->width)
		return PL_ENOTFOUND;
	for (unsigned i = 0; i < t->width; i++) {
		uint64_t span = (uint64_t)1 << (8 * t->level);
		uint64_t a = (t->index * 256 + i) * span;
		pl_hash h;
		tu_ref_mth(m->ref, a, a + span, &h);
		if (pl_buf_append(out, h.b, PL_HASH_SIZE) != PL_OK)
			return PL_ENOMEM;
	}
	return PL_OK;
}

static void test_proofs_through_tiles(void **state)
{
	(void)state;
	size_t n = 70123;
	pl_hash *leaves = malloc(n * sizeof *leaves);
	for (size_t i = 0; i < n; i++)
		tu_leaf(&i, sizeof i, &leaves[i]);
	tu_ref *ref = tu_ref_new(leaves, n);
	uint64_t sizes[] = {1, 255, 256, 257, 65535, 65536, 65537, 70000, 70123};
	pl_tile_reader *tr = malloc(sizeof *tr);
	for (size_t s = 0; s < sizeof sizes / sizeof *sizes; s++) {
		uint64_t size = sizes[s];
		mem_tiles m = {ref, size, 0};
		pl_tile_reader_init(tr, size, mem_fetch, &m);
		pl_hash_reader hr = pl_tile_reader_as_hash_reader(tr);
		pl_hash root, want;
		assert_int_equal(pl_tree_root(&hr, size, &root), PL_OK);
		tu_ref_mth(ref, 0, size, &want);
		assert_memory_equal(root.b, want.b, PL_HASH_SIZE);
		for (uint64_t i = 0; i < size; i += 1 + size / 50) {
			pl_hash p[PL_PROOF_MAX], q[PL_PROOF_MAX];
			size_t len;
			assert_int_equal(pl_prove_inclusion(&hr, size, i, p, &len), PL_OK);
			assert_int_equal(len, tu_ref_path(ref, i, size, q));
			assert_memory_equal(p, q, len * sizeof *p);
			assert_int_equal(pl_prove_consistency(&hr, i, size, p, &len), PL_OK);
			assert_int_equal(len, tu_ref_proof(ref, i, size, q));
			assert_memory_equal(p, q, len * sizeof *p);
		}
	}
	/* a tile of the wrong length is refused */
	tu_ref_free(ref);
	free(tr);
	free(leaves);
}

static int short_fetch(void *ctx, const pl_tile *t, pl_buf *out)
{
	(void)ctx;
	(void)t;
	return pl_buf_append(out, "short", 5);
}

static void test_bad_tile_refused(void **state)
{
	(void)state;
	pl_tile_reader *tr = malloc(sizeof *tr);
	pl_tile_reader_init(tr, 1000, short_fetch, NULL);
	pl_hash_reader hr = pl_tile_reader_as_hash_reader(tr);
	pl_hash root;
	assert_int_equal(pl_tree_root(&hr, 1000, &root), PL_ECORRUPT);
	free(tr);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_paths),         cmocka_unit_test(test_paths_rejected),
		cmocka_unit_test(test_tiles_of_70000), cmocka_unit_test(test_bundles),
		cmocka_unit_test(test_proofs_through_tiles), cmocka_unit_test(test_bad_tile_refused),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
