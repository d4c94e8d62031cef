/* capture_dns.c - DNS messages of a capture (RFC 1035): question names,
 * CNAME targets and A/AAAA answers, compression pointers followed with bounds
 * checks. */
#include "evidence/capture_impl.h"

#include <string.h>

enum { NAME_OK = 0, NAME_SHORT = -1, NAME_BAD = -2 };

/* Appends one character or an escape for byte c to out[*o]; false if it does not fit. */
static bool name_put(char *out, size_t cap, size_t *o, uint8_t c)
{
	char tmp[5];
	size_t k;
	if (c > 0x20 && c < 0x7f && c != '.' && c != '\\') {
		tmp[0] = cap_lower(c);
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
void pl_capture_dns(const uint8_t *m, size_t n, bool cut, pl_packet *pk)
{
	char name[256];
	bool fits;
	if (n < 12) {
		dns_fail(pk, NAME_SHORT, cut);
		return;
	}
	unsigned qd = cap_be16(m + 4), an = cap_be16(m + 6);
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
		uint16_t type = cap_be16(m + off);
		size_t rdlen = cap_be16(m + off + 8);
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
