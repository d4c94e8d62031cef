/* test_capture.c - the capture reader: captures built byte by byte here (pcap
 * and pcapng headers, link, IP, transport and application layers), decoded
 * through pl_capture_each_mem / pl_capture_each, and pl_packet_decode on
 * exact-size copies so the sanitizer build catches any read past caplen. */
#include "testutil.h"

#include "base/buf.h"
#include "base/err.h"
#include "evidence/capture.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ---- building bytes ---- */

typedef struct bb {
	uint8_t b[8192];
	size_t n;
} bb;

static void put(bb *x, const void *p, size_t n)
{
	assert_true(x->n + n <= sizeof x->b);
	memcpy(x->b + x->n, p, n);
	x->n += n;
}

static void put8(bb *x, unsigned v)
{
	uint8_t c = (uint8_t)v;
	put(x, &c, 1);
}

static void put16(bb *x, unsigned v)
{
	put8(x, v >> 8);
	put8(x, v);
}

static void put24(bb *x, unsigned v)
{
	put8(x, v >> 16);
	put16(x, v);
}

static void put32(bb *x, uint32_t v)
{
	put16(x, v >> 16);
	put16(x, v & 0xffff);
}

static void putle16(bb *x, unsigned v)
{
	put8(x, v);
	put8(x, v >> 8);
}

static void putle32(bb *x, uint32_t v)
{
	putle16(x, v & 0xffff);
	putle16(x, v >> 16);
}

static void puts_(bb *x, const char *s)
{
	put(x, s, strlen(s));
}

/* Writes v (big-endian, 2 bytes) at offset off. */
static void set16(bb *x, size_t off, unsigned v)
{
	x->b[off] = (uint8_t)(v >> 8);
	x->b[off + 1] = (uint8_t)v;
}

static void set24(bb *x, size_t off, unsigned v)
{
	x->b[off] = (uint8_t)(v >> 16);
	set16(x, off + 1, v & 0xffff);
}

static const uint8_t SRC4[4] = {192, 0, 2, 10}, DST4[4] = {198, 51, 100, 53};
static const uint8_t SRC6[16] = {0x20, 0x01, 0x0d, 0xb8, [15] = 0x10};
static const uint8_t DST6[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 1, [15] = 0x35};

/* UDP header + payload (checksum 0: none). */
static bb udp(unsigned sport, unsigned dport, const bb *pl)
{
	bb x = {.n = 0};
	put16(&x, sport);
	put16(&x, dport);
	put16(&x, (unsigned)(8 + pl->n));
	put16(&x, 0);
	put(&x, pl->b, pl->n);
	return x;
}

static bb tcp(unsigned sport, unsigned dport, const bb *pl)
{
	bb x = {.n = 0};
	put16(&x, sport);
	put16(&x, dport);
	put32(&x, 1000);
	put32(&x, 2000);
	put8(&x, 6 << 4); /* data offset 6: one option word */
	put8(&x, 0x18);
	put16(&x, 65535);
	put16(&x, 0);
	put16(&x, 0);
	put32(&x, 0x01010101); /* NOP NOP NOP NOP */
	put(&x, pl->b, pl->n);
	return x;
}

/* IPv4 with one option word; frag is the flags/offset field. */
static bb ipv4(unsigned proto, unsigned frag, const bb *pl)
{
	bb x = {.n = 0};
	put8(&x, 0x46);
	put8(&x, 0);
	put16(&x, (unsigned)(24 + pl->n));
	put16(&x, 0x4242);
	put16(&x, frag);
	put8(&x, 64);
	put8(&x, proto);
	put16(&x, 0);
	put(&x, SRC4, 4);
	put(&x, DST4, 4);
	put32(&x, 0x01010100); /* NOP NOP NOP EOL */
	put(&x, pl->b, pl->n);
	return x;
}

static bb ipv6(unsigned nh, const bb *pl)
{
	bb x = {.n = 0};
	put32(&x, 0x60000000);
	put16(&x, (unsigned)pl->n);
	put8(&x, nh);
	put8(&x, 64);
	put(&x, SRC6, 16);
	put(&x, DST6, 16);
	put(&x, pl->b, pl->n);
	return x;
}

/* An 8-byte extension header (hop-by-hop, routing, destination options) before pl. */
static bb ext8(unsigned nh, const bb *pl)
{
	bb x = {.n = 0};
	put8(&x, nh);
	put8(&x, 0);
	put16(&x, 0x0104); /* PadN(4) */
	put32(&x, 0);
	put(&x, pl->b, pl->n);
	return x;
}

static bb ether(unsigned type, const bb *pl)
{
	bb x = {.n = 0};
	put(&x, "\x02\x00\x00\x00\x00\x01\x02\x00\x00\x00\x00\x02", 12);
	put16(&x, type);
	put(&x, pl->b, pl->n);
	return x;
}

/* Ethernet with VLAN tags (tpids[i], vids[i]) before the inner type. */
static bb ether_tags(const unsigned *tpids, const unsigned *vids, size_t ntags, unsigned type, const bb *pl)
{
	bb x = {.n = 0};
	put(&x, "\x02\x00\x00\x00\x00\x01\x02\x00\x00\x00\x00\x02", 12);
	for (size_t i = 0; i < ntags; i++) {
		put16(&x, tpids[i]);
		put16(&x, 0x2000 | vids[i]); /* priority 1 */
	}
	put16(&x, type);
	put(&x, pl->b, pl->n);
	return x;
}

/* DNS: a response for www.Example.COM with a compressed CNAME, an A and an AAAA. */
static bb dns_response(void)
{
	bb x = {.n = 0};
	put16(&x, 0x1234);
	put16(&x, 0x8180);
	put16(&x, 1);
	put16(&x, 3);
	put16(&x, 0);
	put16(&x, 0);
	put(&x, "\x03WwW\x07" "Example\x03" "COM\x00", 17); /* at 12; "example" at 16 */
	put16(&x, 1);
	put16(&x, 1);
	/* www.example.com CNAME cdn.example.com */
	put16(&x, 0xC00C);
	put16(&x, 5);
	put16(&x, 1);
	put32(&x, 300);
	put16(&x, 6);
	size_t target = x.n;
	put(&x, "\x03" "cdn\xC0\x10", 6);
	/* cdn.example.com A 192.0.2.80 */
	put16(&x, 0xC000 | (unsigned)target);
	put16(&x, 1);
	put16(&x, 1);
	put32(&x, 300);
	put16(&x, 4);
	put(&x, "\xC0\x00\x02\x50", 4);
	/* cdn.example.com AAAA 2001:db8::80 */
	put16(&x, 0xC000 | (unsigned)target);
	put16(&x, 28);
	put16(&x, 1);
	put32(&x, 300);
	put16(&x, 16);
	put(&x, "\x20\x01\x0d\xb8\0\0\0\0\0\0\0\0\0\0\0\x80", 16);
	return x;
}

static bb dns_query(const char *wire_name, size_t n)
{
	bb x = {.n = 0};
	put16(&x, 0xabcd);
	put16(&x, 0x0100);
	put16(&x, 1);
	put16(&x, 0);
	put16(&x, 0);
	put16(&x, 0);
	put(&x, wire_name, n);
	put16(&x, 1);
	put16(&x, 1);
	return x;
}

static bb text(const char *s)
{
	bb x = {.n = 0};
	puts_(&x, s);
	return x;
}

/* A TLS ClientHello record. tls13: 32-byte session id, supported_versions and
 * key_share before server_name. sni may be NULL. */
static bb client_hello(const char *sni, bool tls13)
{
	bb x = {.n = 0};
	put8(&x, 22);
	put16(&x, 0x0301);
	put16(&x, 0); /* record length, set below */
	put8(&x, 1);
	put24(&x, 0); /* handshake length, set below */
	put16(&x, 0x0303);
	for (int i = 0; i < 32; i++)
		put8(&x, (unsigned)i);
	if (tls13) {
		put8(&x, 32);
		for (int i = 0; i < 32; i++)
			put8(&x, 0xee);
		put16(&x, 6);
		put16(&x, 0x1301);
		put16(&x, 0x1302);
		put16(&x, 0x1303);
	} else {
		put8(&x, 0);
		put16(&x, 4);
		put16(&x, 0xc02f);
		put16(&x, 0x009c);
	}
	put8(&x, 1);
	put8(&x, 0);
	size_t extlen = x.n;
	put16(&x, 0);
	if (tls13) {
		put16(&x, 43); /* supported_versions */
		put16(&x, 3);
		put8(&x, 2);
		put16(&x, 0x0304);
		put16(&x, 51); /* key_share: x25519, 32 bytes */
		put16(&x, 38);
		put16(&x, 36);
		put16(&x, 0x001d);
		put16(&x, 32);
		for (int i = 0; i < 32; i++)
			put8(&x, 0x55);
	}
	if (sni != NULL) {
		size_t l = strlen(sni);
		put16(&x, 0);
		put16(&x, (unsigned)(l + 5));
		put16(&x, (unsigned)(l + 3));
		put8(&x, 0);
		put16(&x, (unsigned)l);
		puts_(&x, sni);
	}
	put16(&x, 10); /* supported_groups */
	put16(&x, 4);
	put16(&x, 2);
	put16(&x, 0x001d);
	set16(&x, extlen, (unsigned)(x.n - extlen - 2));
	set16(&x, 3, (unsigned)(x.n - 5));
	set24(&x, 6, (unsigned)(x.n - 9));
	return x;
}

/* ---- captures ---- */

typedef struct capw {
	uint8_t *b;
	size_t n, cap;
} capw;

static void cw_put(capw *c, const void *p, size_t n)
{
	if (c->n + n > c->cap) {
		c->cap = (c->n + n) * 2 + 4096;
		c->b = realloc(c->b, c->cap);
		assert_non_null(c->b);
	}
	memcpy(c->b + c->n, p, n);
	c->n += n;
}

static void cw_le32(capw *c, uint32_t v)
{
	uint8_t b[4] = {(uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24)};
	cw_put(c, b, 4);
}

static void cw_le16(capw *c, unsigned v)
{
	uint8_t b[2] = {(uint8_t)v, (uint8_t)(v >> 8)};
	cw_put(c, b, 2);
}

/* A classic little-endian pcap header. */
static capw cap_new(uint32_t linktype)
{
	capw c = {NULL, 0, 0};
	cw_le32(&c, 0xa1b2c3d4);
	cw_le16(&c, 2);
	cw_le16(&c, 4);
	cw_le32(&c, 0);
	cw_le32(&c, 0);
	cw_le32(&c, 262144);
	cw_le32(&c, linktype);
	return c;
}

static void cap_rec(capw *c, const uint8_t *p, size_t caplen, size_t len, uint32_t sec, uint32_t usec)
{
	cw_le32(c, sec);
	cw_le32(c, usec);
	cw_le32(c, (uint32_t)caplen);
	cw_le32(c, (uint32_t)len);
	cw_put(c, p, caplen);
}

static void cap_add(capw *c, const bb *pkt)
{
	cap_rec(c, pkt->b, pkt->n, pkt->n, 1700000000, 123456);
}

/* Collected packets. */
#define MAXP 600
typedef struct got {
	pl_packet *p;
	size_t n;
	int stop_at; /* return 7 at this packet number; 0 never */
} got;

static int collect(void *ctx, const pl_packet *p)
{
	got *g = ctx;
	assert_true(g->n < MAXP);
	g->p[g->n++] = *p;
	if (g->stop_at != 0 && (uint64_t)g->stop_at == p->number)
		return 7;
	return 0;
}

static got *got_new(void)
{
	got *g = calloc(1, sizeof *g);
	assert_non_null(g);
	g->p = calloc(MAXP, sizeof *g->p);
	assert_non_null(g->p);
	return g;
}

static void got_free(got *g)
{
	free(g->p);
	free(g);
}

/* Reads c (freeing it) and expects PL_OK and count packets. */
static got *read_ok(capw *c, size_t count, pl_capture_stats *st)
{
	got *g = got_new();
	pl_diag d = {0};
	pl_capture_stats local;
	if (st == NULL)
		st = &local;
	int rc = pl_capture_each_mem(c->b, c->n, collect, g, st, &d);
	if (rc != PL_OK)
		fail_msg("read failed: %s", pl_diag_text(&d, rc));
	assert_int_equal(g->n, count);
	assert_true(st->packets == count);
	for (size_t i = 0; i < g->n; i++)
		assert_true(g->p[i].number == i + 1);
	free(c->b);
	return g;
}

/* Decodes one packet alone through a capture of the given link type. */
static pl_packet one(uint32_t linktype, const bb *pkt)
{
	capw c = cap_new(linktype);
	cap_add(&c, pkt);
	got *g = read_ok(&c, 1, NULL);
	pl_packet p = g->p[0];
	got_free(g);
	return p;
}

static bool has_name(const pl_packet *p, const char *name)
{
	for (size_t i = 0; i < p->ndns_names; i++)
		if (strcmp(p->dns_names[i], name) == 0)
			return true;
	return false;
}

/* ---- tests ---- */

static void test_dns_udp(void **state)
{
	(void)state;
	bb q = dns_query("\x03WwW\x07" "Example\x03" "COM\x00", 17);
	bb u = udp(40000, 53, &q), ip = ipv4(17, 0, &u), e = ether(0x0800, &ip);
	bb r = dns_response();
	bb u2 = udp(53, 40000, &r), ip2 = ipv4(17, 0x4000, &u2), e2 = ether(0x0800, &ip2);
	capw c = cap_new(1);
	cap_add(&c, &e);
	cap_add(&c, &e2);
	pl_capture_stats st;
	got *g = read_ok(&c, 2, &st);
	assert_int_equal(st.linktype, 1);
	assert_true(st.bytes == e.n + e2.n);
	assert_true(st.not_ip == 0 && st.truncated == 0 && st.malformed == 0 && st.fragments == 0);

	const pl_packet *p = &g->p[0];
	assert_true(p->sec == 1700000000 && p->usec == 123456);
	assert_int_equal(p->family, 4);
	assert_memory_equal(p->src, SRC4, 4);
	assert_memory_equal(p->dst, DST4, 4);
	assert_int_equal(p->proto, 17);
	assert_int_equal(p->sport, 40000);
	assert_int_equal(p->dport, 53);
	assert_false(p->truncated || p->malformed || p->fragment || p->clipped);
	assert_true(p->dns);
	assert_int_equal(p->ndns_names, 1);
	assert_string_equal(p->dns_names[0], "www.example.com");
	assert_int_equal(p->ndns_addrs, 0);

	p = &g->p[1];
	assert_true(p->dns);
	assert_false(p->fragment); /* DF is not a fragment */
	assert_int_equal(p->ndns_names, 2);
	assert_string_equal(p->dns_names[0], "www.example.com");
	assert_string_equal(p->dns_names[1], "cdn.example.com");
	assert_int_equal(p->ndns_addrs, 2);
	assert_int_equal(p->dns_addrs[0].family, 4);
	assert_memory_equal(p->dns_addrs[0].b, "\xC0\x00\x02\x50", 4);
	assert_int_equal(p->dns_addrs[1].family, 6);
	assert_memory_equal(p->dns_addrs[1].b, "\x20\x01\x0d\xb8\0\0\0\0\0\0\0\0\0\0\0\x80", 16);
	assert_false(p->malformed);
	got_free(g);
}

static void test_dns_tcp_and_escapes(void **state)
{
	(void)state;
	bb r = dns_response(), m = {.n = 0};
	put16(&m, (unsigned)r.n);
	put(&m, r.b, r.n);
	bb t = tcp(53, 51000, &m), ip = ipv4(6, 0, &t), e = ether(0x0800, &ip);
	pl_packet p = one(1, &e);
	assert_true(p.dns);
	assert_int_equal(p.proto, 6);
	assert_int_equal(p.ndns_names, 2);
	assert_int_equal(p.ndns_addrs, 2);

	/* a TCP DNS message longer than the segment: not decoded, not an error */
	set16(&m, 0, (unsigned)r.n + 10);
	t = tcp(53, 51000, &m);
	ip = ipv4(6, 0, &t);
	e = ether(0x0800, &ip);
	p = one(1, &e);
	assert_false(p.dns);
	assert_false(p.malformed);

	/* odd bytes in labels are escaped, a dot inside a label too */
	bb q = dns_query("\x04" "a.b\x01" "\x01" "X" "\x00", 9);
	bb u = udp(1234, 53, &q);
	ip = ipv4(17, 0, &u);
	e = ether(0x0800, &ip);
	p = one(1, &e);
	assert_true(p.dns);
	assert_int_equal(p.ndns_names, 1);
	assert_string_equal(p.dns_names[0], "a\\.b\\001.x");

	/* more question names than the array holds: clipped, the first kept */
	bb many = {.n = 0};
	put16(&many, 1);
	put16(&many, 0x0100);
	put16(&many, 10);
	put16(&many, 0);
	put16(&many, 0);
	put16(&many, 0);
	for (int i = 0; i < 10; i++) {
		char lbl[3] = {2, 'n', (char)('0' + i)};
		put(&many, lbl, 3);
		put8(&many, 0);
		put16(&many, 1);
		put16(&many, 1);
	}
	u = udp(1234, 53, &many);
	ip = ipv4(17, 0, &u);
	e = ether(0x0800, &ip);
	p = one(1, &e);
	assert_true(p.dns && p.clipped);
	assert_int_equal(p.ndns_names, PL_DNS_NAMES_MAX);
	assert_string_equal(p.dns_names[7], "n7");
}

static void test_dns_malformed(void **state)
{
	(void)state;
	/* the question name is a pointer to itself */
	bb q = dns_query("\xC0\x0C", 2);
	bb u = udp(1234, 53, &q), ip = ipv4(17, 0, &u), e = ether(0x0800, &ip);
	pl_packet p = one(1, &e);
	assert_false(p.dns);
	assert_true(p.malformed);
	assert_int_equal(p.ndns_names, 0);
	assert_int_equal(p.sport, 1234); /* the layers below are still reported */

	/* two pointers pointing at each other, in a CNAME target */
	bb r = dns_response();
	size_t target = 12 + 17 + 4 + 12; /* the CNAME rdata */
	r.b[target] = 0xC0;
	r.b[target + 1] = (uint8_t)(target + 2);
	r.b[target + 2] = 0xC0;
	r.b[target + 3] = (uint8_t)target;
	u = udp(53, 1234, &r);
	ip = ipv4(17, 0, &u);
	e = ether(0x0800, &ip);
	p = one(1, &e);
	assert_true(p.dns); /* the question was fine */
	assert_true(p.malformed);
	assert_int_equal(p.ndns_names, 1);
	assert_int_equal(p.ndns_addrs, 0);

	/* a pointer past the end of the message */
	q = dns_query("\xC0\xFF", 2);
	u = udp(1234, 53, &q);
	ip = ipv4(17, 0, &u);
	e = ether(0x0800, &ip);
	p = one(1, &e);
	assert_false(p.dns);
	assert_true(p.malformed);

	/* a reserved label type; an A record of 5 bytes; a name of over 255 bytes */
	q = dns_query("\x83" "abc\x00", 5);
	u = udp(1234, 53, &q);
	ip = ipv4(17, 0, &u);
	e = ether(0x0800, &ip);
	p = one(1, &e);
	assert_false(p.dns);
	assert_true(p.malformed);

	r = dns_response();
	set16(&r, r.n - 28 - 4 - 2, 5); /* the A rdlength */
	u = udp(53, 1234, &r);
	ip = ipv4(17, 0, &u);
	e = ether(0x0800, &ip);
	p = one(1, &e);
	assert_true(p.dns && p.malformed);

	bb longname = {.n = 0};
	for (int i = 0; i < 5; i++) {
		put8(&longname, 60);
		for (int k = 0; k < 60; k++)
			put8(&longname, 'a');
	}
	put8(&longname, 0);
	q = dns_query((const char *)longname.b, longname.n);
	u = udp(1234, 53, &q);
	ip = ipv4(17, 0, &u);
	e = ether(0x0800, &ip);
	p = one(1, &e);
	assert_false(p.dns);
	assert_true(p.malformed);

	/* a header of 11 bytes on port 53 */
	bb shortmsg = text("0123456789a");
	u = udp(1234, 53, &shortmsg);
	ip = ipv4(17, 0, &u);
	e = ether(0x0800, &ip);
	p = one(1, &e);
	assert_false(p.dns);
	assert_true(p.malformed);
}

static void test_http(void **state)
{
	(void)state;
	bb h = text("GET /index.html?q=1 HTTP/1.1\r\nUser-Agent: x\r\nhOsT:  WWW.Example.ORG:8080 \r\nAccept: */*\r\n\r\n");
	bb t = tcp(50000, 8080, &h), ip = ipv4(6, 0x4000, &t), e = ether(0x0800, &ip);
	pl_packet p = one(1, &e);
	assert_int_equal(p.sport, 50000);
	assert_int_equal(p.dport, 8080);
	assert_string_equal(p.http_method, "GET");
	assert_string_equal(p.http_path, "/index.html?q=1");
	assert_string_equal(p.http_host, "www.example.org");
	assert_false(p.tls_hello);

	h = text("POST http://[2001:db8::1]:81/x HTTP/1.0\nHost: [2001:DB8::1]:81\n\nbody");
	t = tcp(50000, 81, &h);
	bb ip6 = ipv6(6, &t);
	e = ether(0x86dd, &ip6);
	p = one(1, &e);
	assert_string_equal(p.http_method, "POST");
	assert_string_equal(p.http_path, "http://[2001:db8::1]:81/x");
	assert_string_equal(p.http_host, "[2001:db8::1]");

	/* no Host; the Host after the blank line does not count */
	h = text("DELETE /a HTTP/1.1\r\n\r\nHost: evil.example\r\n");
	t = tcp(50000, 80, &h);
	ip = ipv4(6, 0, &t);
	e = ether(0x0800, &ip);
	p = one(1, &e);
	assert_string_equal(p.http_method, "DELETE");
	assert_string_equal(p.http_host, "");

	/* not requests: a lower-case method, HTTP/2 preface, no version, a split line, a cut Host line */
	const char *no[] = {"get / HTTP/1.1\r\n\r\n", "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", "GET /\r\n\r\n",
			    "GET /only/part/of/the/line HTT", "GETS / HTTP/1.1\r\n\r\n", "GET  HTTP/1.1\r\n",
			    "GET /a\x01z HTTP/1.1\r\n\r\n", "GET /a\tz HTTP/1.1\r\n\r\n"};
	for (size_t i = 0; i < sizeof no / sizeof *no; i++) {
		h = text(no[i]);
		t = tcp(50000, 80, &h);
		ip = ipv4(6, 0, &t);
		e = ether(0x0800, &ip);
		p = one(1, &e);
		if (p.http_method[0] != '\0')
			fail_msg("\"%s\" taken for an HTTP request", no[i]);
	}
	h = text("HEAD / HTTP/1.1\r\nHost: cut.exam");
	t = tcp(50000, 80, &h);
	ip = ipv4(6, 0, &t);
	e = ether(0x0800, &ip);
	p = one(1, &e);
	assert_string_equal(p.http_method, "HEAD");
	assert_string_equal(p.http_host, "");

	/* a Host value with a space or a control byte: flagged, not kept */
	h = text("GET / HTTP/1.1\r\nHost: a\x7f.example\r\n\r\n");
	t = tcp(50000, 80, &h);
	ip = ipv4(6, 0, &t);
	e = ether(0x0800, &ip);
	p = one(1, &e);
	assert_string_equal(p.http_method, "GET");
	assert_string_equal(p.http_host, "");
	assert_true(p.malformed);

	/* a path longer than the field: clipped */
	bb lp = {.n = 0};
	puts_(&lp, "GET /");
	for (int i = 0; i < 2000; i++)
		put8(&lp, 'a');
	puts_(&lp, " HTTP/1.1\r\nHost: a\r\n\r\n");
	t = tcp(50000, 80, &lp);
	ip = ipv4(6, 0, &t);
	e = ether(0x0800, &ip);
	p = one(1, &e);
	assert_true(p.clipped);
	assert_int_equal(strlen(p.http_path), sizeof p.http_path - 1);
	assert_string_equal(p.http_host, "a");
}

static void test_tls(void **state)
{
	(void)state;
	bb ch = client_hello("Secure.Example.NET", false);
	bb t = tcp(50001, 443, &ch), ip = ipv4(6, 0, &t), e = ether(0x0800, &ip);
	pl_packet p = one(1, &e);
	assert_true(p.tls_hello);
	assert_string_equal(p.tls_sni, "secure.example.net");
	assert_false(p.malformed);

	ch = client_hello("tls13.example", true);
	t = tcp(50001, 443, &ch);
	bb ip6 = ipv6(6, &t);
	e = ether(0x86dd, &ip6);
	p = one(1, &e);
	assert_true(p.tls_hello);
	assert_string_equal(p.tls_sni, "tls13.example");
	assert_int_equal(p.family, 6);

	/* without SNI */
	ch = client_hello(NULL, true);
	t = tcp(50001, 443, &ch);
	ip = ipv4(6, 0, &t);
	e = ether(0x0800, &ip);
	p = one(1, &e);
	assert_true(p.tls_hello);
	assert_string_equal(p.tls_sni, "");
	assert_false(p.malformed);

	/* the record announces more than the segment holds: parsed as far as it goes */
	ch = client_hello("big.example", true);
	size_t full = ch.n;
	set16(&ch, 3, 3000);
	set24(&ch, 6, 2996);
	t = tcp(50001, 443, &ch);
	ip = ipv4(6, 0, &t);
	e = ether(0x0800, &ip);
	p = one(1, &e);
	assert_true(p.tls_hello);
	assert_false(p.malformed);
	/* the extensions length still says the old size; SNI is found */
	assert_string_equal(p.tls_sni, "big.example");
	/* the segment ends before the SNI: nothing found, nothing malformed */
	for (size_t cut = 9; cut < full - 8; cut += 7) {
		bb part = ch;
		part.n = cut;
		t = tcp(50001, 443, &part);
		ip = ipv4(6, 0, &t);
		e = ether(0x0800, &ip);
		p = one(1, &e);
		assert_true(p.tls_hello);
		assert_false(p.malformed);
	}

	/* malformed lengths: cipher suites past the hello, odd cipher suites,
	 * an SNI length past its extension, a session id of 33 bytes, a huge record */
	ch = client_hello("x.example", false);
	bb bad = ch;
	set16(&bad, 9 + 2 + 32 + 1, 0x4000);
	t = tcp(50001, 443, &bad);
	ip = ipv4(6, 0, &t);
	e = ether(0x0800, &ip);
	p = one(1, &e);
	assert_true(p.tls_hello && p.malformed);
	assert_string_equal(p.tls_sni, "");

	bad = ch;
	set16(&bad, 9 + 2 + 32 + 1, 3);
	t = tcp(50001, 443, &bad);
	ip = ipv4(6, 0, &t);
	e = ether(0x0800, &ip);
	p = one(1, &e);
	assert_true(p.malformed);

	bad = ch;
	size_t sni_len_at = 9 + 2 + 32 + 1 + 2 + 4 + 2 + 2 + 2 + 2 + 2 + 1;
	assert_memory_equal(bad.b + sni_len_at + 2, "x.example", 9);
	set16(&bad, sni_len_at, 200);
	t = tcp(50001, 443, &bad);
	ip = ipv4(6, 0, &t);
	e = ether(0x0800, &ip);
	p = one(1, &e);
	assert_true(p.malformed);
	assert_string_equal(p.tls_sni, "");

	bad = ch;
	bad.b[9 + 2 + 32] = 33;
	t = tcp(50001, 443, &bad);
	ip = ipv4(6, 0, &t);
	e = ether(0x0800, &ip);
	p = one(1, &e);
	assert_true(p.malformed);

	bad = ch;
	set16(&bad, 3, 0xffff);
	t = tcp(50001, 443, &bad);
	ip = ipv4(6, 0, &t);
	e = ether(0x0800, &ip);
	p = one(1, &e);
	assert_true(p.malformed);
	assert_false(p.tls_hello);

	/* not a hello: a ServerHello, an application data record, version 3.5 */
	const unsigned ct[][3] = {{22, 0x0303, 2}, {23, 0x0303, 1}, {22, 0x0305, 1}};
	for (size_t i = 0; i < 3; i++) {
		bad = ch;
		bad.b[0] = (uint8_t)ct[i][0];
		set16(&bad, 1, ct[i][1]);
		bad.b[5] = (uint8_t)ct[i][2];
		t = tcp(50001, 443, &bad);
		ip = ipv4(6, 0, &t);
		e = ether(0x0800, &ip);
		p = one(1, &e);
		assert_false(p.tls_hello);
		assert_string_equal(p.tls_sni, "");
	}
}

static void test_ipv6_ext(void **state)
{
	(void)state;
	bb q = dns_query("\x02v6\x07" "example\x00", 12);
	bb u = udp(5353, 53, &q);
	bb dst = ext8(17, &u), rt = ext8(60, &dst), hbh = ext8(43, &rt);
	bb ip6 = ipv6(0, &hbh), e = ether(0x86dd, &ip6);
	pl_packet p = one(1, &e);
	assert_int_equal(p.family, 6);
	assert_memory_equal(p.src, SRC6, 16);
	assert_memory_equal(p.dst, DST6, 16);
	assert_int_equal(p.proto, 17);
	assert_int_equal(p.sport, 5353);
	assert_int_equal(p.dport, 53);
	assert_true(p.dns);
	assert_string_equal(p.dns_names[0], "v6.example");
	assert_false(p.truncated || p.malformed || p.fragment);

	/* a fragment header: first fragment (M set) yields ports, a later one not */
	bb frag = {.n = 0};
	put8(&frag, 17);
	put8(&frag, 0);
	put16(&frag, 0x0001);
	put32(&frag, 0xdeadbeef);
	put(&frag, u.b, u.n);
	ip6 = ipv6(44, &frag);
	e = ether(0x86dd, &ip6);
	p = one(1, &e);
	assert_true(p.fragment);
	assert_int_equal(p.proto, 17);
	assert_int_equal(p.sport, 5353);
	assert_true(p.dns);
	set16(&frag, 2, 0x00a8); /* offset 21 (168 bytes), last */
	ip6 = ipv6(44, &frag);
	e = ether(0x86dd, &ip6);
	p = one(1, &e);
	assert_true(p.fragment);
	assert_int_equal(p.proto, 17);
	assert_int_equal(p.sport, -1);
	assert_int_equal(p.dport, -1);
	assert_false(p.dns);

	/* nine extension headers: over the cap */
	bb chain = u;
	unsigned nh = 17;
	for (int i = 0; i < 9; i++) {
		chain = ext8(nh, &chain);
		nh = 60;
	}
	ip6 = ipv6(60, &chain);
	e = ether(0x86dd, &ip6);
	p = one(1, &e);
	assert_true(p.malformed);
	assert_int_equal(p.sport, -1);

	/* an extension header running past the payload length */
	ip6 = ipv6(0, &hbh);
	set16(&ip6, 4, 4);
	e = ether(0x86dd, &ip6);
	p = one(1, &e);
	assert_true(p.malformed);
	assert_int_equal(p.sport, -1);
}

static void test_vlan(void **state)
{
	(void)state;
	bb h = text("GET / HTTP/1.1\r\nHost: vlan.example\r\n\r\n");
	bb t = tcp(1, 80, &h), ip = ipv4(6, 0, &t);
	unsigned tp1[] = {0x8100}, v1[] = {100};
	bb e = ether_tags(tp1, v1, 1, 0x0800, &ip);
	pl_packet p = one(1, &e);
	assert_int_equal(p.vlan, 100);
	assert_int_equal(p.family, 4);
	assert_string_equal(p.http_host, "vlan.example");

	unsigned tp2[] = {0x88a8, 0x8100}, v2[] = {200, 300};
	e = ether_tags(tp2, v2, 2, 0x0800, &ip);
	p = one(1, &e);
	assert_int_equal(p.vlan, 200);
	assert_string_equal(p.http_host, "vlan.example");

	unsigned tp4[] = {0x9100, 0x88a8, 0x8100, 0x8100}, v4[] = {4094, 2, 3, 4};
	e = ether_tags(tp4, v4, 4, 0x0800, &ip);
	p = one(1, &e);
	assert_int_equal(p.vlan, 4094);
	assert_int_equal(p.family, 4);

	unsigned tp5[] = {0x8100, 0x8100, 0x8100, 0x8100, 0x8100}, v5[] = {5, 6, 7, 8, 9};
	e = ether_tags(tp5, v5, 5, 0x0800, &ip);
	p = one(1, &e);
	assert_int_equal(p.vlan, 5);
	assert_int_equal(p.family, 0);

	/* a tag cut short */
	e = ether_tags(tp2, v2, 2, 0x0800, &ip);
	capw c = cap_new(1);
	cap_rec(&c, e.b, 16, e.n, 0, 0);
	got *g = read_ok(&c, 1, NULL);
	assert_true(g->p[0].truncated);
	assert_int_equal(g->p[0].family, 0);
	got_free(g);
}

static void test_link_types(void **state)
{
	(void)state;
	bb h = text("GET /l HTTP/1.1\r\nHost: link.example\r\n\r\n");
	bb t = tcp(1, 80, &h), ip = ipv4(6, 0, &t), ip6 = ipv6(6, &t);

	/* Linux SLL: packet type, ARPHRD, address length, 8 address bytes, protocol */
	bb sll = {.n = 0};
	put16(&sll, 0);
	put16(&sll, 1);
	put16(&sll, 6);
	put(&sll, "\x02\0\0\0\0\x01\0\0", 8);
	put16(&sll, 0x0800);
	put(&sll, ip.b, ip.n);
	pl_packet p = one(113, &sll);
	assert_int_equal(p.family, 4);
	assert_string_equal(p.http_host, "link.example");

	/* SLL2: protocol, reserved, ifindex, ARPHRD, packet type, address length, address */
	bb sll2 = {.n = 0};
	put16(&sll2, 0x86dd);
	put16(&sll2, 0);
	put32(&sll2, 2);
	put16(&sll2, 1);
	put8(&sll2, 4);
	put8(&sll2, 6);
	put(&sll2, "\x02\0\0\0\0\x01\0\0", 8);
	put(&sll2, ip6.b, ip6.n);
	p = one(276, &sll2);
	assert_int_equal(p.family, 6);
	assert_string_equal(p.http_path, "/l");

	/* raw IP under its link type numbers; IPV4 and IPV6 */
	const uint32_t raws[] = {101, 12, 14};
	for (size_t i = 0; i < 3; i++) {
		p = one(raws[i], &ip);
		assert_int_equal(p.family, 4);
		assert_string_equal(p.http_host, "link.example");
		p = one(raws[i], &ip6);
		assert_int_equal(p.family, 6);
	}
	p = one(228, &ip);
	assert_int_equal(p.family, 4);
	p = one(229, &ip6);
	assert_int_equal(p.family, 6);
	assert_string_equal(p.http_host, "link.example");
	p = one(229, &ip); /* IPv4 under DLT_IPV6 */
	assert_int_equal(p.family, 0);
	assert_true(p.malformed);

	/* NULL in both byte orders, LOOP; IPv6 as AF_INET6 of several systems */
	const struct {
		uint32_t lt;
		bool le;
		uint32_t af;
		int fam;
	} loops[] = {{0, true, 2, 4},  {0, false, 2, 4}, {0, true, 30, 6}, {0, false, 24, 6},
		     {0, true, 28, 6}, {108, false, 2, 4}, {108, false, 10, 6}, {108, true, 2, 4}};
	for (size_t i = 0; i < sizeof loops / sizeof *loops; i++) {
		bb l = {.n = 0};
		if (loops[i].le)
			putle32(&l, loops[i].af);
		else
			put32(&l, loops[i].af);
		const bb *in = loops[i].fam == 4 ? &ip : &ip6;
		put(&l, in->b, in->n);
		p = one(loops[i].lt, &l);
		assert_int_equal(p.family, loops[i].fam);
		assert_string_equal(p.http_host, "link.example");
	}
	bb l = {.n = 0};
	putle32(&l, 7); /* an unknown family */
	put(&l, ip.b, ip.n);
	p = one(0, &l);
	assert_int_equal(p.family, 0);

	/* ARP over Ethernet: not IP */
	bb arp = text("0123456789012345678901234567");
	bb e = ether(0x0806, &arp);
	capw c = cap_new(1);
	cap_add(&c, &e);
	pl_capture_stats st;
	got *g = read_ok(&c, 1, &st);
	assert_int_equal(g->p[0].family, 0);
	assert_int_equal(g->p[0].sport, -1);
	assert_true(st.not_ip == 1);
	got_free(g);
}

static void test_fragments(void **state)
{
	(void)state;
	bb r = dns_response();
	bb u = udp(53, 3333, &r);
	/* first fragment: MF, offset 0, carrying the UDP header and the first 40 bytes */
	bb part = u;
	part.n = 48;
	bb ip = ipv4(17, 0x2000, &part), e = ether(0x0800, &ip);
	bb rest = {.n = 0};
	put(&rest, u.b + 48, u.n - 48);
	bb ip2 = ipv4(17, 48 / 8, &rest), e2 = ether(0x0800, &ip2);
	capw c = cap_new(1);
	cap_add(&c, &e);
	cap_add(&c, &e2);
	pl_capture_stats st;
	got *g = read_ok(&c, 2, &st);
	assert_true(st.fragments == 2 && st.truncated == 0 && st.malformed == 0);
	pl_packet *p = &g->p[0];
	assert_true(p->fragment);
	assert_false(p->truncated || p->malformed);
	assert_int_equal(p->sport, 53);
	assert_int_equal(p->dport, 3333);
	assert_true(p->dns); /* the question fits in the first fragment */
	assert_true(has_name(p, "www.example.com"));
	p = &g->p[1];
	assert_true(p->fragment);
	assert_int_equal(p->family, 4);
	assert_int_equal(p->proto, 17);
	assert_int_equal(p->sport, -1);
	assert_int_equal(p->dport, -1);
	assert_false(p->dns);
	got_free(g);
}

/* Checks a packet decoded from the first k bytes of a full one whose layer
 * boundaries are given: each layer is reported exactly when it was captured. */
static void check_cut(const pl_packet *p, size_t k, size_t full, size_t l3, size_t l3min, size_t l4, size_t l4min,
		      size_t app_done)
{
	assert_true(p->truncated == (k < full));
	assert_int_equal(p->family != 0, k >= l3 + l3min);
	assert_int_equal(p->sport != -1, k >= l4 + l4min);
	assert_false(p->malformed);
	bool app = p->dns || p->http_host[0] != '\0' || p->tls_sni[0] != '\0';
	if (app != (k >= app_done))
		fail_msg("cut at %zu of %zu: application data %s", k, full, app ? "found" : "missing");
}

static void test_truncation(void **state)
{
	(void)state;
	bb h = text("GET /t HTTP/1.1\r\nHost: trunc.example\r\n\r\n");
	bb t = tcp(1, 80, &h), ip = ipv4(6, 0, &t), e = ether(0x0800, &ip);
	bb q = dns_query("\x05trunc\x07" "example\x00", 15);
	bb u = udp(2, 53, &q), hbh = ext8(17, &u), ip6 = ipv6(0, &hbh), e6 = ether(0x86dd, &ip6);
	bb ch = client_hello("cut.example", true);
	bb t3 = tcp(3, 443, &ch), ip3 = ipv4(6, 0, &t3);
	unsigned tp[] = {0x88a8, 0x8100}, vid[] = {7, 8};
	bb e3 = ether_tags(tp, vid, 2, 0x0800, &ip3);
	struct {
		const bb *pkt;
		size_t l3, l3min, l4, l4min, app_done;
	} cases[] = {
		{&e, 14, 20, 14 + 24, 20, e.n - 2}, /* the Host line is complete before the blank line */
		{&e6, 14, 40, 14 + 40 + 8, 8, e6.n},
		{&e3, 22, 20, 22 + 24, 20, e3.n - 8}, /* the SNI is complete before supported_groups */
	};
	for (size_t ci = 0; ci < 3; ci++) {
		const bb *pkt = cases[ci].pkt;
		capw c = cap_new(1);
		for (size_t k = 0; k <= pkt->n; k++)
			cap_rec(&c, pkt->b, k, pkt->n, 1, 0);
		pl_capture_stats st;
		got *g = read_ok(&c, pkt->n + 1, &st);
		assert_true(st.truncated == pkt->n);
		for (size_t k = 0; k <= pkt->n; k++) {
			const pl_packet *p = &g->p[k];
			assert_int_equal(p->caplen, k);
			check_cut(p, k, pkt->n, cases[ci].l3, cases[ci].l3min, cases[ci].l4, cases[ci].l4min, cases[ci].app_done);
			/* the same bytes in an exact-size heap block: ASan sees any over-read */
			uint8_t *exact = malloc(k > 0 ? k : 1);
			assert_non_null(exact);
			memcpy(exact, pkt->b, k);
			pl_packet d;
			assert_int_equal(pl_packet_decode(1, exact, (uint32_t)k, (uint32_t)pkt->n, &d), PL_OK);
			free(exact);
			assert_int_equal(d.family, p->family);
			assert_int_equal(d.sport, p->sport);
			assert_true(d.truncated == p->truncated);
			assert_string_equal(d.http_host, p->http_host);
			assert_string_equal(d.tls_sni, p->tls_sni);
			assert_true(d.dns == p->dns);
		}
		const pl_packet *last = &g->p[pkt->n];
		assert_true(last->http_host[0] != '\0' || last->dns || last->tls_sni[0] != '\0');
		got_free(g);
	}

	/* an IP total length beyond the captured bytes (caplen == len): truncated */
	bb ipc = ip;
	set16(&ipc, 2, (unsigned)ip.n + 100);
	bb ec = ether(0x0800, &ipc);
	pl_packet p = one(1, &ec);
	assert_true(p.truncated);
	assert_false(p.malformed);
	assert_string_equal(p.http_host, "trunc.example"); /* what is there is read */

	/* bad IPv4 header length and total length, TCP offset, UDP length: malformed */
	ipc = ip;
	ipc.b[0] = 0x44;
	ec = ether(0x0800, &ipc);
	p = one(1, &ec);
	assert_true(p.malformed);
	assert_int_equal(p.sport, -1);
	ipc = ip;
	set16(&ipc, 2, 20);
	ec = ether(0x0800, &ipc);
	p = one(1, &ec);
	assert_true(p.malformed);
	ipc = ip;
	ipc.b[24 + 12] = 0x40;
	ec = ether(0x0800, &ipc);
	p = one(1, &ec);
	assert_true(p.malformed);
	assert_string_equal(p.http_method, "");
	bb uc = u;
	set16(&uc, 4, 7);
	ipc = ipv4(17, 0, &uc);
	ec = ether(0x0800, &ipc);
	p = one(1, &ec);
	assert_true(p.malformed);
	assert_false(p.dns);
	ipc = ip;
	ipc.b[0] = 0x65; /* version 6 in an IPv4 ethertype */
	ec = ether(0x0800, &ipc);
	p = one(1, &ec);
	assert_true(p.malformed);
	assert_int_equal(p.family, 0);
}

static void test_refusals(void **state)
{
	(void)state;
	pl_diag d = {0};
	pl_capture_stats st;
	bb pkt = text("0123456789abcdef0123");

	/* 802.11 */
	capw c = cap_new(105);
	cap_add(&c, &pkt);
	int rc = pl_capture_each_mem(c.b, c.n, collect, NULL, &st, &d);
	assert_int_equal(rc, PL_EFORMAT);
	assert_non_null(strstr(d.msg, "link type 105 (IEEE802_11) is not supported"));
	assert_int_equal(st.linktype, 105);
	assert_true(st.packets == 0);
	free(c.b);

	/* garbage, a cut header, nothing */
	const char *garbage = "this is not a capture file at all, just some text\n";
	pl_diag_clear(&d);
	rc = pl_capture_each_mem((const uint8_t *)garbage, strlen(garbage), collect, NULL, &st, &d);
	assert_int_equal(rc, PL_EFORMAT);
	assert_non_null(strstr(d.msg, "not a pcap or pcapng capture"));
	pl_diag_clear(&d);
	c = cap_new(1);
	rc = pl_capture_each_mem(c.b, 10, collect, NULL, &st, &d);
	assert_int_equal(rc, PL_EFORMAT);
	pl_diag_clear(&d);
	rc = pl_capture_each_mem(c.b, 0, collect, NULL, &st, &d);
	assert_int_equal(rc, PL_EFORMAT);
	free(c.b);

	/* a record cut short: the packets before it are delivered, then an error */
	bb q = dns_query("\x01" "a\x00", 3);
	bb u = udp(1, 53, &q), ip = ipv4(17, 0, &u), e = ether(0x0800, &ip);
	c = cap_new(1);
	cap_add(&c, &e);
	cap_add(&c, &e);
	got *g = got_new();
	pl_diag_clear(&d);
	rc = pl_capture_each_mem(c.b, c.n - 5, collect, g, &st, &d);
	assert_int_equal(rc, PL_EFORMAT);
	assert_int_equal(g->n, 1);
	assert_true(st.packets == 1);
	assert_non_null(strstr(d.msg, "packet 2"));
	got_free(g);
	free(c.b);

	/* a record larger than the cap */
	c = cap_new(1);
	uint8_t *big = calloc(1, 300000);
	assert_non_null(big);
	cap_rec(&c, big, 300000, 300000, 0, 0);
	free(big);
	pl_diag_clear(&d);
	rc = pl_capture_each_mem(c.b, c.n, collect, NULL, &st, &d);
	assert_true(rc == PL_ETOOBIG || rc == PL_EFORMAT);
	assert_non_null(strstr(d.msg, "packet 1"));
	assert_true(st.packets == 0);
	free(c.b);

	/* the callback stops the walk */
	c = cap_new(1);
	for (int i = 0; i < 5; i++)
		cap_add(&c, &e);
	g = got_new();
	g->stop_at = 3;
	rc = pl_capture_each_mem(c.b, c.n, collect, g, &st, NULL);
	assert_int_equal(rc, 7);
	assert_int_equal(g->n, 3);
	assert_true(st.packets == 3);
	got_free(g);

	/* files: a real one, a missing one */
	char *dir = tu_tmpdir();
	char path[512];
	snprintf(path, sizeof path, "%s/x.pcap", dir);
	FILE *f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(c.b, 1, c.n, f), c.n);
	fclose(f);
	free(c.b);
	rc = pl_capture_each(path, NULL, NULL, &st, NULL);
	assert_int_equal(rc, PL_OK);
	assert_true(st.packets == 5 && st.bytes == 5 * e.n);
	snprintf(path, sizeof path, "%s/missing.pcap", dir);
	pl_diag_clear(&d);
	rc = pl_capture_each(path, NULL, NULL, &st, &d);
	assert_int_equal(rc, PL_ENOTFOUND);
	assert_non_null(strstr(d.msg, "missing.pcap"));
	tu_rmrf(dir);

	/* the decoder alone refuses what the reader refuses */
	pl_packet p;
	assert_int_equal(pl_packet_decode(105, pkt.b, (uint32_t)pkt.n, (uint32_t)pkt.n, &p), PL_EINVAL);
	assert_false(pl_capture_linktype_ok(105));
	assert_true(pl_capture_linktype_ok(1));
}

/* pcapng: SHB, an IDB with nanosecond resolution, EPBs, and a big-endian
 * nanosecond classic pcap. */
static void pcapng_block(capw *c, uint32_t type, const bb *body)
{
	size_t pad = (4 - body->n % 4) % 4;
	uint32_t tot = (uint32_t)(12 + body->n + pad);
	cw_le32(c, type);
	cw_le32(c, tot);
	cw_put(c, body->b, body->n);
	static const uint8_t zero[4] = {0};
	cw_put(c, zero, pad);
	cw_le32(c, tot);
}

static void test_pcapng_and_nanoseconds(void **state)
{
	(void)state;
	bb ch = client_hello("ng.example", true);
	bb t = tcp(4, 443, &ch), ip = ipv4(6, 0, &t), e = ether(0x0800, &ip);
	capw c = {NULL, 0, 0};
	bb shb = {.n = 0};
	putle32(&shb, 0x1a2b3c4d);
	putle16(&shb, 1);
	putle16(&shb, 0);
	putle32(&shb, 0xffffffff);
	putle32(&shb, 0xffffffff);
	pcapng_block(&c, 0x0a0d0d0a, &shb);
	bb idb = {.n = 0};
	putle16(&idb, 1);
	putle16(&idb, 0);
	putle32(&idb, 65535);
	putle16(&idb, 9); /* if_tsresol: 10^-9 */
	putle16(&idb, 1);
	put8(&idb, 9);
	put(&idb, "\0\0\0", 3);
	putle32(&idb, 0); /* opt_endofopt */
	pcapng_block(&c, 1, &idb);
	uint64_t ts = 1700000000ull * 1000000000ull + 987654321ull;
	for (int i = 0; i < 2; i++) {
		bb epb = {.n = 0};
		putle32(&epb, 0);
		putle32(&epb, (uint32_t)(ts >> 32));
		putle32(&epb, (uint32_t)ts);
		putle32(&epb, (uint32_t)(i == 0 ? e.n : 30));
		putle32(&epb, (uint32_t)e.n);
		put(&epb, e.b, i == 0 ? e.n : 30);
		pcapng_block(&c, 6, &epb);
	}
	got *g = read_ok(&c, 2, NULL);
	assert_true(g->p[0].sec == 1700000000 && g->p[0].usec == 987654);
	assert_string_equal(g->p[0].tls_sni, "ng.example");
	assert_false(g->p[0].truncated);
	assert_true(g->p[1].truncated);
	assert_int_equal(g->p[1].caplen, 30);
	assert_int_equal(g->p[1].len, e.n);
	got_free(g);

	/* big-endian nanosecond pcap */
	capw b = {NULL, 0, 0};
	bb hdr = {.n = 0};
	put32(&hdr, 0xa1b23c4d);
	put16(&hdr, 2);
	put16(&hdr, 4);
	put32(&hdr, 0);
	put32(&hdr, 0);
	put32(&hdr, 65535);
	put32(&hdr, 1);
	put32(&hdr, 1700000001);
	put32(&hdr, 5000);
	put32(&hdr, (uint32_t)e.n);
	put32(&hdr, (uint32_t)e.n);
	cw_put(&b, hdr.b, hdr.n);
	cw_put(&b, e.b, e.n);
	g = read_ok(&b, 1, NULL);
	assert_true(g->p[0].sec == 1700000001 && g->p[0].usec == 5);
	assert_string_equal(g->p[0].tls_sni, "ng.example");
	got_free(g);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dns_udp),
		cmocka_unit_test(test_dns_tcp_and_escapes),
		cmocka_unit_test(test_dns_malformed),
		cmocka_unit_test(test_http),
		cmocka_unit_test(test_tls),
		cmocka_unit_test(test_ipv6_ext),
		cmocka_unit_test(test_vlan),
		cmocka_unit_test(test_link_types),
		cmocka_unit_test(test_fragments),
		cmocka_unit_test(test_truncation),
		cmocka_unit_test(test_refusals),
		cmocka_unit_test(test_pcapng_and_nanoseconds),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
