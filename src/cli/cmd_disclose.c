/* cmd_disclose.c - disclose, prove and verify-disclosure: what a reader of a sealed statement shows a
 * third party, checked offline (client/disclosure.h; docs/confidentiality.md, section 7). */
#include "cli/cli.h"
#include "cli/cmds.h"
#include "cli/sealing.h"
#include "client/epochs.h"
#include "cli/session.h"
#include "monitor/copy.h"

#include "base/codec.h"
#include "base/fsio.h"
#include "base/timefmt.h"
#include "client/disclosure.h"
#include "store/source.h"

#include <jansson.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* disclose, prove and outcome export: the file made from the member's verified copy with the member's key */
enum { MAKE_DISCLOSE, MAKE_PROVE, MAKE_OUTCOME };
static int make_file(const cli_call *call, int what)
{
	bool prove = what == MAKE_PROVE;
	const char *cmd = prove ? "prove" : what == MAKE_OUTCOME ? "outcome export" : "disclose";
	const cli_args *a = &call->args;
	uint64_t index;
	const char *out = cli_get(a, "out");
	if (a->npos != 1 || !cli_u64(a->pos[0], &index) || out == NULL)
		return cli_usage_call(call, "%s needs an entry INDEX and --out FILE", cmd);
	pl_diag d = {0};
	cli_session c;
	int rc = cli_session_open(call, true, &c, &d);
	if (rc != PL_OK)
		return cli_fail(cmd, rc, &d);
	pl_buf file;
	pl_buf_init(&file, PL_DFILE_MAX);
	pl_copy *copy = NULL;
	pl_source *src = NULL;
	pl_epochs ep; /* the members' keys the member's key opens, for a TLP:GREEN statement */
	memset(&ep, 0, sizeof ep);
	if ((rc = cli_session_copy(call, &c, &copy, &d)) == PL_OK && (rc = cli_members_keys(call, &c, &ep, &d)) == PL_OK &&
	    (rc = pl_source_open_dir(pl_copy_dir(copy), &src, &d)) == PL_OK)
		rc = what == MAKE_OUTCOME ? pl_dfile_make_outcome(src, pl_copy_index(copy), &c.pol, index, c.key, &ep.ring, &file, &d)
					  : pl_dfile_make(src, pl_copy_index(copy), &c.pol, index, c.key, &ep.ring, prove, &file, &d);
	pl_source_free(src);
	pl_epochs_release(&ep);
	if (rc == PL_OK) {
		char tmp[PATH_MAX + 8];
		snprintf(tmp, sizeof tmp, "%s.tmp", out);
		rc = pl_fs_replace(out, tmp, file.data, file.len, 0644, &d);
	}
	if (rc == PL_OK) {
		cli_texts t = {0};
		printf("%s of entry %llu written to %s (checked as a third party will: checkpoint signature%s, "
		       "inclusion, the author's signature, %s); `parley verify-disclosure %s` checks it offline\n",
		       prove ? "proof of the author's misbehaviour" : what == MAKE_OUTCOME ? "the outcome and its endorsements" : "disclosure",
		       (unsigned long long)index,
		       cli_text(&t, out), c.pol.quorum ? ", witness quorum" : "",
		       prove ? "the proof" : "the commitment", cli_text(&t, out));
		cli_texts_release(&t);
	}
	pl_buf_wipe(&file);
	cli_session_close(&c);
	return rc == PL_OK ? 0 : cli_fail(cmd, rc, &d);
}

int cmd_disclose(const cli_call *call)
{
	return make_file(call, MAKE_DISCLOSE);
}

int cmd_prove(const cli_call *call)
{
	return make_file(call, MAKE_PROVE);
}

int cmd_outcome_export(const cli_call *call)
{
	return make_file(call, MAKE_OUTCOME);
}

/* An outcome's file: every party of its session endorsed it. */
static bool jointly_endorsed(const pl_dfile_result *r)
{
	return r->nparties > 0 && r->nendorsed == r->nparties;
}

static const char *fault_name(pl_sealed_fault f)
{
	switch (f) {
	case PL_SEALED_FAULT_WRAP:
		return "wrap";
	case PL_SEALED_FAULT_CIPHER:
		return "cipher";
	case PL_SEALED_FAULT_CONTENT:
		return "content";
	case PL_SEALED_FAULT_COMMITMENT:
		return "commitment";
	case PL_SEALED_FAULT_NONE:
		break;
	}
	return "none";
}

static const char *fault_text(pl_sealed_fault f)
{
	switch (f) {
	case PL_SEALED_FAULT_WRAP:
		return "the content key wrapped to this reader does not open";
	case PL_SEALED_FAULT_CIPHER:
		return "the key wrapped to this reader does not open the sealed text";
	case PL_SEALED_FAULT_CONTENT:
		return "the sealed text opens to something that is not a well-formed body";
	case PL_SEALED_FAULT_COMMITMENT:
		return "the sealed text opens to a body its signed commitment does not name";
	case PL_SEALED_FAULT_NONE:
		break;
	}
	return "no fault";
}

static const char NOT_CHECKED[] =
	"that the author's key was not rotated or revoked between its establishment and the statement, that the "
	"key's entry was admitted (an enrolment's sponsors), that the readers are the right ones for the thread "
	"(`parley log audit` and a copy of the whole log check these)";

/* What the file shows, as JSON (docs/cli.md, "verify-disclosure --json"). */
static json_t *result_json(const pl_dfile_result *r)
{
	char ts[PL_TIME_LEN + 1];
	pl_time_format(r->st.time, ts);
	json_t *readers = json_array();
	for (size_t i = 0; i < r->head->n; i++) {
		const pl_seal_entry *e = &r->head->e[i];
		char fp[2 * PL_SEAL_FP_SIZE + 1];
		pl_hex_encode(e->fp, PL_SEAL_FP_SIZE, fp);
		json_array_append_new(readers, e->type == PL_SEAL_PARTY
						       ? json_pack("{s:s,s:s}", "party", e->party, "fingerprint", fp)
						       : json_pack("{s:I,s:s}", "members_epoch", (json_int_t)e->epoch,
								   "fingerprint", fp));
	}
	json_t *thread = json_object();
	static const char *const links[] = {"case", "request", "evidence"};
	for (size_t i = 0; i < sizeof links / sizeof links[0]; i++) {
		json_t *v = json_object_get(r->st.body, links[i]);
		if (json_is_integer(v))
			json_object_set(thread, links[i], v);
	}
	/* the thread's entries the file proves, up to the concern (none in a file made before them) */
	json_t *proven = json_array();
	for (size_t i = 0; i < r->nthread; i++)
		json_array_append_new(proven, json_pack("{s:I,s:s}", "entry", (json_int_t)r->thread[i], "type",
							r->thread_type[i]));
	json_object_set_new(thread, "proven", proven);
	json_t *tlp = r->tlp[0] != '\0' ? json_string(r->tlp) : json_null();
	json_t *v = json_pack("{s:s,s:s,s:I,s:I,s:s,s:s,s:I,s:s,s:o,s:o,s:o,s:{s:I,s:s},s:I}", "kind",
			      r->kind == PL_DFILE_DISCLOSURE ? "disclosure" : "misbehaviour", "log", r->st.log, "index",
			      (json_int_t)r->index, "tree_size", (json_int_t)r->tree_size, "time", ts, "author",
			      r->st.author, "seq", (json_int_t)r->st.seq, "type", r->st.type, "thread", thread, "tlp",
			      tlp, "readers", readers, "author_key", "entry",
			      (json_int_t)r->author_key, "type", r->author_key_type, "bucket", (json_int_t)r->bucket);
	if (v == NULL)
		return NULL;
	if (r->kind == PL_DFILE_DISCLOSURE) {
		json_object_set(v, "sealed", r->fields);
	} else {
		json_t *p = json_pack("{s:s,s:s,s:s}", "proof", r->proof == PL_SEALPROOF_BOX ? "box" : "key", "fault",
				      fault_name(r->fault), "says", fault_text(r->fault));
		if (p != NULL && r->proof == PL_SEALPROOF_BOX)
			json_object_set_new(p, "reader",
					    json_pack("{s:s,s:I}", "party", r->reader, "key_entry", (json_int_t)r->reader_key));
		json_object_set_new(v, "misbehaviour", p);
	}
	if (r->nparties > 0) {
		json_t *parties = json_array(), *by = json_object();
		for (size_t i = 0; i < r->nparties; i++) {
			json_array_append_new(parties, json_string(r->parties[i]));
			json_object_set_new(by, r->parties[i],
					    r->endorsed_at[i] == UINT64_MAX ? json_null() : json_integer((json_int_t)r->endorsed_at[i]));
		}
		json_object_set_new(v, "endorsements", json_pack("{s:o,s:o,s:b}", "parties", parties, "endorsed_at", by,
								  "agreed", jointly_endorsed(r)));
	}
	json_object_set_new(v, "not_checked", json_string(NOT_CHECKED));
	return v;
}

static void print_result(const pl_dfile_result *r, const pl_policy *pol)
{
	cli_texts t = {0};
	char ts[PL_TIME_LEN + 1];
	pl_time_format(r->st.time, ts);
	printf("%s of entry %llu of %s\n", r->kind == PL_DFILE_DISCLOSURE ? "disclosure" : "PROOF OF MISBEHAVIOUR",
	       (unsigned long long)r->index, cli_text(&t, r->st.log));
	printf("  checked offline: checkpoint of %llu entries signed by the log%s, inclusion of every entry, the "
	       "author's signature under the key of entry %llu (%s)\n",
	       (unsigned long long)r->tree_size, pol->quorum ? " and cosigned by the witness quorum" : " (no quorum asked)",
	       (unsigned long long)r->author_key, cli_text(&t, r->author_key_type));
	const char *want = NULL, *link = pl_dfile_thread_link(r->st.type, &want);
	bool own = json_is_string(json_object_get(r->st.body, "tlp"));
	printf("  %s by %s (seq %llu) at %s%s%s%s\n", cli_text(&t, r->st.type), cli_text(&t, r->st.author),
	       (unsigned long long)r->st.seq, ts, r->tlp[0] ? ", " : "", r->tlp[0] ? cli_text(&t, r->tlp) : "",
	       r->tlp[0] && !own ? " (its concern's label)" : "");
	if (link != NULL && r->nthread == 0)
		printf("  thread: %s %lld (not proven in this file, made by an older parley: its label is not shown)\n",
		       link, (long long)json_integer_value(json_object_get(r->st.body, link)));
	for (size_t i = 0; i < r->nthread; i++)
		printf("  thread: %s at entry %llu, proven in the same checkpoint\n", cli_text(&t, r->thread_type[i]),
		       (unsigned long long)r->thread[i]);
	printf("  readers:");
	for (size_t i = 0; i < r->head->n; i++) {
		char fp[2 * PL_SEAL_FP_SIZE + 1];
		pl_hex_encode(r->head->e[i].fp, PL_SEAL_FP_SIZE, fp);
		if (r->head->e[i].type == PL_SEAL_PARTY)
			printf(" %s (key %.16s...)", cli_text(&t, r->head->e[i].party), fp);
		else
			printf(" the members (epoch %llu)", (unsigned long long)r->head->e[i].epoch);
	}
	printf("\n");
	if (r->kind == PL_DFILE_DISCLOSURE) {
		printf("  what it says (its signed commitment checked):\n");
		const char *k;
		json_t *v;
		json_object_foreach(r->fields, k, v)
		{
			char *s = json_is_string(v) ? NULL : json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
			printf("    %s: %s\n", cli_text(&t, k), cli_text(&t, s != NULL ? s : json_string_value(v)));
			free(s);
		}
	} else {
		printf("  proven (%s proof): %s\n", r->proof == PL_SEALPROOF_BOX ? "box" : "key", fault_text(r->fault));
		if (r->proof == PL_SEALPROOF_BOX)
			printf("  the box is %s's, whose key entry %llu gives; its shared secret is proven without its "
			       "secret key\n",
			       cli_text(&t, r->reader), (unsigned long long)r->reader_key);
	}
	if (r->nparties > 0) {
		printf("  endorsed by %zu of the session's %zu parties, each endorsement signed and bound to this text:\n",
		       r->nendorsed, r->nparties);
		for (size_t i = 0; i < r->nparties; i++)
			if (r->endorsed_at[i] == UINT64_MAX)
				printf("    %-14s NO ENDORSEMENT in this file\n", cli_text(&t, r->parties[i]));
			else
				printf("    %-14s endorsed at entry %llu\n", cli_text(&t, r->parties[i]),
				       (unsigned long long)r->endorsed_at[i]);
		printf("  %s\n", jointly_endorsed(r) ? "JOINTLY ENDORSED by every party of the session"
						     : "NOT jointly endorsed: a party's endorsement is missing");
	}
	printf("  not checked offline: %s\n", NOT_CHECKED);
	cli_texts_release(&t);
}

int cmd_verify_disclosure(const cli_call *call)
{
	const cli_args *a = &call->args;
	if (a->npos != 1)
		return cli_usage_call(call, a->npos == 0 ? "verify-disclosure needs FILE"
						   : "verify-disclosure takes one FILE, not %d",
				      a->npos);
	const char *vkey = cli_opt(a, "vkey", "PARLEY_VKEY");
	if (vkey == NULL)
		return cli_usage_call(call, "--vkey (the log's key) is needed");
	pl_diag d = {0};
	pl_verifier v;
	pl_policy pol;
	pl_buf file;
	pl_buf_init(&file, PL_DFILE_MAX);
	pl_dfile_result r;
	memset(&r, 0, sizeof r);
	int rc = cli_load_vkey(vkey, &v, &d);
	if (rc == PL_OK) {
		pl_policy_init(&pol, &v);
		rc = cli_policy_member(a, &pol, &d);
	}
	if (rc == PL_OK)
		rc = pl_fs_read(a->pos[0], file.max, &file, &d);
	if (rc == PL_OK) {
		rc = pl_dfile_check(file.data, file.len, &pol, &r, &d);
		if (rc == PL_EFORMAT || rc == PL_ETOOBIG) {
			char why[sizeof d.msg];
			snprintf(why, sizeof why, "%s", pl_diag_text(&d, rc));
			d.msg[0] = '\0';
			rc = pl_diag_set(&d, PL_EVERIFY, "%s is not a valid disclosure or proof file: %s", a->pos[0], why);
		}
	}
	if (rc == PL_OK && cli_has(a, "json")) {
		json_t *j = result_json(&r);
		cli_print_json(j, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
		json_decref(j);
	} else if (rc == PL_OK) {
		print_result(&r, &pol);
	}
	/* an outcome's file with endorsements proves joint endorsement, or fails: one missing is not agreed */
	bool partial = rc == PL_OK && r.nparties > 0 && r.nendorsed > 0 && !jointly_endorsed(&r);
	pl_dfile_result_release(&r);
	pl_buf_wipe(&file);
	if (partial)
		return 1;
	return rc == PL_OK ? 0 : cli_fail("verify-disclosure", rc, &d);
}
