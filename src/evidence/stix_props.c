/*
 * stix_props.c - the object properties Parley evaluates, at the level of one
 * comparison: which property an object path names (file name, size and
 * hashes; address, domain-name and URL values; network-traffic addresses,
 * ports and protocols), which operators are evaluated on each and, when a
 * comparison is outside the subset, the sentence why; and checking and
 * preparing the literals a comparison on such a property compares with.
 */
#include "evidence/stix_internal.h"

#include <arpa/inet.h>
#include <stdarg.h>
#include <stdio.h>

static bool key_is(const stix_parser *ps, const stix_comp *c, const char *w)
{
	return !c->index && stix_seq((const char *)ps->p->arena + c->off, c->n, w);
}

/* The property the path names (F_OTHER: one Parley does not evaluate); *index
 * receives the list index of network-traffic:protocols[n] (-1 for [*]). */
static int resolve(const stix_parser *ps, const stix_path *pa, int32_t *index)
{
	const char *t = ps->s + pa->tpos;
	size_t tn = pa->tlen, nc = pa->nc;
	const stix_comp *c = pa->c;
	*index = -1;
	if (stix_seq(t, tn, "file")) {
		if (nc == 1 && key_is(ps, &c[0], "name"))
			return F_NAME;
		if (nc == 1 && key_is(ps, &c[0], "size"))
			return F_SIZE;
		if (nc == 2 && key_is(ps, &c[0], "hashes") && !c[1].index) {
			const char *h = (const char *)ps->p->arena + c[1].off;
			size_t hn = c[1].n;
			if (stix_ieq(h, hn, "MD5"))
				return F_MD5;
			if (stix_ieq(h, hn, "SHA-1") || stix_ieq(h, hn, "SHA1"))
				return F_SHA1;
			if (stix_ieq(h, hn, "SHA-256") || stix_ieq(h, hn, "SHA256"))
				return F_SHA256;
			if (stix_ieq(h, hn, "SHA-512") || stix_ieq(h, hn, "SHA512"))
				return F_SHA512;
		}
		return F_OTHER;
	}
	if (nc == 1 && key_is(ps, &c[0], "value")) {
		if (stix_seq(t, tn, "ipv4-addr"))
			return F_IPV4;
		if (stix_seq(t, tn, "ipv6-addr"))
			return F_IPV6;
		if (stix_seq(t, tn, "domain-name"))
			return F_DOMAIN;
		if (stix_seq(t, tn, "url"))
			return F_URL;
		return F_OTHER;
	}
	if (!stix_seq(t, tn, "network-traffic"))
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
static void path_text(const stix_parser *ps, const stix_path *pa, char *out, size_t cap)
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
		const stix_comp *c = &pa->c[i];
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

/* An address or CIDR block for family fam (0: either). */
static bool parse_addr(const char *s, size_t n, int fam, stix_lit *l)
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
			if (!stix_is_digit(q[k]))
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
static int prepare(stix_parser *ps, stix_node *nd, const char *ptext)
{
	pl_stix_pattern *p = ps->p;
	int f = nd->field;
	char m[400];
	for (uint32_t k = 0; k < nd->nlit; k++) {
		stix_lit *l = &p->lits[nd->first + k];
		const char *ls = (const char *)p->arena + l->off;
		switch (f) {
		case F_SIZE:
		case F_SRC_PORT:
		case F_DST_PORT:
			if (l->type != L_INT) {
				snprintf(m, sizeof m, "%s compares with integers", ptext);
				return stix_fail(ps, nd->pos, m);
			}
			break;
		case F_MD5:
		case F_SHA1:
		case F_SHA256:
		case F_SHA512: {
			size_t want = stix_digest_len(f);
			if (l->type == L_HEX && l->len == want)
				break;
			if (l->type == L_STR && l->len == 2 * want) {
				bool ok = true;
				for (size_t x = 0; x < l->len; x++)
					ok = ok && stix_is_hex((unsigned char)ls[x]);
				if (ok) {
					for (size_t x = 0; x < want; x++)
						p->arena[l->off + x] = (uint8_t)(stix_hexval((unsigned char)ls[2 * x]) << 4 |
										 stix_hexval((unsigned char)ls[2 * x + 1]));
					l->len = (uint32_t)want;
					l->type = L_HEX;
					break;
				}
			}
			snprintf(m, sizeof m, "%s compares with a digest of %zu hex digits", ptext, 2 * want);
			return stix_fail(ps, nd->pos, m);
		}
		case F_IPV4:
		case F_IPV6:
		case F_SRC:
		case F_DST: {
			int fam = f == F_IPV4 ? 4 : f == F_IPV6 ? 6 : 0;
			if (l->type != L_STR || !parse_addr(ls, l->len, fam, l)) {
				snprintf(m, sizeof m, "%s compares with %s address or CIDR block (no host bits set)", ptext,
					 fam == 4 ? "an IPv4" : fam == 6 ? "an IPv6" : "an IP");
				return stix_fail(ps, nd->pos, m);
			}
			break;
		}
		default: /* name, domain, url, protocols */
			if (l->type != L_STR) {
				snprintf(m, sizeof m, "%s compares with strings", ptext);
				return stix_fail(ps, nd->pos, m);
			}
			if (f == F_DOMAIN || f == F_PROTO)
				stix_arena_lower(p, l);
			if (f == F_DOMAIN && l->len > 1 && ls[l->len - 1] == '.')
				l->len--;
			break;
		}
	}
	return PL_OK;
}

/* True if Parley evaluates the operator op on the property f. */
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

/* Records why a comparison is not evaluated, unless an earlier one already did. */
static void leaf_reason(stix_parser *ps, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void leaf_reason(stix_parser *ps, const char *fmt, ...)
{
	if (ps->leaf_why[0] != '\0')
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(ps->leaf_why, sizeof ps->leaf_why, fmt, ap);
	va_end(ap);
}

int stix_bind_test(stix_parser *ps, const stix_path *pa, uint32_t k)
{
	stix_node *nd = &ps->p->nodes[k];
	int op = nd->op;
	int32_t index;
	int f = resolve(ps, pa, &index);
	char ptext[160];
	path_text(ps, pa, ptext, sizeof ptext);
	if (f == F_OTHER) {
		leaf_reason(ps, "%s is outside the supported subset", ptext);
	} else if (op == O_EXISTS) {
		leaf_reason(ps, "EXISTS is not evaluated (%s)", ptext);
		f = F_OTHER;
	} else if (!op_allowed(f, op)) {
		leaf_reason(ps, "the operator %s is not evaluated on %s", stix_op_names[op], ptext);
		f = F_OTHER;
	}
	nd->field = (uint8_t)f;
	nd->index = index;
	nd->mask = (uint8_t)stix_field_mask(f);
	if (f != F_OTHER)
		return prepare(ps, nd, ptext);
	return PL_OK;
}
