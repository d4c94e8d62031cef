/*
 * capture_impl.h - what the files of the capture reader share; private to
 * src/evidence/capture*.c (callers use capture.h, which this header does not
 * change).
 *
 * The reader is split along one-way dependencies (each file uses only the
 * ones below it and this header):
 *   capture.c         reading a pcap or pcapng file through libpcap and
 *                     handing every packet, decoded, to the callback;
 *   capture_decode.c  one packet's link, network and transport headers
 *                     (pl_packet_decode), its payload passed on to
 *   capture_dns.c     DNS messages: question names, CNAME targets, A/AAAA
 *                     answers;
 *   capture_http.c    HTTP/1.x request lines and their Host header;
 *   capture_tls.c     TLS ClientHellos and their server name.
 * The application decoders read only the bytes they are given, allocate
 * nothing and report what they found in the pl_packet, setting its
 * truncated, malformed and clipped flags as capture.h describes.
 */
#ifndef PARLEY_EVIDENCE_CAPTURE_IMPL_H
#define PARLEY_EVIDENCE_CAPTURE_IMPL_H

#include "evidence/capture.h"

/* ---- byte helpers (callers have checked the bounds) ---- */

static inline uint16_t cap_be16(const uint8_t *p)
{
	return (uint16_t)((unsigned)p[0] << 8 | p[1]);
}

static inline char cap_lower(uint8_t c)
{
	return (char)(c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c);
}

/* Copies n bytes into out[cap] lower-cased (if lc) and NUL-terminated; sets
 * clipped when they do not fit (a prefix is kept). */
static inline void cap_copy_str(char *out, size_t cap, const uint8_t *p, size_t n, bool lc, pl_packet *pk)
{
	if (n >= cap) {
		n = cap - 1;
		pk->clipped = true;
	}
	for (size_t i = 0; i < n; i++)
		out[i] = lc ? cap_lower(p[i]) : (char)p[i];
	out[n] = '\0';
}

/* ---- the application decoders, each on one segment's payload ---- */

/* Decodes the DNS message m[0..n) (capture_dns.c); cut is true when it may
 * have been cut short (running out of bytes is then truncation, not
 * malformation). Sets dns once the header and questions are decoded. */
void pl_capture_dns(const uint8_t *m, size_t n, bool cut, pl_packet *pk);

/* Decodes an HTTP/1.x request line and its Host header at the start of the
 * TCP payload p[0..n) (capture_http.c). False when p does not start with a
 * complete request line (then pk is untouched). */
bool pl_capture_http(const uint8_t *p, size_t n, pl_packet *pk);

/* Decodes a TLS handshake record starting with a ClientHello at p[0..n)
 * (capture_tls.c). False when p does not start with one (pk may then be
 * flagged malformed for a handshake record of impossible length). */
bool pl_capture_tls(const uint8_t *p, size_t n, pl_packet *pk);

#endif
