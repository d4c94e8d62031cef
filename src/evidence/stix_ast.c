/*
 * stix_ast.c - the storage of a compiled STIX pattern: appending nodes,
 * literals and arena bytes as the parser builds the tree, joining comparison
 * lists under AND/OR nodes, and the operators' names.
 */
#include "evidence/stix_internal.h"

#include <stdlib.h>

const char *const stix_op_names[] = {"=", "!=", "<", "<=", ">", ">=", "IN", "LIKE", "MATCHES", "ISSUBSET",
				      "ISSUPERSET", "EXISTS"};

/* Grows *arr (of *cap elements of size bytes) to hold need elements: doubling, from 16. */
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

int stix_new_node(stix_parser *ps, int kind, size_t pos, uint32_t *out)
{
	pl_stix_pattern *p = ps->p;
	if (grow((void **)&p->nodes, &p->capn, p->nnodes + 1, sizeof(stix_node)) != PL_OK)
		return pl_diag_set(ps->d, PL_ENOMEM, "out of memory compiling a STIX pattern");
	stix_node *nd = &p->nodes[p->nnodes];
	memset(nd, 0, sizeof *nd);
	nd->kind = (uint8_t)kind;
	nd->first = STIX_NONE;
	nd->next = STIX_NONE;
	nd->index = -1;
	nd->pos = (uint32_t)pos;
	*out = (uint32_t)p->nnodes++;
	return PL_OK;
}

int stix_reserve_lit(stix_parser *ps, stix_lit **out)
{
	pl_stix_pattern *p = ps->p;
	if (grow((void **)&p->lits, &p->capl, p->nlits + 1, sizeof(stix_lit)) != PL_OK)
		return pl_diag_set(ps->d, PL_ENOMEM, "out of memory compiling a STIX pattern");
	stix_lit *l = &p->lits[p->nlits];
	memset(l, 0, sizeof *l);
	*out = l;
	return PL_OK;
}

int stix_arena_add(stix_parser *ps, const void *b, size_t n, uint32_t *off)
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

int stix_unquote(stix_parser *ps, size_t pos, size_t len, uint32_t *off, uint32_t *n)
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

int stix_chain(stix_parser *ps, int kind, uint32_t first, uint32_t *out)
{
	if (ps->p->nodes[first].next == STIX_NONE) {
		*out = first;
		return PL_OK;
	}
	uint32_t k;
	int rc = stix_new_node(ps, kind, ps->p->nodes[first].pos, &k);
	if (rc != PL_OK)
		return rc;
	stix_node *nd = &ps->p->nodes[k];
	nd->first = first;
	unsigned m = 0;
	for (uint32_t c = first; c != STIX_NONE; c = ps->p->nodes[c].next)
		m |= ps->p->nodes[c].mask;
	nd->mask = (uint8_t)m;
	*out = k;
	return PL_OK;
}

void stix_arena_lower(pl_stix_pattern *p, const stix_lit *l)
{
	for (uint32_t k = 0; k < l->len; k++)
		p->arena[l->off + k] = (uint8_t)stix_lower(p->arena[l->off + k]);
}
