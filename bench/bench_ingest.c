/*
 * bench_ingest.c - sustained durable ingest through `parley serve`, against
 * the verify-only bound measured in the same run (issue 14's table).
 *
 *   bench_ingest PARLEY [--conns 64,200,1000] [--mix ping,sized] [--idle K] [options]
 *
 * Creates a fresh log (in --dir, or a new directory under /tmp) with one
 * party per connection of the largest row, keys generated in-process: the
 * charter takes 64 founders, so founder f enrolls parties 64 + f, 128 + f, ...
 * (the charter wants 1 sponsor) before any clock starts. Starts the server as
 * a child (PARLEY serve DIR --listen 127.0.0.1:0 --port-file ... --allow-root
 * --batch-ms MS; the per-party rate is unlimited by default). Then, for each
 * mix and each connection count, one row:
 *
 *   1. every statement of the row is signed (M per connection, in seq order);
 *   2. the verify-only bound: crypto_sign_verify_detached over the PAE of
 *      those envelopes (up to --bound-sample of them), on every core, while
 *      the server is idle;
 *   3. N keep-alive connections are opened, each bound to a 127.0.0.0/8
 *      source address (250 per address: the server takes 256 per address)
 *      and served a GET /healthz within --connect-ms, or given up (counted;
 *      its party's statements are not sent);
 *   4. "accept": one epoll thread keeps one statement in flight per
 *      connection. Latency is send -> 201 (durably staged). A poller
 *      GETs /checkpoint every --poll-us on its own connection; a statement's
 *      time to checkpoint is send -> the first poll whose size covers its
 *      index (an upper bound, coarser by up to one poll interval);
 *   5. "receipt": a few statements per connection with ?wait=1, latency
 *      send -> 200 with a receipt (the server's own answer once a checkpoint
 *      includes it).
 *
 * Mixes: "ping", to one party ({"to": [the next party]}); "ping-all", body {}
 * as this benchmark sent before issue 14: a ping to every member, whose cost
 * grows with the members (the engine and the index keep one target per
 * member: 999 of them per ping in a 1,000-party log); "sized": concerns
 * padded to ~2 KB (2 recipients) and ~17 KB (16 recipients) envelopes,
 * alternating, the sizes sealed statements will have (ingest_sign.c); "2k"
 * and "17k" each alone.
 * The idle phase (ingest_idle.c), before the rows, holds K idle connections
 * and reports the server's RSS per connection and whether ingest still works
 * meanwhile.
 *
 * Every answer must be 201 (accept) or 200 with a receipt; anything else is an
 * error, the first few printed. A connection the server closes, or a phase in
 * which nothing is answered for --stall-ms, ends with its statements counted
 * lost (in flight) or unsent, never a hang. At the end GET /healthz must
 * report 1 + accepted entries. The exit status is 0 only if everything sent
 * was accepted and the size matches.
 */
#include "ingest.h"

#include "base/err.h"
#include "base/thread.h"
#include "statement/members.h"
#include "workflow/genesis.h"

#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#define ROW_FIRST_ADDR 0x7f000002u /* 127.0.0.2: the rows' client sockets (the poller uses 127.0.0.1) */
#define GOAL_RATIO 0.55            /* issue 14: ingest / verify-only bound */
#define GOAL_CP_P99_MS 1000.0      /* issue 14: p99 from acceptance to checkpoint */
#define GOAL_IDLE_KIB 16           /* issue 14: server memory per idle connection */

typedef struct opts {
	const char *parley;
	size_t conns[ROWS_MAX], nconns;
	bool mixes[MIX_N];
	size_t stmts, wait_stmts;   /* per connection; 0: from the totals */
	size_t total, total_sized;  /* statements per row, pings and concerns */
	size_t wait_total;          /* receipt statements per row (0: no receipt phase) */
	size_t idle, idle_active, idle_stmts;
	double idle_hold;
	unsigned batch_ms, poll_us, connect_ms, stall_ms;
	size_t batch_max, bound_sample;
	size_t conn_limit; /* passed as the server's --conn-limit (0: not given) */
	double bound_s;
	char dir[PATH_MAX];
	bool keep;
} opts;

static void usage(void)
{
	fprintf(stderr,
		"usage: bench_ingest PARLEY [--conns N,N,...] [--mix ping,ping-all,sized,2k,17k,sealed] [--idle K]\n"
		"         [--stmts M | --total N --total-sized N] [--wait-stmts W | --wait-total N]\n"
		"         [--idle-hold S] [--idle-active N] [--idle-stmts M] [--batch-ms MS] [--batch-max N]\n"
		"         [--poll-us US] [--connect-ms MS] [--stall-ms MS] [--bound-sample N] [--bound-s S]\n"
		"         [--server-conn-limit N] [--dir DIR] [--keep]\n"
		"defaults: --conns 64,200,1000 --mix ping,sized --idle 10000 (as RLIMIT_NOFILE allows) --total 48000\n"
		"          --total-sized 16000 --wait-total 3200 --idle-hold 5 --idle-active 64 --idle-stmts 200\n"
		"          --batch-ms 20 --poll-us 2000 --connect-ms 3000 --stall-ms 15000 --bound-sample 20000\n"
		"          --bound-s 1; at most %d connections per row, %d idle\n",
		CONNS_MAX, IDLE_MAX);
	exit(2);
}

static size_t num(const char *s)
{
	char *end;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 10);
	if (errno != 0 || *end != '\0' || end == s)
		usage();
	return (size_t)v;
}

static void parse_lists(opts *o, const char *a, const char *v, bool *mixes_set)
{
	char buf[256];
	snprintf(buf, sizeof buf, "%s", v);
	if (strcmp(a, "--conns") == 0)
		o->nconns = 0;
	else if (!*mixes_set) {
		memset(o->mixes, 0, sizeof o->mixes);
		*mixes_set = true;
	}
	for (char *save = NULL, *t = strtok_r(buf, ",", &save); t != NULL; t = strtok_r(NULL, ",", &save)) {
		if (strcmp(a, "--conns") == 0) {
			if (o->nconns == ROWS_MAX)
				usage();
			o->conns[o->nconns++] = num(t);
			continue;
		}
		int m = -1;
		for (int i = 0; i < MIX_N; i++)
			if (strcmp(t, mix_names[i]) == 0)
				m = i;
		if (m < 0)
			usage();
		o->mixes[m] = true;
	}
}

static void parse_opts(int argc, char **argv, opts *o)
{
	memset(o, 0, sizeof *o);
	o->conns[0] = 64, o->conns[1] = 200, o->conns[2] = 1000, o->nconns = 3;
	o->mixes[MIX_PING] = o->mixes[MIX_SIZED] = true;
	o->total = 48000, o->total_sized = 16000, o->wait_total = 3200;
	o->idle = 10000, o->idle_active = 64, o->idle_stmts = 200, o->idle_hold = 5;
	o->batch_ms = 20, o->poll_us = 2000, o->connect_ms = 3000, o->stall_ms = 15000;
	o->bound_sample = 20000, o->bound_s = 1;
	bool mixes_set = false;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;
		bool takes = true;
		if (strcmp(a, "--conns") == 0 || strcmp(a, "--mix") == 0) {
			if (v == NULL)
				usage();
			parse_lists(o, a, v, &mixes_set);
		} else if (strcmp(a, "--dir") == 0 && v != NULL)
			snprintf(o->dir, sizeof o->dir, "%s", v);
		else if (strcmp(a, "--keep") == 0)
			o->keep = true, takes = false;
		else if (a[0] != '-') {
			if (o->parley != NULL)
				usage();
			o->parley = a, takes = false;
		} else if (v == NULL)
			usage();
#define NUM(flag, field, type) else if (strcmp(a, flag) == 0) o->field = (type)num(v);
		NUM("--stmts", stmts, size_t)
		NUM("--wait-stmts", wait_stmts, size_t)
		NUM("--total", total, size_t)
		NUM("--total-sized", total_sized, size_t)
		NUM("--wait-total", wait_total, size_t)
		NUM("--idle", idle, size_t)
		NUM("--idle-active", idle_active, size_t)
		NUM("--idle-stmts", idle_stmts, size_t)
		NUM("--idle-hold", idle_hold, double)
		NUM("--batch-ms", batch_ms, unsigned)
		NUM("--batch-max", batch_max, size_t)
		NUM("--server-conn-limit", conn_limit, size_t)
		NUM("--poll-us", poll_us, unsigned)
		NUM("--connect-ms", connect_ms, unsigned)
		NUM("--stall-ms", stall_ms, unsigned)
		NUM("--bound-sample", bound_sample, size_t)
		NUM("--bound-s", bound_s, double)
#undef NUM
		else usage();
		if (takes)
			i++;
	}
	if (o->parley == NULL || o->nconns == 0 || o->idle > IDLE_MAX || o->idle_active > CONNS_MAX ||
	    o->bound_sample == 0 || o->stall_ms == 0 || o->connect_ms == 0)
		usage();
	for (size_t i = 0; i < o->nconns; i++)
		if (o->conns[i] < 1 || o->conns[i] > CONNS_MAX)
			usage();
}

/* ---- one row ---- */

typedef struct row {
	mix m;
	size_t asked, served, stmts;
	phase_result r;           /* lat/t_send/index freed once the figures are taken */
	pct acc, cp, rcpt;
	size_t rcpt_ok, rcpt_errors, rcpt_lost, rcpt_n;
	double env_bytes, env_small, env_large, sign_s, batches;
	double bound_before, bound_after; /* verifications per second before and after the row */
	double index_lag, tail_cpu; /* after the last answer: until the index caught up, and the server's CPU meanwhile */
	long rss_kb;
	bound b;
} row;

static size_t per_conn(size_t fixed, size_t total, size_t conns)
{
	if (fixed > 0)
		return fixed;
	return total / conns > 0 ? total / conns : 1;
}

static void print_head(void)
{
	printf("\n%-8s %9s %7s %7s %5s %5s %9s %8s %8s %8s %8s %7s %7s %9s %6s\n", "mix", "conns", "stmts", "ok", "err",
	       "lost", "stmts/s", "acc p50", "acc p99", "cp p50", "cp p99", "srv us", "cli us", "bound/s", "ratio");
	printf("%-8s %9s %7s %7s %5s %5s %9s %8s %8s %8s %8s %7s %7s %9s %6s\n", "", "srv/asked", "", "", "", "", "",
	       "(ms)", "(ms)", "(ms)", "(ms)", "/stmt", "/stmt", "(verify)", "");
	fflush(stdout);
}

static void print_row(const row *w)
{
	char conns[32];
	snprintf(conns, sizeof conns, "%zu/%zu", w->served, w->asked);
	double rate = w->r.seconds > 0 ? (double)w->r.ok / w->r.seconds : 0;
	double ok = w->r.ok > 0 ? (double)w->r.ok : 1;
	printf("%-8s %9s %7zu %7zu %5zu %5zu %9.0f ", mix_names[w->m], conns, w->stmts, w->r.ok, w->r.errors,
	       w->r.lost + w->r.unsent, rate);
	if (w->acc.n > 0)
		printf("%8.2f %8.2f ", w->acc.p50, w->acc.p99);
	else
		printf("%8s %8s ", "-", "-");
	if (w->cp.n > 0)
		printf("%8.1f %8.1f ", w->cp.p50, w->cp.p99);
	else
		printf("%8s %8s ", "-", "-");
	printf("%7.0f %7.0f %9.0f %6.3f\n", 1e6 * (w->r.server_cpu + w->tail_cpu) / ok, 1e6 * w->r.client_cpu / ok,
	       w->b.per_second,
	       w->b.per_second > 0 ? rate / w->b.per_second : 0);
	fflush(stdout);
}

static void print_details(const row *rows, size_t n)
{
	printf("\n%-8s %9s %7s %7s %8s %7s %7s %7s %7s %7s %8s %8s %7s %6s %9s %9s %7s %19s\n", "mix", "conns", "env B",
	       "seconds", "batches", "/batch", "srvCPU", "cliCPU", "idx lag", "srvRSS", "acc max", "cp max", "rcpt n",
	       "r err", "rcpt p50", "rcpt p99", "sign s", "bound before/after");
	printf("%-8s %9s %7s %7s %8s %7s %7s %7s %7s %7s %8s %8s %7s %6s %9s %9s %7s %19s\n", "", "", "(mean)", "", "", "",
	       "", "", "(s)", "(MB)", "(ms)", "(ms)", "", "", "(ms)", "(ms)", "", "(/s, sample)");
	for (size_t i = 0; i < n; i++) {
		const row *w = &rows[i];
		char conns[32], bn[32], lag[32];
		snprintf(conns, sizeof conns, "%zu/%zu", w->served, w->asked);
		snprintf(bn, sizeof bn, "%.0f/%.0f, %zu", w->bound_before, w->bound_after, w->b.n);
		if (w->index_lag >= 0)
			snprintf(lag, sizeof lag, "%.2f", w->index_lag);
		else
			snprintf(lag, sizeof lag, "-");
		double s = w->r.seconds > 0 ? w->r.seconds : 1;
		printf("%-8s %9s %7.0f %7.2f %8.0f %7.1f %6.0f%% %6.0f%% %7s %7.0f %8.1f %8.1f %7zu %6zu %9.1f %9.1f %7.2f "
		       "%19s\n",
		       mix_names[w->m], conns, w->env_bytes, w->r.seconds, w->batches,
		       w->batches > 0 ? (double)w->r.ok / w->batches : 0, 100 * w->r.server_cpu / s,
		       100 * w->r.client_cpu / s, lag, (double)w->rss_kb / 1024, w->acc.max, w->cp.max, w->rcpt_n,
		       w->rcpt_errors + w->rcpt_lost, w->rcpt.p50, w->rcpt.p99, w->sign_s, bn);
	}
}

/* Runs one row; returns the statements accepted (both phases) and adds to *errors and *lost. */
static size_t run_row(const opts *o, server *srv, party *parties, size_t nparties, mix m, size_t nconn, row *w,
		      size_t *errors, size_t *lost)
{
	memset(w, 0, sizeof *w);
	w->m = m;
	w->asked = nconn;
	size_t per = per_conn(o->stmts, MIX_IS_PING(m) ? o->total : o->total_sized, nconn);
	load l;
	load_sign(&l, parties, nparties, nconn, per, m, false);
	w->env_bytes = l.env_bytes;
	w->env_small = l.env_small;
	w->env_large = l.env_large;
	w->sign_s = l.sign_seconds;
	bound_measure(&l, parties, o->bound_sample, o->bound_s, &w->b);
	if (w->b.bad > 0)
		die("%zu of the row's signatures did not verify", w->b.bad);

	/* the poller and the control connection first: a server at its connection limit still answers them */
	poller p;
	if (o->poll_us > 0)
		poller_start(&p, srv->port, o->poll_us);
	server_stats s0, s1;
	server_stats_get(srv, &s0);
	int *fds = xcalloc(nconn, sizeof *fds);
	dial_stats ds;
	dial d = {srv->port, ROW_FIRST_ADDR, o->connect_ms, 0};
	dial_open(&d, nconn, fds, &ds);
	w->served = ds.served;
	w->stmts = ds.served * per;
	for (size_t c = 0; c < nconn; c++)
		if (fds[c] < 0)
			parties[c].next_seq -= per; /* its statements are not sent */

	phase_run(fds, &l, false, o->stall_ms, srv->pid, &w->r);
	server_stats_get(srv, &s1);
	w->batches = s1.batches - s0.batches;
	w->acc = percentiles(w->r.lat, l.total);
	if (o->poll_us > 0) {
		poller_stop(&p, &w->r, l.total, 5);
		double *cpl = checkpoint_latency(&w->r, l.total, &p);
		w->cp = percentiles(cpl, l.total);
		if (w->cp.n != w->r.ok)
			fprintf(stderr, "bench_ingest: %zu accepted statements never seen in a polled checkpoint\n",
				w->r.ok - w->cp.n);
		free(cpl);
		free(p.s);
	}
	/* the index follows the published log on its own thread: its work is the statements' too */
	double cpu_end = proc_cpu(srv->pid);
	w->index_lag = index_wait(srv, (uint64_t)s1.size, 120);
	w->tail_cpu = proc_cpu(srv->pid) - cpu_end;
	w->rss_kb = proc_status_kb(srv->pid, "VmRSS");
	/* the bound again, the server idle again: the mean of the two is the row's (the machine is shared) */
	bound after;
	bound_measure(&l, parties, o->bound_sample, o->bound_s, &after);
	w->bound_before = w->b.per_second;
	w->bound_after = after.per_second;
	w->b.per_second = (w->bound_before + w->bound_after) / 2;
	bool resync = w->r.errors + w->r.lost + w->r.unsent > 0;
	size_t accepted = w->r.ok;
	*errors += w->r.errors;
	*lost += w->r.lost;
	load_free(&l);

	size_t wper = o->wait_stmts > 0 ? o->wait_stmts : o->wait_total > 0 ? per_conn(0, o->wait_total, nconn) : 0;
	if (wper > 0 && ds.served > 0) {
		if (resync) {
			sleep(2);
			parties_resync(srv, parties, nparties);
		}
		load_sign(&l, parties, nparties, nconn, wper, m, true);
		for (size_t c = 0; c < nconn; c++)
			if (fds[c] < 0)
				parties[c].next_seq -= wper;
		phase_result rr;
		phase_run(fds, &l, true, o->stall_ms, srv->pid, &rr);
		w->rcpt = percentiles(rr.lat, l.total);
		w->rcpt_n = rr.ok + rr.errors + rr.lost + rr.unsent;
		w->rcpt_ok = rr.ok;
		w->rcpt_errors = rr.errors;
		w->rcpt_lost = rr.lost + rr.unsent;
		accepted += rr.ok;
		*errors += rr.errors;
		*lost += rr.lost;
		resync = resync || rr.errors + rr.lost + rr.unsent > 0;
		phase_free(&rr);
		load_free(&l);
	}
	dial_close(fds, nconn);
	free(fds);
	print_row(w);
	if (ds.served < ds.asked)
		printf("       ^ %zu of %zu connections not served within %u ms: %zu connect failed, %zu connect timed out, "
		       "%zu closed by the server, %zu unanswered, %zu other answers (first errno %d)\n",
		       ds.asked - ds.served, ds.asked, o->connect_ms, ds.connect_failed, ds.connect_timeout, ds.closed,
		       ds.unanswered, ds.bad_answer, ds.first_errno);
	if (w->r.stalled || w->r.conns_lost > 0)
		printf("       ^ %s%zu connections closed by the server during the phase; %zu statements lost in "
		       "flight, %zu unsent\n",
		       w->r.stalled ? "stalled (nothing answered for --stall-ms); " : "", w->r.conns_lost, w->r.lost,
		       w->r.unsent);
	if (resync) {
		sleep(2);
		parties_resync(srv, parties, nparties);
	}
	phase_free(&w->r);
	return accepted;
}

/* Issue 14's goals, against this run's figures. */
static void print_goals(const row *rows, size_t n, const idle_result *ir)
{
	size_t ratio_ok = 0, cp_ok = 0;
	for (size_t i = 0; i < n; i++) {
		double rate = rows[i].r.seconds > 0 ? (double)rows[i].r.ok / rows[i].r.seconds : 0;
		ratio_ok += rows[i].b.per_second > 0 && rate >= GOAL_RATIO * rows[i].b.per_second;
		cp_ok += rows[i].cp.n > 0 && rows[i].cp.p99 < GOAL_CP_P99_MS;
	}
	printf("\ngoals (issue 14): ingest >= %.2f x the bound in %zu of %zu rows; checkpoint p99 < %.0f ms in %zu of %zu "
	       "rows",
	       GOAL_RATIO, ratio_ok, n, GOAL_CP_P99_MS, cp_ok, n);
	if (ir != NULL) {
		printf("; idle: %zu of %zu connections held", ir->served, ir->asked);
		if (ir->kib_per_conn >= 0)
			printf(" at %.1f KiB each (goal <= %d KiB)", ir->kib_per_conn, GOAL_IDLE_KIB);
		printf(", ingest meanwhile %s", ir->ingest_ok ? "worked" : "did not work");
	}
	printf("\n");
}

/* ---- setup ---- */

/* Raises RLIMIT_NOFILE for what the run needs; cuts the idle phase to what the hard limit allows. */
static void raise_nofile(opts *o, size_t max_conns)
{
	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
		die("%s", "getrlimit failed");
	size_t base = max_conns + o->idle_active + 256; /* the rows' sockets, the active ones, files, the poller */
	rlim_t want = (rlim_t)(base + o->idle);
	if (rl.rlim_max != RLIM_INFINITY && want > rl.rlim_max) {
		size_t k = rl.rlim_max > base ? (size_t)rl.rlim_max - base : 0;
		printf("bench_ingest: RLIMIT_NOFILE hard limit %llu: %zu idle connections instead of %zu\n",
		       (unsigned long long)rl.rlim_max, k, o->idle);
		o->idle = k;
		want = (rlim_t)(base + k);
	}
	if (rl.rlim_cur == RLIM_INFINITY || rl.rlim_cur < want) {
		rl.rlim_cur = want;
		if (setrlimit(RLIMIT_NOFILE, &rl) != 0)
			die("cannot raise RLIMIT_NOFILE to %llu", (unsigned long long)want);
	}
	printf("bench_ingest: RLIMIT_NOFILE %llu (hard %llu), for this process and the server\n",
	       (unsigned long long)rl.rlim_cur, (unsigned long long)rl.rlim_max);
}

/* The machine is shared: its load average is printed with the figures. */
static void print_load(const char *when)
{
	char buf[128] = "";
	FILE *fp = fopen("/proc/loadavg", "r");
	if (fp != NULL) {
		if (fgets(buf, sizeof buf, fp) == NULL)
			buf[0] = '\0';
		fclose(fp);
	}
	buf[strcspn(buf, "\n")] = '\0';
	printf("bench_ingest: load average %s: %s\n", when, buf);
}

static party *make_log(const char *dir, size_t nparties, size_t *nfounders)
{
	double t0 = now();
	party *parties = xcalloc(nparties, sizeof *parties);
	pl_identity *others = xcalloc(nparties, sizeof *others);
	for (size_t i = 0; i < nparties; i++) {
		char name[32];
		snprintf(name, sizeof name, "bench-f%02zu", i);
		pl_diag d = {0};
		int rc = pl_party_key_generate(name, &parties[i].key, &d);
		if (rc != PL_OK)
			die_rc("key", rc, d.msg);
		others[i] = parties[i].key->id;
		parties[i].next_seq = 1;
	}
	parties[0].next_seq = 2; /* the charter was founder 0's seq 1 */
	*nfounders = nparties < PL_FOUNDERS_MAX ? nparties : PL_FOUNDERS_MAX;
	pl_charter ch;
	memset(&ch, 0, sizeof ch);
	ch.sponsors = 1;
	ch.ack_seconds = 86400;
	ch.response_seconds = 86400;
	pl_diag d = {0};
	int rc = pl_setup_log(dir, ORIGIN, parties[0].key, others + 1, *nfounders - 1, &ch, NULL, &d);
	if (rc != PL_OK)
		die_rc("setup", rc, d.msg);
	free(others);
	printf("bench_ingest: log %s, %zu parties (%zu founders), keys and charter in %.2f s\n", dir, nparties,
	       *nfounders, now() - t0);
	return parties;
}

/* The parties past the founders, enrolled before any clock starts. */
static size_t enroll(const opts *o, server *srv, party *parties, size_t nfounders, size_t nparties)
{
	load l;
	load_enroll(&l, parties, nfounders, nparties);
	int *fds = xcalloc(nfounders, sizeof *fds);
	dial_stats ds;
	dial d = {srv->port, ROW_FIRST_ADDR, o->connect_ms, 0};
	dial_open(&d, nfounders, fds, &ds);
	phase_result r;
	phase_run(fds, &l, false, o->stall_ms, srv->pid, &r);
	if (r.ok != l.total)
		die("enrolling %zu parties: %zu ok, %zu errors, %zu lost, %zu unsent (%zu of %zu founders' connections "
		    "served)",
		    l.total, r.ok, r.errors, r.lost, r.unsent, ds.served, nfounders);
	printf("bench_ingest: %zu more parties enrolled by the founders in %.2f s (untimed)\n", l.total, r.seconds);
	phase_free(&r);
	dial_close(fds, nfounders);
	free(fds);
	size_t n = l.total;
	load_free(&l);
	return n;
}

static void print_notes(const opts *o, const row *rows, size_t n)
{
	double small = 0, large = 0;
	for (size_t i = 0; i < n; i++) {
		small = rows[i].env_small > 0 ? rows[i].env_small : small;
		large = rows[i].env_large > 0 ? rows[i].env_large : large;
	}
	printf("\ncolumns: conns = connections served / asked (sockets from 127.0.0.2 on, %d per source address); stmts "
	       "= statements sent in the accept phase; lost = lost in flight + never sent (connection closed, or stalled)\n"
	       "  stmts/s = accepted / seconds from the first send to the last answer; acc = send -> 201 (durably "
	       "staged); cp = send -> first polled /checkpoint covering the index (poll every %u us: an upper bound)\n"
	       "  srv us, cli us /stmt = CPU time (user + system) of the server / of this load generator over the accept "
	       "phase, per accepted statement, the server's until its workflow index caught up with the log (this "
	       "machine's cores are shared by both)\n"
	       "  bound/s = crypto_sign_verify_detached over the same row's envelopes' PAE on %u threads, the server "
	       "idle, just before and just after the row (the mean; both in the details); ratio = stmts/s / bound/s\n"
	       "details: env B = mean envelope bytes; srvCPU/cliCPU in %% of one core during the accept phase; idx lag "
	       "= seconds after the last answer until the index held every entry; srvRSS = server VmRSS then; rcpt = the receipt phase (?wait=1, send -> 200 with a receipt; r err = errors + lost)\n",
	       PER_ADDR, o->poll_us, pl_cpus());
	printf("mixes: ping = ping to one party ({\"to\": [the next party]}); ping-all = ping to every member (body {}); sized = concerns, one in two a ~%d B envelope to %d recipients, the other "
	       "~%d B to %d (the sizes sealed statements to 2 and 16 readers will have), their summary and evidence "
	       "names padded with random base64 as a ciphertext would be; 2k, 17k = each kind alone; sealed = "
	       "TLP:AMBER concerns really sealed to their author and %d recipients (title, class and a 1,500-byte "
	       "summary in a 2,048-byte bucket), admitted with their readers checked\n",
	       SMALL_ENV, SMALL_READERS, LARGE_ENV, LARGE_READERS, SMALL_READERS);
	if (small > 0 || large > 0)
		printf("  envelopes as signed: small concern %.0f B, large concern %.0f B on average\n", small, large);
}

int main(int argc, char **argv)
{
	opts o;
	parse_opts(argc, argv, &o);
	signal(SIGPIPE, SIG_IGN);
	if (sodium_init() < 0)
		die("%s", "sodium_init failed");
	size_t max_conns = 0;
	for (size_t i = 0; i < o.nconns; i++)
		max_conns = o.conns[i] > max_conns ? o.conns[i] : max_conns;
	size_t nparties = max_conns;
	if (o.idle > 0 && o.idle_active > nparties)
		nparties = o.idle_active;
	if (nparties < LARGE_READERS + 1)
		nparties = LARGE_READERS + 1; /* the large concern's recipients */
	raise_nofile(&o, max_conns);
	print_load("at start");
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
	size_t nfounders;
	party *parties = make_log(o.dir, nparties, &nfounders);
	server srv;
	memset(&srv, 0, sizeof srv);
	server_start(&srv, o.parley, o.dir, o.batch_ms, o.batch_max, o.conn_limit);
	printf("bench_ingest: server %s pid %d on 127.0.0.1:%u (--batch-ms %u%s), %u cores\n", o.parley, (int)srv.pid,
	       (unsigned)srv.port, o.batch_ms, o.batch_max ? ", --batch-max set" : "", pl_cpus());
	size_t accepted = nparties > nfounders ? enroll(&o, &srv, parties, nfounders, nparties) : 0;
	size_t errors = 0, lost = 0;

	/* the idle phase first, while the server has not yet had (and freed) a thread for each row's connections:
	 * its memory growth is then the idle connections' own */
	idle_result ir = {0, 0, -1, false};
	if (o.idle > 0) {
		idle_opts io = {o.idle, o.idle_active, o.idle_stmts, o.idle_hold, o.connect_ms, o.stall_ms, o.poll_us};
		accepted += idle_run(&io, &srv, parties, nparties, &errors, &lost, &ir);
	}
	row rows[ROWS_MAX * MIX_N];
	size_t nrows = 0;
	print_head();
	for (int m = 0; m < MIX_N; m++)
		for (size_t i = 0; o.mixes[m] && i < o.nconns; i++)
			accepted += run_row(&o, &srv, parties, nparties, (mix)m, o.conns[i], &rows[nrows++], &errors, &lost);
	print_details(rows, nrows);
	print_notes(&o, rows, nrows);
	print_goals(rows, nrows, o.idle > 0 ? &ir : NULL);

	/* the log holds exactly the charter and what was accepted */
	char body[1024];
	size_t blen = 0;
	int st = server_get(&srv, "/healthz", body, sizeof body, &blen);
	const char *sz = st == 200 ? strstr(body, "\"size\":") : NULL;
	unsigned long long size = sz ? strtoull(sz + 7, NULL, 10) : 0;
	bool exact = size == 1 + accepted, within = size >= 1 + accepted && size <= 1 + accepted + lost;
	printf("\nhealthz: size %llu, expected 1 + %zu accepted = %zu: %s; errors %zu, lost in flight %zu\n", size,
	       accepted, 1 + accepted,
	       exact ? "OK" : within ? "OK within the statements lost in flight" : "MISMATCH", errors, lost);
	print_load("at the end");
	double took = server_stop(&srv);
	if (took < 0)
		printf("the server did not stop within 20 s of SIGTERM: killed\n");
	else
		printf("the server stopped %.2f s after SIGTERM\n", took);
	for (size_t i = 0; i < nparties; i++)
		pl_party_key_free(parties[i].key);
	free(parties);
	if (!o.keep) {
		char cmd[3 * PATH_MAX + 64];
		snprintf(cmd, sizeof cmd, "rm -rf '%s' '%s.port' '%s.serve.log'", o.dir, o.dir, o.dir);
		if (system(cmd) != 0)
			fprintf(stderr, "bench_ingest: could not remove %s\n", o.dir);
	} else {
		printf("kept the log in %s (server output in %s)\n", o.dir, srv.out_file);
	}
	return exact && errors == 0 && lost == 0 && took >= 0 ? 0 : 1;
}
