/* test_safetext.c - base/safetext.h: the display, block and JSON forms of text written by others. */
#include "testutil.h"

#include "base/buf.h"
#include "base/err.h"
#include "base/safetext.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

/* The display form of p[0..n) as a C string (the test frees it). */
static char *line(const void *p, size_t n)
{
	pl_buf b;
	pl_buf_init(&b, 1 << 20);
	assert_int_equal(pl_text_line(&b, p, n), PL_OK);
	char *s = strdup(pl_buf_cstr(&b));
	pl_buf_release(&b);
	return s;
}

static char *line_s(const char *s)
{
	return line(s, strlen(s));
}

static char *block_s(const char *s, const char *indent)
{
	pl_buf b;
	pl_buf_init(&b, 1 << 20);
	assert_int_equal(pl_text_block(&b, s, strlen(s), indent), PL_OK);
	char *r = strdup(pl_buf_cstr(&b));
	pl_buf_release(&b);
	return r;
}

static void expect_line(const char *in, size_t n, const char *want)
{
	char *got = line(in, n);
	if (strcmp(got, want) != 0)
		fail_msg("display form: got \"%s\", want \"%s\"", got, want);
	free(got);
}

/* the same for a string literal, its length counted by the compiler (NUL bytes included) */
#define expect_lit(lit, want) expect_line(lit, sizeof lit - 1, want)

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1; /* the form writes lower case only */
}

static size_t put_utf8(uint32_t cp, uint8_t *o)
{
	if (cp < 0x80) {
		o[0] = (uint8_t)cp;
		return 1;
	}
	if (cp < 0x800) {
		o[0] = (uint8_t)(0xc0 | cp >> 6);
		o[1] = (uint8_t)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		o[0] = (uint8_t)(0xe0 | cp >> 12);
		o[1] = (uint8_t)(0x80 | (cp >> 6 & 0x3f));
		o[2] = (uint8_t)(0x80 | (cp & 0x3f));
		return 3;
	}
	o[0] = (uint8_t)(0xf0 | cp >> 18);
	o[1] = (uint8_t)(0x80 | (cp >> 12 & 0x3f));
	o[2] = (uint8_t)(0x80 | (cp >> 6 & 0x3f));
	o[3] = (uint8_t)(0x80 | (cp & 0x3f));
	return 4;
}

/*
 * The inverse of the display form, written from the contract in safetext.h (not from the code):
 * returns the length of the bytes s stands for, or SIZE_MAX if s is not a display form.
 * With indent, LF followed by indent stands for LF (the block form).
 */
static size_t unescape(const char *s, const char *indent, uint8_t *out)
{
	size_t o = 0, n = strlen(s);
	for (size_t i = 0; i < n;) {
		if (s[i] == '\n') {
			if (indent == NULL || strncmp(s + i + 1, indent, strlen(indent)) != 0)
				return SIZE_MAX;
			out[o++] = '\n';
			i += 1 + strlen(indent);
			continue;
		}
		if (s[i] != '\\') {
			out[o++] = (uint8_t)s[i++];
			continue;
		}
		if (i + 1 >= n)
			return SIZE_MAX;
		char c = s[i + 1];
		if (c == '\\' || c == 'n' || c == 't' || c == 'r') {
			out[o++] = c == '\\' ? '\\' : c == 'n' ? '\n' : c == 't' ? '\t' : '\r';
			i += 2;
		} else if (c == 'x' && i + 3 < n && hexval(s[i + 2]) >= 0 && hexval(s[i + 3]) >= 0) {
			out[o++] = (uint8_t)(hexval(s[i + 2]) << 4 | hexval(s[i + 3]));
			i += 4;
		} else if (c == 'u' && i + 5 < n) {
			uint32_t cp = 0;
			for (int k = 2; k < 6; k++) {
				if (hexval(s[i + (size_t)k]) < 0)
					return SIZE_MAX;
				cp = cp << 4 | (uint32_t)hexval(s[i + (size_t)k]);
			}
			if (!pl_text_cp_unsafe(cp) || cp < 0x80) /* \u is for the non-ASCII controls only */
				return SIZE_MAX;
			o += put_utf8(cp, out + o);
			i += 6;
		} else {
			return SIZE_MAX;
		}
	}
	return o;
}

/* s is valid UTF-8 holding no unsafe code point (and so no LF): what a terminal can be shown. */
static void assert_shown_safely(const char *s, bool newlines_ok)
{
	const uint8_t *p = (const uint8_t *)s;
	size_t n = strlen(s);
	for (size_t i = 0; i < n;) {
		if (newlines_ok && p[i] == '\n') {
			i++;
			continue;
		}
		uint32_t cp;
		size_t at = pl_text_unsafe_at(p + i, n - i, &cp);
		if (at == n - i)
			break;
		if (!(newlines_ok && p[i + at] == '\n'))
			fail_msg("unsafe output at byte %zu (U+%04X) of \"%s\"", i + at, (unsigned)cp, s);
		i += at + 1;
	}
}

static void test_every_class_escaped(void **state)
{
	(void)state;
	/* newlines and the fake line they would start */
	expect_lit("t\n[ok] entry 7 by x", "t\\n[ok] entry 7 by x");
	expect_lit("a\tb\rc", "a\\tb\\rc");
	/* terminal escape sequences: colour (CSI SGR), cursor movement, OSC 8 hyperlink, bell */
	expect_lit("\x1b[31mred\x1b[0m", "\\x1b[31mred\\x1b[0m");
	expect_lit("\x1b[2A\x1b[K", "\\x1b[2A\\x1b[K");
	const char osc[] = "\x1b]8;;https://evil.example/\x1b\\click\x1b]8;;\x1b\\";
	expect_line(osc, sizeof osc - 1, "\\x1b]8;;https://evil.example/\\x1b\\\\click\\x1b]8;;\\x1b\\\\");
	expect_lit("\a\b\v\f", "\\x07\\x08\\x0b\\x0c");
	/* every C0 control, NUL included (the length counts, not a terminator), and DEL */
	for (unsigned c = 0; c < 0x20; c++) {
		char in[3] = {'<', (char)c, '>'}, want[16];
		if (c == '\t' || c == '\n' || c == '\r')
			snprintf(want, sizeof want, "<\\%c>", c == '\t' ? 't' : c == '\n' ? 'n' : 'r');
		else
			snprintf(want, sizeof want, "<\\x%02x>", c);
		expect_line(in, 3, want);
	}
	expect_lit("\x7f", "\\x7f");
	expect_lit("a\0b", "a\\x00b");
	/* C1 controls as code points (CSI U+009B, NEL U+0085 ...) */
	for (uint32_t cp = 0x80; cp <= 0x9f; cp++) {
		uint8_t in[2];
		put_utf8(cp, in);
		char want[8];
		snprintf(want, sizeof want, "\\u%04x", (unsigned)cp);
		expect_line((const char *)in, 2, want);
	}
	expect_lit("\xc2\x9b" "31m", "\\u009b31m");
	/* the bidirectional controls and the Unicode line and paragraph separators */
	static const uint32_t bidi[] = {0x061c, 0x200e, 0x200f, 0x202a, 0x202b, 0x202c, 0x202d, 0x202e,
					0x2066, 0x2067, 0x2068, 0x2069, 0x2028, 0x2029};
	for (size_t i = 0; i < sizeof bidi / sizeof bidi[0]; i++) {
		uint8_t in[8] = {'a'};
		size_t k = put_utf8(bidi[i], in + 1);
		in[1 + k] = 'b';
		char want[16];
		snprintf(want, sizeof want, "a\\u%04xb", (unsigned)bidi[i]);
		expect_line((const char *)in, k + 2, want);
	}
	/* "evil" with a right-to-left override: shown as written, not reversed */
	expect_lit("ok \xe2\x80\xae" "live", "ok \\u202elive");
	/* invalid UTF-8: a stray byte, a stray continuation, an overlong '/', a surrogate, a truncated
	 * sequence, past U+10FFFF; each byte shown, decoding resumes after it */
	expect_lit("\xff", "\\xff");
	expect_lit("a\x80z", "a\\x80z");
	expect_lit("\xc0\xaf", "\\xc0\\xaf");
	expect_lit("\xed\xa0\x80", "\\xed\\xa0\\x80");
	expect_lit("\xe2\x82", "\\xe2\\x82");
	expect_lit("\xe2\x82" "A", "\\xe2\\x82A");
	expect_lit("\xf4\x90\x80\x80", "\\xf4\\x90\\x80\\x80");
	/* the backslash itself, so that the escapes above cannot be faked */
	expect_lit("\\x1b", "\\\\x1b");
	expect_lit("C:\\", "C:\\\\");
	expect_lit("", "");
	expect_line(NULL, 0, "");
}

static void test_valid_text_unchanged(void **state)
{
	(void)state;
	static const char *const same[] = {
		"plain ASCII: [ok] entry 12 by cert.a (3 requests)",
		"caf\xc3\xa9 na\xc3\xafve \xc3\x85ngstr\xc3\xb6m", /* café naïve Ångström */
		"e\xcc\x81",                                   /* e + combining acute */
		"\xce\xa9\xce\xbc\xce\xad\xce\xb3\xce\xb1",     /* Greek */
		"\xd0\x9f\xd1\x80\xd0\xb8\xd0\xb2\xd0\xb5\xd1\x82", /* Cyrillic */
		"\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e \xe4\xb8\xad\xe6\x96\x87 \xed\x95\x9c\xea\xb5\xad\xec\x96\xb4", /* CJK */
		"\xd9\x85\xd8\xb1\xd8\xad\xd8\xa8\xd8\xa7 \xd7\xa9\xd7\x9c\xd7\x95\xd7\x9d", /* Arabic, Hebrew letters */
		"\xf0\x9f\x98\x80 \xf0\x9f\x94\x92",            /* emoji */
		"\xf0\x9f\x91\xa8\xe2\x80\x8d\xf0\x9f\x91\xa9\xe2\x80\x8d\xf0\x9f\x91\xa7", /* a ZWJ sequence */
		"\xf0\x9f\x87\xab\xf0\x9f\x87\xb7",            /* a flag (regional indicators) */
		"\xe2\x9d\xa4\xef\xb8\x8f",                    /* heart + variation selector 16 */
		"\xc2\xa0\xc2\xa9\xe2\x80\x94\xe2\x80\x9c\xe2\x80\x9d", /* NBSP, (c), em dash, quotes */
		"\xf4\x8f\xbf\xbf",                            /* U+10FFFF */
		"\xe2\x80\x8b",                                /* zero-width space: not a control */
	};
	for (size_t i = 0; i < sizeof same / sizeof same[0]; i++) {
		char *got = line_s(same[i]);
		assert_string_equal(got, same[i]);
		free(got);
		assert_int_equal(pl_text_unsafe_at(same[i], strlen(same[i]), NULL), strlen(same[i]));
	}
	/* every code point: unchanged unless it is unsafe (or the backslash); then its escape */
	for (uint32_t cp = 0; cp <= 0x10ffff; cp++) {
		if (cp >= 0xd800 && cp <= 0xdfff)
			continue;
		uint8_t in[4];
		size_t k = put_utf8(cp, in);
		char *got = line(in, k);
		if (cp == '\\')
			assert_string_equal(got, "\\\\");
		else if (!pl_text_cp_unsafe(cp)) {
			if (strlen(got) != k || memcmp(got, in, k) != 0)
				fail_msg("U+%04X was changed", (unsigned)cp);
		} else {
			uint8_t back[8];
			assert_int_equal(unescape(got, NULL, back), k);
			assert_memory_equal(back, in, k);
			assert_true(got[0] == '\\');
		}
		free(got);
	}
}

/* Deterministic bytes biased towards the interesting ones. */
static uint32_t rng = 12345;
static uint8_t rnd_byte(void)
{
	rng = rng * 1103515245u + 12345u;
	uint32_t r = rng >> 16;
	static const uint8_t pick[] = {'\\', '\n', '\t', '\r', 0x1b, 0x00, 0x7f, 0xc2, 0x9b, 0x85, 0xe2,
				       0x80, 0xae, 0xa8, 0x81, 0xff, 0xed, 0xa0, 'x', 'u', '[', '"'};
	return (r & 1) ? pick[(r >> 1) % sizeof pick] : (uint8_t)(r >> 3);
}

static void test_reversible_and_safe(void **state)
{
	(void)state;
	uint8_t in[96], back[96 * 4];
	for (int round = 0; round < 20000; round++) {
		size_t n = (size_t)(rnd_byte() % 96);
		for (size_t i = 0; i < n; i++)
			in[i] = rnd_byte();
		char *got = line(in, n);
		assert_shown_safely(got, false);
		assert_null(strchr(got, '\n'));
		size_t m = unescape(got, NULL, back);
		if (m != n || memcmp(back, in, n) != 0)
			fail_msg("round %d: the display form \"%s\" does not give back its input", round, got);
		free(got);
		/* the block form too, with its indent */
		pl_buf b;
		pl_buf_init(&b, 1 << 20);
		assert_int_equal(pl_text_block(&b, in, n, "    | "), PL_OK);
		const char *blk = pl_buf_cstr(&b);
		assert_shown_safely(blk, true);
		m = unescape(blk, "    | ", back);
		if (m != n || memcmp(back, in, n) != 0)
			fail_msg("round %d: the block form does not give back its input", round);
		pl_buf_release(&b);
	}
}

static void test_block_form(void **state)
{
	(void)state;
	char *got = block_s("first line\n    [ok] entry 9 by someone\n\x1b[1Aline\xe2\x80\xae", "  | ");
	assert_string_equal(got, "first line\n  |     [ok] entry 9 by someone\n  | \\x1b[1Aline\\u202e");
	/* every line after the first starts with the indent */
	for (const char *p = strchr(got, '\n'); p != NULL; p = strchr(p + 1, '\n'))
		assert_int_equal(strncmp(p + 1, "  | ", 4), 0);
	free(got);
	got = block_s("a\r\nb\n", "> ");
	assert_string_equal(got, "a\\r\n> b\n> ");
	free(got);
	got = block_s("no newline", "> ");
	assert_string_equal(got, "no newline");
	free(got);
	got = block_s("x\ny", "");
	assert_string_equal(got, "x\ny");
	free(got);
}

static void test_unsafe_at(void **state)
{
	(void)state;
	uint32_t cp = 0;
	assert_int_equal(pl_text_unsafe_at("title", 5, &cp), 5);
	assert_int_equal(pl_text_unsafe_at("back\\slash", 10, &cp), 10);
	assert_int_equal(pl_text_unsafe_at("two\nlines", 9, &cp), 3);
	assert_int_equal(cp, '\n');
	assert_int_equal(pl_text_unsafe_at("tab\there", 8, &cp), 3);
	assert_int_equal(cp, '\t');
	assert_int_equal(pl_text_unsafe_at("ab\x1b[31m", 7, &cp), 2);
	assert_int_equal(cp, 0x1b);
	assert_int_equal(pl_text_unsafe_at("\x7f", 1, &cp), 0);
	assert_int_equal(cp, 0x7f);
	assert_int_equal(pl_text_unsafe_at("caf\xc3\xa9\xc2\x9b", 7, &cp), 5);
	assert_int_equal(cp, 0x9b);
	assert_int_equal(pl_text_unsafe_at("\xe6\x97\xa5\xe2\x80\xae", 6, &cp), 3);
	assert_int_equal(cp, 0x202e);
	assert_int_equal(pl_text_unsafe_at("\xe2\x81\xa6x", 4, &cp), 0);
	assert_int_equal(cp, 0x2066);
	assert_int_equal(pl_text_unsafe_at("\xd8\x9c", 2, &cp), 0);
	assert_int_equal(cp, 0x061c);
	assert_int_equal(pl_text_unsafe_at("ok\xff", 3, &cp), 2);
	assert_int_equal(cp, PL_TEXT_INVALID);
	assert_int_equal(pl_text_unsafe_at("ok\xe2\x80", 4, &cp), 2);
	assert_int_equal(cp, PL_TEXT_INVALID);
	assert_int_equal(pl_text_unsafe_at("nul\0x", 5, NULL), 3);
	assert_int_equal(pl_text_unsafe_at("", 0, NULL), 0);
}

/* pl_text_json of text, as a C string. */
static char *json_safe(const char *text, size_t n)
{
	pl_buf b;
	pl_buf_init(&b, 1 << 20);
	assert_int_equal(pl_text_json(&b, text, n), PL_OK);
	char *s = strdup(pl_buf_cstr(&b));
	pl_buf_release(&b);
	return s;
}

static void test_json_exact_and_safe(void **state)
{
	(void)state;
	/* a string holding every class (valid UTF-8, as JSON strings are), dumped by jansson */
	const char hostile[] = "t\n[ok] x\r\t\x1b[31m\x1b]8;;u\x1b\\\x07\x7f\xc2\x9b\xc2\x85\xe2\x80\xae\xe2\x81\xa6"
			       "\xd8\x9c\xe2\x80\x8e\xe2\x80\xa8\\\"caf\xc3\xa9 \xe6\x97\xa5 \xf0\x9f\x98\x80";
	json_t *v = json_pack("{s:s%,s:[s%]}", "title", hostile, sizeof hostile - 1, "list", hostile, sizeof hostile - 1);
	assert_non_null(v);
	for (int pretty = 0; pretty < 2; pretty++) {
		char *dumped = json_dumps(v, pretty ? JSON_INDENT(2) : JSON_COMPACT);
		assert_non_null(dumped);
		/* jansson itself never writes a raw C0 control (so never a raw ESC) inside strings */
		for (const char *p = dumped; *p; p++)
			assert_true((unsigned char)*p >= 0x20 || *p == '\n');
		assert_null(strchr(dumped, 0x1b));
		/* but it writes DEL, C1 and bidirectional controls raw: pl_text_json does not */
		assert_non_null(strstr(dumped, "\xe2\x80\xae"));
		char *safe = json_safe(dumped, strlen(dumped));
		assert_shown_safely(safe, true);
		assert_null(strstr(safe, "\xe2\x80\xae"));
		assert_non_null(strstr(safe, "\\u202e"));
		assert_non_null(strstr(safe, "caf\xc3\xa9 \xe6\x97\xa5 \xf0\x9f\x98\x80")); /* the rest as it was */
		/* and it parses to exactly the same value */
		json_error_t je;
		json_t *back = json_loads(safe, 0, &je);
		assert_non_null(back);
		assert_true(json_equal(back, v));
		assert_int_equal(json_string_length(json_object_get(back, "title")), sizeof hostile - 1);
		assert_memory_equal(json_string_value(json_object_get(back, "title")), hostile, sizeof hostile - 1);
		json_decref(back);
		free(safe);
		free(dumped);
	}
	json_decref(v);
	/* text that is not what a serialiser writes is still made safe: raw controls in a string become
	 * escapes, invalid UTF-8 U+FFFD, CR and TAB outside strings spaces, anything else outside shown */
	const char bad[] = "{\"a\":\"x\x1b[2Ay\xff\",\r\t\"b\":1}\x1b\xc2\x9b";
	char *safe = json_safe(bad, sizeof bad - 1);
	assert_string_equal(safe, "{\"a\":\"x\\u001b[2Ay\\ufffd\",  \"b\":1}\\x1b\\u009b");
	free(safe);
	/* escapes already in the text stay as they are, an escaped quote does not end the string */
	const char esc[] = "[\"q\\\"\xe2\x80\xae\\\\\",\"\\u001b\"]";
	safe = json_safe(esc, sizeof esc - 1);
	assert_string_equal(safe, "[\"q\\\"\\u202e\\\\\",\"\\u001b\"]");
	free(safe);
}

static void test_caps_and_failure(void **state)
{
	(void)state;
	pl_buf b;
	pl_buf_init(&b, 8);
	assert_int_equal(pl_buf_puts(&b, "ab"), PL_OK);
	/* "\x1b\x1b" needs 8 bytes: past the cap of 8 with "ab" already there, nothing is appended */
	assert_int_equal(pl_text_line(&b, "\x1b\x1b", 2), PL_ETOOBIG);
	assert_string_equal(pl_buf_cstr(&b), "ab");
	assert_int_equal(pl_text_json(&b, "[\"\xe2\x80\xae\"]", 7), PL_ETOOBIG);
	assert_string_equal(pl_buf_cstr(&b), "ab");
	assert_int_equal(pl_text_block(&b, "x\ny", 3, "      "), PL_ETOOBIG);
	assert_string_equal(pl_buf_cstr(&b), "ab");
	assert_int_equal(pl_text_line(&b, "\x1b", 1), PL_OK);
	assert_string_equal(pl_buf_cstr(&b), "ab\\x1b");
	pl_buf_release(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_class_escaped), cmocka_unit_test(test_valid_text_unchanged),
		cmocka_unit_test(test_reversible_and_safe), cmocka_unit_test(test_block_form),
		cmocka_unit_test(test_unsafe_at),           cmocka_unit_test(test_json_exact_and_safe),
		cmocka_unit_test(test_caps_and_failure),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
