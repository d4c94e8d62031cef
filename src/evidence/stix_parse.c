/*
 * stix_parse.c - the grammar of the STIX 2.1 patterning language, by recursive
 * descent over the lexer's tokens: object paths, literals, comparisons joined
 * by AND/OR/parentheses, observation expressions with their qualifiers, and
 * observation operators (AND binds tightest, then OR, then FOLLOWEDBY). It
 * builds the compiled tree (stix_ast.c) and binds each comparison to its
 * property (stix_props.c); whether the whole is evaluated is decided
 * afterwards (stix_subset.c).
 */
#include "evidence/stix_internal.h"

#include <stdio.h>

/* ------------------------------------------------------------------ */
/* Comparison expressions                                              */

/* An object path: type ':' key (('.' key) | '[' index ']')*. */
static int parse_path(stix_parser *ps, stix_path *pa)
{
	int rc;
	pa->nc = 0;
	if (ps->cur.t != T_IDENT && ps->cur.t != T_IDENT_H)
		return stix_fail(ps, ps->cur.pos, "expected an object path such as file:name");
	pa->tpos = ps->cur.pos;
	pa->tlen = ps->cur.len;
	if ((rc = stix_lex(ps)) != PL_OK || (rc = stix_expect(ps, T_COLON, "':' after the object type")) != PL_OK)
		return rc;
	bool firstc = true;
	for (;;) {
		stix_comp c = {0};
		if (!firstc && ps->cur.t == T_LBRACK) {
			c.index = true;
			if ((rc = stix_lex(ps)) != PL_OK)
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
					return stix_fail(ps, ps->cur.pos, "a list index is too large");
				int64_t v = 0;
				for (size_t k = 0; k < qn; k++)
					v = v * 10 + (q[k] - '0');
				c.idx = neg ? -v : v;
			} else {
				return stix_fail(ps, ps->cur.pos, "expected an index or '*' inside '[ ]' of an object path");
			}
			if ((rc = stix_lex(ps)) != PL_OK || (rc = stix_expect(ps, T_RBRACK, "']' after a list index")) != PL_OK)
				return rc;
		} else if (firstc || ps->cur.t == T_DOT) {
			if (!firstc && (rc = stix_lex(ps)) != PL_OK)
				return rc;
			if (ps->cur.t == T_IDENT) {
				if ((rc = stix_arena_add(ps, ps->s + ps->cur.pos, ps->cur.len, &c.off)) != PL_OK)
					return rc;
				c.n = (uint32_t)ps->cur.len;
			} else if (ps->cur.t == T_STRING) {
				c.quoted = true;
				if ((rc = stix_unquote(ps, ps->cur.pos, ps->cur.len, &c.off, &c.n)) != PL_OK)
					return rc;
			} else if (ps->cur.t == T_IDENT_H) {
				return stix_fail(ps, ps->cur.pos, "a property name with '-' must be quoted");
			} else {
				return stix_fail(ps, ps->cur.pos, "expected a property name");
			}
			if ((rc = stix_lex(ps)) != PL_OK)
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
static int parse_literal(stix_parser *ps, bool bool_ok, const char *what)
{
	pl_stix_pattern *p = ps->p;
	int rc;
	stix_tok t = ps->cur;
	stix_lit *l;
	if ((rc = stix_reserve_lit(ps, &l)) != PL_OK)
		return rc;
	const char *s = ps->s + t.pos;
	switch (t.t) {
	case T_STRING: {
		uint32_t off, n;
		if ((rc = stix_unquote(ps, t.pos, t.len, &off, &n)) != PL_OK)
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
				return stix_fail(ps, t.pos, "an integer is out of range");
			v = v * 10 + (uint64_t)(s[k] - '0');
		}
		if (v > (neg ? (UINT64_C(1) << 63) : (uint64_t)INT64_MAX))
			return stix_fail(ps, t.pos, "an integer is out of range");
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
			return stix_fail(ps, t.pos, "true and false cannot be ordered");
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
				buf[x] = (uint8_t)(stix_hexval((unsigned char)s[2 + 2 * (k + x)]) << 4 |
						   stix_hexval((unsigned char)s[3 + 2 * (k + x)]));
			if ((rc = stix_arena_add(ps, buf, m, &off)) != PL_OK)
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
		snprintf(m, sizeof m, "expected %s, found %s", what, stix_tok_name(t.t));
		return stix_fail(ps, t.pos, m);
	}
	}
	p->nlits++;
	return stix_lex(ps);
}

static int parse_cmp_or(stix_parser *ps, uint32_t *out);

/* One more level of brackets or parentheses. */
static int enter(stix_parser *ps)
{
	if (++ps->depth > PL_STIX_DEPTH_MAX)
		return pl_diag_set(ps->d, PL_ETOOBIG, "STIX pattern: nested deeper than %d levels at offset %zu",
				   PL_STIX_DEPTH_MAX, ps->cur.pos);
	return PL_OK;
}

/* test := ( cmpOr ) | [NOT] EXISTS path | path [NOT] op value(s) */
static int parse_test(stix_parser *ps, uint32_t *out)
{
	int rc;
	size_t pos = ps->cur.pos;
	if (ps->cur.t == T_LPAREN) {
		if ((rc = enter(ps)) != PL_OK || (rc = stix_lex(ps)) != PL_OK || (rc = parse_cmp_or(ps, out)) != PL_OK ||
		    (rc = stix_expect(ps, T_RPAREN, "')' closing a comparison group")) != PL_OK)
			return rc;
		ps->depth--;
		return PL_OK;
	}
	stix_path pa;
	uint32_t k;
	bool neg = false;
	int op;
	if (ps->cur.t == T_NOT || ps->cur.t == T_EXISTS) {
		if (ps->cur.t == T_NOT) {
			neg = true;
			if ((rc = stix_lex(ps)) != PL_OK)
				return rc;
			if (ps->cur.t != T_EXISTS)
				return stix_fail(ps, ps->cur.pos, "NOT before a comparison must be followed by EXISTS");
		}
		if ((rc = stix_lex(ps)) != PL_OK || (rc = parse_path(ps, &pa)) != PL_OK)
			return rc;
		op = O_EXISTS;
	} else {
		if ((rc = parse_path(ps, &pa)) != PL_OK)
			return rc;
		if (ps->cur.t == T_NOT) {
			neg = true;
			if ((rc = stix_lex(ps)) != PL_OK)
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
			snprintf(m, sizeof m, "expected a comparison operator, found %s", stix_tok_name(ps->cur.t));
			return stix_fail(ps, ps->cur.pos, m);
		}
		}
		if ((rc = stix_lex(ps)) != PL_OK)
			return rc;
	}
	if ((rc = stix_new_node(ps, N_TEST, pos, &k)) != PL_OK)
		return rc;
	uint32_t first = (uint32_t)ps->p->nlits;
	if (op == O_IN) {
		if ((rc = stix_expect(ps, T_LPAREN, "'(' opening the set after IN")) != PL_OK)
			return rc;
		if (ps->cur.t != T_RPAREN) {
			for (;;) {
				if ((rc = parse_literal(ps, true, "a value in the set")) != PL_OK)
					return rc;
				if (ps->cur.t != T_COMMA)
					break;
				if ((rc = stix_lex(ps)) != PL_OK)
					return rc;
			}
		}
		if ((rc = stix_expect(ps, T_RPAREN, "')' or ',' in the set after IN")) != PL_OK)
			return rc;
	} else if (op == O_LIKE || op == O_MATCHES || op == O_ISSUBSET || op == O_ISSUPERSET) {
		if (ps->cur.t != T_STRING) {
			char m[128];
			snprintf(m, sizeof m, "%s takes a string, found %s", stix_op_names[op], stix_tok_name(ps->cur.t));
			return stix_fail(ps, ps->cur.pos, m);
		}
		if ((rc = parse_literal(ps, false, "a string")) != PL_OK)
			return rc;
	} else if (op != O_EXISTS) {
		if ((rc = parse_literal(ps, op == O_EQ || op == O_NEQ, "a value")) != PL_OK)
			return rc;
	}
	stix_node *nd = &ps->p->nodes[k];
	nd->op = (uint8_t)op;
	nd->neg = neg;
	nd->first = first;
	nd->nlit = (uint32_t)(ps->p->nlits - first);
	if ((rc = stix_bind_test(ps, &pa, k)) != PL_OK)
		return rc;
	*out = k;
	return PL_OK;
}

/* cmpAnd := test (AND test)* ; cmpOr := cmpAnd (OR cmpAnd)* */
static int parse_cmp_and(stix_parser *ps, uint32_t *out)
{
	uint32_t first, last;
	int rc = parse_test(ps, &first);
	last = first;
	while (rc == PL_OK && ps->cur.t == T_AND) {
		uint32_t k;
		if ((rc = stix_lex(ps)) != PL_OK || (rc = parse_test(ps, &k)) != PL_OK)
			return rc;
		ps->p->nodes[last].next = k;
		last = k;
	}
	if (rc != PL_OK)
		return rc;
	return stix_chain(ps, N_AND, first, out);
}

static int parse_cmp_or(stix_parser *ps, uint32_t *out)
{
	uint32_t first, last;
	int rc = parse_cmp_and(ps, &first);
	last = first;
	while (rc == PL_OK && ps->cur.t == T_OR) {
		uint32_t k;
		if ((rc = stix_lex(ps)) != PL_OK || (rc = parse_cmp_and(ps, &k)) != PL_OK)
			return rc;
		ps->p->nodes[last].next = k;
		last = k;
	}
	if (rc != PL_OK)
		return rc;
	return stix_chain(ps, N_OR, first, out);
}

/* ------------------------------------------------------------------ */
/* Parser: observation expressions                                     */

static int parse_obs_expr(stix_parser *ps, uint32_t *out);

/* unit := ( [ cmpOr ] | ( obsExpr ) ) qualifier* */
static int parse_obs_unit(stix_parser *ps, uint32_t *out)
{
	int rc;
	size_t pos = ps->cur.pos;
	uint32_t k;
	if (ps->cur.t == T_LBRACK) {
		uint32_t c;
		if ((rc = enter(ps)) != PL_OK || (rc = stix_lex(ps)) != PL_OK || (rc = parse_cmp_or(ps, &c)) != PL_OK ||
		    (rc = stix_expect(ps, T_RBRACK, "']' closing the observation expression")) != PL_OK)
			return rc;
		ps->depth--;
		if ((rc = stix_new_node(ps, N_OBS, pos, &k)) != PL_OK)
			return rc;
		ps->p->nodes[k].first = c;
		ps->p->nodes[k].mask = ps->p->nodes[c].mask;
	} else if (ps->cur.t == T_LPAREN) {
		if ((rc = enter(ps)) != PL_OK || (rc = stix_lex(ps)) != PL_OK || (rc = parse_obs_expr(ps, &k)) != PL_OK ||
		    (rc = stix_expect(ps, T_RPAREN, "')' closing a group of observation expressions")) != PL_OK)
			return rc;
		ps->depth--;
	} else {
		char m[128];
		snprintf(m, sizeof m, "expected '[' or '(' starting an observation expression, found %s",
			 stix_tok_name(ps->cur.t));
		return stix_fail(ps, ps->cur.pos, m);
	}
	/* qualifiers */
	for (;;) {
		int q;
		size_t qpos = ps->cur.pos;
		if (ps->cur.t == T_WITHIN) {
			q = Q_WITHIN;
			if ((rc = stix_lex(ps)) != PL_OK)
				return rc;
			if (ps->cur.t != T_INT_POS && ps->cur.t != T_FLOAT_POS)
				return stix_fail(ps, ps->cur.pos, "WITHIN takes a positive number of seconds");
			if ((rc = stix_lex(ps)) != PL_OK || (rc = stix_expect(ps, T_SECONDS, "SECONDS after WITHIN n")) != PL_OK)
				return rc;
		} else if (ps->cur.t == T_REPEATS) {
			q = Q_REPEATS;
			if ((rc = stix_lex(ps)) != PL_OK)
				return rc;
			if (ps->cur.t != T_INT_POS)
				return stix_fail(ps, ps->cur.pos, "REPEATS takes a positive integer");
			if ((rc = stix_lex(ps)) != PL_OK || (rc = stix_expect(ps, T_TIMES, "TIMES after REPEATS n")) != PL_OK)
				return rc;
		} else if (ps->cur.t == T_START) {
			q = Q_STARTSTOP;
			if ((rc = stix_lex(ps)) != PL_OK || (rc = stix_expect(ps, T_TS, "a timestamp t'...' after START")) != PL_OK ||
			    (rc = stix_expect(ps, T_STOP, "STOP after START t'...'")) != PL_OK ||
			    (rc = stix_expect(ps, T_TS, "a timestamp t'...' after STOP")) != PL_OK)
				return rc;
		} else {
			break;
		}
		uint32_t w;
		if ((rc = stix_new_node(ps, N_QUAL, qpos, &w)) != PL_OK)
			return rc;
		ps->p->nodes[w].op = (uint8_t)q;
		ps->p->nodes[w].first = k;
		k = w;
	}
	*out = k;
	return PL_OK;
}

/* A left-associative chain of units joined by the operator token t. */
static int parse_obs_level(stix_parser *ps, int level, uint32_t *out)
{
	static const int toks[] = {T_FOLLOWEDBY, T_OR, T_AND};
	static const int kinds[] = {N_FBY, N_OBS_OR, N_OBS_AND};
	uint32_t first, last;
	int rc = level == 2 ? parse_obs_unit(ps, &first) : parse_obs_level(ps, level + 1, &first);
	last = first;
	while (rc == PL_OK && ps->cur.t == toks[level]) {
		uint32_t k;
		if ((rc = stix_lex(ps)) != PL_OK)
			return rc;
		rc = level == 2 ? parse_obs_unit(ps, &k) : parse_obs_level(ps, level + 1, &k);
		if (rc != PL_OK)
			return rc;
		ps->p->nodes[last].next = k;
		last = k;
	}
	if (rc != PL_OK)
		return rc;
	if (ps->p->nodes[first].next == STIX_NONE) {
		*out = first;
		return PL_OK;
	}
	uint32_t k;
	if ((rc = stix_new_node(ps, kinds[level], ps->p->nodes[first].pos, &k)) != PL_OK)
		return rc;
	ps->p->nodes[k].first = first;
	*out = k;
	return PL_OK;
}

static int parse_obs_expr(stix_parser *ps, uint32_t *out)
{
	return parse_obs_level(ps, 0, out);
}

/* ------------------------------------------------------------------ */
/* The whole pattern                                                   */

int stix_parse(stix_parser *ps)
{
	int rc = stix_lex(ps);
	if (rc != PL_OK)
		return rc;
	if (ps->cur.t == T_EOF)
		return stix_fail(ps, 0, "the pattern is empty");
	if ((rc = parse_obs_expr(ps, &ps->p->root)) != PL_OK)
		return rc;
	if (ps->cur.t != T_EOF) {
		char m[128];
		snprintf(m, sizeof m, "unexpected %s after the pattern", stix_tok_name(ps->cur.t));
		return stix_fail(ps, ps->cur.pos, m);
	}
	return PL_OK;
}
