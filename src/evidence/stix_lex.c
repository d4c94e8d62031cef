/*
 * stix_lex.c - the lexer of the STIX 2.1 patterning language: white space and
 * comments, punctuation, keywords, names, and the form of every literal
 * (strings, numbers, h'..', b'..', t'..'); also what a STIX timestamp is
 * (pl_stix_timestamp_ok, stix.h), which t'..' literals and bundles share.
 */
#include "evidence/stix_internal.h"

#include <stdio.h>

/* ------------------------------------------------------------------ */
/* Timestamps                                                          */

/* The two decimal digits at s, as a number. */
static unsigned two(const char *s) { return (unsigned)(s[0] - '0') * 10 + (unsigned)(s[1] - '0'); }

bool pl_stix_timestamp_ok(const char *s, size_t n)
{
	static const char shape[] = "dddd-dd-ddTdd:dd:dd";
	static const unsigned mdays[12] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	if (s == NULL || n < 20 || s[n - 1] != 'Z')
		return false;
	for (size_t i = 0; i < 19; i++)
		if (shape[i] == 'd' ? !stix_is_digit(s[i]) : s[i] != shape[i])
			return false;
	if (n > 20) {
		if (s[19] != '.' || n < 22)
			return false;
		for (size_t i = 20; i < n - 1; i++)
			if (!stix_is_digit(s[i]))
				return false;
	}
	unsigned year = two(s) * 100 + two(s + 2), mon = two(s + 5), day = two(s + 8);
	if (mon < 1 || mon > 12 || day < 1 || day > mdays[mon - 1])
		return false;
	bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
	if (mon == 2 && day == 29 && !leap)
		return false;
	return two(s + 11) <= 23 && two(s + 14) <= 59 && two(s + 17) <= 60;
}

/* ------------------------------------------------------------------ */
/* Tokens                                                              */

/* The keywords, as written (case matters). */
static const struct {
	const char *w;
	int t;
} keywords[] = {
	{"AND", T_AND}, {"OR", T_OR}, {"NOT", T_NOT}, {"FOLLOWEDBY", T_FOLLOWEDBY}, {"LIKE", T_LIKE},
	{"MATCHES", T_MATCHES}, {"ISSUPERSET", T_ISSUPERSET}, {"ISSUBSET", T_ISSUBSET}, {"EXISTS", T_EXISTS},
	{"LAST", T_LAST}, {"IN", T_IN}, {"START", T_START}, {"STOP", T_STOP}, {"SECONDS", T_SECONDS},
	{"true", T_TRUE}, {"false", T_FALSE}, {"WITHIN", T_WITHIN}, {"REPEATS", T_REPEATS}, {"TIMES", T_TIMES},
};

const char *stix_tok_name(int t)
{
	static const char *const punct[] = {"the end", "'['", "']'", "'('", "')'", "':'", "'.'", "','", "'*'",
					    "'='", "'!='", "'<'", "'<='", "'>'", "'>='"};
	if (t <= T_GE)
		return punct[t];
	for (size_t i = 0; i < sizeof keywords / sizeof keywords[0]; i++)
		if (keywords[i].t == t)
			return keywords[i].w;
	switch (t) {
	case T_IDENT: case T_IDENT_H: return "a name";
	case T_STRING: return "a string";
	case T_INT_POS: case T_INT_NEG: return "an integer";
	case T_FLOAT_POS: case T_FLOAT_NEG: return "a number";
	case T_BIN: return "a binary literal";
	case T_HEX: return "a hex literal";
	default: return "a timestamp";
	}
}

int stix_fail(stix_parser *ps, size_t pos, const char *what)
{
	return pl_diag_set(ps->d, PL_EFORMAT, "STIX pattern: %s at offset %zu", what, pos);
}

/* Length of the (ASCII or listed Unicode) white space at s[i..n), 0 if none. */
static size_t white(const char *s, size_t n, size_t i)
{
	unsigned char c = (unsigned char)s[i];
	if (c == ' ' || (c >= '\t' && c <= '\r'))
		return 1;
	const unsigned char *u = (const unsigned char *)s + i;
	size_t r = n - i;
	if (c == 0xC2 && r >= 2 && (u[1] == 0x85 || u[1] == 0xA0))
		return 2;
	if (r < 3)
		return 0;
	if (c == 0xE1 && u[1] == 0x9A && u[2] == 0x80)
		return 3;
	if (c == 0xE2 && u[1] == 0x80 && (u[2] <= 0x8A || u[2] == 0xA8 || u[2] == 0xA9 || u[2] == 0xAF) &&
	    u[2] >= 0x80)
		return 3;
	if (c == 0xE2 && u[1] == 0x81 && u[2] == 0x9F)
		return 3;
	if (c == 0xE3 && u[1] == 0x80 && u[2] == 0x80)
		return 3;
	return 0;
}

/* The end of a quoted string starting at s[q] == '\'', or 0 on error. */
static size_t string_end(stix_parser *ps, size_t q, int *rc)
{
	size_t i = q + 1;
	while (i < ps->n) {
		char c = ps->s[i];
		if (c == '\'')
			return i + 1;
		if (c == '\\') {
			if (i + 1 >= ps->n || (ps->s[i + 1] != '\'' && ps->s[i + 1] != '\\')) {
				*rc = stix_fail(ps, i, "only \\' and \\\\ may be escaped in a string");
				return 0;
			}
			i += 2;
			continue;
		}
		i++;
	}
	*rc = stix_fail(ps, q, "unterminated string");
	return 0;
}

static bool ts_body_ok(const char *s, size_t n)
{
	return pl_stix_timestamp_ok(s, n);
}

/* Reads the next token into ps->cur. */
int stix_lex(stix_parser *ps)
{
	const char *s = ps->s;
	size_t n = ps->n, i = ps->i;
	for (;;) {
		if (i >= n)
			break;
		size_t w = white(s, n, i);
		if (w) {
			i += w;
			continue;
		}
		if (s[i] == '/' && i + 1 < n && s[i + 1] == '*') {
			const char *e = NULL;
			for (size_t j = i + 2; j + 1 < n; j++)
				if (s[j] == '*' && s[j + 1] == '/') {
					e = s + j;
					break;
				}
			if (e == NULL)
				return stix_fail(ps, i, "unterminated comment");
			i = (size_t)(e - s) + 2;
			continue;
		}
		if (s[i] == '/' && i + 1 < n && s[i + 1] == '/') {
			while (i < n && s[i] != '\n' && s[i] != '\r')
				i++;
			continue;
		}
		break;
	}
	stix_tok t = {.t = T_EOF, .pos = i, .len = 0};
	if (i >= n) {
		ps->cur = t;
		ps->i = i;
		return PL_OK;
	}
	unsigned char c = (unsigned char)s[i];
	size_t j = i + 1;
	int rc = PL_OK;
	switch (c) {
	case '[': t.t = T_LBRACK; break;
	case ']': t.t = T_RBRACK; break;
	case '(': t.t = T_LPAREN; break;
	case ')': t.t = T_RPAREN; break;
	case ':': t.t = T_COLON; break;
	case ',': t.t = T_COMMA; break;
	case '*': t.t = T_STAR; break;
	case '=':
		t.t = T_EQ;
		if (j < n && s[j] == '=')
			j++;
		break;
	case '!':
		if (j >= n || s[j] != '=')
			return stix_fail(ps, i, "'!' must be followed by '='");
		t.t = T_NEQ;
		j++;
		break;
	case '<':
		t.t = T_LT;
		if (j < n && s[j] == '=') {
			t.t = T_LE;
			j++;
		} else if (j < n && s[j] == '>') {
			t.t = T_NEQ;
			j++;
		}
		break;
	case '>':
		t.t = T_GT;
		if (j < n && s[j] == '=') {
			t.t = T_GE;
			j++;
		}
		break;
	case '\'':
		j = string_end(ps, i, &rc);
		if (j == 0)
			return rc;
		t.t = T_STRING;
		break;
	default:
		if (c == '.' && !(j < n && stix_is_digit(s[j]))) {
			t.t = T_DOT;
			break;
		}
		if (stix_is_digit(c) || c == '.' || c == '+' || c == '-') {
			bool neg = c == '-';
			size_t k = (c == '+' || c == '-') ? i + 1 : i;
			size_t d0 = k;
			while (k < n && stix_is_digit(s[k]))
				k++;
			size_t nd = k - d0;
			if (k < n && s[k] == '.') {
				size_t f0 = ++k;
				while (k < n && stix_is_digit(s[k]))
					k++;
				if (k == f0)
					return stix_fail(ps, i, "a number needs digits after '.'");
				t.t = neg ? T_FLOAT_NEG : T_FLOAT_POS;
			} else {
				if (nd == 0)
					return stix_fail(ps, i, neg ? "'-' must start a number" : "'+' must start a number");
				if (nd > 1 && s[d0] == '0')
					return stix_fail(ps, i, "an integer must not have leading zeros");
				t.t = neg ? T_INT_NEG : T_INT_POS;
			}
			if (k < n && (stix_is_alpha(s[k]) || s[k] == '_'))
				return stix_fail(ps, k, "a number must not run into a name");
			j = k;
			break;
		}
		if ((c == 'h' || c == 'b' || c == 't') && j < n && s[j] == '\'') {
			size_t e = string_end(ps, j, &rc);
			if (e == 0)
				return rc;
			const char *b = s + j + 1;
			size_t bn = e - j - 2;
			if (c == 'h') {
				if (bn % 2 != 0)
					return stix_fail(ps, i, "a hex literal needs an even number of hex digits");
				for (size_t k = 0; k < bn; k++)
					if (!stix_is_hex((unsigned char)b[k]))
						return stix_fail(ps, i + 2 + k, "a hex literal holds only hex digits");
				t.t = T_HEX;
			} else if (c == 'b') {
				/* base64 groups of 4, the last possibly padded */
				if (bn == 0 || bn % 4 != 0)
					return stix_fail(ps, i, "a binary literal must be base64 in groups of four");
				for (size_t k = 0; k < bn; k++) {
					char x = b[k];
					bool pad = x == '=' && (k == bn - 1 || (k == bn - 2 && b[bn - 1] == '='));
					if (!(stix_is_alpha(x) || stix_is_digit(x) || x == '+' || x == '/' || pad))
						return stix_fail(ps, i + 2 + k, "a binary literal must be base64");
				}
				t.t = T_BIN;
			} else {
				if (!ts_body_ok(b, bn))
					return stix_fail(ps, i, "a timestamp literal must be t'YYYY-MM-DDTHH:MM:SS[.s]Z'");
				t.t = T_TS;
			}
			j = e;
			break;
		}
		if (stix_is_alpha(c) || c == '_') {
			bool hyphen = false;
			while (j < n && (stix_is_alpha(s[j]) || stix_is_digit(s[j]) || s[j] == '_' || s[j] == '-')) {
				if (s[j] == '-')
					hyphen = true;
				j++;
			}
			t.t = hyphen ? T_IDENT_H : T_IDENT;
			for (size_t k = 0; !hyphen && k < sizeof keywords / sizeof keywords[0]; k++)
				if (stix_seq(s + i, j - i, keywords[k].w))
					t.t = keywords[k].t;
			break;
		}
		return stix_fail(ps, i, c == 0 ? "a NUL byte is not allowed" : "unexpected character");
	}
	t.len = j - i;
	ps->cur = t;
	ps->i = j;
	return PL_OK;
}

int stix_expect(stix_parser *ps, int t, const char *what)
{
	if (ps->cur.t != t) {
		char m[128];
		snprintf(m, sizeof m, "expected %s, found %s", what, stix_tok_name(ps->cur.t));
		return stix_fail(ps, ps->cur.pos, m);
	}
	return stix_lex(ps);
}
