/* test_codec.c - base layer: strict codecs, UTF-8, capped buffers, line cursor. */
#include "testutil.h"

#include "base/buf.h"
#include "base/codec.h"
#include "base/cursor.h"
#include "base/err.h"
#include "base/sizes.h"
#include "base/utf8.h"

#include <stdlib.h>
#include <string.h>

static int dec(const char *s, uint8_t *out, size_t cap, size_t *n)
{
	return pl_b64_decode((const uint8_t *)s, strlen(s), out, cap, n);
}

static void test_base64_roundtrip(void **state)
{
	(void)state;
	uint8_t in[100], out[100];
	char text[200];
	for (size_t n = 0; n < sizeof in; n++) {
		for (size_t i = 0; i < n; i++)
			in[i] = (uint8_t)(i * 37 + n);
		pl_b64_encode(in, n, text);
		assert_int_equal(strlen(text), pl_b64_len(n));
		size_t got = 999;
		assert_int_equal(dec(text, out, sizeof out, &got), PL_OK);
		assert_int_equal(got, n);
		assert_memory_equal(in, out, n);
	}
	pl_b64_encode((const uint8_t *)"foobar", 6, text);
	assert_string_equal(text, "Zm9vYmFy");
	pl_b64_encode((const uint8_t *)"fo", 2, text);
	assert_string_equal(text, "Zm8=");
}

static void test_base64_rejects_noncanonical(void **state)
{
	(void)state;
	uint8_t out[64];
	size_t n;
	const char *bad[] = {
		"A", "AB", "ABC", "AB=C", "A===", "====", "Zm8", "Zm9=", /* Zm9= has non-zero padding bits */
		"Zh==", "Zm8=\n", " Zm8=", "Zm-=", "Zm_=", "Zm8==", "Zm8=Zm8=", "Z m8=",
	};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		int rc = dec(bad[i], out, sizeof out, &n);
		if (rc == PL_OK)
			fail_msg("accepted non-canonical base64 \"%s\"", bad[i]);
	}
	assert_int_equal(dec("Zg==", out, sizeof out, &n), PL_OK);
	assert_int_equal(n, 1);
	assert_int_equal(dec("", out, sizeof out, &n), PL_OK);
	assert_int_equal(n, 0);
	assert_int_equal(dec("Zm9vYmFy", out, 5, &n), PL_ETOOBIG);
	/* exact: right length only */
	assert_int_equal(pl_b64_decode_exact((const uint8_t *)"Zm8=", 4, out, 2), PL_OK);
	assert_int_equal(pl_b64_decode_exact((const uint8_t *)"Zm8=", 4, out, 3), PL_EFORMAT);
	assert_int_equal(pl_b64_decode_exact((const uint8_t *)"Zg==", 4, out, 2), PL_EFORMAT);
}

static void test_hex(void **state)
{
	(void)state;
	uint8_t b[4];
	char s[9];
	assert_int_equal(pl_hex_decode((const uint8_t *)"00ff10ab", 8, b, 4), PL_OK);
	pl_hex_encode(b, 4, s);
	assert_string_equal(s, "00ff10ab");
	assert_int_equal(pl_hex_decode((const uint8_t *)"00FF10AB", 8, b, 4), PL_EFORMAT);
	assert_int_equal(pl_hex_decode((const uint8_t *)"00ff10a", 7, b, 4), PL_EFORMAT);
	assert_int_equal(pl_hex_decode((const uint8_t *)"00ff10ag", 8, b, 4), PL_EFORMAT);
}

/* The constant text lengths of sizes.h are what the encoders write. */
static void test_text_lengths(void **state)
{
	(void)state;
	for (size_t n = 0; n <= 100; n++) {
		assert_int_equal(PL_B64_LEN(n), pl_b64_len(n));
		uint8_t b[100] = {0};
		char s[2 * 100 + 1];
		pl_b64_encode(b, n, s);
		assert_int_equal(strlen(s), PL_B64_LEN(n));
		pl_hex_encode(b, n, s);
		assert_int_equal(strlen(s), PL_HEX_LEN(n));
	}
	/* the sizes as the formats spell them (RFC 8032, RFC 7748, FIPS 180-4) */
	assert_int_equal(PL_ED25519_PK_SIZE, 32);
	assert_int_equal(PL_ED25519_SIG_SIZE, 64);
	assert_int_equal(PL_X25519_PK_SIZE, 32);
	assert_int_equal(PL_SHA256_SIZE, 32);
	assert_int_equal(PL_SHA256_HEX_LEN, 64);
	assert_int_equal(PL_ED25519_PK_B64_LEN, 44);
	assert_int_equal(PL_ED25519_SIG_B64_LEN, 88);
}

static int dp(const char *s, uint64_t max, uint64_t *v)
{
	return pl_dec_parse((const uint8_t *)s, strlen(s), max, v);
}

static void test_decimal(void **state)
{
	(void)state;
	uint64_t v;
	assert_int_equal(dp("0", UINT64_MAX, &v), PL_OK);
	assert_int_equal(v, 0);
	assert_int_equal(dp("70000", UINT64_MAX, &v), PL_OK);
	assert_int_equal(v, 70000);
	assert_int_equal(dp("18446744073709551615", UINT64_MAX, &v), PL_OK);
	assert_true(v == UINT64_MAX);
	assert_int_equal(dp("18446744073709551616", UINT64_MAX, &v), PL_ERANGE);
	assert_int_equal(dp("99999999999999999999", UINT64_MAX, &v), PL_ERANGE);
	assert_int_equal(dp("11", 10, &v), PL_ERANGE);
	const char *bad[] = {"", "00", "01", "+1", "-1", " 1", "1 ", "1a", "0x10", "1.0", "123456789012345678901"};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
		if (dp(bad[i], UINT64_MAX, &v) == PL_OK)
			fail_msg("accepted non-canonical decimal \"%s\"", bad[i]);
}

static void test_utf8(void **state)
{
	(void)state;
	const char *good[] = {"", "abc", "\xc3\xa9", "\xe2\x80\x94", "\xf0\x9f\x98\x80", "\xf4\x8f\xbf\xbf"};
	for (size_t i = 0; i < sizeof good / sizeof *good; i++)
		assert_true(pl_utf8_valid((const uint8_t *)good[i], strlen(good[i])));
	const char *bad[] = {"\x80", "\xc0\x80", "\xc1\xbf", "\xe0\x80\x80", "\xed\xa0\x80", "\xf4\x90\x80\x80",
			     "\xf8\x88\x80\x80\x80", "\xc3", "\xe2\x80", "a\xffz"};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
		if (pl_utf8_valid((const uint8_t *)bad[i], strlen(bad[i])))
			fail_msg("accepted invalid UTF-8 #%zu", i);
	assert_true(pl_keyname_valid((const uint8_t *)"example.org/log", 15));
	const char *badnames[] = {"", "a b", "a+b", "a\tb", "a\xc2\xa0" "b", "a\xe3\x80\x80" "b", "a\x7f"};
	for (size_t i = 0; i < sizeof badnames / sizeof *badnames; i++)
		if (pl_keyname_valid((const uint8_t *)badnames[i], strlen(badnames[i])))
			fail_msg("accepted bad key name #%zu", i);
}

static void test_buf_cap(void **state)
{
	(void)state;
	pl_buf b;
	pl_buf_init(&b, 10);
	assert_int_equal(pl_buf_append(&b, "0123456789", 10), PL_OK);
	assert_int_equal(pl_buf_putc(&b, 'x'), PL_ETOOBIG);
	assert_int_equal(b.len, 10);
	assert_string_equal(pl_buf_cstr(&b), "0123456789");
	pl_buf_reset(&b);
	assert_int_equal(pl_buf_printf(&b, "%d-%s", 42, "abcdefgh"), PL_ETOOBIG);
	assert_int_equal(b.len, 0);
	assert_int_equal(pl_buf_printf(&b, "%d", 42), PL_OK);
	assert_string_equal(pl_buf_cstr(&b), "42");
	assert_int_equal(pl_buf_reserve(&b, SIZE_MAX), PL_ETOOBIG);
	pl_buf_release(&b);
	assert_string_equal(pl_buf_cstr(&b), "");
}

static void test_cursor(void **state)
{
	(void)state;
	const char *text = "one\n\nthree\nno-newline";
	pl_cursor c = pl_cursor_of(pl_span_str(text));
	pl_span line;
	assert_int_equal(pl_cursor_line(&c, &line), PL_OK);
	assert_true(pl_span_eq(line, "one"));
	assert_int_equal(pl_cursor_line(&c, &line), PL_OK);
	assert_int_equal(line.n, 0);
	assert_int_equal(pl_cursor_line(&c, &line), PL_OK);
	assert_true(pl_span_eq(line, "three"));
	assert_int_equal(pl_cursor_line(&c, &line), PL_EFORMAT);
	assert_false(pl_cursor_done(&c));
}

static void test_strerror(void **state)
{
	(void)state;
	for (int e = 0; e >= PL_ENOSPC; e--)
		assert_string_not_equal(pl_strerror(e), "unknown error");
	assert_string_equal(pl_strerror(-999), "unknown error");
	pl_diag d = {0};
	assert_int_equal(pl_diag_set(&d, PL_EFORMAT, "first %d", 1), PL_EFORMAT);
	assert_int_equal(pl_diag_set(&d, PL_EIO, "second"), PL_EIO);
	assert_string_equal(d.msg, "first 1"); /* the innermost sentence wins */
	assert_int_equal(pl_diag_set(NULL, PL_EIO, "x"), PL_EIO);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_base64_roundtrip), cmocka_unit_test(test_base64_rejects_noncanonical),
		cmocka_unit_test(test_hex),              cmocka_unit_test(test_decimal),
		cmocka_unit_test(test_utf8),             cmocka_unit_test(test_buf_cap),
		cmocka_unit_test(test_cursor),           cmocka_unit_test(test_strerror),
		cmocka_unit_test(test_text_lengths),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
