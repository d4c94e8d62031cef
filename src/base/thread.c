/* thread.c - parallel-for, service threads and monotonic waits (thread.h). */
#include "base/thread.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

unsigned pl_cpus(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);
	if (n < 1)
		return 1;
	return n > PL_THREADS_MAX ? PL_THREADS_MAX : (unsigned)n;
}

struct pl_parallel {
	pl_range_fn fn;
	void *ctx;
	size_t n, grain;
	atomic_size_t next; /* the first item not yet handed out */
	pthread_t th[PL_THREADS_MAX];
	unsigned started;
};

static void run(struct pl_parallel *p)
{
	for (;;) {
		size_t from = atomic_fetch_add(&p->next, p->grain);
		if (from >= p->n)
			return;
		size_t to = p->n - from < p->grain ? p->n : from + p->grain;
		p->fn(p->ctx, from, to);
	}
}

static void *worker(void *arg)
{
	run(arg);
	return NULL;
}

static void setup(struct pl_parallel *p, size_t n, size_t grain, pl_range_fn fn, void *ctx)
{
	p->fn = fn;
	p->ctx = ctx;
	p->n = n;
	p->grain = grain ? grain : 1;
	atomic_init(&p->next, 0);
	p->started = 0;
}

static unsigned want_threads(size_t n, size_t grain, unsigned threads)
{
	if (threads == 0)
		threads = pl_cpus();
	if (threads > PL_THREADS_MAX)
		threads = PL_THREADS_MAX;
	size_t grains = (n + grain - 1) / grain;
	return grains < threads ? (unsigned)grains : threads;
}

void pl_parallel_for(size_t n, size_t grain, unsigned threads, pl_range_fn fn, void *ctx)
{
	if (n == 0)
		return;
	struct pl_parallel p;
	setup(&p, n, grain, fn, ctx);
	unsigned want = want_threads(n, p.grain, threads);
	for (; p.started + 1 < want; p.started++)
		if (pthread_create(&p.th[p.started], NULL, worker, &p) != 0)
			break;
	run(&p); /* the caller works too, and finishes whatever no thread took */
	for (unsigned i = 0; i < p.started; i++)
		pthread_join(p.th[i], NULL);
}

struct pl_team {
	void (*fn)(void *ctx);
	void *ctx;
	pthread_t th[PL_THREADS_MAX];
	unsigned started;
};

static void *team_member(void *arg)
{
	pl_team *t = arg;
	t->fn(t->ctx);
	return NULL;
}

int pl_team_start(unsigned threads, void (*fn)(void *ctx), void *ctx, pl_team **out)
{
	*out = NULL;
	pl_team *t = malloc(sizeof *t);
	if (t == NULL)
		return PL_ENOMEM;
	t->fn = fn;
	t->ctx = ctx;
	t->started = 0;
	if (threads == 0)
		threads = pl_cpus();
	if (threads > PL_THREADS_MAX)
		threads = PL_THREADS_MAX;
	for (; t->started < threads; t->started++)
		if (pthread_create(&t->th[t->started], NULL, team_member, t) != 0)
			break;
	if (t->started == 0) {
		free(t);
		return PL_ENOMEM;
	}
	*out = t;
	return PL_OK;
}

void pl_team_wait(pl_team *t)
{
	if (t == NULL)
		return;
	for (unsigned i = 0; i < t->started; i++)
		pthread_join(t->th[i], NULL);
	free(t);
}

int pl_thread_start(pthread_t *t, void *(*fn)(void *), void *arg)
{
	return pthread_create(t, NULL, fn, arg) == 0 ? PL_OK : PL_ENOMEM;
}

void pl_thread_join(pthread_t t)
{
	pthread_join(t, NULL);
}

double pl_mono(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

void pl_cond_init_mono(pthread_cond_t *c)
{
	pthread_condattr_t a;
	pthread_condattr_init(&a);
	pthread_condattr_setclock(&a, CLOCK_MONOTONIC);
	pthread_cond_init(c, &a);
	pthread_condattr_destroy(&a);
}

bool pl_cond_wait_until(pthread_cond_t *c, pthread_mutex_t *m, double until)
{
	double now = pl_mono();
	if (now >= until)
		return true;
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	double left = until - now;
	long sec = (long)left;
	long ns = ts.tv_nsec + (long)((left - (double)sec) * 1e9);
	ts.tv_sec += sec + ns / 1000000000L;
	ts.tv_nsec = ns % 1000000000L;
	pthread_cond_timedwait(c, m, &ts);
	return pl_mono() >= until;
}
