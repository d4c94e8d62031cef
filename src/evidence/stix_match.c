/*
 * stix_match.c - evaluating a supported, compiled STIX pattern (stix.h):
 * pl_stix_match_file against one file observation, pl_stix_match_net against
 * one packet record (its addresses, domain names, URLs and network-traffic
 * fields). Comparisons on strings (=, !=, IN, LIKE), integers, digests and
 * address or CIDR literals; a missing value makes a comparison false, also
 * under != and NOT. Pure: reads the pattern and the observation, allocates
 * nothing, safe on one pattern from many threads.
 */
#include "evidence/stix_internal.h"

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
		if (pi < pn && (fold ? stix_lower(s[si]) : s[si]) == pat[pi]) {
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

/* s equals l[0..ln): exactly, or ASCII case-folded (l is lower case), for a
 * domain name without its trailing dot. */
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
		if (l[i] != stix_lower((unsigned char)s[i]))
			return false;
	return true;
}

/* a lies in the address or CIDR block l. */
static bool addr_in(const stix_lit *l, const pl_obs_addr *a)
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
static bool test_str(const pl_stix_pattern *p, const stix_node *nd, const char *s, int mode)
{
	const stix_lit *l = &p->lits[nd->first];
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

static bool test_addr(const pl_stix_pattern *p, const stix_node *nd, const pl_obs_addr *a)
{
	const stix_lit *l = &p->lits[nd->first];
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

static bool test_int(const pl_stix_pattern *p, const stix_node *nd, int64_t v)
{
	const stix_lit *l = &p->lits[nd->first];
	if (nd->op != O_IN)
		return int_cmp(nd->op, v, l->i);
	for (uint32_t k = 0; k < nd->nlit; k++, l++)
		if (v == l->i)
			return true;
	return false;
}

static bool test_digest(const pl_stix_pattern *p, const stix_node *nd, const uint8_t *h)
{
	const stix_lit *l = &p->lits[nd->first];
	size_t n = stix_digest_len(nd->field);
	if (nd->op == O_EQ)
		return memcmp(p->arena + l->off, h, n) == 0;
	if (nd->op == O_NEQ)
		return memcmp(p->arena + l->off, h, n) != 0;
	for (uint32_t k = 0; k < nd->nlit; k++, l++)
		if (memcmp(p->arena + l->off, h, n) == 0)
			return true;
	return false;
}

static bool leaf_file(const pl_stix_pattern *p, const stix_node *nd, const pl_obs_file *f)
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
	const stix_node *nd = &p->nodes[k];
	if (nd->kind == N_TEST)
		return leaf_file(p, nd, f);
	bool all = nd->kind == N_AND;
	for (uint32_t c = nd->first; c != STIX_NONE; c = p->nodes[c].next)
		if (eval_file(p, c, f) != all)
			return !all;
	return all;
}

static bool leaf_net(const pl_stix_pattern *p, const stix_node *nd, const pl_obs_net *o, const void *bound)
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
	const stix_node *nd = &p->nodes[k];
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
	for (uint32_t c = nd->first; c != STIX_NONE; c = p->nodes[c].next)
		if (eval_net(p, c, o, bound) != all)
			return !all;
	return all;
}

/* Walks the OR of observations; file selects the file or network ones. */
static bool match_obs(const pl_stix_pattern *p, uint32_t k, const pl_obs_file *f, const pl_obs_net *o)
{
	const stix_node *nd = &p->nodes[k];
	if (nd->kind == N_OBS_OR) {
		for (uint32_t c = nd->first; c != STIX_NONE; c = p->nodes[c].next)
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
