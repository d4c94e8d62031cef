/*
 * capture_dump.c - prints what pl_capture_each decodes, for capture_tshark_test.py
 * and for measuring throughput.
 *
 * usage: capture_dump FILE          one JSON object per packet on stdout:
 *          {"number","family","src","dst","proto","sport","dport","vlan",
 *           "truncated","malformed","fragment","dns","dns_names","dns_addrs",
 *           "http_method","http_host","http_path","sni"}
 *        capture_dump --bench FILE  reads FILE, prints the statistics and
 *                                   "<bytes> <seconds> <MB/s> <Gbit/s>"
 * Exit status 0, or 1 with the error on stderr.
 */
#include "base/err.h"
#include "evidence/capture.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>

static void jstr(FILE *o, const char *s)
{
	fputc('"', o);
	for (const unsigned char *p = (const unsigned char *)s; *p != '\0'; p++) {
		if (*p == '"' || *p == '\\')
			fprintf(o, "\\%c", *p);
		else if (*p < 0x20 || *p >= 0x7f)
			fprintf(o, "\\u%04x", *p); /* bytes, not characters: enough for a comparison */
		else
			fputc(*p, o);
	}
	fputc('"', o);
}

static void jaddr(FILE *o, int family, const uint8_t *b)
{
	char txt[INET6_ADDRSTRLEN];
	if (family == 0 || inet_ntop(family == 4 ? AF_INET : AF_INET6, b, txt, sizeof txt) == NULL) {
		fputs("null", o);
		return;
	}
	jstr(o, txt);
}

static int print_packet(void *ctx, const pl_packet *p)
{
	FILE *o = ctx;
	fprintf(o, "{\"number\":%llu,\"family\":%d,\"src\":", (unsigned long long)p->number, p->family);
	jaddr(o, p->family, p->src);
	fputs(",\"dst\":", o);
	jaddr(o, p->family, p->dst);
	fprintf(o, ",\"proto\":%u,\"sport\":%d,\"dport\":%d,\"vlan\":%u,\"truncated\":%s,\"malformed\":%s,"
		   "\"fragment\":%s,\"dns\":%s,\"dns_names\":[",
		p->proto, p->sport, p->dport, p->vlan, p->truncated ? "true" : "false", p->malformed ? "true" : "false",
		p->fragment ? "true" : "false", p->dns ? "true" : "false");
	for (size_t i = 0; i < p->ndns_names; i++) {
		if (i > 0)
			fputc(',', o);
		jstr(o, p->dns_names[i]);
	}
	fputs("],\"dns_addrs\":[", o);
	for (size_t i = 0; i < p->ndns_addrs; i++) {
		if (i > 0)
			fputc(',', o);
		jaddr(o, p->dns_addrs[i].family, p->dns_addrs[i].b);
	}
	fputs("],\"http_method\":", o);
	jstr(o, p->http_method);
	fputs(",\"http_host\":", o);
	jstr(o, p->http_host);
	fputs(",\"http_path\":", o);
	jstr(o, p->http_path);
	fputs(",\"sni\":", o);
	jstr(o, p->tls_sni);
	fputs("}\n", o);
	return 0;
}

/* Touches what a matcher would look at, so the work is not optimised away. */
static int count_packet(void *ctx, const pl_packet *p)
{
	uint64_t *n = ctx;
	*n += p->ndns_names + p->ndns_addrs + (p->http_host[0] != '\0') + (p->tls_sni[0] != '\0');
	return 0;
}

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	bool bench = argc == 3 && strcmp(argv[1], "--bench") == 0;
	if (argc != 2 && !bench) {
		fprintf(stderr, "usage: capture_dump [--bench] FILE\n");
		return 2;
	}
	const char *path = argv[argc - 1];
	pl_diag d = {0};
	pl_capture_stats st;
	int rc;
	if (bench) {
		uint64_t found = 0;
		struct stat sb;
		double t0 = now();
		rc = pl_capture_each(path, count_packet, &found, &st, &d);
		double dt = now() - t0;
		if (rc == PL_OK && stat(path, &sb) == 0) {
			printf("packets %llu bytes %llu truncated %llu malformed %llu fragments %llu not_ip %llu "
			       "indicators %llu\n",
			       (unsigned long long)st.packets, (unsigned long long)st.bytes,
			       (unsigned long long)st.truncated, (unsigned long long)st.malformed,
			       (unsigned long long)st.fragments, (unsigned long long)st.not_ip,
			       (unsigned long long)found);
			printf("%lld %.3f %.1f %.2f\n", (long long)sb.st_size, dt, (double)sb.st_size / dt / 1e6,
			       (double)sb.st_size * 8 / dt / 1e9);
		}
	} else {
		rc = pl_capture_each(path, print_packet, stdout, &st, &d);
	}
	if (rc != PL_OK) {
		fprintf(stderr, "capture_dump: %s\n", pl_diag_text(&d, rc));
		return 1;
	}
	return 0;
}
