/*
 * bench_log.c - append and proof benchmarks for the durable log.
 *
 *   bench_log append N BATCH DIR   appends N entries of 200 bytes in batches
 *                                  of BATCH to a new log in DIR; prints
 *                                  entries/s and fsync calls per entry
 *   bench_log staged N BATCH DIR   the same through stage + integrate (the
 *                                  path of a server that acknowledges first)
 *   bench_log prove N COUNT DIR    builds (or reuses) a log of N entries in
 *                                  DIR, then times COUNT inclusion proofs of
 *                                  random entries read through its tiles
 *
 * fsync and fdatasync are interposed here (this executable only) to count
 * every call made by libparley and SQLite.
 */
#include "base/err.h"
#include "store/published.h"
#include "store/log.h"
#include "store/source.h"
#include "tlog/tile.h"

#include <dlfcn.h>
#include <stdbool.h>
#include <limits.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static atomic_ulong fsyncs;

int fsync(int fd);
int fdatasync(int fd);

int fsync(int fd)
{
	static int (*real)(int);
	if (real == NULL)
		*(void **)&real = dlsym(RTLD_NEXT, "fsync");
	atomic_fetch_add(&fsyncs, 1);
	return real(fd);
}

int fdatasync(int fd)
{
	static int (*real)(int);
	if (real == NULL)
		*(void **)&real = dlsym(RTLD_NEXT, "fdatasync");
	atomic_fetch_add(&fsyncs, 1);
	return real(fd);
}

static double now(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static void die(const char *what, int rc, const pl_diag *d)
{
	fprintf(stderr, "bench_log: %s: %s\n", what, pl_diag_text(d, rc));
	exit(1);
}

/* Appends n entries of 200 bytes in batches; returns seconds spent. */
static double append_entries(pl_log *l, uint64_t n, uint64_t batch, bool staged, uint64_t *batches)
{
	pl_span *e = calloc(batch, sizeof *e);
	uint8_t *data = malloc(batch * 200);
	if (e == NULL || data == NULL)
		die("alloc", PL_ENOMEM, NULL);
	double spent = 0;
	uint64_t done = 0, k = 0;
	while (done < n) {
		uint64_t m = n - done < batch ? n - done : batch;
		for (uint64_t i = 0; i < m; i++) {
			uint8_t *p = data + i * 200;
			/* distinct, incompressible-ish 200-byte entries */
			uint64_t x = (done + i) * 0x9E3779B97F4A7C15ull;
			for (int j = 0; j < 200; j += 8) {
				x ^= x << 13;
				x ^= x >> 7;
				x ^= x << 17;
				memcpy(p + j, &x, 8);
			}
			e[i].p = p;
			e[i].n = 200;
		}
		uint64_t first;
		pl_diag d = {0};
		double t0 = now();
		int rc = staged ? pl_log_stage(l, e, m, &first, &d) : pl_log_append(l, e, m, &first, &d);
		if (rc == PL_OK && staged)
			rc = pl_log_integrate(l, &d);
		double t2 = now();
		spent += t2 - t0;
		if (rc != PL_OK)
			die("append", rc, &d);
		done += m;
		k++;
	}
	free(e);
	free(data);
	*batches = k;
	return spent;
}

static pl_log *fresh_log(const char *dir)
{
	char cmd[PATH_MAX + 16];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		die("rm", PL_EIO, NULL);
	pl_diag d = {0};
	int rc = pl_log_init(dir, "bench.example/log", &d);
	if (rc != PL_OK)
		die("init", rc, &d);
	pl_log *l;
	if ((rc = pl_log_open(dir, &l, &d)) != PL_OK)
		die("open", rc, &d);
	return l;
}

static int bench_append(uint64_t n, uint64_t batch, bool staged, const char *dir)
{
	pl_log *l = fresh_log(dir);
	uint64_t batches;
	atomic_store(&fsyncs, 0);
	double s = append_entries(l, n, batch, staged, &batches);
	unsigned long f = atomic_load(&fsyncs);
	printf("%-7s entries=%-9llu batch=%-6llu %10.0f entries/s  %8.3f s  %7.4f fsyncs/entry  "
	       "%6.1f fsyncs/batch\n",
	       staged ? "staged" : "append", (unsigned long long)n, (unsigned long long)batch, (double)n / s, s,
	       (double)f / (double)n, (double)f / (double)batches);
	pl_log_close(l);
	return 0;
}

static int bench_prove(uint64_t n, uint64_t count, const char *dir)
{
	char cp[PATH_MAX];
	snprintf(cp, sizeof cp, "%s/checkpoint", dir);
	pl_log *l = NULL;
	pl_diag d = {0};
	if (access(cp, F_OK) == 0 && pl_log_open(dir, &l, &d) == PL_OK && pl_log_size(l) == n) {
		printf("prove   reusing the log of %llu entries in %s\n", (unsigned long long)n, dir);
	} else {
		pl_log_close(l);
		l = fresh_log(dir);
		uint64_t batches;
		double s = append_entries(l, n, 100000, false, &batches);
		printf("prove   built %llu entries in %.1f s (%.0f entries/s, batches of 100000)\n",
		       (unsigned long long)n, s, (double)n / s);
	}
	pl_log_close(l);
	pl_source *src;
	int rc = pl_source_open_dir(dir, &src, &d);
	if (rc != PL_OK)
		die("source", rc, &d);
	pl_tile_reader *tr = malloc(sizeof *tr);
	pl_tile_reader_init(tr, n, pl_source_fetch_tile, src);
	pl_hash_reader hr = pl_tile_reader_as_hash_reader(tr);
	uint64_t x = 88172645463325252ull;
	pl_hash proof[PL_PROOF_MAX];
	size_t len = 0, total = 0;
	double t0 = now();
	for (uint64_t i = 0; i < count; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		if ((rc = pl_prove_inclusion(&hr, n, x % n, proof, &len)) != PL_OK)
			die("prove", rc, NULL);
		total += len;
	}
	double s = now() - t0;
	printf("prove   tree=%llu  %llu random inclusion proofs from tiles on disk: %.0f proofs/s "
	       "(%.1f us each, %.1f hashes per proof)\n",
	       (unsigned long long)n, (unsigned long long)count, (double)count / s, s * 1e6 / (double)count,
	       (double)total / (double)count);
	free(tr);
	pl_source_free(src);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc != 5) {
		fprintf(stderr, "usage: bench_log append|staged N BATCH DIR | bench_log prove N COUNT DIR\n");
		return 2;
	}
	uint64_t a = strtoull(argv[2], NULL, 10), b = strtoull(argv[3], NULL, 10);
	if (strcmp(argv[1], "append") == 0)
		return bench_append(a, b, false, argv[4]);
	if (strcmp(argv[1], "staged") == 0) /* stage then integrate: the server's path */
		return bench_append(a, b, true, argv[4]);
	if (strcmp(argv[1], "prove") == 0)
		return bench_prove(a, b, argv[4]);
	fprintf(stderr, "unknown benchmark %s\n", argv[1]);
	return 2;
}
