/* cmd_witness.c - `parley witness` (init, add-log, serve) and `parley verify-fork`. */
#include "cli/cli.h"
#include "cli/cmds.h"

#include "base/fsio.h"
#include "tlog/fork.h"
#include "http/witness_http.h"
#include "witness/witness.h"

#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The one positional argument, the witness's directory. */
static bool dir_arg(const cli_call *call, int *status)
{
	if (call->args.npos == 1)
		return true;
	*status = cli_usage_call(call, "%s needs DIR", call->cmd->name);
	return false;
}

int cmd_witness_serve(const cli_call *call)
{
	const cli_args *a = &call->args;
	int st;
	if (!dir_arg(call, &st))
		return st;
	if (geteuid() == 0 && !cli_has(a, "allow-root")) {
		fprintf(stderr, "parley witness serve: refusing to run as root; pass --allow-root to insist\n");
		return EXIT_USAGE;
	}
	char host[64] = "127.0.0.1";
	uint64_t port = 8081, rate = 10;
	const char *listen = cli_get(a, "listen");
	if (listen != NULL) {
		const char *colon = strrchr(listen, ':');
		if (colon == NULL || (size_t)(colon - listen) >= sizeof host || !cli_u64(colon + 1, &port) || port > 65535)
			return cli_usage_call(call, "--listen takes HOST:PORT");
		memcpy(host, listen, (size_t)(colon - listen));
		host[colon - listen] = '\0';
	}
	if (cli_get(a, "rate") && !cli_u64(cli_get(a, "rate"), &rate))
		return cli_usage_call(call, "--rate takes a decimal number (0: unlimited)");
	pl_diag d = {0};
	pl_witness *w = NULL;
	pl_whttp *h = NULL;
	cli_stop_block(); /* before any thread starts: they all inherit the mask */
	int rc = pl_witness_open(a->pos[0], (double)rate, &w, &d);
	if (rc == PL_OK)
		rc = pl_whttp_start(w, host, (uint16_t)port, &h, &d);
	if (rc != PL_OK) {
		pl_witness_close(w);
		return cli_fail("witness serve", rc, &d);
	}
	pl_buf vk;
	pl_buf_init(&vk, 1024);
	(void)!pl_verifier_format(pl_witness_verifier(w), &vk);
	printf("parley witness: %s at http://%s:%u/\n", pl_buf_cstr(&vk), host, (unsigned)pl_whttp_port(h));
	fflush(stdout);
	pl_buf_release(&vk);
	const char *pf = cli_get(a, "port-file");
	if (pf != NULL) {
		char text[16], tmp[PATH_MAX];
		int n = snprintf(text, sizeof text, "%u\n", (unsigned)pl_whttp_port(h));
		snprintf(tmp, sizeof tmp, "%s.tmp", pf);
		(void)!pl_fs_replace(pf, tmp, text, (size_t)n, 0644, NULL);
	}
	(void)cli_stop_wait();
	pl_whttp_stop(h);
	pl_witness_close(w);
	return 0;
}

int cmd_witness_init(const cli_call *call)
{
	const cli_args *a = &call->args;
	int st;
	if (!dir_arg(call, &st))
		return st;
	if (cli_get(a, "name") == NULL)
		return cli_usage_call(call, "witness init needs --name (like witness.example.org/w1)");
	pl_diag d = {0};
	int rc = pl_witness_init(a->pos[0], cli_get(a, "name"), &d);
	if (rc != PL_OK)
		return cli_fail("witness init", rc, &d);
	pl_buf vk;
	pl_buf_init(&vk, 1024);
	(void)!pl_witness_read_vkey(a->pos[0], &vk, NULL);
	printf("witness key: %s", pl_buf_cstr(&vk));
	pl_buf_release(&vk);
	return 0;
}

int cmd_witness_add_log(const cli_call *call)
{
	const cli_args *a = &call->args;
	int st;
	if (!dir_arg(call, &st))
		return st;
	const char *vk = cli_get(a, "vkey");
	if (vk == NULL)
		return cli_usage_call(call, "witness add-log needs --vkey (the log's verifier key)");
	pl_diag d = {0};
	pl_verifier v;
	pl_witness *w = NULL;
	pl_buf s;
	pl_buf_init(&s, 1024);
	int rc = cli_load_vkey(vk, &v, &d);
	if (rc == PL_OK)
		rc = pl_verifier_format(&v, &s);
	if (rc == PL_OK)
		rc = pl_witness_open(a->pos[0], 0, &w, &d);
	if (rc == PL_OK)
		rc = pl_witness_add_log(w, pl_buf_cstr(&s), &d);
	pl_witness_close(w);
	pl_buf_release(&s);
	if (rc != PL_OK)
		return cli_fail("witness add-log", rc, &d);
	cli_texts t = {0};
	printf("witnessing %s\n", cli_text(&t, v.name));
	cli_texts_release(&t);
	return 0;
}

int cmd_verify_fork(const cli_call *call)
{
	const cli_args *a = &call->args;
	if (a->npos != 1)
		return cli_usage_call(call, "verify-fork needs FILE");
	pl_diag d = {0};
	pl_verifier v;
	const pl_verifier *want = NULL;
	int rc = PL_OK;
	if (cli_get(a, "vkey") != NULL) {
		if ((rc = cli_load_vkey(cli_get(a, "vkey"), &v, &d)) != PL_OK)
			return cli_fail("verify-fork", rc, &d);
		want = &v;
	}
	pl_buf b;
	pl_buf_init(&b, PL_FORK_PROOF_MAX);
	pl_fork f;
	rc = pl_fs_read(a->pos[0], PL_FORK_PROOF_MAX, &b, &d);
	if (rc == PL_OK)
		rc = pl_fork_verify(b.data, b.len, want, &f, &d);
	pl_buf_release(&b);
	if (rc != PL_OK)
		return cli_fail("verify-fork", rc, &d);
	cli_texts t = {0};
	if (f.prefix)
		printf("FORK: %s signed a checkpoint of size %llu whose first %llu entries differ from its checkpoint of "
		       "size %llu\n",
		       cli_text(&t, f.log.name), (unsigned long long)f.a.size, (unsigned long long)f.b.size,
		       (unsigned long long)f.b.size);
	else
		printf("FORK: %s signed two different checkpoints of size %llu\n", cli_text(&t, f.log.name),
		       (unsigned long long)f.a.size);
	cli_texts_release(&t);
	return 0;
}
