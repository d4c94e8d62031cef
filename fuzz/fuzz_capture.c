/*
 * fuzz_capture.c - the capture reader.
 *
 * The input is read twice:
 *   - as a whole capture file with pl_capture_each_mem (libpcap's pcap/pcapng
 *     reader, then the decoder), and
 *   - as one packet handed straight to pl_packet_decode: the first byte picks
 *     a supported link type, the rest is the packet, copied into a heap block
 *     of exactly its size so ASan sees any read past caplen. (libpcap reads
 *     records into a buffer of snaplen bytes, which would hide such reads.)
 * Properties checked for every packet:
 *   - numbers run 1, 2, 3... and the statistics count exactly what the
 *     callback saw (packets, bytes, truncated, malformed, fragments, not_ip);
 *   - caplen <= PL_CAPTURE_CAPLEN_MAX; caplen < len implies truncated;
 *   - family is 0, 4 or 6; with family 0 there are no ports and no proto;
 *     ports are -1 or 0..65535, both or neither; a later fragment has none;
 *   - counts are within their arrays; every string is NUL-terminated within
 *     its field, and names are lower case;
 *   - application fields appear only over a transport that carries them
 *     (DNS: port 53; HTTP and TLS: TCP), and a host is never set without a
 *     method;
 *   - the result code is one of the documented ones, and is PL_OK at most
 *     when every packet was read.
 */
#include "fuzz_common.h"

#include "evidence/capture.h"

typedef struct fz_walk {
	pl_capture_stats seen;
	uint64_t last;
} fz_walk;

static bool nul_in(const char *s, size_t cap)
{
	return memchr(s, '\0', cap) != NULL;
}

static bool no_upper(const char *s)
{
	for (; *s != '\0'; s++)
		if (*s >= 'A' && *s <= 'Z')
			return false;
	return true;
}

static void check_packet(const pl_packet *p)
{
	FZ_CHECK(p->caplen <= PL_CAPTURE_CAPLEN_MAX);
	if (p->caplen < p->len)
		FZ_CHECK(p->truncated);
	FZ_CHECK(p->family == 0 || p->family == 4 || p->family == 6);
	FZ_CHECK(p->sport >= -1 && p->sport <= 65535 && p->dport >= -1 && p->dport <= 65535);
	FZ_CHECK((p->sport == -1) == (p->dport == -1));
	if (p->family == 0) {
		FZ_CHECK(p->proto == 0 && p->sport == -1 && !p->fragment);
		for (size_t i = 0; i < 16; i++)
			FZ_CHECK(p->src[i] == 0 && p->dst[i] == 0);
	}
	if (p->family == 4)
		for (size_t i = 4; i < 16; i++)
			FZ_CHECK(p->src[i] == 0 && p->dst[i] == 0);
	if (p->sport != -1)
		FZ_CHECK(p->proto == 6 || p->proto == 17);
	FZ_CHECK(p->vlan <= 0x0fff);

	FZ_CHECK(p->ndns_names <= PL_DNS_NAMES_MAX && p->ndns_addrs <= PL_DNS_ADDRS_MAX);
	if (!p->dns)
		FZ_CHECK(p->ndns_names == 0 && p->ndns_addrs == 0);
	else
		FZ_CHECK(p->sport == 53 || p->dport == 53);
	for (size_t i = 0; i < p->ndns_names; i++) {
		FZ_CHECK(nul_in(p->dns_names[i], sizeof p->dns_names[i]));
		FZ_CHECK(p->dns_names[i][0] != '\0' && no_upper(p->dns_names[i]));
		size_t n = strlen(p->dns_names[i]);
		FZ_CHECK(p->dns_names[i][n - 1] != '.' || (n >= 2 && p->dns_names[i][n - 2] == '\\'));
		for (size_t j = 0; j < i; j++)
			FZ_CHECK(strcmp(p->dns_names[i], p->dns_names[j]) != 0);
	}
	for (size_t i = 0; i < p->ndns_addrs; i++) {
		FZ_CHECK(p->dns_addrs[i].family == 4 || p->dns_addrs[i].family == 6);
		if (p->dns_addrs[i].family == 4)
			for (size_t k = 4; k < 16; k++)
				FZ_CHECK(p->dns_addrs[i].b[k] == 0);
	}

	FZ_CHECK(nul_in(p->http_method, sizeof p->http_method));
	FZ_CHECK(nul_in(p->http_host, sizeof p->http_host));
	FZ_CHECK(nul_in(p->http_path, sizeof p->http_path));
	FZ_CHECK(nul_in(p->tls_sni, sizeof p->tls_sni));
	FZ_CHECK(no_upper(p->http_host) && no_upper(p->tls_sni));
	if (p->http_method[0] != '\0' || p->tls_hello)
		FZ_CHECK(p->proto == 6 && p->sport != -1);
	if (p->http_method[0] != '\0')
		FZ_CHECK(p->http_path[0] != '\0' && !p->tls_hello);
	else
		FZ_CHECK(p->http_host[0] == '\0' && p->http_path[0] == '\0');
	if (p->tls_sni[0] != '\0')
		FZ_CHECK(p->tls_hello);
}

static int on_packet(void *ctx, const pl_packet *p)
{
	fz_walk *w = ctx;
	FZ_CHECK(p->number == w->last + 1);
	w->last = p->number;
	check_packet(p);
	w->seen.packets++;
	w->seen.bytes += p->caplen;
	w->seen.truncated += p->truncated;
	w->seen.malformed += p->malformed;
	w->seen.fragments += p->fragment;
	w->seen.not_ip += p->family == 0;
	return 0;
}

static void fuzz_file(const uint8_t *data, size_t size)
{
	fz_walk w;
	memset(&w, 0, sizeof w);
	pl_capture_stats st;
	pl_diag d = {0};
	int rc = pl_capture_each_mem(data, size, on_packet, &w, &st, &d);
	FZ_CHECK(rc == PL_OK || rc == PL_EFORMAT || rc == PL_ETOOBIG || rc == PL_ENOMEM);
	FZ_CHECK(rc == PL_OK || d.msg[0] != '\0');
	FZ_CHECK(nul_in(d.msg, sizeof d.msg));
	FZ_CHECK(st.packets == w.seen.packets && st.bytes == w.seen.bytes && st.truncated == w.seen.truncated);
	FZ_CHECK(st.malformed == w.seen.malformed && st.fragments == w.seen.fragments);
	FZ_CHECK(st.not_ip == w.seen.not_ip);
	if (st.packets > 0)
		FZ_CHECK(pl_capture_linktype_ok(st.linktype));
}

static void fuzz_packet(const uint8_t *data, size_t size)
{
	static const int types[] = {1, 113, 276, 12, 14, 228, 229, 0, 108};
	if (size < 1)
		return;
	int lt = types[data[0] % (sizeof types / sizeof *types)];
	size_t n = size - 1;
	if (n > PL_CAPTURE_CAPLEN_MAX)
		n = PL_CAPTURE_CAPLEN_MAX;
	uint8_t *exact = malloc(n > 0 ? n : 1);
	FZ_CHECK(exact != NULL);
	memcpy(exact, data + 1, n);
	pl_packet p;
	memset(&p, 0xA5, sizeof p); /* decode must not depend on what was there */
	uint32_t len = (data[0] & 0x80) ? (uint32_t)n + 1 : (uint32_t)n;
	FZ_CHECK(pl_packet_decode(lt, exact, (uint32_t)n, len, &p) == PL_OK);
	free(exact);
	FZ_CHECK(p.caplen == n && p.len == len);
	check_packet(&p);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_file(data, size);
	fuzz_packet(data, size);
	return 0;
}
