/* cmd_accept.c - `parley verify-proof` given a kept acceptance (docs/cli.md, "Kept acceptances"):
 * checked against the log key offline, and with --log against what the log holds at its index. */
#include "cli/cli.h"
#include "cli/cmds.h"

#include "base/codec.h"
#include "base/fsio.h"
#include "client/accepted.h"
#include "client/http_source.h"
#include "tlog/proof_file.h"

#include <limits.h>
#include <stdio.h>
#include <string.h>

bool cli_is_acceptance(const pl_buf *file)
{
	for (size_t i = 0; i < file->len; i++)
		if (file->data[i] != ' ' && file->data[i] != '\t' && file->data[i] != '\n' && file->data[i] != '\r')
			return file->data[i] == '{';
	return false;
}

/* "a batch acceptance of entries F..L" or "a single acceptance". */
static void describe(const pl_acceptance *a, char *out, size_t n)
{
	if (a->form == PL_ACCEPT_SINGLE)
		snprintf(out, n, "a single acceptance");
	else
		snprintf(out, n, "a batch acceptance of entries %llu..%llu, its path verified",
			 (unsigned long long)a->first, (unsigned long long)(a->first + a->count - 1));
}

int cmd_verify_acceptance(const cli_call *call, const char *name, const pl_buf *file, const pl_policy *pol)
{
	const cli_args *a = &call->args;
	const char *where = cli_get(a, "log"), *evidence = cli_get(a, "evidence");
	if (evidence != NULL && where == NULL)
		return cli_usage_call(call, "--evidence keeps what --log shows: give --log DIR|URL too");
	pl_diag d = {0};
	pl_api_accept r;
	pl_api_accept_init(&r);
	pl_source *src = NULL;
	pl_buf proof;
	pl_buf_init(&proof, PL_PROOF_FILE_MAX);
	cli_texts t = {0};
	char what[128], leaf[PL_HASH_B64_LEN + 1], found64[PL_HASH_B64_LEN + 1];
	int status = 0;
	int rc = pl_accepted_read(file->data, file->len, &pol->log, &r, &d);
	if (rc != PL_OK) {
		status = cli_fail("verify-proof", rc, &d);
		goto out;
	}
	describe(&r.acc, what, sizeof what);
	pl_b64_encode(r.leaf.b, PL_HASH_SIZE, leaf);
	if (where == NULL) {
		printf("acceptance ok (offline): %s accepted leaf %s at index %llu on %s (%s)\n", cli_text(&t, r.acc.origin),
		       leaf, (unsigned long long)r.index, r.acc.time, what);
		goto out;
	}
	pl_accepted_verdict v = 0;
	pl_checkpoint cp;
	pl_hash found;
	if ((rc = pl_source_open_any(where, &src, &d)) != PL_OK ||
	    (rc = pl_accepted_against(src, pol, &r, &v, &cp, &found, &proof, &d)) != PL_OK) {
		status = cli_fail("verify-proof", rc, &d);
		goto out;
	}
	if (v == PL_ACCEPTED_HELD) {
		printf("OK: entry %llu of %s has the accepted leaf %s (acceptance of %s, %s; checkpoint of size %llu%s)\n",
		       (unsigned long long)r.index, cli_text(&t, cp.origin), leaf, r.acc.time, what,
		       (unsigned long long)cp.size, pol->quorum ? ", cosigned by a quorum of the witnesses" : "");
		goto out;
	}
	if (v == PL_ACCEPTED_PENDING) {
		fprintf(stderr,
			"parley verify-proof: entry %llu is not in the log yet: its checkpoint has %llu entries (the "
			"statement was accepted on %s; a log publishes what it accepted within seconds)\n",
			(unsigned long long)r.index, (unsigned long long)cp.size, r.acc.time);
		status = EXIT_VERIFY;
		goto out;
	}
	/* broken: the log's own signed checkpoint shows another leaf where it promised this one */
	pl_b64_encode(found.b, PL_HASH_SIZE, found64);
	fprintf(stderr,
		"parley verify-proof: THE LOG BROKE ITS WORD: %s accepted leaf %s at index %llu on %s (%s), but its "
		"checkpoint of size %llu, signed by the same key, shows entry %llu with leaf %s. %s and the log's "
		"proof of entry %llu are the evidence%s%s.\n",
		cli_text(&t, r.acc.origin), leaf, (unsigned long long)r.index, r.acc.time, what,
		(unsigned long long)cp.size, (unsigned long long)r.index, found64, cli_text(&t, name),
		(unsigned long long)r.index, evidence ? "; that proof is written to " : "",
		evidence ? cli_text(&t, evidence) : "");
	status = EXIT_VERIFY;
	if (evidence != NULL) {
		char tmp[PATH_MAX + 8];
		snprintf(tmp, sizeof tmp, "%s.tmp", evidence);
		if ((rc = pl_fs_replace(evidence, tmp, proof.data, proof.len, 0644, &d)) != PL_OK)
			(void)cli_fail("verify-proof", rc, &d);
	}
out:
	cli_texts_release(&t);
	pl_source_free(src);
	pl_buf_release(&proof);
	pl_api_accept_release(&r);
	return status;
}
