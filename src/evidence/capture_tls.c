/* capture_tls.c - TLS ClientHellos in a capture (RFC 5246 7.4.1.2, RFC 8446
 * 4.1.2, RFC 6066 3): the server_name of a hello, parsed as far as it was
 * captured. */
#include "evidence/capture_impl.h"

/* A 24-bit big-endian length (the caller has checked the bounds). */
static uint32_t be24(const uint8_t *p)
{
	return (uint32_t)p[0] << 16 | (uint32_t)p[1] << 8 | p[2];
}

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
	size_t len = w == 1 ? q[0] : cap_be16(q);
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
		cap_copy_str(pk->tls_sni, sizeof pk->tls_sni, name.p, name.avail, true, pk);
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
		if (cap_be16(q) == 0)
			return tls_sni(&e, pk);
	}
	return TC_OK;
}

bool pl_capture_tls(const uint8_t *p, size_t n, pl_packet *pk)
{
	if (n < 9 || p[0] != 22 || p[1] != 3 || p[2] < 1 || p[2] > 4 || p[5] != 1)
		return false;
	size_t rlen = cap_be16(p + 3);
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
