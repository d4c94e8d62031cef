/* cmd_log.c - `parley log`: create, append to, prove from and audit a log. */
#include "cli/cli.h"
#include "cli/cmds.h"
#include "store/logdir.h"
#include "client/http_source.h"

#include "base/fsio.h"
#include "store/audit.h"
#include "store/published.h"
#include "store/log.h"
#include "store/source.h"
#include "tlog/proof_file.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int cmd_log_init(const cli_call *call)
{
	const cli_args *a = &call->args;
	if (a->npos != 1 || cli_get(a, "origin") == NULL)
		return cli_usage_call(call, "log init needs DIR and --origin");
	pl_diag d = {0};
	int rc = pl_log_init(a->pos[0], cli_get(a, "origin"), &d);
	if (rc != PL_OK)
		return cli_fail("log init", rc, &d);
	char path[PATH_MAX];
	pl_buf vk;
	pl_buf_init(&vk, 1024);
	if (pl_logdir_path(a->pos[0], PL_LOGFILE_VKEY, path, NULL) == PL_OK && pl_fs_read(path, 1024, &vk, NULL) == PL_OK)
		fprintf(stdout, "%s", pl_buf_cstr(&vk));
	pl_buf_release(&vk);
	return 0;
}

/* Splits stdin into lines (without newlines). A final line without a newline counts. */
static int read_lines(pl_buf *in, pl_span **out, size_t *n, pl_diag *d)
{
	int rc = pl_fs_read_fd(STDIN_FILENO, in, d);
	if (rc != PL_OK)
		return pl_diag_set(d, rc, "reading standard input");
	size_t count = 0, cap = 0;
	pl_span *v = NULL;
	size_t off = 0;
	while (off < in->len) {
		const uint8_t *nl = memchr(in->data + off, '\n', in->len - off);
		size_t len = nl ? (size_t)(nl - (in->data + off)) : in->len - off;
		if (count == cap) {
			cap = cap ? cap * 2 : 1024;
			pl_span *p = realloc(v, cap * sizeof *p);
			if (p == NULL) {
				free(v);
				return pl_diag_set(d, PL_ENOMEM, "out of memory");
			}
			v = p;
		}
		v[count].p = in->data + off;
		v[count].n = len;
		count++;
		off += len + (nl ? 1 : 0);
	}
	*out = v;
	*n = count;
	return PL_OK;
}

int cmd_log_add(const cli_call *call)
{
	const cli_args *a = &call->args;
	if (a->npos != 1)
		return cli_usage_call(call, "log add needs DIR");
	pl_diag d = {0};
	pl_log *l = NULL;
	pl_span *entries = NULL;
	size_t n = 0;
	pl_buf in;
	pl_buf_init(&in, PL_BATCH_MAX_BYTES);
	int rc = read_lines(&in, &entries, &n, &d);
	if (rc == PL_OK)
		rc = pl_log_open(a->pos[0], &l, &d);
	uint64_t first = 0;
	if (rc == PL_OK && n > 0)
		rc = pl_log_append(l, entries, n, &first, &d);
	if (rc == PL_OK)
		printf("%llu\n", (unsigned long long)pl_log_size(l));
	pl_log_close(l);
	free(entries);
	pl_buf_release(&in);
	if (rc != PL_OK)
		return cli_fail("log add", rc, &d);
	return 0;
}

/* Builds a policy from --vkey, or from DIR/log.vkey when allowed. */
static int policy_from(const cli_args *a, const char *dir_default, pl_policy *pol, pl_diag *d)
{
	const char *vk = cli_get(a, "vkey");
	char path[PATH_MAX];
	if (vk == NULL && dir_default != NULL) {
		int rc = pl_logdir_path(dir_default, PL_LOGFILE_VKEY, path, d);
		if (rc != PL_OK)
			return rc;
		vk = path;
	}
	if (vk == NULL)
		return pl_diag_set(d, PL_EINVAL, "--vkey is required: the log's verifier key, or a file holding it");
	pl_verifier v;
	int rc = cli_load_vkey(vk, &v, d);
	if (rc != PL_OK)
		return rc;
	if (v.type != PL_SIGTYPE_ED25519)
		return pl_diag_set(d, PL_EINVAL, "%s is not an Ed25519 log key", vk);
	pl_policy_init(pol, &v);
	return cli_policy_witnesses(a, pol, d);
}

int cmd_log_prove(const cli_call *call)
{
	const cli_args *a = &call->args;
	uint64_t index;
	if (a->npos != 2 || !cli_u64(a->pos[1], &index))
		return cli_usage_call(call, "log prove needs DIR and a decimal INDEX");
	pl_diag d = {0};
	pl_policy pol;
	pl_source *s = NULL;
	pl_buf out;
	pl_buf_init(&out, PL_PROOF_FILE_MAX);
	int rc = policy_from(a, a->pos[0], &pol, &d);
	if (rc == PL_OK)
		rc = pl_source_open_any(a->pos[0], &s, &d);
	if (rc == PL_OK)
		rc = pl_published_prove(s, &pol, index, &out, &d);
	const char *outf = cli_get(a, "out");
	if (rc == PL_OK && outf != NULL) {
		char tmp[PATH_MAX + 8];
		snprintf(tmp, sizeof tmp, "%s.tmp", outf);
		rc = pl_fs_replace(outf, tmp, out.data, out.len, 0644, &d);
	} else if (rc == PL_OK && fwrite(out.data, 1, out.len, stdout) != out.len) {
		rc = pl_diag_set(&d, PL_EIO, "writing the proof to standard output");
	}
	pl_source_free(s);
	pl_buf_release(&out);
	if (rc != PL_OK)
		return cli_fail("log prove", rc, &d);
	return 0;
}

int cmd_log_verify_proof(const cli_call *call)
{
	const cli_args *a = &call->args;
	if (a->npos != 1)
		return cli_usage_call(call,
				      a->npos == 0 ? "log verify-proof needs FILE" : "log verify-proof takes one FILE, not %d",
				      a->npos);
	pl_diag d = {0};
	pl_policy pol;
	pl_buf file, entry;
	pl_buf_init(&file, PL_PROOF_FILE_MAX);
	pl_buf_init(&entry, PL_ENTRY_MAX);
	const char *ef = cli_get(a, "entry");
	uint64_t index = 0;
	pl_checkpoint cp;
	int rc = policy_from(a, NULL, &pol, &d);
	if (rc == PL_OK)
		rc = pl_fs_read(a->pos[0], PL_PROOF_FILE_MAX, &file, &d);
	if (rc == PL_OK && ef != NULL)
		rc = pl_fs_read(ef, PL_ENTRY_MAX, &entry, &d);
	pl_span given = {entry.data, entry.len};
	if (rc == PL_OK)
		rc = pl_proof_file_check(file.data, file.len, a->pos[0], ef != NULL ? &given : NULL,
					 ef != NULL ? ef : "--entry FILE", &pol, &index, &cp, &d);
	pl_buf_release(&file);
	pl_buf_release(&entry);
	if (rc != PL_OK)
		return cli_fail("log verify-proof", rc, &d);
	cli_texts t = {0};
	printf("OK: entry %llu is in %s at tree size %llu%s\n", (unsigned long long)index, cli_text(&t, cp.origin),
	       (unsigned long long)cp.size, pol.quorum ? " (checkpoint cosigned by a quorum of the witnesses)" : "");
	cli_texts_release(&t);
	return 0;
}

static void progress_bar(void *ctx, uint64_t done, uint64_t total)
{
	(void)ctx;
	unsigned pct = total ? (unsigned)(done * 100 / total) : 100;
	char bar[41];
	unsigned fill = pct * 40 / 100;
	for (unsigned i = 0; i < 40; i++)
		bar[i] = i < fill ? '#' : '.';
	bar[40] = '\0';
	fprintf(stderr, "\raudit [%s] %3u%% %llu/%llu entries", bar, pct, (unsigned long long)done,
		(unsigned long long)total);
	if (done == total)
		fputc('\n', stderr);
}

int cmd_log_audit(const cli_call *call)
{
	const cli_args *a = &call->args;
	if (a->npos != 1)
		return cli_usage_call(call, "log audit needs DIR or URL");
	pl_diag d = {0};
	pl_policy pol;
	pl_source *s = NULL;
	pl_audit_result res;
	int rc = policy_from(a, NULL, &pol, &d);
	if (rc == PL_OK)
		rc = pl_source_open_any(a->pos[0], &s, &d);
	if (rc == PL_OK)
		rc = pl_audit(s, &pol, cli_stderr_is_tty() ? progress_bar : NULL, NULL, &res, &d);
	pl_source_free(s);
	if (rc != PL_OK)
		return cli_fail("log audit", rc, &d);
	cli_texts t = {0};
	printf("OK: %s at size %llu: %llu bundle%s, %llu tile%s and %llu older partial tile%s check out%s\n",
	       cli_text(&t, res.cp.origin), (unsigned long long)res.cp.size, (unsigned long long)res.bundles,
	       res.bundles == 1 ? "" : "s", (unsigned long long)res.tiles, res.tiles == 1 ? "" : "s",
	       (unsigned long long)res.old_partials, res.old_partials == 1 ? "" : "s",
	       pol.quorum ? "; the checkpoint is cosigned by a quorum of the witnesses" : "");
	cli_texts_release(&t);
	return 0;
}
