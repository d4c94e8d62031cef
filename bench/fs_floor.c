/*
 * fs_floor.c - the file-system floor under `bench_log append`: writes exactly
 * the files a log of N entries of 200 bytes consists of (per 256 entries one
 * 51,712-byte bundle and one 8 KiB tile), BATCH entries at a time, each file
 * created, written and fsynced by 8 threads, then renamed and the directory
 * fsynced - with no hashing, no SQLite, no logic. What Parley's append costs
 * above this is Parley's; this part is the machine's.
 *
 *   fs_floor N BATCH DIR
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static char payload[51712];
static const char *root;
static atomic_size_t next;
static size_t nfiles, batch_no;

static void *worker(void *arg)
{
	(void)arg;
	for (;;) {
		size_t i = atomic_fetch_add(&next, 1);
		if (i >= nfiles)
			return NULL;
		char tmp[4096];
		snprintf(tmp, sizeof tmp, "%s/tmp/%zu.%zu", root, batch_no, i);
		int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL, 0644);
		if (fd < 0) {
			perror(tmp);
			exit(1);
		}
		size_t n = i % 2 ? 8192 : sizeof payload;
		if (write(fd, payload, n) != (ssize_t)n || fsync(fd) != 0) {
			perror("write");
			exit(1);
		}
		close(fd);
	}
}

static double now(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	if (argc != 4) {
		fprintf(stderr, "usage: fs_floor N BATCH DIR\n");
		return 2;
	}
	size_t n = strtoull(argv[1], NULL, 10), batch = strtoull(argv[2], NULL, 10);
	root = argv[3];
	char p[4096];
	snprintf(p, sizeof p, "%s/tmp", root);
	mkdir(root, 0755);
	mkdir(p, 0755);
	snprintf(p, sizeof p, "%s/files", root);
	mkdir(p, 0755);
	memset(payload, 'x', sizeof payload);
	double t0 = now();
	size_t done = 0;
	for (batch_no = 0; done < n; batch_no++) {
		size_t m = n - done < batch ? n - done : batch;
		nfiles = 2 * ((m + 255) / 256); /* a bundle and a tile per 256 entries */
		atomic_store(&next, 0);
		pthread_t th[8];
		for (int i = 0; i < 8; i++)
			pthread_create(&th[i], NULL, worker, NULL);
		for (int i = 0; i < 8; i++)
			pthread_join(th[i], NULL);
		for (size_t i = 0; i < nfiles; i++) {
			char tmp[4096], dst[4096];
			snprintf(tmp, sizeof tmp, "%s/tmp/%zu.%zu", root, batch_no, i);
			snprintf(dst, sizeof dst, "%s/files/%zu.%zu", root, batch_no, i);
			if (rename(tmp, dst) != 0) {
				perror("rename");
				return 1;
			}
		}
		int d = open(p, O_RDONLY | O_DIRECTORY);
		fsync(d);
		close(d);
		done += m;
	}
	double s = now() - t0;
	printf("floor   entries=%-9zu batch=%-6zu %10.0f entries/s  %8.3f s  (same files, write+fsync+rename, no hashing)\n",
	       n, batch, (double)n / s, s);
	return 0;
}
