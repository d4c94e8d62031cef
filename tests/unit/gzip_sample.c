/*
 * gzip_sample.c - gzips stdin to stdout with pl_gzip (zlib), for gzip_check.py.
 *
 * usage: gzip_sample                 compress stdin, write the member to stdout
 *        gzip_sample --bench ROUNDS  compress stdin ROUNDS times, print
 *                                    "<in> <out> <seconds per round> <MB/s>" on stdout
 */
#include "base/buf.h"
#include "base/gzip.h"
#include "base/err.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	long rounds = 0;
	if (argc == 3 && strcmp(argv[1], "--bench") == 0)
		rounds = strtol(argv[2], NULL, 10);
	else if (argc != 1) {
		fprintf(stderr, "usage: gzip_sample [--bench ROUNDS] <in >out\n");
		return 2;
	}

	pl_buf in;
	pl_buf_init(&in, (size_t)256 << 20);
	uint8_t chunk[65536];
	size_t got;
	while ((got = fread(chunk, 1, sizeof chunk, stdin)) > 0) {
		if (pl_buf_append(&in, chunk, got) != PL_OK) {
			fprintf(stderr, "gzip_sample: input too large\n");
			return 1;
		}
	}

	pl_buf out;
	pl_buf_init(&out, pl_gzip_bound(in.len));
	int rc = PL_OK;
	if (rounds > 0) {
		double t0 = now();
		for (long r = 0; r < rounds && rc == PL_OK; r++) {
			pl_buf_reset(&out);
			rc = pl_gzip(in.data, in.len, &out);
		}
		double per = (now() - t0) / (double)rounds;
		if (rc == PL_OK)
			printf("%zu %zu %.6f %.1f\n", in.len, out.len, per, (double)in.len / per / 1e6);
	} else {
		rc = pl_gzip(in.data, in.len, &out);
		if (rc == PL_OK && out.len > 0 && fwrite(out.data, 1, out.len, stdout) != out.len)
			rc = PL_EIO;
	}
	if (rc != PL_OK)
		fprintf(stderr, "gzip_sample: %s\n", pl_strerror(rc));
	pl_buf_release(&in);
	pl_buf_release(&out);
	return rc == PL_OK ? 0 : 1;
}
