/* session.c - what a command that talks to a server opens and does with it (session.h). */
#include "cli/session.h"

#include "base/codec.h"
#include "base/fsio.h"
#include "base/sha256.h"
#include "base/timefmt.h"
#include "client/accepted.h"
#include "monitor/copy.h"
#include "statement/dsse.h"
#include "statement/statement.h"
#include "tlog/proof_file.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void cli_session_close(cli_session *s)
{
	pl_copy_close(s->copy);
	s->copy = NULL;
	pl_api_close(s->api);
	pl_party_key_free(s->key);
}

int cli_session_open(const cli_call *call, bool need_key, cli_session *c, pl_diag *d)
{
	if ((call->cmd->needs & CLI_NEEDS_SERVER) == 0) { /* its row does not say it talks to a server: a bug */
		fprintf(stderr, "parley: %s opens a session but its row lacks CLI_NEEDS_SERVER\n", call->cmd->name);
		abort();
	}
	const cli_args *a = &call->args;
	memset(c, 0, sizeof *c);
	const char *server = cli_opt(a, "server", "PARLEY_SERVER");
	const char *vkey = cli_opt(a, "vkey", "PARLEY_VKEY");
	if (server == NULL)
		return pl_diag_set(d, PL_EINVAL, "--server is required (or PARLEY_SERVER)");
	if (vkey == NULL)
		return pl_diag_set(d, PL_EINVAL, "--vkey is required (or PARLEY_VKEY): the log's verifier key");
	pl_verifier v;
	int rc = cli_load_vkey(vkey, &v, d);
	if (rc != PL_OK)
		return rc;
	pl_policy_init(&c->pol, &v);
	if ((rc = cli_policy_member(a, &c->pol, d)) != PL_OK)
		return rc;
	if (strlen(server) >= sizeof c->server)
		return pl_diag_set(d, PL_EINVAL, "the server's URL is too long");
	snprintf(c->server, sizeof c->server, "%s", server);
	if ((rc = pl_api_open(server, &c->api, d)) != PL_OK)
		return rc;
	if (need_key && (rc = cli_load_party_key(cli_opt(a, "key", "PARLEY_KEY"), a, &c->key, d)) != PL_OK) {
		cli_session_close(c);
		return rc;
	}
	return PL_OK;
}

/* $PARLEY_DATA_DIR/WHAT/ORIGIN-KEYID, ORIGIN made a file name and KEYID the key's first 8 hex digits of
 * SHA-256: the member's copy of a log (WHAT "copies"), the acceptances it keeps ("acceptances"). */
static int data_dir(const pl_verifier *v, const char *what, char out[PATH_MAX], pl_diag *d)
{
	const char *base = getenv("PARLEY_DATA_DIR"), *xdg = getenv("XDG_DATA_HOME"), *home = getenv("HOME");
	char root[PATH_MAX];
	if (base != NULL && base[0] != '\0')
		snprintf(root, sizeof root, "%s", base);
	else if (xdg != NULL && xdg[0] == '/' && pl_path_join(root, sizeof root, xdg, "parley") == PL_OK)
		;
	else if (home != NULL && home[0] != '\0' && pl_path_join(root, sizeof root, home, ".local/share/parley") == PL_OK)
		;
	else
		return pl_diag_set(d, PL_EINVAL, "no place for the member's %s: set PARLEY_DATA_DIR (or HOME)", what);
	char name[PL_KEYNAME_MAX + 32];
	size_t n = 0;
	for (const char *p = v->name; *p && n + 1 < sizeof name - 20; p++)
		name[n++] = (char)((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
					   *p == '.' || *p == '-' ? *p : '_');
	pl_hash h;
	pl_sha256(v->pk, sizeof v->pk, h.b);
	char hex[PL_SHA256_HEX_LEN + 1];
	pl_hex_encode(h.b, PL_SHA256_SIZE, hex);
	snprintf(name + n, sizeof name - n, "-%.8s", hex);
	char rel[PL_KEYNAME_MAX + 64];
	snprintf(rel, sizeof rel, "%s/%s", what, name);
	if (pl_path_join(out, PATH_MAX, root, rel) != PL_OK)
		return pl_diag_set(d, PL_ETOOBIG, "the path of the member's %s is too long", what);
	return PL_OK;
}

/* Keeps r in the member's data directory (docs/cli.md, "Kept acceptances"): PL_OK with path set, or the
 * reason it could not be kept (the statement was accepted all the same). */
static int keep_acceptance(const cli_session *s, const pl_api_accept *r, char path[PATH_MAX], pl_diag *d)
{
	char dir[PATH_MAX];
	bool conflict = false;
	int rc = data_dir(&s->pol.log, "acceptances", dir, d);
	if (rc == PL_OK)
		rc = pl_accepted_keep(dir, r, path, &conflict, d);
	if (rc == PL_OK && conflict) {
		cli_texts t = {0};
		fprintf(stderr,
			"parley: the log accepted another statement at index %llu before: two acceptances for one index "
			"are proof that it broke its word; both are kept (this one in %s)\n",
			(unsigned long long)r->index, cli_text(&t, path));
		cli_texts_release(&t);
	}
	return rc;
}

int cli_session_report(const cli_session *s, const pl_api_accept *r, const char *type, const cli_args *a, pl_diag *d)
{
	const char *path = cli_get(a, "receipt");
	int rc = PL_OK;
	char kept[PATH_MAX];
	pl_diag kd = {0};
	bool is_kept = keep_acceptance(s, r, kept, &kd) == PL_OK;
	if (s->quiet && is_kept)
		return PL_OK;
	if (!is_kept) {
		cli_texts t = {0};
		fprintf(stderr, "parley: warning: the acceptance was not kept: %s\n", cli_text(&t, pl_diag_text(&kd, kd.code)));
		cli_texts_release(&t);
	}
	if (path != NULL && r->has_receipt) {
		char tmp[PATH_MAX + 8];
		snprintf(tmp, sizeof tmp, "%s.tmp", path);
		rc = pl_fs_replace(path, tmp, r->receipt.data, r->receipt.len, 0644, d);
	}
	char leaf[PL_HASH_B64_LEN + 1];
	pl_b64_encode(r->leaf.b, PL_HASH_SIZE, leaf);
	if (cli_has(a, "json")) {
		json_t *j = json_pack("{s:I,s:s?,s:s,s:b,s:s?,s:s?}", "index", (json_int_t)r->index, "type", type, "leaf",
				      leaf, "in_checkpoint", r->has_receipt, "receipt",
				      rc == PL_OK && r->has_receipt ? path : NULL, "acceptance", is_kept ? kept : NULL);
		cli_print_json(j, JSON_COMPACT);
		json_decref(j);
		return rc;
	}
	printf("accepted: index %llu, leaf %s (acceptance signed by the log: verified)\n", (unsigned long long)r->index,
	       leaf);
	if (is_kept) {
		cli_texts t = {0};
		printf("acceptance kept in %s\n", cli_text(&t, kept));
		cli_texts_release(&t);
	}
	if (r->has_receipt)
		printf("in a checkpoint: receipt verified\n");
	if (path != NULL && r->has_receipt && rc == PL_OK)
		printf("receipt written to %s\n", path);
	else if (path != NULL && !r->has_receipt)
		printf("no receipt yet (--receipt needs --wait)\n");
	return rc;
}

int cli_session_submit(cli_session *c, const cli_args *a, const char *type, const json_t *body, const pl_ref *refs,
		     size_t nrefs, const pl_party_key *second, const char *cmd, uint64_t *index)
{
	pl_diag d = {0};
	uint64_t seq;
	int rc;
	const char *s = cli_get(a, "seq");
	if (c->prepare != NULL && (rc = c->prepare(c->seal_ctx, c, &d)) != PL_OK)
		return cli_fail(cmd, rc, &d);
	if (s != NULL) {
		if (!cli_u64(s, &seq))
			return cli_usage("--seq N", "--seq takes a decimal number");
	} else if ((rc = pl_api_next_seq(c->api, c->key->id.party, &seq, &d)) != PL_OK) {
		return cli_fail(cmd, rc, &d);
	}
	json_t *sealed = NULL;
	if (c->seal != NULL) {
		if ((sealed = json_deep_copy(body)) == NULL)
			return cli_fail(cmd, PL_ENOMEM, NULL);
		if ((rc = c->seal(c->seal_ctx, c, seq, sealed, &d)) != PL_OK) {
			json_decref(sealed);
			return cli_fail(cmd, rc, &d);
		}
		body = sealed;
	}
	pl_buf env;
	pl_buf_init(&env, PL_DSSE_MAX);
	int64_t when = pl_now() > c->not_before ? pl_now() : c->not_before;
	rc = second ? pl_statement_sign2(c->key, second, c->pol.log.name, type, seq, when, body, &env)
		    : pl_statement_sign(c->key, c->pol.log.name, type, seq, when, body, refs, nrefs, &env);
	json_decref(sealed);
	if (rc != PL_OK) {
		pl_buf_release(&env);
		return cli_fail(cmd, rc, &d);
	}
	pl_api_accept r;
	pl_api_accept_init(&r);
	long status = 0;
	bool wait = cli_has(a, "wait");
	rc = pl_api_submit(c->api, &c->pol, env.data, env.len, wait, &r, &status, &d);
	if (rc == PL_OK && index != NULL)
		*index = r.index;
	if (rc == PL_OK)
		rc = cli_session_report(c, &r, type, a, &d);
	pl_api_accept_release(&r);
	pl_buf_release(&env);
	if (rc == PL_EREFUSED) {
		if (cli_has(a, "json")) {
			json_t *j = json_pack("{s:{s:I,s:s}}", "refused", "status", (json_int_t)status, "message",
					      pl_diag_text(&d, rc));
			if (j != NULL)
				cli_print_json(j, JSON_COMPACT);
			json_decref(j);
		}
		cli_texts t = {0};
		fprintf(stderr, "parley %s: %s\n", cmd, cli_text(&t, pl_diag_text(&d, rc))); /* the server's sentence */
		cli_texts_release(&t);
		return EXIT_REFUSED;
	}
	if (rc != PL_OK)
		return cli_fail(cmd, rc, &d);
	return 0;
}

static void copy_progress(void *ctx, uint64_t done, uint64_t total)
{
	(void)ctx;
	fprintf(stderr, "\r  verifying the log: %llu/%llu entries%s", (unsigned long long)done, (unsigned long long)total,
		done == total ? "\n" : "");
}

int cli_session_copy(const cli_call *call, cli_session *s, struct pl_copy **out, pl_diag *d)
{
	(void)call;
	if (s->copy == NULL) {
		pl_copy_opts o;
		memset(&o, 0, sizeof o);
		char dir[PATH_MAX];
		int rc = data_dir(&s->pol.log, "copies", dir, d);
		if (rc != PL_OK)
			return rc;
		o.dir = dir;
		o.source = s->server;
		o.policy = s->pol;
		o.progress = cli_stderr_is_tty() ? copy_progress : NULL;
		if ((rc = pl_copy_open(&o, &s->copy, d)) != PL_OK)
			return rc;
		if ((rc = pl_copy_sync(s->copy, d)) != PL_OK) {
			pl_copy_close(s->copy);
			s->copy = NULL;
			return rc;
		}
	}
	*out = s->copy;
	return PL_OK;
}

int cli_session_entries(const cli_call *call, cli_session *s, pl_entries *out, pl_diag *d)
{
	memset(out, 0, sizeof *out);
	pl_copy *copy = NULL;
	int rc = cli_session_copy(call, s, &copy, d);
	return rc == PL_OK ? pl_entries_open_dir(pl_copy_dir(copy), pl_copy_index(copy), out, d) : rc;
}

int cli_session_identity(const cli_call *call, cli_session *s, const char *party, pl_identity *out, pl_diag *d)
{
	pl_entries e;
	int rc = cli_session_entries(call, s, &e, d);
	if (rc == PL_OK)
		rc = pl_entries_identity(&e, pl_copy_index(s->copy), &s->pol, party, out, d);
	pl_entries_close(&e);
	return rc;
}

int cli_session_ref(const cli_call *call, cli_session *c, uint64_t index, pl_ref *ref, pl_diag *d)
{
	pl_buf entry;
	pl_buf_init(&entry, PL_DSSE_MAX);
	pl_entries e;
	int rc = cli_session_entries(call, c, &e, d); /* the copy, brought up to the log's checkpoint */
	if (rc == PL_OK)
		rc = e.fetch(e.ctx, &c->pol, index, &entry, d); /* "entry I does not exist" past the copy's checkpoint */
	pl_entries_close(&e);
	if (rc == PL_OK) {
		ref->index = index;
		pl_leaf_hash(entry.data, entry.len, &ref->leaf);
		pl_envelope env;
		pl_stmt st;
		memset(&env, 0, sizeof env);
		memset(&st, 0, sizeof st);
		if (pl_envelope_parse(entry.data, entry.len, &env, NULL) == PL_OK &&
		    pl_stmt_parse(env.payload, env.payload_len, &st, NULL) == PL_OK && st.time > c->not_before)
			c->not_before = st.time;
		pl_stmt_release(&st);
		pl_envelope_release(&env);
	}
	pl_buf_release(&entry);
	return rc;
}

int cli_session_sign_send(const cli_call *call, const char *type, json_t *body, uint64_t target, const char *cmd,
			  uint64_t *index, cli_seal_fn seal, cli_prepare_fn prepare, void *ctx)
{
	return cli_session_sign_send_refs(call, type, body, &target, target != UINT64_MAX, cmd, index, seal, prepare, ctx);
}

int cli_session_sign_send_refs(const cli_call *call, const char *type, json_t *body, const uint64_t *targets,
			       size_t ntargets, const char *cmd, uint64_t *index, cli_seal_fn seal, cli_prepare_fn prepare,
			       void *ctx)
{
	const cli_args *a = &call->args;
	pl_diag d = {0};
	cli_session c;
	int rc = cli_session_open(call, true, &c, &d);
	if (rc != PL_OK) {
		json_decref(body);
		return cli_fail(cmd, rc, &d);
	}
	c.seal = seal;
	c.prepare = prepare;
	c.seal_ctx = ctx;
	pl_ref refs[CLI_REFS_MAX];
	int status = 0;
	if (ntargets > CLI_REFS_MAX)
		rc = pl_diag_set(&d, PL_EINVAL, "a statement refers to at most %d entries", CLI_REFS_MAX);
	for (size_t i = 0; rc == PL_OK && i < ntargets; i++)
		rc = cli_session_ref(call, &c, targets[i], &refs[i], &d);
	if (rc != PL_OK)
		status = cli_fail(cmd, rc, &d);
	else
		status = cli_session_submit(&c, a, type, body, refs, ntargets, NULL, cmd, index);
	cli_session_close(&c);
	json_decref(body);
	return status;
}
