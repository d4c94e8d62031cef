/* cmd_client.c - commands that talk to a Parley server: submit, get, proof,
 * verify-proof, enroll, key rotate/revoke, contact, blob. */
#include "cli/cli.h"
#include "cli/cmds.h"
#include "cli/sealing.h"
#include "cli/session.h"
#include "store/source.h"
#include "store/published.h"
#include "monitor/copy.h"

#include "base/codec.h"
#include "base/fsio.h"
#include "base/json.h"
#include "base/sha256.h"
#include "base/timefmt.h"
#include "client/accepted.h"
#include "client/api.h"
#include "client/entries.h"
#include "statement/dsse.h"
#include "statement/members.h"
#include "workflow/types.h"
#include "tlog/proof_file.h"

#include <jansson.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int cmd_submit(const cli_call *call)
{
	const cli_args *a = &call->args;
	const char *envfile = cli_get(a, "envelope"), *type = cli_get(a, "type");
	if (a->npos != 0 || (envfile == NULL) == (type == NULL))
		return cli_usage_call(call, "give --type (and a body) or --envelope");
	pl_diag d = {0};
	cli_session c;
	int rc = cli_session_open(call, envfile == NULL, &c, &d);
	if (rc != PL_OK)
		return cli_fail("submit", rc, &d);
	int status = 0;
	if (envfile != NULL) {
		pl_buf env;
		pl_buf_init(&env, PL_DSSE_MAX);
		if ((rc = cli_read_input(envfile, PL_DSSE_MAX, &env, &d)) == PL_OK) {
			/* a file ends in a newline; the envelope does not (it is one canonical JSON line) */
			if (env.len > 0 && env.data[env.len - 1] == '\n')
				env.len--;
			pl_api_accept r;
			pl_api_accept_init(&r);
			long http = 0;
			rc = pl_api_submit(c.api, &c.pol, env.data, env.len, cli_has(a, "wait"), &r, &http, &d);
			if (rc == PL_OK)
				rc = cli_session_report(&c, &r, NULL, a, &d);
			pl_api_accept_release(&r);
			if (rc == PL_EREFUSED) {
				cli_texts t = {0};
				fprintf(stderr, "parley submit: %s\n", cli_text(&t, pl_diag_text(&d, rc)));
				cli_texts_release(&t);
				rc = PL_OK;
				status = EXIT_REFUSED;
			}
		}
		pl_buf_release(&env);
		if (status == 0)
			status = rc == PL_OK ? 0 : cli_fail("submit", rc, &d);
		cli_session_close(&c);
		return status;
	}
	json_t *body = NULL;
	pl_ref refs[PL_REFS_MAX];
	size_t nrefs = 0;
	const char *bf_path = cli_get(a, "body");
	if (bf_path != NULL) {
		pl_buf b;
		pl_buf_init(&b, PL_DSSE_MAX);
		rc = cli_read_input(bf_path, PL_DSSE_MAX, &b, &d);
		if (rc == PL_OK)
			rc = pl_json_parse(b.data, b.len, PL_DSSE_MAX, &body, &d);
		pl_buf_release(&b);
	}
	for (int i = 0; rc == PL_OK && i < a->nflags; i++) {
		if (strcmp(a->flag[i], "ref") != 0)
			continue;
		uint64_t idx;
		if (nrefs == PL_REFS_MAX || !cli_u64(a->val[i], &idx))
			rc = pl_diag_set(&d, PL_EINVAL, "--ref takes an entry index (at most %d refs)", PL_REFS_MAX);
		else
			rc = cli_session_ref(call, &c, idx, &refs[nrefs++], &d);
	}
	if (rc == PL_OK)
		status = cli_session_submit(&c, a, type, body, refs, nrefs, NULL, "submit", NULL);
	else
		status = cli_fail("submit", rc, &d);
	json_decref(body);
	cli_session_close(&c);
	return status;
}

static void print_statement(uint64_t index, const pl_stmt *st, const char *mark)
{
	char ts[PL_TIME_LEN + 1];
	pl_time_format(st->time, ts);
	cli_texts t = {0};
	printf("entry %llu: %s by %s (seq %llu) at %s\n", (unsigned long long)index, cli_text(&t, st->type),
	       cli_text(&t, st->author), (unsigned long long)st->seq, ts);
	cli_texts_release(&t);
	printf("  %s\n", mark);
	printf("  body: ");
	cli_print_json(st->body, JSON_INDENT(2) | JSON_PRESERVE_ORDER); /* its strings as JSON escapes them */
	for (size_t i = 0; i < st->nrefs; i++)
		printf("  refers to entry %llu\n", (unsigned long long)st->refs[i].index);
}

int cmd_get(const cli_call *call)
{
	const cli_args *a = &call->args;
	uint64_t index;
	if (a->npos != 1 || !cli_u64(a->pos[0], &index))
		return cli_usage_call(call, "get needs an entry INDEX");
	pl_diag d = {0};
	cli_session c;
	int rc = cli_session_open(call, false, &c, &d);
	if (rc != PL_OK)
		return cli_fail("get", rc, &d);
	pl_envelope env;
	pl_stmt st;
	memset(&env, 0, sizeof env);
	memset(&st, 0, sizeof st);
	pl_entries e;
	if ((rc = cli_session_entries(call, &c, &e, &d)) != PL_OK ||
	    (rc = pl_entries_statement(&e, &c.pol, index, NULL, NULL, &env, &st, NULL, &d)) != PL_OK)
		goto out;
	if (cli_has(a, "json")) {
		/* the payload as signed (its strings' DEL, C1 and bidirectional controls written as escapes) */
		pl_buf j;
		pl_buf_init(&j, PL_DSSE_MAX + 256);
		if (pl_buf_printf(&j, "{\"index\":%llu,\"verified\":{\"checkpoint\":true,\"inclusion\":true,"
				      "\"signature\":true},\"statement\":",
				  (unsigned long long)index) == PL_OK &&
		    pl_buf_append(&j, env.payload, env.payload_len) == PL_OK && pl_buf_putc(&j, '}') == PL_OK)
			cli_print_json_text(j.data, j.len);
		else
			rc = pl_diag_set(&d, PL_ENOMEM, "out of memory");
		pl_buf_release(&j);
	} else {
		print_statement(index, &st, c.pol.quorum ? "checkpoint signature ok, witness quorum ok, inclusion ok, author's "
							   "signature ok"
							 : "checkpoint signature ok, inclusion ok, author's signature ok");
	}
out:
	pl_entries_close(&e);
	pl_stmt_release(&st);
	pl_envelope_release(&env);
	cli_session_close(&c);
	if (rc != PL_OK)
		return cli_fail("get", rc, &d);
	return 0;
}

int cmd_proof(const cli_call *call)
{
	const cli_args *a = &call->args;
	uint64_t index;
	if (a->npos != 1 || !cli_u64(a->pos[0], &index))
		return cli_usage_call(call, "proof needs an entry INDEX");
	pl_diag d = {0};
	cli_session c;
	int rc = cli_session_open(call, false, &c, &d);
	if (rc != PL_OK)
		return cli_fail("proof", rc, &d);
	pl_buf proof, entry;
	pl_buf_init(&proof, PL_PROOF_FILE_MAX);
	pl_buf_init(&entry, PL_DSSE_MAX);
	/* from the member's verified copy: its checkpoint opened under the policy, the proof built from its tiles */
	pl_copy *copy = NULL;
	pl_source *src = NULL;
	if ((rc = cli_session_copy(call, &c, &copy, &d)) == PL_OK &&
	    (rc = pl_source_open_dir(pl_copy_dir(copy), &src, &d)) == PL_OK)
		rc = pl_published_prove(src, &c.pol, index, &proof, &d);
	pl_source_free(src);
	const char *out = cli_get(a, "out");
	if (rc == PL_OK && out != NULL) {
		char tmp[PATH_MAX + 8];
		snprintf(tmp, sizeof tmp, "%s.tmp", out);
		rc = pl_fs_replace(out, tmp, proof.data, proof.len, 0644, &d);
		if (rc == PL_OK)
			printf("proof of entry %llu written to %s (checked: checkpoint signature%s, inclusion)\n",
			       (unsigned long long)index, out, c.pol.quorum ? ", witness quorum" : "");
	} else if (rc == PL_OK && fwrite(proof.data, 1, proof.len, stdout) != proof.len) {
		rc = pl_diag_set(&d, PL_EIO, "writing the proof");
	}
	pl_buf_release(&proof);
	pl_buf_release(&entry);
	cli_session_close(&c);
	if (rc != PL_OK)
		return cli_fail("proof", rc, &d);
	return 0;
}

int cmd_verify_proof(const cli_call *call)
{
	const cli_args *a = &call->args;
	if (a->npos != 1)
		return cli_usage_call(call, a->npos == 0 ? "verify-proof needs FILE" : "verify-proof takes one FILE, not %d",
				      a->npos);
	const char *vkey = cli_opt(a, "vkey", "PARLEY_VKEY"), *idf = cli_get(a, "identity");
	if (vkey == NULL)
		return cli_usage_call(call, "--vkey (the log's key) is needed");
	pl_diag d = {0};
	pl_verifier v;
	pl_identity id;
	pl_policy pol;
	pl_buf file;
	pl_buf_init(&file, PL_PROOF_FILE_MAX > PL_ACCEPTED_FILE_MAX ? PL_PROOF_FILE_MAX : PL_ACCEPTED_FILE_MAX);
	pl_stmt st;
	uint64_t index = 0;
	memset(&st, 0, sizeof st);
	int rc = cli_load_vkey(vkey, &v, &d);
	if (rc == PL_OK) {
		pl_policy_init(&pol, &v);
		rc = cli_policy_witnesses(a, &pol, &d);
	}
	if (rc == PL_OK)
		rc = pl_fs_read(a->pos[0], file.max, &file, &d);
	if (rc == PL_OK && cli_is_acceptance(&file)) {
		/* a kept acceptance (its JSON), not a proof file */
		int status = idf != NULL ? cli_usage_call(call, "%s is an acceptance: it names a leaf, not a statement to "
								 "check with --identity",
							   a->pos[0])
					 : cmd_verify_acceptance(call, a->pos[0], &file, &pol);
		pl_buf_release(&file);
		return status;
	}
	if (rc == PL_OK && (idf == NULL || cli_get(a, "log") != NULL || cli_get(a, "evidence") != NULL)) {
		pl_buf_release(&file);
		return cli_usage_call(call, idf == NULL ? "--identity (the author's identity) is needed for a proof file; "
							  "`parley log verify-proof` checks the log part alone"
							: "--log and --evidence are for an acceptance; a proof file carries its "
							  "checkpoint");
	}
	if (rc == PL_OK)
		rc = pl_identity_load(idf, &id, &d);
	if (rc == PL_OK)
		rc = pl_statement_proof_verify(file.data, file.len, &pol, &id, &index, &st, &d);
	if (rc == PL_OK)
		print_statement(index, &st, pol.quorum ? "checkpoint signature ok, witness quorum ok, inclusion ok, author's "
							 "signature ok (offline)"
						       : "checkpoint signature ok, inclusion ok, author's signature ok (offline)");
	pl_stmt_release(&st);
	pl_buf_release(&file);
	if (rc != PL_OK)
		return cli_fail("verify-proof", rc, &d);
	return 0;
}

int cmd_enroll(const cli_call *call)
{
	const cli_args *a = &call->args;
	if (a->npos != 1)
		return cli_usage_call(call, "enroll needs the candidate's identity file");
	pl_diag d = {0};
	pl_identity id;
	int rc = pl_identity_load(a->pos[0], &id, &d);
	if (rc != PL_OK)
		return cli_fail("enroll", rc, &d);
	cli_session c;
	if ((rc = cli_session_open(call, true, &c, &d)) != PL_OK)
		return cli_fail("enroll", rc, &d);
	pl_buf idb;
	pl_buf_init(&idb, PL_IDENTITY_MAX);
	json_t *body = NULL;
	json_error_t je;
	if (pl_identity_format(&id, &idb) == PL_OK)
		body = json_pack("{s:o}", "identity", json_loadb((const char *)idb.data, idb.len, 0, &je));
	int status = body ? cli_session_submit(&c, a, "enroll", body, NULL, 0, NULL, "enroll", NULL)
			  : cli_fail("enroll", PL_ENOMEM, NULL);
	json_decref(body);
	pl_buf_release(&idb);
	cli_session_close(&c);
	return status;
}

/* key rotate and key revoke */
static int key_change(const cli_call *call, bool rotate)
{
	const cli_args *a = &call->args;
	if (a->npos != 0)
		return cli_usage_call(call, "key %s takes no arguments", rotate ? "rotate" : "revoke");
	pl_diag d = {0};
	cli_session c;
	int rc = cli_session_open(call, true, &c, &d);
	if (rc != PL_OK)
		return cli_fail("key", rc, &d);
	int status;
	if (rotate) {
		pl_party_key *nk = NULL;
		if (cli_get(a, "new") == NULL || (rc = cli_load_party_key(cli_get(a, "new"), a, &nk, &d)) != PL_OK) {
			cli_session_close(&c);
			return rc == PL_OK ? cli_usage_call(call, "key rotate needs --new NEW.key") : cli_fail("key", rc, &d);
		}
		if (strcmp(nk->id.party, c.key->id.party) != 0) {
			pl_party_key_free(nk);
			cli_session_close(&c);
			pl_diag_set(&d, PL_EINVAL, "the new key belongs to another party");
			return cli_fail("key", PL_EINVAL, &d);
		}
		pl_buf idb;
		pl_buf_init(&idb, PL_IDENTITY_MAX);
		json_error_t je;
		json_t *body = NULL;
		if (pl_identity_format(&nk->id, &idb) == PL_OK)
			body = json_pack("{s:o}", "identity", json_loadb((const char *)idb.data, idb.len, 0, &je));
		status = body ? cli_session_submit(&c, a, "key.rotate", body, NULL, 0, nk, "key rotate", NULL)
			      : cli_fail("key", PL_ENOMEM, NULL);
		json_decref(body);
		pl_buf_release(&idb);
		pl_party_key_free(nk);
	} else {
		json_t *body = cli_get(a, "reason") ? json_pack("{s:s}", "reason", cli_get(a, "reason")) : json_object();
		status = cli_session_submit(&c, a, "key.revoke", body, NULL, 0, NULL, "key revoke", NULL);
		json_decref(body);
	}
	cli_session_close(&c);
	return status;
}

int cmd_key_rotate(const cli_call *call)
{
	return key_change(call, true);
}

int cmd_key_revoke(const cli_call *call)
{
	return key_change(call, false);
}

int cmd_members_rekey(const cli_call *call)
{
	const cli_args *a = &call->args;
	if (a->npos != 0)
		return cli_usage_call(call, "members rekey takes no arguments");
	pl_diag d = {0};
	cli_session c;
	int rc = cli_session_open(call, true, &c, &d);
	if (rc != PL_OK)
		return cli_fail("members rekey", rc, &d);
	uint64_t index;
	rc = cli_members_rekey(call, &c, a, false, &index, &d);
	int status = 0;
	if (rc == PL_EEXIST)
		printf("the members' key of entry %llu is current: no rekey needed\n", (unsigned long long)index);
	else if (rc == PL_EREFUSED)
		status = EXIT_REFUSED; /* the server's sentence is said */
	else if (rc != PL_OK)
		status = cli_fail("members rekey", rc, &d);
	cli_session_close(&c);
	return status;
}

int cmd_contact(const cli_call *call)
{
	const cli_args *a = &call->args;
	static const char *const fields[] = {"name", "email", "phone", "url", "hours", "note"};
	json_t *contact = json_object();
	for (size_t i = 0; i < sizeof fields / sizeof *fields; i++)
		if (cli_get(a, fields[i]))
			json_object_set_new(contact, fields[i], json_string(cli_get(a, fields[i])));
	if (json_object_size(contact) == 0) {
		json_decref(contact);
		return cli_usage_call(call, "give at least one contact field");
	}
	json_t *body = json_pack("{s:o}", "contact", contact);
	/* the rules, before anything is sealed: the server sees none of it once sealed */
	pl_refusal v;
	memset(&v, 0, sizeof v);
	pl_stmt st;
	memset(&st, 0, sizeof st);
	snprintf(st.type, sizeof st.type, "contact.update");
	st.body = body;
	if (pl_members_contact_check(body, &v) != PL_OK || pl_wf_lines_check(&st, &v) != PL_OK) {
		json_decref(body);
		return cli_usage_call(call, "%s: %s", pl_refusal_name(v.code), v.msg);
	}
	pl_diag d = {0};
	cli_session c;
	int rc = cli_session_open(call, true, &c, &d);
	if (rc != PL_OK) {
		json_decref(body);
		return cli_fail("contact", rc, &d);
	}
	bool public = cli_has(a, "public");
	cli_sealer z;
	memset(&z, 0, sizeof z);
	json_t *sealed = NULL;
	if (!public) {
		/* sealed to the members' key (TLP:GREEN): members read it, whenever they join */
		const char *lang = cli_get(a, "lang");
		z.call = call;
		z.type = "contact.update";
		z.green = true;
		z.fields = sealed = json_pack("{s:s,s:O}", "lang", lang != NULL ? lang : "en", "contact", contact);
		c.seal = cli_seal_body;
		c.prepare = cli_seal_prepare;
		c.seal_ctx = &z;
		json_decref(body);
		body = json_object();
	}
	int status = sealed != NULL || public ? cli_session_submit(&c, a, "contact.update", body, NULL, 0, NULL, "contact", NULL)
					      : cli_fail("contact", PL_ENOMEM, NULL);
	json_decref(sealed);
	json_decref(body);
	cli_session_close(&c);
	return status;
}

/* blob put and blob get */
static int blob(const cli_call *call, bool put)
{
	const cli_args *a = &call->args;
	if (a->npos != 1)
		return cli_usage_call(call, put ? "blob put needs FILE" : "blob get needs SHA256");
	pl_diag d = {0};
	cli_session c;
	int rc = cli_session_open(call, true, &c, &d);
	if (rc != PL_OK)
		return cli_fail("blob", rc, &d);
	pl_buf data;
	pl_buf_init(&data, (size_t)1 << 30);
	char hex[PL_SHA256_HEX_LEN + 1];
	if (put) {
		rc = cli_read_input(a->pos[0], (size_t)1 << 30, &data, &d);
		if (rc == PL_OK)
			rc = pl_api_blob_put_mem(c.api, c.key, c.pol.log.name, data.data, data.len, hex, &d);
		if (rc == PL_OK)
			printf("%s\n", hex);
	} else {
		snprintf(hex, sizeof hex, "%s", a->pos[0]);
		rc = pl_api_blob_get_mem(c.api, c.key, c.pol.log.name, hex, &data, &d);
		const char *out = cli_get(a, "out");
		if (rc == PL_OK && out != NULL) {
			char tmp[PATH_MAX + 8];
			snprintf(tmp, sizeof tmp, "%s.tmp", out);
			rc = pl_fs_replace(out, tmp, data.data, data.len, 0600, &d);
		} else if (rc == PL_OK && fwrite(data.data, 1, data.len, stdout) != data.len) {
			rc = pl_diag_set(&d, PL_EIO, "writing the blob");
		}
	}
	pl_buf_release(&data);
	cli_session_close(&c);
	if (rc == PL_EREFUSED) {
		cli_texts t = {0};
		fprintf(stderr, "parley blob: %s\n", cli_text(&t, pl_diag_text(&d, rc)));
		cli_texts_release(&t);
		return EXIT_REFUSED;
	}
	if (rc != PL_OK)
		return cli_fail("blob", rc, &d);
	return 0;
}

int cmd_blob_put(const cli_call *call)
{
	return blob(call, true);
}

int cmd_blob_get(const cli_call *call)
{
	return blob(call, false);
}
