/*
 * ingest_client.c - bench_ingest's HTTP/1.1 client: connections opened from
 * many 127.0.0.0/8 source addresses with a timeout on each, the epoll loop
 * that keeps one statement in flight per connection, and the checkpoint
 * poller. Nothing here waits without a deadline: a server that stops
 * answering ends a phase (counted), it never hangs the benchmark.
 */
#include "ingest.h"

#include "base/thread.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#define CONN_BUF 32768      /* response bytes buffered per connection */
#define DIAL_PENDING 1024   /* connections being opened at once */
#define HEALTHZ "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"

/* If buf[0..n) holds a whole response, returns its total length and fills
 * status and body; 0 if more is needed; -1 if malformed. */
static long parse_response(const char *buf, size_t n, int *status, const char **body, size_t *blen)
{
	const char *end = memmem(buf, n, "\r\n\r\n", 4);
	if (end == NULL)
		return n > 16384 ? -1 : 0;
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

static void nodelay(int fd)
{
	int one = 1;
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
}

/* A non-blocking socket bound to addr (host order), connect started. -1 and errno on failure. */
static int start_connect(uint16_t port, uint32_t addr)
{
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -1;
	struct sockaddr_in sa;
	memset(&sa, 0, sizeof sa);
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(addr);
	if (bind(fd, (struct sockaddr *)&sa, sizeof sa) != 0)
		goto fail;
	sa.sin_port = htons(port);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (connect(fd, (struct sockaddr *)&sa, sizeof sa) != 0 && errno != EINPROGRESS)
		goto fail;
	nodelay(fd);
	return fd;
fail:;
	int e = errno;
	close(fd);
	errno = e;
	return -1;
}

int http_connect(uint16_t port, unsigned timeout_ms)
{
	int fd = start_connect(port, INADDR_LOOPBACK);
	if (fd < 0)
		return -1;
	struct pollfd p = {.fd = fd, .events = POLLOUT};
	int err = 0;
	socklen_t el = sizeof err;
	if (poll(&p, 1, (int)timeout_ms) != 1 || getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &el) != 0 || err != 0) {
		close(fd);
		return -1;
	}
	return fd;
}

/* ---- opening many connections ---- */

typedef enum dstate { D_NONE, D_CONNECTING, D_SENT, D_DONE, D_FAILED } dstate;

typedef struct dconn {
	dstate st;
	double deadline;
	size_t inlen;
	char *in;
} dconn;

static void dial_fail(int ep, int *fds, dconn *dc, size_t i, size_t *count, int err, dial_stats *st)
{
	if (fds[i] >= 0) {
		epoll_ctl(ep, EPOLL_CTL_DEL, fds[i], NULL);
		close(fds[i]);
	}
	fds[i] = -1;
	dc[i].st = D_FAILED;
	free(dc[i].in);
	dc[i].in = NULL;
	(*count)++;
	if (st->first_errno == 0 && err != 0)
		st->first_errno = err;
}

void dial_open(const dial *d, size_t n, int *fds, dial_stats *st)
{
	memset(st, 0, sizeof *st);
	st->asked = n;
	double t0 = now();
	dconn *dc = xcalloc(n, sizeof *dc);
	int ep = epoll_create1(EPOLL_CLOEXEC);
	if (ep < 0)
		die("%s", "epoll_create1 failed");
	size_t next = 0, pending = 0, first = 0;
	for (size_t i = 0; i < n; i++)
		fds[i] = -1;
	struct epoll_event evs[256];
	while (next < n || pending > 0) {
		while (next < n && pending < (d->pending_max ? d->pending_max : DIAL_PENDING)) {
			size_t i = next++;
			fds[i] = start_connect(d->port, d->first_addr + (uint32_t)(i / PER_ADDR));
			if (fds[i] < 0) {
				dial_fail(ep, fds, dc, i, &st->connect_failed, errno, st);
				continue;
			}
			dc[i].st = D_CONNECTING;
			dc[i].deadline = now() + d->connect_ms / 1e3;
			struct epoll_event ev = {.events = EPOLLOUT, .data.u64 = i};
			epoll_ctl(ep, EPOLL_CTL_ADD, fds[i], &ev);
			pending++;
		}
		int k = epoll_wait(ep, evs, 256, 20);
		for (int e = 0; e < k; e++) {
			size_t i = (size_t)evs[e].data.u64;
			dconn *c = &dc[i];
			if (c->st == D_CONNECTING) {
				int err = 0;
				socklen_t el = sizeof err;
				if (getsockopt(fds[i], SOL_SOCKET, SO_ERROR, &err, &el) != 0 || err != 0) {
					dial_fail(ep, fds, dc, i, &st->connect_failed, err, st);
					pending--;
					continue;
				}
				st->connected++;
				if (write(fds[i], HEALTHZ, sizeof HEALTHZ - 1) != (ssize_t)(sizeof HEALTHZ - 1)) {
					dial_fail(ep, fds, dc, i, &st->closed, errno, st);
					pending--;
					continue;
				}
				c->st = D_SENT;
				c->in = xcalloc(1, CONN_BUF);
				struct epoll_event ev = {.events = EPOLLIN | EPOLLRDHUP, .data.u64 = i};
				epoll_ctl(ep, EPOLL_CTL_MOD, fds[i], &ev);
			} else if (c->st == D_SENT) {
				ssize_t r = read(fds[i], c->in + c->inlen, CONN_BUF - c->inlen);
				if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
					continue;
				if (r <= 0) {
					dial_fail(ep, fds, dc, i, &st->closed, r < 0 ? errno : 0, st);
					pending--;
					continue;
				}
				c->inlen += (size_t)r;
				int status;
				const char *body;
				size_t blen;
				long used = parse_response(c->in, c->inlen, &status, &body, &blen);
				if (used == 0 && c->inlen < CONN_BUF)
					continue;
				pending--;
				if (used <= 0 || status != 200) {
					dial_fail(ep, fds, dc, i, &st->bad_answer, 0, st);
					continue;
				}
				epoll_ctl(ep, EPOLL_CTL_DEL, fds[i], NULL);
				c->st = D_DONE;
				free(c->in);
				c->in = NULL;
				st->served++;
			}
		}
		/* deadlines: those still connecting or waiting for their answer */
		double t = now();
		while (first < next && (dc[first].st == D_DONE || dc[first].st == D_FAILED))
			first++;
		for (size_t i = first; i < next; i++) {
			if (dc[i].st == D_CONNECTING && t > dc[i].deadline) {
				dial_fail(ep, fds, dc, i, &st->connect_timeout, ETIMEDOUT, st);
				pending--;
			} else if (dc[i].st == D_SENT && t > dc[i].deadline) {
				dial_fail(ep, fds, dc, i, &st->unanswered, ETIMEDOUT, st);
				pending--;
			}
		}
	}
	close(ep);
	free(dc);
	st->seconds = now() - t0;
}

void dial_close(int *fds, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (fds[i] >= 0) {
			close(fds[i]);
			fds[i] = -1;
		}
}

size_t dial_count_closed(const int *fds, size_t n)
{
	size_t closed = 0;
	for (size_t i = 0; i < n; i++) {
		if (fds[i] < 0)
			continue;
		struct pollfd p = {.fd = fds[i], .events = POLLIN | POLLRDHUP};
		if (poll(&p, 1, 0) == 1 && (p.revents & (POLLRDHUP | POLLHUP | POLLERR | POLLIN)))
			closed++; /* an idle keep-alive connection has nothing to read unless it ended */
	}
	return closed;
}

/* ---- single requests ---- */

static int wait_fd(int fd, short events, double deadline)
{
	int ms = (int)((deadline - now()) * 1e3);
	if (ms < 0)
		return -1;
	struct pollfd p = {.fd = fd, .events = events};
	return poll(&p, 1, ms) == 1 ? 0 : -1;
}

int http_get(int fd, const char *path, char *out, size_t cap, size_t *outlen, unsigned timeout_ms)
{
	double deadline = now() + timeout_ms / 1e3;
	char req[512];
	int n = snprintf(req, sizeof req, "GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", path);
	for (int off = 0; off < n;) {
		ssize_t w = write(fd, req + off, (size_t)(n - off));
		if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) && wait_fd(fd, POLLOUT, deadline) == 0)
			continue;
		if (w <= 0)
			return -1;
		off += (int)w;
	}
	size_t bcap = cap + 16384, have = 0;
	char *buf = xcalloc(1, bcap);
	int status = -1;
	for (;;) {
		ssize_t r = read(fd, buf + have, bcap - have);
		if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			if (wait_fd(fd, POLLIN, deadline) != 0)
				break;
			continue;
		}
		if (r <= 0)
			break;
		have += (size_t)r;
		const char *body;
		size_t blen;
		long used = parse_response(buf, have, &status, &body, &blen);
		if (used < 0) {
			status = -1;
			break;
		}
		if (used > 0) {
			size_t c = blen < cap - 1 ? blen : cap - 1;
			memcpy(out, body, c);
			out[c] = '\0';
			*outlen = c;
			break;
		}
		status = -1;
		if (have == bcap)
			break;
	}
	free(buf);
	return status;
}

/* ---- one timed phase ---- */

typedef struct conn {
	size_t next;              /* index into the load of the statement in flight */
	size_t sent_off;          /* bytes of it written */
	char *in;                 /* response bytes */
	size_t inlen;
	double t_send;
	bool live;
} conn;

static size_t errors_printed;

static void note_error(size_t c, int status, const char *body, size_t blen)
{
	if (errors_printed++ < 8)
		fprintf(stderr, "bench_ingest: conn %zu: HTTP %d: %.*s\n", c, status, (int)(blen > 300 ? 300 : blen),
			body);
}

/* The connection ended (closed by the server, reset, or answered nonsense): its statement in
 * flight has an unknown fate, the rest are never sent. */
static void conn_end(int ep, int *fd, conn *cn, const load *l, size_t c, phase_result *r, bool in_flight)
{
	epoll_ctl(ep, EPOLL_CTL_DEL, *fd, NULL);
	close(*fd);
	*fd = -1;
	cn->live = false;
	r->conns_lost++;
	if (in_flight)
		r->lost++;
	r->unsent += l->off[c + 1] - cn->next - (in_flight ? 1 : 0);
}

/* Writes what it can of the request in flight; false if the connection is gone. */
static bool send_some(int ep, int fd, conn *cn, size_t c, const load *l)
{
	const request *q = &l->reqs[cn->next];
	while (cn->sent_off < q->len) {
		ssize_t w = write(fd, q->data + cn->sent_off, q->len - cn->sent_off);
		if (w < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK) {
				struct epoll_event ev = {.events = EPOLLIN | EPOLLOUT, .data.u64 = c};
				epoll_ctl(ep, EPOLL_CTL_MOD, fd, &ev);
				return true;
			}
			return false;
		}
		cn->sent_off += (size_t)w;
	}
	struct epoll_event ev = {.events = EPOLLIN, .data.u64 = c};
	epoll_ctl(ep, EPOLL_CTL_MOD, fd, &ev);
	return true;
}

void phase_run(int *fds, const load *l, bool wait, unsigned stall_ms, pid_t server_pid, phase_result *r)
{
	memset(r, 0, sizeof *r);
	r->lat = xcalloc(l->total, sizeof *r->lat);
	r->t_send = xcalloc(l->total, sizeof *r->t_send);
	r->index = xcalloc(l->total, sizeof *r->index);
	for (size_t i = 0; i < l->total; i++)
		r->lat[i] = -1;
	conn *cs = xcalloc(l->nconn, sizeof *cs);
	int ep = epoll_create1(EPOLL_CLOEXEC);
	if (ep < 0)
		die("%s", "epoll_create1 failed");
	size_t active = 0;
	for (size_t c = 0; c < l->nconn; c++) {
		cs[c].next = l->off[c];
		if (fds[c] < 0 || l->off[c] == l->off[c + 1])
			continue;
		cs[c].in = xcalloc(1, CONN_BUF);
		cs[c].live = true;
		struct epoll_event ev = {.events = EPOLLIN, .data.u64 = c};
		epoll_ctl(ep, EPOLL_CTL_ADD, fds[c], &ev);
		active++;
	}
	double cpu0 = server_pid > 0 ? proc_cpu(server_pid) : 0, self0 = self_cpu();
	double t0 = now(), last = t0;
	for (size_t c = 0; c < l->nconn; c++) {
		if (!cs[c].live)
			continue;
		cs[c].t_send = now();
		if (!send_some(ep, fds[c], &cs[c], c, l)) {
			conn_end(ep, &fds[c], &cs[c], l, c, r, true);
			active--;
		}
	}
	struct epoll_event evs[256];
	while (active > 0) {
		int k = epoll_wait(ep, evs, 256, 200);
		if (k < 0 && errno != EINTR)
			die("epoll_wait: %s", strerror(errno));
		if ((now() - last) * 1e3 > stall_ms) {
			r->stalled = true;
			for (size_t c = 0; c < l->nconn; c++)
				if (cs[c].live) { /* closed: an answer coming late must not be read as the next one's */
					conn_end(ep, &fds[c], &cs[c], l, c, r, true);
					r->conns_lost--;
				}
			break;
		}
		for (int e = 0; e < k; e++) {
			size_t c = (size_t)evs[e].data.u64;
			conn *cn = &cs[c];
			if (!cn->live)
				continue;
			if ((evs[e].events & EPOLLOUT) && !send_some(ep, fds[c], cn, c, l)) {
				conn_end(ep, &fds[c], cn, l, c, r, true);
				active--;
				continue;
			}
			if (!(evs[e].events & (EPOLLIN | EPOLLERR | EPOLLHUP)))
				continue;
			ssize_t got = read(fds[c], cn->in + cn->inlen, CONN_BUF - cn->inlen);
			if (got < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
				continue;
			if (got <= 0) {
				conn_end(ep, &fds[c], cn, l, c, r, true);
				active--;
				continue;
			}
			cn->inlen += (size_t)got;
			int status;
			const char *body;
			size_t blen;
			long used = parse_response(cn->in, cn->inlen, &status, &body, &blen);
			if (used == 0 && cn->inlen < CONN_BUF)
				continue;
			double t = now();
			last = t;
			size_t i = cn->next;
			r->t_send[i] = cn->t_send;
			if (used <= 0) {
				r->errors++;
				note_error(c, -1, "(malformed or oversized response)", 34);
				conn_end(ep, &fds[c], cn, l, c, r, false);
				r->conns_lost--; /* counted as an error, not as a connection the server closed */
				active--;
				continue;
			}
			bool good = wait ? (status == 200 && memmem(body, blen, "\"receipt\"", 9) != NULL) : status == 201;
			if (good) {
				r->lat[i] = t - cn->t_send;
				const char *ix = memmem(body, blen, "\"index\":", 8);
				r->index[i] = ix ? strtoull(ix + 8, NULL, 10) : 0;
				r->ok++;
			} else {
				r->errors++;
				note_error(c, status, body, blen);
			}
			memmove(cn->in, cn->in + used, cn->inlen - (size_t)used);
			cn->inlen -= (size_t)used;
			cn->next++;
			cn->sent_off = 0;
			if (cn->next == l->off[c + 1]) {
				cn->live = false;
				epoll_ctl(ep, EPOLL_CTL_DEL, fds[c], NULL);
				active--;
				continue;
			}
			cn->t_send = now();
			if (!send_some(ep, fds[c], cn, c, l)) {
				conn_end(ep, &fds[c], cn, l, c, r, true);
				active--;
			}
		}
	}
	r->seconds = last - t0;
	r->server_cpu = server_pid > 0 ? proc_cpu(server_pid) - cpu0 : 0;
	r->client_cpu = self_cpu() - self0;
	for (size_t c = 0; c < l->nconn; c++)
		free(cs[c].in);
	free(cs);
	close(ep);
}

void phase_free(phase_result *r)
{
	free(r->lat);
	free(r->t_send);
	free(r->index);
	r->lat = r->t_send = NULL;
	r->index = NULL;
}

/* ---- the checkpoint poller ---- */

static void *poll_worker(void *arg)
{
	poller *p = arg;
	char body[4096];
	while (!atomic_load(&p->stop)) {
		size_t blen;
		int st = p->fd >= 0 ? http_get(p->fd, "/checkpoint", body, sizeof body, &blen, 2000) : -1;
		double t = now();
		const char *nl = st == 200 ? strchr(body, '\n') : NULL;
		if (nl == NULL) {
			p->errors++;
			if (st < 0) {
				if (p->fd >= 0)
					close(p->fd);
				p->fd = http_connect(p->port, 1000);
				if (p->fd < 0)
					usleep(100000);
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
				atomic_store(&p->last, size);
			}
		}
		if (p->every_us)
			usleep(p->every_us);
	}
	if (p->fd >= 0)
		close(p->fd);
	return NULL;
}

void poller_start(poller *p, uint16_t port, unsigned every_us)
{
	memset(p, 0, sizeof *p);
	p->port = port;
	p->every_us = every_us;
	atomic_init(&p->stop, false);
	atomic_init(&p->last, 0);
	p->fd = http_connect(port, 3000);
	if (pl_thread_start(&p->th, poll_worker, p) != PL_OK)
		die("%s", "cannot start the poller");
}

void poller_stop(poller *p, const phase_result *r, size_t total, double wait_s)
{
	uint64_t size = 0;
	for (size_t i = 0; i < total; i++)
		if (r->lat[i] >= 0 && r->index[i] + 1 > size)
			size = r->index[i] + 1;
	double until = now() + wait_s;
	while (now() < until && atomic_load(&p->last) < size)
		usleep(1000);
	usleep(5000);
	atomic_store(&p->stop, true);
	pl_thread_join(p->th);
}

double *checkpoint_latency(const phase_result *r, size_t total, const poller *p)
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
