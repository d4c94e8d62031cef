/* cmd_serve.c - `parley serve`: the log server. */
#include "cli/cli.h"
#include "cli/cmds.h"
#include "store/logdir.h"

#include "base/fsio.h"
#include "http/access.h"
#include "http/serve.h"
#include "server/node.h"
#include "store/blobs.h"

#include <limits.h>
#include <sodium.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

/* Open files parley serve needs besides its connections: the log, its databases, tiles being read
 * or written, blobs, witnesses, libmicrohttpd's epoll sets. */
#define SERVE_FILES_RESERVE 256

/* Raises the soft limit on open files to what conn_limit connections need (up to the hard limit).
 * False if the hard limit is too low, with *have set to it. */
static bool enough_files(unsigned conn_limit, rlim_t *have)
{
	rlim_t need = (rlim_t)conn_limit + SERVE_FILES_RESERVE;
	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
		return true; /* cannot tell: let accept() say it */
	*have = rl.rlim_max;
	if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < need) {
		if (rl.rlim_max != RLIM_INFINITY && rl.rlim_max < need)
			return false;
		rl.rlim_cur = need;
		(void)setrlimit(RLIMIT_NOFILE, &rl);
	}
	return true;
}

/* What the node has to say (storage failures, refused entries in its log): one line on stderr. */
static void say(void *ctx, const char *msg)
{
	(void)ctx;
	cli_texts t = {0};
	fprintf(stderr, "parley serve: %s\n", cli_text(&t, msg)); /* it may quote a refused entry */
	cli_texts_release(&t);
}

int cmd_serve(const cli_call *call)
{
	const cli_args *a = &call->args;
	if (a->npos != 1)
		return cli_usage_call(call, "serve needs DIR");
	if (geteuid() == 0 && !cli_has(a, "allow-root")) {
		fprintf(stderr, "parley serve: refusing to run as root; run it as its own user (see docs/operating.md), "
				"or pass --allow-root\n");
		return EXIT_USAGE;
	}
	pl_node_opts no;
	pl_node_opts_default(&no);
	pl_http_opts ho;
	pl_http_opts_default(&ho);
	uint64_t v;
	char host[64] = "127.0.0.1";
	uint64_t port = 8080;
	pl_blobs_limits bl = {.max = PL_BLOB_MAX_DEFAULT, .party_quota = PL_BLOB_PARTY_QUOTA_DEFAULT,
			      .total = PL_BLOB_TOTAL_DEFAULT};
	const char *listen = cli_get(a, "listen");
	if (listen != NULL) {
		const char *colon = strrchr(listen, ':');
		if (colon == NULL || (size_t)(colon - listen) >= sizeof host || !cli_u64(colon + 1, &port) || port > 65535)
			return cli_usage_call(call, "--listen takes HOST:PORT, like 127.0.0.1:8080");
		memcpy(host, listen, (size_t)(colon - listen));
		host[colon - listen] = '\0';
	}
	ho.host = host;
	ho.port = (uint16_t)port;
#define NUM(name, field, type)                                                                     \
	if (cli_get(a, name) != NULL) {                                                            \
		if (!cli_u64(cli_get(a, name), &v))                                                \
			return cli_usage_call(call, "--%s takes a decimal number", name);          \
		field = (type)v;                                                                   \
	}
	NUM("skew", no.skew, int64_t)
	NUM("batch-ms", no.batch_ms, unsigned)
	NUM("batch-max", no.batch_max, size_t)
	NUM("integrate-ms", no.integrate_ms, unsigned)
	NUM("queue-max", no.queue_max, size_t)
	NUM("rate", no.rate, double)
	NUM("blob-max", bl.max, uint64_t)
	NUM("blob-quota", bl.party_quota, uint64_t)
	NUM("blob-total", bl.total, uint64_t)
	NUM("witness-interval", no.witness_ms, unsigned)
	NUM("conn-limit", ho.conn_limit, unsigned)
	NUM("http-threads", ho.threads, unsigned)
#undef NUM
	if (no.integrate_ms > PL_INTEGRATE_MS_MAX)
		return cli_usage_call(call, "--integrate-ms takes 0 to %d", PL_INTEGRATE_MS_MAX);
	if (ho.conn_limit == 0 || ho.conn_limit > PL_HTTP_CONN_LIMIT_MAX)
		return cli_usage_call(call, "--conn-limit takes 1 to %d", PL_HTTP_CONN_LIMIT_MAX);
	if (ho.threads > PL_HTTP_THREADS_MAX)
		return cli_usage_call(call, "--http-threads takes 0 (one per core) to %d", PL_HTTP_THREADS_MAX);
	rlim_t files = 0;
	if (!enough_files(ho.conn_limit, &files)) {
		fprintf(stderr,
			"parley serve: --conn-limit %u needs %u open files, but the limit is %llu: raise it (ulimit -n, "
			"or LimitNOFILE= in the unit; docs/operating.md) or lower --conn-limit\n",
			ho.conn_limit, ho.conn_limit + SERVE_FILES_RESERVE, (unsigned long long)files);
		return EXIT_USAGE;
	}
	for (int i = 0; i < a->nflags; i++) {
		if (strcmp(a->flag[i], "witness") != 0)
			continue;
		if (no.nwitnesses == PL_WITNESS_MAX)
			return cli_usage_call(call, "at most %d witnesses", PL_WITNESS_MAX);
		if (pl_cosigner_parse(a->val[i], &no.witnesses[no.nwitnesses++]) != PL_OK)
			return cli_usage_call(call, "--witness takes VKEY@URL: the witness's cosignature key, '@', its URL");
	}
	no.trust_log = cli_has(a, "trust-log");
	no.accept_clear = cli_has(a, "accept-clear");
	no.log = say;

	pl_diag d = {0};
	uint8_t *token = NULL;
	size_t token_len = 0;
	const char *tf = cli_get(a, "metrics-token");
	if (tf != NULL) { /* a secret: mode 0600, owned by this user, never through a link */
		int trc = pl_fs_read_secret(tf, PL_METRICS_TOKEN_MAX + 2, &token, &token_len, &d);
		if (trc != PL_OK)
			return cli_fail("serve", trc, &d);
		while (token_len > 0 && (token[token_len - 1] == '\n' || token[token_len - 1] == '\r'))
			token_len--;
		ho.metrics_token = token;
		ho.metrics_token_len = token_len;
	}
	pl_node *node = NULL;
	pl_blobs *blobs = NULL;
	pl_http *http = NULL;
	char bdir[PATH_MAX];
	cli_stop_block(); /* before any thread starts: they all inherit the mask */
	int rc = pl_logdir_path(a->pos[0], PL_LOGFILE_BLOBS, bdir, &d);
	if (rc == PL_OK && pl_logdir_exists(a->pos[0])) /* otherwise pl_node_open says what DIR lacks */
		rc = pl_blobs_open(bdir, &bl, &blobs, &d);
	no.blobs = blobs; /* evidence and findings are admitted once their blobs are there */
	if (rc == PL_OK)
		rc = pl_node_open(a->pos[0], &no, &node, &d);
	if (rc == PL_OK)
		rc = pl_http_start(node, blobs, &ho, &http, &d);
	if (token != NULL) { /* the server keeps only its digest */
		sodium_memzero(token, token_len);
		sodium_free(token);
		ho.metrics_token = NULL;
	}
	if (rc != PL_OK) {
		pl_blobs_close(blobs);
		pl_node_close(node);
		return cli_fail("serve", rc, &d);
	}
	pl_node_stats st;
	pl_node_stats_get(node, &st);
	cli_texts t = {0};
	printf("parley serve: log %s (%llu entr%s) at http://%s:%u/\n", cli_text(&t, pl_node_origin(node)),
	       (unsigned long long)st.size, st.size == 1 ? "y" : "ies", host, (unsigned)pl_http_port(http));
	fflush(stdout);
	const char *pf = cli_get(a, "port-file");
	if (pf != NULL) {
		char text[16], tmp[PATH_MAX];
		int w = snprintf(text, sizeof text, "%u\n", (unsigned)pl_http_port(http));
		snprintf(tmp, sizeof tmp, "%s.tmp", pf);
		if (pl_fs_replace(pf, tmp, text, (size_t)w, 0644, &d) != PL_OK)
			fprintf(stderr, "parley serve: cannot write %s: %s\n", pf, cli_text(&t, d.msg));
	}
	cli_texts_release(&t);
	(void)cli_stop_wait();
	fprintf(stderr, "parley serve: stopping\n");
	pl_http_stop(http);
	pl_node_close(node);
	pl_blobs_close(blobs);
	return 0;
}
