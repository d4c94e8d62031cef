/* ingest_util.c - bench_ingest's clock, exits, /proc readings, figures and the server child. */
#include "ingest.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* The server to stop when the benchmark exits early (die, or a signal): the one thing an atexit or
 * signal handler can reach. */
static server *running;
static volatile pid_t running_pid;

double now(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

void die(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fflush(stdout);
	fprintf(stderr, "bench_ingest: ");
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, "\n");
	va_end(ap);
	exit(1);
}

void die_rc(const char *what, int rc, const char *msg)
{
	die("%s: error %d%s%s", what, rc, msg && *msg ? ": " : "", msg ? msg : "");
}

void *xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);
	if (p == NULL)
		die("%s", "out of memory");
	return p;
}

double proc_cpu(pid_t pid)
{
	char path[64], buf[2048];
	snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
	FILE *fp = fopen(path, "r");
	if (fp == NULL)
		return 0;
	size_t n = fread(buf, 1, sizeof buf - 1, fp);
	fclose(fp);
	buf[n] = '\0';
	const char *p = strrchr(buf, ')');
	if (p == NULL)
		return 0;
	unsigned long long ut = 0, st = 0;
	/* after ") ": state ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt utime stime */
	if (sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &ut, &st) != 2)
		return 0;
	return (double)(ut + st) / (double)sysconf(_SC_CLK_TCK);
}

double self_cpu(void)
{
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 + (double)ru.ru_stime.tv_sec +
	       (double)ru.ru_stime.tv_usec / 1e6;
}

long proc_status_kb(pid_t pid, const char *field)
{
	char path[64], line[256];
	snprintf(path, sizeof path, "/proc/%d/status", (int)pid);
	FILE *fp = fopen(path, "r");
	if (fp == NULL)
		return -1;
	long v = -1;
	size_t n = strlen(field);
	while (fgets(line, sizeof line, fp) != NULL)
		if (strncmp(line, field, n) == 0 && line[n] == ':') {
			v = strtol(line + n + 1, NULL, 10);
			break;
		}
	fclose(fp);
	return v;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

pct percentiles(const double *v, size_t n)
{
	double *s = xcalloc(n, sizeof *s);
	size_t k = 0;
	for (size_t i = 0; i < n; i++)
		if (v[i] >= 0)
			s[k++] = v[i];
	pct p = {k, 0, 0, 0};
	if (k > 0) {
		qsort(s, k, sizeof *s, cmp_double);
		p.p50 = s[(k - 1) / 2] * 1e3;
		p.p99 = s[(size_t)((double)(k - 1) * 0.99)] * 1e3;
		p.max = s[k - 1] * 1e3;
	}
	free(s);
	return p;
}

/* ---- the server child ---- */

static void stop_running(void)
{
	if (running != NULL)
		(void)server_stop(running);
}

/* SIGINT, SIGTERM, SIGHUP: the server goes too (SIGKILL: a handler can do no more), then the signal's own end. */
static void on_signal(int sig)
{
	if (running_pid > 0)
		kill(running_pid, SIGKILL);
	signal(sig, SIG_DFL);
	raise(sig);
}

void server_start(server *s, const char *parley, const char *dir, unsigned batch_ms, size_t batch_max,
		  size_t conn_limit)
{
	char port_file[PATH_MAX + 16], bms[32], bmax[32];
	snprintf(port_file, sizeof port_file, "%s.port", dir);
	snprintf(s->out_file, sizeof s->out_file, "%s.serve.log", dir);
	unlink(port_file);
	snprintf(bms, sizeof bms, "%u", batch_ms);
	snprintf(bmax, sizeof bmax, "%zu", batch_max);
	fflush(stdout);
	pid_t pid = fork();
	if (pid < 0)
		die("%s", "fork failed");
	if (pid == 0) {
		int fd = open(s->out_file, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		if (fd >= 0) {
			dup2(fd, 1);
			dup2(fd, 2);
			close(fd);
		}
		const char *argv[16];
		int n = 0;
		argv[n++] = parley;
		argv[n++] = "serve";
		argv[n++] = dir;
		argv[n++] = "--listen";
		argv[n++] = "127.0.0.1:0";
		argv[n++] = "--port-file";
		argv[n++] = port_file;
		argv[n++] = "--allow-root";
		argv[n++] = "--batch-ms";
		argv[n++] = bms;
		if (batch_max) {
			argv[n++] = "--batch-max";
			argv[n++] = bmax;
		}
		char climit[32];
		if (conn_limit) {
			snprintf(climit, sizeof climit, "%zu", conn_limit);
			argv[n++] = "--conn-limit";
			argv[n++] = climit;
		}
		argv[n] = NULL;
		execv(parley, (char *const *)(uintptr_t)argv);
		_exit(127);
	}
	s->pid = pid;
	s->ctl = -1;
	if (running == NULL) {
		atexit(stop_running);
		signal(SIGINT, on_signal);
		signal(SIGTERM, on_signal);
		signal(SIGHUP, on_signal);
	}
	running = s;
	running_pid = pid;
	for (int i = 0; i < 600; i++) {
		FILE *fp = fopen(port_file, "r");
		unsigned port = 0;
		if (fp != NULL) {
			int got = fscanf(fp, "%u", &port);
			fclose(fp);
			if (got == 1 && port > 0 && port < 65536) {
				s->port = (uint16_t)port;
				unlink(port_file);
				return;
			}
		}
		int st;
		if (waitpid(pid, &st, WNOHANG) == pid) {
			s->pid = 0;
			running_pid = 0;
			die("the server exited at start; see %s", s->out_file);
		}
		usleep(50000);
	}
	die("%s", "the server did not write its port file in 30 s");
}

double server_stop(server *s)
{
	if (s->ctl >= 0)
		close(s->ctl);
	s->ctl = -1;
	if (s->pid <= 0)
		return 0;
	double t0 = now();
	kill(s->pid, SIGTERM);
	int st;
	double took = -1;
	while (now() - t0 < 20) {
		if (waitpid(s->pid, &st, WNOHANG) == s->pid) {
			took = now() - t0;
			break;
		}
		usleep(10000);
	}
	if (took < 0) {
		kill(s->pid, SIGKILL);
		waitpid(s->pid, &st, 0);
	}
	s->pid = 0;
	if (running == s) {
		running = NULL;
		running_pid = 0;
	}
	return took;
}

int server_get(server *s, const char *path, char *out, size_t cap, size_t *outlen)
{
	for (int attempt = 0; attempt < 2; attempt++) {
		if (s->ctl < 0)
			s->ctl = http_connect(s->port, 3000);
		if (s->ctl < 0)
			return -1;
		int st = http_get(s->ctl, path, out, cap, outlen, 10000);
		if (st > 0)
			return st;
		close(s->ctl);
		s->ctl = -1;
	}
	return -1;
}

/* ---- figures the server gives ---- */

static bool metric(const char *text, const char *name, double *out)
{
	size_t n = strlen(name);
	for (const char *p = text; (p = strstr(p, name)) != NULL; p += n) {
		if ((p == text || p[-1] == '\n') && p[n] == ' ') {
			*out = strtod(p + n + 1, NULL);
			return true;
		}
	}
	return false;
}

void server_stats_get(server *srv, server_stats *s)
{
	char *body = xcalloc(1, RESP_MAX);
	size_t blen;
	memset(s, 0, sizeof *s);
	if (server_get(srv, "/metrics", body, RESP_MAX, &blen) == 200) {
		metric(body, "parley_log_size", &s->size);
		metric(body, "parley_batches_total", &s->batches);
		metric(body, "parley_integrate_seconds_total", &s->integrate);
		s->have_indexed = metric(body, "parley_index_entries", &s->indexed);
	}
	free(body);
}

double index_wait(server *srv, uint64_t size, double timeout_s)
{
	double t0 = now();
	for (;;) {
		server_stats s;
		server_stats_get(srv, &s);
		if (!s.have_indexed)
			return -1;
		if (s.indexed >= s.size && s.size >= (double)size)
			return now() - t0;
		if (now() - t0 > timeout_s) {
			fprintf(stderr, "bench_ingest: the index still holds %.0f of %.0f entries after %.0f s; not waiting longer\n",
				s.indexed, s.size, timeout_s);
			return -1;
		}
		usleep(50000);
	}
}

void parties_resync(server *srv, party *parties, size_t n)
{
	size_t cap = (size_t)8 << 20, blen;
	char *body = xcalloc(1, cap);
	int st = server_get(srv, "/v1/parties", body, cap, &blen);
	json_error_t je;
	json_t *a = st == 200 ? json_loadb(body, blen, 0, &je) : NULL;
	free(body);
	if (!json_is_array(a))
		die("GET /v1/parties: HTTP %d, not a JSON array: cannot resynchronise the parties' seqs", st);
	size_t found = 0;
	for (size_t i = 0; i < json_array_size(a); i++) {
		const json_t *m = json_array_get(a, i);
		const char *name = json_string_value(json_object_get(m, "party"));
		json_int_t seq = json_integer_value(json_object_get(m, "seq"));
		for (size_t k = 0; name != NULL && k < n; k++)
			if (strcmp(parties[k].key->id.party, name) == 0) {
				parties[k].next_seq = (uint64_t)seq + 1;
				found++;
				break;
			}
	}
	json_decref(a);
	if (found != n)
		die("GET /v1/parties lists %zu of the %zu parties", found, n);
}
