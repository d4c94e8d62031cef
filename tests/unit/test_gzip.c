/*
 * test_gzip.c - base/gzip: the pl_gzip contract (framing, round trips
 * through zlib's inflate, caps, invalid arguments, determinism, the bound,
 * large input). gzip_check.py decodes the same output with an independent
 * decoder (Python's zlib and an inflater written from RFC 1951); allocation
 * failures are injected by tests/fault/alloc_fault.c (path "gzip").
 */
#include "testutil.h"

#include "base/buf.h"
#include "base/err.h"
#include "base/gzip.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

/* CRC-32 bit by bit, straight from the definition (no table, not zlib's). */
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

/*
 * Inflates the gzip member g[0..glen) with zlib (which checks the CRC-32 and
 * ISIZE) and asserts it is exactly one member, nothing after it, holding
 * exactly the n bytes at in.
 */
static void round_trip(const uint8_t *in, size_t n, const uint8_t *g, size_t glen)
{
	uint8_t *back = malloc(n + 1);
	assert_non_null(back);
	z_stream z;
	memset(&z, 0, sizeof z);
	assert_int_equal(inflateInit2(&z, 16 + 15), Z_OK);
	assert_true(glen <= UINT32_MAX && n + 1 <= UINT32_MAX);
	z.next_in = (Bytef *)(uintptr_t)g;
	z.avail_in = (uInt)glen;
	z.next_out = back;
	z.avail_out = (uInt)(n + 1); /* one byte more than expected: too much output shows */
	assert_int_equal(inflate(&z, Z_FINISH), Z_STREAM_END);
	assert_int_equal(z.avail_in, 0); /* nothing after the member */
	assert_int_equal(z.total_out, n);
	if (n > 0)
		assert_memory_equal(back, in, n);
	inflateEnd(&z);
	free(back);
}

/* The documented header and trailer, the bound, and the round trip. */
static void check_member(const uint8_t *in, size_t n, const uint8_t *g, size_t glen)
{
	static const uint8_t header[10] = {0x1f, 0x8b, 0x08, 0, 0, 0, 0, 0, 0, 0xff};
	assert_true(glen >= 20);
	assert_memory_equal(g, header, sizeof header);
	assert_int_equal(le32(g + glen - 8), crc_bitwise(in, n));
	assert_int_equal(le32(g + glen - 4), (uint32_t)n);
	assert_true(glen <= pl_gzip_bound(n));
	round_trip(in, n, g, glen);
}

static void test_gzip_framing(void **state)
{
	(void)state;
	pl_buf out;
	pl_buf_init(&out, 1 << 20);

	/* empty input: a 20-byte member that inflates to nothing */
	assert_int_equal(pl_gzip(NULL, 0, &out), PL_OK);
	assert_int_equal(out.len, 20);
	check_member(NULL, 0, out.data, out.len);
	pl_buf_reset(&out);
	assert_int_equal(pl_gzip((const uint8_t *)"", 0, &out), PL_OK);
	assert_int_equal(out.len, 20);
	check_member(NULL, 0, out.data, out.len);

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
	assert_true(out.len < out.cap); /* the spare byte pl_buf_cstr needs is kept */
	pl_buf_release(&out);
}

static void test_gzip_invalid(void **state)
{
	(void)state;
	const uint8_t all[4] = {1, 2, 3, 4};
	pl_buf out;
	pl_buf_init(&out, 1 << 20);
	assert_int_equal(pl_buf_puts(&out, "abc"), PL_OK);
	assert_int_equal(pl_gzip(NULL, 1, &out), PL_EINVAL);
	assert_int_equal(pl_gzip(NULL, 100000, &out), PL_EINVAL);
	assert_int_equal(out.len, 3);
	assert_string_equal(pl_buf_cstr(&out), "abc");
	assert_int_equal(pl_gzip(all, 1, NULL), PL_EINVAL);
	assert_int_equal(pl_gzip(NULL, 0, NULL), PL_EINVAL);
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
		/* the buffer still works, up to its cap */
		assert_int_equal(pl_buf_puts(&out, "d"), caps[i] >= 1 ? PL_OK : PL_ETOOBIG);
		pl_buf_release(&out);
	}
	/* the empty member (20 bytes) against caps 19 and 20 */
	pl_buf small;
	pl_buf_init(&small, 19);
	assert_int_equal(pl_gzip(NULL, 0, &small), PL_ETOOBIG);
	assert_int_equal(small.len, 0);
	pl_buf_release(&small);
	pl_buf_init(&small, 20);
	assert_int_equal(pl_gzip(NULL, 0, &small), PL_OK);
	check_member(NULL, 0, small.data, small.len);
	pl_buf_release(&small);

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
	free(in);

	/* never below what zlib itself promises for the same parameters */
	z_stream z;
	memset(&z, 0, sizeof z);
	assert_int_equal(deflateInit2(&z, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 16 + 15, 8, Z_DEFAULT_STRATEGY), Z_OK);
	uLong probe[] = {0, 1, 100, 4095, 4096, 65536, 1u << 20, 123456789, 1ul << 30, 0xFFFFFFFFul};
	for (size_t i = 0; i < sizeof probe / sizeof *probe; i++)
		assert_true(pl_gzip_bound((size_t)probe[i]) >= deflateBound(&z, probe[i]));
	deflateEnd(&z);
	assert_int_equal(pl_gzip_bound(SIZE_MAX - 5), SIZE_MAX);
	assert_int_equal(pl_gzip_bound(0), 25);
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
	pl_buf_release(&out);
	assert_int_equal(pl_gzip(in, n, &out), PL_OK);
	check_member(in, n, out.data, out.len);
	assert_true(out.len * 2 < n);
	/* a fresh buffer grows with the output, not to pl_gzip_bound(n) */
	assert_true(out.cap <= 2 * out.len + 2);
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

/* 24 MiB of bundles, random stretches and zeros, in one member. */
static void test_gzip_large(void **state)
{
	(void)state;
	size_t n = (size_t)24 << 20, len = 0;
	uint8_t *in = malloc(n);
	assert_non_null(in);
	while (len < n) {
		size_t b;
		uint8_t *part = bundle(3 << 20, &b);
		size_t take = b < n - len ? b : n - len;
		memcpy(in + len, part, take);
		len += take;
		free(part);
		for (size_t i = 0; i < 300000 && len < n; i++)
			in[len++] = (uint8_t)rng();
		for (size_t i = 0; i < 200000 && len < n; i++)
			in[len++] = 0;
	}
	pl_buf out;
	pl_buf_init(&out, pl_gzip_bound(n));
	assert_int_equal(pl_gzip(in, n, &out), PL_OK);
	check_member(in, n, out.data, out.len);
	print_message("24 MiB mixed: %zu bytes (%.2f%%)\n", out.len, 100.0 * (double)out.len / (double)n);
	pl_buf_release(&out);
	free(in);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_gzip_framing),       cmocka_unit_test(test_gzip_invalid),
		cmocka_unit_test(test_gzip_deterministic), cmocka_unit_test(test_gzip_cap),
		cmocka_unit_test(test_gzip_bound),         cmocka_unit_test(test_gzip_compresses),
		cmocka_unit_test(test_gzip_large),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
