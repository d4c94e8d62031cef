/*
 * bench_monitor.c - full audit rate of a monitor over a served log.
 *
 *   bench_monitor PARLEY N DIR
 *
 * Builds (once; reused if DIR/log exists with N + 1 entries) a log whose
 * charter lists 64 founders, followed by N pings signed by them in turn
 * (signed on all cores, appended in batches of 10,000 straight to the store).
 * Then serves it with `PARLEY serve DIR/log --trust-log` on 127.0.0.1 and
 * times one pl_monitor round from an empty mirror in DIR/mirror: download
 * every bundle over loopback, check every signature and every admission
 * rule from entry 0, stage and publish the mirror. Prints statements/s.
 */
#include "base/err.h"
#include "base/fsio.h"
#include "base/timefmt.h"
#include "monitor/monitor.h"
#include "workflow/genesis.h"
#include "statement/sign.h"
#include "store/published.h"
#include "store/log.h"

#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define FOUNDERS 64

static double now(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static void die(const char *what, int rc, const pl_diag *d)
{
	fprintf(stderr, "bench_monitor: %s: %s\n", what, pl_diag_text(d, rc));
	exit(1);
}

typedef struct sign_job {
	pl_party_key **keys;
	const char *origin;
	uint64_t first;        /* statement number of envs[0] (0-based, after the charter) */
	size_t n;
	pl_buf *envs;
	int64_t when;
	size_t start, step;    /* this worker's share: start, start+step, ... */
} sign_job;

static void *sign_worker(void *arg)
{
	sign_job *j = arg;
	for (size_t i = j->start; i < j->n; i += j->step) {
		uint64_t k = j->first + i;
		pl_party_key *key = j->keys[k % FOUNDERS];
		uint64_t seq = k / FOUNDERS + 1 + (k % FOUNDERS == 0); /* founder 0 signed the charter (seq 1) */
		pl_buf_init(&j->envs[i], 4096);
		if (pl_statement_sign(key, j->origin, "ping", seq, j->when, NULL, NULL, 0, &j->envs[i]) != PL_OK)
			die("sign", PL_ECRYPTO, NULL);
	}
	return NULL;
}

static void build(const char *logdir, const char *origin, uint64_t n)
{
	pl_diag d = {0};
	pl_party_key *keys[FOUNDERS];
	pl_identity ids[FOUNDERS];
	for (int i = 0; i < FOUNDERS; i++) {
		char name[32];
		snprintf(name, sizeof name, "founder-%02d", i);
		int rc = pl_party_key_generate(name, &keys[i], &d);
		if (rc != PL_OK)
			die("keygen", rc, &d);
		ids[i] = keys[i]->id;
	}
	pl_charter c = {.name = "bench", .sponsors = 1, .ack_seconds = 86400, .response_seconds = 86400 * 7};
	int rc = pl_setup_log(logdir, origin, keys[0], ids + 1, FOUNDERS - 1, &c, NULL, &d);
	if (rc != PL_OK)
		die("setup", rc, &d);
	pl_log *l;
	if ((rc = pl_log_open(logdir, &l, &d)) != PL_OK)
		die("open", rc, &d);
	const size_t B = 10000;
	pl_buf *envs = calloc(B, sizeof *envs);
	pl_span *spans = calloc(B, sizeof *spans);
	double t0 = now();
	for (uint64_t done = 0; done < n;) {
		size_t m = n - done < B ? (size_t)(n - done) : B;
		sign_job jobs[2];
		pthread_t th;
		for (int t = 0; t < 2; t++)
			jobs[t] = (sign_job){keys, origin, done, m, envs, pl_now(), (size_t)t, 2};
		pthread_create(&th, NULL, sign_worker, &jobs[1]);
		sign_worker(&jobs[0]);
		pthread_join(th, NULL);
		for (size_t i = 0; i < m; i++) {
			spans[i].p = envs[i].data;
			spans[i].n = envs[i].len;
		}
		uint64_t first;
		if ((rc = pl_log_append(l, spans, m, &first, &d)) != PL_OK)
			die("append", rc, &d);
		for (size_t i = 0; i < m; i++)
			pl_buf_release(&envs[i]);
		done += m;
	}
	printf("built   %llu signed statements in %.1f s\n", (unsigned long long)n, now() - t0);
	pl_log_close(l);
	for (int i = 0; i < FOUNDERS; i++)
		pl_party_key_free(keys[i]);
	free(envs);
	free(spans);
}

int main(int argc, char **argv)
{
	if (argc != 4) {
		fprintf(stderr, "usage: bench_monitor PARLEY N DIR\n");
		return 2;
	}
	const char *parley = argv[1], *dir = argv[3];
	uint64_t n = strtoull(argv[2], NULL, 10);
	char logdir[PATH_MAX], mirror[PATH_MAX], portfile[PATH_MAX], cmd[3 * PATH_MAX];
	snprintf(logdir, sizeof logdir, "%s/log", dir);
	snprintf(mirror, sizeof mirror, "%s/mirror", dir);
	snprintf(portfile, sizeof portfile, "%s/port", dir);
	const char *origin = "bench.example/monitored";
	pl_diag d = {0};
	if (pl_fs_mkdirs(dir, 0755, &d) != PL_OK)
		die("mkdir", PL_EIO, &d);
	pl_source *s = NULL;
	pl_buf cpb;
	pl_buf_init(&cpb, 1 << 16);
	bool have = pl_source_open_dir(logdir, &s, NULL) == PL_OK && pl_source_get(s, "checkpoint", 1 << 16, &cpb, NULL) == PL_OK &&
		    strstr(pl_buf_cstr(&cpb), "\n") && strtoull(strchr(pl_buf_cstr(&cpb), '\n') + 1, NULL, 10) == n + 1;
	pl_source_free(s);
	if (!have) {
		snprintf(cmd, sizeof cmd, "rm -rf '%s'", logdir);
		if (system(cmd) != 0)
			return 1;
		build(logdir, origin, n);
	}
	snprintf(cmd, sizeof cmd, "rm -rf '%s' '%s'", mirror, portfile);
	if (system(cmd) != 0)
		return 1;
	pid_t pid = fork();
	if (pid == 0) {
		execl(parley, parley, "serve", logdir, "--listen", "127.0.0.1:0", "--port-file", portfile, "--trust-log",
		      "--allow-root", (char *)NULL);
		_exit(127);
	}
	for (int i = 0; i < 600 && !pl_fs_exists(portfile); i++)
		usleep(100000);
	pl_buf pb;
	pl_buf_init(&pb, 64);
	if (pl_fs_read(portfile, 64, &pb, &d) != PL_OK)
		die("server", PL_EIO, &d);
	char url[64];
	snprintf(url, sizeof url, "http://127.0.0.1:%s", pl_buf_cstr(&pb));
	url[strcspn(url, "\n")] = '\0';
	pl_monitor_opts o;
	memset(&o, 0, sizeof o);
	o.source = url;
	o.dir = mirror;
	o.no_gzip = getenv("GZIP") == NULL; /* loopback: compressing costs more than it saves */
	char vkp[PATH_MAX + 16];
	snprintf(vkp, sizeof vkp, "%s/log.vkey", logdir);
	pl_verifier v;
	if (pl_read_vkey_file(vkp, &v, &d) != PL_OK)
		die("vkey", PL_EFORMAT, &d);
	pl_policy_init(&o.policy, &v);
	pl_monitor *m;
	int rc = pl_monitor_open(&o, &m, &d);
	if (rc != PL_OK)
		die("monitor", rc, &d);
	pl_monitor_result r;
	pl_monitor_result_init(&r);
	double t0 = now();
	rc = pl_monitor_step(m, &r, &d);
	double s2 = now() - t0;
	if (rc != PL_OK)
		die("monitor round", rc, &d);
	printf("monitor %llu statements verified (signatures and rules, from entry 0) over loopback in %.2f s: "
	       "%.0f statements/s; mirror size %llu%s%s\n",
	       (unsigned long long)r.verified, s2, (double)r.verified / s2, (unsigned long long)r.size,
	       r.finding ? "; FINDING: " : "", r.finding ? r.message : "");
	pl_monitor_result_release(&r);
	pl_monitor_close(m);
	kill(pid, SIGTERM);
	waitpid(pid, NULL, 0);
	return 0;
}
