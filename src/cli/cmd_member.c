/* cmd_member.c - `parley keygen` and `parley init` (a log whose entry 0 is the charter). */
#include "cli/cli.h"
#include "cli/cmds.h"
#include "store/logdir.h"

#include "base/fsio.h"
#include "base/timefmt.h"
#include "statement/party.h"
#include "workflow/genesis.h"
#include "workflow/norms.h"

#include <jansson.h>
#include <sodium.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int cmd_keygen(const cli_call *call)
{
	const cli_args *a = &call->args;
	const char *party = cli_get(a, "party"), *out = cli_get(a, "out");
	if (party == NULL || out == NULL || a->npos != 0)
		return cli_usage_call(call, "keygen needs --party and --out");
	pl_diag d = {0};
	pl_party_key *k = NULL;
	char keyp[PATH_MAX], idp[PATH_MAX];
	snprintf(keyp, sizeof keyp, "%s.key", out);
	snprintf(idp, sizeof idp, "%s.id.json", out);
	char *pass = NULL;
	int rc = pl_party_key_generate(party, &k, &d);
	if (rc == PL_OK) {
		const char *pf = cli_get(a, "passphrase-file"), *env = getenv("PARLEY_PASSPHRASE");
		if (pf != NULL || (env != NULL && *env)) {
			pass = sodium_malloc(1024);
			if (pass == NULL) {
				rc = pl_diag_set(&d, PL_ENOMEM, "out of secure memory");
			} else if (pf != NULL) {
				uint8_t *p = NULL;
				size_t n = 0;
				if ((rc = pl_fs_read_secret(pf, 1000, &p, &n, &d)) == PL_OK) {
					memcpy(pass, p, n);
					pass[n] = '\0';
					pass[strcspn(pass, "\r\n")] = '\0';
					sodium_free(p);
				}
			} else {
				snprintf(pass, 1024, "%s", env);
			}
		}
	}
	if (rc == PL_OK)
		rc = pl_party_key_save(k, keyp, pass, &d);
	pl_buf id;
	pl_buf_init(&id, PL_IDENTITY_MAX);
	if (rc == PL_OK)
		rc = pl_identity_format(&k->id, &id);
	if (rc == PL_OK) {
		char tmp[PATH_MAX + 8];
		snprintf(tmp, sizeof tmp, "%s.tmp", idp);
		rc = pl_fs_replace(idp, tmp, id.data, id.len, 0644, &d);
	}
	if (pass)
		sodium_free(pass);
	pl_buf_release(&id);
	pl_party_key_free(k);
	if (rc != PL_OK)
		return cli_fail("keygen", rc, &d);
	printf("secret key: %s (keep it; mode 0600)\nidentity:   %s (hand it to the others)\n", keyp, idp);
	return 0;
}

int cmd_init(const cli_call *call)
{
	const cli_args *a = &call->args;
	const char *origin = cli_get(a, "origin");
	if (a->npos != 1 || origin == NULL)
		return cli_usage_call(call, "init needs DIR, --origin and --key");
	uint64_t sponsors = 1, ack = 86400, resp = 7 * 86400;
	if ((cli_get(a, "sponsors") && !cli_u64(cli_get(a, "sponsors"), &sponsors)) ||
	    (cli_get(a, "ack") && !cli_u64(cli_get(a, "ack"), &ack)) ||
	    (cli_get(a, "response") && !cli_u64(cli_get(a, "response"), &resp)))
		return cli_usage_call(call, "--sponsors, --ack and --response take decimal numbers");
	pl_charter c;
	memset(&c, 0, sizeof c);
	snprintf(c.name, sizeof c.name, "%s", cli_get(a, "name") ? cli_get(a, "name") : "");
	c.sponsors = (size_t)sponsors;
	c.ack_seconds = (int64_t)ack;
	c.response_seconds = (int64_t)resp;
	pl_diag d = {0};
	pl_party_key *k = NULL;
	pl_identity others[PL_FOUNDERS_MAX];
	size_t n = 0;
	int rc = cli_load_party_key(cli_opt(a, "key", "PARLEY_KEY"), a, &k, &d);
	for (int i = 0; rc == PL_OK && i < a->nflags; i++) {
		if (strcmp(a->flag[i], "founder") != 0)
			continue;
		if (n + 1 >= PL_FOUNDERS_MAX)
			rc = pl_diag_set(&d, PL_EINVAL, "a charter lists at most %d founders", PL_FOUNDERS_MAX);
		else if ((rc = pl_identity_load(a->val[i], &others[n], &d)) == PL_OK)
			n++;
	}
	json_t *norms = NULL;
	char hash[PL_NORM_HASH_HEX + 1] = "";
	if (rc == PL_OK && !cli_has(a, "no-norms")) {
		if (cli_get(a, "norms") != NULL) {
			pl_buf f;
			pl_buf_init(&f, 65536);
			rc = cli_read_input(cli_get(a, "norms"), 65536, &f, &d);
			if (rc == PL_OK)
				rc = pl_norm_set_load((const char *)f.data, f.len, &norms, hash, &d);
			pl_buf_release(&f);
		} else {
			rc = pl_norm_set_load(pl_norms_un_gge_2015, pl_norms_un_gge_2015_len, &norms, hash, &d);
		}
	}
	if (rc == PL_OK)
		rc = pl_setup_log(a->pos[0], origin, k, others, n, &c, norms, &d);
	json_decref(norms);
	pl_party_key_free(k);
	if (rc != PL_OK)
		return cli_fail("init", rc, &d);
	char path[PATH_MAX];
	pl_buf vk;
	pl_buf_init(&vk, 1024);
	if (pl_logdir_path(a->pos[0], PL_LOGFILE_VKEY, path, NULL) == PL_OK)
		(void)!pl_fs_read(path, 1024, &vk, NULL);
	printf("log %s created in %s; entry 0 is the charter (%zu founder%s)\n", origin, a->pos[0], n + 1, n == 0 ? "" : "s");
	if (hash[0])
		printf("entry 1 publishes the norm set %s\n", hash);
	printf("verifier key: %s", pl_buf_cstr(&vk));
	pl_buf_release(&vk);
	return 0;
}
