/* capture.c - pcap/pcapng reading (libpcap): every packet decoded
 * (capture_decode.c) and handed to the callback. */
#include "evidence/capture.h"

#include <errno.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
