/* capture_decode.c - one captured packet decoded: link, network and
 * transport headers (pl_packet_decode), the payload handed to the DNS, HTTP
 * and TLS decoders. */
#include "evidence/capture_impl.h"

#include <pcap/pcap.h>
#include <string.h>

/* Byte helpers (callers have checked the bounds). */
static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[3] << 24 | (uint32_t)p[2] << 16 | (uint32_t)p[1] << 8 | p[0];
}

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* ---- transport ---- */

static void decode_app_tcp(const uint8_t *p, size_t n, pl_packet *pk)
{
	if (n == 0)
		return;
	if (pk->sport == 53 || pk->dport == 53) {
		if (n < 2)
			return;
		size_t ml = cap_be16(p);
		if (n - 2 >= ml)
			pl_capture_dns(p + 2, ml, false, pk);
		return; /* a message split across segments is not reassembled */
	}
	if (!pl_capture_http(p, n, pk))
		pl_capture_tls(p, n, pk);
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
		pk->sport = cap_be16(p);
		pk->dport = cap_be16(p + 2);
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
		pk->sport = cap_be16(p);
		pk->dport = cap_be16(p + 2);
		size_t ulen = cap_be16(p + 4);
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
			pl_capture_dns(p + 8, ulen - 8, cut, pk);
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
	size_t ihl = (size_t)(p[0] & 15) * 4, tot = cap_be16(p + 2);
	pk->family = 4;
	memcpy(pk->src, p + 12, 4);
	memcpy(pk->dst, p + 16, 4);
	pk->proto = p[9];
	if (ihl < 20 || tot < ihl) {
		pk->malformed = true;
		return;
	}
	uint16_t frag = cap_be16(p + 6);
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
	size_t plen = cap_be16(p + 4), end = 40 + plen;
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
			uint16_t fo = cap_be16(e + 2);
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
			pk->vlan = cap_be16(p) & 0x0fff;
		type = cap_be16(p + 2);
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
			decode_ethertype(cap_be16(p + 12), p + 14, n - 14, pk);
		break;
	case DLT_LINUX_SLL:
		if (n < 16)
			pk->truncated = true;
		else
			decode_ethertype(cap_be16(p + 14), p + 16, n - 16, pk);
		break;
	case DLT_LINUX_SLL2:
		if (n < 20)
			pk->truncated = true;
		else
			decode_ethertype(cap_be16(p), p + 20, n - 20, pk);
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
