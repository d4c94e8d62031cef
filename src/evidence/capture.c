/* capture.c - pcap/pcapng reading (libpcap) and per-packet decoding without allocation. */
#include "evidence/capture.h"

#include <errno.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- byte helpers (callers have checked the bounds) ---- */

static uint16_t be16(const uint8_t *p)
{
	return (uint16_t)((unsigned)p[0] << 8 | p[1]);
}

static uint32_t be24(const uint8_t *p)
{
	return (uint32_t)p[0] << 16 | (uint32_t)p[1] << 8 | p[2];
}

static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[3] << 24 | (uint32_t)p[2] << 16 | (uint32_t)p[1] << 8 | p[0];
}

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static char lower(uint8_t c)
{
	return (char)(c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c);
}

/* Copies n bytes into out[cap] lower-cased (if lc) and NUL-terminated; sets
 * clipped when they do not fit (a prefix is kept). */
static void copy_str(char *out, size_t cap, const uint8_t *p, size_t n, bool lc, pl_packet *pk)
{
	if (n >= cap) {
		n = cap - 1;
		pk->clipped = true;
	}
	for (size_t i = 0; i < n; i++)
		out[i] = lc ? lower(p[i]) : (char)p[i];
	out[n] = '\0';
}

/* ---- DNS (RFC 1035) ---- */

enum { NAME_OK = 0, NAME_SHORT = -1, NAME_BAD = -2 };

/* Appends one character or an escape for byte c to out[*o]; false if it does not fit. */
static bool name_put(char *out, size_t cap, size_t *o, uint8_t c)
{
	char tmp[5];
	size_t k;
	if (c > 0x20 && c < 0x7f && c != '.' && c != '\\') {
		tmp[0] = lower(c);
		k = 1;
	} else if (c == '.' || c == '\\') {
		tmp[0] = '\\';
		tmp[1] = (char)c;
		k = 2;
	} else {
		tmp[0] = '\\';
		tmp[1] = (char)('0' + c / 100);
		tmp[2] = (char)('0' + c / 10 % 10);
		tmp[3] = (char)('0' + c % 10);
		k = 4;
	}
	if (*o + k >= cap)
		return false;
	memcpy(out + *o, tmp, k);
	*o += k;
	return true;
}

/*
 * Reads the (possibly compressed) name at *off of the message m[0..n) into out
 * (cap bytes: lower case, dot-separated, bytes outside printable ASCII and '.'
 * or '\' inside labels escaped as in master files, "" for the root) and moves
 * *off past the name where it started. NAME_SHORT if it runs past n,
 * NAME_BAD for a loop, a bad label type or a name over 255 bytes. *fits is
 * false when the text did not fit out (out is then "").
 */
static int dns_name(const uint8_t *m, size_t n, size_t *off, char *out, size_t cap, bool *fits)
{
	size_t pos = *off, after = 0, o = 0, wire = 1;
	int jumps = 0;
	bool ok = true;
	for (;;) {
		if (pos >= n)
			return NAME_SHORT;
		uint8_t c = m[pos];
		if ((c & 0xC0) == 0xC0) {
			if (n - pos < 2)
				return NAME_SHORT;
			if (jumps == 0)
				after = pos + 2;
			if (++jumps > PL_DNS_JUMPS_MAX)
				return NAME_BAD;
			pos = (size_t)(c & 0x3F) << 8 | m[pos + 1];
			continue;
		}
		if (c & 0xC0)
			return NAME_BAD; /* extended (0x40) and reserved (0x80) label types */
		pos++;
		if (c == 0)
			break;
		wire += (size_t)c + 1;
		if (wire > 255)
			return NAME_BAD;
		if (n - pos < c)
			return NAME_SHORT;
		if (ok && o > 0) {
			if (o + 1 >= cap)
				ok = false;
			else
				out[o++] = '.'; /* the separator, not an escaped dot */
		}
		for (size_t i = 0; ok && i < c; i++)
			ok = name_put(out, cap, &o, m[pos + i]);
		pos += c;
	}
	*off = jumps > 0 ? after : pos;
	out[ok ? o : 0] = '\0';
	*fits = ok;
	return NAME_OK;
}

static void dns_add_name(pl_packet *pk, const char *name, bool fits)
{
	if (!fits) {
		pk->clipped = true;
		return;
	}
	if (name[0] == '\0')
		return; /* the root */
	for (size_t i = 0; i < pk->ndns_names; i++)
		if (strcmp(pk->dns_names[i], name) == 0)
			return;
	if (pk->ndns_names == PL_DNS_NAMES_MAX) {
		pk->clipped = true;
		return;
	}
	memcpy(pk->dns_names[pk->ndns_names++], name, strlen(name) + 1);
}

static void dns_add_addr(pl_packet *pk, int family, const uint8_t *b)
{
	if (pk->ndns_addrs == PL_DNS_ADDRS_MAX) {
		pk->clipped = true;
		return;
	}
	pl_dns_addr *a = &pk->dns_addrs[pk->ndns_addrs++];
	a->family = family;
	memset(a->b, 0, sizeof a->b);
	memcpy(a->b, b, family == 4 ? 4 : 16);
}

/* Flags a failure: running out of bytes is truncation when the message is
 * known to be cut (cut), malformed otherwise. */
static void dns_fail(pl_packet *pk, int rc, bool cut)
{
	if (rc == NAME_BAD || !cut)
		pk->malformed = true;
}

/* Decodes the DNS message m[0..n); cut is true when it may have been cut short. */
static void decode_dns(const uint8_t *m, size_t n, bool cut, pl_packet *pk)
{
	char name[256];
	bool fits;
	if (n < 12) {
		dns_fail(pk, NAME_SHORT, cut);
		return;
	}
	unsigned qd = be16(m + 4), an = be16(m + 6);
	size_t off = 12;
	for (unsigned i = 0; i < qd; i++) {
		int rc = dns_name(m, n, &off, name, sizeof name, &fits);
		if (rc == NAME_OK && n - off < 4)
			rc = NAME_SHORT;
		if (rc != NAME_OK) {
			dns_fail(pk, rc, cut);
			pk->ndns_names = 0;
			return;
		}
		off += 4;
		dns_add_name(pk, name, fits);
	}
	pk->dns = true;
	for (unsigned i = 0; i < an; i++) {
		int rc = dns_name(m, n, &off, name, sizeof name, &fits); /* owner, not kept */
		if (rc == NAME_OK && n - off < 10)
			rc = NAME_SHORT;
		if (rc != NAME_OK) {
			dns_fail(pk, rc, cut);
			return;
		}
		uint16_t type = be16(m + off);
		size_t rdlen = be16(m + off + 8);
		off += 10;
		if (n - off < rdlen) {
			dns_fail(pk, NAME_SHORT, cut);
			return;
		}
		size_t end = off + rdlen;
		if (type == 1 || type == 28) {
			if (rdlen != (type == 1 ? 4u : 16u)) {
				pk->malformed = true;
				return;
			}
			dns_add_addr(pk, type == 1 ? 4 : 6, m + off);
		} else if (type == 5) {
			size_t t = off;
			rc = dns_name(m, n, &t, name, sizeof name, &fits);
			if (rc == NAME_OK && t != end)
				rc = NAME_BAD; /* the target must fill its rdata exactly */
			if (rc != NAME_OK) {
				pk->malformed = true; /* the rdata is all there: any failure is malformation */
				return;
			}
			dns_add_name(pk, name, fits);
		}
		off = end;
	}
}

/* ---- HTTP/1.x request line and Host ---- */

static const struct {
	const char *s;
	size_t n;
} http_methods[] = {
	{"GET", 3},     {"POST", 4},    {"HEAD", 4},  {"PUT", 3},   {"DELETE", 6},
	{"OPTIONS", 7}, {"CONNECT", 7}, {"PATCH", 5}, {"TRACE", 5},
};

static bool ci_prefix(const uint8_t *p, size_t n, const char *s)
{
	size_t k = strlen(s);
	if (n < k)
		return false;
	for (size_t i = 0; i < k; i++)
		if (lower(p[i]) != s[i])
			return false;
	return true;
}

/* Copies a Host value (already trimmed) without its port, lower case. A value
 * with spaces or control bytes is not a host: flagged malformed, not kept. */
static void http_set_host(pl_packet *pk, const uint8_t *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (v[i] < 0x21 || v[i] == 0x7f) {
			pk->malformed = true;
			return;
		}
	}
	if (n > 0 && v[0] == '[') {
		const uint8_t *rb = memchr(v, ']', n);
		if (rb != NULL)
			n = (size_t)(rb - v) + 1;
	} else {
		const uint8_t *c = memchr(v, ':', n);
		if (c != NULL && memchr(c + 1, ':', n - (size_t)(c - v) - 1) == NULL)
			n = (size_t)(c - v);
	}
	copy_str(pk->http_host, sizeof pk->http_host, v, n, true, pk);
}

static bool decode_http(const uint8_t *p, size_t n, pl_packet *pk)
{
	if (n < 14 || p[0] < 'A' || p[0] > 'Z')
		return false;
	size_t mi = 0, ml = 0;
	for (; mi < sizeof http_methods / sizeof *http_methods; mi++) {
		ml = http_methods[mi].n;
		if (n > ml && memcmp(p, http_methods[mi].s, ml) == 0 && p[ml] == ' ')
			break;
	}
	if (mi == sizeof http_methods / sizeof *http_methods)
		return false;
	const uint8_t *nl = memchr(p, '\n', n);
	if (nl == NULL)
		return false; /* request line not complete in this segment */
	size_t le = (size_t)(nl - p);
	if (le > 0 && p[le - 1] == '\r')
		le--;
	/* METHOD SP target SP HTTP/1.x */
	size_t ts = ml + 1;
	const uint8_t *sp = ts < le ? memchr(p + ts, ' ', le - ts) : NULL;
	if (sp == NULL || sp == p + ts)
		return false;
	size_t te = (size_t)(sp - p);
	if (le - te != 9 || memcmp(p + te, " HTTP/1.", 8) != 0 || p[le - 1] < '0' || p[le - 1] > '9')
		return false;
	for (size_t i = ts; i < te; i++)
		if (p[i] < 0x21 || p[i] == 0x7f)
			return false; /* a request-target has no controls (nor NUL) */
	memcpy(pk->http_method, http_methods[mi].s, ml + 1);
	copy_str(pk->http_path, sizeof pk->http_path, p + ts, te - ts, false, pk);
	/* header lines, up to the blank line; only complete lines count */
	size_t pos = (size_t)(nl - p) + 1;
	while (pos < n) {
		const uint8_t *e = memchr(p + pos, '\n', n - pos);
		if (e == NULL)
			break;
		size_t ll = (size_t)(e - p) - pos;
		if (ll > 0 && p[pos + ll - 1] == '\r')
			ll--;
		if (ll == 0)
			break;
		if (ci_prefix(p + pos, ll, "host:")) {
			const uint8_t *v = p + pos + 5;
			size_t vn = ll - 5;
			while (vn > 0 && (v[0] == ' ' || v[0] == '\t')) {
				v++;
				vn--;
			}
			while (vn > 0 && (v[vn - 1] == ' ' || v[vn - 1] == '\t'))
				vn--;
			http_set_host(pk, v, vn);
			break;
		}
		pos = (size_t)(e - p) + 1;
	}
	return true;
}

/* ---- TLS ClientHello (RFC 5246 7.4.1.2, RFC 8446 4.1.2, RFC 6066 3) ---- */

/* A vector being read: avail bytes captured, decl bytes declared (avail <= decl). */
typedef struct tls_cur {
	const uint8_t *p;
	size_t avail, decl;
} tls_cur;

enum { TC_OK = 0, TC_SHORT = -1, TC_BAD = -2 };

static int tc_take(tls_cur *c, size_t k, const uint8_t **out)
{
	if (k > c->decl)
		return TC_BAD;
	if (k > c->avail)
		return TC_SHORT;
	*out = c->p;
	c->p += k;
	c->avail -= k;
	c->decl -= k;
	return TC_OK;
}

/* Reads a big-endian length of w bytes (1 or 2), then opens a sub-vector of that length. */
static int tc_vec(tls_cur *c, size_t w, size_t min, tls_cur *sub)
{
	const uint8_t *q;
	int rc = tc_take(c, w, &q);
	if (rc != TC_OK)
		return rc;
	size_t len = w == 1 ? q[0] : be16(q);
	if (len > c->decl || len < min)
		return TC_BAD;
	sub->p = c->p;
	sub->decl = len;
	sub->avail = len < c->avail ? len : c->avail;
	c->p += sub->avail;
	c->avail -= sub->avail;
	c->decl -= len;
	if (sub->avail < len)
		c->avail = 0; /* nothing after a cut vector is captured */
	return TC_OK;
}

static int tls_sni(tls_cur *ext, pl_packet *pk)
{
	tls_cur list;
	int rc = tc_vec(ext, 2, 1, &list);
	while (rc == TC_OK && list.decl > 0) {
		const uint8_t *t;
		tls_cur name;
		if ((rc = tc_take(&list, 1, &t)) != TC_OK || (rc = tc_vec(&list, 2, 1, &name)) != TC_OK)
			break;
		if (t[0] != 0)
			continue;
		if (name.avail < name.decl)
			return TC_SHORT;
		for (size_t i = 0; i < name.avail; i++)
			if (name.p[i] <= 0x20 || name.p[i] >= 0x7f)
				return TC_BAD;
		copy_str(pk->tls_sni, sizeof pk->tls_sni, name.p, name.avail, true, pk);
		return TC_OK;
	}
	return rc;
}

static int tls_hello(tls_cur *h, pl_packet *pk)
{
	const uint8_t *q;
	tls_cur v;
	int rc;
	if ((rc = tc_take(h, 2 + 32, &q)) != TC_OK) /* legacy_version, random */
		return rc;
	if ((rc = tc_vec(h, 1, 0, &v)) != TC_OK) /* legacy_session_id */
		return rc;
	if (v.decl > 32)
		return TC_BAD;
	if ((rc = tc_vec(h, 2, 2, &v)) != TC_OK) /* cipher_suites */
		return rc;
	if (v.decl % 2 != 0)
		return TC_BAD;
	if ((rc = tc_vec(h, 1, 1, &v)) != TC_OK) /* legacy_compression_methods */
		return rc;
	if (h->decl == 0)
		return TC_OK; /* no extensions (TLS 1.0-1.2 allow it) */
	tls_cur exts;
	if ((rc = tc_vec(h, 2, 0, &exts)) != TC_OK)
		return rc;
	while (exts.decl > 0) {
		tls_cur e;
		if ((rc = tc_take(&exts, 2, &q)) != TC_OK || (rc = tc_vec(&exts, 2, 0, &e)) != TC_OK)
			return rc;
		if (be16(q) == 0)
			return tls_sni(&e, pk);
	}
	return TC_OK;
}

static bool decode_tls(const uint8_t *p, size_t n, pl_packet *pk)
{
	if (n < 9 || p[0] != 22 || p[1] != 3 || p[2] < 1 || p[2] > 4 || p[5] != 1)
		return false;
	size_t rlen = be16(p + 3);
	if (rlen < 4 || rlen > (16u << 10) + 2048) {
		pk->malformed = true;
		return false;
	}
	size_t hlen = be24(p + 6);
	pk->tls_hello = true;
	tls_cur h;
	h.p = p + 9;
	/* a hello longer than its record continues in the next record, which is not
	 * followed: its declared extent is then the rest of this record */
	h.decl = hlen < rlen - 4 ? hlen : rlen - 4;
	h.avail = n - 9 < h.decl ? n - 9 : h.decl;
	if (tls_hello(&h, pk) == TC_BAD)
		pk->malformed = true;
	return true;
}

/* ---- transport ---- */

static void decode_app_tcp(const uint8_t *p, size_t n, pl_packet *pk)
{
	if (n == 0)
		return;
	if (pk->sport == 53 || pk->dport == 53) {
		if (n < 2)
			return;
		size_t ml = be16(p);
		if (n - 2 >= ml)
			decode_dns(p + 2, ml, false, pk);
		return; /* a message split across segments is not reassembled */
	}
	if (!decode_http(p, n, pk))
		decode_tls(p, n, pk);
}

/* p[0..n) is the transport header and payload; partial when a first fragment
 * (lengths may point past what the fragment carries), cut when the IP layer
 * was truncated. */
static void decode_l4(uint8_t proto, const uint8_t *p, size_t n, bool partial, bool cut, pl_packet *pk)
{
	if (proto == 6) {
		if (n < 20) {
			if (!partial)
				pk->truncated = true;
			return;
		}
		pk->sport = be16(p);
		pk->dport = be16(p + 2);
		size_t off = (size_t)(p[12] >> 4) * 4;
		if (off < 20) {
			pk->malformed = true;
			return;
		}
		if (off > n) {
			if (!partial)
				pk->truncated = true;
			return;
		}
		decode_app_tcp(p + off, n - off, pk);
	} else if (proto == 17) {
		if (n < 8) {
			if (!partial)
				pk->truncated = true;
			return;
		}
		pk->sport = be16(p);
		pk->dport = be16(p + 2);
		size_t ulen = be16(p + 4);
		if (ulen < 8) {
			pk->malformed = true;
			return;
		}
		if (ulen > n) {
			if (!partial)
				pk->truncated = true;
			cut = true;
			ulen = n;
		}
		if ((pk->sport == 53 || pk->dport == 53) && ulen > 8)
			decode_dns(p + 8, ulen - 8, cut, pk);
	}
}

/* ---- network ---- */

static void decode_ipv4(const uint8_t *p, size_t n, pl_packet *pk)
{
	if (n < 20) {
		pk->truncated = true;
		return;
	}
	if (p[0] >> 4 != 4) {
		pk->malformed = true;
		return;
	}
	size_t ihl = (size_t)(p[0] & 15) * 4, tot = be16(p + 2);
	pk->family = 4;
	memcpy(pk->src, p + 12, 4);
	memcpy(pk->dst, p + 16, 4);
	pk->proto = p[9];
	if (ihl < 20 || tot < ihl) {
		pk->malformed = true;
		return;
	}
	uint16_t frag = be16(p + 6);
	bool more = (frag & 0x2000) != 0, later = (frag & 0x1fff) != 0;
	pk->fragment = more || later;
	bool cut = false;
	if (tot > n) {
		pk->truncated = true;
		cut = true;
		tot = n;
	}
	if (ihl > tot || later)
		return;
	decode_l4(pk->proto, p + ihl, tot - ihl, more, cut, pk);
}

static void decode_ipv6(const uint8_t *p, size_t n, pl_packet *pk)
{
	if (n < 40) {
		pk->truncated = true;
		return;
	}
	if (p[0] >> 4 != 6) {
		pk->malformed = true;
		return;
	}
	pk->family = 6;
	memcpy(pk->src, p + 8, 16);
	memcpy(pk->dst, p + 24, 16);
	uint8_t nh = p[6];
	size_t plen = be16(p + 4), end = 40 + plen;
	bool cut = false;
	if (plen == 0 && nh == 0)
		end = n; /* a jumbogram: its length is in a hop-by-hop option */
	else if (end > n) {
		pk->truncated = true;
		cut = true;
		end = n;
	}
	size_t off = 40;
	bool partial = false;
	for (int i = 0;; i++) {
		if (nh != 0 && nh != 43 && nh != 60 && nh != 44 && nh != 51)
			break;
		pk->proto = nh;
		if (i == PL_IPV6_EXT_MAX) {
			pk->malformed = true;
			return;
		}
		if (end - off < 8) {
			if (!cut)
				pk->malformed = true;
			return;
		}
		const uint8_t *e = p + off;
		if (nh == 44) {
			pk->fragment = true;
			uint16_t fo = be16(e + 2);
			nh = e[0];
			off += 8;
			if (fo >> 3 != 0) {
				pk->proto = nh;
				return;
			}
			partial = (fo & 1) != 0;
			continue;
		}
		size_t hl = nh == 51 ? ((size_t)e[1] + 2) * 4 : ((size_t)e[1] + 1) * 8;
		if (end - off < hl) {
			if (!cut)
				pk->malformed = true;
			return;
		}
		nh = e[0];
		off += hl;
	}
	pk->proto = nh;
	decode_l4(nh, p + off, end - off, partial, cut, pk);
}

/* ---- link ---- */

static void decode_ethertype(uint16_t type, const uint8_t *p, size_t n, pl_packet *pk)
{
	for (int tags = 0; type == 0x8100 || type == 0x88a8 || type == 0x9100; tags++) {
		if (tags == PL_VLAN_TAGS_MAX)
			return; /* deeper stacks are not walked: not IP */
		if (n < 4) {
			pk->truncated = true;
			return;
		}
		if (tags == 0)
			pk->vlan = be16(p) & 0x0fff;
		type = be16(p + 2);
		p += 4;
		n -= 4;
	}
	if (type == 0x0800)
		decode_ipv4(p, n, pk);
	else if (type == 0x86dd)
		decode_ipv6(p, n, pk);
}

static void decode_ip_any(const uint8_t *p, size_t n, pl_packet *pk)
{
	if (n == 0) {
		pk->truncated = true;
		return;
	}
	if (p[0] >> 4 == 4)
		decode_ipv4(p, n, pk);
	else if (p[0] >> 4 == 6)
		decode_ipv6(p, n, pk);
}

/* BSD loopback: an address family in the capturing host's byte order (NULL) or
 * network order (LOOP); whichever reading is small is taken. */
static void decode_loop(const uint8_t *p, size_t n, pl_packet *pk)
{
	if (n < 4) {
		pk->truncated = true;
		return;
	}
	uint32_t af = le32(p);
	if (af > 0xff)
		af = be32(p);
	if (af == 2)
		decode_ipv4(p + 4, n - 4, pk);
	else if (af == 10 || af == 24 || af == 28 || af == 30)
		decode_ipv6(p + 4, n - 4, pk); /* AF_INET6 on Linux, *BSD, FreeBSD, Darwin */
}

#define PL_DLT_RAW_OPENBSD 14

bool pl_capture_linktype_ok(int linktype)
{
	switch (linktype) {
	case DLT_EN10MB:
	case DLT_LINUX_SLL:
	case DLT_LINUX_SLL2:
	case DLT_RAW:
	case PL_DLT_RAW_OPENBSD:
	case 101: /* LINKTYPE_RAW, should it ever reach us untranslated */
	case DLT_IPV4:
	case DLT_IPV6:
	case DLT_NULL:
	case DLT_LOOP:
		return true;
	default:
		return false;
	}
}

static void packet_reset(pl_packet *pk)
{
	pk->truncated = pk->malformed = pk->clipped = pk->fragment = false;
	pk->vlan = 0;
	pk->family = 0;
	memset(pk->src, 0, sizeof pk->src);
	memset(pk->dst, 0, sizeof pk->dst);
	pk->proto = 0;
	pk->sport = pk->dport = -1;
	pk->dns = false;
	pk->ndns_names = pk->ndns_addrs = 0;
	pk->http_method[0] = pk->http_host[0] = pk->http_path[0] = '\0';
	pk->tls_hello = false;
	pk->tls_sni[0] = '\0';
}

int pl_packet_decode(int linktype, const uint8_t *data, uint32_t caplen, uint32_t len, pl_packet *pk)
{
	if (!pl_capture_linktype_ok(linktype) || caplen > PL_CAPTURE_CAPLEN_MAX)
		return PL_EINVAL;
	packet_reset(pk);
	pk->caplen = caplen;
	pk->len = len;
	pk->truncated = caplen < len;
	const uint8_t *p = data;
	size_t n = caplen;
	switch (linktype) {
	case DLT_EN10MB:
		if (n < 14)
			pk->truncated = true;
		else
			decode_ethertype(be16(p + 12), p + 14, n - 14, pk);
		break;
	case DLT_LINUX_SLL:
		if (n < 16)
			pk->truncated = true;
		else
			decode_ethertype(be16(p + 14), p + 16, n - 16, pk);
		break;
	case DLT_LINUX_SLL2:
		if (n < 20)
			pk->truncated = true;
		else
			decode_ethertype(be16(p), p + 20, n - 20, pk);
		break;
	case DLT_IPV4:
		if (n > 0 && p[0] >> 4 != 4)
			pk->malformed = true;
		else
			decode_ip_any(p, n, pk);
		break;
	case DLT_IPV6:
		if (n > 0 && p[0] >> 4 != 6)
			pk->malformed = true;
		else
			decode_ip_any(p, n, pk);
		break;
	case DLT_NULL:
	case DLT_LOOP:
		decode_loop(p, n, pk);
		break;
	default: /* the raw IP aliases */
		decode_ip_any(p, n, pk);
		break;
	}
	return PL_OK;
}

/* ---- reading ---- */

static int walk(pcap_t *pc, const char *what, pl_packet_fn fn, void *ctx, pl_capture_stats *st, pl_diag *d)
{
	int dlt = pcap_datalink(pc);
	st->linktype = dlt;
	if (!pl_capture_linktype_ok(dlt)) {
		const char *name = pcap_datalink_val_to_name(dlt);
		return pl_diag_set(d, PL_EFORMAT, "%s: link type %d (%s) is not supported", what, dlt,
				   name != NULL ? name : "unknown");
	}
	pl_packet pk;
	memset(&pk, 0, sizeof pk);
	for (;;) {
		struct pcap_pkthdr *h;
		const u_char *data;
		int r = pcap_next_ex(pc, &h, &data);
		if (r == PCAP_ERROR_BREAK)
			return PL_OK; /* the end of the capture */
		if (r != 1)
			return pl_diag_set(d, PL_EFORMAT, "%s: packet %llu cannot be read: %s", what,
					   (unsigned long long)st->packets + 1, pcap_geterr(pc));
		if (h->caplen > PL_CAPTURE_CAPLEN_MAX)
			return pl_diag_set(d, PL_ETOOBIG, "%s: packet %llu has %u captured bytes, over the cap of %u",
					   what, (unsigned long long)st->packets + 1, h->caplen,
					   PL_CAPTURE_CAPLEN_MAX);
		pl_packet_decode(dlt, data, h->caplen, h->len, &pk);
		pk.number = ++st->packets;
		pk.sec = (int64_t)h->ts.tv_sec;
		pk.usec = (int32_t)h->ts.tv_usec;
		st->bytes += h->caplen;
		st->truncated += pk.truncated;
		st->malformed += pk.malformed;
		st->fragments += pk.fragment;
		st->not_ip += pk.family == 0;
		if (fn != NULL) {
			int rc = fn(ctx, &pk);
			if (rc != 0)
				return rc;
		}
	}
}

/* Opens the capture on f (owned from here on) and walks it. */
static int walk_file(FILE *f, const char *what, pl_packet_fn fn, void *ctx, pl_capture_stats *st, pl_diag *d)
{
	pl_capture_stats local;
	if (st == NULL)
		st = &local;
	memset(st, 0, sizeof *st);
	st->linktype = -1;
	char errbuf[PCAP_ERRBUF_SIZE] = "";
	pcap_t *pc = pcap_fopen_offline_with_tstamp_precision(f, PCAP_TSTAMP_PRECISION_MICRO, errbuf);
	if (pc == NULL) {
		fclose(f);
		return pl_diag_set(d, PL_EFORMAT, "%s is not a pcap or pcapng capture: %s", what,
				   errbuf[0] != '\0' ? errbuf : "libpcap cannot read it");
	}
	int rc = walk(pc, what, fn, ctx, st, d);
	pcap_close(pc); /* closes f */
	return rc;
}

int pl_capture_each(const char *path, pl_packet_fn fn, void *ctx, pl_capture_stats *st, pl_diag *d)
{
	if (path == NULL)
		return pl_diag_set(d, PL_EINVAL, "no capture file was given");
	if (st != NULL) {
		memset(st, 0, sizeof *st);
		st->linktype = -1;
	}
	FILE *f = fopen(path, "rb");
	if (f == NULL) {
		int e = errno;
		return pl_diag_errno(d, e == ENOENT ? PL_ENOTFOUND : PL_EIO, e, "cannot open the capture %s", path);
	}
	/* a large stdio buffer: libpcap reads record by record through it */
	enum { IOBUF = 1 << 20 };
	char *iobuf = malloc(IOBUF);
	if (iobuf == NULL) {
		fclose(f);
		return pl_diag_set(d, PL_ENOMEM, "out of memory reading %s", path);
	}
	setvbuf(f, iobuf, _IOFBF, IOBUF);
	int rc = walk_file(f, path, fn, ctx, st, d);
	free(iobuf); /* after the FILE is closed */
	return rc;
}

int pl_capture_each_mem(const uint8_t *p, size_t n, pl_packet_fn fn, void *ctx, pl_capture_stats *st, pl_diag *d)
{
	if (st != NULL) {
		memset(st, 0, sizeof *st);
		st->linktype = -1;
	}
	if (p == NULL || n == 0)
		return pl_diag_set(d, PL_EFORMAT, "the capture in memory is empty");
	/* fmemopen wants a non-const buffer; the "rb" mode never writes to it */
	FILE *f = fmemopen((void *)(uintptr_t)p, n, "rb");
	if (f == NULL) {
		int e = errno;
		return pl_diag_errno(d, e == ENOMEM ? PL_ENOMEM : PL_EIO, e, "cannot open the capture in memory");
	}
	return walk_file(f, "the capture in memory", fn, ctx, st, d);
}
