/* merkle.c - RFC 6962 hashing, proof generation and RFC 9162 verification. */
#include "tlog/merkle.h"

#include "base/err.h"
#include "base/sha256.h"

#include <assert.h>
#include <string.h>

void pl_leaf_hash(const uint8_t *entry, size_t n, pl_hash *out)
{
	static const uint8_t zero = 0x00;
	pl_sha256_ctx c;
	pl_sha256_init(&c);
	pl_sha256_update(&c, &zero, 1);
	pl_sha256_update(&c, entry, n);
	pl_sha256_final(&c, out->b);
}

void pl_node_hash(const pl_hash *l, const pl_hash *r, pl_hash *out)
{
	uint8_t buf[1 + 2 * PL_HASH_SIZE];
	buf[0] = 0x01;
	memcpy(buf + 1, l->b, PL_HASH_SIZE);
	memcpy(buf + 1 + PL_HASH_SIZE, r->b, PL_HASH_SIZE);
	pl_sha256(buf, sizeof buf, out->b);
}

void pl_empty_root(pl_hash *out)
{
	pl_sha256("", 0, out->b);
}

bool pl_hash_eq(const pl_hash *a, const pl_hash *b)
{
	return memcmp(a->b, b->b, PL_HASH_SIZE) == 0;
}

/* Largest power of two strictly less than n (n >= 2). */
static uint64_t split_point(uint64_t n)
{
	assert(n >= 2);
	uint64_t k = 1;
	while (k << 1 < n)
		k <<= 1;
	return k;
}

void pl_merkle_root_of(const pl_hash *hashes, size_t count, pl_hash *out)
{
	assert(count >= 1);
	/* Fold with a right edge: identical to the RFC's recursive split. */
	pl_hash stack[64];
	size_t depth = 0;
	for (size_t i = 0; i < count; i++) {
		pl_hash h = hashes[i];
		for (size_t s = i; s & 1; s >>= 1)
			pl_node_hash(&stack[--depth], &h, &h);
		stack[depth++] = h;
	}
	pl_hash r = stack[depth - 1];
	for (size_t j = depth - 1; j-- > 0;)
		pl_node_hash(&stack[j], &r, &r);
	*out = r;
}

size_t pl_range_subtrees(uint64_t start, uint64_t end, pl_subtree *ids)
{
	size_t n = 0;
	while (start < end) {
		uint8_t level = 0;
		/* grow while aligned and still inside the range */
		while (level < 62 && (start & (((uint64_t)1 << (level + 1)) - 1)) == 0 &&
		       start + ((uint64_t)1 << (level + 1)) <= end)
			level++;
		ids[n].level = level;
		ids[n].index = start >> level;
		n++;
		start += (uint64_t)1 << level;
	}
	return n;
}

/* MTH(D[start:end]) from stored complete subtrees; see pl_range_subtrees. An empty range
 * (no caller asks for one) is refused rather than read: it has no subtrees. */
static int range_hash(const pl_hash_reader *r, uint64_t start, uint64_t end, pl_hash *out)
{
	if (start >= end)
		return PL_ERANGE;
	pl_subtree ids[64];
	pl_hash hs[64];
	size_t n = pl_range_subtrees(start, end, ids);
	int rc = r->read(r->ctx, ids, n, hs);
	if (rc != PL_OK)
		return rc;
	pl_hash acc = hs[n - 1];
	for (size_t j = n - 1; j-- > 0;)
		pl_node_hash(&hs[j], &acc, &acc);
	*out = acc;
	return PL_OK;
}

int pl_tree_root(const pl_hash_reader *r, uint64_t n, pl_hash *out)
{
	if (n >= PL_TREE_MAX)
		return PL_ERANGE;
	if (n == 0) {
		pl_empty_root(out);
		return PL_OK;
	}
	return range_hash(r, 0, n, out);
}

static void reverse(pl_hash *p, size_t n)
{
	for (size_t i = 0; i < n / 2; i++) {
		pl_hash t = p[i];
		p[i] = p[n - 1 - i];
		p[n - 1 - i] = t;
	}
}

int pl_prove_inclusion(const pl_hash_reader *r, uint64_t n, uint64_t i, pl_hash *proof, size_t *len)
{
	*len = 0;
	if (i >= n || n >= PL_TREE_MAX)
		return PL_ERANGE;
	/* Walk RFC 6962's PATH recursion top-down, then reverse to leaf-first order. */
	uint64_t lo = 0, hi = n, m = i;
	size_t k = 0;
	while (hi - lo > 1) {
		uint64_t split = split_point(hi - lo);
		int rc;
		if (m < split) {
			rc = range_hash(r, lo + split, hi, &proof[k]);
			hi = lo + split;
		} else {
			rc = range_hash(r, lo, lo + split, &proof[k]);
			lo += split;
			m -= split;
		}
		if (rc != PL_OK)
			return rc;
		k++;
	}
	reverse(proof, k);
	*len = k;
	return PL_OK;
}

int pl_prove_consistency(const pl_hash_reader *r, uint64_t m, uint64_t n, pl_hash *proof, size_t *len)
{
	*len = 0;
	if (m > n || n >= PL_TREE_MAX)
		return PL_ERANGE;
	if (m == 0 || m == n)
		return PL_OK;
	/* RFC 6962 SUBPROOF(m, D[lo:hi], b), iteratively, top-down. */
	uint64_t lo = 0, hi = n;
	bool whole = true; /* b: is the old tree exactly D[0:lo+m]'s left spine */
	size_t k = 0;
	for (;;) {
		uint64_t size = hi - lo;
		if (m == size) {
			if (!whole) {
				int rc = range_hash(r, lo, hi, &proof[k]);
				if (rc != PL_OK)
					return rc;
				k++;
			}
			break;
		}
		uint64_t split = split_point(size);
		int rc;
		if (m <= split) {
			rc = range_hash(r, lo + split, hi, &proof[k]);
			hi = lo + split;
		} else {
			rc = range_hash(r, lo, lo + split, &proof[k]);
			lo += split;
			m -= split;
			whole = false;
		}
		if (rc != PL_OK)
			return rc;
		k++;
	}
	reverse(proof, k);
	*len = k;
	return PL_OK;
}

int pl_verify_inclusion(uint64_t i, uint64_t n, const pl_hash *leaf, const pl_hash *proof, size_t len,
			const pl_hash *root)
{
	if (i >= n || len > PL_PROOF_MAX)
		return PL_EVERIFY;
	uint64_t fn = i, sn = n - 1;
	pl_hash r = *leaf;
	for (size_t j = 0; j < len; j++) {
		if (sn == 0)
			return PL_EVERIFY;
		if ((fn & 1) || fn == sn) {
			pl_node_hash(&proof[j], &r, &r);
			if (!(fn & 1)) {
				while (!(fn & 1) && fn != 0) {
					fn >>= 1;
					sn >>= 1;
				}
			}
		} else {
			pl_node_hash(&r, &proof[j], &r);
		}
		fn >>= 1;
		sn >>= 1;
	}
	if (sn != 0 || !pl_hash_eq(&r, root))
		return PL_EVERIFY;
	return PL_OK;
}

int pl_verify_consistency(uint64_t m, uint64_t n, const pl_hash *root_m, const pl_hash *root_n,
			  const pl_hash *proof, size_t len)
{
	if (m > n)
		return PL_EINVAL;
	if (len > PL_PROOF_MAX)
		return PL_EVERIFY;
	if (m == n)
		return (len == 0 && pl_hash_eq(root_m, root_n)) ? PL_OK : PL_EVERIFY;
	if (m == 0)
		return len == 0 ? PL_OK : PL_EVERIFY;
	if (len == 0)
		return PL_EVERIFY;
	/* RFC 9162: if m is a power of two, the old root is the first path element. */
	pl_hash path[PL_PROOF_MAX + 1];
	size_t plen = 0;
	if ((m & (m - 1)) == 0)
		path[plen++] = *root_m;
	memcpy(&path[plen], proof, len * sizeof *proof);
	plen += len;

	uint64_t fn = m - 1, sn = n - 1;
	while (fn & 1) {
		fn >>= 1;
		sn >>= 1;
	}
	pl_hash fr = path[0], sr = path[0];
	for (size_t j = 1; j < plen; j++) {
		if (sn == 0)
			return PL_EVERIFY;
		if ((fn & 1) || fn == sn) {
			pl_node_hash(&path[j], &fr, &fr);
			pl_node_hash(&path[j], &sr, &sr);
			if (!(fn & 1)) {
				while (!(fn & 1) && fn != 0) {
					fn >>= 1;
					sn >>= 1;
				}
			}
		} else {
			pl_node_hash(&sr, &path[j], &sr);
		}
		fn >>= 1;
		sn >>= 1;
	}
	if (sn != 0 || !pl_hash_eq(&fr, root_m) || !pl_hash_eq(&sr, root_n))
		return PL_EVERIFY;
	return PL_OK;
}

void pl_edge_init(pl_edge *e)
{
	e->size = 0;
	e->n = 0;
}

int pl_edge_append(pl_edge *e, const pl_hash *leaf)
{
	if (e->size >= PL_TREE_MAX - 1)
		return PL_ERANGE;
	pl_hash h = *leaf;
	for (uint64_t s = e->size; s & 1; s >>= 1)
		pl_node_hash(&e->h[--e->n], &h, &h);
	e->h[e->n++] = h;
	e->size++;
	return PL_OK;
}

void pl_edge_root(const pl_edge *e, pl_hash *out)
{
	if (e->n == 0) {
		pl_empty_root(out);
		return;
	}
	pl_hash r = e->h[e->n - 1];
	for (size_t j = e->n - 1; j-- > 0;)
		pl_node_hash(&e->h[j], &r, &r);
	*out = r;
}

int pl_edge_load(const pl_hash_reader *r, uint64_t n, pl_edge *e)
{
	pl_edge_init(e);
	if (n >= PL_TREE_MAX)
		return PL_ERANGE;
	if (n == 0)
		return PL_OK;
	pl_subtree ids[64];
	size_t k = pl_range_subtrees(0, n, ids);
	int rc = r->read(r->ctx, ids, k, e->h);
	if (rc != PL_OK)
		return rc;
	e->n = k;
	e->size = n;
	return PL_OK;
}
