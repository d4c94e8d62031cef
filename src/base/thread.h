/*
 * thread.h - the one place libparley makes threads, and the one way it waits
 * with a timeout.
 *
 * Data-parallel work (hashing leaves, parsing and verifying log entries,
 * scanning files, fsyncing directories) is a parallel-for over [0, n): items
 * are handed out in grains from a shared counter to up to `threads` threads.
 * Long-running service threads (a server's sequencer, its cosigner) are
 * started with pl_thread_start, so every thread of the library comes from
 * here and inherits the caller's signal mask.
 *
 * Timed waits use the monotonic clock (a deadline is a pl_mono() value), so
 * a change of the wall clock never shortens or stretches them.
 */
#ifndef PARLEY_BASE_THREAD_H
#define PARLEY_BASE_THREAD_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>

#include "base/err.h"

/* The most threads one parallel-for uses. */
#define PL_THREADS_MAX 16

/* Online CPUs, between 1 and PL_THREADS_MAX. */
unsigned pl_cpus(void);

/* Work on the items [from, to). */
typedef void (*pl_range_fn)(void *ctx, size_t from, size_t to);

/*
 * Runs fn over [0, n) in grains of `grain` items (0 means 1) on up to
 * `threads` threads, the caller's among them (0 means pl_cpus()), and
 * returns when every item is done. Small jobs (n <= grain) run on the
 * caller's thread alone. A thread that cannot be started only means fewer
 * threads: the work is always done. fn must be safe to run concurrently on
 * disjoint ranges.
 */
void pl_parallel_for(size_t n, size_t grain, unsigned threads, pl_range_fn fn, void *ctx);

/*
 * A team: up to `threads` threads (0 means pl_cpus()) each running fn(ctx)
 * once, in the background, for work that needs per-thread state (a YARA
 * scanner) and shares its items through ctx; the caller keeps its thread
 * (to consume results as they complete) and joins with pl_team_wait.
 * PL_ENOMEM if not even one thread could be started (nothing runs then).
 */
typedef struct pl_team pl_team;
int pl_team_start(unsigned threads, void (*fn)(void *ctx), void *ctx, pl_team **out) __attribute__((warn_unused_result));

/* Waits until every thread of the team returned and frees t (NULL is fine). */
void pl_team_wait(pl_team *t);

/* Starts a service thread running fn(arg). PL_ENOMEM if it cannot be started. */
int pl_thread_start(pthread_t *t, void *(*fn)(void *), void *arg) __attribute__((warn_unused_result));

/* Joins a thread started by pl_thread_start. */
void pl_thread_join(pthread_t t);

/* Seconds on the monotonic clock (arbitrary origin). */
double pl_mono(void);

/* Initialises c so that pl_cond_wait_until measures on the monotonic clock. */
void pl_cond_init_mono(pthread_cond_t *c);

/*
 * Waits on c (m held) until signalled or until the monotonic time `until`
 * (a pl_mono() value). Returns true when the deadline has passed. Spurious
 * wake-ups return false: callers re-check their condition in a loop.
 */
bool pl_cond_wait_until(pthread_cond_t *c, pthread_mutex_t *m, double until);

#endif
