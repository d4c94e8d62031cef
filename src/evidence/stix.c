/* stix.c - STIX 2.1 bundles, the patterning language, and matching (stix.h). */
#include "evidence/stix.h"

#include "base/json.h"
#include "base/utf8.h"

#include <arpa/inet.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------------ */
/* Small text helpers                                                  */

static bool is_digit(int c) { return c >= '0' && c <= '9'; }
static bool is_alpha(int c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
static bool is_hex(int c) { return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }
static int lower(int c) { return c >= 'A' && c <= 'Z' ? c + 32 : c; }

static int hexval(int c)
{
	if (is_digit(c))
		return c - '0';
	return lower(c) - 'a' + 10;
}

/* ASCII case-insensitive equality of s[0..n) and the C string w. */
static bool ieq(const char *s, size_t n, const char *w)
{
	size_t m = strlen(w);
	if (m != n)
		return false;
	for (size_t i = 0; i < n; i++)
		if (lower((unsigned char)s[i]) != lower((unsigned char)w[i]))
			return false;
	return true;
}

static bool seq(const char *s, size_t n, const char *w)
{
	return strlen(w) == n && memcmp(s, w, n) == 0;
}

static unsigned two(const char *s) { return (unsigned)(s[0] - '0') * 10 + (unsigned)(s[1] - '0'); }

bool pl_stix_timestamp_ok(const char *s, size_t n)
{
	static const char shape[] = "dddd-dd-ddTdd:dd:dd";
	static const unsigned mdays[12] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	if (s == NULL || n < 20 || s[n - 1] != 'Z')
		return false;
	for (size_t i = 0; i < 19; i++)
		if (shape[i] == 'd' ? !is_digit(s[i]) : s[i] != shape[i])
			return false;
	if (n > 20) {
		if (s[19] != '.' || n < 22)
			return false;
		for (size_t i = 20; i < n - 1; i++)
			if (!is_digit(s[i]))
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

bool pl_stix_id_ok(const char *s, size_t n, const char *type)
{
	if (s == NULL)
		return false;
	const char *sep = NULL;
	for (size_t i = 0; i + 1 < n; i++)
		if (s[i] == '-' && s[i + 1] == '-') {
			sep = s + i;
			break;
		}
	if (sep == NULL)
		return false;
	size_t tn = (size_t)(sep - s);
	if (type != NULL) {
		if (!seq(s, tn, type))
			return false;
	} else {
		/* a type: [a-z][a-z0-9-]+[a-z0-9], 3..250 characters */
		if (tn < 3 || tn > 250 || !(s[0] >= 'a' && s[0] <= 'z'))
			return false;
		for (size_t i = 1; i < tn; i++)
			if (!((s[i] >= 'a' && s[i] <= 'z') || is_digit(s[i]) || (s[i] == '-' && i + 1 < tn)))
				return false;
	}
	const char *u = sep + 2;
	size_t un = n - tn - 2;
	if (un != 36)
		return false;
	for (size_t i = 0; i < 36; i++) {
		if (i == 8 || i == 13 || i == 18 || i == 23) {
			if (u[i] != '-')
				return false;
		} else if (!is_hex((unsigned char)u[i]))
			return false;
	}
	return u[14] >= '1' && u[14] <= '5' && strchr("89abAB", u[19]) != NULL;
}

/* ------------------------------------------------------------------ */
/* The compiled form                                                   */

#define NONE UINT32_MAX

enum nkind { N_FBY, N_OBS_OR, N_OBS_AND, N_QUAL, N_OBS, N_OR, N_AND, N_TEST };
enum qual { Q_WITHIN, Q_REPEATS, Q_STARTSTOP };
enum op { O_EQ, O_NEQ, O_LT, O_LE, O_GT, O_GE, O_IN, O_LIKE, O_MATCHES, O_ISSUBSET, O_ISSUPERSET, O_EXISTS };
static const char *const op_names[] = {"=", "!=", "<", "<=", ">", ">=", "IN", "LIKE", "MATCHES", "ISSUBSET",
				       "ISSUPERSET", "EXISTS"};

/* The properties Parley evaluates. */
enum field {
	F_OTHER, F_NAME, F_SIZE, F_MD5, F_SHA1, F_SHA256, F_SHA512, F_IPV4, F_IPV6, F_DOMAIN, F_URL,
	F_SRC, F_DST, F_SRC_PORT, F_DST_PORT, F_PROTO,
};
/* Object types, as bits (node mask). */
enum { M_FILE = 1, M_IPV4 = 2, M_IPV6 = 4, M_DOMAIN = 8, M_URL = 16, M_NT = 32 };

static unsigned field_mask(int f)
{
	switch (f) {
	case F_NAME: case F_SIZE: case F_MD5: case F_SHA1: case F_SHA256: case F_SHA512:
		return M_FILE;
	case F_IPV4: return M_IPV4;
	case F_IPV6: return M_IPV6;
	case F_DOMAIN: return M_DOMAIN;
	case F_URL: return M_URL;
	case F_SRC: case F_DST: case F_SRC_PORT: case F_DST_PORT: case F_PROTO:
		return M_NT;
	default: return 0;
	}
}

static size_t digest_len(int f)
{
	return f == F_MD5 ? 16 : f == F_SHA1 ? 20 : f == F_SHA256 ? 32 : f == F_SHA512 ? 64 : 0;
}

enum ltype { L_STR, L_INT, L_FLOAT, L_BOOL, L_BIN, L_HEX, L_TS };

typedef struct node {
	uint8_t kind;   /* enum nkind */
	uint8_t op;     /* N_TEST: enum op; N_QUAL: enum qual */
	uint8_t neg;    /* N_TEST: NOT before the operator */
	uint8_t field;  /* N_TEST: enum field */
	uint8_t mask;   /* comparison nodes: the object types below (M_*) */
	int32_t index;  /* N_TEST on protocols: the list index, -1 for [*] */
	uint32_t first; /* first child; N_TEST: first literal */
	uint32_t next;  /* next sibling */
	uint32_t nlit;  /* N_TEST: number of literals */
	uint32_t pos;   /* byte offset in the text */
} node;

typedef struct lit {
	uint8_t type;   /* enum ltype */
	uint8_t family; /* prepared address: 4 or 6 */
	uint8_t prefix; /* prepared address: prefix length */
	int64_t i;      /* L_INT, L_BOOL */
	uint32_t off, len; /* bytes in the arena: string (unescaped), binary, digest */
	uint8_t addr[16];
} lit;

struct pl_stix_pattern {
	node *nodes;
	size_t nnodes, capn;
	lit *lits;
	size_t nlits, capl;
	uint8_t *arena;
	size_t narena, capa;
	uint32_t root;
	bool supported;
	unsigned scope, hashes;
	char why[256];
};

/* ------------------------------------------------------------------ */
/* Lexer                                                               */

enum tok {
	T_EOF, T_LBRACK, T_RBRACK, T_LPAREN, T_RPAREN, T_COLON, T_DOT, T_COMMA, T_STAR,
	T_EQ, T_NEQ, T_LT, T_LE, T_GT, T_GE,
	T_AND, T_OR, T_NOT, T_FOLLOWEDBY, T_LIKE, T_MATCHES, T_ISSUPERSET, T_ISSUBSET, T_EXISTS, T_LAST, T_IN,
	T_START, T_STOP, T_SECONDS, T_TRUE, T_FALSE, T_WITHIN, T_REPEATS, T_TIMES,
	T_IDENT, T_IDENT_H, T_STRING, T_INT_POS, T_INT_NEG, T_FLOAT_POS, T_FLOAT_NEG, T_BIN, T_HEX, T_TS,
};

static const struct {
	const char *w;
	int t;
} keywords[] = {
	{"AND", T_AND}, {"OR", T_OR}, {"NOT", T_NOT}, {"FOLLOWEDBY", T_FOLLOWEDBY}, {"LIKE", T_LIKE},
	{"MATCHES", T_MATCHES}, {"ISSUPERSET", T_ISSUPERSET}, {"ISSUBSET", T_ISSUBSET}, {"EXISTS", T_EXISTS},
	{"LAST", T_LAST}, {"IN", T_IN}, {"START", T_START}, {"STOP", T_STOP}, {"SECONDS", T_SECONDS},
	{"true", T_TRUE}, {"false", T_FALSE}, {"WITHIN", T_WITHIN}, {"REPEATS", T_REPEATS}, {"TIMES", T_TIMES},
};

static const char *tok_name(int t)
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

typedef struct tok_t {
	int t;
	size_t pos, len;
} tok_t;

typedef struct parser {
	const char *s;
	size_t n, i; /* text and lexer position */
	tok_t cur;   /* the lookahead token */
	pl_stix_pattern *p;
	pl_diag *d;
	int depth;
	char leaf_why[256]; /* the first comparison outside the subset */
} parser;

static int fail(parser *ps, size_t pos, const char *what)
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
static size_t string_end(parser *ps, size_t q, int *rc)
{
	size_t i = q + 1;
	while (i < ps->n) {
		char c = ps->s[i];
		if (c == '\'')
			return i + 1;
		if (c == '\\') {
			if (i + 1 >= ps->n || (ps->s[i + 1] != '\'' && ps->s[i + 1] != '\\')) {
				*rc = fail(ps, i, "only \\' and \\\\ may be escaped in a string");
				return 0;
			}
			i += 2;
			continue;
		}
		i++;
	}
	*rc = fail(ps, q, "unterminated string");
	return 0;
}

static bool ts_body_ok(const char *s, size_t n)
{
	return pl_stix_timestamp_ok(s, n);
}

/* Reads the next token into ps->cur. */
static int lex(parser *ps)
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
				return fail(ps, i, "unterminated comment");
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
	tok_t t = {.t = T_EOF, .pos = i, .len = 0};
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
			return fail(ps, i, "'!' must be followed by '='");
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
		if (c == '.' && !(j < n && is_digit(s[j]))) {
			t.t = T_DOT;
			break;
		}
		if (is_digit(c) || c == '.' || c == '+' || c == '-') {
			bool neg = c == '-';
			size_t k = (c == '+' || c == '-') ? i + 1 : i;
			size_t d0 = k;
			while (k < n && is_digit(s[k]))
				k++;
			size_t nd = k - d0;
			if (k < n && s[k] == '.') {
				size_t f0 = ++k;
				while (k < n && is_digit(s[k]))
					k++;
				if (k == f0)
					return fail(ps, i, "a number needs digits after '.'");
				t.t = neg ? T_FLOAT_NEG : T_FLOAT_POS;
			} else {
				if (nd == 0)
					return fail(ps, i, neg ? "'-' must start a number" : "'+' must start a number");
				if (nd > 1 && s[d0] == '0')
					return fail(ps, i, "an integer must not have leading zeros");
				t.t = neg ? T_INT_NEG : T_INT_POS;
			}
			if (k < n && (is_alpha(s[k]) || s[k] == '_'))
				return fail(ps, k, "a number must not run into a name");
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
					return fail(ps, i, "a hex literal needs an even number of hex digits");
				for (size_t k = 0; k < bn; k++)
					if (!is_hex((unsigned char)b[k]))
						return fail(ps, i + 2 + k, "a hex literal holds only hex digits");
				t.t = T_HEX;
			} else if (c == 'b') {
				/* base64 groups of 4, the last possibly padded */
				if (bn == 0 || bn % 4 != 0)
					return fail(ps, i, "a binary literal must be base64 in groups of four");
				for (size_t k = 0; k < bn; k++) {
					char x = b[k];
					bool pad = x == '=' && (k == bn - 1 || (k == bn - 2 && b[bn - 1] == '='));
					if (!(is_alpha(x) || is_digit(x) || x == '+' || x == '/' || pad))
						return fail(ps, i + 2 + k, "a binary literal must be base64");
				}
				t.t = T_BIN;
			} else {
				if (!ts_body_ok(b, bn))
					return fail(ps, i, "a timestamp literal must be t'YYYY-MM-DDTHH:MM:SS[.s]Z'");
				t.t = T_TS;
			}
			j = e;
			break;
		}
		if (is_alpha(c) || c == '_') {
			bool hyphen = false;
			while (j < n && (is_alpha(s[j]) || is_digit(s[j]) || s[j] == '_' || s[j] == '-')) {
				if (s[j] == '-')
					hyphen = true;
				j++;
			}
			t.t = hyphen ? T_IDENT_H : T_IDENT;
			for (size_t k = 0; !hyphen && k < sizeof keywords / sizeof keywords[0]; k++)
				if (seq(s + i, j - i, keywords[k].w))
					t.t = keywords[k].t;
			break;
		}
		return fail(ps, i, c == 0 ? "a NUL byte is not allowed" : "unexpected character");
	}
	t.len = j - i;
	ps->cur = t;
	ps->i = j;
	return PL_OK;
}

static int expect(parser *ps, int t, const char *what)
{
	if (ps->cur.t != t) {
		char m[128];
		snprintf(m, sizeof m, "expected %s, found %s", what, tok_name(ps->cur.t));
		return fail(ps, ps->cur.pos, m);
	}
	return lex(ps);
}

/* ------------------------------------------------------------------ */
/* Building the compiled form                                          */

static int grow(void **arr, size_t *cap, size_t need, size_t size)
{
	if (need <= *cap)
		return PL_OK;
	size_t nc = *cap ? *cap * 2 : 16;
	while (nc < need)
		nc *= 2;
	void *q = realloc(*arr, nc * size);
	if (q == NULL)
		return PL_ENOMEM;
	*arr = q;
	*cap = nc;
	return PL_OK;
}

static int new_node(parser *ps, int kind, size_t pos, uint32_t *out)
{
	pl_stix_pattern *p = ps->p;
	if (grow((void **)&p->nodes, &p->capn, p->nnodes + 1, sizeof(node)) != PL_OK)
		return pl_diag_set(ps->d, PL_ENOMEM, "out of memory compiling a STIX pattern");
	node *nd = &p->nodes[p->nnodes];
	memset(nd, 0, sizeof *nd);
	nd->kind = (uint8_t)kind;
	nd->first = NONE;
	nd->next = NONE;
	nd->index = -1;
	nd->pos = (uint32_t)pos;
	*out = (uint32_t)p->nnodes++;
	return PL_OK;
}

static int arena_add(parser *ps, const void *b, size_t n, uint32_t *off)
{
	pl_stix_pattern *p = ps->p;
	if (grow((void **)&p->arena, &p->capa, p->narena + n + 1, 1) != PL_OK)
		return pl_diag_set(ps->d, PL_ENOMEM, "out of memory compiling a STIX pattern");
	*off = (uint32_t)p->narena;
	if (n)
		memcpy(p->arena + p->narena, b, n);
	p->narena += n;
	return PL_OK;
}

/* Appends the unescaped body of the string token at s[pos..pos+len). */
static int unquote(parser *ps, size_t pos, size_t len, uint32_t *off, uint32_t *n)
{
	pl_stix_pattern *p = ps->p;
	if (grow((void **)&p->arena, &p->capa, p->narena + len + 1, 1) != PL_OK)
		return pl_diag_set(ps->d, PL_ENOMEM, "out of memory compiling a STIX pattern");
	*off = (uint32_t)p->narena;
	const char *b = ps->s + pos + 1, *e = ps->s + pos + len - 1;
	while (b < e) {
		if (*b == '\\')
			b++;
		p->arena[p->narena++] = (uint8_t)*b++;
	}
	*n = (uint32_t)(p->narena - *off);
	return PL_OK;
}

/* Turns a comparison chain into one node of the given kind (if it has more than one child). */
static int chain(parser *ps, int kind, uint32_t first, uint32_t *out)
{
	if (ps->p->nodes[first].next == NONE) {
		*out = first;
		return PL_OK;
	}
	uint32_t k;
	int rc = new_node(ps, kind, ps->p->nodes[first].pos, &k);
	if (rc != PL_OK)
		return rc;
	node *nd = &ps->p->nodes[k];
	nd->first = first;
	unsigned m = 0;
	for (uint32_t c = first; c != NONE; c = ps->p->nodes[c].next)
		m |= ps->p->nodes[c].mask;
	nd->mask = (uint8_t)m;
	*out = k;
	return PL_OK;
}

/* ------------------------------------------------------------------ */
/* Parser: comparison expressions                                      */

typedef struct comp {
	bool index;      /* an [n] or [*] step */
	bool quoted;
	int64_t idx;     /* the index; -1 with star */
	bool star;
	uint32_t off, n; /* a key, in the arena */
} comp;

typedef struct path {
	size_t tpos, tlen; /* the object type in the text */
	comp c[PL_STIX_PATH_MAX];
	size_t nc;
} path;

static bool key_is(const parser *ps, const comp *c, const char *w)
{
	return !c->index && seq((const char *)ps->p->arena + c->off, c->n, w);
}

static int resolve(const parser *ps, const path *pa, int32_t *index)
{
	const char *t = ps->s + pa->tpos;
	size_t tn = pa->tlen, nc = pa->nc;
	const comp *c = pa->c;
	*index = -1;
	if (seq(t, tn, "file")) {
		if (nc == 1 && key_is(ps, &c[0], "name"))
			return F_NAME;
		if (nc == 1 && key_is(ps, &c[0], "size"))
			return F_SIZE;
		if (nc == 2 && key_is(ps, &c[0], "hashes") && !c[1].index) {
			const char *h = (const char *)ps->p->arena + c[1].off;
			size_t hn = c[1].n;
			if (ieq(h, hn, "MD5"))
				return F_MD5;
			if (ieq(h, hn, "SHA-1") || ieq(h, hn, "SHA1"))
				return F_SHA1;
			if (ieq(h, hn, "SHA-256") || ieq(h, hn, "SHA256"))
				return F_SHA256;
			if (ieq(h, hn, "SHA-512") || ieq(h, hn, "SHA512"))
				return F_SHA512;
		}
		return F_OTHER;
	}
	if (nc == 1 && key_is(ps, &c[0], "value")) {
		if (seq(t, tn, "ipv4-addr"))
			return F_IPV4;
		if (seq(t, tn, "ipv6-addr"))
			return F_IPV6;
		if (seq(t, tn, "domain-name"))
			return F_DOMAIN;
		if (seq(t, tn, "url"))
			return F_URL;
		return F_OTHER;
	}
	if (!seq(t, tn, "network-traffic"))
		return F_OTHER;
	if (nc == 2 && key_is(ps, &c[1], "value") && key_is(ps, &c[0], "src_ref"))
		return F_SRC;
	if (nc == 2 && key_is(ps, &c[1], "value") && key_is(ps, &c[0], "dst_ref"))
		return F_DST;
	if (nc == 1 && key_is(ps, &c[0], "src_port"))
		return F_SRC_PORT;
	if (nc == 1 && key_is(ps, &c[0], "dst_port"))
		return F_DST_PORT;
	if (nc == 2 && key_is(ps, &c[0], "protocols") && c[1].index && (c[1].star || c[1].idx >= 0)) {
		*index = c[1].star ? -1 : (int32_t)(c[1].idx > INT32_MAX ? INT32_MAX : c[1].idx);
		return F_PROTO;
	}
	return F_OTHER;
}

/* The path as text, for sentences: file:hashes.'SHA-256', network-traffic:protocols[*]. */
static void path_text(const parser *ps, const path *pa, char *out, size_t cap)
{
	size_t o = 0;
#define PUT(...)                                                                  \
	do {                                                                      \
		int k_ = snprintf(out + o, cap - o, __VA_ARGS__);                 \
		if (k_ < 0 || (size_t)k_ >= cap - o) {                            \
			o = cap - 1;                                              \
			goto done;                                                \
		}                                                                 \
		o += (size_t)k_;                                                  \
	} while (0)
	PUT("%.*s:", (int)(pa->tlen > 64 ? 64 : pa->tlen), ps->s + pa->tpos);
	for (size_t i = 0; i < pa->nc; i++) {
		const comp *c = &pa->c[i];
		if (c->index) {
			if (c->star)
				PUT("[*]");
			else
				PUT("[%lld]", (long long)c->idx);
			continue;
		}
		int kn = (int)(c->n > 64 ? 64 : c->n);
		const char *k = (const char *)ps->p->arena + c->off;
		PUT(c->quoted ? "%s'%.*s'" : "%s%.*s", i ? "." : "", kn, k);
	}
done:
	out[o] = '\0';
#undef PUT
}

static int parse_path(parser *ps, path *pa)
{
	int rc;
	pa->nc = 0;
	if (ps->cur.t != T_IDENT && ps->cur.t != T_IDENT_H)
		return fail(ps, ps->cur.pos, "expected an object path such as file:name");
	pa->tpos = ps->cur.pos;
	pa->tlen = ps->cur.len;
	if ((rc = lex(ps)) != PL_OK || (rc = expect(ps, T_COLON, "':' after the object type")) != PL_OK)
		return rc;
	bool firstc = true;
	for (;;) {
		comp c = {0};
		if (!firstc && ps->cur.t == T_LBRACK) {
			c.index = true;
			if ((rc = lex(ps)) != PL_OK)
				return rc;
			if (ps->cur.t == T_STAR) {
				c.star = true;
				c.idx = -1;
			} else if (ps->cur.t == T_INT_POS || ps->cur.t == T_INT_NEG) {
				const char *q = ps->s + ps->cur.pos;
				size_t qn = ps->cur.len;
				bool neg = *q == '-';
				if (*q == '+' || *q == '-')
					q++, qn--;
				if (qn > 9)
					return fail(ps, ps->cur.pos, "a list index is too large");
				int64_t v = 0;
				for (size_t k = 0; k < qn; k++)
					v = v * 10 + (q[k] - '0');
				c.idx = neg ? -v : v;
			} else {
				return fail(ps, ps->cur.pos, "expected an index or '*' inside '[ ]' of an object path");
			}
			if ((rc = lex(ps)) != PL_OK || (rc = expect(ps, T_RBRACK, "']' after a list index")) != PL_OK)
				return rc;
		} else if (firstc || ps->cur.t == T_DOT) {
			if (!firstc && (rc = lex(ps)) != PL_OK)
				return rc;
			if (ps->cur.t == T_IDENT) {
				if ((rc = arena_add(ps, ps->s + ps->cur.pos, ps->cur.len, &c.off)) != PL_OK)
					return rc;
				c.n = (uint32_t)ps->cur.len;
			} else if (ps->cur.t == T_STRING) {
				c.quoted = true;
				if ((rc = unquote(ps, ps->cur.pos, ps->cur.len, &c.off, &c.n)) != PL_OK)
					return rc;
			} else if (ps->cur.t == T_IDENT_H) {
				return fail(ps, ps->cur.pos, "a property name with '-' must be quoted");
			} else {
				return fail(ps, ps->cur.pos, "expected a property name");
			}
			if ((rc = lex(ps)) != PL_OK)
				return rc;
		} else {
			return PL_OK;
		}
		if (pa->nc == PL_STIX_PATH_MAX)
			return pl_diag_set(ps->d, PL_ETOOBIG, "STIX pattern: an object path has more than %d components",
					   PL_STIX_PATH_MAX);
		pa->c[pa->nc++] = c;
		firstc = false;
	}
}

/* Parses one literal token into a new lit entry. */
static int parse_literal(parser *ps, bool bool_ok, const char *what)
{
	pl_stix_pattern *p = ps->p;
	int rc;
	tok_t t = ps->cur;
	if (grow((void **)&p->lits, &p->capl, p->nlits + 1, sizeof(lit)) != PL_OK)
		return pl_diag_set(ps->d, PL_ENOMEM, "out of memory compiling a STIX pattern");
	lit *l = &p->lits[p->nlits];
	memset(l, 0, sizeof *l);
	const char *s = ps->s + t.pos;
	switch (t.t) {
	case T_STRING: {
		uint32_t off, n;
		if ((rc = unquote(ps, t.pos, t.len, &off, &n)) != PL_OK)
			return rc;
		l = &p->lits[p->nlits];
		l->type = L_STR;
		l->off = off;
		l->len = n;
		break;
	}
	case T_INT_POS:
	case T_INT_NEG: {
		bool neg = *s == '-';
		size_t k = (*s == '+' || *s == '-') ? 1 : 0;
		uint64_t v = 0;
		for (; k < t.len; k++) {
			if (v > (UINT64_C(1) << 63) / 10)
				return fail(ps, t.pos, "an integer is out of range");
			v = v * 10 + (uint64_t)(s[k] - '0');
		}
		if (v > (neg ? (UINT64_C(1) << 63) : (uint64_t)INT64_MAX))
			return fail(ps, t.pos, "an integer is out of range");
		l->type = L_INT;
		l->i = neg ? (v == (UINT64_C(1) << 63) ? INT64_MIN : -(int64_t)v) : (int64_t)v;
		break;
	}
	case T_FLOAT_POS:
	case T_FLOAT_NEG:
		l->type = L_FLOAT;
		break;
	case T_TRUE:
	case T_FALSE:
		if (!bool_ok)
			return fail(ps, t.pos, "true and false cannot be ordered");
		l->type = L_BOOL;
		l->i = t.t == T_TRUE;
		break;
	case T_HEX: {
		uint8_t buf[64];
		size_t hn = (t.len - 3) / 2;
		uint32_t off = 0;
		/* decoded in chunks into the arena */
		size_t start = p->narena;
		for (size_t k = 0; k < hn; k += sizeof buf) {
			size_t m = hn - k < sizeof buf ? hn - k : sizeof buf;
			for (size_t x = 0; x < m; x++)
				buf[x] = (uint8_t)(hexval((unsigned char)s[2 + 2 * (k + x)]) << 4 |
						   hexval((unsigned char)s[3 + 2 * (k + x)]));
			if ((rc = arena_add(ps, buf, m, &off)) != PL_OK)
				return rc;
		}
		l = &p->lits[p->nlits];
		l->type = L_HEX;
		l->off = (uint32_t)start;
		l->len = (uint32_t)hn;
		break;
	}
	case T_BIN:
		l->type = L_BIN;
		break;
	case T_TS:
		l->type = L_TS;
		break;
	default: {
		char m[128];
		snprintf(m, sizeof m, "expected %s, found %s", what, tok_name(t.t));
		return fail(ps, t.pos, m);
	}
	}
	p->nlits++;
	return lex(ps);
}

/* Lower-cases an arena range in place. */
static void arena_lower(pl_stix_pattern *p, const lit *l)
{
	for (uint32_t k = 0; k < l->len; k++)
		p->arena[l->off + k] = (uint8_t)lower(p->arena[l->off + k]);
}

/* An address or CIDR block for family fam (0: either). */
static bool parse_addr(const char *s, size_t n, int fam, lit *l)
{
	char buf[64];
	if (n == 0 || n >= sizeof buf)
		return false;
	memcpy(buf, s, n);
	buf[n] = '\0';
	char *slash = strchr(buf, '/');
	unsigned prefix = 0;
	bool has_prefix = slash != NULL;
	if (slash) {
		*slash = '\0';
		const char *q = slash + 1;
		size_t qn = strlen(q);
		if (qn == 0 || qn > 3 || (qn > 1 && q[0] == '0'))
			return false;
		for (size_t k = 0; k < qn; k++) {
			if (!is_digit(q[k]))
				return false;
			prefix = prefix * 10 + (unsigned)(q[k] - '0');
		}
	}
	memset(l->addr, 0, sizeof l->addr);
	if ((fam == 0 || fam == 4) && strchr(buf, ':') == NULL && inet_pton(AF_INET, buf, l->addr) == 1) {
		l->family = 4;
		if (!has_prefix)
			prefix = 32;
		if (prefix > 32)
			return false;
	} else if ((fam == 0 || fam == 6) && strchr(buf, ':') != NULL && inet_pton(AF_INET6, buf, l->addr) == 1) {
		l->family = 6;
		if (!has_prefix)
			prefix = 128;
		if (prefix > 128)
			return false;
	} else {
		return false;
	}
	l->prefix = (uint8_t)prefix;
	/* canonical: no host bits beyond the prefix */
	size_t bytes = l->family == 4 ? 4 : 16;
	for (size_t b = 0; b < bytes; b++) {
		unsigned keep = prefix >= 8 * (b + 1) ? 8 : prefix > 8 * b ? prefix - 8 * (unsigned)b : 0;
		uint8_t mask = (uint8_t)(keep ? 0xFF << (8 - keep) : 0);
		if (l->addr[b] & (uint8_t)~mask)
			return false;
	}
	return true;
}

/* Checks and prepares the literals of a comparison on a property Parley evaluates. */
static int prepare(parser *ps, node *nd, const char *ptext)
{
	pl_stix_pattern *p = ps->p;
	int f = nd->field;
	char m[400];
	for (uint32_t k = 0; k < nd->nlit; k++) {
		lit *l = &p->lits[nd->first + k];
		const char *ls = (const char *)p->arena + l->off;
		switch (f) {
		case F_SIZE:
		case F_SRC_PORT:
		case F_DST_PORT:
			if (l->type != L_INT) {
				snprintf(m, sizeof m, "%s compares with integers", ptext);
				return fail(ps, nd->pos, m);
			}
			break;
		case F_MD5:
		case F_SHA1:
		case F_SHA256:
		case F_SHA512: {
			size_t want = digest_len(f);
			if (l->type == L_HEX && l->len == want)
				break;
			if (l->type == L_STR && l->len == 2 * want) {
				bool ok = true;
				for (size_t x = 0; x < l->len; x++)
					ok = ok && is_hex((unsigned char)ls[x]);
				if (ok) {
					for (size_t x = 0; x < want; x++)
						p->arena[l->off + x] = (uint8_t)(hexval((unsigned char)ls[2 * x]) << 4 |
										 hexval((unsigned char)ls[2 * x + 1]));
					l->len = (uint32_t)want;
					l->type = L_HEX;
					break;
				}
			}
			snprintf(m, sizeof m, "%s compares with a digest of %zu hex digits", ptext, 2 * want);
			return fail(ps, nd->pos, m);
		}
		case F_IPV4:
		case F_IPV6:
		case F_SRC:
		case F_DST: {
			int fam = f == F_IPV4 ? 4 : f == F_IPV6 ? 6 : 0;
			if (l->type != L_STR || !parse_addr(ls, l->len, fam, l)) {
				snprintf(m, sizeof m, "%s compares with %s address or CIDR block (no host bits set)", ptext,
					 fam == 4 ? "an IPv4" : fam == 6 ? "an IPv6" : "an IP");
				return fail(ps, nd->pos, m);
			}
			break;
		}
		default: /* name, domain, url, protocols */
			if (l->type != L_STR) {
				snprintf(m, sizeof m, "%s compares with strings", ptext);
				return fail(ps, nd->pos, m);
			}
			if (f == F_DOMAIN || f == F_PROTO)
				arena_lower(p, l);
			if (f == F_DOMAIN && l->len > 1 && ls[l->len - 1] == '.')
				l->len--;
			break;
		}
	}
	return PL_OK;
}

static bool op_allowed(int f, int op)
{
	switch (f) {
	case F_NAME: case F_DOMAIN: case F_URL:
		return op == O_EQ || op == O_NEQ || op == O_IN || op == O_LIKE;
	case F_SIZE: case F_SRC_PORT: case F_DST_PORT:
		return op <= O_IN;
	case F_MD5: case F_SHA1: case F_SHA256: case F_SHA512: case F_PROTO:
		return op == O_EQ || op == O_NEQ || op == O_IN;
	case F_IPV4: case F_IPV6: case F_SRC: case F_DST:
		return op == O_EQ || op == O_NEQ || op == O_IN || op == O_ISSUBSET;
	default:
		return false;
	}
}

static int parse_cmp_or(parser *ps, uint32_t *out);

static int enter(parser *ps)
{
	if (++ps->depth > PL_STIX_DEPTH_MAX)
		return pl_diag_set(ps->d, PL_ETOOBIG, "STIX pattern: nested deeper than %d levels at offset %zu",
				   PL_STIX_DEPTH_MAX, ps->cur.pos);
	return PL_OK;
}

static void leaf_reason(parser *ps, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void leaf_reason(parser *ps, const char *fmt, ...)
{
	if (ps->leaf_why[0] != '\0')
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(ps->leaf_why, sizeof ps->leaf_why, fmt, ap);
	va_end(ap);
}

static int parse_test(parser *ps, uint32_t *out)
{
	int rc;
	size_t pos = ps->cur.pos;
	if (ps->cur.t == T_LPAREN) {
		if ((rc = enter(ps)) != PL_OK || (rc = lex(ps)) != PL_OK || (rc = parse_cmp_or(ps, out)) != PL_OK ||
		    (rc = expect(ps, T_RPAREN, "')' closing a comparison group")) != PL_OK)
			return rc;
		ps->depth--;
		return PL_OK;
	}
	path pa;
	uint32_t k;
	bool neg = false;
	int op;
	if (ps->cur.t == T_NOT || ps->cur.t == T_EXISTS) {
		if (ps->cur.t == T_NOT) {
			neg = true;
			if ((rc = lex(ps)) != PL_OK)
				return rc;
			if (ps->cur.t != T_EXISTS)
				return fail(ps, ps->cur.pos, "NOT before a comparison must be followed by EXISTS");
		}
		if ((rc = lex(ps)) != PL_OK || (rc = parse_path(ps, &pa)) != PL_OK)
			return rc;
		op = O_EXISTS;
	} else {
		if ((rc = parse_path(ps, &pa)) != PL_OK)
			return rc;
		if (ps->cur.t == T_NOT) {
			neg = true;
			if ((rc = lex(ps)) != PL_OK)
				return rc;
		}
		switch (ps->cur.t) {
		case T_EQ: op = O_EQ; break;
		case T_NEQ: op = O_NEQ; break;
		case T_LT: op = O_LT; break;
		case T_LE: op = O_LE; break;
		case T_GT: op = O_GT; break;
		case T_GE: op = O_GE; break;
		case T_IN: op = O_IN; break;
		case T_LIKE: op = O_LIKE; break;
		case T_MATCHES: op = O_MATCHES; break;
		case T_ISSUBSET: op = O_ISSUBSET; break;
		case T_ISSUPERSET: op = O_ISSUPERSET; break;
		default: {
			char m[128];
			snprintf(m, sizeof m, "expected a comparison operator, found %s", tok_name(ps->cur.t));
			return fail(ps, ps->cur.pos, m);
		}
		}
		if ((rc = lex(ps)) != PL_OK)
			return rc;
	}
	if ((rc = new_node(ps, N_TEST, pos, &k)) != PL_OK)
		return rc;
	uint32_t first = (uint32_t)ps->p->nlits;
	if (op == O_IN) {
		if ((rc = expect(ps, T_LPAREN, "'(' opening the set after IN")) != PL_OK)
			return rc;
		if (ps->cur.t != T_RPAREN) {
			for (;;) {
				if ((rc = parse_literal(ps, true, "a value in the set")) != PL_OK)
					return rc;
				if (ps->cur.t != T_COMMA)
					break;
				if ((rc = lex(ps)) != PL_OK)
					return rc;
			}
		}
		if ((rc = expect(ps, T_RPAREN, "')' or ',' in the set after IN")) != PL_OK)
			return rc;
	} else if (op == O_LIKE || op == O_MATCHES || op == O_ISSUBSET || op == O_ISSUPERSET) {
		if (ps->cur.t != T_STRING) {
			char m[128];
			snprintf(m, sizeof m, "%s takes a string, found %s", op_names[op], tok_name(ps->cur.t));
			return fail(ps, ps->cur.pos, m);
		}
		if ((rc = parse_literal(ps, false, "a string")) != PL_OK)
			return rc;
	} else if (op != O_EXISTS) {
		if ((rc = parse_literal(ps, op == O_EQ || op == O_NEQ, "a value")) != PL_OK)
			return rc;
	}
	node *nd = &ps->p->nodes[k];
	nd->op = (uint8_t)op;
	nd->neg = neg;
	nd->first = first;
	nd->nlit = (uint32_t)(ps->p->nlits - first);
	int32_t index;
	int f = resolve(ps, &pa, &index);
	char ptext[160];
	path_text(ps, &pa, ptext, sizeof ptext);
	if (f == F_OTHER) {
		leaf_reason(ps, "%s is outside the supported subset", ptext);
	} else if (op == O_EXISTS) {
		leaf_reason(ps, "EXISTS is not evaluated (%s)", ptext);
		f = F_OTHER;
	} else if (!op_allowed(f, op)) {
		leaf_reason(ps, "the operator %s is not evaluated on %s", op_names[op], ptext);
		f = F_OTHER;
	}
	nd->field = (uint8_t)f;
	nd->index = index;
	nd->mask = (uint8_t)field_mask(f);
	if (f != F_OTHER && (rc = prepare(ps, nd, ptext)) != PL_OK)
		return rc;
	*out = k;
	return PL_OK;
}

/* cmpAnd := test (AND test)* ; cmpOr := cmpAnd (OR cmpAnd)* */
static int parse_cmp_and(parser *ps, uint32_t *out)
{
	uint32_t first, last;
	int rc = parse_test(ps, &first);
	last = first;
	while (rc == PL_OK && ps->cur.t == T_AND) {
		uint32_t k;
		if ((rc = lex(ps)) != PL_OK || (rc = parse_test(ps, &k)) != PL_OK)
			return rc;
		ps->p->nodes[last].next = k;
		last = k;
	}
	if (rc != PL_OK)
		return rc;
	return chain(ps, N_AND, first, out);
}

static int parse_cmp_or(parser *ps, uint32_t *out)
{
	uint32_t first, last;
	int rc = parse_cmp_and(ps, &first);
	last = first;
	while (rc == PL_OK && ps->cur.t == T_OR) {
		uint32_t k;
		if ((rc = lex(ps)) != PL_OK || (rc = parse_cmp_and(ps, &k)) != PL_OK)
			return rc;
		ps->p->nodes[last].next = k;
		last = k;
	}
	if (rc != PL_OK)
		return rc;
	return chain(ps, N_OR, first, out);
}

/* ------------------------------------------------------------------ */
/* Parser: observation expressions                                     */

static int parse_obs_expr(parser *ps, uint32_t *out);

static int parse_obs_unit(parser *ps, uint32_t *out)
{
	int rc;
	size_t pos = ps->cur.pos;
	uint32_t k;
	if (ps->cur.t == T_LBRACK) {
		uint32_t c;
		if ((rc = enter(ps)) != PL_OK || (rc = lex(ps)) != PL_OK || (rc = parse_cmp_or(ps, &c)) != PL_OK ||
		    (rc = expect(ps, T_RBRACK, "']' closing the observation expression")) != PL_OK)
			return rc;
		ps->depth--;
		if ((rc = new_node(ps, N_OBS, pos, &k)) != PL_OK)
			return rc;
		ps->p->nodes[k].first = c;
		ps->p->nodes[k].mask = ps->p->nodes[c].mask;
	} else if (ps->cur.t == T_LPAREN) {
		if ((rc = enter(ps)) != PL_OK || (rc = lex(ps)) != PL_OK || (rc = parse_obs_expr(ps, &k)) != PL_OK ||
		    (rc = expect(ps, T_RPAREN, "')' closing a group of observation expressions")) != PL_OK)
			return rc;
		ps->depth--;
	} else {
		char m[128];
		snprintf(m, sizeof m, "expected '[' or '(' starting an observation expression, found %s",
			 tok_name(ps->cur.t));
		return fail(ps, ps->cur.pos, m);
	}
	/* qualifiers */
	for (;;) {
		int q;
		size_t qpos = ps->cur.pos;
		if (ps->cur.t == T_WITHIN) {
			q = Q_WITHIN;
			if ((rc = lex(ps)) != PL_OK)
				return rc;
			if (ps->cur.t != T_INT_POS && ps->cur.t != T_FLOAT_POS)
				return fail(ps, ps->cur.pos, "WITHIN takes a positive number of seconds");
			if ((rc = lex(ps)) != PL_OK || (rc = expect(ps, T_SECONDS, "SECONDS after WITHIN n")) != PL_OK)
				return rc;
		} else if (ps->cur.t == T_REPEATS) {
			q = Q_REPEATS;
			if ((rc = lex(ps)) != PL_OK)
				return rc;
			if (ps->cur.t != T_INT_POS)
				return fail(ps, ps->cur.pos, "REPEATS takes a positive integer");
			if ((rc = lex(ps)) != PL_OK || (rc = expect(ps, T_TIMES, "TIMES after REPEATS n")) != PL_OK)
				return rc;
		} else if (ps->cur.t == T_START) {
			q = Q_STARTSTOP;
			if ((rc = lex(ps)) != PL_OK || (rc = expect(ps, T_TS, "a timestamp t'...' after START")) != PL_OK ||
			    (rc = expect(ps, T_STOP, "STOP after START t'...'")) != PL_OK ||
			    (rc = expect(ps, T_TS, "a timestamp t'...' after STOP")) != PL_OK)
				return rc;
		} else {
			break;
		}
		uint32_t w;
		if ((rc = new_node(ps, N_QUAL, qpos, &w)) != PL_OK)
			return rc;
		ps->p->nodes[w].op = (uint8_t)q;
		ps->p->nodes[w].first = k;
		k = w;
	}
	*out = k;
	return PL_OK;
}

/* A left-associative chain of units joined by the operator token t. */
static int parse_obs_level(parser *ps, int level, uint32_t *out)
{
	static const int toks[] = {T_FOLLOWEDBY, T_OR, T_AND};
	static const int kinds[] = {N_FBY, N_OBS_OR, N_OBS_AND};
	uint32_t first, last;
	int rc = level == 2 ? parse_obs_unit(ps, &first) : parse_obs_level(ps, level + 1, &first);
	last = first;
	while (rc == PL_OK && ps->cur.t == toks[level]) {
		uint32_t k;
		if ((rc = lex(ps)) != PL_OK)
			return rc;
		rc = level == 2 ? parse_obs_unit(ps, &k) : parse_obs_level(ps, level + 1, &k);
		if (rc != PL_OK)
			return rc;
		ps->p->nodes[last].next = k;
		last = k;
	}
	if (rc != PL_OK)
		return rc;
	if (ps->p->nodes[first].next == NONE) {
		*out = first;
		return PL_OK;
	}
	uint32_t k;
	if ((rc = new_node(ps, kinds[level], ps->p->nodes[first].pos, &k)) != PL_OK)
		return rc;
	ps->p->nodes[k].first = first;
	*out = k;
	return PL_OK;
}

static int parse_obs_expr(parser *ps, uint32_t *out)
{
	return parse_obs_level(ps, 0, out);
}

/* ------------------------------------------------------------------ */
/* Deciding what Parley evaluates                                      */

static unsigned popcount(unsigned x)
{
	unsigned c = 0;
	for (; x; x &= x - 1)
		c++;
	return c;
}

/* First AND over different object types under comparison node k, or false. */
static bool mixed_and(const pl_stix_pattern *p, uint32_t k)
{
	const node *nd = &p->nodes[k];
	if (nd->kind == N_TEST)
		return false;
	if (nd->kind == N_AND && popcount(nd->mask) > 1)
		return true;
	for (uint32_t c = nd->first; c != NONE; c = p->nodes[c].next)
		if (mixed_and(p, c))
			return true;
	return false;
}

/* Structural check of the observation tree; sets why on the first problem. */
static bool check_obs(pl_stix_pattern *p, uint32_t k)
{
	static const char *const qn[] = {"WITHIN", "REPEATS", "START ... STOP"};
	const node *nd = &p->nodes[k];
	switch (nd->kind) {
	case N_FBY:
		snprintf(p->why, sizeof p->why, "the observation operator FOLLOWEDBY is not evaluated");
		return false;
	case N_OBS_AND:
		snprintf(p->why, sizeof p->why,
			 "the observation operator AND is not evaluated (only OR joins observation expressions)");
		return false;
	case N_QUAL:
		snprintf(p->why, sizeof p->why, "the qualifier %s is not evaluated", qn[nd->op]);
		return false;
	case N_OBS_OR:
		for (uint32_t c = nd->first; c != NONE; c = p->nodes[c].next)
			if (!check_obs(p, c))
				return false;
		return true;
	default:
		return true;
	}
}

static bool check_types(pl_stix_pattern *p, uint32_t k)
{
	const node *nd = &p->nodes[k];
	if (nd->kind == N_OBS_OR) {
		for (uint32_t c = nd->first; c != NONE; c = p->nodes[c].next)
			if (!check_types(p, c))
				return false;
		return true;
	}
	unsigned m = nd->mask;
	if ((m & M_FILE) && (m & ~(unsigned)M_FILE)) {
		snprintf(p->why, sizeof p->why,
			 "an observation expression mixes file properties with network properties");
		return false;
	}
	if (mixed_and(p, nd->first)) {
		snprintf(p->why, sizeof p->why,
			 "AND joins comparisons on different object types inside one observation expression");
		return false;
	}
	p->scope |= (m & M_FILE) ? PL_STIX_ON_FILES : PL_STIX_ON_NETWORK;
	return true;
}

static void collect_hashes(pl_stix_pattern *p)
{
	for (size_t i = 0; i < p->nnodes; i++) {
		const node *nd = &p->nodes[i];
		if (nd->kind != N_TEST)
			continue;
		p->hashes |= nd->field == F_MD5 ? PL_HASH_MD5 : nd->field == F_SHA1 ? PL_HASH_SHA1
			   : nd->field == F_SHA256 ? PL_HASH_SHA256 : nd->field == F_SHA512 ? PL_HASH_SHA512 : 0;
	}
}

int pl_stix_pattern_compile(const char *text, size_t n, pl_stix_pattern **out, pl_diag *d)
{
	if (out == NULL || (text == NULL && n > 0))
		return pl_diag_set(d, PL_EINVAL, "pl_stix_pattern_compile: no text or no output");
	*out = NULL;
	if (n > PL_STIX_PATTERN_MAX)
		return pl_diag_set(d, PL_ETOOBIG, "STIX pattern of %zu bytes is over the %d-byte limit", n,
				   PL_STIX_PATTERN_MAX);
	/* UTF-8 text without NUL bytes (strings in it are compared as C strings) */
	for (size_t i = 0; i < n;) {
		uint32_t cp;
		size_t k = pl_utf8_decode((const uint8_t *)text + i, n - i, &cp);
		if (k == 0)
			return pl_diag_set(d, PL_EFORMAT, "STIX pattern: invalid UTF-8 at offset %zu", i);
		if (cp == 0)
			return pl_diag_set(d, PL_EFORMAT, "STIX pattern: a NUL byte is not allowed at offset %zu", i);
		i += k;
	}
	pl_stix_pattern *p = calloc(1, sizeof *p);
	if (p == NULL)
		return pl_diag_set(d, PL_ENOMEM, "out of memory compiling a STIX pattern");
	parser ps = {.s = text ? text : "", .n = n, .p = p, .d = d};
	int rc = lex(&ps);
	if (rc != PL_OK)
		goto out;
	if (ps.cur.t == T_EOF) {
		rc = fail(&ps, 0, "the pattern is empty");
		goto out;
	}
	if ((rc = parse_obs_expr(&ps, &p->root)) != PL_OK)
		goto out;
	if (ps.cur.t != T_EOF) {
		char m[128];
		snprintf(m, sizeof m, "unexpected %s after the pattern", tok_name(ps.cur.t));
		rc = fail(&ps, ps.cur.pos, m);
		goto out;
	}
	p->supported = check_obs(p, p->root);
	if (p->supported && ps.leaf_why[0]) {
		memcpy(p->why, ps.leaf_why, sizeof p->why);
		p->supported = false;
	}
	if (p->supported)
		p->supported = check_types(p, p->root);
	if (p->supported)
		collect_hashes(p);
	else
		p->scope = 0;
	*out = p;
	p = NULL;
out:
	pl_stix_pattern_free(p);
	return rc;
}

void pl_stix_pattern_free(pl_stix_pattern *p)
{
	if (p == NULL)
		return;
	free(p->nodes);
	free(p->lits);
	free(p->arena);
	free(p);
}

bool pl_stix_pattern_supported(const pl_stix_pattern *p, const char **why)
{
	if (why)
		*why = p->supported ? "" : p->why;
	return p->supported;
}

unsigned pl_stix_pattern_scope(const pl_stix_pattern *p)
{
	return p->supported ? p->scope : 0;
}

unsigned pl_stix_pattern_hashes(const pl_stix_pattern *p)
{
	return p->supported ? p->hashes : 0;
}

/* ------------------------------------------------------------------ */
/* Matching                                                            */

/* SQL LIKE: % any run, _ one UTF-8 character; fold: ASCII case-insensitive
 * (the pattern is already lower case). Linear backtracking, no allocation. */
static bool like(const uint8_t *pat, size_t pn, const char *str, bool fold)
{
	const uint8_t *s = (const uint8_t *)str;
	size_t sn = strlen(str), pi = 0, si = 0, star_p = SIZE_MAX, star_s = 0;
	while (si < sn) {
		if (pi < pn && pat[pi] == '%') {
			star_p = ++pi;
			star_s = si;
			continue;
		}
		if (pi < pn && pat[pi] == '_') {
			pi++;
			si++;
			while (si < sn && (s[si] & 0xC0) == 0x80)
				si++;
			continue;
		}
		if (pi < pn && (fold ? lower(s[si]) : s[si]) == pat[pi]) {
			pi++;
			si++;
			continue;
		}
		if (star_p == SIZE_MAX)
			return false;
		pi = star_p;
		si = ++star_s;
		while (si < sn && (s[si] & 0xC0) == 0x80)
			si = ++star_s;
	}
	while (pi < pn && pat[pi] == '%')
		pi++;
	return pi == pn;
}

enum smode { S_EXACT, S_DOMAIN, S_FOLD };

static bool str_eq(const uint8_t *l, size_t ln, const char *s, int mode)
{
	size_t sn = strlen(s);
	if (mode == S_DOMAIN && sn > 1 && s[sn - 1] == '.')
		sn--;
	if (sn != ln)
		return false;
	if (mode == S_EXACT)
		return memcmp(l, s, ln) == 0;
	for (size_t i = 0; i < ln; i++)
		if (l[i] != lower((unsigned char)s[i]))
			return false;
	return true;
}

static bool addr_in(const lit *l, const pl_obs_addr *a)
{
	if (a->family != l->family)
		return false;
	unsigned pre = l->prefix;
	size_t full = pre / 8;
	if (memcmp(a->b, l->addr, full) != 0)
		return false;
	if (pre % 8 == 0)
		return true;
	uint8_t mask = (uint8_t)(0xFF << (8 - pre % 8));
	return (a->b[full] & mask) == l->addr[full];
}

static bool int_cmp(int op, int64_t v, int64_t x)
{
	switch (op) {
	case O_EQ: return v == x;
	case O_NEQ: return v != x;
	case O_LT: return v < x;
	case O_LE: return v <= x;
	case O_GT: return v > x;
	default: return v >= x;
	}
}

/* Comparisons on one present value; the caller applies NOT. */
static bool test_str(const pl_stix_pattern *p, const node *nd, const char *s, int mode)
{
	const lit *l = &p->lits[nd->first];
	switch (nd->op) {
	case O_EQ: return str_eq(p->arena + l->off, l->len, s, mode);
	case O_NEQ: return !str_eq(p->arena + l->off, l->len, s, mode);
	case O_LIKE: return like(p->arena + l->off, l->len, s, mode != S_EXACT);
	default:
		for (uint32_t k = 0; k < nd->nlit; k++, l++)
			if (str_eq(p->arena + l->off, l->len, s, mode))
				return true;
		return false;
	}
}

static bool test_addr(const pl_stix_pattern *p, const node *nd, const pl_obs_addr *a)
{
	const lit *l = &p->lits[nd->first];
	switch (nd->op) {
	case O_EQ: case O_ISSUBSET: return addr_in(l, a);
	case O_NEQ: return !addr_in(l, a);
	default:
		for (uint32_t k = 0; k < nd->nlit; k++, l++)
			if (addr_in(l, a))
				return true;
		return false;
	}
}

static bool test_int(const pl_stix_pattern *p, const node *nd, int64_t v)
{
	const lit *l = &p->lits[nd->first];
	if (nd->op != O_IN)
		return int_cmp(nd->op, v, l->i);
	for (uint32_t k = 0; k < nd->nlit; k++, l++)
		if (v == l->i)
			return true;
	return false;
}

static bool test_digest(const pl_stix_pattern *p, const node *nd, const uint8_t *h)
{
	const lit *l = &p->lits[nd->first];
	size_t n = digest_len(nd->field);
	if (nd->op == O_EQ)
		return memcmp(p->arena + l->off, h, n) == 0;
	if (nd->op == O_NEQ)
		return memcmp(p->arena + l->off, h, n) != 0;
	for (uint32_t k = 0; k < nd->nlit; k++, l++)
		if (memcmp(p->arena + l->off, h, n) == 0)
			return true;
	return false;
}

static bool leaf_file(const pl_stix_pattern *p, const node *nd, const pl_obs_file *f)
{
	bool r;
	const uint8_t *h = NULL;
	switch (nd->field) {
	case F_NAME:
		if (f->name == NULL)
			return false;
		r = test_str(p, nd, f->name, S_EXACT);
		break;
	case F_SIZE:
		r = f->size > (uint64_t)INT64_MAX ? (nd->op == O_NEQ || nd->op == O_GT || nd->op == O_GE)
						  : test_int(p, nd, (int64_t)f->size);
		break;
	default:
		h = nd->field == F_MD5 ? f->md5 : nd->field == F_SHA1 ? f->sha1 : nd->field == F_SHA256 ? f->sha256
														: f->sha512;
		if (h == NULL)
			return false;
		r = test_digest(p, nd, h);
		break;
	}
	return nd->neg ? !r : r;
}

static bool eval_file(const pl_stix_pattern *p, uint32_t k, const pl_obs_file *f)
{
	const node *nd = &p->nodes[k];
	if (nd->kind == N_TEST)
		return leaf_file(p, nd, f);
	bool all = nd->kind == N_AND;
	for (uint32_t c = nd->first; c != NONE; c = p->nodes[c].next)
		if (eval_file(p, c, f) != all)
			return !all;
	return all;
}

static bool leaf_net(const pl_stix_pattern *p, const node *nd, const pl_obs_net *o, const void *bound)
{
	bool r;
	const pl_obs_addr *a;
	int port;
	switch (nd->field) {
	case F_IPV4: case F_IPV6:
		r = test_addr(p, nd, bound);
		break;
	case F_DOMAIN:
		r = test_str(p, nd, bound, S_DOMAIN);
		break;
	case F_URL:
		r = test_str(p, nd, bound, S_EXACT);
		break;
	case F_SRC: case F_DST:
		a = nd->field == F_SRC ? &o->src : &o->dst;
		if (a->family != 4 && a->family != 6)
			return false;
		r = test_addr(p, nd, a);
		break;
	case F_SRC_PORT: case F_DST_PORT:
		port = nd->field == F_SRC_PORT ? o->src_port : o->dst_port;
		if (port < 0)
			return false;
		r = test_int(p, nd, port);
		break;
	default: /* F_PROTO */
		if (nd->index >= 0) {
			if ((size_t)nd->index >= o->nprotocols || o->protocols[nd->index] == NULL)
				return false;
			r = test_str(p, nd, o->protocols[nd->index], S_FOLD);
			break;
		}
		for (size_t i = 0; i < o->nprotocols; i++)
			if (o->protocols[i] != NULL && test_str(p, nd, o->protocols[i], S_FOLD) != (bool)nd->neg)
				return true;
		return false;
	}
	return nd->neg ? !r : r;
}

static bool eval_net(const pl_stix_pattern *p, uint32_t k, const pl_obs_net *o, const void *bound)
{
	const node *nd = &p->nodes[k];
	if (bound == NULL) {
		/* a subtree about one kind of multi-valued object: some one object satisfies it */
		switch (nd->mask) {
		case M_IPV4:
		case M_IPV6: {
			int fam = nd->mask == M_IPV4 ? 4 : 6;
			for (size_t i = 0; i < o->naddrs; i++)
				if (o->addrs[i].family == fam && eval_net(p, k, o, &o->addrs[i]))
					return true;
			return false;
		}
		case M_DOMAIN:
			for (size_t i = 0; i < o->ndomains; i++)
				if (o->domains[i] != NULL && eval_net(p, k, o, o->domains[i]))
					return true;
			return false;
		case M_URL:
			for (size_t i = 0; i < o->nurls; i++)
				if (o->urls[i] != NULL && eval_net(p, k, o, o->urls[i]))
					return true;
			return false;
		default:
			break;
		}
	}
	if (nd->kind == N_TEST)
		return leaf_net(p, nd, o, bound);
	bool all = nd->kind == N_AND;
	for (uint32_t c = nd->first; c != NONE; c = p->nodes[c].next)
		if (eval_net(p, c, o, bound) != all)
			return !all;
	return all;
}

/* Walks the OR of observations; file selects the file or network ones. */
static bool match_obs(const pl_stix_pattern *p, uint32_t k, const pl_obs_file *f, const pl_obs_net *o)
{
	const node *nd = &p->nodes[k];
	if (nd->kind == N_OBS_OR) {
		for (uint32_t c = nd->first; c != NONE; c = p->nodes[c].next)
			if (match_obs(p, c, f, o))
				return true;
		return false;
	}
	if (f != NULL)
		return nd->mask == M_FILE && eval_file(p, nd->first, f);
	return nd->mask != M_FILE && eval_net(p, nd->first, o, NULL);
}

bool pl_stix_match_file(const pl_stix_pattern *p, const pl_obs_file *f)
{
	if (!p->supported || !(p->scope & PL_STIX_ON_FILES))
		return false;
	return match_obs(p, p->root, f, NULL);
}

bool pl_stix_match_net(const pl_stix_pattern *p, const pl_obs_net *o)
{
	if (!p->supported || !(p->scope & PL_STIX_ON_NETWORK))
		return false;
	return match_obs(p, p->root, NULL, o);
}

/* ------------------------------------------------------------------ */
/* Bundles                                                             */

const char *pl_stix_status_name(pl_stix_status s)
{
	switch (s) {
	case PL_STIX_EVALUABLE: return "evaluable";
	case PL_STIX_YARA: return "yara";
	default: return "not-evaluated";
	}
}

static char *dup_str(const char *s)
{
	if (s == NULL)
		return NULL;
	size_t n = strlen(s) + 1;
	char *r = malloc(n);
	if (r)
		memcpy(r, s, n);
	return r;
}

static void indicator_release(pl_stix_indicator *in)
{
	free(in->id);
	free(in->name);
	free(in->pattern);
	free(in->pattern_type);
	free(in->valid_from);
	free(in->why_buf);
	pl_stix_pattern_free(in->compiled);
	memset(in, 0, sizeof *in);
}

void pl_stix_bundle_release(pl_stix_bundle *b)
{
	if (b == NULL)
		return;
	for (size_t i = 0; i < b->nindicators; i++)
		indicator_release(&b->indicators[i]);
	free(b->indicators);
	free(b->id);
	memset(b, 0, sizeof *b);
}

/* A string field of object i, with a sentence naming the object. */
static int obj_str(const json_t *o, const char *key, size_t max, bool required, size_t i, const char *id,
		   const char **out, pl_diag *d)
{
	*out = NULL;
	json_t *v = json_object_get(o, key);
	if (v == NULL) {
		if (!required)
			return PL_OK;
		return pl_diag_set(d, PL_EFORMAT, "STIX bundle: object %zu (%.80s) lacks \"%s\"", i, id, key);
	}
	if (!json_is_string(v))
		return pl_diag_set(d, PL_EFORMAT, "STIX bundle: object %zu (%.80s): \"%s\" must be a string", i, id, key);
	size_t n = json_string_length(v);
	if (n == 0)
		return pl_diag_set(d, PL_EFORMAT, "STIX bundle: object %zu (%.80s): \"%s\" is empty", i, id, key);
	if (n > max)
		return pl_diag_set(d, PL_ETOOBIG, "STIX bundle: object %zu (%.80s): \"%s\" is over %zu bytes", i, id, key,
				   max);
	if (strlen(json_string_value(v)) != n)
		return pl_diag_set(d, PL_EFORMAT, "STIX bundle: object %zu (%.80s): \"%s\" holds a NUL byte", i, id, key);
	*out = json_string_value(v);
	return PL_OK;
}

static int parse_indicator(const json_t *o, size_t i, const char *id, pl_stix_indicator *in, pl_diag *d)
{
	const char *name, *pattern, *ptype, *vf;
	int rc;
	if ((rc = obj_str(o, "name", PL_STIX_NAME_MAX, false, i, id, &name, d)) != PL_OK ||
	    (rc = obj_str(o, "pattern", PL_STIX_PATTERN_MAX, true, i, id, &pattern, d)) != PL_OK ||
	    (rc = obj_str(o, "pattern_type", 64, true, i, id, &ptype, d)) != PL_OK ||
	    (rc = obj_str(o, "valid_from", 64, true, i, id, &vf, d)) != PL_OK)
		return rc;
	if (!pl_stix_timestamp_ok(vf, strlen(vf)))
		return pl_diag_set(d, PL_EFORMAT,
				   "STIX bundle: indicator %.80s: \"valid_from\" must be a timestamp like "
				   "2026-01-31T12:00:00.000Z",
				   id);
	in->id = dup_str(id);
	in->name = dup_str(name);
	in->pattern = dup_str(pattern);
	in->pattern_type = dup_str(ptype);
	in->valid_from = dup_str(vf);
	if (in->id == NULL || (name && in->name == NULL) || in->pattern == NULL || in->pattern_type == NULL ||
	    in->valid_from == NULL)
		return pl_diag_set(d, PL_ENOMEM, "out of memory reading a STIX bundle");
	if (strcmp(ptype, "stix") == 0) {
		pl_diag pd = {0};
		rc = pl_stix_pattern_compile(pattern, strlen(pattern), &in->compiled, &pd);
		if (rc != PL_OK)
			return pl_diag_set(d, rc, "STIX bundle: indicator %.80s: %s", id, pl_diag_text(&pd, rc));
		const char *why;
		in->status = pl_stix_pattern_supported(in->compiled, &why) ? PL_STIX_EVALUABLE : PL_STIX_NOT_EVALUATED;
		in->why = why;
		return PL_OK;
	}
	if (strcmp(ptype, "yara") == 0) {
		in->status = PL_STIX_YARA;
		in->why = "";
		return PL_OK;
	}
	in->status = PL_STIX_NOT_EVALUATED;
	size_t wn = strlen(ptype) + 64;
	in->why_buf = malloc(wn);
	if (in->why_buf == NULL)
		return pl_diag_set(d, PL_ENOMEM, "out of memory reading a STIX bundle");
	snprintf(in->why_buf, wn, "the pattern_type \"%s\" is not evaluated by Parley", ptype);
	in->why = in->why_buf;
	return PL_OK;
}

int pl_stix_bundle_parse(const uint8_t *p, size_t n, pl_stix_bundle *out, pl_diag *d)
{
	if (out != NULL)
		memset(out, 0, sizeof *out);
	if (out == NULL || (p == NULL && n > 0))
		return pl_diag_set(d, PL_EINVAL, "pl_stix_bundle_parse: no input or no output");
	json_t *root = NULL;
	pl_stix_bundle b = {0};
	pl_diag jd = {0};
	int rc = pl_json_parse(p ? p : (const uint8_t *)"", n, PL_STIX_BUNDLE_MAX, &root, &jd);
	if (rc != PL_OK) {
		rc = pl_diag_set(d, rc, "STIX bundle: %s", pl_diag_text(&jd, rc));
		goto out;
	}
	static const char *const allowed[] = {"type", "id", "objects", NULL};
	static const char *const required[] = {"type", "id", NULL};
	const char *type = json_string_value(json_object_get(root, "type"));
	if (json_is_object(root) && (type == NULL || strcmp(type, "bundle") != 0)) {
		rc = pl_diag_set(d, PL_EFORMAT, "STIX bundle: not a bundle (\"type\" must be \"bundle\")");
		goto out;
	}
	if ((rc = pl_json_keys(root, allowed, required, "the STIX bundle", &jd)) != PL_OK) {
		rc = pl_diag_set(d, rc, "%s", pl_diag_text(&jd, rc));
		goto out;
	}
	const json_t *jid = json_object_get(root, "id");
	const char *bid = json_string_value(jid);
	if (bid == NULL || !pl_stix_id_ok(bid, json_string_length(jid), "bundle")) {
		rc = pl_diag_set(d, PL_EFORMAT, "STIX bundle: \"id\" must be bundle--<uuid>");
		goto out;
	}
	const json_t *objs = json_object_get(root, "objects");
	if (objs != NULL && !json_is_array(objs)) {
		rc = pl_diag_set(d, PL_EFORMAT, "STIX bundle: \"objects\" must be an array");
		goto out;
	}
	size_t nobj = objs ? json_array_size(objs) : 0;
	if (nobj > PL_STIX_OBJECTS_MAX) {
		rc = pl_diag_set(d, PL_ETOOBIG, "STIX bundle: %zu objects is over the limit of %d", nobj,
				 PL_STIX_OBJECTS_MAX);
		goto out;
	}
	size_t nind = 0;
	for (size_t i = 0; i < nobj; i++) {
		const json_t *o = json_array_get(objs, i);
		const char *t = json_string_value(json_object_get(o, "type"));
		if (t && strcmp(t, "indicator") == 0)
			nind++;
	}
	if (nind) {
		b.indicators = calloc(nind, sizeof *b.indicators);
		if (b.indicators == NULL) {
			rc = pl_diag_set(d, PL_ENOMEM, "out of memory reading a STIX bundle");
			goto out;
		}
	}
	b.id = dup_str(bid);
	if (b.id == NULL) {
		rc = pl_diag_set(d, PL_ENOMEM, "out of memory reading a STIX bundle");
		goto out;
	}
	for (size_t i = 0; i < nobj; i++) {
		const json_t *o = json_array_get(objs, i);
		if (!json_is_object(o)) {
			rc = pl_diag_set(d, PL_EFORMAT, "STIX bundle: object %zu is not a JSON object", i);
			goto out;
		}
		const json_t *jt = json_object_get(o, "type"), *ji = json_object_get(o, "id");
		const char *t = json_string_value(jt), *id = json_string_value(ji);
		if (t == NULL || json_string_length(jt) == 0) {
			rc = pl_diag_set(d, PL_EFORMAT, "STIX bundle: object %zu lacks a string \"type\"", i);
			goto out;
		}
		/* the id's type part is checked for form, and must be the object's type */
		if (id == NULL || strlen(t) != json_string_length(jt) || !pl_stix_id_ok(id, json_string_length(ji), NULL) ||
		    !pl_stix_id_ok(id, json_string_length(ji), t)) {
			rc = pl_diag_set(d, PL_EFORMAT, "STIX bundle: object %zu (type %.64s) needs an \"id\" %.64s--<uuid>",
					 i, t, t);
			goto out;
		}
		if (strcmp(t, "indicator") != 0) {
			b.nother++;
			continue;
		}
		if ((rc = parse_indicator(o, i, id, &b.indicators[b.nindicators++], d)) != PL_OK)
			goto out;
	}
	b.nobjects = nobj;
	*out = b;
	memset(&b, 0, sizeof b);
	rc = PL_OK;
out:
	pl_stix_bundle_release(&b);
	json_decref(root);
	return rc;
}
