/*
 * ingest_idle.c - bench_ingest's idle phase: K keep-alive connections opened
 * (each makes one GET /healthz, then says nothing), held, the server's memory
 * read before and after; meanwhile a ping phase on a few active connections
 * shows whether ingest still works. Whatever the server does (refuses,
 * closes, never answers) is counted and printed, with a deadline on every
 * wait.
 */
#include "ingest.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define IDLE_FIRST_ADDR 0x7f000101u   /* 127.0.1.1: idle sockets, PER_ADDR per address */
#define ACTIVE_FIRST_ADDR 0x7f000002u /* 127.0.0.2: the active ones */

static void print_dial(const char *what, const dial_stats *d)
{
	printf("  %s: %zu asked, %zu connected, %zu served (GET /healthz answered) in %.1f s", what, d->asked,
	       d->connected, d->served, d->seconds);
	if (d->served < d->asked)
		printf("; not served: %zu connect failed, %zu connect timed out, %zu closed by the server, %zu unanswered, "
		       "%zu other answers (first errno %d)",
		       d->connect_failed, d->connect_timeout, d->closed, d->unanswered, d->bad_answer, d->first_errno);
	printf("\n");
}

size_t idle_run(const idle_opts *io, server *srv, party *parties, size_t nparties, size_t *errors, size_t *lost,
		idle_result *ir)
{
	printf("\nidle phase: %zu idle keep-alive connections (sources 127.0.1.1 on, %d per address), held %.0f s, then "
	       "pings on %zu active connections\n",
	       io->k, PER_ADDR, io->hold_s, io->active);
	poller p; /* connected first, so that time to checkpoint is seen even if the server fills up */
	memset(&p, 0, sizeof p);
	if (io->poll_us > 0)
		poller_start(&p, srv->port, io->poll_us);
	server_stats s0;
	server_stats_get(srv, &s0); /* the control connection, for the same reason */
	long rss0 = proc_status_kb(srv->pid, "VmRSS"), thr0 = proc_status_kb(srv->pid, "Threads");
	int *fds = xcalloc(io->k, sizeof *fds);
	dial_stats ds;
	dial d = {srv->port, IDLE_FIRST_ADDR, io->connect_ms, io->k};
	double t_open = now();
	dial_open(&d, io->k, fds, &ds);
	print_dial("idle connections", &ds);
	sleep(1); /* let the server settle what it allocated for them */
	long rss1 = proc_status_kb(srv->pid, "VmRSS"), thr1 = proc_status_kb(srv->pid, "Threads");
	printf("  server VmRSS %ld kB before, %ld kB with them held: %+ld kB", rss0, rss1, rss1 - rss0);
	if (ds.served > 0)
		printf(", %.1f KiB per idle connection served", (double)(rss1 - rss0) / (double)ds.served);
	printf("; threads %ld -> %ld\n", thr0, thr1);
	while (now() - t_open < io->hold_s)
		usleep(50000);
	size_t closed_before = dial_count_closed(fds, io->k);

	/* ingest while they are held */
	size_t n = io->active < nparties ? io->active : nparties;
	load l;
	load_sign(&l, parties, nparties, n, io->per, MIX_PING, false);
	int *afds = xcalloc(n, sizeof *afds);
	dial_stats as;
	dial ad = {srv->port, ACTIVE_FIRST_ADDR, io->connect_ms, 0};
	dial_open(&ad, n, afds, &as);
	print_dial("active connections", &as);
	for (size_t c = 0; c < n; c++)
		if (afds[c] < 0)
			parties[c].next_seq -= io->per; /* never sent */
	phase_result r;
	phase_run(afds, &l, false, io->stall_ms, srv->pid, &r);
	if (io->poll_us > 0)
		poller_stop(&p, &r, l.total, 5);
	double *cpl = checkpoint_latency(&r, l.total, &p);
	pct acc = percentiles(r.lat, l.total), cp = percentiles(cpl, l.total);
	size_t sent = r.ok + r.errors + r.lost;
	printf("  ingest while held: %zu statements on %zu served connections: %zu ok, %zu errors, %zu lost, %zu unsent%s; "
	       "%.0f stmts/s; acceptance p50 %.2f p99 %.2f ms; checkpoint p50 %.2f p99 %.2f ms%s\n",
	       sent + r.unsent, as.served, r.ok, r.errors, r.lost, r.unsent, r.stalled ? " (stalled)" : "",
	       r.seconds > 0 ? (double)r.ok / r.seconds : 0, acc.p50, acc.p99, cp.p50, cp.p99,
	       cp.n < r.ok ? " (some never seen in a polled checkpoint)" : "");
	size_t closed_after = dial_count_closed(fds, io->k);
	long rss2 = proc_status_kb(srv->pid, "VmRSS");
	printf("  idle connections closed by the server: %zu after %.0f s held, %zu after the ingest (%.0f s); server "
	       "VmRSS %ld kB\n",
	       closed_before, io->hold_s, closed_after, now() - t_open, rss2);
	printf("  => ingest %s (%zu of %zu active connections served, %zu of %zu statements accepted) while %zu idle "
	       "connections were held\n",
	       r.ok == l.total && r.ok > 0 ? "WORKED" : r.ok > 0 ? "PARTLY WORKED" : "FAILED", as.served, n, r.ok, l.total,
	       ds.served - closed_after);
	*errors += r.errors;
	*lost += r.lost;
	ir->asked = io->k;
	ir->served = ds.served;
	ir->kib_per_conn = ds.served > 0 && rss0 >= 0 && rss1 >= 0 ? (double)(rss1 - rss0) / (double)ds.served : -1;
	ir->ingest_ok = r.ok == l.total && r.ok > 0;
	bool resync = r.errors + r.lost + r.unsent > 0;
	size_t ok = r.ok;
	free(cpl);
	free(p.s);
	phase_free(&r);
	load_free(&l);
	dial_close(afds, n);
	dial_close(fds, io->k);
	free(afds);
	free(fds);
	/* the rows that follow should find the server as it was: wait for its connection threads to end */
	double t_close = now();
	long thr = thr1;
	while (thr > thr0 + 4 && now() - t_close < 30) {
		usleep(100000);
		thr = proc_status_kb(srv->pid, "Threads");
	}
	printf("  after closing them: server threads %ld, %.1f s later\n", thr, now() - t_close);
	if (resync) {
		sleep(2);
		parties_resync(srv, parties, nparties);
	}
	return ok;
}
