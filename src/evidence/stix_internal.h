/*
 * stix_internal.h - what the files of the STIX pattern compiler share; private
 * to src/evidence/stix_*.c (callers use stix.h, which this header does not
 * change).
 *
 * The compiler is split along one-way dependencies (each file uses only the
 * ones above it):
 *   stix_lex.c      tokens of the patterning language; STIX timestamps;
 *   stix_ast.c      the compiled form's storage: nodes, literals, the byte arena;
 *   stix_props.c    binding one comparison to a property Parley evaluates (or
 *                   the sentence why it is not evaluated) and preparing its
 *                   literals;
 *   stix_parse.c    the grammar: text to compiled form;
 *   stix_subset.c   deciding whether Parley evaluates a parsed pattern, what it
 *                   needs to see, and the accessors that report it;
 *   stix_pattern.c  pl_stix_pattern_compile and pl_stix_pattern_free;
 *   stix_match.c    evaluating a supported pattern on a file or a packet (uses
 *                   only this header);
 *   stix_bundle.c   STIX 2.1 bundles and their indicators; identifiers.
 *
 * The compiled form is a tree kept in arrays: nodes (observation operators,
 * qualifiers, observation expressions, comparison operators and comparisons)
 * refer to each other by index, a comparison to its literals by index into
 * lits, and literals to their bytes by offset into the arena. STIX_NONE ends a
 * sibling list. While compiling, the only memory allocated is the pattern's
 * own, and every failure is reported through the parser's pl_diag.
 */
#ifndef PARLEY_EVIDENCE_STIX_INTERNAL_H
#define PARLEY_EVIDENCE_STIX_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "base/sizes.h"
#include "evidence/stix.h"

/* ------------------------------------------------------------------ */
/* Small text helpers (ASCII only; no locale)                          */

static inline bool stix_is_digit(int c) { return c >= '0' && c <= '9'; }
static inline bool stix_is_alpha(int c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
static inline bool stix_is_hex(int c)
{
	return stix_is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}
static inline int stix_lower(int c) { return c >= 'A' && c <= 'Z' ? c + 32 : c; }

/* The value of the hex digit c (c must be one). */
static inline int stix_hexval(int c)
{
	if (stix_is_digit(c))
		return c - '0';
	return stix_lower(c) - 'a' + 10;
}

/* True if s[0..n) equals the C string w, byte for byte. */
static inline bool stix_seq(const char *s, size_t n, const char *w)
{
	return strlen(w) == n && memcmp(s, w, n) == 0;
}

/* True if s[0..n) equals the C string w, ASCII case-insensitively. */
static inline bool stix_ieq(const char *s, size_t n, const char *w)
{
	size_t m = strlen(w);
	if (m != n)
		return false;
	for (size_t i = 0; i < n; i++)
		if (stix_lower((unsigned char)s[i]) != stix_lower((unsigned char)w[i]))
			return false;
	return true;
}

/* ------------------------------------------------------------------ */
/* The compiled form                                                   */

#define STIX_NONE UINT32_MAX /* no node: the end of a sibling list, no child */

/* Node kinds: observation operators (FOLLOWEDBY, OR, AND), a qualifier, one
 * observation expression [ ... ], comparison operators (OR, AND) and one
 * comparison. */
enum nkind { N_FBY, N_OBS_OR, N_OBS_AND, N_QUAL, N_OBS, N_OR, N_AND, N_TEST };
enum qual { Q_WITHIN, Q_REPEATS, Q_STARTSTOP };
enum op { O_EQ, O_NEQ, O_LT, O_LE, O_GT, O_GE, O_IN, O_LIKE, O_MATCHES, O_ISSUBSET, O_ISSUPERSET, O_EXISTS };

/* The operators' names as written in a pattern, indexed by enum op
 * (stix_ast.c). */
extern const char *const stix_op_names[];

/* The properties Parley evaluates; F_OTHER: any other (not evaluated). */
enum field {
	F_OTHER, F_NAME, F_SIZE, F_MD5, F_SHA1, F_SHA256, F_SHA512, F_IPV4, F_IPV6, F_DOMAIN, F_URL,
	F_SRC, F_DST, F_SRC_PORT, F_DST_PORT, F_PROTO,
};
/* Object types, as bits (node mask). */
enum { M_FILE = 1, M_IPV4 = 2, M_IPV6 = 4, M_DOMAIN = 8, M_URL = 16, M_NT = 32 };

/* The object type (M_*) a property belongs to; 0 for F_OTHER. */
static inline unsigned stix_field_mask(int f)
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

/* Bytes of the digest a hash property holds (16, 20, 32, 64); 0 for others. */
static inline size_t stix_digest_len(int f)
{
	return f == F_MD5 ? PL_MD5_SIZE : f == F_SHA1 ? PL_SHA1_SIZE : f == F_SHA256 ? PL_SHA256_SIZE
	       : f == F_SHA512 ? PL_SHA512_SIZE : 0;
}

enum ltype { L_STR, L_INT, L_FLOAT, L_BOOL, L_BIN, L_HEX, L_TS };

typedef struct stix_node {
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
} stix_node;

typedef struct stix_lit {
	uint8_t type;   /* enum ltype */
	uint8_t family; /* prepared address: 4 or 6 */
	uint8_t prefix; /* prepared address: prefix length */
	int64_t i;      /* L_INT, L_BOOL */
	uint32_t off, len; /* bytes in the arena: string (unescaped), binary, digest */
	uint8_t addr[16];
} stix_lit;

/* Sentences held by a pattern or a parser (the reason it is not evaluated). */
#define STIX_WHY_MAX 256

struct pl_stix_pattern {
	stix_node *nodes;
	size_t nnodes, capn;
	stix_lit *lits;
	size_t nlits, capl;
	uint8_t *arena;
	size_t narena, capa;
	uint32_t root;
	bool supported;
	unsigned scope, hashes;
	char why[STIX_WHY_MAX];
};

/* ------------------------------------------------------------------ */
/* Tokens and the parser's state                                       */

enum tok {
	T_EOF, T_LBRACK, T_RBRACK, T_LPAREN, T_RPAREN, T_COLON, T_DOT, T_COMMA, T_STAR,
	T_EQ, T_NEQ, T_LT, T_LE, T_GT, T_GE,
	T_AND, T_OR, T_NOT, T_FOLLOWEDBY, T_LIKE, T_MATCHES, T_ISSUPERSET, T_ISSUBSET, T_EXISTS, T_LAST, T_IN,
	T_START, T_STOP, T_SECONDS, T_TRUE, T_FALSE, T_WITHIN, T_REPEATS, T_TIMES,
	T_IDENT, T_IDENT_H, T_STRING, T_INT_POS, T_INT_NEG, T_FLOAT_POS, T_FLOAT_NEG, T_BIN, T_HEX, T_TS,
};

/* One token: its kind (enum tok) and where it is in the text. */
typedef struct stix_tok {
	int t;
	size_t pos, len;
} stix_tok;

/* The state of one compilation. s[0..n) is the whole pattern text (valid
 * UTF-8 without NUL bytes, checked before parsing); i is where the lexer
 * continues; cur is the lookahead token. p is the pattern being built, d
 * receives the error sentence (may be NULL). leaf_why holds the first
 * comparison outside the subset ("" while there is none). */
typedef struct stix_parser {
	const char *s;
	size_t n, i;
	stix_tok cur;
	pl_stix_pattern *p;
	pl_diag *d;
	int depth; /* open brackets and parentheses */
	char leaf_why[STIX_WHY_MAX];
} stix_parser;

/* ------------------------------------------------------------------ */
/* Lexer (stix_lex.c)                                                  */

/* Sets d to PL_EFORMAT "STIX pattern: <what> at offset <pos>" and returns
 * PL_EFORMAT. */
int stix_fail(stix_parser *ps, size_t pos, const char *what);

/* How a token kind is named in sentences ("'['", "AND", "a string", ...);
 * never NULL, static. */
const char *stix_tok_name(int t);

/*
 * Reads the next token into ps->cur, skipping white space (ASCII and the
 * Unicode spaces STIX lists) and comments. Literal tokens are checked for
 * form here (string escapes, numbers, h'..', b'..', t'..'); their values are
 * read by the parser. Errors: PL_EFORMAT with the offset and what is wrong;
 * ps->cur is then unchanged.
 */
int stix_lex(stix_parser *ps);

/* If the lookahead is t, reads the next token; else PL_EFORMAT
 * "expected <what>, found <token>". */
int stix_expect(stix_parser *ps, int t, const char *what);

/* ------------------------------------------------------------------ */
/* The compiled form's storage (stix_ast.c)                            */
/*
 * Each function grows the pattern ps->p as needed; on an allocation failure
 * it returns PL_ENOMEM with "out of memory compiling a STIX pattern" and the
 * pattern is left as it was (still freed by pl_stix_pattern_free). Indices
 * and offsets stay valid as the arrays grow; pointers into them do not.
 */

/* Appends a node of the given kind at byte offset pos, with no children, no
 * sibling and index -1; *out receives its index. */
int stix_new_node(stix_parser *ps, int kind, size_t pos, uint32_t *out);

/* Makes room for one more literal and zeroes it: *out points at
 * ps->p->lits[ps->p->nlits], which the caller fills and then counts by
 * incrementing nlits. */
int stix_reserve_lit(stix_parser *ps, stix_lit **out);

/* Appends b[0..n) to the arena (plus room for one more byte); *off receives
 * where it starts. */
int stix_arena_add(stix_parser *ps, const void *b, size_t n, uint32_t *off);

/* Appends the unescaped body of the quoted string token at s[pos..pos+len)
 * (a token stix_lex accepted) to the arena: *off and *n receive where. */
int stix_unquote(stix_parser *ps, size_t pos, size_t len, uint32_t *off, uint32_t *n);

/* Joins the sibling list starting at node first under a new node of the given
 * kind (N_AND or N_OR) whose mask is the union of the children's; a list of
 * one is returned as it is. *out receives the node. */
int stix_chain(stix_parser *ps, int kind, uint32_t first, uint32_t *out);

/* Lower-cases (ASCII) the arena bytes of literal l in place. */
void stix_arena_lower(pl_stix_pattern *p, const stix_lit *l);

/* ------------------------------------------------------------------ */
/* Properties (stix_props.c)                                           */

/* One step of an object path: a key (name or quoted string) or a list index. */
typedef struct stix_comp {
	bool index;      /* an [n] or [*] step */
	bool quoted;
	int64_t idx;     /* the index; -1 with star */
	bool star;
	uint32_t off, n; /* a key, in the arena */
} stix_comp;

/* An object path such as file:hashes.'SHA-256'. */
typedef struct stix_path {
	size_t tpos, tlen; /* the object type in the text */
	stix_comp c[PL_STIX_PATH_MAX];
	size_t nc;
} stix_path;

/*
 * Binds the comparison node k (its op, neg and literals already set) to the
 * property path pa names: sets its field, index and mask. A path Parley does
 * not evaluate, EXISTS, or an operator not evaluated on that property leaves
 * field F_OTHER and, if it is the first such comparison, puts the reason in
 * ps->leaf_why; that is not an error. On a property Parley evaluates, the
 * literals are checked and prepared for matching (digests decoded, addresses
 * parsed, domain names and protocols lower-cased). Errors: PL_EFORMAT for a
 * literal that cannot be a value of the property, the sentence naming the
 * path and what it compares with.
 */
int stix_bind_test(stix_parser *ps, const stix_path *pa, uint32_t k);

/* ------------------------------------------------------------------ */
/* Parser (stix_parse.c)                                               */

/*
 * Parses the whole text ps->s[0..n) as one pattern into ps->p (ps->i at 0, no
 * token read yet), setting ps->p->root. Errors: PL_EFORMAT (the text is not a
 * STIX pattern, or a literal that cannot be a value of its property; the
 * sentence gives the offset), PL_ETOOBIG (nesting deeper than
 * PL_STIX_DEPTH_MAX, a path longer than PL_STIX_PATH_MAX), PL_ENOMEM. The
 * pattern is freed by the caller in every case.
 */
int stix_parse(stix_parser *ps);

/* ------------------------------------------------------------------ */
/* The subset (stix_subset.c)                                          */

/*
 * Decides whether Parley evaluates the parsed pattern p, given leaf_why (the
 * parser's STIX_WHY_MAX bytes: the first comparison outside the subset it
 * met, "" if none): sets p->supported and, when not, p->why (the first
 * reason in the order observation operators and qualifiers, comparisons,
 * object types); when supported, sets p->scope and p->hashes. Cannot fail.
 */
void stix_subset_decide(pl_stix_pattern *p, const char leaf_why[STIX_WHY_MAX]);

#endif
