/*
 * capture.h - a packet capture reader for evidence: pcap and pcapng files
 * (through libpcap's offline reader), decoded down to the indicators that
 * incident responders match on: addresses, ports, DNS names and answers, HTTP
 * request hosts and paths, TLS server names.
 *
 * Link types: Ethernet (up to 4 stacked 802.1Q / 802.1ad / QinQ tags), Linux
 * cooked SLL and SLL2, raw IP (DLT 12 and 14 and LINKTYPE_RAW 101, which
 * libpcap reports as DLT_RAW), IPv4, IPv6, BSD NULL and LOOP (family in either
 * byte order). Any other link type refuses the file.
 *
 * Network and transport: IPv4 (options skipped; header and total length
 * checked against the captured bytes), IPv6 with up to PL_IPV6_EXT_MAX
 * extension headers (hop-by-hop, routing, destination options, fragment, AH),
 * TCP (data offset) and UDP. A fragment is flagged; the first fragment still
 * yields ports and application data, later ones do not. Nothing is
 * reassembled: neither IP fragments nor TCP streams, so an HTTP request line,
 * a Host header or a ClientHello split across segments is not recognised.
 *
 * Application layer, per segment:
 *   DNS  UDP or TCP port 53 (TCP: the 2-byte length prefix and the whole
 *        message in one segment). Question names, CNAME targets and A/AAAA
 *        answers of the answer section. Compression is followed with bounds
 *        checks and at most PL_DNS_JUMPS_MAX pointers per name.
 *   HTTP a TCP payload starting with one of GET POST HEAD PUT DELETE OPTIONS
 *        CONNECT PATCH TRACE, a space, a target and " HTTP/1.x" on a complete
 *        request line; the Host header (name matched case-insensitively, on a
 *        complete line before the blank line), port suffix stripped, lower case.
 *   TLS  a handshake record (type 22, version 0x0301..0x0304) whose first
 *        message is a ClientHello; its server_name host_name. A record or
 *        hello longer than the segment is parsed as far as it was captured.
 *
 * Nothing is allocated per packet: one pl_packet lives on the reader's stack
 * and is overwritten for every packet; the callback sees it only during the
 * call. The reader keeps no global state and is safe to run in several threads
 * on different captures.
 */
#ifndef PARLEY_EVIDENCE_CAPTURE_H
#define PARLEY_EVIDENCE_CAPTURE_H

#include "base/err.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PL_DNS_NAMES_MAX 8               /* names kept per packet */
#define PL_DNS_ADDRS_MAX 16              /* A/AAAA answers kept per packet */
#define PL_DNS_JUMPS_MAX 64              /* compression pointers followed per name */
#define PL_IPV6_EXT_MAX 8                /* IPv6 extension headers walked */
#define PL_VLAN_TAGS_MAX 4               /* stacked VLAN tags walked */
#define PL_CAPTURE_CAPLEN_MAX (256u << 10) /* largest captured packet accepted */

typedef struct pl_dns_addr {
	int family;   /* 4 or 6 */
	uint8_t b[16]; /* IPv4 in the first 4 bytes */
} pl_dns_addr;

/*
 * One decoded packet. Strings are NUL-terminated; names are lower case without
 * a trailing dot. Entries of dns_names / dns_addrs at or past their count are
 * unspecified (the struct is reused, not cleared, between packets).
 */
typedef struct pl_packet {
	uint64_t number;     /* 1-based, in capture order (as Wireshark numbers frames) */
	int64_t sec;         /* timestamp, seconds since the epoch */
	int32_t usec;        /* and microseconds (nanosecond captures are converted) */
	uint32_t caplen;     /* bytes captured (never above PL_CAPTURE_CAPLEN_MAX) */
	uint32_t len;        /* bytes on the wire, as recorded */
	bool truncated;      /* caplen < len, or a header ran past the captured bytes */
	bool malformed;      /* a header is inconsistent (bad IP header length, total length below
			      * the header, TCP offset < 5, UDP length < 8, too many IPv6 extension
			      * headers, a DNS compression loop or bad label, TLS lengths that
			      * overrun their enclosing vector...); decoding stopped there */
	bool clipped;        /* a value did not fit its field (long path, more names or addresses
			      * than the arrays hold): the field holds a prefix, or the extra
			      * entries were dropped */
	uint16_t vlan;       /* outermost 802.1Q/802.1ad VLAN id, 0 none */
	int family;          /* 4 or 6; 0 when no IP header was decoded */
	uint8_t src[16];     /* IPv4 in the first 4 bytes */
	uint8_t dst[16];
	uint8_t proto;       /* IP protocol (after IPv6 extension headers; the pending header when
			      * the chain was cut short); 0 when family is 0 */
	int sport, dport;    /* TCP/UDP ports, -1 when absent (later fragment, other protocol,
			      * transport header not captured) */
	bool fragment;       /* an IPv4 or IPv6 fragment (first or later) */

	bool dns;            /* a DNS message (UDP or TCP port 53): header and questions decoded */
	char dns_names[PL_DNS_NAMES_MAX][256]; /* question names and CNAME targets, distinct */
	size_t ndns_names;
	pl_dns_addr dns_addrs[PL_DNS_ADDRS_MAX]; /* A/AAAA answers, in message order */
	size_t ndns_addrs;
	char http_method[16]; /* an HTTP/1.x request line in this segment; "" otherwise */
	char http_host[256];  /* its Host header, lower case, port stripped; "" if none */
	char http_path[1024]; /* its request target as sent */
	bool tls_hello;       /* a TLS ClientHello starts this segment */
	char tls_sni[256];    /* its server_name host_name, lower case; "" otherwise */
} pl_packet;

/* Called once per packet; a non-zero return stops the walk and is returned by
 * the pl_capture_each* call. */
typedef int (*pl_packet_fn)(void *ctx, const pl_packet *p);

typedef struct pl_capture_stats {
	uint64_t packets;   /* packets read (and passed to the callback) */
	uint64_t bytes;     /* sum of their captured lengths */
	uint64_t truncated; /* packets with truncated set */
	uint64_t malformed; /* packets with malformed set */
	uint64_t fragments; /* packets with fragment set */
	uint64_t not_ip;    /* packets with family 0 (ARP, other ethertypes, cut link headers) */
	int linktype;       /* the DLT_ value libpcap reports for the capture (-1 before it is opened) */
} pl_capture_stats;

/*
 * Reads the pcap or pcapng file at path and calls fn (which may be NULL) for
 * every packet in order, with a pl_packet valid only during the call. st (may
 * be NULL) is zeroed first and counts what was read, also on failure.
 * Returns PL_OK at the end of the capture, fn's non-zero return if it stopped
 * the walk, or:
 *   PL_ENOTFOUND  no such file; PL_EIO  it cannot be opened or read;
 *   PL_EFORMAT    not a capture (libpcap's message), a link type not listed
 *                 above ("link type N (NAME) is not supported"), or a record
 *                 libpcap cannot read (cut short, bad lengths) - the packets
 *                 before it have been delivered;
 *   PL_ETOOBIG    a packet's captured length exceeds PL_CAPTURE_CAPLEN_MAX;
 *   PL_ENOMEM;    PL_EINVAL  path is NULL.
 * d gets one sentence naming the file and, for record errors, the packet number.
 */
int pl_capture_each(const char *path, pl_packet_fn fn, void *ctx, pl_capture_stats *st, pl_diag *d);

/* As pl_capture_each, for a capture held in memory (n bytes at p, which is
 * only read). An empty buffer is PL_EFORMAT. For tests and fuzzing. */
int pl_capture_each_mem(const uint8_t *p, size_t n, pl_packet_fn fn, void *ctx, pl_capture_stats *st,
			pl_diag *d);

/* True if linktype (a DLT_ value as libpcap reports it) is one the reader decodes. */
bool pl_capture_linktype_ok(int linktype);

/*
 * Decodes one packet of the given link type (caplen bytes at data, len bytes
 * on the wire) into *out, overwriting every field except number, sec and usec
 * (left as they were). Reads only data[0..caplen). Returns PL_OK, PL_EINVAL
 * for an unsupported link type or caplen > PL_CAPTURE_CAPLEN_MAX (out is then
 * untouched). Malformed content is never an error: it sets the flags above.
 */
int pl_packet_decode(int linktype, const uint8_t *data, uint32_t caplen, uint32_t len, pl_packet *out);

#endif
