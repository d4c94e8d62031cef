/*
 * test_deflate.c - base/deflate: CRC-32 and the pl_gzip contract (framing,
 * caps, compression actually happening). Decompression round trips are
 * checked by an independent decoder in gzip_check.py (Python's zlib).
 */
#include "testutil.h"

#include "base/buf.h"
#include "base/deflate.h"
#include "base/err.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* CRC-32 bit by bit, straight from the definition (no table). */
static uint32_t crc_bitwise(const uint8_t *p, size_t n)
{
	uint32_t c = 0xFFFFFFFFu;
	for (size_t i = 0; i < n; i++) {
		c ^= p[i];
		for (int k = 0; k < 8; k++)
			c = (c & 1u) ? (c >> 1) ^ 0xEDB88320u : c >> 1;
	}
	return ~c;
}

static uint32_t rng_state = 0x12345678u;
static uint32_t rng(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 17;
	rng_state ^= rng_state << 5;
	return rng_state;
}

static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* Bundle-like data: uint16 big-endian length-prefixed JSON lines. */
static uint8_t *bundle(size_t want, size_t *n)
{
	uint8_t *p = malloc(want + 400);
	assert_non_null(p);
	size_t len = 0;
	for (unsigned i = 0; len < want; i++) {
		char line[400];
		int k = snprintf(line, sizeof line,
		                 "{\"seq\":%u,\"time\":\"2024-05-%02uT%02u:%02u:%02uZ\",\"party\":\"org-%u\","
		                 "\"kind\":\"%s\",\"digest\":\"%08x%08x%08x%08x\",\"note\":\"consultation "
		                 "message %u of incident %u\"}",
		                 i, 1 + i % 28, i % 24, i % 60, (i * 7) % 60, rng() % 17,
		                 (rng() & 1) ? "statement" : "verdict", rng(), rng(), rng(), rng(), i,
		                 rng() % 50);
		assert_true(k > 0 && (size_t)k < sizeof line);
		p[len] = (uint8_t)(k >> 8);
		p[len + 1] = (uint8_t)k;
		memcpy(p + len + 2, line, (size_t)k);
		len += 2 + (size_t)k;
	}
	*n = len;
	return p;
}

static void test_crc32(void **state)
{
	(void)state;
	assert_int_equal(pl_crc32((const uint8_t *)"123456789", 9), 0xCBF43926u);
	assert_int_equal(pl_crc32(NULL, 0), 0);
	assert_int_equal(pl_crc32((const uint8_t *)"a", 1), 0xE8B7BE43u);
	const char *fox = "The quick brown fox jumps over the lazy dog";
	assert_int_equal(pl_crc32((const uint8_t *)fox, strlen(fox)), 0x414FA339u);
	/* every table entry is exercised by 256 single bytes; then random runs */
	for (unsigned b = 0; b < 256; b++) {
		uint8_t x = (uint8_t)b;
		assert_int_equal(pl_crc32(&x, 1), crc_bitwise(&x, 1));
	}
	uint8_t buf[1000];
	for (size_t i = 0; i < sizeof buf; i++)
		buf[i] = (uint8_t)rng();
	for (size_t n = 0; n <= sizeof buf; n += 37)
		assert_int_equal(pl_crc32(buf, n), crc_bitwise(buf, n));
}

static void check_member(const uint8_t *in, size_t n, const uint8_t *g, size_t glen)
{
	static const uint8_t header[10] = {0x1f, 0x8b, 0x08, 0, 0, 0, 0, 0, 0, 0xff};
	assert_true(glen >= 20);
	assert_memory_equal(g, header, sizeof header);
	assert_int_equal(le32(g + glen - 8), crc_bitwise(in, n));
	assert_int_equal(le32(g + glen - 4), (uint32_t)n);
	assert_true(glen <= pl_gzip_bound(n));
}

static void test_gzip_framing(void **state)
{
	(void)state;
	pl_buf out;
	pl_buf_init(&out, 1 << 20);

	/* empty input: one fixed block holding only end-of-block (03 00) */
	assert_int_equal(pl_gzip(NULL, 0, &out), PL_OK);
	assert_int_equal(out.len, 20);
	check_member(NULL, 0, out.data, out.len);
	assert_int_equal(out.data[10], 0x03);
	assert_int_equal(out.data[11], 0x00);

	const uint8_t one = 'x';
	pl_buf_reset(&out);
	assert_int_equal(pl_gzip(&one, 1, &out), PL_OK);
	check_member(&one, 1, out.data, out.len);

	uint8_t all[256];
	for (unsigned i = 0; i < 256; i++)
		all[i] = (uint8_t)i;
	pl_buf_reset(&out);
	assert_int_equal(pl_gzip(all, sizeof all, &out), PL_OK);
	check_member(all, sizeof all, out.data, out.len);

	/* appends after what the buffer already holds */
	pl_buf_reset(&out);
	assert_int_equal(pl_buf_puts(&out, "prefix"), PL_OK);
	assert_int_equal(pl_gzip(all, sizeof all, &out), PL_OK);
	assert_memory_equal(out.data, "prefix", 6);
	check_member(all, sizeof all, out.data + 6, out.len - 6);

	assert_int_equal(pl_gzip(NULL, 1, &out), PL_EINVAL);
	assert_int_equal(pl_gzip(all, 1, NULL), PL_EINVAL);
	pl_buf_release(&out);
}

static void test_gzip_deterministic(void **state)
{
	(void)state;
	size_t n;
	uint8_t *in = bundle(100000, &n);
	pl_buf a, b;
	pl_buf_init(&a, 1 << 20);
	pl_buf_init(&b, 1 << 20);
	assert_int_equal(pl_gzip(in, n, &a), PL_OK);
	assert_int_equal(pl_gzip(in, n, &b), PL_OK);
	assert_true(pl_span_same(pl_buf_span(&a), pl_buf_span(&b)));
	check_member(in, n, a.data, a.len);
	pl_buf_release(&a);
	pl_buf_release(&b);
	free(in);
}

static void test_gzip_cap(void **state)
{
	(void)state;
	size_t n;
	uint8_t *in = bundle(200000, &n);
	pl_buf ref;
	pl_buf_init(&ref, 1 << 20);
	assert_int_equal(pl_gzip(in, n, &ref), PL_OK);
	size_t need = ref.len;

	/* caps below the member, from smaller than the header up to one byte short */
	size_t caps[] = {0, 3, 9, 10, 11, 19, 20, 100, need / 2, need - 9, need - 8, need - 1};
	for (size_t i = 0; i < sizeof caps / sizeof *caps; i++) {
		pl_buf out;
		pl_buf_init(&out, caps[i] + 3);
		assert_int_equal(pl_buf_puts(&out, "abc"), PL_OK);
		assert_int_equal(pl_gzip(in, n, &out), PL_ETOOBIG);
		assert_int_equal(out.len, 3);
		assert_memory_equal(out.data, "abc", 3);
		assert_string_equal(pl_buf_cstr(&out), "abc");
		pl_buf_release(&out);
	}
	/* exactly enough room */
	pl_buf out;
	pl_buf_init(&out, need + 3);
	assert_int_equal(pl_buf_puts(&out, "abc"), PL_OK);
	assert_int_equal(pl_gzip(in, n, &out), PL_OK);
	assert_int_equal(out.len, need + 3);
	assert_memory_equal(out.data + 3, ref.data, need);
	pl_buf_release(&out);
	pl_buf_release(&ref);
	free(in);
}

static void test_gzip_bound(void **state)
{
	(void)state;
	/* incompressible input fits in pl_gzip_bound, at many sizes */
	size_t sizes[] = {0, 1, 2, 100, 16383, 16384, 16385, 65535, 65536, 65537, 300001};
	uint8_t *in = malloc(300001);
	assert_non_null(in);
	for (size_t i = 0; i < 300001; i++)
		in[i] = (uint8_t)rng();
	for (size_t i = 0; i < sizeof sizes / sizeof *sizes; i++) {
		pl_buf out;
		pl_buf_init(&out, pl_gzip_bound(sizes[i]));
		assert_int_equal(pl_gzip(in, sizes[i], &out), PL_OK);
		check_member(in, sizes[i], out.data, out.len);
		pl_buf_release(&out);
	}
	assert_int_equal(pl_gzip_bound(SIZE_MAX - 5), SIZE_MAX);
	free(in);
}

static void test_gzip_compresses(void **state)
{
	(void)state;
	/* 64 KiB of one repeated 200-byte JSON line */
	char line[201];
	int k = snprintf(line, sizeof line, "{\"seq\":1,\"party\":\"org-7\",\"kind\":\"statement\",\"note\":\"%s\"}\n",
	                 "consultation about the incident reported on the shared channel, "
	                 "awaiting a verdict from the members of the quorum ........");
	assert_true(k > 0);
	memset(line + k, ' ', sizeof line - 1 - (size_t)k);
	line[199] = '\n';
	line[200] = '\0';
	size_t n = 65536;
	uint8_t *in = malloc(n);
	assert_non_null(in);
	for (size_t i = 0; i < n; i++)
		in[i] = (uint8_t)line[i % 200];
	pl_buf out;
	pl_buf_init(&out, 1 << 20);
	assert_int_equal(pl_gzip(in, n, &out), PL_OK);
	check_member(in, n, out.data, out.len);
	assert_true(out.len * 10 < n);
	print_message("64 KiB repeated line: %zu bytes (%.2f%%)\n", out.len, 100.0 * (double)out.len / (double)n);
	free(in);

	/* bundle-like data compresses too (random digests keep it well above 10%) */
	in = bundle(1 << 20, &n);
	pl_buf_reset(&out);
	assert_int_equal(pl_gzip(in, n, &out), PL_OK);
	check_member(in, n, out.data, out.len);
	assert_true(out.len * 2 < n);
	print_message("1 MiB bundle-like: %zu bytes (%.2f%%)\n", out.len, 100.0 * (double)out.len / (double)n);
	free(in);

	/* 1 MiB of zeros: long matches all the way */
	n = 1 << 20;
	in = calloc(n, 1);
	assert_non_null(in);
	pl_buf_reset(&out);
	assert_int_equal(pl_gzip(in, n, &out), PL_OK);
	check_member(in, n, out.data, out.len);
	assert_true(out.len < 2048);
	free(in);
	pl_buf_release(&out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_crc32),      cmocka_unit_test(test_gzip_framing),
		cmocka_unit_test(test_gzip_deterministic), cmocka_unit_test(test_gzip_cap),
		cmocka_unit_test(test_gzip_bound), cmocka_unit_test(test_gzip_compresses),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
