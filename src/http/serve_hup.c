/*
 * serve_hup.c - noticing clients that half-close (serve_impl.h).
 *
 * In epoll mode libmicrohttpd (0.9.75) registers its sockets edge-triggered
 * and, after a read shorter than its buffer, does not read again until the
 * next edge. A client that sends an incomplete request (a partial line, a
 * body shorter than announced, an unterminated chunked body) and at once
 * shuts its side down delivers the bytes and the end of the stream in one
 * edge: libmicrohttpd reads the bytes, never the end, and the connection
 * would wait for its idle timeout (30 s). With a thread per connection it
 * polled level-triggered, read the end at once and closed; this restores
 * that.
 *
 * Every connection is also in an epoll set of our own, for EPOLLRDHUP only:
 * when a peer half-closes, the watch thread looks again HUP_RECHECK_S later
 * (libmicrohttpd has then read what it could): if the end of the stream is
 * all the socket holds, it shuts the read side down (shutdown(SHUT_RD)
 * keeps queued bytes readable and wakes every epoll set with the socket in
 * it), so libmicrohttpd reads the end itself and does what it always did:
 * closes an incomplete request, answers a complete one first. It looks
 * again every HUP_RECHECK_S until the connection is gone (a connection busy
 * answering reads only once it is done). A connection is identified by its
 * descriptor and a generation bumped when libmicrohttpd opens and closes
 * it (the CLOSED notification comes before it closes the descriptor), both
 * under the watch's mutex, so a descriptor reused for another connection is
 * never touched.
 */
#include "http/serve_impl.h"

#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

/* How long after a half-close (and between looks) the watch looks at a connection, seconds. */
#define HUP_RECHECK_S 0.25
/* Looks at one connection at most (beyond its idle timeout libmicrohttpd closes it anyway). */
#define HUP_CHECKS_MAX 1000
/* Events taken per epoll_wait. */
#define HUP_EVENTS 64

typedef struct hup_check {
	int fd;
	uint32_t gen;
	double due;
	unsigned checks;
	struct hup_check *next;
} hup_check;

struct pl_hupwatch {
	int ep;                /* the epoll set: every connection (EPOLLRDHUP), and wake */
	int wake;              /* an eventfd: stop */
	pthread_t thread;
	pthread_mutex_t mu;    /* guards everything below */
	struct hup_fd {
		uint32_t gen;      /* odd while libmicrohttpd has the descriptor open */
		bool looking;      /* a look is scheduled for this generation */
	} *fds;                /* by descriptor */
	size_t cap;
	hup_check *head, *tail; /* due in order (a constant delay) */
	bool stop;
};

static uint64_t key(int fd, uint32_t gen)
{
	return (uint64_t)(uint32_t)fd << 32 | gen;
}

void pl_hupwatch_opened(pl_hupwatch *w, int fd)
{
	if (w == NULL || fd < 0)
		return;
	pthread_mutex_lock(&w->mu);
	if ((size_t)fd >= w->cap) {
		size_t cap = w->cap ? w->cap : 1024;
		while (cap <= (size_t)fd)
			cap *= 2;
		struct hup_fd *f = realloc(w->fds, cap * sizeof *f);
		if (f == NULL) {
			pthread_mutex_unlock(&w->mu);
			return; /* not watched: such a client waits for the idle timeout */
		}
		memset(f + w->cap, 0, (cap - w->cap) * sizeof *f);
		w->fds = f;
		w->cap = cap;
	}
	uint32_t g = w->fds[fd].gen |= 1; /* odd: open */
	w->fds[fd].looking = false;
	struct epoll_event ev = {.events = EPOLLRDHUP | EPOLLET, .data.u64 = key(fd, g)};
	(void)epoll_ctl(w->ep, EPOLL_CTL_ADD, fd, &ev);
	pthread_mutex_unlock(&w->mu);
}

void pl_hupwatch_closed(pl_hupwatch *w, int fd)
{
	if (w == NULL || fd < 0)
		return;
	pthread_mutex_lock(&w->mu);
	if ((size_t)fd < w->cap && (w->fds[fd].gen & 1)) {
		(void)epoll_ctl(w->ep, EPOLL_CTL_DEL, fd, NULL);
		w->fds[fd].gen++; /* even: closed; events and looks of this generation are ignored */
	}
	pthread_mutex_unlock(&w->mu);
}

/* Schedules a look at (fd, gen) (mu held). */
static void schedule(pl_hupwatch *w, int fd, uint32_t gen, unsigned checks)
{
	hup_check *c = malloc(sizeof *c);
	w->fds[fd].looking = c != NULL;
	if (c == NULL)
		return;
	c->fd = fd;
	c->gen = gen;
	c->due = pl_mono() + HUP_RECHECK_S;
	c->checks = checks;
	c->next = NULL;
	if (w->tail)
		w->tail->next = c;
	else
		w->head = c;
	w->tail = c;
}

/* Looks at every connection due (mu held). */
static void look(pl_hupwatch *w)
{
	double now = pl_mono();
	while (w->head != NULL && w->head->due <= now) {
		hup_check *c = w->head;
		w->head = c->next;
		if (w->head == NULL)
			w->tail = NULL;
		if (w->fds[c->fd].gen == c->gen) {
			char b;
			if (recv(c->fd, &b, 1, MSG_PEEK | MSG_DONTWAIT) == 0)
				(void)shutdown(c->fd, SHUT_RD); /* only the end is left: make it seen */
			if (c->checks + 1 < HUP_CHECKS_MAX)
				schedule(w, c->fd, c->gen, c->checks + 1);
			else
				w->fds[c->fd].looking = false;
		}
		free(c);
	}
}

static void *watch(void *arg)
{
	pl_hupwatch *w = arg;
	struct epoll_event ev[HUP_EVENTS];
	pthread_mutex_lock(&w->mu);
	while (!w->stop) {
		int timeout = -1;
		if (w->head != NULL) {
			double left = w->head->due - pl_mono();
			timeout = left <= 0 ? 0 : (int)(left * 1000) + 1;
		}
		pthread_mutex_unlock(&w->mu);
		int k = epoll_wait(w->ep, ev, HUP_EVENTS, timeout); /* epoll measures on the monotonic clock */
		pthread_mutex_lock(&w->mu);
		for (int i = 0; i < k; i++) {
			if (ev[i].data.u64 == UINT64_MAX)
				continue; /* the wake */
			int fd = (int)(ev[i].data.u64 >> 32);
			uint32_t gen = (uint32_t)ev[i].data.u64;
			/* one chain of looks per half-close (our own shutdowns raise events too) */
			if ((ev[i].events & EPOLLRDHUP) && (size_t)fd < w->cap && w->fds[fd].gen == gen &&
			    !w->fds[fd].looking)
				schedule(w, fd, gen, 0);
		}
		look(w);
	}
	pthread_mutex_unlock(&w->mu);
	return NULL;
}

int pl_hupwatch_start(pl_hupwatch **out)
{
	*out = NULL;
	pl_hupwatch *w = calloc(1, sizeof *w);
	if (w == NULL)
		return PL_ENOMEM;
	w->ep = epoll_create1(EPOLL_CLOEXEC);
	w->wake = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	struct epoll_event ev = {.events = EPOLLIN, .data.u64 = UINT64_MAX};
	if (w->ep < 0 || w->wake < 0 || epoll_ctl(w->ep, EPOLL_CTL_ADD, w->wake, &ev) != 0)
		goto fail;
	pthread_mutex_init(&w->mu, NULL);
	if (pl_thread_start(&w->thread, watch, w) != PL_OK) {
		pthread_mutex_destroy(&w->mu);
		goto fail;
	}
	*out = w;
	return PL_OK;
fail:
	if (w->ep >= 0)
		close(w->ep);
	if (w->wake >= 0)
		close(w->wake);
	free(w);
	return PL_EIO;
}

void pl_hupwatch_stop(pl_hupwatch *w)
{
	if (w == NULL)
		return;
	pthread_mutex_lock(&w->mu);
	w->stop = true;
	pthread_mutex_unlock(&w->mu);
	uint64_t one = 1;
	(void)!write(w->wake, &one, sizeof one);
	pl_thread_join(w->thread);
	while (w->head != NULL) {
		hup_check *c = w->head;
		w->head = c->next;
		free(c);
	}
	pthread_mutex_destroy(&w->mu);
	close(w->ep);
	close(w->wake);
	free(w->fds);
	free(w);
}
