/* cmd_monitor.c - `parley monitor`: follow a log, verify everything, report forks. */
#include "cli/cli.h"
#include "cli/cmds.h"

#include "base/fsio.h"
#include "monitor/monitor.h"
#include "client/cosign.h"

#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static void progress(void *ctx, uint64_t done, uint64_t total)
{
	(void)ctx;
	fprintf(stderr, "\rmonitor: verified %llu of %llu entries", (unsigned long long)done, (unsigned long long)total);
	if (done == total)
		fputc('\n', stderr);
}

/* Runs the hook with the finding in its environment; waits for it. */
static void run_hook(const char *hook, const char *event, const char *msg, const char *proof)
{
	pid_t pid = fork();
	if (pid == 0) {
		cli_stop_unblock(); /* the hook gets SIGINT and SIGTERM as if run from a shell */
		setenv("PARLEY_EVENT", event, 1);
		setenv("PARLEY_MESSAGE", msg, 1);
		if (proof)
			setenv("PARLEY_FORK_PROOF", proof, 1);
		execl("/bin/sh", "sh", "-c", hook, (char *)NULL);
		_exit(127);
	}
	if (pid > 0) {
		int st;
		waitpid(pid, &st, 0);
	}
}

int cmd_monitor(const cli_call *call)
{
	const cli_args *a = &call->args;
	if (a->npos != 1 || cli_get(a, "vkey") == NULL || cli_get(a, "dir") == NULL)
		return cli_usage_call(call, "monitor needs URL, --vkey and --dir");
	pl_monitor_opts o;
	memset(&o, 0, sizeof o);
	o.source = a->pos[0];
	o.dir = cli_get(a, "dir");
	pl_diag d = {0};
	pl_verifier v;
	int rc = cli_load_vkey(cli_get(a, "vkey"), &v, &d);
	if (rc != PL_OK)
		return cli_fail("monitor", rc, &d);
	pl_policy_init(&o.policy, &v);
	if ((rc = cli_policy_witnesses(a, &o.policy, &d)) != PL_OK)
		return cli_fail("monitor", rc, &d);
	for (int i = 0; i < a->nflags; i++) {
		if (strcmp(a->flag[i], "witness") != 0)
			continue;
		pl_cosigner c;
		if (pl_cosigner_parse(a->val[i], &c) != PL_OK)
			return cli_usage_call(call, "--witness takes WKEY@URL");
		snprintf(o.witnesses[o.nwitnesses].url, sizeof o.witnesses[0].url, "%s", c.url);
		o.witnesses[o.nwitnesses++].v = c.v;
	}
	uint64_t interval = 10, chunk = 0;
	if ((cli_get(a, "interval") && !cli_u64(cli_get(a, "interval"), &interval)) ||
	    (cli_get(a, "chunk") && !cli_u64(cli_get(a, "chunk"), &chunk)))
		return cli_usage_call(call, "--interval and --chunk take numbers");
	o.chunk = (size_t)chunk;
	o.no_gzip = cli_has(a, "no-gzip");
	if (cli_stderr_is_tty())
		o.progress = progress;
	pl_monitor *m = NULL;
	/* SIGINT and SIGTERM are held until the round ends, then stop the wait for the next one */
	cli_stop_block_only();
	if ((rc = pl_monitor_open(&o, &m, &d)) != PL_OK)
		return cli_fail("monitor", rc, &d);
	const char *hook = cli_get(a, "hook");
	bool once = cli_has(a, "once"), stop = false;
	int status = 0;
	while (!stop) {
		pl_monitor_result r;
		pl_monitor_result_init(&r);
		memset(&d, 0, sizeof d);
		rc = pl_monitor_step(m, &r, &d);
		if (rc != PL_OK) {
			cli_texts t = {0};
			fprintf(stderr, "parley monitor: this round failed: %s\n", cli_text(&t, pl_diag_text(&d, rc)));
			cli_texts_release(&t);
			if (once)
				status = cli_exit_for(rc) ? cli_exit_for(rc) : EXIT_FAIL;
		} else {
			cli_texts t = {0};
			printf("%s: size %llu, %llu statement%s verified this round%s%s\n", cli_text(&t, o.policy.log.name),
			       (unsigned long long)r.size, (unsigned long long)r.verified, r.verified == 1 ? "" : "s",
			       r.finding ? "; " : "",
			       r.finding ? "see stderr" : "");
			cli_texts_release(&t);
			fflush(stdout);
		}
		if (r.finding) {
			char path[PATH_MAX] = "";
			if (r.finding == PL_FINDING_FORK && r.fork_proof.len > 0)
				(void)!pl_monitor_keep_fork(m, &r, path, NULL);
			/* the message may quote the log (a refused entry's sentence): shown, and handed to the hook,
			 * in its display form */
			cli_texts t = {0};
			const char *msg = cli_text(&t, r.message);
			fprintf(stderr, "parley monitor: %s%s%s\n", msg, path[0] ? " Fork proof: " : "", cli_text(&t, path));
			if (hook)
				run_hook(hook, r.finding == PL_FINDING_FORK ? "fork" : "problem", msg, path[0] ? path : NULL);
			cli_texts_release(&t);
			status = EXIT_VERIFY;
			if (r.finding == PL_FINDING_FORK)
				stop = true; /* a fork does not heal: stop here, the proof is kept */
		}
		pl_monitor_result_release(&r);
		if (once)
			break;
		if (!stop && cli_stop_wait_ms(interval > UINT64_MAX / 1000 ? UINT64_MAX : interval * 1000) != 0)
			stop = true;
	}
	pl_monitor_close(m);
	return status;
}
