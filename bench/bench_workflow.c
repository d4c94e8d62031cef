/*
 * bench_workflow.c - `parley reindex` over a log of workflow statements, and
 * the latency of `inbox` and `report` on the index it builds.
 *
 *   bench_workflow N DIR
 *
 * Builds (once; reused when DIR/log already holds them) a log whose charter
 * lists 20 founders, the UN GGE norm set, subscriptions, then N workflow
 * statements in cycles of 16: a concern to two parties, four requests with
 * acknowledgements, a postponement, answers on time and late, status query
 * and update, a withdrawal, an unanswered request, a ping and its pong, and
 * (four cycles in five) the close. Statements are signed one by one (they
 * reference each other by leaf hash) and appended straight to the store in
 * batches of 10,000.
 *
 * Then it measures, each on a cold process state:
 *   parse   - every entry through envelope and payload parsing only: the
 *             floor any replay pays before it applies a rule;
 *   reindex - pl_index_rebuild (trusting the signatures, as the server's
 *             indexer does), statements/s;
 *   inbox   - pl_view_inbox of the party with the most open items (first
 *             page of 100), median and p99 of 200 runs;
 *   report  - pl_view_report of every party, median of 10 runs;
 *   copy    - a member's first synchronisation of its verified copy
 *             (monitor/copy.h) from empty, from the log's directory: every
 *             signature and rule checked from entry 0, the mirror written and
 *             the index built; wall and CPU time, size on disk; then the
 *             same again with nothing new (the next command's cost).
 */
#include "base/err.h"
#include "base/fsio.h"
#include "base/sha256.h"
#include "base/timefmt.h"
#include "monitor/copy.h"
#include "workflow/genesis.h"
#include "statement/members.h"
#include "statement/sign.h"
#include "store/log.h"
#include "store/published.h"
#include "store/source.h"
#include "tlog/tile.h"
#include "workflow/norms.h"
#include "workflow/views.h"

#include <limits.h>
#include <stdio.h>
#include <sys/resource.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define PARTIES 20
#define CYCLE 16
#define ORIGIN "bench.example/workflow"

static double mono(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static void die(const char *what, int rc, const pl_diag *d)
{
	fprintf(stderr, "bench_workflow: %s: %s\n", what, pl_diag_text(d, rc));
	exit(1);
}

typedef struct gen {
	pl_party_key *k[PARTIES];
	uint64_t seq[PARTIES];
	pl_log *log;
	pl_hash *leaves;     /* of every entry so far */
	uint64_t size;
	pl_buf *batch;       /* envelopes waiting to be appended */
	size_t nbatch;
	int64_t t;           /* the clock of the statements */
} gen;

static void flush(gen *g)
{
	if (g->nbatch == 0)
		return;
	pl_span *sp = malloc(g->nbatch * sizeof *sp);
	for (size_t i = 0; i < g->nbatch; i++)
		sp[i] = (pl_span){g->batch[i].data, g->batch[i].len};
	uint64_t first;
	pl_diag d = {0};
	int rc = pl_log_append(g->log, sp, g->nbatch, &first, &d);
	if (rc != PL_OK)
		die("append", rc, &d);
	for (size_t i = 0; i < g->nbatch; i++)
		pl_buf_reset(&g->batch[i]);
	g->nbatch = 0;
	free(sp);
}

/* Signs one statement by party p (body is consumed), refs to the given entries; returns its index. */
static uint64_t emit(gen *g, int p, const char *type, json_t *body, const uint64_t *refs, size_t nrefs)
{
	pl_ref r[4] = {0}; /* all of it: nrefs may be 0 */
	for (size_t i = 0; i < nrefs; i++)
		r[i] = (pl_ref){.index = refs[i], .leaf = g->leaves[refs[i]]};
	pl_buf *env = &g->batch[g->nbatch++];
	int rc = pl_statement_sign(g->k[p], ORIGIN, type, ++g->seq[p], g->t, body, r, nrefs, env);
	json_decref(body);
	if (rc != PL_OK)
		die("sign", rc, NULL);
	pl_leaf_hash(env->data, env->len, &g->leaves[g->size]);
	uint64_t idx = g->size++;
	g->t += 60;
	if (g->nbatch == 10000)
		flush(g);
	return idx;
}

static const char *name(int p)
{
	static char n[PARTIES][16];
	snprintf(n[p], sizeof n[p], "party%02d", p);
	return n[p];
}

static char *iso(int64_t t)
{
	static char s[4][PL_TIME_LEN + 1];
	static int k;
	k = (k + 1) % 4;
	pl_time_format(t, s[k]);
	return s[k];
}

/* One cycle of 16 statements between parties a, b and c. */
static void cycle(gen *g, uint64_t n)
{
	int a = (int)(n % PARTIES), b = (int)((n + 1 + n / PARTIES % (PARTIES - 1)) % PARTIES), c = (b + 1) % PARTIES;
	if (c == a)
		c = (c + 1) % PARTIES;
	uint64_t cs = emit(g, a, "concern",
			   json_pack("{s:s,s:s,s:s,s:s,s:[s,s]}", "title", "Scanning from a hosting range", "class",
				     "information-gathering", "tlp", "TLP:AMBER", "summary",
				     "Repeated scans against the energy sector", "recipients", name(b), name(c)),
			   NULL, 0);
	uint64_t r1 = emit(g, a, "request",
			   json_pack("{s:I,s:s,s:[s],s:s,s:s,s:s}", "case", (json_int_t)cs, "kind", "information", "to",
				     name(b), "text", "Who operates the range?", "due", iso(g->t + 3 * 86400), "due_reason",
				     "the scans escalate"),
			   &cs, 1);
	emit(g, b, "ack", json_pack("{s:I}", "request", (json_int_t)r1), &r1, 1);
	/* one answer in four comes after its deadline */
	if (n % 4 == 0)
		g->t += 4 * 86400;
	emit(g, b, "response", json_pack("{s:I,s:s,s:s}", "request", (json_int_t)r1, "status", "granted", "text", "a customer"),
	     &r1, 1);
	uint64_t r2 = emit(g, a, "request",
			   json_pack("{s:I,s:s,s:[s],s:s}", "case", (json_int_t)cs, "kind", "assistance", "to", name(c),
				     "text", "Please take the scanner down"),
			   &cs, 1);
	emit(g, c, "response",
	     json_pack("{s:I,s:s,s:s,s:s}", "request", (json_int_t)r2, "status", "postponed", "reasons",
		       "the provider is slow", "until", iso(g->t + 10 * 86400)),
	     &r2, 1);
	emit(g, a, "status", json_pack("{s:I,s:s}", "request", (json_int_t)r2, "kind", "query"), &r2, 1);
	emit(g, c, "status", json_pack("{s:I,s:s,s:s}", "request", (json_int_t)r2, "kind", "update", "text", "in progress"),
	     &r2, 1);
	emit(g, c, "response",
	     json_pack("{s:I,s:s,s:s}", "request", (json_int_t)r2, "status", "refused", "reasons", "outside our remit"),
	     &r2, 1);
	uint64_t r3 = emit(g, b, "request",
			   json_pack("{s:I,s:s,s:[s],s:s}", "case", (json_int_t)cs, "kind", "consultation", "to", name(a),
				     "text", "A call?"),
			   &cs, 1);
	emit(g, b, "withdraw", json_pack("{s:I}", "request", (json_int_t)r3), &r3, 1);
	uint64_t r4 = emit(g, a, "request",
			   json_pack("{s:I,s:s,s:[s,s],s:s}", "case", (json_int_t)cs, "kind", "evidence", "to", name(b),
				     name(c), "text", "Logs, please"),
			   &cs, 1);
	emit(g, b, "ack", json_pack("{s:I}", "request", (json_int_t)r4), &r4, 1);
	uint64_t ping = emit(g, a, "ping", json_pack("{s:[s]}", "to", name(b)), NULL, 0);
	emit(g, b, "pong", json_pack("{s:I}", "ping", (json_int_t)ping), &ping, 1);
	if (n % 5 != 4)
		emit(g, a, "close", json_pack("{s:I,s:s}", "case", (json_int_t)cs, "outcome", "resolved"), &cs, 1);
	else
		emit(g, c, "ping", json_pack("{s:[s]}", "to", name(a)), NULL, 0); /* left unanswered */
}

static void build(const char *logdir, uint64_t n)
{
	gen g;
	memset(&g, 0, sizeof g);
	pl_identity ids[PARTIES];
	for (int i = 0; i < PARTIES; i++) {
		uint8_t seed[PL_ED25519_SEED_SIZE], box[PL_X25519_SK_SIZE];
		char s[32];
		snprintf(s, sizeof s, "wf seed %d", i);
		pl_sha256(s, strlen(s), seed);
		snprintf(s, sizeof s, "wf box %d", i);
		pl_sha256(s, strlen(s), box);
		if (pl_party_key_from_seeds(name(i), seed, box, &g.k[i], NULL) != PL_OK)
			die("keys", PL_ENOMEM, NULL);
		ids[i] = g.k[i]->id;
	}
	/* dated as early as the first statement below: nothing is dated before the charter */
	pl_charter c = {.sponsors = 1, .ack_seconds = 86400, .response_seconds = 7 * 86400,
			.time = pl_now() - (int64_t)(n / CYCLE) * 1800 - 30 * 86400};
	snprintf(c.name, sizeof c.name, "bench");
	json_t *norms = NULL;
	char hash[PL_NORM_HASH_HEX + 1];
	pl_diag d = {0};
	int rc = pl_norm_set_load(pl_norms_un_gge_2015, pl_norms_un_gge_2015_len, &norms, hash, &d);
	if (rc == PL_OK)
		rc = pl_setup_log(logdir, ORIGIN, g.k[0], ids + 1, PARTIES - 1, &c, norms, &d);
	json_decref(norms);
	if (rc != PL_OK || (rc = pl_log_open(logdir, &g.log, &d)) != PL_OK)
		die("setup", rc, &d);
	g.seq[0] = 2;
	g.size = 2;
	uint64_t total = 2 + PARTIES + n + CYCLE;
	g.leaves = calloc(total, sizeof *g.leaves);
	g.batch = calloc(10000, sizeof *g.batch);
	for (size_t i = 0; i < 10000; i++)
		pl_buf_init(&g.batch[i], PL_DSSE_MAX);
	/* the leaves of the charter and the norm set, for refs (none refer to them here) */
	g.t = pl_now() - (int64_t)(n / CYCLE) * 1800 - 30 * 86400;
	for (int p = 0; p < PARTIES; p++)
		emit(&g, p, "norms.subscribe", json_pack("{s:s}", "set", hash), NULL, 0);
	double t0 = mono();
	for (uint64_t k = 0; g.size - 2 - PARTIES < n; k++) {
		cycle(&g, k);
		if (k % 5000 == 0 && k)
			fprintf(stderr, "\r  signed %llu statements (%.0f/s)", (unsigned long long)(g.size - 2 - PARTIES),
				(double)(g.size - 2 - PARTIES) / (mono() - t0));
	}
	flush(&g);
	fprintf(stderr, "\n");
	pl_log_close(g.log);
	for (int i = 0; i < PARTIES; i++)
		pl_party_key_free(g.k[i]);
	for (size_t i = 0; i < 10000; i++)
		pl_buf_release(&g.batch[i]);
	free(g.batch);
	free(g.leaves);
}

/* The log's size from its checkpoint file. */
static uint64_t log_size(const char *logdir)
{
	pl_log *l = NULL;
	if (pl_log_open(logdir, &l, NULL) != PL_OK)
		return 0;
	uint64_t n = pl_log_size(l);
	pl_log_close(l);
	return n;
}

static int cmpd(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

static double cpu_seconds(void)
{
	struct rusage u;
	getrusage(RUSAGE_SELF, &u);
	return (double)u.ru_utime.tv_sec + (double)u.ru_utime.tv_usec / 1e6 + (double)u.ru_stime.tv_sec +
	       (double)u.ru_stime.tv_usec / 1e6;
}

/* A member's first synchronisation of a verified copy of logdir, in dir/copy. */
static void bench_copy(const char *dir, const char *logdir, uint64_t size)
{
	char copydir[PATH_MAX], vkp[PATH_MAX + 16], cmd[2 * PATH_MAX + 64];
	snprintf(copydir, sizeof copydir, "%s/copy", dir);
	snprintf(vkp, sizeof vkp, "%s/log.vkey", logdir);
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", copydir);
	if (system(cmd) != 0)
		die("rm", PL_EIO, NULL);
	pl_diag d = {0};
	pl_verifier v;
	int rc;
	if ((rc = pl_read_vkey_file(vkp, &v, &d)) != PL_OK)
		die("vkey", rc, &d);
	pl_copy_opts o;
	memset(&o, 0, sizeof o);
	o.dir = copydir;
	o.source = logdir;
	pl_policy_init(&o.policy, &v); /* no witnesses: this measures the copy, not a quorum */
	pl_copy *c;
	double c0 = cpu_seconds(), t0 = mono();
	if ((rc = pl_copy_open(&o, &c, &d)) != PL_OK || (rc = pl_copy_sync(c, &d)) != PL_OK)
		die("copy", rc, &d);
	double s = mono() - t0, cpu = cpu_seconds() - c0;
	pl_copy_close(c);
	/* the next command, with nothing new: opened and synchronised again */
	double t1 = mono();
	if ((rc = pl_copy_open(&o, &c, &d)) != PL_OK || (rc = pl_copy_sync(c, &d)) != PL_OK)
		die("copy again", rc, &d);
	pl_copy_close(c);
	double again = mono() - t1;
	snprintf(cmd, sizeof cmd, "du -sk '%s' | cut -f1 > '%s.kb'", copydir, copydir);
	long kb = -1;
	if (system(cmd) == 0) {
		snprintf(cmd, sizeof cmd, "%s.kb", copydir);
		FILE *f = fopen(cmd, "r");
		if (f != NULL) {
			if (fscanf(f, "%ld", &kb) != 1)
				kb = -1;
			fclose(f);
		}
	}
	printf("copy:        %8.0f statements/s  (%.2f s wall, %.2f s CPU for %llu entries, from empty: verified, "
	       "replayed and indexed; %.1f MiB on disk)\n",
	       (double)size / s, s, cpu, (unsigned long long)size, (double)kb / 1024.0);
	printf("copy again:  %.3f s  (opened and synchronised again with nothing new, as the next command does)\n", again);
}

int main(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: bench_workflow N DIR\n");
		return 2;
	}
	uint64_t n = strtoull(argv[1], NULL, 10);
	char logdir[PATH_MAX];
	snprintf(logdir, sizeof logdir, "%s/log", argv[2]);
	pl_diag d = {0};
	int rc;
	uint64_t size = log_size(logdir);
	if (size < n) {
		printf("building a log of %llu workflow statements in %s ...\n", (unsigned long long)n, logdir);
		if ((rc = pl_fs_mkdirs(argv[2], 0755, &d)) != PL_OK)
			die("mkdir", rc, &d);
		char cmd[PATH_MAX + 16];
		snprintf(cmd, sizeof cmd, "rm -rf '%s'", logdir);
		if (system(cmd) != 0)
			die("rm", PL_EIO, NULL);
		double t0 = mono();
		build(logdir, n);
		size = log_size(logdir);
		printf("built: %llu entries in %.1f s\n", (unsigned long long)size, mono() - t0);
	} else {
		printf("reusing %s: %llu entries\n", logdir, (unsigned long long)size);
	}

	/* parse: the floor of any replay */
	pl_source *src = NULL;
	if ((rc = pl_source_open_dir(logdir, &src, &d)) != PL_OK)
		die("source", rc, &d);
	pl_buf b;
	pl_buf_init(&b, PL_BUNDLE_MAX);
	pl_admission a;
	memset(&a, 0, sizeof a);
	a.skew = -1;
	double t0 = mono();
	for (uint64_t t = 0; t * PL_TILE_WIDTH < size; t++) {
		pl_tile tile;
		pl_span e[PL_TILE_WIDTH];
		pl_buf_reset(&b);
		if (pl_tile_in_tree(size, PL_TILE_LEVEL_ENTRIES, t, &tile) != PL_OK ||
		    pl_source_fetch_tile(src, &tile, &b) != PL_OK || pl_bundle_parse(b.data, b.len, tile.width, e) != PL_OK)
			die("bundle", PL_ECORRUPT, NULL);
		for (unsigned i = 0; i < tile.width; i++) {
			pl_submission s;
			pl_refusal v;
			if (pl_submission_parse(e[i].p, e[i].n, ORIGIN, &a, &s, &v) != PL_OK)
				die("parse", PL_EFORMAT, NULL);
			pl_submission_release(&s);
		}
	}
	double parse_s = mono() - t0;
	pl_buf_release(&b);
	pl_source_free(src);
	printf("parse only:  %8.0f statements/s  (%.2f s; bundles read, envelope + payload parsed)\n",
	       (double)size / parse_s, parse_s);

	t0 = mono();
	uint64_t indexed = 0;
	if ((rc = pl_index_rebuild(logdir, false, &indexed, &d)) != PL_OK)
		die("reindex", rc, &d);
	double reindex_s = mono() - t0;
	printf("reindex:     %8.0f statements/s  (%.2f s for %llu entries; %.0f%% of the parse-only rate)\n",
	       (double)indexed / reindex_s, reindex_s, (unsigned long long)indexed, 100.0 * parse_s / reindex_s);

	pl_index *x = NULL;
	if ((rc = pl_index_open_dir_at(logdir, ORIGIN, false, false, &x, &d)) != PL_OK)
		die("open index", rc, &d);
	/* the log built above must hold no entry the rules refuse, or the figures measure refusals */
	sqlite3_stmt *rq;
	if (sqlite3_prepare_v2(pl_index_db(x), "SELECT COUNT(*) FROM refused", -1, &rq, NULL) != SQLITE_OK ||
	    sqlite3_step(rq) != SQLITE_ROW)
		die("count refused", PL_ECORRUPT, NULL);
	long long refused = sqlite3_column_int64(rq, 0);
	sqlite3_finalize(rq);
	if (refused > 0) {
		fprintf(stderr, "bench_workflow: %lld entries of the log are refused by the rules: rebuild it (rm -rf %s)\n",
			refused, logdir);
		return 1;
	}
	/* the party with the most open items */
	sqlite3_stmt *st;
	char party[64] = "party00";
	if (sqlite3_prepare_v2(pl_index_db(x),
			       "SELECT party, COUNT(*) FROM request_targets WHERE open = 1 GROUP BY party ORDER BY 2 DESC "
			       "LIMIT 1",
			       -1, &st, NULL) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW)
		snprintf(party, sizeof party, "%s", (const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	int64_t now = pl_now() + 30 * 86400;
	double lat[200];
	json_int_t total = 0;
	for (int i = 0; i < 200; i++) {
		json_t *v = NULL;
		pl_page pg = {0};
		t0 = mono();
		if ((rc = pl_view_inbox(x, party, now, pg, &v, &d)) != PL_OK)
			die("inbox", rc, &d);
		lat[i] = mono() - t0;
		total = json_integer_value(json_object_get(v, "total"));
		json_decref(v);
	}
	qsort(lat, 200, sizeof lat[0], cmpd);
	printf("inbox:       median %.2f ms, p99 %.2f ms  (%s: %lld open items, first page of 100)\n", lat[100] * 1e3,
	       lat[197] * 1e3, party, (long long)total);
	double rl[10];
	for (int i = 0; i < 10; i++) {
		json_t *v = NULL;
		t0 = mono();
		if ((rc = pl_view_report(x, NULL, now, &v, &d)) != PL_OK)
			die("report", rc, &d);
		rl[i] = mono() - t0;
		json_decref(v);
	}
	qsort(rl, 10, sizeof rl[0], cmpd);
	printf("report:      median %.1f ms, max %.1f ms  (%d parties, every request addressee judged)\n", rl[5] * 1e3,
	       rl[9] * 1e3, PARTIES);
	pl_index_close(x);
	bench_copy(argv[2], logdir, size);
	return 0;
}
