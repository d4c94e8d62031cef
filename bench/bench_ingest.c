/*
 * bench_ingest.c - sustained durable ingest through `parley serve`.
 *
 *   bench_ingest PARLEY [--conns N] [--stmts M] [--wait-stmts W] [--batch-ms MS]
 *                       [--batch-max N] [--poll-us US] [--dir DIR] [--keep]
 *
 * Creates a fresh log (in DIR, or a new directory under /tmp) whose charter
 * lists N founders (default 64, the most a charter takes), one per
 * connection, with keys generated in-process; with N above 64 (up to 250)
 * founder 0 enrolls the other parties before any clock starts. Starts the
 * server as a child process (PARLEY serve DIR --listen 127.0.0.1:0
 * --port-file ... --allow-root --batch-ms MS), then runs two timed phases
 * from one epoll thread holding N plain HTTP/1.1 keep-alive connections, one
 * request in flight on each, each sending its party's pings in seq order:
 *
 *   phase 1 "accept": M statements per connection (default 1000), no wait.
 *     Latency is send -> 201 (the statement is durably staged). A separate
 *     thread polls GET /checkpoint every US microseconds (default 2000) on its
 *     own connection; a statement's time to a checkpoint is send -> the first
 *     poll answer whose size covers its index (an upper bound, coarser by up
 *     to one poll interval).
 *   phase 2 "receipt": W statements per connection (default 100) sent with
 *     ?wait=1. Latency is send -> 200 with a receipt (the server's own
 *     answer once a checkpoint includes it).
 *
 * Every statement of a phase is signed (ping, body {}, consecutive seqs,
 * the current time) before that phase's clock starts. Every response must be
 * 201 (phase 1) or 200 with a receipt (phase 2); anything else is counted
 * as an error and the first few are printed. At the end GET /healthz must
 * report a log size of 1 + accepted. CPU time of the server process and of
 * this process is reported per phase (both share the machine's cores).
 */
#include "base/buf.h"
#include "base/err.h"
#include "base/timefmt.h"
#include "workflow/genesis.h"
#include "statement/members.h"
#include "statement/party.h"
#include "statement/sign.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <limits.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <signal.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define ORIGIN "bench.example/ingest"
/* the server takes 256 connections per address; keep room for the poller */
#define CONNS_MAX 250

static double now(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

static void die(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fprintf(stderr, "bench_ingest: ");
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, "\n");
	va_end(ap);
	exit(1);
}

static void die_rc(const char *what, int rc, const pl_diag *d)
{
	fprintf(stderr, "bench_ingest: %s: %s\n", what, pl_diag_text(d, rc));
	exit(1);
}

static void *xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);
	if (p == NULL)
		die("%s", "out of memory");
	return p;
}

/* ---- options ---- */

typedef struct opts {
	const char *parley;
	size_t conns;
	size_t stmts;
	size_t wait_stmts;
	unsigned batch_ms;
	size_t batch_max;         /* 0: the server's default */
	unsigned poll_us;         /* 0: no checkpoint poller */
	char dir[PATH_MAX];
	bool keep;
} opts;

static void usage(void)
{
	fprintf(stderr, "usage: bench_ingest PARLEY [--conns N<=%d] [--stmts M] [--wait-stmts W] [--batch-ms MS]\n"
			"                           [--batch-max N] [--poll-us US] [--dir DIR] [--keep]\n",
		CONNS_MAX);
	exit(2);
}

static size_t num_arg(int argc, char **argv, int *i)
{
	if (*i + 1 >= argc)
		usage();
	char *end;
	errno = 0;
	unsigned long long v = strtoull(argv[++*i], &end, 10);
	if (errno != 0 || *end != '\0' || end == argv[*i])
		usage();
	return (size_t)v;
}

static void parse_opts(int argc, char **argv, opts *o)
{
	memset(o, 0, sizeof *o);
	o->conns = PL_FOUNDERS_MAX;
	o->stmts = 1000;
	o->wait_stmts = 100;
	o->batch_ms = 20;
	o->poll_us = 2000;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (strcmp(a, "--conns") == 0)
			o->conns = num_arg(argc, argv, &i);
		else if (strcmp(a, "--stmts") == 0)
			o->stmts = num_arg(argc, argv, &i);
		else if (strcmp(a, "--wait-stmts") == 0)
			o->wait_stmts = num_arg(argc, argv, &i);
		else if (strcmp(a, "--batch-ms") == 0)
			o->batch_ms = (unsigned)num_arg(argc, argv, &i);
		else if (strcmp(a, "--batch-max") == 0)
			o->batch_max = num_arg(argc, argv, &i);
		else if (strcmp(a, "--poll-us") == 0)
			o->poll_us = (unsigned)num_arg(argc, argv, &i);
		else if (strcmp(a, "--dir") == 0 && i + 1 < argc)
			snprintf(o->dir, sizeof o->dir, "%s", argv[++i]);
		else if (strcmp(a, "--keep") == 0)
			o->keep = true;
		else if (a[0] == '-' || o->parley != NULL)
			usage();
		else
			o->parley = a;
	}
	if (o->parley == NULL || o->conns < 1 || o->conns > CONNS_MAX || o->stmts + o->wait_stmts == 0)
		usage();
}

/* ---- the log, its founders and their statements ---- */

typedef struct founder {
	pl_party_key *key;
	uint64_t next_seq;        /* the next seq this founder signs */
} founder;

typedef struct request {
	char *data;               /* the whole HTTP request: head and envelope */
	size_t len;
} request;

typedef struct sign_job {
	founder *f;
	size_t from, to;          /* founders [from, to) */
	size_t count;             /* statements per founder */
	bool wait;
	request *out;             /* out[founder * count + k] */
	int64_t time;
} sign_job;

static void *sign_worker(void *arg)
{
	sign_job *j = arg;
	json_t *body = json_object();
	pl_buf env;
	pl_buf_init(&env, 65536);
	for (size_t f = j->from; f < j->to; f++) {
		for (size_t k = 0; k < j->count; k++) {
			pl_buf_reset(&env);
			int rc = pl_statement_sign(j->f[f].key, ORIGIN, "ping", j->f[f].next_seq + k, j->time, body, NULL, 0,
						   &env);
			if (rc != PL_OK)
				die_rc("sign", rc, NULL);
			char head[256];
			int hn = snprintf(head, sizeof head,
					  "POST /v1/statements%s HTTP/1.1\r\nHost: 127.0.0.1\r\n"
					  "Content-Type: application/json\r\nContent-Length: %zu\r\n\r\n",
					  j->wait ? "?wait=1" : "", env.len);
			request *r = &j->out[f * j->count + k];
			r->len = (size_t)hn + env.len;
			r->data = xcalloc(1, r->len);
			memcpy(r->data, head, (size_t)hn);
			memcpy(r->data + hn, env.data, env.len);
		}
	}
	pl_buf_release(&env);
	json_decref(body);
	return NULL;
}

/* Signs count statements for each founder (two threads); advances next_seq. */
static request *presign(founder *f, size_t nf, size_t count, bool wait, double *seconds)
{
	double t0 = now();
	request *out = xcalloc(nf * count, sizeof *out);
	sign_job jobs[2];
	pthread_t th[2];
	size_t half = nf / 2;
	for (int i = 0; i < 2; i++) {
		jobs[i] = (sign_job){f, i == 0 ? 0 : half, i == 0 ? half : nf, count, wait, out, pl_now()};
		if (pthread_create(&th[i], NULL, sign_worker, &jobs[i]) != 0)
			die("%s", "cannot start a thread");
	}
	for (int i = 0; i < 2; i++)
		pthread_join(th[i], NULL);
	for (size_t i = 0; i < nf; i++)
		f[i].next_seq += count;
	*seconds = now() - t0;
	return out;
}

/* Founder 0's enroll statements for parties f[from..to) (one request each, in seq order). */
static request *presign_enroll(founder *f, size_t from, size_t to)
{
	request *out = xcalloc(to - from, sizeof *out);
	pl_buf env, idj;
	pl_buf_init(&env, 65536);
	pl_buf_init(&idj, PL_IDENTITY_MAX);
	for (size_t i = from; i < to; i++) {
		pl_buf_reset(&env);
		pl_buf_reset(&idj);
		json_error_t je;
		json_t *id = pl_identity_format(&f[i].key->id, &idj) == PL_OK
				     ? json_loadb((const char *)idj.data, idj.len, 0, &je)
				     : NULL;
		json_t *body = id ? json_pack("{s:o}", "identity", id) : NULL;
		if (body == NULL)
			die("%s", "cannot build an enroll body");
		int rc = pl_statement_sign(f[0].key, ORIGIN, "enroll", f[0].next_seq++, pl_now(), body, NULL, 0, &env);
		json_decref(body);
		if (rc != PL_OK)
			die_rc("sign enroll", rc, NULL);
		char head[256];
		int hn = snprintf(head, sizeof head,
				  "POST /v1/statements HTTP/1.1\r\nHost: 127.0.0.1\r\n"
				  "Content-Type: application/json\r\nContent-Length: %zu\r\n\r\n",
				  env.len);
		request *r = &out[i - from];
		r->len = (size_t)hn + env.len;
		r->data = xcalloc(1, r->len);
		memcpy(r->data, head, (size_t)hn);
		memcpy(r->data + hn, env.data, env.len);
	}
	pl_buf_release(&env);
	pl_buf_release(&idj);
	return out;
}

static void free_requests(request *r, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(r[i].data);
	free(r);
}

/* ---- the server child ---- */

static pid_t server_pid;

static uint16_t start_server(const opts *o, const char *dir)
{
	char port_file[PATH_MAX + 16], out_file[PATH_MAX + 16], bms[32], bmax[32];
	snprintf(port_file, sizeof port_file, "%s.port", dir);
	snprintf(out_file, sizeof out_file, "%s.serve.log", dir);
	unlink(port_file);
	snprintf(bms, sizeof bms, "%u", o->batch_ms);
	snprintf(bmax, sizeof bmax, "%zu", o->batch_max);
	pid_t pid = fork();
	if (pid < 0)
		die("%s", "fork failed");
	if (pid == 0) {
		int fd = open(out_file, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		if (fd >= 0) {
			dup2(fd, 1);
			dup2(fd, 2);
			close(fd);
		}
		const char *argv[16];
		int n = 0;
		argv[n++] = o->parley;
		argv[n++] = "serve";
		argv[n++] = dir;
		argv[n++] = "--listen";
		argv[n++] = "127.0.0.1:0";
		argv[n++] = "--port-file";
		argv[n++] = port_file;
		argv[n++] = "--allow-root";
		argv[n++] = "--batch-ms";
		argv[n++] = bms;
		if (o->batch_max) {
			argv[n++] = "--batch-max";
			argv[n++] = bmax;
		}
		argv[n] = NULL;
		execv(o->parley, (char *const *)(uintptr_t)argv);
		_exit(127);
	}
	server_pid = pid;
	for (int i = 0; i < 600; i++) {
		FILE *fp = fopen(port_file, "r");
		unsigned port = 0;
		if (fp != NULL) {
			int got = fscanf(fp, "%u", &port);
			fclose(fp);
			if (got == 1 && port > 0 && port < 65536)
				return (uint16_t)port;
		}
		int st;
		if (waitpid(pid, &st, WNOHANG) == pid)
			die("the server exited at start; see %s", out_file);
		usleep(50000);
	}
	die("%s", "the server did not write its port file in 30 s");
	return 0;
}

static void stop_server(void)
{
	if (server_pid > 0) {
		kill(server_pid, SIGTERM);
		int st;
		waitpid(server_pid, &st, 0);
		server_pid = 0;
	}
}

/* CPU seconds (user + system) of a process, from /proc. */
static double proc_cpu(pid_t pid)
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

static double self_cpu(void)
{
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 + (double)ru.ru_stime.tv_sec +
	       (double)ru.ru_stime.tv_usec / 1e6;
}

/* ---- HTTP client pieces ---- */

static int connect_to(uint16_t port)
{
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		die("%s", "socket failed");
	struct sockaddr_in sa;
	memset(&sa, 0, sizeof sa);
	sa.sin_family = AF_INET;
	sa.sin_port = htons(port);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (connect(fd, (struct sockaddr *)&sa, sizeof sa) != 0)
		die("%s", "connect to the server failed");
	int one = 1;
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	return fd;
}

/* If buf[0..n) holds a whole response, returns its total length and fills
 * status and body; 0 if more is needed; -1 if malformed. */
static long parse_response(const char *buf, size_t n, int *status, const char **body, size_t *blen)
{
	const char *end = memmem(buf, n, "\r\n\r\n", 4);
	if (end == NULL)
		return n > 65536 ? -1 : 0;
	if (n < 12 || strncmp(buf, "HTTP/1.1 ", 9) != 0)
		return -1;
	*status = atoi(buf + 9);
	size_t hlen = (size_t)(end - buf) + 4;
	size_t clen = 0;
	bool have = false;
	for (const char *p = buf; p < end;) {
		const char *nl = memmem(p, (size_t)(end - p), "\r\n", 2);
		if (nl == NULL)
			nl = end;
		if ((size_t)(nl - p) > 15 && strncasecmp(p, "Content-Length:", 15) == 0) {
			clen = (size_t)strtoull(p + 15, NULL, 10);
			have = true;
		}
		p = nl + 2;
	}
	if (!have)
		return -1; /* this client reads only Content-Length bodies */
	if (n < hlen + clen)
		return 0;
	*body = buf + hlen;
	*blen = clen;
	return (long)(hlen + clen);
}

/* Blocking GET on a keep-alive connection; the body goes into out (NUL-terminated). */
static int http_get(int fd, const char *path, char *out, size_t cap, size_t *outlen)
{
	char req[256];
	int n = snprintf(req, sizeof req, "GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", path);
	if (write(fd, req, (size_t)n) != n)
		return -1;
	static _Thread_local char buf[16384];
	size_t have = 0;
	for (;;) {
		ssize_t r = read(fd, buf + have, sizeof buf - have);
		if (r <= 0)
			return -1;
		have += (size_t)r;
		int status;
		const char *body;
		size_t blen;
		long used = parse_response(buf, have, &status, &body, &blen);
		if (used < 0)
			return -1;
		if (used > 0) {
			size_t c = blen < cap - 1 ? blen : cap - 1;
			memcpy(out, body, c);
			out[c] = '\0';
			*outlen = c;
			return status;
		}
		if (have == sizeof buf)
			return -1;
	}
}

/* ---- the checkpoint poller ---- */

typedef struct sample {
	double t;                 /* when the answer arrived */
	uint64_t size;
} sample;

typedef struct poller {
	uint16_t port;
	unsigned every_us;
	atomic_bool stop;
	sample *s;
	size_t n, cap;
	unsigned long errors;
} poller;

static void *poll_worker(void *arg)
{
	poller *p = arg;
	int fd = connect_to(p->port);
	char body[4096];
	while (!atomic_load(&p->stop)) {
		size_t blen;
		int st = http_get(fd, "/checkpoint", body, sizeof body, &blen);
		double t = now();
		const char *nl = strchr(body, '\n');
		if (st != 200 || nl == NULL) {
			p->errors++;
			if (st < 0) {
				close(fd);
				fd = connect_to(p->port);
			}
		} else {
			uint64_t size = strtoull(nl + 1, NULL, 10);
			if (p->n == 0 || size != p->s[p->n - 1].size) {
				if (p->n == p->cap) {
					p->cap = p->cap ? p->cap * 2 : 4096;
					p->s = realloc(p->s, p->cap * sizeof *p->s);
					if (p->s == NULL)
						die("%s", "out of memory");
				}
				p->s[p->n++] = (sample){t, size};
			}
		}
		if (p->every_us)
			usleep(p->every_us);
	}
	close(fd);
	return NULL;
}

/* ---- one timed phase ---- */

typedef struct conn {
	int fd;
	size_t next;              /* next statement to send (of this connection's) */
	size_t sent_off;          /* bytes of the current request written */
	char *in;                 /* response bytes */
	size_t inlen;
	double t_send;
} conn;

typedef struct phase_result {
	double seconds;
	size_t ok, errors;
	double *lat;              /* send -> answer, per statement (seconds; < 0 for errors) */
	double *t_send;           /* send time, per statement */
	uint64_t *index;          /* assigned index, per statement */
	double server_cpu, client_cpu;
} phase_result;

static size_t errors_printed;

static void note_error(size_t c, int status, const char *body, size_t blen)
{
	if (errors_printed++ < 8)
		fprintf(stderr, "bench_ingest: conn %zu: HTTP %d: %.*s\n", c, status, (int)(blen > 300 ? 300 : blen),
			body);
}

static void send_some(int ep, conn *cn, size_t c, const request *reqs, size_t per)
{
	const request *r = &reqs[c * per + cn->next];
	while (cn->sent_off < r->len) {
		ssize_t w = write(cn->fd, r->data + cn->sent_off, r->len - cn->sent_off);
		if (w < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK) {
				struct epoll_event ev = {.events = EPOLLIN | EPOLLOUT, .data.u64 = c};
				epoll_ctl(ep, EPOLL_CTL_MOD, cn->fd, &ev);
				return;
			}
			die("write: %s", strerror(errno));
		}
		cn->sent_off += (size_t)w;
	}
	struct epoll_event ev = {.events = EPOLLIN, .data.u64 = c};
	epoll_ctl(ep, EPOLL_CTL_MOD, cn->fd, &ev);
}

static void run_phase(uint16_t port, size_t nconn, const request *reqs, size_t per, bool wait, phase_result *res)
{
	size_t total = nconn * per;
	memset(res, 0, sizeof *res);
	res->lat = xcalloc(total, sizeof *res->lat);
	res->t_send = xcalloc(total, sizeof *res->t_send);
	res->index = xcalloc(total, sizeof *res->index);
	conn *cs = xcalloc(nconn, sizeof *cs);
	int ep = epoll_create1(EPOLL_CLOEXEC);
	if (ep < 0)
		die("%s", "epoll_create1 failed");
	for (size_t c = 0; c < nconn; c++) {
		cs[c].fd = connect_to(port);
		cs[c].in = xcalloc(1, 65536);
		int fl = fcntl(cs[c].fd, F_GETFL);
		fcntl(cs[c].fd, F_SETFL, fl | O_NONBLOCK);
		struct epoll_event ev = {.events = EPOLLIN, .data.u64 = c};
		epoll_ctl(ep, EPOLL_CTL_ADD, cs[c].fd, &ev);
	}
	double cpu0 = proc_cpu(server_pid), self0 = self_cpu();
	double t0 = now();
	for (size_t c = 0; c < nconn; c++) {
		cs[c].t_send = now();
		send_some(ep, &cs[c], c, reqs, per);
	}
	size_t done = 0;
	struct epoll_event evs[64];
	while (done < total) {
		int k = epoll_wait(ep, evs, 64, 60000);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			die("%s", "no answer from the server for 60 s");
		for (int e = 0; e < k; e++) {
			size_t c = (size_t)evs[e].data.u64;
			conn *cn = &cs[c];
			if (evs[e].events & EPOLLOUT) {
				send_some(ep, cn, c, reqs, per);
				if (!(evs[e].events & EPOLLIN))
					continue;
			}
			ssize_t r = read(cn->fd, cn->in + cn->inlen, 65536 - cn->inlen);
			if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
				continue;
			if (r <= 0)
				die("conn closed by the server (%s)", r < 0 ? strerror(errno) : "EOF");
			cn->inlen += (size_t)r;
			int status;
			const char *body;
			size_t blen;
			long used = parse_response(cn->in, cn->inlen, &status, &body, &blen);
			if (used < 0)
				die("%s", "malformed response");
			if (used == 0)
				continue;
			double t = now();
			size_t i = c * per + cn->next;
			res->t_send[i] = cn->t_send;
			bool good = wait ? (status == 200 && memmem(body, blen, "\"receipt\"", 9) != NULL) : status == 201;
			if (good) {
				res->lat[i] = t - cn->t_send;
				const char *ix = memmem(body, blen, "\"index\":", 8);
				res->index[i] = ix ? strtoull(ix + 8, NULL, 10) : 0;
				res->ok++;
			} else {
				res->lat[i] = -1;
				res->errors++;
				note_error(c, status, body, blen);
			}
			done++;
			memmove(cn->in, cn->in + used, cn->inlen - (size_t)used);
			cn->inlen -= (size_t)used;
			cn->next++;
			cn->sent_off = 0;
			if (cn->next < per) {
				cn->t_send = now();
				send_some(ep, cn, c, reqs, per);
			}
		}
	}
	res->seconds = now() - t0;
	res->server_cpu = proc_cpu(server_pid) - cpu0;
	res->client_cpu = self_cpu() - self0;
	for (size_t c = 0; c < nconn; c++) {
		close(cs[c].fd);
		free(cs[c].in);
	}
	free(cs);
	close(ep);
}

/* ---- figures ---- */

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

typedef struct pct {
	size_t n;
	double p50, p99, max;
} pct;

/* Percentiles (ms) of the non-negative values in v[0..n). */
static pct percentiles(const double *v, size_t n)
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

/* Time to a checkpoint for each accepted statement of phase 1, from the poller's samples. */
static double *checkpoint_latency(const phase_result *r, size_t total, const poller *p)
{
	double *v = xcalloc(total, sizeof *v);
	for (size_t i = 0; i < total; i++) {
		v[i] = -1;
		if (r->lat[i] < 0)
			continue;
		/* first sample with size > index (sizes only grow) */
		size_t lo = 0, hi = p->n;
		while (lo < hi) {
			size_t mid = lo + (hi - lo) / 2;
			if (p->s[mid].size > r->index[i])
				hi = mid;
			else
				lo = mid + 1;
		}
		if (lo < p->n)
			v[i] = p->s[lo].t - r->t_send[i];
	}
	return v;
}

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

typedef struct server_stats {
	double size, batches, integrate;
} server_stats;

static void server_stats_get(uint16_t port, server_stats *s)
{
	static char body[1 << 16];
	size_t blen;
	memset(s, 0, sizeof *s);
	int fd = connect_to(port);
	if (http_get(fd, "/metrics", body, sizeof body, &blen) == 200) {
		metric(body, "parley_log_size", &s->size);
		metric(body, "parley_batches_total", &s->batches);
		metric(body, "parley_integrate_seconds_total", &s->integrate);
	}
	close(fd);
}

static void print_row(const char *name, size_t nconn, size_t total, const phase_result *r, pct acc, pct cp,
		      const server_stats *before, const server_stats *after)
{
	double batches = after->batches - before->batches;
	printf("%-8s %5zu %8zu %7zu %6zu %8.2f %9.0f  ", name, nconn, total, r->ok, r->errors, r->seconds,
	       (double)r->ok / r->seconds);
	if (acc.n > 0)
		printf("%7.2f %7.2f %8.2f  ", acc.p50, acc.p99, acc.max);
	else
		printf("%7s %7s %8s  ", "-", "-", "-");
	if (cp.n > 0)
		printf("%7.2f %7.2f %8.2f", cp.p50, cp.p99, cp.max);
	else
		printf("%7s %7s %8s", "-", "-", "-");
	printf("  %6.0f %7.1f %5.0f%% %5.0f%%\n", batches, batches > 0 ? (double)r->ok / batches : 0,
	       100 * r->server_cpu / r->seconds, 100 * r->client_cpu / r->seconds);
}

int main(int argc, char **argv)
{
	opts o;
	parse_opts(argc, argv, &o);
	signal(SIGPIPE, SIG_IGN);
	if (sodium_init() < 0)
		die("%s", "sodium_init failed");
	if (o.dir[0] == '\0') {
		snprintf(o.dir, sizeof o.dir, "/tmp/bench_ingest.XXXXXX");
		if (mkdtemp(o.dir) == NULL)
			die("%s", "mkdtemp failed");
		rmdir(o.dir);
	} else {
		struct stat st;
		if (stat(o.dir, &st) == 0)
			die("%s already exists; give a new directory", o.dir);
	}

	/* founders and the log */
	double t0 = now();
	founder *f = xcalloc(o.conns, sizeof *f);
	pl_identity *others = xcalloc(o.conns, sizeof *others);
	for (size_t i = 0; i < o.conns; i++) {
		char name[32];
		snprintf(name, sizeof name, "bench-f%02zu", i);
		pl_diag d = {0};
		int rc = pl_party_key_generate(name, &f[i].key, &d);
		if (rc != PL_OK)
			die_rc("key", rc, &d);
		others[i] = f[i].key->id;
		f[i].next_seq = 1;
	}
	f[0].next_seq = 2; /* the charter was founder 0's seq 1 */
	size_t nfounders = o.conns < PL_FOUNDERS_MAX ? o.conns : PL_FOUNDERS_MAX;
	pl_charter ch;
	memset(&ch, 0, sizeof ch);
	ch.sponsors = 1;
	ch.ack_seconds = 86400;
	ch.response_seconds = 86400;
	{
		pl_diag d = {0};
		int rc = pl_setup_log(o.dir, ORIGIN, f[0].key, others + 1, nfounders - 1, &ch, NULL, &d);
		if (rc != PL_OK)
			die_rc("setup", rc, &d);
	}
	printf("bench_ingest: log %s, %zu founders, created in %.2f s\n", o.dir, nfounders, now() - t0);

	uint16_t port = start_server(&o, o.dir);
	printf("bench_ingest: server pid %d on 127.0.0.1:%u (--batch-ms %u%s%s)\n", (int)server_pid, (unsigned)port,
	       o.batch_ms, o.batch_max ? " --batch-max " : "", o.batch_max ? "set" : "");
	atexit(stop_server);

	size_t accepted = 0, errors = 0;
	if (o.conns > nfounders) {
		/* parties past the 64 founders: enrolled by founder 0 (the charter wants one sponsor) */
		size_t ne = o.conns - nfounders;
		request *reqs = presign_enroll(f, nfounders, o.conns);
		phase_result r;
		run_phase(port, 1, reqs, ne, false, &r);
		printf("bench_ingest: enrolled %zu more parties (untimed): %zu ok, %zu errors\n", ne, r.ok, r.errors);
		accepted += r.ok;
		errors += r.errors;
		free(r.lat);
		free(r.t_send);
		free(r.index);
		free_requests(reqs, ne);
	}

	printf("\n%-8s %5s %8s %7s %6s %8s %9s  %7s %7s %8s  %7s %7s %8s  %6s %7s %6s %6s\n", "phase", "conns", "stmts",
	       "ok", "errors", "seconds", "stmts/s", "acc p50", "acc p99", "acc max", "cp p50", "cp p99", "cp max",
	       "batches", "/batch", "srvCPU", "cliCPU");
	printf("%-8s %5s %8s %7s %6s %8s %9s  %7s %7s %8s  %7s %7s %8s  %6s %7s %6s %6s\n", "", "", "", "", "", "", "",
	       "(ms)", "(ms)", "(ms)", "(ms)", "(ms)", "(ms)", "", "", "", "");

	double sign_s[2] = {0, 0};
	server_stats s0, s1;

	/* phase 1: acceptance, with a checkpoint poller */
	if (o.stmts > 0) {
		request *reqs = presign(f, o.conns, o.stmts, false, &sign_s[0]);
		poller p;
		memset(&p, 0, sizeof p);
		p.port = port;
		p.every_us = o.poll_us;
		pthread_t pt;
		if (o.poll_us > 0 && pthread_create(&pt, NULL, poll_worker, &p) != 0)
			die("%s", "cannot start the poller");
		server_stats_get(port, &s0);
		phase_result r;
		run_phase(port, o.conns, reqs, o.stmts, false, &r);
		server_stats_get(port, &s1);
		double *cpl = NULL;
		pct cp = {0, 0, 0, 0};
		if (o.poll_us > 0) {
			/* let the last batch reach a checkpoint, then stop polling */
			double until = now() + 5;
			while (now() < until && (p.n == 0 || p.s[p.n - 1].size < (uint64_t)s1.size))
				usleep(1000);
			usleep(5000);
			atomic_store(&p.stop, true);
			pthread_join(pt, NULL);
			cpl = checkpoint_latency(&r, o.conns * o.stmts, &p);
			cp = percentiles(cpl, o.conns * o.stmts);
		}
		print_row("accept", o.conns, o.conns * o.stmts, &r, percentiles(r.lat, o.conns * o.stmts), cp, &s0, &s1);
		accepted += r.ok;
		errors += r.errors;
		if (cp.n != r.ok && o.poll_us > 0)
			fprintf(stderr, "bench_ingest: %zu accepted statements never seen in a polled checkpoint\n",
				r.ok - cp.n);
		free(cpl);
		free(p.s);
		free(r.lat);
		free(r.t_send);
		free(r.index);
		free_requests(reqs, o.conns * o.stmts);
	}

	/* phase 2: every statement waits for its receipt */
	if (o.wait_stmts > 0) {
		request *reqs = presign(f, o.conns, o.wait_stmts, true, &sign_s[1]);
		server_stats_get(port, &s0);
		phase_result r;
		run_phase(port, o.conns, reqs, o.wait_stmts, true, &r);
		server_stats_get(port, &s1);
		pct lat = percentiles(r.lat, o.conns * o.wait_stmts);
		pct none = {0, 0, 0, 0};
		print_row("receipt", o.conns, o.conns * o.wait_stmts, &r, none, lat, &s0, &s1);
		accepted += r.ok;
		errors += r.errors;
		free(r.lat);
		free(r.t_send);
		free(r.index);
		free_requests(reqs, o.conns * o.wait_stmts);
	}

	/* the log holds exactly the charter and what was accepted */
	char body[1024];
	size_t blen;
	int fd = connect_to(port);
	int st = http_get(fd, "/healthz", body, sizeof body, &blen);
	close(fd);
	const char *sz = strstr(body, "\"size\":");
	unsigned long long size = sz ? strtoull(sz + 7, NULL, 10) : 0;
	bool size_ok = st == 200 && size == 1 + accepted;
	printf("\naccept:  latency send -> 201 (durably staged); cp = send -> first polled /checkpoint covering the "
	       "index (poll every %u us)\n",
	       o.poll_us);
	printf("receipt: every request ?wait=1; cp = send -> 200 with a receipt (in a checkpoint)\n");
	printf("signing before the clock: %.2f s + %.2f s; srvCPU/cliCPU = CPU time of the server / this process "
	       "over the phase (100%% = one core)\n",
	       sign_s[0], sign_s[1]);
	printf("healthz: size %llu, expected 1 + %zu accepted = %zu: %s; errors %zu\n", size, accepted, 1 + accepted,
	       size_ok ? "OK" : "MISMATCH", errors);
	stop_server();
	for (size_t i = 0; i < o.conns; i++)
		pl_party_key_free(f[i].key);
	free(f);
	free(others);
	if (!o.keep) {
		char cmd[3 * PATH_MAX + 64];
		snprintf(cmd, sizeof cmd, "rm -rf '%s' '%s.port' '%s.serve.log'", o.dir, o.dir, o.dir);
		if (system(cmd) != 0)
			fprintf(stderr, "bench_ingest: could not remove %s\n", o.dir);
	} else {
		printf("kept the log in %s\n", o.dir);
	}
	return size_ok && errors == 0 ? 0 : 1;
}
