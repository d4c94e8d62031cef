/* deflate.c - gzip encoder: LZ77 + Huffman coding (RFC 1951) in a gzip member (RFC 1952). */
#include "base/deflate.h"

#include "base/err.h"

#include <assert.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

/* ---------------------------------------------------------------- CRC-32 */

/*
 * The table is computed by the preprocessor: entry i is i run through eight
 * rounds of the bitwise reflected CRC, so nothing is pasted and nothing is
 * mutable. (Each round names its argument twice, so an entry expands to 256
 * copies of i; the compiler folds them.)
 */
#define CRC_ROUND(c) (((c) >> 1) ^ (0xEDB88320u & (0u - ((c) & 1u))))
#define CRC_ENTRY(i)                                                                               \
	CRC_ROUND(CRC_ROUND(CRC_ROUND(CRC_ROUND(CRC_ROUND(CRC_ROUND(CRC_ROUND(CRC_ROUND((uint32_t)(i)))))))))
#define CRC_4(i) CRC_ENTRY(i), CRC_ENTRY((i) + 1), CRC_ENTRY((i) + 2), CRC_ENTRY((i) + 3)
#define CRC_16(i) CRC_4(i), CRC_4((i) + 4), CRC_4((i) + 8), CRC_4((i) + 12)
#define CRC_64(i) CRC_16(i), CRC_16((i) + 16), CRC_16((i) + 32), CRC_16((i) + 48)

static const uint32_t crc_table[256] = {CRC_64(0), CRC_64(64), CRC_64(128), CRC_64(192)};

uint32_t pl_crc32(const uint8_t *p, size_t n)
{
	uint32_t c = 0xFFFFFFFFu;
	for (size_t i = 0; i < n; i++)
		c = crc_table[(c ^ p[i]) & 0xFFu] ^ (c >> 8);
	return c ^ 0xFFFFFFFFu;
}

size_t pl_gzip_bound(size_t n)
{
	size_t extra = n / 1000 + 32;
	return n > SIZE_MAX - extra ? SIZE_MAX : n + extra;
}

/* ------------------------------------------------------------- constants */

enum {
	WSIZE = 32768,          /* LZ77 window; also the largest distance */
	WMASK = WSIZE - 1,
	HASH_BITS = 15,
	HASH_SIZE = 1 << HASH_BITS,
	MIN_MATCH = 3,
	MAX_MATCH = 258,
	TOO_FAR = 4096,         /* a 3-byte match farther than this costs more than literals */
	MAX_CHAIN = 128,        /* candidates examined per search */
	GOOD_LEN = 8,           /* pending match this long: search a quarter of the chain */
	MAX_LAZY = 16,          /* match this long: take it without looking one byte ahead */
	NICE_LEN = 128,         /* match this long: stop searching */
	SYM_MAX = 16384,        /* symbols per block */
	LL_SYMS = 286,          /* literal/length alphabet in use (286, 287 never occur) */
	D_SYMS = 30,            /* distance alphabet */
	CL_SYMS = 19,           /* code-length alphabet */
	MAX_BITS = 15,          /* longest literal/length or distance code */
	CL_MAX_BITS = 7,        /* longest code-length code */
	STORED_MAX = 65535,     /* bytes in one stored block */
	STAGE_SIZE = 16384,     /* output staged before each pl_buf_append */
};

/* RFC 1951 section 3.2.5: length codes 257..285 and distance codes 0..29. */
static const uint16_t len_base[29] = {3,  4,  5,  6,  7,  8,  9,  10, 11,  13,  15,  17,  19,  23, 27,
                                      31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258};
static const uint8_t len_extra[29] = {0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2,
                                      2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0};
static const uint16_t dist_base[30] = {1,    2,    3,    4,    5,    7,     9,     13,    17,  25,
                                       33,   49,   65,   97,   129,  193,   257,   385,   513, 769,
                                       1025, 1537, 2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577};
static const uint8_t dist_extra[30] = {0, 0, 0, 0, 1, 1, 2, 2,  3,  3,  4,  4,  5,  5,  6,
                                       6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13};
/* RFC 1951 section 3.2.7: the order code-length code lengths are sent in. */
static const uint8_t cl_order[CL_SYMS] = {16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15};

/* ------------------------------------------------------------------ state */

/* One item of a package-merge list: a leaf (sym >= 0) or a package (sym < 0). */
typedef struct pm_item {
	uint32_t w;
	int32_t sym;
} pm_item;

typedef struct huff {
	uint8_t len[288];   /* code length per symbol, 0 = unused */
	uint16_t code[288]; /* code, bit-reversed for LSB-first output */
} huff;

typedef struct gz {
	const uint8_t *in;
	size_t n;

	/* LZ77: head[h] and prev[pos & WMASK] hold positions + 1 (0 = none). */
	size_t head[HASH_SIZE];
	size_t prev[WSIZE];

	/* The current block: symbols, their frequencies, the input they cover. */
	uint16_t sym_ll[SYM_MAX]; /* literal byte, or match length 3..258 */
	uint16_t sym_d[SYM_MAX];  /* 0 for a literal, else distance 1..32768 */
	size_t nsyms;
	uint32_t ll_freq[LL_SYMS];
	uint32_t d_freq[D_SYMS];
	size_t block_start, block_bytes;

	/* Length-3 and distance-1 to code index, as zlib arranges them. */
	uint8_t len_code[256];
	uint8_t dist_code[512];

	/* Code construction scratch and the three trees. */
	pm_item pm[MAX_BITS][2 * LL_SYMS];
	huff fixed_ll, fixed_d, dyn_ll, dyn_d, dyn_cl;

	/* Bit writer: bits go LSB first into acc, whole bytes into stage. */
	pl_buf *out;
	uint64_t acc;
	unsigned nacc; /* < 32 between calls */
	size_t slen;
	int err; /* sticky: the first failed append */
	uint8_t stage[STAGE_SIZE];
} gz;

/* ------------------------------------------------------------ bit writer */

static void bw_drain(gz *s)
{
	if (s->slen > 0 && s->err == PL_OK)
		s->err = pl_buf_append(s->out, s->stage, s->slen);
	s->slen = 0;
}

/* Writes the low n bits of v (n <= 16, no bits above n set). */
static inline void bw_put(gz *s, uint32_t v, unsigned n)
{
	assert(n <= 16 && (v >> n) == 0);
	s->acc |= (uint64_t)v << s->nacc;
	s->nacc += n;
	if (s->nacc >= 32) {
		if (s->slen > STAGE_SIZE - 4)
			bw_drain(s);
		for (int k = 0; k < 4; k++) {
			s->stage[s->slen++] = (uint8_t)s->acc;
			s->acc >>= 8;
		}
		s->nacc -= 32;
	}
}

/* Pads with zero bits to a byte boundary and moves every pending byte to stage. */
static void bw_align(gz *s)
{
	while (s->nacc > 0) {
		if (s->slen == STAGE_SIZE)
			bw_drain(s);
		s->stage[s->slen++] = (uint8_t)s->acc;
		s->acc >>= 8;
		s->nacc = s->nacc >= 8 ? s->nacc - 8 : 0;
	}
	s->acc = 0;
}

/* Writes raw bytes at a byte boundary. */
static void bw_bytes(gz *s, const uint8_t *p, size_t n)
{
	bw_align(s);
	bw_drain(s);
	if (n > 0 && s->err == PL_OK)
		s->err = pl_buf_append(s->out, p, n);
}

/* --------------------------------------------------------- Huffman codes */

static uint16_t reverse_bits(unsigned v, unsigned n)
{
	unsigned r = 0;
	for (unsigned k = 0; k < n; k++) {
		r = (r << 1) | (v & 1u);
		v >>= 1;
	}
	return (uint16_t)r;
}

/* Canonical codes for the given lengths (RFC 1951 section 3.2.2). */
static void huff_codes(huff *h, size_t nsym)
{
	unsigned count[MAX_BITS + 1] = {0}, next[MAX_BITS + 1] = {0};
	for (size_t i = 0; i < nsym; i++)
		count[h->len[i]]++;
	count[0] = 0;
	unsigned code = 0;
	for (unsigned b = 1; b <= MAX_BITS; b++) {
		code = (code + count[b - 1]) << 1;
		next[b] = code;
	}
	for (size_t i = 0; i < nsym; i++) {
		unsigned l = h->len[i];
		h->code[i] = l ? reverse_bits(next[l]++, l) : 0;
	}
}

/*
 * Optimal code lengths of at most limit bits for the symbols with non-zero
 * frequency, by package-merge: level 0 is the leaves sorted by weight; level
 * j merges the leaves with the pairs (packages) of level j-1. The 2n-2
 * lightest items of the top level are the answer, and a symbol's length is
 * how often its leaf occurs in them, counted down the levels: the first p
 * packages of level j are exactly the first 2p items of level j-1.
 * Fewer than two used symbols get a complete two-symbol code, so every code
 * sent is complete (some inflaters reject incomplete ones).
 */
static void huff_lengths(gz *s, const uint32_t *freq, size_t nsym, unsigned limit, huff *h)
{
	memset(h->len, 0, sizeof h->len);
	pm_item *leaves = s->pm[0];
	size_t n = 0;
	for (size_t i = 0; i < nsym; i++) {
		if (freq[i] == 0)
			continue;
		/* insertion by (weight, symbol); alphabets are at most 286 */
		size_t j = n++;
		while (j > 0 && leaves[j - 1].w > freq[i]) {
			leaves[j] = leaves[j - 1];
			j--;
		}
		leaves[j].w = freq[i];
		leaves[j].sym = (int32_t)i;
	}
	if (n < 2) {
		size_t a = n == 1 ? (size_t)leaves[0].sym : 0, b = a == 0 ? 1 : 0;
		h->len[a] = h->len[b] = 1;
		return;
	}
	assert(n <= ((size_t)1 << limit));
	size_t count[MAX_BITS];
	count[0] = n;
	for (unsigned lv = 1; lv < limit; lv++) {
		const pm_item *below = s->pm[lv - 1];
		pm_item *cur = s->pm[lv];
		size_t npk = count[lv - 1] / 2, li = 0, pi = 0, k = 0;
		while (li < n || pi < npk) {
			uint32_t pw = pi < npk ? below[2 * pi].w + below[2 * pi + 1].w : 0;
			if (li < n && (pi == npk || leaves[li].w <= pw)) {
				cur[k++] = leaves[li++];
			} else {
				cur[k].w = pw;
				cur[k++].sym = -1;
				pi++;
			}
		}
		count[lv] = k;
	}
	size_t take = 2 * n - 2;
	for (unsigned lv = limit; lv-- > 0;) {
		assert(take <= count[lv]);
		size_t packages = 0;
		for (size_t i = 0; i < take; i++) {
			const pm_item *it = &s->pm[lv][i];
			if (it->sym >= 0)
				h->len[it->sym]++;
			else
				packages++;
		}
		take = 2 * packages;
	}
#ifndef NDEBUG
	uint32_t kraft = 0;
	for (size_t i = 0; i < nsym; i++) {
		assert(h->len[i] <= limit && (h->len[i] > 0) == (freq[i] > 0));
		if (h->len[i])
			kraft += 1u << (MAX_BITS - h->len[i]);
	}
	assert(kraft == 1u << MAX_BITS);
#endif
}

/* --------------------------------------------------------------- blocks */

static unsigned dist_code_of(const gz *s, unsigned dist)
{
	unsigned x = dist - 1;
	return x < 256 ? s->dist_code[x] : s->dist_code[256 + (x >> 7)];
}

/* Bits of the stored encoding of len bytes starting at bit offset `bitpos` mod 8. */
static uint64_t stored_cost(unsigned bitpos, size_t len)
{
	uint64_t chunks = len == 0 ? 1 : (len + STORED_MAX - 1) / STORED_MAX;
	unsigned pad = (8 - (bitpos + 3) % 8) % 8;
	return 3 + pad + 32 + 8 * (uint64_t)len + (chunks - 1) * (3 + 5 + 32);
}

static void write_stored(gz *s, bool final)
{
	const uint8_t *p = s->in + s->block_start;
	size_t left = s->block_bytes;
	do {
		size_t k = left < STORED_MAX ? left : STORED_MAX;
		left -= k;
		bw_put(s, final && left == 0 ? 1u : 0u, 1);
		bw_put(s, 0, 2);
		bw_align(s);
		bw_put(s, (uint32_t)k, 16);
		bw_put(s, (uint32_t)k ^ 0xFFFFu, 16);
		bw_bytes(s, p, k);
		p += k;
	} while (left > 0 && s->err == PL_OK);
}

static void write_symbols(gz *s, const huff *ll, const huff *d)
{
	for (size_t i = 0; i < s->nsyms; i++) {
		unsigned v = s->sym_ll[i], dist = s->sym_d[i];
		if (dist == 0) {
			bw_put(s, ll->code[v], ll->len[v]);
			continue;
		}
		unsigned lc = s->len_code[v - MIN_MATCH];
		bw_put(s, ll->code[257 + lc], ll->len[257 + lc]);
		if (len_extra[lc])
			bw_put(s, v - len_base[lc], len_extra[lc]);
		unsigned dc = dist_code_of(s, dist);
		bw_put(s, d->code[dc], d->len[dc]);
		if (dist_extra[dc])
			bw_put(s, dist - dist_base[dc], dist_extra[dc]);
	}
	bw_put(s, ll->code[256], ll->len[256]);
}

/* Ends the current block: writes it in the cheapest of the three forms. */
static void flush_block(gz *s, bool final)
{
	s->ll_freq[256] = 1; /* end of block */

	uint64_t extra = 0, fixed = 3, dyn = 3 + 5 + 5 + 4;
	for (unsigned c = 0; c < 29; c++)
		extra += (uint64_t)s->ll_freq[257 + c] * len_extra[c];
	for (unsigned c = 0; c < D_SYMS; c++)
		extra += (uint64_t)s->d_freq[c] * dist_extra[c];
	for (unsigned c = 0; c < LL_SYMS; c++)
		fixed += (uint64_t)s->ll_freq[c] * s->fixed_ll.len[c];
	for (unsigned c = 0; c < D_SYMS; c++)
		fixed += (uint64_t)s->d_freq[c] * s->fixed_d.len[c];
	fixed += extra;

	/* Dynamic trees and their run-length coded description (3.2.7). */
	huff_lengths(s, s->ll_freq, LL_SYMS, MAX_BITS, &s->dyn_ll);
	huff_lengths(s, s->d_freq, D_SYMS, MAX_BITS, &s->dyn_d);
	unsigned hlit = LL_SYMS, hdist = D_SYMS;
	while (s->dyn_ll.len[hlit - 1] == 0)
		hlit--;
	while (s->dyn_d.len[hdist - 1] == 0)
		hdist--;
	uint8_t seq[LL_SYMS + D_SYMS], rle_sym[LL_SYMS + D_SYMS], rle_arg[LL_SYMS + D_SYMS];
	memcpy(seq, s->dyn_ll.len, hlit);
	memcpy(seq + hlit, s->dyn_d.len, hdist);
	size_t total = hlit + hdist, nrle = 0;
	uint32_t cl_freq[CL_SYMS] = {0};
	for (size_t i = 0; i < total;) {
		uint8_t v = seq[i];
		size_t r = 1;
		while (i + r < total && seq[i + r] == v)
			r++;
		i += r;
		if (v == 0) {
			while (r >= 11) {
				size_t k = r < 138 ? r : 138;
				rle_sym[nrle] = 18;
				rle_arg[nrle++] = (uint8_t)(k - 11);
				r -= k;
			}
			if (r >= 3) {
				rle_sym[nrle] = 17;
				rle_arg[nrle++] = (uint8_t)(r - 3);
				r = 0;
			}
		} else {
			rle_sym[nrle] = v;
			rle_arg[nrle++] = 0;
			r--;
			while (r >= 3) {
				size_t k = r < 6 ? r : 6;
				rle_sym[nrle] = 16;
				rle_arg[nrle++] = (uint8_t)(k - 3);
				r -= k;
			}
		}
		while (r > 0) {
			rle_sym[nrle] = v;
			rle_arg[nrle++] = 0;
			r--;
		}
	}
	for (size_t i = 0; i < nrle; i++)
		cl_freq[rle_sym[i]]++;
	huff_lengths(s, cl_freq, CL_SYMS, CL_MAX_BITS, &s->dyn_cl);
	unsigned hclen = CL_SYMS;
	while (hclen > 4 && s->dyn_cl.len[cl_order[hclen - 1]] == 0)
		hclen--;
	dyn += 3 * (uint64_t)hclen;
	for (unsigned c = 0; c < CL_SYMS; c++)
		dyn += (uint64_t)cl_freq[c] * s->dyn_cl.len[c];
	dyn += (uint64_t)cl_freq[16] * 2 + (uint64_t)cl_freq[17] * 3 + (uint64_t)cl_freq[18] * 7;
	for (unsigned c = 0; c < LL_SYMS; c++)
		dyn += (uint64_t)s->ll_freq[c] * s->dyn_ll.len[c];
	for (unsigned c = 0; c < D_SYMS; c++)
		dyn += (uint64_t)s->d_freq[c] * s->dyn_d.len[c];
	dyn += extra;

	uint64_t stored = stored_cost(s->nacc, s->block_bytes);
	if (stored <= fixed && stored <= dyn) {
		write_stored(s, final);
	} else if (fixed <= dyn) {
		bw_put(s, final ? 1u : 0u, 1);
		bw_put(s, 1, 2);
		write_symbols(s, &s->fixed_ll, &s->fixed_d);
	} else {
		huff_codes(&s->dyn_ll, LL_SYMS);
		huff_codes(&s->dyn_d, D_SYMS);
		huff_codes(&s->dyn_cl, CL_SYMS);
		bw_put(s, final ? 1u : 0u, 1);
		bw_put(s, 2, 2);
		bw_put(s, hlit - 257, 5);
		bw_put(s, hdist - 1, 5);
		bw_put(s, hclen - 4, 4);
		for (unsigned i = 0; i < hclen; i++)
			bw_put(s, s->dyn_cl.len[cl_order[i]], 3);
		for (size_t i = 0; i < nrle; i++) {
			unsigned c = rle_sym[i];
			bw_put(s, s->dyn_cl.code[c], s->dyn_cl.len[c]);
			if (c >= 16)
				bw_put(s, rle_arg[i], c == 16 ? 2 : c == 17 ? 3 : 7);
		}
		write_symbols(s, &s->dyn_ll, &s->dyn_d);
	}

	s->block_start += s->block_bytes;
	s->block_bytes = 0;
	s->nsyms = 0;
	memset(s->ll_freq, 0, sizeof s->ll_freq);
	memset(s->d_freq, 0, sizeof s->d_freq);
}

static void emit_literal(gz *s, uint8_t b)
{
	s->sym_ll[s->nsyms] = b;
	s->sym_d[s->nsyms++] = 0;
	s->ll_freq[b]++;
	s->block_bytes++;
	if (s->nsyms == SYM_MAX)
		flush_block(s, false);
}

static void emit_match(gz *s, size_t len, size_t dist)
{
	assert(len >= MIN_MATCH && len <= MAX_MATCH && dist >= 1 && dist <= WSIZE);
	s->sym_ll[s->nsyms] = (uint16_t)len;
	s->sym_d[s->nsyms++] = (uint16_t)dist;
	s->ll_freq[257 + s->len_code[len - MIN_MATCH]]++;
	s->d_freq[dist_code_of(s, (unsigned)dist)]++;
	s->block_bytes += len;
	if (s->nsyms == SYM_MAX)
		flush_block(s, false);
}

/* ----------------------------------------------------------------- LZ77 */

static inline size_t hash3(const uint8_t *p)
{
	uint32_t v = (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16;
	return (v * 2654435761u) >> (32 - HASH_BITS);
}

/* Enters positions [from, to) into the hash chains. */
static void insert_range(gz *s, size_t from, size_t to)
{
	if (s->n < MIN_MATCH)
		return;
	size_t last = s->n - MIN_MATCH + 1; /* positions with three bytes to hash */
	if (to > last)
		to = last;
	for (size_t pos = from; pos < to; pos++) {
		size_t h = hash3(s->in + pos);
		s->prev[pos & WMASK] = s->head[h];
		s->head[h] = pos + 1;
	}
}

/* Length of the common prefix of a and b, at most max. */
static inline size_t common_prefix(const uint8_t *a, const uint8_t *b, size_t max)
{
	size_t k = 0;
#if defined(__BYTE_ORDER__) && defined(__ORDER_LITTLE_ENDIAN__)
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	while (k + 8 <= max) {
		uint64_t x, y;
		memcpy(&x, a + k, 8);
		memcpy(&y, b + k, 8);
		if (x != y)
			return k + (size_t)__builtin_ctzll(x ^ y) / 8;
		k += 8;
	}
#endif
#endif
	while (k < max && a[k] == b[k])
		k++;
	return k;
}

/*
 * Longest match for the bytes at pos that is longer than `longer` (at least
 * 2), looking at no more than chain earlier positions. Returns its length,
 * or 0 if there is none, and its distance in *dist. pos itself must not be
 * in the chains yet.
 */
static size_t find_match(gz *s, size_t pos, size_t longer, unsigned chain, size_t *dist)
{
	size_t max = s->n - pos;
	if (max > MAX_MATCH)
		max = MAX_MATCH;
	if (max < MIN_MATCH || max <= longer)
		return 0;
	const uint8_t *cur = s->in + pos;
	size_t lowest = pos > WSIZE ? pos - WSIZE : 0, best = longer;
	size_t cand = s->head[hash3(cur)];
	while (cand != 0 && chain-- > 0) {
		size_t c = cand - 1;
		if (c < lowest)
			break;
		const uint8_t *m = s->in + c;
		/* best < max, so m[best] and cur[best] exist */
		if (m[best] == cur[best] && m[0] == cur[0] && m[1] == cur[1]) {
			size_t l = common_prefix(m, cur, max);
			if (l > best) {
				best = l;
				*dist = pos - c;
				if (l >= NICE_LEN || l == max)
					break;
			}
		}
		cand = s->prev[c & WMASK];
	}
	if (best == longer || (best == MIN_MATCH && *dist > TOO_FAR))
		return 0;
	return best;
}

/* Turns the input into symbols, with one-step lazy matching: a match found
 * at pos is held back while the match at pos + 1 is looked for, and loses to
 * it (becoming a literal) if that one is longer. */
static void compress(gz *s)
{
	size_t pos = 0, plen = 0, pdist = 0; /* plen > 0: a match pending at pos - 1 */
	while (pos < s->n && s->err == PL_OK) {
		if (plen >= MAX_LAZY) {
			emit_match(s, plen, pdist);
			insert_range(s, pos, pos - 1 + plen);
			pos = pos - 1 + plen;
			plen = 0;
			continue;
		}
		size_t dist = 0;
		unsigned chain = plen >= GOOD_LEN ? MAX_CHAIN / 4 : MAX_CHAIN;
		size_t len = find_match(s, pos, plen ? plen : MIN_MATCH - 1, chain, &dist);
		insert_range(s, pos, pos + 1);
		if (plen > 0) {
			if (len > plen) {
				emit_literal(s, s->in[pos - 1]);
				plen = len;
				pdist = dist;
				pos++;
			} else {
				emit_match(s, plen, pdist);
				insert_range(s, pos + 1, pos - 1 + plen);
				pos = pos - 1 + plen;
				plen = 0;
			}
		} else if (len >= MAX_LAZY) {
			emit_match(s, len, dist);
			insert_range(s, pos + 1, pos + len);
			pos += len;
		} else if (len > 0) {
			plen = len;
			pdist = dist;
			pos++;
		} else {
			emit_literal(s, s->in[pos]);
			pos++;
		}
	}
	if (plen > 0 && s->err == PL_OK)
		emit_match(s, plen, pdist);
}

/* ----------------------------------------------------------------- gzip */

static void init_tables(gz *s)
{
	for (unsigned c = 0; c < 29; c++)
		for (unsigned x = len_base[c] - 3u; x < len_base[c] - 3u + (1u << len_extra[c]) && x < 256; x++)
			s->len_code[x] = (uint8_t)c; /* code 285 (258) overrides the top of 284 */
	for (unsigned c = 0; c < D_SYMS; c++) {
		unsigned lo = dist_base[c] - 1u, hi = lo + (1u << dist_extra[c]);
		for (unsigned x = lo; x < hi; x += x < 256 ? 1u : 128u)
			s->dist_code[x < 256 ? x : 256 + (x >> 7)] = (uint8_t)c;
	}
	memset(&s->fixed_ll, 0, sizeof s->fixed_ll);
	memset(&s->fixed_d, 0, sizeof s->fixed_d);
	/* RFC 1951 section 3.2.6; the codes are canonical over all 288 and 32
	 * symbols, including the never-used 286, 287, 30 and 31 */
	for (unsigned c = 0; c < 288; c++)
		s->fixed_ll.len[c] = c < 144 ? 8 : c < 256 ? 9 : c < 280 ? 7 : 8;
	for (unsigned c = 0; c < 32; c++)
		s->fixed_d.len[c] = 5;
	huff_codes(&s->fixed_ll, 288);
	huff_codes(&s->fixed_d, 32);
}

static void put_le32(uint8_t *p, uint32_t v)
{
	for (int k = 0; k < 4; k++)
		p[k] = (uint8_t)(v >> (8 * k));
}

int pl_gzip(const uint8_t *in, size_t n, pl_buf *out)
{
	if (out == NULL || (in == NULL && n > 0))
		return PL_EINVAL;
	/* ID1 ID2 CM=8 FLG=0 MTIME=0 XFL=0 OS=255 */
	static const uint8_t header[10] = {0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff};
	size_t start = out->len;
	int rc = pl_buf_append(out, header, sizeof header);
	if (rc != PL_OK)
		return rc;
	gz *s = malloc(sizeof *s);
	if (s == NULL) {
		pl_buf_truncate(out, start);
		return PL_ENOMEM;
	}
	s->in = in;
	s->n = n;
	memset(s->head, 0, sizeof s->head); /* prev is only read where written */
	s->nsyms = 0;
	memset(s->ll_freq, 0, sizeof s->ll_freq);
	memset(s->d_freq, 0, sizeof s->d_freq);
	s->block_start = s->block_bytes = 0;
	init_tables(s);
	s->out = out;
	s->acc = 0;
	s->nacc = 0;
	s->slen = 0;
	s->err = PL_OK;

	compress(s);
	if (s->err == PL_OK)
		flush_block(s, true);
	bw_align(s);
	bw_drain(s);
	rc = s->err;
	free(s);
	if (rc == PL_OK) {
		uint8_t trailer[8];
		put_le32(trailer, pl_crc32(in, n));
		put_le32(trailer + 4, (uint32_t)n);
		rc = pl_buf_append(out, trailer, sizeof trailer);
	}
	if (rc != PL_OK)
		pl_buf_truncate(out, start);
	return rc;
}
